"""The raw staging tables the harvester writes and dbt reads as sources (one definition, both engines).

FILE_COLUMNS and ELEMENT_COLUMNS are the one table of the staging columns: the DDL
(create_statements), the harvester's Arrow batches (arrow_schema) and the dbt sources
(models/staging/dicom/_dicom__sources.yml, checked against them by tests/test_staging_schema.py)
all follow it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .settings import schema

RAW_SCHEMA = schema("dicom_raw")
FILE_TABLE = f"{RAW_SCHEMA}.harvested_file"
ELEMENT_TABLE = f"{RAW_SCHEMA}.header_element"
# The database's settings (project_settings.py; dbt reads them with the macro setting()).
SETTING_TABLE = f"{RAW_SCHEMA}.project_setting"
# The series whose files the harvest added, changed or removed since the last build: the next
# build rebuilds their rows of the incremental models and clears them (macros/build_scope.sql).
TOUCHED_SERIES_TABLE = f"{RAW_SCHEMA}.touched_series"


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str  # the SQL type, as the sources yml's data_type states it
    description: str
    constraint: str = ""  # e.g. "not null", "not null primary key"
    default: str = ""  # a column the database fills (never in the harvester's batches)

    @property
    def ddl(self) -> str:
        extra = f" default {self.default}" if self.default else ""
        return (
            " ".join(part for part in (self.name, self.data_type, self.constraint) if part) + extra
        )


# The Arrow type (a pyarrow factory's name) of each SQL type the harvester writes, by base type.
_ARROW_TYPES = {
    "bigint": "int64",
    "integer": "int32",
    "boolean": "bool_",
    "text": "string",
    "varchar": "string",
}

# In table order; the harvester builds its Arrow batches in the same order.
FILE_COLUMNS: list[Column] = [
    Column(
        "file_id", "bigint", "Stable 63-bit hash of the absolute file path.", "not null primary key"
    ),
    Column("file_path", "text", "Absolute path of the file as the harvest walked it.", "not null"),
    Column("file_size", "bigint", "Size in bytes when harvested.", "not null"),
    Column(
        "file_mtime_ns",
        "bigint",
        "Modification time, nanoseconds since the Unix epoch (with the size, the fingerprint that "
        "decides whether a re-harvest reads the file again).",
        "not null",
    ),
    Column("status", "varchar(16)", "'harvested' or 'rejected'.", "not null"),
    Column(
        "reject_category",
        "varchar(32)",
        "Why a file was rejected, as a category: empty, not_dicom, dicomdir, missing_uid, "
        "malformed, unreadable.",
    ),
    Column("reject_reason", "text", "The reason in words; never quotes a header value."),
    Column(
        "has_preamble", "boolean", "Whether the file starts with the 128-byte preamble and 'DICM'."
    ),
    Column("transfer_syntax_uid", "varchar(64)", "(0002,0010) from the file meta information."),
    Column(
        "sop_class_uid",
        "varchar(64)",
        "(0008,0016), else the file meta's Media Storage SOP Class UID.",
    ),
    Column("study_instance_uid", "varchar(64)", "(0020,000D)"),
    Column("series_instance_uid", "varchar(64)", "(0020,000E)"),
    Column("sop_instance_uid", "varchar(64)", "(0008,0018)"),
    Column(
        "element_count",
        "integer",
        "Top-level data elements in the file's header (file meta information and pixel data not "
        "counted; sequence items not walked), whatever of them is stored.",
    ),
    Column(
        "is_series_representative",
        "boolean",
        "True for the one instance per series whose full header is kept.",
        "not null",
    ),
    Column(
        "full_header_kept", "boolean", "True when every element of this file is stored.", "not null"
    ),
    Column(
        "harvested_with_full_headers",
        "boolean",
        "True when the harvest kept every element of every instance (harvest --full-headers), so "
        "a new series representative elsewhere does not remove this file's rows.",
        "not null",
    ),
    Column(
        "harvested_at",
        "timestamp",
        "When the file's rows were loaded.",
        default="current_timestamp",
    ),
]

ELEMENT_COLUMNS: list[Column] = [
    Column(
        "file_id",
        "bigint",
        "The file the element was read from (harvested_file.file_id).",
        "not null",
    ),
    Column("study_instance_uid", "varchar(64)", "(0020,000D) of the file.", "not null"),
    Column("series_instance_uid", "varchar(64)", "(0020,000E) of the file.", "not null"),
    Column("sop_instance_uid", "varchar(64)", "(0008,0018) of the file.", "not null"),
    Column(
        "sequence_path",
        "text",
        "Where a nested element sits: '' at the top level, else the chain of sequence tags and "
        "item indexes, e.g. '00082218[0]' or '52009229[0]/00189112[0]'.",
        "not null",
    ),
    Column("tag", "varchar(8)", "The tag as 8 upper-case hex digits, e.g. '00180080'.", "not null"),
    Column("keyword", "text", "The DICOM keyword, e.g. 'RepetitionTime'; empty for private tags."),
    Column("vr", "varchar(2)", "Value representation, e.g. 'DS', 'CS', 'SQ'."),
    Column(
        "value_index",
        "integer",
        "0-based position of the value within a multi-valued element.",
        "not null",
    ),
    Column(
        "value_text",
        "text",
        "The value as text; NULL when empty. For a sequence (VR SQ) the number of items. Binary "
        "values up to 64 bytes as hex, longer ones NULL (present, not read).",
    ),
    Column(
        "instance_level",
        "boolean",
        "True for attributes kept for every instance (the instance profile).",
        "not null",
    ),
]

SETTING_COLUMNS: list[Column] = [
    Column("name", "varchar(64)", "The setting's name.", "not null primary key"),
    Column("value", "text", "Its value as JSON.", "not null"),
]

TOUCHED_SERIES_COLUMNS: list[Column] = [
    Column("series_instance_uid", "varchar(64)", "A series the harvest touched.", "not null"),
    Column("touched_at", "timestamp", "When it was touched.", default="current_timestamp"),
]

# The columns the harvester writes (the database fills the others).
FILE_COLUMN_NAMES = [column.name for column in FILE_COLUMNS if not column.default]
ELEMENT_COLUMN_NAMES = [column.name for column in ELEMENT_COLUMNS if not column.default]


def arrow_schema(columns: list[Column]):
    """The pyarrow schema of the columns the harvester writes, in table order."""
    import pyarrow as pa

    def arrow_type(column: Column):
        return getattr(pa, _ARROW_TYPES[column.data_type.split("(")[0]])()

    return pa.schema(
        [(column.name, arrow_type(column)) for column in columns if not column.default]
    )


def create_statements() -> list[str]:
    """DDL that creates the staging schema and tables if they are missing (portable SQL)."""

    def table(name: str, columns: list[Column]) -> str:
        body = ",\n    ".join(column.ddl for column in columns)
        return f"create table if not exists {name} (\n    {body}\n)"

    return [
        f"create schema if not exists {RAW_SCHEMA}",
        table(FILE_TABLE, FILE_COLUMNS),
        table(ELEMENT_TABLE, ELEMENT_COLUMNS),
        table(TOUCHED_SERIES_TABLE, TOUCHED_SERIES_COLUMNS),
        table(SETTING_TABLE, SETTING_COLUMNS),
    ]
