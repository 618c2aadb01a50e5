#!/usr/bin/env bash
# Make sure PostgreSQL's server binaries exist for the test suite: install them with apt-get
# when missing. The tests start their own cluster in a temporary directory (no system service).
set -euo pipefail
if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
echo "PostgreSQL not found; installing it with apt-get" >&2
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" != "none" ]; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -q postgresql >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q postgresql >/dev/null; }
    if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi
  fi
fi
echo "error: the tests need PostgreSQL's server binaries (initdb, postgres). Install PostgreSQL" >&2
echo "       (e.g. 'apt-get install postgresql' or 'brew install postgresql') and run 'make test' again." >&2
exit 1
