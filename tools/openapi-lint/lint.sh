#!/bin/sh
# Lint an OpenAPI document (default: the committed one) with Redocly's and Spectral's recommended
# rules (warnings fail too) and this directory's exceptions. Installs the pinned linters (npm ci)
# when node_modules is missing or older than package-lock.json.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
document=${1:-$here/../../openapi/openapi.json}
installed=$here/node_modules/.package-lock.json
if [ ! -f "$installed" ] || [ "$here/package-lock.json" -nt "$installed" ]; then
    "$here/../../scripts/ensure-node.sh"
    npm ci --prefix "$here" --no-audit --no-fund --ignore-scripts --loglevel=error
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
status=0
"$here/node_modules/.bin/redocly" lint --config "$here/redocly.yaml" --format=stylish "$document" \
    || status=1
"$here/node_modules/.bin/spectral" lint --ruleset "$here/.spectral.yaml" --fail-severity=hint \
    --display-only-failures "$document" || status=1
exit $status
