"""Whether a database's seed tables are those of the project's seed files, so a build loads seeds
only when they changed.

`dbt seed` reloads every seed on every run (the shipped DICOM vocabulary is megabytes of CSV),
although a nightly build almost never changes one. A fingerprint of what the seed tables are made
from (the seed files and their yml, dbt_project.yml, this package's version) is stored beside the
seeds, in `<seeds schema>.seed_load`, after a successful `dbt seed`: dropping that schema drops
the fingerprint with the tables, and the next build loads them again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import __version__
from .database import DatabaseNotReady, connect, query, table_exists
from .settings import project_dir, schema

SEED_LOAD_TABLE = "seed_load"


def seed_load_table() -> str:
    return f"{schema('seeds')}.{SEED_LOAD_TABLE}"


def seed_fingerprint(project: Path | None = None) -> str:
    """sha256 of every file under seeds/ (path and bytes), dbt_project.yml and the version."""
    project = project or project_dir()
    digest = hashlib.sha256(__version__.encode())
    inputs = sorted(path for path in (project / "seeds").rglob("*") if path.is_file())
    for path in [project / "dbt_project.yml", *inputs]:
        digest.update(str(path.relative_to(project)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def seeds_are_current(target: str, duckdb_path: str, fingerprint: str) -> bool:
    """True when the database's seed tables were loaded from files with this fingerprint."""
    try:
        with connect(target, duckdb_path) as connection:
            if not table_exists(connection, target, seed_load_table()):
                return False
            rows = query(connection, f"select fingerprint from {seed_load_table()}")
    except DatabaseNotReady:
        return False
    return [row[0] for row in rows] == [fingerprint]


def record_seed_load(target: str, duckdb_path: str, fingerprint: str) -> None:
    """Remember that the seed tables now hold the files of this fingerprint."""
    from .store import open_store

    store = open_store(target, duckdb_path)
    try:
        store.replace_rows(
            seed_load_table(),
            "fingerprint varchar(64) not null, loaded_at timestamp default current_timestamp",
            ["fingerprint"],
            [[fingerprint]],
        )
    finally:
        store.close()
