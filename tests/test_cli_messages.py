"""The everyday mistakes and interruptions of a new user (issue 14): each ends in one line that
says what happened and what to do next, with an exit code that says it failed; never a
traceback, never a silent success."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from build_helpers import omop_imaging
from servers import fetch, free_port, port_answers, stop
from test_store_safety import write_many_files

CLI = [sys.executable, "-m", "omop_imaging.cli"]


def fails_with(completed: subprocess.CompletedProcess, code: int, message: str) -> None:
    assert completed.returncode == code, completed.stderr[-3000:]
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr


# -- 14.2: harvest of a path that does not exist, or of no DICOM file --------------------------
def test_a_path_that_does_not_exist_is_an_error_and_nothing_is_stored(tmp_path, duckdb_file):
    missing = str(tmp_path / "no_such_folder")
    completed = omop_imaging("harvest", missing, "--db", duckdb_file, check=False)
    fails_with(completed, 2, f"no such file or folder: {missing}")
    assert not os.path.exists(duckdb_file)


def test_a_harvest_that_finds_no_dicom_file_says_so(dicom_copy, tmp_path, duckdb_file):
    folder = dicom_copy("README.txt")
    completed = omop_imaging("harvest", str(folder), "--db", duckdb_file, check=False)
    fails_with(completed, 1, "nothing harvested: no DICOM file among the 1 files under")
    empty = tmp_path / "empty"
    empty.mkdir()
    completed = omop_imaging("harvest", str(empty), "--db", duckdb_file, check=False)
    fails_with(completed, 1, "nothing harvested: no DICOM file among the 0 files under")
    # a re-run that finds everything unchanged succeeds
    dicom = dicom_copy("CT_small.dcm", folder="dicom")
    omop_imaging("harvest", str(dicom), "--db", duckdb_file)
    assert "1 unchanged" in omop_imaging("harvest", str(dicom), "--db", duckdb_file).stdout


# -- 14.3: build before any harvest --------------------------------------------------------------
def test_build_before_any_harvest_says_what_to_run(duckdb_file):
    completed = omop_imaging("build", "--db", duckdb_file, check=False)
    fails_with(completed, 1, "nothing harvested yet: run omop-imaging harvest PATH first")
    assert "dbt" not in completed.stdout  # stopped before dbt started
    assert not os.path.exists(duckdb_file)


@pytest.mark.postgres
def test_build_before_any_harvest_on_postgres(postgres_database):
    completed = omop_imaging("build", "--target", "postgres", check=False)
    fails_with(completed, 1, "nothing harvested yet: run omop-imaging harvest PATH first")


# -- 14.4: Ctrl-C, a busy file, a closed pipe, bad arguments --------------------------------------
def test_ctrl_c_during_harvest_says_what_was_committed_and_a_rerun_resumes(
    pydicom_test_files, tmp_path
):
    folder = tmp_path / "many"
    write_many_files(pydicom_test_files, folder, 300)
    database = str(tmp_path / "interrupted.duckdb")
    command = [*CLI, "harvest", str(folder), "--db", database, "--workers", "2"]
    command += ["--batch-files", "7", "--no-progress"]
    harvest = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    wal = Path(database + ".wal")
    deadline = time.monotonic() + 120
    while not (wal.exists() and wal.stat().st_size > 200_000):
        assert harvest.poll() is None, "the harvest ended before Ctrl-C: give it more files"
        assert time.monotonic() < deadline, "the harvest committed nothing in time"
        time.sleep(0.005)
    harvest.send_signal(signal.SIGINT)
    stderr = harvest.communicate(timeout=120)[1]
    assert harvest.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Run the same command again to resume" in stderr
    committed = int(stderr.split("interrupted; ")[1].split(" files committed")[0])
    assert 0 < committed < 301

    rerun = subprocess.run(command, capture_output=True, text=True, check=True)
    assert f"({committed} unchanged since the last harvest)" in rerun.stdout


def test_ctrl_c_during_build(dicom_copy, duckdb_file):
    omop_imaging("harvest", str(dicom_copy("CT_small.dcm")), "--db", duckdb_file)
    build = subprocess.Popen(
        [*CLI, "build", "--db", duckdb_file],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in build.stdout:  # interrupt once dbt is building
        if " START " in line:
            break
    build.send_signal(signal.SIGINT)
    stderr = build.communicate(timeout=120)[1]
    assert build.returncode == 130
    assert "build: interrupted; the tables built so far stay. Run omop-imaging build again" in (
        stderr
    )
    assert "Traceback" not in stderr


@pytest.mark.parametrize("command", ["counts", "report"])
def test_reading_a_file_a_harvest_holds_says_so(command, dicom_copy, duckdb_file):
    omop_imaging("harvest", str(dicom_copy("CT_small.dcm")), "--db", duckdb_file)
    with duckdb.connect(duckdb_file):  # this process writes: DuckDB allows one at a time
        completed = omop_imaging(command, "--db", duckdb_file, check=False)
    fails_with(completed, 1, "is in use by another process")
    assert "run the command again" in completed.stderr


def test_report_into_a_closed_pipe_stops_quietly(classification_duckdb):
    completed = subprocess.run(
        f"{' '.join(CLI)} report --db {classification_duckdb} | head -n 0",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.stderr == ""


def test_cohort_into_a_missing_folder(tmp_path):
    out = tmp_path / "missing" / "series.csv"
    completed = omop_imaging(
        "cohort", "--definition", "t1-volumetric-brain-mri", "--out", str(out), check=False
    )
    fails_with(completed, 2, f"the folder {out.parent} does not exist; create it")


def test_workers_must_be_positive(dicom_copy, duckdb_file):
    completed = omop_imaging(
        "harvest",
        str(dicom_copy("CT_small.dcm")),
        "--db",
        duckdb_file,
        "--workers",
        "-3",
        check=False,
    )
    fails_with(completed, 2, "'-3' is not a whole number of 1 or more")


@pytest.mark.parametrize("command", [["counts"], ["harvest", "."]])
def test_a_db_that_is_not_duckdb(command, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    completed = omop_imaging(*command, "--db", str(text), check=False)
    fails_with(completed, 1, f"{text} is not a DuckDB database: point --db at the file")


# -- 14.5 and 14.6: exact header numbers; the cohort's series printed ----------------------------
def test_cohort_finds_an_exact_echo_time_and_prints_the_series(classification_duckdb):
    printed = omop_imaging("cohort", "--db", classification_duckdb, "--te", "2.81:2.81").stdout
    lines = printed.splitlines()
    assert lines[0].split()[:3] == ["person", "date", "modality"]
    assert [line.split()[8] for line in lines[1:-1]] == ["2.81"]  # the TE column
    assert lines[1].split()[7] == "5.53"  # TR, exact as well
    assert lines[-1].startswith("1 persons, 1 studies, 1 series")


def test_cohort_output_format(classification_duckdb, tmp_path):
    refused = omop_imaging(
        "cohort",
        "--db",
        classification_duckdb,
        "--modality",
        "MR",
        "--out",
        str(tmp_path / "x.txt"),
        check=False,
    )
    fails_with(
        refused, 2, "unknown suffix '.txt'; name a .csv or .parquet file, or choose with --format"
    )
    out = tmp_path / "x.txt"
    omop_imaging(
        "cohort",
        "--db",
        classification_duckdb,
        "--modality",
        "MR",
        "--out",
        str(out),
        "--format",
        "csv",
    )
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(row["modality"] == "MR" for row in rows)


# -- 14.8: the dbt pass-through and the help texts ---------------------------------------------
def test_dbt_without_arguments_and_its_version():
    assert "Usage: dbt" in omop_imaging("dbt").stdout
    assert "installed" in omop_imaging("dbt", "--version").stdout.lower()


def test_stopping_dbt_docs_serve_stops_its_server(tmp_path):
    port = free_port()
    target = tmp_path / "target"  # dbt docs serve serves the index page from here
    target.mkdir()
    serve = subprocess.Popen(
        [*CLI, "dbt", "docs", "serve", "--port", str(port), "--no-browser"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ | {"DBT_TARGET_PATH": str(target)},
    )
    try:
        assert "dbt" in fetch(port)
    finally:
        stop(serve)
    deadline = time.monotonic() + 30
    while port_answers(port):
        assert time.monotonic() < deadline, "dbt docs serve still serves after omop-imaging stopped"
        time.sleep(0.2)


def test_help_texts():
    for command in ("counts", "report", "classify", "cohort", "viewer"):
        assert "database to read" in omop_imaging(command, "--help").stdout
    for command in ("counts", "demo", "settings"):
        usage, description = omop_imaging(command, "--help").stdout.split("\n\n")[:2]
        assert not description.startswith(("positional", "options")), command
    every_help = omop_imaging("--help").stdout + "".join(
        omop_imaging(command, "--help").stdout
        for command in ("harvest", "build", "settings", "dbt", "demo", "counts", "report", "cohort")
    )
    assert "seed 0" not in every_help.lower()
