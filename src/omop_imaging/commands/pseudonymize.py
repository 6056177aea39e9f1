"""`omop-imaging pseudonymize`: Patient IDs in a CSV replaced by --deidentify's pseudonyms."""

from __future__ import annotations

import argparse
import sys

from .options import Subparsers


def add_parser(commands: Subparsers) -> None:
    pseudonymize = commands.add_parser(
        "pseudonymize",
        help="replace Patient IDs in a CSV (e.g. a linkage crosswalk) by --deidentify's pseudonyms",
        description=(
            "Read a CSV from stdin and write it to stdout with the Patient ID column replaced by "
            "the keyed pseudonym `harvest --deidentify` stores for it (same key: OMOP_IMAGING_"
            "DEID_KEY or --deid-key-file), and the issuer column emptied (the Basic Profile removes "
            "Issuer of Patient ID). Use it to build seeds/linkage/person_crosswalk.csv or the "
            "clinical person_source_value for a de-identified harvest."
        ),
    )
    pseudonymize.add_argument(
        "--column", default="patient_id", help="the Patient ID column (default patient_id)"
    )
    pseudonymize.add_argument(
        "--issuer-column",
        default="issuer_of_patient_id",
        help="emptied when present (default issuer_of_patient_id)",
    )
    pseudonymize.add_argument(
        "--deid-key-file",
        metavar="PATH",
        help="file holding the secret key (outside the repository)",
    )
    pseudonymize.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..deidentify import Deidentifier, DeidKeyError, load_key, pseudonymize_csv

    try:
        deidentifier = Deidentifier(load_key(args.deid_key_file))
        pseudonymize_csv(deidentifier, sys.stdin, sys.stdout, args.column, args.issuer_column)
    except (DeidKeyError, ValueError) as error:
        print(f"omop-imaging pseudonymize: {error}", file=sys.stderr)
        return 2
    return 0
