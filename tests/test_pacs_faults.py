"""A DICOMweb harvest when things go wrong: the PACS stopped mid-run and restarted, slow and
failing answers, Retry-After, a wrong token. The PACS is a real Orthanc; the faults come from a
small proxy in front of it (tests/fault_proxy.py)."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
import requests
from build_helpers import omop_imaging
from fault_proxy import Fault, FaultProxy
from orthanc_server import PASSWORD, USER, dicom_files_under, orthanc_answers_404, start_orthanc

from omop_imaging.pacs_credentials import TOKEN_VARIABLE, USER_VARIABLE
from omop_imaging.pacs_retry import RetryPolicy, SourceError, with_retries

TOKEN = "the-right-token-0123456789"


@pytest.fixture(scope="module")
def pacs(tmp_path_factory, pydicom_test_files):
    """Orthanc with pydicom's own test files (some 30 studies)."""
    server = start_orthanc(tmp_path_factory.mktemp("orthanc"))
    try:
        files = dicom_files_under([str(pydicom_test_files)])
        stored = server.upload([path for path in files if not orthanc_answers_404(path.name)])
        assert len(stored) > 40
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def complete_harvest(pacs, tmp_path_factory) -> list[tuple]:
    """What a harvest without faults stores: (status, count) rows."""
    database = str(tmp_path_factory.mktemp("baseline") / "baseline.duckdb")
    omop_imaging(
        "harvest",
        "--dicomweb",
        pacs.dicomweb_url,
        "--db",
        database,
        "--no-progress",
        environ={USER_VARIABLE: USER, "OMOP_IMAGING_DICOMWEB_PASSWORD": PASSWORD},
    )
    counts = staged(database, STATUS_COUNTS)
    assert counts == [("harvested", counts[0][1])] and counts[0][1] > 100
    return counts


STATUS_COUNTS = "select status, count(*) from dicom_raw.harvested_file group by status"


def staged(database: str, sql: str):
    with duckdb.connect(database, read_only=True) as connection:
        return connection.execute(sql).fetchall()


def harvest_via(proxy, database, *options, token=TOKEN, check=True):
    return omop_imaging(
        "harvest",
        "--dicomweb",
        f"{proxy.url}/dicom-web",
        "--db",
        database,
        "--no-progress",
        "--retries",
        "3",
        "--retry-pause",
        "0.05",
        *options,
        check=check,
        environ={TOKEN_VARIABLE: token},
    )


def test_server_stopped_mid_run_then_restarted_rerun_completes(pacs, complete_harvest, duckdb_file):
    with FaultProxy(pacs.url, (USER, PASSWORD), TOKEN) as proxy:
        metadata_reads = []

        def stop_after_ten_series(path):
            if path.endswith("/metadata"):
                metadata_reads.append(path)
                if len(metadata_reads) == 10:
                    pacs.stop()

        proxy.before_forward = stop_after_ten_series
        first = harvest_via(proxy, duckdb_file, "--connections", "2", check=False)
        assert "Traceback" not in first.stderr
        harvested = staged(
            duckdb_file, "select count(*) from dicom_raw.harvested_file where status = 'harvested'"
        )[0][0]
        rejected = staged(
            duckdb_file,
            "select reject_category, reject_reason from dicom_raw.harvested_file "
            "where status = 'rejected'",
        )
        pacs.start()  # same ports, same storage
        # Some studies were read before the stop; the others are stored as rejected with the
        # reason, or the listing itself broke off (a one-line error, exit code 1).
        assert 0 < harvested < complete_harvest[0][1]
        assert rejected or first.returncode == 1
        # (Orthanc may answer 404 for a request that arrives while it shuts down.)
        assert all(category == "unreachable" for category, _reason in rejected), rejected
        assert first.returncode == 1 or any("HTTP 502" in reason for _category, reason in rejected)
        if first.returncode == 1:
            assert len(first.stderr.strip().splitlines()) == 1, first.stderr

        proxy.before_forward = lambda path: None
        second = harvest_via(proxy, duckdb_file, "--connections", "2")
    assert staged(duckdb_file, STATUS_COUNTS) == complete_harvest
    assert "unchanged since the last harvest" in second.stdout
    # The series read before the stop were not read again.
    assert "0 unchanged since" not in second.stdout


def test_slow_and_failing_answers_are_retried(pacs, complete_harvest, duckdb_file):
    with FaultProxy(pacs.url, (USER, PASSWORD), TOKEN) as proxy:

        def plan(path, seen):
            if seen > 0:
                return None  # every request succeeds when tried again
            if path.endswith("/metadata"):
                return [
                    Fault(status=503, headers={"Retry-After": "0"}),
                    Fault(status=500),
                    Fault(delay=2.0),  # longer than --timeout
                    Fault(status=429, headers={"Retry-After": "0"}),
                ][len(path) % 4]
            if "/series?" in path:
                return Fault(status=502)
            return None

        proxy.plan = plan
        result = harvest_via(proxy, duckdb_file, "--timeout", "1")
        retried = [path for path, count in proxy.requests.items() if count > 1]
    assert len(retried) > 40
    assert staged(duckdb_file, STATUS_COUNTS) == complete_harvest
    assert "(0 rejected)" in result.stdout


def test_retry_after_sets_the_pause_and_a_request_that_keeps_failing_gives_up(pacs):
    with FaultProxy(pacs.url, (USER, PASSWORD)) as proxy:
        proxy.plan = lambda path, seen: Fault(status=429, headers={"Retry-After": "7"})
        pauses: list[float] = []

        def get():
            response = requests.get(f"{proxy.url}/dicom-web/studies", timeout=5)
            response.raise_for_status()

        with pytest.raises(SourceError, match=r"^QIDO-RS studies: HTTP 429 \(3 attempts\)$"):
            with_retries(get, "QIDO-RS studies", RetryPolicy(attempts=3), sleep=pauses.append)
    assert pauses == [7.0, 7.0]


def test_wrong_token_gives_one_clear_line(pacs, duckdb_file):
    with FaultProxy(pacs.url, (USER, PASSWORD), TOKEN) as proxy:
        result = harvest_via(proxy, duckdb_file, token="a-wrong-token-9876543210", check=False)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "refused the credentials (HTTP 401)" in result.stderr
    assert TOKEN_VARIABLE in result.stderr
    assert "a-wrong-token" not in result.stderr + result.stdout


def test_basic_auth_from_the_environment_and_never_stored(pacs, duckdb_file):
    result = omop_imaging(
        "harvest",
        "--dicomweb",
        pacs.dicomweb_url,
        "--db",
        duckdb_file,
        "--no-progress",
        "--modality",
        "CT",
        environ={USER_VARIABLE: USER, "OMOP_IMAGING_DICOMWEB_PASSWORD": PASSWORD},
    )
    assert "0 instances rejected" in result.stdout
    modalities = staged(
        duckdb_file,
        "select distinct value_text from dicom_raw.header_element where tag = '00080060'",
    )
    assert modalities == [("CT",)]
    dump = str(staged(duckdb_file, "select * from dicom_raw.header_element")) + str(
        staged(duckdb_file, "select * from dicom_raw.harvested_file")
    )
    assert PASSWORD not in dump


def test_credentials_on_the_url_are_refused(pacs, duckdb_file):
    url = pacs.dicomweb_url.replace("http://", f"http://{USER}:{PASSWORD}@")
    result = omop_imaging("harvest", "--dicomweb", url, "--db", duckdb_file, check=False)
    assert result.returncode == 2
    assert "holds a user name or password" in result.stderr
    assert PASSWORD not in result.stderr


def test_deidentified_dicomweb_harvest_keeps_no_original_uid(pacs, duckdb_file):
    key = "a-test-key-of-more-than-16-bytes"
    omop_imaging(
        "harvest",
        "--dicomweb",
        pacs.dicomweb_url,
        "--db",
        duckdb_file,
        "--no-progress",
        "--deidentify",
        environ={
            USER_VARIABLE: USER,
            "OMOP_IMAGING_DICOMWEB_PASSWORD": PASSWORD,
            "OMOP_IMAGING_DEID_KEY": key,
        },
    )
    study_uids = requests.get(
        f"{pacs.dicomweb_url}/studies", auth=(USER, PASSWORD), timeout=30
    ).json()
    originals = {study["0020000D"]["Value"][0] for study in study_uids}
    stored = str(staged(duckdb_file, "select * from dicom_raw.harvested_file")) + str(
        staged(duckdb_file, "select * from dicom_raw.header_element")
    )
    assert len(originals) > 20
    assert not [uid for uid in originals if uid in stored]
    assert staged(
        duckdb_file,
        "select count(*) from dicom_raw.header_element where keyword = 'PatientName'",
    ) == [(0,)]
    patient_ids = staged(
        duckdb_file,
        "select distinct value_text from dicom_raw.header_element where tag = '00100020'",
    )
    assert patient_ids and all(len(value) == 32 for (value,) in patient_ids if value)


def test_a_series_whose_last_update_changed_is_read_again(pacs, duckdb_file):
    """Orthanc gives no last update in its series answers: the proxy adds one, as a vendor
    attribute (0009,1001) of VR DT, to every series answer."""
    with FaultProxy(pacs.url, (USER, PASSWORD), TOKEN) as proxy:
        updated = {"value": "20240102101112"}

        def add_last_update(path, body):
            if "/series?" not in path:
                return body
            answers = json.loads(body)
            for answer in answers:
                answer["00091001"] = {"vr": "DT", "Value": [updated["value"]]}
            return json.dumps(answers).encode()

        proxy.rewrite = add_last_update
        options = ("--last-update-tag", "00091001")
        first = harvest_via(proxy, duckdb_file, *options)
        same = harvest_via(proxy, duckdb_file, *options)
        updated["value"] = "20250102101112"
        changed = harvest_via(proxy, duckdb_file, *options)
    read = [
        int(re.search(r"(\d+) series read", run.stdout).group(1)) for run in (first, same, changed)
    ]
    assert read[0] > 20 and read == [read[0], 0, read[0]]
    assert staged(duckdb_file, "select distinct file_mtime_ns from dicom_raw.harvested_file") == [
        (1735812672000000000,)
    ]
