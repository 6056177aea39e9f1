"""Conformance of a built database with the published field-level specifications.

One implementation, used by `omop-imaging report --section conformance` and by the test suite:
every table of the CDM and vocabulary schemas is held against the project's own copy of the rules
(data/conformance_rules.csv, derived by scripts/derive_conformance_rules.py from OMOP CDM v5.4 /
DQD, MI-CDM and R-CDM). Checks follow DQD's field-level checks (names and semantics: rows violating
as a percent of rows, compared with DQD's threshold; concept_id 0 is exempt from the domain and
standard checks): cdmField, isRequired, cdmDatatype (with the range of `integer`), isPrimaryKey,
isForeignKey, fkDomain, isStandardValidConcept, standardConceptRecordCompleteness (a unit only
where value_as_number is set, as DQD), plausibleValueLow / High. Tables in the CDM schema
that no specification defines fail `cdmTable`. Documented exceptions
(data/conformance_exceptions.csv) are reported with their reason instead of failing.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources

from .database import Database, query
from .settings import schema

VOCABULARY_TABLES = {
    "concept",
    "concept_ancestor",
    "concept_class",
    "concept_relationship",
    "concept_synonym",
    "domain",
    "drug_strength",
    "relationship",
    "source_to_concept_map",
    "vocabulary",
}
INTEGER_RANGE = (-(2**31), 2**31 - 1)
INTEGER_TYPES = ("int", "integer", "bigint", "smallint", "hugeint", "int4", "int8", "int2")
NUMERIC_TYPES = (
    *INTEGER_TYPES,
    "double",
    "real",
    "float",
    "numeric",
    "decimal",
    "double precision",
)

# status of one check: pass (no row violates), threshold (violations within DQD's threshold),
# exception (documented in conformance_exceptions.csv), warn (over the threshold of a DQD
# Completeness check: reported, not a conformance failure), fail
STATUSES = ("pass", "threshold", "exception", "warn", "fail")
# DQD's Completeness-category checks: how many rows carry a concept, not whether rows conform
COMPLETENESS_CHECKS = {"standardConceptRecordCompleteness"}


@dataclass(frozen=True)
class Result:
    table_name: str
    field_name: str
    check: str
    violated_rows: int
    total_rows: int
    threshold: float
    status: str
    note: str = ""

    @property
    def percent(self) -> float:
        return 100.0 * self.violated_rows / self.total_rows if self.total_rows else 0.0


def load_rules() -> list[dict]:
    with (
        resources.files("omop_imaging")
        .joinpath("data/conformance_rules.csv")
        .open(encoding="utf-8") as handle
    ):
        return list(csv.DictReader(handle))


def load_exceptions() -> dict[tuple[str, str, str], str]:
    """(table, field, check) -> the documented reason."""
    with (
        resources.files("omop_imaging")
        .joinpath("data/conformance_exceptions.csv")
        .open(encoding="utf-8") as handle
    ):
        return {
            (row["table_name"], row["field_name"], row["check"]): row["reason"]
            for row in csv.DictReader(handle)
        }


def table_schema(table: str) -> str:
    return schema("vocabulary") if table in VOCABULARY_TABLES else schema("cdm")


def run_checks(target: str, duckdb_path: str) -> list[Result]:
    rules = load_rules()
    exceptions = load_exceptions()
    results: list[Result] = []
    database = Database(target, duckdb_path)
    with database.connect() as connection:
        schemas = sorted({schema("cdm"), schema("vocabulary")})
        columns: dict[str, dict[str, str]] = {}
        column_types = database.catalog(connection).column_types(schemas)
        for table_schema_name, table, column, data_type in column_types:
            if table_schema_name == table_schema(table):
                columns.setdefault(table, {})[column.lower()] = data_type.lower()
        specified = {rule["table_name"] for rule in rules}
        for table in sorted(columns):
            if table not in specified:
                results.append(
                    Result(
                        table, "", "cdmTable", 1, 1, 0.0, "fail", "not a CDM / MI-CDM / R-CDM table"
                    )
                )
        totals = {
            table: query(connection, f"select count(*) from {table_schema(table)}.{table}")[0][0]
            for table in columns
        }

        def count(sql: str) -> int:
            return int(query(connection, sql)[0][0])

        for rule in rules:
            table, field = rule["table_name"], rule["field_name"]
            if table not in columns:
                continue
            relation = f"{table_schema(table)}.{table}"
            total = totals[table]

            def add(
                check: str,
                violated: int,
                threshold: str | float = 0,
                note: str = "",
                table: str = table,
                field: str = field,
                total: int = total,
            ) -> None:
                limit = float(threshold or 0)
                percent = 100.0 * violated / total if total else 0.0
                if violated == 0:
                    status = "pass"
                elif (table, field, check) in exceptions:
                    status, note = "exception", exceptions[(table, field, check)]
                elif percent <= limit:
                    status = "threshold"
                elif check in COMPLETENESS_CHECKS:
                    status = "warn"
                else:
                    status = "fail"
                results.append(Result(table, field, check, violated, total, limit, status, note))

            if field not in columns[table]:
                add("cdmField", total or 1, 0, "column missing")
                continue
            sql_type = columns[table][field]
            if rule["is_required"] == "yes":
                add(
                    "isRequired",
                    count(f"select count(*) from {relation} where {field} is null"),
                    rule["required_threshold"],
                )
            add(
                "cdmDatatype",
                *_datatype_violations(
                    count, relation, field, rule["datatype"], sql_type, database.engine.text_type
                ),
            )
            if rule["is_primary_key"] == "yes":
                add(
                    "isPrimaryKey",
                    count(
                        f"select count(*) from {relation} where {field} in "
                        f"(select {field} from {relation} group by {field} having count(*) > 1)"
                    ),
                )
            if rule["fk_table"]:
                fk_table, fk_field = rule["fk_table"], rule["fk_field"]
                if fk_table in columns:
                    missing = count(
                        f"select count(*) from {relation} as t where t.{field} is not null and not exists "
                        f"(select 1 from {table_schema(fk_table)}.{fk_table} as f where f.{fk_field} = t.{field})"
                    )
                else:
                    missing = count(f"select count(*) from {relation} where {field} is not null")
                add("isForeignKey", missing, rule["fk_threshold"])
            concept = f"{schema('vocabulary')}.concept"
            if rule["fk_domain"] and "concept" in columns:
                add(
                    "fkDomain",
                    count(
                        f"select count(*) from {relation} as t join {concept} as c on c.concept_id = t.{field} "
                        f"where c.concept_id <> 0 and c.domain_id <> '{rule['fk_domain']}'"
                    ),
                    rule["fk_domain_threshold"],
                )
            if rule["standard_valid_concept"] == "yes" and "concept" in columns:
                add(
                    "isStandardValidConcept",
                    count(
                        f"select count(*) from {relation} as t join {concept} as c on c.concept_id = t.{field} "
                        "where c.concept_id <> 0 and (c.standard_concept is null or c.standard_concept <> 'S' "
                        "or c.invalid_reason is not null)"
                    ),
                    rule["standard_valid_threshold"],
                )
            if rule["standard_record_completeness"] == "yes":
                # DQD counts a unit only where there is a number to carry it
                numeric_only = (
                    " and value_as_number is not null"
                    if field == "unit_concept_id" and "value_as_number" in columns[table]
                    else ""
                )
                add(
                    "standardConceptRecordCompleteness",
                    count(f"select count(*) from {relation} where {field} = 0{numeric_only}"),
                    rule["standard_record_completeness_threshold"],
                )
            for check, bound, threshold, operator in (
                ("plausibleValueLow", rule["plausible_low"], rule["plausible_low_threshold"], "<"),
                (
                    "plausibleValueHigh",
                    rule["plausible_high"],
                    rule["plausible_high_threshold"],
                    ">",
                ),
            ):
                if bound and _comparable(bound, sql_type):
                    add(
                        check,
                        count(
                            f"select count(*) from {relation} where {field} {operator} {_bound_sql(bound)}"
                        ),
                        threshold,
                    )
    return results


def _comparable(bound: str, sql_type: str) -> bool:
    """A column of the wrong type fails cdmDatatype; its values are not compared with a bound."""
    base_type = sql_type.split("(")[0].strip()
    if bound == "today+1" or re.fullmatch(r"\d{4}-\d{2}-\d{2}", bound):
        return base_type == "date" or base_type.startswith("timestamp")
    return base_type in NUMERIC_TYPES


def _bound_sql(bound: str) -> str:
    if bound == "today+1":
        return "current_date + 1"
    if bound == "this_year+1":
        return "extract(year from current_date) + 1"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", bound):
        return f"cast('{bound}' as date)"
    return str(float(bound))


def _datatype_violations(
    count, relation: str, field: str, datatype: str, sql_type: str, text_type: str
):
    """(violating rows, threshold, note) of the cdmDatatype check, with `integer`'s range."""
    base_type = sql_type.split("(")[0].strip()
    if datatype in ("integer", "int"):
        if base_type not in NUMERIC_TYPES:
            return count(f"select count(*) from {relation} where {field} is not null"), 0, sql_type
        low, high = INTEGER_RANGE
        whole = "" if base_type in INTEGER_TYPES else f" or {field} <> floor({field})"
        return (
            count(
                f"select count(*) from {relation} where {field} < {low} or {field} > {high}{whole}"
            ),
            0,
            "",
        )
    if datatype == "bigint" or datatype == "float":
        bad = base_type not in NUMERIC_TYPES
        return (
            (count(f"select count(*) from {relation} where {field} is not null") if bad else 0),
            0,
            sql_type,
        )
    if datatype == "date":
        bad = base_type not in ("date", "timestamp", "timestamp without time zone")
        return (
            (count(f"select count(*) from {relation} where {field} is not null") if bad else 0),
            0,
            sql_type,
        )
    if datatype == "datetime":
        bad = not base_type.startswith("timestamp")
        return (
            (count(f"select count(*) from {relation} where {field} is not null") if bad else 0),
            0,
            sql_type,
        )
    match = re.fullmatch(r"varchar\((\d+)\)", datatype.replace(" ", ""))
    if match:
        return (
            count(
                f"select count(*) from {relation} where length(cast({field} as {text_type})) > {match.group(1)}"
            ),
            0,
            "",
        )
    return 0, 0, ""


def failures(results: list[Result]) -> list[Result]:
    return [result for result in results if result.status == "fail"]
