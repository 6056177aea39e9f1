"""Read-only access to the built database (either engine) for reports and counts."""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import contextmanager

from .settings import SCHEMA_ROLES, schema


class DatabaseNotReady(Exception):
    """The database or a table it needs is missing: say what to run, not a traceback."""


class StoreBusy(Exception):
    """Another process holds the database (DuckDB takes one writer process at a time)."""


NOTHING_HARVESTED = "nothing harvested yet: run omop-imaging harvest PATH first"


def open_duckdb(path: str, read_only: bool):
    """A DuckDB connection; a file another process holds becomes StoreBusy and a file that is not
    DuckDB's becomes DatabaseNotReady, each naming the next step."""
    import duckdb

    try:
        return duckdb.connect(path, read_only=read_only)
    except duckdb.IOException as error:
        if "lock" in str(error):
            raise StoreBusy(
                f"{path} is in use by another process (a harvest or build writing it; DuckDB "
                "allows one writer at a time): wait for it to finish and run the command again"
            ) from error
        if "not a valid DuckDB database" in str(error):
            raise DatabaseNotReady(
                f"{path} is not a DuckDB database: point --db at the file omop-imaging harvest "
                "wrote (default data/omop_imaging.duckdb)"
            ) from error
        raise


def require_harvest(target: str, duckdb_path: str) -> None:
    """DatabaseNotReady (NOTHING_HARVESTED) unless a harvest stored files; creates nothing."""
    from .staging_schema import FILE_TABLE

    if target == "duckdb" and not os.path.exists(duckdb_path):
        raise DatabaseNotReady(NOTHING_HARVESTED)
    with connect(target, duckdb_path) as connection:
        if not table_exists(connection, target, FILE_TABLE) or not query(
            connection, f"select 1 from {FILE_TABLE} limit 1"
        ):
            raise DatabaseNotReady(NOTHING_HARVESTED)


def table_exists(connection, target: str, qualified_name: str) -> bool:
    if target == "spark":  # Spark's catalog has no information_schema
        return connection.session.catalog.tableExists(qualified_name)
    schema, table = qualified_name.split(".")
    mark = "?" if target == "duckdb" else "%s"
    return bool(
        query(
            connection,
            "select 1 from information_schema.tables "
            f"where table_schema = {mark} and table_name = {mark}",
            [schema, table],
        )
    )


@contextmanager
def connect(target: str, duckdb_path: str):
    """A DB-API connection: DuckDB read-only, or PostgreSQL through the PG* variables.

    A missing database or table becomes DatabaseNotReady with a message naming the next step.
    """
    if target == "spark":
        from .spark_session import SparkConnection, missing_table_error

        connection = SparkConnection()
        missing_table = missing_table_error()
    elif target == "duckdb":
        import duckdb

        if not os.path.exists(duckdb_path):
            raise DatabaseNotReady(
                f"no database at {duckdb_path}: run `omop-imaging harvest` and `omop-imaging build` first"
            )
        connection = open_duckdb(duckdb_path, read_only=True)
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


def table_counts(
    target: str, duckdb_path: str, roles: Iterable[str] = SCHEMA_ROLES
) -> list[tuple[str, int]]:
    """(schema.table, rows) for the tables of the schemas of these roles (default: the staging
    tables and every table dbt built), in name order."""
    schemas = sorted({schema(role) for role in roles})
    with connect(target, duckdb_path) as connection:
        if target == "spark":
            return connection.table_counts(schemas)
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
