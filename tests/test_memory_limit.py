"""DuckDB's memory bound (settings.DEFAULT_DUCKDB_MEMORY_LIMIT, OMOP_IMAGING_DUCKDB_MEMORY_LIMIT):
the harvest's connections and dbt's take the same bound, so a build's memory does not follow the
archive's size (issue 15.4)."""

from __future__ import annotations

import re

from build_helpers import omop_imaging
from conftest import REPO

from omop_imaging.database import open_duckdb
from omop_imaging.settings import DEFAULT_DUCKDB_MEMORY_LIMIT, DUCKDB_MEMORY_LIMIT_VARIABLE

# DuckDB reports a limit in binary units: '500MB' becomes '476.8 MiB'.
HALF_GIGABYTE = "476.8 MiB"


def test_profiles_default_is_the_package_default():
    """Plain dbt, which reads profiles.yml alone, starts from the package's default."""
    profiles = (REPO / "profiles.yml").read_text()
    defaults = re.findall(rf"env_var\('{DUCKDB_MEMORY_LIMIT_VARIABLE}', '([^']+)'\)", profiles)
    assert defaults == [DEFAULT_DUCKDB_MEMORY_LIMIT]


def test_store_connections_take_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv(DUCKDB_MEMORY_LIMIT_VARIABLE, "500MB")
    connection = open_duckdb(str(tmp_path / "limited.duckdb"), read_only=False)
    try:
        assert connection.execute("select current_setting('memory_limit')").fetchone() == (
            HALF_GIGABYTE,
        )
    finally:
        connection.close()


def test_dbt_connections_take_the_limit(tmp_path):
    shown = omop_imaging(
        "dbt",
        "--db",
        str(tmp_path / "limited.duckdb"),
        "show",
        "--inline",
        "select current_setting('memory_limit') as memory_limit",
        environ={DUCKDB_MEMORY_LIMIT_VARIABLE: "500MB"},
    )
    assert HALF_GIGABYTE in shown.stdout
