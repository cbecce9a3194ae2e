"""``zhidu import_customers FILE --owner USER``: import customers (or ``--kind contacts``,
``--kind leads``) from a CSV or XLSX file on the command line, with a progress line.

The same services as the upload page: the mapping is guessed from the headers unless
``--mapping`` names it (``name=客户名称,contact_phone=电话`` — a header, or a 1-based column
number); duplicates, conflicts and the holding cap are checked; rejected rows are written
next to the file as ``<file>.rejected.csv`` (and kept with the import)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


def parse_mapping(text: str, headers: list[str]) -> dict[str, int]:
    """``field=header`` or ``field=3`` pairs (comma-separated), or a JSON object."""
    text = (text or "").strip()
    if not text:
        return {}
    pairs = json.loads(text) if text.startswith("{") else dict(p.split("=", 1) for p in text.split(",") if "=" in p)
    out: dict[str, int] = {}
    for key, value in pairs.items():
        value = str(value).strip()
        if value.isdigit():
            out[key.strip()] = int(value) - 1
        elif value in headers:
            out[key.strip()] = headers.index(value)
        else:
            raise CommandError(f"--mapping: no column called {value!r} (columns: {', '.join(headers)})")
    return out


class Command(BaseCommand):
    help = "Import customers, contacts or leads from a CSV or XLSX file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8, UTF-8 with BOM or GB18030/GBK) or XLSX file")
        parser.add_argument("--owner", help="User name of the person who will hold the records")
        parser.add_argument("--actor", help="User name the import runs as (default: the owner)")
        parser.add_argument("--kind", default="customers", choices=["customers", "contacts", "leads"])
        parser.add_argument("--mapping", default="", help="field=header or field=column number, comma-separated")
        parser.add_argument("--encoding", default="auto", choices=["auto", "utf-8", "utf-8-sig", "gb18030"])
        parser.add_argument("--sheet", default="", help="XLSX sheet name (default: the first)")

    def handle(self, *args, **options):
        from zhidu.core.errors import ApplicationError
        from zhidu.customers.services import imports as svc
        from zhidu.jobs.progress import CliProgress
        from zhidu.org.models import User

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")

        def user(name: str | None):
            if not name:
                return None
            found = User.objects.filter(username=name, is_active=True).first()
            if found is None:
                raise CommandError(f"no active user {name!r}")
            return found

        owner = user(options["owner"])
        actor = user(options["actor"]) or owner
        if actor is None:
            raise CommandError("give --owner (and --actor when someone else runs the import)")
        kind = options["kind"]
        try:
            job = svc.import_upload(
                actor=actor,
                kind=kind,
                content=path.read_bytes(),
                file_name=path.name,
                encoding=options["encoding"],
                sheet=options["sheet"],
                owner=owner,
            )
            headers = job.options.get("headers", [])
            mapping = parse_mapping(options["mapping"], headers) or job.mapping
            job = svc.import_mapping_set(actor=actor, job=job, mapping=mapping, owner=owner)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} {exc.fields or ''}".strip()) from exc
        labels = {f.key: str(f.label) for f in svc.fields_for(kind)}
        self.stdout.write(
            "mapping: " + ", ".join(f"{labels.get(k, k)} ← {headers[c]}" for k, c in sorted(job.mapping.items()))
        )
        bar = CliProgress(self.stdout)
        job = svc.import_run(job_id=job.pk, echo=bar.show)
        bar.finish()
        if job.status != "done":
            raise CommandError(f"import failed: {job.error}")
        self.stdout.write(f"{job.created_rows} imported, {job.rejected_rows} rejected of {job.total_rows} rows")
        for reason, n in sorted((job.options.get("rejected_by_reason") or {}).items()):
            self.stdout.write(f"  {reason}: {n}")
        if job.rejected_rows:
            out = path.with_name(path.name + ".rejected.csv")
            job.rejected_file.open("rb")
            try:
                out.write_bytes(job.rejected_file.read())
            finally:
                job.rejected_file.close()
            self.stdout.write(f"rejected rows: {out}")
        timings = job.options.get("timings")
        if timings:
            self.stdout.write("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()))
