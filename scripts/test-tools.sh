#!/usr/bin/env bash
# Installs the external programs the test suite drives, when missing:
# promtool (Debian `prometheus`) lints /metrics; redis-server runs a private
# Redis that one test kills and restarts; pyotp (PyPI) is the independent
# TOTP implementation the MFA tests check codes against.
set -euo pipefail
if ! python3 -c 'import pyotp' 2>/dev/null; then
  echo "[test-tools] installing pyotp" >&2
  python3 -m pip install --quiet --disable-pip-version-check pyotp >&2
fi
missing=()
command -v promtool >/dev/null || missing+=(prometheus)
command -v redis-server >/dev/null || missing+=(redis-server)
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
