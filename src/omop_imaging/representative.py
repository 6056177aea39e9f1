"""Which instance represents its series (the one whose full header is kept): the smallest
(SOP Instance UID, file path). The one rule the reader, the de-identifier, the harvest and the
store apply, in Python (sort_key), in SQL (SQL_ORDER) and over Arrow columns
(smallest_per_series)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pyarrow as pa


class Instance(Protocol):
    # Read-only, so records and named tuples both fit.
    @property
    def sop_instance_uid(self) -> str | None: ...

    @property
    def file_path(self) -> str: ...


class SeriesInstance(Instance, Protocol):
    @property
    def series_instance_uid(self) -> str | None: ...


# The same order as sort_key, for an `order by` over the staging table's columns.
SQL_ORDER = "sop_instance_uid, file_path"


def sort_key(instance: Instance) -> tuple[str, str]:
    """The smaller key represents the series."""
    return (instance.sop_instance_uid or "", instance.file_path)


def smallest_keys(instances: Iterable[SeriesInstance]) -> dict[str | None, tuple[str, str]]:
    """Per series UID, the sort_key of its representative among `instances`."""
    smallest: dict[str | None, tuple[str, str]] = {}
    for instance in instances:
        key = sort_key(instance)
        series = instance.series_instance_uid
        if series not in smallest or key < smallest[series]:
            smallest[series] = key
    return smallest


def is_representative(instance: SeriesInstance, smallest: dict) -> bool:
    """Whether `instance` is its series' representative (smallest from smallest_keys)."""
    return smallest[instance.series_instance_uid] == sort_key(instance)


def smallest_per_series(files: pa.Table) -> pa.Table:
    """The row of each series' smallest sort_key among `files` (columns series_instance_uid,
    sop_instance_uid, file_path), one per series, in series order: a vectorised min (Arrow
    compares strings by their UTF-8 bytes, which orders them as Python compares code points)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if files.num_rows == 0:
        return files
    keyed = files.append_column("_sop_key", pc.fill_null(files["sop_instance_uid"], ""))
    ordered = keyed.take(
        pc.sort_indices(
            keyed,
            [
                ("series_instance_uid", "ascending"),
                ("_sop_key", "ascending"),
                ("file_path", "ascending"),
            ],
        )
    ).drop_columns(["_sop_key"])
    series = ordered["series_instance_uid"]
    first = pc.not_equal(series[1:], series[:-1]).fill_null(True)
    return ordered.filter(pa.concat_arrays([pa.array([True]), first.combine_chunks()]))
