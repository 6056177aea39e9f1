"""The staging columns are defined once (staging_schema.py): the dbt sources, the reader's records
and the tables a harvest writes follow that table (issue 13)."""

from __future__ import annotations

import dataclasses

import duckdb
import pytest
import yaml
from conftest import REPO

from omop_imaging.harvest import HarvestOptions, harvest
from omop_imaging.reader import ElementRows, FileRecord
from omop_imaging.staging_schema import (
    ELEMENT_COLUMN_NAMES,
    ELEMENT_COLUMNS,
    ELEMENT_TABLE,
    FILE_COLUMN_NAMES,
    FILE_COLUMNS,
    FILE_TABLE,
    arrow_schema,
)
from omop_imaging.store import open_store

TABLES = {"harvested_file": FILE_COLUMNS, "header_element": ELEMENT_COLUMNS}
# File columns the harvest decides (not read from the file itself, so not in FileRecord).
HARVEST_DECIDED = ["is_series_representative", "full_header_kept", "harvested_with_full_headers"]


def _sources() -> dict[str, list[dict]]:
    document = yaml.safe_load((REPO / "models/staging/dicom/_dicom__sources.yml").read_text())
    (source,) = document["sources"]
    return {table["name"]: table["columns"] for table in source["tables"]}


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("table", sorted(TABLES))
def test_sources_yml_declares_the_table_columns(table):
    declared = [
        (column["name"], column.get("data_type"), _words(column.get("description", "")))
        for column in _sources()[table]
    ]
    defined = [
        (column.name, column.data_type, _words(column.description)) for column in TABLES[table]
    ]
    assert declared == defined


def test_reader_records_carry_the_written_columns():
    assert [field.name for field in dataclasses.fields(ElementRows)] == ELEMENT_COLUMN_NAMES
    record_fields = [field.name for field in dataclasses.fields(FileRecord)]
    assert record_fields + HARVEST_DECIDED == FILE_COLUMN_NAMES


def test_harvested_tables_have_the_arrow_types_of_the_table(sample_folders, duckdb_file):
    store = open_store("duckdb", duckdb_file)
    try:
        summary = harvest(sample_folders, store, HarvestOptions(progress=False, workers=1))
    finally:
        store.close()
    assert summary.elements > 0
    with duckdb.connect(duckdb_file, read_only=True) as connection:
        for table, columns, names in (
            (FILE_TABLE, FILE_COLUMNS, FILE_COLUMN_NAMES),
            (ELEMENT_TABLE, ELEMENT_COLUMNS, ELEMENT_COLUMN_NAMES),
        ):
            stored = connection.execute(f"select {', '.join(names)} from {table}").to_arrow_table()
            assert stored.num_rows > 0
            assert stored.schema.equals(arrow_schema(columns)), table
