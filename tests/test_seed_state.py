"""Seeds load only when the seed files changed (issue 15: a build with nothing new is cheap)."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest
from build_helpers import omop_imaging

from omop_imaging.seed_state import seed_fingerprint, seed_load_table
from omop_imaging.settings import project_dir

SKIPPED = "dbt seed: skipped"


def test_fingerprint_follows_the_seed_files_and_the_project_file(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(project_dir() / "seeds", project / "seeds")
    shutil.copy(project_dir() / "dbt_project.yml", project / "dbt_project.yml")
    original = seed_fingerprint(project)
    assert seed_fingerprint(project) == original

    protocol_map = project / "seeds" / "mapping" / "protocol_map.csv"
    protocol_map.write_text(protocol_map.read_text() + "\n")
    edited_seed = seed_fingerprint(project)
    assert edited_seed != original

    (project / "dbt_project.yml").write_text(
        (project / "dbt_project.yml").read_text() + "\n# a comment\n"
    )
    assert seed_fingerprint(project) not in {original, edited_seed}


@pytest.mark.slow
def test_a_second_build_skips_unchanged_seeds_and_full_refresh_reloads(dicom_copy, duckdb_file):
    folder = dicom_copy("CT_small.dcm")
    omop_imaging("harvest", str(folder), "--db", duckdb_file, "--no-progress")
    first = omop_imaging("build", "--db", duckdb_file, "--quiet")
    assert SKIPPED not in first.stdout
    with duckdb.connect(duckdb_file, read_only=True) as connection:
        stored = connection.execute(f"select fingerprint from {seed_load_table()}").fetchall()
    assert stored == [(seed_fingerprint(),)]

    second = omop_imaging("build", "--db", duckdb_file, "--quiet")
    assert SKIPPED in second.stdout
    with duckdb.connect(duckdb_file, read_only=True) as connection:
        images = connection.execute("select count(*) from cdm.image_occurrence").fetchone()[0]
    assert images == 1, "the build without a seed load still built the CDM"

    refreshed = omop_imaging("build", "--db", duckdb_file, "--quiet", "--full-refresh")
    assert SKIPPED not in refreshed.stdout
    assert re.search(r"^dbt seed: \d+ seeds: \d+ OK, 0 warnings, 0 errors", refreshed.stdout, re.M)
