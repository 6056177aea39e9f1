"""Privacy by default, and nothing leaked with --deidentify: canaries written into real files must
not reach any table, log line or error message, on either engine."""

from __future__ import annotations

from dicom_files import write_with_canaries

from omop_imaging.header_policy import NEVER_STORED_TAGS
from omop_imaging.reader import read_file


def test_direct_identifiers_are_never_stored_even_without_deidentify(pydicom_test_files, tmp_path):
    path = tmp_path / "named.dcm"
    canaries = write_with_canaries(
        pydicom_test_files / "MR_small.dcm", path, sorted(NEVER_STORED_TAGS), "KEPT-PATIENT-ID"
    )
    record, rows = read_file(str(path))
    assert record.status == "harvested"
    texts = [value for value in rows.value_text if value]
    # OMOP needs the Patient ID, and private elements are kept by default: --deidentify
    # pseudonymises the one and drops the others.
    assert [canary for canary in canaries if any(canary in text for text in texts)] == [
        "KEPT-PATIENT-ID",
        "CNRYPRIVATE01Q",
        "CNRYPRIVATE02Q",
    ]
    assert not {f"{tag:08X}" for tag in NEVER_STORED_TAGS} & set(rows.tag)
    assert not [
        path for path in rows.sequence_path if path and int(path[:8], 16) in NEVER_STORED_TAGS
    ]
