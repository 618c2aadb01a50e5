#!/bin/sh
# Lint an OpenAPI document (default: the committed one) with Redocly's and Spectral's recommended
# rules and this directory's exceptions. Installs the pinned linters on first use.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
document=${1:-$here/../../openapi/openapi.json}
if [ ! -d "$here/node_modules" ]; then
    command -v npm >/dev/null || { echo "lint.sh: npm is missing (apt-get install -y nodejs npm)" >&2; exit 1; }
    npm ci --prefix "$here" --no-audit --no-fund --ignore-scripts --loglevel=error
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
status=0
"$here/node_modules/.bin/redocly" lint --config "$here/redocly.yaml" --format=stylish "$document" \
    || status=1
"$here/node_modules/.bin/spectral" lint --ruleset "$here/.spectral.yaml" --fail-severity=hint \
    --display-only-failures "$document" || status=1
exit $status
