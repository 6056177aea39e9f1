"""Harvest: walk folders, read headers in parallel worker processes, load staging in batches.

The main process walks the paths, skips files already stored unchanged, keeps a bounded number
of read tasks in flight, and hands each batch to one writer thread that writes it in one
transaction while the next batch is collected (so the workers never wait for a load); memory is
bounded by two batches and the number of tasks in flight, never by the size of the corpus.
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass, field
from itertools import compress, islice
from multiprocessing import get_context

import pyarrow as pa
import pyarrow.compute as pc
from tqdm import tqdm

from .deidentify import Deidentifier
from .discover import iter_files
from .element_table import RECORD_TYPES, element_table
from .ids import stable_id
from .reader import ElementRows, FileRecord, quiet_pydicom
from .representative import smallest_per_series, sort_key
from .staging_schema import FILE_COLUMN_NAMES, FILE_COLUMNS, arrow_schema
from .store import Batch, InstanceRef, StagingStore
from .worker import read_task, read_task_tables, task_tables

# Files per worker task: large enough to amortise the hand-over between processes (a task costs
# the main process about as much as 30 files do in its batches) and for a task to hold most of a
# series (the reader flattens one header whole per series and task).
TASK_FILES = 128
# Files per load batch, planned and appended at once (memory stays bounded by it); a transaction
# commits the batches of StagingStore.transaction_files files.
LOAD_FILES = 1000
FINGERPRINT_LOOKUP_FILES = 1024  # paths looked up at a time among the files stored before
REJECTION_COLUMNS = ("file_path", "reject_category", "reject_reason")  # a rejected file's line


@dataclass
class HarvestOptions:
    full_headers: bool = False
    workers: int | None = None  # None: one per core
    batch_files: int | None = None  # files per transaction; None: the store's transaction_files
    task_files: int = TASK_FILES  # files per worker task
    load_files: int = LOAD_FILES  # files per load batch (at most batch_files)
    progress: bool = True
    deidentifier: Deidentifier | None = None  # --deidentify: PS3.15 Basic Profile in the workers


class HarvestInterrupted(Exception):
    """Ctrl-C stopped a harvest; the batches committed before it stay (a re-run resumes)."""

    def __init__(self, committed: int):
        super().__init__(f"interrupted after {committed} files were committed")
        self.committed = committed


@dataclass
class HarvestSummary:
    files_seen: int = 0
    harvested: int = 0
    rejected: int = 0
    unchanged: int = 0  # of the harvested + rejected: already in staging, unchanged, not read again
    elements: int = 0  # element rows loaded, less those of representatives replaced since
    committed: int = 0  # files whose batch is committed (what a Ctrl-C keeps)
    seconds: float = 0.0
    rejected_files: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # path, category, reason

    def line(self) -> str:
        return (
            f"harvest: {self.files_seen} files seen, {self.harvested} harvested, "
            f"{self.rejected} rejected ({self.unchanged} unchanged since the last harvest), "
            f"{self.elements} elements loaded, {self.seconds:.1f} s"
        )

    def rejected_lines(self, verbose: bool = False) -> list[str]:
        """The rejected files, one line per category (most files first), or with `verbose` one
        line per file."""
        if verbose:
            return [
                f"rejected {path}: [{category}] {reason}"
                for path, category, reason in self.rejected_files
            ]
        by_category = self._by_category()
        ordered = sorted(by_category.items(), key=lambda item: (-len(item[1]), item[0]))
        return [
            f"rejected: {len(files):>6} {category} (e.g. {files[0]['reason']})"
            for category, files in ordered
        ] + (["rejected files are listed with --verbose or --json"] if ordered else [])

    def _by_category(self) -> dict[str, list[dict]]:
        by_category: dict[str, list[dict]] = defaultdict(list)
        for path, category, reason in self.rejected_files:
            by_category[category].append({"path": path, "reason": reason})
        return by_category

    def as_dict(self) -> dict:
        by_reason = self._by_category()
        return {
            "files_seen": self.files_seen,
            "harvested": self.harvested,
            "rejected": self.rejected,
            "unchanged": self.unchanged,
            "elements": self.elements,
            "seconds": round(self.seconds, 3),
            "rejected_by_reason": {
                category: {"count": len(files), "files": files}
                for category, files in sorted(by_reason.items())
            },
        }


def harvest(
    paths: Iterable[str], store: StagingStore, options: HarvestOptions | None = None
) -> HarvestSummary:
    options = options or HarvestOptions()
    paths = list(paths)  # walked twice with a progress bar: once to count, once to read
    summary = HarvestSummary()
    started = time.perf_counter()
    writer = BatchWriter(store, options, summary, first_harvest=store.is_empty())
    workers = options.workers or os.cpu_count() or 1
    progress = HarvestProgress(paths, options.progress)
    try:
        tasks = _tasks(
            iter_files(paths), store, options, summary, progress, writer.first_harvest, writer.lock
        )
        if workers == 1:
            quiet_pydicom()
            for task in tasks:
                writer.add_tables(
                    *read_task_tables(task, options.full_headers, options.deidentifier), progress
                )
        else:
            _run_in_pool(tasks, workers, writer, progress, options)
        if not writer.first_harvest:
            writer.supersede(_gone_files(paths, store, writer.lock))
        writer.finish()
    except KeyboardInterrupt:
        writer.stop()  # the batch being written completes, and what was written commits
        raise HarvestInterrupted(summary.committed) from None
    finally:
        writer.close()
        progress.close()
    summary.seconds = time.perf_counter() - started
    return summary


class HarvestProgress:
    """The progress bar: files done out of a total that a background thread counts by walking
    the same paths. The harvest starts at once (an archive of millions of files does not wait
    for its count); the total and the ETA show as soon as the count runs ahead of the harvest,
    and the total grows until the count is complete."""

    def __init__(self, paths: list[str], enabled: bool):
        self.bar = tqdm(unit=" files", desc="harvest", disable=not enabled, leave=False)
        self.counted = 0
        self.counted_all = threading.Event()
        self._stop = threading.Event()
        if enabled:
            threading.Thread(
                target=self._count, args=(paths,), name="omop-imaging-count", daemon=True
            ).start()

    def _count(self, paths: list[str]) -> None:
        for _path in iter_files(paths):
            if self._stop.is_set():
                return
            self.counted += 1
        self.counted_all.set()

    def update(self, files: int) -> None:
        if not self.bar.disable:
            self.bar.total = max(self.counted, self.bar.n + files)
            counting = "" if self.counted_all.is_set() else " (counting files)"
            self.bar.set_description_str(f"harvest{counting}", refresh=False)
        self.bar.update(files)

    def close(self) -> None:
        self._stop.set()
        self.bar.close()


def _run_in_pool(
    tasks: Iterator[list[str]],
    workers: int,
    writer: BatchWriter,
    progress: HarvestProgress,
    options: HarvestOptions,
) -> None:
    in_flight_limit = workers * 3
    with ProcessPoolExecutor(
        workers, mp_context=get_context("spawn"), initializer=quiet_pydicom
    ) as pool:
        in_flight: set[Future[tuple[pa.Table, pa.Table]]] = set()
        for task in tasks:
            in_flight.add(
                pool.submit(read_task_tables, task, options.full_headers, options.deidentifier)
            )
            while len(in_flight) >= in_flight_limit:
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    writer.add_tables(*future.result(), progress=progress)
        for future in in_flight:
            writer.add_tables(*future.result(), progress=progress)


def _tasks(
    files: Iterator[str],
    store: StagingStore,
    options: HarvestOptions,
    summary: HarvestSummary,
    progress,
    first_harvest: bool,
    store_lock: threading.Lock,
) -> Iterator[list[str]]:
    """Group paths into worker tasks, leaving out files stored before and unchanged since (unless
    --full-headers asks for more than was kept of them). Stored files are looked up a thousand
    paths at a time, and not at all when the store held no files when the harvest began (a path
    comes once in a harvest, so none of its own files can be stored already)."""
    lookup_files = max(options.task_files, FINGERPRINT_LOOKUP_FILES)
    while chunk := list(islice(files, lookup_files)):
        summary.files_seen += len(chunk)
        if first_harvest:
            todo = chunk
        else:
            with store_lock:  # the writer thread may be loading a batch on the same connection
                stored = store.stored_files([stable_id(path) for path in chunk])
            todo = []
            for path in chunk:
                previous = stored.get(stable_id(path))
                wants_more = (
                    options.full_headers
                    and previous is not None
                    and previous.status == "harvested"
                    and not previous.full_header_kept
                )
                if previous is not None and not wants_more and _unchanged(path, previous):
                    summary.unchanged += 1
                    if previous.status == "harvested":
                        summary.harvested += 1
                    else:
                        summary.rejected += 1
                    progress.update(1)
                else:
                    todo.append(path)
        for start in range(0, len(todo), options.task_files):
            yield todo[start : start + options.task_files]


def _gone_files(paths: list[str], store: StagingStore, store_lock: threading.Lock) -> list[int]:
    """Stored files at or below the harvested paths that no longer exist: their rows go, so the
    staging tables hold what the paths hold now (a file that cannot be reached for another reason,
    e.g. a folder without read permission, is kept)."""
    gone: list[int] = []
    for root in {os.path.abspath(path) for path in paths}:
        after = -(2**63)
        while True:
            with store_lock:  # the writer thread may be loading a batch on the same connection
                stored = store.files_under(root, after, FINGERPRINT_LOOKUP_FILES)
            if not stored:
                break
            gone.extend(file_id for file_id, path in stored if _is_gone(path))
            after = stored[-1][0]
    return sorted(set(gone))


def _is_gone(path: str) -> bool:
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False
    return False


def _unchanged(path: str, previous) -> bool:
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return stat.st_size == previous.file_size and stat.st_mtime_ns == previous.file_mtime_ns


class BatchWriter:
    """Collects worker results and writes them a batch at a time, choosing series representatives.

    A series keeps its full header once, from the instance with the smallest
    (SOP Instance UID, file path): a rule that gives the same staging content whatever order the
    files arrive in and however the harvest is split over runs.
    """

    def __init__(
        self,
        store: StagingStore,
        options: HarvestOptions,
        summary: HarvestSummary,
        first_harvest: bool,
    ):
        self.store = store
        # Nothing was stored when the harvest began: no file of a batch can be stored already.
        self.first_harvest = first_harvest
        self.options = options
        self.summary = summary
        self.file_tables: list[pa.Table] = []  # the file records collected for the next batch
        self.element_tables: list[pa.Table] = []  # their element rows
        self.files = 0  # rows of self.file_tables
        self.transaction_files = options.batch_files or store.transaction_files
        self.load_files = min(options.load_files, self.transaction_files)
        self.uncommitted = 0  # files written in the open transaction
        # One writer thread: batches are planned and written in order, one at a time, while the
        # main thread goes on collecting worker results. Every use of the store holds the lock.
        self.lock = threading.Lock()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="omop-imaging-writer")
        self._writing: Future | None = None
        self.superseded: list[int] = []  # stored records the next batch removes (see supersede)

    def supersede(self, file_ids: list[int]) -> None:
        """Remove these stored records with the next batch (e.g. a PACS study rejected by an
        earlier run and harvested now)."""
        self.superseded.extend(file_ids)

    def add(self, results: list[tuple[FileRecord, ElementRows]], progress) -> None:
        self.add_tables(*task_tables(results), progress)

    def add_tables(self, files: pa.Table, elements: pa.Table, progress) -> None:
        """A worker task's file records (element_table.record_table) and the element rows of all
        its files, collected as they are: the batch counts them (_count)."""
        progress.update(files.num_rows)
        self.file_tables.append(files)
        self.element_tables.append(elements)
        self.files += files.num_rows
        if self.files >= self.load_files:
            self.flush()

    def flush(self) -> None:
        """Hand the collected results to the writer thread, after the batch before them is in
        (at most one batch is being written: memory stays bounded, a load error surfaces here)."""
        if not self.files and not self.superseded:
            return
        files = pa.concat_tables(self.file_tables or [RECORD_TYPES.empty_table()])
        elements = pa.concat_tables(self.element_tables or [element_table(ElementRows())])
        self.file_tables, self.element_tables, self.files = [], [], 0
        self._count(files)
        superseded, self.superseded = self.superseded, []
        self._wait_for_writer()
        self._writing = self._writer.submit(self._write, files, elements, superseded)

    def _count(self, files: pa.Table) -> None:
        """Count a batch's files in the summary, the rejected ones with their reasons (a few
        vectorised steps per batch; only a rejected file is touched in Python)."""
        rejected = files.filter(pc.not_equal(files["status"], "harvested"))
        self.summary.harvested += files.num_rows - rejected.num_rows
        self.summary.rejected += rejected.num_rows
        columns = [rejected[name].to_pylist() for name in REJECTION_COLUMNS]
        self.summary.rejected_files.extend(
            (path, category or "", reason or "")
            for path, category, reason in zip(*columns, strict=True)
        )

    def finish(self) -> None:
        """Write what is left, wait until every batch is committed, then refresh the engine's
        statistics of the tables written (the build's queries are planned by them)."""
        self.flush()
        self._wait_for_writer()
        with self.lock:
            self._commit()
            self.store.refresh_statistics()

    def stop(self) -> None:
        """After Ctrl-C: let the batch being written complete, then commit what was written
        (every batch is whole), unless writing failed and rolled it back."""
        self.close()
        try:
            self._wait_for_writer()
        except Exception:
            return
        with self.lock:
            self._commit()

    def close(self) -> None:
        self._writer.shutdown(wait=True)

    def _commit(self) -> None:
        """End the open transaction (the caller holds self.lock)."""
        self.store.commit()
        self.summary.committed += self.uncommitted
        self.uncommitted = 0

    def _wait_for_writer(self) -> None:
        if self._writing is not None:
            writing, self._writing = self._writing, None
            writing.result()

    def _write(self, files: pa.Table, elements: pa.Table, superseded: list[int]) -> None:
        with self.lock:
            try:
                self.store.begin_batch()  # other harvests may be writing: plan on what they committed
                batch = self._plan(files, elements, superseded)
                demoted_rows = self.store.write_batch(batch)
            except BaseException:
                self.store.rollback()  # the open transaction's earlier batches go with it
                self.uncommitted = 0
                raise
            self.uncommitted += files.num_rows
            if self.uncommitted >= self.transaction_files:
                self._commit()
        self.summary.elements += batch.elements.num_rows - demoted_rows

    def _plan(self, files: pa.Table, elements: pa.Table, superseded: list[int]) -> Batch:
        """superseded: stored files whose rows go without new ones (gone from disk, or records
        of an earlier run replaced): their series are settled like those of re-read files."""
        concurrent = self.store.concurrent_writers  # another harvest may have stored them
        batch_ids = files["file_id"].to_pylist() if not self.first_harvest or concurrent else []
        stored = self.store.stored_files(sorted({*batch_ids, *superseded}))
        harvested = files.filter(pc.equal(files["status"], "harvested"))
        # The reader rejects a file without a series UID: every harvested file has one.
        candidates = {
            row["series_instance_uid"]: InstanceRef(
                row["file_id"], row["sop_instance_uid"], row["file_path"], False
            )
            for row in smallest_per_series(
                harvested.select(
                    ["series_instance_uid", "file_id", "sop_instance_uid", "file_path"]
                )
            ).to_pylist()
        }
        # Series whose representative is re-read in this batch need a new one even when the
        # file is now rejected.
        series_to_settle = set(candidates) | {
            previous.series_instance_uid
            for previous in stored.values()
            if previous.is_series_representative and previous.series_instance_uid is not None
        }
        current = self.store.representatives(sorted(series_to_settle))

        keeps_full_header: set[int] = set()
        demoted: list[int] = []
        promoted: list[InstanceRef] = []
        leaving: list[int] | None = None  # files no longer stored as they are after this batch
        for series_uid in sorted(series_to_settle):
            incumbent = current.get(series_uid)
            if incumbent is not None and incumbent.file_id in stored:
                if leaving is None:
                    leaving = sorted({*files["file_id"].to_pylist(), *stored})
                incumbent = self.store.smallest_instance(series_uid, excluding=leaving)
                incumbent_is_representative = False
            else:
                incumbent_is_representative = incumbent is not None
            best = candidates.get(series_uid)
            if best is not None and (incumbent is None or sort_key(best) < sort_key(incumbent)):
                keeps_full_header.add(best.file_id)
                if incumbent is not None and incumbent_is_representative:
                    demoted.append(incumbent.file_id)
            elif incumbent is not None and not incumbent_is_representative:
                promoted.append(incumbent)

        promoted_rows = ElementRows()
        for instance in promoted:
            promoted_rows.extend(_promoted_rows(instance, self.options))
        elements = pa.concat_tables(
            [
                _kept_rows(elements, harvested["file_id"], keeps_full_header, self.options),
                element_table(promoted_rows),
            ]
        )
        return Batch(
            replaced_file_ids=sorted(stored),
            demoted_file_ids=demoted,
            promoted_file_ids=[instance.file_id for instance in promoted],
            files=_file_table(files, keeps_full_header, self.options.full_headers),
            elements=elements,
        )


def _promoted_rows(instance: InstanceRef, options: HarvestOptions) -> ElementRows:
    """Re-read a stored instance that becomes its series' representative (rare: only after the
    representative file itself changed); its instance-level rows are stored already."""
    record, rows = read_task([instance.file_path], True, options.deidentifier)[0]
    if instance.full_header_kept or record.status != "harvested":
        return ElementRows()
    return _select(rows, [not keep for keep in rows.instance_level])


def _kept_rows(
    elements: pa.Table, harvested_ids: pa.ChunkedArray, full_header_ids: set[int], options
) -> pa.Table:
    """The rows a batch stores: those of harvested files, all of them for the files that keep
    their full header, the instance-level ones for the others (a vectorised filter: the main
    process never touches a value)."""
    keep = pc.is_in(elements["file_id"], harvested_ids.combine_chunks())
    if not options.full_headers:
        full_header = pc.is_in(elements["file_id"], pa.array(sorted(full_header_ids), pa.int64()))
        keep = pc.and_(keep, pc.or_(elements["instance_level"], full_header))
    return elements.filter(keep)


def _select(rows: ElementRows, keep: list[bool]) -> ElementRows:
    selected = ElementRows()
    for name, values in vars(rows).items():
        getattr(selected, name).extend(compress(values, keep))
    return selected


def _file_table(files: pa.Table, representatives: set[int], full_headers: bool) -> pa.Table:
    """The file rows a batch stores: the records and the columns the plan derives."""
    is_representative = pc.is_in(files["file_id"], pa.array(sorted(representatives), pa.int64()))
    harvested = pc.equal(files["status"], "harvested")
    derived = {
        "is_series_representative": is_representative,
        "full_header_kept": pc.and_(harvested, pc.or_(is_representative, full_headers)),
        "harvested_with_full_headers": pc.and_(harvested, full_headers),
    }
    columns = [derived[name] if name in derived else files[name] for name in FILE_COLUMN_NAMES]
    return pa.Table.from_arrays(columns, schema=_FILE_TYPES)


_FILE_TYPES = arrow_schema(FILE_COLUMNS)
