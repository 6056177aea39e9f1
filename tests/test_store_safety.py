"""The staging store under hostile values, a killed harvest and concurrent harvests, on both
engines. Inputs are real files from pydicom, rewritten."""

from __future__ import annotations

import psycopg2
import pytest
from dicom_files import write_with_raw_values

from omop_imaging.harvest import HarvestOptions, harvest
from omop_imaging.store import open_store

HOSTILE = {
    "StudyDescription": "'); drop table dicom_raw.header_element; --",
    "SeriesDescription": 'x"; delete from dicom_raw.harvested_file; --',
    "ProtocolName": "$$; select 1; $$ E'x' %s ? :name",
    # LT: one value, backslashes included (in other text VRs a backslash separates values).
    "ImageComments": "line one\nline two, a comma; 'quotes' back\\slash \\N \\. end",
    "InstitutionName": 'Zürich ünïcödé ,"',
}
CONTENT = (
    "select f.file_path, e.keyword, e.value_text from dicom_raw.header_element e "
    "join dicom_raw.harvested_file f using (file_id) where e.keyword in ({}) order by 1, 2"
)


def write_hostile_files(pydicom_test_files, folder):
    folder.mkdir()
    write_with_raw_values(
        pydicom_test_files / "CT_small.dcm", folder / "it's; drop table x; --.dcm", **HOSTILE
    )
    write_with_raw_values(
        pydicom_test_files / "MR_small.dcm",
        folder / "plain.dcm",
        PatientID="'); drop table dicom_raw.harvested_file; --",
    )


def expected_rows(folder):
    rows = [
        (str(folder / "it's; drop table x; --.dcm"), keyword, value.strip())
        for keyword, value in HOSTILE.items()
    ]
    rows.append(
        (str(folder / "plain.dcm"), "PatientID", "'); drop table dicom_raw.harvested_file; --")
    )
    return sorted(rows)


def hostile_content(connection, placeholder):
    keywords = [*HOSTILE, "PatientID"]
    cursor = connection.cursor()
    cursor.execute(CONTENT.format(", ".join([placeholder] * len(keywords))), keywords)
    return sorted(
        (path, keyword, value)
        for path, keyword, value in cursor.fetchall()
        if (keyword == "PatientID") == path.endswith("plain.dcm")
    )


@pytest.mark.parametrize("target", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_values_that_look_like_sql_are_stored_as_data(
    target, request, pydicom_test_files, tmp_path, duckdb_file
):
    if target == "postgres":
        request.getfixturevalue("postgres_database")
    folder = tmp_path / "hostile"
    write_hostile_files(pydicom_test_files, folder)
    for _run in range(2):  # the second run looks the stored files up by their hostile paths
        store = open_store(target, duckdb_file)
        try:
            summary = harvest([str(folder)], store, HarvestOptions(progress=False, workers=1))
        finally:
            store.close()
        assert (summary.files_seen, summary.harvested) == (2, 2)

    if target == "duckdb":
        import duckdb

        with duckdb.connect(duckdb_file, read_only=True) as connection:
            stored = hostile_content(connection, "?")
    else:
        with psycopg2.connect("") as connection:
            stored = hostile_content(connection, "%s")
    assert stored == expected_rows(folder)
