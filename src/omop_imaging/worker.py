"""What a harvest worker process runs: read one task's files, de-identified when asked.

Kept apart from harvest.py so that a worker imports pydicom and the reader only, not pyarrow, the
store or the CLI: every worker process starts faster and stays smaller.
"""

from __future__ import annotations

from pydicom.dataset import Dataset

from .deidentify import Deidentifier, read_files_deidentified, rows_of_datasets_deidentified
from .reader import ElementRows, FileRecord, read_files, rows_of_datasets


def read_task(
    task: list[str], full_headers: bool, deidentifier: Deidentifier | None
) -> list[tuple[FileRecord, ElementRows]]:
    if deidentifier is None:
        return read_files(task, full_headers)
    return read_files_deidentified(task, full_headers, deidentifier)


def header_rows(
    parsed: list[tuple[FileRecord, Dataset | None]],
    full_headers: bool,
    deidentifier: Deidentifier | None,
) -> list[tuple[FileRecord, ElementRows]]:
    """What read_task makes of files, for headers parsed elsewhere (DICOMweb JSON, C-FIND)."""
    if deidentifier is None:
        return rows_of_datasets(parsed, full_headers)
    return rows_of_datasets_deidentified(parsed, full_headers, deidentifier)
