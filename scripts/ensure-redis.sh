#!/usr/bin/env bash
# Make sure a redis-server binary exists for the test suite: install it with apt-get when missing.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
echo "redis-server not found; installing it with apt-get" >&2
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" != "none" ]; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -q redis-server >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q redis-server >/dev/null; }
    command -v redis-server >/dev/null 2>&1 && exit 0
  fi
fi
echo "error: the tests need a redis-server binary. Install Redis (e.g. 'apt-get install redis-server'" >&2
echo "       or 'brew install redis') and run 'make test' again." >&2
exit 1
