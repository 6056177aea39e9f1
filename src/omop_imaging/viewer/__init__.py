"""`omop-imaging viewer`: a Streamlit web app over the built imaging database.

`serve` starts Streamlit's server in this process on app.py; the pages (views/) draw what the
functions of queries.py return. The target and the DuckDB file reach the app through the
environment (TARGET_VARIABLE, DUCKDB_VARIABLE).
"""

from __future__ import annotations

import os
from pathlib import Path

TARGET_VARIABLE = "OMOP_IMAGING_VIEWER_TARGET"
DUCKDB_VARIABLE = "OMOP_IMAGING_VIEWER_DUCKDB"
APP = Path(__file__).with_name("app.py")


def check_ready(target: str, duckdb_path: str) -> None:
    """Raise database.DatabaseNotReady (with the next step to run) before starting the server."""
    from .queries import open_source, totals

    with open_source(target, duckdb_path) as source:
        totals(source)


def warm_up() -> None:
    """Import what the pages need (Altair and its Vega-Lite schema, pandas, pyarrow) before the
    server starts: Streamlit runs the app in this process, so the first page load finds them
    imported instead of spending seconds on imports while the page stays blank. (The page modules
    themselves are light, and their st.cache_data wants Streamlit's runtime: left to the app.)"""
    import altair as alt
    import pandas as pd
    import pyarrow  # noqa: F401  (st.dataframe hands tables to the browser as Arrow)

    # The first chart validates against the Vega-Lite schema, which Altair loads on first use.
    alt.Chart(pd.DataFrame({"year": [2000], "series": [1]})).mark_bar().encode(
        x="year:T", y="series:Q"
    ).to_dict()


def serve(target: str, duckdb_path: str, host: str = "127.0.0.1", port: int = 8501) -> int:
    """Run the viewer until interrupted (Ctrl-C). Nothing leaves the machine: no usage statistics,
    no browser opened, no file watcher."""
    check_ready(target, duckdb_path)
    warm_up()
    os.environ[TARGET_VARIABLE] = target
    os.environ[DUCKDB_VARIABLE] = duckdb_path
    from streamlit.web import cli as streamlit_cli

    print(f"omop-imaging viewer: {target} database; open http://{host}:{port}/", flush=True)
    return (
        streamlit_cli.main(
            [
                "run",
                str(APP),
                "--server.address",
                host,
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                "--server.runOnSave",
                "false",
                "--browser.gatherUsageStats",
                "false",
                "--global.developmentMode",
                "false",
                "--client.toolbarMode",
                "viewer",
                "--theme.base",
                "light",
            ],
            prog_name="omop-imaging viewer",
            standalone_mode=False,
        )
        or 0
    )
