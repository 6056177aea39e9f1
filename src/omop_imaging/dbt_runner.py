"""Run dbt on the project with its profiles.yml, for either target."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from .settings import duckdb_path, project_dir

# Signals passed on to dbt: stopping `omop-imaging dbt docs serve` must stop its server too.
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# dbt arguments that describe dbt itself and take no project, profile or target.
ABOUT_DBT = {"--version", "-v", "--help", "-h"}
INTERRUPTED = 130  # the shell's exit code for a command stopped by Ctrl-C


def dbt_environment(target: str, database: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["OMOP_IMAGING_TARGET"] = target
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    if target == "duckdb":
        env["OMOP_IMAGING_DUCKDB"] = duckdb_path(database)
    return env


def dbt_command(arguments: list[str], target: str) -> list[str]:
    """The dbt command line: the project's directory, profiles and target added to a command."""
    # dbt's own entry point (next to this Python) when installed, so its help says "dbt"
    installed = Path(sys.executable).parent / "dbt"
    dbt = [str(installed)] if installed.is_file() else [sys.executable, "-m", "dbt.cli.main"]
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


def run_dbt(arguments: list[str], target: str, database: str | None = None) -> int:
    """Run one dbt command (e.g. ['build']) in a subprocess; returns dbt's exit code, or
    INTERRUPTED when a signal stopped it. Signals this process receives go to dbt as well."""
    child = subprocess.Popen(
        dbt_command(arguments, target),
        env=dbt_environment(target, database),
        cwd=project_dir(),
        process_group=0,  # own group: a Ctrl-C reaches dbt once, through forward()
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
    return INTERRUPTED if received else code
