#!/usr/bin/env bash
# The web app's format and lint gate: Biome (from tests/e2e's npm setup,
# pinned in its package-lock.json) checks formatting and lint rules over
# web/ (biome.json), and no line is longer than 120 characters, like the Rust.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
biome=tests/e2e/node_modules/.bin/biome
if [ ! -x "$biome" ]; then
  command -v npm >/dev/null || { echo "[lint-web] npm is missing (Debian: nodejs npm)" >&2; exit 1; }
  echo "[lint-web] installing the e2e node modules (Biome, playwright-core)" >&2
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
"$biome" ci --colors=off web
long=$(awk 'length > 120 { printf "%s:%d: %d characters\n", FILENAME, FNR, length }' $(find web -name '*.js' -o -name '*.css' -o -name '*.html' | sort))
if [ -n "$long" ]; then
  echo "[lint-web] lines over 120 characters:" >&2
  echo "$long" >&2
  exit 1
fi
echo "[lint-web] web/ is formatted, lint-clean and within 120 columns ($(find web -name '*.js' | wc -l) modules)"
