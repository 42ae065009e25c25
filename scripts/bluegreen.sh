#!/usr/bin/env bash
# Blue/green for production, wrapping the deploy guide's kubectl steps with
# checks. Blue serves by default; green is where a new version is staged.
#
#   scripts/bluegreen.sh status
#   scripts/bluegreen.sh deploy-green IMAGE   # roll green to IMAGE and wait until ready
#   scripts/bluegreen.sh canary PERCENT       # send PERCENT (0-100) of traffic to green
#   scripts/bluegreen.sh cutover              # all traffic to green (refused unless green is ready)
#   scripts/bluegreen.sh rollback             # all traffic back to blue, canary off
#
# Env: NAMESPACE (default taskflow-production), KUBECTL (default kubectl).
set -euo pipefail
ns=${NAMESPACE:-taskflow-production}
kubectl=${KUBECTL:-kubectl}
k() { "$kubectl" -n "$ns" "$@"; }
say() { printf '[bluegreen] %s\n' "$*"; }
die() { printf '[bluegreen] refused: %s\n' "$*" >&2; exit 1; }

ready() { # colour -> "ready/desired"
  local r d
  r=$(k get deployment "taskflow-api-$1" -o 'jsonpath={.status.readyReplicas}')
  d=$(k get deployment "taskflow-api-$1" -o 'jsonpath={.spec.replicas}')
  echo "${r:-0}/${d:-0}"
}
is_ready() { local s; s=$(ready "$1"); [ "${s%/*}" -ge 1 ] && [ "${s%/*}" = "${s#*/}" ]; }
live() { k get service taskflow-api -o 'jsonpath={.spec.selector.version}'; }
weight() { k get ingress taskflow-api-canary -o 'jsonpath={.metadata.annotations.nginx\.ingress\.kubernetes\.io/canary-weight}'; }
set_weight() { k annotate ingress taskflow-api-canary --overwrite "nginx.ingress.kubernetes.io/canary-weight=$1" >/dev/null; }
route_to() { k patch service taskflow-api -p "{\"spec\":{\"selector\":{\"version\":\"$1\"}}}" >/dev/null; }

cmd=${1:-status}
case "$cmd" in
  status)
    say "live colour: $(live); canary weight to green: $(weight)%"
    say "blue ready: $(ready blue); green ready: $(ready green)"
    ;;
  deploy-green)
    image=${2:?usage: bluegreen.sh deploy-green IMAGE}
    [ "$(live)" = green ] && die "green is live; roll back to blue (or promote blue) before staging a new green"
    k set image deployment/taskflow-api-green "api=$image" >/dev/null
    say "green set to $image; waiting for rollout"
    k rollout status deployment/taskflow-api-green --timeout=300s
    is_ready green || die "green did not become ready ($(ready green))"
    say "green ready ($(ready green)); traffic unchanged (live: $(live))"
    ;;
  canary)
    pct=${2:?usage: bluegreen.sh canary PERCENT}
    [[ "$pct" =~ ^[0-9]+$ ]] && [ "$pct" -le 100 ] || die "PERCENT must be 0 to 100, got '$pct'"
    [ "$pct" -eq 0 ] || is_ready green || die "green is not ready ($(ready green))"
    set_weight "$pct"
    say "canary: $pct% of traffic to green"
    ;;
  cutover)
    is_ready green || die "green is not ready ($(ready green)); nothing changed"
    route_to green
    set_weight 0
    say "cutover: taskflow-api now selects green; canary weight 0. Roll back with: $0 rollback"
    ;;
  rollback)
    is_ready blue || say "warning: blue is not fully ready ($(ready blue)); routing anyway"
    route_to blue
    set_weight 0
    say "rollback: taskflow-api selects blue; canary weight 0"
    ;;
  *)
    die "unknown command '$cmd' (status | deploy-green IMAGE | canary PERCENT | cutover | rollback)"
    ;;
esac
