/*
 * ticket_setup.c — the office's set-up of tickets (see ticket_setup.h).
 *
 * Each write: input checked, then one transaction that locks what decides
 * (the project row, or the member's row and project links), decides scope
 * on it, snapshots the set-up as it is, replaces it, and writes the audit
 * row with the snapshot after. A list of skills is replaced whole (delete,
 * insert each): what the office sends is the list, never a difference.
 */
#include "ticket_setup.h"

#include <string.h>
#include <strings.h>

#include "audit.h"
#include "core/json.h"
#include "resources.h"
#include "tickets.h"

/* ---- The SQL of this module -------------------------------------------------------- */

DB_SQL(sql_project_lock, "SELECT id FROM projects WHERE id = ? FOR UPDATE");
DB_SQL(sql_deadlines, "SELECT type, response_min, complete_min FROM ticket_deadlines "
                      "WHERE project_id = ?");
DB_SQL(sql_type_skills, "SELECT type, skill FROM ticket_type_skills WHERE project_id = ? "
                        "ORDER BY type, skill");
DB_SQL(sql_deadline_set,
       "INSERT INTO ticket_deadlines (project_id, type, response_min, complete_min) "
       "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE response_min = VALUES(response_min), "
       "complete_min = VALUES(complete_min)");
DB_SQL(sql_type_skills_clear, "DELETE FROM ticket_type_skills WHERE project_id = ? AND type = ?");
DB_SQL(sql_type_skill_add,
       "INSERT INTO ticket_type_skills (project_id, type, skill) VALUES (?, ?, ?)");
/* the audit's picture of a project's ticket set-up */
DB_SQL(sql_snap_project,
       "SELECT JSON_OBJECT('deadlines', (SELECT JSON_ARRAYAGG(JSON_OBJECT('type', d.type, "
       "'response_min', d.response_min, 'complete_min', d.complete_min) ORDER BY d.type) "
       "FROM ticket_deadlines d WHERE d.project_id = p.id), 'skills', "
       "(SELECT JSON_ARRAYAGG(CONCAT(k.type, ':', k.skill) ORDER BY k.type, k.skill) "
       "FROM ticket_type_skills k WHERE k.project_id = p.id)) FROM projects p WHERE p.id = ?");
/* a member: the row and the projects they serve, locked */
DB_SQL(sql_member_lock, "SELECT id FROM staff WHERE id = ? FOR UPDATE");
DB_SQL(sql_member_projects, "SELECT project_id FROM staff_projects WHERE staff_id = ? FOR UPDATE");
DB_SQL(sql_member_read, "SELECT project_id FROM staff_projects WHERE staff_id = ?");
DB_SQL(sql_staff_skills, "SELECT skill FROM staff_skills WHERE staff_id = ? ORDER BY skill");
DB_SQL(sql_staff_skills_clear, "DELETE FROM staff_skills WHERE staff_id = ?");
DB_SQL(sql_staff_skill_add, "INSERT INTO staff_skills (staff_id, skill) VALUES (?, ?)");
DB_SQL(sql_snap_member, "SELECT JSON_OBJECT('skills', (SELECT JSON_ARRAYAGG(k.skill ORDER BY "
                        "k.skill) FROM staff_skills k WHERE k.staff_id = s.id)) FROM staff s "
                        "WHERE s.id = ?");

/* ---- checks ------------------------------------------------------------------------ */

int ticket_skills_check(const char *const *skills, size_t n, struct err *e)
{
    if (n > TICKET_SKILLS_MAX)
        return err_bad_request(e, "技能最多 20 项");
    for (size_t i = 0; i < n; i++) {
        const char *s = skills[i];
        size_t len = s ? strlen(s) : 0, chars = len ? utf8_chars(s, len) : 0;
        if (chars < 1 || chars > TICKET_SKILL_CHARS || strpbrk(s, ", \t\r\n") ||
            strstr(s, "\xE3\x80\x80") || strstr(s, "\xEF\xBC\x8C"))
            return err_bad_request(e, "技能须为 1 到 32 个字，不含逗号或空格");
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(skills[j], s) == 0)
                return err_bad_request(e, "技能不能重复");
    }
    return 0;
}

static int type_check(const char *type, struct err *e)
{
    if (ticket_type_index(type) < 0)
        return err_bad_request(e, "type 只能是 repair、cleaning、security、complaint、suggestion "
                                  "或 other");
    return 0;
}

/* A skill the column's collation takes for one already listed (beyond
 * ASCII case, which the check above sees) is a repetition too. */
static int dup_skill(struct err *e)
{
    if (err_is(e, E_DB_DUPLICATE))
        return err_bad_request(e, "技能不能重复");
    return -1;
}

/* ---- a project's set-up -------------------------------------------------------------- */

int ticket_setup_get(struct db *db, struct arena *a, const struct principal *who,
                     int64_t project_id, struct ticket_type_setup **out, size_t *n, struct err *e)
{
    struct db_res d, k;
    struct ticket_type_setup *v;
    size_t ntypes = 0;

    if (res_project_scope(db, who, project_id, e) < 0 ||
        db_query(db, a, &sql_deadlines, DB_ARGS(P_INT(project_id)), &d, e) < 0 ||
        db_query(db, a, &sql_type_skills, DB_ARGS(P_INT(project_id)), &k, e) < 0)
        return -1;
    while (ticket_type_names[ntypes])
        ntypes++;
    v = arena_alloc(a, ntypes * sizeof(*v));
    for (size_t i = 0; i < ntypes; i++) {
        struct ticket_type_setup *t = &v[i];
        memset(t, 0, sizeof(*t));
        t->type = ticket_type_names[i];
        t->is_default = true;
        ticket_default_deadlines((int)i, &t->response_min, &t->complete_min);
        for (size_t j = 0; j < d.nrows; j++)
            if (strcmp(db_text(&d, j, 0), t->type) == 0) {
                t->is_default = false;
                t->response_min = db_int(&d, j, 1);
                t->complete_min = db_int(&d, j, 2);
            }
        t->skills = arena_alloc(a, (k.nrows ? k.nrows : 1) * sizeof(*t->skills));
        for (size_t j = 0; j < k.nrows; j++)
            if (strcmp(db_text(&k, j, 0), t->type) == 0)
                t->skills[t->nskills++] = db_text(&k, j, 1);
    }
    *out = v;
    *n = ntypes;
    return 0;
}

struct project_op {
    struct arena a;
    const struct principal *who;
    int64_t project_id;
    const char *type;
    bool set_skills;                    /* the type's skills, else its deadlines */
    int64_t response_min, complete_min; /* deadlines */
    const char *const *skills;
    size_t nskills;
};

static int project_tx(struct db *db, void *arg, struct err *e)
{
    struct project_op *op = arg;
    struct db_res r;
    const char *before;
    int found;

    if (!auth_in_project(op->who, op->project_id))
        return err_not_found(e);
    found = db_one(db, &op->a, &sql_project_lock, DB_ARGS(P_INT(op->project_id)), &r, e);
    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    if (audit_snapshot(db, &op->a, &sql_snap_project, op->project_id, &before, e) < 0)
        return -1;
    if (!op->set_skills) {
        if (db_exec(db, &sql_deadline_set,
                    DB_ARGS(P_INT(op->project_id), P_STR(op->type), P_INT(op->response_min),
                            P_INT(op->complete_min)),
                    NULL, e) < 0)
            return -1;
    } else {
        if (db_exec(db, &sql_type_skills_clear, DB_ARGS(P_INT(op->project_id), P_STR(op->type)),
                    NULL, e) < 0)
            return -1;
        for (size_t i = 0; i < op->nskills; i++)
            if (db_exec(db, &sql_type_skill_add,
                        DB_ARGS(P_INT(op->project_id), P_STR(op->type), P_STR(op->skills[i])), NULL,
                        e) < 0)
                return dup_skill(e);
    }
    return audit_change(db, &op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = op->set_skills ? "set_ticket_type_skills"
                                                                       : "set_ticket_deadline",
                                              .entity = "project_ticket_setup",
                                              .entity_id = op->project_id,
                                              .before = before},
                        &sql_snap_project, e);
}

static int run(struct db *db, int (*fn)(struct db *, void *, struct err *), void *op,
               struct arena *a, struct err *e)
{
    int rc = db_tx(db, fn, op, e);

    arena_free(a);
    return rc;
}

int ticket_deadline_set(struct db *db, const struct principal *who, int64_t project_id,
                        const char *type, int64_t response_min, int64_t complete_min, struct err *e)
{
    struct project_op op = {{0}, who, project_id, type, false, response_min, complete_min, NULL, 0};

    if (type_check(type, e) < 0)
        return -1;
    if (response_min < 1 || complete_min > TICKET_DEADLINE_MAX_MIN || complete_min < response_min)
        return err_bad_request(e, "须 1 ≤ response_min ≤ complete_min ≤ 525600（分钟）");
    return run(db, project_tx, &op, &op.a, e);
}

int ticket_type_skills_set(struct db *db, const struct principal *who, int64_t project_id,
                           const char *type, const char *const *skills, size_t n, struct err *e)
{
    struct project_op op = {{0}, who, project_id, type, true, 0, 0, skills, n};

    if (type_check(type, e) < 0 || ticket_skills_check(skills, n, e) < 0)
        return -1;
    return run(db, project_tx, &op, &op.a, e);
}

/* ---- a member's skills ------------------------------------------------------------- */

/* The member's projects (r, one column) against the caller's: 404 when
 * none is the caller's, 403 when one is not. */
static int member_scope(const struct principal *who, const struct db_res *r, struct err *e)
{
    bool some = false, all = true;

    for (size_t i = 0; i < r->nrows; i++) {
        bool mine = auth_in_project(who, db_int(r, i, 0));
        some |= mine;
        all &= mine;
    }
    if (!some)
        return err_not_found(e);
    if (!all)
        return err_setf(e, E_FORBIDDEN, "该员工也在您不负责的项目任职，需由其所有项目的管理员修改");
    return 0;
}

int staff_skills_get(struct db *db, struct arena *a, const struct principal *who, int64_t staff_id,
                     const char ***out, size_t *n, struct err *e)
{
    struct db_res r;
    bool some = false;

    if (db_query(db, a, &sql_member_read, DB_ARGS(P_INT(staff_id)), &r, e) < 0)
        return -1;
    /* reading needs one shared project only */
    for (size_t i = 0; i < r.nrows; i++)
        some |= auth_in_project(who, db_int(&r, i, 0));
    if (!some)
        return err_not_found(e);
    if (db_query(db, a, &sql_staff_skills, DB_ARGS(P_INT(staff_id)), &r, e) < 0)
        return -1;
    *out = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(**out));
    *n = r.nrows;
    for (size_t i = 0; i < r.nrows; i++)
        (*out)[i] = db_text(&r, i, 0);
    return 0;
}

struct member_op {
    struct arena a;
    const struct principal *who;
    int64_t id;
    const char *const *skills;
    size_t n;
};

static int member_tx(struct db *db, void *arg, struct err *e)
{
    struct member_op *op = arg;
    struct db_res r;
    const char *before;
    int found = db_one(db, &op->a, &sql_member_lock, DB_ARGS(P_INT(op->id)), &r, e);

    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    if (db_query(db, &op->a, &sql_member_projects, DB_ARGS(P_INT(op->id)), &r, e) < 0 ||
        member_scope(op->who, &r, e) < 0 ||
        audit_snapshot(db, &op->a, &sql_snap_member, op->id, &before, e) < 0 ||
        db_exec(db, &sql_staff_skills_clear, DB_ARGS(P_INT(op->id)), NULL, e) < 0)
        return -1;
    for (size_t i = 0; i < op->n; i++)
        if (db_exec(db, &sql_staff_skill_add, DB_ARGS(P_INT(op->id), P_STR(op->skills[i])), NULL,
                    e) < 0)
            return dup_skill(e);
    return audit_change(db, &op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = "set_staff_skills",
                                              .entity = "staff",
                                              .entity_id = op->id,
                                              .before = before},
                        &sql_snap_member, e);
}

int staff_skills_set(struct db *db, const struct principal *who, int64_t staff_id,
                     const char *const *skills, size_t n, struct err *e)
{
    struct member_op op = {{0}, who, staff_id, skills, n};

    if (ticket_skills_check(skills, n, e) < 0)
        return -1;
    return run(db, member_tx, &op, &op.a, e);
}
