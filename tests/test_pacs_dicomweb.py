"""Harvest over DICOMweb from a real PACS (Orthanc) against a harvest of the same files from disk:
the same CDM outputs after a dbt build, paths and URIs aside, on DuckDB and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import psycopg2
import pydicom
import pytest
from build_helpers import omop_imaging
from cdm_outputs import assert_same_outputs, output_rows
from orthanc_server import (
    PASSWORD,
    USER,
    copy_files,
    dicom_files_under,
    orthanc_keeps_whole,
    start_orthanc,
)

from omop_imaging.dicomweb_source import DicomwebSource
from omop_imaging.harvest import HarvestOptions, harvest
from omop_imaging.pacs_credentials import Credentials
from omop_imaging.pacs_harvest import PacsOptions, harvest_pacs
from omop_imaging.pacs_retry import RetryPolicy
from omop_imaging.store import open_store

pytestmark = pytest.mark.slow


def study_uid(path: Path) -> str | None:
    try:
        return str(pydicom.dcmread(path, stop_before_pixels=True, force=True).StudyInstanceUID)
    except Exception:
        return None


@pytest.fixture(scope="module")
def loaded_pacs(tmp_path_factory, sample_folders):
    """Orthanc holding the comparable sample files; the files it stored, copied to a folder."""
    server = start_orthanc(tmp_path_factory.mktemp("orthanc"))
    try:
        files = [path for path in dicom_files_under(sample_folders) if orthanc_keeps_whole(path)]
        stored = server.upload(files)
        yield server, stored
    finally:
        server.stop()


def dicomweb_harvest(server, store) -> set[str]:
    """Harvest everything over DICOMweb; the study UIDs the server did not deliver."""
    source = DicomwebSource(
        server.dicomweb_url,
        Credentials(user=USER, password=PASSWORD),
        RetryPolicy(attempts=2, backoff_seconds=0.05),
    )
    summary = harvest_pacs(source, store, HarvestOptions(progress=False), PacsOptions(2))
    assert summary.studies > 30 and summary.harvested > 100
    return {path.rsplit("/", 1)[1] for path, _category, _reason in summary.rejected_files}


def disk_harvest(files: list[Path], folder: Path, store) -> None:
    """The same files from disk (copied: a fresh modification time, like a harvest time)."""
    harvest([str(copy_files(files, folder))], store, HarvestOptions(progress=False, workers=2))
    # DICOM JSON carries no group lengths (gggg,0000) (PS3.18 F.2): a file harvest stores them.
    store.connection.cursor().execute(
        "delete from dicom_raw.header_element where tag like '____0000'"
    )
    store.connection.commit()


def test_dicomweb_harvest_builds_the_same_cdm_as_the_files_on_duckdb(loaded_pacs, tmp_path):
    server, stored = loaded_pacs
    web_db, disk_db = str(tmp_path / "web.duckdb"), str(tmp_path / "disk.duckdb")
    store = open_store("duckdb", web_db)
    try:
        undelivered = dicomweb_harvest(server, store)
    finally:
        store.close()
    store = open_store("duckdb", disk_db)
    try:
        files = [path for path in stored if study_uid(path) not in undelivered]
        disk_harvest(files, tmp_path / "copies", store)
    finally:
        store.close()
    for database in (web_db, disk_db):
        omop_imaging("build", "--db", database)

    def reader(database):
        def query(sql):
            with duckdb.connect(database, read_only=True) as connection:
                return connection.execute(sql).fetchall()

        return query

    with duckdb.connect(web_db, read_only=True) as connection:
        paths = [
            row[0]
            for row in connection.execute(
                "select file_path from dicom_raw.harvested_file"
            ).fetchall()
        ]
    assert all(path.startswith(server.dicomweb_url + "/studies/") for path in paths)
    assert_same_outputs(output_rows(reader(web_db)), output_rows(reader(disk_db)))


@pytest.mark.postgres
def test_dicomweb_harvest_builds_the_same_cdm_as_the_files_on_postgres(
    loaded_pacs, postgres_database, tmp_path
):
    server, stored = loaded_pacs

    def query(sql):
        with psycopg2.connect("") as connection, connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    store = open_store("postgres")
    try:
        undelivered = dicomweb_harvest(server, store)
    finally:
        store.close()
    omop_imaging("build", "--target", "postgres")
    over_dicomweb = output_rows(query)

    # The same database, emptied, for the files from disk.
    with psycopg2.connect("") as connection, connection.cursor() as cursor:
        cursor.execute("delete from dicom_raw.header_element; delete from dicom_raw.harvested_file")
    store = open_store("postgres")
    try:
        files = [path for path in stored if study_uid(path) not in undelivered]
        disk_harvest(files, tmp_path / "copies", store)
    finally:
        store.close()
    omop_imaging("build", "--target", "postgres")
    assert_same_outputs(over_dicomweb, output_rows(query))
    shutil.rmtree(tmp_path / "copies")
