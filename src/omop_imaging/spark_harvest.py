"""Harvest on Apache Spark (`omop-imaging harvest PATH... --target spark`, or spark-submit)."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass

from .discover import iter_files
from .harvest import TASK_FILES, HarvestSummary
from .ids import stable_id
from .representative import SQL_ORDER
from .staging_schema import (
    ELEMENT_COLUMNS,
    ELEMENT_TABLE,
    FILE_COLUMNS,
    FILE_TABLE,
    SETTING_COLUMNS,
    SETTING_TABLE,
    TOUCHED_SERIES_COLUMNS,
    TOUCHED_SERIES_TABLE,
    Column,
)

# The raw tables as staging_schema.py declares them. The ledger of touched series stays empty on
# Spark, where every build rebuilds every model (macros/build_scope.sql), but the build reads it.
TABLES = {
    FILE_TABLE: FILE_COLUMNS,
    ELEMENT_TABLE: ELEMENT_COLUMNS,
    SETTING_TABLE: SETTING_COLUMNS,
    TOUCHED_SERIES_TABLE: TOUCHED_SERIES_COLUMNS,
}


def spark_type(sql_type: str) -> str:
    """Spark's type for a column type of staging_schema.py (text and varchar are Spark strings)."""
    base = sql_type.split()[0].split("(")[0]
    return {"text": "string", "varchar": "string", "integer": "int"}.get(base, base)


def spark_schema(columns: list[Column]):
    """A Spark StructType of the columns; 'not null' columns are not nullable."""
    from pyspark.sql.types import StructType, _parse_datatype_string

    schema = StructType()
    for column in columns:
        nullable = "not null" not in column.constraint
        schema.add(column.name, _parse_datatype_string(spark_type(column.data_type)), nullable)
    return schema


# Files per read call inside an executor partition (the local harvest's worker task size).
PARTITION_FILES = 1000  # files per Spark partition: many partitions keep every executor busy
# Tables of one harvest before they replace the raw tables (names beside the raw ones).
READ_TABLE = f"{FILE_TABLE}__read"
NEXT_FILE_TABLE = f"{FILE_TABLE}__next"
NEXT_ELEMENT_TABLE = f"{ELEMENT_TABLE}__next"
# The columns a reader gives per file (the three representative columns are decided after, and
# harvested_at when the rows are loaded).
READ_FILE_COLUMNS = [
    column
    for column in FILE_COLUMNS
    if not column.default
    and column.name
    not in {"is_series_representative", "full_header_kept", "harvested_with_full_headers"}
]
ROW_COLUMNS = [column for column in ELEMENT_COLUMNS if column.name != "file_id"]


def ensure_tables(spark) -> None:
    """The raw schema and tables, Parquet in the session's catalog, when missing."""
    from .staging_schema import RAW_SCHEMA

    spark.sql(f"create database if not exists {RAW_SCHEMA}")
    for table, columns in TABLES.items():
        body = ", ".join(f"{column.name} {spark_type(column.data_type)}" for column in columns)
        spark.sql(f"create table if not exists {table} ({body}) using parquet")


def _read_schema():
    from pyspark.sql.types import ArrayType, StructField

    schema = spark_schema(READ_FILE_COLUMNS)
    schema.add(StructField("elements", ArrayType(spark_schema(ROW_COLUMNS)), False))
    return schema


def read_partition(paths, full_headers: bool, deidentifier, task_files: int = TASK_FILES):
    """What an executor runs: the local harvest's worker (worker.read_task) on its share of the
    paths, a task at a time; one output row per file, its element rows nested."""
    from .reader import quiet_pydicom
    from .worker import read_task

    quiet_pydicom()
    task: list[str] = []
    for path in paths:
        task.append(path if isinstance(path, str) else path[0])
        if len(task) == task_files:
            yield from _rows(read_task(task, full_headers, deidentifier))
            task = []
    if task:
        yield from _rows(read_task(task, full_headers, deidentifier))


def _rows(results):
    file_names = [column.name for column in READ_FILE_COLUMNS]
    row_names = [column.name for column in ROW_COLUMNS]
    for record, rows in results:
        values = vars(record)
        columns = [getattr(rows, name) for name in row_names]
        yield (
            *(_printable(values[name]) for name in file_names),
            [tuple(_printable(value) for value in row) for row in zip(*columns, strict=True)],
        )


def _printable(value):
    """Text Spark can carry (undecodable bytes as the local harvest's Arrow load keeps them)."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


@dataclass
class SparkHarvestOptions:
    full_headers: bool = False
    deidentifier: object | None = None
    partition_files: int = PARTITION_FILES


def harvest_on_spark(paths: list[str], spark, options: SparkHarvestOptions) -> HarvestSummary:
    """Harvest PATHs into dicom_raw on Spark: list on the driver, read on the executors, then
    replace the raw tables with the merged result in one step at the end (a job killed before
    it leaves the tables as they were; a re-run reads what changed since the last complete run).
    """
    from pyspark.sql import functions as F

    started = time.perf_counter()
    ensure_tables(spark)
    finish_swap(spark)  # a harvest killed after its commit point
    files = list(iter_files(paths))
    summary = HarvestSummary(files_seen=len(files))
    listed = spark.createDataFrame(
        [(stable_id(path), path) for path in files], "file_id bigint, file_path string"
    )
    stored = spark.table(FILE_TABLE)
    to_read = _changed_files(spark, listed, stored, options.full_headers)
    slices = max(spark.sparkContext.defaultParallelism, -(-len(files) // options.partition_files))
    full_headers, deidentifier = options.full_headers, options.deidentifier
    read = spark.createDataFrame(
        to_read.repartition(slices).rdd.mapPartitions(
            lambda part: read_partition(part, full_headers, deidentifier)
        ),
        _read_schema(),
    ).withColumn("harvested_at", F.current_timestamp())
    _clear(spark, READ_TABLE)
    read.write.mode("overwrite").format("parquet").saveAsTable(READ_TABLE)
    read = spark.table(READ_TABLE)
    _count(summary, spark, read, stored)
    if summary.unchanged < summary.files_seen:  # nothing read: the tables stay as they are
        _replace_tables(spark, read, stored, options)
    summary.elements = (
        spark.table(ELEMENT_TABLE).join(read.select("file_id"), "file_id", "left_semi").count()
    )
    spark.sql(f"drop table if exists {READ_TABLE}")
    summary.committed = summary.files_seen
    summary.seconds = time.perf_counter() - started
    return summary


def _stat_partition(rows):
    """(file_id, path, size, mtime_ns) of listed files, on the executors (-1 when gone)."""
    for file_id, path in rows:
        try:
            stat = os.stat(path)
            yield file_id, path, stat.st_size, stat.st_mtime_ns
        except OSError:
            yield file_id, path, -1, -1


def _changed_files(spark, listed, stored, full_headers: bool):
    """The listed files to read: all but those stored unchanged (same size and modification
    time), unless --full-headers asks for more than was kept of them (the local harvest's rule)."""
    statted = spark.createDataFrame(
        listed.rdd.mapPartitions(_stat_partition),
        "file_id bigint, file_path string, file_size bigint, file_mtime_ns bigint",
    )
    statted.createOrReplaceTempView("omop_imaging_listed")
    stored.createOrReplaceTempView("omop_imaging_stored")
    wants_more = (
        "stored.status = 'harvested' and not stored.full_header_kept" if full_headers else "false"
    )
    spark.sql(
        "select listed.file_id, stored.status from omop_imaging_listed as listed "
        "join omop_imaging_stored as stored on listed.file_id = stored.file_id "
        "and listed.file_size = stored.file_size and listed.file_mtime_ns = stored.file_mtime_ns "
        f"where not ({wants_more})"
    ).createOrReplaceTempView("omop_imaging_unchanged")
    return spark.sql(
        "select file_path from omop_imaging_listed as listed "
        "left anti join omop_imaging_unchanged as unchanged on listed.file_id = unchanged.file_id"
    )


def _count(summary: HarvestSummary, spark, read, stored) -> None:
    unchanged = dict(
        spark.sql("select status, count(*) from omop_imaging_unchanged group by status").collect()
    )
    summary.unchanged = sum(unchanged.values())
    read_counts = dict(read.groupBy("status").count().collect())
    summary.harvested = unchanged.get("harvested", 0) + read_counts.get("harvested", 0)
    summary.rejected = unchanged.get("rejected", 0) + read_counts.get("rejected", 0)
    summary.rejected_files = [
        (row.file_path, row.reject_category or "", row.reject_reason or "")
        for row in read.where("status = 'rejected'")
        .select("file_path", "reject_category", "reject_reason")
        .orderBy("file_path")
        .toLocalIterator()
    ]


def _replace_tables(spark, read, stored, options: SparkHarvestOptions) -> None:
    """The raw tables after this harvest, computed whole from the stored rows and the rows read,
    written beside the raw tables and then swapped in.

    A series' representative (its full header kept) is the harvested instance with the smallest
    (SOP Instance UID, file path) over all stored files, as in the local harvest (harvest.py)."""
    read.createOrReplaceTempView("omop_imaging_read")
    spark.table(ELEMENT_TABLE).createOrReplaceTempView("omop_imaging_stored_elements")
    read_columns = ", ".join(column.name for column in READ_FILE_COLUMNS)
    full = "true" if options.full_headers else "false"
    spark.sql(f"""
        with all_files as (
            select {read_columns}, status = 'harvested' and {full} as harvested_with_full_headers,
                false as was_full_kept, true as was_read, harvested_at
            from omop_imaging_read
            union all
            select {read_columns}, harvested_with_full_headers,
                full_header_kept as was_full_kept, false as was_read, harvested_at
            from omop_imaging_stored as stored
            where not exists (select 1 from omop_imaging_read as r where r.file_id = stored.file_id)
        ),
        ranked as (
            select *, status = 'harvested' and row_number() over (
                partition by status = 'harvested', series_instance_uid
                order by {SQL_ORDER}) = 1 as is_series_representative
            from all_files
        )
        select *, status = 'harvested' and (harvested_with_full_headers or is_series_representative)
            as full_header_kept
        from ranked
    """).createOrReplaceTempView("omop_imaging_files")
    element_columns = ", ".join(f"row.{column.name}" for column in ROW_COLUMNS)
    promoted = spark.sql(
        "select file_path from omop_imaging_files where not was_read and full_header_kept "
        "and not was_full_kept"
    )
    deidentifier = options.deidentifier
    spark.createDataFrame(
        promoted.rdd.mapPartitions(lambda part: read_partition(part, True, deidentifier)),
        _read_schema(),
    ).createOrReplaceTempView("omop_imaging_promoted")
    elements = spark.sql(f"""
        select read.file_id, {element_columns}
        from omop_imaging_read as read
        join omop_imaging_files as files on read.file_id = files.file_id
        lateral view explode(read.elements) exploded as row
        where row.instance_level or files.full_header_kept
        union all
        select stored.*
        from omop_imaging_stored_elements as stored
        join omop_imaging_files as files on stored.file_id = files.file_id and not files.was_read
        where stored.instance_level or (files.full_header_kept and files.was_full_kept)
        union all
        select promoted.file_id, {element_columns}
        from omop_imaging_promoted as promoted
        lateral view explode(promoted.elements) exploded as row
        where promoted.status = 'harvested' and not row.instance_level
    """)
    file_names = ", ".join(column.name for column in FILE_COLUMNS)
    _clear(spark, NEXT_ELEMENT_TABLE)
    _clear(spark, NEXT_FILE_TABLE)
    elements.write.mode("overwrite").format("parquet").saveAsTable(NEXT_ELEMENT_TABLE)
    spark.sql(f"select {file_names} from omop_imaging_files").write.mode("overwrite").format(
        "parquet"
    ).saveAsTable(NEXT_FILE_TABLE)
    # The commit point: from here a re-run completes the swap instead of starting over.
    spark.sql(f"alter table {NEXT_FILE_TABLE} set tblproperties ('{COMPLETE}' = 'true')")
    finish_swap(spark)


COMPLETE = "omop_imaging.complete"


def _clear(spark, table: str) -> None:
    """Drop a side table, and the files a job killed while writing it left in its place (Spark
    will not create a table over a non-empty location)."""
    spark.sql(f"drop table if exists {table}")
    database, name = table.split(".")
    location = next(
        row.info_value
        for row in spark.sql(f"describe database {database}").collect()
        if row.info_name == "Location"
    )
    path = spark._jvm.org.apache.hadoop.fs.Path(f"{location}/{name}")
    path.getFileSystem(spark._jsc.hadoopConfiguration()).delete(path, True)


def finish_swap(spark) -> None:
    """Put complete next tables in place of the raw tables (elements first); drop incomplete ones
    (a harvest killed before its commit point: the raw tables are as it found them)."""
    if not spark.catalog.tableExists(NEXT_FILE_TABLE):
        spark.sql(f"drop table if exists {NEXT_ELEMENT_TABLE}")
        return
    properties = dict(
        (row.key, row.value) for row in spark.sql(f"show tblproperties {NEXT_FILE_TABLE}").collect()
    )
    if properties.get(COMPLETE) != "true":
        spark.sql(f"drop table if exists {NEXT_FILE_TABLE}")
        spark.sql(f"drop table if exists {NEXT_ELEMENT_TABLE}")
        return
    for table, next_table in ((ELEMENT_TABLE, NEXT_ELEMENT_TABLE), (FILE_TABLE, NEXT_FILE_TABLE)):
        if spark.catalog.tableExists(next_table):
            spark.sql(f"drop table if exists {table}")
            spark.sql(f"alter table {next_table} rename to {table}")
    spark.sql(f"alter table {FILE_TABLE} unset tblproperties if exists ('{COMPLETE}')")


class SparkJobFailed(Exception):
    """A Spark job of the harvest failed; the message is one line (Spark's log has the rest)."""


def harvest_paths_on_spark(paths: list[str], options) -> HarvestSummary:
    """The CLI's `harvest PATH... --target spark` (options: the local harvest's HarvestOptions;
    workers and batch sizes are Spark's to decide)."""
    from .spark_session import spark_session

    try:
        return harvest_on_spark(
            paths,
            spark_session(),
            SparkHarvestOptions(
                full_headers=options.full_headers, deidentifier=options.deidentifier
            ),
        )
    except Exception as error:
        if type(error).__module__.split(".")[0] not in {"py4j", "pyspark"}:
            raise
        raise SparkJobFailed(_cause_line(str(error))) from error


def _cause_line(message: str) -> str:
    """The innermost Python error an executor raised, else the first line of Spark's message."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    python_errors = [line for line in lines if re.match(r"^[A-Za-z_.]*(Error|Exception): ", line)]
    return (python_errors or lines or ["(no message)"])[-1 if python_errors else 0]


class SparkSettingsStore:
    """The small bookkeeping writes of `build` and `settings` (project settings, the seed load)
    on Spark, whose Parquet tables are rewritten rather than updated row by row."""

    def __init__(self):
        from .spark_session import SparkConnection

        self.connection = SparkConnection()
        self.spark = self.connection.session
        ensure_tables(self.spark)

    def replace_rows(self, table: str, columns_ddl: str, columns: list[str], rows: list[list]):
        from .spark_session import sql_literal

        self.spark.sql(f"create database if not exists {table.split('.')[0]}")
        ddl = ", ".join(
            f"{part.split()[0]} {spark_type(' '.join(part.split()[1:]).split(' default ')[0])}"
            for part in columns_ddl.split(", ")
        )
        self.spark.sql(f"create table if not exists {table} ({ddl}) using parquet")
        names = [part.split()[0] for part in columns_ddl.split(", ")]
        values = ", ".join(
            "("
            + ", ".join(
                sql_literal(row[columns.index(name)]) if name in columns else "current_timestamp()"
                for name in names
            )
            + ")"
            for row in rows
        )
        if rows:
            self.spark.sql(f"insert overwrite table {table} select * from values {values}")
        else:
            self.spark.sql(f"truncate table {table}")

    def save_settings(self, values: dict[str, object]) -> None:
        import json

        kept = {
            name: value
            for name, value in self.spark.sql(f"select name, value from {SETTING_TABLE}").collect()
            if name not in values
        }
        rows = [[name, text] for name, text in kept.items()]
        rows += [[name, json.dumps(value)] for name, value in values.items()]
        self._write_settings(rows)

    def reset_settings(self, names: list[str]) -> None:
        rows = [
            [name, value]
            for name, value in self.spark.sql(f"select name, value from {SETTING_TABLE}").collect()
            if name not in names
        ]
        self._write_settings(rows)

    def _write_settings(self, rows: list[list]) -> None:
        self.replace_rows(
            SETTING_TABLE, "name varchar(64) not null, value text not null", ["name", "value"], rows
        )

    def close(self) -> None:
        """The session stays for the rest of the command."""
