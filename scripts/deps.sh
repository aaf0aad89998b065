#!/usr/bin/env bash
# deps.sh — make sure the Debian packages wuye builds and runs with are here.
# As root it installs what is missing (one apt-get update first); otherwise it
# prints the exact command to run. --check-only: exit 1 if anything is missing.
set -euo pipefail

pkgs=(
  gcc make pkg-config
  libfcgi-dev        # FastCGI responder library (the workers)
  libcjson-dev       # JSON
  libmariadb-dev     # MariaDB Connector/C
  libcurl4-openssl-dev # outside calls (WeChat, Tencent SMS)
  libssl-dev         # libcrypto: SHA-256, HMAC, RSA, AES-GCM, random bytes
  libargon2-dev      # staff password hashing (argon2id)
  libxlsxwriter-dev  # XLSX exports of the reports (PAY-6)
  libcmocka-dev      # unit and integration tests
  mariadb-server mariadb-client # the database (run from our own data dir)
  nginx-light        # the front web server
  wrk                # benchmarks
  curl openssl       # smoke tests and secrets generation in scripts
)

missing=()
for p in "${pkgs[@]}"; do
  [[ "$p" == \#* ]] && continue
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$st" == "install ok installed" ]] || missing+=("$p")
done
# Node.js runs the stand-ins; the machine image may bring its own (with npm):
# installing Debian's npm on top of that breaks apt, so only add nodejs if absent.
command -v node >/dev/null 2>&1 || missing+=(nodejs)

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ "${1:-}" == "--check-only" ]]; then
  echo "missing: ${missing[*]}"
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "wuye needs these Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# policy-rc.d keeps the packaged services (mariadb, nginx) from starting:
# wuye runs its own instances from var/, never the system ones.
had_policy=0; [[ -e /usr/sbin/policy-rc.d ]] && had_policy=1
[[ $had_policy -eq 1 ]] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
[[ $had_policy -eq 1 ]] || rm -f /usr/sbin/policy-rc.d
