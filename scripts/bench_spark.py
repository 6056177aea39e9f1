"""Benchmark the harvest and build on Apache Spark (local[1] and local[2]) beside the local
harvest on DuckDB, on the same synthetic archive generated from real headers.

The archive is bench_pipeline.py's (real sample headers, new UIDs and patients per copy, a
clinical mix of series sizes, no pixel data); both folders of it (bulk and night) are harvested.
Each step runs as `omop-imaging ...` in a subprocess, exactly as a user runs it; the figures are
wall-clock seconds, printed with the load average, since they depend on it:

* files/s of `harvest PATH --target spark` with 1 and 2 executor cores (local[1], local[2]) and
  of the local harvest (`harvest PATH`, one worker process per core) on DuckDB;
* seconds of the build's seeds and models (`dbt seed`, `dbt run`) on each;
* the 1 -> 2 core scaling of the Spark harvest and build (seconds at 1 core / seconds at 2).

Each Spark run starts its own JVM (a few seconds, included: it is part of every command).

    .venv/bin/python scripts/bench_spark.py --instances 2000 10000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pipeline import generate_archive, run_step  # noqa: E402

CORES = (1, 2)


def bench_spark(cores: int, folders: list[str], workdir: Path) -> dict[str, float]:
    env = os.environ | {
        "OMOP_IMAGING_SPARK_DIR": str(workdir / f"spark-local-{cores}"),
        "OMOP_IMAGING_SPARK_MASTER": f"local[{cores}]",
        "DBT_TARGET_PATH": str(workdir / f"target-spark-{cores}"),
        "DBT_LOG_PATH": str(workdir / f"logs-spark-{cores}"),
    }
    harvest = run_step(["harvest", *folders, "--target", "spark", "--no-progress"], env)
    return {"harvest_s": harvest.seconds, "build_s": _build_seconds(["--target", "spark"], env)}


def bench_local(folders: list[str], workdir: Path) -> dict[str, float]:
    database = str(workdir / "local.duckdb")
    env = os.environ | {
        "DBT_TARGET_PATH": str(workdir / "target-duckdb"),
        "DBT_LOG_PATH": str(workdir / "logs-duckdb"),
    }
    harvest = run_step(["harvest", *folders, "--db", database, "--no-progress"], env)
    return {"harvest_s": harvest.seconds, "build_s": _build_seconds(["--db", database], env)}


def _build_seconds(target: list[str], env: dict[str, str]) -> float:
    """dbt seed + dbt run (every model; the data tests are left out: a synthetic archive of few
    series trips the modality coverage threshold, which would skip the models after it)."""
    return sum(run_step(["dbt", *target, step], env).seconds for step in ("seed", "run"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument(
        "--corpus",
        type=Path,
        default=Path(tempfile.gettempdir()) / "omop-imaging-bench-pipeline",
        help="where the generated archives are written and kept for re-runs (bench_pipeline's)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    for instances in args.instances:
        root = args.corpus / f"instances-{instances}"
        bulk, night = generate_archive(root, instances, args.workers)
        folders = [str(bulk), str(night)]
        with tempfile.TemporaryDirectory(prefix="omop-imaging-bench-spark-") as scratch:
            workdir = Path(scratch)
            runs = {}
            for cores in (0, *CORES):  # 0: the local harvest on DuckDB
                name = f"spark local[{cores}]" if cores else "duckdb"
                if cores:
                    figures = runs[name] = bench_spark(cores, folders, workdir)
                else:
                    figures = runs[name] = bench_local(folders, workdir)
                row = {
                    "instances": instances,
                    "run": name,
                    "files_per_s": instances / figures["harvest_s"],
                    **figures,
                    "load": os.getloadavg()[0],
                }
                rows.append(row)
                print(
                    f"{instances:>7,} {name:<15} harvest {row['files_per_s']:8.1f} files/s "
                    f"({figures['harvest_s']:6.1f} s)  build {figures['build_s']:6.1f} s  "
                    f"load {row['load']:.1f}",
                    flush=True,
                )
        one, two = runs["spark local[1]"], runs["spark local[2]"]
        print(
            f"{instances:>7,} spark 1 -> 2 cores: harvest x{one['harvest_s'] / two['harvest_s']:.2f}, "
            f"build x{one['build_s'] / two['build_s']:.2f}; spark local[2] vs local harvest: "
            f"harvest x{runs['duckdb']['harvest_s'] / two['harvest_s']:.2f} "
            f"(above 1: Spark faster)",
            flush=True,
        )
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
