"""Write the synthetic demo clinical OMOP data (seeds/demo_clinical) for the sample DICOM patients.

The sample DICOM files of pydicom and pydicom-data belong to a few dozen test "patients". This
script gives most of them a small clinical record so that linkage and the cohort examples run end
to end: PERSON (person_source_value = the DICOM Patient ID), OBSERVATION_PERIOD, VISIT_OCCURRENCE
and CONDITION_OCCURRENCE. Everything is derived deterministically from the headers; nothing is
random, and running it twice gives the same files.

The story it tells:
* a head CT study is an emergency-room visit on the study day, followed by an inpatient stay
  from the same day; the ER visit of the first such patient (in Patient ID order) carries a
  cerebral hemorrhage, of the others a headache (so the hemorrhage cohort must pick by condition);
* every other study is an outpatient visit on the study day, with essential hypertension;
* the patient whose ID sorts last is left out on purpose: it has images but no clinical record,
  the case the linkage policy (setting unmatched_patient_policy) is about.

Usage::

    .venv/bin/python scripts/generate_demo_clinical.py [--out seeds/demo_clinical]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pydicom

from omop_imaging.project_settings import defaults as setting_defaults

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "seeds" / "demo_clinical"

# Real OMOP concept_ids (sources in docs/vocabulary.md).
MALE, FEMALE = 8507, 8532
EHR = 32817
INPATIENT_VISIT, OUTPATIENT_VISIT, EMERGENCY_ROOM_VISIT = 9201, 9202, 9203
CEREBRAL_HEMORRHAGE = 376713
HEADACHE = 378253
ESSENTIAL_HYPERTENSION = 320128
CONDITION_SOURCE_VALUES = {
    CEREBRAL_HEMORRHAGE: "I61.9",
    HEADACHE: "R51",
    ESSENTIAL_HYPERTENSION: "I10",
}

FIRST_PERSON_ID = 1001
INPATIENT_DAYS = 5
OBSERVATION_MARGIN_DAYS = 365


@dataclass(frozen=True)
class Study:
    patient_id: str
    study_uid: str
    study_date: dt.date
    modality: str
    body_part: str
    patient_sex: str
    birth_year: int | None


def read_studies(folders: Iterable[str]) -> list[Study]:
    """One Study per (Patient ID, Study Instance UID) with a usable date, from the headers."""
    found: dict[tuple[str, str], Study] = {}
    for folder in folders:
        for directory, _subdirectories, files in os.walk(folder):
            for name in sorted(files):
                study = _study_of(os.path.join(directory, name))
                if study is not None:
                    found.setdefault((study.patient_id, study.study_uid), study)
    return sorted(found.values(), key=lambda s: (s.patient_id, s.study_date, s.study_uid))


def _study_of(path: str) -> Study | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            dataset = pydicom.dcmread(path, stop_before_pixels=True, force=True)
            patient_id = str(dataset.get("PatientID", "") or "").strip()
            study_uid = str(dataset.get("StudyInstanceUID", "") or "").strip()
            dates = [
                str(dataset.get(k, "") or "")
                for k in ("StudyDate", "SeriesDate", "AcquisitionDate")
            ]
            birth = str(dataset.get("PatientBirthDate", "") or "")
            sex = str(dataset.get("PatientSex", "") or "").strip().upper()
            modality = str(dataset.get("Modality", "") or "").strip().upper()
            body_part = str(dataset.get("BodyPartExamined", "") or "").strip().upper()
        except Exception:
            return None
    study_date = next((d for d in map(_date, dates) if d is not None), None)
    if not patient_id or not study_uid or study_date is None:
        return None
    birth_date = _date(birth)
    # the build's plausibility rule (setting min_plausible_birth_year, its default): an implausible birth date
    # is not a clinical record's year of birth either
    if birth_date and not (
        setting_defaults()["min_plausible_birth_year"] <= birth_date.year <= study_date.year
    ):
        birth_date = None
    return Study(
        patient_id,
        study_uid,
        study_date,
        modality,
        body_part,
        sex,
        birth_date.year if birth_date else None,
    )


def _date(text: str) -> dt.date | None:
    digits = text.replace(".", "").strip()
    try:
        return dt.datetime.strptime(digits[:8], "%Y%m%d").date() if len(digits) >= 8 else None
    except ValueError:
        return None


def build_tables(studies: Sequence[Study]) -> dict[str, list[dict]]:
    patient_ids = sorted({study.patient_id for study in studies})
    left_out = patient_ids[-1]  # images without a clinical record, on purpose
    person_ids = {
        pid: FIRST_PERSON_ID + index for index, pid in enumerate(patient_ids) if pid != left_out
    }
    tables: dict[str, list[dict]] = {
        "person": [],
        "observation_period": [],
        "visit_occurrence": [],
        "condition_occurrence": [],
    }
    hemorrhage_given = False
    for patient_id, person_id in person_ids.items():
        own = [study for study in studies if study.patient_id == patient_id]
        first = own[0]
        tables["person"].append(
            {
                "person_id": person_id,
                "gender_concept_id": {"M": MALE, "F": FEMALE}.get(first.patient_sex, 0),
                "year_of_birth": first.birth_year or 1940 + person_id % 50,
                "race_concept_id": 0,
                "ethnicity_concept_id": 0,
                "person_source_value": patient_id,
                "gender_source_value": first.patient_sex or None,
            }
        )
        margin = dt.timedelta(days=OBSERVATION_MARGIN_DAYS)
        tables["observation_period"].append(
            {
                "observation_period_id": person_id,
                "person_id": person_id,
                "observation_period_start_date": min(s.study_date for s in own) - margin,
                "observation_period_end_date": max(s.study_date for s in own) + margin,
                "period_type_concept_id": EHR,
            }
        )
        for study in own:
            head_ct = study.modality == "CT" and study.body_part in ("HEAD", "BRAIN")
            if head_ct:
                condition = HEADACHE if hemorrhage_given else CEREBRAL_HEMORRHAGE
                hemorrhage_given = True
                er_visit = _visit(
                    tables,
                    person_id,
                    EMERGENCY_ROOM_VISIT,
                    study.study_date,
                    study.study_date,
                    "ER",
                )
                _visit(
                    tables,
                    person_id,
                    INPATIENT_VISIT,
                    study.study_date,
                    study.study_date + dt.timedelta(days=INPATIENT_DAYS),
                    "IP",
                )
                _condition(tables, person_id, condition, study.study_date, er_visit)
            else:
                visit = _visit(
                    tables, person_id, OUTPATIENT_VISIT, study.study_date, study.study_date, "OP"
                )
                _condition(tables, person_id, ESSENTIAL_HYPERTENSION, study.study_date, visit)
    return tables


def _visit(tables, person_id, concept_id, start, end, source_value) -> int:
    visit_id = len(tables["visit_occurrence"]) + 1
    tables["visit_occurrence"].append(
        {
            "visit_occurrence_id": visit_id,
            "person_id": person_id,
            "visit_concept_id": concept_id,
            "visit_start_date": start,
            "visit_end_date": end,
            "visit_type_concept_id": EHR,
            "visit_source_value": source_value,
        }
    )
    return visit_id


def _condition(tables, person_id, concept_id, date, visit_id) -> None:
    tables["condition_occurrence"].append(
        {
            "condition_occurrence_id": len(tables["condition_occurrence"]) + 1,
            "person_id": person_id,
            "condition_concept_id": concept_id,
            "condition_start_date": date,
            "condition_end_date": date,
            "condition_type_concept_id": EHR,
            "visit_occurrence_id": visit_id,
            "condition_source_value": CONDITION_SOURCE_VALUES[concept_id],
        }
    )


def write_tables(tables: dict[str, list[dict]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        with (out / f"demo_{table}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)


def main(argv: Sequence[str] | None = None) -> int:
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from omop_imaging.settings import sample_dicom_folders

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="seed folder to write")
    args = parser.parse_args(argv)
    tables = build_tables(read_studies(sample_dicom_folders()))
    write_tables(tables, args.out)
    for table, rows in tables.items():
        print(f"demo_{table}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
