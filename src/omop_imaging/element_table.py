"""Rows as Arrow tables of the staging tables' column types: the element rows of a worker task are
made into one table in the worker process, so that the harvest's main process receives Arrow
buffers (cheap to unpickle) and loads them without converting a value (its CPU per file is what
limits how many workers a harvest can use; scripts/bench_pipeline.py measures it)."""

from __future__ import annotations

import pyarrow as pa

from .reader import ElementRows
from .staging_schema import ELEMENT_COLUMN_NAMES

_TEXT = pa.string()
ELEMENT_TYPES = {
    "file_id": pa.int64(),
    "study_instance_uid": _TEXT,
    "series_instance_uid": _TEXT,
    "sop_instance_uid": _TEXT,
    "sequence_path": _TEXT,
    "tag": _TEXT,
    "keyword": _TEXT,
    "vr": _TEXT,
    "value_index": pa.int32(),
    "value_text": _TEXT,
    "instance_level": pa.bool_(),
}


def element_table(rows: ElementRows) -> pa.Table:
    return arrow_table({name: getattr(rows, name) for name in ELEMENT_COLUMN_NAMES}, ELEMENT_TYPES)


def arrow_table(columns: dict[str, list], types: dict[str, pa.DataType]) -> pa.Table:
    arrays = {}
    for name, values in columns.items():
        try:
            arrays[name] = pa.array(values, types[name])
        except (UnicodeEncodeError, pa.ArrowException):
            # Undecodable bytes (a file name or value in no known encoding): keep a readable form.
            arrays[name] = pa.array([_printable(value) for value in values], types[name])
    return pa.table(arrays)


def _printable(value):
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value
