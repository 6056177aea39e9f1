"""What a PACS harvest asks of a source (DICOMweb or DIMSE): studies, their series, and the parsed
header of every instance of a series, each located by a URI that takes a file path's place."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from pydicom.dataset import Dataset
from pydicom.valuerep import DT

from .ids import stable_id
from .reader import FileRecord, guarded, identify

PIXEL_DATA_TAG = 0x7FE00010
STUDY_DATE_FORMAT = "%Y%m%d"
# the modality filters of a study query that names none: one query, without a modality filter
ANY_MODALITY: list[str | None] = [None]


@dataclass(frozen=True)
class StudyRef:
    uid: str
    instances: int | None  # Number of Study Related Instances, when the server gives it
    # What the study query answered, when the source builds instances from it (DIMSE).
    attributes: Dataset | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class SeriesRef:
    uid: str
    instances: int | None  # Number of Series Related Instances, when the server gives it
    modality: str | None
    attributes: Dataset | None = field(default=None, compare=False, repr=False)
    updated_ns: int | None = None  # the server's last update of the series, when it gives one


@dataclass(frozen=True)
class DateRange:
    first: datetime.date
    last: datetime.date

    @classmethod
    def parse(cls, text: str) -> DateRange:
        """YYYYMMDD, YYYYMMDD-YYYYMMDD or YYYYMMDD- (until today)."""
        first_text, _, last_text = text.partition("-")
        try:
            first = datetime.datetime.strptime(first_text, STUDY_DATE_FORMAT).date()
            if not _:
                last = first
            elif last_text:
                last = datetime.datetime.strptime(last_text, STUDY_DATE_FORMAT).date()
            else:
                last = datetime.date.today()
        except ValueError:
            raise ValueError(
                f"--study-date {text!r}: use YYYYMMDD, YYYYMMDD-YYYYMMDD or YYYYMMDD-"
            ) from None
        if last < first:
            raise ValueError(f"--study-date {text!r}: the range ends before it starts")
        return cls(first, last)

    def windows(self, days: int) -> Iterator[str]:
        """The range as QIDO / C-FIND date ranges of `days` days each: one query never asks
        for an archive's whole history."""
        start = self.first
        while start <= self.last:
            end = min(start + datetime.timedelta(days=days - 1), self.last)
            yield f"{start.strftime(STUDY_DATE_FORMAT)}-{end.strftime(STUDY_DATE_FORMAT)}"
            start = end + datetime.timedelta(days=1)


UidMap = Callable[[str], str]


class PacsSource(Protocol):
    """A source; `uid_map` turns a UID into the one stored (a pseudonym under --deidentify)."""

    label: str  # the server, for messages (never credentials)
    prefix: str  # every URI of this source starts with it

    def studies(self, windows: list[str | None], modalities: list[str]) -> Iterator[StudyRef]: ...

    def series(self, study: StudyRef) -> list[SeriesRef]: ...

    def instances(
        self, study_uid: str, series: SeriesRef, uid_map: UidMap, trim: bool
    ) -> list[tuple[FileRecord, Dataset | None]]:
        """The series' instances; with `trim`, the source may give only the instance-level
        attributes of all but the instance with the smallest SOP Instance UID (the series'
        representative: the only one whose other rows are kept)."""
        ...

    def study_uri(self, study_uid: str, uid_map: UidMap) -> str: ...


def instance_uri(prefix: str, study: str, series: str, sop: str) -> str:
    return f"{prefix}/studies/{study}/series/{series}/instances/{sop}"


def parsed_instance(
    build: Callable[[], Dataset],
    uri_prefix: str,
    study_uid: str,
    series_uid: str,
    position: int,
    uid_map: UidMap,
    element_count: int | None = None,
    modified_ns: int | None = None,
) -> tuple[FileRecord, Dataset | None]:
    """A record and data set for one instance a server described; `build()` makes the data set
    (`element_count`: the header's top-level elements, when the data set holds only part of
    them). A failure (no SOP Instance UID, a malformed answer) rejects the record, as a bad file
    is, under the series URI and the instance's position in the answer."""
    # No file size; the server's last update of the series (`modified_ns`), or else the time it
    # described the instance, stands for a file's modification time (the build falls back on it
    # for a study without a date, as for a file).
    record = FileRecord(0, "", 0, modified_ns or time.time_ns(), "rejected")
    dataset = guarded(record, _identified, build, record)
    if dataset is not None:
        record.status = "harvested"
        # Top-level elements, file meta information and pixel data apart (as for a file).
        record.element_count = element_count or sum(
            1 for tag in list(dataset.keys()) if tag >> 16 != 0x0002 and tag != PIXEL_DATA_TAG
        )
        assert record.sop_instance_uid is not None  # identify() rejects an instance without one
        sop = uid_map(record.sop_instance_uid)
    else:
        sop = f"?position={position}"
    record.file_path = instance_uri(uri_prefix, uid_map(study_uid), uid_map(series_uid), sop)
    record.file_id = stable_id(record.file_path)
    return record, dataset


def timestamp_ns(text: str | None) -> int | None:
    """A DA or DT value (e.g. a series' last update) as nanoseconds since 1970 (UTC when it
    names no offset), None when it is no date."""
    if not text:
        return None
    try:
        when = DT(text) if len(text) > 8 else DT(text + "000000")
    except (ValueError, TypeError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return int(when.timestamp()) * 1_000_000_000 + when.microsecond * 1_000


def _identified(build: Callable[[], Dataset], record: FileRecord) -> Dataset:
    dataset = build()
    identify(dataset, record)
    return dataset
