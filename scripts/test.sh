#!/usr/bin/env bash
# test.sh — `make test`: every test, ending in one summary line.
#   1. unit tests (cmocka, no database), sanitizer build
#   2. the stand-ins' own tests (node --test)
#   3. integration tests (cmocka over HTTP) against a throwaway stack: its
#      own data directory and ports, workers built with ASan+UBSan
#   4. `make run` itself, started, used and stopped with Ctrl-C (smoke_run.sh)
# A sanitizer report anywhere fails the run.
# ONLY="test_auth test_scope" runs just those test binaries (and skips the
# stand-in and make-run checks): for working on one area; CI runs everything.
# VERBOSE=1 shows the integration tests' output even when they pass.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

passed=0; failed=0; skipped=0
failures=()

# Sum cmocka's "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)" /
# "[  SKIPPED ] N test(s)" lines. A skipped test fails the run: our tests
# skip only when a fixture they need could not be built, which is a failure
# that would otherwise hide behind a green summary.
count_cmocka() { # name, output file, exit code
  local p f s
  p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$2" | tail -1 | grep -oE '[0-9]+' | head -1)
  f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$2" | tail -1 | grep -oE '[0-9]+' | head -1)
  s=$(grep -E '^\[  SKIPPED \] [0-9]+ test' "$2" | tail -1 | grep -oE '[0-9]+' | head -1)
  p=${p:-0}; f=${f:-0}; s=${s:-0}
  if [[ $3 -ne 0 && $f -eq 0 ]]; then f=1; fi   # crashed before reporting
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [[ $f -gt 0 || $s -gt 0 ]] && failures+=("$1")
  printf '  %-32s %3d passed, %d failed, %d skipped\n' "$1" "$p" "$f" "$s"
  [[ $s -gt 0 ]] && grep -E '^\[  SKIPPED \] [a-z_]' "$2" | sort -u | sed 's/^/    /'
  return 0
}

echo "== build (release and sanitizers)"
make -s -j"$(nproc)" programs san || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

# Money, areas and readings are integers (docs/money.md): no floating type
# in lib/ or fcgi/ but the two edges that must speak double — reading a
# number cJSON parsed (json.c, which admits only integers of at most 15
# digits, exact in a double) and handing a cell's value to libxlsxwriter
# (report_table.c's xlsx_number(), exact below 2^53).
echo "== static checks"
fp=$(grep -rnwE 'float|double|long double' lib fcgi --include='*.[ch]' |
     grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)' |
     grep -vE '^lib/report_table\.c:.*xlsx_number|^lib/report_table\.c:.*\(double\)v / \(double\)scale' || true)
if [[ -n $fp ]]; then
  echo "  floating point outside its two edges:"; echo "$fp" | sed 's/^/    /'
  failed=$((failed + 1)); failures+=("no floating point")
else
  printf '  %-32s %3d passed, %d failed, %d skipped\n' "no floating point in lib/ fcgi/" 1 0 0
  passed=$((passed + 1))
fi

# Every DB_SQL statement has a slot of its own in each connection
# (lib/db/db.h): the process-wide count must stay below the slots.
nsql=$(grep -rhoE '\bDB_SQL\(' lib fcgi --include='*.c' | wc -l)
maxsql=$(grep -oE 'define DB_MAX_STMTS [0-9]+' lib/db/db.h | grep -oE '[0-9]+$')
if (( nsql >= maxsql )); then
  echo "  $nsql DB_SQL statements: no fewer slots than DB_MAX_STMTS ($maxsql) allowed"
  failed=$((failed + 1)); failures+=("statement slots")
else
  printf '  %-32s %3d passed, %d failed, %d skipped\n' "statements < DB_MAX_STMTS" 1 0 0
  passed=$((passed + 1))
fi

echo "== unit tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
only() { [[ -z ${ONLY:-} || " $ONLY " == *" $(basename "$1") "* ]]; }

for t in build/san/tests/test_*; do
  only "$t" || continue
  out=$(mktemp)
  "$t" >"$out" 2>&1; rc=$?
  count_cmocka "$(basename "$t")" "$out" $rc
  [[ $rc -ne 0 ]] && sed 's/^/    /' "$out" | tail -30
  rm -f "$out"
done

echo "== stand-in tests"
if [[ -z ${ONLY:-} ]]; then
out=$(mktemp)
node --test tests/standins/ >"$out" 2>&1; rc=$?
p=$(grep -E '^# pass ' "$out" | grep -oE '[0-9]+'); f=$(grep -E '^# fail ' "$out" | grep -oE '[0-9]+')
s=$(grep -E '^# skipped ' "$out" | grep -oE '[0-9]+')
p=${p:-0}; f=${f:-0}; s=${s:-0}; [[ $rc -ne 0 && $f -eq 0 ]] && f=1
passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
printf '  %-32s %3d passed, %d failed, %d skipped\n' "standins (node --test)" "$p" "$f" "$s"
[[ $f -gt 0 || $s -gt 0 ]] && { failures+=("standins"); tail -30 "$out"; }
rm -f "$out"
fi

echo "== integration tests (throwaway stack)"
export WUYE_VAR=$(mktemp -d /tmp/wuye-test.XXXXXX)
chmod 755 "$WUYE_VAR"
export PORT=${TEST_PORT:-18180} WECHAT_PORT=${TEST_WECHAT_PORT:-18181} SMS_PORT=${TEST_SMS_PORT:-18182}
export BUILD=san PROCESSES=2 THREADS=4
. scripts/stack.sh
# The server runs under ASan+UBSan; reports go to files we check at the end.
# Leak checks stay in the unit tests: a worker is ended by the master.
# Exported for tests/integration/ctl.sh, which starts processes again for
# the ops tests: their reports must land in the same files.
export WUYE_SERVER_ASAN_OPTIONS="detect_leaks=1:log_path=$WUYE_VAR/log/asan"
export WUYE_SERVER_UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$WUYE_VAR/log/ubsan"
server_san() { ASAN_OPTIONS=$WUYE_SERVER_ASAN_OPTIONS UBSAN_OPTIONS=$WUYE_SERVER_UBSAN_OPTIONS "$@"; }
cleanup() { stack_stop >/dev/null 2>&1; }
trap cleanup EXIT
mkdir -p "$WUYE_VAR/log"
if server_san stack_start_all && server_san stack_load_demo >/dev/null; then
  export WUYE_TEST_URL="http://127.0.0.1:$PORT" WUYE_CONF="$CONF"
  export WUYE_WECHAT_URL="http://127.0.0.1:$WECHAT_PORT" WUYE_SMS_URL="http://127.0.0.1:$SMS_PORT"
  for t in build/san/itests/test_*; do
    only "$t" || continue
    out=$(mktemp)
    ASAN_OPTIONS=detect_leaks=0 timeout 600 "$t" >"$out" 2>&1; rc=$?
    count_cmocka "$(basename "$t")" "$out" $rc
    [[ $rc -ne 0 || -n ${VERBOSE:-} ]] && grep -vE '^\[ +(RUN|OK) +\]' "$out" | sed 's/^/    /' | tail -40
    # The books must balance after every test binary, whatever it did
    # (PAY-6, docs/books.md): a breach fails the run and names the rows.
    if ! server_san "build/$BUILD/wuye" -c "$CONF" check-books >"$out" 2>&1; then
      echo "  check-books after $(basename "$t"):"; sed 's/^/    /' "$out" | head -20
      failed=$((failed + 1)); failures+=("check-books after $(basename "$t")")
    fi
    rm -f "$out"
  done
else
  echo "  the stack did not start"; failed=$((failed + 1)); failures+=("stack")
fi
stack_stop >/dev/null 2>&1
trap - EXIT
if ls "$WUYE_VAR"/log/asan.* "$WUYE_VAR"/log/ubsan.* >/dev/null 2>&1; then
  echo "  sanitizer reports from the server:"
  cat "$WUYE_VAR"/log/asan.* "$WUYE_VAR"/log/ubsan.* 2>/dev/null | head -60 | sed 's/^/    /'
  failed=$((failed + 1)); failures+=("server sanitizer")
fi
if [[ -z ${ONLY:-} ]]; then
echo "== make run, as a newcomer would try it"
out=$(mktemp)
tests/smoke_run.sh >"$out" 2>&1; rc=$?
sed 's/^/  /' "$out" | grep -v ' passed, '
p=$(tail -1 "$out" | grep -oE '^[0-9]+'); f=$(tail -1 "$out" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
p=${p:-0}; f=${f:-0}; [[ $rc -ne 0 && $f -eq 0 ]] && f=1
passed=$((passed + p)); failed=$((failed + f))
[[ $f -gt 0 ]] && failures+=("smoke_run")
rm -f "$out"
fi

if [[ $failed -eq 0 && $skipped -eq 0 ]]; then
  rm -rf "$WUYE_VAR"
else
  echo "  logs kept in $WUYE_VAR/log (failed: ${failures[*]})"
fi

echo
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 && $skipped -eq 0 ]]
