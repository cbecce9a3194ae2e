from django.db import migrations, models


def existing_tokens_read_write(apps, schema_editor):
    """Tokens issued before scopes existed could do everything: they keep doing so."""
    ApiToken = apps.get_model("org", "ApiToken")
    ApiToken.objects.all().update(scopes=["read", "write"])


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_user_session"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(blank=True, default=list, verbose_name="scopes"),
        ),
        migrations.RunPython(existing_tokens_read_write, migrations.RunPython.noop),
    ]
