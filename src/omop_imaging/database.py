"""Read-only access to the built database (either engine) for reports and counts."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

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

    from .settings import duckdb_memory_limit

    try:
        connection = duckdb.connect(path, read_only=read_only)
        # SET, not connect(config=...): a connection with its own config would refuse to share
        # the file with this process's other connections to it
        connection.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
        return connection
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
    return Database(target).catalog(connection).table_exists(qualified_name)


class InformationSchemaCatalog:
    """The tables and columns of a DuckDB or PostgreSQL database, from its information_schema."""

    def __init__(self, database: Database, connection):
        self.database = database
        self.connection = connection

    def table_exists(self, qualified_name: str) -> bool:
        schema_name, table = qualified_name.split(".")
        sql = "select 1 from information_schema.tables where table_schema = ? and table_name = ?"
        return bool(query(self.connection, self.database.sql(sql), [schema_name, table]))

    def base_tables(self, schemas: list[str]) -> list[tuple[str, str]]:
        """(schema, table) of the tables (not views) of these schemas, in name order."""
        sql = (
            "select table_schema, table_name from information_schema.tables "
            f"where table_type = 'BASE TABLE' and table_schema in ({self._marks(schemas)}) "
            "order by table_schema, table_name"
        )
        return query(self.connection, sql, schemas)

    def column_types(self, schemas: list[str]) -> list[tuple[str, str, str, str]]:
        """(schema, table, column, data type) of the relations of these schemas."""
        sql = (
            "select table_schema, table_name, column_name, data_type from information_schema.columns "
            f"where table_schema in ({self._marks(schemas)})"
        )
        return query(self.connection, sql, schemas)

    def _marks(self, values: list) -> str:
        return self.database.placeholders(len(values))


def _duckdb_read_only(duckdb_path: str | None):
    """DuckDB read-only; (connection, the error of a missing table)."""
    import duckdb

    if not duckdb_path or not os.path.exists(duckdb_path):
        raise DatabaseNotReady(
            f"no database at {duckdb_path}: run `omop-imaging harvest` and `omop-imaging build` first"
        )
    return open_duckdb(duckdb_path, read_only=True), duckdb.CatalogException


def _spark(_duckdb_path: str | None):
    """Apache Spark's catalog through this process's SparkSession (spark_session.py)."""
    from .spark_session import SparkConnection, missing_table_error

    return SparkConnection(), missing_table_error()


def _spark_catalog(_database: Database, connection):
    """Spark's own catalog: it has no information_schema."""
    from .spark_session import SparkCatalog

    return SparkCatalog(connection.session)


def _postgres(_duckdb_path: str | None):
    """PostgreSQL through the PG* variables; (connection, the error of a missing table)."""
    import psycopg2
    import psycopg2.errors

    try:
        connection = psycopg2.connect("")
    except psycopg2.OperationalError as error:
        raise DatabaseNotReady(
            f"cannot connect to PostgreSQL (PG* variables): {error}".strip()
        ) from error
    return connection, psycopg2.errors.UndefinedTable


@dataclass(frozen=True)
class Engine:
    """What differs between the engines for the modules that read a database."""

    placeholder: str  # the DB-API parameter mark of the engine's driver
    text_type: str  # the engine's name for an unbounded text type in a cast
    # (duckdb_path) -> (a connection for reading, the exception a missing table raises)
    connect: Callable[[str | None], tuple[Any, type[Exception]]]
    # (database, connection) -> its tables and columns: InformationSchemaCatalog's methods
    catalog: Callable[[Database, Any], Any] = InformationSchemaCatalog
    identifier_quote: str = '"'  # quotes a table name in a statement


# One entry per engine (settings.TARGETS); a new engine adds its line here.
ENGINES: dict[str, Engine] = {
    "duckdb": Engine(placeholder="?", text_type="varchar", connect=_duckdb_read_only),
    "postgres": Engine(placeholder="%s", text_type="text", connect=_postgres),
    # SparkConnection fills `%s` marks with SQL literals itself (Spark SQL has no parameters)
    "spark": Engine(
        placeholder="%s",
        text_type="string",
        connect=_spark,
        catalog=_spark_catalog,
        identifier_quote="`",
    ),
}


class Database:
    """A built database of one engine: how to write parameters for it, and how to open it.

    Statements are written with `?` marks; sql() gives them the engine's placeholder (no
    statement of this package holds a literal `?`).
    """

    def __init__(self, target: str, duckdb_path: str | None = None):
        if target not in ENGINES:
            raise ValueError(f"unknown target {target!r}: use one of {', '.join(ENGINES)}")
        self.target = target
        self.duckdb_path = duckdb_path
        self.engine = ENGINES[target]

    @property
    def placeholder(self) -> str:
        return self.engine.placeholder

    def placeholders(self, count: int) -> str:
        """`count` placeholders separated by commas, for an `in (...)` list."""
        return ", ".join([self.placeholder] * count)

    def sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)

    def catalog(self, connection):
        """The tables and columns of the database `connection` reads (InformationSchemaCatalog's
        methods on every engine)."""
        return self.engine.catalog(self, connection)

    def quoted(self, schema_name: str, table: str) -> str:
        quote = self.engine.identifier_quote
        return f"{schema_name}.{quote}{table}{quote}"

    @contextmanager
    def connect(self):
        """A DB-API connection (DuckDB read-only); a missing database or table becomes
        DatabaseNotReady with a message naming the next step."""
        connection, missing_table = self.engine.connect(self.duckdb_path)
        try:
            yield connection
        except missing_table as error:
            first_line = str(error).splitlines()[0]
            raise DatabaseNotReady(f"{first_line}: run `omop-imaging build` first") from error
        finally:
            connection.close()


def connect(target: str, duckdb_path: str):
    """Database(target, duckdb_path).connect(): a DB-API connection for reading."""
    return Database(target, duckdb_path).connect()


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
    database = Database(target, duckdb_path)
    with database.connect() as connection:
        tables = database.catalog(connection).base_tables(schemas)
        return [
            (f"{schema_name}.{table}", _row_count(connection, database.quoted(schema_name, table)))
            for schema_name, table in tables
        ]


def _row_count(connection, relation: str) -> int:
    ((rows,),) = query(connection, f"select count(*) from {relation}")
    return rows
