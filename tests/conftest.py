"""Shared fixtures: the real sample DICOM folders, a DuckDB file, a fresh PostgreSQL database.

PostgreSQL tests are required in CI (CI=true or OMOP_IMAGING_REQUIRE_POSTGRES=1): a missing
server fails them there. Elsewhere, with no server answering, they are skipped with a message.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from omop_imaging.settings import sample_dicom_folders

# The classifier's tests judge every labelled series, including those of patients whose headers
# give no year of birth, which the default policy leaves out of the CDM: their builds keep them.
KEEP_EVERY_SERIES = ("--set", "missing_birth_year_policy=create")

# Lines the tests want printed in pytest's terminal summary (e.g. the classifier's accuracy table).
SUMMARY_LINES = pytest.StashKey[list[str]]()

REPO = Path(__file__).resolve().parents[1]


def postgres_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        or os.environ.get("OMOP_IMAGING_REQUIRE_POSTGRES") == "1"
    )


@pytest.fixture(scope="session")
def sample_folders() -> list[str]:
    folders = sample_dicom_folders()
    assert len(folders) == 2, "pydicom's test files and the pydicom-data package are both needed"
    return folders


@pytest.fixture(scope="session")
def pydicom_test_files(sample_folders) -> Path:
    return Path(sample_folders[0])


def compiled_analysis(name: str) -> str:
    """SQL of analyses/<name>.sql as the last `dbt compile` wrote it."""
    path = (
        Path(os.environ["DBT_TARGET_PATH"])
        / "compiled"
        / "omop_imaging"
        / "analyses"
        / f"{name}.sql"
    )
    return path.read_text()


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """`omop-imaging demo` once per session, its output into a pipe (as in CI or `make demo >
    log`): the DuckDB file it built and the completed process (stdout, stderr)."""
    from build_helpers import omop_imaging

    database = str(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    return database, omop_imaging("demo", "--db", database)


@pytest.fixture
def duckdb_file(tmp_path) -> str:
    return str(tmp_path / "omop_imaging.duckdb")


@pytest.fixture
def dicom_copy(tmp_path, pydicom_test_files):
    """Copy named real files into a fresh folder (tests change copies, never the originals)."""

    def copy(*names: str, folder: str = "input") -> Path:
        target = tmp_path / folder
        target.mkdir(exist_ok=True)
        for name in names:
            shutil.copy(pydicom_test_files / name, target / Path(name).name)
        return target

    return copy


def _postgres_admin_connection():
    import psycopg2

    try:
        connection = psycopg2.connect(dbname="postgres", connect_timeout=5)
    except psycopg2.OperationalError as error:
        message = f"no PostgreSQL server answers (PGHOST={os.environ.get('PGHOST', '')!r}): {error}"
        if postgres_required():
            pytest.fail(f"PostgreSQL tests are required here: {message}")
        pytest.skip(message)
    connection.autocommit = True
    return connection


@pytest.fixture(scope="session", autouse=True)
def _test_environment(tmp_path_factory):
    """The tests talk to the local server unless PG* variables say otherwise, and dbt writes its
    target/ and logs/ into a temporary folder, not into the checkout."""
    os.environ.setdefault("PGHOST", "127.0.0.1")
    os.environ.setdefault("PGPORT", "5432")
    dbt_folder = tmp_path_factory.mktemp("dbt")
    os.environ["DBT_TARGET_PATH"] = str(dbt_folder / "target")
    os.environ["DBT_LOG_PATH"] = str(dbt_folder / "logs")
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    yield


@pytest.fixture
def postgres_database(monkeypatch):
    """A new empty database for one test; PGDATABASE points at it, and it is dropped afterwards."""
    admin = _postgres_admin_connection()
    name = f"omop_imaging_test_{uuid.uuid4().hex[:12]}"
    admin.cursor().execute(f"create database {name}")
    monkeypatch.setenv("PGDATABASE", name)
    try:
        yield name
    finally:
        admin.cursor().execute(f"drop database if exists {name} with (force)")
        admin.close()


def pytest_configure(config):
    config.stash[SUMMARY_LINES] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    lines = config.stash.get(SUMMARY_LINES, [])
    if lines:
        terminalreporter.section("header classifier accuracy on the labelled real series")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def classification_inputs(tmp_path_factory, sample_folders):
    """The labelled real series: label rows, the file naming each row's series, and the folders to
    harvest (the sample folders, the medimages4tests series written and the nibabel files copied
    for the labels)."""
    from classification_set import (
        copy_nibabel_files,
        label_files,
        load_labels,
        write_medimages_series,
    )

    labels = load_labels()
    modules = sorted({row["file"] for row in labels if row["source"] == "medimages4tests"})
    medimages_folder = tmp_path_factory.mktemp("medimages4tests")
    medimages = write_medimages_series(medimages_folder, modules)
    nibabel_folder = tmp_path_factory.mktemp("nibabel")
    nibabel_copies = copy_nibabel_files(
        nibabel_folder, [row["file"] for row in labels if row["source"] == "nibabel"]
    )
    files = label_files(labels, sample_folders, medimages, nibabel_copies)
    return labels, files, [*sample_folders, str(medimages_folder), str(nibabel_folder)]


@pytest.fixture(scope="session")
def classification_duckdb(tmp_path_factory, classification_inputs) -> str:
    """A DuckDB file built over the labelled series' folders, every series kept in the CDM."""
    from build_helpers import omop_imaging

    _labels, _files, folders = classification_inputs
    database = str(tmp_path_factory.mktemp("classification") / "classification.duckdb")
    omop_imaging("harvest", *folders, "--db", database, "--no-progress")
    omop_imaging("build", "--db", database, *KEEP_EVERY_SERIES)
    return database
