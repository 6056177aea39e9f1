"""Data quality: harvest outcome, rejected files by reason, ETL coverage, linkage, header
conformance to the standard's value sets, classifier gaps."""

from __future__ import annotations

import altair as alt
import streamlit as st

from ..common import guarded, load, number, table
from ..display import count_axis


@guarded
def render() -> None:
    st.title("Data quality")
    status = load("harvest_status")
    files = dict(zip(status["status"], status["files"], strict=True))
    columns = st.columns(3)
    columns[0].metric("Files seen", number(sum(files.values())))
    columns[1].metric("Harvested", number(files.get("harvested", 0)))
    columns[2].metric("Rejected", number(files.get("rejected", 0)))

    st.subheader("Rejected files by reason")
    categories = load("rejected_by_category")
    if categories.empty:
        st.success("The harvest rejected no file.")
    else:
        chart, listing = st.columns(2)
        chart.altair_chart(
            alt.Chart(categories)
            .mark_bar()
            .encode(
                x=alt.X("files:Q", axis=count_axis("files")),
                y=alt.Y("category:N", sort="-x", title=None),
                tooltip=["category", "files"],
            ),
            width="stretch",
        )
        with listing:
            table(categories)
        table(load("rejected_by_reason", 25))

    st.subheader("ETL coverage")
    st.caption(
        "For each output table and column: rows mapped (a concept other than 0, or a value), "
        "unmapped, and the share mapped; `omop-imaging report` prints the same."
    )
    coverage = load("coverage")
    table(
        coverage,
        height=min(36 * (len(coverage) + 1) + 3, 900),
        column_config={
            "mapped_percent": st.column_config.ProgressColumn(
                "mapped %", min_value=0, max_value=100, format="%.1f %%"
            )
        },
    )

    st.subheader("Patients not linked to a clinical person")
    st.caption("Counted by what the linkage policy did; look them up in unlinked_patients.")
    table(load("unlinked_patients"))

    st.subheader("Header values outside the standard's value sets")
    st.caption(
        "CS values that are none of their attribute's Defined Terms / Enumerated Values, and coded "
        "items outside the attribute's context groups, by manufacturer. not_allowed: the value set "
        "is Enumerated (an error); extension: Defined Terms or a Baseline / Defined context group "
        "(allowed). `omop-imaging report --section conformance-values` prints the full list."
    )
    conformance = load("conformance_values", 200)
    if conformance.empty:
        st.success("Every coded header value is in its attribute's value set.")
    else:
        st.dataframe(conformance, hide_index=True, width="stretch")

    st.subheader("Header classifier gaps")
    table(load("classification_gaps"))
