"""Assertions on a built database, shared by the DuckDB and PostgreSQL tests (one query runner each)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from conftest import REPO, compiled_analysis
from dicom_files import T1_RULE_CASES

Query = Callable[[str], list[tuple]]


def check_cdm_schema_holds_only_cdm_tables(query: Query) -> None:
    """Schemas by role: the cdm schema lists exactly the CDM / MI-CDM / R-CDM and vocabulary models."""
    expected = {
        path.stem
        for folder in ("cdm", "rcdm", "vocabulary")
        for path in (REPO / "models" / folder).glob("*.sql")
    }
    listed = query("select table_name from information_schema.tables where table_schema = 'cdm'")
    assert {name for (name,) in listed} == expected


def check_conformance(target: str, duckdb_path: str) -> None:
    """The built database conforms to the field-level rules: no check fails (documented exceptions,
    DQD thresholds and Completeness warnings are listed by `report --section conformance`)."""
    from omop_imaging.conformance import failures, run_checks

    results = run_checks(target, duckdb_path)
    checked_tables = {result.table_name for result in results}
    assert {
        "person",
        "observation_period",
        "visit_occurrence",
        "image_occurrence",
    } <= checked_tables
    assert [
        (result.table_name, result.field_name, result.check, result.violated_rows, result.note)
        for result in failures(results)
    ] == []


# The series of the patients the policies left out of the CDM (unlinked, without a person_id).
LEFT_OUT_SERIES = (
    "select s.series_instance_uid from imaging_intermediate.int_dicom__series s "
    "join imaging_quality.unlinked_patients u on s.patient_key = u.patient_key "
    "where u.person_id is null"
)


def staged_in_cdm(query: Query, uid_column: str) -> set[tuple]:
    """The distinct harvested UIDs (study, series or SOP instance) that reach the CDM: every
    harvested file's but those of the left-out patients."""
    return set(
        query(
            f"select distinct {uid_column} from dicom_raw.harvested_file "
            f"where status = 'harvested' and series_instance_uid not in ({LEFT_OUT_SERIES})"
        )
    )


def check_every_series_and_study_is_in_mi_cdm(query: Query) -> None:
    """Every harvested series and study of a patient the CDM keeps is there once; the left-out
    patients' series, as many as unlinked_patients counts, are not."""
    left_out = set(query(LEFT_OUT_SERIES))
    assert query(
        "select coalesce(sum(series_count), 0) from imaging_quality.unlinked_patients "
        "where person_id is null"
    ) == [(len(left_out),)]
    image_series = query("select image_series_uid from cdm.image_occurrence")
    assert len(image_series) == len(set(image_series)), "one image_occurrence per series"
    assert set(image_series) == staged_in_cdm(query, "series_instance_uid")
    assert not set(image_series) & left_out

    staged_studies = staged_in_cdm(query, "study_instance_uid")
    assert query("select count(*) from cdm.procedure_occurrence") == [(len(staged_studies),)]
    orphans = query(
        "select count(*) from cdm.image_occurrence i left join cdm.procedure_occurrence p "
        "on i.procedure_occurrence_id = p.procedure_occurrence_id where p.procedure_occurrence_id is null"
    )
    assert orphans == [(0,)]
    assert query(
        "select count(*) from cdm.image_occurrence where image_occurrence_date is null"
    ) == [(0,)]


def check_measurements_and_features_pair_up(query: Query) -> None:
    unpaired = query(
        "select count(*) from cdm.measurement m full outer join cdm.image_feature f "
        "on f.image_feature_event_id = m.measurement_id where f.image_feature_id is null or m.measurement_id is null"
    )
    assert unpaired == [(0,)]
    assert query("select distinct image_feature_event_field_concept_id from cdm.image_feature") == [
        (1147330,)
    ]


def check_multi_valued_attributes_keep_every_component(query: Query) -> None:
    # Pixel Spacing (0028,0030) has two components: each series that has it keeps both.
    components = query(
        "select m.value_source_value, count(*) from cdm.measurement m join cdm.concept c "
        "on m.measurement_concept_id = c.concept_id where c.vocabulary_id = 'DICOM' and c.concept_code = '00280030' "
        "group by m.person_id, m.measurement_date, m.value_source_value"
    )
    assert components, "the sample data has series with Pixel Spacing"
    per_series = query(
        "select f.image_occurrence_id, count(*) from cdm.measurement m "
        "join cdm.image_feature f on f.image_feature_event_id = m.measurement_id "
        "join cdm.concept c on m.measurement_concept_id = c.concept_id "
        "where c.vocabulary_id = 'DICOM' and c.concept_code = '00280030' group by f.image_occurrence_id"
    )
    assert {count for _series, count in per_series} == {2}


def t1_rule(tr: float | None, te: float | None, ti: float | None) -> bool:
    """Seed 000's published rule, written independently of the SQL it checks."""
    if tr is None or te is None or ti is None:
        return False
    return (1500 <= tr <= 2500 and te < 10 and 800 <= ti <= 1000) or (
        tr < 10 and te < 10 and ti < 500
    )


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def check_t1_analysis(query: Query) -> None:
    selected = {
        row[0]
        for row in query(
            f"select image_series_uid from ({compiled_analysis('t1_weighted_volumetric_mri')}) as t1"
        )
    }
    expected_cases = {uid for uid, case in T1_RULE_CASES.items() if case[3]}
    assert selected & set(T1_RULE_CASES) == expected_cases

    # The whole selection equals the rule applied in Python to the staged representative headers
    # (top level first, then the enhanced MR functional-group attributes).
    values: dict[str, dict[str, str]] = {}
    for series_uid, tag, path, text in query(
        "select e.series_instance_uid, e.tag, e.sequence_path, e.value_text from dicom_raw.header_element e "
        "join dicom_raw.harvested_file f on e.file_id = f.file_id where f.is_series_representative "
        "and e.value_index = 0 and e.tag in ('00080060', '00180080', '00180081', '00180082', '00189082', '00189079') "
        "order by e.sequence_path desc"
    ):
        if path == "" or tag in ("00189082", "00189079"):
            values.setdefault(series_uid, {})[tag] = text
    by_rule = set()
    in_cdm = {uid for (uid,) in staged_in_cdm(query, "series_instance_uid")}
    for series_uid, tags in values.items():
        if series_uid not in in_cdm or (tags.get("00080060") or "").strip() != "MR":
            continue
        te = (
            _number(tags.get("00180081")) if tags.get("00180081") else _number(tags.get("00189082"))
        )
        ti = (
            _number(tags.get("00180082")) if tags.get("00180082") else _number(tags.get("00189079"))
        )
        if t1_rule(_number(tags.get("00180080")), te, ti):
            by_rule.add(series_uid)
    assert selected == by_rule


def check_rcdm(query: Query) -> None:
    staged_studies = staged_in_cdm(query, "study_instance_uid")
    assert query("select count(*) from cdm.radiology_occurrence") == [(len(staged_studies),)]
    staged_images = staged_in_cdm(query, "sop_instance_uid")
    assert query("select count(*) from cdm.radiology_image") == [(len(staged_images),)]
    # count_of_images / count_of_series agree with the image rows, study by study
    disagreeing = query(
        "select count(*) from cdm.radiology_occurrence o left join ("
        " select radiology_occurrence_id, count(*) as images, count(distinct radiology_series_id) as series"
        " from cdm.radiology_image group by radiology_occurrence_id) i"
        " on o.radiology_occurrence_id = i.radiology_occurrence_id"
        " where o.count_of_images <> i.images or o.count_of_series <> i.series or i.images is null"
    )
    assert disagreeing == [(0,)]
    # pydicom's CT_small.dcm is an axial CT slice: its image row carries the AXIAL plane concept
    planes = query(
        "select c.concept_code, i.ct_slice_thickness from cdm.radiology_image i join cdm.concept c "
        "on i.laterality_concept_id = c.concept_id where i.file_path like '%/CT_small.dcm'"
    )
    assert planes == [("AXIAL", 5.0)]


def check_protocol_mapping(query: Query) -> None:
    # Each study whose modality and body part the demo map lists gets that row's concept ...
    mapped = query(
        "select o.modality, c.vocabulary_id, c.concept_code from cdm.radiology_occurrence o "
        "join cdm.concept c on o.protocol_concept_id = c.concept_id order by 1, 3"
    )
    assert ("CT", "SNOMED", "303653007") in mapped
    # ... and every unmapped study is listed, with the right total.
    unmapped_studies = query(
        "select count(*) from cdm.radiology_occurrence where protocol_concept_id = 0"
    )
    assert (
        query("select sum(study_count) from imaging_quality.radiology_unmapped_protocols")
        == unmapped_studies
    )


def check_coverage_report(query: Query) -> None:
    report = {
        (table, column): (rows, mapped, unmapped, percent)
        for table, column, rows, mapped, unmapped, percent in query(
            "select table_name, column_name, row_count, mapped_count, unmapped_count, mapped_percent from imaging_quality.etl_coverage"
        )
    }
    # Recount two rows independently.
    total, mapped = query(
        "select count(*), sum(case when protocol_concept_id <> 0 then 1 else 0 end) from cdm.radiology_occurrence"
    )[0]
    rows, got_mapped, unmapped, percent = report[("radiology_occurrence", "protocol_concept_id")]
    assert (rows, got_mapped, unmapped) == (total, mapped, total - mapped)
    # SQL rounds half away from zero (5 of 32 is 15.63), Python's round() half to even
    expected = (Decimal(100 * mapped) / Decimal(total)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert Decimal(str(percent)) == expected, (percent, mapped, total)
    total, with_thickness = query(
        "select count(*), count(ct_slice_thickness) from cdm.radiology_image"
    )[0]
    assert report[("radiology_image", "ct_slice_thickness")][:2] == (total, with_thickness)
    assert {table for table, _column in report} >= {
        "radiology_occurrence",
        "radiology_image",
        "image_occurrence",
        "measurement",
        "procedure_occurrence",
        "person",
    }


def check_linkage_and_er_cohort(query: Query) -> None:
    from dicom_files import DAY_AFTER_ER_SERIES, UNKNOWN_PATIENT_ID, UNKNOWN_PATIENT_SERIES

    # The demo patient's head CT on the day of its ER visit for a hemorrhage is the cohort; the same
    # patient's head CT one day later, and the head CT of the demo patient whose ER visit was for a
    # headache, are not.
    cohort = query(
        "select c.image_series_uid, p.person_source_value from imaging_marts.cohort_er_ct_brain_precontrast c "
        "join cdm.person p on c.person_id = p.person_id"
    )
    assert [source for _uid, source in cohort] == ["77654033"]
    assert DAY_AFTER_ER_SERIES not in {uid for uid, _source in cohort}

    # Visit linkage: on the ER day both the ER visit and the inpatient stay contain the image; the
    # later-starting, then shorter one (the ER visit) wins. The day after, only the stay does.
    visits = dict(
        query(
            "select i.image_series_uid, v.visit_source_value from cdm.image_occurrence i "
            "join imaging_staging.stg_clinical__visits v on i.visit_occurrence_id = v.visit_occurrence_id "
            f"where i.image_series_uid in ('{cohort[0][0]}', '{DAY_AFTER_ER_SERIES}')"
        )
    )
    assert visits == {cohort[0][0]: "ER", DAY_AFTER_ER_SERIES: "IP"}

    # A patient with no clinical record is never dropped silently: by default it gets a new person.
    unknown = query(
        f"select link_method, person_id is not null from imaging_quality.unlinked_patients where patient_id = '{UNKNOWN_PATIENT_ID}'"
    )
    assert unknown == [("created", True)]
    assert query(
        f"select count(*) from cdm.image_occurrence where image_series_uid = '{UNKNOWN_PATIENT_SERIES}'"
    ) == [(1,)]
    linked = query(
        "select count(*) from imaging_intermediate.int_dicom__patients where link_method = 'clinical_person'"
    )
    assert linked[0][0] > 10


def check_defined_terms_resolve_for_every_attribute(query: Query) -> None:
    """A header value that is one of its attribute's Defined Terms / Enumerated Values (any CS
    attribute, not only the paper's four) gets that value concept as value_as_concept_id."""
    listed = query(
        "select a.concept_code, m.value_source_value, m.value_as_concept_id, v.value_concept_id "
        "from cdm.measurement m "
        "join cdm.concept a on a.concept_id = m.measurement_concept_id and a.vocabulary_id = 'DICOM' "
        "join imaging_intermediate.int_vocabulary__attribute_values v on v.attribute_concept_id = a.concept_id "
        "and upper(v.value_code) = upper(trim(m.value_source_value)) "
        "where m.measurement_type_concept_id = 32817"
    )
    assert listed, "the sample data has CS values of attributes with value sets"
    unresolved = [row for row in listed if row[2] == 0]
    assert not unresolved, unresolved[:5]
    attributes = {row[0] for row in listed}
    assert {"00080060", "00185100"} <= attributes  # Modality, Patient Position
    assert len(attributes) > 4, attributes  # more than the paper's four attributes
    position = query(
        "select distinct m.value_as_concept_id, v.concept_id from cdm.measurement m "
        "join cdm.concept a on a.concept_id = m.measurement_concept_id "
        "join cdm.concept v on v.vocabulary_id = 'DICOM' and v.concept_code = 'HFS' "
        "where a.vocabulary_id = 'DICOM' and a.concept_code = '00185100' "
        "and m.value_source_value = 'HFS'"
    )
    assert len(position) == 1 and position[0][0] == position[0][1]


def check_header_value_conformance(query: Query) -> None:
    """header_value_conformance lists exactly the CS values and coded items (per series) that are
    not among their attribute's allowed values, recomputed here from the seeds in Python."""
    value_sets = {
        (tag, kind): strictness
        for tag, kind, strictness in query(
            "select attribute_code, value_set_type, strictness from imaging_seeds.dicom_attribute_value_set"
        )
    }
    allowed = {
        (tag, vocabulary, code.upper())
        for tag, vocabulary, code in query(
            "select concept_code_1, vocabulary_id_2, concept_code_2 from imaging_seeds.dicom_concept_relationship "
            "where relationship_id = 'Maps to value' and vocabulary_id_1 = 'DICOM'"
        )
    }
    schemes = dict(
        query(
            "select coding_scheme_designator, vocabulary_id from imaging_seeds.coding_scheme_vocabulary"
        )
    )
    expected = set()
    for tag, source, value, scheme, manufacturer in query(
        "select h.attribute_code, h.value_source, trim(h.value_text), h.coding_scheme_designator, "
        "coalesce(s.manufacturer, '') from imaging_intermediate.int_dicom__header_values h "
        "join imaging_intermediate.int_dicom__series s on s.series_instance_uid = h.series_instance_uid "
        "where h.vr = 'CS' or h.value_source = 'coded_sequence'"
    ):
        kind = "context_group" if source == "coded_sequence" else "terms"
        if (tag, kind) not in value_sets:
            continue
        vocabulary = schemes.get(scheme) if kind == "context_group" else "DICOM"
        if (tag, vocabulary, value.upper()) in allowed:
            continue
        finding = "not_allowed" if value_sets[(tag, kind)] == "enumerated" else "extension"
        expected.add((finding, tag, value, scheme, manufacturer))
    listed = query(
        "select finding, tag, value_code, coding_scheme_designator, manufacturer "
        "from imaging_quality.header_value_conformance"
    )
    assert len(listed) == len(set(listed))
    assert set(listed) == expected
    assert {row[0] for row in listed} == {"not_allowed", "extension"}
    # the sample files hold an Approval Status (Enumerated Values) the standard does not list
    assert ("not_allowed", "300E0002", "CREATED", None, "Agfa-Gevaert AG") in set(listed)
