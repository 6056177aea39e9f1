"""The plain-text tables the CLI prints (cohort, report): columns padded to their widest cell,
two spaces apart, no trailing blanks."""

from __future__ import annotations

from collections.abc import Sequence


def cell(value, missing: str, float_format: str) -> str:
    """A value as table text: `missing` for NULL, floats with `float_format` (e.g. 'g', '.2f')."""
    if value is None:
        return missing
    if isinstance(value, float):
        return format(value, float_format)
    return str(value)


def lines(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    right_aligned: Sequence[bool] | None = None,
    rule: bool = False,
) -> list[str]:
    """The header, a rule of dashes under it when `rule`, and one line per row of text cells;
    columns flagged in `right_aligned` are padded on the left (numbers)."""
    widths = [max(len(line[index]) for line in [header, *rows]) for index in range(len(header))]
    right = right_aligned or [False] * len(header)

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.rjust(width) if is_right else value.ljust(width)
            for value, width, is_right in zip(values, widths, right, strict=True)
        ).rstrip()

    rules = [line(["-" * width for width in widths])] if rule else []
    return [line(header), *rules, *(line(row) for row in rows)]
