"""Run the CLI's build (dbt seed + dbt build) against a test database."""

from __future__ import annotations

import os
import subprocess
import sys


def omop_imaging(
    *arguments: str, check: bool = True, environ: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess; `environ` adds to (or overrides) the test's environment."""
    completed = subprocess.run(
        [sys.executable, "-m", "omop_imaging.cli", *arguments],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ | (environ or {}),
    )
    if check and completed.returncode != 0:
        raise AssertionError(
            f"omop-imaging {' '.join(arguments)} exited {completed.returncode}\n"
            f"--- stdout (tail) ---\n{completed.stdout[-6000:]}\n--- stderr (tail) ---\n{completed.stderr[-3000:]}"
        )
    return completed
