"""Two languages: every string the source marks for translation has a zh-hans
translation, and every compiled ``.mo`` matches its ``.po``.

For each catalogue — each app's ``zhidu/<app>/locale`` and the project's ``zhidu/locale``
(``zhidu/templates`` and the modules at the package root) — the sources are copied into a
temporary folder with the committed ``.po`` and Django's ``makemessages`` merges what it
extracts into the copy, exactly as a developer's run would. The test fails when the merged
catalogue has an untranslated or fuzzy entry, naming them, and when the committed ``.mo``
differs from a fresh ``msgfmt`` of the committed ``.po``. Nothing in the tree is written.

Fix a failure in an app with::

    cd zhidu/<app> && DJANGO_SETTINGS_MODULE=zhidu.settings ../../.venv/bin/python -m django makemessages -l zh_Hans
    # translate every empty msgstr, remove every "#, fuzzy", then
    DJANGO_SETTINGS_MODULE=zhidu.settings ../../.venv/bin/python -m django compilemessages

and in the project catalogue (base templates) with
``.venv/bin/python -m zhidu.core.tests.test_i18n project`` (it updates
``zhidu/locale/zh_Hans/LC_MESSAGES/django.po`` the same way) followed by translating and
``cd zhidu && DJANGO_SETTINGS_MODULE=zhidu.settings ../.venv/bin/python -m django compilemessages -l zh_Hans``
(which compiles every catalogue under ``zhidu/``).
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]  # zhidu/
LOCALE = "zh_Hans"
SOURCE_SUFFIXES = {".py", ".html", ".txt"}


@dataclass(frozen=True)
class Catalogue:
    name: str
    sources: tuple[Path, ...]  # files, or folders copied recursively
    root: Path  # where the copies are made relative to
    locale_dir: Path

    @property
    def po(self) -> Path:
        return self.locale_dir / LOCALE / "LC_MESSAGES" / "django.po"

    @property
    def mo(self) -> Path:
        return self.po.with_suffix(".mo")


def catalogues() -> list[Catalogue]:
    found = [
        Catalogue(
            name="project",
            sources=(*sorted(PACKAGE.glob("*.py")), PACKAGE / "templates"),
            root=PACKAGE,
            locale_dir=PACKAGE / "locale",
        )
    ]
    for app in sorted(p for p in PACKAGE.iterdir() if (p / "apps.py").is_file()):
        found.append(Catalogue(name=app.name, sources=(app,), root=app, locale_dir=app / "locale"))
    return found


def _copy_sources(cat: Catalogue, dest: Path) -> None:
    for source in cat.sources:
        files = [source] if source.is_file() else source.rglob("*")
        for f in files:
            rel = f.relative_to(cat.root)
            if f.suffix not in SOURCE_SUFFIXES or not f.is_file():
                continue
            if "locale" in rel.parts or any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)


def extract(cat: Catalogue, workdir: Path) -> Path | None:
    """The committed catalogue merged with what the sources mark today (a temp copy), or
    ``None`` when the sources mark nothing."""
    from django.core.management import call_command
    from django.test import override_settings

    dest = workdir / cat.name
    dest.mkdir(parents=True)
    _copy_sources(cat, dest)
    po = dest / "locale" / LOCALE / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    if cat.po.exists():
        shutil.copyfile(cat.po, po)
    cwd = os.getcwd()
    os.chdir(dest)
    try:
        with override_settings(LOCALE_PATHS=[]):
            call_command("makemessages", locale=[LOCALE], verbosity=0, domain="django")
    finally:
        os.chdir(cwd)
    return po if po.exists() else None


def _entries(po_text: str) -> list[str]:
    """The msgids of a .po text (header left out), for error messages."""
    out, current, in_msgid = [], [], False
    for line in po_text.splitlines():
        if line.startswith("msgid "):
            current, in_msgid = [line[6:].strip().strip('"')], True
        elif in_msgid and line.startswith('"'):
            current.append(line.strip().strip('"'))
        else:
            if in_msgid and "".join(current):
                out.append("".join(current))
            in_msgid = False
    if in_msgid and "".join(current):
        out.append("".join(current))
    return out


def _msgattrib(po: Path, *flags: str) -> list[str]:
    result = subprocess.run(
        ["msgattrib", "--no-obsolete", "--no-wrap", *flags, str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    return _entries(result.stdout)


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as f:
        catalog = dict(gettext.GNUTranslations(f)._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)  # the header carries the compile date
    return catalog


@pytest.fixture(scope="module")
def workdir():
    missing = [tool for tool in ("xgettext", "msgmerge", "msgattrib", "msgfmt") if not shutil.which(tool)]
    if missing:
        pytest.fail(
            f"GNU gettext is needed for the translation checks ({', '.join(missing)} missing): apt-get install gettext"
        )
    with tempfile.TemporaryDirectory(prefix="zhidu-i18n-") as d:
        yield Path(d)


@pytest.mark.parametrize("cat", catalogues(), ids=lambda c: c.name)
def test_zh_hans_catalogue_is_complete(cat, workdir):
    merged = extract(cat, workdir)
    if merged is None:
        return  # nothing marked for translation
    if not cat.po.exists():
        pytest.fail(
            f"{cat.name}: strings are marked for translation but {cat.po.relative_to(PACKAGE.parent)} is missing"
        )
    missing = _msgattrib(merged, "--untranslated")
    fuzzy = _msgattrib(merged, "--only-fuzzy")
    problems = []
    if missing:
        problems.append(f"{len(missing)} without a zh-hans translation:\n  " + "\n  ".join(missing[:40]))
    if fuzzy:
        problems.append(f"{len(fuzzy)} marked fuzzy:\n  " + "\n  ".join(fuzzy[:40]))
    assert not problems, f"{cat.name} ({cat.po.relative_to(PACKAGE.parent)}): " + "\n".join(problems)


@pytest.mark.parametrize("cat", catalogues(), ids=lambda c: c.name)
def test_compiled_catalogue_matches_po(cat, workdir):
    if not cat.po.exists():
        return
    assert cat.mo.exists(), f"{cat.mo.relative_to(PACKAGE.parent)} is missing: run compilemessages"
    fresh = workdir / f"{cat.name}-fresh.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(cat.po)], check=True, capture_output=True)
    committed, expected = _catalog(cat.mo), _catalog(fresh)
    stale = sorted(str(k) for k in expected.keys() ^ committed.keys())
    stale += sorted(str(k) for k in expected.keys() & committed.keys() if expected[k] != committed[k])
    assert not stale, f"{cat.mo.relative_to(PACKAGE.parent)} is out of date with its .po: " + ", ".join(stale[:20])


def update_project_catalogue() -> Path:
    """Refresh zhidu/locale's .po from zhidu/templates and the root modules (see above)."""
    cat = catalogues()[0]
    with tempfile.TemporaryDirectory(prefix="zhidu-i18n-") as d:
        merged = extract(cat, Path(d))
        if merged is None:
            raise SystemExit("nothing to translate")
        text = merged.read_text(encoding="utf-8")
        # makemessages writes a new catalogue without plurals with no blank line after the
        # header (it puts the Plural-Forms line there); gettext tools want one.
        text = re.sub(r'^("Plural-Forms: [^"]*")\n(?=#)', r"\1\n\n", text, count=1, flags=re.M)
        cat.po.parent.mkdir(parents=True, exist_ok=True)
        cat.po.write_text(text, encoding="utf-8")
    return cat.po


if __name__ == "__main__":
    if sys.argv[1:] != ["project"]:
        raise SystemExit("usage: python -m zhidu.core.tests.test_i18n project")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhidu.settings")
    import django

    django.setup()
    print(update_project_catalogue())
