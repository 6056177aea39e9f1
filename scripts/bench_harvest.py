"""Benchmark the harvest against a bare pydicom header parse over the same files.

What it measures, in one run and on the same number of worker processes:

* bare:     a pool of W spawned worker processes, each running
            ``pydicom.dcmread(path, stop_before_pixels=True)`` over tasks of the same size the
            harvest uses (harvest.TASK_FILES paths per task); nothing is kept. This is the
            ceiling: reading and parsing the headers, no value conversion, no loading.
* harvest:  the real ``harvest(paths, store, HarvestOptions(workers=W, progress=False))`` into a
            fresh DuckDB file (or, with --target postgres, into a new PostgreSQL database),
            opening the store, loading every batch and the final commit included.

Each measurement runs in its own fresh Python process (started by this script), so that its peak
memory is its own. Peak memory is the kernel's high-water mark of resident memory, VmHWM in
/proc/PID/status: of the measuring process itself (it drives the pool, and for the harvest it
plans and loads every batch), and of each worker process, read by a thread that polls
multiprocessing.active_children() every 50 ms (VmHWM only grows, so polling misses at most the
last 50 ms of a worker's life). Not ``ru_maxrss``: on Linux it keeps the high-water mark of the
forking parent across exec, so a spawned worker would report at least its parent's size. The
harvest runs at two corpus sizes (N/2 and N files) to show that peak memory does not grow with
the number of files. The page cache is warmed before any timing (every file
is read once), so both sides read from memory, not from disk; the bare parse runs first.
Besides wall-clock files/s (the target), it prints files per CPU second: files over the user +
system CPU time of the measuring process and its workers, a figure that other load on the
machine disturbs much less than the wall clock (use --repeat on a busy machine). Both sides
pay the start-up of their worker processes, which weighs most on the bare parse: with few files
the ratio looks better than it is, so measure several thousand.

The corpus: realistic series written by medimages4tests from stored real scanner headers (a
Siemens PET/CT study: PET whole body, PET uncorrected, PET topogram, PET statistics, CT whole body,
CT attenuation correction; Siemens Skyra MR brain: T1w MPRAGE and field map; GE Discovery MR888
field map), 2680 files per copy, never the 1.3 GB DWI series. medimages4tests' own writer
(``medimages4tests.dummy.dicom.base.generate_dicom``) writes each file from the module's
constant and per-volume headers, with two changes made here:

* the pixel data is cut to 48 bytes of noise (Rows/Columns keep their recorded values), which keeps
  the corpus at ~100 MB instead of ~1.5 GB per copy; a header read stops before the pixels anyway.
  The large private elements before the pixels (e.g. Siemens CSA headers of 110 kB) stay whole.
  ``--full-pixels`` writes the pixel data at its recorded size.
* when more files are needed than one copy holds, further copies of the whole set are written with
  fresh UIDs: every UI value that is not a registered DICOM UID (study, series, SOP instance,
  frame of reference, referenced instances...) is replaced, consistently within the copy, by a
  ``2.25.<hash>`` UID derived from the original UID and the copy number. Copy 0 keeps the
  original UIDs.

The corpus is written once into --corpus (default $TMPDIR/omop-imaging-bench-corpus, outside the
repository) and reused. A run of N files uses the first N files in sorted path order, through a
folder of hard links to them (views/files-N), and the harvest is given that folder, as on the
command line: it walks the folder itself. The bare parse gets the same files as a list.

Example:

    .venv/bin/python scripts/bench_harvest.py --files 5000
    .venv/bin/python scripts/bench_harvest.py --files 3000 --workers 1 --json
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import importlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# medimages4tests modules (below medimages4tests.dummy.dicom) that make up one copy of the corpus.
SERIES_MODULES = [
    "pet.wholebody.siemens.biograph_vision.vr20b",
    "pet.uncorrected.siemens.biograph_vision.vr20b",
    "pet.topogram.siemens.biograph_vision.vr20b",
    "pet.statistics.siemens.biograph_vision.vr20b",
    "ct.wholebody.siemens.biograph_vision.vr20b",
    "ct.ac.siemens.biograph_vision.vr20b",
    "mri.t1w.siemens.skyra.syngo_d13c",
    "mri.fmap.siemens.skyra.syngo_d13c",
    "mri.fmap.ge.discovery_mr888.dv26_0_r05_2008a",
]
PIXEL_DATA = "7FE00010"
SMALL_PIXEL_BASE64_CHARS = 64  # 48 bytes once decoded
DEFAULT_CORPUS = Path(tempfile.gettempdir()) / "omop-imaging-bench-corpus"
COMPLETE_MARK = ".complete"


# -- corpus -----------------------------------------------------------------------------------------
def ensure_corpus(corpus: Path, files: int, full_pixels: bool) -> Path:
    """Write copies of the series set until the corpus holds `files` files; return a folder that
    holds the first `files` of them in sorted order (as hard links)."""
    corpus.mkdir(parents=True, exist_ok=True)
    settings = corpus / "corpus.json"
    wanted = {"full_pixels": full_pixels, "modules": SERIES_MODULES}
    if settings.exists() and json.loads(settings.read_text()) != wanted:
        raise SystemExit(
            f"{corpus} was written with other settings ({settings.read_text().strip()}); "
            "remove it or choose another --corpus"
        )
    settings.write_text(json.dumps(wanted))
    copy_number = 0
    paths = _corpus_files(corpus)
    while len(paths) < files:
        _write_copy(corpus / f"copy{copy_number:03d}", copy_number, full_pixels)
        copy_number += 1
        paths = _corpus_files(corpus)
    return _view(corpus, paths[:files])


def _view(corpus: Path, paths: list[str]) -> Path:
    """A folder of hard links to `paths` (same relative layout): the harvest is given a folder,
    as on the command line, and walks it itself."""
    view = corpus / "views" / f"files-{len(paths)}"
    complete = view.with_name(view.name + COMPLETE_MARK)
    if complete.exists():
        return view
    if view.exists():
        shutil.rmtree(view)
    for path in paths:
        link = view / Path(path).relative_to(corpus)
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, link)
        except OSError:
            shutil.copy2(path, link)
    complete.write_text(str(len(paths)))
    return view


def view_files(view: Path) -> list[str]:
    return sorted(str(path) for path in view.rglob("*.dcm"))


def _corpus_files(corpus: Path) -> list[str]:
    paths = []
    for copy_dir in sorted(corpus.glob("copy[0-9]*")):
        if (copy_dir / COMPLETE_MARK).exists():
            paths.extend(sorted(str(path) for path in copy_dir.rglob("*.dcm")))
    return sorted(paths)


def _write_copy(copy_dir: Path, copy_number: int, full_pixels: bool) -> None:
    if (copy_dir / COMPLETE_MARK).exists():
        return
    from medimages4tests.dummy.dicom.base import generate_dicom

    if copy_dir.exists():
        shutil.rmtree(copy_dir)  # an interrupted earlier attempt
    started = time.perf_counter()
    uids: dict[str, str] = {}
    count = 0
    for name in SERIES_MODULES:
        module = importlib.import_module(f"medimages4tests.dummy.dicom.{name}")
        constant, varying = module.constant_hdr, module.varying_hdr
        if copy_number:
            constant = _fresh_uids(copy.deepcopy(constant), copy_number, uids)
            varying = _fresh_uids(copy.deepcopy(varying), copy_number, uids)
        collated = module.collated_data
        if not full_pixels:
            collated = {
                tag: (
                    {
                        index: dict(value, BinaryLength=SMALL_PIXEL_BASE64_CHARS)
                        for index, value in volumes.items()
                    }
                    if tag.upper() == PIXEL_DATA
                    else volumes
                )
                for tag, volumes in collated.items()
            }
        out_dir = copy_dir / name.replace(".", "_")
        generate_dicom(out_dir, module.num_vols, constant, collated, varying)
        count += module.num_vols
    (copy_dir / COMPLETE_MARK).write_text(str(count))
    print(
        f"corpus: wrote {copy_dir} ({count} files) in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )


def _fresh_uids(node, copy_number: int, uids: dict[str, str]):
    """Replace, in place, every non-registered UI value of a DICOM JSON structure."""
    from pydicom.uid import UID_dictionary

    if isinstance(node, dict):
        if node.get("vr") == "UI" and isinstance(node.get("Value"), list):
            node["Value"] = [
                value
                if not isinstance(value, str) or value in UID_dictionary
                else _fresh_uid(value, copy_number, uids)
                for value in node["Value"]
            ]
        for value in node.values():
            if isinstance(value, dict | list):
                _fresh_uids(value, copy_number, uids)
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, dict | list):
                _fresh_uids(value, copy_number, uids)
    return node


def _fresh_uid(uid: str, copy_number: int, uids: dict[str, str]) -> str:
    key = f"{copy_number}:{uid}"
    if key not in uids:
        digest = hashlib.sha256(f"omop-imaging-bench:{key}".encode()).digest()
        uids[key] = f"2.25.{int.from_bytes(digest[:16], 'big')}"
    return uids[key]


def warm_page_cache(paths: list[str]) -> int:
    total = 0
    for path in paths:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                total += len(chunk)
    return total


# -- one measurement (runs in a fresh process) ------------------------------------------------------
def bare_parse(paths: list[str]) -> int:
    """Worker task of the bare baseline."""
    import pydicom

    for path in paths:
        pydicom.dcmread(path, stop_before_pixels=True)
    return len(paths)


def _quiet() -> None:
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.getLogger("pydicom").setLevel(logging.CRITICAL)


def measure_bare(paths: list[str], workers: int, task_files: int) -> dict:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    tasks = [paths[start : start + task_files] for start in range(0, len(paths), task_files)]
    started = time.perf_counter()
    if workers == 1:
        _quiet()
        parsed = sum(bare_parse(task) for task in tasks)
    else:
        with ProcessPoolExecutor(
            workers, mp_context=get_context("spawn"), initializer=_quiet
        ) as pool:
            parsed = sum(pool.map(bare_parse, tasks))
    seconds = time.perf_counter() - started
    return {"files": parsed, "seconds": seconds}


def measure_harvest(view: Path, workers: int, target: str, work_dir: Path) -> dict:
    from omop_imaging.harvest import HarvestOptions, harvest
    from omop_imaging.store import open_store

    db_path = work_dir / f"bench-{os.getpid()}.duckdb"
    database = _create_postgres_database() if target == "postgres" else None
    try:
        started = time.perf_counter()
        store = open_store(target, str(db_path))
        try:
            summary = harvest([str(view)], store, HarvestOptions(workers=workers, progress=False))
        finally:
            store.close()
        seconds = time.perf_counter() - started
    finally:
        if database:
            _drop_postgres_database(database)
    db_bytes = db_path.stat().st_size if db_path.exists() else None
    for leftover in work_dir.glob(f"{db_path.name}*"):
        leftover.unlink()
    return {
        "files": summary.files_seen,
        "harvested": summary.harvested,
        "rejected": summary.rejected,
        "elements": summary.elements,
        "seconds": seconds,
        "database_bytes": db_bytes,
    }


def _postgres_admin():
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", connect_timeout=10)
    connection.autocommit = True
    return connection


def _create_postgres_database() -> str:
    """A new empty database on the server the PG* variables name; PGDATABASE points at it."""
    name = f"omop_imaging_bench_{os.getpid()}_{int(time.time())}"
    admin = _postgres_admin()
    try:
        admin.cursor().execute(f"create database {name}")
    finally:
        admin.close()
    os.environ["PGDATABASE"] = name
    return name


def _drop_postgres_database(name: str) -> None:
    admin = _postgres_admin()
    try:
        admin.cursor().execute(f"drop database if exists {name} with (force)")
    finally:
        admin.close()


def _peak_rss_kb(pid: int | str) -> int | None:
    """VmHWM: the peak resident set size of a process (its own address space only), in KiB."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class _WorkerPeaks(threading.Thread):
    """Polls the peak RSS of this process's multiprocessing children until stopped."""

    def __init__(self, interval: float = 0.05):
        super().__init__(daemon=True)
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self.halt = threading.Event()

    def run(self) -> None:
        import multiprocessing

        while not self.halt.is_set():
            for child in multiprocessing.active_children():
                peak = _peak_rss_kb(child.pid)
                if peak is not None:
                    self.peaks[child.pid] = max(peak, self.peaks.get(child.pid, 0))
            self.halt.wait(self.interval)

    def stop(self) -> int | None:
        self.halt.set()
        self.join()
        return max(self.peaks.values(), default=None)


def _cpu_seconds() -> float:
    """User + system CPU time of this process and of its children that have ended (the pool's
    workers, once the pool has shut down)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def run_one(args: argparse.Namespace) -> None:
    """--measure: one measurement in this (fresh) process; prints one JSON line."""
    view = ensure_corpus(args.corpus, args.files, args.full_pixels)
    # Imports happen before the clocks start, on both sides: the timed part is the pool (worker
    # start-up included), the reading and, for the harvest, the loading.
    import pydicom  # noqa: F401

    from omop_imaging import store  # noqa: F401
    from omop_imaging.harvest import TASK_FILES

    sampler = _WorkerPeaks()
    sampler.start()
    cpu_before = _cpu_seconds()
    try:
        if args.measure == "bare":
            result = measure_bare(view_files(view), args.workers, TASK_FILES)
        else:
            work_dir = Path(tempfile.mkdtemp(prefix="omop-imaging-bench-db-"))
            try:
                result = measure_harvest(view, args.workers, args.target, work_dir)
            finally:
                shutil.rmtree(work_dir, ignore_errors=True)
    finally:
        worker_peak = sampler.stop()
    result["cpu_seconds"] = _cpu_seconds() - cpu_before
    result["main_peak_rss_kb"] = _peak_rss_kb("self")
    result["worker_peak_rss_kb"] = worker_peak
    print(json.dumps(result))


def _spawn_measure(args: argparse.Namespace, measure: str, files: int) -> dict:
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--measure",
        measure,
        "--files",
        str(files),
        "--workers",
        str(args.workers),
        "--corpus",
        str(args.corpus),
        "--target",
        args.target,
    ]
    if args.full_pixels:
        command.append("--full-pixels")
    completed = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


# -- the driver -------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    args.corpus = args.corpus.expanduser().resolve()
    args.workers = args.workers or os.cpu_count() or 1
    if args.measure:
        run_one(args)
        return 0

    half = max(1, args.files // 2)
    ensure_corpus(args.corpus, half, args.full_pixels)
    paths = view_files(ensure_corpus(args.corpus, args.files, args.full_pixels))
    warmed = warm_page_cache(paths)
    results: dict[str, list[dict]] = {"bare": [], "harvest_half": [], "harvest": []}
    for _ in range(args.repeat):
        results["bare"].append(_spawn_measure(args, "bare", args.files))
        results["harvest_half"].append(_spawn_measure(args, "harvest", half))
        results["harvest"].append(_spawn_measure(args, "harvest", args.files))

    report = _report(args, paths, warmed, results)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_table(report)
    return 0


def _best(runs: list[dict]) -> dict:
    """The fastest of the repeats (the least disturbed by other load on the machine); peak
    memory is the largest over all repeats."""
    best = dict(min(runs, key=lambda run: run["seconds"]))
    best["files_per_second"] = best["files"] / best["seconds"]
    best["files_per_cpu_second"] = max(run["files"] / run["cpu_seconds"] for run in runs)
    for key in ("main_peak_rss_kb", "worker_peak_rss_kb"):
        best[key] = max((run[key] for run in runs if run[key] is not None), default=None)
    return best


def _report(args, paths: list[str], warmed: int, results: dict[str, list[dict]]) -> dict:
    import pydicom

    bare, half, full = (_best(results[key]) for key in ("bare", "harvest_half", "harvest"))
    return {
        "corpus": str(args.corpus),
        "files": len(paths),
        "corpus_bytes_read_to_warm_cache": warmed,
        "full_pixels": args.full_pixels,
        "workers": args.workers,
        "cpu_count": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
        "pydicom": pydicom.__version__,
        "target": args.target,
        "repeat": args.repeat,
        "bare": bare,
        "harvest_half": half,
        "harvest": full,
        "ratio_harvest_to_bare": full["files_per_second"] / bare["files_per_second"],
        "cpu_ratio_harvest_to_bare": full["files_per_cpu_second"] / bare["files_per_cpu_second"],
        "target_ratio": 0.5,
        "main_peak_rss_growth_kb": _difference(full, half, "main_peak_rss_kb"),
        "worker_peak_rss_growth_kb": _difference(full, half, "worker_peak_rss_kb"),
    }


def _difference(later: dict, earlier: dict, key: str) -> int | None:
    if later[key] is None or earlier[key] is None:
        return None
    return later[key] - earlier[key]


def _mb(kib: int | None, signed: bool = False) -> str:
    if kib is None:
        return "-"
    return f"{kib / 1024:+.0f} MB" if signed else f"{kib / 1024:.0f} MB"


def _print_table(report: dict) -> None:
    print(
        f"corpus {report['corpus']}: {report['files']} files "
        f"({report['corpus_bytes_read_to_warm_cache'] / 1e6:.0f} MB, page cache warmed), "
        f"{report['workers']} worker processes on {report['cpu_count']} cores, "
        f"best of {report['repeat']}, load average {report['load_average_1min']:.2f}"
    )
    header = (
        f"{'run':<28}{'files':>7}{'seconds':>9}{'files/s':>9}{'files/cpu-s':>13}"
        f"{'main peak':>11}{'worker peak':>13}"
    )
    print(header)
    print("-" * len(header))
    rows = [
        ("bare dcmread (no pixels)", report["bare"]),
        (f"harvest -> {report['target']} (N/2)", report["harvest_half"]),
        (f"harvest -> {report['target']} (N)", report["harvest"]),
    ]
    for label, run in rows:
        print(
            f"{label:<28}{run['files']:>7}{run['seconds']:>9.2f}{run['files_per_second']:>9.0f}"
            f"{run['files_per_cpu_second']:>13.0f}"
            f"{_mb(run['main_peak_rss_kb']):>11}{_mb(run['worker_peak_rss_kb']):>13}"
        )
    ratio = report["ratio_harvest_to_bare"]
    verdict = "meets" if ratio >= report["target_ratio"] else "BELOW"
    print(
        f"ratio harvest/bare: {ratio:.2f} ({verdict} the target of {report['target_ratio']}); "
        f"per CPU second (all processes): {report['cpu_ratio_harvest_to_bare']:.2f}; "
        f"{report['harvest']['elements']} element rows loaded"
    )
    print(
        f"peak memory from N/2 to N files: main {_mb(report['main_peak_rss_growth_kb'], True)}, "
        f"workers {_mb(report['worker_peak_rss_growth_kb'], True)}"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=(
            "Harvest throughput (files/s) against a bare pydicom.dcmread(stop_before_pixels=True)\n"
            "loop over the same medimages4tests corpus on the same number of worker processes;\n"
            "prints both rates, their ratio (target: harvest >= 0.5 x bare, loading included)\n"
            "and the peak RSS of the main process and of the workers at N/2 and N files."
        ),
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"cache folder of the generated corpus, written once and reused (default: {DEFAULT_CORPUS})",
    )
    parser.add_argument(
        "--files", type=int, default=5000, help="N, files harvested (default: 5000)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes for both the bare parse and the harvest (default: one per core)",
    )
    parser.add_argument(
        "--target",
        choices=["duckdb", "postgres"],
        default="duckdb",
        help="staging store: a fresh DuckDB file per run (default), or a fresh PostgreSQL "
        "database per run, created on the server the PG* environment variables name (the user "
        "needs CREATEDB) and dropped afterwards",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure each run this many times and report the fastest (default: 1)",
    )
    parser.add_argument(
        "--full-pixels",
        action="store_true",
        help="write pixel data at its recorded size (about 12 times more disk; needs its own --corpus)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--measure", choices=["bare", "harvest"], help=argparse.SUPPRESS)
    return parser


if __name__ == "__main__":
    sys.exit(main())
