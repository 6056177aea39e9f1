"""The Spark session of `--target spark`: one configuration for the harvest, dbt and the reports.

Locally (the default, and the tests) Spark runs in this process's JVM (`local[2]`), with its
tables as Parquet under a warehouse folder and its catalog in an embedded Derby metastore next to
it, so that the tables a harvest writes are there for the build that follows. An embedded Derby
metastore admits one JVM at a time: each omop-imaging command opens the session once, and dbt
runs inside the same process (dbt_runner.py), sharing it. On a cluster, spark-submit supplies the
master and the catalog (Hive metastore, Unity, Glue) and these defaults step aside: any setting
given in the environment of spark-submit (`--conf`) wins over them.
"""

from __future__ import annotations

import os
from pathlib import Path

# Where the local catalog lives: OMOP_IMAGING_SPARK_DIR, else data/spark (under the working dir).
DEFAULT_SPARK_DIR = "data/spark"
# Modest defaults for one small machine; a cluster's spark-submit --conf overrides them.
DEFAULT_MASTER = "local[2]"
DEFAULT_DRIVER_MEMORY = "2g"
DEFAULT_SHUFFLE_PARTITIONS = "4"


def spark_dir() -> Path:
    return (
        Path(os.environ.get("OMOP_IMAGING_SPARK_DIR") or DEFAULT_SPARK_DIR).expanduser().resolve()
    )


def spark_conf() -> dict[str, str]:
    """The session's settings: master, warehouse folder and metastore (the environment's
    OMOP_IMAGING_SPARK_MASTER / OMOP_IMAGING_SPARK_DIR), memory and shuffle width. profiles.yml's
    spark output reads the same values from the variables dbt_environment() sets."""
    folder = spark_dir()
    metastore = folder / "metastore_db"
    return {
        "spark.master": os.environ.get("OMOP_IMAGING_SPARK_MASTER") or DEFAULT_MASTER,
        "spark.app.name": "omop-imaging",
        "spark.sql.warehouse.dir": str(folder / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={metastore};create=true"
        ),
        # Derby writes its log beside its database, not into the working directory.
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={folder}",
        "spark.driver.memory": os.environ.get("OMOP_IMAGING_SPARK_DRIVER_MEMORY")
        or DEFAULT_DRIVER_MEMORY,
        "spark.sql.shuffle.partitions": os.environ.get("OMOP_IMAGING_SPARK_SHUFFLE_PARTITIONS")
        or DEFAULT_SHUFFLE_PARTITIONS,
        "spark.sql.sources.default": "parquet",
        # Timestamps as standard Parquet microseconds in UTC, readable as written by any engine.
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # dbt-spark sets it too: a malformed cast gives NULL, as the safe-cast macros expect.
        "spark.sql.ansi.enabled": "false",
    }


def spark_environment() -> dict[str, str]:
    """Variables profiles.yml's spark output reads (the values of spark_conf())."""
    conf = spark_conf()
    return {
        "OMOP_IMAGING_SPARK_MASTER": conf["spark.master"],
        "OMOP_IMAGING_SPARK_WAREHOUSE": conf["spark.sql.warehouse.dir"],
        "OMOP_IMAGING_SPARK_METASTORE_URL": conf["spark.hadoop.javax.jdo.option.ConnectionURL"],
        "OMOP_IMAGING_SPARK_DRIVER_OPTIONS": conf["spark.driver.extraJavaOptions"],
        "OMOP_IMAGING_SPARK_DRIVER_MEMORY": conf["spark.driver.memory"],
        "OMOP_IMAGING_SPARK_SHUFFLE_PARTITIONS": conf["spark.sql.shuffle.partitions"],
    }


def spark_session():
    """This process's SparkSession (created on first use, with Hive catalog support). Under
    spark-submit (a cluster) the submitted settings are the session's; these defaults apply only
    to a Spark that omop-imaging starts itself."""
    import sys

    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.enableHiveSupport()
    if not os.environ.get("PYSPARK_GATEWAY_PORT"):  # set when spark-submit started this driver
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        for name, value in spark_conf().items():
            builder = builder.config(name, value)
        spark_dir().mkdir(parents=True, exist_ok=True)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def missing_table_error() -> type[Exception]:
    """What Spark raises for a table that does not exist (AnalysisException)."""
    from pyspark.errors import AnalysisException

    return AnalysisException


class SparkConnection:
    """The session shaped like the DB-API connection database.py reads through: execute() with
    `%s` parameters (PostgreSQL's mark, which the readers use for every engine but DuckDB)
    written into the SQL as literals, as Spark SQL takes no bound parameters; fetchall() tuples."""

    def __init__(self):
        self.session = spark_session()
        self._rows: list[tuple] = []

    def cursor(self):
        return self

    def execute(self, sql: str, parameters=None) -> None:
        for value in parameters or []:
            sql = sql.replace("%s", sql_literal(value), 1)
        self._rows = [tuple(row) for row in self.session.sql(sql).collect()]

    def fetchall(self) -> list[tuple]:
        return self._rows

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def commit(self) -> None:
        """Each Spark statement stands alone."""

    def close(self) -> None:
        """The session lives as long as the process (dbt may use it after a report)."""


def sql_literal(value) -> str:
    """A Python value as a Spark SQL literal (text escaped as Spark reads it)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


class SparkCatalog:
    """Spark's tables and columns, with database.InformationSchemaCatalog's methods (Spark's
    catalog has no information_schema)."""

    def __init__(self, session):
        self.session = session

    def table_exists(self, qualified_name: str) -> bool:
        return self.session.catalog.tableExists(qualified_name)

    def _tables(self, schemas: list[str]):
        for database in schemas:
            if not self.session.catalog.databaseExists(database):
                continue
            for table in sorted(self.session.catalog.listTables(database), key=lambda t: t.name):
                if table.tableType != "VIEW" and not table.isTemporary:
                    yield database, table.name

    def base_tables(self, schemas: list[str]) -> list[tuple[str, str]]:
        """(schema, table) of the tables (not views) of these schemas, in name order."""
        return list(self._tables(sorted(schemas)))

    def column_types(self, schemas: list[str]) -> list[tuple[str, str, str, str]]:
        """(schema, table, column, data type) of the tables of these schemas."""
        return [
            (database, table, column.name, column.dataType)
            for database, table in self._tables(schemas)
            for column in self.session.catalog.listColumns(f"{database}.{table}")
        ]
