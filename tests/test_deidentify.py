"""--deidentify: PS3.15 Annex E Basic Profile on the reader's rows, keyed pseudonyms, date shift,
key handling. Inputs are real files from pydicom, with canaries written into them."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys

import duckdb
import pydicom
import pytest
from dicom_files import write_with_canaries, write_with_raw_values

from omop_imaging.deidentify import (
    KEY_ENVIRONMENT_VARIABLE,
    Deidentifier,
    DeidKeyError,
    basic_profile,
    load_key,
    read_files_deidentified,
)
from omop_imaging.harvest import HarvestOptions, harvest
from omop_imaging.reader import read_files
from omop_imaging.store import open_store

KEY = b"test-key-not-a-secret-0123456789"
UID = re.compile(r"^2\.25\.(0|[1-9][0-9]*)$")


def profile_tags() -> list[int]:
    return [int(tag, 16) for tag in basic_profile() if "X" not in tag]


def test_the_basic_profile_table():
    table = basic_profile()
    assert len(table) > 600  # PS3.15 2026c, Table E.1-1
    assert table["00100010"] == ("blank", False)  # Patient's Name: Z
    assert table["0020000D"] == ("pseudonym", False)  # Study Instance UID: U
    assert table["00081030"] == ("remove", False)  # Study Description: X
    assert table["00080020"] == ("blank", True)  # Study Date: Z, kept shifted with the option
    assert table["00100030"] == ("blank", False)  # Patient's Birth Date: Z, even with the option


def test_no_canary_leaves_the_worker(pydicom_test_files, tmp_path):
    path = tmp_path / "canary.dcm"
    canaries = write_with_canaries(
        pydicom_test_files / "CT_small.dcm", path, profile_tags(), "CNRYPATIENTQ"
    )
    ((plain_record, plain_rows),) = read_files([str(path)])
    assert plain_record.status == "harvested"
    # Without --deidentify the canaries of attributes OMOP may need are stored (the control).
    assert "CNRYPATIENTQ" in plain_rows.value_text
    plain_texts = [value for value in plain_rows.value_text if value]
    assert sum(any(canary in text for text in plain_texts) for canary in canaries) > 300

    deidentifier = Deidentifier(KEY)
    ((record, rows),) = read_files_deidentified([str(path)], False, deidentifier)
    assert record.status == "harvested" and len(rows) > 20
    stored = [
        *rows.value_text,
        *rows.study_instance_uid,
        *rows.sop_instance_uid,
        *vars(record).values(),
    ]
    texts = [str(value) for value in stored if value is not None]
    leaked = sorted({canary for canary in canaries for text in texts if canary in text})
    assert leaked == []
    assert not [tag for tag in rows.tag if int(tag[3], 16) % 2]  # no private element
    assert not [path for path in rows.sequence_path if path.startswith("0099")]
    for uid in (record.study_instance_uid, record.series_instance_uid, record.sop_instance_uid):
        assert UID.match(uid) and len(uid) <= 64
    patient = [
        value for tag, value in zip(rows.tag, rows.value_text, strict=True) if tag == "00100020"
    ]
    assert patient == [deidentifier.patient_id("CNRYPATIENTQ")]
    # Kept: what describes the acquisition, not the person.
    by_keyword = dict(zip(rows.keyword, rows.value_text, strict=True))
    assert by_keyword["Modality"] == "CT" and by_keyword["SliceThickness"]


def test_pseudonyms_are_stable_and_keyed():
    one, same, other = Deidentifier(KEY), Deidentifier(bytes(KEY)), Deidentifier(KEY[::-1])
    uid = "1.2.840.113619.2.1.1.322987881.621.736170080.681"
    assert one.uid(uid) == same.uid(uid) != other.uid(uid)
    assert one.patient_id("12345") == same.patient_id("12345") != other.patient_id("12345")
    assert one.uid(uid) != one.uid(uid + "1") and UID.match(one.uid(uid))
    assert one.shift_days("12345") == same.shift_days("12345")
    assert all(-365 <= one.shift_days(str(number)) <= -1 for number in range(200))


def test_date_shift_is_per_patient_and_keeps_intervals(pydicom_test_files, tmp_path):
    source = pydicom_test_files / "CT_small.dcm"
    original = pydicom.dcmread(source)
    second = write_with_raw_values(
        source,
        tmp_path / "later.dcm",
        SOPInstanceUID="1.2.826.0.1.3680043.8.498.801",
        StudyDate="20040301",
        StudyTime="101010",
    )
    other_patient = write_with_raw_values(
        source,
        tmp_path / "other.dcm",
        PatientID="ANOTHER-PATIENT",
        SOPInstanceUID="1.2.826.0.1.3680043.8.498.802",
    )
    deidentifier = Deidentifier(KEY, shift_dates=True)
    results = read_files_deidentified(
        [str(source), str(second), str(other_patient)], True, deidentifier
    )

    def value(rows, keyword):
        return next(
            v
            for k, v, p in zip(rows.keyword, rows.value_text, rows.sequence_path, strict=True)
            if k == keyword and not p
        )

    def day(text):
        return datetime.datetime.strptime(text, "%Y%m%d").date()

    first_rows, second_rows, other_rows = (rows for _record, rows in results)
    shift = day(value(first_rows, "StudyDate")) - day(original.StudyDate)
    assert datetime.timedelta(days=-365) <= shift < datetime.timedelta(0)
    assert day(value(first_rows, "SeriesDate")) - day(original.SeriesDate) == shift
    assert day(value(second_rows, "StudyDate")) - day("20040301") == shift  # same patient
    assert value(first_rows, "StudyTime") == original.StudyTime  # times stay
    other_shift = day(value(other_rows, "StudyDate")) - day(original.StudyDate)
    assert other_shift == datetime.timedelta(days=deidentifier.shift_days("ANOTHER-PATIENT"))
    # The birth date is blanked even with the option (PS3.15 keeps it out of it).
    assert value(first_rows, "PatientBirthDate") is None

    plain = read_files_deidentified([str(source)], True, Deidentifier(KEY))[0][1]
    assert value(plain, "StudyDate") is None and value(plain, "StudyTime") is None


def test_an_unreadable_date_is_not_stored_when_shifted(pydicom_test_files, tmp_path):
    bad = write_with_raw_values(
        pydicom_test_files / "CT_small.dcm", tmp_path / "bad.dcm", StudyDate="20231301"
    )
    ((_record, rows),) = read_files_deidentified(
        [str(bad)], True, Deidentifier(KEY, shift_dates=True)
    )
    assert ("StudyDate", None) in list(zip(rows.keyword, rows.value_text, strict=True))


def run_harvest(paths, database, deidentifier, **options):
    store = open_store("duckdb", database)
    try:
        return harvest(
            paths, store, HarvestOptions(progress=False, deidentifier=deidentifier, **options)
        )
    finally:
        store.close()


def test_deidentified_harvest_is_the_same_every_run(pydicom_test_files, tmp_path):
    folder = tmp_path / "series"
    folder.mkdir()
    for index in range(5):
        write_with_raw_values(
            pydicom_test_files / "MR_small.dcm",
            folder / f"IM{index}",
            SOPInstanceUID=f"1.2.826.0.1.3680043.8.498.90{index}",
        )
    content = (
        "select f.file_path, f.sop_instance_uid, f.is_series_representative, e.sequence_path, e.tag, "
        "e.value_index, e.value_text from dicom_raw.harvested_file f join dicom_raw.header_element e "
        "using (file_id) order by all"
    )
    databases = [str(tmp_path / "one.duckdb"), str(tmp_path / "two.duckdb")]
    run_harvest([str(folder)], databases[0], Deidentifier(KEY), workers=1)
    run_harvest(
        [str(folder)], databases[1], Deidentifier(KEY), workers=2, task_files=2, batch_files=2
    )
    runs = []
    for database in databases:
        with duckdb.connect(database, read_only=True) as connection:
            runs.append(connection.execute(content).fetchall())
            representatives = connection.execute(
                "select count(*) from dicom_raw.harvested_file where is_series_representative"
            ).fetchall()
        assert representatives == [(1,)]
    assert runs[0] == runs[1] and runs[0]
    assert all(UID.match(row[1]) for row in runs[0])


def cli_harvest(*arguments, environ):
    return subprocess.run(
        [sys.executable, "-m", "omop_imaging.cli", "harvest", *arguments],
        capture_output=True,
        text=True,
        env=environ,
        check=False,
    )


def test_deidentify_refuses_to_start_without_a_usable_key(dicom_copy, tmp_path):
    folder = dicom_copy("CT_small.dcm")
    environ = {
        name: value for name, value in os.environ.items() if name != KEY_ENVIRONMENT_VARIABLE
    }
    database = str(tmp_path / "db.duckdb")

    missing = cli_harvest(str(folder), "--db", database, "--deidentify", environ=environ)
    assert missing.returncode == 2 and KEY_ENVIRONMENT_VARIABLE in missing.stderr
    assert not os.path.exists(database)  # refused before anything was written

    short = cli_harvest(
        str(folder),
        "--db",
        database,
        "--deidentify",
        environ=environ | {KEY_ENVIRONMENT_VARIABLE: "short"},
    )
    assert short.returncode == 2 and "too short" in short.stderr

    with pytest.raises(DeidKeyError, match="inside the omop-imaging checkout"):
        load_key(os.path.join(os.path.dirname(__file__), "conftest.py"))
    key_file = tmp_path / "deid.key"
    key_file.write_text(KEY.decode() + "\n")
    assert load_key(str(key_file), environ={}) == KEY

    loose = cli_harvest(str(folder), "--db", database, "--date-shift", environ=environ)
    assert loose.returncode == 2 and "--deidentify" in loose.stderr

    ok = cli_harvest(
        str(folder),
        "--db",
        database,
        "--deidentify",
        "--deid-key-file",
        str(key_file),
        environ=environ,
    )
    assert ok.returncode == 0, ok.stderr
    with duckdb.connect(database, read_only=True) as connection:
        uids = connection.execute(
            "select study_instance_uid from dicom_raw.harvested_file"
        ).fetchall()
    assert uids == [
        (Deidentifier(KEY).uid(pydicom.dcmread(folder / "CT_small.dcm").StudyInstanceUID),)
    ]


def test_pseudonymize_gives_the_crosswalk_the_ids_the_harvest_stored(dicom_copy, tmp_path):
    folder = dicom_copy("CT_small.dcm")
    database = str(tmp_path / "db.duckdb")
    environ = os.environ | {KEY_ENVIRONMENT_VARIABLE: KEY.decode()}
    harvested = cli_harvest(str(folder), "--db", database, "--deidentify", environ=environ)
    assert harvested.returncode == 0, harvested.stderr
    with duckdb.connect(database, read_only=True) as connection:
        stored = connection.execute(
            "select value_text from dicom_raw.header_element where tag = '00100020'"
        ).fetchall()

    patient_id = pydicom.dcmread(folder / "CT_small.dcm").PatientID
    crosswalk = f"issuer_of_patient_id,patient_id,person_id\nHOSPITAL,{patient_id},42\n"
    completed = subprocess.run(
        [sys.executable, "-m", "omop_imaging.cli", "pseudonymize"],
        input=crosswalk,
        capture_output=True,
        text=True,
        env=environ,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        "issuer_of_patient_id,patient_id,person_id",
        f",{stored[0][0]},42",
    ]
    assert patient_id not in completed.stdout
