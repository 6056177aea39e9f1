"""What a harvest worker process runs: read one task's files, de-identified when asked.

Kept apart from harvest.py so that a worker imports pydicom and the reader only, not pyarrow, the
store or the CLI: every worker process starts faster and stays smaller.
"""

from __future__ import annotations

from .deidentify import Deidentifier, read_files_deidentified
from .reader import ElementRows, FileRecord, read_files


def read_task(
    task: list[str], full_headers: bool, deidentifier: Deidentifier | None
) -> list[tuple[FileRecord, ElementRows]]:
    if deidentifier is None:
        return read_files(task, full_headers)
    return read_files_deidentified(task, full_headers, deidentifier)
