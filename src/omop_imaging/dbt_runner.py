"""Run dbt on the project with its own profiles/, for either target."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from .settings import duckdb_path, project_dir

# dbt's entry point, run as the `dbt` script runs it. Not `python -m dbt.cli.main`: dbt.cli imports
# dbt.cli.main itself, so runpy would run that module a second time and warn about it.
DBT_ENTRY = "import sys; from dbt.cli.main import cli; sys.argv[0] = 'dbt'; sys.exit(cli())"
# Node types as run_results.json's unique_ids begin, with the words the quiet summary uses.
NODE_WORDS = {
    "seed": "seeds",
    "model": "models",
    "snapshot": "snapshots",
    "unit_test": "unit tests",
    "test": "data tests",
}
PASSED = {"success", "pass"}
FAILED = {"error", "fail", "runtime error"}


def dbt_environment(target: str, database: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["OMOP_IMAGING_TARGET"] = target
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    if not sys.stdout.isatty():  # a pipe or a file gets no colour codes (unless asked for)
        env.setdefault("DBT_USE_COLORS", "false")
    if target == "duckdb":
        env["OMOP_IMAGING_DUCKDB"] = duckdb_path(database)
    return env


def run_dbt(
    arguments: list[str], target: str, database: str | None = None, quiet: bool = False
) -> int:
    """Run one dbt command (e.g. ['build']) in a subprocess; returns dbt's exit code.

    quiet: dbt prints only errors, then one summary line of its run results follows."""
    project = project_dir()
    command = [
        sys.executable,
        "-c",
        DBT_ENTRY,
        *arguments,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project / "profiles"),
        "--target",
        target,
    ]
    name = arguments[0] if arguments else ""
    if quiet:
        command.append("--quiet")
        print(f"dbt {name}: running (full log: {_log_file()})", flush=True)
    started = time.time()
    code = subprocess.call(command, env=dbt_environment(target, database), cwd=project)
    if quiet:
        print(run_summary(name, _target_path(project) / "run_results.json", started), flush=True)
    return code


def run_summary(command: str, run_results: Path, since: float = 0.0) -> str:
    """One line from dbt's run_results.json (written after `since`): nodes per type, how many
    passed, warned, failed."""
    try:
        if run_results.stat().st_mtime < since:
            raise OSError("run results of an earlier run")
        results = json.loads(run_results.read_text())
    except (OSError, ValueError):
        return f"dbt {command}: no run results (see the errors above and {_log_file()})"
    counted = [  # the nodes named below (not the on-run-start hooks)
        result for result in results["results"] if result["unique_id"].split(".")[0] in NODE_WORDS
    ]
    nodes = Counter(result["unique_id"].split(".")[0] for result in counted)
    statuses = Counter(result["status"] for result in counted)
    kinds = ", ".join(f"{nodes[kind]} {word}" for kind, word in NODE_WORDS.items() if nodes[kind])
    passed = sum(statuses[status] for status in PASSED)
    failed = sum(statuses[status] for status in FAILED)
    return (
        f"dbt {command}: {kinds or 'nothing to run'}: {passed} OK, {statuses['warn']} warnings, "
        f"{failed} errors, {statuses['skipped']} skipped, {results['elapsed_time']:.1f} s"
    )


def _log_file() -> str:
    return os.path.join(os.environ.get("DBT_LOG_PATH", "logs"), "dbt.log")


def _target_path(project: Path) -> Path:
    """Where dbt writes its artefacts: DBT_TARGET_PATH (relative to the project) or target/."""
    return project / os.environ.get("DBT_TARGET_PATH", "target")
