"""Metadata combinations: counts per combination of header attributes."""

from __future__ import annotations

import altair as alt
import streamlit as st

from ..common import guarded, load, number, table
from ..display import count_axis
from ..queries import COMBINATION_DIMENSIONS


@guarded
def render() -> None:
    st.title("Metadata combinations")
    st.caption(
        "Persons, studies, series and images for every combination of the attributes chosen, "
        "most series first. (not recorded): the header did not say."
    )
    dimensions = st.multiselect(
        "Combine",
        list(COMBINATION_DIMENSIONS),
        default=["modality", "body part", "manufacturer"],
        key="combination_dimensions",
    )
    if not dimensions:
        st.info("Choose at least one attribute.")
        return
    limit = st.slider("Combinations shown", 10, 1000, 100, step=10, key="combination_limit")
    count = load("combination_count", tuple(dimensions))
    st.metric("Distinct combinations", number(count))
    frame = load("combinations", list(dimensions), limit)
    columns = [COMBINATION_DIMENSIONS[label] for label in dimensions]
    chart = frame.head(25).copy()
    chart["combination"] = chart[columns].astype(str).agg(" / ".join, axis=1)
    st.altair_chart(
        alt.Chart(chart)
        .mark_bar()
        .encode(
            x=alt.X("series:Q", axis=count_axis("series")),
            y=alt.Y(
                "combination:N",
                sort="-x",
                title=None,  # the labels say "modality / body part / ..." in the order chosen
                axis=alt.Axis(labelLimit=420),
            ),
            tooltip=[*columns, "persons", "studies", "series", "images"],
        ),
        width="stretch",
    )
    table(frame)
