/*
 * db.h — the database layer over MariaDB Connector/C.
 *
 * Connections. One per thread, opened lazily on first use. Before each
 * statement outside a transaction the socket is peeked (no round trip) and
 * a connection the server closed (a restart) is replaced; a statement that
 * fails with a connection error is never retried here — the request fails
 * with 503 DB_UNAVAILABLE and the client may retry (db.c says why).
 *
 * Statements. Only prepared statements: the SQL text is always a constant
 * of ours and every value travels as a bound parameter. Each module lists
 * its SQL once, at the top of its .c file, with DB_SQL(); that list is the
 * module's whole conversation with the database, to review in one place.
 * A statement is prepared on a connection the first time it runs there,
 * found again in O(1) by its slot, and never evicted: the number a
 * connection holds is the number of distinct DB_SQL the process ran
 * (at most DB_MAX_STMTS; scripts/test.sh checks the count of DB_SQL
 * against it), which keeps statements × connections below the server's
 * max_prepared_stmt_count (scripts/stack.sh sets it; docs/architecture.md
 * sizes it).
 *
 * Results. Rows are copied into the caller's arena (the request's): no
 * per-result free, and the strings may be kept as they are — they live as
 * long as the arena. Column reads are typed and assert that the row and
 * column exist. For scans too big for memory (a bill run, an export)
 * db_stream() hands over one row at a time.
 *
 * Transactions. db_tx() runs a function inside START TRANSACTION …
 * COMMIT and reruns it on a deadlock. Every read that decides a write
 * belongs inside that function, with the lock it needs (SELECT … FOR
 * UPDATE, or LOCK IN SHARE MODE for a row that must not change): a check
 * made before the transaction is a check of a past state — for money, a
 * bill paid twice (docs/architecture.md, "Writes").
 *
 * Errors: -1 with struct err set: E_DB_UNAVAILABLE (503) when the server
 * cannot be reached, E_DB_DUPLICATE for a duplicate key (callers map it
 * to their own code, e.g. E_PHONE_TAKEN), E_DB_RETRY for a deadlock or lock
 * wait timeout (db_tx() retries these), E_INTERNAL for anything else.
 */
#ifndef WUYE_DB_H
#define WUYE_DB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"

struct db;

/* One statement of a module's list. */
struct db_sql {
    const char *text;
    _Atomic int slot; /* assigned on first use, 1-based; 0 = never run */
};
#define DB_SQL(name, sql) static struct db_sql name = {sql, 0}
#define DB_MAX_STMTS 1024

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

/* The parameters of a statement, their count computed by the compiler:
 * db_query(db, a, &q, DB_ARGS(P_INT(id), P_STR(name)), &res, e). The
 * count is checked against the statement's placeholders when it runs. */
#define DB_ARGS(...)                                                                               \
    ((const struct db_param[]){__VA_ARGS__}),                                                      \
        (sizeof((const struct db_param[]){__VA_ARGS__}) / sizeof(struct db_param))
#define DB_NOARGS NULL, 0

struct db_res {
    size_t nrows, ncols;
    uint64_t affected;
    uint64_t insert_id;
    const char **cell; /* nrows × ncols, row-major; NULL = SQL NULL; in the arena */
    size_t *len;       /* byte lengths (the cells are also NUL-terminated) */
};

/* The configuration every thread connects with (set once at start). */
void db_configure(const struct config *c);
/* This thread's handle; never NULL (connecting happens on first use). */
struct db *db_thread(void);
/* Close this thread's connection (thread exit). */
void db_thread_close(void);

/* Run a statement and read all its rows into a (out may be NULL when the
 * statement has none to read; a may then be NULL too). */
int db_query(struct db *db, struct arena *a, struct db_sql *q, const struct db_param *p, size_t n,
             struct db_res *out, struct err *e);
/* A statement without rows; *affected (may be NULL) gets the rows changed. */
int db_exec(struct db *db, struct db_sql *q, const struct db_param *p, size_t n, uint64_t *affected,
            struct err *e);
/* An INSERT; *id (may be NULL) gets the new AUTO_INCREMENT id. */
int db_insert(struct db *db, struct db_sql *q, const struct db_param *p, size_t n, int64_t *id,
              struct err *e);
/* One statement for many rows in one round trip (MariaDB's array binding,
 * COM_STMT_BULK_EXECUTE): q has the placeholders of one row (an INSERT …
 * VALUES (?, …)), p holds nrows × ncols parameters row by row. In a column
 * every value is NULL or of one type (asserted). *affected (may be NULL)
 * gets the rows changed by all of them: for an INSERT IGNORE, the rows
 * that were new. A bill run writes its bills this way (docs/performance.md:
 * as fast as LOAD DATA, where a multi-row VALUES of bound parameters is
 * two thirds of it). */
int db_exec_bulk(struct db *db, struct db_sql *q, const struct db_param *p, size_t ncols,
                 size_t nrows, uint64_t *affected, struct err *e);
/* Exactly one row or none: 1 with the row in *out (row 0), 0 for none,
 * -1 on error. More than one row is a bug of the statement: INTERNAL. */
int db_one(struct db *db, struct arena *a, struct db_sql *q, const struct db_param *p, size_t n,
           struct db_res *out, struct err *e);

/* Stream the rows of a big scan: fn sees each row as a one-row result
 * (row 0) whose cells last until fn returns; fn returning -1 stops the scan
 * and db_stream() returns -1 with fn's error. No other statement may run on
 * this connection until db_stream() returns. */
int db_stream(struct db *db, struct db_sql *q, const struct db_param *p, size_t n,
              int (*fn)(void *arg, const struct db_res *row, struct err *e), void *arg,
              struct err *e);

/* Run fn inside a transaction: commit when it returns 0, roll back
 * otherwise. A deadlock or lock wait timeout reruns fn (up to 8 tries,
 * after a growing random pause), so fn must not have effects outside the
 * database, and must read what decides its writes itself (see above). */
int db_tx(struct db *db, int (*fn)(struct db *db, void *arg, struct err *e), void *arg,
          struct err *e);
/* Is this connection inside db_tx()? (for assertions) */
bool db_in_tx(const struct db *db);

/* Is the server reachable (SELECT 1)? */
bool db_ping(struct db *db);

/* Typed reads of a result; each asserts that row and col exist. */
const char *db_str(const struct db_res *r, size_t row, size_t col);  /* NULL for SQL NULL */
const char *db_text(const struct db_res *r, size_t row, size_t col); /* "" for SQL NULL */
size_t db_len(const struct db_res *r, size_t row, size_t col);
int64_t db_int(const struct db_res *r, size_t row, size_t col); /* 0 for NULL */
bool db_is_null(const struct db_res *r, size_t row, size_t col);

/* Helpers for writing statements. A LIKE pattern that matches s literally
 * anywhere (contains) or at the start (prefix): %, _ and \ escaped; in a. */
const char *db_like_contains(struct arena *a, const char *s);
const char *db_like_prefix(struct arena *a, const char *s);
/* "1,4,7" (a GROUP_CONCAT of ids, "" for none) → an array in a; *n ids. */
int64_t *db_id_list(struct arena *a, const char *text, size_t *n);
/* The other way: ids[0..n) as "1,4,7" in a, for FIND_IN_SET(col, ?). */
const char *db_id_list_text(struct arena *a, const int64_t *ids, size_t n);

#endif
