"""`omop-imaging counts`: the row count of every staging and output table."""

from __future__ import annotations

import argparse

from ..settings import SCHEMA_ROLES, duckdb_path
from .options import Subparsers, add_target_options


def add_parser(commands: Subparsers) -> None:
    counts = commands.add_parser(
        "counts",
        help="print the row count of every staging and output table",
        description=(
            "Print the number of rows of the staging tables (dicom_raw) and of every table the "
            "build wrote, to see at a glance what a harvest and a build produced. --role keeps "
            "the schemas of some roles only, e.g. --role dicom_raw --role cdm."
        ),
    )
    add_target_options(counts)
    counts.add_argument(
        "--role",
        action="append",
        choices=SCHEMA_ROLES,
        help="only the tables of this schema role (repeatable; default: every role)",
    )
    counts.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..database import table_counts

    counts = table_counts(args.target, duckdb_path(args.db), args.role or SCHEMA_ROLES)
    width = max((len(table) for table, _ in counts), default=0)
    for table, count in counts:
        print(f"{table:<{width}} {count:>12,}")
    return 0
