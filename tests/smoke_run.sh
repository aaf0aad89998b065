#!/usr/bin/env bash
# smoke_run.sh — `make run` tried as a newcomer would (issue 3, "it must
# show" 1): start scripts/run.sh in a throwaway directory, wait for the
# banner, curl the health, log in with an SMS code read from the SMS
# stand-in, list the homes, then press Ctrl-C (SIGINT to its process group)
# and check that everything it started is gone within 30 seconds.
# Prints one line per check and "N passed, N failed" at the end.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR=$(mktemp -d /tmp/wuye-smoke.XXXXXX)
PORT=${SMOKE_PORT:-18780}; WP=$((PORT + 1)); SP=$((PORT + 2))
pass=0; fail=0
check() { # description, command…
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then pass=$((pass + 1)); echo "  ok   $what"
  else fail=$((fail + 1)); echo "  FAIL $what"; fi
}

setsid env WUYE_VAR="$VAR" PORT=$PORT WECHAT_PORT=$WP SMS_PORT=$SP "$ROOT/scripts/run.sh" \
  >"$VAR/run.out" 2>&1 < /dev/null &
RUN_PID=$!
for _ in $(seq 1 120); do grep -q 'Ctrl-C stops everything' "$VAR/run.out" && break; sleep 0.5; done
check "make run prints the banner with the demo accounts" grep -q '13900000001  password demo1234' "$VAR/run.out"
check "health answers ok" sh -c "curl -sf http://127.0.0.1:$PORT/api/v1/health | grep -q '\"db\":\"ok\"'"
curl -s -XPOST "http://127.0.0.1:$PORT/api/v1/sms/codes" -d '{"phone":"13800000001","purpose":"owner_login"}' >/dev/null
code=""
for _ in $(seq 1 50); do
  code=$(curl -s "http://127.0.0.1:$SP/_test/sms?phone=13800000001" | sed -n 's/.*"params":\["\([0-9]\{6\}\)".*/\1/p' | head -1)
  [[ -n $code ]] && break; sleep 0.1
done
check "the SMS code reached the SMS stand-in" test -n "$code"
token=$(curl -s -XPOST "http://127.0.0.1:$PORT/api/v1/owner/login/sms" \
  -d "{\"phone\":\"13800000001\",\"sms_code\":\"$code\"}" | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')
check "owner 13800000001 logs in" test ${#token} -eq 64
homes=$(curl -s "http://127.0.0.1:$PORT/api/v1/owner/resources" -H "Authorization: Bearer $token")
check "and sees two homes in 1栋" sh -c "test \$(printf '%s' '$homes' | grep -o '\"building\":\"1栋\"' | wc -l) -eq 2"

kill -INT -- -"$RUN_PID" 2>/dev/null
stopped=no
for _ in $(seq 1 60); do
  if ! pgrep -f "$VAR" >/dev/null; then stopped=yes; break; fi
  sleep 0.5
done
check "Ctrl-C stops everything it started within 30 s" test $stopped = yes
pkill -KILL -f "$VAR" 2>/dev/null
if [[ $fail -eq 0 ]]; then rm -rf "$VAR"; else tail -20 "$VAR/run.out"; fi
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
