"""The staging store under hostile values, a killed harvest and concurrent harvests, on both
engines. Inputs are real files from pydicom, rewritten."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from dicom_files import write_with_raw_values

from omop_imaging.harvest import HarvestOptions, harvest
from omop_imaging.store import open_store

HOSTILE = {
    "StudyDescription": "'); drop table dicom_raw.header_element; --",
    "SeriesDescription": 'x"; delete from dicom_raw.harvested_file; --',
    "ProtocolName": "$$; select 1; $$ E'x' %s ? :name",
    # LT: one value, backslashes included (in other text VRs a backslash separates values).
    "ImageComments": "line one\nline two, a comma; 'quotes' back\\slash \\N \\. end",
    "InstitutionName": 'Zürich ünïcödé ,"',
}
CONTENT = (
    "select f.file_path, e.keyword, e.value_text from dicom_raw.header_element e "
    "join dicom_raw.harvested_file f using (file_id) where e.keyword in ({}) order by 1, 2"
)


def write_hostile_files(pydicom_test_files, folder):
    folder.mkdir()
    write_with_raw_values(
        pydicom_test_files / "CT_small.dcm", folder / "it's; drop table x; --.dcm", **HOSTILE
    )
    write_with_raw_values(
        pydicom_test_files / "MR_small.dcm",
        folder / "plain.dcm",
        PatientID="'); drop table dicom_raw.harvested_file; --",
    )


def expected_rows(folder):
    rows = [
        (str(folder / "it's; drop table x; --.dcm"), keyword, value.strip())
        for keyword, value in HOSTILE.items()
    ]
    rows.append(
        (str(folder / "plain.dcm"), "PatientID", "'); drop table dicom_raw.harvested_file; --")
    )
    return sorted(rows)


def hostile_content(connection, placeholder):
    keywords = [*HOSTILE, "PatientID"]
    cursor = connection.cursor()
    cursor.execute(CONTENT.format(", ".join([placeholder] * len(keywords))), keywords)
    return sorted(
        (path, keyword, value)
        for path, keyword, value in cursor.fetchall()
        if (keyword == "PatientID") == path.endswith("plain.dcm")
    )


@pytest.mark.parametrize("target", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_values_that_look_like_sql_are_stored_as_data(
    target, request, pydicom_test_files, tmp_path, duckdb_file
):
    if target == "postgres":
        request.getfixturevalue("postgres_database")
    folder = tmp_path / "hostile"
    write_hostile_files(pydicom_test_files, folder)
    for _run in range(2):  # the second run looks the stored files up by their hostile paths
        store = open_store(target, duckdb_file)
        try:
            summary = harvest([str(folder)], store, HarvestOptions(progress=False, workers=1))
        finally:
            store.close()
        assert (summary.files_seen, summary.harvested) == (2, 2)

    if target == "duckdb":
        import duckdb

        with duckdb.connect(duckdb_file, read_only=True) as connection:
            stored = hostile_content(connection, "?")
    else:
        with psycopg2.connect("") as connection:
            stored = hostile_content(connection, "%s")
    assert stored == expected_rows(folder)


# -- a harvest killed halfway, run again ------------------------------------------------------
FILES = (
    "select file_id, file_path, file_size, file_mtime_ns, status, reject_category, "
    "sop_instance_uid, series_instance_uid, is_series_representative, full_header_kept, "
    "element_count from dicom_raw.harvested_file order by file_id"
)
ELEMENTS = (
    "select file_id, sequence_path, tag, value_index, value_text, instance_level "
    "from dicom_raw.header_element order by file_id, sequence_path, tag, value_index, value_text"
)


def write_many_files(pydicom_test_files, folder, count):
    """`count` instances in a few series, copies of real files with their own UIDs; the smallest
    SOP Instance UIDs come last in the walk, so representatives change hands during the run."""
    folder.mkdir()
    sources = ["CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm"]
    for index in range(count):
        series = index % 3
        write_with_raw_values(
            pydicom_test_files / sources[series],
            folder / f"IM{index:04d}",
            SeriesInstanceUID=f"1.2.826.0.1.3680043.8.498.55.{series}",
            SOPInstanceUID=f"1.2.826.0.1.3680043.8.498.55.{series}.{count - index}",
        )
    (folder / "broken.dcm").write_bytes(b"DICM")


def cli(*arguments):
    return [sys.executable, "-m", "omop_imaging.cli", "harvest", *arguments, "--no-progress"]


def kill_when(process, ready, timeout=120.0):
    """SIGKILL `process` as soon as `ready()` says batches were committed; False if it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.005)
    process.kill()
    raise AssertionError("the harvest committed nothing in time")


def duckdb_rows(database, sql):
    import duckdb

    with duckdb.connect(database, read_only=True) as connection:
        return connection.execute(sql).fetchall()


def postgres_rows(sql):
    with psycopg2.connect("") as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]


def postgres_files():
    try:
        return postgres_rows("select count(*) from dicom_raw.harvested_file")[0][0]
    except psycopg2.Error:  # the schema is not there yet
        return 0


@pytest.mark.parametrize("target", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_harvest_killed_halfway_and_run_again_equals_one_run(
    target, request, pydicom_test_files, tmp_path
):
    folder = tmp_path / "many"
    write_many_files(pydicom_test_files, folder, 300)
    uninterrupted = str(tmp_path / "uninterrupted.duckdb")
    subprocess.run(cli(str(folder), "--db", uninterrupted, "--workers", "1"), check=True)

    options = ["--workers", "1", "--batch-files", "7"]
    if target == "duckdb":
        database = str(tmp_path / "killed.duckdb")
        wal = Path(database + ".wal")
        command = cli(str(folder), "--db", database, *options)
        ready = lambda: wal.exists() and wal.stat().st_size > 200_000  # noqa: E731
    else:
        request.getfixturevalue("postgres_database")
        command = cli(str(folder), "--target", "postgres", *options)
        ready = lambda: postgres_files() >= 30  # noqa: E731

    killed = kill_when(subprocess.Popen(command), ready)
    assert killed, "the harvest ended before it could be killed: give it more files"
    if target == "duckdb":
        stored = duckdb_rows(database, "select count(*) from dicom_raw.harvested_file")[0][0]
    else:
        stored = postgres_files()
    assert 0 < stored < 301  # some batches committed, not all of them

    subprocess.run(command, check=True)
    if target == "duckdb":
        files, elements = duckdb_rows(database, FILES), duckdb_rows(database, ELEMENTS)
    else:
        files, elements = postgres_rows(FILES), postgres_rows(ELEMENTS)
    assert files == duckdb_rows(uninterrupted, FILES)
    assert elements == duckdb_rows(uninterrupted, ELEMENTS)


# -- two harvests at once ---------------------------------------------------------------------
def write_overlapping_folders(pydicom_test_files, root):
    """Three folders of one set of series; the two harvests share the first one, so that both
    start on the same files."""
    write_many_files(pydicom_test_files, root, 450)
    for index, path in enumerate(sorted(root.glob("IM*"))):
        folder = root / f"part{index % 3}"
        folder.mkdir(exist_ok=True)
        path.rename(folder / path.name)
    return [root / "part0", root / "part1"], [root / "part0", root / "part2"]


@pytest.mark.postgres
def test_two_harvests_into_postgres_at_once(postgres_database, pydicom_test_files, tmp_path):
    root = tmp_path / "archive"
    first, second = write_overlapping_folders(pydicom_test_files, root)
    options = ["--target", "postgres", "--workers", "1", "--batch-files", "5"]
    processes = [
        subprocess.Popen(
            cli(*map(str, folders), *options),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for folders in (first, second)
    ]
    for process in processes:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        assert "rejected" in stdout and "Traceback" not in stderr

    duplicates = postgres_rows(
        "select count(*) - count(distinct (file_id, sequence_path, tag, value_index)) "
        "from dicom_raw.header_element"
    )
    assert duplicates == [(0,)]
    reference = str(tmp_path / "one.duckdb")
    union = sorted({str(folder) for folder in (*first, *second)})
    subprocess.run(cli(*union, "--db", reference, "--workers", "1"), check=True)
    assert postgres_rows(FILES) == duckdb_rows(reference, FILES)
    assert postgres_rows(ELEMENTS) == duckdb_rows(reference, ELEMENTS)


def test_a_second_harvest_into_a_busy_duckdb_file_says_so(dicom_copy, duckdb_file):
    import duckdb

    folder = dicom_copy("CT_small.dcm")
    with duckdb.connect(duckdb_file):  # another process writing: DuckDB allows one at a time
        completed = subprocess.run(
            cli(str(folder), "--db", duckdb_file), capture_output=True, text=True, check=False
        )
    assert completed.returncode == 1
    assert "in use by another process" in completed.stderr
    assert "Traceback" not in completed.stderr
