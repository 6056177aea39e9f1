"""`omop-imaging report`: the data-quality report of a built database."""

from __future__ import annotations

import argparse
import sys

from ..report import FORMATS as REPORT_FORMATS
from ..report import SECTIONS as REPORT_SECTIONS
from ..settings import duckdb_path
from .options import Subparsers, add_target_options


def add_parser(commands: Subparsers) -> None:
    report = commands.add_parser(
        "report",
        help="print the data-quality report: ETL coverage, unmapped protocols, rejected files",
        description=(
            "Print the report of a built database: for each output table and column the mapped and "
            "unmapped rows and the percentage mapped (the R-CDM and MI-CDM tables alike), the "
            "protocols no mapping covers yet (most frequent first), the files the harvest "
            "rejected, by category, and (--section conformance-values) the coded header values "
            "outside their attribute's DICOM value set, by attribute and manufacturer. Run "
            "`omop-imaging build` first."
        ),
    )
    add_target_options(report)
    report.add_argument(
        "--format", choices=REPORT_FORMATS, default="table", help="output format (default: table)"
    )
    report.add_argument(
        "--section",
        choices=[*REPORT_SECTIONS, "all"],
        default=None,
        help="which part to print (default: all; csv prints one section, coverage by default)",
    )
    report.add_argument(
        "--limit", type=int, default=20, metavar="N", help="unmapped protocols to list (default 20)"
    )
    report.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..report import collect, render

    section = args.section or ("coverage" if args.format == "csv" else "all")
    sections = list(REPORT_SECTIONS) if section == "all" else [section]
    if args.format == "csv" and len(sections) != 1:
        print(
            "omop-imaging report: --format csv prints one section; choose it with --section",
            file=sys.stderr,
        )
        return 2
    print(render(collect(args.target, duckdb_path(args.db), sections, args.limit), args.format))
    return 0
