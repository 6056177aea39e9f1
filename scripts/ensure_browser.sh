#!/usr/bin/env bash
# The viewer's browser test (tests/test_viewer_browser.py) drives Debian's Chromium through
# ChromeDriver. Install both when either is missing and we may (root with apt-get, as in CI);
# otherwise say so: the test then skips with a message, or fails in CI (CI=true).
set -uo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_browser: installing Debian's chromium and chromium-driver for the viewer test"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; then
    exit 0
  fi
  echo "ensure_browser: apt-get could not install chromium / chromium-driver" >&2
else
  echo "ensure_browser: no /usr/bin/chromium or /usr/bin/chromedriver and no root apt-get;" \
    "install the packages chromium and chromium-driver to run the viewer's browser test" >&2
fi
exit 0
