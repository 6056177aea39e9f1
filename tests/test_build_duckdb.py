"""The dbt project builds on DuckDB over real harvested files, malformed values included."""

from __future__ import annotations

import json
import re

import duckdb
import mi_cdm_checks
import pytest
from build_helpers import omop_imaging
from dicom_files import write_linkage_cases, write_t1_rule_cases, write_with_raw_values

from omop_imaging.report import SECTIONS as REPORT_SECTIONS


@pytest.fixture(scope="module")
def built_duckdb(tmp_path_factory, sample_folders, pydicom_test_files):
    folder = tmp_path_factory.mktemp("malformed_values")
    write_with_raw_values(
        pydicom_test_files / "CT_small.dcm",
        folder / "bad_values.dcm",
        StudyDate="20231301",
        SliceThickness="abc",
        StudyTime="251000",
        SOPInstanceUID="1.2.826.0.1.3680043.8.498.1",
    )
    write_t1_rule_cases(pydicom_test_files / "MR_small.dcm", folder / "t1_cases")
    write_linkage_cases(pydicom_test_files / "CT_small.dcm", folder / "linkage_cases")
    database = str(tmp_path_factory.mktemp("duckdb") / "build.duckdb")
    omop_imaging("harvest", *sample_folders, str(folder), "--db", database, "--no-progress")
    omop_imaging("build", "--db", database, "--set", "clinical_source=demo")
    omop_imaging("dbt", "--db", database, "compile", "--select", "t1_weighted_volumetric_mri")
    return database


@pytest.fixture(scope="module")
def query(built_duckdb):
    def run(sql):
        with duckdb.connect(built_duckdb, read_only=True) as connection:
            return connection.execute(sql).fetchall()

    return run


def scalar(database, sql):
    with duckdb.connect(database, read_only=True) as connection:
        return connection.execute(sql).fetchone()[0]


def test_malformed_values_become_null_not_a_failed_build(built_duckdb):
    row = """
        select value_text, value_number, value_date, value_time from imaging_staging.stg_dicom__elements
        where sop_instance_uid = '1.2.826.0.1.3680043.8.498.1' and tag = '{tag}'
    """
    with duckdb.connect(built_duckdb, read_only=True) as connection:
        assert connection.execute(row.format(tag="00080020")).fetchone()[:3] == (
            "20231301",
            None,
            None,
        )
        assert connection.execute(row.format(tag="00180050")).fetchone()[:2] == ("abc", None)
        assert connection.execute(row.format(tag="00080030")).fetchone()[3] is None


def test_valid_values_are_typed(built_duckdb):
    import datetime

    with duckdb.connect(built_duckdb, read_only=True) as connection:
        dates = connection.execute(
            "select distinct value_date from imaging_staging.stg_dicom__elements where vr = 'DA' and value_text = '20040119'"
        ).fetchall()
        thickness = connection.execute(
            "select value_number from imaging_staging.stg_dicom__elements e join imaging_staging.stg_dicom__files f using (file_id) "
            "where f.file_path like '%/CT_small.dcm' and e.tag = '00180050'"
        ).fetchall()
        times = connection.execute(
            "select distinct value_time from imaging_staging.stg_dicom__elements where vr = 'TM' and value_text = '145628.350000'"
        ).fetchall()
    assert dates == [(datetime.date(2004, 1, 19),)]
    assert thickness == [(5.0,)]
    assert times == [(datetime.time(14, 56, 28, 350000),)]
    share_parsed = scalar(
        built_duckdb,
        "select avg(case when value_number is not null then 1.0 else 0 end) from imaging_staging.stg_dicom__elements "
        "where vr in ('US', 'UL', 'FD', 'FL') and value_text is not null",
    )
    assert share_parsed == 1.0


def test_counts_command_lists_staging_and_built_tables(built_duckdb):
    output = omop_imaging("counts", "--db", built_duckdb).stdout
    assert "dicom_raw.harvested_file" in output and "dicom_raw.header_element" in output


def test_conformance_with_the_field_level_rules(built_duckdb):
    mi_cdm_checks.check_conformance("duckdb", built_duckdb)


def test_cdm_schema_holds_only_cdm_tables(query):
    mi_cdm_checks.check_cdm_schema_holds_only_cdm_tables(query)


def test_every_series_and_study_is_in_mi_cdm(query):
    mi_cdm_checks.check_every_series_and_study_is_in_mi_cdm(query)


def test_measurements_and_image_features_are_one_to_one(query):
    mi_cdm_checks.check_measurements_and_features_pair_up(query)


def test_multi_valued_attributes_keep_every_component(query):
    mi_cdm_checks.check_multi_valued_attributes_keep_every_component(query)


def test_t1_weighted_volumetric_analysis(query):
    mi_cdm_checks.check_t1_analysis(query)


def test_rcdm_tables(query):
    mi_cdm_checks.check_rcdm(query)


def test_metadata_and_cdm_source_describe_the_same_build(query):
    """METADATA has a row per described setting, CDM_SOURCE.source_description names the same
    settings with the same values, and METADATA's vocabulary version is CDM_SOURCE's."""
    rows = query("select name, value_as_string from cdm.metadata order by metadata_id")
    [(description, vocabulary_version)] = query(
        "select source_description, vocabulary_version from cdm.cdm_source"
    )
    assert [name for name, _ in rows[:2]] == ["omop-imaging version", "vocabulary_version"]
    assert rows[1][1] == vocabulary_version
    described = re.fullmatch(r"DICOM headers harvested by omop-imaging \((.*)\)", description)
    assert described, description
    named = [tuple(item.split(": ", 1)) for item in described.group(1).split(", ")]
    assert named == rows[2:]
    assert ("clinical_source", "demo") in named, "the setting this build was made with"


def test_protocol_mapping_and_unmapped_list(query):
    mi_cdm_checks.check_protocol_mapping(query)


def test_coverage_report_counts(query):
    mi_cdm_checks.check_coverage_report(query)


@pytest.mark.parametrize("output_format", ["table", "csv", "json", "markdown"])
def test_report_command_formats(built_duckdb, output_format):
    import csv
    import io
    import json

    output = omop_imaging("report", "--db", built_duckdb, "--format", output_format).stdout
    if output_format == "json":
        parsed = json.loads(output)
        assert set(parsed) == set(REPORT_SECTIONS)
        assert parsed["conformance"], "the demo has documented exceptions and DQD thresholds"
        assert any(row["finding"] == "not_allowed" for row in parsed["conformance-values"])
        assert any(row["table_name"] == "radiology_occurrence" for row in parsed["coverage"])
        assert {row["reject_category"] for row in parsed["rejected"]} >= {"not_dicom", "dicomdir"}
    elif output_format == "csv":
        rows = list(csv.DictReader(io.StringIO(output)))
        assert {"table_name", "column_name", "mapped_percent"} <= set(rows[0])
        assert ("radiology_image", "laterality_concept_id") in {
            (r["table_name"], r["column_name"]) for r in rows
        }
    elif output_format == "markdown":
        assert "| table_name | column_name |" in output and "### Files rejected" in output
    else:
        assert "ETL coverage by table and column" in output and "protocol_concept_id" in output


def test_defined_terms_resolve_for_every_attribute(query):
    mi_cdm_checks.check_defined_terms_resolve_for_every_attribute(query)


def test_header_value_conformance(query):
    mi_cdm_checks.check_header_value_conformance(query)


def test_conformance_report_section(built_duckdb):
    output = omop_imaging(
        "report", "--db", built_duckdb, "--section", "conformance-values", "--format", "csv"
    ).stdout
    lines = output.splitlines()
    assert lines[0] == (
        "finding,tag,attribute_name,value_code,coding_scheme_designator,manufacturer,series_count"
    )
    assert lines[1].startswith("not_allowed,300E0002,Approval Status,CREATED,")


def test_linkage_visits_and_the_er_cohort(query):
    mi_cdm_checks.check_linkage_and_er_cohort(query)


def test_cohort_command_with_an_ohdsi_cohort_table(built_duckdb, tmp_path):
    import pyarrow.parquet as pq

    person_1012 = query_scalar(
        built_duckdb, "select person_id from cdm.person where person_source_value = '77654033'"
    )
    table = tmp_path / "cohort.csv"
    table.write_text(
        "cohort_definition_id,subject_id,cohort_start_date,cohort_end_date\n"
        f"7,{person_1012},1995-09-03,1995-09-03\n"
        f"8,{person_1012},1990-01-01,2000-01-01\n"
    )
    out = tmp_path / "series.parquet"
    printed = omop_imaging(
        "cohort",
        "--db",
        built_duckdb,
        "--cohort-table",
        str(table),
        "--cohort-definition-id",
        "7",
        "--modality",
        "CT",
        "--plane",
        "axial",
        "--contrast",
        "without",
        "--out",
        str(out),
        "--json",
    ).stdout
    rows = pq.read_table(out).to_pylist()
    # the cohort period is the ER day: the day-after series is outside it
    assert {row["image_occurrence_date"].isoformat() for row in rows} == {"1995-09-03"}
    counts = json.loads(printed)
    assert counts["series"] == len(rows) and counts["persons"] == 1
    # one day after the cohort start, whatever the cohort period says
    later = omop_imaging(
        "cohort",
        "--db",
        built_duckdb,
        "--cohort-table",
        str(table),
        "--cohort-definition-id",
        "8",
        "--days-from-start",
        "1:1",
        "--json",
    ).stdout
    assert json.loads(later)["series"] == 0  # 1990-01-02 has no image
    built_in = json.loads(
        omop_imaging(
            "cohort", "--db", built_duckdb, "--definition", "er-ct-brain-precontrast", "--json"
        ).stdout
    )
    assert built_in == {"persons": 1, "studies": 1, "series": 1, "images": 4}


def fetch_all(database, sql):
    with duckdb.connect(database, read_only=True) as connection:
        return connection.execute(sql).fetchall()


def query_scalar(database, sql):
    with duckdb.connect(database, read_only=True) as connection:
        return connection.execute(sql).fetchone()[0]


@pytest.mark.parametrize("policy", ["skip", "fail"])
def test_unmatched_patient_policy(policy, tmp_path, pydicom_test_files):
    from dicom_files import UNKNOWN_PATIENT_ID, UNKNOWN_PATIENT_SERIES

    folder = tmp_path / "input"
    write_linkage_cases(pydicom_test_files / "CT_small.dcm", folder)
    database = str(tmp_path / "policy.duckdb")
    omop_imaging("harvest", str(folder), "--db", database, "--no-progress")
    completed = omop_imaging(
        "build",
        "--db",
        database,
        "--set",
        "clinical_source=demo",
        "--set",
        f"unmatched_patient_policy={policy}",
        check=False,
    )
    if policy == "fail":
        assert completed.returncode != 0
        assert "assert_no_unmatched_patients_under_fail_policy" in completed.stdout
        return
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert (
        "left out of the CDM: 1 patient with 1 series (unmatched (unmatched_patient_policy): "
        "1 patient; see report --section unlinked)"
    ) in completed.stdout.splitlines()
    assert UNKNOWN_PATIENT_ID not in completed.stdout
    with duckdb.connect(database, read_only=True) as connection:
        assert connection.execute(
            "select link_method, person_id from imaging_quality.unlinked_patients where patient_id = ?",
            [UNKNOWN_PATIENT_ID],
        ).fetchall() == [("unmatched", None)]
        assert connection.execute(
            "select count(*) from cdm.image_occurrence where image_series_uid = ?",
            [UNKNOWN_PATIENT_SERIES],
        ).fetchall() == [(0,)]
        assert connection.execute("select count(*) from cdm.radiology_image").fetchall() == [(1,)]
    listed = omop_imaging(
        "report", "--db", database, "--section", "unlinked", "--format", "json"
    ).stdout
    assert [row["link_method"] for row in json.loads(listed)["unlinked"]] == ["unmatched"]
    assert UNKNOWN_PATIENT_ID not in listed  # the report names patients by a hash only
