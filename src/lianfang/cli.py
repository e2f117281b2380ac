"""The `lianfang` console command: Django's management commands plus our own.

`lianfang supervise ...` runs the supervision engine without starting Django, so
the hot path stays free of it; everything else is a management command.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "supervise":
        from lianfang.supervision.cli import main as supervise

        sys.exit(supervise(argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianfang.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
