"""Assertions on a built database, shared by the DuckDB and PostgreSQL tests (one query runner each)."""

from __future__ import annotations

from collections.abc import Callable

from conftest import compiled_analysis
from dicom_files import T1_RULE_CASES

Query = Callable[[str], list[tuple]]


def check_every_series_and_study_is_in_mi_cdm(query: Query) -> None:
    staged_series = set(
        query(
            "select distinct series_instance_uid from dicom_raw.harvested_file where status = 'harvested'"
        )
    )
    image_series = query("select image_series_uid from cdm.image_occurrence")
    assert len(image_series) == len(set(image_series)), "one image_occurrence per series"
    assert set(image_series) == staged_series

    staged_studies = set(
        query(
            "select distinct study_instance_uid from dicom_raw.harvested_file where status = 'harvested'"
        )
    )
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
    for series_uid, tags in values.items():
        if (tags.get("00080060") or "").strip() != "MR":
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
