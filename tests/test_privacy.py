"""Privacy by default, and nothing leaked with --deidentify: canaries written into real files must
not reach any table, log line or error message, on either engine."""

from __future__ import annotations

import shutil

import duckdb
import psycopg2
import pytest
from build_helpers import omop_imaging
from conftest import KEEP_EVERY_SERIES
from dicom_files import CANARY_PATTERNS, CANARY_UID_ROOT, write_with_canaries

from omop_imaging.deidentify import Deidentifier, basic_profile
from omop_imaging.header_policy import NEVER_STORED_TAGS
from omop_imaging.reader import read_file


def test_direct_identifiers_are_never_stored_even_without_deidentify(pydicom_test_files, tmp_path):
    path = tmp_path / "named.dcm"
    canaries = write_with_canaries(
        pydicom_test_files / "MR_small.dcm", path, sorted(NEVER_STORED_TAGS), "KEPT-PATIENT-ID"
    )
    record, rows = read_file(str(path))
    assert record.status == "harvested"
    texts = [value for value in rows.value_text if value]
    # OMOP needs the Patient ID, and private elements are kept by default: --deidentify
    # pseudonymises the one and drops the others.
    assert [canary for canary in canaries if any(canary in text for text in texts)] == [
        "KEPT-PATIENT-ID",
        "CNRYPRIVATE01Q",
        "CNRYPRIVATE02Q",
    ]
    assert not {f"{tag:08X}" for tag in NEVER_STORED_TAGS} & set(rows.tag)
    assert not [
        path for path in rows.sequence_path if path and int(path[:8], 16) in NEVER_STORED_TAGS
    ]


# What a leak looks like in a table cell or a log line: text canaries all start with CNRY (in hex
# when a binary element keeps them), UID canaries share a root, the other VRs have one value each.
LEAK_MARKERS = [
    "CNRY",
    "434E5259",
    CANARY_UID_ROOT,
    *{pattern for patterns in CANARY_PATTERNS.values() for pattern in patterns if len(pattern) > 6},
]
TEST_KEY = "canary-test-key-not-a-secret-0123456789"


def write_canary_folder(pydicom_test_files, folder):
    """Two real files (a CT and an MR patient) with canaries in every Basic Profile attribute and
    in private elements, and one real file as it is."""
    folder.mkdir()
    tags = [int(tag, 16) for tag in basic_profile() if "X" not in tag]
    for number, (name, patient) in enumerate(
        [("CT_small.dcm", "CNRYPATIENTCTQ"), ("MR_small.dcm", "CNRYPATIENTMRQ")], start=1
    ):
        write_with_canaries(pydicom_test_files / name, folder / name, tags, patient, number)
    shutil.copy(pydicom_test_files / "rtstruct.dcm", folder / "rtstruct.dcm")


def leaks(texts) -> list[str]:
    return sorted({text[:80] for text in texts if any(marker in text for marker in LEAK_MARKERS)})


def table_cells(connection, placeholder: str) -> list[str]:
    """Every non-NULL cell of every table and view the harvest and the build made, as text."""
    cursor = connection.cursor()
    cursor.execute(
        "select table_schema, table_name from information_schema.tables where table_schema "
        "not in ('information_schema', 'pg_catalog', 'main') and table_schema not like 'pg_%'"
    )
    cells = []
    for schema, table in cursor.fetchall():
        cursor.execute(f'select * from "{schema}"."{table}"')
        cells += [str(value) for row in cursor.fetchall() for value in row if value is not None]
    return cells


def harvest_and_build(folder, *target):
    environ = {"OMOP_IMAGING_DEID_KEY": TEST_KEY}
    outputs = []
    for arguments in (
        ["harvest", str(folder), *target, "--deidentify", "--no-progress"],
        ["build", *target, *KEEP_EVERY_SERIES],  # de-identified: no birth date, persons kept
        ["report", *target],
    ):
        completed = omop_imaging(*arguments, environ=environ)
        outputs += [completed.stdout, completed.stderr]
    return "\n".join(outputs).splitlines()


def check_no_canary(cells, log_lines):
    assert len(cells) > 10_000  # the tables were really read
    assert leaks(log_lines) == []
    assert leaks(cells) == []


@pytest.mark.slow
def test_no_canary_reaches_duckdb_or_the_logs(pydicom_test_files, tmp_path, duckdb_file):
    folder = tmp_path / "canaries"
    write_canary_folder(pydicom_test_files, folder)
    log_lines = harvest_and_build(folder, "--db", duckdb_file)
    with duckdb.connect(duckdb_file, read_only=True) as connection:
        cells = table_cells(connection, "?")
        persons = connection.execute("select person_source_value from cdm.person").fetchall()
    # The CT and the MR patient under their pseudonyms (the same key gives the same ones again),
    # and rtstruct's patient.
    pseudonym = Deidentifier(TEST_KEY.encode()).patient_id
    assert {(pseudonym("CNRYPATIENTCTQ"),), (pseudonym("CNRYPATIENTMRQ"),)} < set(persons)
    assert len(persons) == 3
    check_no_canary(cells, log_lines)


@pytest.mark.postgres
def test_no_canary_reaches_postgres_or_the_logs(postgres_database, pydicom_test_files, tmp_path):
    folder = tmp_path / "canaries"
    write_canary_folder(pydicom_test_files, folder)
    log_lines = harvest_and_build(folder, "--target", "postgres")
    with psycopg2.connect("") as connection:
        cells = table_cells(connection, "%s")
    check_no_canary(cells, log_lines)


def test_reject_reasons_never_quote_a_value():
    from omop_imaging.reader import _safe_message

    quoted = ValueError("invalid literal for int() with base 10: 'DOE^JOHN' and b\"SMITH\"")
    assert _safe_message(quoted) == "invalid literal for int() with base 10: '...' and '...'"
    assert _safe_message(OSError("No tag to read at file position 4F3")).endswith("4F3")
