"""`omop-imaging dbt`: any dbt command with the project's profiles and the target."""

from __future__ import annotations

import argparse

from .options import Subparsers, add_target_options


def add_parser(commands: Subparsers) -> None:
    dbt = commands.add_parser(
        "dbt",
        help="run any dbt command with the project's profiles, e.g. `omop-imaging dbt docs serve`",
        description=(
            "Pass the remaining arguments to dbt, with --project-dir, --profiles-dir and --target "
            "set (plain `dbt` at the repository root works too). Without arguments: dbt's help. "
            "Stopping it (Ctrl-C, kill) stops dbt as well, `dbt docs serve` included."
        ),
    )
    add_target_options(dbt, writes=True)
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, metavar="ARGS", help="dbt arguments")
    dbt.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..dbt_runner import run_dbt

    return run_dbt(args.dbt_args, args.target, args.db)
