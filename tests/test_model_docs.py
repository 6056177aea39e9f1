"""Every model is described; every column of an output model is described, typed and contracted
(issue 13); Python reads outputs only, as the exposures of the CLI and the viewer declare."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from build_helpers import omop_imaging
from conftest import REPO

from omop_imaging.cohort import BUILT_IN
from omop_imaging.settings import schema
from omop_imaging.viewer.queries import TABLE_ROLES

# The folders of the output models (CDM, MI-CDM, R-CDM, vocabulary, quality, marts, ID maps) and
# the schema role each is built in.
OUTPUT_FOLDERS = {
    "cdm": "cdm",
    "rcdm": "cdm",
    "vocabulary": "vocabulary",
    "quality": "quality",
    "marts": "marts",
    "ids": "ids",
}


def parse(target_path: Path, dbt_vars: str | None = None) -> dict:
    """`dbt parse` into target_path; its manifest."""
    arguments = ["dbt", "parse", "--target-path", str(target_path)]
    if dbt_vars:
        arguments += ["--vars", dbt_vars]
    omop_imaging(*arguments, environ={"OMOP_IMAGING_DUCKDB": str(target_path / "parse.duckdb")})
    return json.loads((target_path / "manifest.json").read_text())


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    return parse(tmp_path_factory.mktemp("parse"))


def models(manifest: dict) -> list[dict]:
    return [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]


def folder(model: dict) -> str:
    return Path(model["original_file_path"]).parts[1]


def output_models(manifest: dict) -> list[dict]:
    return [model for model in models(manifest) if folder(model) in OUTPUT_FOLDERS]


def test_every_model_has_a_description(manifest):
    undescribed = sorted(
        model["original_file_path"]
        for model in models(manifest)
        if not model["description"].strip()
    )
    assert not undescribed, f"models without a description: {', '.join(undescribed)}"


def test_every_output_column_is_described_typed_and_contracted(manifest):
    outputs = output_models(manifest)
    assert {folder(model) for model in outputs} == set(OUTPUT_FOLDERS)
    problems = []
    for model in outputs:
        if not model["config"]["contract"]["enforced"]:
            problems.append(f"{model['name']}: contract not enforced")
        if not model["columns"]:
            problems.append(f"{model['name']}: no columns in the yml")
        for column in model["columns"].values():
            if not column["description"].strip():
                problems.append(f"{model['name']}.{column['name']}: no description")
            if not (column.get("data_type") or "").strip():
                problems.append(f"{model['name']}.{column['name']}: no data_type")
    assert not problems, "\n".join(problems)


def test_cdm_id_columns_follow_id_mode(manifest, tmp_path):
    """The ID type is defined once (var cdm_id_data_type): integer by default, bigint with hash IDs."""
    hashed = parse(tmp_path, "{id_mode: hash}")
    person_ids = {}
    for name, parsed in (("sequential", manifest), ("hash", hashed)):
        nodes = {model["name"]: model for model in models(parsed)}
        person_ids[name] = {
            nodes[table]["columns"]["person_id"]["data_type"]
            for table in ("person", "measurement", "image_occurrence", "series_catalog")
        }
    assert person_ids == {"sequential": {"integer"}, "hash": {"bigint"}}


def test_delivery_into_an_existing_cdm_parses_with_contracts(tmp_path):
    """With cdm_delivery existing_cdm the shared CDM tables are contracted incremental models."""
    delivered = parse(
        tmp_path, "{cdm_delivery: existing_cdm, vocabulary_schema: imaging_vocabulary}"
    )
    nodes = {model["name"]: model for model in models(delivered)}
    for table in ("person", "observation_period", "procedure_occurrence", "measurement"):
        config = nodes[table]["config"]
        assert config["materialized"] == "incremental", table
        assert config["contract"]["enforced"], table
        assert config["on_schema_change"] == "fail", table


def test_built_output_columns_are_the_yml_columns(manifest, demo_run):
    """The tables `omop-imaging demo` built hold exactly the columns their yml declares."""
    database, _completed = demo_run
    with duckdb.connect(database, read_only=True) as connection:
        built = {}
        for table_schema, table, column in connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
        ).fetchall():
            built.setdefault((table_schema, table), set()).add(column)
    problems = []
    for model in output_models(manifest):
        if not model["config"]["enabled"]:
            continue
        key = (schema(OUTPUT_FOLDERS[folder(model)]), model["alias"] or model["name"])
        declared = set(model["columns"])
        if key not in built:
            problems.append(f"{model['name']}: not built")
            continue
        for column in sorted(built[key] - declared):
            problems.append(f"{model['name']}.{column}: built but not in the yml")
        for column in sorted(declared - built[key]):
            problems.append(f"{model['name']}.{column}: in the yml but not built")
    assert not problems, "\n".join(problems)


def exposure_tables(manifest: dict, name: str) -> set[str]:
    exposure = manifest["exposures"][f"exposure.omop_imaging.{name}"]
    assert exposure["owner"]["name"] and exposure["description"].strip()
    return {node.split(".")[-1] for node in exposure["depends_on"]["nodes"]}


def test_exposures_name_what_python_reads(manifest):
    assert exposure_tables(manifest, "viewer") == set(TABLE_ROLES)
    assert exposure_tables(manifest, "cli_cohort") == {"series_catalog", *BUILT_IN.values()}
    assert exposure_tables(manifest, "cli_classify") == {"series_classification"}
    outputs = {model["name"] for model in output_models(manifest)}
    for name in ("cli_report", "cli_counts"):
        assert exposure_tables(manifest, name) <= outputs, name


def test_python_reads_no_staging_or_intermediate_model(manifest):
    """src/omop_imaging names no staging or intermediate model and no relation of those roles."""
    names = sorted(
        model["name"] for model in models(manifest) if folder(model) not in OUTPUT_FOLDERS
    )
    pattern = re.compile(
        r"""relation\(\s*["'](staging|intermediate)["']|\b(""" + "|".join(names) + r")\b"
    )
    readers = []
    for path in sorted((REPO / "src" / "omop_imaging").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if pattern.search(line):
                readers.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not readers, "\n".join(readers)


def readme_layout_paths() -> set[str]:
    """The paths README's Layout table names in its first column."""
    layout = (REPO / "README.md").read_text(encoding="utf-8").split("\n## Layout\n", 1)[1]
    rows = [line for line in layout.splitlines() if line.startswith("| `")]
    return {
        path.rstrip("/") for row in rows for path in re.findall(r"`([^`]+)`", row.split("|")[1])
    }


def test_readme_layout_lists_every_model_folder():
    folders = sorted(
        str(path.relative_to(REPO)) for path in (REPO / "models").rglob("*") if path.is_dir()
    )
    assert folders, "no model folder found"
    missing = [name for name in folders if name not in readme_layout_paths()]
    assert not missing, f"README's Layout table lacks {missing}"


MERMAID_ARROW = re.compile(r'\s*(?:-->|-\.->|-\.\s*"[^"]*"\s*\.->)\s*')
MERMAID_NODE = re.compile(r'^\s*(\w+)\[\(?"([^"<]+)')


def data_flow_edges(groups: set[str]) -> set[tuple[str, str]]:
    """The folder -> folder arrows of docs/data_flow.md, for the nodes whose label starts with
    one of `groups` (a model folder or a seed folder)."""
    text = (REPO / "docs" / "data_flow.md").read_text(encoding="utf-8")
    chart = text.split("```mermaid", 1)[1].split("```", 1)[0]
    labels = {}
    for line in chart.splitlines():
        node = MERMAID_NODE.match(line)
        if node and node.group(2).strip() in groups:
            labels[node.group(1)] = node.group(2).strip()
    edges = set()
    for line in chart.splitlines():
        sides = MERMAID_ARROW.split(line.strip())
        for upstream, downstream in zip(sides, sides[1:], strict=False):
            for source in upstream.split("&"):
                for target in downstream.split("&"):
                    source, target = source.strip(), target.strip()
                    if source in labels and target in labels:
                        edges.add((labels[source], labels[target]))
    return edges


def test_data_flow_picture_draws_the_refs_of_the_project(manifest):
    def group(unique_id: str) -> str | None:
        node = manifest["nodes"].get(unique_id)
        if node is None or node["resource_type"] not in ("model", "seed"):
            return None  # sources: the picture draws them, from outside the project
        parts = Path(node["original_file_path"]).parts
        return "/".join(parts[:2]) if node["resource_type"] == "seed" else "/".join(parts[1:-1])

    refs = set()
    for model in models(manifest):
        for upstream in model["depends_on"]["nodes"]:
            if (source := group(upstream)) and source != group(model["unique_id"]):
                refs.add((source, group(model["unique_id"])))
    drawn = data_flow_edges({name for pair in refs for name in pair})
    assert refs, "no ref between folders found"
    assert sorted(refs - drawn) == [], "refs docs/data_flow.md does not draw"
    assert sorted(drawn - refs) == [], "arrows of docs/data_flow.md that no ref makes"
