#!/usr/bin/env bash
# Refreshes the Swagger UI assets served at /docs from the npm registry
# (the server embeds them; nothing is fetched at build or run time).
# Usage: scripts/vendor-swagger-ui.sh [version]   (default: the pinned one)
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-5.35.0}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "swagger-ui-dist@$version" >/dev/null && tar xzf swagger-ui-dist-*.tgz)
cp "$tmp/package/swagger-ui-bundle.js" "$tmp/package/swagger-ui.css" static/docs/
cp "$tmp/package/LICENSE" static/docs/SWAGGER-UI-LICENSE
echo "swagger-ui-dist $version vendored into static/docs/"
