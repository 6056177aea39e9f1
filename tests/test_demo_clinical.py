"""The demo clinical seeds are exactly what their generator writes from the sample DICOM headers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds" / "demo_clinical"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "generate_demo_clinical", REPO / "scripts" / "generate_demo_clinical.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_regenerating_gives_the_committed_seeds(tmp_path):
    generator = _generator()
    assert generator.main(["--out", str(tmp_path)]) == 0
    for name in (
        "demo_person.csv",
        "demo_observation_period.csv",
        "demo_visit_occurrence.csv",
        "demo_condition_occurrence.csv",
    ):
        assert (tmp_path / name).read_bytes() == (SEEDS / name).read_bytes(), (
            f"{name}: run scripts/generate_demo_clinical.py"
        )


def test_the_story_the_demo_tells(sample_folders):
    generator = _generator()
    tables = generator.build_tables(generator.read_studies(sample_folders))
    visits = {visit["visit_occurrence_id"]: visit for visit in tables["visit_occurrence"]}
    hemorrhages = [
        c
        for c in tables["condition_occurrence"]
        if c["condition_concept_id"] == generator.CEREBRAL_HEMORRHAGE
    ]
    # exactly one hemorrhage, recorded during an emergency-room visit
    assert len(hemorrhages) == 1
    assert (
        visits[hemorrhages[0]["visit_occurrence_id"]]["visit_concept_id"]
        == generator.EMERGENCY_ROOM_VISIT
    )
    # one patient with images has no clinical record, on purpose
    studies = generator.read_studies(sample_folders)
    persons = {person["person_source_value"] for person in tables["person"]}
    assert len({study.patient_id for study in studies} - persons) == 1
