"""The labelled set of real series for the header classifier's accuracy (tests/data/classification_labels.csv).

Each label row names a series by one of its files: a file of pydicom's test files, of the pydicom-data
package, of nibabel's test data (nibabel comes with medimages4tests; its files are copied, gzipped ones
unpacked, into the harvested folder), or a medimages4tests dataset (module below
``medimages4tests.dummy.dicom``), which is written here from its stored real scanner headers. Where each label comes from is the row's ``label_source``:
dataset names, pydicom's test-file documentation, protocol names written by the scanner, a human
reading the header; never the classifier.
"""

from __future__ import annotations

import csv
import gzip
import importlib
import shutil
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

LABELS = Path(__file__).resolve().parent / "data" / "classification_labels.csv"

# Instances written per medimages4tests series: enough for a per-series vote, small on disk.
INSTANCES_PER_SERIES = 3
PIXEL_DATA = "7FE00010"
SMALL_PIXEL_BASE64_CHARS = 64  # 48 bytes: the classifier reads headers only

Query = Callable[[str], list[tuple]]


def load_labels() -> list[dict[str, str]]:
    with LABELS.open(newline="") as handle:
        return list(csv.DictReader(handle))


def write_medimages_series(folder: Path, modules: list[str]) -> dict[str, Path]:
    """Write the first INSTANCES_PER_SERIES instances of each medimages4tests dataset, with the
    recorded headers (private elements included) and a token pixel data; returns module -> folder."""
    from medimages4tests.dummy.dicom.base import generate_dicom

    folders = {}
    for name in modules:
        module = importlib.import_module(f"medimages4tests.dummy.dicom.{name}")
        collated = {
            tag: (
                {
                    index: dict(value, BinaryLength=SMALL_PIXEL_BASE64_CHARS)
                    for index, value in volumes.items()
                }
                if tag.upper() == PIXEL_DATA
                else volumes
            )
            for tag, volumes in module.collated_data.items()
        }
        count = min(module.num_vols, INSTANCES_PER_SERIES)
        with warnings.catch_warnings():  # its writer sets pydicom 3's deprecated encoding flags
            warnings.simplefilter("ignore", DeprecationWarning)
            folders[name] = generate_dicom(
                folder / name.replace(".", "_"),
                count,
                module.constant_hdr,
                collated,
                module.varying_hdr,
            )
    return folders


def copy_nibabel_files(folder: Path, relative_paths: list[str]) -> dict[str, Path]:
    """Copy nibabel test files (paths relative to the nibabel package) into `folder`, unpacking
    .gz files; returns relative path -> copy."""
    import nibabel

    package = Path(nibabel.__file__).parent
    folder.mkdir(parents=True, exist_ok=True)
    copies = {}
    for relative in relative_paths:
        source = package / relative
        target = folder / relative.replace("/", "_").removesuffix(".gz")
        if relative.endswith(".gz"):
            with gzip.open(source, "rb") as packed, target.open("wb") as unpacked:
                shutil.copyfileobj(packed, unpacked)
        else:
            shutil.copyfile(source, target)
        copies[relative] = target
    return copies


def label_files(
    labels: list[dict[str, str]],
    sample_folders: list[str],
    medimages: dict[str, Path],
    nibabel_copies: dict[str, Path],
) -> list[str]:
    """The file that names each label row's series, in the order of the rows."""
    roots = {"pydicom": Path(sample_folders[0]), "pydicom-data": Path(sample_folders[1])}
    files = []
    for row in labels:
        if row["source"] == "medimages4tests":
            path = medimages[row["file"]] / "0.dcm"
        elif row["source"] == "nibabel":
            path = nibabel_copies[row["file"]]
        else:
            path = roots[row["source"]] / row["file"]
        assert path.exists(), f"labelled file missing: {path}"
        files.append(str(path))
    return files


def classify_labelled_series(
    query: Query, labels: list[dict[str, str]], files: list[str]
) -> list[dict]:
    """Each label row with the classifier's results for its series, read from the built database."""
    in_list = ", ".join("'" + path.replace("'", "''") + "'" for path in files)
    series_of_file = dict(
        query(
            "select file_path, series_instance_uid from dicom_raw.harvested_file "
            f"where file_path in ({in_list})"
        )
    )
    results = {
        row[0]: row[1:]
        for row in query(
            "select series_instance_uid, modality, image_plane, has_plane_disagreement, contrast_status, "
            "sequence_family, is_localizer, is_volumetric from imaging_marts.series_classification"
        )
    }
    rows = []
    for label, path in zip(labels, files, strict=True):
        assert path in series_of_file, f"not harvested: {path}"
        modality, plane, disagreement, contrast, family, localizer, volumetric = results[
            series_of_file[path]
        ]
        rows.append(
            {
                "label": label,
                "modality": modality,
                "plane": plane,
                "has_plane_disagreement": disagreement,
                "contrast": contrast,
                "family": family,
                "localizer": localizer,
                "volumetric": volumetric,
            }
        )
    return rows


def _yes_no(value) -> str | None:
    return None if value is None else ("yes" if value else "no")


def accuracy(rows: list[dict]) -> dict[str, dict[str, tuple[int, int]]]:
    """{feature: {class: (labelled, correct)}}; a MIXED plane label is correct when the series is
    flagged as disagreeing. 'family (brain MR)' is the subset of the issue's target."""
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))

    def score(feature: str, expected: str, correct: bool) -> None:
        cell = table[feature][expected]
        cell[0] += 1
        cell[1] += int(correct)

    for row in rows:
        label = row["label"]
        if label["plane"] == "MIXED":
            score("plane", "MIXED (flagged)", bool(row["has_plane_disagreement"]))
        elif label["plane"]:
            score("plane", label["plane"], row["plane"] == label["plane"])
        if label["family"]:
            score("family (all MR)", label["family"], row["family"] == label["family"])
            if label["region"] == "brain":
                score("family (brain MR)", label["family"], row["family"] == label["family"])
        if label["contrast"]:
            score("contrast", label["contrast"], row["contrast"] == label["contrast"])
        if label["localizer"]:
            score("localizer", label["localizer"], _yes_no(row["localizer"]) == label["localizer"])
        if label["volumetric"]:
            score(
                "volumetric", label["volumetric"], _yes_no(row["volumetric"]) == label["volumetric"]
            )
    return {
        feature: {cls: (cell[0], cell[1]) for cls, cell in sorted(classes.items())}
        for feature, classes in table.items()
    }


def overall(classes: dict[str, tuple[int, int]]) -> float:
    labelled = sum(count for count, _ in classes.values())
    return sum(correct for _, correct in classes.values()) / labelled


def report_lines(table: dict[str, dict[str, tuple[int, int]]]) -> list[str]:
    lines = [f"{'feature':<20} {'class':<18} {'series':>6} {'correct':>7} {'accuracy':>9}"]
    for feature, classes in table.items():
        for cls, (labelled, correct) in classes.items():
            lines.append(
                f"{feature:<20} {cls:<18} {labelled:>6} {correct:>7} {correct / labelled:>9.1%}"
            )
        lines.append(
            f"{feature:<20} {'(all)':<18} {sum(n for n, _ in classes.values()):>6} "
            f"{sum(c for _, c in classes.values()):>7} {overall(classes):>9.1%}"
        )
    return lines
