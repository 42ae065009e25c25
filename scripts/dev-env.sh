#!/usr/bin/env bash
# Prints `export` lines for local development and tests. Secrets (database role
# passwords, the JWT key, the MFA sealing key) are generated once into .local/secrets.env, which git
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
# The key that seals TOTP secrets (AES-256: base64 of 32 random bytes), added
# to secrets files written before it existed.
if ! grep -q '^TASKFLOW_MFA__KEYS__LOCAL=' "$secrets"; then
  (umask 077; echo "TASKFLOW_MFA__KEYS__LOCAL=$(head -c 32 /dev/urandom | base64 | tr -d '\n')" >> "$secrets")
fi
# Split at the first '=' only: `IFS='=' read` would drop a value's trailing '=' (base64 padding).
while IFS= read -r line; do
  key=${line%%=*} value=${line#*=}
  [ -n "$key" ] && [ "$key" != "$line" ] || continue
  if [ -z "${!key:-}" ]; then
    printf 'export %s=%q\n' "$key" "$value"
  fi
done < "$secrets"
