#!/usr/bin/env bash
# Installs the external programs the test suite drives, when missing
# (schemathesis, sqlmap and bunyan for the black-box suite, too):
# promtool (Debian `prometheus`) lints /metrics; redis-server runs a private
# Redis that one test kills and restarts; pyotp (PyPI) is the independent
# TOTP implementation the MFA tests check codes against; icalendar (PyPI)
# is the independent RFC 5545 parser the calendar feed tests read feeds with.
set -euo pipefail
for module in pyotp icalendar; do
  if ! python3 -c "import $module" 2>/dev/null; then
    echo "[test-tools] installing $module" >&2
    python3 -m pip install --quiet --disable-pip-version-check "$module" >&2
  fi
done
# The black-box suite (tests/blackbox/run.sh): schemathesis and sqlmap from
# PyPI, the bunyan CLI from npm (pinned in tests/blackbox/package-lock.json).
need_pip=()
command -v st >/dev/null || need_pip+=(schemathesis)
command -v sqlmap >/dev/null || need_pip+=(sqlmap)
# The contract suite (tests/contract/run.sh) generates a Python client.
command -v openapi-python-client >/dev/null || need_pip+=(openapi-python-client)
if [ ${#need_pip[@]} -gt 0 ]; then
  echo "[test-tools] installing ${need_pip[*]}" >&2
  python3 -m pip install --quiet --disable-pip-version-check "${need_pip[@]}" >&2
fi
# The standalone OIDC provider (npm oauth2-mock-server 8, Node 20) for the OAuth tests.
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$root/tests/oidc/node_modules/oauth2-mock-server" ]; then
  command -v npm >/dev/null || { echo "[test-tools] npm is missing (Debian: nodejs npm)" >&2; exit 1; }
  echo "[test-tools] installing the test OIDC provider" >&2
  (cd "$root/tests/oidc" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
if [ ! -d "$root/tests/e2e/node_modules/playwright-core" ]; then
  echo "[test-tools] installing playwright-core (it drives Debian's chromium; it downloads no browser)" >&2
  (cd "$root/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
if [ ! -x "$root/tests/contract/node_modules/.bin/spectral" ] || [ ! -x "$root/tests/contract/node_modules/.bin/tsc" ]; then
  echo "[test-tools] installing spectral, openapi-typescript and tsc (the contract suite)" >&2
  (cd "$root/tests/contract" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
if [ ! -x "$root/tests/blackbox/node_modules/.bin/bunyan" ]; then
  echo "[test-tools] installing the bunyan CLI" >&2
  (cd "$root/tests/blackbox" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
missing=()
command -v promtool >/dev/null || missing+=(prometheus)
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "[test-tools] missing ${missing[*]}; install them (Debian packages) and re-run" >&2
  exit 1
fi
echo "[test-tools] installing ${missing[*]}" >&2
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# Debian's packages start daemons where they can; the suite starts its own.
if [ -x /usr/bin/prometheus ]; then pkill -x prometheus 2>/dev/null || true; fi
