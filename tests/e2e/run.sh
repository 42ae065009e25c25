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
# A real OIDC provider (tests/oidc/provider.mjs) behind the "Continue with"
# button; it signs everyone in as one subject, which the test links first.
coproc provider { cd tests/oidc && SUBJECT=e2e-oidc-subject EMAIL=e2e-oidc@example.test exec node provider.mjs; }
trap 'kill "$provider_PID" 2>/dev/null || true; cleanup_server' EXIT
read -r issuer_line <&"${provider[0]}"
issuer=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["issuer"])' "$issuer_line")
# Two other origins for the CORS steps: the API allows the first only.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cors_origin="http://127.0.0.1:$(free_port)"
other_origin="http://127.0.0.2:$(free_port)"
# Job retries within milliseconds, so the Jobs step sees a job go dead.
start_server e2e TASKFLOW_JOBS__BACKOFF_BASE_MS=20 TASKFLOW_JOBS__BACKOFF_CAP_MS=100 TASKFLOW_APPLICATION__CORS_ALLOWED_ORIGINS="$cors_origin" TASKFLOW_OIDC__PROVIDERS__MOCK__ISSUER="$issuer" TASKFLOW_OIDC__PROVIDERS__MOCK__CLIENT_ID=taskflow-e2e \
  TASKFLOW_OIDC__PROVIDERS__MOCK__CLIENT_SECRET="e2e-$RANDOM$RANDOM" TASKFLOW_OIDC__PROVIDERS__MOCK__DISPLAY_NAME="Mock ID"
# A global admin for the Jobs page step.
admin_email=e2e-admin@example.test
admin_password="e2e-admin-$RANDOM$RANDOM$RANDOM"
TASKFLOW_DATABASE__NAME=$db TASKFLOW_ADMIN_PASSWORD=$admin_password "$bin" create-admin --email "$admin_email" \
  --display-name "E2E Admin" >/dev/null
ADMIN_EMAIL="$admin_email" ADMIN_PASSWORD="$admin_password" BASE_URL="$base" OUT_DIR="$out" CORS_ORIGIN="$cors_origin" OTHER_ORIGIN="$other_origin" node tests/e2e/app.test.mjs
echo "[e2e] passed; screenshots and metrics.json in target/e2e/"
