"""`omop-imaging cohort`: the image series of a clinical cohort, printed or written to a file."""

from __future__ import annotations

import argparse
import json
import sys

from ..cohort import BUILT_IN as BUILT_IN_COHORTS
from ..cohort import CONTRAST, SEQUENCE_FAMILIES
from ..cohort import FORMATS as COHORT_FORMATS
from ..settings import duckdb_path
from .options import Subparsers, add_target_options


def add_parser(commands: Subparsers) -> None:
    cohort = commands.add_parser(
        "cohort",
        help="list the image series of a clinical cohort (OHDSI cohort table or a built-in definition)",
        description=(
            "Select the image series of a cohort and print them, or write them (person, study / "
            "series UIDs, folder, DICOMweb URI, classification, MR timing) as CSV or Parquet with "
            "--out, then print the counts of persons, studies, series and images. The cohort is either an OHDSI cohort "
            "table in CSV (cohort_definition_id, subject_id, cohort_start_date, cohort_end_date, as "
            "ATLAS writes it; subject_id is the OMOP person_id) whose series are taken within each "
            "subject's cohort period unless --days-from-start says otherwise, or a built-in "
            "definition: t1-volumetric-brain-mri (the MI-CDM paper's TR/TE/TI rule) or "
            "er-ct-brain-precontrast (the R-CDM paper's axial pre-contrast brain CT on the day of "
            "an emergency-room visit for a cerebral hemorrhage). Image criteria narrow either "
            "down; with neither, they select among all series. Without --out the series are printed as a "
            "table."
        ),
    )
    add_target_options(cohort)
    source = cohort.add_mutually_exclusive_group()  # neither: every series
    source.add_argument(
        "--definition", choices=sorted(BUILT_IN_COHORTS), help="a built-in cohort definition"
    )
    source.add_argument(
        "--cohort-table", metavar="CSV", help="an OHDSI cohort table exported as CSV"
    )
    cohort.add_argument(
        "--cohort-definition-id", type=int, metavar="N", help="only this cohort of the table"
    )
    cohort.add_argument("--modality", nargs="+", default=[], metavar="CODE", help="e.g. CT MR")
    cohort.add_argument(
        "--body-part",
        nargs="+",
        default=[],
        metavar="TERM",
        help="Body Part Examined, e.g. HEAD BRAIN",
    )
    cohort.add_argument(
        "--plane", nargs="+", default=[], choices=["axial", "coronal", "sagittal", "oblique"]
    )
    cohort.add_argument("--contrast", choices=list(CONTRAST), help="contrast status")
    cohort.add_argument(
        "--sequence-family",
        nargs="+",
        default=[],
        choices=SEQUENCE_FAMILIES,
        type=str.upper,
        metavar="FAMILY",
        help=f"MR sequence family from the header classifier: {', '.join(SEQUENCE_FAMILIES)}",
    )
    cohort.add_argument(
        "--tr", metavar="MIN:MAX", help="Repetition Time range in ms (inclusive; MIN: or :MAX)"
    )
    cohort.add_argument("--te", metavar="MIN:MAX", help="Echo Time range in ms")
    cohort.add_argument("--ti", metavar="MIN:MAX", help="Inversion Time range in ms")
    cohort.add_argument(
        "--days-from-start",
        metavar="MIN:MAX",
        help="image date minus cohort start date, in days (default: within the cohort period)",
    )
    cohort.add_argument(
        "--out", metavar="FILE", help="write the series to FILE (.csv or .parquet, or --format)"
    )
    cohort.add_argument(
        "--format",
        choices=COHORT_FORMATS,
        help="format of --out (default: from its suffix, .csv or .parquet)",
    )
    cohort.add_argument("--json", action="store_true", help="print the counts as JSON")
    cohort.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..cohort import (
        Criteria,
        format_table,
        output_format,
        parse_range,
        read_cohort_table,
        select_series,
        write_result,
    )
    from ..database import connect

    try:
        if args.format and not args.out:
            raise ValueError("--format chooses the format of --out FILE; name the file too")
        # (the file and its format, None: print the series)
        out = (Path(args.out), output_format(Path(args.out), args.format)) if args.out else None
        days = parse_range(args.days_from_start) if args.days_from_start else None
        criteria = Criteria(
            modalities=args.modality,
            body_parts=args.body_part,
            planes=args.plane,
            contrast=args.contrast,
            sequence_families=args.sequence_family,
            repetition_time=parse_range(args.tr),
            echo_time=parse_range(args.te),
            inversion_time=parse_range(args.ti),
            days_from_start=days,
        )
        cohort_rows = (
            read_cohort_table(Path(args.cohort_table), args.cohort_definition_id)
            if args.cohort_table
            else None
        )
    except (OSError, ValueError) as error:
        print(f"omop-imaging cohort: {error}", file=sys.stderr)
        return 2
    with connect(args.target, duckdb_path(args.db)) as connection:
        result = select_series(connection, args.target, criteria, args.definition, cohort_rows)
    if out is not None:
        write_result(result, *out)
    elif not args.json:
        print(format_table(result))
    counts = result.counts()
    if args.json:
        print(json.dumps(counts))
    else:
        print(", ".join(f"{value} {name}" for name, value in counts.items()))
    return 0
