"""The conformance checker (omop_imaging.conformance) finds what it is meant to find.

The built demo is checked in test_build_duckdb.py and test_postgres.py (mi_cdm_checks.check_conformance);
here a small hand-made CDM with known violations shows that each check can fail."""

from __future__ import annotations

import re

import duckdb
import yaml
from build_helpers import omop_imaging
from conftest import REPO

from omop_imaging.conformance import load_exceptions, load_rules, run_checks

PERSON_COLUMNS = [rule["field_name"] for rule in load_rules() if rule["table_name"] == "person"]


def _person_table(connection, rows: list[dict]) -> None:
    types = {"person_id": "bigint", "year_of_birth": "integer", "gender_concept_id": "integer"}
    connection.execute(
        "create table cdm.person ("
        + ", ".join(f"{column} {types.get(column, 'varchar')}" for column in PERSON_COLUMNS)
        + ")"
    )
    for row in rows:
        values = [row.get(column) for column in PERSON_COLUMNS]
        connection.execute(
            f"insert into cdm.person values ({', '.join(['?'] * len(values))})", values
        )


def test_each_check_can_fail(tmp_path):
    database = str(tmp_path / "handmade.duckdb")
    with duckdb.connect(database) as connection:
        connection.execute("create schema cdm")
        connection.execute(
            "create table cdm.concept as select 0 as concept_id, 'Metadata' as domain_id, "
            "cast(null as varchar) as standard_concept, cast(null as varchar) as invalid_reason "
            "union all select 8507, 'Gender', 'S', null union all select 9999, 'Gender', null, 'D' "
            "union all select 9202, 'Visit', 'S', null"
        )
        _person_table(
            connection,
            [
                {"person_id": 1, "year_of_birth": 1950, "gender_concept_id": 8507},
                {
                    "person_id": 1,
                    "year_of_birth": None,
                    "gender_concept_id": 9999,
                },  # PK, required, retired
                {
                    "person_id": 2**40,
                    "year_of_birth": 1111,
                    "gender_concept_id": 9202,
                },  # range, low, domain
                {"person_id": 4, "year_of_birth": 1960, "gender_concept_id": 12345},  # FK
            ],
        )
        connection.execute("create table cdm.not_a_cdm_table (x integer)")
    failed = {
        (result.table_name, result.field_name, result.check, result.violated_rows)
        for result in run_checks("duckdb", database)
        if result.status in ("fail", "exception")
    }
    assert {
        ("not_a_cdm_table", "", "cdmTable", 1),
        ("person", "person_id", "isPrimaryKey", 2),
        ("person", "person_id", "cdmDatatype", 1),
        ("person", "year_of_birth", "isRequired", 1),
        ("person", "year_of_birth", "plausibleValueLow", 1),
        ("person", "gender_concept_id", "isForeignKey", 1),
        ("person", "gender_concept_id", "fkDomain", 1),
        ("person", "gender_concept_id", "isStandardValidConcept", 1),
    } <= failed


def test_rules_cover_every_output_table_and_exceptions_name_real_rules():
    tables = {rule["table_name"] for rule in load_rules()}
    outputs = {
        path.stem
        for folder in ("cdm", "rcdm", "vocabulary")
        for path in (REPO / "models" / folder).glob("*.sql")
    }
    assert outputs <= tables
    fields = {(rule["table_name"], rule["field_name"]) for rule in load_rules()}
    assert {(table, field) for table, field, _check in load_exceptions()} <= fields


def test_versions_agree():
    """CDM_SOURCE / METADATA name the project version (macros/project_version.sql)."""
    dbt_version = yaml.safe_load((REPO / "dbt_project.yml").read_text())["version"]
    python_version = re.search(
        r'^version = "([^"]+)"', (REPO / "pyproject.toml").read_text(), re.MULTILINE
    ).group(1)
    macro = re.search(r"-%\}\s*([0-9.]+)\s*\{%-", (REPO / "macros/project_version.sql").read_text())
    assert dbt_version == python_version == macro.group(1)


def test_year_of_birth_from_age_and_both_policies(dicom_copy, duckdb_file):
    """CT_small states Patient's Age 000Y (study 2004), SC_rgb_rle 024Y (study 2017), MR_small
    neither. By default (missing_birth_year_policy skip) MR_small's patient is listed, not created,
    and the build says so; with create it is kept, year_of_birth NULL: DQD's isRequired fails and the
    build's not_null test warns without stopping the build."""
    folder = dicom_copy("CT_small.dcm", "SC_rgb_rle.dcm", "MR_small.dcm")
    omop_imaging("harvest", str(folder), "--db", duckdb_file, "--no-progress")
    built = omop_imaging("build", "--db", duckdb_file)
    assert (
        "left out of the CDM: 1 patient with 1 series (no year of birth: 1 patient; "
        "see report --section unlinked)"
    ) in built.stdout.splitlines()
    assert "4MR1" not in built.stdout + built.stderr  # counts, never the Patient ID
    with duckdb.connect(duckdb_file, read_only=True) as connection:
        years = dict(
            connection.execute(
                "select person_source_value, year_of_birth from cdm.person"
            ).fetchall()
        )
        assert years == {"1CT1": 2004, "ID1": 1993}
        assert connection.execute(
            "select patient_id, link_method, person_id from imaging_quality.unlinked_patients "
            "where link_method = 'no_birth_year'"
        ).fetchall() == [("4MR1", "no_birth_year", None)]
        # each created person has one observation period covering its imaging dates
        uncovered = connection.execute(
            "select count(*) from cdm.image_occurrence i left join cdm.observation_period o "
            "on o.person_id = i.person_id and i.image_occurrence_date between "
            "o.observation_period_start_date and o.observation_period_end_date "
            "where o.person_id is null"
        ).fetchone()[0]
        assert uncovered == 0
    results = run_checks("duckdb", duckdb_file)
    assert [result for result in results if result.status == "fail"] == []
    assert [
        (result.check, result.status)
        for result in results
        if (result.table_name, result.field_name) == ("person", "year_of_birth")
        and result.status != "pass"
    ] == []

    kept = omop_imaging(
        "build", "--db", duckdb_file, "--quiet", "--set", "missing_birth_year_policy=create"
    )
    assert "left out of the CDM: no patient" in kept.stdout.splitlines()
    assert re.search(r"dbt build: .* 1 warnings, 0 errors", kept.stdout), kept.stdout[-2000:]
    with duckdb.connect(duckdb_file, read_only=True) as connection:
        assert connection.execute(
            "select person_source_value from cdm.person where year_of_birth is null"
        ).fetchall() == [("4MR1",)]
    assert [
        (result.check, result.status, result.violated_rows)
        for result in run_checks("duckdb", duckdb_file)
        if (result.table_name, result.field_name) == ("person", "year_of_birth")
        and result.status != "pass"
    ] == [("isRequired", "fail", 1)]
