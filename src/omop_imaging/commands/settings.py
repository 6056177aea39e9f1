"""`omop-imaging settings`: show and change the settings a database is built with."""

from __future__ import annotations

import argparse
import sys

from ..settings import duckdb_path
from .options import Subparsers, add_target_options


def add_parser(commands: Subparsers) -> None:
    settings = commands.add_parser(
        "settings",
        help="show or change the settings a database is built with (linkage, policies, thresholds)",
        description=(
            "Print the settings of a database: clinical linkage (clinical_source), the policy for "
            "unmatched patients, the MEASUREMENT keep rule, the data-quality threshold, the "
            "classifier's thresholds and the built-in cohorts' concepts, each with its value and "
            "whether it was set for this database or is the default of dbt_project.yml. --set "
            "stores a value in the database (table dicom_raw.project_setting), where every later "
            "`omop-imaging build` and plain `dbt build` read it; --reset goes back to the default. "
            "Run `omop-imaging build` afterwards to apply a change (docs/settings.md)."
        ),
    )
    add_target_options(settings, writes=True)
    settings.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="store a setting"
    )
    settings.add_argument(
        "--reset", action="append", default=[], metavar="NAME", help="back to the default"
    )
    settings.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if (args.set or args.reset) and change_settings(args, args.set, args.reset) != 0:
        return 2
    print_settings(args.target, duckdb_path(args.db))
    return 0


def change_settings(args, assignments: list[str], resets: list[str]) -> int:
    """Store --set values and drop --reset names in the database; 2 for a bad name or value."""
    from ..project_settings import defaults, parse_assignment
    from ..store import open_store

    known = defaults()
    try:
        values = dict(parse_assignment(text, known) for text in assignments)
        unknown = [name for name in resets if name not in known]
        if unknown:
            raise ValueError(
                f"unknown setting {unknown[0]!r}; the settings are: {', '.join(known)}"
            )
    except ValueError as error:
        print(f"omop-imaging {args.command}: {error}", file=sys.stderr)
        return 2
    store = open_store(args.target, duckdb_path(args.db))
    try:
        store.reset_settings(resets)
        store.save_settings(values)
    finally:
        store.close()
    return 0


def print_settings(target: str, database: str) -> None:
    from ..database import connect
    from ..project_settings import describe, effective

    with connect(target, database) as connection:
        print(describe(effective(connection, target)), flush=True)
