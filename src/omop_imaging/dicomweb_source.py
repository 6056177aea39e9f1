"""A DICOMweb server as a harvest source, through dicomweb-client: QIDO-RS lists studies (paged,
one date window at a time) and series, WADO-RS reads the metadata of a series' instances. Pixel
data and other bulk data are never fetched: their BulkDataURI makes a row that records them present.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator
from functools import partial

import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue

from .header_policy import INSTANCE_LEVEL_TAGS
from .pacs_credentials import Credentials
from .pacs_retry import RetryPolicy, with_retries
from .pacs_source import (
    ANY_MODALITY,
    PIXEL_DATA_TAG,
    SeriesRef,
    StudyRef,
    UidMap,
    parsed_instance,
    timestamp_ns,
)
from .reader import FileRecord

PAGE_SIZE = 1000  # QIDO results asked for at a time
STUDY_FIELDS = ["StudyInstanceUID", "NumberOfStudyRelatedInstances"]
SERIES_FIELDS = ["SeriesInstanceUID", "Modality", "NumberOfSeriesRelatedInstances"]
_UID, _STUDY_INSTANCES = "0020000D", "00201208"
_SERIES_UID, _MODALITY, _SERIES_INSTANCES = "0020000E", "00080060", "00201209"
_SOP = "00080018"
_TRANSFER_SYNTAX, _AVAILABLE_TRANSFER_SYNTAX = "00020010", "00083002"
_INSTANCE_LEVEL_KEYS = frozenset(f"{tag:08X}" for tag in INSTANCE_LEVEL_TAGS)


class DicomwebSource:
    def __init__(
        self,
        url: str,
        credentials: Credentials | None = None,
        policy: RetryPolicy | None = None,
        page_size: int = PAGE_SIZE,
        last_update_tag: str | None = None,
    ):
        self.prefix = url.rstrip("/")
        self.label = self.prefix
        self.credentials = credentials
        self.policy = policy or RetryPolicy()
        self.page_size = page_size
        # A tag (8 hex digits) of the server's series answers holding the series' last update.
        self.last_update_tag = last_update_tag.upper() if last_update_tag else None
        self.series_fields = SERIES_FIELDS + (
            [self.last_update_tag] if self.last_update_tag else []
        )
        self._local = threading.local()  # a client (and HTTP session) per thread
        # dicomweb-client logs the server's Warning headers and every request: not for users.
        logging.getLogger("dicomweb_client").setLevel(logging.ERROR)

    def _client(self) -> DICOMwebClient:
        client = getattr(self._local, "client", None)
        if client is None:
            session = requests.Session()
            if self.credentials is not None:
                self.credentials.apply(session)
            # permissive_uid: archives hold UIDs that break the rules (too long, not digits); the
            # harvest stores them as it would from a file.
            client = DICOMwebClient(
                self.prefix,
                session=session,
                timeout=self.policy.timeout_seconds,
                permissive_uid=True,
            )
            client.set_http_retry_params(retry=False)  # pacs_retry decides, Retry-After included
            self._local.client = client
        return client

    # -- QIDO-RS --------------------------------------------------------------------------------
    def studies(self, windows: list[str | None], modalities: list[str]) -> Iterator[StudyRef]:
        """Every study of the date windows (None: no date filter) with one of the modalities
        (none: any), each once, a page at a time. A study UID can come twice (an archive that
        keys studies by patient as well, e.g. Orthanc): its series are read once, whole."""
        for window in windows:
            seen: set[str] = set()
            for modality in modalities or ANY_MODALITY:
                filters = {}
                if window:
                    filters["StudyDate"] = window
                if modality:
                    filters["ModalitiesInStudy"] = modality
                for item in self._pages("studies", filters):
                    uid = _first(item, _UID)
                    if uid and uid not in seen:
                        seen.add(uid)
                        yield StudyRef(uid, _count(item, _STUDY_INSTANCES))

    def _pages(self, what: str, filters: dict) -> Iterator[dict]:
        offset = 0
        while True:
            page = with_retries(
                partial(
                    self._client().search_for_studies,
                    limit=self.page_size,
                    offset=offset,
                    fields=STUDY_FIELDS,
                    search_filters=filters,
                ),
                f"QIDO-RS {what} (offset {offset}) at {self.label}",
                self.policy,
            )
            if not page:
                return
            yield from page
            offset += len(page)

    def series(self, study: StudyRef) -> list[SeriesRef]:
        found: list[SeriesRef] = []
        while True:
            offset = len(found)
            page = with_retries(
                partial(
                    self._client().search_for_series,
                    study.uid,
                    limit=self.page_size,
                    offset=offset,
                    fields=self.series_fields,
                ),
                "QIDO-RS series of the study",
                self.policy,
            )
            found += [
                SeriesRef(
                    uid,
                    _count(item, _SERIES_INSTANCES),
                    _first(item, _MODALITY),
                    updated_ns=timestamp_ns(_first(item, self.last_update_tag))
                    if self.last_update_tag
                    else None,
                )
                for item in page
                if (uid := _first(item, _SERIES_UID))
            ]
            if len(page) < self.page_size:
                return found

    # -- WADO-RS --------------------------------------------------------------------------------
    def instances(
        self, study_uid: str, series: SeriesRef, uid_map: UidMap, trim: bool = False
    ) -> list[tuple[FileRecord, Dataset | None]]:
        metadata = with_retries(
            lambda: self._client().retrieve_series_metadata(study_uid, series.uid),
            "WADO-RS metadata of a series",
            self.policy,
        )
        # Reading DICOM JSON into a data set costs far more than the HTTP request: with `trim`,
        # only the representative's whole header is read, as the file harvest's workers do.
        representative = min(filter(None, (_first(item, _SOP) for item in metadata)), default=None)
        parsed = []
        for position, item in enumerate(metadata):
            whole = not trim or _first(item, _SOP) == representative
            part = item if whole else _instance_level(item)
            record, dataset = parsed_instance(
                partial(dataset_from_json, part),
                self.prefix,
                study_uid,
                series.uid,
                position,
                uid_map,
                _element_count(item),
                series.updated_ns,
            )
            # The file's transfer syntax when the server gives it (file meta or Available
            # Transfer Syntax UID); a file harvest reads it from the file meta information.
            record.transfer_syntax_uid = _first(item, _TRANSFER_SYNTAX) or _first(
                item, _AVAILABLE_TRANSFER_SYNTAX
            )
            parsed.append((record, dataset))
        return parsed

    def study_uri(self, study_uid: str, uid_map: UidMap) -> str:
        return f"{self.prefix}/studies/{uid_map(study_uid)}"


def dataset_from_json(item: dict) -> Dataset:
    """A DICOM JSON data set read as the file harvest reads a file: bulk data never fetched (an
    element given by BulkDataURI is kept without a value, as a file harvest keeps bulk data), the
    elements after the pixel data (e.g. trailing padding), which a file harvest never reads, left
    out, and decimal and integer strings (DS, IS), which JSON carries as numbers, given back as
    text: integral values without a decimal part, others in their shortest form (a file's own
    spelling, e.g. '0.500', is not in the JSON)."""
    return _numbers_as_text(Dataset.from_json(_without_bulk_data(item)))


def _without_bulk_data(item: dict) -> dict:
    """The JSON without bulk-data URIs (nor what follows the pixel data). Cheaper than a handler
    that ignores them: pydicom inspects a handler's signature for every element."""
    kept = {}
    for tag, element in item.items():
        if tag.upper() > _PIXEL_DATA or not isinstance(element, dict):
            continue
        if "BulkDataURI" in element:
            element = {"vr": element.get("vr")}
        elif element.get("vr") == "SQ" and element.get("Value"):
            element = {
                **element,
                "Value": [_without_bulk_data(value) for value in element["Value"]],
            }
        kept[tag] = element
    return kept


def _numbers_as_text(dataset: Dataset) -> Dataset:
    for element in dataset:
        if element.VR in ("DS", "IS") and element.value not in (None, ""):
            values = element.value if isinstance(element.value, MultiValue) else [element.value]
            element.value = "\\".join(_number_text(value) for value in values)
        elif element.VR == "SQ":
            for item in element.value:
                _numbers_as_text(item)
    return dataset


def _number_text(value) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)  # a server that passed an invalid string through: kept as it is
    if not math.isfinite(number):
        return str(value)
    return str(int(number)) if number.is_integer() else repr(number)


_PIXEL_DATA = f"{PIXEL_DATA_TAG:08X}"


def _instance_level(item: dict) -> dict:
    return {tag: element for tag, element in item.items() if tag.upper() in _INSTANCE_LEVEL_KEYS}


def _element_count(item: dict) -> int:
    """Top-level elements, file meta information and what follows the pixel data apart."""
    return sum(1 for tag in item if not tag.startswith("0002") and tag.upper() < _PIXEL_DATA)


def _first(item: dict, tag: str) -> str | None:
    values = (item.get(tag) or {}).get("Value") or []
    return str(values[0]).strip() or None if values else None


def _count(item: dict, tag: str) -> int | None:
    value = _first(item, tag)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
