"""The CDM output tables of a build, for comparing two harvests of the same images."""

from __future__ import annotations

from decimal import Decimal

OUTPUT_TABLES = [
    "person",
    "procedure_occurrence",
    "image_occurrence",
    "measurement",
    "image_feature",
    "radiology_occurrence",
    "radiology_image",
]
# Where the instance was read from (a folder, a file, a URI), and when the build ran.
LOCATION_COLUMNS = {"local_path", "file_path", "wadors_uri", "alg_datetime"}


def output_rows(query, schema: str = "cdm") -> dict[str, list[tuple]]:
    """Every output table's rows, location columns left out, numbers written as text compared
    as numbers (JSON carries DS and IS as numbers: '5.000000' comes back as '5')."""
    tables = {}
    for table in OUTPUT_TABLES:
        columns = [
            name
            for (name,) in query(
                "select column_name from information_schema.columns "
                f"where table_schema = '{schema}' and table_name = '{table}' "
                "order by ordinal_position"
            )
            if name not in LOCATION_COLUMNS
        ]
        rows = query(f"select {', '.join(columns)} from {schema}.{table}")
        tables[table] = sorted((tuple(_number(value) for value in row) for row in rows), key=repr)
    return tables


def _number(value):
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if isinstance(value, Decimal):  # PostgreSQL's numeric
        return float(value)
    return value


def assert_same_outputs(over_dicomweb: dict, from_disk: dict) -> None:
    for table in OUTPUT_TABLES:
        assert over_dicomweb[table], f"{table} is empty"
        assert len(over_dicomweb[table]) == len(from_disk[table]), table
        assert over_dicomweb[table] == from_disk[table], table
