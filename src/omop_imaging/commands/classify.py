"""`omop-imaging classify`: the header classifier's results and evidence per series."""

from __future__ import annotations

import argparse
import sys

from ..settings import duckdb_path
from .options import Subparsers, add_target_options


def add_parser(commands: Subparsers) -> None:
    classify = commands.add_parser(
        "classify",
        help="print per series the header classifier's plane, contrast, MR family and evidence",
        description=(
            "Print, for every series of a built database (or one with --series), what the header "
            "classifier derived and why: the image plane from Image Orientation Patient (with a "
            "flag when the instances lie in several planes), contrast with / without / unknown from "
            "the Contrast/Bolus attributes and description keywords, the MR sequence family (T1W, "
            "T2W, FLAIR, PDW, DWI, ADC, T2STAR_SWI, LOCALIZER, PERFUSION, ANGIOGRAPHY, "
            "OTHER_SEQUENCE) from TR / TE / TI, Scanning Sequence, Image Type, b-value and "
            "descriptions, volumetric (3D) acquisition and localizer / scout. Each result comes "
            "with a confidence (0-1) and the evidence: the rule and the attributes that decided. "
            "Reads the mart series_classification (read-only); run `omop-imaging build` first. "
            "Prints UIDs, never patient identifiers."
        ),
    )
    add_target_options(classify)
    classify.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="table (a block per series, default), csv or json (one record per series)",
    )
    classify.add_argument("--series", metavar="UID", help="only this Series Instance UID")
    classify.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..classify import classifications, format_rows

    rows = classifications(args.target, duckdb_path(args.db), args.series)
    if args.series and not rows:
        print(f"no series {args.series} in the built database", file=sys.stderr)
        return 1
    print(format_rows(rows, args.format))
    return 0
