"""Read-only access to the built database (either engine) for reports and counts."""

from __future__ import annotations

import os
from contextlib import contextmanager

from .settings import SCHEMA_ROLES, schema


class DatabaseNotReady(Exception):
    """The database or a table it needs is missing: say what to run, not a traceback."""


class StoreBusy(Exception):
    """Another process holds the database (DuckDB takes one writer process at a time)."""


@contextmanager
def connect(target: str, duckdb_path: str):
    """A DB-API connection: DuckDB read-only, or PostgreSQL through the PG* variables.

    A missing database or table becomes DatabaseNotReady with a message naming the next step.
    """
    if target == "duckdb":
        import duckdb

        if not os.path.exists(duckdb_path):
            raise DatabaseNotReady(
                f"no database at {duckdb_path}: run `omop-imaging harvest` and `omop-imaging build` first"
            )
        connection = duckdb.connect(duckdb_path, read_only=True)
        missing_table = duckdb.CatalogException
    else:
        import psycopg2
        import psycopg2.errors

        try:
            connection = psycopg2.connect("")
        except psycopg2.OperationalError as error:
            raise DatabaseNotReady(
                f"cannot connect to PostgreSQL (PG* variables): {error}".strip()
            ) from error
        missing_table = psycopg2.errors.UndefinedTable
    try:
        yield connection
    except missing_table as error:
        first_line = str(error).splitlines()[0]
        raise DatabaseNotReady(f"{first_line}: run `omop-imaging build` first") from error
    finally:
        connection.close()


def query(connection, sql: str, parameters: list | None = None) -> list[tuple]:
    cursor = connection.cursor()
    cursor.execute(sql, parameters or [])
    return cursor.fetchall()


def table_counts(target: str, duckdb_path: str) -> list[tuple[str, int]]:
    """(schema.table, rows) for the staging tables and every table dbt built, in name order."""
    schemas = sorted({schema(role) for role in SCHEMA_ROLES})
    with connect(target, duckdb_path) as connection:
        tables = query(
            connection,
            "select table_schema, table_name from information_schema.tables "
            f"where table_type = 'BASE TABLE' and table_schema in ({', '.join(['%s'] * len(schemas))}) "
            "order by table_schema, table_name".replace("%s", "?" if target == "duckdb" else "%s"),
            schemas,
        )
        return [
            (
                f"{schema}.{table}",
                query(connection, f'select count(*) from {schema}."{table}"')[0][0],
            )
            for schema, table in tables
        ]
