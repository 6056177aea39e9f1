"""The raw staging tables the harvester writes and dbt reads as sources (one definition, both engines)."""

from .settings import schema

RAW_SCHEMA = schema("dicom_raw")
FILE_TABLE = f"{RAW_SCHEMA}.harvested_file"
ELEMENT_TABLE = f"{RAW_SCHEMA}.header_element"
# The database's settings (project_settings.py; dbt reads them with the macro setting()).
SETTING_TABLE = f"{RAW_SCHEMA}.project_setting"
# The series whose files the harvest added, changed or removed since the last build: the next
# build rebuilds their rows of the incremental models and clears them (macros/build_scope.sql).
TOUCHED_SERIES_TABLE = f"{RAW_SCHEMA}.touched_series"

# (column, SQL type) in table order; the harvester builds its Arrow batches in the same order.
FILE_COLUMNS: list[tuple[str, str]] = [
    ("file_id", "bigint not null primary key"),
    ("file_path", "text not null"),
    ("file_size", "bigint not null"),
    ("file_mtime_ns", "bigint not null"),
    ("status", "varchar(16) not null"),
    ("reject_category", "varchar(32)"),
    ("reject_reason", "text"),
    ("has_preamble", "boolean"),
    ("transfer_syntax_uid", "varchar(64)"),
    ("sop_class_uid", "varchar(64)"),
    ("study_instance_uid", "varchar(64)"),
    ("series_instance_uid", "varchar(64)"),
    ("sop_instance_uid", "varchar(64)"),
    ("element_count", "integer"),
    ("is_series_representative", "boolean not null"),
    ("full_header_kept", "boolean not null"),
    ("harvested_with_full_headers", "boolean not null"),
]

ELEMENT_COLUMNS: list[tuple[str, str]] = [
    ("file_id", "bigint not null"),
    ("study_instance_uid", "varchar(64) not null"),
    ("series_instance_uid", "varchar(64) not null"),
    ("sop_instance_uid", "varchar(64) not null"),
    ("sequence_path", "text not null"),
    ("tag", "varchar(8) not null"),
    ("keyword", "text"),
    ("vr", "varchar(2)"),
    ("value_index", "integer not null"),
    ("value_text", "text"),
    ("instance_level", "boolean not null"),
]

FILE_COLUMN_NAMES = [name for name, _ in FILE_COLUMNS]
ELEMENT_COLUMN_NAMES = [name for name, _ in ELEMENT_COLUMNS]


def create_statements() -> list[str]:
    """DDL that creates the staging schema and tables if they are missing (portable SQL)."""

    def table(name: str, columns: list[tuple[str, str]]) -> str:
        body = ",\n    ".join(f"{column} {sql_type}" for column, sql_type in columns)
        return f"create table if not exists {name} (\n    {body}\n)"

    file_columns = [*FILE_COLUMNS, ("harvested_at", "timestamp default current_timestamp")]
    return [
        f"create schema if not exists {RAW_SCHEMA}",
        table(FILE_TABLE, file_columns),
        table(ELEMENT_TABLE, ELEMENT_COLUMNS),
        table(
            TOUCHED_SERIES_TABLE,
            [
                ("series_instance_uid", "varchar(64) not null"),
                ("touched_at", "timestamp default current_timestamp"),
            ],
        ),
        table(
            SETTING_TABLE,
            [("name", "varchar(64) not null primary key"), ("value", "text not null")],
        ),
    ]
