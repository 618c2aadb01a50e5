#!/usr/bin/env bash
# Make sure a redis-server binary exists for the test suite: install it with apt-get when missing.
exec "$(dirname "$0")/ensure-command.sh" redis-server redis-server \
  "the tests need a redis-server binary. Install Redis (e.g. 'apt-get install redis-server' or 'brew install redis') and run 'make test' again."
