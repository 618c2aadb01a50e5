#!/usr/bin/env bash
# Make sure Debian's chromium exists for the console's browser tests: install it with apt-get when
# missing. Playwright drives this system browser; no browser build is ever downloaded.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "chromium not found; installing it with apt-get" >&2
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" != "none" ]; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -q chromium >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q chromium >/dev/null; }
    command -v chromium >/dev/null 2>&1 && exit 0
  fi
fi
echo "error: the console tests need a chromium binary. Install it (e.g. 'apt-get install chromium')" >&2
echo "       and run 'make test' again." >&2
exit 1
