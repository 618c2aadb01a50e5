#!/usr/bin/env bash
# Make sure the benchmark's load generator (wrk) exists: install it with apt-get when missing.
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
echo "wrk not found; installing it with apt-get" >&2
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" != "none" ]; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -q wrk >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q wrk >/dev/null; }
    command -v wrk >/dev/null 2>&1 && exit 0
  fi
fi
echo "error: the benchmark needs wrk (https://github.com/wg/wrk). Install it (e.g. 'apt-get install wrk'" >&2
echo "       or 'brew install wrk') and run 'make bench' again." >&2
exit 1
