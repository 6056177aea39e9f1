#!/usr/bin/env bash
# Print the path of the `java` on PATH when it is version MIN or newer, else a path that does not
# exist (for ensure_debian_packages.sh, which installs the packages when a file it names is missing).
#   java_at_least.sh 17
set -uo pipefail
minimum=$1
java=$(command -v java || true)
if [ -n "$java" ]; then
  major=$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  if [ -n "$major" ] && [ "$major" -ge "$minimum" ]; then
    echo "$java"
    exit 0
  fi
fi
echo "/nonexistent/java-$minimum-or-newer"
