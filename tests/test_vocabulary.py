"""The DICOM vocabulary generator: reproducible seeds and concept IDs that never move."""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds" / "vocabulary"
SCRIPT = REPO / "scripts" / "generate_dicom_vocabulary.py"


def _load_generator():
    spec = importlib.util.spec_from_file_location("generate_dicom_vocabulary", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


def _read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def source():
    return gen.load_pinned_sources()


@pytest.fixture(scope="module")
def committed_registry() -> list[dict]:
    return _read(SEEDS / "dicom_concept_id_registry.csv")


def _ids(vocabulary) -> dict[tuple[str, str], int]:
    return {(r["vocabulary_id"], r["concept_code"]): r["concept_id"] for r in vocabulary.concept}


# --- the committed seeds are exactly what the generator writes --------------------------------


def test_regenerating_gives_the_committed_seeds_byte_for_byte(tmp_path):
    """How CI checks 'regenerates with an empty diff': any drift fails here."""
    shutil.copy(SEEDS / "dicom_concept_id_registry.csv", tmp_path)
    gen.generate(tmp_path)
    for name in gen.GENERATED_FILES:
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), (
            f"{name} differs from the committed seed: run scripts/generate_dicom_vocabulary.py"
        )


def test_running_twice_gives_identical_files(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        out.mkdir()
        shutil.copy(SEEDS / "dicom_concept_id_registry.csv", out)
        gen.generate(out)
    for name in gen.GENERATED_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_a_fresh_registry_numbers_from_the_start_of_the_local_block(source):
    vocabulary = gen.build_vocabulary(source, [])
    ids = sorted(row["concept_id"] for row in vocabulary.concept)
    assert ids[0] == gen.LOCAL_ID_START
    assert ids == list(range(gen.LOCAL_ID_START, gen.LOCAL_ID_START + len(ids)))


# --- stability of concept IDs ------------------------------------------------------------------


def test_ids_survive_removed_added_and_reordered_source_entries(source, committed_registry):
    before = gen.build_vocabulary(source, committed_registry)
    old_ids = _ids(before)
    old_max = max(int(r["concept_id"]) for r in committed_registry)

    # A later edition: some attributes retired out of the list, a DCM code dropped, new entries
    # added, and everything delivered in a different order.
    removed_attributes = {"00100010", "00180080", "60xx0010"}
    removed_codes = {"113076"}
    attributes = [a for a in source.attributes if a.code not in removed_attributes]
    attributes.append(gen.Attribute("7FE10001", "New Attribute", "NewAttribute", "OB", False))
    attributes.append(gen.Attribute("00189999", "Another New One", "AnotherNewOne", "FD", False))
    # CT leaves PS3.16 but stays a Modality Defined Term: same key, so same concept and ID
    coded_values = [v for v in source.coded_values if v.code not in removed_codes | {"CT"}]
    coded_values.append(gen.CodedValue("999001", "A brand new DCM code", (29,)))
    defined_terms = [t for t in source.defined_terms if t.term != "HEAD"]
    defined_terms.append(gen.DefinedTerm(gen.PATIENT_POSITION, "HFSX", "Made up position"))
    attribute_terms = [t for t in source.attribute_terms if t.value != "HEAD"]
    attribute_terms.append(gen.AttributeTerm("00280004", "MONOCHROME3", "enumerated"))
    later = dataclasses.replace(
        source,
        attributes=list(reversed(attributes)),
        coded_values=list(reversed(coded_values)),
        defined_terms=list(reversed(defined_terms)),
        attribute_terms=list(reversed(attribute_terms)),
    )

    after = gen.build_vocabulary(later, before.registry)
    new_ids = _ids(after)

    removed = {("DICOM", c) for c in removed_attributes | removed_codes | {"HEAD"}}
    assert removed <= set(old_ids) and not removed & set(new_ids)
    for key, concept_id in new_ids.items():
        if key in old_ids:
            assert concept_id == old_ids[key], f"{key} moved from {old_ids[key]} to {concept_id}"
    added = set(new_ids) - set(old_ids)
    assert added == {
        ("DICOM", "7FE10001"),
        ("DICOM", "00189999"),
        ("DICOM", "999001"),
        ("DICOM", "HFSX"),
        ("DICOM", "MONOCHROME3"),
    }
    added_ids = sorted(new_ids[key] for key in added)
    assert added_ids == list(range(old_max + 1, old_max + 1 + len(added)))
    # removed concepts keep their registry rows, so their IDs are never given to anyone else
    assert {int(r["concept_id"]) for r in after.registry} >= {old_ids[k] for k in removed}
    assert not {old_ids[k] for k in removed} & set(new_ids.values())

    ct_after = next(r for r in after.concept if r["concept_code"] == "CT")
    assert ct_after["concept_class_id"] == "DICOM Defined Terms"
    assert ct_after["concept_id"] == old_ids[("DICOM", "CT")]

    # the registry only ever grows: the old one is an unchanged prefix of the new one
    assert after.registry[: len(before.registry)] == before.registry

    # and a removed concept that comes back gets its old ID again
    again = gen.build_vocabulary(source, after.registry)
    assert _ids(again)[("DICOM", "00180080")] == old_ids[("DICOM", "00180080")]


def test_a_registry_that_breaks_the_rules_is_refused(source):
    with pytest.raises(ValueError, match="twice"):
        gen.build_vocabulary(
            source,
            [
                {"concept_id": gen.LOCAL_ID_START, "vocabulary_id": "DICOM", "concept_code": "X"},
                {
                    "concept_id": gen.LOCAL_ID_START + 1,
                    "vocabulary_id": "DICOM",
                    "concept_code": "X",
                },
            ],
        )
    with pytest.raises(ValueError, match="outside the local range"):
        gen.build_vocabulary(
            source, [{"concept_id": 12345, "vocabulary_id": "DICOM", "concept_code": "X"}]
        )


# --- content -----------------------------------------------------------------------------------


def test_the_vocabulary_has_the_concepts_the_paper_describes(source, committed_registry):
    vocabulary = gen.build_vocabulary(source, committed_registry)
    by_code = {(r["vocabulary_id"], r["concept_code"]): r for r in vocabulary.concept}

    repetition_time = by_code[("DICOM", "00180080")]
    assert repetition_time["concept_name"] == "Repetition Time"
    assert repetition_time["concept_class_id"] == "DICOM Attributes"
    assert repetition_time["domain_id"] == "Measurement"
    assert by_code[("DICOM", "60xx0010")]["concept_name"] == "Overlay Rows"  # repeating group
    retired = by_code[("DICOM", "00080001")]  # Length to End, retired
    assert retired["invalid_reason"] == "D" and retired["valid_end_date"] == gen.RETIRED_END
    assert by_code[("DICOM", "113076")]["concept_class_id"] == "DICOM Value Sets"  # Segmentation
    assert by_code[("DICOM", "HFS")]["concept_name"] == "Head First-Supine"
    assert by_code[("DICOM", "ISO_10918_1")]["concept_class_id"] == "DICOM Defined Terms"
    # a Modality Defined Term that is also a DCM code is one concept, not two
    assert by_code[("DICOM", "CT")]["concept_class_id"] == "DICOM Value Sets"
    # the vocabulary and its classes have concepts of their own, inside the local block
    assert ("Vocabulary", "DICOM") in by_code
    for row in vocabulary.concept:
        assert gen.LOCAL_ID_START <= row["concept_id"] <= gen.LOCAL_ID_END
    assert (
        vocabulary.vocabulary[0]["vocabulary_concept_id"]
        == by_code[("Vocabulary", "DICOM")]["concept_id"]
    )

    stats = vocabulary.stats
    assert stats["attributes"] >= 5180
    assert stats["coded_values"] >= 3281  # the paper's unique DCM codes (2024c)
    assert stats["coded_value_memberships"] >= 5223
    assert stats["defined_terms_00180015"] >= 317
    assert stats["defined_terms_00185100"] == 16
    assert stats["synonyms"] >= 5170


def test_relationships_come_with_their_reverse(source, committed_registry):
    vocabulary = gen.build_vocabulary(source, committed_registry)
    rows = {
        (r["vocabulary_id_1"], r["concept_code_1"], r["relationship_id"], r["concept_code_2"])
        for r in vocabulary.concept_relationship
    }
    assert ("DICOM", "HEAD", "Maps to", "69536005") in rows
    assert ("SNOMED", "69536005", "Mapped from", "HEAD") in rows
    assert ("DICOM", "00180015", "Maps to value", "HEAD") in rows
    assert ("DICOM", "00080060", "Maps to value", "CT") in rows
    assert ("DICOM", "00185100", "Maps to value", "HFS") in rows
    assert ("DICOM", "HFS", "Value mapped from", "00185100") in rows
    reverse = {"Maps to": "Mapped from", "Maps to value": "Value mapped from"}
    for row in vocabulary.concept_relationship:
        if row["relationship_id"] in reverse:
            assert (
                row["vocabulary_id_2"],
                row["concept_code_2"],
                reverse[row["relationship_id"]],
                row["concept_code_1"],
            ) in rows


def test_every_attribute_maps_to_its_value_sets_at_least_as_often_as_in_the_paper(
    source, committed_registry
):
    vocabulary = gen.build_vocabulary(source, committed_registry)
    stats = vocabulary.stats
    assert stats["maps_to_value"] >= 7840  # the paper's 'Maps to value' (DICOM 2024c)
    assert stats["relationships_without_reverse"] >= 8147  # with its 'Maps to' SNOMED
    rows = {
        (r["concept_code_1"], r["relationship_id"], r["vocabulary_id_2"], r["concept_code_2"])
        for r in vocabulary.concept_relationship
        if r["vocabulary_id_1"] == "DICOM"
    }
    # a context group's SNOMED and UCUM members (CID 4031, 82)
    assert ("00082218", "Maps to value", "SNOMED", "818981001") in rows  # Abdomen
    assert ("004008EA", "Maps to value", "UCUM", "mm") in rows
    # Annex L: Anatomic Region Sequence takes the anatomic region code of every body part
    assert ("00082218", "Maps to value", "SNOMED", "69536005") in rows  # Head
    # CS Defined Terms / Enumerated Values of any attribute, not only the paper's four
    assert ("00100040", "Maps to value", "DICOM", "M") in rows  # Patient Sex
    assert ("00280004", "Maps to value", "DICOM", "MONOCHROME2") in rows
    assert ("00080008", "Maps to value", "DICOM", "ORIGINAL") in rows  # Image Type


def test_links_on_the_wrong_attribute_are_moved_to_the_one_the_standard_names(source):
    vocabulary = gen.build_vocabulary(source, [])
    maps_to_value = {
        (r["concept_code_1"], r["concept_code_2"])
        for r in vocabulary.concept_relationship
        if r["relationship_id"] == "Maps to value"
    }
    from_attribute = {}
    for attribute, value in maps_to_value:
        from_attribute.setdefault(attribute, set()).add(value)
    # CID 4270 (OCT-A Processing Algorithm Family) belongs to Algorithm Family Code Sequence
    assert "128253" in from_attribute["0066002F"]
    assert "00221423" not in from_attribute and "00221612" not in from_attribute
    # CID 8134 (Anatomic Structure) belongs to Primary Anatomic Structure Sequence
    assert "00400560" not in from_attribute
    assert len(from_attribute["00082228"]) > 1000
    # every correction names a link the table has, and the tables' kinds are known ones
    corrections = gen._rows(gen.VALUE_SETS_DIR / "attribute_cid_corrections.csv")
    links = {
        (r["tag"], int(r["cid"])) for r in gen._rows(gen.VALUE_SETS_DIR / "attribute_cid_links.csv")
    }
    assert {(r["tag"], int(r["cid"])) for r in corrections} <= links


def test_value_sets_say_which_are_closed(source):
    value_sets = {
        (r["attribute_code"], r["value_set_type"]): r
        for r in gen.build_vocabulary(source, []).value_sets
    }
    assert value_sets[("00100040", "terms")]["strictness"] == "enumerated"  # Patient Sex
    assert value_sets[("00080060", "terms")]["strictness"] == "extensible"  # Modality
    anatomic_region = value_sets[("00082218", "context_group")]
    assert anatomic_region["strictness"] == "extensible"
    assert "4031" in anatomic_region["context_groups"].split(";")


def test_units_are_the_ones_ps3_3_states(source):
    units = {row["tag"]: row["unit_code"] for row in gen.build_vocabulary(source, []).units}
    assert units["00180050"] == "mm"  # Slice Thickness
    assert units["00180080"] == "ms"  # Repetition Time
    assert units["00181314"] == "deg"  # Flip Angle
    assert units["00180087"] == "T"  # Magnetic Field Strength
    assert units["00189345"] == "mGy"  # CTDIvol
    assert "00180013" not in units  # T1 relaxivity is "in s-1 mmol-1", not seconds
    assert "00100010" not in units  # only numeric attributes
    # the hand-made table adds what the text does not give, and repeats nothing it does give
    listed = {
        row["tag"]: row["unit_code"] for row in _read(REPO / "seeds/mapping/attribute_unit.csv")
    }
    assert listed["00180060"] == "kV" and listed["00189087"] == "s/mm2"
    assert not {tag for tag in listed if units.get(tag) == listed[tag]}
