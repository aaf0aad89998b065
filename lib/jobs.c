/* jobs.c — the jobs table (see jobs.h). */
#include "jobs.h"

#include <stdio.h>
#include <string.h>

/* A runner that has not beaten for this long is taken for dead. */
#define HEARTBEAT_DEAD_S 60

/* The SQL of this module. */
DB_SQL(sql_insert, "INSERT INTO jobs (kind, project_id, created_by, errors, input) "
                   "VALUES (?, ?, ?, '[]', ?)");
DB_SQL(sql_get, "SELECT id, kind, IFNULL(project_id, 0), IFNULL(created_by, 0), status, done, "
                "total, IFNULL(errors, '[]'), result FROM jobs WHERE id = ?");
DB_SQL(sql_next, "SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND "
                 "heartbeat_at < UTC_TIMESTAMP() - INTERVAL ? SECOND) "
                 "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED");
DB_SQL(sql_take, "UPDATE jobs SET status = 'running', claimed_by = ?, attempts = attempts + 1, "
                 "heartbeat_at = UTC_TIMESTAMP(), done = 0, "
                 "started_at = COALESCE(started_at, UTC_TIMESTAMP()) WHERE id = ?");
DB_SQL(sql_input, "SELECT input FROM jobs WHERE id = ?");
DB_SQL(sql_progress, "UPDATE jobs SET done = ?, total = ?, errors = COALESCE(?, errors), "
                     "heartbeat_at = UTC_TIMESTAMP() WHERE id = ? AND status = 'running'");
DB_SQL(sql_finish, "UPDATE jobs SET status = ?, done = ?, total = ?, result = ?, "
                   "errors = COALESCE(?, errors), input = NULL, "
                   "finished_at = UTC_TIMESTAMP() WHERE id = ?");
DB_SQL(sql_release, "UPDATE jobs SET status = 'queued', claimed_by = '', heartbeat_at = NULL "
                    "WHERE id = ? AND status = 'running'");
DB_SQL(sql_schedule, "SELECT every_s, enabled FROM job_schedule WHERE name = ?");
DB_SQL(sql_lock, "SELECT IF(IS_USED_LOCK(?) = CONNECTION_ID(), 1, GET_LOCK(?, 0))");
DB_SQL(sql_unlock, "SELECT RELEASE_LOCK(?)");
/* The slot: the start of the every_s window that contains now. */
DB_SQL(sql_slot_claim, "INSERT IGNORE INTO job_runs (name, slot, host) VALUES (?, "
                       "FROM_UNIXTIME(UNIX_TIMESTAMP(UTC_TIMESTAMP()) DIV ? * ?), ?)");
DB_SQL(sql_run_end, "UPDATE job_runs SET finished_at = UTC_TIMESTAMP(), status = ?, "
                    "detail = LEFT(?, 200) WHERE id = ?");
DB_SQL(sql_schedule_end,
       "UPDATE job_schedule SET last_started_at = COALESCE((SELECT started_at FROM job_runs "
       "WHERE id = ?), UTC_TIMESTAMP()), last_finished_at = UTC_TIMESTAMP(), last_status = ?, "
       "last_error = LEFT(?, 200), last_host = ?, runs = runs + 1 WHERE name = ?");

DB_SQL(sql_clean_sessions, "DELETE FROM sessions WHERE expires_at < UTC_TIMESTAMP() - INTERVAL "
                           "30 DAY LIMIT 10000");
DB_SQL(sql_clean_codes,
       "DELETE FROM sms_codes WHERE created_at < UTC_TIMESTAMP() - INTERVAL 2 DAY LIMIT 10000");
DB_SQL(sql_clean_failures, "DELETE FROM login_failures WHERE created_at < UTC_TIMESTAMP() - "
                           "INTERVAL 2 DAY LIMIT 10000");
DB_SQL(sql_clean_runs,
       "DELETE FROM job_runs WHERE started_at < UTC_TIMESTAMP() - INTERVAL 30 DAY LIMIT 10000");

int job_queue(struct db *db, const struct principal *who, const char *kind, int64_t project_id,
              const char *input, size_t len, int64_t *id, struct err *e)
{
    if (project_id && !auth_in_project(who, project_id))
        return err_not_found(e);
    return db_insert(db, &sql_insert,
                     DB_ARGS(P_STR(kind), project_id ? P_INT(project_id) : P_NULL,
                             who->kind == SUBJECT_STAFF ? P_INT(who->id) : P_NULL,
                             P_STRN(input, len)),
                     id, e);
}

static void fill(const struct db_res *r, struct job *x)
{
    x->id = db_int(r, 0, 0);
    x->kind = db_text(r, 0, 1);
    x->project_id = db_int(r, 0, 2);
    x->created_by = db_int(r, 0, 3);
    x->status = db_text(r, 0, 4);
    x->done = db_int(r, 0, 5);
    x->total = db_int(r, 0, 6);
    x->errors = db_text(r, 0, 7);
    x->result = db_str(r, 0, 8);
}

int job_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
            struct job *out, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_get, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    fill(&r, out);
    /* Its starter, and the admins of its project. */
    if (who->kind != SUBJECT_STAFF ||
        !(out->created_by == who->id ||
          (out->project_id && (who->roles & ROLE_ADMIN) && auth_in_project(who, out->project_id))))
        return err_not_found(e);
    return 0;
}

struct claim {
    struct arena *a;
    const char *host;
    int64_t id;
};

static int claim_tx(struct db *db, void *arg, struct err *e)
{
    struct claim *c = arg;
    struct db_res r;
    int found = db_one(db, c->a, &sql_next, DB_ARGS(P_INT(HEARTBEAT_DEAD_S)), &r, e);

    c->id = 0;
    if (found <= 0)
        return found;
    c->id = db_int(&r, 0, 0);
    return db_exec(db, &sql_take, DB_ARGS(P_STR(c->host), P_INT(c->id)), NULL, e);
}

int job_claim(struct db *db, struct arena *a, const char *host, struct job *out, const char **input,
              size_t *len, struct err *e)
{
    struct claim c = {a, host, 0};
    struct db_res r;

    if (db_tx(db, claim_tx, &c, e) < 0)
        return -1;
    if (!c.id)
        return 0;
    if (db_one(db, a, &sql_get, DB_ARGS(P_INT(c.id)), &r, e) < 0)
        return -1;
    fill(&r, out);
    if (db_one(db, a, &sql_input, DB_ARGS(P_INT(c.id)), &r, e) < 0)
        return -1;
    *input = db_text(&r, 0, 0);
    *len = db_len(&r, 0, 0);
    return 1;
}

int job_progress(struct db *db, int64_t id, int64_t done, int64_t total, const char *errors,
                 struct err *e)
{
    return db_exec(db, &sql_progress, DB_ARGS(P_INT(done), P_INT(total), P_STR(errors), P_INT(id)),
                   NULL, e);
}

int job_finish(struct db *db, int64_t id, bool ok, int64_t done, int64_t total, const char *result,
               const char *errors, struct err *e)
{
    return db_exec(db, &sql_finish,
                   DB_ARGS(P_STR(ok ? "done" : "failed"), P_INT(done), P_INT(total), P_STR(result),
                           P_STR(errors), P_INT(id)),
                   NULL, e);
}

int job_release(struct db *db, int64_t id, struct err *e)
{
    return db_exec(db, &sql_release, DB_ARGS(P_INT(id)), NULL, e);
}

int job_schedule(struct db *db, const char *name, int *every_s, bool *enabled, struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    int found = db_one(db, &a, &sql_schedule, DB_ARGS(P_STR(name)), &r, e);

    if (found > 0) {
        *every_s = (int)db_int(&r, 0, 0);
        *enabled = db_int(&r, 0, 1) != 0;
    }
    arena_free(&a);
    if (found < 0)
        return -1;
    return found ? 0 : err_setf(e, E_INTERNAL, "no schedule for job %s", name);
}

bool job_lock(struct db *db, const char *name, bool take)
{
    struct arena a = {0};
    struct db_res r;
    struct err e;
    char lock[96];
    bool held = false;

    snprintf(lock, sizeof(lock), "wuye_job_%s", name);
    err_clear(&e);
    if (take && db_query(db, &a, &sql_lock, DB_ARGS(P_STR(lock), P_STR(lock)), &r, &e) == 0 &&
        r.nrows == 1)
        held = db_int(&r, 0, 0) == 1;
    if (!take)
        db_query(db, &a, &sql_unlock, DB_ARGS(P_STR(lock)), &r, &e);
    arena_free(&a);
    return held;
}

int job_slot_claim(struct db *db, const char *name, int every_s, const char *host, int64_t *run_id,
                   struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    int rc = db_query(db, &a, &sql_slot_claim,
                      DB_ARGS(P_STR(name), P_INT(every_s), P_INT(every_s), P_STR(host)), &r, e);

    arena_free(&a);
    if (rc < 0)
        return -1;
    /* INSERT IGNORE: no row means another host has this slot. */
    *run_id = (int64_t)r.insert_id;
    return r.affected == 1;
}

int job_run_end(struct db *db, const char *name, int64_t run_id, bool ok, const char *detail,
                const char *host, struct err *e)
{
    if (run_id &&
        db_exec(db, &sql_run_end,
                DB_ARGS(P_STR(ok ? "ok" : "failed"), P_STR(detail), P_INT(run_id)), NULL, e) < 0)
        return -1;
    return db_exec(db, &sql_schedule_end,
                   DB_ARGS(P_INT(run_id), P_STR(ok ? "ok" : "failed"), P_STR(ok ? "" : detail),
                           P_STR(host), P_STR(name)),
                   NULL, e);
}

int job_cleanup_run(struct db *db, struct job_cleanup_counts *n, struct err *e)
{
    uint64_t c[4] = {0};

    if (db_exec(db, &sql_clean_sessions, DB_NOARGS, &c[0], e) < 0 ||
        db_exec(db, &sql_clean_codes, DB_NOARGS, &c[1], e) < 0 ||
        db_exec(db, &sql_clean_failures, DB_NOARGS, &c[2], e) < 0 ||
        db_exec(db, &sql_clean_runs, DB_NOARGS, &c[3], e) < 0)
        return -1;
    n->sessions = (int64_t)c[0];
    n->sms_codes = (int64_t)c[1];
    n->login_failures = (int64_t)c[2];
    n->job_runs = (int64_t)c[3];
    return 0;
}
