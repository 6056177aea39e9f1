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
    add_files(digest, project, [project / "dbt_project.yml", *files_below(project / "seeds")])
    return digest.hexdigest()


def files_below(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def add_files(digest, project: Path, paths: list[Path]) -> None:
    """Feed each file's path (relative to the project) and bytes to a hash."""
    for path in paths:
        digest.update(str(path.relative_to(project)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")


def seeds_are_current(target: str, duckdb_path: str, fingerprint: str) -> bool:
    """True when the database's seed tables were loaded from files with this fingerprint."""
    return stored_fingerprint(target, duckdb_path, seed_load_table()) == fingerprint


def stored_fingerprint(target: str, duckdb_path: str, table: str) -> str | None:
    """The fingerprint a one-row bookkeeping table holds, None when it holds none."""
    try:
        with connect(target, duckdb_path) as connection:
            if not table_exists(connection, target, table):
                return None
            rows = query(connection, f"select fingerprint from {table}")
    except DatabaseNotReady:
        return None
    return rows[0][0] if len(rows) == 1 else None


def record_seed_load(target: str, duckdb_path: str, fingerprint: str) -> None:
    """Remember that the seed tables now hold the files of this fingerprint."""
    record_fingerprint(target, duckdb_path, seed_load_table(), fingerprint)


def record_fingerprint(target: str, duckdb_path: str, table: str, fingerprint: str) -> None:
    """Make a one-row bookkeeping table hold this fingerprint (created when missing)."""
    from .store import open_store

    store = open_store(target, duckdb_path)
    try:
        store.replace_rows(
            table,
            "fingerprint varchar(64) not null, loaded_at timestamp default current_timestamp",
            ["fingerprint"],
            [[fingerprint]],
        )
    finally:
        store.close()
