"""Helpers that derive test inputs from real DICOM files (never from scratch)."""

from __future__ import annotations

import os
from pathlib import Path

import pydicom
from pydicom.dataelem import RawDataElement
from pydicom.tag import Tag


def write_with_raw_values(source: Path, target: Path, **raw_values: str) -> Path:
    """Copy a real file, replacing elements by keyword with raw text that may be invalid for
    their VR (e.g. StudyDate='20231301', SliceThickness='abc')."""
    dataset = pydicom.dcmread(source)
    for keyword, text in raw_values.items():
        tag = Tag(pydicom.datadict.tag_for_keyword(keyword))
        vr = pydicom.datadict.dictionary_VR(tag)
        data = text.encode("latin-1")
        if len(data) % 2:
            data += b" "
        dataset._dict[tag] = RawDataElement(tag, vr, len(data), data, 0, False, True)
    dataset.save_as(target)
    return target


def bump_mtime(path: Path) -> None:
    """Make a rewritten file look changed even within the file system's time resolution."""
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def count_files(folders: list[str]) -> int:
    return sum(len(files) for folder in folders for _root, _dirs, files in os.walk(folder))


# MR timing cases for seed 000's T1-weighted volumetric rule, each its own series derived from
# pydicom's real MR_small.dcm: (TR, TE, TI) in ms and whether the rule selects it.
T1_RULE_CASES = {
    "1.2.826.0.1.3680043.8.498.301": ("2300", "2.98", "900", True),  # MPRAGE-like
    "1.2.826.0.1.3680043.8.498.302": ("8.1", "3.7", "450", True),  # fast T1 gradient echo
    "1.2.826.0.1.3680043.8.498.303": ("2300", "10", "900", False),  # TE exactly 10 ms: excluded
    "1.2.826.0.1.3680043.8.498.304": ("2500.01", "3", "900", False),  # TR just over 2500 ms
    "1.2.826.0.1.3680043.8.498.305": ("4000", "90", "", False),  # T2-weighted, no TI
}


def write_t1_rule_cases(source: Path, folder: Path) -> set[str]:
    """One single-file MR series per case; returns the series UIDs the rule must select."""
    folder.mkdir(parents=True, exist_ok=True)
    for series_uid, (tr, te, ti, _selected) in T1_RULE_CASES.items():
        write_with_raw_values(
            source,
            folder / f"{series_uid}.dcm",
            SeriesInstanceUID=series_uid,
            SOPInstanceUID=series_uid + ".1",
            RepetitionTime=tr,
            EchoTime=te,
            InversionTime=ti,
        )
    return {series_uid for series_uid, case in T1_RULE_CASES.items() if case[3]}


# Linkage edge cases derived from pydicom's real CT_small.dcm. Patient 77654033 is the demo
# patient with an emergency-room visit for a cerebral hemorrhage on 1995-09-03 (scripts/
# generate_demo_clinical.py) followed by an inpatient stay to 1995-09-08.
DAY_AFTER_ER_SERIES = "1.2.826.0.1.3680043.8.498.401"
UNKNOWN_PATIENT_SERIES = "1.2.826.0.1.3680043.8.498.402"
UNKNOWN_PATIENT_ID = "NOT-IN-THE-CLINICAL-DATA"


def write_linkage_cases(source: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    common = {
        "BodyPartExamined": "HEAD",
        "ContrastBolusAgent": "",
        "SeriesDate": "",
        "StudyDescription": "CT HEAD",
    }
    write_with_raw_values(
        source,
        folder / "day_after_er.dcm",
        PatientID="77654033",
        StudyDate="19950904",
        StudyInstanceUID=DAY_AFTER_ER_SERIES + ".0",
        SeriesInstanceUID=DAY_AFTER_ER_SERIES,
        SOPInstanceUID=DAY_AFTER_ER_SERIES + ".1",
        **common,
    )
    write_with_raw_values(
        source,
        folder / "unknown_patient.dcm",
        PatientID=UNKNOWN_PATIENT_ID,
        StudyDate="19950903",
        StudyInstanceUID=UNKNOWN_PATIENT_SERIES + ".0",
        SeriesInstanceUID=UNKNOWN_PATIENT_SERIES,
        SOPInstanceUID=UNKNOWN_PATIENT_SERIES + ".1",
        **common,
    )


# Canary values for the privacy tests: each is distinctive enough that finding it anywhere (a
# table cell cast to text, a log line) means it leaked. Text canaries carry their tag, so a leak
# names the attribute; values of other VRs are one per VR.
CANARY_UID_ROOT = "1.2.826.0.1.3680043.8.498.7777"
CANARY_PATTERNS = {
    "DA": ["18880808", "1888-08-08"],
    "DT": ["18880808131313", "1888-08-08"],
    "TM": ["131313", "13:13:13"],
    "DS": ["8888.8888"],
    "IS": ["88888888"],
}
_CANARY_VALUES = {
    "DA": "18880808",
    "DT": "18880808131313",
    "TM": "131313.1313",
    "DS": "8888.8888",
    "IS": "88888888",
    "AS": "088Y",
}
_TEXT_VRS = {"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"}


def text_canary(tag: int) -> str:
    return f"CNRY{tag:08X}Q"[:16]


def write_with_canaries(
    source: Path, target: Path, tags: list[int], patient_id: str, file_number: int = 1
) -> list[str]:
    """Copy a real file with a canary in each of `tags` (a sequence gets one item holding text
    canaries) and in a private block; returns the text canaries and the UID canaries written
    (the UIDs end in `file_number`, so that files keep apart).
    Tags pydicom does not know yet are written as LO; group 0000 (command) and 0002 (file meta)
    are left alone."""
    dataset = pydicom.dcmread(source)
    canaries = []
    for tag in tags:
        if tag >> 16 in (0x0000, 0x0002):
            continue
        try:
            vr = pydicom.datadict.dictionary_VR(tag)
        except KeyError:
            vr = "LO"
        vr = vr.split(" or ")[0]
        text = text_canary(tag)
        if vr == "SQ":
            item = pydicom.Dataset()
            item.CodeValue = text
            item.CodeMeaning = text
            dataset.add_new(tag, vr, pydicom.Sequence([item]))
        elif vr == "UI":
            value = f"{CANARY_UID_ROOT}.{tag}.{file_number}"
            dataset.add_new(tag, vr, value)
            canaries.append(value)
            continue
        elif vr in _TEXT_VRS:
            dataset.add_new(tag, vr, text)
        elif vr in _CANARY_VALUES:
            dataset.add_new(tag, vr, _CANARY_VALUES[vr])
            continue
        elif vr in ("OB", "OW", "UN"):
            dataset.add_new(tag, vr, text.encode().ljust(16, b" "))
        else:  # binary numbers (US, SS, ...): no room for a canary
            continue
        canaries.append(text)
    dataset.PatientID = patient_id
    canaries.append(patient_id)
    block = dataset.private_block(0x0099, "CANARY CREATOR", create=True)
    block.add_new(0x01, "LO", "CNRYPRIVATE01Q")
    item = pydicom.Dataset()
    item.PatientComments = "CNRYPRIVATE02Q"
    block.add_new(0x02, "SQ", pydicom.Sequence([item]))
    canaries += ["CNRYPRIVATE01Q", "CNRYPRIVATE02Q"]
    dataset.save_as(target)
    return canaries
