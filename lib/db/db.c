/*
 * db.c — see db.h.
 *
 * Reconnection: MariaDB's auto-reconnect is off on purpose (it would
 * silently drop a transaction and session state). Instead we peek at the
 * socket before a statement outside a transaction and reconnect when the
 * server has closed it, so a restart costs no failed request once the
 * server is back. A statement that fails with a connection error is not
 * retried: it may have run on the server before the link broke, so the
 * handle is closed (the next statement reconnects) and the request fails
 * with 503 DB_UNAVAILABLE; the client may retry.
 *
 * Rows are fetched unbuffered (no mysql_stmt_store_result): each row goes
 * from the socket straight into the caller's arena, or to db_stream()'s
 * callback, never into a second copy.
 */
#include "db/db.h"

#include <assert.h>
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

#define CELL_INIT 64
#define TX_ATTEMPTS 8 /* tries of a transaction that keeps meeting deadlocks */

struct db {
    MYSQL *conn;
    bool connected_before; /* a connect after this is a reconnect */
    bool in_tx;
    MYSQL_STMT *stmts[DB_MAX_STMTS + 1]; /* by struct db_sql slot; NULL = not prepared here */
};

static const struct config *db_cfg;
static __thread struct db *thread_db;
static _Atomic int next_slot;

void db_configure(const struct config *c)
{
    db_cfg = c;
}

static void db_disconnect(struct db *db)
{
    for (size_t i = 0; i <= DB_MAX_STMTS; i++)
        if (db->stmts[i]) {
            mysql_stmt_close(db->stmts[i]);
            db->stmts[i] = NULL;
        }
    if (db->conn)
        mysql_close(db->conn);
    db->conn = NULL;
    db->in_tx = false;
}

static bool is_conn_error(unsigned int code)
{
    return code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == CR_CONNECTION_ERROR ||
           code == CR_CONN_HOST_ERROR || code == ER_CONNECTION_KILLED ||
           code == CR_COMMANDS_OUT_OF_SYNC || code == ER_SERVER_SHUTDOWN || code == 4031;
}

static int db_fail(struct db *db, unsigned int code, const char *what, const char *msg,
                   struct err *e)
{
    metrics_inc(METRIC_DB_ERRORS);
    if (is_conn_error(code)) {
        log_warn("event=db_error what=%s code=%u msg=\"%s\"", what, code, msg);
        db_disconnect(db);
        return err_set(e, E_DB_UNAVAILABLE);
    }
    if (code == ER_DUP_ENTRY)
        return err_set(e, E_DB_DUPLICATE);
    if (code == ER_LOCK_DEADLOCK || code == ER_LOCK_WAIT_TIMEOUT)
        return err_set(e, E_DB_RETRY);
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
        return err_set(e, E_DB_UNAVAILABLE);
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

/* The statement of q on this connection, prepared on first use. */
static MYSQL_STMT *stmt_get(struct db *db, struct db_sql *q, struct err *e)
{
    int slot = atomic_load_explicit(&q->slot, memory_order_acquire);
    MYSQL_STMT *st;

    if (!slot) {
        /* First use in this process: take the next slot. Two threads may
         * race; the loser's number is simply never used. */
        int fresh = atomic_fetch_add(&next_slot, 1) + 1, expected = 0;
        slot = atomic_compare_exchange_strong(&q->slot, &expected, fresh) ? fresh : expected;
    }
    if (slot > DB_MAX_STMTS) {
        log_error("event=db_too_many_statements max=%d sql=\"%.60s\"", DB_MAX_STMTS, q->text);
        err_internal(e);
        return NULL;
    }
    if (db->stmts[slot])
        return db->stmts[slot];
    st = mysql_stmt_init(db->conn);
    if (!st) {
        err_internal(e);
        return NULL;
    }
    if (mysql_stmt_prepare(st, q->text, strlen(q->text))) {
        unsigned int code = mysql_stmt_errno(st);
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", mysql_stmt_error(st));
        mysql_stmt_close(st);
        db_fail(db, code, "prepare", msg, e);
        log_error("event=db_prepare_failed sql=\"%.80s\"", q->text);
        return NULL;
    }
    db->stmts[slot] = st;
    return st;
}

/* Bind the parameters and execute; returns the statement, NULL on error. */
static MYSQL_STMT *run(struct db *db, struct db_sql *q, const struct db_param *params,
                       size_t nparams, struct err *e)
{
    MYSQL_BIND bind[64];
    MYSQL_STMT *st;

    assert(nparams <= 64);
    if (db_ready(db, e) < 0)
        return NULL;
    st = stmt_get(db, q, e);
    if (!st)
        return NULL;
    if (mysql_stmt_param_count(st) != nparams) {
        log_error("event=db_param_mismatch want=%lu got=%zu sql=\"%.60s\"",
                  mysql_stmt_param_count(st), nparams, q->text);
        assert(!"parameter count does not match the statement");
        err_internal(e);
        return NULL;
    }
    memset(bind, 0, sizeof(bind[0]) * (nparams ? nparams : 1));
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
    if (nparams && mysql_stmt_bind_param(st, bind)) {
        db_fail(db, mysql_stmt_errno(st), "bind", mysql_stmt_error(st), e);
        return NULL;
    }
    if (mysql_stmt_execute(st)) {
        db_fail(db, mysql_stmt_errno(st), "execute", mysql_stmt_error(st), e);
        return NULL;
    }
    return st;
}

/* Output bindings of one row: every column as text, into small buffers
 * that a longer value is fetched around. */
struct fetch {
    size_t ncols;
    MYSQL_BIND *bind;
    unsigned long *lens;
    my_bool *nulls;
    char (*small)[CELL_INIT];
};

static int fetch_begin(struct db *db, MYSQL_STMT *st, struct arena *a, size_t ncols,
                       struct fetch *f, struct err *e)
{
    size_t n = ncols ? ncols : 1;

    f->ncols = ncols;
    f->bind = arena_alloc(a, n * sizeof(*f->bind));
    f->lens = arena_alloc(a, n * sizeof(*f->lens));
    f->nulls = arena_alloc(a, n * sizeof(*f->nulls));
    f->small = arena_alloc(a, n * sizeof(*f->small));
    for (size_t c = 0; c < ncols; c++) {
        f->bind[c].buffer_type = MYSQL_TYPE_STRING;
        f->bind[c].buffer = f->small[c];
        f->bind[c].buffer_length = CELL_INIT;
        f->bind[c].length = &f->lens[c];
        f->bind[c].is_null = &f->nulls[c];
    }
    if (mysql_stmt_bind_result(st, f->bind))
        return db_fail(db, mysql_stmt_errno(st), "bind_result", mysql_stmt_error(st), e);
    return 0;
}

/* Fetch the next row into cell/len (arena copies). 1 = a row, 0 = done. */
static int fetch_row(struct db *db, MYSQL_STMT *st, struct arena *a, struct fetch *f,
                     const char **cell, size_t *len, struct err *e)
{
    int rc = mysql_stmt_fetch(st);

    if (rc == MYSQL_NO_DATA)
        return 0;
    if (rc == 1) {
        /* Some errors met while rows stream in (a deadlock found by a
         * locking read) are recorded on the connection, not on the
         * statement. */
        if (mysql_stmt_errno(st))
            return db_fail(db, mysql_stmt_errno(st), "fetch", mysql_stmt_error(st), e);
        return db_fail(db, mysql_errno(db->conn), "fetch", mysql_error(db->conn), e);
    }
    for (size_t c = 0; c < f->ncols; c++) {
        char *p;

        if (f->nulls[c]) {
            cell[c] = NULL;
            len[c] = 0;
            continue;
        }
        len[c] = f->lens[c];
        p = arena_alloc(a, f->lens[c] + 1);
        if (f->lens[c] > CELL_INIT) {
            /* Truncated: fetch this column again into room of its size. */
            MYSQL_BIND big;
            memset(&big, 0, sizeof(big));
            big.buffer_type = MYSQL_TYPE_STRING;
            big.buffer = p;
            big.buffer_length = f->lens[c];
            if (mysql_stmt_fetch_column(st, &big, (unsigned)c, 0))
                return db_fail(db, mysql_stmt_errno(st), "fetch_column", mysql_stmt_error(st), e);
        } else {
            memcpy(p, f->small[c], f->lens[c]);
        }
        p[f->lens[c]] = '\0';
        cell[c] = p;
    }
    return 1;
}

int db_query(struct db *db, struct arena *a, struct db_sql *q, const struct db_param *p, size_t n,
             struct db_res *out, struct err *e)
{
    struct db_res scratch;
    MYSQL_STMT *st;
    struct fetch f;
    size_t cap = 0;
    int rc = 0;

    if (!out)
        out = &scratch;
    memset(out, 0, sizeof(*out));
    st = run(db, q, p, n, e);
    if (!st)
        return -1;
    out->affected = mysql_stmt_affected_rows(st);
    out->insert_id = mysql_stmt_insert_id(st);
    /* The column count, without the metadata copy that
     * mysql_stmt_result_metadata() would allocate for every execution. */
    out->ncols = mysql_stmt_field_count(st);
    if (!out->ncols)
        return 0;
    /* A statement that returns rows needs somewhere to put them. */
    assert(a && out != &scratch);
    if (fetch_begin(db, st, a, out->ncols, &f, e) < 0) {
        rc = -1;
        goto out;
    }
    for (;;) {
        if (out->nrows == cap) {
            /* Grow by doubling inside the arena: at most twice the room. */
            size_t ncap = cap ? cap * 2 : 8, cells = ncap * (out->ncols ? out->ncols : 1);
            const char **cell = arena_alloc(a, cells * sizeof(*cell));
            size_t *len = arena_alloc(a, cells * sizeof(*len));
            if (cap) {
                memcpy(cell, out->cell, cap * out->ncols * sizeof(*cell));
                memcpy(len, out->len, cap * out->ncols * sizeof(*len));
            }
            out->cell = cell;
            out->len = len;
            cap = ncap;
        }
        rc = fetch_row(db, st, a, &f, out->cell + out->nrows * out->ncols,
                       out->len + out->nrows * out->ncols, e);
        if (rc <= 0)
            break;
        out->nrows++;
    }
out:
    if (db->conn)
        mysql_stmt_free_result(st);
    return rc < 0 ? -1 : 0;
}

int db_exec(struct db *db, struct db_sql *q, const struct db_param *p, size_t n, uint64_t *affected,
            struct err *e)
{
    MYSQL_STMT *st = run(db, q, p, n, e);

    if (!st)
        return -1;
    /* A statement run here has no rows to read (db_query() is for those). */
    assert(mysql_stmt_field_count(st) == 0);
    if (affected)
        *affected = mysql_stmt_affected_rows(st);
    return 0;
}

int db_insert(struct db *db, struct db_sql *q, const struct db_param *p, size_t n, int64_t *id,
              struct err *e)
{
    MYSQL_STMT *st = run(db, q, p, n, e);

    if (!st)
        return -1;
    assert(mysql_stmt_field_count(st) == 0);
    if (id)
        *id = (int64_t)mysql_stmt_insert_id(st);
    return 0;
}

/* Column-wise array binding: a column of integers is an int64 array, a
 * column of strings an array of pointers with their lengths, and a NULL
 * is an indicator. The arrays live in a scratch arena for the call. */
int db_exec_bulk(struct db *db, struct db_sql *q, const struct db_param *p, size_t ncols,
                 size_t nrows, uint64_t *affected, struct err *e)
{
    struct arena a = {0};
    MYSQL_BIND *bind;
    MYSQL_STMT *st;
    unsigned int size = (unsigned int)nrows, none = 0;
    int rc = -1;

    if (affected)
        *affected = 0;
    if (nrows == 0)
        return 0;
    assert(ncols > 0 && nrows <= UINT32_MAX);
    if (db_ready(db, e) < 0 || !(st = stmt_get(db, q, e)))
        return -1;
    if (mysql_stmt_param_count(st) != ncols) {
        log_error("event=db_param_mismatch want=%lu got=%zu sql=\"%.60s\"",
                  mysql_stmt_param_count(st), ncols, q->text);
        assert(!"parameter count does not match the statement");
        return err_internal(e);
    }
    bind = arena_alloc(&a, ncols * sizeof(*bind)); /* zeroed */
    for (size_t c = 0; c < ncols; c++) {
        enum db_type type = DB_NULL;
        char *ind = arena_alloc(&a, nrows);
        bool nulls = false;

        for (size_t i = 0; i < nrows; i++) {
            const struct db_param *x = &p[i * ncols + c];
            ind[i] = x->type == DB_NULL ? STMT_INDICATOR_NULL : STMT_INDICATOR_NONE;
            nulls = nulls || x->type == DB_NULL;
            assert(x->type == DB_NULL || type == DB_NULL || x->type == type);
            if (x->type != DB_NULL)
                type = x->type;
        }
        if (type == DB_STR) {
            char **v = arena_alloc(&a, nrows * sizeof(*v));
            unsigned long *len = arena_alloc(&a, nrows * sizeof(*len));
            for (size_t i = 0; i < nrows; i++) {
                v[i] = (char *)(p[i * ncols + c].type == DB_STR ? p[i * ncols + c].s : "");
                len[i] = p[i * ncols + c].type == DB_STR ? p[i * ncols + c].len : 0;
            }
            bind[c].buffer_type = MYSQL_TYPE_STRING;
            bind[c].buffer = v;
            bind[c].length = len;
        } else {
            int64_t *v = arena_alloc(&a, nrows * sizeof(*v));
            for (size_t i = 0; i < nrows; i++)
                v[i] = p[i * ncols + c].i;
            bind[c].buffer_type = MYSQL_TYPE_LONGLONG;
            bind[c].buffer = v;
        }
        if (nulls)
            bind[c].u.indicator = ind;
    }
    if (mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &size) || mysql_stmt_bind_param(st, bind)) {
        db_fail(db, mysql_stmt_errno(st), "bind", mysql_stmt_error(st), e);
        goto out;
    }
    if (mysql_stmt_execute(st)) {
        db_fail(db, mysql_stmt_errno(st), "execute", mysql_stmt_error(st), e);
        goto out;
    }
    assert(mysql_stmt_field_count(st) == 0);
    if (affected)
        *affected = mysql_stmt_affected_rows(st);
    rc = 0;
out:
    /* The bound arrays die with the arena: nothing may point at them. */
    if (db->conn)
        mysql_stmt_attr_set(st, STMT_ATTR_ARRAY_SIZE, &none);
    arena_free(&a);
    return rc;
}

int db_one(struct db *db, struct arena *a, struct db_sql *q, const struct db_param *p, size_t n,
           struct db_res *out, struct err *e)
{
    if (db_query(db, a, q, p, n, out, e) < 0)
        return -1;
    if (out->nrows > 1) {
        log_error("event=db_more_than_one_row rows=%zu sql=\"%.60s\"", out->nrows, q->text);
        return err_internal(e);
    }
    return (int)out->nrows;
}

int db_stream(struct db *db, struct db_sql *q, const struct db_param *p, size_t n,
              int (*fn)(void *arg, const struct db_res *row, struct err *e), void *arg,
              struct err *e)
{
    struct arena setup = {0}, rowa = {0};
    struct db_res row;
    MYSQL_STMT *st;
    struct fetch f;
    int rc = 0;

    memset(&row, 0, sizeof(row));
    st = run(db, q, p, n, e);
    if (!st)
        return -1;
    row.ncols = mysql_stmt_field_count(st);
    if (!row.ncols)
        return 0;
    row.cell = arena_alloc(&setup, (row.ncols ? row.ncols : 1) * sizeof(*row.cell));
    row.len = arena_alloc(&setup, (row.ncols ? row.ncols : 1) * sizeof(*row.len));
    row.nrows = 1;
    if (fetch_begin(db, st, &setup, row.ncols, &f, e) < 0) {
        rc = -1;
        goto out;
    }
    for (;;) {
        arena_reset(&rowa);
        rc = fetch_row(db, st, &rowa, &f, row.cell, row.len, e);
        if (rc <= 0)
            break;
        if (fn(arg, &row, e) < 0) {
            rc = -1;
            break;
        }
    }
out:
    /* Discards any rows left unread, so the connection is usable again. */
    if (db->conn)
        mysql_stmt_free_result(st);
    arena_free(&rowa);
    arena_free(&setup);
    return rc < 0 ? -1 : 0;
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
    assert(!db->in_tx); /* no nesting: one transaction, one commit */
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
        if (!(e && err_is(e, E_DB_RETRY)) || attempt == TX_ATTEMPTS - 1)
            return -1;
        log_info("event=db_tx_retry attempt=%d", attempt + 1);
        /* InnoDB picked us as a deadlock victim: the others go on. Wait a
         * random while, growing with each try, so the same transactions do
         * not meet again in the same order. */
        usleep((useconds_t)(1000 + util_random_below(2000u << (attempt < 5 ? attempt : 5))));
    }
}

bool db_in_tx(const struct db *db)
{
    return db->in_tx;
}

DB_SQL(sql_ping, "SELECT 1");

bool db_ping(struct db *db)
{
    struct arena a = {0};
    struct err e;
    struct db_res r;
    bool ok = db_query(db, &a, &sql_ping, DB_NOARGS, &r, &e) == 0 && r.nrows == 1;

    arena_free(&a);
    return ok;
}

static size_t at(const struct db_res *r, size_t row, size_t col)
{
    assert(row < r->nrows && col < r->ncols);
    return row * r->ncols + col;
}

const char *db_str(const struct db_res *r, size_t row, size_t col)
{
    return r->cell[at(r, row, col)];
}

const char *db_text(const struct db_res *r, size_t row, size_t col)
{
    const char *s = r->cell[at(r, row, col)];
    return s ? s : "";
}

size_t db_len(const struct db_res *r, size_t row, size_t col)
{
    return r->len[at(r, row, col)];
}

bool db_is_null(const struct db_res *r, size_t row, size_t col)
{
    return r->cell[at(r, row, col)] == NULL;
}

int64_t db_int(const struct db_res *r, size_t row, size_t col)
{
    const char *s = r->cell[at(r, row, col)];
    return s ? strtoll(s, NULL, 10) : 0;
}

const char *db_like_contains(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    char *out = arena_alloc(a, 2 * n + 3), *o = out;

    *o++ = '%';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' || s[i] == '_' || s[i] == '\\')
            *o++ = '\\';
        *o++ = s[i];
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

const char *db_like_prefix(struct arena *a, const char *s)
{
    return db_like_contains(a, s) + 1; /* without the leading % */
}

int64_t *db_id_list(struct arena *a, const char *text, size_t *n)
{
    int64_t *ids = arena_alloc(a, (strlen(text) / 2 + 1) * sizeof(*ids));

    *n = 0;
    while (*text) {
        char *end;
        ids[(*n)++] = strtoll(text, &end, 10);
        text = *end == ',' ? end + 1 : end;
    }
    return ids;
}

const char *db_id_list_text(struct arena *a, const int64_t *ids, size_t n)
{
    size_t used = 0, size = n * 21 + 1; /* 20 digits and a comma each */
    char *out = arena_alloc(a, size);

    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%lld", i ? "," : "", (long long)ids[i]);
    return out;
}
