"""Run dbt on the project with its own profiles/, for either target."""

from __future__ import annotations

import os
import subprocess
import sys

from .settings import duckdb_path, project_dir


def dbt_environment(target: str, database: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["OMOP_IMAGING_TARGET"] = target
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    if target == "duckdb":
        env["OMOP_IMAGING_DUCKDB"] = duckdb_path(database)
    return env


def run_dbt(arguments: list[str], target: str, database: str | None = None) -> int:
    """Run one dbt command (e.g. ['build']) in a subprocess; returns dbt's exit code."""
    project = project_dir()
    command = [
        sys.executable,
        "-m",
        "dbt.cli.main",
        *arguments,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project / "profiles"),
        "--target",
        target,
    ]
    return subprocess.call(command, env=dbt_environment(target, database), cwd=project)
