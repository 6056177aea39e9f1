"""Generate the DICOM vocabulary seeds (OMOP CONCEPT, CONCEPT_RELATIONSHIP, ...) from pinned sources.

Sources, all installed from PyPI into the project's virtualenv and pinned by version:

* pydicom 3.0.2: ``pydicom.datadict.DicomDictionary`` and ``RepeatersDictionary`` (PS3.6 data
  dictionary) and ``pydicom.sr._concepts_dict`` / ``pydicom.sr._cid_dict`` (PS3.16 context groups).
* highdicom 0.28.2: ``highdicom/_standard/anatomic_regions.json`` (PS3.16 Annex L, Body Part
  Examined defined terms with their SNOMED CT codes).
* dicom-standard 0.1.0: ``standard/module_to_attributes.json``, ``macro_to_attributes.json`` and
  ``references.json`` (PS3.3 attribute descriptions: the four Defined Terms sections with their
  meanings, and the unit a numeric attribute's description states).
* ``scripts/vocabulary/value_sets/``: which context groups (PS3.16 CIDs) and which Defined Terms /
  Enumerated Values PS3.3 gives each attribute, copied from two tables derived from the standard
  (the paper's PS3.3 2024c harvest and dicom3tools' module tables), with the links the harvest put
  on the wrong attribute corrected (``attribute_cid_corrections.csv``; see the README there).
* ``seeds/mapping/coding_scheme_vocabulary.csv``: DICOM coding scheme -> OMOP vocabulary_id, for the
  members of a context group that are not DCM codes (SCT -> SNOMED, LN -> LOINC, UCUM).
* ``scripts/vocabulary/omop_imaging_concepts.csv``: the project's own 'OMOP Imaging' vocabulary, the
  concepts of header-derived features (plane, contrast, MR sequence family, ...) and their values,
  for which no standard concept fits. Written by hand; IDs from the same registry.

Concept IDs come from an append-only registry (``dicom_concept_id_registry.csv``): a concept keeps
the ID it was first given for ever; a new concept gets the next ID above the registry's maximum; an
ID is never reused, even when its concept leaves the standard.

The core, :func:`build_vocabulary`, is a pure function of the source entries and the registry, so
tests can feed it a modified standard. Running the script twice gives byte-identical files.

Usage::

    .venv/bin/python scripts/generate_dicom_vocabulary.py [--out seeds/vocabulary]
"""

from __future__ import annotations

import argparse
import csv
import html
import importlib.metadata
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "seeds" / "vocabulary"

PINNED_VERSIONS = {"pydicom": "3.0.2", "highdicom": "0.28.2", "dicom-standard": "0.1.0"}

# OMOP reserves concept_ids from 2,000,000,000 for local concepts; the published DICOM vocabulary
# (Park et al., MI-CDM) uses the block from 2,128,000,000. One million IDs is the block we own.
LOCAL_ID_START = 2_128_000_000
LOCAL_ID_END = 2_128_999_999

VOCABULARY_ID = "DICOM"
VOCABULARY_NAME = "Digital Imaging and Communications in Medicine (NEMA)"
VOCABULARY_REFERENCE = "https://www.dicomstandard.org/current"
CLASS_ATTRIBUTE = "DICOM Attributes"
CLASS_VALUE_SET = "DICOM Value Sets"
CLASS_DEFINED_TERM = "DICOM Defined Terms"
CONCEPT_CLASSES = {
    CLASS_ATTRIBUTE: "DICOM Data Element (PS3.6 attribute tag)",
    CLASS_VALUE_SET: "DICOM-managed coded value of a PS3.16 context group",
    CLASS_DEFINED_TERM: "DICOM Defined Term / Enumerated Value (PS3.3, PS3.16 Annex L)",
}
DOMAIN_ATTRIBUTE = "Measurement"
DOMAIN_VALUE = "Meas Value"
DOMAIN_METADATA = "Metadata"

VALID_START = "1970-01-01"
VALID_END = "2099-12-31"
# PS3.6 says an attribute is retired, not when: retired ones end at the edition they were read from.
RETIRED_END = "2024-07-01"  # DICOM 2024c, the data dictionary edition pinned in pydicom 3.0.2

ENGLISH_LANGUAGE_CONCEPT_ID = 4180186

# The four attributes whose PS3.3 / Annex L Defined Terms come with their meanings, and where.
MODALITY = "00080060"
BODY_PART_EXAMINED = "00180015"
ANATOMIC_REGION_SEQUENCE = "00082218"
PATIENT_POSITION = "00185100"
LOSSY_METHOD = "00282114"
DEFINED_TERM_SECTIONS = {
    MODALITY: "sect_C.7.3.1.1.1",
    PATIENT_POSITION: "sect_C.7.3.1.1.2",
    LOSSY_METHOD: "sect_C.7.6.1.1.5.1",
    BODY_PART_EXAMINED: "chapter_L",
}

CONCEPT_COLUMNS = [
    "concept_id",
    "concept_name",
    "domain_id",
    "vocabulary_id",
    "concept_class_id",
    "standard_concept",
    "concept_code",
    "valid_start_date",
    "valid_end_date",
    "invalid_reason",
]
RELATIONSHIP_COLUMNS = [
    "vocabulary_id_1",
    "concept_code_1",
    "relationship_id",
    "vocabulary_id_2",
    "concept_code_2",
    "valid_start_date",
    "valid_end_date",
    "invalid_reason",
]
SYNONYM_COLUMNS = ["concept_id", "concept_synonym_name", "language_concept_id"]
VOCABULARY_COLUMNS = [
    "vocabulary_id",
    "vocabulary_name",
    "vocabulary_reference",
    "vocabulary_version",
    "vocabulary_concept_id",
]
CONCEPT_CLASS_COLUMNS = ["concept_class_id", "concept_class_name", "concept_class_concept_id"]
REGISTRY_COLUMNS = ["concept_id", "vocabulary_id", "concept_code"]

LOCAL_VOCABULARY_ID = "OMOP Imaging"
LOCAL_VOCABULARY_NAME = "omop-imaging derived imaging features"
LOCAL_VOCABULARY_REFERENCE = "scripts/vocabulary/omop_imaging_concepts.csv"
LOCAL_VOCABULARY_VERSION = "1"
LOCAL_CONCEPT_CLASSES = {
    "Imaging Feature": "Feature derived from DICOM headers by omop-imaging",
    "Imaging Value": "Value of a feature derived by omop-imaging",
}
LOCAL_CONCEPTS_FILE = REPO_ROOT / "scripts" / "vocabulary" / "omop_imaging_concepts.csv"

REVERSE = {"Maps to": "Mapped from", "Maps to value": "Value mapped from"}

VALUE_SETS_DIR = REPO_ROOT / "scripts" / "vocabulary" / "value_sets"
CODING_SCHEMES_FILE = REPO_ROOT / "seeds" / "mapping" / "coding_scheme_vocabulary.csv"
LINK_KINDS = ("baseline", "defined", "enumerated", "other")
TERM_KINDS = ("defined", "enumerated")
VALUE_SET_COLUMNS = ["attribute_code", "value_set_type", "strictness", "context_groups"]
UNIT_COLUMNS = ["tag", "keyword", "unit_code"]

# Units PS3.3 states in the description of a numeric attribute ("... in mm", "expressed in
# degrees"), as UCUM codes. An attribute whose descriptions name two different units gets none.
NUMERIC_VRS = {"DS", "FD", "FL", "IS", "SL", "SS", "UL", "US", "SV", "UV"}
UNIT_WORDS = {
    "mm": "mm",
    "millimeter": "mm",
    "millimeters": "mm",
    "cm": "cm",
    "meter": "m",
    "meters": "m",
    "mm2": "mm2",
    "mm3": "mm3",
    "mm/s": "mm/s",
    "ms": "ms",
    "msec": "ms",
    "millisecond": "ms",
    "milliseconds": "ms",
    "s": "s",
    "sec": "s",
    "second": "s",
    "seconds": "s",
    "minute": "min",
    "minutes": "min",
    "us": "us",
    "usec": "us",
    "microsecond": "us",
    "microseconds": "us",
    "degree": "deg",
    "degrees": "deg",
    "Tesla": "T",
    "kV": "kV",
    "kVp": "kV",
    "mA": "mA",
    "mAs": "mA.s",
    "mGy": "mGy",
    "Gy": "Gy",
    "mSv": "mSv",
    "Hz": "Hz",
    "kg": "kg",
    "percent": "%",
    "MBq": "MBq",
    "Bq": "Bq",
    "dB": "dB",
    "ml": "mL",
    "mL": "mL",
}
_UNIT_RE = re.compile(
    r"\b(?:in|expressed in|units of|unit is|units are)\s+("
    + "|".join(re.escape(word) for word in sorted(UNIT_WORDS, key=len, reverse=True))
    + r")(?![\w/^-])(?!\s*-\d)"  # not "in s-1" or "in s -1 *mmol -1"
)


# --------------------------------------------------------------------------------------------
# Source entries: plain data, so a test can build a modified standard.
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attribute:
    code: str  # tag as 8 hex digits, upper case; repeating groups keep a lower-case x ("60xx0010")
    name: str
    keyword: str
    vr: str
    retired: bool


@dataclass(frozen=True)
class CodedValue:
    code: str  # DCM code value
    meaning: str
    cids: tuple[int, ...]  # context groups it belongs to


@dataclass(frozen=True)
class DefinedTerm:
    attribute_code: str
    term: str
    meaning: str
    retired: bool = False
    snomed_code: str | None = None  # Annex L body parts only


@dataclass(frozen=True)
class ContextGroupLink:
    """PS3.3 gives a coded-sequence attribute the codes of a PS3.16 context group."""

    attribute_code: str
    cid: int
    kind: str  # one of LINK_KINDS; 'other' when the source did not say Baseline/Defined/Enumerated


@dataclass(frozen=True)
class AttributeTerm:
    """PS3.3 lists a string a CS attribute may take, as a Defined Term or an Enumerated Value."""

    attribute_code: str
    value: str
    kind: str  # one of TERM_KINDS


@dataclass(frozen=True)
class LocalConcept:
    code: str
    name: str
    domain_id: str
    concept_class_id: str


@dataclass
class SourceEntries:
    attributes: list[Attribute]
    coded_values: list[CodedValue]
    defined_terms: list[DefinedTerm]
    # attributes whose PS3.3 description points at another attribute's Defined Terms section
    defined_term_users: dict[str, set[str]] = field(default_factory=dict)
    version: str = "unversioned"
    local_concepts: list[LocalConcept] = field(default_factory=list)
    context_group_links: list[ContextGroupLink] = field(default_factory=list)
    # CID -> its members that are not DCM codes, as (OMOP vocabulary_id, code)
    context_group_members: dict[int, set[tuple[str, str]]] = field(default_factory=dict)
    attribute_terms: list[AttributeTerm] = field(default_factory=list)
    # numeric attribute -> the UCUM code of the unit PS3.3 states for it
    attribute_units: dict[str, str] = field(default_factory=dict)


@dataclass
class Vocabulary:
    concept: list[dict]
    concept_relationship: list[dict]
    concept_synonym: list[dict]
    vocabulary: list[dict]
    concept_class: list[dict]
    registry: list[dict]
    value_sets: list[dict]
    units: list[dict]
    stats: dict[str, int]


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------
def assign_ids(
    registry: Sequence[Mapping[str, object]], keys: Iterable[tuple[str, str]]
) -> tuple[dict[tuple[str, str], int], list[dict]]:
    """Give every key its registered ID; append new keys above the maximum, in the given order.

    Returns the key -> ID map and the complete registry (old rows unchanged, new rows appended).
    """
    ids: dict[tuple[str, str], int] = {}
    rows: list[dict] = []
    for row in registry:
        key = (str(row["vocabulary_id"]), str(row["concept_code"]))
        concept_id = int(row["concept_id"])  # type: ignore[arg-type]
        if key in ids:
            raise ValueError(f"registry lists {key} twice")
        if not LOCAL_ID_START <= concept_id <= LOCAL_ID_END:
            raise ValueError(f"registry ID {concept_id} for {key} is outside the local range")
        ids[key] = concept_id
        rows.append({"concept_id": concept_id, "vocabulary_id": key[0], "concept_code": key[1]})
    if len(set(ids.values())) != len(ids):
        raise ValueError("registry gives one concept_id to two concepts")
    next_id = max(ids.values(), default=LOCAL_ID_START - 1) + 1
    for key in keys:
        if key in ids:
            continue
        if next_id > LOCAL_ID_END:
            raise ValueError("the local concept_id block is exhausted")
        ids[key] = next_id
        rows.append({"concept_id": next_id, "vocabulary_id": key[0], "concept_code": key[1]})
        next_id += 1
    return ids, rows


# --------------------------------------------------------------------------------------------
# Core
# --------------------------------------------------------------------------------------------
def _clip(text: str, limit: int = 255) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def build_vocabulary(source: SourceEntries, registry: Sequence[Mapping[str, object]]) -> Vocabulary:
    """Turn source entries into OMOP vocabulary rows; IDs from (and appended to) the registry."""
    concepts: dict[tuple[str, str], dict] = {}

    def add(key: tuple[str, str], **values: str | None) -> None:
        if key in concepts:
            raise ValueError(f"concept {key} generated twice")
        concepts[key] = {"vocabulary_id": key[0], "concept_code": key[1], **values}

    def add_metadata(vocabulary_id: str, vocabulary_name: str, classes: Mapping[str, str]) -> None:
        """A vocabulary and its concept classes have concepts of their own."""
        metadata = {"domain_id": DOMAIN_METADATA, "standard_concept": None}
        add(
            ("Vocabulary", vocabulary_id),
            concept_name=vocabulary_name,
            concept_class_id="Vocabulary",
            **metadata,
        )
        for class_id, class_name in classes.items():
            add(
                ("Concept Class", class_id),
                concept_name=class_name,
                concept_class_id="Concept Class",
                **metadata,
            )

    add_metadata(VOCABULARY_ID, VOCABULARY_NAME, CONCEPT_CLASSES)

    # PS3.6 attributes.
    attribute_codes = set()
    for attr in sorted(source.attributes, key=lambda a: a.code):
        name = attr.name.strip()
        if not name or name.lower() == "retired-blank":
            name = f"Retired attribute ({attr.code[:4]},{attr.code[4:]})"
        add(
            (VOCABULARY_ID, attr.code),
            concept_name=_clip(name),
            domain_id=DOMAIN_ATTRIBUTE,
            concept_class_id=CLASS_ATTRIBUTE,
            standard_concept="S",
            invalid_reason="D" if attr.retired else None,
            valid_end_date=RETIRED_END if attr.retired else VALID_END,
        )
        attribute_codes.add(attr.code)

    # PS3.16 DICOM-managed coded values that belong to at least one context group.
    value_codes: dict[str, CodedValue] = {}
    for value in sorted(source.coded_values, key=lambda v: v.code):
        if not value.cids:
            continue
        if value.code in attribute_codes:
            raise ValueError(f"DCM code {value.code} collides with an attribute tag")
        value_codes[value.code] = value
        add(
            (VOCABULARY_ID, value.code),
            concept_name=_clip(value.meaning),
            domain_id=DOMAIN_VALUE,
            concept_class_id=CLASS_VALUE_SET,
            standard_concept="S",
        )

    # PS3.3 / Annex L Defined Terms; a term that is already a DCM code (most modalities) is
    # that concept, not a second one.
    term_codes: dict[str, DefinedTerm] = {}
    term_reused: dict[str, int] = {}
    for term in sorted(source.defined_terms, key=lambda t: (t.attribute_code, t.term)):
        if term.term in value_codes:
            term_reused[term.attribute_code] = term_reused.get(term.attribute_code, 0) + 1
            continue
        if term.term in term_codes:
            continue  # the same code string defined for two attributes: one concept
        if term.term in attribute_codes:
            raise ValueError(f"Defined Term {term.term} collides with an attribute tag")
        term_codes[term.term] = term
        add(
            (VOCABULARY_ID, term.term),
            concept_name=_clip(term.meaning or term.term),
            domain_id=DOMAIN_VALUE,
            concept_class_id=CLASS_DEFINED_TERM,
            # a body part with a SNOMED code is non-standard: it 'Maps to' the SNOMED concept
            standard_concept=None if term.snomed_code else "S",
            invalid_reason="D" if term.retired else None,
            valid_end_date=RETIRED_END if term.retired else VALID_END,
        )

    # The Defined Terms / Enumerated Values of every CS attribute: a string that is not a concept
    # yet becomes one, named by itself (the tables give no meaning); one concept per string.
    attribute_terms = [t for t in source.attribute_terms if t.attribute_code in attribute_codes]
    new_terms = sorted({t.value for t in attribute_terms} - set(value_codes) - set(term_codes))
    for value in new_terms:
        if value in attribute_codes:
            raise ValueError(f"Defined Term {value} collides with an attribute tag")
        add(
            (VOCABULARY_ID, value),
            concept_name=_clip(value),
            domain_id=DOMAIN_VALUE,
            concept_class_id=CLASS_DEFINED_TERM,
            standard_concept="S",
        )

    # The project's own vocabulary of derived features, with its vocabulary and class concepts.
    if source.local_concepts:
        add_metadata(LOCAL_VOCABULARY_ID, LOCAL_VOCABULARY_NAME, LOCAL_CONCEPT_CLASSES)
    for local in sorted(source.local_concepts, key=lambda c: c.code):
        add(
            (LOCAL_VOCABULARY_ID, local.code),
            concept_name=_clip(local.name),
            domain_id=local.domain_id,
            concept_class_id=local.concept_class_id,
            standard_concept="S",
        )

    # IDs: registered ones kept, new ones appended in a deterministic order.
    ids, registry_rows = assign_ids(registry, list(concepts))

    concept_rows = []
    for key, values in concepts.items():
        row = {column: values.get(column) for column in CONCEPT_COLUMNS}
        row["concept_id"] = ids[key]
        row["valid_start_date"] = VALID_START
        row["valid_end_date"] = values.get("valid_end_date") or VALID_END
        concept_rows.append(row)
    concept_rows.sort(key=lambda r: r["concept_id"])

    # Relationships, by code; the dbt model resolves both ends to concept_ids.
    links = context_group_links(source, attribute_codes)
    dcm_members: dict[int, set[str]] = {}
    for value in value_codes.values():
        for cid in value.cids:
            dcm_members.setdefault(cid, set()).add(value.code)
    pairs: set[tuple[str, str, str, str, str]] = set()
    for attr_code, cid in links:
        members = {(VOCABULARY_ID, code) for code in dcm_members.get(cid, ())}
        members |= source.context_group_members.get(cid, set())
        for vocab, code in members:
            pairs.add((VOCABULARY_ID, attr_code, "Maps to value", vocab, code))
    maps_to_value_cid = len(pairs)
    maps_to_value_cid_dicom = sum(1 for pair in pairs if pair[3] == VOCABULARY_ID)
    # Annex L pairs each body part with its anatomic region code: Anatomic Region Sequence takes
    # those codes (the paper attached the body-part terms to it instead).
    if ANATOMIC_REGION_SEQUENCE in attribute_codes:
        for term in term_codes.values():
            if term.attribute_code == BODY_PART_EXAMINED and term.snomed_code:
                pairs.add(
                    (
                        VOCABULARY_ID,
                        ANATOMIC_REGION_SEQUENCE,
                        "Maps to value",
                        "SNOMED",
                        term.snomed_code,
                    )
                )
    maps_to_value_annex_l = len(pairs) - maps_to_value_cid
    before_terms = len(pairs)
    for term in source.defined_terms:
        users = {term.attribute_code} | source.defined_term_users.get(term.attribute_code, set())
        for attr_code in users & attribute_codes:
            pairs.add((VOCABULARY_ID, attr_code, "Maps to value", VOCABULARY_ID, term.term))
    for term in attribute_terms:
        pairs.add((VOCABULARY_ID, term.attribute_code, "Maps to value", VOCABULARY_ID, term.value))
    maps_to_value_terms = len(pairs) - before_terms
    maps_to_value = len(pairs)
    for term in term_codes.values():
        if term.snomed_code:
            pairs.add((VOCABULARY_ID, term.term, "Maps to", "SNOMED", term.snomed_code))
    relationships_one_way = len(pairs)
    for vocab_1, code_1, relationship, vocab_2, code_2 in list(pairs):
        pairs.add((vocab_2, code_2, REVERSE[relationship], vocab_1, code_1))
    relationship_rows = [
        dict(zip(RELATIONSHIP_COLUMNS, (*pair[:5], VALID_START, VALID_END, None), strict=True))
        for pair in sorted(pairs)
    ]

    synonym_rows = sorted(
        (
            {
                "concept_id": ids[(VOCABULARY_ID, attr.code)],
                "concept_synonym_name": attr.keyword,
                "language_concept_id": ENGLISH_LANGUAGE_CONCEPT_ID,
            }
            for attr in source.attributes
            if attr.keyword
        ),
        key=lambda r: (r["concept_id"], r["concept_synonym_name"]),
    )

    vocabulary_rows = [
        {
            "vocabulary_id": VOCABULARY_ID,
            "vocabulary_name": VOCABULARY_NAME,
            "vocabulary_reference": VOCABULARY_REFERENCE,
            "vocabulary_version": source.version,
            "vocabulary_concept_id": ids[("Vocabulary", VOCABULARY_ID)],
        }
    ]
    classes = dict(CONCEPT_CLASSES)
    if source.local_concepts:
        vocabulary_rows.append(
            {
                "vocabulary_id": LOCAL_VOCABULARY_ID,
                "vocabulary_name": LOCAL_VOCABULARY_NAME,
                "vocabulary_reference": LOCAL_VOCABULARY_REFERENCE,
                "vocabulary_version": LOCAL_VOCABULARY_VERSION,
                "vocabulary_concept_id": ids[("Vocabulary", LOCAL_VOCABULARY_ID)],
            }
        )
        classes.update(LOCAL_CONCEPT_CLASSES)
    class_rows = [
        {
            "concept_class_id": class_id,
            "concept_class_name": class_name,
            "concept_class_concept_id": ids[("Concept Class", class_id)],
        }
        for class_id, class_name in sorted(classes.items())
    ]

    relationship_count = len(relationship_rows)
    keywords = {attr.code: attr.keyword for attr in source.attributes}
    stats = {
        "attributes": len(attribute_codes),
        "attributes_retired": sum(1 for a in source.attributes if a.retired),
        "coded_value_memberships": sum(len(v.cids) for v in value_codes.values()),
        "coded_values": len(value_codes),
        "defined_terms": len(term_codes),
        **{
            f"defined_terms_{code}": sum(1 for t in term_codes.values() if t.attribute_code == code)
            for code in DEFINED_TERM_SECTIONS
        },
        **{f"defined_terms_{code}_reused_dcm": n for code, n in sorted(term_reused.items())},
        "defined_terms_from_value_set_tables": len(new_terms),
        "context_group_links": len(links),
        "attributes_with_context_groups": len({attr for attr, _ in links}),
        "attributes_with_terms": len({t.attribute_code for t in attribute_terms}),
        "maps_to_value_from_cids": maps_to_value_cid,
        "maps_to_value_from_cids_dicom": maps_to_value_cid_dicom,
        "maps_to_value_anatomic_region_annex_l": maps_to_value_annex_l,
        "maps_to_value_from_defined_terms": maps_to_value_terms,
        "maps_to_value": maps_to_value,
        "maps_to_snomed": sum(1 for t in term_codes.values() if t.snomed_code),
        "relationships_without_reverse": relationships_one_way,
        "relationship_rows_with_reverse": relationship_count,
        "attributes_with_units": sum(1 for tag in source.attribute_units if tag in attribute_codes),
        "local_concepts": len(source.local_concepts),
        "concepts": len(concept_rows),
        "synonyms": len(synonym_rows),
    }
    return Vocabulary(
        concept=concept_rows,
        concept_relationship=relationship_rows,
        concept_synonym=synonym_rows,
        vocabulary=vocabulary_rows,
        concept_class=class_rows,
        registry=sorted(registry_rows, key=lambda r: r["concept_id"]),
        value_sets=value_set_rows(source, links, attribute_terms, attribute_codes),
        units=[
            {"tag": tag, "keyword": keywords[tag], "unit_code": unit}
            for tag, unit in sorted(source.attribute_units.items())
            if tag in keywords
        ],
        stats=stats,
    )


def context_group_links(
    source: SourceEntries, attribute_codes: set[str]
) -> dict[tuple[str, int], set[str]]:
    """(attribute, CID) -> the kinds the standard gives the link, for attributes in the source."""
    links: dict[tuple[str, int], set[str]] = {}
    for link in source.context_group_links:
        links.setdefault((link.attribute_code, link.cid), set()).add(link.kind)
    return {key: kinds for key, kinds in sorted(links.items()) if key[0] in attribute_codes}


def _strictness(kinds: set[str]) -> str:
    """Only a value set that is Enumerated wherever PS3.3 states it is closed."""
    return "enumerated" if kinds == {"enumerated"} else "extensible"


def value_set_rows(
    source: SourceEntries,
    links: Mapping[tuple[str, int], set[str]],
    attribute_terms: Sequence[AttributeTerm],
    attribute_codes: set[str],
) -> list[dict]:
    """One row per attribute and kind of value set (context group / terms), with its strictness."""
    coded: dict[str, tuple[set[str], set[int]]] = {}
    for (attr_code, cid), kinds in links.items():
        entry = coded.setdefault(attr_code, (set(), set()))
        entry[0].update(kinds)
        entry[1].add(cid)
    if ANATOMIC_REGION_SEQUENCE in attribute_codes:
        coded.setdefault(ANATOMIC_REGION_SEQUENCE, (set(), set()))[0].add("other")
    terms: dict[str, set[str]] = {}
    for term in attribute_terms:
        terms.setdefault(term.attribute_code, set()).add(term.kind)
    for term in source.defined_terms:
        users = {term.attribute_code} | source.defined_term_users.get(term.attribute_code, set())
        for attr_code in users & attribute_codes:
            terms.setdefault(attr_code, set()).add("defined")
    rows = [
        {
            "attribute_code": attr_code,
            "value_set_type": "context_group",
            "strictness": _strictness(kinds),
            "context_groups": ";".join(str(cid) for cid in sorted(cids)),
        }
        for attr_code, (kinds, cids) in coded.items()
    ]
    rows += [
        {
            "attribute_code": attr_code,
            "value_set_type": "terms",
            "strictness": _strictness(kinds),
            "context_groups": None,
        }
        for attr_code, kinds in terms.items()
    ]
    return sorted(rows, key=lambda r: (r["attribute_code"], r["value_set_type"]))


# --------------------------------------------------------------------------------------------
# Pinned sources
# --------------------------------------------------------------------------------------------
def check_pins() -> None:
    for package, wanted in PINNED_VERSIONS.items():
        found = importlib.metadata.version(package)
        if found != wanted:
            raise SystemExit(
                f"{package} {found} is installed; the vocabulary is pinned to {wanted}"
            )


def _dicom_standard_file(name: str) -> Path:
    dist = importlib.metadata.distribution("dicom-standard")
    for entry in dist.files or []:
        if entry.name == name and entry.parent.name == "standard":
            return Path(str(dist.locate_file(entry)))
    raise FileNotFoundError(f"dicom-standard does not ship standard/{name}")


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


_TERM_RE = re.compile(r"<dt>\s*<span>(.*?)</span>\s*</dt>\s*<dd>(.*?)</dd>", re.S)


def _section_terms(section_html: str) -> list[tuple[str, str, bool]]:
    """(term, meaning, retired) for each <dt>/<dd> pair; terms after 'Retired' headings retired."""
    retired_from = section_html.find("Retired Defined Terms")
    out = []
    for match in _TERM_RE.finditer(section_html):
        term = _text(match.group(1))
        retired = retired_from != -1 and match.start() > retired_from
        out.append((term, _text(match.group(2)), retired))
    return out


def load_pinned_sources() -> SourceEntries:
    check_pins()
    from pydicom.datadict import DicomDictionary, RepeatersDictionary
    from pydicom.sr._cid_dict import cid_concepts
    from pydicom.sr._concepts_dict import concepts

    attributes = [
        Attribute(f"{tag:08X}", entry[2], entry[4], entry[0], entry[3] == "Retired")
        for tag, entry in DicomDictionary.items()
    ]
    attributes += [
        Attribute(
            mask.upper().replace("X", "x"), entry[2], entry[4], entry[0], entry[3] == "Retired"
        )
        for mask, entry in RepeatersDictionary.items()
    ]
    # The dicom-standard package's PS3.6 list (an older edition) has a few tags pydicom lacks.
    known = {attr.code for attr in attributes}
    for entry in json.loads(_dicom_standard_file("attributes.json").read_text()):
        code = entry["id"].upper().replace("X", "x")
        if code not in known and entry.get("name"):
            retired = entry.get("retired") == "Y"
            attributes.append(
                Attribute(code, entry["name"], entry.get("keyword") or "", "", retired)
            )

    # DCM codes: one concept per code value; a code listed under two keywords keeps the meaning
    # of the first keyword in sorted order and the union of their context groups.
    by_code: dict[str, tuple[str, set[int]]] = {}
    for keyword in sorted(concepts["DCM"]):
        for code, (meaning, cids) in concepts["DCM"][keyword].items():
            if code in by_code:
                by_code[code][1].update(cids)
            else:
                by_code[code] = (meaning, set(cids))
    # cross-check against the CID tables: a DCM keyword listed in a CID is a member of it
    keyword_codes = {kw: next(iter(codes)) for kw, codes in concepts["DCM"].items()}
    for cid, schemes in cid_concepts.items():
        for keyword in schemes.get("DCM", []):
            if keyword in keyword_codes:
                by_code[keyword_codes[keyword]][1].add(cid)
    coded_values = [
        CodedValue(code, meaning, tuple(sorted(cids))) for code, (meaning, cids) in by_code.items()
    ]
    # members in other coding schemes, under their OMOP vocabulary (schemes OMOP lacks are left out)
    scheme_vocabularies = read_coding_schemes(CODING_SCHEMES_FILE)
    context_group_members: dict[int, set[tuple[str, str]]] = {}
    for cid, schemes in cid_concepts.items():
        for scheme, keywords in schemes.items():
            vocabulary_id = scheme_vocabularies.get(scheme)
            if scheme == "DCM" or vocabulary_id is None:
                continue
            for keyword in keywords:
                for code in concepts.get(scheme, {}).get(keyword, {}):
                    context_group_members.setdefault(cid, set()).add((vocabulary_id, code))

    references = json.loads(_dicom_standard_file("references.json").read_text())
    rows = json.loads(_dicom_standard_file("module_to_attributes.json").read_text())
    rows += json.loads(_dicom_standard_file("macro_to_attributes.json").read_text())

    # Attributes whose description points at one of the four Defined Terms sections. (The CIDs
    # of the sections a description cites are not used: they are mostly another attribute's, e.g.
    # Instance Creator UID -> CID 7030; scripts/vocabulary/value_sets/ states the links instead.)
    defined_term_users: dict[str, set[str]] = {code: set() for code in DEFINED_TERM_SECTIONS}
    for row in rows:
        code = row["tag"].strip("()").replace(",", "").upper()
        urls = [ref.get("sourceUrl", "") for ref in row.get("externalReferences") or []]
        for owner, anchor in DEFINED_TERM_SECTIONS.items():
            if code != owner and (
                anchor in row["description"] or any(url.endswith("#" + anchor) for url in urls)
            ):
                defined_term_users[owner].add(code)

    defined_terms: list[DefinedTerm] = []
    for owner, anchor in DEFINED_TERM_SECTIONS.items():
        if owner == BODY_PART_EXAMINED:
            continue
        section = next(text for url, text in references.items() if url.endswith("#" + anchor))
        for term, meaning, retired in _section_terms(section):
            defined_terms.append(DefinedTerm(owner, term, meaning, retired))

    import highdicom

    regions_path = Path(highdicom.__file__).parent / "_standard" / "anatomic_regions.json"
    regions = json.loads(regions_path.read_text())
    for term, (scheme, code, meaning, _laterality) in regions.items():
        snomed = code if scheme == "SCT" else None
        defined_terms.append(DefinedTerm(BODY_PART_EXAMINED, term, meaning, False, snomed))

    version = "PS3.6 2024c (pydicom {pydicom}); PS3.16 (pydicom {pydicom}, highdicom {highdicom});"
    version += " PS3.3 (dicom-standard {dicom-standard})"
    return SourceEntries(
        attributes=attributes,
        coded_values=coded_values,
        defined_terms=defined_terms,
        defined_term_users=defined_term_users,
        version=version.format(**PINNED_VERSIONS),
        local_concepts=read_local_concepts(LOCAL_CONCEPTS_FILE),
        context_group_links=read_context_group_links(VALUE_SETS_DIR),
        context_group_members=context_group_members,
        attribute_terms=read_attribute_terms(VALUE_SETS_DIR),
        attribute_units=stated_units(rows, {attr.code: attr.vr for attr in attributes}),
    )


def stated_units(rows: Iterable[Mapping], vrs: Mapping[str, str]) -> dict[str, str]:
    """Numeric attribute -> UCUM code of the one unit its PS3.3 descriptions state."""
    found: dict[str, set[str]] = {}
    for row in rows:
        code = row["tag"].strip("()").replace(",", "").upper()
        if vrs.get(code) not in NUMERIC_VRS:
            continue
        for match in _UNIT_RE.finditer(_text(row["description"])):
            found.setdefault(code, set()).add(UNIT_WORDS[match.group(1)])
    return {code: units.pop() for code, units in found.items() if len(units) == 1}


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_coding_schemes(path: Path) -> dict[str, str]:
    return {row["coding_scheme_designator"]: row["vocabulary_id"] for row in _rows(path)}


def read_context_group_links(folder: Path) -> list[ContextGroupLink]:
    """The attribute -> CID links, with the corrections applied (moved to the right attribute, or
    left out when the right one cannot be checked)."""
    corrections = {
        (row["tag"], int(row["cid"])): row["corrected_tag"]
        for row in _rows(folder / "attribute_cid_corrections.csv")
    }
    links = []
    for row in _rows(folder / "attribute_cid_links.csv"):
        if row["link_kind"] not in LINK_KINDS:
            raise ValueError(f"attribute_cid_links.csv: unknown link_kind {row['link_kind']!r}")
        cid = int(row["cid"])
        tag = corrections.pop((row["tag"], cid), row["tag"])
        if tag:
            links.append(ContextGroupLink(tag, cid, row["link_kind"]))
    if corrections:
        raise ValueError(
            f"attribute_cid_corrections.csv: no link to correct for {sorted(corrections)}"
        )
    return links


def read_attribute_terms(folder: Path) -> list[AttributeTerm]:
    terms = []
    for row in _rows(folder / "attribute_defined_terms.csv"):
        if row["kind"] not in TERM_KINDS:
            raise ValueError(f"attribute_defined_terms.csv: unknown kind {row['kind']!r}")
        terms.append(AttributeTerm(row["tag"], row["value"], row["kind"]))
    return terms


def read_local_concepts(path: Path) -> list[LocalConcept]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            LocalConcept(
                row["concept_code"], row["concept_name"], row["domain_id"], row["concept_class_id"]
            )
            for row in csv.DictReader(handle)
        ]


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------
def read_registry(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row[c] for c in columns])


def write_vocabulary(vocabulary: Vocabulary, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "dicom_concept.csv", CONCEPT_COLUMNS, vocabulary.concept)
    write_csv(
        out / "dicom_concept_relationship.csv",
        RELATIONSHIP_COLUMNS,
        vocabulary.concept_relationship,
    )
    write_csv(out / "dicom_concept_synonym.csv", SYNONYM_COLUMNS, vocabulary.concept_synonym)
    write_csv(out / "dicom_vocabulary.csv", VOCABULARY_COLUMNS, vocabulary.vocabulary)
    write_csv(out / "dicom_concept_class.csv", CONCEPT_CLASS_COLUMNS, vocabulary.concept_class)
    write_csv(out / "dicom_concept_id_registry.csv", REGISTRY_COLUMNS, vocabulary.registry)
    write_csv(out / "dicom_attribute_value_set.csv", VALUE_SET_COLUMNS, vocabulary.value_sets)
    write_csv(out / "dicom_attribute_unit.csv", UNIT_COLUMNS, vocabulary.units)


GENERATED_FILES = (
    "dicom_concept.csv",
    "dicom_concept_relationship.csv",
    "dicom_concept_synonym.csv",
    "dicom_vocabulary.csv",
    "dicom_concept_class.csv",
    "dicom_concept_id_registry.csv",
    "dicom_attribute_value_set.csv",
    "dicom_attribute_unit.csv",
)


def generate(out: Path, registry_path: Path | None = None) -> Vocabulary:
    """Regenerate the seeds into ``out``, reading the registry from ``registry_path``."""
    registry = read_registry(registry_path or out / "dicom_concept_id_registry.csv")
    vocabulary = build_vocabulary(load_pinned_sources(), registry)
    write_vocabulary(vocabulary, out)
    return vocabulary


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="seed directory to write")
    parser.add_argument(
        "--registry",
        type=Path,
        default=None,
        help="registry to extend (default: the one in --out)",
    )
    args = parser.parse_args(argv)
    vocabulary = generate(args.out, args.registry)
    for name, value in vocabulary.stats.items():
        print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
