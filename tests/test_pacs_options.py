"""PACS harvest options that need no server: date windows, credentials from the environment."""

from __future__ import annotations

import datetime

import pytest
import requests
from build_helpers import omop_imaging

from omop_imaging.pacs_credentials import (
    PASSWORD_FILE_VARIABLE,
    TOKEN_FILE_VARIABLE,
    TOKEN_VARIABLE,
    USER_VARIABLE,
    CredentialsError,
    load_credentials,
)
from omop_imaging.pacs_source import DateRange


def test_a_date_range_is_queried_a_window_at_a_time():
    assert list(DateRange.parse("20240130-20240202").windows(1)) == [
        "20240130-20240130",
        "20240131-20240131",
        "20240201-20240201",
        "20240202-20240202",
    ]
    assert list(DateRange.parse("20240130-20240202").windows(3)) == [
        "20240130-20240201",
        "20240202-20240202",
    ]
    assert DateRange.parse("20240229").last == datetime.date(2024, 2, 29)
    assert DateRange.parse("20240101-").last == datetime.date.today()
    for wrong in ("2024", "20240230", "20240202-20240101", "x-y"):
        with pytest.raises(ValueError, match="--study-date"):
            DateRange.parse(wrong)


def test_credentials_come_from_variables_or_files_and_never_show(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("secret-token-from-a-file\n")
    credentials = load_credentials({TOKEN_FILE_VARIABLE: str(token_file)})
    assert "secret" not in repr(credentials)
    session = requests.Session()
    credentials.apply(session)
    assert session.headers["Authorization"] == "Bearer secret-token-from-a-file"

    password_file = tmp_path / "password"
    password_file.write_text("pw-from-a-file")
    session = requests.Session()
    load_credentials({USER_VARIABLE: "omop", PASSWORD_FILE_VARIABLE: str(password_file)}).apply(
        session
    )
    assert session.auth == ("omop", "pw-from-a-file")
    assert load_credentials({}) is None

    with pytest.raises(CredentialsError, match="both a bearer token"):
        load_credentials({TOKEN_VARIABLE: "t", USER_VARIABLE: "u"})
    with pytest.raises(CredentialsError, match="cannot read"):
        load_credentials({TOKEN_FILE_VARIABLE: str(tmp_path / "missing")})


def test_harvest_takes_one_source_and_no_secret_on_the_command_line(duckdb_file, tmp_path):
    both = omop_imaging(
        "harvest", str(tmp_path), "--dicomweb", "http://127.0.0.1:9/dicom-web", check=False
    )
    assert both.returncode == 2 and "one of them" in both.stderr
    assert "--token" not in omop_imaging("harvest", "--help").stdout
    wrong_dates = omop_imaging(
        "harvest",
        "--dicomweb",
        "http://127.0.0.1:9/dicom-web",
        "--study-date",
        "20241301",
        "--db",
        duckdb_file,
        check=False,
    )
    assert wrong_dates.returncode == 2
    assert wrong_dates.stderr.count("\n") == 1 and "--study-date" in wrong_dates.stderr
