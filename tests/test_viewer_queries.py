"""The viewer's queries (omop_imaging.viewer.queries) on generated tables, without a browser:
filters select what plain SQL selects, user values are bound parameters, and PostgreSQL gives
the same answers as DuckDB on the same rows.

The tables come from scripts/bench_viewer.py's generator (a few thousand series)."""

from __future__ import annotations

import csv
import datetime
import importlib.util
import io

import duckdb
import pandas as pd
import pytest
from conftest import REPO

from omop_imaging.settings import relation
from omop_imaging.staging_schema import FILE_TABLE
from omop_imaging.viewer import display, queries
from omop_imaging.viewer.queries import NOT_RECORDED, SeriesFilter

SERIES = 3000
TABLES = [
    *(relation(role, name) for name, role in queries.TABLE_ROLES.items()),
    FILE_TABLE,
]
FILTERS = {
    "everything": SeriesFilter(),
    "mr head 2010s": SeriesFilter(
        date_from=datetime.date(2010, 1, 1),
        date_to=datetime.date(2019, 12, 31),
        modalities=("MR",),
        body_parts=("HEAD", "BRAIN"),
    ),
    "no modality or no body part": SeriesFilter(
        modalities=(NOT_RECORDED,), body_parts=(NOT_RECORDED, "CHEST")
    ),
    "ct axial with contrast, no localizer": SeriesFilter(
        modalities=("CT",),
        planes=("AXIAL",),
        contrasts=("WITH_CONTRAST",),
        exclude_localizers=True,
    ),
    "mr families": SeriesFilter(sequence_families=("T1W", "FLAIR"), protocols=("MR protocol 7",)),
}


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_viewer", REPO / "scripts/bench_viewer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("viewer_queries") / "generated.duckdb")
    _bench_module().generate(path, SERIES)
    return path


@pytest.fixture(scope="module")
def source(generated):
    with queries.open_source("duckdb", generated) as opened:
        yield opened


def _plain_sql_count(path: str, selection: SeriesFilter) -> int:
    """The same selection written out by hand, with literal values (trusted test data only)."""
    clauses = ["true"]
    if selection.date_from or selection.date_to:
        clauses.append("image_date_from_header")  # a series without a header date is in no range
    if selection.date_from:
        clauses.append(f"image_occurrence_date >= date '{selection.date_from}'")
    if selection.date_to:
        clauses.append(f"image_occurrence_date <= date '{selection.date_to}'")
    for attribute, column in queries.FILTER_COLUMNS.items():
        values = getattr(selection, attribute)
        if values:
            listed = [f"'{value}'" for value in values if value != NOT_RECORDED]
            either = [f"{column} in ({', '.join(listed)})"] if listed else []
            if NOT_RECORDED in values:
                either.append(f"{column} is null")
            clauses.append("(" + " or ".join(either) + ")")
    if selection.exclude_localizers:
        clauses.append("is_localizer is not true")
    with duckdb.connect(path, read_only=True) as connection:
        return connection.execute(
            f"select count(*) from imaging_marts.series_catalog where {' and '.join(clauses)}"
        ).fetchone()[0]


@pytest.mark.parametrize("name", list(FILTERS))
def test_filters_select_what_plain_sql_selects(generated, source, name):
    selection = FILTERS[name]
    expected = _plain_sql_count(generated, selection)
    counts = queries.selection_counts(source, selection)
    assert counts["series"] == expected
    page = queries.series_page(source, selection, 1, 50)
    assert len(page) == min(50, expected)
    assert list(page.columns) == queries.BROWSER_COLUMNS
    exported = list(csv.DictReader(io.StringIO(queries.export_csv(source, selection))))
    assert len(exported) == expected
    assert len({row["image_series_uid"] for row in exported}) == expected
    if selection.modalities == ("MR",):
        assert {row["modality"] for row in exported} == {"MR"}


def test_pages_cover_the_selection_once_in_order(source):
    selection = FILTERS["mr head 2010s"]
    total = queries.selection_counts(source, selection)["series"]
    pages = [queries.series_page(source, selection, page, 40) for page in range(1, total // 40 + 2)]
    uids = [uid for page in pages for uid in page["image_series_uid"]]
    assert len(uids) == len(set(uids)) == total
    dates = [date for page in pages for date in page["image_occurrence_date"]]
    assert dates == sorted(dates, reverse=True)


def test_export_is_capped(source):
    text = queries.export_csv(source, SeriesFilter(), limit=25)
    assert len(list(csv.DictReader(io.StringIO(text)))) == 25
    assert text.splitlines()[0].replace('"', "").split(",") == queries.EXPORT_COLUMNS


def test_user_values_are_bound_parameters_not_sql(source):
    hostile = "x' or '1'='1"
    selection = SeriesFilter(protocols=(hostile,), modalities=("MR'); drop table cdm.person; --",))
    assert queries.selection_counts(source, selection)["series"] == 0
    assert queries.totals(source)["persons"] > 0
    with pytest.raises(ValueError, match="unknown dimension"):
        queries.combinations(source, ["modality; drop table cdm.person"])


def test_aggregates_add_up(source):
    totals = queries.totals(source)
    assert totals["series"] == SERIES
    assert queries.by_year(source)["series"].sum() == SERIES
    assert queries.by_modality(source)["series"].sum() == SERIES
    frame = queries.combinations(source, ["modality", "body part"], 10_000)
    assert frame["series"].sum() == SERIES
    assert len(frame) == queries.combination_count(source, ["modality", "body part"])
    assert NOT_RECORDED in set(frame["modality"])
    options = queries.filter_options(source)
    assert set(options) == set(queries.FILTER_COLUMNS)
    assert "MR" in options["modalities"] and NOT_RECORDED in options["modalities"]
    status = queries.harvest_status(source)
    assert status["files"].sum() == queries.rejected_by_category(source)["files"].sum() + int(
        status.loc[status["status"] == "harvested", "files"].iloc[0]
    )


def _copy_to_postgres(duckdb_path: str) -> None:
    """The generated tables into the current PostgreSQL database (PGDATABASE), via CSV."""
    import psycopg2

    types = {"VARCHAR": "text", "DOUBLE": "double precision", "FLOAT": "real"}
    with duckdb.connect(duckdb_path, read_only=True) as source_db, psycopg2.connect("") as target:
        cursor = target.cursor()
        for schema in sorted({table.split(".")[0] for table in TABLES}):
            cursor.execute(f"create schema {schema}")
        for table in TABLES:
            schema, name = table.split(".")
            columns = source_db.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, name],
            ).fetchall()
            cursor.execute(
                f"create table {table} ("
                + ", ".join(f"{column} {types.get(kind, kind)}" for column, kind in columns)
                + ")"
            )
            rows = source_db.execute(f"select * from {table}").fetchall()
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in rows:
                writer.writerow(["\\N" if value is None else value for value in row])
            buffer.seek(0)
            cursor.copy_expert(f"copy {table} from stdin with (format csv, null '\\N')", buffer)


@pytest.mark.postgres
def test_postgres_gives_the_same_answers(generated, source, postgres_database):
    _copy_to_postgres(generated)
    with queries.open_source("postgres", "") as postgres:
        assert queries.totals(postgres) == queries.totals(source)
        for name in [
            "by_year",
            "by_modality",
            "coverage",
            "harvest_status",
            "unlinked_patients",
            "conformance_values",
        ]:
            ours, theirs = getattr(queries, name)(postgres), getattr(queries, name)(source)
            assert sorted(map(tuple, ours.map(str).values)) == sorted(
                map(tuple, theirs.map(str).values)
            ), name
        for name in ["top_protocols", "unmapped_protocols", "series_protocol_names"]:
            ours, theirs = (
                getattr(queries, name)(postgres, 10_000),
                getattr(queries, name)(source, 10_000),
            )
            assert (
                len(ours) == len(theirs) and ours.iloc[:, -1].sum() == theirs.iloc[:, -1].sum()
            ), name
        assert queries.protocol_summary(postgres) == queries.protocol_summary(source)
        dimensions = ["modality", "body part", "contrast", "localizer"]
        assert queries.combination_count(postgres, dimensions) == queries.combination_count(
            source, dimensions
        )
        ours = queries.combinations(postgres, dimensions, 10_000)
        theirs = queries.combinations(source, dimensions, 10_000)
        assert len(ours) == len(theirs) and ours["series"].sum() == SERIES
        assert ours["persons"].sum() == theirs["persons"].sum()
        assert queries.date_bounds(postgres) == queries.date_bounds(source)
        for attribute, values in queries.filter_options(postgres).items():
            assert sorted(values) == sorted(queries.filter_options(source)[attribute]), attribute
        for name, selection in FILTERS.items():
            assert queries.selection_counts(postgres, selection) == queries.selection_counts(
                source, selection
            ), name
            # the same page sizes; the order of equal dates may differ by the server's collation
            ours = queries.series_page(postgres, selection, 2, 30)
            assert len(ours) == len(queries.series_page(source, selection, 2, 30)), name
            exported = {
                row["image_series_uid"]
                for row in csv.DictReader(io.StringIO(queries.export_csv(postgres, selection)))
            }
            assert exported == {
                row["image_series_uid"]
                for row in csv.DictReader(io.StringIO(queries.export_csv(source, selection)))
            }, name


def test_series_without_a_header_date_are_no_year(generated, source):
    years = queries.by_year(source)
    with duckdb.connect(generated, read_only=True) as connection:
        undated = connection.execute(
            "select count(*) from imaging_marts.series_catalog where not image_date_from_header"
        ).fetchone()[0]
    assert undated > 0
    assert years["year"].isna().sum() == 1 and pd.isna(years["year"].iloc[-1]), "one row, last"
    assert years["series"].iloc[-1] == undated
    dated = years["year"].dropna()
    assert (dated == dated.round()).all() and dated.is_monotonic_increasing
    page = queries.series_page(source, SeriesFilter(), 1, SERIES)
    assert page["image_occurrence_date"].isna().sum() == undated, "the browser shows no date"
    assert (
        queries.selection_counts(source, SeriesFilter(date_from=datetime.date(1900, 1, 1)))[
            "series"
        ]
        == SERIES - undated
    ), "a date range holds dated series only"


def test_year_chart_is_a_time_axis_and_counts_in_whole_steps(source):
    spec = display.year_chart(queries.by_year(source), "studies").to_dict()
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert spec["encoding"]["x"]["timeUnit"] == "year"
    assert spec["encoding"]["y"]["axis"]["tickMinStep"] == 1
    assert spec["encoding"]["y"]["axis"]["format"] == ",d"
    years = [row["year_start"][:4] for row in next(iter(spec["datasets"].values()))]
    assert years == sorted(years) and len(years) == len(set(years)), "dated years, each once"


def test_empty_values_show_one_label_and_numbers_stay_numbers(source):
    shown = display.with_labels(queries.series_page(source, SeriesFilter(), 1, SERIES))
    text = ["modality", "body_part_examined", "manufacturer", "image_occurrence_date"]
    assert not shown[text].isna().any().any()
    assert all((shown[column] == NOT_RECORDED).any() for column in text)
    assert not shown[text].isin(["None", "nan", "NaT", ""]).any().any()
    assert pd.api.types.is_numeric_dtype(shown["instance_count"])


def test_text_columns_are_as_wide_as_their_longest_value(source):
    rows = display.with_labels(queries.series_page(source, SeriesFilter(), 1, 100))
    widths = display.column_widths(rows)
    for column in ["series_description", "image_series_uid", "manufacturer"]:
        longest = max(len(column), rows[column].str.len().max())
        assert widths[column] >= longest * display.CHARACTER_PIXELS, column
    assert max(widths.values()) <= display.MAX_COLUMN_PIXELS
