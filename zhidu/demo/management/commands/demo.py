"""``zhidu demo --size small --seed 1 [--if-empty]``: load the demo company."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from zhidu.core.errors import ApplicationError
from zhidu.demo.services import DEFAULT_PASSWORD, SIZES, DemoResult, demo_load


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table whose columns line up with Chinese text in a terminal."""
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Load the demo company: the regulations' org with Chinese names, deterministic per seed."
    # Messages follow the installation's language (ZHIDU_LANGUAGE), not Django's English default.
    leave_locale_alone = True

    def add_arguments(self, parser):
        # Sizes and seeds are checked in handle(), so a bad value gets a translated message.
        parser.add_argument("--size", default="small", help="One of: " + ", ".join(SIZES) + " (default small).")
        parser.add_argument("--seed", default="1", help="A whole number; the same seed gives the same company.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and say so) when the database already has users.",
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"The password of every demo log-in (default {DEFAULT_PASSWORD}).",
        )

    def execute(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            return super().execute(*args, **options)

    def handle(self, *args, size, seed, if_empty, password, **options):
        try:
            result = demo_load(size=size, seed=seed, password=password, if_empty=if_empty)
        except ApplicationError as exc:
            raise CommandError(str(exc.message))
        self.report(result)

    def report(self, result: DemoResult) -> None:
        out = self.stdout
        if not result.loaded:
            out.write(_("The database already has users: the demo company was not loaded again."))
            if not result.logins:
                return
        else:
            org = result.org
            assert org is not None
            out.write(
                self.style.SUCCESS(
                    _(
                        "Loaded the demo company %(company)s (size %(size)s, seed %(seed)s): %(people)s people in %(units)s units."
                    )
                    % {
                        "company": org.company.name,
                        "size": org.size.name,
                        "seed": org.seed,
                        "people": result.people,
                        "units": result.units,
                    }
                )
            )
            for name, report in result.step_reports:
                out.write(f"  {name}: {report}")
        out.write("")
        out.write(_("Demo log-ins (one per role):"))
        rows = [[lg.role_label, lg.username, lg.full_name, lg.unit] for lg in result.logins]
        out.write(format_table([_("Role"), _("Log-in"), _("Name"), _("Unit")], rows))
        out.write("")
        if result.password and result.loaded:
            out.write(_("Password for every demo log-in: %(password)s") % {"password": result.password})
        elif result.password:
            out.write(
                _("Password for every demo log-in, unless changed since: %(password)s") % {"password": result.password}
            )
        else:
            out.write(_("Password: the one chosen when the demo was loaded."))
