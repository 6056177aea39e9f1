"""Whether the models built by scope (macros/build_scope.sql) were built by the current rules, so
that a build may rebuild only the series the harvest touched.

Those models keep the rows of earlier builds, which are right only while what made them is
unchanged: the dbt project (models, macros, seeds, dbt_project.yml, this package's version) and
the database's settings. A fingerprint of both is stored beside the models
(`<intermediate schema>.build_rules`) after a successful build; a build whose fingerprint differs
(a rule, a seed or a setting changed, or the first build) rebuilds every model (dbt
--full-refresh). Dropping the intermediate schema drops it with the models.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .database import DatabaseNotReady, connect, query, table_exists
from .seed_state import (
    add_files,
    files_below,
    record_fingerprint,
    seed_fingerprint,
    stored_fingerprint,
)
from .settings import project_dir, schema
from .staging_schema import SETTING_TABLE

BUILD_RULES_TABLE = "build_rules"


def build_rules_table() -> str:
    return f"{schema('intermediate')}.{BUILD_RULES_TABLE}"


def rules_fingerprint(target: str, duckdb_path: str, project: Path | None = None) -> str:
    """sha256 of the seed fingerprint, every file under models/ and macros/, and the settings."""
    project = project or project_dir()
    digest = hashlib.sha256(seed_fingerprint(project).encode())
    add_files(digest, project, [*files_below(project / "models"), *files_below(project / "macros")])
    for name, value in _settings_rows(target, duckdb_path):
        digest.update(f"{name}={value}\0".encode())
    return digest.hexdigest()


def rules_are_current(target: str, duckdb_path: str, fingerprint: str) -> bool:
    return stored_fingerprint(target, duckdb_path, build_rules_table()) == fingerprint


def record_rules(target: str, duckdb_path: str, fingerprint: str) -> None:
    """Remember that the models were built by the rules of this fingerprint."""
    record_fingerprint(target, duckdb_path, build_rules_table(), fingerprint)


def _settings_rows(target: str, duckdb_path: str) -> list[tuple]:
    try:
        with connect(target, duckdb_path) as connection:
            if not table_exists(connection, target, SETTING_TABLE):
                return []
            return query(connection, f"select name, value from {SETTING_TABLE} order by name")
    except DatabaseNotReady:
        return []
