"""Settings: the choices a database is built with, kept in that database.

The defaults are the var `settings` in dbt_project.yml. What is set for a database (`omop-imaging
settings --set`, `build --set`, `demo`) is stored in its table project_setting (staging_schema.SETTING_TABLE), which
dbt's macro setting() reads too: the CLI and plain `dbt run` build a database the same way, and a
later command never drops what an earlier one set (docs/settings.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import yaml

from .database import query, table_exists
from .settings import project_dir
from .staging_schema import SETTING_TABLE


@dataclass(frozen=True)
class Setting:
    name: str
    value: object
    is_default: bool

    def line(self) -> str:
        origin = "default" if self.is_default else "set for this database"
        return f"  {self.name:<34} {json.dumps(self.value):<28} ({origin})"


def defaults() -> dict[str, object]:
    """The var `settings` of dbt_project.yml: every setting's name and default, in file order."""
    with (project_dir() / "dbt_project.yml").open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle)["vars"]["settings"])


def parse_assignment(text: str, known: dict[str, object]) -> tuple[str, object]:
    """'NAME=VALUE' -> (name, value); VALUE is YAML ('demo', '0.5', '[9203, 262]'), checked
    against the kind of the default. ValueError with the reason otherwise."""
    name, separator, raw = text.partition("=")
    name = name.strip()
    if not separator or not name:
        raise ValueError(f"--set {text!r}: write NAME=VALUE, e.g. --set clinical_source=demo")
    if name not in known:
        raise ValueError(f"unknown setting {name!r}; the settings are: {', '.join(known)}")
    default = known[name]
    if isinstance(default, str):
        return name, raw.strip()
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise ValueError(f"--set {name}: {raw!r} is not a value ({error.problem})") from error
    expected = list if isinstance(default, list) else (int, float)
    if isinstance(value, bool) or not isinstance(value, expected):
        kind = "a list like [1, 2]" if expected is list else "a number"
        raise ValueError(f"--set {name}: {raw!r} is not {kind}")
    return name, value


def stored(connection, target: str) -> dict[str, object]:
    """The settings stored in a database (empty when its settings table does not exist yet)."""
    if not table_exists(connection, target, SETTING_TABLE):
        return {}
    rows = query(connection, f"select name, value from {SETTING_TABLE} order by name")
    return {name: json.loads(value) for name, value in rows}


def effective(connection, target: str) -> list[Setting]:
    """Every setting with the value a build of this database uses."""
    chosen = stored(connection, target)
    return [
        Setting(name, chosen.get(name, default), name not in chosen)
        for name, default in defaults().items()
    ]


def describe(settings: list[Setting]) -> str:
    return "\n".join(
        ["settings (omop-imaging settings --set NAME=VALUE changes them):"]
        + [setting.line() for setting in settings]
    )
