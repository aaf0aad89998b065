#!/usr/bin/env bash
# ctl.sh — lets the integration tests restart parts of the running test
# stack (same environment as scripts/test.sh). Started processes are
# detached (setsid) and recorded in their pid files, which stack_stop reads.
# The workers start with the sanitizer options scripts/test.sh gave the
# first ones, so that a report of theirs lands in the files it checks.
#   ctl.sh db-start        start MariaDB again on the same data directory
#   ctl.sh workers-start   start the worker master again
#   ctl.sh second-start    a second master on the same database (another
#                          socket, nothing in front of it): two hosts; the
#                          lines of $WUYE_SECOND_CONF, if set, are added to
#                          its configuration (a later key wins)
#   ctl.sh second-stop     SIGTERM it and wait until it is gone
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
  second-start)
    sed -e "s|^listen = .*|listen = unix:$WUYE_VAR/run/second.sock|" "$CONF" > "$WUYE_VAR/conf/second.conf"
    [[ -n ${WUYE_SECOND_CONF:-} ]] && printf '%s\n' "$WUYE_SECOND_CONF" >> "$WUYE_VAR/conf/second.conf"
    setsid "$ROOT/build/$BUILD/wuye-fcgi" -c "$WUYE_VAR/conf/second.conf" \
      >>"$WUYE_VAR/log/second.log" 2>&1 < /dev/null &
    echo $! > "$WUYE_VAR/run/second.pid"
    stack_wait 20 test -S "$WUYE_VAR/run/second.sock"
    ;;
  second-stop)
    pid=$(cat "$WUYE_VAR/run/second.pid" 2>/dev/null) || exit 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$WUYE_VAR/run/second.pid"
    ;;
  *) echo "usage: ctl.sh db-start|workers-start|second-start|second-stop" >&2; exit 2 ;;
esac
