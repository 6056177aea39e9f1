"""Athena mode (vocabulary_source: athena): body parts give anatomic sites, fixed units give UCUM.

The Athena vocabulary here is a FIXTURE that this test makes: CDM v5.4 vocabulary tables in schema
`vocab` holding the shipped standard rows, plus rows with made-up concept_ids (from FIXTURE_ID_START)
for the SNOMED CT code PS3.16 Annex L gives each body part of the sample files, and for each UCUM
code the unit seeds use. Real Athena IDs differ; what is tested is that the models find the
concepts by (vocabulary_id, concept_code), as they do in a real download.
"""

from __future__ import annotations

import csv

import duckdb
import pytest
from build_helpers import omop_imaging
from conftest import REPO

SEEDS = REPO / "seeds"
FIXTURE_ID_START = 1_900_000_000  # not an Athena range: marks the fixture's own rows
ATHENA_TABLES = {
    "concept": (
        "concept_id integer, concept_name varchar, domain_id varchar, vocabulary_id varchar, "
        "concept_class_id varchar, standard_concept varchar, concept_code varchar, "
        "valid_start_date date, valid_end_date date, invalid_reason varchar"
    ),
    "concept_relationship": (
        "concept_id_1 integer, concept_id_2 integer, relationship_id varchar, "
        "valid_start_date date, valid_end_date date, invalid_reason varchar"
    ),
    "concept_synonym": "concept_id integer, concept_synonym_name varchar, language_concept_id integer",
    "vocabulary": (
        "vocabulary_id varchar, vocabulary_name varchar, vocabulary_reference varchar, "
        "vocabulary_version varchar, vocabulary_concept_id integer"
    ),
    "concept_class": "concept_class_id varchar, concept_class_name varchar, concept_class_concept_id integer",
    "domain": "domain_id varchar, domain_name varchar, domain_concept_id integer",
    "relationship": (
        "relationship_id varchar, relationship_name varchar, is_hierarchical varchar, "
        "defines_ancestry varchar, reverse_relationship_id varchar, relationship_concept_id integer"
    ),
}


def _rows(path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _annex_l_snomed_codes() -> dict[str, str]:
    """Body Part Examined Defined Term -> its SNOMED CT code (the DICOM seed's 'Maps to' rows)."""
    return {
        row["concept_code_1"]: row["concept_code_2"]
        for row in _rows(SEEDS / "vocabulary" / "dicom_concept_relationship.csv")
        if row["relationship_id"] == "Maps to" and row["vocabulary_id_2"] == "SNOMED"
    }


def _unit_codes() -> set[str]:
    return {
        row["unit_code"]
        for path in (
            SEEDS / "vocabulary" / "dicom_attribute_unit.csv",
            SEEDS / "mapping" / "attribute_unit.csv",
        )
        for row in _rows(path)
    }


def make_athena_fixture(database: str, body_parts: set[str]) -> dict[tuple[str, str], int]:
    """Create the fixture vocabulary; returns (vocabulary_id, code) -> fixture concept_id."""
    snomed = _annex_l_snomed_codes()
    fixture_rows = [
        ("SNOMED", snomed[part], "Body Structure", "Spec Anatomic Site")
        for part in sorted(body_parts)
    ]
    fixture_rows += [("UCUM", code, "Unit", "Unit") for code in sorted(_unit_codes())]
    with duckdb.connect(database) as connection:
        connection.execute("create schema if not exists vocab")
        for table, columns in ATHENA_TABLES.items():
            connection.execute(f"create or replace table vocab.{table} ({columns})")
            rows = _rows(SEEDS / "vocabulary" / f"standard_{table}.csv")
            if rows:
                names = list(rows[0])
                connection.executemany(
                    f"insert into vocab.{table} ({', '.join(names)}) values ({', '.join('?' * len(names))})",
                    [[row[name] or None for name in names] for row in rows],
                )
        shipped = {
            (vocabulary, code)
            for vocabulary, code in connection.execute(
                "select vocabulary_id, concept_code from vocab.concept"
            ).fetchall()
        }
        ids = {}
        for offset, (vocabulary, code, concept_class, domain) in enumerate(
            dict.fromkeys(fixture_rows)
        ):
            if (vocabulary, code) in shipped:
                continue
            ids[(vocabulary, code)] = FIXTURE_ID_START + offset
            connection.execute(
                "insert into vocab.concept values (?, ?, ?, ?, ?, 'S', ?, date '1970-01-01', "
                "date '2099-12-31', null)",
                [
                    FIXTURE_ID_START + offset,
                    f"FIXTURE {vocabulary} {code}",
                    domain,
                    vocabulary,
                    concept_class,
                    code,
                ],
            )
        ids.update(
            {
                (vocabulary, code): concept_id
                for concept_id, vocabulary, code in connection.execute(
                    "select concept_id, vocabulary_id, concept_code from vocab.concept"
                ).fetchall()
            }
        )
    return ids


@pytest.fixture(scope="module")
def athena_build(tmp_path_factory, sample_folders):
    database = str(tmp_path_factory.mktemp("athena") / "athena.duckdb")
    omop_imaging("harvest", *sample_folders, "--db", database, "--no-progress")
    with duckdb.connect(database, read_only=True) as connection:
        body_parts = {
            value.strip().upper()
            for (value,) in connection.execute(
                "select distinct value_text from dicom_raw.header_element "
                "where tag = '00180015' and sequence_path = '' and value_text is not null"
            ).fetchall()
        }
    mapped_parts = body_parts & set(_annex_l_snomed_codes())
    assert mapped_parts, "the sample files name no Annex L body part"
    ids = make_athena_fixture(database, mapped_parts)
    # clinical_source is a setting of the database; the vocabulary source is project configuration
    # (a dbt var, docs/settings.md), given here on the dbt command line.
    omop_imaging("settings", "--db", database, "--set", "clinical_source=demo")
    athena = "{vocabulary_source: athena, athena_vocabulary_schema: vocab}"
    for step in (["seed"], ["build", "--exclude", "resource_type:seed"]):
        omop_imaging("dbt", "--db", database, *step, "--vars", athena)
    return database, mapped_parts, ids


def test_every_mapped_body_part_gives_its_snomed_anatomic_site(athena_build):
    database, mapped_parts, ids = athena_build
    snomed = _annex_l_snomed_codes()
    with duckdb.connect(database, read_only=True) as connection:
        rows = connection.execute(
            "select upper(trim(s.body_part_examined)), o.anatomic_site_concept_id "
            "from cdm.image_occurrence o join imaging_intermediate.int_dicom__series s "
            "on s.series_instance_uid = o.image_series_uid where s.body_part_examined is not null"
        ).fetchall()
    with_mapped_part = [(part, site) for part, site in rows if part in mapped_parts]
    assert with_mapped_part
    for part, site in with_mapped_part:
        assert site == ids[("SNOMED", snomed[part])], part
    share = sum(1 for _, site in with_mapped_part if site) / len(with_mapped_part)
    print(
        f"anatomic_site_concept_id coverage (Athena fixture): {share:.1%} of {len(with_mapped_part)} series"
    )


def test_every_fixed_unit_gives_its_ucum_concept(athena_build):
    database, _, ids = athena_build
    with duckdb.connect(database, read_only=True) as connection:
        rows = connection.execute(
            "select unit_source_value, unit_concept_id from cdm.measurement "
            "where unit_source_value is not null"
        ).fetchall()
    assert rows
    for code, unit_concept_id in rows:
        assert unit_concept_id == ids[("UCUM", code)], code
    print(
        f"unit_concept_id coverage (Athena fixture): 100% of {len(rows)} measurements with a fixed unit"
    )
