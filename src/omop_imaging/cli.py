"""The `omop-imaging` command line."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

from . import __version__
from .cohort import BUILT_IN as BUILT_IN_COHORTS
from .cohort import FORMATS as COHORT_FORMATS
from .cohort import SEQUENCE_FAMILIES
from .database import DatabaseNotReady, StoreBusy
from .dbt_runner import INTERRUPTED
from .report import FORMATS as REPORT_FORMATS
from .report import SECTIONS as REPORT_SECTIONS
from .settings import DEFAULT_DUCKDB, SCHEMA_ROLES, TARGETS, duckdb_path, sample_dicom_folders

BROKEN_PIPE = 141  # the shell's exit code for a writer whose reader closed the pipe

DESCRIPTION = """\
omop-imaging: DICOM image metadata into the OMOP Common Data Model (CDM v5.4) with the
MI-CDM and R-CDM imaging extensions.

Typical run:
  omop-imaging harvest /archive/dicom      # read headers into the staging tables
  omop-imaging build                       # dbt seed + dbt build: staging -> OMOP tables + tests

The settings a database is built with (clinical linkage, policies, thresholds) are kept in it:
`omop-imaging settings` shows and changes them; build and plain `dbt build` both use them.

Targets: a DuckDB file (default: data/omop_imaging.duckdb, or --db PATH, or
OMOP_IMAGING_DUCKDB), or PostgreSQL with --target postgres, connected through the standard
libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE.
"""


def _add_target_options(parser: argparse.ArgumentParser, writes: bool = False) -> None:
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
            "again; a changed file replaces its rows. Files that cannot be harvested never stop "
            "the run; they are counted by category (--verbose lists each with its reason). Exit "
            "code 0 when the run harvested a file or found everything unchanged, 1 when no file "
            "was a DICOM file, 2 for a PATH that does not exist. Ctrl-C stops it after the batch "
            "being written: run the same command again to resume."
        ),
        epilog=PACS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    harvest.add_argument(
        "paths", nargs="*", metavar="PATH", help="DICOM files or folders to walk (or a PACS below)"
    )
    _add_pacs_options(harvest)
    _add_target_options(harvest, writes=True)
    harvest.add_argument(
        "--full-headers",
        action="store_true",
        help="keep every element of every instance (staging grows with elements x instances)",
    )
    harvest.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="worker processes (default: one per core)",
    )
    harvest.add_argument(
        "--batch-files",
        type=_positive_int,
        default=1000,
        metavar="N",
        help="files per load transaction (default 1000)",
    )
    harvest.add_argument(
        "--json", action="store_true", help="print the summary as JSON, rejected files by reason"
    )
    harvest.add_argument("--no-progress", action="store_true", help="no progress bar")
    harvest.add_argument(
        "--verbose",
        action="store_true",
        help="list every rejected file with its reason (default: a count per category)",
    )
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
        description=(
            "Run `dbt seed` then `dbt build` with the project's profiles.yml on the target, after "
            "printing the settings the build uses: the database's own (see `omop-imaging "
            "settings`), else the defaults in dbt_project.yml; afterwards one line counts the "
            "patients and series the policies left out of the CDM, and why. Plain `dbt build` "
            "at the repository root builds the same way. Needs a harvest first."
        ),
    )
    _add_target_options(build, writes=True)
    build.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="store a setting for this database first, e.g. --set clinical_source=demo (repeatable)",
    )

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
    _add_target_options(settings, writes=True)
    settings.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="store a setting"
    )
    settings.add_argument(
        "--reset", action="append", default=[], metavar="NAME", help="back to the default"
    )
    build.add_argument(
        "--full-refresh",
        action="store_true",
        help="reload every seed and rebuild every incremental model from the staging tables "
        "(the ID maps keep their IDs: docs/ids.md); for a changed rule or a repaired source",
    )
    build.add_argument(
        "--quiet",
        action="store_true",
        help="one summary line per dbt step instead of a line per model and test (errors still shown)",
    )

    dbt = commands.add_parser(
        "dbt",
        help="run any dbt command with the project's profiles, e.g. `omop-imaging dbt docs serve`",
        description=(
            "Pass the remaining arguments to dbt, with --project-dir, --profiles-dir and --target "
            "set (plain `dbt` at the repository root works too). Without arguments: dbt's help. "
            "Stopping it (Ctrl-C, kill) stops dbt as well, `dbt docs serve` included."
        ),
    )
    _add_target_options(dbt, writes=True)
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, metavar="ARGS", help="dbt arguments")

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

    counts = commands.add_parser(
        "counts",
        help="print the row count of every staging and output table",
        description=(
            "Print the number of rows of the staging tables (dicom_raw) and of every table the "
            "build wrote, to see at a glance what a harvest and a build produced. --role keeps "
            "the schemas of some roles only, e.g. --role dicom_raw --role cdm."
        ),
    )
    _add_target_options(counts)
    counts.add_argument(
        "--role",
        action="append",
        choices=SCHEMA_ROLES,
        help="only the tables of this schema role (repeatable; default: every role)",
    )

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
    _add_target_options(cohort)
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
        "--out", metavar="FILE", help="write the series to FILE (.csv or .parquet, or --format)"
    )
    cohort.add_argument(
        "--format",
        choices=COHORT_FORMATS,
        help="format of --out (default: from its suffix, .csv or .parquet)",
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
            "Reads the mart series_classification (read-only); run `omop-imaging build` first. "
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


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if args.command == "dbt":  # dbt's own options, e.g. `omop-imaging dbt --version`
        args.dbt_args = [*unknown, *args.dbt_args]
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    handler = {
        "harvest": _harvest,
        "build": _build,
        "settings": _settings,
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
        code = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except (DatabaseNotReady, StoreBusy) as error:
        print(f"omop-imaging {args.command}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"omop-imaging {args.command}: interrupted; run the command again to finish",
            file=sys.stderr,
        )
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`omop-imaging report | head`): stop quietly, like other tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE


def _harvest(args) -> int:
    from .harvest import HarvestInterrupted, HarvestOptions, harvest
    from .store import open_store

    missing = [path for path in args.paths if not os.path.lexists(path)]
    if missing:
        print(
            f"omop-imaging harvest: no such file or folder: {', '.join(missing)}; "
            "check the PATH (nothing was harvested)",
            file=sys.stderr,
        )
        return 2
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
    if args.target == "spark" and not args.paths:
        print(
            "omop-imaging harvest: a PACS harvest (--dicomweb, --dimse) writes to DuckDB or "
            "PostgreSQL; --target spark harvests PATHs",
            file=sys.stderr,
        )
        return 2
    if args.paths and args.target == "spark":
        from .spark_harvest import harvest_paths_on_spark

        summary = harvest_paths_on_spark(args.paths, options)
    elif args.paths:
        store = open_store(args.target, duckdb_path(args.db))
        try:
            summary = harvest(args.paths, store, options)
        except HarvestInterrupted as interrupted:
            print(
                f"omop-imaging harvest: interrupted; {interrupted.committed} files committed. "
                "Run the same command again to resume (stored files are not read again)",
                file=sys.stderr,
            )
            return INTERRUPTED
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
        print(summary.line(), flush=True)
        for line in summary.rejected_lines(args.verbose):
            print(line, file=sys.stderr)
    everything_unchanged = 0 < summary.files_seen == summary.unchanged
    # (a PACS harvest that finds no new series has simply nothing to do)
    if args.paths and summary.harvested == 0 and not everything_unchanged:
        print(
            f"omop-imaging harvest: nothing harvested: no DICOM file among the "
            f"{summary.files_seen} files under {', '.join(args.paths)}; check the PATH",
            file=sys.stderr,
        )
        return 1
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
    from .database import require_harvest
    from .dbt_runner import run_dbt

    database = duckdb_path(args.db)
    require_harvest(args.target, database)
    if args.set and _change_settings(args, args.set, []) != 0:
        return 2
    _print_settings(args.target, database)
    code = _load_seeds(args, database)
    if code == 0:
        refresh = ["--full-refresh"] if args.full_refresh else []
        code = run_dbt(
            ["build", "--exclude", "resource_type:seed", *refresh],
            args.target,
            args.db,
            args.quiet,
        )
    if code == 0:
        from .report import left_out_line

        print(left_out_line(args.target, database), flush=True)
    if code == INTERRUPTED:
        print(
            "omop-imaging build: interrupted; the tables built so far stay. "
            "Run omop-imaging build again to finish",
            file=sys.stderr,
        )
    return code


def _load_seeds(args, database: str) -> int:
    """dbt seed, unless the database's seed tables already hold the current seed files."""
    from .dbt_runner import run_dbt
    from .seed_state import record_seed_load, seed_fingerprint, seeds_are_current

    fingerprint = seed_fingerprint()
    if not args.full_refresh and seeds_are_current(args.target, database, fingerprint):
        print("dbt seed: skipped, the seed files are unchanged since they were loaded", flush=True)
        return 0
    code = run_dbt(["seed", "--full-refresh"], args.target, args.db, args.quiet)
    if code == 0:
        record_seed_load(args.target, database, fingerprint)
    return code


def _settings(args) -> int:
    if (args.set or args.reset) and _change_settings(args, args.set, args.reset) != 0:
        return 2
    _print_settings(args.target, duckdb_path(args.db))
    return 0


def _change_settings(args, assignments: list[str], resets: list[str]) -> int:
    """Store --set values and drop --reset names in the database; 2 for a bad name or value."""
    from .project_settings import defaults, parse_assignment
    from .store import open_store

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


def _print_settings(target: str, database: str) -> None:
    from .database import connect
    from .project_settings import describe, effective

    with connect(target, database) as connection:
        print(describe(effective(connection, target)), flush=True)


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


def _counts(args) -> int:
    from .database import table_counts

    counts = table_counts(args.target, duckdb_path(args.db), args.role or SCHEMA_ROLES)
    width = max((len(table) for table, _ in counts), default=0)
    for table, count in counts:
        print(f"{table:<{width}} {count:>12,}")
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

    from .cohort import (
        Criteria,
        format_table,
        output_format,
        parse_range,
        read_cohort_table,
        select_series,
        write_result,
    )
    from .database import connect

    try:
        if args.format and not args.out:
            raise ValueError("--format chooses the format of --out FILE; name the file too")
        out_format = output_format(Path(args.out), args.format) if args.out else None
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
        write_result(result, Path(args.out), out_format)
    elif not args.json:
        print(format_table(result))
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
