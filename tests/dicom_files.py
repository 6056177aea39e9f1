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
