/*
 * itest.h — helpers for the integration tests, which drive the real stack
 * (nginx, workers, MariaDB, the stand-ins) over HTTP and then look at the
 * database. scripts/test.sh starts the stack and sets:
 *   WUYE_TEST_URL   http://127.0.0.1:PORT (nginx)
 *   WUYE_CONF       the stack's wuye.conf (for direct database checks)
 *   WUYE_WECHAT_URL, WUYE_SMS_URL   the stand-ins
 *   WUYE_VAR        the run directory (pid files, logs)
 */
#ifndef WUYE_ITEST_H
#define WUYE_ITEST_H

#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/config.h"
#include "db/db.h"

struct http_resp {
    long status;
    struct buf body;
    cJSON *json; /* NULL if the body is not JSON */
};

/* One HTTP request to the system (path under WUYE_TEST_URL). body may be
 * NULL; len (size_t)-1 means strlen(body). token may be NULL. */
void it_http(const char *method, const char *path, const char *body, size_t len, const char *token,
             struct http_resp *r);
/* The same against a full URL (stand-ins), with extra header lines. */
void it_http_url(const char *method, const char *url, const char *body, size_t len,
                 const char *const *headers, struct http_resp *r);
void it_resp_free(struct http_resp *r);
/* error.code of an error answer, or "" */
const char *it_err_code(const struct http_resp *r);

/* Assert status (and error code when code is not NULL), printing the body
 * when it does not match. */
#define it_expect(resp, st, code) it_expect_at((resp), (st), (code), __FILE__, __LINE__)
void it_expect_at(const struct http_resp *r, long status, const char *code, const char *file,
                  int line);

/* Log in through the SMS flow (clearing earlier codes of this phone so the
 * per-phone limits of other tests do not interfere); returns a malloc'd
 * token, NULL on failure. */
char *it_owner_login_sms(const char *phone);
char *it_owner_login_wechat(const char *phone);
char *it_staff_login(const char *phone, const char *password);
/* The same logins, keeping the whole answer in r (status 0 when the SMS
 * code did not arrive); the caller frees it. */
void it_owner_login_sms_answer(const char *phone, struct http_resp *r);
void it_owner_login_wechat_answer(const char *phone, struct http_resp *r);
void it_staff_login_answer(const char *phone, const char *password, struct http_resp *r);

/* Newest SMS login code the SMS stand-in holds for phone, "" if none. */
void it_last_sms_code(const char *phone, char code[8]);

/* The stack's configuration (WUYE_CONF), loaded once. */
const struct config *it_config(void);

/* Direct database access for setting up and checking state. */
struct db *it_db(void);
int64_t it_sql_int(const char *sql, const struct db_param *p, size_t n);
void it_sql_exec(const char *sql, const struct db_param *p, size_t n);
/* One string from the database ("" for NULL or no row). */
void it_sql_str(const char *sql, const struct db_param *p, size_t n, char *out, size_t size);
/* A fingerprint of every table a request could change: row counts and a
 * checksum of contents. Two equal fingerprints = nothing changed. */
void it_db_fingerprint(char out[512]);

const char *it_env(const char *name);
/* Read a pid from a file in WUYE_VAR/run. */
int it_pid(const char *file);

/* A checksum of the contents of every table but outbox, job_runs and
 * job_schedule (which the jobs process updates on its own: a periodic job
 * starting at the top of the hour is no change of a request's), as "table=rows/crc;…": unlike
 * it_db_fingerprint() it also sees an UPDATE that changes no count.
 * Used with it_db_fingerprint() by test_badinput.c. */
void it_db_checksum(char *out, size_t size);

/* it_http() with a body of another type (a CSV upload: "text/csv"), and
 * the answer's Content-Type copied into ctype (may be NULL; "" if none). */
void it_http_typed(const char *method, const char *path, const char *body, size_t len,
                   const char *content_type, const char *token, struct http_resp *r, char *ctype,
                   size_t ctype_size);

/* The children of process master (its workers and jobs process): up to
 * max pids into out; how many. */
int it_children(int master, int *out, int max);
/* Does s hold a character outside ASCII (a Chinese message)? */
bool it_has_non_ascii(const char *s);
/* The whole database as text (it_db_fingerprint + it_db_checksum): two
 * equal snapshots = nothing changed. out holds IT_SNAP bytes. */
#define IT_SNAP 16384
void it_snapshot(char *out, size_t size);
/* One request as token: expect status (and code); an error must carry a
 * Chinese message; with want_ok, a 200 answer to a write with a body must
 * be {"ok":true}. Returns the "id" of a 201, else 0. */
int64_t it_call_at(const char *token, const char *method, const char *path, const char *body,
                   long status, const char *code, bool want_ok, const char *file, int line);
/* The same for a request that must be refused and change nothing at all. */
void it_refused_at(const char *token, const char *method, const char *path, const char *body,
                   long status, const char *code, const char *file, int line);

/* Members of a JSON answer that must be there (the test fails otherwise). */
cJSON *it_field(const cJSON *o, const char *name);
const char *it_str(const cJSON *o, const char *name);
int64_t it_int(const cJSON *o, const char *name);

/* The element of a JSON array whose member key equals v, or NULL. */
cJSON *it_find_str(const cJSON *arr, const char *key, const char *v);
cJSON *it_find_int(const cJSON *arr, const char *key, int64_t v);
/* Fixtures by SQL: a project (code, name) and a building of it (10 floors,
 * business type 1); their new ids. */
int64_t it_add_project(const char *code, const char *name);
int64_t it_add_building(int64_t project_id, const char *name);
/* WeChat outbox rows of a notice or survey (stem "notice"/"survey", its
 * id): of person, or of anyone when person is 0 (dedup "<stem>:<id>:<person>"). */
int64_t it_wechat_queued(const char *stem, int64_t id, int64_t person);

/* Set the id counters of the estate tables back to the lowest free ids. */
void it_reset_ids(void);

/* The books balance (books_check(), `wuye check-books`): no breach of
 * their rules, each one printed when there are. */
void it_books_balance(void);

/* Secrets in the logs (STYLE.md: never tokens, codes or full phones).
 * it_http*() note every session token in an answer and every SMS code the
 * SMS stand-in shows; it_secret_seen() notes one more. The test
 * it_logs_hold_no_secrets(), listed last in a test binary, fails if one of
 * them, or a full phone number of the demo data or the database, appears
 * in the workers' and jobs' log (WUYE_VAR/log/wuye.log). */
void it_secret_seen(const char *secret);
void it_logs_hold_no_secrets(void **state);

#endif
