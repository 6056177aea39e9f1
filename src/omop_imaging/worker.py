"""What a harvest worker process runs: read one task's files, de-identified when asked, and make
their file records one Arrow table and their element rows another (element_table.py: the main
process only plans and loads them).

Kept apart from harvest.py so that a worker imports pydicom, the reader and pyarrow only, not the
store or the CLI: every worker process starts faster and stays smaller.
"""

from __future__ import annotations

import pyarrow as pa
from pydicom.dataset import Dataset

from .deidentify import Deidentifier, read_files_deidentified, rows_of_datasets_deidentified
from .element_table import element_table, record_table
from .reader import ElementRows, FileRecord, read_files, rows_of_datasets


def read_task(
    task: list[str], full_headers: bool, deidentifier: Deidentifier | None
) -> list[tuple[FileRecord, ElementRows]]:
    if deidentifier is None:
        return read_files(task, full_headers)
    return read_files_deidentified(task, full_headers, deidentifier)


def read_task_tables(
    task: list[str], full_headers: bool, deidentifier: Deidentifier | None
) -> tuple[pa.Table, pa.Table]:
    """read_task, as two Arrow tables: the task's file records, the element rows of its files."""
    return task_tables(read_task(task, full_headers, deidentifier))


def task_tables(results: list[tuple[FileRecord, ElementRows]]) -> tuple[pa.Table, pa.Table]:
    rows = ElementRows()
    for _record, file_rows in results:
        rows.extend(file_rows)
    return record_table([record for record, _rows in results]), element_table(rows)


def header_rows(
    parsed: list[tuple[FileRecord, Dataset | None]],
    full_headers: bool,
    deidentifier: Deidentifier | None,
) -> list[tuple[FileRecord, ElementRows]]:
    """What read_task makes of files, for headers parsed elsewhere (DICOMweb JSON, C-FIND)."""
    if deidentifier is None:
        return rows_of_datasets(parsed, full_headers)
    return rows_of_datasets_deidentified(parsed, full_headers, deidentifier)
