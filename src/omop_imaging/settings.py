"""Where things are: the DuckDB file, the dbt project, the sample data; one place for each."""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

DEFAULT_DUCKDB = "data/omop_imaging.duckdb"
TARGETS = ("duckdb", "postgres", "spark")
# DuckDB's memory bound for the harvest's loads and dbt's builds (DuckDB spills to disk beyond it),
# so a build's memory does not grow with the archive; its own default would be 80 % of the RAM.
# profiles.yml gives dbt the same default (tests/test_plain_dbt.py keeps the two equal).
DUCKDB_MEMORY_LIMIT_VARIABLE = "OMOP_IMAGING_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT = "4GB"


def duckdb_path(explicit: str | None = None) -> str:
    """--db, else OMOP_IMAGING_DUCKDB, else data/omop_imaging.duckdb (relative to the working dir)."""
    path = Path(explicit or os.environ.get("OMOP_IMAGING_DUCKDB") or DEFAULT_DUCKDB)
    return str(path.expanduser().resolve())


def duckdb_memory_limit() -> str:
    """OMOP_IMAGING_DUCKDB_MEMORY_LIMIT (DuckDB's notation: '2GB', '500MB'), else 4GB."""
    limit = os.environ.get(DUCKDB_MEMORY_LIMIT_VARIABLE) or DEFAULT_DUCKDB_MEMORY_LIMIT
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)? ?[KMGT]i?B", limit):
        raise SystemExit(
            f"omop-imaging: {DUCKDB_MEMORY_LIMIT_VARIABLE}={limit!r} is not a size such as 4GB or "
            "500MB: set it to one"
        )
    return limit


def project_dir() -> Path:
    """The dbt project: OMOP_IMAGING_PROJECT_DIR, else the checkout this package was installed from."""
    explicit = os.environ.get("OMOP_IMAGING_PROJECT_DIR")
    if explicit:
        return Path(explicit).resolve()
    for candidate in [Path(__file__).resolve().parents[2], Path.cwd()]:
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    raise SystemExit(
        "omop-imaging: cannot find the dbt project (dbt_project.yml); "
        "set OMOP_IMAGING_PROJECT_DIR to the omop-imaging checkout"
    )


@functools.cache
def project_vars() -> dict:
    """The vars of dbt_project.yml: the one definition dbt and this package both read."""
    import yaml

    with open(project_dir() / "dbt_project.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)["vars"]


SCHEMA_ROLES = (
    "cdm",
    "vocabulary",
    "dicom_raw",
    "staging",
    "intermediate",
    "seeds",
    "quality",
    "marts",
    "ids",
)


def schema(role: str) -> str:
    """The schema of a role (cdm, vocabulary, dicom_raw, staging, intermediate, seeds, quality,
    marts): dbt_project.yml's var `<role>_schema`, so Python and dbt name the same schema."""
    return str(project_vars()[f"{role}_schema"])


def relation(role: str, table: str) -> str:
    """schema.table for a table of a role, e.g. relation('quality', 'etl_coverage')."""
    return f"{schema(role)}.{table}"


def sample_dicom_folders() -> list[str]:
    """Folders of real DICOM files shipped by pydicom and the pydicom-data package."""
    import pydicom.data

    folders = [Path(pydicom.data.__file__).parent / "test_files"]
    try:
        import data_store  # the import name of the pydicom-data package

        folders.append(Path(data_store.__file__).parent / "data")
    except ImportError:
        pass
    return [str(folder) for folder in folders if folder.is_dir()]
