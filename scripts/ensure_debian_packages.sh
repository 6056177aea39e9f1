#!/usr/bin/env bash
# Install Debian packages a test needs when one of the files they provide is missing and we may
# (root with apt-get, as in CI); otherwise say so: the test then skips with a message, or fails
# in CI (CI=true). Used by `make test` for the viewer's browser test and the PACS tests.
#
#   ensure_debian_packages.sh WHAT "FILE [FILE ...]" PACKAGE [PACKAGE ...]
#   e.g. ensure_debian_packages.sh "the viewer's browser test" \
#          "/usr/bin/chromium /usr/bin/chromedriver" chromium chromium-driver
set -uo pipefail
what=$1
files=$2
shift 2
missing=0
for file in $files; do
  [ -e "$file" ] || missing=1
done
[ "$missing" = 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure_debian_packages: installing $* for $what"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; then
    exit 0
  fi
  echo "ensure_debian_packages: apt-get could not install $*" >&2
else
  echo "ensure_debian_packages: $files missing and no root apt-get;" \
    "install the packages $* to run $what" >&2
fi
exit 0
