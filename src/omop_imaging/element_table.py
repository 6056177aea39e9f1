"""Rows as Arrow tables of the staging tables' column types: the element rows of a worker task are
made into one table in the worker process, so that the harvest's main process receives Arrow
buffers (cheap to unpickle) and loads them without converting a value (its CPU per file is what
limits how many workers a harvest can use; scripts/bench_pipeline.py measures it)."""

from __future__ import annotations

import pyarrow as pa

from .reader import ElementRows
from .staging_schema import ELEMENT_COLUMN_NAMES, ELEMENT_COLUMNS, arrow_schema

ELEMENT_TYPES = arrow_schema(ELEMENT_COLUMNS)


def element_table(rows: ElementRows) -> pa.Table:
    return arrow_table({name: getattr(rows, name) for name in ELEMENT_COLUMN_NAMES}, ELEMENT_TYPES)


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
