"""``zhidu field_keys_rotate``: encrypt the stored secrets again under the first key of
``ZHIDU_FIELD_KEYS``. Rotation: put the new key first (keep the old one after it), restart,
run this, then remove the old key (docs/deployment.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from zhidu.core.fields import field_keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt secrets stored at rest under the first key of ZHIDU_FIELD_KEYS."

    def handle(self, *args, **options):
        n = field_keys_rotate()
        self.stdout.write(f"{n} encrypted values rewritten under the first key.")
