"""Reading one real DICOM file: recognition, element rows, rejection reasons, privacy."""

from __future__ import annotations

import shutil

import pydicom
import pytest

from omop_imaging.reader import read_file


def rows_by_tag(rows) -> dict[str, list[tuple[int, str | None, str]]]:
    found: dict[str, list] = {}
    for tag, index, value, path in zip(
        rows.tag, rows.value_index, rows.value_text, rows.sequence_path, strict=True
    ):
        found.setdefault(tag, []).append((index, value, path))
    return found


def test_header_rows_match_pydicom(pydicom_test_files):
    path = pydicom_test_files / "CT_small.dcm"
    expected = pydicom.dcmread(path)
    record, rows = read_file(str(path))

    assert record.status == "harvested"
    assert record.has_preamble is True
    assert record.sop_instance_uid == expected.SOPInstanceUID
    assert record.series_instance_uid == expected.SeriesInstanceUID
    assert record.study_instance_uid == expected.StudyInstanceUID
    by_tag = rows_by_tag(rows)
    assert by_tag["00180050"] == [(0, str(expected.SliceThickness), "")]
    # Multi-valued: one row per value, in order.
    assert [value for _index, value, _path in by_tag["00200032"]] == [
        str(component) for component in expected.ImagePositionPatient
    ]
    assert [index for index, _value, _path in by_tag["00200032"]] == [0, 1, 2]
    # element_count: the top-level data elements of the header (no file meta, no pixel data).
    assert record.element_count == len(pydicom.dcmread(path, stop_before_pixels=True))
    top_level = {tag for tag, path in zip(rows.tag, rows.sequence_path, strict=True) if not path}
    assert len(top_level) < record.element_count  # less the attributes never stored


def test_pixel_data_is_never_read(pydicom_test_files):
    # MR_truncated.dcm is cut inside its pixel data: a header-only read still succeeds.
    record, rows = read_file(str(pydicom_test_files / "MR_truncated.dcm"))
    assert record.status == "harvested"
    assert "7FE00010" not in rows.tag


def test_file_without_suffix_and_without_preamble(tmp_path, pydicom_test_files):
    no_suffix = tmp_path / "IM000001"
    shutil.copy(pydicom_test_files / "CT_small.dcm", no_suffix)
    record, _ = read_file(str(no_suffix))
    assert record.status == "harvested"

    record, rows = read_file(str(pydicom_test_files / "ExplVR_LitEndNoMeta.dcm"))
    assert record.status == "harvested"
    assert record.has_preamble is False
    assert len(rows) > 0


def test_sequences_are_flattened_with_their_path(pydicom_test_files):
    record, rows = read_file(str(pydicom_test_files / "rtstruct.dcm"))
    assert record.status == "harvested"
    paths = set(rows.sequence_path)
    # Structure Set ROI Sequence (3006,0020) items, and a nested sequence two levels down.
    assert "30060020[0]" in paths
    assert any(path.count("/") >= 1 for path in paths)
    sequence_rows = [
        value for tag, value in zip(rows.tag, rows.value_text, strict=True) if tag == "30060020"
    ]
    assert sequence_rows == [
        str(
            len(
                pydicom.dcmread(
                    pydicom_test_files / "rtstruct.dcm", force=True
                ).StructureSetROISequence
            )
        )
    ]


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("dicomdirtests/DICOMDIR", "dicomdir"),
        ("README.txt", "not_dicom"),
        ("no_meta.dcm", "not_dicom"),
        ("crayons.icc", "not_dicom"),
        ("nested_priv_SQ.dcm", "missing_uid"),
    ],
)
def test_files_that_are_not_instances_are_rejected_with_a_reason(
    pydicom_test_files, name, category
):
    record, rows = read_file(str(pydicom_test_files / name))
    assert record.status == "rejected"
    assert record.reject_category == category
    assert record.reject_reason
    assert len(rows) == 0


def test_empty_and_missing_files_are_rejected(tmp_path):
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    assert read_file(str(empty))[0].reject_category == "empty"
    dangling = tmp_path / "dangling.dcm"
    dangling.symlink_to(tmp_path / "nowhere.dcm")
    record, _ = read_file(str(dangling))
    assert (record.status, record.reject_category) == ("rejected", "unreadable")


def test_identifying_attributes_are_never_stored(pydicom_test_files):
    path = pydicom_test_files / "CT_small.dcm"
    name = str(pydicom.dcmread(path).PatientName)
    assert name
    _, rows = read_file(str(path))
    assert "00100010" not in rows.tag
    assert not any(value and name in value for value in rows.value_text)


def test_invalid_values_are_kept_as_text(tmp_path, pydicom_test_files):
    from dicom_files import write_with_raw_values

    path = write_with_raw_values(
        pydicom_test_files / "CT_small.dcm",
        tmp_path / "bad.dcm",
        StudyDate="20231301",
        SliceThickness="abc",
    )
    record, rows = read_file(str(path))
    assert record.status == "harvested"
    by_tag = rows_by_tag(rows)
    assert by_tag["00080020"] == [(0, "20231301", "")]
    assert by_tag["00180050"] == [(0, "abc", "")]
