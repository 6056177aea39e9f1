"""`omop-imaging demo`: harvest the sample DICOM files, build with the demo clinical data, count."""

from __future__ import annotations

import argparse

from ..settings import DEFAULT_DUCKDB, sample_dicom_folders
from .options import Subparsers


def add_parser(commands: Subparsers) -> None:
    demo = commands.add_parser(
        "demo",
        help="harvest the real sample DICOM files of pydicom and pydicom-data, build, print counts",
        description=(
            "Harvest the real DICOM files shipped with pydicom and pydicom-data into a DuckDB "
            "file, store the setting clinical_source=demo (images linked to the synthetic "
            "clinical records in seeds/demo_clinical), build, and print the row counts. Later "
            "`omop-imaging build` and plain `dbt build` runs keep that setting."
        ),
    )
    demo.add_argument("--db", metavar="PATH", help=f"DuckDB file (default: {DEFAULT_DUCKDB})")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..cli import main  # the demo is three commands run in turn

    harvest_args = ["harvest", *sample_dicom_folders(), "--target", "duckdb"]
    if args.db:
        harvest_args += ["--db", args.db]
    if args.no_progress:
        harvest_args.append("--no-progress")
    code = main(harvest_args)
    if code == 0:
        code = main(
            [
                "build",
                "--target",
                "duckdb",
                "--set",
                "clinical_source=demo",
                "--quiet",
                *(["--db", args.db] if args.db else []),
            ]
        )
    if code == 0:
        # the staging and CDM tables; `omop-imaging counts` lists the build's working tables too
        roles = ["--role", "dicom_raw", "--role", "cdm"]
        code = main(
            ["counts", "--target", "duckdb", *roles, *(["--db", args.db] if args.db else [])]
        )
    return code
