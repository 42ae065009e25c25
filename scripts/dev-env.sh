#!/usr/bin/env bash
# Prints `export` lines for local development and tests. Secrets (database role
# passwords, the JWT key) are generated once into .local/secrets.env, which git
# ignores, so nothing secret is ever committed. Values already in the
# environment win.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secrets="$root/.local/secrets.env"
if [ ! -f "$secrets" ]; then
  mkdir -p "$root/.local"
  umask 077
  rnd() { head -c 32 /dev/urandom | base64 | tr -d '/+=\n' | head -c 40; }
  {
    echo "TASKFLOW_DATABASE__OWNER_PASSWORD=$(rnd)"
    echo "TASKFLOW_DATABASE__APP_PASSWORD=$(rnd)"
    echo "TASKFLOW_AUTH__JWT_SECRET=$(rnd)$(rnd)"
  } > "$secrets"
fi
while IFS='=' read -r key value; do
  [ -n "$key" ] || continue
  if [ -z "${!key:-}" ]; then
    printf 'export %s=%q\n' "$key" "$value"
  fi
done < "$secrets"
