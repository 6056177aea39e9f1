"""Harvest by DIMSE C-FIND from a real PACS (Orthanc): the query answers hold fewer attributes
than a header, but enough for IMAGE_OCCURRENCE and the R-CDM tables, which come out as from a
DICOMweb harvest of the same archive."""

from __future__ import annotations

import duckdb
import pytest
from build_helpers import omop_imaging
from cdm_outputs import output_rows
from conftest import KEEP_EVERY_SERIES
from orthanc_server import (
    AET,
    PASSWORD,
    USER,
    dicom_files_under,
    orthanc_answers_404,
    orthanc_keeps_whole,
    start_orthanc,
)

from omop_imaging.dimse_source import IMAGE_KEYS, SERIES_KEYS, STUDY_KEYS
from omop_imaging.pacs_credentials import PASSWORD_VARIABLE, USER_VARIABLE

pytestmark = pytest.mark.slow

# R-CDM columns a C-FIND answer feeds as a header does (the others come from attributes the
# query does not ask for, e.g. the classifier's evidence).
RADIOLOGY_IMAGE_COLUMNS = (
    "radiology_image_id, radiology_occurrence_id, radiology_series_id, body_part_source_value, "
    "series_serial_number, image_resolution_rows, image_resolution_columns, ct_slice_thickness"
)


@pytest.fixture(scope="module")
def pacs(tmp_path_factory, pydicom_test_files):
    server = start_orthanc(tmp_path_factory.mktemp("orthanc"))
    try:
        files = dicom_files_under([str(pydicom_test_files)])
        assert len(
            server.upload(
                [
                    path
                    for path in files
                    if orthanc_keeps_whole(path) and not orthanc_answers_404(path.name)
                ]
            )
        )
        yield server
    finally:
        server.stop()


def test_dimse_harvest_gives_the_image_occurrences_and_rcdm_rows_of_a_dicomweb_one(pacs, tmp_path):
    dimse_db, web_db = str(tmp_path / "dimse.duckdb"), str(tmp_path / "web.duckdb")
    address = f"127.0.0.1:{pacs.dicom_port}"
    first = omop_imaging(
        "harvest", "--dimse", address, "--called-aet", AET, "--db", dimse_db, "--no-progress"
    )
    assert "(0 rejected)" in first.stdout
    again = omop_imaging(
        "harvest", "--dimse", address, "--called-aet", AET, "--db", dimse_db, "--no-progress"
    )
    assert " 0 series read" in again.stdout  # every series unchanged: not queried again
    omop_imaging(
        "harvest",
        "--dicomweb",
        pacs.dicomweb_url,
        "--db",
        web_db,
        "--no-progress",
        environ={USER_VARIABLE: USER, PASSWORD_VARIABLE: PASSWORD},
    )

    def query(database):
        def run(sql):
            with duckdb.connect(database, read_only=True) as connection:
                return connection.execute(sql).fetchall()

        return run

    # Only the attributes asked for are stored, and nothing a file harvest would never store.
    asked = {*STUDY_KEYS, *SERIES_KEYS, *IMAGE_KEYS, "SpecificCharacterSet"}
    stored = {
        keyword
        for (keyword,) in query(dimse_db)("select distinct keyword from dicom_raw.header_element")
    }
    assert stored <= asked and {"Modality", "StudyDate", "Rows", "PatientID"} <= stored
    paths = query(dimse_db)("select file_path from dicom_raw.harvested_file")
    assert all(path.startswith(f"dimse://{AET}@{address}/studies/") for (path,) in paths)

    for database in (dimse_db, web_db):  # every patient kept: the comparison covers every image
        omop_imaging("build", "--db", database, *KEEP_EVERY_SERIES)
    by_dimse, over_dicomweb = output_rows(query(dimse_db)), output_rows(query(web_db))
    for table in ("person", "image_occurrence", "radiology_occurrence"):
        assert by_dimse[table] and by_dimse[table] == over_dicomweb[table], table
    images = f"select {RADIOLOGY_IMAGE_COLUMNS} from cdm.radiology_image order by 1"
    assert query(dimse_db)(images) == query(web_db)(images)
    assert len(query(dimse_db)(images)) > 50
