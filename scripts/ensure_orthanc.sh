#!/usr/bin/env bash
# The PACS tests (tests/test_pacs_*.py) start Debian's Orthanc with its DICOMweb plugin. Install
# both when either is missing and we may (root with apt-get, as in CI); otherwise say so: the
# tests then skip with a message, or fail in CI (CI=true).
set -uo pipefail
if [ -x /usr/sbin/Orthanc ] && [ -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_orthanc: installing Debian's orthanc and orthanc-dicomweb for the PACS tests"
  export DEBIAN_FRONTEND=noninteractive
  # A system-wide Orthanc the package may start does not disturb the tests: they start their own
  # on free ports.
  if apt-get update -qq && apt-get install -y -qq orthanc orthanc-dicomweb >/dev/null; then
    exit 0
  fi
  echo "ensure_orthanc: apt-get could not install orthanc / orthanc-dicomweb" >&2
else
  echo "ensure_orthanc: no /usr/sbin/Orthanc or DICOMweb plugin and no root apt-get;" \
    "install the packages orthanc and orthanc-dicomweb to run the PACS tests" >&2
fi
exit 0
