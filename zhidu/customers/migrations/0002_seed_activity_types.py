"""Seed the activity types the regulations name (admins edit them afterwards)."""

from django.db import migrations

# code, 中文, English, counts as valid by default, requires a visit check-in
TYPES = [
    ("call", "电话", "Call", True, False),
    ("visit", "拜访", "Visit", True, True),
    ("customer_visit", "客户来访", "Customer visit to us", True, False),
    ("factory_tour", "参观工厂", "Factory tour", True, False),
    ("samples_sent", "寄样", "Samples sent", True, False),
    ("business_meal", "宴请", "Business meal", True, False),
    ("meeting", "会议", "Meeting", True, False),
    ("email", "邮件", "E-mail", False, False),
    ("wechat", "微信", "WeChat", False, False),
    ("note", "备注", "Note", False, False),
]


def seed(apps, schema_editor):
    ActivityType = apps.get_model("customers", "ActivityType")
    for order, (code, name, name_en, valid, check_in) in enumerate(TYPES, start=1):
        ActivityType.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "counts_as_valid": valid,
                "requires_check_in": check_in,
                "sort_order": order * 10,
            },
        )


def unseed(apps, schema_editor):
    ActivityType = apps.get_model("customers", "ActivityType")
    ActivityType.objects.filter(code__in=[t[0] for t in TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
