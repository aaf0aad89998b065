/*
 * staff.c — staff members and the office's side of their accounts (see
 * staff.h for the rules).
 *
 * A write has the shape of resources_edit.c's:
 *   1. checks that need no database (phone, role names), and the argon2id
 *      hash of a new password — tens of milliseconds and 19 MiB, so never
 *      inside a transaction, and never again on a deadlock rerun;
 *   2. db_tx(): lock the caller's own staff row and project rows (LOCK IN
 *      SHARE MODE: they decide what the caller may do, and a concurrent
 *      change of the caller's rights waits for this change or the other
 *      way round), lock the member's row and project rows (FOR UPDATE),
 *      decide scope on what was locked, snapshot, write, snapshot,
 *      audit_log();
 *   3. nothing outside the transaction decides anything.
 * The session's copy of the caller's projects (struct principal) serves
 * the reads only.
 */
#include "staff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "outbox.h"
#include "core/util.h"

#define NROLES (sizeof(auth_role_names) / sizeof(auth_role_names[0]))

/* ---- The SQL of this module -------------------------------------------------------- */

DB_SQL(sql_get, "SELECT id, name, phone FROM staff WHERE id = ? AND active = 1");
DB_SQL(sql_to_tell, "SELECT s.id, s.phone FROM staff s JOIN staff_projects sp "
                    "ON sp.staff_id = s.id AND sp.project_id = ? "
                    "WHERE s.active = 1 AND ((s.roles + 0) & ?) <> 0 AND s.id <> ? "
                    "AND (? = 0 OR s.id = ?) ORDER BY s.id");
/* The caller as the transaction sees it: still an active admin? which projects? */
DB_SQL(sql_caller_lock, "SELECT roles + 0, active FROM staff WHERE id = ? LOCK IN SHARE MODE");
DB_SQL(sql_caller_projects, "SELECT project_id FROM staff_projects WHERE staff_id = ? "
                            "ORDER BY project_id LOCK IN SHARE MODE");
/* The member being changed. */
DB_SQL(sql_member_lock, "SELECT roles + 0, active FROM staff WHERE id = ? FOR UPDATE");
DB_SQL(sql_member_projects, "SELECT project_id FROM staff_projects WHERE staff_id = ? "
                            "ORDER BY project_id FOR UPDATE");
/* The audit snapshot: everything but the password hash. */
DB_SQL(sql_snap, "SELECT JSON_OBJECT('name', s.name, 'phone', s.phone, 'roles', s.roles, "
                 "'active', s.active, 'project_ids', (SELECT JSON_ARRAYAGG(sp.project_id "
                 "ORDER BY sp.project_id) FROM staff_projects sp WHERE sp.staff_id = s.id)) "
                 "FROM staff s WHERE s.id = ?");
DB_SQL(sql_insert, "INSERT INTO staff (name, phone, password_hash, roles) VALUES (?, ?, ?, ?)");
DB_SQL(sql_update, "UPDATE staff SET name = COALESCE(?, name), phone = COALESCE(?, phone), "
                   "password_hash = COALESCE(?, password_hash), roles = COALESCE(?, roles), "
                   "active = COALESCE(?, active) WHERE id = ?");
DB_SQL(sql_serve, "INSERT INTO staff_projects (staff_id, project_id) VALUES (?, ?)");
DB_SQL(sql_unserve, "DELETE FROM staff_projects WHERE staff_id = ?");
DB_SQL(sql_sessions_end, "UPDATE sessions SET revoked_at = UTC_TIMESTAMP() "
                         "WHERE subject_kind = 'staff' AND subject_id = ? AND revoked_at IS NULL");
/* Reads: the accounts that serve at least one of the caller's projects. */
#define ACCOUNT_COLUMNS                                                                            \
    "s.id, s.name, s.phone, s.roles + 0, s.active, s.created_at, "                                 \
    "(SELECT GROUP_CONCAT(a.project_id ORDER BY a.project_id) FROM staff_projects a "              \
    " WHERE a.staff_id = s.id) "
/* ? = the caller; then ?, ? = a project of theirs to keep to, or 0 and 0 */
#define ACCOUNT_MINE                                                                               \
    "EXISTS (SELECT 1 FROM staff_projects sp JOIN staff_projects mine "                            \
    " ON mine.project_id = sp.project_id AND mine.staff_id = ? "                                   \
    " WHERE sp.staff_id = s.id AND (? = 0 OR sp.project_id = ?))"
DB_SQL(sql_account_get, "SELECT " ACCOUNT_COLUMNS "FROM staff s WHERE s.id = ? AND " ACCOUNT_MINE);
DB_SQL(sql_account_list, "SELECT " ACCOUNT_COLUMNS "FROM staff s WHERE s.id > ? AND " ACCOUNT_MINE
                         " AND (? IS NULL OR s.name LIKE ? OR s.phone LIKE ?) "
                         "ORDER BY s.id LIMIT ?");

int staff_tell(struct db *db, struct arena *a, const struct staff_notice *n, struct err *e)
{
    struct db_res r;

    if (!n->template_id[0])
        return 0;
    if (db_query(db, a, &sql_to_tell,
                 DB_ARGS(P_INT(n->project_id), P_INT(n->roles), P_INT(n->except), P_INT(n->only),
                         P_INT(n->only)),
                 &r, e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        char dedup[100], e164[24];

        snprintf(dedup, sizeof(dedup), "%s:staff:%lld", n->cause, (long long)db_int(&r, i, 0));
        snprintf(e164, sizeof(e164), "+86%s", db_text(&r, i, 1));
        if (outbox_queue(db,
                         &(struct outbox_msg){.channel = OUTBOX_SMS,
                                              .project_id = n->project_id,
                                              .dedup_key = dedup,
                                              .recipient = e164,
                                              .template_id = n->template_id,
                                              .params = n->params,
                                              .nparams = n->nparams},
                         e) < 0)
            return -1;
    }
    return 0;
}

int staff_get(struct db *db, struct arena *a, int64_t id, struct staff_member *out, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_get, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    out->id = db_int(&r, 0, 0);
    out->name = db_text(&r, 0, 1);
    out->phone = db_text(&r, 0, 2);
    return 0;
}

/* ---- Input ---------------------------------------------------------------------------- */

/* Everything a transaction function of this file gets; a deadlock rerun
 * starts it again from the top with the same input. */
struct account_op {
    struct arena a; /* freed after db_tx() */
    const struct principal *who;
    struct principal me; /* the caller as locked in this transaction */
    const struct staff_in *in;
    char hash[128]; /* argon2id of in->password; "" = unchanged */
    /* in->roles as a SET literal ("butler,admin"; 72 bytes at most), "" = unchanged */
    char roles[96];
    unsigned role_bits; /* the same as bits */
    int64_t *pids;      /* in->project_ids, ascending, without repeats */
    size_t npids;
    int64_t id;
};

static int cmp_id(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

    return (a > b) - (a < b);
}

/* The checks and the work that need no database: phone, roles, projects,
 * the password's hash. */
static int prepare(struct account_op *op, struct err *e)
{
    const struct staff_in *in = op->in;

    if (in->phone && !util_phone_valid(in->phone))
        return err_bad_request(e, "手机号格式不正确");
    if (in->has_roles) {
        size_t len = 0;

        if (!in->nroles)
            return err_bad_request(e, "roles 至少要有一个角色");
        for (size_t i = 0; i < in->nroles; i++) {
            size_t bit = 0;
            while (bit < NROLES && strcmp(in->roles[i], auth_role_names[bit]) != 0)
                bit++;
            /* A long name is not echoed: cutting it could split a character. */
            if (bit == NROLES)
                return strlen(in->roles[i]) > 32
                           ? err_bad_request(e, "没有这个角色")
                           : err_setf(e, E_BAD_REQUEST, "没有这个角色：%s", in->roles[i]);
            op->role_bits |= 1u << bit;
        }
        /* The SET literal in the column's order, each role once. */
        for (size_t bit = 0; bit < NROLES; bit++) {
            if (!(op->role_bits & (1u << bit)))
                continue;
            size_t n = strlen(auth_role_names[bit]);
            if (len)
                op->roles[len++] = ',';
            memcpy(op->roles + len, auth_role_names[bit], n);
            len += n;
        }
        op->roles[len] = '\0';
    }
    if (in->has_projects) {
        if (!in->nprojects)
            return err_bad_request(e, "project_ids 至少要有一个项目");
        op->pids = arena_alloc(&op->a, in->nprojects * sizeof(*op->pids));
        memcpy(op->pids, in->project_ids, in->nprojects * sizeof(*op->pids));
        qsort(op->pids, in->nprojects, sizeof(*op->pids), cmp_id);
        for (size_t i = 0; i < in->nprojects; i++)
            if (!op->npids || op->pids[op->npids - 1] != op->pids[i])
                op->pids[op->npids++] = op->pids[i];
    }
    if (in->password && auth_password_hash(in->password, op->hash, sizeof(op->hash)) < 0)
        return err_internal(e);
    return 0;
}

static int run(struct db *db, struct account_op *op, int (*fn)(struct db *, void *, struct err *),
               struct err *e)
{
    int rc = prepare(op, e) < 0 ? -1 : db_tx(db, fn, op, e);

    arena_free(&op->a);
    return rc;
}

/* ---- Shared steps of the transactions ------------------------------------------------- */

/* Project ids of a result (one column), ascending, in a. */
static int64_t *ids_of(struct arena *a, const struct db_res *r)
{
    int64_t *ids = arena_alloc(a, (r->nrows ? r->nrows : 1) * sizeof(*ids));

    for (size_t i = 0; i < r->nrows; i++)
        ids[i] = db_int(r, i, 0);
    return ids;
}

/* Lock the caller's row and projects, and check that they are still an
 * active admin (the session was checked before the transaction). */
static int lock_caller(struct db *db, struct account_op *op, struct err *e)
{
    struct db_res r;
    int found = db_one(db, &op->a, &sql_caller_lock, DB_ARGS(P_INT(op->who->id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !db_int(&r, 0, 1) || !((unsigned)db_int(&r, 0, 0) & ROLE_ADMIN))
        return err_forbidden(e);
    op->me = *op->who;
    op->me.roles = (unsigned)db_int(&r, 0, 0);
    if (db_query(db, &op->a, &sql_caller_projects, DB_ARGS(P_INT(op->who->id)), &r, e) < 0)
        return -1;
    op->me.project_ids = ids_of(&op->a, &r);
    op->me.nprojects = r.nrows;
    return 0;
}

/* The new project list must be the caller's own projects: 404 otherwise. */
static int check_projects(const struct account_op *op, struct err *e)
{
    for (size_t i = 0; i < op->npids; i++)
        if (!auth_in_project(&op->me, op->pids[i]))
            return err_not_found(e);
    return 0;
}

static int serve_all(struct db *db, const struct account_op *op, struct err *e)
{
    for (size_t i = 0; i < op->npids; i++)
        if (db_exec(db, &sql_serve, DB_ARGS(P_INT(op->id), P_INT(op->pids[i])), NULL, e) < 0)
            return -1;
    return 0;
}

/* The audit row of a change: after is snapshotted now. context says that
 * the password changed — the one fact about it the log may keep. */
static int audited(struct db *db, struct account_op *op, const char *action, const char *before,
                   struct err *e)
{
    return audit_change(db, &op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = action,
                                              .entity = "staff",
                                              .entity_id = op->id,
                                              .before = before,
                                              .context = before && op->hash[0]
                                                             ? "{\"password_changed\":true}"
                                                             : NULL},
                        &sql_snap, e);
}

/* A duplicate key is a phone another account has. */
static int dup_phone(struct err *e)
{
    return err_map(e, E_DB_DUPLICATE, E_STAFF_PHONE_TAKEN);
}

/* ---- Create --------------------------------------------------------------------------- */

static int create_tx(struct db *db, void *arg, struct err *e)
{
    struct account_op *op = arg;
    const struct staff_in *in = op->in;

    if (lock_caller(db, op, e) < 0 || check_projects(op, e) < 0)
        return -1;
    if (db_insert(db, &sql_insert,
                  DB_ARGS(P_STR(in->name), P_STR(in->phone), P_STR(op->hash), P_STR(op->roles)),
                  &op->id, e) < 0)
        return dup_phone(e);
    if (serve_all(db, op, e) < 0)
        return -1;
    return audited(db, op, "create_staff", NULL, e);
}

int staff_account_create(struct db *db, const struct principal *who, const struct staff_in *in,
                         int64_t *id, struct err *e)
{
    struct account_op op = {.who = who, .in = in};

    if (!in->name || !in->phone || !in->password || !in->has_roles || !in->has_projects)
        return err_bad_request(e,
                               "缺少字段：name、phone、password、roles 和 project_ids 都是必填的");
    if (run(db, &op, create_tx, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

/* ---- Update --------------------------------------------------------------------------- */

/* Lock the member and decide whether the caller may change them: 404 when
 * they serve none of the caller's projects, 403 when they also serve one
 * the caller does not. */
static int lock_member(struct db *db, struct account_op *op, struct err *e)
{
    struct db_res r;
    bool some_mine = false, all_mine = true;
    int found = db_one(db, &op->a, &sql_member_lock, DB_ARGS(P_INT(op->id)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    if (db_query(db, &op->a, &sql_member_projects, DB_ARGS(P_INT(op->id)), &r, e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        bool mine = auth_in_project(&op->me, db_int(&r, i, 0));
        some_mine |= mine;
        all_mine &= mine;
    }
    if (!some_mine)
        return err_not_found(e);
    if (!all_mine)
        return err_setf(e, E_FORBIDDEN, "该员工也在您不负责的项目任职，需由其所有项目的管理员修改");
    return 0;
}

static int update_tx(struct db *db, void *arg, struct err *e)
{
    struct account_op *op = arg;
    const struct staff_in *in = op->in;
    const char *before;

    if (lock_caller(db, op, e) < 0 || lock_member(db, op, e) < 0 || check_projects(op, e) < 0)
        return -1;
    /* Nobody locks the office out: the one who could undo it is oneself. */
    if (op->id == op->who->id) {
        if (in->has_active && !in->active)
            return err_bad_request(e, "不能停用自己的账号");
        if (in->has_roles && !(op->role_bits & ROLE_ADMIN))
            return err_bad_request(e, "不能取消自己的管理员角色");
    }
    if (audit_snapshot(db, &op->a, &sql_snap, op->id, &before, e) < 0)
        return -1;
    if (db_exec(db, &sql_update,
                DB_ARGS(P_STR(in->name), P_STR(in->phone), P_STR(op->hash[0] ? op->hash : NULL),
                        P_STR(op->roles[0] ? op->roles : NULL),
                        in->has_active ? P_INT(in->active) : P_NULL, P_INT(op->id)),
                NULL, e) < 0)
        return dup_phone(e);
    if (in->has_projects && (db_exec(db, &sql_unserve, DB_ARGS(P_INT(op->id)), NULL, e) < 0 ||
                             serve_all(db, op, e) < 0))
        return -1;
    /* Deactivated or re-passworded: whoever holds a session now must log
     * in again (the session lookup refuses deactivated staff anyway; this
     * keeps them out after a reactivation too). */
    if (((in->has_active && !in->active) || op->hash[0]) &&
        db_exec(db, &sql_sessions_end, DB_ARGS(P_INT(op->id)), NULL, e) < 0)
        return -1;
    return audited(db, op, "update_staff", before, e);
}

int staff_account_update(struct db *db, const struct principal *who, int64_t id,
                         const struct staff_in *in, struct err *e)
{
    struct account_op op = {.who = who, .in = in, .id = id};

    return run(db, &op, update_tx, e);
}

/* ---- Reads ---------------------------------------------------------------------------- */

/* Row i of an ACCOUNT_COLUMNS result. */
static void account_row(struct arena *a, const struct principal *who, const struct db_res *r,
                        size_t i, struct staff_row *x)
{
    x->id = db_int(r, i, 0);
    x->name = db_text(r, i, 1);
    x->phone = db_text(r, i, 2);
    /* The phone is the account's login: the admin who manages it sees it
     * whole. Anyone else (should a route ever admit them) sees it masked. */
    if (!(who->roles & ROLE_ADMIN)) {
        char *m = arena_alloc(a, 12);
        util_phone_mask(x->phone, m);
        x->phone = m;
    }
    x->roles = (unsigned)db_int(r, i, 3);
    x->active = db_int(r, i, 4) != 0;
    if (util_db_time_to_rfc3339(db_text(r, i, 5), x->created_at) < 0)
        x->created_at[0] = '\0';
    /* GROUP_CONCAT ordered the ids. */
    x->project_ids = db_id_list(a, db_text(r, i, 6), &x->nprojects);
}

int staff_account_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                      struct staff_row *out, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_account_get,
                       DB_ARGS(P_INT(id), P_INT(who->id), P_INT(0), P_INT(0)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    account_row(a, who, &r, 0, out);
    return 0;
}

int staff_account_list(struct db *db, struct arena *a, const struct principal *who,
                       int64_t project_id, const char *q, int64_t after_id, int limit,
                       struct staff_row **out, size_t *n, int64_t *next_after, struct err *e)
{
    const char *contains = q ? db_like_contains(a, q) : NULL;
    const char *prefix = contains ? contains + 1 : NULL;
    struct db_res r;
    size_t rows;

    if (project_id && !auth_in_project(who, project_id))
        return err_not_found(e);
    if (db_query(db, a, &sql_account_list,
                 DB_ARGS(P_INT(after_id), P_INT(who->id), P_INT(project_id), P_INT(project_id),
                         P_STR(q), P_STR(contains), P_STR(prefix), P_INT(limit + 1)),
                 &r, e) < 0)
        return -1;
    rows = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    *n = rows;
    *out = arena_alloc(a, (rows ? rows : 1) * sizeof(**out));
    for (size_t i = 0; i < rows; i++)
        account_row(a, who, &r, i, &(*out)[i]);
    *next_after = r.nrows > (size_t)limit ? (*out)[rows - 1].id : 0;
    return 0;
}
