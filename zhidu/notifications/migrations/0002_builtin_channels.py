from django.db import migrations


def create(apps, schema_editor):
    Channel = apps.get_model("notifications", "NotificationChannel")
    for kind, name in (("in_app", "In-app"), ("email", "E-mail")):
        Channel.objects.get_or_create(kind=kind, defaults={"name": name, "enabled": True})


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
