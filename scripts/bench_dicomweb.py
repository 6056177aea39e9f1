"""Benchmark a harvest over DICOMweb against a harvest of the same files from disk.

The corpus is bench_harvest.py's (realistic Siemens / GE series written by medimages4tests, pixel
data cut short), the first --files of it. The script starts Debian's Orthanc with its DICOMweb
plugin on 127.0.0.1 (free ports, a temporary folder, stopped at the end), stores the files in it,
then times, each into a fresh DuckDB file:

* disk:     harvest(folder) with 1 and with 4 worker processes;
* dicomweb: harvest_pacs(DicomwebSource) with 1 and with 4 connections (QIDO-RS listing,
            WADO-RS series metadata, rows made in this process's threads).

It prints instances/s (wall clock) for each and the machine's load average before and after
(`uptime`), since other work on the machine shares the CPU with Orthanc and the harvest. Orthanc
reads every instance's stored file to answer a metadata request, so the DICOMweb figures are the
server's as much as the harvest's.

Example:

    .venv/bin/python scripts/bench_dicomweb.py --files 1000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from bench_harvest import DEFAULT_CORPUS, ensure_corpus, view_files  # noqa: E402
from orthanc_server import PASSWORD, USER, Orthanc, require_orthanc  # noqa: E402

from omop_imaging.dicomweb_source import DicomwebSource  # noqa: E402
from omop_imaging.harvest import HarvestOptions, harvest  # noqa: E402
from omop_imaging.pacs_credentials import Credentials  # noqa: E402
from omop_imaging.pacs_harvest import PacsOptions, harvest_pacs  # noqa: E402
from omop_imaging.store import open_store  # noqa: E402


def load_average() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def timed(run, database: Path) -> tuple[int, float]:
    store = open_store("duckdb", str(database))
    try:
        started = time.perf_counter()
        summary = run(store)
        seconds = time.perf_counter() - started
    finally:
        store.close()
    return summary.harvested, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="corpus files (default 1000)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    try:
        require_orthanc()
    except BaseException as error:  # pytest's skip outside pytest: say why and stop
        raise SystemExit(str(error)) from None
    view = ensure_corpus(args.corpus, args.files, full_pixels=False)
    paths = [Path(path) for path in view_files(view)]
    results = {"files": len(paths), "load_before": load_average()}
    with tempfile.TemporaryDirectory(prefix="omop-imaging-bench-dicomweb-") as work:
        work_dir = Path(work)
        server = Orthanc(work_dir / "orthanc")
        server.start()
        try:
            stored = server.upload(paths)
            results["stored_in_orthanc"] = len(stored)
            for workers in (1, 4):
                count, seconds = timed(
                    lambda store, w=workers: harvest(
                        [str(view)], store, HarvestOptions(workers=w, progress=False)
                    ),
                    work_dir / f"disk-{workers}.duckdb",
                )
                results[f"disk_{workers}"] = _figures(count, seconds)
            credentials = Credentials(user=USER, password=PASSWORD)
            for connections in (1, 4):
                source = DicomwebSource(server.dicomweb_url, credentials)
                count, seconds = timed(
                    lambda store, c=connections, s=source: harvest_pacs(
                        s, store, HarvestOptions(progress=False), PacsOptions(connections=c)
                    ),
                    work_dir / f"dicomweb-{connections}.duckdb",
                )
                results[f"dicomweb_{connections}"] = _figures(count, seconds)
        finally:
            server.stop()
    results["load_after"] = load_average()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{results['files']} files, {results['stored_in_orthanc']} stored in Orthanc")
        print(f"before: {results['load_before']}")
        for key in ("disk_1", "disk_4", "dicomweb_1", "dicomweb_4"):
            source, parallel = key.split("_")
            unit = "workers" if source == "disk" else "connections"
            figures = results[key]
            print(
                f"{source:<9} {parallel} {unit:<12} {figures['instances']:>6} instances "
                f"{figures['seconds']:>7.1f} s {figures['instances_per_second']:>8.1f} instances/s"
            )
        print(f"after:  {results['load_after']}")
    return 0


def _figures(count: int, seconds: float) -> dict:
    return {
        "instances": count,
        "seconds": round(seconds, 2),
        "instances_per_second": round(count / seconds, 1),
    }


if __name__ == "__main__":
    sys.exit(main())
