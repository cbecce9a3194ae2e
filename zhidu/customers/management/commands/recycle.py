"""``zhidu recycle``: run the public-pool recycling now (what the nightly job does), or
``--dry-run`` to list what it would recycle and whom it would warn, and why."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Recycle idle customers to the public pool (--dry-run: only list them)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would happen; change nothing.")
        parser.add_argument("--warn", action="store_true", help="Also send (or list) the warnings ahead of recycling.")
        parser.add_argument("--date", help="Judge as of this business date (YYYY-MM-DD), for a what-if.")

    def handle(self, *args, **options):
        from zhidu.customers.services.pool import pool_recycle_run, pool_recycle_warn

        now = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date: {exc}") from exc
            if not options["dry_run"]:
                raise CommandError("--date is only for --dry-run.")
            now = timezone.make_aware(dt.datetime.combine(day, dt.time(2, 0)))
        dry = options["dry_run"]
        report = pool_recycle_run(now=now, dry_run=dry)
        verb = "would recycle" if dry else "recycled"
        for row in report.recycled:
            self.stdout.write(f"{verb}\t{row.customer_id}\t{row.name}\towner={row.owner_id}\t{row.reason}")
        self.stdout.write(f"{verb} {report.count} customer(s)" + ("" if dry else f" in {report.batches} batch(es)"))
        if options["warn"]:
            rows = pool_recycle_warn(now=now, dry_run=dry)
            wverb = "would warn" if dry else "warned"
            for row in rows:
                due = f"{row.due:%Y-%m-%d}" if row.due else "-"
                self.stdout.write(
                    f"{wverb}\t{row.customer_id}\t{row.name}\towner={row.owner_id}\tdue {due}\t{row.reason}"
                )
            self.stdout.write(f"{wverb} about {len(rows)} customer(s)")
