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
    return Path(os.environ.get("OMOP_IMAGING_SPARK_DIR") or DEFAULT_SPARK_DIR).expanduser().resolve()


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
        "spark.ui.enabled": "false",
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
