"""Benchmark the whole pipeline (harvest, then build) at growing archive sizes, on DuckDB and
PostgreSQL, so the cost curve shows at a glance.

The archive is generated from the real headers of the demo's sample files (pydicom's test files
and pydicom-data, the folders `omop-imaging demo` harvests): each generated series is a copy of
one real series' representative header with

* new UIDs: every UI value that is not a registered DICOM UID (study, series, SOP instance, frame
  of reference, referenced instances) becomes a ``2.25.<hash>`` UID of the original and the copy;
* a new patient per original patient and copy (Patient ID and Name replaced; no real identifier
  is written), and its dates moved by the copy number in days;
* a size drawn, in a fixed cycle, from a mix of series sizes found in clinical archives
  (SERIES_SIZES: single-image radiographs, localisers, MR series of tens, CT series of a hundred
  or more; 30 instances a series on average);
  its instances get their own SOP Instance UIDs and Instance Numbers;
* no pixel data (the harvest never reads it), so an archive of a million files fits on disk.

For each size and engine, each step runs as a subprocess of this script (`omop-imaging harvest` /
`omop-imaging build`, exactly what a user runs) and is measured by wall clock and peak resident
memory (ru_maxrss of the step and its children, from wait4; a PostgreSQL server's own memory is
not included):

1. harvest 99 % of the archive, then a full build;
2. harvest the remaining 1 % (new studies of "a night"), then build: the incremental build;
3. build again with nothing new: the fixed cost.

The harvest's CPU is split between its main process (walk, batch planning, Arrow tables, the
load) and its workers (reading headers): per file each, and the files/s 16 workers would reach,
min(16 / worker CPU per file, 1 / main CPU per file): whether the main process holds them back.

Every figure is printed with the machine's load average, since the seconds depend on it.

Examples:

    .venv/bin/python scripts/bench_pipeline.py --instances 10000
    .venv/bin/python scripts/bench_pipeline.py --instances 10000 100000 1000000 --engines duckdb postgres
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

# Instances per generated series, cycled: radiographs (1-2), localisers (3-4), MR series (20-64),
# CT series (120-150). The mean, 30, is an archive's images per study (90 M images in 3 M studies);
# most generated studies hold one series, as their sample originals do.
SERIES_SIZES = (1, 3, 1, 24, 2, 30, 1, 64, 3, 120, 1, 20, 4, 150, 2, 54)
NIGHT_SHARE = 0.01  # the share of the archive that arrives in one night
DATE_TAGS = ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate")
DICOMDIR_CLASS = "1.2.840.10008.1.3.10"


@dataclass(frozen=True)
class SeriesJob:
    """One generated series: the template file, the copy number, its size and its folder."""

    template: str
    copy: int
    instances: int
    folder: str


def _new_uid(uid: str, copy: int) -> str:
    digest = hashlib.sha256(f"{copy}:{uid}".encode()).hexdigest()[:30]
    return f"2.25.{int(digest, 16)}"


def _series_templates() -> list[str]:
    """One readable file per real series of the sample folders (DICOMDIRs left out)."""
    import warnings

    import pydicom

    warnings.simplefilter("ignore")

    from omop_imaging.settings import sample_dicom_folders

    templates: dict[str, str] = {}
    for folder in sample_dicom_folders():
        for path in sorted(Path(folder).rglob("*")):
            if not path.is_file():
                continue
            try:
                dataset = pydicom.dcmread(path, stop_before_pixels=True)
            except Exception:  # not DICOM: the demo counts these as rejected files
                continue
            series = str(dataset.get("SeriesInstanceUID", ""))
            sop_class = str(dataset.get("SOPClassUID", ""))
            if series and dataset.get("SOPInstanceUID") and sop_class != DICOMDIR_CLASS:
                templates.setdefault(series, str(path))
    return [templates[series] for series in sorted(templates)]


def _replace_uids(dataset, copy: int) -> None:
    from pydicom.uid import UID

    def replace(data_set, element) -> None:
        if element.VR != "UI" or element.value in (None, ""):
            return
        values = element.value if element.VM > 1 else [element.value]
        renamed = [
            value
            if UID(value).is_valid and UID(value).name != str(value)
            else _new_uid(str(value), copy)
            for value in values
        ]
        element.value = renamed if element.VM > 1 else renamed[0]

    dataset.walk(replace)


def _write_series(job: SeriesJob) -> int:
    """Write one series; returns the number of files written."""
    import datetime
    import warnings

    import pydicom

    warnings.simplefilter("ignore")  # the real sample headers hold a few invalid values, on purpose

    dataset = pydicom.dcmread(job.template, stop_before_pixels=True, force=True)
    for tag in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"):
        if tag in dataset:
            delattr(dataset, tag)
    _replace_uids(dataset, job.copy)
    patient = hashlib.sha256(f"{job.copy}:{dataset.get('PatientID', '')}".encode()).hexdigest()
    dataset.PatientID = f"BENCH-{patient[:16]}"
    dataset.PatientName = f"BENCH^{patient[16:24]}"
    for tag in DATE_TAGS:
        value = str(dataset.get(tag, "") or "")
        if len(value) == 8 and value.isdigit():
            try:
                day = datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
            except ValueError:
                continue
            setattr(dataset, tag, (day + datetime.timedelta(days=job.copy)).strftime("%Y%m%d"))
    folder = Path(job.folder)
    folder.mkdir(parents=True, exist_ok=True)
    series_uid = str(dataset.SeriesInstanceUID)
    for number in range(job.instances):
        instance_uid = _new_uid(f"{series_uid}.{number}", job.copy)
        dataset.SOPInstanceUID = instance_uid
        if getattr(dataset, "file_meta", None) is not None:
            dataset.file_meta.MediaStorageSOPInstanceUID = instance_uid
        dataset.InstanceNumber = number + 1
        dataset.save_as(folder / f"{number:05d}.dcm", enforce_file_format=False)
    return job.instances


def generate_archive(root: Path, instances: int, workers: int) -> tuple[Path, Path]:
    """Write an archive of about `instances` files: (the bulk folder, the night's folder)."""
    bulk, night = root / "bulk", root / "night"
    marker = root / "complete.json"
    wanted = {"instances": instances, "sizes": list(SERIES_SIZES), "night_share": NIGHT_SHARE}
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        return bulk, night
    shutil.rmtree(root, ignore_errors=True)
    templates = _series_templates()
    jobs: list[SeriesJob] = []
    night_instances = max(1, round(instances * NIGHT_SHARE))
    for folder, files in ((bulk, instances - night_instances), (night, night_instances)):
        written = 0
        while written < files:
            index = len(jobs)
            size = min(SERIES_SIZES[index % len(SERIES_SIZES)], files - written)
            copy = index // len(templates) + 1
            template = templates[index % len(templates)]
            jobs.append(SeriesJob(template, copy, size, str(folder / f"s{index:07d}")))
            written += size
    started = time.time()
    with ProcessPoolExecutor(workers) as pool:
        done = sum(pool.map(_write_series, jobs, chunksize=8))
    marker.write_text(json.dumps(wanted))
    print(
        f"  generated {done:,} files in {len(jobs):,} series in {time.time() - started:.0f} s",
        flush=True,
    )
    return bulk, night


# The CLI, then on its last line the CPU seconds of its own process (for a harvest: the main
# process walking, planning batches, building Arrow tables and loading them) and of its reaped
# children (the harvest's worker processes reading headers).
CPU_SPLIT_PREFIX = "cpu split: "
CPU_SPLIT_CLI = (
    "import json, resource, sys\n"
    "from omop_imaging.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
    f"print({CPU_SPLIT_PREFIX!r} + json.dumps({{'main': own.ru_utime + own.ru_stime, "
    "'workers': children.ru_utime + children.ru_stime}), flush=True)\n"
    "sys.exit(code)\n"
)
PROJECTED_WORKERS = 16  # the harvest's projected rate with this many worker processes


@dataclass
class Step:
    seconds: float
    peak_mb: float
    main_cpu_s: float = 0.0
    worker_cpu_s: float = 0.0


def run_step(arguments: list[str], env: dict[str, str]) -> Step:
    """Run `omop-imaging ARGS` as a child; its wall clock and peak RSS (with its children), and
    the CPU seconds of its main process and of its workers."""
    started = time.time()
    child = subprocess.Popen(
        [sys.executable, "-c", CPU_SPLIT_CLI, *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.time() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"omop-imaging {' '.join(arguments)} failed:\n{output[-3000:]}")
    split = [line for line in output.splitlines() if line.startswith(CPU_SPLIT_PREFIX)]
    cpu = json.loads(split[-1][len(CPU_SPLIT_PREFIX) :])
    return Step(seconds, usage.ru_maxrss / 1024, cpu["main"], cpu["workers"])


def harvest_scaling(files: int, harvest: Step) -> dict[str, float]:
    """CPU per file of the harvest's main process and of its workers (all workers together), and
    the files/s PROJECTED_WORKERS workers would reach: each worker reads 1 / (worker CPU per
    file) files a second, and the one main process can take at most 1 / (its CPU per file)."""
    main_per_file = harvest.main_cpu_s / files
    worker_per_file = harvest.worker_cpu_s / files
    return {
        "harvest_main_ms_per_file": 1000 * main_per_file,
        "harvest_worker_ms_per_file": 1000 * worker_per_file,
        "harvest_worker_to_main_cpu": worker_per_file / main_per_file,
        "harvest_projected_files_per_s": min(
            PROJECTED_WORKERS / worker_per_file, 1 / main_per_file
        ),
    }


def _postgres_database() -> str:
    import psycopg2

    name = f"omop_imaging_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f"create database {name}")
    admin.close()
    return name


def _drop_postgres_database(name: str) -> None:
    import psycopg2

    admin = psycopg2.connect(dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f"drop database if exists {name} with (force)")
    admin.close()


def bench_engine(engine: str, bulk: Path, night: Path, workdir: Path) -> dict[str, float]:
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    env.setdefault("PGHOST", "127.0.0.1")
    database = ""
    if engine == "postgres":
        database = _postgres_database()
        env["PGDATABASE"] = database
    target = [
        "--target",
        engine,
        *(["--db", str(workdir / "bench.duckdb")] if engine == "duckdb" else []),
    ]
    # dbt's artefacts of this run apart from the checkout's; each build's run_results.json is kept
    env["DBT_TARGET_PATH"] = str(workdir / f"dbt-target-{engine}")

    def build(step: str) -> Step:
        measured = run_step(["build", *target, "--quiet"], env)
        kept = workdir / f"run_results-{engine}-{step}.json"
        shutil.copyfile(Path(env["DBT_TARGET_PATH"]) / "run_results.json", kept)
        print(f"  {engine} {step} build: {slowest_nodes(kept)} (all nodes: {kept})", flush=True)
        return measured

    try:
        bulk_files = sum(1 for _ in bulk.rglob("*.dcm"))
        harvest = run_step(["harvest", str(bulk), *target, "--no-progress"], env)
        full = build("full")
        night_harvest = run_step(["harvest", str(night), *target, "--no-progress"], env)
        incremental = build("incremental")
        nothing_new = build("no-op")
    finally:
        if database:
            _drop_postgres_database(database)
        (workdir / "bench.duckdb").unlink(missing_ok=True)
    return {
        "harvest_files_per_s": bulk_files / harvest.seconds,
        **harvest_scaling(bulk_files, harvest),
        "harvest_peak_mb": harvest.peak_mb,
        "full_build_s": full.seconds,
        "full_build_peak_mb": full.peak_mb,
        "night_harvest_s": night_harvest.seconds,
        "incremental_build_s": incremental.seconds,
        "incremental_build_peak_mb": incremental.peak_mb,
        "nothing_new_build_s": nothing_new.seconds,
        "nothing_new_build_peak_mb": nothing_new.peak_mb,
        "full_build_s_per_1000": 1000 * full.seconds / bulk_files,
    }


def slowest_nodes(run_results: Path, count: int = 4) -> str:
    """dbt's seconds by node kind and the slowest nodes of one build, from its run_results.json."""
    results = json.loads(run_results.read_text())["results"]
    by_kind: dict[str, float] = {}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        by_kind[kind] = by_kind.get(kind, 0.0) + result["execution_time"]
    slowest = sorted(results, key=lambda result: -result["execution_time"])[:count]
    kinds = ", ".join(f"{kind}s {seconds:.1f} s" for kind, seconds in sorted(by_kind.items()))
    nodes = ", ".join(
        f"{result['unique_id'].split('.')[2][:48]} {result['execution_time']:.1f} s"
        for result in slowest
    )
    return f"{len(results)} nodes ({kinds}); slowest: {nodes}"


COLUMNS = (
    ("instances", "{:>10,}"),
    ("engine", "{:<8}"),
    ("load", "{:>5.2f}"),
    ("harvest_files_per_s", "{:>8.0f}"),
    ("harvest_main_ms_per_file", "{:>6.2f}"),
    ("harvest_worker_ms_per_file", "{:>6.2f}"),
    ("harvest_projected_files_per_s", "{:>8.0f}"),
    ("harvest_peak_mb", "{:>6.0f}"),
    ("full_build_s", "{:>7.1f}"),
    ("full_build_peak_mb", "{:>6.0f}"),
    ("incremental_build_s", "{:>7.1f}"),
    ("incremental_build_peak_mb", "{:>6.0f}"),
    ("nothing_new_build_s", "{:>7.1f}"),
    ("nothing_new_build_peak_mb", "{:>6.0f}"),
    ("full_build_s_per_1000", "{:>7.2f}"),
)
HEADERS = (
    "instances",
    "engine",
    "load",
    "harvest f/s",
    "main ms/f",
    "worker ms/f",
    f"f/s at {PROJECTED_WORKERS} workers",
    "MB",
    "full s",
    "MB",
    "+1% s",
    "MB",
    "no-op s",
    "MB",
    "s/1k inst",
)


def print_table(rows: list[dict]) -> None:
    print(" | ".join(HEADERS))
    for row in rows:
        print(" | ".join(fmt.format(row[name]) for name, fmt in COLUMNS))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--instances",
        type=int,
        nargs="+",
        default=[10_000, 100_000, 1_000_000],
        help="archive sizes in instances (default: 10k, 100k, 1M)",
    )
    parser.add_argument(
        "--engines", nargs="+", choices=("duckdb", "postgres"), default=["duckdb", "postgres"]
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path(tempfile.gettempdir()) / "omop-imaging-bench-pipeline",
        help="where the generated archives are written and kept for re-runs",
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes writing the archive"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args(argv)
    from omop_imaging.settings import DUCKDB_MEMORY_LIMIT_VARIABLE, duckdb_memory_limit

    print(f"DuckDB memory limit: {duckdb_memory_limit()} (${DUCKDB_MEMORY_LIMIT_VARIABLE})")
    rows = []
    for instances in args.instances:
        root = args.corpus / f"instances-{instances}"
        print(f"archive of {instances:,} instances in {root}", flush=True)
        bulk, night = generate_archive(root, instances, args.workers)
        for engine in args.engines:
            figures = bench_engine(engine, bulk, night, root)
            rows.append(
                {"instances": instances, "engine": engine, "load": os.getloadavg()[0], **figures}
            )
            print_table(rows[-1:])
    print()
    print_table(rows)
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
