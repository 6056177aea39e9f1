"""Series browser: filter the series, page through them, export the selection as CSV."""

from __future__ import annotations

import math

import streamlit as st

from .. import queries
from ..common import guarded, load, number, settings
from ..queries import EXPORT_LIMIT, SeriesFilter

FILTER_LABELS = {
    "modalities": "Modality",
    "body_parts": "Body part",
    "protocols": "Protocol name",
    "planes": "Image plane",
    "contrasts": "Contrast",
    "sequence_families": "MR sequence family",
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
    page_size = size_column.selectbox("Rows per page", [50, 100, 250, 500], index=1)
    pages = max(1, math.ceil(counts["series"] / page_size))
    page = page_column.number_input(f"Page (of {pages:,})", 1, pages, 1, step=1)
    st.dataframe(
        load("series_page", selection, int(page), int(page_size)),
        hide_index=True,
        width="stretch",
        height=560,
    )

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
    date_from = date_to = None
    with st.container(border=True):
        if first and last:
            dates = st.date_input(
                "Image date range",
                value=(first, last),
                min_value=first,
                max_value=last,
                key="series_dates",
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
    return SeriesFilter(
        date_from=date_from, date_to=date_to, exclude_localizers=exclude_localizers, **chosen
    )


def _export(selection: SeriesFilter) -> str:
    target, path = settings()
    with queries.open_source(target, path) as source:
        return queries.export_csv(source, selection)
