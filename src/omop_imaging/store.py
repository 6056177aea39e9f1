"""The staging store: the raw tables in DuckDB or PostgreSQL, written in transactional batches.

Both engines get the same tables (staging_schema.py) and the same operations; only the bulk
load differs (DuckDB reads the Arrow batch directly, PostgreSQL takes it through COPY).
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from .database import ENGINES, open_duckdb
from .representative import SQL_ORDER

if TYPE_CHECKING:
    from .spark_harvest import SparkSettingsStore
from .settings import DEFAULT_DUCKDB
from .staging_schema import (
    ELEMENT_COLUMN_NAMES,
    ELEMENT_TABLE,
    FILE_COLUMN_NAMES,
    FILE_TABLE,
    SETTING_TABLE,
    TOUCHED_SERIES_TABLE,
    create_statements,
)


@dataclass(frozen=True)
class StoredFile:
    file_id: int
    file_size: int
    file_mtime_ns: int
    status: str
    series_instance_uid: str | None
    is_series_representative: bool
    full_header_kept: bool


@dataclass(frozen=True)
class InstanceRef:
    """One harvested instance of a series (representative.py says which one represents it)."""

    file_id: int
    sop_instance_uid: str
    file_path: str
    full_header_kept: bool


@dataclass
class Batch:
    """What one transaction writes: rows for new or changed files, and representative changes."""

    replaced_file_ids: list[int]  # files already stored whose content changed: old rows go
    demoted_file_ids: list[int]  # old representatives that lose their full header
    promoted_file_ids: list[int]  # stored instances that become representatives
    files: pa.Table
    elements: pa.Table


class StagingStore:
    """Engine-neutral SQL; subclasses supply the connection and the bulk load."""

    placeholder = ENGINES["duckdb"].placeholder
    # Whether other harvests may write at the same time (then every batch is planned afresh).
    concurrent_writers = False
    # Files a harvest commits at a time (its load batches are smaller: harvest.LOAD_FILES); what a
    # Ctrl-C or a crash keeps is the transactions committed before it. On PostgreSQL a transaction
    # also holds the lock that orders concurrent harvests: short ones let them take turns.
    transaction_files = 1000

    def __init__(self, connection):
        self.connection = connection

    # -- set-up ---------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        cursor = self.connection.cursor()
        self._serialise(cursor)
        for statement in create_statements():
            cursor.execute(statement)
        self._create_indexes(cursor)
        self.connection.commit()

    def _create_indexes(self, cursor) -> None:
        """Indexes that keep per-batch look-ups fast; none on DuckDB, where they slow bulk loads."""

    def begin_batch(self) -> None:
        """Before a batch is planned: wait for the batches other harvests are writing, so that the
        plan sees what they committed; write_batch's commit lets the next one go."""
        self._serialise(self.connection.cursor())

    def _serialise(self, cursor) -> None:
        """Hold, until the transaction ends, the lock that orders writers (none for one writer)."""

    # -- look-ups -------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        """True when no file is stored (a first harvest)."""
        return not self._query(f"select 1 from {FILE_TABLE} limit 1", [])

    def stored_files(self, file_ids: list[int]) -> dict[int, StoredFile]:
        if not file_ids:
            return {}
        rows = self._query(
            "select file_id, file_size, file_mtime_ns, status, series_instance_uid, "
            f"is_series_representative, full_header_kept from {FILE_TABLE} "
            f"where file_id in ({self._placeholders(file_ids)})",
            file_ids,
        )
        return {row[0]: StoredFile(*row) for row in rows}

    def files_under(self, folder: str, after_id: int, limit: int) -> list[tuple[int, str]]:
        """(file_id, file_path) of stored files at or below `folder`, `limit` at a time in file_id
        order after `after_id` (a harvested path, to find the files that are gone from it)."""
        below = folder.rstrip(os.sep) + os.sep
        return self._query(
            f"select file_id, file_path from {FILE_TABLE} where file_id > {self.placeholder} "
            f"and (file_path = {self.placeholder} "
            f"or substr(file_path, 1, {len(below)}) = {self.placeholder}) "
            f"order by file_id limit {int(limit)}",
            [after_id, folder, below],
        )

    def representatives(self, series_uids: list[str]) -> dict[str, InstanceRef]:
        if not series_uids:
            return {}
        rows = self._query(
            "select series_instance_uid, file_id, sop_instance_uid, file_path, full_header_kept "
            f"from {FILE_TABLE} where is_series_representative "
            f"and series_instance_uid in ({self._placeholders(series_uids)})",
            series_uids,
        )
        return {row[0]: InstanceRef(*row[1:]) for row in rows}

    def smallest_instance(self, series_uid: str, excluding: list[int]) -> InstanceRef | None:
        """The instance that should represent a series once the files in `excluding` are gone."""
        exclusion = f"and file_id not in ({self._placeholders(excluding)})" if excluding else ""
        rows = self._query(
            "select file_id, sop_instance_uid, file_path, full_header_kept "
            f"from {FILE_TABLE} where status = 'harvested' and series_instance_uid = {self.placeholder} "
            f"{exclusion} order by {SQL_ORDER} limit 1",
            [series_uid, *excluding],
        )
        return InstanceRef(*rows[0]) if rows else None

    def harvested_series(
        self, series_uids: list[str], uri_prefix: str
    ) -> dict[str, tuple[int, int]]:
        """Per series harvested from one PACS (URIs starting with `uri_prefix`): the number of
        its instances and their latest modification time (the server's last update when it
        gave one)."""
        if not series_uids:
            return {}
        rows = self._query(
            f"select series_instance_uid, count(*), max(file_mtime_ns) from {FILE_TABLE} "
            f"where status = 'harvested' and substr(file_path, 1, {len(uri_prefix)}) = {self.placeholder} "
            f"and series_instance_uid in ({self._placeholders(series_uids)}) "
            "group by series_instance_uid",
            [uri_prefix, *series_uids],
        )
        return {uid: (count, latest) for uid, count, latest in rows}

    # -- writing --------------------------------------------------------------------------------
    def write_batch(self, batch: Batch) -> int:
        """Remove replaced files, demote old representatives, load the new rows, in the open
        transaction (commit() ends it; a failure rolls it back, earlier batches of it included).
        Returns the number of element rows the demotions removed."""
        cursor = self.connection.cursor()
        demoted_rows = 0
        try:
            if batch.replaced_file_ids:
                ids = self._placeholders(batch.replaced_file_ids)
                # the series the replaced or removed files belonged to, before their rows go
                cursor.execute(
                    f"insert into {TOUCHED_SERIES_TABLE} (series_instance_uid) "
                    f"select distinct series_instance_uid from {FILE_TABLE} "
                    f"where series_instance_uid is not null and file_id in ({ids})",
                    batch.replaced_file_ids,
                )
                cursor.execute(
                    f"delete from {ELEMENT_TABLE} where file_id in ({ids})", batch.replaced_file_ids
                )
                cursor.execute(
                    f"delete from {FILE_TABLE} where file_id in ({ids})", batch.replaced_file_ids
                )
            if batch.demoted_file_ids:
                ids = self._placeholders(batch.demoted_file_ids)
                cursor.execute(
                    f"delete from {ELEMENT_TABLE} where not instance_level and file_id in ({ids}) "
                    f"and file_id in (select file_id from {FILE_TABLE} where not harvested_with_full_headers)",
                    batch.demoted_file_ids,
                )
                demoted_rows = self._changed_rows(cursor)
                cursor.execute(
                    f"update {FILE_TABLE} set is_series_representative = false, "
                    f"full_header_kept = harvested_with_full_headers where file_id in ({ids})",
                    batch.demoted_file_ids,
                )
            if batch.promoted_file_ids:
                cursor.execute(
                    f"update {FILE_TABLE} set is_series_representative = true, full_header_kept = true "
                    f"where file_id in ({self._placeholders(batch.promoted_file_ids)})",
                    batch.promoted_file_ids,
                )
            self._bulk_insert(cursor, FILE_TABLE, FILE_COLUMN_NAMES, batch.files)
            self._bulk_insert(cursor, ELEMENT_TABLE, ELEMENT_COLUMN_NAMES, batch.elements)
            self._bulk_insert(
                cursor, TOUCHED_SERIES_TABLE, ["series_instance_uid"], _series_of(batch.files)
            )
        except BaseException:
            self.connection.rollback()
            raise
        return demoted_rows

    def commit(self) -> None:
        self.connection.commit()

    def rollback(self) -> None:
        self.connection.rollback()

    def refresh_statistics(self) -> None:
        """After a harvest wrote its rows: the statistics the engine plans queries by (DuckDB
        keeps its own as it writes)."""

    def save_settings(self, values: dict[str, object]) -> None:
        """Store settings for this database (project_settings.py), replacing earlier values."""
        cursor = self.connection.cursor()
        for name, value in values.items():
            cursor.execute(f"delete from {SETTING_TABLE} where name = {self.placeholder}", [name])
            cursor.execute(
                f"insert into {SETTING_TABLE} (name, value) values ({self._placeholders([1, 2])})",
                [name, json.dumps(value)],
            )
        self.connection.commit()

    def reset_settings(self, names: list[str]) -> None:
        """Back to the defaults of dbt_project.yml."""
        if names:
            self.connection.cursor().execute(
                f"delete from {SETTING_TABLE} where name in ({self._placeholders(names)})", names
            )
            self.connection.commit()

    def replace_rows(
        self, table: str, columns_ddl: str, columns: list[str], rows: list[list]
    ) -> None:
        """Make a small bookkeeping table (schema.name, created when missing) hold exactly rows."""
        cursor = self.connection.cursor()
        cursor.execute(f"create schema if not exists {table.split('.')[0]}")
        cursor.execute(f"create table if not exists {table} ({columns_ddl})")
        cursor.execute(f"delete from {table}")
        for row in rows:
            cursor.execute(
                f"insert into {table} ({', '.join(columns)}) values ({self._placeholders(row)})",
                row,
            )
        self.connection.commit()

    def _changed_rows(self, cursor) -> int:
        """Rows the last delete or update statement touched."""
        return cursor.rowcount

    def _bulk_insert(self, cursor, table: str, columns: list[str], rows: pa.Table) -> None:
        raise NotImplementedError

    # -- helpers --------------------------------------------------------------------------------
    def _placeholders(self, values: list) -> str:
        return ", ".join([self.placeholder] * len(values))

    def _query(self, sql: str, parameters: list) -> list[tuple]:
        cursor = self.connection.cursor()
        cursor.execute(sql, parameters)
        return cursor.fetchall()

    def close(self) -> None:
        self.connection.close()


class DuckDBStore(StagingStore):
    # A DuckDB commit writes the transaction's row groups out (about a quarter of the harvest's
    # main-process CPU per file at 1,000 files a commit); fewer, larger commits cost less.
    transaction_files = 10_000

    def __init__(self, database_path: str):
        connection = open_duckdb(database_path, read_only=False)
        # One DuckDB thread: a harvest appends a batch at a time from one writer thread, and
        # DuckDB's parallel append of a batch this size costs about twice the CPU of a serial
        # one, in the harvest's main process, whose CPU per file limits how many workers a
        # harvest can use (scripts/bench_pipeline.py). The build's connections keep theirs.
        connection.execute("set threads = 1")
        connection.execute("begin")  # DuckDB's Python API autocommits; keep explicit transactions
        super().__init__(_DuckDBConnection(connection))

    def _changed_rows(self, cursor) -> int:
        return cursor.fetchone()[0]  # DuckDB answers a delete or update with its row count

    def _bulk_insert(self, cursor, table, columns, rows):
        if rows.num_rows == 0:
            return
        duck = self.connection.raw
        duck.register("omop_imaging_batch", rows)
        try:
            duck.execute(
                f"insert into {table} ({', '.join(columns)}) select * from omop_imaging_batch"
            )
        finally:
            duck.unregister("omop_imaging_batch")


class _DuckDBConnection:
    """DuckDB's connection shaped like a DB-API connection with explicit transactions."""

    def __init__(self, raw):
        self.raw = raw

    def cursor(self):
        return self.raw

    def commit(self):
        self.raw.execute("commit")
        self.raw.execute("begin")

    def rollback(self):
        self.raw.execute("rollback")
        self.raw.execute("begin")

    def close(self):
        self.raw.execute("commit")
        self.raw.close()


class PostgresStore(StagingStore):
    placeholder = ENGINES["postgres"].placeholder
    concurrent_writers = True
    # pg_advisory_xact_lock key shared by every harvest into this database ("omopimag").
    LOCK_KEY = 0x6F6D6F70696D6167

    def __init__(self, dsn: str = ""):
        import psycopg2

        # An empty DSN lets libpq read PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD.
        super().__init__(psycopg2.connect(dsn))

    def _serialise(self, cursor) -> None:
        cursor.execute(f"select pg_advisory_xact_lock({self.placeholder})", [self.LOCK_KEY])

    def refresh_statistics(self) -> None:
        # A server with autovacuum off or behind has none for the rows just loaded; then the
        # build's filters by scope read the whole element table instead of using the indexes.
        cursor = self.connection.cursor()
        for table in (FILE_TABLE, ELEMENT_TABLE, TOUCHED_SERIES_TABLE):
            cursor.execute(f"analyze {table}")
        self.connection.commit()

    def _create_indexes(self, cursor) -> None:
        cursor.execute(
            f"create index if not exists header_element_file_id on {ELEMENT_TABLE} (file_id)"
        )
        cursor.execute(
            "create index if not exists harvested_file_series "
            f"on {FILE_TABLE} (series_instance_uid, sop_instance_uid)"
        )

    def _bulk_insert(self, cursor, table, columns, rows):
        if rows.num_rows == 0:
            return
        buffer = io.BytesIO()
        # Arrow quotes every string and leaves NULL unquoted: exactly PostgreSQL's CSV convention.
        # Empty record batches are left out: pyarrow's CSV writer (26.0) writes NUL bytes for a
        # table whose first chunk is empty.
        batches = [batch for batch in rows.to_batches() if batch.num_rows]
        pa_csv.write_csv(
            pa.Table.from_batches(batches, rows.schema),
            buffer,
            pa_csv.WriteOptions(include_header=False),
        )
        buffer.seek(0)
        cursor.copy_expert(
            f"copy {table} ({', '.join(columns)}) from stdin with (format csv)", buffer
        )


def _series_of(files: pa.Table) -> pa.Table:
    """The distinct series of a batch's file rows (the series its new rows belong to)."""
    series = pc.unique(files.column("series_instance_uid").drop_null())
    return pa.table({"series_instance_uid": series})


def open_store(target: str, duckdb_path: str | None = None) -> StagingStore | SparkSettingsStore:
    """The staging store of the target (on Spark only its bookkeeping writes: spark_harvest.py)."""
    if target == "postgres":
        store: StagingStore = PostgresStore()
    elif target == "spark":
        from .spark_harvest import SparkSettingsStore

        return SparkSettingsStore()
    elif target == "duckdb":
        path = duckdb_path or DEFAULT_DUCKDB
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        store = DuckDBStore(path)
    else:
        raise ValueError(f"unknown target {target!r}: use 'duckdb' or 'postgres'")
    store.ensure_schema()
    return store
