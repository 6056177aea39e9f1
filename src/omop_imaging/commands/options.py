"""Arguments and argument types several commands share."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..settings import DEFAULT_DUCKDB, TARGETS

# what `ArgumentParser.add_subparsers()` returns, which each command adds its parser to
if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subparsers = argparse._SubParsersAction  # not subscriptable at run time


def add_target_options(parser: argparse.ArgumentParser, writes: bool = False) -> None:
    role = "database to write to" if writes else "database to read"
    parser.add_argument(
        "--target",
        choices=TARGETS,
        default="duckdb",
        help=f"{role}: an embedded DuckDB file (default), PostgreSQL via PG* variables, or Apache "
        "Spark's catalog (OMOP_IMAGING_SPARK_MASTER, OMOP_IMAGING_SPARK_DIR; README)",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help=f"DuckDB file (default: $OMOP_IMAGING_DUCKDB or {DEFAULT_DUCKDB}); ignored for postgres",
    )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value
