#!/usr/bin/env bash
# Make sure Debian's chromium exists for the console's browser tests: install it with apt-get when
# missing. Playwright drives this system browser; no browser build is ever downloaded.
exec "$(dirname "$0")/ensure-command.sh" chromium chromium \
  "the console tests need a chromium binary. Install it (e.g. 'apt-get install chromium') and run 'make test' again."
