"""Customer import at scale (DESIGN: bulk import): 100,000 customers from an XLSX file,
with cleaning and the duplicate check, indexes in place, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhidu_bench .venv/bin/python bench/run.py import
    DATABASE_URL=sqlite:///var/bench-import.sqlite3 .venv/bin/python bench/run.py import --size 20000

The file (written with openpyxl's write-only mode, not timed) has the columns a sales
team's spreadsheet has — 客户名称, 统一社会信用代码 (valid GB 32100 check characters),
省份, 城市, 行业, 客户分类, 联系人, 手机, 地址 — and realistic dirt: about 3 % of the
names repeat an earlier one in another legal form or with full-width brackets, 1 % repeat
an earlier phone, 0.5 % an earlier credit code, 0.3 % carry a mistyped credit code, 0.2 %
have no name, phones are written in several ways (``+86 138-…``, spaces). Before the
timed run the database holds ``--size`` existing customers of other owners (seeded once
by an untimed import and kept), 1 % of which the file collides with (conflicts).

The timed run is ``import_run`` — read the XLSX (calamine), clean every row, compute the
search columns (pinyin), COPY into a staging table, find duplicates within the file and
against the existing rows in SQL, apply the holding cap, INSERT … SELECT the customers,
their contacts and the audit child rows, write the rejected rows' CSV — inside one outer
transaction that is rolled back afterwards, so the database keeps only the seed and runs
can be repeated. Each step's time comes from the job's own ``timings``.
"""

from __future__ import annotations

import io
import random
import time

from bench._names import CITIES, GIVEN, PROVINCE_OF, SURNAMES, TRADES
from bench._names import IMPORT_CORE as CORE
from bench._names import IMPORT_FORMS as FORMS

INDUSTRIES = ["制造业", "批发和零售业", "信息传输、软件和信息技术服务业", "建筑业", "C", "F", "I", ""]
TIERS = ["A", "B", "C", "C", "D", "B类", ""]
HEADER = ["客户名称", "统一社会信用代码", "省份", "城市", "行业", "客户分类", "联系人", "手机", "地址"]


def _code(n: int) -> str:
    from zhidu.customers.validators import credit_code_check_char

    first17 = f"91{n % 90 + 10:02d}{n % 9000 + 1000:04d}{n:09d}"[:17]
    return first17 + credit_code_check_char(first17)


def _phone(rnd: random.Random, n: int) -> str:
    digits = f"1{rnd.choice('3456789')}{n:09d}"[-11:]
    style = n % 5
    if style == 0:
        return f"+86 {digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if style == 1:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    return digits


def generate(size: int, *, seed: int, offset: int, collide_with: list[tuple[str, str]] | None = None):
    """``size`` rows (lists of cells); ``offset`` keeps codes and phones apart between
    files; ``collide_with`` (name, credit code) of existing customers: 1 % of rows hit one."""
    rnd = random.Random(seed)
    rows: list[list] = []
    names_seen: set[str] = set()
    for i in range(size):
        n = offset + i
        if collide_with and rnd.random() < 0.01:
            name, code = collide_with[rnd.randrange(len(collide_with))]
            rows.append([name, code, "", "", "", "", "", "", ""])
            continue
        r = rnd.random()
        city = rnd.choice(CITIES)
        contact = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
        address = f"{city}市{rnd.choice(CORE)}{rnd.choice(CORE)}路{rnd.randint(1, 999)}号"
        if rows and r < 0.03:  # an earlier name in another legal form or with brackets
            base = rows[rnd.randrange(len(rows))][0] or "无名"
            for form in sorted(FORMS, key=len, reverse=True):
                if base.endswith(form):
                    base = base[: -len(form)]
                    break
            name = rnd.choice([f"{base}（有限公司）", f"{base}公司", f"{base} 有限公司"])
            rows.append([name, "", "", city, "", "", contact, _phone(rnd, n + 70_000_000), address])
            continue
        while True:
            name = f"{city}{''.join(rnd.choice(CORE) for _ in range(rnd.choice((2, 2, 3))))}{rnd.choice(TRADES)}{rnd.choice(FORMS)}"
            if name not in names_seen:
                break
        names_seen.add(name)
        code = _code(n) if rnd.random() < 0.85 else ""
        phone = _phone(rnd, n)
        if rows and r < 0.04:  # an earlier row's phone
            phone = rows[rnd.randrange(len(rows))][7] or phone
        elif rows and r < 0.045:  # an earlier row's credit code
            code = rows[rnd.randrange(len(rows))][1] or code
        if code and rnd.random() < 0.003:  # a typing error: the check character fails
            code = code[:-1] + ("0" if code[-1] != "0" else "1")
        rows.append(
            [
                name if rnd.random() > 0.002 else "",
                code,
                PROVINCE_OF.get(city, ""),
                city,
                rnd.choice(INDUSTRIES),
                rnd.choice(TIERS),
                contact,
                phone,
                address,
            ]
        )
    return rows


def write_xlsx(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户")
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _users():
    from django.db import transaction

    from zhidu.org.choices import Role, UnitKind
    from zhidu.org.models import OrgUnit, User
    from zhidu.org.services import org_unit_create, post_assign

    with transaction.atomic():
        admin = User.objects.filter(username="bench_admin").first()
        if admin is None:
            admin = User.objects.create(
                username="bench_admin", full_name="Bench admin", is_staff=True, is_superuser=True
            )
        unit = OrgUnit.objects.filter(code="bench-import").first()
        if unit is None:
            unit = org_unit_create(actor=None, name="导入基准组", code="bench-import", kind=UnitKind.TEAM)
        users = {}
        for key in ("bench_importer", "bench_other"):
            u = User.objects.filter(username=key).first()
            if u is None:
                u = User.objects.create(username=key, full_name=key)
                post_assign(actor=None, user=u, unit=unit, role=Role.TEAM_MANAGER)
            users[key] = u
    return admin, unit, users["bench_importer"], users["bench_other"]


def _no_cap(admin, unit):
    """The bench unit's holding policy without a cap (inside the caller's transaction)."""
    from django.utils import timezone

    from zhidu.policies import services
    from zhidu.policies.registry import policy_kind

    doc = {**policy_kind("holding").default().model_dump(mode="json"), "max_customers": 0}
    draft = services.policy_draft_create(actor=admin, kind="holding", unit=unit)
    draft = services.policy_draft_update(actor=admin, version=draft, document=doc)
    services.policy_publish(actor=admin, version=draft, effective_from=timezone.localdate())


def _import(actor, owner, content: bytes, name: str):
    from zhidu.customers.services import imports

    job = imports.import_upload(actor=actor, kind="customers", content=content, file_name=name, owner=owner)
    t = time.perf_counter()
    job = imports.import_run(job_id=job.pk)
    return job, time.perf_counter() - t


def _seed(size: int, admin, unit, other) -> int:
    """Existing customers of another owner, imported once and kept."""
    from django.db import transaction

    from zhidu.customers.models import Customer

    have = Customer.objects.filter(owner=other).count()
    if have >= size * 0.9:
        return have
    with transaction.atomic():
        _no_cap(admin, unit)
    rows = generate(size, seed=11, offset=50_000_000)
    job, _s = _import(other, other, write_xlsx(rows), "seed.xlsx")
    return Customer.objects.filter(owner=other).count()


def _vacuum() -> None:
    """Before each timed run (not timed): a rolled-back run leaves its 94,000 dead rows and
    their index entries behind, and this server runs without autovacuum; without this each
    run would be slower than the one before (the tables had grown to several times their
    live size after a few runs). ``FULL`` so that every run starts from the same compact
    tables, as the first run after seeding does (a plain VACUUM leaves holes the next run's
    rows fill, with times varying by a third between runs)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("VACUUM FULL ANALYZE customers_customer, customers_contact, audit_auditevent")


def _indexes() -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as c:
        c.execute(
            "SELECT tablename, count(*) FROM pg_indexes WHERE tablename IN "
            "('customers_customer', 'customers_contact', 'audit_auditevent') GROUP BY 1 ORDER BY 1"
        )
        return ", ".join(f"{t}: {n}" for t, n in c.fetchall())


def run(args) -> list[dict]:
    from django.core.management import call_command
    from django.db import connection, transaction

    from zhidu.customers.models import Customer

    call_command("migrate", verbosity=0)
    size = args.size or 100_000
    admin, unit, importer, other = _users()
    existing = _seed(size, admin, unit, other)
    collide = list(Customer.objects.filter(owner=other).order_by("?").values_list("name", "credit_code")[:500])
    rows = generate(size, seed=4, offset=0, collide_with=collide)
    t = time.perf_counter()
    content = write_xlsx(rows)
    write_s = time.perf_counter() - t
    runs = []
    for _i in range(int(getattr(args, "repeat", 0) or 1)):
        _vacuum()
        with transaction.atomic():
            _no_cap(admin, unit)
            job, total = _import(importer, importer, content, "customers.xlsx")
            result = (
                total,
                dict(job.options.get("timings", {})),
                job.created_rows,
                job.rejected_rows,
                dict(job.options.get("rejected_by_reason", {})),
            )
            transaction.set_rollback(True)
        runs.append(result)
    total, timings, created, rejected, reasons = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    pg = connection.vendor == "postgresql"
    out = [
        {
            "name": f"import {size} customers from XLSX ({connection.vendor}, {existing} existing)",
            "value": round(total, 2),
            "unit": "s",
            "target": 10 if pg else None,
            "notes": f"{created} created, {rejected} rejected {reasons}; file {len(content) / 1e6:.1f} MB "
            f"(written in {write_s:.1f} s, not timed); indexes {_indexes()}",
        }
    ]
    for key, value in timings.items():
        out.append({"name": f"  step {key}", "value": round(value, 2), "unit": "s"})
    if len(runs) > 1:
        out.append(
            {
                "name": "  runs",
                "value": ", ".join(f"{r[0]:.2f}" for r in runs),
                "unit": "s",
                "notes": f"median of {len(runs)}",
            }
        )
    return out
