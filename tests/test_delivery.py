"""Delivery into an existing CDM (cdm_delivery: existing_cdm, docs/delivery.md) on PostgreSQL.

The database holds a site's CDM before the build: tables created from the official v5.4 field
definitions (the project's own copy, src/omop_imaging/data/conformance_rules.csv: types, NOT NULL,
primary keys; columns in that file's order), clinical rows with integer IDs, and an Athena-shaped
vocabulary in schema `vocab`. That vocabulary is a TEST FIXTURE: the shipped standard seeds
(seeds/vocabulary/standard_*.csv, including the unverified ones Athena would hold), not a real
Athena download. The build must add its rows to PERSON, OBSERVATION_PERIOD, PROCEDURE_OCCURRENCE
and MEASUREMENT without touching the clinical ones, and a re-run must replace only its own rows.
"""

from __future__ import annotations

import csv
import shutil

import psycopg2
import pytest
from build_helpers import omop_imaging
from conftest import REPO

from omop_imaging.conformance import load_rules

pytestmark = pytest.mark.postgres

SAMPLE_FILES = ("CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "SC_rgb_rle.dcm")
REMOVED_FILE = "SC_rgb_rle.dcm"  # its patient is in no other file: a created person goes
ADDED_FILE = "J2K_pixelrep_mismatch.dcm"  # a new patient with Patient's Age: a person is created
SHARED_TABLES = {  # table -> primary key
    "person": "person_id",
    "observation_period": "observation_period_id",
    "procedure_occurrence": "procedure_occurrence_id",
    "measurement": "measurement_id",
}
CLINICAL_ONLY_TABLES = ("visit_occurrence", "condition_occurrence", "cdm_source", "metadata")
VOCABULARY_TABLES = (
    "concept",
    "concept_relationship",
    "concept_synonym",
    "vocabulary",
    "concept_class",
    "domain",
    "relationship",
)
SQL_TYPES = {"datetime": "timestamp", "float": "numeric", "varchar(max)": "text", "int": "integer"}
DELIVERY_VARS = (
    "{cdm_delivery: existing_cdm, clinical_schema: cdm, vocabulary_source: athena, "
    "athena_vocabulary_schema: vocab, vocabulary_schema: imaging_vocabulary}"
)


def official_fields(table: str) -> list[str]:
    return [rule["field_name"] for rule in load_rules() if rule["table_name"] == table]


def official_ddl(schema: str, table: str, constraints: bool = True) -> str:
    """CREATE TABLE from the field-level rules: the official types, NOT NULL and primary key."""
    fields = [rule for rule in load_rules() if rule["table_name"] == table]
    assert fields, table
    columns = [
        f"{rule['field_name']} {SQL_TYPES.get(rule['datatype'], rule['datatype'])}"
        + (" not null" if constraints and rule["is_required"] == "yes" else "")
        for rule in fields
    ]
    keys = [rule["field_name"] for rule in fields if rule["is_primary_key"] == "yes"]
    if constraints and keys:
        columns.append(f"primary key ({', '.join(keys)})")
    return f"create table {schema}.{table} ({', '.join(columns)})"


def query(sql: str, parameters=()) -> list[tuple]:
    with psycopg2.connect("") as connection, connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return [tuple(row) for row in cursor.fetchall()]


def execute(*statements: tuple[str, tuple] | str) -> None:
    with psycopg2.connect("") as connection, connection.cursor() as cursor:
        for statement in statements:
            sql, parameters = statement if isinstance(statement, tuple) else (statement, ())
            cursor.execute(sql, parameters)


def header_value(file_name: str, tag: str) -> str:
    [(value,)] = query(
        "select e.value_text from dicom_raw.header_element e join dicom_raw.harvested_file f "
        "using (file_id) where f.file_path like %s and e.tag = %s and e.sequence_path = '' "
        "and e.value_index = 0",
        ("%/" + file_name, tag),
    )
    return value


def make_athena_fixture() -> None:
    """The FIXTURE vocabulary: official vocabulary tables in `vocab`, the shipped standard rows.
    No NOT NULL: some verified rows are partial (no code or dates)."""
    execute("create schema vocab", *(official_ddl("vocab", t, False) for t in VOCABULARY_TABLES))
    for table in VOCABULARY_TABLES:
        files = [REPO / "seeds" / "vocabulary" / f"standard_{table}.csv"]
        if table == "concept":
            files.append(REPO / "seeds" / "vocabulary" / "standard_concept_unverified.csv")
        for path in files:
            with path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
            fields = [name for name in rows[0] if name in official_fields(table)] if rows else []
            execute(
                *(
                    (
                        f"insert into vocab.{table} ({', '.join(fields)}) "
                        f"values ({', '.join(['%s'] * len(fields))})",
                        tuple(row[name] or None for name in fields),
                    )
                    for row in rows
                )
            )


def make_clinical_cdm(linked_patient_id: str, study_date: str) -> None:
    """The site's CDM: official DDL, clinical rows with integer IDs; clinical person 4 is the
    patient of CT_small.dcm (person_source_value = its Patient ID), with a visit on its study."""
    tables = (*SHARED_TABLES, *CLINICAL_ONLY_TABLES)
    execute("create schema cdm", *(official_ddl("cdm", table) for table in tables))
    execute(
        *(
            f"insert into cdm.person (person_id, gender_concept_id, year_of_birth, race_concept_id, "
            f"ethnicity_concept_id, person_source_value) values ({pid}, 8507, {1950 + pid}, 0, 0, "
            f"'CLINICAL-{pid}')"
            for pid in (1, 2, 3)
        ),
        (
            "insert into cdm.person (person_id, gender_concept_id, year_of_birth, race_concept_id, "
            "ethnicity_concept_id, person_source_value) values (4, 8532, 1960, 0, 0, %s)",
            (linked_patient_id,),
        ),
        *(
            f"insert into cdm.observation_period (observation_period_id, person_id, "
            f"observation_period_start_date, observation_period_end_date, period_type_concept_id) "
            f"values ({pid}, {pid}, date '2000-01-01', date '2030-12-31', 32817)"
            for pid in (1, 2, 3, 4)
        ),
        (
            "insert into cdm.visit_occurrence (visit_occurrence_id, person_id, visit_concept_id, "
            "visit_start_date, visit_end_date, visit_type_concept_id) values "
            "(70, 4, 9203, %s::date - 1, %s::date + 1, 32817)",
            (study_date, study_date),
        ),
        "insert into cdm.condition_occurrence (condition_occurrence_id, person_id, "
        "condition_concept_id, condition_start_date, condition_type_concept_id) values "
        "(80, 1, 0, date '2010-05-01', 32817)",
        *(
            f"insert into cdm.procedure_occurrence (procedure_occurrence_id, person_id, "
            f"procedure_concept_id, procedure_date, procedure_type_concept_id) values "
            f"({pid * 100}, {pid}, 0, date '2012-03-0{pid}', 32817)"
            for pid in (1, 2, 3, 4)
        ),
        *(
            f"insert into cdm.measurement (measurement_id, person_id, measurement_concept_id, "
            f"measurement_date, measurement_type_concept_id, value_as_number) values "
            f"({mid}, {1 + mid % 4}, 0, date '2015-01-01', 32817, {mid / 7})"
            for mid in range(9000, 9010)
        ),
        "insert into cdm.cdm_source (cdm_source_name, cdm_source_abbreviation, cdm_holder, "
        "source_release_date, cdm_release_date, cdm_version_concept_id, vocabulary_version) "
        "values ('Site CDM', 'SITE', 'Site', date '2024-01-01', date '2024-01-02', 756265, 'v5.0')",
        "insert into cdm.metadata (metadata_id, metadata_concept_id, metadata_type_concept_id, "
        "name, value_as_string) values (1, 0, 0, 'site', 'clinical ETL')",
    )


def snapshot(clinical_ids: dict[str, set[int]]) -> dict[str, list[str]]:
    """Every clinical row as PostgreSQL's text of the whole row (byte-for-byte comparable)."""
    rows = {}
    for table, key in SHARED_TABLES.items():
        rows[table] = [
            text
            for identifier, text in query(f"select {key}, t::text from cdm.{table} t order by 1")
            if identifier in clinical_ids[table]
        ]
    for table in CLINICAL_ONLY_TABLES:
        rows[table] = sorted(text for (text,) in query(f"select t::text from cdm.{table} t"))
    return rows


def ids(table: str) -> list[int]:
    return [row[0] for row in query(f"select {SHARED_TABLES[table]} from cdm.{table} order by 1")]


def build() -> None:
    for step in (["seed"], ["build", "--exclude", "resource_type:seed"]):
        omop_imaging("dbt", "--target", "postgres", *step, "--vars", DELIVERY_VARS)


def own_rows_expected() -> dict[str, int]:
    """How many rows of each shared table the build's own models say it owns."""
    created = query(
        "select count(*) from imaging_intermediate.int_dicom__patients where link_method = 'created'"
    )[0][0]
    return {
        "person": created,
        "observation_period": created,
        "procedure_occurrence": query("select count(*) from cdm.radiology_occurrence")[0][0],
        "measurement": query("select count(*) from cdm.image_feature")[0][0],
    }


def assert_delivered(clinical_ids, before) -> dict[str, set[int]]:
    assert snapshot(clinical_ids) == before, "a clinical row changed"
    expected = own_rows_expected()
    own = {}
    for table, key in SHARED_TABLES.items():
        all_ids = ids(table)
        assert len(all_ids) == len(set(all_ids)), f"duplicate {key}"
        own[table] = set(all_ids) - clinical_ids[table]
        assert len(own[table]) == expected[table], table
        assert min(own[table], default=2**31) > max(clinical_ids[table]), f"{table}: IDs collide"
        # still the site's table: the official integer type and its primary key
        assert query(
            "select data_type from information_schema.columns "
            "where table_schema = 'cdm' and table_name = %s and column_name = %s",
            (table, key),
        ) == [("integer",)]
        assert query(
            "select count(*) from pg_constraint where contype = 'p' and conrelid = %s::regclass",
            (f"cdm.{table}",),
        ) == [(1,)]
    assert expected["procedure_occurrence"] and expected["measurement"]
    # every foreign key of the imaging rows resolves inside the CDM schema
    for child, column, parent, parent_key in (
        ("procedure_occurrence", "person_id", "person", "person_id"),
        ("measurement", "person_id", "person", "person_id"),
        ("observation_period", "person_id", "person", "person_id"),
        ("image_occurrence", "person_id", "person", "person_id"),
        (
            "image_occurrence",
            "procedure_occurrence_id",
            "procedure_occurrence",
            "procedure_occurrence_id",
        ),
        ("image_occurrence", "visit_occurrence_id", "visit_occurrence", "visit_occurrence_id"),
        ("procedure_occurrence", "visit_occurrence_id", "visit_occurrence", "visit_occurrence_id"),
        ("image_feature", "image_feature_event_id", "measurement", "measurement_id"),
        ("image_feature", "image_occurrence_id", "image_occurrence", "image_occurrence_id"),
        (
            "radiology_occurrence",
            "radiology_occurrence_id",
            "procedure_occurrence",
            "procedure_occurrence_id",
        ),
        ("radiology_image", "radiology_series_id", "image_occurrence", "image_occurrence_id"),
    ):
        assert query(
            f"select count(*) from cdm.{child} c where c.{column} is not null and not exists "
            f"(select 1 from cdm.{parent} p where p.{parent_key} = c.{column})"
        ) == [(0,)], f"{child}.{column}"
    assert query(
        "select count(*) from cdm.measurement m where m.measurement_id > 9009 and not exists "
        "(select 1 from imaging_vocabulary.concept c where c.concept_id = m.measurement_concept_id)"
    ) == [(0,)]
    return own


def test_delivery_into_an_existing_cdm(postgres_database, dicom_copy, pydicom_test_files):
    folder = dicom_copy(*SAMPLE_FILES)
    omop_imaging("harvest", str(folder), "--target", "postgres", "--no-progress")
    linked_patient_id = header_value("CT_small.dcm", "00100020")
    study_date = header_value("CT_small.dcm", "00080020")
    make_athena_fixture()
    make_clinical_cdm(linked_patient_id, f"{study_date[:4]}-{study_date[4:6]}-{study_date[6:8]}")
    clinical_ids = {table: set(ids(table)) for table in SHARED_TABLES}
    before = snapshot(clinical_ids)

    # the official DDL requires PERSON.year_of_birth: leave out patients without one
    for setting in ("clinical_source=schema", "missing_birth_year_policy=skip"):
        omop_imaging("settings", "--target", "postgres", "--set", setting)
    build()
    first = assert_delivered(clinical_ids, before)
    # CT_small's patient is clinical person 4: no person created for it, its study on its visit
    assert query(
        "select distinct p.person_id, p.visit_occurrence_id from cdm.procedure_occurrence p "
        "join cdm.radiology_occurrence r on r.radiology_occurrence_id = p.procedure_occurrence_id "
        "where p.procedure_occurrence_id in (select cdm_id from imaging_ids.id_map__procedure_occurrence "
        "where source_key = 'study|' || %s)",
        (header_value("CT_small.dcm", "0020000D"),),
    ) == [(4, 70)]

    # Next night: one delivered file's study was deleted from the archive, one new file arrived.
    [(removed_study_id,)] = query(
        "select cdm_id from imaging_ids.id_map__procedure_occurrence where source_key = %s",
        ("study|" + header_value(REMOVED_FILE, "0020000D"),),
    )
    assert removed_study_id in first["procedure_occurrence"]
    removed_measurements = {
        row[0]
        for row in query(
            "select image_feature_event_id from cdm.image_feature f join cdm.image_occurrence o "
            "using (image_occurrence_id) where o.procedure_occurrence_id = %s",
            (removed_study_id,),
        )
    }
    assert removed_measurements <= first["measurement"] and removed_measurements
    # the harvest removes the rows of the file gone from the folder (and touches its series)
    (folder / REMOVED_FILE).unlink()
    shutil.copy(pydicom_test_files / ADDED_FILE, folder / ADDED_FILE)
    omop_imaging("harvest", str(folder), "--target", "postgres", "--no-progress")
    build()
    second = assert_delivered(clinical_ids, before)
    assert removed_study_id not in second["procedure_occurrence"]
    assert second["procedure_occurrence"] - first["procedure_occurrence"], (
        "the new study is missing"
    )
    assert first["person"] - second["person"], "the removed file's created person is still there"
    assert second["person"] - first["person"], "the new file's person is missing"
    assert not removed_measurements & second["measurement"], (
        "the removed study's measurements stayed"
    )


def test_delivery_refuses_a_vocabulary_schema_that_would_replace_the_sites(postgres_database):
    """The vocabulary views must not go into the CDM schema, where the site's CONCEPT may be."""
    completed = omop_imaging(
        "dbt",
        "--target",
        "postgres",
        "parse",
        "--vars",
        "{cdm_delivery: existing_cdm}",
        check=False,
    )
    assert completed.returncode != 0
    assert "set vocabulary_schema to a schema of its own" in completed.stdout
