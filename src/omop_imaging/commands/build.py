"""`omop-imaging build`: dbt seed (when the seed files changed) and dbt build on the target."""

from __future__ import annotations

import argparse
import sys

from ..dbt_runner import INTERRUPTED
from ..settings import duckdb_path
from .options import Subparsers, add_target_options
from .settings import change_settings, print_settings

NIGHTLY_SELECTOR = "nightly"  # selectors.yml: what a build with unchanged rules runs


def add_parser(commands: Subparsers) -> None:
    build = commands.add_parser(
        "build",
        help="run dbt seed and dbt build: staging models, OMOP / MI-CDM / R-CDM tables and tests",
        description=(
            "Run `dbt seed` then `dbt build` with the project's profiles.yml on the target, after "
            "printing the settings the build uses: the database's own (see `omop-imaging "
            "settings`), else the defaults in dbt_project.yml; afterwards one line counts the "
            "patients and series the policies left out of the CDM, and why. Plain `dbt build` "
            "at the repository root builds the same way. Needs a harvest first."
        ),
    )
    add_target_options(build, writes=True)
    build.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="store a setting for this database first, e.g. --set clinical_source=demo (repeatable)",
    )
    build.add_argument(
        "--full-refresh",
        action="store_true",
        help="reload every seed and rebuild every incremental model from the staging tables "
        "(the ID maps keep their IDs: docs/ids.md); for a repaired source or a rule changed by "
        "hand in the database (a changed model, seed or setting is noticed without it)",
    )
    build.add_argument(
        "--quiet",
        action="store_true",
        help="one summary line per dbt step instead of a line per model and test (errors still shown)",
    )
    build.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..database import require_harvest
    from ..dbt_runner import run_dbt

    database = duckdb_path(args.db)
    require_harvest(args.target, database)
    if args.set and change_settings(args, args.set, []) != 0:
        return 2
    print_settings(args.target, database)
    code = _load_seeds(args, database)
    if code == 0:
        from ..build_state import record_rules, rules_are_current, rules_fingerprint

        rules = rules_fingerprint(args.target, database)
        full_build = args.full_refresh or not rules_are_current(args.target, database, rules)
        if full_build and not args.full_refresh:
            print(
                "dbt build: every model rebuilt (first build, or the models, seeds or settings "
                "changed since the last build)",
                flush=True,
            )
        code = run_dbt(
            _build_arguments(full_build),
            args.target,
            args.db,
            args.quiet,
        )
        if code == 0:
            record_rules(args.target, database, rules)
    if code == 0:
        from ..report import left_out_line

        print(left_out_line(args.target, database), flush=True)
    if code == INTERRUPTED:
        print(
            "omop-imaging build: interrupted; the tables built so far stay. "
            "Run omop-imaging build again to finish",
            file=sys.stderr,
        )
    return code


def _build_arguments(full_build: bool) -> list[str]:
    """`dbt build` of every model and test, or with the rules unchanged the selector `nightly`
    (selectors.yml): only what reads a source can have changed, and the unit tests, which check
    the models' SQL on fixtures, give the result of the last full build."""
    if full_build:
        return ["build", "--exclude", "resource_type:seed", "--full-refresh"]
    return ["build", "--selector", NIGHTLY_SELECTOR]


def _load_seeds(args, database: str) -> int:
    """dbt seed, unless the database's seed tables already hold the current seed files."""
    from ..dbt_runner import run_dbt
    from ..seed_state import record_seed_load, seed_fingerprint, seeds_are_current

    fingerprint = seed_fingerprint()
    if not args.full_refresh and seeds_are_current(args.target, database, fingerprint):
        print("dbt seed: skipped, the seed files are unchanged since they were loaded", flush=True)
        return 0
    code = run_dbt(["seed", "--full-refresh"], args.target, args.db, args.quiet)
    if code == 0:
        record_seed_load(args.target, database, fingerprint)
    return code
