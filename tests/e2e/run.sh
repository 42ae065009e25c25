#!/usr/bin/env bash
# Browser end-to-end tests of the web frontend: a fresh database, a real
# `taskflow serve`, Debian's Chromium driven by playwright-core
# (tests/e2e/app.test.mjs). Screenshots and page-load figures go to
# target/e2e/. Tools are installed by scripts/test-tools.sh. Run: make e2e
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
eval "$(scripts/dev-env.sh)"
out=$root/target/e2e
rm -rf "$out" && mkdir -p "$out"
# shellcheck source=tests/lib/server.sh
. tests/lib/server.sh
start_server e2e
BASE_URL="$base" OUT_DIR="$out" node tests/e2e/app.test.mjs
echo "[e2e] passed; screenshots and metrics.json in target/e2e/"
