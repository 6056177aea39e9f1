"""The `omop-imaging` command line."""

from __future__ import annotations

import argparse
import json
import re
import sys

from . import __version__
from .cohort import BUILT_IN as BUILT_IN_COHORTS
from .cohort import SEQUENCE_FAMILIES
from .database import DatabaseNotReady, StoreBusy
from .report import FORMATS as REPORT_FORMATS
from .report import SECTIONS as REPORT_SECTIONS
from .settings import DEFAULT_DUCKDB, TARGETS, duckdb_path, sample_dicom_folders

DESCRIPTION = """\
omop-imaging: DICOM image metadata into the OMOP Common Data Model (CDM v5.4) with the
MI-CDM and R-CDM imaging extensions.

Typical run:
  omop-imaging harvest /archive/dicom      # read headers into the staging tables
  omop-imaging build                       # dbt seed + dbt build: staging -> OMOP tables + tests

Targets: a DuckDB file (default: data/omop_imaging.duckdb, or --db PATH, or
OMOP_IMAGING_DUCKDB), or PostgreSQL with --target postgres, connected through the standard
libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE.
"""


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=TARGETS,
        default="duckdb",
        help="database to write to: an embedded DuckDB file (default) or PostgreSQL via PG* variables",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help=f"DuckDB file (default: $OMOP_IMAGING_DUCKDB or {DEFAULT_DUCKDB}); ignored for postgres",
    )


PACS_HELP = """\
From a PACS instead of files (one of PATH, --dicomweb, --dimse):
  --dicomweb URL lists studies with QIDO-RS (paged, one --study-date window at a time) and reads
  every instance's metadata with WADO-RS (never pixel or other bulk data), storing the same rows
  as a file harvest with the instance's WADO-RS URI as its file_path. Credentials come from the
  environment only: OMOP_IMAGING_DICOMWEB_TOKEN (bearer token) or OMOP_IMAGING_DICOMWEB_USER with
  OMOP_IMAGING_DICOMWEB_PASSWORD (basic auth); the _TOKEN_FILE / _PASSWORD_FILE variants name a
  file that holds the secret.
  --dimse HOST:PORT queries with C-FIND at study, series and image level and stores what the
  answers hold: fewer attributes than a full header (see README), enough for IMAGE_OCCURRENCE
  and the R-CDM tables.
  Both retry transient failures, store a study that keeps failing as rejected (with the reason)
  and go on, and on a re-run skip series harvested before with the same number of instances.
"""


def _add_pacs_options(harvest: argparse.ArgumentParser) -> None:
    pacs = harvest.add_argument_group("PACS sources")
    source = pacs.add_mutually_exclusive_group()
    source.add_argument("--dicomweb", metavar="URL", help="DICOMweb base URL (QIDO-RS / WADO-RS)")
    source.add_argument("--dimse", metavar="HOST:PORT", help="DICOM C-FIND service (Q/R SCP)")
    pacs.add_argument(
        "--last-update-tag",
        metavar="TAG",
        help="with --dicomweb: the tag (8 hex digits) of the server's series answers that holds "
        "a series' last update (DA or DT; a vendor attribute, there is no standard one): a series "
        "whose last update changed is read again even with as many instances",
    )
    pacs.add_argument("--aet", default="OMOPIMAGING", help="our AE title for --dimse")
    pacs.add_argument("--called-aet", metavar="AET", help="the archive's AE title for --dimse")
    pacs.add_argument(
        "--study-date",
        metavar="FROM-TO",
        help="only studies of these dates: YYYYMMDD, YYYYMMDD-YYYYMMDD or YYYYMMDD- (until today)",
    )
    pacs.add_argument(
        "--date-window-days",
        type=int,
        default=1,
        metavar="N",
        help="with --study-date: query N days at a time (default 1)",
    )
    pacs.add_argument(
        "--modality", nargs="+", default=[], metavar="CODE", help="only series of these, e.g. CT MR"
    )
    pacs.add_argument(
        "--connections",
        type=int,
        default=4,
        metavar="N",
        help="series read at once, and as many studies listed (default 4)",
    )
    pacs.add_argument(
        "--retries",
        type=int,
        default=5,
        metavar="N",
        help="tries of a failing request, the first included (default 5); the server's "
        "Retry-After decides the pause when it gives one",
    )
    pacs.add_argument(
        "--retry-pause",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="first pause before a retry; it doubles with every retry, at most 60 s (default 1)",
    )
    pacs.add_argument(
        "--timeout", type=float, default=60, metavar="SECONDS", help="per request (default 60)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omop-imaging",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"omop-imaging {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    harvest = commands.add_parser(
        "harvest",
        help="read DICOM headers (never pixels) from files and folders into the staging tables",
        description=(
            "Walk PATHs recursively and read the header of every DICOM file (with or without a "
            ".dcm suffix or the 128-byte preamble) in parallel, then bulk-load key/value rows "
            "into dicom_raw.header_element and one row per file into dicom_raw.harvested_file. "
            "By default a series keeps its full header once (from its instance with the smallest "
            "SOP Instance UID) and every instance keeps its instance-level attributes. Files "
            "already harvested and unchanged (same size and modification time) are not read "
            "again; a changed file replaces its rows. Files that cannot be harvested are listed "
            "with a reason and never stop the run; the exit code is 0 when the run completed."
        ),
        epilog=PACS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    harvest.add_argument(
        "paths", nargs="*", metavar="PATH", help="DICOM files or folders to walk (or a PACS below)"
    )
    _add_pacs_options(harvest)
    _add_target_options(harvest)
    harvest.add_argument(
        "--full-headers",
        action="store_true",
        help="keep every element of every instance (staging grows with elements x instances)",
    )
    harvest.add_argument(
        "--workers", type=int, metavar="N", help="worker processes (default: one per core)"
    )
    harvest.add_argument(
        "--batch-files",
        type=int,
        default=1000,
        metavar="N",
        help="files per load transaction (default 1000)",
    )
    harvest.add_argument(
        "--json", action="store_true", help="print the summary as JSON, rejected files by reason"
    )
    harvest.add_argument("--no-progress", action="store_true", help="no progress bar")
    harvest.add_argument(
        "--deidentify",
        action="store_true",
        help=(
            "apply DICOM PS3.15 Annex E (Basic Application Level Confidentiality Profile) to "
            "everything stored: identifying attributes removed or blanked, private tags dropped, "
            "UIDs and Patient ID replaced by keyed pseudonyms (HMAC-SHA256), stable across runs; "
            "needs a secret key in $OMOP_IMAGING_DEID_KEY or --deid-key-file"
        ),
    )
    harvest.add_argument(
        "--deid-key-file",
        metavar="PATH",
        help="file holding the secret key for --deidentify (outside the repository)",
    )
    harvest.add_argument(
        "--date-shift",
        action="store_true",
        help=(
            "with --deidentify: keep dates and times, dates moved back by 1-365 days per patient "
            "(derived from the key), so intervals stay exact (PS3.15 'Retain Longitudinal "
            "Temporal Information with Modified Dates')"
        ),
    )

    build = commands.add_parser(
        "build",
        help="run dbt seed and dbt build: staging models, OMOP / MI-CDM / R-CDM tables and tests",
        description="Run `dbt seed` then `dbt build` with the project's own profiles/ on the target.",
    )
    _add_target_options(build)
    build.add_argument(
        "--vars",
        metavar="YAML",
        help='dbt vars, e.g. "{clinical_source: demo, unmatched_patient_policy: skip}" (see dbt_project.yml)',
    )

    dbt = commands.add_parser(
        "dbt",
        help="run any dbt command with the project's profiles, e.g. `omop-imaging dbt docs serve`",
        description="Pass the remaining arguments to dbt, with --project-dir and --profiles-dir set.",
    )
    _add_target_options(dbt)
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, metavar="ARGS", help="dbt arguments")

    demo = commands.add_parser(
        "demo",
        help="harvest the real sample DICOM files of pydicom and pydicom-data, build, print counts",
    )
    demo.add_argument("--db", metavar="PATH", help=f"DuckDB file (default: {DEFAULT_DUCKDB})")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")

    counts = commands.add_parser(
        "counts", help="print the row count of every staging and output table"
    )
    _add_target_options(counts)

    report = commands.add_parser(
        "report",
        help="print the data-quality report: ETL coverage, unmapped protocols, rejected files",
        description=(
            "Print the report of a built database: for each output table and column the mapped and "
            "unmapped rows and the percentage mapped (the R-CDM and MI-CDM tables alike), the "
            "protocols no mapping covers yet (most frequent first), and the files the harvest "
            "rejected, by category. Run `omop-imaging build` first."
        ),
    )
    _add_target_options(report)
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

    cohort = commands.add_parser(
        "cohort",
        help="list the image series of a clinical cohort (OHDSI cohort table or a built-in definition)",
        description=(
            "Select the image series of a cohort and write them (person, study / series UIDs, "
            "folder, DICOMweb URI, classification, MR timing) as CSV or Parquet, then print the "
            "counts of persons, studies, series and images. The cohort is either an OHDSI cohort "
            "table in CSV (cohort_definition_id, subject_id, cohort_start_date, cohort_end_date, as "
            "ATLAS writes it; subject_id is the OMOP person_id) whose series are taken within each "
            "subject's cohort period unless --days-from-start says otherwise, or a built-in "
            "definition: t1-volumetric-brain-mri (seed 000: TR/TE/TI rule) or "
            "er-ct-brain-precontrast (seed 002: axial pre-contrast brain CT on the day of an "
            "emergency-room visit for a cerebral hemorrhage). Image criteria narrow either down."
        ),
    )
    _add_target_options(cohort)
    source = cohort.add_mutually_exclusive_group(required=True)
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
    cohort.add_argument(
        "--contrast", choices=["with", "without", "unknown"], help="contrast status"
    )
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
        "--out", metavar="FILE", help="write the series to FILE.csv or FILE.parquet"
    )
    cohort.add_argument("--json", action="store_true", help="print the counts as JSON")

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
            "Reads the model int_series_classification (read-only); run `omop-imaging build` first. "
            "Prints UIDs, never patient identifiers."
        ),
    )
    _add_target_options(classify)
    classify.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="table (a block per series, default), csv or json (one record per series)",
    )
    classify.add_argument("--series", metavar="UID", help="only this Series Instance UID")

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

    viewer = commands.add_parser(
        "viewer",
        help="start the web viewer: overview, protocols, combinations, quality, series browser",
        description=(
            "Start a web app (Streamlit) over a built database, read-only: an overview (persons, "
            "studies, series, images by year and modality), protocols (most frequent, unmapped), "
            "metadata combinations, data quality (coverage, rejected files) and a series browser "
            "with filters and a CSV export of the matching series (UIDs, file paths, DICOMweb "
            "URIs). Serves on 127.0.0.1 by default; stop it with Ctrl-C. Run `omop-imaging "
            "build` first."
        ),
    )
    _add_target_options(viewer)
    viewer.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    viewer.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {
        "harvest": _harvest,
        "build": _build,
        "dbt": _dbt,
        "demo": _demo,
        "counts": _counts,
        "report": _report,
        "classify": _classify,
        "cohort": _cohort,
        "viewer": _viewer,
        "pseudonymize": _pseudonymize,
    }[args.command]
    try:
        return handler(args)
    except (DatabaseNotReady, StoreBusy) as error:
        print(f"omop-imaging {args.command}: {error}", file=sys.stderr)
        return 1


def _harvest(args) -> int:
    from .harvest import HarvestOptions, harvest
    from .store import open_store

    try:
        deidentifier = _deidentifier(args)
    except ValueError as error:
        print(f"omop-imaging harvest: {error}", file=sys.stderr)
        return 2
    options = HarvestOptions(
        deidentifier=deidentifier,
        full_headers=args.full_headers,
        workers=args.workers,
        batch_files=args.batch_files,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    sources = [bool(args.paths), bool(args.dicomweb), bool(args.dimse)]
    if sum(sources) != 1:
        print(
            "omop-imaging harvest: give PATHs, or --dicomweb URL, or --dimse HOST:PORT (one of them)",
            file=sys.stderr,
        )
        return 2
    if args.paths and (args.study_date or args.modality or args.called_aet):
        print(
            "omop-imaging harvest: --study-date, --modality and --called-aet go with "
            "--dicomweb or --dimse, not with PATHs",
            file=sys.stderr,
        )
        return 2
    if args.paths:
        store = open_store(args.target, duckdb_path(args.db))
        try:
            summary = harvest(args.paths, store, options)
        finally:
            store.close()
    else:
        try:
            source, pacs = _pacs_source(args)
        except ValueError as error:
            print(f"omop-imaging harvest: {error}", file=sys.stderr)
            return 2
        summary = _harvest_pacs(source, pacs, options, args)
        if summary is None:
            return 1
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2))
    else:
        for path, category, reason in summary.rejected_files:
            print(f"rejected {path}: [{category}] {reason}", file=sys.stderr)
        print(summary.line())
    return 0


def _pacs_source(args):
    """The PACS source and its options the arguments ask for; ValueError when they do not fit."""
    from .pacs_harvest import PacsOptions
    from .pacs_retry import RetryPolicy
    from .pacs_source import DateRange

    if args.last_update_tag and not re.fullmatch(r"[0-9A-Fa-f]{8}", args.last_update_tag):
        raise ValueError("--last-update-tag: give the tag as 8 hex digits, e.g. 00091001")
    if args.connections < 1 or args.retries < 1 or args.date_window_days < 1:
        raise ValueError("--connections, --retries and --date-window-days must be 1 or more")
    windows = (
        list(DateRange.parse(args.study_date).windows(args.date_window_days))
        if args.study_date
        else [None]
    )
    pacs = PacsOptions(
        connections=args.connections,
        windows=windows,
        modalities=[code.upper() for code in args.modality],
    )
    policy = RetryPolicy(
        attempts=args.retries, backoff_seconds=args.retry_pause, timeout_seconds=args.timeout
    )
    if args.dicomweb:
        from .dicomweb_source import DicomwebSource
        from .pacs_credentials import check_url_has_no_secret, load_credentials

        check_url_has_no_secret(args.dicomweb)
        return (
            DicomwebSource(
                args.dicomweb, load_credentials(), policy, last_update_tag=args.last_update_tag
            ),
            pacs,
        )
    from .dimse_source import DimseSource

    if not args.called_aet:
        raise ValueError("--dimse needs --called-aet (the archive's AE title)")
    if args.last_update_tag:
        raise ValueError("--last-update-tag goes with --dicomweb")
    return DimseSource.from_address(args.dimse, args.aet, args.called_aet, policy), pacs


def _harvest_pacs(source, pacs, options, args):
    """The summary of a PACS harvest, None after a one-line error (what was read is committed)."""
    from .pacs_harvest import harvest_pacs
    from .pacs_retry import SourceError
    from .store import open_store

    store = open_store(args.target, duckdb_path(args.db))
    try:
        return harvest_pacs(source, store, options, pacs)
    except SourceError as error:
        print(f"omop-imaging harvest: {error}", file=sys.stderr)
        return None
    finally:
        store.close()


def _deidentifier(args):
    """The Deidentifier --deidentify asks for, None without it; ValueError when it cannot start."""
    from .deidentify import Deidentifier, DeidKeyError, load_key

    if not args.deidentify:
        if args.deid_key_file or args.date_shift:
            raise ValueError("--deid-key-file and --date-shift only go with --deidentify")
        return None
    try:
        return Deidentifier(load_key(args.deid_key_file), shift_dates=args.date_shift)
    except DeidKeyError as error:
        raise ValueError(str(error)) from error


def _pseudonymize(args) -> int:
    import csv

    from .deidentify import Deidentifier, DeidKeyError, load_key

    try:
        deidentifier = Deidentifier(load_key(args.deid_key_file))
    except DeidKeyError as error:
        print(f"omop-imaging pseudonymize: {error}", file=sys.stderr)
        return 2
    reader = csv.DictReader(sys.stdin)
    if args.column not in (reader.fieldnames or []):
        print(f"omop-imaging pseudonymize: no column {args.column!r} in the CSV", file=sys.stderr)
        return 2
    writer = csv.DictWriter(sys.stdout, fieldnames=reader.fieldnames, lineterminator="\n")
    writer.writeheader()
    for row in reader:
        value = (row[args.column] or "").strip()
        row[args.column] = deidentifier.patient_id(value) if value else value
        if args.issuer_column in row:
            row[args.issuer_column] = ""
        writer.writerow(row)
    return 0


def _build(args) -> int:
    from .dbt_runner import run_dbt

    extra = ["--vars", args.vars] if args.vars else []
    code = run_dbt(["seed", *extra], args.target, args.db)
    if code == 0:
        code = run_dbt(["build", "--exclude", "resource_type:seed", *extra], args.target, args.db)
    return code


def _dbt(args) -> int:
    from .dbt_runner import run_dbt

    return run_dbt(args.dbt_args, args.target, args.db)


def _demo(args) -> int:
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
                "--vars",
                "{clinical_source: demo}",
                *(["--db", args.db] if args.db else []),
            ]
        )
    if code == 0:
        code = main(["counts", "--target", "duckdb", *(["--db", args.db] if args.db else [])])
    return code


def _counts(args) -> int:
    from .database import table_counts

    for table, count in table_counts(args.target, duckdb_path(args.db)):
        print(f"{table:<45} {count:>12,}")
    return 0


def _report(args) -> int:
    from .report import collect, render

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


def _cohort(args) -> int:
    from pathlib import Path

    from .cohort import Criteria, parse_range, read_cohort_table, select_series, write_result
    from .database import connect

    try:
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
    if args.out:
        write_result(result, Path(args.out))
    counts = result.counts()
    if args.json:
        print(json.dumps(counts))
    else:
        print(", ".join(f"{value} {name}" for name, value in counts.items()))
    return 0


def _classify(args) -> int:
    from .classify import classifications, format_rows

    rows = classifications(args.target, duckdb_path(args.db), args.series)
    if args.series and not rows:
        print(f"no series {args.series} in the built database", file=sys.stderr)
        return 1
    print(format_rows(rows, args.format))
    return 0


def _viewer(args) -> int:
    from .viewer import serve

    return serve(args.target, duckdb_path(args.db), args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
