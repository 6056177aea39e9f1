"""Protocols: the most frequent ones, whether they are mapped, and those still unmapped."""

from __future__ import annotations

import altair as alt
import streamlit as st

from ..common import guarded, load, number, table
from ..display import count_axis


@guarded
def render() -> None:
    st.title("Protocols")
    summary = load("protocol_summary")
    studies = summary["studies"] or 0
    columns = st.columns(3)
    columns[0].metric("Studies", number(studies))
    columns[1].metric("With a protocol text", number(summary["with_protocol"]))
    mapped = summary["mapped"] or 0
    share = f" ({100 * mapped / studies:.1f} %)" if studies else ""
    columns[2].metric("Mapped to a protocol concept", f"{number(mapped)}{share}")
    limit = st.slider("Rows per table", 5, 200, 25, step=5, key="protocol_limit")

    st.subheader("Most frequent study protocols")
    st.caption(
        "R-CDM RADIOLOGY_OCCURRENCE.protocol_source_value per study, with the concept "
        "seeds/mapping/protocol_map.csv maps it to (0: not mapped); studies without a protocol "
        "text are counted above, not listed."
    )
    protocols = load("top_protocols", limit)
    if not protocols.empty:
        st.altair_chart(
            alt.Chart(protocols.head(20))
            .mark_bar()
            .encode(
                x=alt.X("studies:Q", axis=count_axis("studies")),
                y=alt.Y("protocol:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
                color=alt.Color("modality:N"),
                tooltip=["protocol", "modality", "studies", "images", "protocol_concept_name"],
            ),
            width="stretch",
        )
    table(protocols)

    st.subheader("Unmapped protocols")
    st.caption("What to map next: protocol texts no protocol_map row covers, most studies first.")
    table(load("unmapped_protocols", limit))

    st.subheader("Series Protocol Name (0018,1030)")
    table(load("series_protocol_names", limit))
