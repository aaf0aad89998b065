/*
 * db.h — the database layer over MariaDB Connector/C.
 *
 * One connection per thread, opened lazily on first use and reopened when
 * the server went away (a restart): before each statement outside a
 * transaction the socket is peeked (no round trip) and a dead connection is
 * replaced. Only prepared statements: the SQL text is always a constant of
 * ours and every value travels as a bound parameter. Prepared statements
 * are cached per connection, keyed by their SQL text, so a hot query costs
 * one round trip.
 *
 * Results are copied into a struct db_res that the caller owns and frees
 * with db_res_free(); every column is fetched as text (integers parse with
 * db_int()). Errors: -1 and struct err set to INTERNAL (500) or, when the
 * database cannot be reached, DB_UNAVAILABLE (503). Duplicate-key errors
 * are reported as code "DUPLICATE" (409) so callers can map them.
 */
#ifndef WUYE_DB_H
#define WUYE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/config.h"
#include "core/err.h"

struct db;

enum db_type { DB_NULL, DB_INT, DB_STR };

struct db_param {
    enum db_type type;
    int64_t i;
    const char *s;
    size_t len;
};

#define P_INT(v) ((struct db_param){DB_INT, (int64_t)(v), NULL, 0})
#define P_NULL ((struct db_param){DB_NULL, 0, NULL, 0})
#define P_STRN(p, n) ((struct db_param){DB_STR, 0, (p), (n)})
/* A NULL string binds SQL NULL. */
static inline struct db_param P_STR(const char *s) {
    return s ? P_STRN(s, strlen(s)) : P_NULL;
}

struct db_res {
    size_t nrows, ncols;
    uint64_t affected;
    uint64_t insert_id;
    size_t *off; /* nrows*ncols offsets into data; SIZE_MAX = NULL */
    size_t *len; /* byte lengths */
    char *data;
};

/* The configuration every thread connects with (set once at start). */
void db_configure(const struct config *c);
/* This thread's handle; never NULL (connecting happens on first use). */
struct db *db_thread(void);
/* Close this thread's connection (thread exit). */
void db_thread_close(void);

/* Run one prepared statement. out may be NULL for statements without rows
 * (then affected/insert_id are lost; pass a res to read them). */
int db_exec(struct db *db, const char *sql, const struct db_param *params, size_t nparams,
            struct db_res *out, struct err *e);

/* Run fn inside a transaction: commit when it returns 0, roll back
 * otherwise. A deadlock or lock wait timeout reruns fn (up to 8 tries,
 * after a growing random pause), so fn must not have effects outside the
 * database. */
int db_tx(struct db *db, int (*fn)(struct db *db, void *arg, struct err *e), void *arg,
          struct err *e);

/* Is the server reachable (SELECT 1)? */
bool db_ping(struct db *db);

const char *db_str(const struct db_res *r, size_t row, size_t col); /* NULL for SQL NULL */
size_t db_len(const struct db_res *r, size_t row, size_t col);
int64_t db_int(const struct db_res *r, size_t row, size_t col); /* 0 for NULL */
bool db_is_null(const struct db_res *r, size_t row, size_t col);
/* Frees the rows; affected and insert_id remain readable. */
void db_res_free(struct db_res *r);

#endif
