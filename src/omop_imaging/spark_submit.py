"""The spark-submit entry point: any omop-imaging command on the cluster's Spark.

spark-submit runs a Python file as its driver, so this file imports the package absolutely and
hands its arguments to the command line with `--target spark`; the session is the one
spark-submit configured (master, executors, catalog), the harvest's reads run on its executors
and dbt's build inside the driver (dbt-spark's session method). For example:

    spark-submit --master yarn --num-executors 16 \\
      "$(python -c 'import omop_imaging.spark_submit as m; print(m.__file__)')" \\
      harvest /mnt/archive/dicom --deidentify

The package (and pydicom) must be installed on every node: the executors import its reader.
"""

import sys

from omop_imaging.cli import main

if __name__ == "__main__":
    raise SystemExit(main([*sys.argv[1:], "--target", "spark"]))
