"""CDM row IDs (docs/ids.md): integers that fit the official DDL, stable across runs and loads."""

from __future__ import annotations

import duckdb
from build_helpers import omop_imaging
from conftest import KEEP_EVERY_SERIES

ID_COLUMNS = {
    "person": "person_id",
    "procedure_occurrence": "procedure_occurrence_id",
    "image_occurrence": "image_occurrence_id",
    "measurement": "measurement_id",
    "image_feature": "image_feature_id",
    "radiology_image": "radiology_image_id",
}
INTEGER_MAX = 2**31 - 1


def _ids(database: str) -> dict[str, dict[str, int]]:
    """Per table: natural key -> ID (keys the tables carry themselves, or the map's)."""
    keys = {
        "person": "select person_source_value, person_id from cdm.person",
        "procedure_occurrence": "select i.image_study_uid, p.procedure_occurrence_id from "
        "cdm.procedure_occurrence p join cdm.image_occurrence i using (procedure_occurrence_id)",
        "image_occurrence": "select image_series_uid, image_occurrence_id from cdm.image_occurrence",
        "measurement": "select source_key, cdm_id from imaging_ids.id_map__measurement",
        "image_feature": "select source_key, cdm_id from imaging_ids.id_map__image_feature",
        "radiology_image": "select file_path, radiology_image_id from cdm.radiology_image",
    }
    with duckdb.connect(database, read_only=True) as connection:
        return {table: dict(connection.execute(sql).fetchall()) for table, sql in keys.items()}


def test_ids_are_integers_stable_across_runs_and_loads(dicom_copy, duckdb_file):
    first_folder = dicom_copy("CT_small.dcm", "MR_small.dcm", folder="first")
    omop_imaging("harvest", str(first_folder), "--db", duckdb_file, "--no-progress")
    # every patient gets a person (JPEG2000.dcm's has no year of birth): the IDs are the subject
    omop_imaging("build", "--db", duckdb_file, *KEEP_EVERY_SERIES)
    first = _ids(duckdb_file)
    with duckdb.connect(duckdb_file, read_only=True) as connection:
        for table, column in ID_COLUMNS.items():
            kind, low, high = connection.execute(
                f"select typeof(min({column})), min({column}), max({column}) from cdm.{table}"
            ).fetchone()
            assert kind == "INTEGER" and 1 <= low <= high <= INTEGER_MAX, table

    # a later load adds a study; a full refresh must not renumber what exists
    second_folder = dicom_copy("JPEG2000.dcm", folder="second")
    omop_imaging("harvest", str(second_folder), "--db", duckdb_file, "--no-progress")
    omop_imaging("dbt", "--db", duckdb_file, "build", "--full-refresh")
    second = _ids(duckdb_file)
    for table, before in first.items():
        after = second[table]
        assert {key: after[key] for key in before} == before, f"{table}: an ID moved"
        new_ids = [after[key] for key in after.keys() - before.keys()]
        assert new_ids, f"{table}: the new study added no row"
        assert min(new_ids) > max(before.values()), f"{table}: new IDs are numbered after the old"
        assert len(set(after.values())) == len(after), f"{table}: an ID was given twice"
