"""A real PACS for the tests: Debian's Orthanc with its DICOMweb plugin, on 127.0.0.1, on free
ports, with a temporary configuration and storage folder; stopped by the fixture afterwards.

`make test` installs the packages (scripts/ensure_debian_packages.sh). Where they are missing the tests
skip with a message, except in CI (CI=true), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pydicom
import pytest
import requests

ORTHANC = "/usr/sbin/Orthanc"
DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"
USER, PASSWORD = "omop", "test-password-not-secret"
AET = "ORTHANCTEST"


def orthanc_required() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_orthanc() -> None:
    missing = [path for path in (ORTHANC, DICOMWEB_PLUGIN) if not os.path.exists(path)]
    if missing:
        message = (
            f"Orthanc is not installed ({', '.join(missing)} missing): install the Debian packages "
            "orthanc and orthanc-dicomweb (make test does: scripts/ensure_debian_packages.sh)"
        )
        if orthanc_required():
            pytest.fail(f"the PACS tests are required in CI: {message}")
        pytest.skip(message)


# Files of one series under two patients: Orthanc stores them all, then answers 404 for the
# series' metadata (the comparison test shows such a study recorded as rejected).
def orthanc_answers_404(name: str) -> bool:
    return name == "badVR.dcm" or name.startswith("rtdose")


# Sample files whose DICOMweb rendering by Orthanc 1.10 differs from the file itself, so they
# cannot show that the harvest treats both alike: Orthanc leaves out palette LUT descriptors
# (0028,1101-1103), decodes an ISO 2022 Japanese header with the yen sign as one value, and
# reads a malformed sequence differently.
ORTHANC_RENDERS_DIFFERENTLY = {"J2K_pixelrep_mismatch.dcm", "bad_sequence.dcm"}
LUT_DESCRIPTORS = (0x00281101, 0x00281102, 0x00281103)


def orthanc_keeps_whole(path: Path) -> bool:
    """False for a file Orthanc serves differently from what the file holds."""
    if path.name in ORTHANC_RENDERS_DIFFERENTLY:
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            header = pydicom.dcmread(path, stop_before_pixels=True, force=True)
    except Exception:
        return True  # Orthanc refuses it as well
    return not any(tag in header for tag in LUT_DESCRIPTORS)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Orthanc:
    folder: Path
    http_port: int = 0
    dicom_port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def dicomweb_url(self) -> str:
        return f"{self.url}/dicom-web"

    def start(self) -> None:
        """Start (or restart, on the same ports and storage) and wait until it answers."""
        if not self.http_port:
            self.http_port, self.dicom_port = free_port(), free_port()
        storage = self.folder / "storage"
        storage.mkdir(parents=True, exist_ok=True)
        config = {
            "Name": "omop-imaging-test",
            "StorageDirectory": str(storage),
            "IndexDirectory": str(storage),
            "HttpPort": self.http_port,
            "DicomPort": self.dicom_port,
            "DicomAet": AET,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": True,
            "RegisteredUsers": {USER: PASSWORD},
            "DicomAlwaysAllowFind": True,
            "DicomCheckCalledAet": False,
            "UnknownSopClassAccepted": True,
            "HttpDescribeErrors": False,
            "StableAge": 1,
            "Plugins": [DICOMWEB_PLUGIN],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": False},
        }
        config_file = self.folder / "orthanc.json"
        config_file.write_text(json.dumps(config))
        with open(self.folder / "orthanc.log", "ab") as log:  # the process keeps its own copy
            self.process = subprocess.Popen(
                [ORTHANC, "--logdir=" + str(self.folder), str(config_file)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Orthanc exited: see {self.folder / 'orthanc.log'}")
            try:
                if requests.get(f"{self.url}/system", auth=(USER, PASSWORD), timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("Orthanc did not answer within 60 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def upload(self, paths: list[Path]) -> list[Path]:
        """Store the files; the ones Orthanc stored as new instances (not refused, not a second
        file of an instance already stored), in order."""
        stored = []
        with requests.Session() as session:
            session.auth = (USER, PASSWORD)
            for path in paths:
                response = session.post(f"{self.url}/instances", data=path.read_bytes(), timeout=60)
                if response.ok and response.json().get("Status") == "Success":
                    stored.append(path)
        return stored


def start_orthanc(folder: Path) -> Orthanc:
    require_orthanc()
    server = Orthanc(folder)
    server.start()
    return server


def dicom_files_under(folders: list[str]) -> list[Path]:
    return sorted(path for folder in folders for path in Path(folder).rglob("*") if path.is_file())


def copy_files(paths: list[Path], target: Path) -> Path:
    """The files in a folder of their own (numbered: two sample folders may share a name)."""
    target.mkdir(parents=True, exist_ok=True)
    for number, path in enumerate(paths):
        shutil.copy(path, target / f"{number:05d}_{path.name}")
    return target
