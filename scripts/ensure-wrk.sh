#!/usr/bin/env bash
# Make sure the benchmark's load generator (wrk) exists: install it with apt-get when missing.
exec "$(dirname "$0")/ensure-command.sh" wrk wrk \
  "the benchmark needs wrk (https://github.com/wg/wrk). Install it (e.g. 'apt-get install wrk' or 'brew install wrk') and run 'make bench' again."
