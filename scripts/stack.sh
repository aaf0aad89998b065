#!/usr/bin/env bash
# stack.sh — start and stop the whole system (MariaDB, stand-ins, workers,
# nginx) in one run directory. Sourced by run.sh, test.sh and bench.sh.
#
# Settings (environment):
#   WUYE_VAR      run directory: data, sockets, logs, configs   [var]
#   PORT          nginx on 127.0.0.1                            [8080]
#   WECHAT_PORT   WeChat stand-in                               [18081]
#   SMS_PORT      SMS stand-in                                  [18082]
#   BUILD         rel | san (sanitizer build, used by the tests) [rel]
#   PROCESSES, THREADS  worker processes and threads each       [2, 8]
#   NGINX_USER    as root: the user nginx's workers run as; its group
#                 owns the workers' socket (mode 0660) [www-data, else nobody]
# Everything runs as a child of the calling shell, not as a daemon, so the
# caller's trap can stop it all.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# mariadbd and nginx live in /usr/sbin, which a non-root user's PATH lacks.
PATH=$PATH:/usr/sbin:/sbin
WUYE_VAR=${WUYE_VAR:-$ROOT/var}
mkdir -p "$WUYE_VAR"
WUYE_VAR=$(cd "$WUYE_VAR" && pwd)
PORT=${PORT:-8080}
WECHAT_PORT=${WECHAT_PORT:-18081}
SMS_PORT=${SMS_PORT:-18082}
BUILD=${BUILD:-rel}
PROCESSES=${PROCESSES:-2}
THREADS=${THREADS:-8}
ME=$(id -un)
DB_SOCK=$WUYE_VAR/run/mysql.sock
FCGI_SOCK=$WUYE_VAR/run/wuye-fcgi.sock
CONF=$WUYE_VAR/conf/wuye.conf
STACK_PIDS=()

stack_log() { printf '[stack] %s\n' "$*" >&2; }

# Wait until a command succeeds (up to $1 seconds).
stack_wait() {
  local limit=$1; shift
  for ((i = 0; i < limit * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

stack_secret() { # file, generator
  [[ -s $1 ]] || { (umask 077; openssl rand -hex 16 > "$1"); }
}

# Who may connect to the workers' socket (mode 0660: its owner and its
# group; whoever connects can claim any REMOTE_ADDR). As root, nginx runs
# its workers as an unprivileged user (a `user` directive, below) and the
# socket's group is that user's group (listen_group). That user must reach
# the socket's folder and the error pages; if it cannot (a checkout under
# /root), nginx's workers stay root, with a warning. As anyone else, nginx
# and the workers are one user and the socket keeps that user's group.
stack_socket_group() {
  NGINX_GROUP=
  [[ $(id -u) -eq 0 ]] || return 0
  if [[ -z ${NGINX_USER:-} ]]; then
    NGINX_USER=nobody
    id -u www-data >/dev/null 2>&1 && NGINX_USER=www-data
  fi
  if [[ $NGINX_USER != root ]] && command -v runuser >/dev/null &&
     ! runuser -u "$NGINX_USER" -- test -x "$WUYE_VAR/run" -a -r "$ROOT/nginx/errors/404.json"; then
    stack_log "warning: $NGINX_USER cannot reach $WUYE_VAR/run or $ROOT/nginx; nginx's workers run as root"
    NGINX_USER=root
  fi
  NGINX_GROUP=$(id -gn "$NGINX_USER")
}

stack_prepare() {
  mkdir -p "$WUYE_VAR"/{run,log,conf,secrets,nginx,db}
  chmod 755 "$WUYE_VAR" "$WUYE_VAR/run"
  stack_socket_group
  stack_secret "$WUYE_VAR/secrets/db_password"
  stack_secret "$WUYE_VAR/secrets/wechat_app_secret"
  stack_secret "$WUYE_VAR/secrets/sms_secret_key"
  stack_secret "$WUYE_VAR/secrets/wechat_apiv3_key"   # 32 hex characters = 32 bytes
  cat > "$CONF" <<CONF
# wuye configuration for this run directory (written by scripts/stack.sh).
listen = unix:$FCGI_SOCK
${NGINX_GROUP:+listen_group = $NGINX_GROUP
}processes = $PROCESSES
threads = $THREADS
version = $(cat "$ROOT/VERSION" 2>/dev/null || echo dev)
db_socket = $DB_SOCK
db_name = wuye
db_user = wuye
db_password_file = $WUYE_VAR/secrets/db_password
wechat_base_url = http://127.0.0.1:$WECHAT_PORT
wechat_appid = wxd678efh567hg6787
wechat_secret_file = $WUYE_VAR/secrets/wechat_app_secret
# WeChat Pay (the stand-in, with the test keys of tests/vectors): online payment
wxpay_base_url = http://127.0.0.1:$WECHAT_PORT
wxpay_mchid = 1230000109
wxpay_serial = 5157F09EFDC096DE15EBE81A47057A7232F1B8E1
wxpay_merchant_key_file = $ROOT/tests/vectors/merchant_test_key.pem
wxpay_apiv3_key_file = $WUYE_VAR/secrets/wechat_apiv3_key
wxpay_platform_serial = PUB_KEY_ID_0112300001092026000000000000
wxpay_platform_key_file = $ROOT/tests/vectors/platform_test_pub.pem
wxpay_notify_url = http://127.0.0.1:$PORT/api/v1/pay/wechat/notify
sms_base_url = http://127.0.0.1:$SMS_PORT
sms_host = sms.tencentcloudapi.com
sms_region = ap-guangzhou
sms_secret_id = AKIDwuyeLOCALsecretId000000000000000
sms_secret_key_file = $WUYE_VAR/secrets/sms_secret_key
sms_sdk_app_id = 1400006666
sms_sign_name = 示范物业
sms_template_login = 1110
sms_template_bill_notice = 1111
CONF
  cat > "$WUYE_VAR/conf/wechat.json" <<JSON
{"port": $WECHAT_PORT, "appid": "wxd678efh567hg6787",
 "secret_file": "$WUYE_VAR/secrets/wechat_app_secret",
 "mchid": "1230000109", "apiv3_key_file": "$WUYE_VAR/secrets/wechat_apiv3_key",
 "merchant_serial": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
 "merchant_public_key_file": "$ROOT/tests/vectors/merchant_test_pub.pem",
 "platform_serial": "PUB_KEY_ID_0112300001092026000000000000",
 "platform_private_key_file": "$ROOT/tests/vectors/platform_test_key.pem",
 "platform_public_key_file": "$ROOT/tests/vectors/platform_test_pub.pem",
 "retry_scale": 0.01}
JSON
  cat > "$WUYE_VAR/conf/sms.json" <<JSON
{"port": $SMS_PORT, "secret_id": "AKIDwuyeLOCALsecretId000000000000000",
 "secret_key_file": "$WUYE_VAR/secrets/sms_secret_key",
 "sdk_app_id": "1400006666", "sign_name": "示范物业"}
JSON
  # Uploads (tickets' photos): outside any web root; nginx serves them from
  # an internal location after a worker checked access (nginx/wuye.conf.in).
  mkdir -p "$WUYE_VAR/uploads" && chmod 755 "$WUYE_VAR/uploads"
  cat >> "$CONF" <<CONF
upload_dir = $WUYE_VAR/uploads
sms_template_ticket = 1120
sms_template_ticket_staff = 1121
sms_template_approval = 1130
sms_template_approval_result = 1131
CONF
  # Announcements and surveys (NTC-1, NTC-4): their WeChat subscribe
  # messages' templates (ids of WeChat's length).
  cat >> "$CONF" <<CONF
wechat_template_notice = NTCnoticeTemplate000000000000000000000000001
wechat_template_survey = NTCsurveyTemplate000000000000000000000000001
CONF
  # Messages to owners (NTC-2, docs/messages.md): retries within seconds
  # against the stand-ins, and per-phone limits no demo phone reaches in a
  # test run. No sms_template_arrears: the monthly reminders stay off here
  # (tests/integration/test_messages.c turns them on in a host of its own).
  cat >> "$CONF" <<CONF
outbox_backoff_s = 1,1,2,5,10,30
sms_phone_limit_hour = 30
sms_phone_limit_day = 60
CONF
  sed -e "s|@PORT@|$PORT|g" -e "s|@FCGI@|unix:$FCGI_SOCK|g" -e "s|@VAR@|$WUYE_VAR|g" \
      -e "s|@ROOT@|$ROOT|g" "$ROOT/nginx/wuye.conf.in" > "$WUYE_VAR/conf/nginx.conf"
  # nginx started by root runs its workers as this user, in the socket's group.
  if [[ -n $NGINX_GROUP ]]; then
    sed -i "1i user $NGINX_USER $NGINX_GROUP;" "$WUYE_VAR/conf/nginx.conf"
  fi
  mkdir -p "$WUYE_VAR/nginx"/{body,fastcgi,proxy,uwsgi,scgi}
}

# The database server alone, in the background (also used by the tests to
# restart it: tests/integration/ctl.sh).
stack_mariadbd() {
  mariadbd --no-defaults --datadir="$WUYE_VAR/db" --socket="$DB_SOCK" --skip-networking \
    --user="$ME" --pid-file="$WUYE_VAR/run/mariadb.pid" --log-error="$WUYE_VAR/log/mariadb.log" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=512M --innodb-log-file-size=256M --max-connections=500 \
    --skip-name-resolve --performance-schema=OFF --max-prepared-stmt-count=65528 &
}

stack_sql() { mariadb --no-defaults -S "$DB_SOCK" -u "$(id -un)" "$@"; }

stack_start_db() {
  if [[ ! -d $WUYE_VAR/db/mysql ]]; then
    stack_log "creating the database in $WUYE_VAR/db"
    mariadb-install-db --no-defaults --datadir="$WUYE_VAR/db" --user="$ME" \
      --auth-root-authentication-method=socket --skip-test-db >"$WUYE_VAR/log/install-db.log" 2>&1 \
      || { cat "$WUYE_VAR/log/install-db.log" >&2; return 1; }
  fi
  stack_mariadbd
  STACK_PIDS+=($!)
  STACK_DB_PID=$!
  stack_wait 60 stack_sql -e 'SELECT 1' || { stack_log "MariaDB did not start"; tail -20 "$WUYE_VAR/log/mariadb.log" >&2; return 1; }
  local pw; pw=$(cat "$WUYE_VAR/secrets/db_password")
  stack_sql -e "CREATE DATABASE IF NOT EXISTS wuye CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER IF NOT EXISTS 'wuye'@'localhost' IDENTIFIED BY '$pw';
    ALTER USER 'wuye'@'localhost' IDENTIFIED BY '$pw';
    GRANT ALL ON wuye.* TO 'wuye'@'localhost';"
  "$ROOT/build/$BUILD/wuye" -c "$CONF" migrate "$ROOT/sql"
}

stack_load_demo() {
  "$ROOT/build/$BUILD/wuye" -c "$CONF" demo-load "$ROOT/sql"
}

stack_start_standins() {
  node "$ROOT/tests/standins/wechat.js" --config "$WUYE_VAR/conf/wechat.json" >"$WUYE_VAR/log/wechat-standin.log" 2>&1 &
  STACK_PIDS+=($!)
  node "$ROOT/tests/standins/sms.js" --config "$WUYE_VAR/conf/sms.json" >"$WUYE_VAR/log/sms-standin.log" 2>&1 &
  STACK_PIDS+=($!)
  stack_wait 20 curl -s "http://127.0.0.1:$WECHAT_PORT/_test/wechat/stats" &&
  stack_wait 20 curl -s "http://127.0.0.1:$SMS_PORT/_test/sms/stats" ||
  { stack_log "stand-ins did not start"; return 1; }
}

stack_start_workers() {
  "$ROOT/build/$BUILD/wuye-fcgi" -c "$CONF" >>"$WUYE_VAR/log/wuye.log" 2>&1 &
  STACK_PIDS+=($!)
  STACK_MASTER_PID=$!
  echo $! > "$WUYE_VAR/run/wuye-fcgi.pid"
  stack_wait 20 test -S "$FCGI_SOCK" || { stack_log "workers did not start"; return 1; }
}

stack_start_nginx() {
  nginx -c "$WUYE_VAR/conf/nginx.conf" -p "$WUYE_VAR" -e "$WUYE_VAR/log/nginx-error.log" 2>>"$WUYE_VAR/log/nginx-error.log" &
  STACK_PIDS+=($!)
  STACK_NGINX_PID=$!
  stack_wait 20 curl -sf "http://127.0.0.1:$PORT/api/v1/health" ||
    { stack_log "the system did not answer on port $PORT"; tail -5 "$WUYE_VAR/log/nginx-error.log" "$WUYE_VAR/log/wuye.log" >&2; return 1; }
}

stack_start_all() {
  stack_prepare
  stack_start_db && stack_start_standins && stack_start_workers && stack_start_nginx
}

# Stop in the order that loses nothing: nginx first (it finishes what it
# has), then the workers drain, then the stand-ins, the database last.
stack_stop() {
  local pid f
  for f in wuye-fcgi.pid mariadb.pid; do
    pid=$(cat "$WUYE_VAR/run/$f" 2>/dev/null) || continue
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || continue
    case " ${STACK_PIDS[*]} " in *" $pid "*) ;; *) STACK_PIDS+=("$pid") ;; esac
    [[ $f == mariadb.pid ]] && STACK_DB_PID=$pid
    [[ $f == wuye-fcgi.pid ]] && STACK_MASTER_PID=$pid
  done
  [[ -n ${STACK_NGINX_PID:-} ]] && kill -QUIT "$STACK_NGINX_PID" 2>/dev/null
  [[ -n ${STACK_MASTER_PID:-} ]] && kill -TERM "$STACK_MASTER_PID" 2>/dev/null
  for pid in "${STACK_PIDS[@]}"; do
    [[ $pid == "${STACK_DB_PID:-}" ]] && continue
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${STACK_PIDS[@]}"; do
    [[ $pid == "${STACK_DB_PID:-}" ]] && continue
    timeout 25 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null
  done
  if [[ -n ${STACK_DB_PID:-} ]]; then
    kill -TERM "$STACK_DB_PID" 2>/dev/null
    timeout 25 tail --pid="$STACK_DB_PID" -f /dev/null 2>/dev/null || kill -KILL "$STACK_DB_PID" 2>/dev/null
  fi
  STACK_PIDS=()
}
