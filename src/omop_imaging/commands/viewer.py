"""`omop-imaging viewer`: the read-only web viewer of a built database."""

from __future__ import annotations

import argparse

from ..settings import duckdb_path
from .options import Subparsers, add_target_options


def add_parser(commands: Subparsers) -> None:
    viewer = commands.add_parser(
        "viewer",
        help="start the web viewer: overview, protocols, combinations, quality, series browser",
        description=(
            "Start a web app (Streamlit) over a built database, read-only: an overview (persons, "
            "studies, series, images by year and modality), protocols (most frequent, unmapped), "
            "metadata combinations, data quality (coverage, rejected files) and a series browser "
            "with filters and a CSV export of the matching series (UIDs, file paths, DICOMweb "
            "URIs). Serves on 127.0.0.1 by default; stop it with Ctrl-C. Run `omop-imaging "
            "build` first."
        ),
    )
    add_target_options(viewer)
    viewer.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    viewer.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    viewer.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..viewer import serve

    return serve(args.target, duckdb_path(args.db), args.host, args.port)
