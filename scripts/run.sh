#!/usr/bin/env bash
# run.sh — `make run`: the whole system with the demo data, in the
# foreground. Ctrl-C (or SIGTERM) stops everything it started.
set -uo pipefail
. "$(dirname "$0")/stack.sh"

trap 'echo; stack_log "stopping…"; stack_stop; exit 0' INT TERM
stack_prepare
stack_start_db || { stack_stop; exit 1; }
stack_load_demo || { stack_stop; exit 1; }
if ! { stack_start_standins && stack_start_workers && stack_start_nginx; }; then
  stack_stop; exit 1
fi
cat <<MSG

  wuye is running:            http://127.0.0.1:$PORT/api/v1/health
  WeChat stand-in:            http://127.0.0.1:$WECHAT_PORT  (mini-program API + WeChat Pay)
  Tencent SMS stand-in:       http://127.0.0.1:$SMS_PORT     (read SMS: /_test/sms?phone=…)
  metrics (loopback only):    http://127.0.0.1:$PORT/metrics
  logs:                       $WUYE_VAR/log/

  Demo accounts (project 示范小区 unless noted):
    owner    13800000001  two homes in 1栋 (SMS code or WeChat login)
    owner    13800000002  one home in 2栋
    butler   13900000001  password demo1234
    butler   13900000002  password demo1234 (翠湖花园 only)
    office   13900000009  password demo1234 (admin, both projects)

  Try:  curl -s -XPOST localhost:$PORT/api/v1/sms/codes -d '{"phone":"13800000001","purpose":"owner_login"}'
        curl -s 'localhost:$SMS_PORT/_test/sms?phone=13800000001'

  Ctrl-C stops everything.
MSG
wait -n "${STACK_PIDS[@]}"
stack_log "a component exited; stopping the rest"
stack_stop
exit 1
