"""Derive the project's machine-readable copy of the field-level rules it conforms to.

Reads the published field-level specifications (a folder holding the files listed in SOURCES;
the project keeps its derived copy, users need no such folder) and writes
src/omop_imaging/data/conformance_rules.csv: one row per (table, field) with the checks the
conformance checker (omop_imaging.conformance) runs and their thresholds.

- OMOP CDM v5.4: OHDSI/DataQualityDashboard inst/csv/OMOP_CDMv5.4_Field_Level.csv (the CDM's
  field-level table plus DQD's checks and thresholds, percent of rows).
- MI-CDM: OHDSI/ImageWG inst/csv/new_csv/OMOP_CDM_Medical_Imaging_Ex_Field_Level.csv (no
  thresholds of its own: 0).
- R-CDM: the 2022 paper's Tables 1 and 2 (Park et al., Yonsei Med J 2022;63(Suppl):S74), as
  transcribed into RCDM_2022_Field_Level.csv (thresholds 0).

    .venv/bin/python scripts/derive_conformance_rules.py /path/to/cdm-spec
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

OUT = (
    Path(__file__).resolve().parents[1] / "src" / "omop_imaging" / "data" / "conformance_rules.csv"
)
SOURCES = {
    "DQD_OMOP_CDMv5.4_Field_Level.csv": "OHDSI/DataQualityDashboard inst/csv/OMOP_CDMv5.4_Field_Level.csv@2f81ca9",
    "MICDM_Field_Level.csv": "OHDSI/ImageWG inst/csv/new_csv/OMOP_CDM_Medical_Imaging_Ex_Field_Level.csv@8f0a19b",
    "RCDM_2022_Field_Level.csv": "R-CDM 2022 paper Tables 1-2 (PMC8790584), transcribed",
}
COLUMNS = [
    "table_name",
    "field_name",
    "is_required",
    "required_threshold",
    "datatype",
    "is_primary_key",
    "fk_table",
    "fk_field",
    "fk_threshold",
    "fk_domain",
    "fk_domain_threshold",
    "standard_valid_concept",
    "standard_valid_threshold",
    "standard_record_completeness",
    "standard_record_completeness_threshold",
    "plausible_low",
    "plausible_low_threshold",
    "plausible_high",
    "plausible_high_threshold",
    "source",
]


def _clean(value: str | None) -> str:
    value = (value or "").strip()
    return "" if value in ("NA", "") else value


def _yes(value: str | None) -> str:
    return "yes" if _clean(value).lower() == "yes" else "no"


def _threshold(value: str | None) -> str:
    return _clean(value) or "0"


def _bound(value: str | None) -> str:
    """DQD's bounds as the checker reads them: a date 'YYYY-MM-DD', a number, or 'today' / 'this_year'."""
    value = _clean(value).strip("'")
    if not value:
        return ""
    if value.startswith("DATEADD(dd,1,GETDATE())"):
        return "today+1"
    if value.startswith("YEAR(GETDATE())+1"):
        return "this_year+1"
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def dqd_rows(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "table_name": row["cdmTableName"].strip().lower(),
                    "field_name": row["cdmFieldName"].strip().lower(),
                    "is_required": _yes(row["isRequired"]),
                    "required_threshold": _threshold(row["isRequiredThreshold"]),
                    "datatype": _clean(row["cdmDatatype"]).lower(),
                    "is_primary_key": _yes(row["isPrimaryKey"]),
                    "fk_table": _clean(row["fkTableName"]).lower()
                    if _yes(row["isForeignKey"]) == "yes"
                    else "",
                    "fk_field": _clean(row["fkFieldName"]).lower()
                    if _yes(row["isForeignKey"]) == "yes"
                    else "",
                    "fk_threshold": _threshold(row["isForeignKeyThreshold"]),
                    "fk_domain": _clean(row["fkDomain"]),
                    "fk_domain_threshold": _threshold(row["fkDomainThreshold"]),
                    "standard_valid_concept": _yes(row["isStandardValidConcept"]),
                    "standard_valid_threshold": _threshold(row["isStandardValidConceptThreshold"]),
                    "standard_record_completeness": _yes(row["standardConceptRecordCompleteness"]),
                    "standard_record_completeness_threshold": _threshold(
                        row["standardConceptRecordCompletenessThreshold"]
                    ),
                    "plausible_low": _bound(row["plausibleValueLow"]),
                    "plausible_low_threshold": _threshold(row["plausibleValueLowThreshold"]),
                    "plausible_high": _bound(row["plausibleValueHigh"]),
                    "plausible_high_threshold": _threshold(row["plausibleValueHighThreshold"]),
                    "source": SOURCES[path.name],
                }
            )
    return rows


def extension_rows(path: Path) -> list[dict]:
    """MI-CDM / R-CDM field-level files: the same structure minus DQD's checks (thresholds 0)."""
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [name.strip() for name in reader.fieldnames]
        for row in reader:
            is_fk = _yes(row["isForeignKey"]) == "yes"
            rows.append(
                {
                    "table_name": row["cdmTableName"].strip().lower(),
                    "field_name": row["cdmFieldName"].strip().lower(),
                    "is_required": _yes(row["isRequired"]),
                    "required_threshold": "0",
                    "datatype": _clean(row["cdmDatatype"]).lower(),
                    "is_primary_key": _yes(row["isPrimaryKey"]),
                    "fk_table": _clean(row["fkTableName"]).lower() if is_fk else "",
                    "fk_field": _clean(row.get("fkFieldName") or row.get("fkFrieldName")).lower()
                    if is_fk
                    else "",
                    "fk_threshold": "0",
                    "fk_domain": _clean(row["fkDomain"]),
                    "fk_domain_threshold": "0",
                    "standard_valid_concept": "no",
                    "standard_valid_threshold": "0",
                    "standard_record_completeness": "no",
                    "standard_record_completeness_threshold": "0",
                    "plausible_low": "",
                    "plausible_low_threshold": "0",
                    "plausible_high": "",
                    "plausible_high_threshold": "0",
                    "source": SOURCES[path.name],
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec_folder", type=Path, help="folder holding the field-level files")
    args = parser.parse_args()
    rows = dqd_rows(args.spec_folder / "DQD_OMOP_CDMv5.4_Field_Level.csv")
    for name in ("MICDM_Field_Level.csv", "RCDM_2022_Field_Level.csv"):
        rows += extension_rows(args.spec_folder / name)
    rows.sort(key=lambda row: (row["table_name"], row["field_name"]))
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{OUT}: {len(rows)} fields")


if __name__ == "__main__":
    main()
