import django.core.validators
from django.db import migrations

import zhidu.core.fields

COLUMNS = ("webhook_url", "secret")


def _rewrite(apps, schema_editor, change):
    """Read and write the columns with SQL: the model field would try to decrypt the plain
    text still stored."""
    Channel = apps.get_model("notifications", "NotificationChannel")
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    table = quote(Channel._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(quote(c) for c in COLUMNS)} FROM {table}")
        for pk, *values in cursor.fetchall():
            new = [change(v) if v else v for v in values]
            if new != values:
                sets = ", ".join(f"{quote(c)} = %s" for c in COLUMNS)
                cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s", [*new, pk])


def encrypt_existing(apps, schema_editor):
    from zhidu.core.crypto import encrypt_str, is_encrypted

    _rewrite(apps, schema_editor, lambda v: v if is_encrypted(v) else encrypt_str(v))


def decrypt_existing(apps, schema_editor):
    from zhidu.core.crypto import decrypt_str, is_encrypted

    _rewrite(apps, schema_editor, lambda v: decrypt_str(v) if is_encrypted(v) else v)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_builtin_channels"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notificationchannel",
            name="secret",
            field=zhidu.core.fields.EncryptedTextField(
                blank=True,
                help_text="DingTalk: the secret shown under “Sign” (加签) in the robot's security settings (starts with SEC).",
                validators=[django.core.validators.MaxLengthValidator(200)],
                verbose_name="signing secret",
            ),
        ),
        migrations.AlterField(
            model_name="notificationchannel",
            name="webhook_url",
            field=zhidu.core.fields.EncryptedTextField(
                blank=True,
                validators=[django.core.validators.MaxLengthValidator(500)],
                verbose_name="webhook URL",
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
