/*
 * notices.c — announcements (see notices.h; sql/013_notices.sql).
 *
 * A write has resources_edit.c's shape: input checked first, then one
 * transaction that locks the notice row (a new one: its project and
 * buildings, shared), decides scope on it, the state, snapshots, writes,
 * audits and queues. A deadlock rerun starts the transaction function
 * again from the top with its own arena reset, so nothing but the input
 * survives between tries.
 *
 * Times are the database's (UTC_TIMESTAMP()): a notice expires by the
 * same clock that stamps its publication, and falls due by it.
 *
 * Scheduled publishing (定时发布) is not a second publish: the job runs
 * publish_tx() itself with by_schedule set, which adds, on the locked row,
 * the checks a schedule needs (still a draft, still due, its scheduler
 * may still publish it, not expired) before the office's own path, and
 * clears the schedule (audited, the row stays a draft) when it cannot be
 * kept. The loop over the due rows is notice_due_run(), surveys' too.
 */
#include "notices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "core/json.h"
#include "core/util.h"
#include "outbox.h"
#include "resources.h"

const char *const notice_category_names[] = {"notice", "outage", "activity", "other", NULL};
const char *const notice_category_labels[] = {"通知", "停水停电", "活动", "其他", NULL};
static const char *const status_names[] = {"draft", "published", "withdrawn", NULL};

/* A WeChat subscribe message's thing.DATA holds at most 20 characters. */
#define WECHAT_THING_MAX 20


/* ---- The SQL of this module -------------------------------------------------------- */

#define UNEXPIRED "(n.expires_at IS NULL OR n.expires_at > UTC_TIMESTAMP())"
/* The people of a notice's audience now (n the notice). */
#define AUDIENCE_JOIN                                                                              \
    " JOIN resources r ON " NOTICE_AUDIENCE("n", "r")                                              \
    " JOIN person_resources pr ON pr.resource_id = r.id AND " PR_CURRENT("pr")
/* One of the owner's homes now is in the audience of n. */
#define FOR_OWNER                                                                                  \
    "EXISTS (SELECT 1 FROM person_resources pr JOIN resources r ON r.id = pr.resource_id "         \
    "WHERE pr.person_id = ? AND " PR_CURRENT("pr") " AND " NOTICE_AUDIENCE("n", "r") ")"

DB_SQL(sql_project, "SELECT id FROM projects WHERE id = ? LOCK IN SHARE MODE");
/* How many of the ids (a "3,5" list) are buildings of the project. */
DB_SQL(sql_buildings, "SELECT COUNT(*) FROM buildings WHERE project_id = ? "
                      "AND FIND_IN_SET(id, ?) LOCK IN SHARE MODE");
DB_SQL(sql_insert, "INSERT INTO notices (project_id, building_ids, title, body, category, pinned, "
                   "expires_at, publish_at, publish_by, created_by) VALUES (?, ?, ?, ?, ?, ?, "
                   "IF(? = 0, NULL, FROM_UNIXTIME(?)), IF(? = 0, NULL, FROM_UNIXTIME(?)), "
                   "IF(? = 0, NULL, ?), ?)");
DB_SQL(sql_snap, "SELECT JSON_OBJECT('project_id', project_id, 'building_ids', building_ids, "
                 "'title', title, 'body', body, 'category', category, 'pinned', pinned, "
                 "'expires_at', expires_at, 'status', status, 'list_seq', list_seq, "
                 "'published_at', published_at, 'withdrawn_at', withdrawn_at, "
                 "'publish_at', publish_at, 'publish_by', publish_by) "
                 "FROM notices WHERE id = ?");
/* The row every step of a notice locks first; 5..7: its schedule (due
 * now, by whom, when). */
DB_SQL(sql_lock, "SELECT n.project_id, n.status, NOT " UNEXPIRED ", n.title, n.category, "
                 "IFNULL(n.publish_at <= UTC_TIMESTAMP(), 0), IFNULL(n.publish_by, 0), "
                 "n.publish_at FROM notices n WHERE n.id = ? FOR UPDATE");
/* An edit: NULL (or a 0 flag) leaves a column as it is. */
DB_SQL(sql_update, "UPDATE notices SET title = COALESCE(?, title), body = COALESCE(?, body), "
                   "category = COALESCE(?, category), pinned = IF(? = 0, pinned, ?), "
                   "expires_at = IF(? = 0, expires_at, IF(? = 1, NULL, FROM_UNIXTIME(?))), "
                   "publish_at = IF(? = 0, publish_at, IF(? = 1, NULL, FROM_UNIXTIME(?))), "
                   "publish_by = IF(? = 0, publish_by, IF(? = 1, NULL, ?)), "
                   "building_ids = COALESCE(?, building_ids) WHERE id = ?");
/* An edit may not leave a schedule at or after the expiry. */
DB_SQL(sql_schedule_conflict, "SELECT COUNT(*) FROM notices WHERE id = ? AND expires_at <= "
                              "publish_at");
/* The last place in the owners' list, locked: two publishes queue here. */
DB_SQL(sql_last_seq, "SELECT list_seq FROM notices WHERE list_seq IS NOT NULL "
                     "ORDER BY list_seq DESC LIMIT 1 FOR UPDATE");
DB_SQL(sql_publish, "UPDATE notices SET status = 'published', list_seq = ?, "
                    "published_at = UTC_TIMESTAMP(), publish_at = NULL, publish_by = NULL "
                    "WHERE id = ?");
DB_SQL(sql_unschedule, "UPDATE notices SET publish_at = NULL, publish_by = NULL WHERE id = ?");
/* The job's scan: one range of ix_notices_due (status, publish_at). */
DB_SQL(sql_due, "SELECT id FROM notices WHERE status = 'draft' AND publish_at <= UTC_TIMESTAMP() "
                "ORDER BY publish_at, id LIMIT ?");
DB_SQL(sql_withdraw,
       "UPDATE notices SET status = 'withdrawn', withdrawn_at = UTC_TIMESTAMP() WHERE id = ?");
/* Whom publishing tells: the audience's people with an openid. */
DB_SQL(sql_audience_wechat, "SELECT DISTINCT p.id, p.openid FROM notices n" AUDIENCE_JOIN
                            " JOIN persons p ON p.id = pr.person_id "
                            "WHERE n.id = ? AND p.openid IS NOT NULL ORDER BY p.id");

/* A notice's columns in the order of notice_from_row(); R is the read
 * time (the owner's, or NULL), C the list cursor. */
#define NOTICE_COLS(R, C)                                                                          \
    "n.id, n.project_id, n.building_ids, n.title, n.body, n.category, n.status, n.pinned, "        \
    "n.expires_at, n.created_at, n.published_at, n.withdrawn_at, " R ", " C ", n.publish_at "
#define OWNER_CURSOR "n.pinned * 10000000000000 + n.list_seq"
DB_SQL(sql_list_owner, "SELECT " NOTICE_COLS("nr.read_at", OWNER_CURSOR) "FROM notices n "
                       "LEFT JOIN notice_reads nr ON nr.notice_id = n.id AND nr.person_id = ? "
                       "WHERE n.status = 'published' AND " UNEXPIRED " AND " OWNER_CURSOR " < ? "
                       "AND n.project_id IN (SELECT r.project_id FROM person_resources pr "
                       "JOIN resources r ON r.id = pr.resource_id WHERE pr.person_id = ? "
                       "AND " PR_CURRENT("pr") ") AND " FOR_OWNER " ORDER BY " OWNER_CURSOR
                       " DESC LIMIT ?");
/* The notice an owner reads, if it is theirs to read (locked against a
 * withdrawal meanwhile). */
DB_SQL(sql_readable, "SELECT n.id FROM notices n WHERE n.id = ? AND n.status = 'published' "
                     "AND " UNEXPIRED " AND " FOR_OWNER " LOCK IN SHARE MODE");
DB_SQL(sql_mark_read, "INSERT IGNORE INTO notice_reads (notice_id, person_id) VALUES (?, ?)");
DB_SQL(sql_list_project,
       "SELECT " NOTICE_COLS("NULL", "0") "FROM notices n WHERE n.project_id = ? "
       "AND (? = '' OR n.status = ?) AND n.id < ? ORDER BY n.id DESC LIMIT ?");
DB_SQL(sql_list_staff, "SELECT " NOTICE_COLS("NULL", "0") "FROM notices n "
                       "WHERE FIND_IN_SET(n.project_id, ?) AND n.status = 'published' "
                       "AND n.id < ? ORDER BY n.id DESC LIMIT ?");
DB_SQL(sql_get, "SELECT " NOTICE_COLS("NULL", "0") "FROM notices n WHERE n.id = ?");
/* Homes (with someone living there now) and people of the audience, and
 * how many of them have read it. */
DB_SQL(sql_stats, "SELECT COUNT(DISTINCT r.id), COUNT(DISTINCT pr.person_id), "
                  "COUNT(DISTINCT nr.person_id), COUNT(DISTINCT IF(nr.person_id IS NULL, NULL, "
                  "r.id)) FROM notices n" AUDIENCE_JOIN " LEFT JOIN notice_reads nr "
                  "ON nr.notice_id = n.id AND nr.person_id = pr.person_id WHERE n.id = ?");
DB_SQL(sql_readers,
       "SELECT p.id, p.name, p.phone, GROUP_CONCAT(DISTINCT r.code ORDER BY r.code), "
       "MIN(nr.read_at) FROM notices n" AUDIENCE_JOIN " JOIN persons p ON p.id = pr.person_id "
       "LEFT JOIN notice_reads nr ON nr.notice_id = n.id AND nr.person_id = p.id "
       "WHERE n.id = ? AND p.id > ? AND (nr.person_id IS NOT NULL) = ? "
       "GROUP BY p.id, p.name, p.phone ORDER BY p.id LIMIT ?");

/* ---- pure rules -------------------------------------------------------------------- */

static int cmp_id(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

int notice_audience_text(const int64_t *ids, size_t n, char *out, struct err *e)
{
    int64_t sorted[NOTICE_BUILDINGS_MAX];
    size_t used = 0;

    out[0] = '\0';
    if (n > NOTICE_BUILDINGS_MAX)
        return err_bad_request(e, "building_ids 最多 50 个楼栋");
    for (size_t i = 0; i < n; i++) {
        if (ids[i] <= 0 || ids[i] > INT32_MAX)
            return err_bad_request(e, "building_ids 须为楼栋编号");
        sorted[i] = ids[i];
    }
    if (n)
        qsort(sorted, n, sizeof(*sorted), cmp_id);
    for (size_t i = 0; i < n; i++) {
        if (i && sorted[i] == sorted[i - 1])
            return err_bad_request(e, "building_ids 不能重复");
        used += (size_t)snprintf(out + used, NOTICE_AUDIENCE_TEXT_MAX - used, "%s%lld",
                                 i ? "," : "", (long long)sorted[i]);
    }
    return 0;
}

int notice_publish_at_check(time_t publish_at, time_t now, time_t until, const char *until_name,
                            struct err *e)
{
    if (publish_at <= now)
        return err_bad_request(e, "publish_at 须晚于现在");
    if (until && publish_at >= until)
        return err_setf(e, E_BAD_REQUEST, "publish_at 须早于 %s", until_name);
    return 0;
}

/* ---- shared with surveys ----------------------------------------------------------- */

const char *notice_schedule_context(struct arena *a, const char *publish_at, const char *reason)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "source", "schedule");
    cJSON_AddStringToObject(o, "publish_at", publish_at);
    if (reason)
        cJSON_AddStringToObject(o, "reason", reason);
    return json_text(a, o);
}

int notice_scheduler_tx(struct db *db, struct arena *a, int64_t staff_id, int64_t project_id,
                        struct principal *who, const char **why, struct err *e)
{
    *why = NULL;
    if (auth_staff_principal(db, a, staff_id, who, e) < 0) {
        if (!err_is(e, E_NOT_FOUND))
            return -1;
        err_clear(e);
        *why = "排定发布的人的账号已停用";
    } else if (!auth_in_project(who, project_id) || !(who->roles & ROLE_ADMIN)) {
        /* ROLE_ADMIN: the office's routes (routes.c OFFICE), as they may now */
        *why = "排定发布的人已不再负责该项目";
    }
    return 0;
}

/* How many rows a run takes from the scan at a time. */
#define DUE_BATCH 100

int notice_due_run(struct db *db, struct db_sql *due,
                   int (*publish)(struct db *, const struct config *, int64_t,
                                  enum notice_due_outcome *, struct err *),
                   const struct config *cfg, struct notice_due_counts *n, struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    int rc = 0;

    memset(n, 0, sizeof(*n));
    do {
        arena_reset(&a);
        if (db_query(db, &a, due, DB_ARGS(P_INT(DUE_BATCH)), &r, e) < 0) {
            rc = -1;
            break;
        }
        for (size_t i = 0; i < r.nrows; i++) {
            enum notice_due_outcome out;
            struct err e1;
            err_clear(&e1);
            /* one row's failure (logged by the caller's count) is no
             * reason to hold back the others */
            if (publish(db, cfg, db_int(&r, i, 0), &out, &e1) < 0) {
                if (!n->failed++)
                    *e = e1;
                continue;
            }
            n->published += out == NOTICE_DUE_PUBLISHED;
            n->cleared += out == NOTICE_DUE_CLEARED;
        }
        /* a full batch left the scan (each row published, cleared, or no
         * longer due): read the next, unless one stays there failing */
    } while (r.nrows == DUE_BATCH && !n->failed);
    arena_free(&a);
    return rc < 0 || n->failed ? -1 : 0;
}

int notice_queue_wechat(struct db *db, struct arena *a, int64_t project_id,
                        const struct db_res *rows, const char *stem, const char *template_id,
                        const char *title, const char *second, struct err *e)
{
    struct outbox_msg *m;
    const char **params;

    if (!template_id[0] || !rows->nrows)
        return 0;
    m = arena_alloc(a, rows->nrows * sizeof(*m));
    params = arena_alloc(a, 2 * sizeof(*params));
    params[0] = arena_strndup(a, title, utf8_prefix(title, WECHAT_THING_MAX));
    params[1] = second;
    for (size_t i = 0; i < rows->nrows; i++)
        m[i] = (struct outbox_msg){
            .channel = OUTBOX_WECHAT,
            .project_id = project_id,
            .dedup_key = arena_printf(a, "%s:%lld", stem, (long long)db_int(rows, i, 0)),
            .recipient = db_text(rows, i, 1),
            .template_id = template_id,
            .params = params,
            .nparams = 2,
        };
    return outbox_queue_many(db, m, rows->nrows, NULL, e);
}

/* ---- writes ------------------------------------------------------------------------ */

struct write_op {
    struct arena a;
    const struct config *cfg;
    const struct principal *who;
    int64_t project_id, id;
    const struct notice_in *in;
    const char *buildings; /* normal form, or NULL when not given */
    int category;          /* -1 = not given */
    /* a publication by the schedule (notice_publish_due()): who is then
     * the scheduler (or NULL: the system, clearing it), context the audit
     * row's, outcome what happened */
    bool by_schedule;
    struct principal scheduler;
    const char *context;
    enum notice_due_outcome outcome;
};

int notice_audience_tx(struct db *db, struct arena *a, const struct principal *who,
                       int64_t project_id, const char *buildings, size_t n, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_project, DB_ARGS(P_INT(project_id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(who, project_id))
        return err_not_found(e);
    if (!buildings || !buildings[0])
        return 0;
    if (db_one(db, a, &sql_buildings, DB_ARGS(P_INT(project_id), P_STR(buildings)), &r, e) < 0)
        return -1;
    if (db_int(&r, 0, 0) != (int64_t)n)
        return err_bad_request(e, "building_ids 须为本项目的楼栋");
    return 0;
}

/* An edit's new buildings are the project's (it is locked with the notice). */
static int buildings_tx(struct db *db, struct write_op *op, struct err *e)
{
    struct db_res r;

    if (!op->buildings || !op->buildings[0])
        return 0;
    if (db_one(db, &op->a, &sql_buildings,
               DB_ARGS(P_INT(op->project_id), P_STR(op->buildings)), &r, e) < 0)
        return -1;
    if (db_int(&r, 0, 0) != (int64_t)op->in->nbuildings)
        return err_bad_request(e, "building_ids 须为本项目的楼栋");
    return 0;
}

static int create_tx(struct db *db, void *arg, struct err *e)
{
    struct write_op *op = arg;
    const struct notice_in *in = op->in;

    arena_reset(&op->a);
    if (notice_audience_tx(db, &op->a, op->who, op->project_id, op->buildings, in->nbuildings,
                           e) < 0 ||
        db_insert(db, &sql_insert,
                  DB_ARGS(P_INT(op->project_id), P_STR(op->buildings ? op->buildings : ""),
                          P_STR(in->title), P_STR(in->body),
                          P_STR(notice_category_names[op->category]), P_INT(in->pinned),
                          P_INT(in->has_expires && !in->expires_null),
                          P_INT((int64_t)in->expires_at),
                          P_INT(in->has_publish && !in->publish_null),
                          P_INT((int64_t)in->publish_at),
                          P_INT(in->has_publish && !in->publish_null), P_INT(op->who->id),
                          P_INT(op->who->id)),
                  &op->id, e) < 0)
        return -1;
    return audit_change(db, &op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = "create_notice",
                                              .entity = "notice",
                                              .entity_id = op->id},
                        &sql_snap, e);
}

/* Lock notice op->id and decide scope: its project (404 outside the
 * caller's); *status and *expired as locked. */
static int lock_tx(struct db *db, struct write_op *op, const char **status, bool *expired,
                   struct db_res *r, struct err *e)
{
    int found;

    arena_reset(&op->a);
    found = db_one(db, &op->a, &sql_lock, DB_ARGS(P_INT(op->id)), r, e);
    if (found < 0)
        return -1;
    /* the schedule's scope is its scheduler's, decided after the lock */
    if (!found || (!op->by_schedule && !auth_in_project(op->who, db_int(r, 0, 0))))
        return err_not_found(e);
    op->project_id = db_int(r, 0, 0);
    *status = db_text(r, 0, 1);
    *expired = db_int(r, 0, 2) != 0;
    return 0;
}

static int audited_tx(struct db *db, struct write_op *op, const char *action, const char *before,
                      struct err *e)
{
    return audit_change(db, &op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = action,
                                              .entity = "notice",
                                              .entity_id = op->id,
                                              .before = before,
                                              .context = op->context},
                        &sql_snap, e);
}

static int update_tx(struct db *db, void *arg, struct err *e)
{
    struct write_op *op = arg;
    const struct notice_in *in = op->in;
    const char *status, *before;
    struct db_res r;
    bool expired;

    if (lock_tx(db, op, &status, &expired, &r, e) < 0)
        return -1;
    if (strcmp(status, "draft") != 0)
        return err_set(e, E_NOTICE_NOT_DRAFT);
    if (buildings_tx(db, op, e) < 0 ||
        audit_snapshot(db, &op->a, &sql_snap, op->id, &before, e) < 0 ||
        db_exec(db, &sql_update,
                DB_ARGS(P_STR(in->title), P_STR(in->body),
                        P_STR(op->category < 0 ? NULL : notice_category_names[op->category]),
                        P_INT(in->has_pinned), P_INT(in->pinned), P_INT(in->has_expires),
                        P_INT(in->expires_null), P_INT((int64_t)in->expires_at),
                        P_INT(in->has_publish), P_INT(in->publish_null),
                        P_INT((int64_t)in->publish_at), P_INT(in->has_publish),
                        P_INT(in->publish_null), P_INT(op->who->id), P_STR(op->buildings),
                        P_INT(op->id)),
                NULL, e) < 0 ||
        db_one(db, &op->a, &sql_schedule_conflict, DB_ARGS(P_INT(op->id)), &r, e) < 0)
        return -1;
    /* the edit as a whole: one of expires_at and publish_at may be old */
    if (db_int(&r, 0, 0))
        return err_bad_request(e, "publish_at 须早于 expires_at");
    return audited_tx(db, op, "update_notice", before, e);
}

/* The schedule's checks on the locked row r (notice_publish_due()): 1 to
 * publish it as its scheduler, 0 when it is no longer a due draft
 * (NOTICE_DUE_NONE) or its schedule had to be cleared (CLEARED). */
static int due_tx(struct db *db, struct write_op *op, const struct db_res *r, const char *status,
                  bool expired, struct err *e)
{
    const char *why, *before, *publish_at = db_str(r, 0, 7);

    op->outcome = NOTICE_DUE_NONE;
    op->who = NULL;
    op->context = NULL;
    if (strcmp(status, "draft") != 0 || !db_int(r, 0, 5))
        return 0;
    if (notice_scheduler_tx(db, &op->a, db_int(r, 0, 6), op->project_id, &op->scheduler, &why,
                            e) < 0)
        return -1;
    if (!why && expired)
        why = "公告已过期";
    op->context = notice_schedule_context(&op->a, publish_at, why);
    if (!op->context)
        return err_internal(e);
    if (!why) {
        op->who = &op->scheduler;
        return 1;
    }
    if (audit_snapshot(db, &op->a, &sql_snap, op->id, &before, e) < 0 ||
        db_exec(db, &sql_unschedule, DB_ARGS(P_INT(op->id)), NULL, e) < 0 ||
        audited_tx(db, op, "unschedule_notice", before, e) < 0)
        return -1;
    op->outcome = NOTICE_DUE_CLEARED;
    return 0;
}

static int publish_tx(struct db *db, void *arg, struct err *e)
{
    struct write_op *op = arg;
    const char *status, *before, *title, *category;
    struct db_res r, last, people;
    int64_t seq;
    bool expired;
    int found;
    char stem[48];

    if (lock_tx(db, op, &status, &expired, &r, e) < 0)
        return -1;
    if (op->by_schedule && (found = due_tx(db, op, &r, status, expired, e)) <= 0)
        return found;
    if (strcmp(status, "draft") != 0)
        return err_set(e, E_NOTICE_NOT_DRAFT);
    if (expired)
        return err_set(e, E_NOTICE_EXPIRED);
    title = db_text(&r, 0, 3);
    category = notice_category_labels[util_index_of(db_text(&r, 0, 4), notice_category_names)];
    found = db_one(db, &op->a, &sql_last_seq, DB_NOARGS, &last, e);
    if (found < 0)
        return -1;
    seq = found ? db_int(&last, 0, 0) + 1 : 1;
    if (audit_snapshot(db, &op->a, &sql_snap, op->id, &before, e) < 0 ||
        db_exec(db, &sql_publish, DB_ARGS(P_INT(seq), P_INT(op->id)), NULL, e) < 0 ||
        audited_tx(db, op, "publish_notice", before, e) < 0)
        return -1;
    op->outcome = NOTICE_DUE_PUBLISHED;
    if (!op->cfg->wechat_template_notice[0])
        return 0;
    if (db_query(db, &op->a, &sql_audience_wechat, DB_ARGS(P_INT(op->id)), &people, e) < 0)
        return -1;
    snprintf(stem, sizeof(stem), "notice:%lld", (long long)op->id);
    return notice_queue_wechat(db, &op->a, op->project_id, &people, stem,
                               op->cfg->wechat_template_notice, title, category, e);
}

static int withdraw_tx(struct db *db, void *arg, struct err *e)
{
    struct write_op *op = arg;
    const char *status, *before;
    struct db_res r;
    bool expired;

    if (lock_tx(db, op, &status, &expired, &r, e) < 0)
        return -1;
    if (strcmp(status, "published") != 0)
        return err_set(e, E_NOTICE_NOT_PUBLISHED);
    if (audit_snapshot(db, &op->a, &sql_snap, op->id, &before, e) < 0 ||
        db_exec(db, &sql_withdraw, DB_ARGS(P_INT(op->id)), NULL, e) < 0)
        return -1;
    return audited_tx(db, op, "withdraw_notice", before, e);
}

/* What needs no database: the fields given, in their sets and ranges. */
static int check_in(const struct notice_in *in, bool create, int *category, char *buildings,
                    bool *has_buildings, struct err *e)
{
    *category = -1;
    if (create && (!in->title || !in->body || !in->category))
        return err_bad_request(e, !in->title  ? "缺少字段：title"
                                  : !in->body ? "缺少字段：body"
                                              : "缺少字段：category");
    if (in->category && (*category = util_index_of(in->category, notice_category_names)) < 0)
        return err_bad_request(e, "category 只能是 notice、outage、activity 或 other");
    if (in->has_expires && !in->expires_null && in->expires_at <= time(NULL))
        return err_bad_request(e, "expires_at 须晚于现在");
    /* against the expiry given with it; an edit's against the row's, in
     * its transaction */
    if (in->has_publish && !in->publish_null &&
        notice_publish_at_check(in->publish_at, time(NULL),
                                in->has_expires && !in->expires_null ? in->expires_at : 0,
                                "expires_at", e) < 0)
        return -1;
    *has_buildings = in->has_buildings;
    if (in->has_buildings)
        return notice_audience_text(in->building_ids, in->nbuildings, buildings, e);
    return 0;
}

static int run(struct db *db, int (*fn)(struct db *, void *, struct err *), struct write_op *op,
               struct err *e)
{
    int rc = db_tx(db, fn, op, e);

    arena_free(&op->a);
    return rc;
}

int notice_create(struct db *db, const struct principal *who, int64_t project_id,
                  const struct notice_in *in, int64_t *id, struct err *e)
{
    struct write_op op = {.who = who, .project_id = project_id, .in = in};
    char buildings[NOTICE_AUDIENCE_TEXT_MAX];
    bool has;

    if (check_in(in, true, &op.category, buildings, &has, e) < 0)
        return -1;
    op.buildings = has ? buildings : NULL;
    if (run(db, create_tx, &op, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

int notice_update(struct db *db, const struct principal *who, int64_t id,
                  const struct notice_in *in, struct err *e)
{
    struct write_op op = {.who = who, .id = id, .in = in};
    char buildings[NOTICE_AUDIENCE_TEXT_MAX];
    bool has;

    if (check_in(in, false, &op.category, buildings, &has, e) < 0)
        return -1;
    op.buildings = has ? buildings : NULL;
    return run(db, update_tx, &op, e);
}

int notice_publish(struct db *db, const struct config *cfg, const struct principal *who,
                   int64_t id, struct err *e)
{
    struct write_op op = {.cfg = cfg, .who = who, .id = id};

    return run(db, publish_tx, &op, e);
}

int notice_withdraw(struct db *db, const struct principal *who, int64_t id, struct err *e)
{
    struct write_op op = {.who = who, .id = id};

    return run(db, withdraw_tx, &op, e);
}

int notice_publish_due(struct db *db, const struct config *cfg, int64_t id,
                       enum notice_due_outcome *out, struct err *e)
{
    struct write_op op = {.cfg = cfg, .id = id, .by_schedule = true};
    int rc = run(db, publish_tx, &op, e);

    *out = rc == 0 ? op.outcome : NOTICE_DUE_NONE;
    return rc;
}

int notice_publish_scheduled(struct db *db, const struct config *cfg,
                             struct notice_due_counts *n, struct err *e)
{
    return notice_due_run(db, &sql_due, notice_publish_due, cfg, n, e);
}

/* ---- the owner's side -------------------------------------------------------------- */

static void notice_from_row(const struct db_res *r, size_t i, struct notice *x)
{
    memset(x, 0, sizeof(*x));
    x->id = db_int(r, i, 0);
    x->project_id = db_int(r, i, 1);
    x->building_ids = db_text(r, i, 2);
    x->title = db_text(r, i, 3);
    x->body = db_text(r, i, 4);
    x->category = db_text(r, i, 5);
    x->status = db_text(r, i, 6);
    x->pinned = db_int(r, i, 7) != 0;
    x->expires_at = db_str(r, i, 8);
    x->created_at = db_text(r, i, 9);
    x->published_at = db_str(r, i, 10);
    x->withdrawn_at = db_str(r, i, 11);
    x->read_at = db_str(r, i, 12);
    x->read = x->read_at != NULL;
    x->cursor = db_int(r, i, 13);
    x->publish_at = db_str(r, i, 14);
}

/* Rows into a page of at most limit (one row more tells there is a next
 * page; its cursor is the last item's, by the list's key). */
static void page_of(struct arena *a, const struct db_res *r, int limit, bool by_cursor,
                    struct notice_page *out)
{
    out->n = r->nrows > (size_t)limit ? (size_t)limit : r->nrows;
    out->items = arena_alloc(a, (out->n ? out->n : 1) * sizeof(*out->items));
    for (size_t i = 0; i < out->n; i++)
        notice_from_row(r, i, &out->items[i]);
    out->next = 0;
    if (r->nrows > (size_t)limit)
        out->next = by_cursor ? out->items[limit - 1].cursor : out->items[limit - 1].id;
}

#define FROM_TOP INT64_C(999999999999999)

int notice_list_owner(struct db *db, struct arena *a, const struct principal *who, int64_t after,
                      int limit, struct notice_page *out, struct err *e)
{
    struct db_res r;

    if (db_query(db, a, &sql_list_owner,
                 DB_ARGS(P_INT(who->id), P_INT(after ? after : FROM_TOP), P_INT(who->id),
                         P_INT(who->id), P_INT(limit + 1)),
                 &r, e) < 0)
        return -1;
    page_of(a, &r, limit, true, out);
    return 0;
}

struct read_op {
    struct arena a;
    const struct principal *who;
    int64_t id;
};

static int read_tx(struct db *db, void *arg, struct err *e)
{
    struct read_op *op = arg;
    struct db_res r;
    int found;

    arena_reset(&op->a);
    found = db_one(db, &op->a, &sql_readable, DB_ARGS(P_INT(op->id), P_INT(op->who->id)), &r, e);
    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    return db_exec(db, &sql_mark_read, DB_ARGS(P_INT(op->id), P_INT(op->who->id)), NULL, e);
}

int notice_read(struct db *db, const struct principal *who, int64_t id, struct err *e)
{
    struct read_op op = {.who = who, .id = id};
    int rc = db_tx(db, read_tx, &op, e);

    arena_free(&op.a);
    return rc;
}

/* ---- the office's and the staff's side --------------------------------------------- */

int notice_list_project(struct db *db, struct arena *a, const struct principal *who,
                        int64_t project_id, const char *status, int64_t before, int limit,
                        struct notice_page *out, struct err *e)
{
    struct db_res r;

    if (status && util_index_of(status, status_names) < 0)
        return err_bad_request(e, "查询参数 status 只能是 draft、published 或 withdrawn");
    if (!auth_in_project(who, project_id))
        return err_not_found(e);
    if (!status)
        status = "";
    if (db_query(db, a, &sql_list_project,
                 DB_ARGS(P_INT(project_id), P_STR(status), P_STR(status),
                         P_INT(before ? before : FROM_TOP), P_INT(limit + 1)),
                 &r, e) < 0)
        return -1;
    page_of(a, &r, limit, false, out);
    return 0;
}

int notice_list_staff(struct db *db, struct arena *a, const struct principal *who,
                      int64_t project_id, int64_t before, int limit, struct notice_page *out,
                      struct err *e)
{
    struct db_res r;
    const char *projects;

    if (project_id && !auth_in_project(who, project_id))
        return err_not_found(e);
    /* one project, or the session's (a read: the principal's copy serves) */
    projects = project_id ? db_id_list_text(a, &project_id, 1)
                          : db_id_list_text(a, who->project_ids, who->nprojects);
    if (db_query(db, a, &sql_list_staff,
                 DB_ARGS(P_STR(projects), P_INT(before ? before : FROM_TOP), P_INT(limit + 1)), &r,
                 e) < 0)
        return -1;
    page_of(a, &r, limit, false, out);
    return 0;
}

/* The notice, for staff of its project (404 for anyone else). */
static int read_visible(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                        struct notice *out, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_get, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    notice_from_row(&r, 0, out);
    if (!auth_in_project(who, out->project_id))
        return err_not_found(e);
    return 0;
}

int notice_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
               struct notice *out, struct notice_stats *st, struct err *e)
{
    struct db_res r;

    if (read_visible(db, a, who, id, out, e) < 0 ||
        db_one(db, a, &sql_stats, DB_ARGS(P_INT(id)), &r, e) < 0)
        return -1;
    st->homes = db_int(&r, 0, 0);
    st->people = db_int(&r, 0, 1);
    st->read_people = db_int(&r, 0, 2);
    st->read_homes = db_int(&r, 0, 3);
    return 0;
}

int notice_readers(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                   bool read, int64_t after, int limit, struct notice_reader **out, size_t *n,
                   int64_t *next, struct err *e)
{
    struct notice x;
    struct db_res r;

    if (read_visible(db, a, who, id, &x, e) < 0 ||
        db_query(db, a, &sql_readers,
                 DB_ARGS(P_INT(id), P_INT(after), P_INT(read), P_INT(limit + 1)), &r, e) < 0)
        return -1;
    *n = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    *out = arena_alloc(a, (*n ? *n : 1) * sizeof(**out));
    for (size_t i = 0; i < *n; i++) {
        (*out)[i].person_id = db_int(&r, i, 0);
        (*out)[i].name = db_text(&r, i, 1);
        (*out)[i].phone = db_text(&r, i, 2);
        (*out)[i].homes = db_text(&r, i, 3);
        (*out)[i].read_at = db_str(&r, i, 4);
    }
    *next = r.nrows > (size_t)limit ? (*out)[limit - 1].person_id : 0;
    return 0;
}
