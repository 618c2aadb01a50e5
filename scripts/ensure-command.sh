#!/usr/bin/env bash
# Make sure a command exists: install its Debian package with apt-get when missing.
# usage: scripts/ensure-command.sh COMMAND PACKAGE "what needs it, and how to get it otherwise"
set -euo pipefail
command_name=$1
package=$2
advice=$3
if command -v "$command_name" >/dev/null 2>&1; then
  exit 0
fi
echo "$command_name not found; installing $package with apt-get" >&2
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" != "none" ]; then
    export DEBIAN_FRONTEND=noninteractive
    if $SUDO apt-get install -y -q "$package" >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q "$package" >/dev/null 2>&1; }; then
      command -v "$command_name" >/dev/null 2>&1 && exit 0
    fi
  fi
fi
echo "error: $advice" >&2
exit 1
