"""What every page shares: where the database is, cached queries, number formatting."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from ..database import DatabaseNotReady
from ..settings import duckdb_path, schema
from . import DUCKDB_VARIABLE, TARGET_VARIABLE, display, queries


def settings() -> tuple[str, str]:
    target = os.environ.get(TARGET_VARIABLE, "duckdb")
    return target, duckdb_path(os.environ.get(DUCKDB_VARIABLE))


def database_label() -> str:
    target, path = settings()
    if target == "duckdb":
        return f"DuckDB: {Path(path).name} (read-only)"
    return f"PostgreSQL: schema {schema('cdm')} (read-only)"


@st.cache_data(ttl=300, show_spinner="Querying the database...")
def load(name: str, *arguments):
    """queries.<name>(source, *arguments) on a fresh read-only connection, cached for 5 minutes."""
    target, path = settings()
    with queries.open_source(target, path) as source:
        return getattr(queries, name)(source, *arguments)


def guarded(render):
    """Show a missing database or table as a message naming the next step, not a traceback."""

    def page():
        try:
            render()
        except DatabaseNotReady as error:
            st.error(f"The database is not ready: {error}")

    page.__name__ = render.__name__
    return page


def table(frame, **options) -> None:
    """st.dataframe as every page shows one: empty values labelled alike, text columns as wide as
    their text (display.py), no index, the page's width."""
    shown = display.with_labels(frame)
    widths = {
        column: st.column_config.Column(width=pixels)
        for column, pixels in display.column_widths(shown).items()
    }
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config=widths | options.pop("column_config", {}),
        **options,
    )


def number(value) -> str:
    return f"{int(value or 0):,}"
