"""The `tuijin` console script: a thin wrapper over Django management.

`tuijin demo`, `tuijin serve`, `tuijin scheduler`, and `tuijin <noun> <verb> …` (each noun is a
management command with sub-commands, e.g. `tuijin exchange export FILE.json`).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuijin.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["tuijin", *args])


if __name__ == "__main__":
    main()
