"""Series browser: filter the series, page through them, export the selection as CSV.

The filters show in the address as query parameters, so a selection can be shared as a link, e.g.
/series?modality=MR&body_part=HEAD&family=T1W&from=2015-01-01&to=2020-12-31&no_localizers=1
(repeat a parameter for several values)."""

from __future__ import annotations

import datetime
import math
from typing import Any, cast

import streamlit as st

from .. import queries
from ..common import guarded, load, number, settings, table
from ..queries import EXPORT_LIMIT, SeriesFilter

FILTER_LABELS = {
    "modalities": "Modality",
    "body_parts": "Body part",
    "protocols": "Protocol name",
    "planes": "Image plane",
    "contrasts": "Contrast",
    "sequence_families": "MR sequence family",
}
URL_NAMES = {
    "modalities": "modality",
    "body_parts": "body_part",
    "protocols": "protocol",
    "planes": "plane",
    "contrasts": "contrast",
    "sequence_families": "family",
}


@guarded
def render() -> None:
    st.title("Series browser")
    selection = _filters()
    counts = load("selection_counts", selection)
    st.markdown(
        f"**Matching: {number(counts['series'])} series** in {number(counts['studies'])} "
        f"studies of {number(counts['persons'])} persons, {number(counts['images'])} images"
    )
    if not counts["series"]:
        st.info("No series matches these filters.")
        return

    size_column, page_column, _ = st.columns([1, 1, 3])
    page_size = cast(
        int,  # (mypy takes streamlit's overload for empty options, which gives None)
        size_column.selectbox("Rows per page", [50, 100, 250, 500], index=1),
    )
    pages = max(1, math.ceil(counts["series"] / page_size))
    page = page_column.number_input(f"Page (of {pages:,})", 1, pages, 1, step=1)
    rows = load("series_page", selection, int(page), int(page_size))
    table(rows, height=min(560, 35 * (len(rows) + 1) + 3))

    st.subheader("Export")
    exported = min(counts["series"], EXPORT_LIMIT)
    if counts["series"] > EXPORT_LIMIT:
        st.warning(
            f"The CSV holds the first {EXPORT_LIMIT:,} of the {counts['series']:,} matching series "
            "(newest first). Narrow the filters, or write the whole selection with "
            "`omop-imaging cohort ... --out FILE.parquet`."
        )
    st.download_button(
        f"Download {exported:,} series as CSV (UIDs, file paths, DICOMweb URIs)",
        data=lambda: _export(selection),
        file_name="omop_imaging_series.csv",
        mime="text/csv",
        on_click="ignore",
        key="series_export",
    )


def _filters() -> SeriesFilter:
    options = load("filter_options")
    first, last = load("date_bounds")
    _preset_from_address(options, first, last)
    for problem in st.session_state.get("series_link_problems", []):
        st.warning(problem)
    date_from = date_to = None
    with st.container(border=True):
        if first and last:
            preset: dict[str, Any] = (
                {} if "series_dates" in st.session_state else {"value": (first, last)}
            )
            dates = st.date_input(
                "Image date range",
                min_value=first,
                max_value=last,
                key="series_dates",
                **preset,
            )
            if isinstance(dates, tuple | list) and len(dates) == 2:
                date_from, date_to = dates
                if (date_from, date_to) == (first, last):
                    date_from = date_to = None
        chosen = {}
        columns = st.columns(3)
        for index, (attribute, label) in enumerate(FILTER_LABELS.items()):
            chosen[attribute] = tuple(
                columns[index % 3].multiselect(
                    label, options[attribute], key=f"series_{attribute}", placeholder="any"
                )
            )
        exclude_localizers = st.checkbox("Leave out localizers / scouts", key="series_localizers")
    selection = SeriesFilter(
        date_from=date_from, date_to=date_to, exclude_localizers=exclude_localizers, **chosen
    )
    _show_in_address(selection)
    return selection


def _preset_from_address(options: dict, first, last) -> None:
    """On a session's first run of this page, preset the filters from the query parameters.
    A value the database does not hold, or a date that is no date, is left out and the page
    says so (in series_link_problems) rather than showing more series than the link meant."""
    if st.session_state.get("series_preset_done"):
        return
    st.session_state["series_preset_done"] = True
    parameters = st.query_params
    problems = []
    for attribute, name in URL_NAMES.items():
        given = parameters.get_all(name)
        wanted = [value for value in given if value in options[attribute]]
        unknown = [value for value in given if value not in options[attribute]]
        if unknown:
            problems.append(
                f"The link asks for {name} {', '.join(map(repr, unknown))}, which no series has: "
                f"left out of the {FILTER_LABELS[attribute].lower()} filter."
            )
        if wanted:
            st.session_state[f"series_{attribute}"] = wanted
    if first and last and ("from" in parameters or "to" in parameters):
        try:
            start = datetime.date.fromisoformat(parameters.get("from", first.isoformat()))
            end = datetime.date.fromisoformat(parameters.get("to", last.isoformat()))
        except ValueError:
            problems.append(
                "The link's from / to is not a date (YYYY-MM-DD): the date filter is left out."
            )
            start, end = first, last
        start, end = max(start, first), min(end, last)
        if start <= end:
            st.session_state["series_dates"] = (start, end)
    if parameters.get("no_localizers") == "1":
        st.session_state["series_localizers"] = True
    st.session_state["series_link_problems"] = problems


def _show_in_address(selection: SeriesFilter) -> None:
    values: dict[str, str | list[str]] = {
        name: list(getattr(selection, attribute))
        for attribute, name in URL_NAMES.items()
        if getattr(selection, attribute)
    }
    if selection.date_from:
        values["from"] = selection.date_from.isoformat()
    if selection.date_to:
        values["to"] = selection.date_to.isoformat()
    if selection.exclude_localizers:
        values["no_localizers"] = "1"
    if values != _address_now():
        st.query_params.from_dict(values)


def _address_now() -> dict:
    parameters = st.query_params
    return {
        name: (parameters.get_all(name) if name in URL_NAMES.values() else parameters.get(name))
        for name in parameters
    }


def _export(selection: SeriesFilter) -> str:
    target, path = settings()
    with queries.open_source(target, path) as source:
        return queries.export_csv(source, selection)
