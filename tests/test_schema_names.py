"""Python names no schema itself: every statement takes it from settings.schema / relation, which
read the `<role>_schema` vars of dbt_project.yml as dbt does (issue 13)."""

from __future__ import annotations

import re

from conftest import REPO

from omop_imaging.settings import SCHEMA_ROLES, schema

# A schema-qualified relation right after an SQL keyword, e.g. "from cdm.person".
RELATION_AFTER_KEYWORD = (
    r"\b(?:from|join|update|insert into|delete from|create table|drop table)\s+{schema}\.\w"
)


def test_no_statement_in_the_package_names_a_schema():
    schemas = sorted({schema(role) for role in SCHEMA_ROLES})
    pattern = re.compile(
        RELATION_AFTER_KEYWORD.format(schema=f"(?:{'|'.join(map(re.escape, schemas))})"),
        re.IGNORECASE,
    )
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted((REPO / "src").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []


def test_the_pattern_finds_a_literal_schema():
    pattern = re.compile(RELATION_AFTER_KEYWORD.format(schema=re.escape(schema("cdm"))))
    assert pattern.search(f'f"select count(*) from {schema("cdm")}.person"')
