"""A DICOM archive reached by DIMSE as a harvest source: C-FIND (Study Root) at study, series and
image level, through pynetdicom. An instance's "header" is what the three answers hold: the
attributes asked for below, when the archive knows them; far fewer than a file's header, but
what IMAGE_OCCURRENCE, PROCEDURE_OCCURRENCE and the R-CDM tables need. C-FIND has no paging:
date windows (--study-date) keep each study query small.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import partial

from pydicom.datadict import keyword_for_tag
from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.sop_class import (  # type: ignore[attr-defined]  # names made at import time
    StudyRootQueryRetrieveInformationModelFind,
)

from .header_policy import INSTANCE_LEVEL_TAGS, NEVER_STORED_TAGS
from .pacs_retry import RetryPolicy, SourceError, TransientError, with_retries
from .pacs_source import ANY_MODALITY, SeriesRef, StudyRef, UidMap, parsed_instance
from .reader import FileRecord

STUDY_KEYS = [
    "StudyInstanceUID",
    "StudyDate",
    "StudyTime",
    "AccessionNumber",
    "StudyID",
    "StudyDescription",
    "PatientID",
    "IssuerOfPatientID",
    "PatientBirthDate",
    "PatientSex",
    "PatientAge",
    "PatientSize",
    "PatientWeight",
    "ModalitiesInStudy",
    "NumberOfStudyRelatedInstances",
]
SERIES_KEYS = [
    "SeriesInstanceUID",
    "Modality",
    "SeriesNumber",
    "SeriesDescription",
    "SeriesDate",
    "SeriesTime",
    "BodyPartExamined",
    "Laterality",
    "ProtocolName",
    "Manufacturer",
    "ManufacturerModelName",
    "StationName",
    "ContrastBolusAgent",
    "NumberOfSeriesRelatedInstances",
]
# Per image: what the file harvest keeps of every instance (header_policy's one list).
IMAGE_KEYS = sorted(keyword_for_tag(tag) for tag in INSTANCE_LEVEL_TAGS)
# Query keys that describe the query, not the instance.
_QUERY_ONLY = {
    "QueryRetrieveLevel",
    "RetrieveAETitle",
    "NumberOfStudyRelatedInstances",
    "NumberOfSeriesRelatedInstances",
    "ModalitiesInStudy",
}
_PENDING = (0xFF00, 0xFF01)


class DimseSource:
    def __init__(
        self, host: str, port: int, aet: str, called_aet: str, policy: RetryPolicy | None = None
    ):
        self.host, self.port, self.aet, self.called_aet = host, port, aet, called_aet
        self.policy = policy or RetryPolicy()
        self.prefix = f"dimse://{called_aet}@{host}:{port}"
        self.label = self.prefix
        logging.getLogger("pynetdicom").setLevel(logging.CRITICAL)

    @classmethod
    def from_address(cls, address: str, aet: str, called_aet: str, policy: RetryPolicy):
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"--dimse {address!r}: use HOST:PORT")
        return cls(host, int(port), aet, called_aet, policy)

    # -- queries --------------------------------------------------------------------------------
    def studies(self, windows: list[str | None], modalities: list[str]) -> Iterator[StudyRef]:
        for window in windows:
            seen: set[str] = set()
            for modality in modalities or ANY_MODALITY:
                query = _query("STUDY", STUDY_KEYS, StudyDate=window or "")
                if modality:
                    query.ModalitiesInStudy = modality
                for answer in self._find(query, f"C-FIND studies {window or ''}".strip()):
                    uid = _text(answer, "StudyInstanceUID")
                    if uid and uid not in seen:
                        seen.add(uid)
                        yield StudyRef(uid, _count(answer, "NumberOfStudyRelatedInstances"), answer)

    def series(self, study: StudyRef) -> list[SeriesRef]:
        query = _query("SERIES", SERIES_KEYS, StudyInstanceUID=study.uid)
        found = []
        for answer in self._find(query, "C-FIND series of the study"):
            uid = _text(answer, "SeriesInstanceUID")
            if uid:
                found.append(
                    SeriesRef(
                        uid,
                        _count(answer, "NumberOfSeriesRelatedInstances"),
                        _text(answer, "Modality"),
                        _merged(study.attributes or Dataset(), answer),
                    )
                )
        return found

    def instances(
        self, study_uid: str, series: SeriesRef, uid_map: UidMap, trim: bool = False
    ) -> list[tuple[FileRecord, Dataset | None]]:
        """`trim` changes nothing: the answers hold few attributes anyway."""
        query = _query(
            "IMAGE", IMAGE_KEYS, StudyInstanceUID=study_uid, SeriesInstanceUID=series.uid
        )
        answers = self._find(query, "C-FIND images of a series")
        above = series.attributes or Dataset()
        return [
            parsed_instance(
                partial(_merged, above, answer),
                self.prefix,
                study_uid,
                series.uid,
                position,
                uid_map,
            )
            for position, answer in enumerate(answers)
        ]

    def study_uri(self, study_uid: str, uid_map: UidMap) -> str:
        return f"{self.prefix}/studies/{uid_map(study_uid)}"

    # -- the network ----------------------------------------------------------------------------
    def _find(self, query: Dataset, what: str) -> list[Dataset]:
        return with_retries(lambda: self._find_once(query, what), what, self.policy)

    def _find_once(self, query: Dataset, what: str) -> list[Dataset]:
        """One association, one C-FIND, every answer (a new association per query keeps the
        threads of --connections apart)."""
        ae = AE(ae_title=self.aet)
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
        for name in ("acse_timeout", "dimse_timeout", "network_timeout", "connection_timeout"):
            setattr(ae, name, self.policy.timeout_seconds)
        association = ae.associate(self.host, self.port, ae_title=self.called_aet)
        if association.is_rejected:
            raise SourceError(f"{what}: {self.called_aet} rejected the association")
        if not association.is_established:
            raise TransientError("no association (server unreachable or aborted)")
        answers = []
        try:
            for status, identifier in association.send_c_find(
                query, StudyRootQueryRetrieveInformationModelFind
            ):
                if not status:  # no answer within the timeout, or the association broke
                    raise TransientError("no C-FIND answer (timed out or aborted)")
                code = status.Status
                if code in _PENDING:
                    if identifier is not None:
                        answers.append(identifier)
                elif code != 0x0000:
                    raise SourceError(f"{what}: C-FIND failed with status 0x{code:04X}")
        finally:
            if association.is_established:
                association.release()
        return answers


def _query(level: str, keys: list[str], **values: str) -> Dataset:
    query = Dataset()
    query.QueryRetrieveLevel = level
    for keyword in keys:
        setattr(query, keyword, "")
    for keyword, value in values.items():
        setattr(query, keyword, value)
    return query


def _merged(*answers: Dataset) -> Dataset:
    """Attributes from the answers of several levels (the closer level, last, wins); keys the
    archive left empty are left out (unknown, not an empty value in a file)."""
    merged = Dataset()
    for answer in answers:
        for element in answer:
            keyword = element.keyword
            if keyword in _QUERY_ONLY or element.tag in NEVER_STORED_TAGS:
                continue
            if element.value in (None, "", b"") or element.VM == 0:
                continue
            merged.add(element)
    return merged


def _text(answer: Dataset, keyword: str) -> str | None:
    value = answer.get(keyword)
    return str(value).strip() or None if value not in (None, "") else None


def _count(answer: Dataset, keyword: str) -> int | None:
    try:
        return int(answer.get(keyword)) if answer.get(keyword) not in (None, "") else None
    except (TypeError, ValueError):
        return None
