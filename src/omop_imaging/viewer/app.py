"""The viewer's Streamlit script: page set-up and navigation (Streamlit runs this file)."""

from __future__ import annotations

import streamlit as st

from omop_imaging.viewer.common import database_label
from omop_imaging.viewer.views import combinations, overview, protocols, quality, series

st.set_page_config(page_title="omop-imaging viewer", layout="wide")

navigation = st.navigation(
    [
        st.Page(overview.render, title="Overview", url_path="overview", default=True),
        st.Page(protocols.render, title="Protocols", url_path="protocols"),
        st.Page(combinations.render, title="Metadata combinations", url_path="combinations"),
        st.Page(quality.render, title="Data quality", url_path="quality"),
        st.Page(series.render, title="Series browser", url_path="series"),
    ]
)
st.sidebar.caption(database_label())
navigation.run()
