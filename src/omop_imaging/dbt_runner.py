"""Run dbt on the project with its profiles.yml, for either target."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from .settings import DUCKDB_MEMORY_LIMIT_VARIABLE, duckdb_memory_limit, duckdb_path, project_dir

# dbt's entry point when its script is not installed, run as that script runs it. Not `python -m dbt.cli.main`: dbt.cli imports
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
# Signals passed on to dbt: stopping `omop-imaging dbt docs serve` must stop its server too.
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# dbt arguments that describe dbt itself and take no project, profile or target.
ABOUT_DBT = {"--version", "-v", "--help", "-h"}
INTERRUPTED = 130  # the shell's exit code for a command stopped by Ctrl-C


def dbt_environment(target: str, database: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["OMOP_IMAGING_TARGET"] = target
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    if not sys.stdout.isatty():  # a pipe or a file gets no colour codes (unless asked for)
        env.setdefault("DBT_USE_COLORS", "false")
    if target == "duckdb":
        env["OMOP_IMAGING_DUCKDB"] = duckdb_path(database)
        env[DUCKDB_MEMORY_LIMIT_VARIABLE] = duckdb_memory_limit()
    if target == "spark":
        from .spark_session import spark_environment

        env |= spark_environment()
    return env


def dbt_command(arguments: list[str], target: str) -> list[str]:
    """The dbt command line: the project's directory, profiles and target added to a command."""
    # dbt's own entry point (next to this Python) when installed, so its help says "dbt"
    installed = Path(sys.executable).parent / "dbt"
    dbt = [str(installed)] if installed.is_file() else [sys.executable, "-c", DBT_ENTRY]
    if not arguments or arguments[0] in ABOUT_DBT:
        return [*dbt, *(arguments or ["--help"])]
    project = str(project_dir())
    return [
        *dbt,
        *arguments,
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target",
        target,
    ]


def run_dbt(
    arguments: list[str], target: str, database: str | None = None, quiet: bool = False
) -> int:
    """Run one dbt command (e.g. ['build']) in a subprocess; returns dbt's exit code, or
    INTERRUPTED when a signal stopped it. Signals this process receives go to dbt as well.

    quiet: dbt prints only errors, then one summary line of its run results follows."""
    command = dbt_command(arguments, target)
    name = arguments[0] if arguments else ""
    if quiet:
        command.append("--quiet")
        print(f"dbt {name}: running (full log: {_log_file()})", flush=True)
    started = time.time()
    if target == "spark":
        code = _run_dbt_in_process(command, target, database)
    else:
        code = _run_dbt_subprocess(command, target, database)
    if code != INTERRUPTED and quiet:
        print(
            run_summary(name, _target_path(project_dir()) / "run_results.json", started), flush=True
        )
    return code


def _run_dbt_in_process(command: list[str], target: str, database: str | None) -> int:
    """dbt inside this process, on its SparkSession: a local Spark's embedded metastore admits
    one JVM, the one the harvest or report of this command already opened (spark_session.py)."""
    from dbt.cli.main import dbtRunner

    from .spark_session import spark_session

    spark_session()  # dbt-spark's session method then gets this one
    os.environ.update(dbt_environment(target, database))
    previous = os.getcwd()
    os.chdir(project_dir())
    try:
        result = dbtRunner().invoke(_dbt_arguments(command))
    except KeyboardInterrupt:
        return INTERRUPTED
    finally:
        os.chdir(previous)
    if result.success:
        return 0
    return 2 if result.exception is not None else 1


def _dbt_arguments(command: list[str]) -> list[str]:
    """The arguments of a dbt_command() line, without the program that would run them."""
    return command[1:] if Path(command[0]).name == "dbt" else command[3:]


def _run_dbt_subprocess(command: list[str], target: str, database: str | None) -> int:
    child = subprocess.Popen(
        command,
        env=dbt_environment(target, database),
        cwd=project_dir(),
        start_new_session=True,  # own process group: a Ctrl-C reaches dbt once, through forward()
    )
    received: list[int] = []

    def forward(signum, _frame):
        received.append(signum)
        if child.poll() is None:
            child.send_signal(signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}
    try:
        code = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        return INTERRUPTED
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
