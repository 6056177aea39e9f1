"""Write src/omop_imaging/data/basic_profile.csv: DICOM PS3.15 Table E.1-1, the Basic Profile.

pydicom does not ship the table. Two packages parse it from the published standard:

- `dicom-anonymizer` 2.1.0 (Kitware, BSD-3-Clause), module
  dicomanonymizer.dicom_anonymization_databases.dicomfields_2026c: the Basic Profile action of
  every attribute of the 2026c edition (the newest: 652 attributes and 3 repeating-group masks);
- `dicom-standard` (Innolitics, MIT, a dev dependency), <prefix>/standard/
  confidentiality_profile_attributes.json: an older edition (432 attributes) that also has the
  option columns, among them "Retain Longitudinal Temporal Information with Modified Dates".

The CSV takes the actions from the first and marks `retain_modified_dates` = C where the second
says C, or, for the attributes only newer editions list, where the VR is DA, DT or TM.

    pip download --no-deps dicom-anonymizer==2.1.0 && unzip dicom_anonymizer-2.1.0-*.whl -d /tmp/da
    PYTHONPATH=/tmp/da .venv/bin/python scripts/extract_basic_profile.py
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from dicomanonymizer.dicom_anonymization_databases import dicomfields_2026c as edition
from pydicom.datadict import dictionary_VR, keyword_for_tag

OPTIONS = Path(sys.prefix) / "standard" / "confidentiality_profile_attributes.json"
TARGET = Path(__file__).resolve().parents[1] / "src" / "omop_imaging" / "data" / "basic_profile.csv"
CATEGORIES = {
    "D_TAGS": "D",
    "Z_TAGS": "Z",
    "X_TAGS": "X",
    "U_TAGS": "U",
    "Z_D_TAGS": "Z/D",
    "X_Z_TAGS": "X/Z",
    "X_D_TAGS": "X/D",
    "X_Z_D_TAGS": "X/Z/D",
    "X_Z_U_STAR_TAGS": "X/Z/U*",
}
# The masks dicom-anonymizer writes as (group, element, group mask, element mask).
MASKS = {
    (0x5000, 0x0000, 0xFF00, 0x0000): "50XXXXXX",
    (0x6000, 0x4000, 0xFF00, 0xFFFF): "60XX4000",
    (0x6000, 0x3000, 0xFF00, 0xFFFF): "60XX3000",
}


def rows() -> list[dict[str, str]]:
    older = {entry["id"].upper(): entry for entry in json.loads(OPTIONS.read_text())}
    result = []
    for category, action in CATEGORIES.items():
        for entry in getattr(edition, category):
            if len(entry) == 4:
                tag, keyword, vr = MASKS[entry], "", ""
            else:
                number = entry[0] << 16 | entry[1]
                tag, keyword = f"{number:08X}", keyword_for_tag(number) or ""
                try:
                    vr = dictionary_VR(number)
                except KeyError:
                    vr = ""
            option = older.get(tag, {}).get("rtnLongModifDatesOpt", "")
            if tag not in older and vr in ("DA", "DT", "TM"):
                option = "C"
            result.append(
                {
                    "tag": tag,
                    "keyword": keyword,
                    "basic_profile": action,
                    "retain_modified_dates": option,
                }
            )
    return sorted(result, key=lambda row: row["tag"])


def main() -> None:
    table = rows()
    with TARGET.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    print(f"wrote {TARGET}: {len(table)} attributes")


if __name__ == "__main__":
    main()
