"""The reader's shortcut past Dataset.__getitem__ gives exactly what pydicom's own path gives.

reader._convert_raw converts raw elements without building DataElements (and, for plain-ASCII
text, without pydicom's converters); whenever it answers, its VR and value texts must equal those
of the general path, `dataset[tag]` then `_values` (or `_raw_text` when pydicom fails).
"""

from __future__ import annotations

import random
import warnings
from pathlib import Path

import pydicom
import pydicom.data
import pydicom.errors
import pytest
from pydicom.datadict import DicomDictionary
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import Tag

from omop_imaging import reader

TEXT_VRS = ["AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "PN", "SH", "TM", "UC", "UI"]
TEXT_VRS += ["LT", "ST", "UR", "UT"]
NUMBER_VRS = ["US", "SS", "UL", "SL", "FL", "FD"]
CHARACTER_SETS = [
    None,
    "ISO_IR 100",
    "ISO_IR 192",
    "ISO_IR 13",
    "ISO_IR 144",
    "GB18030",
    "ISO 2022 IR 87",
    "ISO 2022 IR 6\\ISO 2022 IR 87",
    "NO SUCH CHARSET",
]
PIECES = list("0123456789.+-eE ") + ["\\"] * 4 + ["\x00", "\t", "\r", "^", "=", "a", "Z", ":"]
PIECES += ["inf", "nan", "1e400", "-0", "0x1", "1_0", "  ", "\u0663", "\xe9"]


def _general_path(dataset: Dataset, tag) -> tuple[str, list]:
    """What _flatten does for an element the shortcut declines."""
    raw = dataset.get_item(tag)
    vr = reader._vr_of(raw, tag)
    try:
        element = dataset[tag]
        vr = element.VR or vr
        return vr, reader._values(element.value, vr)
    except Exception:
        return vr, [reader._raw_text(raw)]


def _dataset(elements, implicit: bool, character_set: str | None) -> Dataset:
    raws = {}
    if character_set is not None:
        value = character_set.encode()
        tag = Tag(0x00080005)
        raws[tag] = RawDataElement(
            tag, None if implicit else "CS", len(value), value, 0, implicit, True
        )
    for number, vr, value in elements:
        tag = Tag(number)
        raws[tag] = RawDataElement(
            tag, None if implicit else vr, len(value), value, 0, implicit, True
        )
    dataset = Dataset(raws)
    dataset.set_original_encoding(implicit, True, None)
    return dataset


def _compare(make_dataset, *args, **kwargs) -> int:
    """Convert every element of two identical data sets (`make_dataset(*args, **kwargs)`), one
    each way; return how many elements the shortcut answered."""
    fast, general = make_dataset(*args, **kwargs), make_dataset(*args, **kwargs)
    encoding = reader._dataset_encoding(fast)
    answered = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for tag in list(fast.keys()):
            raw = fast.get_item(tag)
            if not isinstance(raw, RawDataElement):
                continue
            converted = reader._convert_raw(fast, raw, tag, encoding)
            expected = _general_path(general, tag)
            if converted is not None:
                answered += 1
                assert converted == expected, (f"{int(tag):08X}", raw.VR, raw.value)
    return answered


def _random_value(rng: random.Random, vr: str) -> bytes:
    if vr in NUMBER_VRS:
        return bytes(rng.randrange(256) for _ in range(rng.choice([2, 4, 8, 12, 16, 3])))
    text = "".join(rng.choice(PIECES) for _ in range(rng.choice([1, 2, 3, 5, 8, 13, 40])))
    return text.encode("utf-8")


def test_shortcut_matches_pydicom_on_random_values():
    rng = random.Random(20261123)
    tags_by_vr: dict[str, list[int]] = {}
    for number, entry in DicomDictionary.items():
        if number >> 16 != 0x0002 and number != 0x00080005:
            tags_by_vr.setdefault(entry[0], []).append(number)
    answered = 0
    for _case in range(600):
        elements = {}
        for _ in range(rng.randint(1, 10)):
            vr = rng.choice(TEXT_VRS + NUMBER_VRS)
            number = rng.choice(tags_by_vr[vr])
            elements[number] = (number, vr, _random_value(rng, vr))
        implicit = rng.random() < 0.5
        character_set = rng.choice(CHARACTER_SETS)
        answered += _compare(_dataset, list(elements.values()), implicit, character_set)
    assert answered > 1000  # the shortcut is exercised, not just declined


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "*.dcm"])
def test_shortcut_matches_pydicom_on_real_files(pydicom_test_files, name):
    paths = sorted(pydicom_test_files.glob(name))[:40]
    assert paths
    answered = 0
    for path in paths:
        try:
            answered += _compare(pydicom.dcmread, path, stop_before_pixels=True)
        except pydicom.errors.InvalidDicomError:
            continue
    assert answered > 0


def test_shortcut_matches_pydicom_on_character_sets():
    """pydicom's files in Japanese, Korean, Chinese, Arabic, Hebrew, Greek, Russian... encodings."""
    folder = Path(pydicom.data.__file__).parent / "charset_files"
    paths = sorted(folder.glob("chr*.dcm"))
    assert len(paths) > 10
    for path in paths:
        assert _compare(pydicom.dcmread, path, stop_before_pixels=True) > 0
