"""The commands of `omop-imaging`, one module each: `add_parser(commands)` declares the command's
arguments and sets its handler, `run(args) -> int` carries it out (the exit code)."""

from __future__ import annotations

from types import ModuleType

from . import (
    build,
    classify,
    cohort,
    counts,
    dbt,
    demo,
    harvest,
    pseudonymize,
    report,
    settings,
    viewer,
)

# in the order `omop-imaging --help` lists them
COMMANDS: tuple[ModuleType, ...] = (
    harvest,
    build,
    settings,
    dbt,
    demo,
    counts,
    report,
    cohort,
    classify,
    pseudonymize,
    viewer,
)
