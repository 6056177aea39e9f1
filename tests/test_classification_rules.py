"""The classifier's rule tables (seeds/classification/*_rule.csv) and the models that apply them
agree: every rule of a seed has a condition in its model, and every condition a rule (issue 13)."""

from __future__ import annotations

import csv
import re

import pytest
from conftest import REPO

CLASSIFICATION_MODELS = REPO / "models" / "intermediate" / "classification"
# rule seed -> the model that applies it
RULE_TABLES = {
    "sequence_family_rule": "int_classification__series_sequence_family",
    "contrast_rule": "int_classification__series_contrast",
}
# The model's Jinja dict of conditions by rule name: {%- set rule_conditions = { ... } -%}
CONDITIONS_BLOCK = re.compile(r"\{%-?\s*set rule_conditions = \{(?P<body>.*?)\}\s*-?%\}", re.DOTALL)
CONDITION_NAME = re.compile(r"^\s*'(?P<name>\w+)':", re.MULTILINE)


def condition_names(model: str) -> list[str]:
    sql = (CLASSIFICATION_MODELS / f"{model}.sql").read_text(encoding="utf-8")
    block = CONDITIONS_BLOCK.search(sql)
    assert block, f"{model}.sql has no rule_conditions"
    return CONDITION_NAME.findall(block.group("body"))


def rule_names(seed: str) -> list[str]:
    with (REPO / "seeds" / "classification" / f"{seed}.csv").open(encoding="utf-8") as handle:
        return [row["rule_name"] for row in csv.DictReader(handle)]


@pytest.mark.parametrize("seed", sorted(RULE_TABLES))
def test_every_rule_has_a_condition_and_every_condition_a_rule(seed):
    conditions = condition_names(RULE_TABLES[seed])
    assert len(conditions) == len(set(conditions)), "a rule name has two conditions"
    rules = set(rule_names(seed))
    assert sorted(rules - set(conditions)) == [], "rules without a condition in the model"
    assert sorted(set(conditions) - rules) == [], "conditions no rule of the seed applies"


def test_the_model_conditions_are_found():
    """The parser reads the conditions themselves, not an empty block (the check above could not
    fail otherwise): the sequence family model has a condition for its catch-all rule."""
    names = condition_names(RULE_TABLES["sequence_family_rule"])
    assert "nothing" in names and "t1_inversion_time" in names and len(names) > 20
