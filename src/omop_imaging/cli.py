"""The `omop-imaging` command line: the top-level parser, one sub-command per module of
`commands`, and the exit codes and messages every command shares."""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .commands import COMMANDS
from .database import DatabaseNotReady, StoreBusy
from .dbt_runner import INTERRUPTED

BROKEN_PIPE = 141  # the shell's exit code for a writer whose reader closed the pipe

DESCRIPTION = """\
omop-imaging: DICOM image metadata into the OMOP Common Data Model (CDM v5.4) with the
MI-CDM and R-CDM imaging extensions.

Typical run:
  omop-imaging harvest /archive/dicom      # read headers into the staging tables
  omop-imaging build                       # dbt seed + dbt build: staging -> OMOP tables + tests

The settings a database is built with (clinical linkage, policies, thresholds) are kept in it:
`omop-imaging settings` shows and changes them; build and plain `dbt build` both use them.

Targets: a DuckDB file (default: data/omop_imaging.duckdb, or --db PATH, or
OMOP_IMAGING_DUCKDB), or PostgreSQL with --target postgres, connected through the standard
libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omop-imaging",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"omop-imaging {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command == "dbt":  # dbt's own options, e.g. `omop-imaging dbt --version`
        args.dbt_args = [*unknown, *args.dbt_args]
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    handler = args.handler
    try:
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except (DatabaseNotReady, StoreBusy) as error:
        print(f"omop-imaging {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"omop-imaging {args.command}: interrupted; run the command again to finish",
            file=sys.stderr,
        )
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`omop-imaging report | head`): stop quietly, like other tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
