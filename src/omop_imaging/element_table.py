"""Rows as Arrow tables of the staging tables' column types: the file records and the element rows
of a worker task are made into two tables in the worker process, so that the harvest's main
process receives Arrow buffers (cheap to unpickle) and plans and loads them without touching a
file in Python (its CPU per file is what limits how many workers a harvest can use;
scripts/bench_pipeline.py measures it)."""

from __future__ import annotations

from dataclasses import fields

import pyarrow as pa

from .reader import ElementRows, FileRecord
from .staging_schema import ELEMENT_COLUMN_NAMES, ELEMENT_COLUMNS, FILE_COLUMNS, arrow_schema

ELEMENT_TYPES = arrow_schema(ELEMENT_COLUMNS)
# The file columns the reader fills (a FileRecord's fields); the harvest derives the others.
RECORD_COLUMN_NAMES = [record_field.name for record_field in fields(FileRecord)]
RECORD_TYPES = pa.schema([arrow_schema(FILE_COLUMNS).field(name) for name in RECORD_COLUMN_NAMES])


def element_table(rows: ElementRows) -> pa.Table:
    return arrow_table({name: getattr(rows, name) for name in ELEMENT_COLUMN_NAMES}, ELEMENT_TYPES)


def record_table(records: list[FileRecord]) -> pa.Table:
    """File records as a table of the staging file columns they fill."""
    columns: dict[str, list] = {name: [] for name in RECORD_COLUMN_NAMES}
    for record in records:
        for name, value in vars(record).items():
            columns[name].append(value)
    return arrow_table(columns, RECORD_TYPES)


def arrow_table(columns: dict[str, list], types: pa.Schema) -> pa.Table:
    arrays = {}
    for name, values in columns.items():
        try:
            arrays[name] = pa.array(values, types.field(name).type)
        except (UnicodeEncodeError, pa.ArrowException):
            # Undecodable bytes (a file name or value in no known encoding): keep a readable form.
            arrays[name] = pa.array([_printable(value) for value in values], types.field(name).type)
    return pa.table(arrays)


def _printable(value):
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value
