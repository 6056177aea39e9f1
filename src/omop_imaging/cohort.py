"""`omop-imaging cohort`: the image series of a clinical cohort, selected in the database.

Input: an OHDSI cohort table (cohort_definition_id, subject_id, cohort_start_date,
cohort_end_date, as ATLAS writes it) read from CSV, or a built-in definition (a model of the dbt
project). Image criteria narrow it down: modality, body part, plane, contrast, MR timing ranges,
days relative to cohort start. Every value reaches the database as a bound parameter; only the
matching series come back to Python.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from . import text_table
from .database import Database
from .settings import project_dir, relation

BUILT_IN = {
    "t1-volumetric-brain-mri": "cohort_t1_volumetric_brain_mri",
    "er-ct-brain-precontrast": "cohort_er_ct_brain_precontrast",
}


def _classification_seed(name: str) -> list[dict[str, str]]:
    """The rows of a seed of seeds/classification/, which the classifier's SQL uses too (one list)."""
    with open(
        project_dir() / "seeds" / "classification" / f"{name}.csv", encoding="utf-8"
    ) as handle:
        return list(csv.DictReader(handle))


# The MR sequence families, in the seed's order.
SEQUENCE_FAMILIES = [row["sequence_family"] for row in _classification_seed("sequence_family")]
# --contrast option word -> the contrast status the classifier gives.
CONTRAST = {
    row["cohort_option"]: row["contrast_status"] for row in _classification_seed("contrast_status")
}
OUTPUT_COLUMNS = [
    "person_id",
    "image_occurrence_id",
    "image_study_uid",
    "image_series_uid",
    "image_occurrence_date",
    "modality",
    "body_part_examined",
    "image_plane",
    "contrast_status",
    "sequence_family",
    "repetition_time_ms",
    "echo_time_ms",
    "inversion_time_ms",
    "instance_count",
    "local_path",
    "wadors_uri",
    "days_from_cohort_start",
]
# Columns of the printed table (the file has them all): label, column.
TABLE_COLUMNS = [
    ("person", "person_id"),
    ("date", "image_occurrence_date"),
    ("modality", "modality"),
    ("body part", "body_part_examined"),
    ("plane", "image_plane"),
    ("contrast", "contrast_status"),
    ("family", "sequence_family"),
    ("TR ms", "repetition_time_ms"),
    ("TE ms", "echo_time_ms"),
    ("TI ms", "inversion_time_ms"),
    ("images", "instance_count"),
    ("series UID", "image_series_uid"),
]
FORMATS = ["csv", "parquet"]
COHORT_COLUMNS = ["cohort_definition_id", "subject_id", "cohort_start_date", "cohort_end_date"]


@dataclass
class Criteria:
    modalities: list[str] = field(default_factory=list)
    body_parts: list[str] = field(default_factory=list)
    planes: list[str] = field(default_factory=list)
    contrast: str | None = None
    sequence_families: list[str] = field(default_factory=list)
    repetition_time: tuple[float | None, float | None] = (None, None)
    echo_time: tuple[float | None, float | None] = (None, None)
    inversion_time: tuple[float | None, float | None] = (None, None)
    # None: within the cohort period
    days_from_start: tuple[float | None, float | None] | None = None


@dataclass
class CohortResult:
    columns: list[str]
    rows: list[tuple]

    def counts(self) -> dict[str, int]:
        index = {name: position for position, name in enumerate(self.columns)}
        return {
            "persons": len({row[index["person_id"]] for row in self.rows}),
            "studies": len({row[index["image_study_uid"]] for row in self.rows}),
            "series": len(self.rows),
            "images": sum(row[index["instance_count"]] or 0 for row in self.rows),
        }


def parse_range(text: str | None) -> tuple[float | None, float | None]:
    """'MIN:MAX', 'MIN:' or ':MAX' -> bounds (inclusive); None -> no bound."""
    if not text:
        return (None, None)
    low, separator, high = text.partition(":")
    if not separator:
        raise ValueError(f"range {text!r}: write MIN:MAX, MIN: or :MAX")
    return (float(low) if low.strip() else None, float(high) if high.strip() else None)


def read_cohort_table(path: Path, definition_id: int | None) -> list[tuple]:
    """Rows of an OHDSI cohort table in CSV (header with the four standard columns)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in COHORT_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: the cohort table lacks the column(s) {', '.join(missing)}")
        rows = []
        for line, row in enumerate(reader, start=2):
            try:
                record = (
                    int(row["cohort_definition_id"]),
                    int(row["subject_id"]),
                    row["cohort_start_date"].strip(),
                    (row["cohort_end_date"] or row["cohort_start_date"]).strip(),
                )
            except ValueError as error:
                raise ValueError(f"{path}, line {line}: {error}") from error
            if definition_id is None or record[0] == definition_id:
                rows.append(record)
    return rows


def select_series(
    connection,
    target: str,
    criteria: Criteria,
    built_in: str | None = None,
    cohort_rows: list[tuple] | None = None,
) -> CohortResult:
    database = Database(target)
    mark = database.placeholder
    base = relation("marts", BUILT_IN[built_in] if built_in else "series_catalog")
    parameters: list = []
    clauses: list[str] = []
    joins = ""
    days = "cast(null as integer)"
    if cohort_rows is not None:
        _load_cohort(connection, target, cohort_rows)
        joins = "inner join omop_imaging_cohort as cohort on series.person_id = cohort.subject_id"
        days = "series.image_occurrence_date - cohort.cohort_start_date"
        if criteria.days_from_start is None:
            clauses.append(
                "series.image_occurrence_date between cohort.cohort_start_date and cohort.cohort_end_date"
            )
        else:
            low, high = criteria.days_from_start
            if low is not None:
                clauses.append(f"series.image_occurrence_date >= cohort.cohort_start_date + {mark}")
                parameters.append(int(low))
            if high is not None:
                clauses.append(f"series.image_occurrence_date <= cohort.cohort_start_date + {mark}")
                parameters.append(int(high))

    def any_of(column: str, values: list[str]) -> None:
        if values:
            clauses.append(f"{column} in ({database.placeholders(len(values))})")
            parameters.extend(value.upper() for value in values)

    any_of("series.modality", criteria.modalities)
    any_of("series.body_part_examined", criteria.body_parts)
    any_of("series.image_plane", criteria.planes)
    any_of("series.sequence_family", criteria.sequence_families)
    if criteria.contrast:
        clauses.append(f"series.contrast_status = {mark}")
        parameters.append(CONTRAST[criteria.contrast])
    for column, (low, high) in (
        ("series.repetition_time_ms", criteria.repetition_time),
        ("series.echo_time_ms", criteria.echo_time),
        ("series.inversion_time_ms", criteria.inversion_time),
    ):
        if low is not None:
            clauses.append(f"{column} >= {mark}")
            parameters.append(low)
        if high is not None:
            clauses.append(f"{column} <= {mark}")
            parameters.append(high)

    selected = ", ".join(f"series.{column}" for column in OUTPUT_COLUMNS[:-1])
    sql = (
        f"select distinct {selected}, {days} as days_from_cohort_start from {base} as series {joins} "
        f"{'where ' + ' and '.join(clauses) if clauses else ''} "
        "order by series.person_id, series.image_occurrence_date, series.image_series_uid"
    )
    # DuckDB: the registered cohort is visible on this connection only, not on a new cursor
    cursor = connection if target == "duckdb" else connection.cursor()
    cursor.execute(sql, parameters)
    return CohortResult(OUTPUT_COLUMNS, [tuple(row) for row in cursor.fetchall()])


def _load_cohort(connection, target: str, rows: list[tuple]) -> None:
    """The cohort table as a temporary relation named omop_imaging_cohort (bulk, not row by row)."""
    import pyarrow as pa

    table = pa.table(
        {
            "cohort_definition_id": pa.array([row[0] for row in rows], pa.int64()),
            "subject_id": pa.array([row[1] for row in rows], pa.int64()),
            "cohort_start_date": pa.array([row[2] for row in rows], pa.string()).cast(pa.date32()),
            "cohort_end_date": pa.array([row[3] for row in rows], pa.string()).cast(pa.date32()),
        }
    )
    if target == "duckdb":
        connection.register("omop_imaging_cohort", table)
        return
    import io

    import pyarrow.csv as pa_csv

    cursor = connection.cursor()
    cursor.execute(
        "create temporary table omop_imaging_cohort (cohort_definition_id bigint, subject_id bigint, "
        "cohort_start_date date, cohort_end_date date)"
    )
    buffer = io.BytesIO()
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False))
    buffer.seek(0)
    cursor.copy_expert("copy omop_imaging_cohort from stdin with (format csv)", buffer)


def output_format(path: Path, chosen: str | None) -> str:
    """The format to write `path` in: --format, else its suffix (.csv, .parquet). ValueError for
    an unknown suffix or a folder that does not exist, before any query runs."""
    if not path.parent.is_dir():
        raise ValueError(
            f"cannot write {path}: the folder {path.parent} does not exist; create it or choose "
            "another --out"
        )
    if chosen:
        return chosen
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(
            f"--out {path}: unknown suffix {path.suffix or '(none)'!r}; name a .csv or .parquet "
            "file, or choose with --format csv|parquet"
        )
    return suffix


def format_table(result: CohortResult) -> str:
    """The series as a text table, one line each (what `cohort` prints without --out)."""
    index = {name: position for position, name in enumerate(result.columns)}
    cells = [
        [text_table.cell(row[index[column]], "-", "g") for _, column in TABLE_COLUMNS]
        for row in result.rows
    ]
    return "\n".join(text_table.lines([label for label, _ in TABLE_COLUMNS], cells))


def write_result(result: CohortResult, path: Path, file_format: str) -> None:
    """CSV or Parquet (file_format from output_format)."""
    import pyarrow as pa

    columns = {
        name: [row[index] for row in result.rows] for index, name in enumerate(result.columns)
    }
    table = pa.table(
        {
            name: pa.array(values) if values else pa.array([], pa.string())
            for name, values in columns.items()
        }
    )
    if file_format == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    else:
        import pyarrow.csv as pa_csv

        pa_csv.write_csv(table, path)
