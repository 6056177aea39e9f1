"""Prove a refactoring changes no output: build the demo at a git revision and at the working tree,
hash every output table and print equal / different per table (exit 1 on any difference).

    python scripts/compare_outputs.py --base main

Each side runs `omop-imaging demo` (harvest of the sample files, build with clinical_source=demo)
into a DuckDB file of its own, with that side's Python package and dbt project. The base revision
is checked out with `git worktree add --detach` into a temporary folder, removed afterwards.
A table's hash is order-independent: the sum of a hash of each row (its columns in name order), so
neither row order nor column order counts, but every value and duplicate rows do.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

REPOSITORY = Path(__file__).resolve().parents[1]
# the schema roles (dbt_project.yml vars <role>_schema) whose tables are the build's outputs:
# CDM, MI-CDM and R-CDM tables, the vocabulary, the marts and the quality tables
OUTPUT_ROLES = ("cdm_schema", "vocabulary_schema", "marts_schema", "quality_schema")
# columns that record when the build ran, so two builds differ there by design
BUILD_TIME_COLUMNS = frozenset(
    {
        "alg_datetime",
        "metadata_date",
        "metadata_datetime",
        "source_release_date",
        "cdm_release_date",
    }
)


def build_demo(tree: Path, database: Path) -> None:
    """`omop-imaging demo` with the package and the dbt project of `tree`."""
    environment = os.environ | {
        "PYTHONPATH": str(tree / "src"),
        "OMOP_IMAGING_PROJECT_DIR": str(tree),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        sys.executable,
        "-m",
        "omop_imaging.cli",
        "demo",
        "--db",
        str(database),
        "--no-progress",
    ]
    completed = subprocess.run(command, cwd=tree, env=environment, capture_output=True, text=True)
    if completed.returncode != 0:
        sys.exit(
            f"the demo build in {tree} failed ({completed.returncode}):\n{completed.stdout[-4000:]}"
        )


def output_schemas(tree: Path) -> set[str]:
    """The output schemas as that tree's dbt_project.yml names them."""
    import yaml

    project_vars = yaml.safe_load((tree / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    return {str(project_vars[role]) for role in OUTPUT_ROLES}


def table_hashes(database: Path, schemas: set[str]) -> dict[str, tuple[int, int]]:
    """'schema.table' -> (row count, order-independent hash of its rows)."""
    connection = duckdb.connect(str(database), read_only=True)
    try:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = any(?) order by 1, 2",
            [sorted(schemas)],
        ).fetchall()
        hashes = {}
        for schema, table in tables:
            columns = sorted(
                name
                for (name,) in connection.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
                if name not in BUILD_TIME_COLUMNS
            )
            row = ", ".join(f'"{column}"' for column in columns)
            count, total = connection.execute(
                f"select count(*), coalesce(sum(hash(cast(row({row}) as varchar))::hugeint), 0) "
                f'from "{schema}"."{table}"'
            ).fetchone()
            hashes[f"{schema}.{table}"] = (count, int(total))
        return hashes
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base", default="main", help="git revision to compare with (default main)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="compare_outputs_") as scratch:
        scratch = Path(scratch)
        base_tree = scratch / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base_tree), args.base],
            cwd=REPOSITORY,
            check=True,
            capture_output=True,
        )
        try:
            print(f"building the demo at {args.base} ...", flush=True)
            build_demo(base_tree, scratch / "base.duckdb")
            base = table_hashes(scratch / "base.duckdb", output_schemas(base_tree))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base_tree)], cwd=REPOSITORY, check=True
            )
        print("building the demo at the working tree ...", flush=True)
        build_demo(REPOSITORY, scratch / "work.duckdb")
        work = table_hashes(scratch / "work.duckdb", output_schemas(REPOSITORY))
    differences = 0
    width = max(map(len, base | work))
    for table in sorted(base | work):
        if table not in work:
            verdict = "only at base"
        elif table not in base:
            verdict = "only in the working tree"
        elif base[table] == work[table]:
            verdict = f"equal ({work[table][0]} rows)"
        else:
            verdict = f"DIFFERENT (rows {base[table][0]} -> {work[table][0]})"
        differences += not verdict.startswith("equal")
        print(f"{table:<{width}}  {verdict}")
    print(
        f"{len(base | work)} tables, {differences} different; not compared: {', '.join(sorted(BUILD_TIME_COLUMNS))}"
    )
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
