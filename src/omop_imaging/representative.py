"""Which instance represents its series (the one whose full header is kept): the smallest
(SOP Instance UID, file path). The one rule the reader, the de-identifier, the harvest and the
store apply, in Python (sort_key) and in SQL (SQL_ORDER)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


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
