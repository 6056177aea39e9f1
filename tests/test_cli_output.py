"""What the commands print into a pipe or a file (CI logs, `make demo > log`): a short run with
no colour codes, no warnings, rejected files counted by category (listed with --verbose); and
on a terminal a progress bar with a total and an ETA."""

from __future__ import annotations

import re

import pytest
from build_helpers import omop_imaging
from dicom_files import count_files

from omop_imaging.harvest import HarvestProgress

ANSI_ESCAPE = re.compile(r"\x1b\[")
WARNING = re.compile(r"\w*Warning\b|\[WARN")  # RuntimeWarning, DeprecationWarning, dbt [WARNING]
REJECTED_FILES = ("README.txt", "no_meta.dcm", "dicomdirtests/DICOMDIR")


def test_harvest_counts_rejected_files_by_category(dicom_copy, duckdb_file):
    folder = dicom_copy("CT_small.dcm", *REJECTED_FILES)
    completed = omop_imaging("harvest", str(folder), "--db", duckdb_file)

    assert completed.stdout.startswith("harvest: 4 files seen, 1 harvested, 3 rejected")
    lines = completed.stderr.splitlines()
    assert lines[:2] == [
        "rejected:      2 not_dicom (e.g. no 'DICM' prefix and no DICOM data element at the start)",
        "rejected:      1 dicomdir (e.g. DICOMDIR media index, not an image: skipped)",
    ]
    assert "--verbose" in lines[2]
    assert len(lines) == 3, "no line per file, no progress bar, nothing else"
    assert not any(name in completed.stderr for name in ("README.txt", "no_meta.dcm"))
    assert not ANSI_ESCAPE.search(completed.stdout + completed.stderr)


def test_harvest_verbose_lists_every_rejected_file(dicom_copy, duckdb_file):
    folder = dicom_copy("CT_small.dcm", *REJECTED_FILES)
    completed = omop_imaging("harvest", str(folder), "--db", duckdb_file, "--verbose")

    listed = sorted(line for line in completed.stderr.splitlines() if line.startswith("rejected "))
    assert listed == [
        f"rejected {folder / 'DICOMDIR'}: [dicomdir] DICOMDIR media index, not an image: skipped",
        f"rejected {folder / 'README.txt'}: [not_dicom] no 'DICM' prefix and no DICOM data "
        "element at the start",
        f"rejected {folder / 'no_meta.dcm'}: [not_dicom] no 'DICM' prefix and no DICOM data "
        "element at the start",
    ]


def test_progress_bar_shows_the_total_and_an_eta(pydicom_test_files, capsys):
    folders = [str(pydicom_test_files)]
    progress = HarvestProgress(folders, enabled=True)
    try:
        progress.update(0)  # before the count is in: no total to promise yet
        assert progress.counted_all.wait(60), "the background count did not finish"
        progress.update(32)
        meter = str(progress.bar)
    finally:
        progress.close()
    total = count_files(folders)
    assert progress.bar.total == total
    assert re.search(rf"\b32/{total} \[\d\d:\d\d<\d\d:\d\d", meter), meter


@pytest.mark.slow
def test_demo_into_a_pipe_is_short_plain_and_without_warnings(demo_run):
    _database, completed = demo_run
    output = completed.stdout + completed.stderr
    lines = output.splitlines()

    assert not ANSI_ESCAPE.search(output), "no colour codes outside a terminal"
    assert not WARNING.search(output), [line for line in lines if WARNING.search(line)]
    assert not [line for line in lines if line.startswith("rejected /")], (
        "files only with --verbose"
    )
    categories = [line.split()[2] for line in lines if re.match(r"rejected: +\d+ ", line)]
    assert {"not_dicom", "dicomdir", "missing_uid"} <= set(categories)
    assert len(categories) == len(set(categories)), "one line per category"
    seed, build = (line for line in lines if re.match(r"dbt (seed|build): \d", line))
    assert re.search(r"\d+ seeds: \d+ OK, 0 warnings, 0 errors, 0 skipped", seed), seed
    assert re.search(r"\d+ models, .* 0 warnings, 0 errors, 0 skipped", build), build
    assert not [line for line in lines if re.search(r"\bSTART\b|\bPASS\b", line)], (
        "no line per node"
    )
    assert len(lines) < 100, f"{len(lines)} lines"
