/*
 * db.c — see db.h.
 *
 * Reconnection: MariaDB's auto-reconnect is off on purpose (it would
 * silently drop a transaction and session state). Instead we notice a dead
 * socket ourselves before a statement, and after a connection error we
 * close the handle so the next statement reconnects. A statement that fails
 * with a connection error is retried once only when it provably never
 * reached a server (the connection was found closed before sending);
 * otherwise the request fails with 503 and the client may retry.
 */
#include "db/db.h"

#include <errno.h>
#include <inttypes.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/util.h"

#define STMT_CACHE 128
#define CELL_INIT 64
#define TX_ATTEMPTS 8 /* tries of a transaction that keeps meeting deadlocks */

struct cached_stmt {
    const char *sql;
    MYSQL_STMT *st;
};

struct db {
    MYSQL *conn;
    bool connected_before; /* a connect after this is a reconnect */
    bool in_tx;
    size_t nstmts;
    struct cached_stmt stmts[STMT_CACHE];
};

static const struct config *db_cfg;
static __thread struct db *thread_db;

void db_configure(const struct config *c)
{
    db_cfg = c;
}

static void db_disconnect(struct db *db)
{
    for (size_t i = 0; i < db->nstmts; i++)
        mysql_stmt_close(db->stmts[i].st);
    db->nstmts = 0;
    if (db->conn)
        mysql_close(db->conn);
    db->conn = NULL;
    db->in_tx = false;
}

static bool is_conn_error(unsigned int code)
{
    return code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == CR_CONNECTION_ERROR ||
           code == CR_CONN_HOST_ERROR || code == ER_CONNECTION_KILLED ||
           code == CR_COMMANDS_OUT_OF_SYNC || code == 4031;
}

static int db_fail(struct db *db, unsigned int code, const char *what, const char *msg,
                   struct err *e)
{
    metrics_inc(METRIC_DB_ERRORS);
    if (is_conn_error(code)) {
        log_warn("event=db_error what=%s code=%u msg=\"%s\"", what, code, msg);
        db_disconnect(db);
        return err_set(e, 503, "DB_UNAVAILABLE", "系统暂时无法访问数据库，请稍后再试");
    }
    if (code == ER_DUP_ENTRY)
        return err_set(e, 409, "DUPLICATE", "数据已存在");
    if (code == ER_LOCK_DEADLOCK || code == ER_LOCK_WAIT_TIMEOUT)
        return err_set(e, 503, "DB_RETRY", "系统繁忙，请稍后再试");
    log_error("event=db_error what=%s code=%u msg=\"%s\"", what, code, msg);
    return err_internal(e);
}

static int db_connect(struct db *db, struct err *e)
{
    unsigned int timeout = 3, rw_timeout = 30;
    MYSQL *m = mysql_init(NULL);

    if (!m || !db_cfg)
        return err_internal(e);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
    /* Timestamps are stored in UTC; the session's NOW() must agree. */
    mysql_options(m, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
    if (!mysql_real_connect(m, db_cfg->db_socket[0] ? NULL : db_cfg->db_host, db_cfg->db_user,
                            db_cfg->db_password, db_cfg->db_name, (unsigned)db_cfg->db_port,
                            db_cfg->db_socket[0] ? db_cfg->db_socket : NULL, 0)) {
        unsigned int code = mysql_errno(m);
        log_warn("event=db_connect_failed code=%u msg=\"%s\"", code, mysql_error(m));
        mysql_close(m);
        metrics_inc(METRIC_DB_ERRORS);
        return err_set(e, 503, "DB_UNAVAILABLE", "系统暂时无法访问数据库，请稍后再试");
    }
    db->conn = m;
    if (db->connected_before)
        metrics_inc(METRIC_DB_RECONNECTS);
    db->connected_before = true;
    return 0;
}

/* True if the server closed our socket (restart, idle kill): an EOF or
 * error is waiting to be read although we sent nothing. No round trip. */
static bool db_socket_dead(struct db *db)
{
    struct pollfd pfd;
    char c;
    ssize_t n;

    pfd.fd = (int)mysql_get_socket(db->conn);
    pfd.events = POLLIN;
    if (pfd.fd < 0)
        return true;
    if (poll(&pfd, 1, 0) <= 0)
        return false;
    if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
        return true;
    n = recv(pfd.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static int db_ready(struct db *db, struct err *e)
{
    if (db->conn && !db->in_tx && db_socket_dead(db)) {
        log_info("event=db_connection_closed action=reconnect");
        db_disconnect(db);
    }
    if (!db->conn)
        return db_connect(db, e);
    return 0;
}

struct db *db_thread(void)
{
    if (!thread_db) {
        thread_db = calloc(1, sizeof(*thread_db));
        if (!thread_db)
            abort();
    }
    return thread_db;
}

void db_thread_close(void)
{
    if (thread_db) {
        db_disconnect(thread_db);
        free(thread_db);
        thread_db = NULL;
    }
    mysql_thread_end();
}

static MYSQL_STMT *stmt_get(struct db *db, const char *sql, struct err *e)
{
    MYSQL_STMT *st;

    for (size_t i = 0; i < db->nstmts; i++)
        if (db->stmts[i].sql == sql || strcmp(db->stmts[i].sql, sql) == 0)
            return db->stmts[i].st;
    st = mysql_stmt_init(db->conn);
    if (!st) {
        err_internal(e);
        return NULL;
    }
    if (mysql_stmt_prepare(st, sql, strlen(sql))) {
        unsigned int code = mysql_stmt_errno(st);
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", mysql_stmt_error(st));
        mysql_stmt_close(st);
        db_fail(db, code, "prepare", msg, e);
        return NULL;
    }
    if (db->nstmts == STMT_CACHE) {
        /* Full: drop the oldest. Only a bug makes this many distinct SQLs. */
        mysql_stmt_close(db->stmts[0].st);
        memmove(&db->stmts[0], &db->stmts[1], (STMT_CACHE - 1) * sizeof(db->stmts[0]));
        db->nstmts--;
    }
    db->stmts[db->nstmts].sql = sql;
    db->stmts[db->nstmts].st = st;
    db->nstmts++;
    return st;
}

static int fetch_rows(struct db *db, MYSQL_STMT *st, MYSQL_RES *meta, struct db_res *out,
                      struct err *e)
{
    size_t ncols = mysql_num_fields(meta), cap_rows = 16;
    MYSQL_BIND *bind = calloc(ncols ? ncols : 1, sizeof(*bind));
    char **cell = calloc(ncols ? ncols : 1, sizeof(*cell));
    unsigned long *lens = calloc(ncols ? ncols : 1, sizeof(*lens));
    my_bool *nulls = calloc(ncols ? ncols : 1, sizeof(*nulls));
    struct buf data = BUF_INIT;
    int rc = 0;

    out->ncols = ncols;
    out->off = malloc(cap_rows * (ncols ? ncols : 1) * sizeof(size_t));
    out->len = malloc(cap_rows * (ncols ? ncols : 1) * sizeof(size_t));
    if (!bind || !cell || !lens || !nulls || !out->off || !out->len)
        abort();
    for (size_t c = 0; c < ncols; c++) {
        cell[c] = malloc(CELL_INIT);
        if (!cell[c])
            abort();
        bind[c].buffer_type = MYSQL_TYPE_STRING;
        bind[c].buffer = cell[c];
        bind[c].buffer_length = CELL_INIT;
        bind[c].length = &lens[c];
        bind[c].is_null = &nulls[c];
    }
    if (mysql_stmt_bind_result(st, bind)) {
        rc = db_fail(db, mysql_stmt_errno(st), "bind_result", mysql_stmt_error(st), e);
        goto out;
    }
    for (;;) {
        int f = mysql_stmt_fetch(st);
        size_t base;

        if (f == MYSQL_NO_DATA)
            break;
        if (f == 1) {
            /* Some errors met while rows stream in (a deadlock found by a
             * locking read) are recorded on the connection, not on the
             * statement. */
            if (mysql_stmt_errno(st))
                rc = db_fail(db, mysql_stmt_errno(st), "fetch", mysql_stmt_error(st), e);
            else
                rc = db_fail(db, mysql_errno(db->conn), "fetch", mysql_error(db->conn), e);
            goto out;
        }
        if (out->nrows == cap_rows) {
            cap_rows *= 2;
            out->off = realloc(out->off, cap_rows * ncols * sizeof(size_t));
            out->len = realloc(out->len, cap_rows * ncols * sizeof(size_t));
            if (!out->off || !out->len)
                abort();
        }
        base = out->nrows * ncols;
        for (size_t c = 0; c < ncols; c++) {
            if (nulls[c]) {
                out->off[base + c] = SIZE_MAX;
                out->len[base + c] = 0;
                continue;
            }
            out->off[base + c] = data.len;
            out->len[base + c] = lens[c];
            if (lens[c] > CELL_INIT) {
                /* Truncated: fetch this column again into room of its size. */
                MYSQL_BIND big;
                buf_reserve(&data, lens[c]);
                memset(&big, 0, sizeof(big));
                big.buffer_type = MYSQL_TYPE_STRING;
                big.buffer = data.data + data.len;
                big.buffer_length = lens[c];
                if (mysql_stmt_fetch_column(st, &big, (unsigned)c, 0)) {
                    rc = db_fail(db, mysql_stmt_errno(st), "fetch_column", mysql_stmt_error(st), e);
                    goto out;
                }
                data.len += lens[c];
                buf_append(&data, "", 1);
            } else {
                buf_append(&data, cell[c], lens[c]);
                buf_append(&data, "", 1);
            }
        }
        out->nrows++;
    }
out:
    mysql_stmt_free_result(st);
    for (size_t c = 0; c < ncols; c++)
        free(cell[c]);
    free(cell);
    free(bind);
    free(lens);
    free(nulls);
    out->data = data.data ? data.data : calloc(1, 1);
    return rc;
}

static int exec_once(struct db *db, const char *sql, const struct db_param *params, size_t nparams,
                     struct db_res *out, struct err *e)
{
    MYSQL_STMT *st;
    MYSQL_BIND bind[32];
    MYSQL_RES *meta;
    int rc = 0;

    if (nparams > 32)
        return err_internal(e);
    if (db_ready(db, e) < 0)
        return -1;
    st = stmt_get(db, sql, e);
    if (!st)
        return -1;
    if (mysql_stmt_param_count(st) != nparams) {
        log_error("event=db_param_mismatch sql=\"%.60s\"", sql);
        return err_internal(e);
    }
    memset(bind, 0, sizeof(bind));
    for (size_t i = 0; i < nparams; i++) {
        switch (params[i].type) {
        case DB_NULL:
            bind[i].buffer_type = MYSQL_TYPE_NULL;
            break;
        case DB_INT:
            bind[i].buffer_type = MYSQL_TYPE_LONGLONG;
            bind[i].buffer = (void *)&params[i].i;
            break;
        case DB_STR:
            bind[i].buffer_type = MYSQL_TYPE_STRING;
            bind[i].buffer = (void *)params[i].s;
            bind[i].buffer_length = params[i].len;
            break;
        }
    }
    if (nparams && mysql_stmt_bind_param(st, bind))
        return db_fail(db, mysql_stmt_errno(st), "bind", mysql_stmt_error(st), e);
    if (mysql_stmt_execute(st))
        return db_fail(db, mysql_stmt_errno(st), "execute", mysql_stmt_error(st), e);
    if (out) {
        memset(out, 0, sizeof(*out));
        out->affected = mysql_stmt_affected_rows(st);
        out->insert_id = mysql_stmt_insert_id(st);
    }
    meta = mysql_stmt_result_metadata(st);
    if (meta) {
        struct db_res scratch;
        struct db_res *r = out ? out : &scratch;
        if (!out)
            memset(&scratch, 0, sizeof(scratch));
        rc = fetch_rows(db, st, meta, r, e);
        mysql_free_result(meta);
        if (!out || rc < 0)
            db_res_free(r);
    }
    return rc;
}

int db_exec(struct db *db, const char *sql, const struct db_param *params, size_t nparams,
            struct db_res *out, struct err *e)
{
    if (out)
        memset(out, 0, sizeof(*out));
    return exec_once(db, sql, params, nparams, out, e);
}

static int simple(struct db *db, const char *sql, struct err *e)
{
    if (mysql_real_query(db->conn, sql, strlen(sql)))
        return db_fail(db, mysql_errno(db->conn), sql, mysql_error(db->conn), e);
    return 0;
}

int db_tx(struct db *db, int (*fn)(struct db *db, void *arg, struct err *e), void *arg,
          struct err *e)
{
    for (int attempt = 0;; attempt++) {
        int rc;

        if (db_ready(db, e) < 0)
            return -1;
        if (simple(db, "START TRANSACTION", e) < 0)
            return -1;
        db->in_tx = true;
        rc = fn(db, arg, e);
        if (rc == 0) {
            if (mysql_commit(db->conn)) {
                rc = db_fail(db, mysql_errno(db->conn), "commit", mysql_error(db->conn), e);
            } else {
                db->in_tx = false;
                return 0;
            }
        }
        if (db->conn) {
            /* A failed rollback means the connection is gone: the server
             * rolls back on its own when the session dies. */
            if (mysql_rollback(db->conn))
                db_disconnect(db);
            else
                db->in_tx = false;
        }
        if (!(e && e->code && strcmp(e->code, "DB_RETRY") == 0) || attempt == TX_ATTEMPTS - 1)
            return -1;
        log_info("event=db_tx_retry attempt=%d", attempt + 1);
        /* InnoDB picked us as a deadlock victim: the others go on. Wait a
         * random while, growing with each try, so the same transactions do
         * not meet again in the same order. */
        usleep((useconds_t)(1000 + util_random_below(2000u << (attempt < 5 ? attempt : 5))));
    }
}

bool db_ping(struct db *db)
{
    struct err e;
    struct db_res r;
    bool ok;

    ok = db_exec(db, "SELECT 1", NULL, 0, &r, &e) == 0 && r.nrows == 1;
    db_res_free(&r);
    return ok;
}

const char *db_str(const struct db_res *r, size_t row, size_t col)
{
    size_t o = r->off[row * r->ncols + col];
    return o == SIZE_MAX ? NULL : r->data + o;
}

size_t db_len(const struct db_res *r, size_t row, size_t col)
{
    return r->len[row * r->ncols + col];
}

bool db_is_null(const struct db_res *r, size_t row, size_t col)
{
    return r->off[row * r->ncols + col] == SIZE_MAX;
}

int64_t db_int(const struct db_res *r, size_t row, size_t col)
{
    const char *s = db_str(r, row, col);
    return s ? strtoll(s, NULL, 10) : 0;
}

void db_res_free(struct db_res *r)
{
    /* affected and insert_id stay readable after the free: callers free
     * the rows and then look at the counts. */
    free(r->off);
    free(r->len);
    free(r->data);
    r->off = r->len = NULL;
    r->data = NULL;
    r->nrows = r->ncols = 0;
}
