"""How the pages show a query's rows and counts: one label for empty values, columns wide enough
for their text, count axes in whole steps, years on a time axis. Pandas and Altair only (no
Streamlit), so the tests check exactly what the pages draw."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .queries import NOT_RECORDED

# Pixels per character of the table font and the cell padding; a text column is sized to its
# longest value (header included) up to MAX_COLUMN_PIXELS, past which the cell shows the start.
CHARACTER_PIXELS = 8
CELL_PADDING_PIXELS = 24
MAX_COLUMN_PIXELS = 640


def with_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows with every empty value of a text column shown as NOT_RECORDED (as the queries
    label NULL), never as 'None' or a blank; numbers stay numbers."""
    shown = frame.copy()
    for column in _text_columns(shown):
        present = shown[column].notna()
        # dates and other objects as text (ISO dates sort as dates), so that a column holds one
        # type beside the label
        shown[column] = shown[column].map(str, na_action="ignore").where(present, NOT_RECORDED)
    return shown


def column_widths(frame: pd.DataFrame) -> dict[str, int]:
    """Per text column, the pixels its longest value (or its name) needs, capped."""
    widths = {}
    for column in _text_columns(frame):
        longest = max([len(str(column)), *(len(str(value)) for value in frame[column])])
        widths[column] = min(MAX_COLUMN_PIXELS, longest * CHARACTER_PIXELS + CELL_PADDING_PIXELS)
    return widths


def _text_columns(frame: pd.DataFrame) -> list[str]:
    """Columns of text (pandas' str or object dtype: also dates and NULL-only columns)."""
    return [
        column
        for column in frame.columns
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column].dtype)
    ]


def count_axis(title=alt.Undefined) -> alt.Axis:
    """An axis of counts (studies, series, files): whole numbers only, thousands separated."""
    return alt.Axis(title=title, format=",d", tickMinStep=1)


def year_chart(years: pd.DataFrame, measure: str) -> alt.Chart:
    """Bars per year on a time axis (1900 lies far from 1994, as it should), dated rows only:
    the undated (year NULL) are reported beside the chart as 'no date'."""
    dated = years[years["year"].notna()].copy()
    dated["year_start"] = pd.to_datetime(dated["year"].astype(int).astype(str) + "-01-01")
    return (
        alt.Chart(dated)
        .mark_bar()
        .encode(
            x=alt.X("year(year_start):T", title="year"),
            y=alt.Y(f"{measure}:Q", title=measure, axis=count_axis()),
            tooltip=[alt.Tooltip("year:Q", format="d"), "studies", "series", "images"],
        )
    )
