"""The viewer's Streamlit script: page set-up and navigation (Streamlit runs this file)."""

from __future__ import annotations

import streamlit as st

from omop_imaging.viewer.common import database_label
from omop_imaging.viewer.views import combinations, overview, protocols, quality, series

st.set_page_config(page_title="omop-imaging viewer", layout="wide")

navigation = st.navigation(
    [
        # The default page is served at the root URL only; the hidden twin answers /overview
        # (a link or bookmark to it), which would otherwise say "Page not found".
        st.Page(overview.render, title="Overview", url_path="home", default=True),
        st.Page(overview.render, title="Overview", url_path="overview", visibility="hidden"),
        st.Page(protocols.render, title="Protocols", url_path="protocols"),
        st.Page(combinations.render, title="Metadata combinations", url_path="combinations"),
        st.Page(quality.render, title="Data quality", url_path="quality"),
        st.Page(series.render, title="Series browser", url_path="series"),
    ]
)
st.sidebar.caption(database_label())
navigation.run()
