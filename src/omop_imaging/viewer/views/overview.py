"""Overview: what the database holds, by year and by modality."""

from __future__ import annotations

from typing import cast

import altair as alt
import streamlit as st

from ..common import guarded, load, number, table
from ..display import count_axis, year_chart


@guarded
def render() -> None:
    st.title("Overview")
    totals = load("totals")
    columns = st.columns(5)
    columns[0].metric("Persons", number(totals["persons"]), help="rows of PERSON")
    columns[1].metric("Persons with images", number(totals["imaged_persons"]))
    columns[2].metric("Studies", number(totals["studies"]))
    columns[3].metric("Series", number(totals["series"]))
    columns[4].metric("Images", number(totals["images"]))
    if totals["first_date"]:
        st.caption(f"Images dated from {totals['first_date']} to {totals['last_date']}.")

    measure = cast(
        str,  # (mypy takes streamlit's overload for empty options, which gives None)
        st.radio("Count", ["studies", "series", "images"], horizontal=True, key="overview_measure"),
    )

    st.subheader(f"{measure.capitalize()} by year")
    years = load("by_year")
    undated = years[years["year"].isna()]
    if len(undated) == len(years):
        st.info("No series has a date in its header.")
    else:
        st.altair_chart(year_chart(years, measure), width="stretch")
    if not undated.empty:
        st.caption(
            f"No date: {number(undated[measure].sum())} {measure} whose header holds no date "
            "(not in the chart; IMAGE_OCCURRENCE dates them by their files)."
        )

    st.subheader(f"{measure.capitalize()} by modality")
    modalities = load("by_modality")
    bar, pie = st.columns(2)
    bar.altair_chart(
        alt.Chart(modalities)
        .mark_bar()
        .encode(
            x=alt.X("modality:N", sort="-y", title="modality"),
            y=alt.Y(f"{measure}:Q", title=measure, axis=count_axis()),
            tooltip=["modality", "studies", "series", "images"],
        ),
        width="stretch",
    )
    pie.altair_chart(
        alt.Chart(modalities)
        .mark_arc()
        .encode(
            theta=alt.Theta(f"{measure}:Q"),
            color=alt.Color("modality:N", legend=alt.Legend(title="modality")),
            tooltip=["modality", "studies", "series", "images"],
        ),
        width="stretch",
    )
    table(modalities)
    st.caption("A study with series of several modalities counts once under each.")
