#!/usr/bin/env bash
# ctl.sh — lets the integration tests restart parts of the running test
# stack (same environment as scripts/test.sh). Started processes are
# detached (setsid) and recorded in their pid files, which stack_stop reads.
# The workers start with the sanitizer options scripts/test.sh gave the
# first ones, so that a report of theirs lands in the files it checks.
#   ctl.sh db-start        start MariaDB again on the same data directory
#   ctl.sh workers-start   start the worker master again
set -uo pipefail
. "$(dirname "$0")/../../scripts/stack.sh"
case "${1:-}" in
  db-start)
    stack_mariadbd
    stack_wait 60 stack_sql -e 'SELECT 1'
    ;;
  workers-start)
    ASAN_OPTIONS=${WUYE_SERVER_ASAN_OPTIONS:?set by scripts/test.sh} \
    UBSAN_OPTIONS=${WUYE_SERVER_UBSAN_OPTIONS:?set by scripts/test.sh} \
    setsid "$ROOT/build/$BUILD/wuye-fcgi" -c "$CONF" >>"$WUYE_VAR/log/wuye.log" 2>&1 < /dev/null &
    echo $! > "$WUYE_VAR/run/wuye-fcgi.pid"
    stack_wait 20 test -S "$FCGI_SOCK"
    ;;
  *) echo "usage: ctl.sh db-start|workers-start" >&2; exit 2 ;;
esac
