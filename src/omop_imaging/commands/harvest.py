"""`omop-imaging harvest`: DICOM headers from files, folders or a PACS into the staging tables."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

from ..dbt_runner import INTERRUPTED
from ..settings import duckdb_path
from .options import Subparsers, add_target_options, positive_int

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


def add_parser(commands: Subparsers) -> None:
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
    add_target_options(harvest, writes=True)
    harvest.add_argument(
        "--full-headers",
        action="store_true",
        help="keep every element of every instance (staging grows with elements x instances)",
    )
    harvest.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="worker processes (default: one per core)",
    )
    harvest.add_argument(
        "--batch-files",
        type=positive_int,
        metavar="N",
        help="files per transaction, what a Ctrl-C or a crash keeps at most (default: 10000 on "
        "DuckDB, 1000 on PostgreSQL)",
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
    harvest.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..harvest import HarvestInterrupted, HarvestOptions, harvest
    from ..store import StagingStore, open_store

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
        from ..spark_harvest import SparkJobFailed, harvest_paths_on_spark

        try:
            summary = harvest_paths_on_spark(args.paths, options)
        except SparkJobFailed as error:
            print(
                f"omop-imaging harvest: the Spark job failed: {error}; fix the cause and run the "
                "same command again, it completes or redoes this harvest (Spark's log has details)",
                file=sys.stderr,
            )
            return 1
    elif args.paths:
        store = open_store(args.target, duckdb_path(args.db))
        assert isinstance(store, StagingStore)  # Spark harvests above
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


def _pacs_source(args):
    """The PACS source and its options the arguments ask for; ValueError when they do not fit."""
    from ..pacs_harvest import PacsOptions
    from ..pacs_retry import RetryPolicy
    from ..pacs_source import DateRange

    if args.last_update_tag and not re.fullmatch(r"[0-9A-Fa-f]{8}", args.last_update_tag):
        raise ValueError("--last-update-tag: give the tag as 8 hex digits, e.g. 00091001")
    if args.connections < 1 or args.retries < 1 or args.date_window_days < 1:
        raise ValueError("--connections, --retries and --date-window-days must be 1 or more")
    windows: list[str | None] = (
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
        from ..dicomweb_source import DicomwebSource
        from ..pacs_credentials import check_url_has_no_secret, load_credentials

        check_url_has_no_secret(args.dicomweb)
        return (
            DicomwebSource(
                args.dicomweb, load_credentials(), policy, last_update_tag=args.last_update_tag
            ),
            pacs,
        )
    from ..dimse_source import DimseSource

    if not args.called_aet:
        raise ValueError("--dimse needs --called-aet (the archive's AE title)")
    if args.last_update_tag:
        raise ValueError("--last-update-tag goes with --dicomweb")
    return DimseSource.from_address(args.dimse, args.aet, args.called_aet, policy), pacs


def _harvest_pacs(source, pacs, options, args):
    """The summary of a PACS harvest, None after a one-line error (what was read is committed)."""
    from ..pacs_harvest import harvest_pacs
    from ..pacs_retry import SourceError
    from ..store import StagingStore, open_store

    store = open_store(args.target, duckdb_path(args.db))
    assert isinstance(store, StagingStore)  # a PACS harvest on Spark is refused before
    try:
        return harvest_pacs(source, store, options, pacs)
    except SourceError as error:
        print(f"omop-imaging harvest: {error}", file=sys.stderr)
        return None
    finally:
        store.close()


def _deidentifier(args):
    """The Deidentifier --deidentify asks for, None without it; ValueError when it cannot start."""
    from ..deidentify import Deidentifier, DeidKeyError, load_key

    if not args.deidentify:
        if args.deid_key_file or args.date_shift:
            raise ValueError("--deid-key-file and --date-shift only go with --deidentify")
        return None
    try:
        return Deidentifier(load_key(args.deid_key_file), shift_dates=args.date_shift)
    except DeidKeyError as error:
        raise ValueError(str(error)) from error
