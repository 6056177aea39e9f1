"""Apache Spark (`--target spark`): the sample files harvested and built on a local Spark
(local[2]) give the same raw tables and the same output tables as the DuckDB build, row for row,
IDs included; a re-run skips the unchanged files; counts, report and cohort read Spark's catalog.

Spark runs in the CLI's subprocesses only: its embedded metastore admits one JVM at a time, so
this process reads the tables Spark wrote as the Parquet files they are (through DuckDB).
Required in CI (CI=true or OMOP_IMAGING_REQUIRE_SPARK=1): no Java there fails the tests; elsewhere
they are skipped with a message.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from build_helpers import omop_imaging
from cdm_outputs import LOCATION_COLUMNS, _number

from omop_imaging.settings import schema

# Every table a build delivers: the CDM, MI-CDM and R-CDM tables, the quality tables and marts.
OUTPUT_ROLES = ("cdm", "quality", "marts")
# Columns that say when the build ran, not what it found.
BUILD_TIME_COLUMNS = {
    "alg_datetime",
    "metadata_datetime",
    "source_release_date",
    "cdm_release_date",
    "value_as_string",
}
MINIMUM_JAVA = 17


def spark_required() -> bool:
    return (
        os.environ.get("CI", "").lower() == "true"
        or os.environ.get("OMOP_IMAGING_REQUIRE_SPARK") == "1"
    )


def _java_version() -> int | None:
    java = shutil.which("java")
    if java is None:
        return None
    shown = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    found = re.search(r'version "(\d+)', shown)
    return int(found.group(1)) if found else None


@pytest.fixture(scope="module")
def java() -> None:
    version = _java_version()
    if version is None or version < MINIMUM_JAVA:
        message = (
            f"Spark needs Java {MINIMUM_JAVA} or newer (found: {version}); `make java` installs it"
        )
        if spark_required():
            pytest.fail(f"Spark tests are required here: {message}")
        pytest.skip(message)


@pytest.fixture(scope="module")
def spark_build(java, tmp_path_factory, sample_folders):
    """Harvest twice (the second a re-run) and build the sample files on local[2] Spark; the
    same files harvested and built on DuckDB. Returns the runs' outputs and both databases."""
    folder = tmp_path_factory.mktemp("spark")
    environ = {"OMOP_IMAGING_SPARK_DIR": str(folder), "OMOP_IMAGING_SPARK_MASTER": "local[2]"}
    spark = ("--target", "spark")
    first = omop_imaging("harvest", *sample_folders, *spark, "--no-progress", environ=environ)
    again = omop_imaging("harvest", *sample_folders, *spark, "--no-progress", environ=environ)
    build = omop_imaging("build", *spark, "--quiet", environ=environ)
    duck = str(folder / "reference.duckdb")
    reference = omop_imaging("harvest", *sample_folders, "--db", duck, "--no-progress")
    omop_imaging("build", "--db", duck, "--quiet")
    return {
        "first": first.stdout,
        "again": again.stdout,
        "reference": reference.stdout,
        "build": build.stdout,
        "warehouse": folder / "warehouse",
        "duckdb": duck,
        "environ": environ,
    }


def _parquet_tables(warehouse: Path, schema_name: str) -> dict[str, str]:
    """table -> Parquet glob of the Spark tables of a schema (database folder <schema>.db)."""
    folder = warehouse / f"{schema_name}.db"
    return {
        table.name: str(table / "*.parquet")
        for table in sorted(folder.iterdir())
        if table.is_dir() and any(table.glob("*.parquet"))
    }


def _rows(connection, source: str, columns: list[str]) -> list[tuple]:
    rows = connection.execute(f"select {', '.join(columns)} from {source}").fetchall()
    return sorted((tuple(_value(value) for value in row) for row in rows), key=repr)


def _value(value):
    """Spark writes timestamps as UTC instants (the session's time zone is UTC), DuckDB as
    local timestamps: compare them as naive UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return _number(value)


def _compare_schema(spark_build, schema_name: str, skip_columns: set[str]) -> list[str]:
    """Compare every table of a schema; returns the tables compared."""
    reference = duckdb.connect(spark_build["duckdb"], read_only=True)
    tables = _parquet_tables(spark_build["warehouse"], schema_name)
    for table, files in tables.items():
        columns = [
            name
            for (name,) in reference.execute(
                "select column_name from information_schema.columns where table_schema = ? "
                "and table_name = ? order by ordinal_position",
                [schema_name, table],
            ).fetchall()
            if name not in skip_columns
        ]
        assert columns, f"{schema_name}.{table} is built on Spark but not on DuckDB"
        on_spark = _rows(duckdb.connect(), f"read_parquet('{files}')", columns)
        on_duckdb = _rows(reference, f"{schema_name}.{table}", columns)
        assert len(on_spark) == len(on_duckdb), f"{schema_name}.{table}: row counts differ"
        assert on_spark == on_duckdb, f"{schema_name}.{table}: rows differ"
    return list(tables)


def test_harvest_accounts_for_every_file_as_the_local_harvest(spark_build):
    counts = re.compile(r"(\d+) files seen, (\d+) harvested, (\d+) rejected")
    assert (
        counts.search(spark_build["first"]).groups()
        == counts.search(spark_build["reference"]).groups()
    )
    compared = _compare_schema(spark_build, schema("dicom_raw"), {"harvested_at"})
    assert {"harvested_file", "header_element"} <= set(compared)


def test_rerun_skips_unchanged_files(spark_build):
    seen = re.search(r"(\d+) files seen", spark_build["again"]).group(1)
    assert f"({seen} unchanged since the last harvest)" in spark_build["again"]


def test_build_passes_every_dbt_test_and_matches_duckdb_row_for_row(spark_build):
    assert "0 errors" in spark_build["build"], spark_build["build"]
    skip = LOCATION_COLUMNS | BUILD_TIME_COLUMNS
    compared = {role: _compare_schema(spark_build, schema(role), skip) for role in OUTPUT_ROLES}
    assert {"person", "image_occurrence", "measurement", "image_feature"} <= set(compared["cdm"])
    assert compared["quality"] and compared["marts"]


def test_counts_report_and_cohort_read_spark(spark_build):
    environ = spark_build["environ"]
    counts = omop_imaging("counts", "--target", "spark", "--role", "cdm", environ=environ).stdout
    reference = omop_imaging("counts", "--db", spark_build["duckdb"], "--role", "cdm").stdout
    assert counts.split() == reference.split()
    # one report section (the whole report runs some hundred queries: minutes on Spark); rows
    # that tie in the report's order may come in either order
    section = ("report", "--section", "coverage")
    report = omop_imaging(*section, "--target", "spark", environ=environ).stdout
    reference = omop_imaging(*section, "--db", spark_build["duckdb"]).stdout
    assert sorted(report.splitlines()) == sorted(reference.splitlines())
    cohort = ("cohort", "--modality", "MR")
    selected = omop_imaging(*cohort, "--target", "spark", environ=environ).stdout
    assert selected == omop_imaging(*cohort, "--db", spark_build["duckdb"]).stdout
    assert "MR" in selected


def test_killed_harvest_rerun_ends_with_the_same_tables(
    java, tmp_path, sample_folders, spark_build
):
    """A harvest killed while its executors read (the rows read so far in a side table) leaves
    the raw tables as they were; the re-run ends with the tables a single harvest gives."""
    import signal
    import sys
    import time

    environ = os.environ | {"OMOP_IMAGING_SPARK_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "omop_imaging.cli", "harvest", *sample_folders]
    child = subprocess.Popen(
        [*command, "--target", "spark", "--no-progress"],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its JVM in the same group: the kill stops both
    )
    reading = tmp_path / "warehouse" / f"{schema('dicom_raw')}.db" / "harvested_file__read"
    while child.poll() is None and not reading.exists():
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL, "the harvest ended before it could be killed"
    omop_imaging("harvest", *sample_folders, "--target", "spark", "--no-progress", environ=environ)
    duck = str(tmp_path / "reference.duckdb")
    omop_imaging("harvest", *sample_folders, "--db", duck, "--no-progress")
    killed_and_rerun = {"warehouse": tmp_path / "warehouse", "duckdb": duck}
    compared = _compare_schema(killed_and_rerun, schema("dicom_raw"), {"harvested_at"})
    assert {"harvested_file", "header_element"} <= set(compared)
