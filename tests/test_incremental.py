"""Incremental builds (macros/build_scope.sql): a build after a second harvest rebuilds only the
series it touched, and ends with the very outputs of one build over the final files.

On the real sample files: half of them harvested and built, then the rest added, one file
changed and one removed (the representative of a series, whose header must move to another
instance), harvested and built again; compared table by table with one harvest and one build of
the final folder. IDs are hashes (var id_mode: hash): sequential IDs number new keys after the
existing ones by design (docs/ids.md), so only hashed IDs can be equal between the two histories.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pydicom
import pytest
from build_helpers import omop_imaging
from dicom_files import bump_mtime, write_with_raw_values

from omop_imaging.settings import schema

HASHED_IDS = ["--vars", "{id_mode: hash}"]
# the schema roles whose tables are the build's outputs: CDM, MI-CDM, R-CDM, vocabulary, marts, quality
OUTPUT_ROLES = ("cdm", "vocabulary", "marts", "quality")
# columns that record when the build ran
BUILD_TIME_COLUMNS = {
    "alg_datetime",
    "metadata_date",
    "metadata_datetime",
    "source_release_date",
    "cdm_release_date",
}
CHANGED_FILE = "MR_small.dcm"  # pydicom's real MR, one of a series of nine files
# where the 50-file series is: split over the two steps
SPLIT_SERIES_FOLDER = "dicomdirtests"
# A patient whose first series (step 1) gives no year of birth, so the default policy leaves it
# out of the CDM, and whose second series (step 2) gives one: the first series, untouched by the
# second harvest, must then reach the CDM (the build's scope takes in the patient's series).
LATE_BIRTH_PATIENT = "INCREMENTAL-LATE-BIRTH"
LATE_BIRTH_UID = "1.2.826.0.1.3680043.8.498.77"
REBUILT_ALL = "dbt build: every model rebuilt"


def _sample_files(sample_folders: list[str]) -> list[tuple[Path, Path]]:
    """(source, path under the archive) of every sample file, in a stable order."""
    files = []
    for index, folder in enumerate(sample_folders):
        for root, _dirs, names in os.walk(folder):
            for name in names:
                source = Path(root) / name
                files.append((source, Path(f"folder{index}") / source.relative_to(folder)))
    return sorted(files, key=lambda pair: str(pair[1]))


def _representative_of_split_series(files: list[tuple[Path, Path]]) -> Path:
    """The file with the smallest SOP Instance UID among the first half's files of the largest
    series of SPLIT_SERIES_FOLDER: its series' representative after the first harvest."""
    first_half = [target for position, (_source, target) in enumerate(files) if position % 2 == 0]
    sources = {target: source for source, target in files}
    candidates = {}
    for target in first_half:
        if SPLIT_SERIES_FOLDER in target.parts:
            header = pydicom.dcmread(sources[target], stop_before_pixels=True)
            if "SeriesInstanceUID" in header and "SOPInstanceUID" in header:
                candidates[target] = (str(header.SeriesInstanceUID), str(header.SOPInstanceUID))
    series_sizes = {}
    for series, _sop in candidates.values():
        series_sizes[series] = series_sizes.get(series, 0) + 1
    largest = max(series_sizes, key=series_sizes.get)
    return min(
        (sop, str(target)) for target, (series, sop) in candidates.items() if series == largest
    )[1]


def _write_late_birth_series(source: Path, archive: Path, number: int, birth_date: str) -> str:
    """A series of one file derived from a real one, of LATE_BIRTH_PATIENT; its series UID."""
    series_uid = f"{LATE_BIRTH_UID}.{number}"
    target = archive / "derived" / f"late_birth_{number}.dcm"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_with_raw_values(
        source,
        target,
        PatientID=LATE_BIRTH_PATIENT,
        PatientBirthDate=birth_date,
        PatientAge="",
        StudyInstanceUID=f"{series_uid}.0",
        SeriesInstanceUID=series_uid,
        SOPInstanceUID=f"{series_uid}.1",
    )
    return series_uid


def _copy(files: list[tuple[Path, Path]], archive: Path) -> None:
    for source, target in files:
        (archive / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, archive / target)


class Engine:
    """Where a history is built, and how its output tables are read."""

    def __init__(self, name: str, duckdb_file: str | None = None):
        self.name = name
        self.duckdb_file = duckdb_file

    def options(self) -> list[str]:
        if self.name == "duckdb":
            return ["--target", "duckdb", "--db", self.duckdb_file]
        return ["--target", "postgres"]

    def harvest_and_build(self, archive: Path) -> None:
        omop_imaging("harvest", str(archive), "--no-progress", *self.options())
        omop_imaging("dbt", *self.options(), "seed")
        omop_imaging(
            "dbt", *self.options(), "build", "--exclude", "resource_type:seed", *HASHED_IDS
        )

    def query(self, sql: str) -> list[tuple]:
        if self.name == "duckdb":
            import duckdb

            connection = duckdb.connect(self.duckdb_file, read_only=True)
            try:
                return connection.execute(sql).fetchall()
            finally:
                connection.close()
        import psycopg2

        connection = psycopg2.connect("")
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            connection.close()

    def outputs(self) -> dict[str, list[tuple]]:
        """Every output table's rows (build-time columns left out), sorted."""
        schemas = ", ".join(f"'{schema(role)}'" for role in OUTPUT_ROLES)
        columns: dict[str, list[str]] = {}
        for table_schema, table, column in self.query(
            "select table_schema, table_name, column_name from information_schema.columns "
            f"where table_schema in ({schemas}) order by table_schema, table_name, ordinal_position"
        ):
            if column not in BUILD_TIME_COLUMNS:
                columns.setdefault(f"{table_schema}.{table}", []).append(column)
        return {
            table: sorted(self.query(f"select {', '.join(names)} from {table}"), key=repr)
            for table, names in columns.items()
        }

    def count(self, sql: str) -> int:
        return self.query(sql)[0][0]

    def reset(self, tmp_path: Path) -> None:
        """An empty database for the second history."""
        if self.name == "duckdb":
            self.duckdb_file = str(tmp_path / "one_step.duckdb")
            return
        own = self.query(
            "select schema_name from information_schema.schemata where schema_name not like 'pg\\_%' "
            "and schema_name not in ('information_schema', 'public')"
        )
        import psycopg2

        connection = psycopg2.connect("")
        try:
            cursor = connection.cursor()
            for (name,) in own:
                cursor.execute(f'drop schema "{name}" cascade')
            connection.commit()
        finally:
            connection.close()


@pytest.fixture(params=["duckdb", "postgres"])
def engine(request, tmp_path) -> Engine:
    if request.param == "postgres":
        request.getfixturevalue("postgres_database")
        return Engine("postgres")
    return Engine("duckdb", str(tmp_path / "two_steps.duckdb"))


def test_two_step_build_equals_one_build_of_the_final_files(engine, sample_folders, tmp_path):
    files = _sample_files(sample_folders)
    removed = _representative_of_split_series(files)
    changed = next(target for _source, target in files if target.name == CHANGED_FILE)
    # every other file, and the one to change
    first_half = [
        pair for position, pair in enumerate(files) if position % 2 == 0 or pair[1] == changed
    ]
    archive = tmp_path / "archive"

    _copy(first_half, archive)
    ct_small = Path(sample_folders[0]) / "CT_small.dcm"
    first_series = _write_late_birth_series(ct_small, archive, 1, "")
    engine.harvest_and_build(archive)
    in_cdm = f"select count(*) from cdm.image_occurrence where image_series_uid = '{first_series}'"
    assert engine.count(in_cdm) == 0, "no year of birth: left out of the CDM"

    _copy([pair for pair in files if pair not in first_half], archive)
    write_with_raw_values(
        archive / changed, archive / changed, SeriesDescription="CHANGED", SliceThickness="7.5"
    )
    bump_mtime(archive / changed)
    (archive / removed).unlink()
    _write_late_birth_series(ct_small, archive, 2, "19700101")
    engine.harvest_and_build(archive)
    assert engine.count(in_cdm) == 1, "the patient's second series gave the year of birth"

    # the second build rebuilt only what the harvest touched, and cleared the ledger
    scope = engine.count("select count(*) from imaging_intermediate.int_dicom__build_scope")
    assert 0 < scope < engine.count("select count(*) from imaging_intermediate.int_dicom__series")
    assert engine.count("select count(*) from dicom_raw.touched_series") == 0
    assert (
        engine.count(
            f"select count(*) from dicom_raw.harvested_file where file_path = '{archive / removed}'"
        )
        == 0
    )
    assert (
        engine.count(
            "select count(*) from imaging_intermediate.int_dicom__series where series_description = 'CHANGED'"
        )
        == 1
    )
    two_steps = engine.outputs()

    engine.reset(tmp_path)
    engine.harvest_and_build(archive)
    one_step = engine.outputs()

    assert two_steps.keys() == one_step.keys()
    assert two_steps["cdm.measurement"], "the sample files give measurements"
    different = [table for table in one_step if two_steps[table] != one_step[table]]
    assert not different, f"tables that differ from a one-step build: {different}"


def test_a_changed_setting_rebuilds_every_model(dicom_copy, duckdb_file):
    """Rows kept from earlier builds follow the rules they were built by: a build after a
    setting changed rebuilds them all, though the harvest touched nothing."""
    folder = dicom_copy("CT_small.dcm", "MR_small.dcm")
    database = ["--db", duckdb_file]
    omop_imaging("harvest", str(folder), "--no-progress", *database)
    first = omop_imaging("build", "--quiet", *database)
    assert REBUILT_ALL in first.stdout, "the first build builds every model"
    unchanged = omop_imaging("build", "--quiet", *database)
    assert REBUILT_ALL not in unchanged.stdout
    before = Engine("duckdb", duckdb_file).count("select count(*) from cdm.measurement")

    omop_imaging("settings", "--set", "measurement_max_value_length=4", *database)
    changed = omop_imaging("build", "--quiet", *database)
    assert REBUILT_ALL in changed.stdout
    after = Engine("duckdb", duckdb_file).count("select count(*) from cdm.measurement")
    assert 0 < after < before, "values over 4 characters left out of every series' measurements"
