"""``zhidu export_customers --user USER -o FILE``: export the customers (or ``--kind
contacts``) a person may see, with list filters (``--filter tier=A --filter province=31``),
as CSV or XLSX — the same service, permission, policy cap, watermark and access log as
the export button. An export over the policy's cap becomes an approval request."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Export customers or contacts as CSV or XLSX (as a given user, with list filters)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="User name the export runs as")
        parser.add_argument("-o", "--output", required=True, help="File to write")
        parser.add_argument("--kind", default="customers", choices=["customers", "contacts"])
        parser.add_argument("--format", default="", choices=["", "csv", "xlsx"], help="Default: from the file name")
        parser.add_argument("--filter", action="append", default=[], help="name=value, as in the list's URL")
        parser.add_argument("--reason", default="", help="What the export is for (needed over the approval cap)")

    def handle(self, *args, **options):
        from zhidu.core.errors import ApplicationError
        from zhidu.customers.services.exports import export_create
        from zhidu.org.models import User

        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {options['user']!r}")
        out = Path(options["output"])
        fmt = options["format"] or ("xlsx" if out.suffix.lower() == ".xlsx" else "csv")
        filters = dict(f.split("=", 1) for f in options["filter"] if "=" in f)
        try:
            result = export_create(
                actor=actor, kind=options["kind"], filters=filters, file_format=fmt, reason=options["reason"]
            )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        if result.waiting:
            self.stdout.write(
                f"{result.log.row_count} rows need an approval: request #{result.log.approval_id} submitted; "
                "the file is built when it is approved."
            )
            return
        out.write_bytes(result.content or b"")
        self.stdout.write(f"{result.log.row_count} rows written to {out} ({result.log.watermark})")
