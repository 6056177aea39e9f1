"""Read one file's DICOM header (never its pixels) into a file record and key/value element rows.

Runs inside worker processes: it returns plain Python data, and it never raises for a bad file:
every failure becomes a rejected file record with a category and a reason that name no patient data.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import struct
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from stat import S_ISDIR, S_ISREG
from typing import Any

import pydicom
import pydicom.hooks
from pydicom import config as pydicom_config
from pydicom.charset import default_encoding
from pydicom.datadict import (
    dictionary_VR,
    keyword_for_tag,
    private_dictionary_VR,
)
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import _LUT_DESCRIPTOR_TAGS as LUT_DESCRIPTOR_TAGS
from pydicom.tag import BaseTag, Tag
from pydicom.valuerep import AMBIGUOUS_VR
from pydicom.values import convert_value

from .header_policy import (
    BINARY_VRS,
    INSTANCE_LEVEL_TAGS,
    MAX_BINARY_BYTES,
    MAX_ELEMENT_BYTES,
    MAX_SEQUENCE_DEPTH,
    MAX_SEQUENCE_ITEMS,
    MAX_VALUE_CHARS,
    MAX_VALUES_PER_ELEMENT,
    NEVER_STORED_TAGS,
)
from .ids import stable_id
from .representative import is_representative, smallest_keys

DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
DEFLATED_TRANSFER_SYNTAX = "1.2.840.10008.1.2.1.99"  # offsets are in the inflated stream
# Groups a DICOM data set can start with when a file has no preamble (file meta or identifying).
_FIRST_GROUPS = {0x0002, 0x0008}


@dataclass
class ElementRows:
    """Element rows in columns (cheap to send between processes, direct to Arrow)."""

    file_id: list[int] = field(default_factory=list)
    study_instance_uid: list[str | None] = field(default_factory=list)
    series_instance_uid: list[str | None] = field(default_factory=list)
    sop_instance_uid: list[str | None] = field(default_factory=list)
    sequence_path: list[str] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    keyword: list[str | None] = field(default_factory=list)
    vr: list[str | None] = field(default_factory=list)
    value_index: list[int] = field(default_factory=list)
    value_text: list[str | None] = field(default_factory=list)
    instance_level: list[bool] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.file_id)

    def extend(self, other: ElementRows) -> None:
        for name, values in vars(other).items():
            getattr(self, name).extend(values)


@dataclass
class FileRecord:
    file_id: int
    file_path: str
    file_size: int
    file_mtime_ns: int
    status: str  # 'harvested' or 'rejected'
    reject_category: str | None = None
    reject_reason: str | None = None
    has_preamble: bool | None = None
    transfer_syntax_uid: str | None = None
    sop_class_uid: str | None = None
    study_instance_uid: str | None = None
    series_instance_uid: str | None = None
    sop_instance_uid: str | None = None
    element_count: int = 0


class Rejected(Exception):
    """A file that cannot be harvested: `category` groups the reasons in reports."""

    def __init__(self, category: str, reason: str):
        super().__init__(reason)
        self.category = category
        self.reason = reason


def read_file(path: str) -> tuple[FileRecord, ElementRows]:
    """Read `path` with its full header; on any failure return a rejected record and no rows."""
    return read_files([path])[0]


def read_files(paths: list[str], full_headers: bool = True) -> list[tuple[FileRecord, ElementRows]]:
    """Read a group of files (one worker task).

    With `full_headers` off, only the file with the smallest (SOP Instance UID, path) of each
    series in the group is flattened whole; the others yield their instance-level rows only,
    looked up directly. The smallest of a series over the whole harvest is also the smallest
    within its group, so the harvest still sees every file that can represent its series.
    """
    with _cyclic_gc_paused():
        return _read_files(paths, full_headers)


@contextmanager
def _cyclic_gc_paused():
    """A task allocates many objects that live until its end (parsed headers, rows): the cyclic
    garbage collector would traverse them again and again for nothing. It runs after the task."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_files(paths: list[str], full_headers: bool) -> list[tuple[FileRecord, ElementRows]]:
    return rows_of_datasets([_parse(path) for path in paths], full_headers)


def rows_of_datasets(
    parsed: list[tuple[FileRecord, Dataset | None]], full_headers: bool
) -> list[tuple[FileRecord, ElementRows]]:
    """Element rows of parsed headers, whatever they were read from (a file, DICOMweb JSON, a
    C-FIND answer); a None data set (a rejected record) gives no rows.

    With `full_headers` off, only the record with the smallest (SOP Instance UID, path) of each
    series in the group is flattened whole; the others yield their instance-level rows only."""
    smallest = (
        {} if full_headers else smallest_keys(r for r, dataset in parsed if dataset is not None)
    )
    results = []
    for record, dataset in parsed:
        rows = ElementRows()
        if dataset is not None:
            full = full_headers or is_representative(record, smallest)
            rows = guarded(record, _element_rows, dataset, record, full) or ElementRows()
        results.append((record, rows))
    return results


def _parse(path: str) -> tuple[FileRecord, Dataset | None]:
    """Parse the header of `path` (lazily: no values converted beyond the file's UIDs)."""
    record = FileRecord(stable_id(path), path, 0, 0, "rejected")
    return record, guarded(record, _read_header, path, record)


def guarded(record: FileRecord, action, *args):
    """`action(*args)`; a failure rejects `record` (category and reason) and gives None."""
    try:
        return action(*args)
    except Rejected as rejected:
        record.reject_category, record.reject_reason = rejected.category, rejected.reason
    except FileNotFoundError:
        record.reject_category, record.reject_reason = (
            "unreadable",
            "file vanished or is a dangling link",
        )
    except PermissionError:
        record.reject_category, record.reject_reason = "unreadable", "permission denied"
    except OSError as error:
        if error.errno is None:  # raised by pydicom, not by the system: the data ended early
            record.reject_category = "truncated"
            record.reject_reason = f"the data ends inside a sequence: {_safe_message(error)}"
        else:
            record.reject_category = "unreadable"
            record.reject_reason = f"I/O error: {error.strerror}"
    except Exception as error:  # a parser failure on malformed bytes: report, never stop the run
        record.reject_category = "malformed"
        record.reject_reason = f"DICOM parse failed: {type(error).__name__}: {_safe_message(error)}"
    record.status = "rejected"
    record.element_count = 0
    return None


def _safe_message(error: Exception) -> str:
    """Parser messages describe structure (tags, lengths, offsets), but a conversion error can
    quote the value it failed on: quoted text and bytes become '...', and the message is cut."""
    text = _QUOTED.sub("'...'", str(error).replace("\n", " "))
    return text[:200]


_QUOTED = re.compile(r"b?'[^']*'|b?\"[^\"]*\"")


def _read_header(path: str, record: FileRecord) -> Dataset:
    stat = os.stat(path)
    record.file_size, record.file_mtime_ns = stat.st_size, stat.st_mtime_ns
    if not S_ISREG(stat.st_mode):  # opening a FIFO would block the worker for ever
        if S_ISDIR(stat.st_mode):
            raise Rejected("unreadable", "a link to a directory: not followed")
        raise Rejected("unreadable", "not a regular file (FIFO, socket or device)")
    if record.file_size == 0:
        raise Rejected("empty", "empty file (0 bytes)")
    with open(path, "rb") as handle:
        head = handle.read(132)
    record.has_preamble = head[128:132] == b"DICM"
    if not record.has_preamble and not _starts_like_dataset(head):
        raise Rejected("not_dicom", "no 'DICM' prefix and no DICOM data element at the start")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            dataset = pydicom.dcmread(
                path,
                stop_before_pixels=True,
                force=not record.has_preamble,
                defer_size=MAX_ELEMENT_BYTES,  # huge values stay on disk
            )
        except InvalidDicomError as error:
            raise Rejected("not_dicom", f"not a DICOM file: {_safe_message(error)}") from error
        meta = getattr(dataset, "file_meta", None) or Dataset()
        record.transfer_syntax_uid = _uid_text(meta, "TransferSyntaxUID")
        media_class = _uid_text(meta, "MediaStorageSOPClassUID")
        if media_class == DICOMDIR_SOP_CLASS or 0x00041220 in dataset:
            raise Rejected("dicomdir", "DICOMDIR media index, not an image: skipped")
        if record.transfer_syntax_uid != DEFLATED_TRANSFER_SYNTAX:
            _check_complete(dataset, record.file_size)
        identify(dataset, record, media_class)
    # The top-level data elements of the header (file meta information and pixel data apart).
    record.status, record.element_count = "harvested", len(dataset)
    return dataset


def identify(dataset: Dataset, record: FileRecord, media_class: str | None = None) -> None:
    """Fill the record's SOP class and UIDs from the header; a missing or overlong UID rejects it."""
    record.sop_class_uid = _uid_text(dataset, "SOPClassUID") or media_class
    record.study_instance_uid = _required_uid(dataset, "StudyInstanceUID")
    record.series_instance_uid = _required_uid(dataset, "SeriesInstanceUID")
    record.sop_instance_uid = _required_uid(dataset, "SOPInstanceUID")


def _check_complete(dataset: Dataset, file_size: int) -> None:
    """pydicom stops quietly where a file ends: an element whose value would run past the end (a
    file cut short, or a wrong length that sent the parser into the bytes that follow) rejects
    the file, instead of a partial header or a misleading "no StudyInstanceUID"."""
    if not len(dataset):
        raise Rejected("truncated", "no data set after the file meta information: cut short")
    for raw in dataset._dict.values():  # the parsed elements as read, without converting them
        if (
            isinstance(raw, RawDataElement)
            and raw.length != 0xFFFFFFFF
            and raw.value_tell + raw.length > file_size
        ):
            raise Rejected(
                "truncated",
                f"element ({raw.tag.group:04X},{raw.tag.element:04X}) runs past the end of the "
                "file: cut short or a wrong length",
            )
    # Fewer bytes after the last element than an element header takes: the file was cut there.
    # (pydicom types _dict as a MutableMapping; it is a dict, whose values() reverse in O(1))
    last = next(reversed(dataset._dict.values()))  # type: ignore[call-overload]
    if (
        isinstance(last, RawDataElement)
        and last.length != 0xFFFFFFFF
        and 0 < file_size - (last.value_tell + last.length) < 8
    ):
        raise Rejected("truncated", "the file ends inside an element header: cut short")


def _element_rows(dataset: Dataset, record: FileRecord, full: bool) -> ElementRows:
    rows = ElementRows()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if full:
            _flatten(dataset, record, rows, sequence_path="", depth=0)
        else:
            # Dataset.keys(), not the data set itself: iterating that would convert every element.
            tags = list(filter(INSTANCE_LEVEL_TAGS.__contains__, dataset.keys()))
            _flatten(dataset, record, rows, sequence_path="", depth=0, tags=tags)
    return rows


def _starts_like_dataset(head: bytes) -> bool:
    """True when the bytes start with a group 0002 or 0008 tag (either byte order): no preamble."""
    if len(head) < 8:
        return False
    little = struct.unpack("<H", head[:2])[0]
    big = struct.unpack(">H", head[:2])[0]
    return little in _FIRST_GROUPS or big in _FIRST_GROUPS


def _required_uid(dataset: Dataset, keyword: str) -> str:
    value = _uid_text(dataset, keyword)
    if not value:
        raise Rejected("missing_uid", f"no {keyword}: cannot place the file in a study and series")
    if len(value) > 64:
        raise Rejected("missing_uid", f"{keyword} longer than 64 characters")
    return value


def _uid_text(dataset: Dataset, keyword: str) -> str | None:
    """`_text(dataset.get(keyword))` for a UID element, without converting the element (and
    storing it back) when its value is a single plain-ASCII UID."""
    tag = _KEYWORD_TAGS.get(keyword)
    if tag is None:
        tag = _KEYWORD_TAGS[keyword] = Tag(keyword)
    raw = dataset.get_item(tag)
    if (
        isinstance(raw, RawDataElement)
        and pydicom_config.settings.reading_validation_mode != pydicom_config.RAISE
        and _standard_pydicom_conversion()
    ):
        converted = _convert_raw(dataset, raw, tag, default_encoding)
        if converted is not None and converted[0] == "UI" and len(converted[1]) == 1:
            return converted[1][0]
    return _text(dataset.get(keyword))


_KEYWORD_TAGS: dict[str, BaseTag] = {}


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


def _flatten(
    dataset: Dataset,
    record: FileRecord,
    rows: ElementRows,
    sequence_path: str,
    depth: int,
    tags: list | None = None,
) -> None:
    """Rows of every element of `dataset` and of its sequence items; with `tags`, of those
    top-level elements only, without their sequence items (which are never instance-level)."""
    top_level = depth == 0
    encoding = _UNKNOWN
    for tag in list(dataset.keys()) if tags is None else tags:
        tag_hex, keyword, skip = _tag_info(tag)
        if skip:
            continue
        raw = dataset._dict[tag]  # as read: get_item would load a deferred (huge) value
        vr = _vr_of(raw, tag)
        instance_level = top_level and tag in INSTANCE_LEVEL_TAGS

        if (
            isinstance(raw, RawDataElement)
            and raw.length != 0xFFFFFFFF
            and (raw.length or 0) > (MAX_BINARY_BYTES if vr in BINARY_VRS else MAX_ELEMENT_BYTES)
        ):
            # Bulk data or a huge value: record its presence, never read it.
            _add(rows, record, sequence_path, tag_hex, keyword, vr, 0, None, instance_level)
            continue
        converted = None
        if isinstance(raw, RawDataElement):
            if encoding is _UNKNOWN:
                encoding = _dataset_encoding(dataset)
            converted = _convert_raw(dataset, raw, tag, encoding)
        if converted is not None:
            vr, values = converted
        else:
            try:
                element = dataset[tag]
                vr = element.VR or vr
                values = _values(element.value, vr)
            except Exception:
                values = [_raw_text(raw)]

        if vr == "SQ" and isinstance(values, Sequence):
            _add(
                rows,
                record,
                sequence_path,
                tag_hex,
                keyword,
                vr,
                0,
                str(len(values)),
                instance_level,
            )
            if tags is not None or depth + 1 >= MAX_SEQUENCE_DEPTH:
                continue
            for item_index, item in enumerate(values[:MAX_SEQUENCE_ITEMS]):
                item_path = (
                    f"{sequence_path}/{tag_hex}[{item_index}]"
                    if sequence_path
                    else f"{tag_hex}[{item_index}]"
                )
                _flatten(item, record, rows, item_path, depth + 1)
            continue
        for value_index, value in enumerate(values[:MAX_VALUES_PER_ELEMENT]):
            _add(
                rows,
                record,
                sequence_path,
                tag_hex,
                keyword,
                vr,
                value_index,
                value,
                instance_level,
            )


_UNKNOWN = object()
_LUT_DESCRIPTOR_TAGS = frozenset(int(tag) for tag in LUT_DESCRIPTOR_TAGS)
# Per-tag look-ups, kept for the life of a worker; cleared when odd files bring too many tags.
_CACHE_LIMIT = 100_000
_TAG_INFO: dict[int, tuple[str, str | None, bool]] = {}


def _tag_info(tag) -> tuple[str, str | None, bool]:
    """(tag as 8 hex digits, keyword or None, never stored), looked up once per tag."""
    number = int(tag)
    info = _TAG_INFO.get(number)
    if info is None:
        if len(_TAG_INFO) > _CACHE_LIMIT:
            _TAG_INFO.clear()
        skip = number in NEVER_STORED_TAGS or number >> 16 == 0x0002 or number == 0x7FE00010
        info = _TAG_INFO[number] = (f"{number:08X}", keyword_for_tag(number) or None, skip)
    return info


def _dataset_encoding(dataset: Dataset):
    """The character sets pydicom decodes this data set's text with (as in Dataset.__getitem__),
    or None when they cannot be told or pydicom's conversion is customised (then every element
    takes pydicom's own path)."""
    if not _standard_pydicom_conversion():
        return None
    try:
        return dataset.original_character_set or dataset._character_set
    except Exception:
        return None


def _convert_raw(
    dataset: Dataset, raw: RawDataElement, tag, encoding
) -> tuple[str, list[str | None] | Sequence] | None:
    """(VR, value texts) exactly as from `dataset[tag]`, without building a DataElement and
    storing it back; None for the cases only `dataset[tag]` handles right (sequences, ambiguous
    or replaced VRs, LUT descriptors, custom pydicom hooks, failures)."""
    if (
        encoding is None
        or raw.value is None
        or raw.length == 0xFFFFFFFF
        or int(tag) in _LUT_DESCRIPTOR_TAGS
    ):
        return None
    vr = raw.VR
    if vr is None:  # implicit VR: as pydicom.hooks.raw_element_vr
        vr = _public_vr(tag)
        if vr is None:
            if not tag.is_private:
                return None  # group length or unknown public tag
            vr = _private_vr(dataset, tag)  # 'UN' stays 'UN' for a private tag
        elif vr == "UN":
            return None
    elif vr == "UN":
        return None  # explicit UN: pydicom may replace it with the dictionary VR
    if vr == "SQ" or vr in AMBIGUOUS_VR:
        return None
    if int(tag) == 0x00080005:
        encoding = default_encoding
    texts = _ascii_texts(raw.value, vr, encoding)
    if texts is not None:
        return vr, texts
    try:
        return vr, _values(convert_value(vr, raw, encoding), vr)
    except Exception:
        return None


# Text VRs whose values pydicom splits at backslashes, and those it keeps whole. Not PN: its
# text is PersonName's, which can differ from the value as written (e.g. a trailing '='); not IS:
# str(IS) can differ too ('.1' gives '0.1') and 'inf' fails outside pydicom's retry.
_SPLIT_TEXT_VRS = frozenset({"AE", "AS", "CS", "DA", "DS", "DT", "LO", "SH", "TM", "UC", "UI"})
_WHOLE_TEXT_VRS = frozenset({"LT", "ST", "UR", "UT"})
# Text VRs decoded with the data set's Specific Character Set (the others: default_encoding).
_CHARSET_VRS = frozenset({"LO", "LT", "PN", "SH", "ST", "UC", "UT"})
_DATE_TIME_VRS = frozenset({"DA", "DT", "TM"})
_ASCII = bytes(code for code in range(128) if code != 0x1B)
_ASCII_TRANSPARENT: dict[str, bool] = {}


def _ascii_texts(value: bytes, vr: str, encoding) -> list[str | None] | None:
    """The value texts of a text element in plain ASCII, as `_values(convert_value(...))` gives
    them: its backslash-separated values (or the whole text), each without NULs and surrounding
    blanks, None when empty. Whatever type pydicom makes of them (DSfloat, UID),
    its text is the value as written; a DS that is no number converts as SH, the same text.
    None (use pydicom) for anything else: other VRs, empty values, non-ASCII bytes, escape
    sequences, a character set that reads ASCII differently, pydicom set to make dates or numbers
    of DA/DT/TM/DS values."""
    if vr in _SPLIT_TEXT_VRS:
        split = True
    elif vr in _WHOLE_TEXT_VRS:
        split = False
    else:
        return None
    if not value or not value.isascii() or b"\x1b" in value:
        return None
    if vr in _CHARSET_VRS and not _ascii_transparent(encoding):
        return None
    if (vr in _DATE_TIME_VRS and pydicom_config.datetime_conversion) or (
        vr == "DS" and (pydicom_config.use_DS_numpy or pydicom_config.use_DS_decimal)
    ):
        return None
    text = value.decode("ascii")
    return [_plain_text(item) for item in (text.split("\\") if split else (text,))]


def _plain_text(text: str) -> str | None:
    return text.replace("\x00", "").strip()[:MAX_VALUE_CHARS] or None


def _ascii_transparent(encoding) -> bool:
    """True when pydicom decodes plain ASCII (no escape sequences) with `encoding` to the same
    text: it decodes such bytes with the first of the encodings, or with default_encoding when
    Python does not know that one."""
    encodings = encoding or [default_encoding]
    first = encodings if isinstance(encodings, str) else encodings[0]
    known = _ASCII_TRANSPARENT.get(first)
    if known is None:
        try:
            known = _ASCII.decode(first) == _ASCII.decode("ascii")
        except LookupError:
            known = _ASCII.decode(default_encoding) == _ASCII.decode("ascii")
        except (UnicodeError, TypeError):
            known = False
        _ASCII_TRANSPARENT[first] = known
    return known


_PUBLIC_VR: dict[int, str | None] = {}


def _public_vr(tag) -> str | None:
    number = int(tag)
    if number not in _PUBLIC_VR:
        if len(_PUBLIC_VR) > _CACHE_LIMIT:
            _PUBLIC_VR.clear()
        try:
            _PUBLIC_VR[number] = dictionary_VR(number)
        except KeyError:
            _PUBLIC_VR[number] = None
    return _PUBLIC_VR[number]


def _private_vr(dataset: Dataset, tag) -> str:
    """pydicom.hooks._private_vr_for_tag: the VR of a private tag from its private creator."""
    if tag.is_private_creator:
        return "LO"
    if tag.element & 0xFF00:
        private_creator = dataset.get(tag.group << 16 | (tag.element >> 8), "")
        if private_creator:
            try:
                return private_dictionary_VR(tag, private_creator.value)
            except KeyError:
                pass
    return "UN"


def _standard_pydicom_conversion() -> bool:
    """pydicom converts raw elements with its default hooks (nobody registered their own)."""
    hooks = pydicom.hooks.hooks
    return (
        hooks.raw_element_vr is pydicom.hooks.raw_element_vr
        and hooks.raw_element_value is pydicom.hooks.raw_element_value
        and not hooks.raw_element_kwargs
        and not pydicom_config.data_element_callback
    )


def _vr_of(raw: RawDataElement | DataElement, tag) -> str | None:
    vr = raw.VR
    if vr is None:
        vr = _public_vr(tag)
        if vr is None:
            vr = "UN"
    return str(vr)[:2] if vr else None


def _values(value: object, vr: str | None) -> list[str | None] | Sequence:
    """An element's value as text, one per value multiplicity (empty value: [None])."""
    if vr == "SQ":
        return value if isinstance(value, Sequence) else Sequence()
    if value is None or value == "" or value == b"":
        return [None]
    if vr in BINARY_VRS or isinstance(value, bytes | bytearray):
        data = bytes(value) if isinstance(value, bytes | bytearray) else b""
        return [data.hex().upper() if 0 < len(data) <= MAX_BINARY_BYTES else None]
    if isinstance(value, MultiValue | list | tuple):
        return [_value_text(item, vr) for item in value] or [None]
    return [_value_text(value, vr)]


def _value_text(value: Any, vr: str | None) -> str | None:  # Any: pydicom's value types
    if value is None:
        return None
    if vr == "AT":
        return f"{int(value):08X}"
    if type(value) is float:  # FL / FD; DSfloat and IS keep their original text through str()
        return repr(value)
    text = str(value).replace("\x00", "").strip()
    return text[:MAX_VALUE_CHARS] or None


def _raw_text(raw: RawDataElement | DataElement) -> str | None:
    """A value pydicom could not convert (e.g. a wrong VR): keep its bytes as Latin-1 text."""
    value = raw.value
    if isinstance(value, bytes | bytearray):
        return _value_text(bytes(value).decode("latin-1"), "UN")
    return _value_text(value, "UN")


def _add(
    rows, record, sequence_path, tag_hex, keyword, vr, value_index, value_text, instance_level
):
    rows.file_id.append(record.file_id)
    rows.study_instance_uid.append(record.study_instance_uid)
    rows.series_instance_uid.append(record.series_instance_uid)
    rows.sop_instance_uid.append(record.sop_instance_uid)
    rows.sequence_path.append(sequence_path)
    rows.tag.append(tag_hex)
    rows.keyword.append(keyword)
    rows.vr.append(vr)
    rows.value_index.append(value_index)
    rows.value_text.append(value_text)
    rows.instance_level.append(instance_level)


def quiet_pydicom() -> None:
    """Worker set-up: pydicom's warnings about odd files would flood the console and may quote values."""
    warnings.simplefilter("ignore")
    logging.getLogger("pydicom").setLevel(logging.CRITICAL)
