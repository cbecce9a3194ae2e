"""The ``zhidu`` command: Django's manage.py for the installed package."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhidu.settings")
    from django.core.management import execute_from_command_line

    argv = list(argv if argv is not None else sys.argv)
    argv[0] = "zhidu"
    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
