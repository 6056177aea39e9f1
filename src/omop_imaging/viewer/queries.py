"""Every SQL statement of the web viewer, for DuckDB and PostgreSQL alike.

The pages call these functions and draw what they return; nothing here knows about Streamlit,
so the benchmark (scripts/bench_viewer.py) times exactly what the pages run. Rules:

- aggregation happens in the database (group by, count, limit); only summary rows, one page of
  series or a capped export come back to Python;
- every value a user chooses reaches the database as a bound parameter (statements say `?`;
  database.Database gives each engine its placeholder); column names come only from the fixed
  lists below, never from user text;
- connections are read-only (DuckDB `read_only=True`, a read-only PostgreSQL session).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..database import Database, connect
from ..settings import relation
from ..staging_schema import FILE_TABLE

# The schema role (settings.schema) of each table the viewer reads.
TABLE_ROLES = {
    "person": "cdm",
    "radiology_occurrence": "cdm",
    "concept": "vocabulary",
    "series_catalog": "marts",
    "radiology_unmapped_protocols": "quality",
    "etl_coverage": "quality",
    "unlinked_patients": "quality",
    "header_value_conformance": "quality",
}

# A filter value standing for NULL ("the header did not say").
NOT_RECORDED = "(not recorded)"

# Columns of series_catalog a user may group by on the combinations page: label -> column.
COMBINATION_DIMENSIONS = {
    "modality": "modality",
    "body part": "body_part_examined",
    "manufacturer": "manufacturer",
    "protocol name": "protocol_name",
    "series description": "series_description",
    "image plane": "image_plane",
    "contrast": "contrast_status",
    "MR sequence family": "sequence_family",
    "volumetric": "is_volumetric",
    "localizer": "is_localizer",
}

# Filters of the series browser: attribute of SeriesFilter -> column of series_catalog.
FILTER_COLUMNS = {
    "modalities": "modality",
    "body_parts": "body_part_examined",
    "protocols": "protocol_name",
    "planes": "image_plane",
    "contrasts": "contrast_status",
    "sequence_families": "sequence_family",
}

# What the series browser shows per row and what the CSV export holds.
BROWSER_COLUMNS = [
    "image_occurrence_date",
    "modality",
    "body_part_examined",
    "protocol_name",
    "series_description",
    "manufacturer",
    "image_plane",
    "contrast_status",
    "sequence_family",
    "instance_count",
    "person_id",
    "image_study_uid",
    "image_series_uid",
    "local_path",
    "wadors_uri",
]
# The browser shows no date (NULL, labelled as not recorded) where the header held none: the file
# date that stands in for it in IMAGE_OCCURRENCE is no image date.
BROWSER_EXPRESSIONS = {
    "image_occurrence_date": "case when image_date_from_header then image_occurrence_date end "
    "as image_occurrence_date",
}
EXPORT_COLUMNS = [
    "person_id",
    "image_occurrence_date",
    "image_study_uid",
    "image_series_uid",
    "modality",
    "body_part_examined",
    "protocol_name",
    "series_description",
    "image_plane",
    "contrast_status",
    "sequence_family",
    "instance_count",
    "local_path",
    "wadors_uri",
]
# Rows the CSV export holds at most; past it the page says so and names the command for the rest.
EXPORT_LIMIT = 200_000
# Distinct values a filter offers (the most frequent first).
OPTION_LIMIT = 500


@dataclass(frozen=True)
class Source:
    """An open read-only connection and how to write SQL for it."""

    connection: Any  # a DuckDB or psycopg2 connection
    target: str

    @property
    def database(self) -> Database:
        return Database(self.target)

    def table(self, name: str) -> str:
        return relation(TABLE_ROLES[name], name)

    def sql(self, text: str) -> str:
        """Write statements with `?`; each engine gets its own placeholder (Database.sql)."""
        return self.database.sql(text)

    def frame(self, text: str, parameters: list | tuple = ()) -> pd.DataFrame:
        cursor = self.connection.cursor()
        cursor.execute(self.sql(text), list(parameters))
        columns = [description[0] for description in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)

    def one(self, text: str, parameters: list | tuple = ()) -> tuple:
        cursor = self.connection.cursor()
        cursor.execute(self.sql(text), list(parameters))
        return cursor.fetchone()


@contextmanager
def open_source(target: str, duckdb_path: str) -> Iterator[Source]:
    """A read-only Source; a missing database or table raises database.DatabaseNotReady."""
    with connect(target, duckdb_path) as connection:
        if target != "duckdb":
            connection.set_session(readonly=True, autocommit=True)
        yield Source(connection, target)


# -- overview -----------------------------------------------------------------------------------


def totals(source: Source) -> dict:
    """Persons (in PERSON and with images), studies, series, images, first and last image date."""
    row = source.one(
        f"""
        select
            (select count(*) from {source.table("person")}) as persons,
            count(distinct person_id) as imaged_persons,
            count(distinct image_study_uid) as studies,
            count(*) as series,
            coalesce(sum(instance_count), 0) as images,
            min(case when image_date_from_header then image_occurrence_date end) as first_date,
            max(case when image_date_from_header then image_occurrence_date end) as last_date
        from {source.table("series_catalog")}
        """
    )
    names = ["persons", "imaged_persons", "studies", "series", "images", "first_date", "last_date"]
    return dict(zip(names, row, strict=True))


def by_year(source: Source) -> pd.DataFrame:
    """Studies, series and images per year of the image date; year NULL (last) for the series
    whose header holds no date (their image_occurrence_date is only the file's date)."""
    return source.frame(
        f"""
        select
            case when image_date_from_header
                then cast(extract(year from image_occurrence_date) as integer) end as year,
            count(distinct image_study_uid) as studies,
            count(*) as series,
            coalesce(sum(instance_count), 0) as images
        from {source.table("series_catalog")}
        group by 1
        order by 1 nulls last
        """
    )


def by_modality(source: Source) -> pd.DataFrame:
    """Studies, series and images per modality (a study counts once under each of its modalities)."""
    return source.frame(
        f"""
        select
            coalesce(modality, ?) as modality,
            count(distinct image_study_uid) as studies,
            count(*) as series,
            coalesce(sum(instance_count), 0) as images
        from {source.table("series_catalog")}
        group by 1
        order by series desc, modality
        """,
        [NOT_RECORDED],
    )


# -- protocols ----------------------------------------------------------------------------------


def protocol_summary(source: Source) -> dict:
    """Studies in all, with a protocol text, and with a mapped protocol concept."""
    row = source.one(
        f"""
        select
            count(*) as studies,
            count(protocol_source_value) as with_protocol,
            sum(case when coalesce(protocol_concept_id, 0) <> 0 then 1 else 0 end) as mapped
        from {source.table("radiology_occurrence")}
        """
    )
    return dict(zip(["studies", "with_protocol", "mapped"], row, strict=True))


def top_protocols(source: Source, limit: int = 25) -> pd.DataFrame:
    """The most frequent study protocol texts (R-CDM protocol_source_value) with their concept if
    mapped; studies without a protocol text are counted by protocol_summary."""
    return source.frame(
        f"""
        select
            occurrences.protocol_source_value as protocol,
            coalesce(occurrences.modality, ?) as modality,
            count(*) as studies,
            coalesce(sum(occurrences.count_of_images), 0) as images,
            coalesce(occurrences.protocol_concept_id, 0) as protocol_concept_id,
            max(concepts.concept_name) as protocol_concept_name
        from {source.table("radiology_occurrence")} as occurrences
        left join {source.table("concept")} as concepts
            on occurrences.protocol_concept_id = concepts.concept_id
            and occurrences.protocol_concept_id <> 0
        where occurrences.protocol_source_value is not null
        group by 1, 2, 5
        order by studies desc, protocol, modality
        limit ?
        """,
        [NOT_RECORDED, int(limit)],
    )


def unmapped_protocols(source: Source, limit: int = 25) -> pd.DataFrame:
    """Protocol texts no protocol_map row maps, most frequent first (what to map next); studies
    without any protocol text are left out (nothing to map)."""
    return source.frame(
        f"""
        select
            protocol_source_value as protocol,
            coalesce(modality, ?) as modality,
            coalesce(body_part_examined, ?) as body_part,
            study_count as studies
        from {source.table("radiology_unmapped_protocols")}
        where protocol_source_value is not null
        order by study_count desc, protocol, modality, body_part
        limit ?
        """,
        [NOT_RECORDED, NOT_RECORDED, int(limit)],
    )


def series_protocol_names(source: Source, limit: int = 25) -> pd.DataFrame:
    """The most frequent series-level Protocol Name (0018,1030) values."""
    return source.frame(
        f"""
        select
            protocol_name,
            coalesce(modality, ?) as modality,
            count(*) as series,
            count(distinct image_study_uid) as studies
        from {source.table("series_catalog")}
        where protocol_name is not null
        group by 1, 2
        order by series desc, protocol_name, modality
        limit ?
        """,
        [NOT_RECORDED, int(limit)],
    )


# -- metadata combinations ----------------------------------------------------------------------


def combinations(source: Source, dimensions: list[str], limit: int = 100) -> pd.DataFrame:
    """Persons, studies, series and images per combination of the chosen dimensions (labels of
    COMBINATION_DIMENSIONS), most series first. Grouped on the raw columns; NULL becomes
    NOT_RECORDED only on the rows returned (a cast inside the grouping costs ~40 % at 1 M series)."""
    columns = _dimension_columns(dimensions)
    listed = ", ".join(columns)
    shown = ", ".join(
        f"coalesce(cast({column} as {_text(source)}), ?) as {column}" for column in columns
    )
    return source.frame(
        f"""
        with combinations as (
            select
                {listed},
                count(distinct person_id) as persons,
                count(distinct image_study_uid) as studies,
                count(*) as series,
                coalesce(sum(instance_count), 0) as images
            from {source.table("series_catalog")}
            group by {listed}
        )
        select {shown}, persons, studies, series, images
        from combinations
        order by series desc, {listed}
        limit ?
        """,
        [NOT_RECORDED] * len(columns) + [int(limit)],
    )


def combination_count(source: Source, dimensions: list[str]) -> int:
    """How many distinct combinations of the chosen dimensions there are."""
    columns = ", ".join(_dimension_columns(dimensions))
    return source.one(
        f"select count(*) from (select {columns} from {source.table('series_catalog')} "
        f"group by {columns}) as combinations"
    )[0]


def _dimension_columns(dimensions: list[str]) -> list[str]:
    if not dimensions:
        raise ValueError("choose at least one dimension")
    unknown = [label for label in dimensions if label not in COMBINATION_DIMENSIONS]
    if unknown:
        raise ValueError(f"unknown dimension(s): {', '.join(unknown)}")
    return [COMBINATION_DIMENSIONS[label] for label in dimensions]


def _text(source: Source) -> str:
    return source.database.engine.text_type


# -- data quality -------------------------------------------------------------------------------


def coverage(source: Source) -> pd.DataFrame:
    """The ETL coverage report (model etl_coverage), as `omop-imaging report` prints it."""
    return source.frame(
        f"""
        select table_name, column_name, row_count, mapped_count, unmapped_count,
            cast(mapped_percent as double precision) as mapped_percent
        from {source.table("etl_coverage")}
        order by table_name, column_name
        """
    )


def harvest_status(source: Source) -> pd.DataFrame:
    """Files seen by the harvest, harvested and rejected."""
    return source.frame(
        f"select status, count(*) as files from {FILE_TABLE} group by status order by status"
    )


def rejected_by_category(source: Source) -> pd.DataFrame:
    return source.frame(
        f"""
        select coalesce(reject_category, ?) as category, count(*) as files
        from {FILE_TABLE}
        where status = 'rejected'
        group by 1
        order by files desc, category
        """,
        [NOT_RECORDED],
    )


def rejected_by_reason(source: Source, limit: int = 25) -> pd.DataFrame:
    """The most frequent reject reasons (the harvester writes reasons that name no patient data)."""
    return source.frame(
        f"""
        select coalesce(reject_category, ?) as category, reject_reason as reason, count(*) as files
        from {FILE_TABLE}
        where status = 'rejected'
        group by 1, 2
        order by files desc, category, reason
        limit ?
        """,
        [NOT_RECORDED, int(limit)],
    )


def unlinked_patients(source: Source) -> pd.DataFrame:
    """DICOM patients no clinical person matched, counted by what the policy did (no identifiers)."""
    return source.frame(
        f"""
        select link_method, count(*) as patients, coalesce(sum(study_count), 0) as studies,
            coalesce(sum(series_count), 0) as series
        from {source.table("unlinked_patients")}
        group by link_method
        order by link_method
        """
    )


def conformance_values(source: Source, limit: int = 200) -> pd.DataFrame:
    """Header values outside their attribute's PS3.3 value set (model header_value_conformance),
    errors (outside Enumerated Values) first; codes only, never free text."""
    return source.frame(
        f"""
        select finding, tag, attribute_name, value_code, coding_scheme_designator, manufacturer,
            series_count
        from {source.table("header_value_conformance")}
        order by finding desc, series_count desc, tag, value_code, manufacturer
        limit ?
        """,
        [int(limit)],
    )


def classification_gaps(source: Source) -> pd.DataFrame:
    """Series the header classifier left without a plane, a contrast status or (MR) a family."""
    return source.frame(
        f"""
        select
            coalesce(modality, ?) as modality,
            count(*) as series,
            sum(case when image_plane is null then 1 else 0 end) as without_plane,
            sum(case when contrast_status is null or contrast_status = 'CONTRAST_UNKNOWN'
                then 1 else 0 end) as contrast_unknown,
            sum(case when modality = 'MR' and sequence_family is null then 1 else 0 end)
                as mr_without_family
        from {source.table("series_catalog")}
        group by 1
        order by series desc, modality
        """,
        [NOT_RECORDED],
    )


# -- series browser -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesFilter:
    """What the series browser selects by; empty means 'any'. NOT_RECORDED selects NULL."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    modalities: tuple[str, ...] = ()
    body_parts: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ()
    planes: tuple[str, ...] = ()
    contrasts: tuple[str, ...] = ()
    sequence_families: tuple[str, ...] = ()
    exclude_localizers: bool = False

    def where(self) -> tuple[str, list]:
        """A WHERE clause with `?` marks and its parameters."""
        clauses: list[str] = []
        parameters: list = []
        # a date range selects dated images: a series whose header holds no date is in none
        if self.date_from is not None:
            clauses.append("image_date_from_header and image_occurrence_date >= ?")
            parameters.append(self.date_from)
        if self.date_to is not None:
            clauses.append("image_date_from_header and image_occurrence_date <= ?")
            parameters.append(self.date_to)
        for attribute, column in FILTER_COLUMNS.items():
            values = getattr(self, attribute)
            if values:
                clauses.append(_in_clause(column, values, parameters))
        if self.exclude_localizers:
            clauses.append("not coalesce(is_localizer, false)")
        return ("where " + " and ".join(clauses) if clauses else ""), parameters


def _in_clause(column: str, values: tuple[str, ...], parameters: list) -> str:
    present = [value for value in values if value != NOT_RECORDED]
    parts = []
    if present:
        parts.append(f"{column} in ({', '.join('?' for _ in present)})")
        parameters.extend(present)
    if len(present) < len(values):
        parts.append(f"{column} is null")
    return "(" + " or ".join(parts) + ")"


def filter_options(source: Source, limit: int = OPTION_LIMIT) -> dict[str, list[str]]:
    """Per filter of the series browser, its values, the most frequent first (NULL as NOT_RECORDED)."""
    options = {}
    for attribute, column in FILTER_COLUMNS.items():
        frame = source.frame(
            f"""
            select coalesce({column}, ?) as value, count(*) as series
            from {source.table("series_catalog")}
            group by 1
            order by series desc, value
            limit ?
            """,
            [NOT_RECORDED, int(limit)],
        )
        options[attribute] = frame["value"].tolist()
    return options


def date_bounds(source: Source) -> tuple[datetime.date | None, datetime.date | None]:
    """The first and last image date a header holds (the file dates of undated series aside)."""
    row = source.one(
        f"select min(image_occurrence_date), max(image_occurrence_date) "
        f"from {source.table('series_catalog')} where image_date_from_header"
    )
    return _as_date(row[0]), _as_date(row[1])


def _as_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    return value


def selection_counts(source: Source, selection: SeriesFilter) -> dict:
    """Persons, studies, series and images the filters select."""
    where, parameters = selection.where()
    row = source.one(
        f"""
        select count(distinct person_id), count(distinct image_study_uid), count(*),
            coalesce(sum(instance_count), 0)
        from {source.table("series_catalog")}
        {where}
        """,
        parameters,
    )
    return dict(zip(["persons", "studies", "series", "images"], row, strict=True))


def series_page(
    source: Source, selection: SeriesFilter, page: int = 1, page_size: int = 100
) -> pd.DataFrame:
    """One page of the selected series, newest first (then by Series Instance UID)."""
    where, parameters = selection.where()
    shown = ", ".join(BROWSER_EXPRESSIONS.get(column, column) for column in BROWSER_COLUMNS)
    return source.frame(
        f"""
        select {shown}
        from {source.table("series_catalog")}
        {where}
        order by image_occurrence_date desc nulls last, image_series_uid
        limit ? offset ?
        """,
        [*parameters, int(page_size), (max(int(page), 1) - 1) * int(page_size)],
    )


def export_csv(source: Source, selection: SeriesFilter, limit: int = EXPORT_LIMIT) -> str:
    """The selected series as CSV (EXPORT_COLUMNS: UIDs, file paths, DICOMweb URIs), at most
    `limit` rows in the browser's order. DuckDB hands the rows over as one Arrow table that
    pyarrow writes; PostgreSQL's are fetched from the cursor in batches."""
    where, parameters = selection.where()
    statement = source.sql(
        f"""
        select {", ".join(EXPORT_COLUMNS)}
        from {source.table("series_catalog")}
        {where}
        order by image_occurrence_date desc nulls last, image_series_uid
        limit ?
        """
    )
    parameters = [*parameters, int(limit)]
    if source.target == "duckdb":
        import pyarrow.csv

        relation = source.connection.sql(statement, params=parameters)
        # duckdb 2 names it to_arrow_table, 1.x arrow
        table = (getattr(relation, "to_arrow_table", None) or relation.arrow)()
        output = io.BytesIO()
        pyarrow.csv.write_csv(table, output)
        return output.getvalue().decode("utf-8")
    cursor = source.connection.cursor()
    cursor.execute(statement, parameters)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    while True:
        rows = cursor.fetchmany(10_000)
        if not rows:
            break
        writer.writerows(rows)
    return buffer.getvalue()
