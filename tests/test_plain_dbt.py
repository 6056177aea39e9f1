"""Plain dbt at the repository root, as the README's CI job and analyst's loop type it, and the
settings every command shares (issues 14.1 and 19).

Each test works in a copy of the repository (the files git tracks or would track, as they are in
the working tree), so that target/, logs/, data/ and the edited model stay out of the checkout.
The commands run from the copy's root with no --profiles-dir and none of the variables the other
tests set: exactly what the README shows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from build_helpers import omop_imaging
from conftest import REPO
from servers import fetch, free_port, stop

BIN = Path(sys.executable).parent
# Variables the test session sets for the other tests; a user's shell has none of them.
SESSION_VARIABLES = (
    "DBT_TARGET_PATH",
    "DBT_LOG_PATH",
    "OMOP_IMAGING_DUCKDB",
    "OMOP_IMAGING_TARGET",
    "OMOP_IMAGING_PROJECT_DIR",
)
ER_COHORT = "select count(*) from imaging_marts.cohort_er_ct_brain_precontrast"


def repository_copy(destination: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def user_environment(**extra: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in SESSION_VARIABLES}
    return environment | extra


def run(root: Path, *command: str, check: bool = True, **extra: str):
    """A command of the virtual environment (dbt, sqlfluff, omop-imaging) at the copy's root."""
    completed = subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=root,
        env=user_environment(**extra),
        capture_output=True,
        text=True,
        check=False,
    )
    if check and completed.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {completed.returncode}\n{completed.stdout[-4000:]}\n"
            f"{completed.stderr[-2000:]}"
        )
    return completed


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory, sample_folders) -> Path:
    """The README's CI job on DuckDB: harvest, the demo's setting, then plain dbt seed and build."""
    root = repository_copy(tmp_path_factory.mktemp("clone"))
    run(root, "omop-imaging", "harvest", *sample_folders, "--no-progress")
    run(root, "omop-imaging", "settings", "--set", "clinical_source=demo")
    run(root, "dbt", "seed")
    run(root, "dbt", "build", "--exclude", "resource_type:seed")
    return root


def er_cohort(root: Path) -> int:
    with duckdb.connect(str(root / "data" / "omop_imaging.duckdb"), read_only=True) as connection:
        return connection.execute(ER_COHORT).fetchone()[0]


def test_plain_dbt_uses_the_demo_database_and_its_settings(demo_copy):
    assert "All checks passed" in run(demo_copy, "dbt", "debug").stdout
    # the emergency-room cohort exists only with the demo's clinical linkage
    assert er_cohort(demo_copy) == 1
    run(demo_copy, "dbt", "run")
    assert er_cohort(demo_copy) == 1
    # a setting passed as a per-run var would be forgotten by the next run: refused
    as_var = run(demo_copy, "dbt", "compile", "--vars", "{clinical_source: none}", check=False)
    assert as_var.returncode != 0
    assert "'clinical_source' is a setting, not a dbt var" in as_var.stdout


def test_settings_stick_across_commands(demo_copy, sample_folders):
    """14.1: a later harvest and build keep what was set for the database, and say so."""
    again = run(demo_copy, "omop-imaging", "harvest", *sample_folders, "--no-progress")
    assert "unchanged" in again.stdout
    built = run(demo_copy, "omop-imaging", "build")
    assert '"demo"' in built.stdout and "(set for this database)" in built.stdout
    assert er_cohort(demo_copy) == 1


def test_analyst_loop(demo_copy):
    model = demo_copy / "models" / "cdm" / "image_occurrence.sql"
    model.write_text(model.read_text().replace("select * from final", "SELECT * FROM final"))
    run(demo_copy, "dbt", "build", "-s", "image_occurrence+")
    run(demo_copy, "dbt", "test", "-s", "image_occurrence")
    linted = run(demo_copy, "sqlfluff", "lint", "models/cdm/image_occurrence.sql", check=False)
    assert linted.returncode == 1 and "CP01" in linted.stdout
    run(demo_copy, "sqlfluff", "fix", "models/cdm/image_occurrence.sql", check=False)
    assert "select * from final" in model.read_text()
    run(demo_copy, "sqlfluff", "lint", "models/cdm/image_occurrence.sql")
    run(demo_copy, "dbt", "docs", "generate")
    lineage = (demo_copy / "target" / "manifest.json").read_text()
    assert '"model.omop_imaging.image_occurrence"' in lineage


def test_docs_serve(demo_copy):
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "dbt"), "docs", "serve", "--port", str(port), "--no-browser"],
        cwd=demo_copy,
        env=user_environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert "dbt" in fetch(port)
    finally:
        stop(server)


def test_ci_job_on_postgres(postgres_database, tmp_path, sample_folders):
    root = repository_copy(tmp_path / "clone")
    run(root, "omop-imaging", "harvest", *sample_folders, "--target", "postgres", "--no-progress")
    run(root, "omop-imaging", "settings", "--target", "postgres", "--set", "clinical_source=demo")
    run(root, "dbt", "debug", "--target", "postgres")
    run(root, "dbt", "seed", "--target", "postgres")
    run(root, "dbt", "build", "--exclude", "resource_type:seed", "--target", "postgres")
    run(root, "dbt", "docs", "generate", "--target", "postgres")
    cohort = omop_imaging(
        "cohort", "--target", "postgres", "--definition", "er-ct-brain-precontrast"
    )
    assert "1 series" in cohort.stdout
    run(root, "dbt", "build", "-s", "image_occurrence+", "--target", "postgres")
    run(root, "dbt", "test", "-s", "image_occurrence", "--target", "postgres")
