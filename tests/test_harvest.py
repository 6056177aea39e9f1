"""Harvesting real folders into DuckDB: accounting, idempotence, change detection, determinism."""

from __future__ import annotations

import json
import os

import duckdb
import pydicom
import pytest
from build_helpers import omop_imaging
from dicom_files import bump_mtime, count_files, write_with_raw_values

from omop_imaging.harvest import HarvestOptions, harvest
from omop_imaging.store import open_store

ELEMENT_CONTENT = (
    "select file_id, sequence_path, tag, value_index, value_text, instance_level "
    "from dicom_raw.header_element order by all"
)
FILE_CONTENT = "select * exclude (harvested_at) from dicom_raw.harvested_file order by file_id"


def run_harvest(paths, database, **options):
    store = open_store("duckdb", database)
    try:
        return harvest(paths, store, HarvestOptions(progress=False, **options))
    finally:
        store.close()


def fetch(database, sql):
    with duckdb.connect(database, read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_every_file_is_accounted_for(sample_folders, duckdb_file):
    summary = run_harvest(sample_folders, duckdb_file, workers=2)

    assert summary.files_seen == count_files(sample_folders)
    assert summary.harvested + summary.rejected == summary.files_seen
    assert summary.harvested > 150 and summary.elements > 5000
    stored = dict(
        fetch(duckdb_file, "select status, count(*) from dicom_raw.harvested_file group by status")
    )
    assert stored == {"harvested": summary.harvested, "rejected": summary.rejected}

    rejected = {
        os.path.basename(path): category for path, category, _reason in summary.rejected_files
    }
    # pydicom's deliberately malformed or non-image files, each with its own reason.
    assert rejected["no_meta.dcm"] == "not_dicom"
    assert rejected["DICOMDIR"] == "dicomdir"
    assert rejected["README.txt"] == "not_dicom"
    assert rejected["nested_priv_SQ.dcm"] == "missing_uid"
    assert all(reason for _path, _category, reason in summary.rejected_files)

    # One representative per series, and every harvested instance has its instance-level rows.
    per_series = fetch(
        duckdb_file,
        "select series_instance_uid, sum(case when is_series_representative then 1 else 0 end) "
        "from dicom_raw.harvested_file where status = 'harvested' group by 1",
    )
    assert per_series and all(count == 1 for _series, count in per_series)
    without_rows = fetch(
        duckdb_file,
        "select count(*) from dicom_raw.harvested_file f where status = 'harvested' and not exists "
        "(select 1 from dicom_raw.header_element e where e.file_id = f.file_id and e.tag = '00080018')",
    )
    assert without_rows == [(0,)]


def test_series_keep_one_full_header_unless_asked_for_all(sample_folders, tmp_path):
    default = run_harvest(sample_folders, str(tmp_path / "default.duckdb"), workers=1)
    full = run_harvest(sample_folders, str(tmp_path / "full.duckdb"), workers=1, full_headers=True)
    assert full.elements > default.elements
    # Non-representative instances keep only instance-level rows by default.
    leftovers = fetch(
        str(tmp_path / "default.duckdb"),
        "select count(*) from dicom_raw.header_element e join dicom_raw.harvested_file f using (file_id) "
        "where not f.is_series_representative and not e.instance_level",
    )
    assert leftovers == [(0,)]
    assert fetch(
        str(tmp_path / "full.duckdb"),
        "select bool_and(full_header_kept) from dicom_raw.harvested_file where status = 'harvested'",
    ) == [(True,)]


def test_reharvest_adds_nothing_and_reads_nothing(sample_folders, duckdb_file):
    first = run_harvest(sample_folders, duckdb_file, workers=2)
    before = fetch(duckdb_file, ELEMENT_CONTENT)
    second = run_harvest(sample_folders, duckdb_file, workers=2)

    assert second.unchanged == second.files_seen == first.files_seen
    assert (second.harvested, second.rejected, second.elements) == (
        first.harvested,
        first.rejected,
        0,
    )
    assert fetch(duckdb_file, ELEMENT_CONTENT) == before


def test_changed_file_replaces_its_rows(dicom_copy, duckdb_file):
    folder = dicom_copy("CT_small.dcm", "MR_small.dcm")
    run_harvest([str(folder)], duckdb_file, workers=1)
    rows_before = fetch(duckdb_file, "select count(*) from dicom_raw.header_element")

    write_with_raw_values(folder / "CT_small.dcm", folder / "CT_small.dcm", SliceThickness="2.5")
    bump_mtime(folder / "CT_small.dcm")
    summary = run_harvest([str(folder)], duckdb_file, workers=1)

    assert (summary.unchanged, summary.harvested) == (1, 2)
    assert fetch(duckdb_file, "select count(*) from dicom_raw.header_element") == rows_before
    assert fetch(
        duckdb_file,
        "select value_text from dicom_raw.header_element where tag = '00180050' and value_text = '2.5'",
    ) == [("2.5",)]


def test_content_does_not_depend_on_order_or_on_how_runs_are_split(pydicom_test_files, tmp_path):
    # Several instances of one series: MR_small and its re-encodings share series UIDs.
    # Copies with their own SOP Instance UIDs; the smallest lands in the run that comes second, so
    # that run must demote the first run's representative.
    folder_a, folder_b = tmp_path / "a", tmp_path / "b"
    folder_a.mkdir()
    folder_b.mkdir()
    source = pydicom_test_files / "MR_small.dcm"
    for index in range(6):
        folder = folder_b if index in (0, 3) else folder_a
        write_with_raw_values(
            source, folder / f"IM{index}", SOPInstanceUID=f"1.2.826.0.1.3680043.8.498.10{index}"
        )

    one_run = str(tmp_path / "one.duckdb")
    run_harvest([str(folder_a), str(folder_b)], one_run, workers=2)
    split_runs = str(tmp_path / "split.duckdb")
    run_harvest([str(folder_a)], split_runs, workers=1)  # the other half first
    run_harvest([str(folder_b)], split_runs, workers=1, batch_files=1)

    representative = "select file_path from dicom_raw.harvested_file where is_series_representative"
    assert fetch(split_runs, representative) == [(str(folder_b / "IM0"),)]
    assert fetch(one_run, ELEMENT_CONTENT) == fetch(split_runs, ELEMENT_CONTENT)
    assert fetch(one_run, FILE_CONTENT) == fetch(split_runs, FILE_CONTENT)


def test_cli_json_summary_and_exit_code(dicom_copy, duckdb_file):
    folder = dicom_copy("CT_small.dcm", "README.txt", "no_meta.dcm")
    completed = omop_imaging("harvest", str(folder), "--db", duckdb_file, "--json")
    summary = json.loads(completed.stdout)
    assert (summary["files_seen"], summary["harvested"], summary["rejected"]) == (3, 1, 2)
    assert summary["rejected_by_reason"]["not_dicom"]["count"] == 2
    assert {
        os.path.basename(entry["path"])
        for entry in summary["rejected_by_reason"]["not_dicom"]["files"]
    } == {
        "README.txt",
        "no_meta.dcm",
    }


def test_cli_summary_line(dicom_copy, duckdb_file):
    folder = dicom_copy("CT_small.dcm", "README.txt")
    completed = omop_imaging("harvest", str(folder), "--db", duckdb_file, "--no-progress")
    assert completed.stdout.startswith("harvest: 2 files seen, 1 harvested, 1 rejected")
    assert completed.stderr.startswith("rejected:      1 not_dicom")


@pytest.mark.parametrize(
    "command",
    [
        "harvest",
        "build",
        "settings",
        "dbt",
        "demo",
        "counts",
        "report",
        "cohort",
        "classify",
        "viewer",
        "pseudonymize",
    ],
)
def test_help_explains_every_command(command):
    assert command in omop_imaging("--help").stdout
    assert "usage: omop-imaging " + command in omop_imaging(command, "--help").stdout


def test_representative_changed_on_disk_hands_over_to_the_next_instance(
    pydicom_test_files, tmp_path
):
    folder = tmp_path / "series"
    folder.mkdir()
    source = pydicom_test_files / "MR_small.dcm"
    for index in range(3):
        write_with_raw_values(
            source, folder / f"IM{index}", SOPInstanceUID=f"1.2.826.0.1.3680043.8.498.20{index}"
        )
    incremental = str(tmp_path / "incremental.duckdb")
    run_harvest([str(folder)], incremental, workers=1)

    # The representative (smallest UID) now carries the largest UID: IM1 must take over, re-read.
    write_with_raw_values(
        folder / "IM0", folder / "IM0", SOPInstanceUID="1.2.826.0.1.3680043.8.498.209"
    )
    bump_mtime(folder / "IM0")
    run_harvest([str(folder)], incremental, workers=1)

    fresh = str(tmp_path / "fresh.duckdb")
    run_harvest([str(folder)], fresh, workers=1)
    representative = "select file_path from dicom_raw.harvested_file where is_series_representative"
    assert fetch(incremental, representative) == [(str(folder / "IM1"),)]
    assert fetch(incremental, ELEMENT_CONTENT) == fetch(fresh, ELEMENT_CONTENT)
    assert fetch(incremental, FILE_CONTENT) == fetch(fresh, FILE_CONTENT)


def test_files_gone_from_a_harvested_folder_lose_their_rows(pydicom_test_files, tmp_path):
    folder = tmp_path / "series"
    write_series(pydicom_test_files / "MR_small.dcm", folder, ["210", "211", "212"])
    (folder / "other").mkdir()
    write_series(pydicom_test_files / "CT_small.dcm", folder / "other", ["220"])
    incremental = str(tmp_path / "incremental.duckdb")
    run_harvest([str(folder)], incremental, workers=1)
    with duckdb.connect(incremental) as connection:  # as a build leaves it
        connection.execute("delete from dicom_raw.touched_series")

    # the representative of the MR series and the only file of the CT series are deleted
    (folder / "IM0").unlink()
    (folder / "other" / "IM0").unlink()
    summary = run_harvest([str(folder)], incremental, workers=1)
    assert summary.files_seen == 2

    fresh = str(tmp_path / "fresh.duckdb")
    run_harvest([str(folder)], fresh, workers=1)
    representative = "select file_path from dicom_raw.harvested_file where is_series_representative"
    assert fetch(incremental, representative) == [(str(folder / "IM1"),)]
    assert fetch(incremental, ELEMENT_CONTENT) == fetch(fresh, ELEMENT_CONTENT)
    assert fetch(incremental, FILE_CONTENT) == fetch(fresh, FILE_CONTENT)
    # the next build rebuilds both series (and so removes the CT series' rows)
    touched = "select distinct series_instance_uid from dicom_raw.touched_series order by 1"
    mr, ct = (
        str(pydicom.dcmread(pydicom_test_files / name).SeriesInstanceUID)
        for name in ("MR_small.dcm", "CT_small.dcm")
    )
    assert fetch(incremental, touched) == sorted([(mr,), (ct,)])


def write_series(source, folder, uid_suffixes):
    """Copies of one real file as one series, one SOP Instance UID each (IM0, IM1, ... in order)."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, suffix in enumerate(uid_suffixes):
        write_with_raw_values(
            source, folder / f"IM{index}", SOPInstanceUID=f"1.2.826.0.1.3680043.8.498.{suffix}"
        )


@pytest.mark.parametrize("workers", [1, 2])
def test_representative_found_whichever_task_holds_it(pydicom_test_files, tmp_path, workers):
    # Workers flatten one file per series and task in full; with tasks of 2 files the smallest
    # SOP Instance UID (IM5, '...401') sits in the last task, each task has its own smallest.
    folder = tmp_path / "series"
    write_series(
        pydicom_test_files / "MR_small.dcm", folder, ["406", "405", "404", "403", "402", "401"]
    )
    small_tasks = str(tmp_path / "small.duckdb")
    summary = run_harvest([str(folder)], small_tasks, workers=workers, task_files=2, batch_files=2)
    one_task = str(tmp_path / "one.duckdb")
    run_harvest([str(folder)], one_task, workers=1)

    representative = "select file_path from dicom_raw.harvested_file where is_series_representative"
    assert fetch(small_tasks, representative) == [(str(folder / "IM5"),)]
    assert fetch(small_tasks, ELEMENT_CONTENT) == fetch(one_task, ELEMENT_CONTENT)
    assert fetch(small_tasks, FILE_CONTENT) == fetch(one_task, FILE_CONTENT)
    # Earlier batches' representatives were demoted: the summary counts the rows that stay.
    assert (
        summary.elements
        == fetch(small_tasks, "select count(*) from dicom_raw.header_element")[0][0]
    )


def test_several_load_batches_in_one_transaction_store_what_one_each_does(
    pydicom_test_files, tmp_path
):
    # Batches of 2 files, committed 4 files at a time: a batch plans on the uncommitted rows of
    # the batch before it (IM3 demotes IM1 in the same transaction; IM5 demotes IM3 in the next).
    folder = tmp_path / "series"
    write_series(
        pydicom_test_files / "MR_small.dcm", folder, ["406", "405", "404", "403", "402", "401"]
    )
    contents, committed = [], []
    for batch_files in (2, 4):
        database = str(tmp_path / f"transactions-of-{batch_files}.duckdb")
        summary = run_harvest(
            [str(folder)], database, workers=1, task_files=2, load_files=2, batch_files=batch_files
        )
        committed.append(summary.committed)
        contents.append([fetch(database, sql) for sql in (ELEMENT_CONTENT, FILE_CONTENT)])
    assert committed == [6, 6]  # the last transaction, of 2 files, commits when the harvest ends
    assert contents[0] == contents[1]


def test_element_count_is_the_header_size_for_every_instance(pydicom_test_files, tmp_path):
    folder = tmp_path / "series"
    write_series(pydicom_test_files / "MR_small.dcm", folder, ["503", "501", "502"])
    database = str(tmp_path / "db.duckdb")
    run_harvest([str(folder)], database, workers=1, task_files=3)

    header = pydicom.dcmread(folder / "IM0", stop_before_pixels=True)
    counts = fetch(
        database,
        "select is_series_representative, element_count from dicom_raw.harvested_file order by 1",
    )
    assert counts == [(False, len(header)), (False, len(header)), (True, len(header))]


def test_full_headers_with_small_tasks_keep_every_row(pydicom_test_files, tmp_path):
    folder = tmp_path / "series"
    write_series(pydicom_test_files / "MR_small.dcm", folder, ["603", "602", "601"])
    small_tasks = str(tmp_path / "small.duckdb")
    run_harvest([str(folder)], small_tasks, workers=1, task_files=1, full_headers=True)
    default = str(tmp_path / "default.duckdb")
    run_harvest([str(folder)], default, workers=1)

    per_file = "select file_id, count(*) from dicom_raw.header_element group by 1 order by 1"
    full_counts = fetch(small_tasks, per_file)
    assert len({count for _file, count in full_counts}) == 1  # every file: its whole header
    assert fetch(default, per_file) != full_counts
    assert fetch(
        small_tasks,
        "select bool_and(full_header_kept) and bool_and(harvested_with_full_headers) "
        "from dicom_raw.harvested_file",
    ) == [(True,)]


def test_reharvest_of_a_stored_folder_with_new_files(pydicom_test_files, tmp_path):
    # The second run finds a store that is not empty: it looks stored files up, reads only the
    # new ones, and the new smallest instance takes over as representative.
    folder = tmp_path / "series"
    write_series(pydicom_test_files / "MR_small.dcm", folder, ["703", "702"])
    incremental = str(tmp_path / "incremental.duckdb")
    run_harvest([str(folder)], incremental, workers=1)
    write_with_raw_values(
        pydicom_test_files / "MR_small.dcm",
        folder / "IM2",
        SOPInstanceUID="1.2.826.0.1.3680043.8.498.701",
    )
    second = run_harvest([str(folder)], incremental, workers=1, task_files=1)
    assert (second.files_seen, second.unchanged, second.harvested) == (3, 2, 3)

    fresh = str(tmp_path / "fresh.duckdb")
    run_harvest([str(folder)], fresh, workers=2, task_files=1)
    assert fetch(incremental, ELEMENT_CONTENT) == fetch(fresh, ELEMENT_CONTENT)
    assert fetch(incremental, FILE_CONTENT) == fetch(fresh, FILE_CONTENT)
