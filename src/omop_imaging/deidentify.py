"""--deidentify: DICOM PS3.15 Annex E, the Basic Application Level Confidentiality Profile, applied
to the file record and element rows the reader makes, inside the worker, before anything is stored.

Actions (data/basic_profile.csv, Table E.1-1 of the standard, see scripts/extract_basic_profile.py):
X (and X/Z, X/D, X/Z/D, X/Z/U*) removes the element, Z and D (and Z/D) keep it without a value
(a dummy value would carry no information for OMOP, so none is stored), U replaces a UID by a keyed
pseudonym. Private elements are removed, and so is everything nested in a removed or blanked
sequence. Beyond the table, every UID outside the DICOM root (1.2.840.10008) gets a pseudonym and
Patient ID gets one too, so the same patient stays the same person. Pseudonyms are HMAC-SHA256
under a secret key: stable across runs, not reversible without the key.

With `shift_dates` (the standard's "Retain Longitudinal Temporal Information with Modified Dates"
option), the attributes that option keeps are kept, their dates moved by a per-patient number of
days derived from the key and the Patient ID: intervals within a patient stay exact.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TextIO

from pydicom.dataset import Dataset

from .reader import ElementRows, FileRecord, read_files, rows_of_datasets
from .representative import is_representative, smallest_keys

KEY_ENVIRONMENT_VARIABLE = "OMOP_IMAGING_DEID_KEY"
MIN_KEY_BYTES = 16
DICOM_ROOT = "1.2.840.10008."  # UIDs the standard defines (SOP classes, transfer syntaxes, ...)
PATIENT_ID_TAG = "00100020"
# Dates move back by 1 to 365 days: whole days keep weekdays apart from a constant, and intervals.
MAX_SHIFT_DAYS = 365

REMOVE, BLANK, PSEUDONYM = "remove", "blank", "pseudonym"


class DeidKeyError(Exception):
    """No usable secret key: --deidentify refuses to start."""


def load_key(key_file: str | None = None, environ: Mapping[str, str] | None = None) -> bytes:
    """The secret key from `key_file` or else $OMOP_IMAGING_DEID_KEY; never from the checkout."""
    environ = os.environ if environ is None else environ
    if key_file:
        path = Path(key_file).expanduser().resolve()
        if _inside_checkout(path):
            raise DeidKeyError(
                f"--deid-key-file {key_file}: the key file lies inside the omop-imaging checkout; "
                "keep the secret outside the repository"
            )
        try:
            key = path.read_bytes().strip()
        except OSError as error:
            raise DeidKeyError(f"--deid-key-file {key_file}: {error.strerror}") from error
    else:
        key = environ.get(KEY_ENVIRONMENT_VARIABLE, "").strip().encode()
    if not key:
        raise DeidKeyError(
            f"--deidentify needs a secret key: set {KEY_ENVIRONMENT_VARIABLE} or pass "
            "--deid-key-file PATH (a file outside the repository)"
        )
    if len(key) < MIN_KEY_BYTES:
        raise DeidKeyError(f"the de-identification key is too short: use {MIN_KEY_BYTES}+ bytes")
    return key


def _inside_checkout(path: Path) -> bool:
    checkout = Path(__file__).resolve().parents[2]
    return (checkout / ".git").exists() and checkout in path.parents


@dataclass(frozen=True)
class Deidentifier:
    key: bytes
    shift_dates: bool = False

    # -- pseudonyms ---------------------------------------------------------------------------
    def _digest(self, domain: str, text: str) -> bytes:
        message = domain.encode() + b"\x00" + text.encode("utf-8", "surrogateescape")
        return hmac.new(self.key, message, hashlib.sha256).digest()

    def uid(self, uid: str) -> str:
        """A valid UID under 2.25 (UUID-derived root): 2.25.<128-bit integer>, at most 44 chars."""
        return "2.25." + str(int.from_bytes(self._digest("uid", uid)[:16], "big"))

    def patient_id(self, patient_id: str) -> str:
        return self._digest("patient", patient_id).hex()[:32]

    def shift_days(self, patient_id: str) -> int:
        return -(
            int.from_bytes(self._digest("date-shift", patient_id)[:4], "big") % MAX_SHIFT_DAYS + 1
        )

    def _any_uid(self, value: str | None) -> str | None:
        if value is None or value.startswith(DICOM_ROOT):
            return value
        return self.uid(value)

    # -- records and rows ---------------------------------------------------------------------
    def apply(self, record: FileRecord, rows: ElementRows) -> tuple[FileRecord, ElementRows]:
        """The record with pseudonymous UIDs and the rows the profile lets through."""
        for name in ("study_instance_uid", "series_instance_uid", "sop_instance_uid"):
            setattr(record, name, self._any_uid(getattr(record, name)))
        record.sop_class_uid = self._any_uid(record.sop_class_uid)
        record.transfer_syntax_uid = self._any_uid(record.transfer_syntax_uid)
        if not len(rows):
            return record, rows
        patient = next(
            (
                value or ""
                for tag, path, value in zip(
                    rows.tag, rows.sequence_path, rows.value_text, strict=True
                )
                if tag == PATIENT_ID_TAG and not path
            ),
            "",
        )
        shift = self.shift_days(patient) if self.shift_dates else 0
        kept = ElementRows()
        for index in range(len(rows)):
            value = self._value(rows, index, patient, shift)
            if value is _DROP:
                continue
            kept.file_id.append(record.file_id)
            kept.study_instance_uid.append(record.study_instance_uid)
            kept.series_instance_uid.append(record.series_instance_uid)
            kept.sop_instance_uid.append(record.sop_instance_uid)
            kept.sequence_path.append(rows.sequence_path[index])
            kept.tag.append(rows.tag[index])
            kept.keyword.append(rows.keyword[index])
            kept.vr.append(rows.vr[index])
            kept.value_index.append(rows.value_index[index])
            kept.value_text.append(value)
            kept.instance_level.append(rows.instance_level[index])
        return record, kept

    def _value(self, rows: ElementRows, index: int, patient: str, shift: int):
        """The value to store for row `index`, or _DROP."""
        tag, vr, value = rows.tag[index], rows.vr[index], rows.value_text[index]
        if _path_hidden(rows.sequence_path[index]) or _is_private(tag):
            return _DROP
        if tag == PATIENT_ID_TAG:
            return self.patient_id(value) if value is not None else None
        action, keeps_modified_dates = _action(tag)
        if self.shift_dates and keeps_modified_dates:
            return _shift(value, vr, shift)
        if action == REMOVE:
            return _DROP
        if action == BLANK:
            return None
        if action == PSEUDONYM or vr == "UI":
            return self._any_uid(value)
        return value


_DROP = object()


def pseudonymize_csv(
    deidentifier: Deidentifier,
    source: TextIO,
    target: TextIO,
    column: str = "patient_id",
    issuer_column: str = "issuer_of_patient_id",
) -> None:
    """Copy a CSV (e.g. a linkage crosswalk) with `column` replaced by the pseudonym the harvest
    stores for that Patient ID and `issuer_column` emptied (the Basic Profile removes Issuer of
    Patient ID); ValueError, before anything is written, when the CSV has no `column`."""
    reader = csv.DictReader(source)
    fieldnames = reader.fieldnames or []
    if column not in fieldnames:
        raise ValueError(f"no column {column!r} in the CSV")
    writer = csv.DictWriter(target, fieldnames=fieldnames, lineterminator="\n")
    writer.writeheader()
    for row in reader:
        value = (row[column] or "").strip()
        row[column] = deidentifier.patient_id(value) if value else value
        if issuer_column in row:
            row[issuer_column] = ""
        writer.writerow(row)


def read_files_deidentified(
    paths: list[str], full_headers: bool, deidentifier: Deidentifier
) -> list[tuple[FileRecord, ElementRows]]:
    """read_files, de-identified (one worker task)."""
    return _deidentified(read_files(paths, True), full_headers, deidentifier)


def rows_of_datasets_deidentified(
    parsed: list[tuple[FileRecord, Dataset | None]], full_headers: bool, deidentifier: Deidentifier
) -> list[tuple[FileRecord, ElementRows]]:
    """rows_of_datasets, de-identified (headers read from DICOMweb or DIMSE)."""
    return _deidentified(rows_of_datasets(parsed, True), full_headers, deidentifier)


def _deidentified(
    results: list[tuple[FileRecord, ElementRows]], full_headers: bool, deidentifier: Deidentifier
) -> list[tuple[FileRecord, ElementRows]]:
    """Every header is read whole, since a date shift needs the Patient ID; then, unless
    `full_headers`, only the record with the smallest pseudonymous (SOP Instance UID, path) of
    each series keeps more than its instance-level rows, the rule the harvest applies to the
    UIDs it is given."""
    results = [deidentifier.apply(record, rows) for record, rows in results]
    if full_headers:
        return results
    smallest = smallest_keys(record for record, _rows in results if record.status == "harvested")
    trimmed = []
    for record, rows in results:
        if record.status == "harvested" and not is_representative(record, smallest):
            rows = _instance_level_rows(rows)
        trimmed.append((record, rows))
    return trimmed


def _instance_level_rows(rows: ElementRows) -> ElementRows:
    selected = ElementRows()
    for name, values in vars(rows).items():
        getattr(selected, name).extend(
            value for value, keep in zip(values, rows.instance_level, strict=True) if keep
        )
    return selected


# -- the profile table -------------------------------------------------------------------------
_ACTIONS = {
    "X": REMOVE,
    "X/Z": REMOVE,
    "X/D": REMOVE,
    "X/Z/D": REMOVE,
    "X/Z/U*": REMOVE,
    "Z": BLANK,
    "D": BLANK,
    "Z/D": BLANK,
    "U": PSEUDONYM,
}


@cache
def basic_profile() -> dict[str, tuple[str, bool]]:
    """Tag (8 hex digits, 'X' for a repeating-group digit) -> (action, kept by the modified-dates
    option)."""
    text = resources.files("omop_imaging").joinpath("data/basic_profile.csv").read_text()
    return {
        row["tag"]: (_ACTIONS[row["basic_profile"]], row["retain_modified_dates"] == "C")
        for row in csv.DictReader(text.splitlines())
    }


_NOT_LISTED = ("", False)


def _action(tag: str) -> tuple[str, bool]:
    table = basic_profile()
    found = table.get(tag)
    if found is not None:
        return found
    group = tag[:2]
    if group == "50":  # Curve Data (50xx,xxxx): retired repeating groups
        return table["50XXXXXX"]
    if group == "60":  # Overlay Data / Comments (60xx,3000 / 4000)
        return table.get(f"60XX{tag[4:]}", _NOT_LISTED)
    return _NOT_LISTED


def _is_private(tag: str) -> bool:
    return int(tag[3], 16) % 2 == 1


@cache
def _path_hidden(sequence_path: str) -> bool:
    """True when a sequence the row sits in is private, removed or blanked."""
    if not sequence_path:
        return False
    for step in sequence_path.split("/"):
        tag = step[:8]
        if _is_private(tag) or _action(tag)[0] in (REMOVE, BLANK):
            return True
    return False


def _shift(value: str | None, vr: str | None, days: int) -> str | None:
    """A DA or DT value moved by `days`; TM and other values as they are; an unreadable date
    is not stored (it cannot be shifted, and may hold anything)."""
    if value is None or vr not in ("DA", "DT"):
        return value
    try:
        day = datetime.datetime.strptime(value[:8], "%Y%m%d").date()
    except ValueError:
        return None
    if vr == "DA" and len(value) != 8:
        return None
    return (day + datetime.timedelta(days=days)).strftime("%Y%m%d") + value[8:]
