"""`omop-imaging classify`: the header classifier's results per series, with their evidence.

Reads the built mart series_classification (read-only). Prints UIDs, modality and the results;
never patient identifiers or free-text descriptions.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from .database import Database, query
from .settings import relation

COLUMNS = [
    "series_instance_uid",
    "study_instance_uid",
    "modality",
    "image_plane",
    "image_plane_confidence",
    "has_plane_disagreement",
    "image_plane_evidence",
    "contrast_status",
    "contrast_confidence",
    "contrast_evidence",
    "sequence_family",
    "sequence_family_confidence",
    "sequence_family_evidence",
    "is_volumetric",
    "volumetric_confidence",
    "volumetric_evidence",
    "is_localizer",
    "localizer_confidence",
    "localizer_evidence",
]

# (label, result column, confidence column, evidence column) of the table format
_RESULTS = [
    ("plane", "image_plane", "image_plane_confidence", "image_plane_evidence"),
    ("contrast", "contrast_status", "contrast_confidence", "contrast_evidence"),
    ("MR family", "sequence_family", "sequence_family_confidence", "sequence_family_evidence"),
    ("volumetric", "is_volumetric", "volumetric_confidence", "volumetric_evidence"),
    ("localizer", "is_localizer", "localizer_confidence", "localizer_evidence"),
]


def classifications(target: str, duckdb_path: str, series_uid: str | None = None) -> list[dict]:
    """One dict per series (COLUMNS), ordered by study and series UID; one series with series_uid."""
    database = Database(target, duckdb_path)
    sql = f"select {', '.join(COLUMNS)} from {relation('marts', 'series_classification')}"
    parameters = []
    if series_uid:
        sql += f" where series_instance_uid = {database.placeholder}"
        parameters.append(series_uid)
    sql += " order by study_instance_uid, series_instance_uid"
    with database.connect() as connection:
        return [dict(zip(COLUMNS, row, strict=True)) for row in query(connection, sql, parameters)]


def _plain(value):
    if isinstance(value, Decimal | float):
        return round(float(value), 3)
    return value


def _text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal | float):
        return f"{float(value):.2f}"
    return str(value)


def format_rows(rows: list[dict], output_format: str) -> str:
    if output_format == "json":
        return json.dumps(
            [{key: _plain(value) for key, value in row.items()} for row in rows], indent=2
        )
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _plain(value) for key, value in row.items()})
        return buffer.getvalue().rstrip("\n")
    lines = []
    for row in rows:
        flag = "  [instances in several planes]" if row["has_plane_disagreement"] else ""
        lines.append(f"series {row['series_instance_uid']}  ({row['modality'] or '?'}){flag}")
        for label, result, confidence, evidence in _RESULTS:
            if row[result] is None and label in ("MR family", "volumetric"):
                continue
            lines.append(
                f"  {label:<11} {_text(row[result]):<17} {_text(row[confidence]):>5}  {row[evidence] or '-'}"
            )
    lines.append(f"{len(rows)} series")
    return "\n".join(lines)
