"""Overview: what the database holds, by year and by modality."""

from __future__ import annotations

import altair as alt
import streamlit as st

from ..common import guarded, load, number


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

    measure = st.radio(
        "Count", ["studies", "series", "images"], horizontal=True, key="overview_measure"
    )

    st.subheader(f"{measure.capitalize()} by year")
    years = load("by_year")
    if years.empty:
        st.info("No dated series.")
    else:
        st.altair_chart(
            alt.Chart(years)
            .mark_bar()
            .encode(
                x=alt.X("year:O", title="year"),
                y=alt.Y(f"{measure}:Q", title=measure),
                tooltip=["year", "studies", "series", "images"],
            ),
            width="stretch",
        )

    st.subheader(f"{measure.capitalize()} by modality")
    modalities = load("by_modality")
    bar, pie = st.columns(2)
    bar.altair_chart(
        alt.Chart(modalities)
        .mark_bar()
        .encode(
            x=alt.X("modality:N", sort="-y", title="modality"),
            y=alt.Y(f"{measure}:Q", title=measure),
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
    st.dataframe(modalities, hide_index=True, width="stretch")
    st.caption("A study with series of several modalities counts once under each.")
