#!/usr/bin/env bash
# Drives scripts/bluegreen.sh against tests/deploy/fake-kubectl and checks
# both what it changed and what it refused.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export FAKE_KUBE_DIR; FAKE_KUBE_DIR=$(mktemp -d)
trap 'rm -rf "$FAKE_KUBE_DIR"' EXIT
export KUBECTL="$root/tests/deploy/fake-kubectl"
bg="$root/scripts/bluegreen.sh"
state() { cat "$FAKE_KUBE_DIR/$1" 2>/dev/null || echo "${2:-}"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
passed=0; ok() { passed=$((passed + 1)); echo "ok   $*"; }

echo 3 > "$FAKE_KUBE_DIR/blue.ready"; echo 0 > "$FAKE_KUBE_DIR/green.ready"
out=$("$bg" status); grep -q "live colour: blue" <<<"$out" || fail "status does not show blue live"; ok "status"
if "$bg" cutover 2>/dev/null; then fail "cutover allowed while green is not ready"; fi
[ "$(state live blue)" = blue ] || fail "a refused cutover changed the Service"; ok "cutover refused while green is down"
if "$bg" canary 10 2>/dev/null; then fail "canary allowed while green is not ready"; fi; ok "canary refused while green is down"
if "$bg" canary 101 2>/dev/null; then fail "canary accepted 101"; fi; ok "canary rejects 101"
echo 1 > "$FAKE_KUBE_DIR/green.ready.after"
if "$bg" deploy-green registry/taskflow:2 >/dev/null 2>&1; then fail "deploy-green reported success with 1/3 ready"; fi
ok "deploy-green fails when the rollout is not fully ready"
echo 3 > "$FAKE_KUBE_DIR/green.ready.after"
"$bg" deploy-green registry/taskflow:2 >/dev/null
[ "$(state green.image)" = registry/taskflow:2 ] || fail "green image not set"; ok "deploy-green"
"$bg" canary 25 >/dev/null; [ "$(state weight)" = 25 ] || fail "canary weight not set"; ok "canary 25"
"$bg" cutover >/dev/null
[ "$(state live)" = green ] && [ "$(state weight)" = 0 ] || fail "cutover did not route to green with weight 0"; ok "cutover"
if "$bg" deploy-green registry/taskflow:3 2>/dev/null; then fail "deploy-green allowed while green is live"; fi; ok "deploy-green refused while green is live"
"$bg" rollback >/dev/null; [ "$(state live)" = blue ] || fail "rollback did not route to blue"; ok "rollback"
echo "bluegreen: $passed passed, 0 failed"
