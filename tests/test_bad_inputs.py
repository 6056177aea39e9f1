"""A corpus of bad inputs derived from real files: each file is harvested or rejected with a
specific reason, harvested + rejected = seen, one bad file never stops the run, and no reason
quotes a header value."""

from __future__ import annotations

import copy
import gzip
import io
import os
import random
import shutil
import tracemalloc
from pathlib import Path

import duckdb
import pydicom
import pytest
from build_helpers import omop_imaging
from dicom_files import write_with_raw_values
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from omop_imaging.harvest import HarvestOptions, harvest
from omop_imaging.header_policy import (
    MAX_SEQUENCE_DEPTH,
    MAX_SEQUENCE_ITEMS,
    MAX_VALUES_PER_ELEMENT,
)
from omop_imaging.reader import read_file
from omop_imaging.store import open_store

UID = "1.2.826.0.1.3680043.8.498.66"


def _with(source: Path, target: Path, change) -> None:
    dataset = pydicom.dcmread(source)
    change(dataset)
    dataset.save_as(target)


def _set_length(data: bytes, element: bytes, length: bytes) -> bytes:
    """`data` with the 2-byte length of the explicit-VR element starting with `element` replaced."""
    at = data.index(element)
    return data[: at + 6] + length + data[at + 8 :]


def _deep(dataset: Dataset, levels: int) -> None:
    item = Dataset()
    item.CodeValue = "DEEPEST"
    for _ in range(levels):
        outer = Dataset()
        outer.ReferencedImageSequence = Sequence([item])
        item = outer
    dataset.ReferencedImageSequence = item.ReferencedImageSequence


def _huge_private(dataset: Dataset) -> None:
    block = dataset.private_block(0x0099, "BAD INPUT TEST", create=True)
    block.add_new(0x01, "OB", bytes(range(256)) * (32 * 1024))  # 8 MiB


# name -> (expected status or reject category, how the file is made from the real ones)
def build_corpus(real: Path, folder: Path) -> dict[str, str]:
    folder.mkdir()
    ct = (real / "CT_small.dcm").read_bytes()
    pixel_data = ct.index(b"\xe0\x7f\x10\x00")
    expected = {}

    def bytes_file(name, data, outcome):
        (folder / name).write_bytes(data)
        expected[name] = outcome

    bytes_file("truncated_in_header.dcm", ct[:700], "truncated")
    bytes_file("truncated_in_value.dcm", ct[: pixel_data // 2], "truncated")
    bytes_file("truncated_in_file_meta.dcm", ct[:200], "truncated")
    bytes_file("truncated_in_preamble.dcm", ct[:100], "not_dicom")
    bytes_file("truncated_in_pixel_data.dcm", ct[: pixel_data + 500], "harvested")
    bytes_file("random_bytes.dcm", random.Random(8).randbytes(4096), "not_dicom")
    bytes_file("random_after_dicm.dcm", ct[:132] + random.Random(9).randbytes(4096), "truncated")
    bytes_file("empty.dcm", b"", "empty")
    # Rows (0028,0010) said to be 32 KiB long: the parser walks into the pixel data.
    bytes_file("wrong_length.dcm", _set_length(ct, b"\x28\x00\x10\x00US", b"\xff\x7f"), "truncated")
    # The file meta says Implicit VR while the data set is Explicit VR: pydicom copes.
    bytes_file(
        "wrong_transfer_syntax.dcm",
        ct.replace(b"1.2.840.10008.1.2.1\x00", b"1.2.840.10008.1.2\x00\x00\x00", 1),
        "harvested",
    )
    shutil.copy(real / "README.txt", folder / "not_dicom.txt")
    expected["not_dicom.txt"] = "not_dicom"
    shutil.copy(real / "crayons.icc", folder / "colour_profile.dcm")
    expected["colour_profile.dcm"] = "not_dicom"
    shutil.copy(real / "no_meta.dcm", folder / "no_file_meta_no_uid.dcm")
    expected["no_file_meta_no_uid.dcm"] = "not_dicom"
    shutil.copy(real / "ExplVR_LitEndNoMeta.dcm", folder / "no_file_meta.dcm")
    expected["no_file_meta.dcm"] = "harvested"
    _with(
        real / "CT_small.dcm", folder / "missing_uid.dcm", lambda d: delattr(d, "SeriesInstanceUID")
    )
    expected["missing_uid.dcm"] = "missing_uid"

    # Harvested, garbage values kept as text (the build types them to NULL and counts them).
    write_with_raw_values(
        real / "CT_small.dcm",
        folder / "invalid_values.dcm",
        SOPInstanceUID=f"{UID}.1",
        StudyDate="20231301",
        StudyTime="256199",
        SliceThickness="abc",
        InstanceNumber="twelve",
        AcquisitionDateTime="2023-01-01T10:00",
    )
    expected["invalid_values.dcm"] = "harvested"

    def wrong_vr(dataset):  # Rows (US) written as a DS string
        dataset.SOPInstanceUID = f"{UID}.2"
        dataset.add_new(0x00280010, "DS", "12.5")

    _with(real / "CT_small.dcm", folder / "wrong_vr.dcm", wrong_vr)
    expected["wrong_vr.dcm"] = "harvested"

    def huge(dataset):
        dataset.SOPInstanceUID = dataset.SeriesInstanceUID = f"{UID}.3"  # its own series
        _huge_private(dataset)

    _with(real / "CT_small.dcm", folder / "huge_private_blob.dcm", huge)
    expected["huge_private_blob.dcm"] = "harvested"

    def deep(dataset):
        dataset.SOPInstanceUID = dataset.SeriesInstanceUID = f"{UID}.4"  # its own series
        _deep(dataset, 60)

    _with(real / "CT_small.dcm", folder / "deeply_nested.dcm", deep)
    expected["deeply_nested.dcm"] = "harvested"

    # The same SOP Instance UID in two different files; one series UID for two patients.
    shutil.copy(real / "MR_small.dcm", folder / "same_sop_a.dcm")
    write_with_raw_values(
        real / "MR_small.dcm", folder / "same_sop_b.dcm", ImageComments="another file"
    )
    expected["same_sop_a.dcm"] = expected["same_sop_b.dcm"] = "harvested"
    for letter, patient in (("a", "PATIENT-A"), ("b", "PATIENT-B")):
        write_with_raw_values(
            real / "CT_small.dcm",
            folder / f"shared_series_{letter}.dcm",
            PatientID=patient,
            SeriesInstanceUID=f"{UID}.50",
            SOPInstanceUID=f"{UID}.5{letter == 'b' and 2 or 1}",
        )
        expected[f"shared_series_{letter}.dcm"] = "harvested"

    # What a walk can meet besides files: none may hang it or stop it.
    os.mkfifo(folder / "named_pipe.dcm")
    expected["named_pipe.dcm"] = "unreadable"
    os.symlink(folder / "nowhere.dcm", folder / "dangling_link.dcm")
    expected["dangling_link.dcm"] = "unreadable"
    os.symlink(folder / "loop_b.dcm", folder / "loop_a.dcm")
    os.symlink(folder / "loop_a.dcm", folder / "loop_b.dcm")
    expected["loop_a.dcm"] = expected["loop_b.dcm"] = "unreadable"
    os.symlink(folder, folder / "link_to_parent")  # a directory loop: not followed
    expected["link_to_parent"] = "unreadable"
    return expected


def header_values(real: Path) -> set[str]:
    """Text values of the source headers that a careless message could quote."""
    values = set()
    for name in ("CT_small.dcm", "MR_small.dcm"):
        for element in pydicom.dcmread(real / name, stop_before_pixels=True):
            if element.VR in ("PN", "LO", "SH", "DA", "TM", "UI", "LT", "ST"):
                text = str(element.value)
                if len(text) >= 6:
                    values.add(text)
    return values


@pytest.fixture
def corpus(pydicom_test_files, tmp_path):
    folder = tmp_path / "bad"
    return folder, build_corpus(pydicom_test_files, folder)


def test_every_bad_input_is_harvested_or_rejected_with_its_reason(
    corpus, pydicom_test_files, duckdb_file
):
    folder, expected = corpus
    store = open_store("duckdb", duckdb_file)
    try:
        summary = harvest([str(folder)], store, HarvestOptions(progress=False, workers=2))
    finally:
        store.close()

    assert summary.files_seen == len(expected) == len(os.listdir(folder))
    assert summary.harvested + summary.rejected == summary.files_seen
    with duckdb.connect(duckdb_file, read_only=True) as connection:
        stored = connection.execute(
            "select file_path, status, reject_category, reject_reason from dicom_raw.harvested_file"
        ).fetchall()
        deepest = connection.execute(
            "select max(length(sequence_path) - length(replace(sequence_path, '/', ''))) "
            "from dicom_raw.header_element"
        ).fetchone()[0]
        blob = connection.execute(
            "select vr, value_text from dicom_raw.header_element where tag = '00991001'"
        ).fetchall()
    outcome = {
        os.path.basename(path): category or status for path, status, category, _reason in stored
    }
    assert outcome == expected
    reasons = [reason for *_rest, reason in stored if reason]
    assert len(reasons) == summary.rejected
    leaked = {value for value in header_values(pydicom_test_files) for r in reasons if value in r}
    assert leaked == set()

    assert deepest == MAX_SEQUENCE_DEPTH - 2  # 60 levels written, 8 walked: 7 steps in a path
    assert blob == [("OB", None)]  # the 8 MiB blob: recorded as present, never read


@pytest.mark.slow
def test_the_build_types_garbage_to_null_and_counts_it(corpus, duckdb_file):
    folder, _expected = corpus
    omop_imaging("harvest", str(folder), "--db", duckdb_file, "--no-progress")
    # The corpus is mostly garbage on purpose: the parse-share threshold would (rightly) fail the
    # build, which test_a_dirty_archive_fails_the_parse_threshold checks; here the typing is tested.
    omop_imaging("build", "--db", duckdb_file, "--set", "min_numeric_parse_share=0.5")
    with duckdb.connect(duckdb_file, read_only=True) as connection:
        typed = connection.execute(
            "select e.keyword, e.value_text, e.is_unparsable from imaging_staging.stg_dicom__elements e "
            f"where e.sop_instance_uid = '{UID}.1' and e.keyword in "
            "('StudyDate', 'StudyTime', 'SliceThickness', 'InstanceNumber', 'AcquisitionDateTime', "
            "'Rows') order by 1"
        ).fetchall()
    assert typed == [
        ("AcquisitionDateTime", "2023-01-01T10:00", True),
        ("InstanceNumber", "twelve", True),
        ("Rows", "128", False),
        ("SliceThickness", "abc", True),
        ("StudyDate", "20231301", True),
        ("StudyTime", "256199", True),
    ]
    report = omop_imaging("report", "--db", duckdb_file, "--section", "unparsable").stdout
    assert "StudyDate" in report and "DA" in report


# -- bounded memory and staging ---------------------------------------------------------------
def multi_frame_file(target: Path, frames: int) -> Path:
    """nibabel's real Philips enhanced multi-frame MPRAGE (176 frames) with its per-frame
    functional groups repeated to `frames` items."""
    import nibabel

    packed = Path(nibabel.__file__).parent / "nicom" / "tests" / "data" / "philips_mprage.dcm.gz"
    dataset = pydicom.dcmread(io.BytesIO(gzip.decompress(packed.read_bytes())))
    items = dataset.PerFrameFunctionalGroupsSequence
    dataset.PerFrameFunctionalGroupsSequence = Sequence(
        [copy.deepcopy(items[index % len(items)]) for index in range(frames)]
    )
    dataset.NumberOfFrames = frames
    dataset.save_as(target)
    return target


def test_staging_does_not_grow_with_the_frames_of_a_multi_frame_file(tmp_path):
    rows = {}
    for frames in (176, 1500):
        record, element_rows = read_file(str(multi_frame_file(tmp_path / f"{frames}.dcm", frames)))
        assert record.status == "harvested"
        rows[frames] = len(element_rows)
        per_frame = {
            path.split("/")[0]
            for path in element_rows.sequence_path
            if path.startswith("52009230[")
        }
        assert len(per_frame) == MAX_SEQUENCE_ITEMS  # the first items describe the frames
    assert rows[176] == rows[1500] > 1000


def test_huge_values_are_neither_read_nor_stored(pydicom_test_files, tmp_path):
    dataset = pydicom.dcmread(pydicom_test_files / "rtstruct.dcm", force=True)
    contour = dataset.ROIContourSequence[0].ContourSequence[0]
    contour.ContourData = [float(index % 500) for index in range(30_000)]
    contour.NumberOfContourPoints = 10_000
    block = dataset.private_block(0x0099, "HUGE VALUES TEST", create=True)
    block.add_new(0x01, "OB", bytes(64 << 20))  # 64 MiB of bulk data
    block.add_new(0x02, "UT", "x" * (4 << 20))  # 4 MiB of text
    path = tmp_path / "huge.dcm"
    dataset.save_as(path)

    tracemalloc.start()
    try:
        record, rows = read_file(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert record.status == "harvested"
    assert peak < 16 << 20  # the 68 MiB of values stayed on disk
    by_element = {}
    for tag, path, value in zip(rows.tag, rows.sequence_path, rows.value_text, strict=True):
        by_element.setdefault((tag, path), []).append(value)
    contour_data = by_element[("30060050", "30060039[0]/30060040[0]")]
    assert contour_data == [str(float(index % 500)) for index in range(MAX_VALUES_PER_ELEMENT)]
    assert by_element[("00991001", "")] == [None]  # present, not read
    assert by_element[("00991002", "")] == [None]


@pytest.mark.slow
def test_a_dirty_archive_fails_the_parse_threshold(corpus, duckdb_file):
    folder, _expected = corpus
    omop_imaging("harvest", str(folder), "--db", duckdb_file, "--no-progress")
    completed = omop_imaging("build", "--db", duckdb_file, check=False)
    assert completed.returncode != 0
    assert "coverage_at_least_int_dicom__header_value_concepts_value_number" in completed.stdout
