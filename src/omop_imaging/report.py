"""`omop-imaging report`: the data-quality report of a built database, in four formats.

Sections: the ETL coverage per table and column (model etl_coverage), the protocols still
unmapped (radiology_unmapped_protocols), the files the harvest rejected, by category, the
header values that do not parse for their VR (unparsable_values: counts, never the values), and the
DICOM patients no clinical person matched (unlinked_patients; listed by a hash, never by their
Patient ID, so the report can be shared), and the header values outside their attribute's PS3.3
value set, by attribute and manufacturer (header_value_conformance; codes only). All
aggregation happens in the database; only the summary rows come to Python.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from . import text_table
from .database import connect, query
from .settings import relation
from .staging_schema import FILE_TABLE

FORMATS = ("table", "csv", "json", "markdown")
SECTIONS = (
    "coverage",
    "protocols",
    "rejected",
    "unparsable",
    "unlinked",
    "implausible_birth",
    "conformance",
    "conformance-values",
)


@dataclass
class Section:
    name: str
    title: str
    columns: list[str]
    rows: list[tuple]


def collect(
    target: str, duckdb_path: str, sections: list[str], protocol_limit: int = 20
) -> list[Section]:
    statements = {
        "coverage": (
            "ETL coverage by table and column",
            [
                "table_name",
                "column_name",
                "row_count",
                "mapped_count",
                "unmapped_count",
                "mapped_percent",
            ],
            f"select table_name, column_name, row_count, mapped_count, unmapped_count, mapped_percent "
            f"from {relation('quality', 'etl_coverage')} order by table_name, column_name",
        ),
        "protocols": (
            f"Unmapped protocols (most frequent {protocol_limit})",
            ["modality", "body_part_examined", "protocol_source_value", "study_count"],
            f"select modality, body_part_examined, protocol_source_value, study_count "
            f"from {relation('quality', 'radiology_unmapped_protocols')} "
            f"order by study_count desc, modality, protocol_source_value limit {int(protocol_limit)}",
        ),
        "unlinked": (
            "Patients not linked to a clinical person (patient_ref is a hash: look it up in unlinked_patients)",
            ["patient_ref", "link_method", "person_id", "study_count", "series_count"],
            f"select substr(md5(patient_key), 1, 12) as patient_ref, link_method, person_id, study_count, "
            f"series_count from {relation('quality', 'unlinked_patients')} order by link_method, study_count desc, patient_ref",
        ),
        "unparsable": (
            "Header values that do not parse for their VR (kept as text, typed to NULL)",
            ["vr", "tag", "keyword", "value_count", "file_count"],
            f"select vr, tag, keyword, value_count, file_count from {relation('quality', 'unparsable_values')} "
            "order by value_count desc, tag",
        ),
        "conformance-values": (
            "Header values outside their attribute's value set (not_allowed: outside Enumerated "
            "Values; extension: outside Defined Terms / a Baseline or Defined context group)",
            [
                "finding",
                "tag",
                "attribute_name",
                "value_code",
                "coding_scheme_designator",
                "manufacturer",
                "series_count",
            ],
            f"select finding, tag, attribute_name, value_code, coding_scheme_designator, manufacturer, "
            f"series_count from {relation('quality', 'header_value_conformance')} "
            "order by finding desc, series_count desc, tag, value_code, manufacturer",
        ),
        "implausible_birth": (
            "Patients whose Patient's Birth Date is implausible (not used; patient_ref is a hash)",
            ["patient_ref", "link_method", "person_id", "year_of_birth_used", "study_count"],
            f"select substr(md5(patient_key), 1, 12) as patient_ref, link_method, person_id, "
            f"year_of_birth_used, study_count from {relation('quality', 'implausible_birth_dates')} "
            "order by link_method, patient_ref",
        ),
        "rejected": (
            "Files rejected by the harvest, by category",
            ["reject_category", "file_count"],
            f"select reject_category, count(*) as file_count from {FILE_TABLE} "
            "where status = 'rejected' group by reject_category order by file_count desc, reject_category",
        ),
    }
    collected = []
    if "conformance" in sections:
        collected.append(_conformance_section(target, duckdb_path))
    with connect(target, duckdb_path) as connection:
        for name in sections:
            if name == "conformance":
                continue
            title, columns, sql = statements[name]
            rows = [tuple(_plain(value) for value in row) for row in query(connection, sql)]
            collected.append(Section(name, title, columns, rows))
    return collected


# Why the policies leave an unlinked patient out of the CDM, by link_method (as unlinked_patients gives it).
LEFT_OUT_REASONS = {
    "no_birth_year": "no year of birth",
    "unmatched": "unmatched (unmatched_patient_policy)",
}


def left_out_line(target: str, duckdb_path: str) -> str:
    """One line of the patients and series the build left out of the CDM and why: counts from the
    unlinked section (patients without a person_id), never a patient's identifier."""
    (section,) = collect(target, duckdb_path, ["unlinked"])
    link_method = section.columns.index("link_method")
    person_id = section.columns.index("person_id")
    series_count = section.columns.index("series_count")
    left_out = [row for row in section.rows if row[person_id] is None]
    if not left_out:
        return "left out of the CDM: no patient"
    reasons = []
    for method in sorted({row[link_method] for row in left_out}):
        patients = sum(1 for row in left_out if row[link_method] == method)
        reasons.append(f"{LEFT_OUT_REASONS.get(method, method)}: {_count(patients, 'patient')}")
    series = sum(int(row[series_count]) for row in left_out)
    return (
        f"left out of the CDM: {_count(len(left_out), 'patient')} with {_count(series, 'series')} "
        f"({'; '.join(reasons)}; see report --section unlinked)"
    )


def _count(number: int, noun: str) -> str:
    plural = noun if number == 1 or noun.endswith("s") else noun + "s"
    return f"{number:,} {plural}"


def _conformance_section(target: str, duckdb_path: str) -> Section:
    """Every check that did not simply pass (failures, exceptions, DQD thresholds, warnings), then a
    count per status: the checks of omop_imaging.conformance, as the test suite runs them."""
    from collections import Counter

    from .conformance import STATUSES, run_checks

    results = run_checks(target, duckdb_path)
    counts = Counter(result.status for result in results)
    rows = [
        (
            result.status,
            result.table_name,
            result.field_name,
            result.check,
            result.violated_rows,
            result.total_rows,
            round(result.percent, 2),
            result.threshold,
            result.note,
        )
        for result in sorted(
            results, key=lambda r: (STATUSES.index(r.status), r.table_name, r.field_name)
        )
        if result.status != "pass"
    ]
    title = (
        "Conformance with OMOP CDM v5.4 / DQD, MI-CDM and R-CDM field-level rules: "
        + ", ".join(f"{counts.get(status, 0)} {status}" for status in STATUSES)
    )
    return Section(
        "conformance",
        title,
        ["status", "table", "field", "check", "violated", "rows", "percent", "threshold", "note"],
        rows,
    )


def _plain(value):
    """Decimal and friends as JSON-friendly numbers."""
    if value is None or isinstance(value, int | float | str):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def render(sections: list[Section], output_format: str) -> str:
    if output_format == "json":
        return json.dumps(
            {
                section.name: [dict(zip(section.columns, row, strict=True)) for row in section.rows]
                for section in sections
            },
            indent=2,
        )
    if output_format == "csv":
        if len(sections) != 1:
            raise ValueError("--format csv prints one section: choose it with --section")
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(sections[0].columns)
        writer.writerows(sections[0].rows)
        return buffer.getvalue().rstrip("\n")
    render_one = _markdown if output_format == "markdown" else _table
    return "\n\n".join(render_one(section) for section in sections)


def _cell(value) -> str:
    return text_table.cell(value, "", ".2f")


def _table(section: Section) -> str:
    cells = [[_cell(value) for value in row] for row in section.rows]
    numeric = [
        all(_is_number(row[index]) for row in section.rows) for index in range(len(section.columns))
    ]
    lines = text_table.lines(section.columns, cells, right_aligned=numeric, rule=True)
    return "\n".join([section.title, *lines, *([] if cells else ["(none)"])])


def _markdown(section: Section) -> str:
    lines = [f"### {section.title}", "", "| " + " | ".join(section.columns) + " |"]
    lines.append(
        "|"
        + "|".join(
            "---:" if all(_is_number(row[i]) for row in section.rows) and section.rows else "---"
            for i in range(len(section.columns))
        )
        + "|"
    )
    lines += [
        "| " + " | ".join(_cell(value).replace("|", "\\|") for value in row) + " |"
        for row in section.rows
    ]
    if not section.rows:
        lines.append("| " + " | ".join(["(none)"] + [""] * (len(section.columns) - 1)) + " |")
    return "\n".join(lines)


def _is_number(value) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))
