"""The header classifier on real series: accuracy per class against independent labels, the
algorithm features in MEASUREMENT / IMAGE_FEATURE, and the `omop-imaging classify` command."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest
from build_helpers import omop_imaging
from classification_set import accuracy, classify_labelled_series, overall, report_lines
from conftest import SUMMARY_LINES


@pytest.fixture(scope="module")
def query(classification_duckdb):
    def run(sql):
        with duckdb.connect(classification_duckdb, read_only=True) as connection:
            return connection.execute(sql).fetchall()

    return run


def test_accuracy_per_class_meets_the_targets(query, classification_inputs, request):
    labels, files, _folders = classification_inputs
    rows = classify_labelled_series(query, labels, files)
    table = accuracy(rows)
    lines = report_lines(table)
    request.config.stash[SUMMARY_LINES].extend(lines)
    misses = [
        (row["label"]["file"], feature, row[feature], row["label"][feature])
        for row in rows
        for feature in ("plane", "family", "contrast")
        if row["label"][feature] not in ("", "MIXED") and row[feature] != row["label"][feature]
    ]
    assert table["plane"] and table["family (brain MR)"], "the labelled set covers both targets"
    assert overall(table["plane"]) >= 0.99, (lines, misses)
    assert overall(table["family (brain MR)"]) >= 0.95, (lines, misses)
    # every labelled class is represented at least once
    assert {"AXIAL", "CORONAL", "SAGITTAL", "MIXED (flagged)"} <= set(table["plane"])
    assert {"T1W", "DWI", "LOCALIZER", "ANGIOGRAPHY", "OTHER_SEQUENCE"} <= set(
        table["family (brain MR)"]
    )


def test_every_series_has_one_classification_with_concepts(query):
    # the classification build keeps every series (conftest.KEEP_EVERY_SERIES)
    assert query(
        "select count(*) from imaging_quality.unlinked_patients where person_id is null"
    ) == [(0,)]
    assert query("select count(*) from imaging_marts.series_classification") == query(
        "select count(*) from cdm.image_occurrence"
    )
    unmapped = query(
        "select count(*) from imaging_marts.series_classification where "
        "(image_plane is not null and image_plane_concept_id is null) "
        "or (sequence_family is not null and sequence_family_concept_id is null) "
        "or contrast_concept_id is null"
    )
    assert unmapped == [(0,)]
    # the concepts are the 'OMOP Imaging' ones of the codes
    mismatched = query(
        "select count(*) from imaging_marts.series_classification s join cdm.concept c "
        "on c.concept_id = s.sequence_family_concept_id "
        "where c.vocabulary_id <> 'OMOP Imaging' or c.concept_code <> s.sequence_family"
    )
    assert mismatched == [(0,)]


def test_results_are_algorithm_features_in_measurement_and_image_feature(query):
    features = query(
        "select c.concept_code, v.concept_code, m.measurement_type_concept_id, f.image_feature_type_concept_id, "
        "f.alg_system, f.alg_datetime is not null, o.image_series_uid "
        "from cdm.measurement m join cdm.image_feature f on f.image_feature_event_id = m.measurement_id "
        "join cdm.image_occurrence o on o.image_occurrence_id = f.image_occurrence_id "
        "join cdm.concept c on c.concept_id = m.measurement_concept_id "
        "join cdm.concept v on v.concept_id = m.value_as_concept_id "
        "where c.vocabulary_id = 'OMOP Imaging'"
    )
    assert features
    assert {row[2:6] for row in features} == {
        (32880, 32880, "omop-imaging header classifier 1.0.0", True)
    }
    # the feature rows say what the classification model says
    expected = set()
    for uid, plane, family, modality in query(
        "select series_instance_uid, image_plane, sequence_family, modality from imaging_marts.series_classification"
    ):
        if plane:
            expected.add(("IMAGE_PLANE", plane, uid))
        if family:
            expected.add(("MR_SEQUENCE_FAMILY", family, uid))
        assert (family is not None) == (modality == "MR")
    got = {
        (row[0], row[1], row[6])
        for row in features
        if row[0] in ("IMAGE_PLANE", "MR_SEQUENCE_FAMILY")
    }
    assert got == expected
    # header values keep their EHR type and no algorithm
    assert query(
        "select count(*) from cdm.image_feature where image_feature_type_concept_id = 32817 "
        "and alg_system is not null"
    ) == [(0,)]


def test_classify_command_prints_results_and_evidence(classification_duckdb, query):
    uid, family, evidence = query(
        "select series_instance_uid, sequence_family, sequence_family_evidence "
        "from imaging_marts.series_classification where sequence_family = 'DWI'"
    )[0]
    as_json = json.loads(
        omop_imaging(
            "classify", "--db", classification_duckdb, "--format", "json", "--series", uid
        ).stdout
    )
    assert len(as_json) == 1
    assert as_json[0]["series_instance_uid"] == uid
    assert as_json[0]["sequence_family"] == family
    assert as_json[0]["sequence_family_evidence"] == evidence

    table = omop_imaging("classify", "--db", classification_duckdb).stdout
    series_count = query("select count(*) from imaging_marts.series_classification")[0][0]
    assert table.count("\n") > series_count  # a block per series
    assert "Image Orientation Patient (0020,0037)" in table and "diffusion_attributes" in table

    as_csv = list(
        csv.DictReader(
            io.StringIO(
                omop_imaging("classify", "--db", classification_duckdb, "--format", "csv").stdout
            )
        )
    )
    assert len(as_csv) == series_count
    # no patient identifiers in the output
    patient_ids = {
        row[0]
        for row in query("select distinct patient_id from imaging_intermediate.int_dicom__series")
        if row[0]
    }
    text = table + json.dumps(as_json) + str(as_csv)
    # (IDs made of digits and dots could be part of any UID by chance: only the others are checked)
    worded = [pid for pid in patient_ids if not pid.replace(".", "").strip().isdigit()]
    assert worded, "the sample files have patient IDs with letters"
    assert not any(patient_id in text for patient_id in worded)
