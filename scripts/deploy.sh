#!/usr/bin/env bash
# The deploy guide's staging flow: migrate first, then roll out, then smoke.
#
#   scripts/deploy.sh staging IMAGE [BASE_URL]
#
# 1. runs the taskflow-migrate Job with IMAGE and waits for it (a failed
#    migration stops here, with the old version still serving);
# 2. applies k8s/staging with IMAGE and waits for the rollout;
# 3. runs `taskflow smoke` against BASE_URL (default https://staging.taskflow.example.com).
# Production uses scripts/bluegreen.sh after step 1.
set -euo pipefail
env=${1:?usage: deploy.sh staging IMAGE [BASE_URL]}
image=${2:?usage: deploy.sh staging IMAGE [BASE_URL]}
base_url=${3:-https://staging.taskflow.example.com}
kubectl=${KUBECTL:-kubectl}
ns="taskflow-$env"
root=$(cd "$(dirname "$0")/.." && pwd)
rendered=$(mktemp); trap 'rm -f "$rendered"' EXIT

"$kubectl" kustomize "$root/k8s/$env" | sed "s#registry.example.com/taskflow/taskflow:[A-Za-z0-9._-]*#$image#g" > "$rendered"

echo "[deploy] migrating with $image"
"$kubectl" -n "$ns" delete job taskflow-migrate --ignore-not-found
awk 'BEGIN{RS="---\n"; ORS="---\n"} /kind: Job/ || /kind: Namespace/ || /kind: ConfigMap/ || /kind: ServiceAccount/' "$rendered" \
  | "$kubectl" apply -f -
"$kubectl" -n "$ns" wait --for=condition=complete job/taskflow-migrate --timeout=600s

echo "[deploy] rolling out"
"$kubectl" apply -f "$rendered"
"$kubectl" -n "$ns" rollout status deployment/taskflow-api --timeout=600s

echo "[deploy] smoke testing $base_url"
"$kubectl" -n "$ns" run "taskflow-smoke-$RANDOM" --rm -i --restart=Never --image="$image" -- \
  smoke --base-url "$base_url" --metrics-url "http://taskflow-api-metrics.$ns.svc.cluster.local:9090/metrics"
echo "[deploy] $env is on $image"
