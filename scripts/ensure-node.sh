#!/usr/bin/env bash
# Make sure node and npm exist for the OpenAPI linters: install them with apt-get when missing.
set -euo pipefail
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  exit 0
fi
echo "node/npm not found; installing them with apt-get" >&2
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" != "none" ]; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -q nodejs npm >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q nodejs npm >/dev/null; }
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && exit 0
  fi
fi
echo "error: the OpenAPI linters need Node.js 20+ and npm. Install them (e.g. 'apt-get install" >&2
echo "       nodejs npm' or 'brew install node') and run 'make test' again." >&2
exit 1
