"""PostgreSQL, the production target: the same harvest and the same dbt build as on DuckDB."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import mi_cdm_checks
import psycopg2
import pytest
from build_helpers import omop_imaging
from conftest import KEEP_EVERY_SERIES
from dicom_files import write_linkage_cases, write_t1_rule_cases

from omop_imaging.build_state import build_rules_table
from omop_imaging.harvest import HarvestOptions, harvest
from omop_imaging.seed_state import seed_load_table
from omop_imaging.store import open_store

pytestmark = pytest.mark.postgres

FILES = (
    "select file_id, file_path, file_size, status, reject_category, sop_instance_uid, "
    "is_series_representative, full_header_kept from dicom_raw.harvested_file order by file_id"
)
ELEMENTS = (
    "select file_id, sequence_path, tag, value_index, value_text, instance_level "
    "from dicom_raw.header_element order by file_id, sequence_path, tag, value_index"
)


def postgres_rows(sql):
    with psycopg2.connect("") as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]


def test_harvest_into_postgres_equals_duckdb(postgres_database, sample_folders, duckdb_file):
    for target in ("postgres", "duckdb"):
        store = open_store(target, duckdb_file)
        try:
            summary = harvest(
                sample_folders, store, HarvestOptions(progress=False, workers=2, batch_files=50)
            )
        finally:
            store.close()
        assert summary.harvested + summary.rejected == summary.files_seen

    with duckdb.connect(duckdb_file, read_only=True) as connection:
        duck_files = connection.execute(FILES).fetchall()
        duck_elements = connection.execute(ELEMENTS).fetchall()
    assert postgres_rows(FILES) == duck_files
    assert len(postgres_rows(ELEMENTS)) == len(duck_elements)
    # Same values, including text with quotes, backslashes and non-ASCII characters (COPY escaping).
    assert sorted(postgres_rows(ELEMENTS), key=repr) == sorted(duck_elements, key=repr)


def test_reharvest_into_postgres_adds_nothing(postgres_database, sample_folders):
    store = open_store("postgres")
    try:
        first = harvest(sample_folders[:1], store, HarvestOptions(progress=False, workers=1))
        again = harvest(sample_folders[:1], store, HarvestOptions(progress=False, workers=1))
    finally:
        store.close()
    assert again.unchanged == first.files_seen and again.elements == 0
    assert postgres_rows("select count(*) from dicom_raw.header_element") == [(first.elements,)]


def test_a_harvest_gives_postgres_the_statistics_of_its_tables(postgres_database, sample_folders):
    """The build's filters by scope are planned by them (the test server runs no autovacuum):
    with none, PostgreSQL reads the whole element table for one night's series."""
    store = open_store("postgres")
    try:
        harvest(sample_folders[:1], store, HarvestOptions(progress=False, workers=1))
    finally:
        store.close()
    for table in ("dicom_raw.harvested_file", "dicom_raw.header_element"):
        [(rows, estimated)] = postgres_rows(
            f"select (select count(*) from {table}), reltuples from pg_class "
            f"where oid = '{table}'::regclass"
        )
        assert rows > 0 and estimated == rows, table


def test_dbt_build_on_postgres(postgres_database, sample_folders, pydicom_test_files, tmp_path):
    from dicom_files import write_with_raw_values

    write_with_raw_values(
        pydicom_test_files / "CT_small.dcm",
        tmp_path / "bad_values.dcm",
        StudyDate="20230230",
        SliceThickness="abc",
        SOPInstanceUID="1.2.826.0.1.3680043.8.498.2",
    )
    write_t1_rule_cases(pydicom_test_files / "MR_small.dcm", tmp_path / "t1_cases")
    write_linkage_cases(pydicom_test_files / "CT_small.dcm", tmp_path / "linkage_cases")
    omop_imaging("harvest", *sample_folders, str(tmp_path), "--target", "postgres", "--no-progress")
    omop_imaging("build", "--target", "postgres", "--set", "clinical_source=demo")
    omop_imaging("dbt", "--target", "postgres", "compile", "--select", "t1_weighted_volumetric_mri")

    typed = postgres_rows(
        "select tag, value_text, value_number, value_date from imaging_staging.stg_dicom__elements "
        "where sop_instance_uid = '1.2.826.0.1.3680043.8.498.2' and tag in ('00080020', '00180050', '00280010') "
        "order by tag"
    )
    assert typed == [
        ("00080020", "20230230", None, None),
        ("00180050", "abc", None, None),
        ("00280010", "128", 128.0, None),
    ]
    output = omop_imaging("counts", "--target", "postgres").stdout
    assert "dicom_raw.header_element" in output
    # PostgreSQL plans each model by the statistics of the tables it reads: every table dbt made
    # has them as it is built (reltuples is -1 until a table is analysed; no autovacuum here). The
    # build's own one-row fingerprint tables are not dbt's.
    never_analysed = postgres_rows(
        "select namespace.nspname || '.' || class.relname from pg_class as class "
        "join pg_namespace as namespace on namespace.oid = class.relnamespace "
        "where class.relkind = 'r' and class.reltuples < 0 "
        "and namespace.nspname not in ('pg_catalog', 'information_schema', 'dicom_raw')"
    )
    assert sorted(never_analysed) == sorted([(build_rules_table(),), (seed_load_table(),)])

    mi_cdm_checks.check_cdm_schema_holds_only_cdm_tables(postgres_rows)
    mi_cdm_checks.check_conformance("postgres", "")
    mi_cdm_checks.check_every_series_and_study_is_in_mi_cdm(postgres_rows)
    mi_cdm_checks.check_measurements_and_features_pair_up(postgres_rows)
    mi_cdm_checks.check_multi_valued_attributes_keep_every_component(postgres_rows)
    mi_cdm_checks.check_t1_analysis(postgres_rows)
    mi_cdm_checks.check_rcdm(postgres_rows)
    mi_cdm_checks.check_protocol_mapping(postgres_rows)
    mi_cdm_checks.check_coverage_report(postgres_rows)
    mi_cdm_checks.check_linkage_and_er_cohort(postgres_rows)
    mi_cdm_checks.check_defined_terms_resolve_for_every_attribute(postgres_rows)
    mi_cdm_checks.check_header_value_conformance(postgres_rows)
    conformance = omop_imaging(
        "report", "--target", "postgres", "--section", "conformance-values", "--format", "csv"
    ).stdout
    assert conformance.splitlines()[1].startswith("not_allowed,300E0002,Approval Status,CREATED,")
    cohort = omop_imaging(
        "cohort", "--target", "postgres", "--definition", "er-ct-brain-precontrast", "--json"
    ).stdout
    assert '"series": 1' in cohort
    report = omop_imaging("report", "--target", "postgres", "--format", "csv").stdout
    assert (
        report.splitlines()[0]
        == "table_name,column_name,row_count,mapped_count,unmapped_count,mapped_percent"
    )


CLASSIFICATION = (
    "select series_instance_uid, modality, image_plane, image_plane_concept_id, image_plane_confidence, "
    "has_plane_disagreement, image_plane_evidence, contrast_status, contrast_concept_id, contrast_confidence, "
    "contrast_evidence, sequence_family, sequence_family_concept_id, sequence_family_confidence, "
    "sequence_family_rule, sequence_family_evidence, is_volumetric, volumetric_confidence, volumetric_evidence, "
    "is_localizer, localizer_confidence, localizer_evidence from imaging_marts.series_classification "
    "order by series_instance_uid"
)
ALGORITHM_FEATURES = (
    "select o.image_series_uid, m.measurement_concept_id, m.value_as_concept_id, f.alg_system "
    "from cdm.measurement m join cdm.image_feature f on f.image_feature_event_id = m.measurement_id "
    "join cdm.image_occurrence o on o.image_occurrence_id = f.image_occurrence_id "
    "where f.image_feature_type_concept_id = 32880 order by 1, 2"
)


def _comparable(rows):
    return [
        tuple(
            round(float(value), 6) if isinstance(value, float | Decimal) else value for value in row
        )
        for row in rows
    ]


def test_classification_on_postgres_equals_duckdb(
    postgres_database, classification_inputs, classification_duckdb
):
    """The header classifier runs on PostgreSQL and gives DuckDB's results for the same files (the
    whole build, tests included, runs on PostgreSQL in test_dbt_build_on_postgres: here only the
    models the comparison reads)."""
    _labels, _files, folders = classification_inputs
    omop_imaging("harvest", *folders, "--target", "postgres", "--no-progress")
    omop_imaging("settings", "--target", "postgres", *KEEP_EVERY_SERIES)  # as classification_duckdb
    omop_imaging("dbt", "--target", "postgres", "seed")
    omop_imaging(
        "dbt",
        "--target",
        "postgres",
        "run",
        "--select",
        "+series_classification",
        "+image_feature",
        "measurement",
    )

    with duckdb.connect(classification_duckdb, read_only=True) as connection:
        duck_classification = connection.execute(CLASSIFICATION).fetchall()
        duck_features = connection.execute(ALGORITHM_FEATURES).fetchall()
    postgres_classification = postgres_rows(CLASSIFICATION)
    assert len(postgres_classification) == len(duck_classification) > 0
    assert _comparable(postgres_classification) == _comparable(duck_classification)
    assert postgres_rows(ALGORITHM_FEATURES) == [tuple(row) for row in duck_features]
    assert {row[12] for row in postgres_classification if row[1] == "MR"} - {None}, "MR families"
