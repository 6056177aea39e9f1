"""Harvest from a PACS (DICOMweb or DIMSE) into the same staging rows as a file harvest.

The main thread lists studies a page at a time and keeps up to 2 x `connections` studies in
flight on `connections` threads; each thread lists a study's series, leaves out those harvested
before and unchanged since (same number of instances) and has the others read on a second pool of
`connections` threads, which fetch each series' headers and turn them into rows with the reader's
code (same header policy, --deidentify, representatives). A study that
keeps failing after its retries is stored as a rejected record (its URI, the reason) and the run
goes on; the next run harvests it and removes that record. The batch writer is the file harvest's.
"""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from pydicom.dataset import Dataset
from tqdm import tqdm

from .harvest import BatchWriter, HarvestOptions, HarvestSummary
from .ids import stable_id
from .pacs_retry import AuthenticationFailed, SourceError
from .pacs_source import PacsSource, SeriesRef, StudyRef, UidMap
from .reader import ElementRows, FileRecord, quiet_pydicom
from .store import StagingStore
from .worker import header_rows

UNREACHABLE = "unreachable"  # reject category of a study the server did not deliver


@dataclass
class PacsOptions:
    connections: int = 4
    windows: list[str | None] = field(default_factory=lambda: [None])  # study date windows
    modalities: list[str] = field(default_factory=list)


@dataclass
class PacsSummary(HarvestSummary):
    source: str = ""
    studies: int = 0
    studies_rejected: int = 0
    series_read: int = 0
    series_unchanged: int = 0

    def line(self) -> str:
        return (
            f"harvest {self.source}: {self.studies} studies ({self.studies_rejected} rejected), "
            f"{self.series_read} series read, {self.series_unchanged} unchanged since the last "
            f"harvest; {self.harvested} instances harvested ({self.unchanged} of them unchanged), "
            f"{self.rejected - self.studies_rejected} instances rejected, "
            f"{self.elements} elements loaded, {self.seconds:.1f} s"
        )

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "studies": self.studies,
            "studies_rejected": self.studies_rejected,
            "series_read": self.series_read,
            "series_unchanged": self.series_unchanged,
            **super().as_dict(),
        }


@dataclass
class _StudyOutcome:
    study: StudyRef
    results: list[tuple[FileRecord, ElementRows]]
    study_uri: str
    unchanged_instances: int = 0
    series_read: int = 0
    series_unchanged: int = 0
    rejected_reason: str | None = None


class _NoProgress:
    """The batch writer's progress: this harvest counts instances itself."""

    def update(self, _count: int) -> None:
        pass


def harvest_pacs(
    source: PacsSource,
    store: StagingStore,
    options: HarvestOptions | None = None,
    pacs: PacsOptions | None = None,
) -> PacsSummary:
    options = options or HarvestOptions()
    pacs = pacs or PacsOptions()
    summary = PacsSummary(source=source.label)
    quiet_pydicom()  # as in a file harvest's workers: odd values must not flood the console
    started = time.perf_counter()
    writer = BatchWriter(store, options, summary, first_harvest=store.is_empty())
    deidentifier = options.deidentifier
    uid_map: UidMap = deidentifier.uid if deidentifier is not None else str
    progress = tqdm(
        total=0, unit=" instances", desc="harvest", disable=not options.progress, leave=False
    )
    listed = done = 0

    def collect(future: Future) -> None:
        nonlocal done
        outcome = future.result()  # AuthenticationFailed surfaces here and stops the run
        done += 1
        _record(outcome, writer, summary, uid_map)
        if outcome.study.instances is None:
            progress.total += len(outcome.results) + outcome.unchanged_instances
        progress.update(len(outcome.results) + outcome.unchanged_instances)
        progress.set_postfix_str(f"{done}/{listed} studies", refresh=False)

    # Studies on one pool (listing their series), series metadata on another: a study thread
    # waits for its series, a series thread never waits for anything, so neither pool can stall.
    pool = ThreadPoolExecutor(pacs.connections, thread_name_prefix="omop-imaging-study")
    series_pool = ThreadPoolExecutor(pacs.connections, thread_name_prefix="omop-imaging-series")
    in_flight: set[Future] = set()
    listing_failed: SourceError | None = None
    try:
        try:
            for study in source.studies(pacs.windows, pacs.modalities):
                listed += 1
                if study.instances:
                    progress.total += study.instances
                    progress.refresh()
                in_flight.add(
                    pool.submit(
                        _read_study,
                        source,
                        study,
                        store,
                        writer,
                        options,
                        pacs,
                        uid_map,
                        series_pool,
                    )
                )
                while len(in_flight) >= 2 * pacs.connections:
                    finished, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        collect(future)
        except AuthenticationFailed:
            raise
        except SourceError as error:
            # The listing broke off (server gone): keep what the studies in flight bring, then
            # report; a re-run lists again and skips what is stored.
            listing_failed = error
        while in_flight:
            collect(in_flight.pop())
        writer.finish()
    finally:
        for future in in_flight:
            future.cancel()
        pool.shutdown(wait=True)
        series_pool.shutdown(wait=True)
        writer.close()
        progress.close()
    if listing_failed is not None:
        raise listing_failed
    summary.seconds = time.perf_counter() - started
    return summary


def _read_study(
    source: PacsSource,
    study: StudyRef,
    store: StagingStore,
    writer: BatchWriter,
    options: HarvestOptions,
    pacs: PacsOptions,
    uid_map: UidMap,
    series_pool: ThreadPoolExecutor,
) -> _StudyOutcome:
    """One study's rows (on a pool thread); a study that fails becomes a reason, never an error,
    except refused credentials, which stop the run."""
    outcome = _StudyOutcome(study, [], source.study_uri(study.uid, uid_map))
    # Only a series' representative keeps more than its instance-level rows (de-identification
    # reads every header whole: a date shift needs the Patient ID).
    trim = not options.full_headers and options.deidentifier is None
    try:
        series = source.series(study)
        if pacs.modalities:
            series = [one for one in series if one.modality in pacs.modalities]
        with writer.lock:  # the writer thread uses the same connection
            stored = store.harvested_series([uid_map(one.uid) for one in series], source.prefix)
        todo = []
        for one in series:
            if _unchanged(one, stored.get(uid_map(one.uid))):
                outcome.series_unchanged += 1
                outcome.unchanged_instances += one.instances or 0  # (counted, as _unchanged)
            else:
                todo.append(one)

        def read_series(one):
            parsed = _first_of_each_uri(source.instances(study.uid, one, uid_map, trim))
            return header_rows(parsed, options.full_headers, options.deidentifier)

        # The series of one study are read side by side (a study may hold most of a run).
        reading = [series_pool.submit(read_series, one) for one in todo]
        try:
            for future in reading:
                outcome.results += future.result()
                outcome.series_read += 1
        finally:
            for future in reading:
                future.cancel()
    except AuthenticationFailed:
        raise
    except SourceError as error:
        outcome.results = []
        outcome.rejected_reason = str(error)
    return outcome


def _unchanged(series: SeriesRef, stored: tuple[int, int] | None) -> bool:
    """Harvested before with as many instances as the server counts now and, when the server
    gives the series' last update, with that one."""
    if stored is None or series.instances is None:
        return False
    count, latest = stored
    return count == series.instances and series.updated_ns in (None, latest)


def _first_of_each_uri(parsed: list[tuple[FileRecord, Dataset | None]]):
    """One instance per URI: an archive may hold one SOP Instance UID twice (under two patients)."""
    seen: set[int] = set()
    unique = []
    for record, dataset in parsed:
        if record.file_id not in seen:
            seen.add(record.file_id)
            unique.append((record, dataset))
    return unique


def _record(
    outcome: _StudyOutcome, writer: BatchWriter, summary: PacsSummary, uid_map: UidMap
) -> None:
    summary.studies += 1
    summary.files_seen += len(outcome.results) + outcome.unchanged_instances
    summary.unchanged += outcome.unchanged_instances
    summary.harvested += outcome.unchanged_instances
    summary.series_read += outcome.series_read
    summary.series_unchanged += outcome.series_unchanged
    if outcome.rejected_reason is None:
        writer.supersede([stable_id(outcome.study_uri)])  # a rejection from an earlier run
        writer.add(outcome.results, _NoProgress())
        return
    summary.studies_rejected += 1
    summary.files_seen += 1
    record = FileRecord(
        stable_id(outcome.study_uri),
        outcome.study_uri,
        0,
        0,
        "rejected",
        reject_category=UNREACHABLE,
        reject_reason=outcome.rejected_reason,
        study_instance_uid=uid_map(outcome.study.uid),
    )
    writer.add([(record, ElementRows())], _NoProgress())
