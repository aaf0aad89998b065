/*
 * resources_edit.c — office writes on the estate (see resources_edit.h).
 *
 * The shape of every write here, which later modules copy:
 *   1. semantic checks of the input that need no database (enums, dates);
 *   2. db_tx(): lock the row that decides the write (FOR UPDATE), decide
 *      scope from the caller on what was locked (404 outside), take the
 *      "before" snapshot, write, take the "after" snapshot, audit_log();
 *   3. nothing outside the transaction decides anything.
 * Each transaction function gets a struct edit (arena, caller) and its
 * own input; a deadlock rerun starts it again from the top.
 */
#include "resources_edit.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/util.h"
#include "resources.h"
#include "resources_import.h"

static bool one_of(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

static const char *const kinds[] = {"home", "shop", "office", "parking", "other", NULL};
static const char *const relations[] = {"owner", "family", "tenant", NULL};
static const char *const lease_statuses[] = {"", "vacant", "leased", "self_used", NULL};
static const char *const field_types[] = {"text", "number", "date", "choice", NULL};

/* ---- The SQL of this module -------------------------------------------------------- */

/* The project a row belongs to, locked for the rest of the transaction. */
DB_SQL(sql_lock_project, "SELECT id FROM projects WHERE id = ? FOR UPDATE");
DB_SQL(sql_lock_building, "SELECT project_id FROM buildings WHERE id = ? FOR UPDATE");
DB_SQL(sql_lock_resource, "SELECT project_id FROM resources WHERE id = ? FOR UPDATE");
DB_SQL(sql_lock_link, "SELECT r.project_id FROM person_resources pr "
                      "JOIN resources r ON r.id = pr.resource_id WHERE pr.id = ? FOR UPDATE");
/* Snapshots for the audit log. */
DB_SQL(sql_snap_project,
       "SELECT JSON_OBJECT('code', p.code, 'name', p.name, 'address', p.address, "
       "'arrears_reminders', p.arrears_reminders, "
       "'business_types', (SELECT JSON_ARRAYAGG(bt.code) FROM project_business_types pbt "
       "JOIN business_types bt ON bt.id = pbt.business_type_id WHERE pbt.project_id = p.id)) "
       "FROM projects p WHERE p.id = ?");
DB_SQL(sql_snap_building, "SELECT JSON_OBJECT('project_id', project_id, 'name', name, "
                          "'floors', floors, 'business_type_id', business_type_id) "
                          "FROM buildings WHERE id = ?");
DB_SQL(sql_snap_unit,
       "SELECT JSON_OBJECT('building_id', building_id, 'name', name) FROM units WHERE id = ?");
DB_SQL(sql_snap_resource,
       "SELECT JSON_OBJECT('project_id', project_id, 'building_id', building_id, "
       "'unit_id', unit_id, 'code', code, 'number', number, 'kind', kind, 'floor', floor, "
       "'area_m2x100', area_m2x100, 'inner_area_m2x100', inner_area_m2x100, 'layout', layout, "
       "'decoration', decoration, 'lease_status', lease_status, 'business_scope', "
       "business_scope, 'tenant_company', tenant_company) FROM resources WHERE id = ?");
/* Phones masked, as everywhere outside the person's own row. */
DB_SQL(sql_snap_person,
       "SELECT JSON_OBJECT('name', name, 'phone', CONCAT(LEFT(phone, 3), '****', RIGHT(phone, 4)), "
       "'id_number_masked', id_number_masked, 'occupation', occupation) FROM persons WHERE id = ?");
DB_SQL(sql_snap_link, "SELECT JSON_OBJECT('person_id', person_id, 'resource_id', resource_id, "
                      "'relation', relation, 'moved_in_on', moved_in_on, "
                      "'moved_out_on', moved_out_on) FROM person_resources WHERE id = ?");
DB_SQL(sql_snap_field, "SELECT JSON_OBJECT('project_id', project_id, 'target', target, "
                       "'key', field_key, 'label', label, 'type', type, 'choices', choices) "
                       "FROM custom_fields WHERE id = ?");
DB_SQL(sql_snap_values, "SELECT JSON_OBJECTAGG(cf.field_key, cv.value) FROM custom_fields cf "
                        "JOIN custom_values cv ON cv.field_id = cf.id "
                        "WHERE cf.project_id = ? AND cf.target = ? AND cv.target_id = ?");
/* Projects */
DB_SQL(sql_project_list,
       "SELECT p.id, p.code, p.name, p.address,"
       " (SELECT GROUP_CONCAT(bt.code ORDER BY bt.id) FROM project_business_types pbt"
       "   JOIN business_types bt ON bt.id = pbt.business_type_id WHERE pbt.project_id = p.id),"
       " (SELECT COUNT(*) FROM buildings b WHERE b.project_id = p.id),"
       " (SELECT COUNT(*) FROM resources r WHERE r.project_id = p.id), p.arrears_reminders "
       "FROM projects p JOIN staff_projects sp ON sp.project_id = p.id AND sp.staff_id = ? "
       "WHERE p.id > ? ORDER BY p.id LIMIT ?");
DB_SQL(sql_types_clear, "DELETE FROM project_business_types WHERE project_id = ?");
DB_SQL(sql_type_link, "INSERT IGNORE INTO project_business_types (project_id, business_type_id) "
                      "SELECT ?, id FROM business_types WHERE code = ?");
DB_SQL(sql_type_create, "INSERT IGNORE INTO business_types (code, name) VALUES (?, ?)");
DB_SQL(sql_project_insert, "INSERT INTO projects (code, name, address, arrears_reminders) "
                           "VALUES (?, ?, ?, COALESCE(?, 1))");
DB_SQL(sql_serve, "INSERT INTO staff_projects (staff_id, project_id) VALUES (?, ?)");
DB_SQL(sql_project_update,
       "UPDATE projects SET name = COALESCE(?, name), address = COALESCE(?, address), "
       "arrears_reminders = COALESCE(?, arrears_reminders) WHERE id = ?");
/* Buildings, units */
DB_SQL(sql_type_of, "SELECT id FROM business_types WHERE code = ?");
DB_SQL(sql_building_insert, "INSERT INTO buildings (project_id, name, floors, business_type_id) "
                            "VALUES (?, ?, ?, ?)");
DB_SQL(sql_unit_insert, "INSERT INTO units (building_id, name) VALUES (?, ?)");
DB_SQL(sql_unit_building, "SELECT building_id FROM units WHERE id = ?");
DB_SQL(sql_building_project, "SELECT project_id FROM buildings WHERE id = ?");
DB_SQL(sql_place_names,
       "SELECT b.name, (SELECT u.name FROM units u WHERE u.id = ?) FROM buildings b "
       "WHERE b.id = ?");
/* Resources */
DB_SQL(sql_resource_insert,
       "INSERT INTO resources (project_id, building_id, unit_id, code, number, kind, "
       "floor, area_m2x100, inner_area_m2x100, layout, decoration, lease_status, "
       "business_scope, tenant_company) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
/* unit_id is assigned before building_id, so the CASE still sees the old
 * building: moving to another building without a unit drops the old
 * building's unit. */
DB_SQL(sql_resource_update, "UPDATE resources SET "
                            "unit_id = CASE WHEN ? IS NOT NULL THEN ? "
                            "  WHEN ? IS NOT NULL AND ? <> building_id THEN NULL ELSE unit_id END, "
                            "building_id = COALESCE(?, building_id), code = COALESCE(?, code), "
                            "number = COALESCE(?, number), kind = COALESCE(?, kind), "
                            "floor = COALESCE(?, floor), area_m2x100 = COALESCE(?, area_m2x100), "
                            "inner_area_m2x100 = COALESCE(?, inner_area_m2x100), "
                            "layout = COALESCE(?, layout), decoration = COALESCE(?, decoration), "
                            "lease_status = COALESCE(?, lease_status), "
                            "business_scope = COALESCE(?, business_scope), "
                            "tenant_company = COALESCE(?, tenant_company) WHERE id = ?");
DB_SQL(sql_resource_areas, "SELECT area_m2x100, inner_area_m2x100 FROM resources WHERE id = ?");
/* Persons: where they live now (project, and whether the caller serves it)
 * and whether they were ever linked; locked, as it decides the write. */
DB_SQL(sql_person_lock, "SELECT id, created_by_staff, "
                        "(SELECT COUNT(*) FROM person_resources pr WHERE pr.person_id = pe.id) "
                        "FROM persons pe WHERE pe.id = ? FOR UPDATE");
DB_SQL(sql_person_projects,
       "SELECT DISTINCT r.project_id FROM person_resources pr "
       "JOIN resources r ON r.id = pr.resource_id WHERE pr.person_id = ? AND " PR_CURRENT("pr"));
DB_SQL(sql_person_links,
       "SELECT DISTINCT r.project_id, " PR_CURRENT(
           "pr") " FROM person_resources pr "
                 "JOIN resources r ON r.id = pr.resource_id WHERE pr.person_id = ?");
DB_SQL(sql_person_insert,
       "INSERT INTO persons (name, phone, id_number_masked, occupation, created_by_staff) "
       "VALUES (?, ?, ?, ?, ?)");
DB_SQL(sql_person_update,
       "UPDATE persons SET name = COALESCE(?, name), phone = COALESCE(?, phone), "
       "id_number_masked = COALESCE(?, id_number_masked), "
       "occupation = COALESCE(?, occupation) WHERE id = ?");
DB_SQL(sql_person_unbind, "UPDATE persons SET openid = NULL WHERE id = ?");
DB_SQL(sql_person_sessions_end,
       "UPDATE sessions SET revoked_at = UTC_TIMESTAMP() WHERE subject_kind = 'owner' "
       "AND subject_id = ? AND revoked_at IS NULL");
DB_SQL(sql_person_by_phone,
       "SELECT id, name, id_number_masked FROM persons WHERE phone = ? FOR UPDATE");
DB_SQL(sql_person_set_id_number, "UPDATE persons SET id_number_masked = ? WHERE id = ?");
/* Links */
DB_SQL(sql_link_find, "SELECT pr.id, pr.relation, pr.moved_in_on FROM person_resources pr "
                      "WHERE pr.person_id = ? AND pr.resource_id = ? AND " PR_CURRENT(
                          "pr") " ORDER BY pr.id FOR UPDATE");
DB_SQL(sql_link_set_moved_in, "UPDATE person_resources SET moved_in_on = ? WHERE id = ?");
DB_SQL(sql_link_insert,
       "INSERT INTO person_resources (person_id, resource_id, relation, moved_in_on) "
       "VALUES (?, ?, ?, ?)");
DB_SQL(sql_link_end, "UPDATE person_resources SET moved_out_on = ? WHERE id = ? AND active = 1 "
                     "AND (moved_in_on IS NULL OR moved_in_on <= ?)");
/* Custom fields */
DB_SQL(sql_field_insert,
       "INSERT INTO custom_fields (project_id, target, field_key, label, type, choices, sort) "
       "VALUES (?, ?, ?, ?, ?, ?, 100)");
DB_SQL(sql_field_get, "SELECT id, type, choices FROM custom_fields WHERE project_id = ? "
                      "AND target = ? AND field_key = ?");
DB_SQL(sql_value_clear, "DELETE FROM custom_values WHERE field_id = ? AND target_id = ?");
DB_SQL(sql_value_set, "REPLACE INTO custom_values (field_id, target_id, value) VALUES (?, ?, ?)");

/* ---- Shared steps -------------------------------------------------------------------- */

/* What every transaction function of this file gets. */
struct edit {
    struct arena a; /* freed by run() */
    const struct principal *who;
};

static int run(struct db *db, struct edit *x, int (*fn)(struct db *, void *, struct err *),
               struct err *e)
{
    int rc = db_tx(db, fn, x, e);

    arena_free(&x->a);
    return rc;
}

/* Lock the row of q for id and check that its project is the caller's:
 * 404 otherwise (no such row, or someone else's). */
static int lock_scope(struct db *db, struct edit *x, struct db_sql *q, int64_t id,
                      int64_t *project_id, struct err *e)
{
    struct db_res r;
    int found = db_one(db, &x->a, q, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(x->who, db_int(&r, 0, 0)))
        return err_not_found(e);
    if (project_id)
        *project_id = db_int(&r, 0, 0);
    return 0;
}

static int snap(struct db *db, struct edit *x, struct db_sql *q, int64_t id, const char **json,
                struct err *e)
{
    return audit_snapshot(db, &x->a, q, id, json, e);
}

/* The audit row of a change: after is snapshotted now. */
static int audited_in(struct db *db, struct arena *a, const struct principal *who,
                      const char *action, const char *entity, int64_t id, struct db_sql *snap_q,
                      const char *before, const char *context, struct err *e)
{
    return audit_change(db, a,
                        &(struct audit_entry){.who = who,
                                              .action = action,
                                              .entity = entity,
                                              .entity_id = id,
                                              .before = before,
                                              .context = context},
                        snap_q, e);
}

static int audited(struct db *db, struct edit *x, const char *action, const char *entity,
                   int64_t id, struct db_sql *snap_q, const char *before, struct err *e)
{
    return audited_in(db, &x->a, x->who, action, entity, id, snap_q, before, NULL, e);
}

/* A duplicate key from the database becomes the caller's own code. */
static int dup_as(struct err *e, enum err_code code)
{
    return err_map(e, E_DB_DUPLICATE, code);
}

/* ---- projects ----------------------------------------------------------- */

int res_project_list(struct db *db, struct arena *a, const struct principal *who, int64_t after_id,
                     int limit, struct project_row **out, size_t *n, int64_t *next_after,
                     struct err *e)
{
    struct db_res r;
    size_t rows;

    if (db_query(db, a, &sql_project_list,
                 DB_ARGS(P_INT(who->id), P_INT(after_id), P_INT(limit + 1)), &r, e) < 0)
        return -1;
    rows = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    *n = rows;
    *out = arena_alloc(a, (rows ? rows : 1) * sizeof(**out));
    for (size_t i = 0; i < rows; i++) {
        struct project_row *x = &(*out)[i];
        x->id = db_int(&r, i, 0);
        x->code = db_text(&r, i, 1);
        x->name = db_text(&r, i, 2);
        x->address = db_text(&r, i, 3);
        x->business_types = db_text(&r, i, 4);
        x->buildings = db_int(&r, i, 5);
        x->resources = db_int(&r, i, 6);
        x->arrears_reminders = db_int(&r, i, 7) != 0;
    }
    *next_after = r.nrows > (size_t)limit ? (*out)[rows - 1].id : 0;
    return 0;
}

static int set_business_types(struct db *db, int64_t project_id, const struct project_in *in,
                              struct err *e)
{
    if (db_exec(db, &sql_types_clear, DB_ARGS(P_INT(project_id)), NULL, e) < 0)
        return -1;
    for (size_t i = 0; i < in->ntypes; i++) {
        const char *code = in->business_types[i];
        uint64_t linked;

        if (db_exec(db, &sql_type_link, DB_ARGS(P_INT(project_id), P_STR(code)), &linked, e) < 0)
            return -1;
        /* An unknown code is a custom business type: create it. */
        if (linked == 0 &&
            (db_exec(db, &sql_type_create, DB_ARGS(P_STR(code), P_STR(code)), NULL, e) < 0 ||
             db_exec(db, &sql_type_link, DB_ARGS(P_INT(project_id), P_STR(code)), NULL, e) < 0))
            return -1;
    }
    return 0;
}

struct project_op {
    struct edit x;
    const struct project_in *in;
    int64_t id;
};

static int project_create_tx(struct db *db, void *arg, struct err *e)
{
    struct project_op *op = arg;

    if (db_insert(db, &sql_project_insert,
                  DB_ARGS(P_STR(op->in->code), P_STR(op->in->name),
                          P_STR(op->in->address ? op->in->address : ""),
                          op->in->has_arrears_reminders ? P_INT(op->in->arrears_reminders)
                                                        : P_NULL),
                  &op->id, e) < 0)
        return dup_as(e, E_PROJECT_TAKEN);
    /* The creator serves the new project from now on. */
    if (db_exec(db, &sql_serve, DB_ARGS(P_INT(op->x.who->id), P_INT(op->id)), NULL, e) < 0 ||
        (op->in->business_types && set_business_types(db, op->id, op->in, e) < 0))
        return -1;
    return audited(db, &op->x, "create_project", "project", op->id, &sql_snap_project, NULL, e);
}

int res_project_create(struct db *db, const struct principal *who, const struct project_in *in,
                       int64_t *id, struct err *e)
{
    struct project_op op = {{{0}, who}, in, 0};

    if (run(db, &op.x, project_create_tx, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

static int project_update_tx(struct db *db, void *arg, struct err *e)
{
    struct project_op *op = arg;
    const char *before;

    if (lock_scope(db, &op->x, &sql_lock_project, op->id, NULL, e) < 0 ||
        snap(db, &op->x, &sql_snap_project, op->id, &before, e) < 0)
        return -1;
    if (db_exec(db, &sql_project_update,
                DB_ARGS(P_STR(op->in->name), P_STR(op->in->address),
                        op->in->has_arrears_reminders ? P_INT(op->in->arrears_reminders) : P_NULL,
                        P_INT(op->id)),
                NULL, e) < 0)
        return dup_as(e, E_PROJECT_TAKEN);
    if (op->in->business_types && set_business_types(db, op->id, op->in, e) < 0)
        return -1;
    return audited(db, &op->x, "update_project", "project", op->id, &sql_snap_project, before, e);
}

int res_project_update(struct db *db, const struct principal *who, int64_t id,
                       const struct project_in *in, struct err *e)
{
    struct project_op op = {{{0}, who}, in, id};

    return run(db, &op.x, project_update_tx, e);
}

/* ---- buildings and units --------------------------------------------------- */

struct named_op {
    struct edit x;
    int64_t parent;
    const char *name, *type;
    int64_t floors, id;
};

static int building_tx(struct db *db, void *arg, struct err *e)
{
    struct named_op *op = arg;
    struct db_res r;
    int64_t type_id = 0;

    if (lock_scope(db, &op->x, &sql_lock_project, op->parent, NULL, e) < 0)
        return -1;
    if (op->type) {
        int found = db_one(db, &op->x.a, &sql_type_of, DB_ARGS(P_STR(op->type)), &r, e);
        if (found < 0)
            return -1;
        if (!found)
            return err_bad_request(e, "没有这个业态，请先在项目中添加");
        type_id = db_int(&r, 0, 0);
    }
    if (db_insert(db, &sql_building_insert,
                  DB_ARGS(P_INT(op->parent), P_STR(op->name), P_INT(op->floors),
                          type_id ? P_INT(type_id) : P_NULL),
                  &op->id, e) < 0)
        return dup_as(e, E_BUILDING_TAKEN);
    return audited(db, &op->x, "create_building", "building", op->id, &sql_snap_building, NULL, e);
}

int res_building_create(struct db *db, const struct principal *who, int64_t project_id,
                        const char *name, int64_t floors, const char *business_type, int64_t *id,
                        struct err *e)
{
    struct named_op op = {{{0}, who}, project_id, name, business_type, floors, 0};

    if (run(db, &op.x, building_tx, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

static int unit_tx(struct db *db, void *arg, struct err *e)
{
    struct named_op *op = arg;

    if (lock_scope(db, &op->x, &sql_lock_building, op->parent, NULL, e) < 0)
        return -1;
    if (db_insert(db, &sql_unit_insert, DB_ARGS(P_INT(op->parent), P_STR(op->name)), &op->id, e) <
        0)
        return dup_as(e, E_UNIT_TAKEN);
    return audited(db, &op->x, "create_unit", "unit", op->id, &sql_snap_unit, NULL, e);
}

int res_unit_create(struct db *db, const struct principal *who, int64_t building_id,
                    const char *name, int64_t *id, struct err *e)
{
    struct named_op op = {{{0}, who}, building_id, name, NULL, 0, 0};

    if (run(db, &op.x, unit_tx, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

/* ---- resources -------------------------------------------------------------- */

/* Building and unit must belong to the project (and the unit to the
 * building); 400 otherwise — they are ids the caller gave in the body. */
static int check_placement(struct db *db, struct edit *x, int64_t project_id, int64_t building_id,
                           int64_t unit_id, struct err *e)
{
    struct db_res r;
    int found;

    if (building_id) {
        found = db_one(db, &x->a, &sql_building_project, DB_ARGS(P_INT(building_id)), &r, e);
        if (found < 0)
            return -1;
        if (!found || db_int(&r, 0, 0) != project_id)
            return err_bad_request(e, "楼栋不属于该项目");
    }
    if (unit_id) {
        if (!building_id)
            return err_bad_request(e, "指定单元时必须指定楼栋");
        found = db_one(db, &x->a, &sql_unit_building, DB_ARGS(P_INT(unit_id)), &r, e);
        if (found < 0)
            return -1;
        if (!found || db_int(&r, 0, 0) != building_id)
            return err_bad_request(e, "单元不属于该楼栋");
    }
    return 0;
}

static int check_resource_in(const struct resource_in *in, struct err *e)
{
    if (in->kind && !one_of(in->kind, kinds))
        return err_bad_request(e, "kind 只能是 home、shop、office、parking 或 other");
    if (in->lease_status && !one_of(in->lease_status, lease_statuses))
        return err_bad_request(e, "lease_status 只能是 vacant、leased 或 self_used");
    if (in->has_area && in->has_inner_area && in->inner_area_m2x100 > in->area_m2x100)
        return err_bad_request(e, "套内面积不能大于建筑面积");
    return 0;
}

struct resource_op {
    struct edit x;
    int64_t project_id, id;
    const struct resource_in *in;
};

/* The natural key of a resource: building-unit-number, as the importer. */
static int default_code(struct db *db, struct edit *x, const struct resource_in *in,
                        const char **code, struct err *e)
{
    struct db_res r;
    int found;

    *code = in->number;
    if (!in->building_id)
        return 0;
    found = db_one(db, &x->a, &sql_place_names, DB_ARGS(P_INT(in->unit_id), P_INT(in->building_id)),
                   &r, e);
    if (found < 0)
        return -1;
    if (found && db_str(&r, 0, 1))
        *code = arena_printf(&x->a, "%s-%s-%s", db_text(&r, 0, 0), db_str(&r, 0, 1), in->number);
    else if (found)
        *code = arena_printf(&x->a, "%s-%s", db_text(&r, 0, 0), in->number);
    if (utf8_chars(*code, strlen(*code)) > 64)
        return err_bad_request(e, "资源编码太长");
    return 0;
}

static int resource_create_tx(struct db *db, void *arg, struct err *e)
{
    struct resource_op *op = arg;
    const struct resource_in *in = op->in;
    const char *code = in->code;

    if (lock_scope(db, &op->x, &sql_lock_project, op->project_id, NULL, e) < 0 ||
        check_placement(db, &op->x, op->project_id, in->building_id, in->unit_id, e) < 0 ||
        (!code && default_code(db, &op->x, in, &code, e) < 0))
        return -1;
    if (db_insert(db, &sql_resource_insert,
                  DB_ARGS(P_INT(op->project_id), in->building_id ? P_INT(in->building_id) : P_NULL,
                          in->unit_id ? P_INT(in->unit_id) : P_NULL, P_STR(code), P_STR(in->number),
                          P_STR(in->kind), in->has_floor ? P_INT(in->floor) : P_NULL,
                          P_INT(in->has_area ? in->area_m2x100 : 0),
                          P_INT(in->has_inner_area ? in->inner_area_m2x100 : 0),
                          P_STR(in->layout ? in->layout : ""),
                          P_STR(in->decoration ? in->decoration : ""),
                          P_STR(in->lease_status ? in->lease_status : ""),
                          P_STR(in->business_scope ? in->business_scope : ""),
                          P_STR(in->tenant_company ? in->tenant_company : "")),
                  &op->id, e) < 0)
        return dup_as(e, E_RESOURCE_CODE_TAKEN);
    return audited(db, &op->x, "create_resource", "resource", op->id, &sql_snap_resource, NULL, e);
}

int res_resource_create(struct db *db, const struct principal *who, int64_t project_id,
                        const struct resource_in *in, int64_t *id, struct err *e)
{
    struct resource_op op = {{{0}, who}, project_id, 0, in};

    if (!in->number || !in->kind)
        return err_bad_request(e, "缺少字段：number 或 kind");
    if (check_resource_in(in, e) < 0 || run(db, &op.x, resource_create_tx, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

static int resource_update_tx(struct db *db, void *arg, struct err *e)
{
    struct resource_op *op = arg;
    const struct resource_in *in = op->in;
    struct db_param building = in->building_id ? P_INT(in->building_id) : P_NULL;
    struct db_param unit = in->unit_id ? P_INT(in->unit_id) : P_NULL;
    const char *before;
    struct db_res r;

    if (lock_scope(db, &op->x, &sql_lock_resource, op->id, &op->project_id, e) < 0 ||
        ((in->building_id || in->unit_id) &&
         check_placement(db, &op->x, op->project_id, in->building_id, in->unit_id, e) < 0) ||
        snap(db, &op->x, &sql_snap_resource, op->id, &before, e) < 0)
        return -1;
    if (db_exec(db, &sql_resource_update,
                DB_ARGS(unit, unit, building, building, building, P_STR(in->code),
                        P_STR(in->number), P_STR(in->kind),
                        in->has_floor ? P_INT(in->floor) : P_NULL,
                        in->has_area ? P_INT(in->area_m2x100) : P_NULL,
                        in->has_inner_area ? P_INT(in->inner_area_m2x100) : P_NULL,
                        P_STR(in->layout), P_STR(in->decoration), P_STR(in->lease_status),
                        P_STR(in->business_scope), P_STR(in->tenant_company), P_INT(op->id)),
                NULL, e) < 0)
        return dup_as(e, E_RESOURCE_CODE_TAKEN);
    /* One area given alone is checked against the other as stored. */
    if (db_one(db, &op->x.a, &sql_resource_areas, DB_ARGS(P_INT(op->id)), &r, e) < 0)
        return -1;
    if (db_int(&r, 0, 1) > db_int(&r, 0, 0))
        return err_bad_request(e, "套内面积不能大于建筑面积");
    return audited(db, &op->x, "update_resource", "resource", op->id, &sql_snap_resource, before,
                   e);
}

int res_resource_update(struct db *db, const struct principal *who, int64_t id,
                        const struct resource_in *in, struct err *e)
{
    struct resource_op op = {{{0}, who}, 0, id, in};

    if (check_resource_in(in, e) < 0)
        return -1;
    return run(db, &op.x, resource_update_tx, e);
}

/* ---- persons ------------------------------------------------------------------ */

static int mask_id(const char *id, char out[33], struct err *e)
{
    if (import_mask_id(id, strlen(id), out) != 0)
        return err_bad_request(e, "证件号格式不正确");
    return 0;
}

struct person_op {
    struct edit x;
    const struct person_in *in;
    const char *masked;
    int64_t id;
};

static int person_create_tx(struct db *db, void *arg, struct err *e)
{
    struct person_op *op = arg;

    if (db_insert(
            db, &sql_person_insert,
            DB_ARGS(P_STR(op->in->name), P_STR(op->in->phone), P_STR(op->masked ? op->masked : ""),
                    P_STR(op->in->occupation ? op->in->occupation : ""), P_INT(op->x.who->id)),
            &op->id, e) < 0)
        return dup_as(e, E_PHONE_TAKEN);
    return audited(db, &op->x, "create_person", "person", op->id, &sql_snap_person, NULL, e);
}

int res_person_create(struct db *db, const struct principal *who, const struct person_in *in,
                      int64_t *id, struct err *e)
{
    struct person_op op = {{{0}, who}, in, NULL, 0};
    char masked[33];

    if (!in->name || !in->phone)
        return err_bad_request(e, "缺少字段：name 或 phone");
    if (!util_phone_valid(in->phone))
        return err_bad_request(e, "手机号格式不正确");
    if (in->id_number) {
        if (mask_id(in->id_number, masked, e) < 0)
            return -1;
        op.masked = masked;
    }
    if (run(db, &op.x, person_create_tx, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

/* Lock a person and decide what the caller may do with them (the rules of
 * resources_edit.h): 404 when the caller may not see them; *all_mine tells
 * whether the caller serves every project where they live now (needed to
 * change who they are). A person who lives nowhere now is the caller's
 * when they once lived in one of the caller's projects (moving them back
 * in gives no one a home elsewhere), or when the caller created them and
 * nobody has linked them yet. */
static int person_scope(struct db *db, struct edit *x, int64_t id, bool *all_mine, struct err *e)
{
    struct db_res r;
    bool mine_now = false, mine_before = false, lives_somewhere = false;
    int found = db_one(db, &x->a, &sql_person_lock, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    if (db_int(&r, 0, 2) == 0) {
        *all_mine = db_int(&r, 0, 1) == x->who->id && !db_is_null(&r, 0, 1);
        return *all_mine ? 0 : err_not_found(e);
    }
    if (db_query(db, &x->a, &sql_person_links, DB_ARGS(P_INT(id)), &r, e) < 0)
        return -1;
    *all_mine = true;
    for (size_t i = 0; i < r.nrows; i++) {
        bool mine = auth_in_project(x->who, db_int(&r, i, 0)), current = db_int(&r, i, 1) != 0;
        if (current) {
            lives_somewhere = true;
            mine_now |= mine;
            *all_mine &= mine;
        } else {
            mine_before |= mine;
        }
    }
    return mine_now || (!lives_somewhere && mine_before) ? 0 : err_not_found(e);
}

int res_person_serves_all(struct db *db, struct arena *a, const struct principal *who,
                          int64_t person_id, bool *all_mine, struct err *e)
{
    struct db_res r;

    if (db_one(db, a, &sql_person_lock, DB_ARGS(P_INT(person_id)), &r, e) < 0 ||
        db_query(db, a, &sql_person_projects, DB_ARGS(P_INT(person_id)), &r, e) < 0)
        return -1;
    *all_mine = true;
    for (size_t i = 0; i < r.nrows; i++)
        if (!auth_in_project(who, db_int(&r, i, 0)))
            *all_mine = false;
    return 0;
}

static int person_update_tx(struct db *db, void *arg, struct err *e)
{
    struct person_op *op = arg;
    const struct person_in *in = op->in;
    const char *before;
    bool all_mine;

    if (person_scope(db, &op->x, op->id, &all_mine, e) < 0)
        return -1;
    if ((in->name || in->phone || op->masked) && !all_mine)
        return err_setf(e, E_FORBIDDEN,
                        "此人也在其他项目登记，修改姓名、手机号或证件号需由"
                        "其所有项目的管理员办理");
    if (snap(db, &op->x, &sql_snap_person, op->id, &before, e) < 0)
        return -1;
    if (db_exec(db, &sql_person_update,
                DB_ARGS(P_STR(in->name), P_STR(in->phone), P_STR(op->masked), P_STR(in->occupation),
                        P_INT(op->id)),
                NULL, e) < 0)
        return dup_as(e, E_PHONE_TAKEN);
    /* A new reserved phone must be proved again: forget the WeChat binding
     * and end the person's sessions. */
    if (in->phone && (db_exec(db, &sql_person_unbind, DB_ARGS(P_INT(op->id)), NULL, e) < 0 ||
                      db_exec(db, &sql_person_sessions_end, DB_ARGS(P_INT(op->id)), NULL, e) < 0))
        return -1;
    return audited(db, &op->x, "update_person", "person", op->id, &sql_snap_person, before, e);
}

int res_person_update(struct db *db, const struct principal *who, int64_t id,
                      const struct person_in *in, struct err *e)
{
    struct person_op op = {{{0}, who}, in, NULL, id};
    char masked[33];

    if (in->phone && !util_phone_valid(in->phone))
        return err_bad_request(e, "手机号格式不正确");
    if (in->id_number) {
        if (mask_id(in->id_number, masked, e) < 0)
            return -1;
        op.masked = masked;
    }
    return run(db, &op.x, person_update_tx, e);
}

int res_person_resolve_tx(struct db *db, struct arena *a, const struct principal *who,
                          const struct person_ref *in, const char *context, int64_t *person_id,
                          bool *created, struct err *e)
{
    struct db_res r;
    const char *before;
    bool all_mine;
    int found = db_one(db, a, &sql_person_by_phone, DB_ARGS(P_STR(in->phone)), &r, e);

    *created = false;
    if (found < 0)
        return -1;
    if (!found) {
        if (db_insert(db, &sql_person_insert,
                      DB_ARGS(P_STR(in->name), P_STR(in->phone),
                              P_STR(in->id_number_masked ? in->id_number_masked : ""), P_STR(""),
                              who && who->kind == SUBJECT_STAFF ? P_INT(who->id) : P_NULL),
                      person_id, e) < 0)
            return dup_as(e, E_PHONE_TAKEN);
        *created = true;
        return audited_in(db, a, who, "create_person", "person", *person_id, &sql_snap_person, NULL,
                          context, e);
    }
    *person_id = db_int(&r, 0, 0);
    /* The phone is how an owner logs in: a new name for it is refused,
     * never "corrected" — and the refusal names nobody. */
    if (strcmp(db_text(&r, 0, 1), in->name) != 0)
        return err_setf(e, E_PHONE_TAKEN, "手机号已登记为另一人");
    if (!in->id_number_masked || strcmp(db_text(&r, 0, 2), in->id_number_masked) == 0)
        return 0;
    if (db_text(&r, 0, 2)[0])
        return err_set(e, E_ID_NUMBER_MISMATCH);
    /* Filling in a missing ID number changes who the person is. */
    if (who) {
        if (res_person_serves_all(db, a, who, *person_id, &all_mine, e) < 0)
            return -1;
        if (!all_mine)
            return err_setf(e, E_FORBIDDEN,
                            "此人也在其他项目登记，证件号须由其所有项目的管理员补录");
    }
    if (audit_snapshot(db, a, &sql_snap_person, *person_id, &before, e) < 0 ||
        db_exec(db, &sql_person_set_id_number,
                DB_ARGS(P_STR(in->id_number_masked), P_INT(*person_id)), NULL, e) < 0)
        return -1;
    return audited_in(db, a, who, "update_person", "person", *person_id, &sql_snap_person, before,
                      context, e);
}

int res_link_tx(struct db *db, struct arena *a, const struct principal *who, int64_t resource_id,
                int64_t person_id, const char *relation, const char *moved_in_on,
                enum link_mode mode, const char *context, int64_t *link_id, bool *created,
                struct err *e)
{
    struct db_res r;
    const char *stored_date = NULL, *before;

    *created = false;
    *link_id = 0;
    /* Locking the range keeps two concurrent move-ins from both finding
     * no link. */
    if (db_query(db, a, &sql_link_find, DB_ARGS(P_INT(person_id), P_INT(resource_id)), &r, e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows && !*link_id; i++)
        if (strcmp(db_text(&r, i, 1), relation) == 0) {
            *link_id = db_int(&r, i, 0);
            stored_date = db_str(&r, i, 2);
        }
    if (r.nrows > 0 && (mode == LINK_NEW || !*link_id))
        return mode == LINK_NEW ? err_set(e, E_ALREADY_LINKED)
                                : err_setf(e, E_ALREADY_LINKED,
                                           "此人已以“%s”关系登记在该房屋，变更关系请先办理迁出",
                                           import_relation_label(db_text(&r, 0, 1)));
    if (!*link_id) {
        if (db_insert(
                db, &sql_link_insert,
                DB_ARGS(P_INT(person_id), P_INT(resource_id), P_STR(relation), P_STR(moved_in_on)),
                link_id, e) < 0)
            return -1;
        *created = true;
        return audited_in(db, a, who, "move_in", "person_resource", *link_id, &sql_snap_link, NULL,
                          context, e);
    }
    if (!moved_in_on || (stored_date && strcmp(stored_date, moved_in_on) == 0))
        return 0;
    if (stored_date)
        return err_setf(e, E_MOVED_IN_MISMATCH, "入住日期与已登记的 %s 不一致", stored_date);
    /* A missing move-in date is filled in; a recorded one is history. */
    if (audit_snapshot(db, a, &sql_snap_link, *link_id, &before, e) < 0 ||
        db_exec(db, &sql_link_set_moved_in, DB_ARGS(P_STR(moved_in_on), P_INT(*link_id)), NULL, e) <
            0)
        return -1;
    return audited_in(db, a, who, "update_link", "person_resource", *link_id, &sql_snap_link,
                      before, context, e);
}

/* ---- links: move-in, move-out ------------------------------------------------------ */

struct link_op {
    struct edit x;
    int64_t resource_id, person_id, link_id;
    const char *relation, *date;
    const struct person_ref *by_phone;
};

static int move_in_tx(struct db *db, void *arg, struct err *e)
{
    struct link_op *op = arg;
    bool all_mine, created;

    if (lock_scope(db, &op->x, &sql_lock_resource, op->resource_id, NULL, e) < 0 ||
        (op->by_phone ? res_person_resolve_tx(db, &op->x.a, op->x.who, op->by_phone, NULL,
                                              &op->person_id, &created, e)
                      : person_scope(db, &op->x, op->person_id, &all_mine, e)) < 0)
        return -1;
    return res_link_tx(db, &op->x.a, op->x.who, op->resource_id, op->person_id, op->relation,
                       op->date, LINK_NEW, NULL, &op->link_id, &created, e);
}

int res_move_in(struct db *db, const struct principal *who, int64_t resource_id, int64_t person_id,
                const struct person_ref *by_phone, const char *relation, const char *moved_in_on,
                int64_t *link_id, struct err *e)
{
    struct link_op op = {{{0}, who}, resource_id, person_id, 0, relation, moved_in_on, by_phone};

    if (!one_of(relation, relations))
        return err_bad_request(e, "relation 只能是 owner、family 或 tenant");
    if (moved_in_on && !util_date_valid(moved_in_on))
        return err_bad_request(e, "入住日期格式应为 YYYY-MM-DD");
    if (!person_id == !by_phone)
        return err_bad_request(e, "请提供 person_id，或姓名和手机号（二选一）");
    if (by_phone && !util_phone_valid(by_phone->phone))
        return err_bad_request(e, "手机号格式不正确");
    if (run(db, &op.x, move_in_tx, e) < 0)
        return -1;
    *link_id = op.link_id;
    return 0;
}

static int move_out_tx(struct db *db, void *arg, struct err *e)
{
    struct link_op *op = arg;
    const char *before;
    uint64_t changed;

    if (lock_scope(db, &op->x, &sql_lock_link, op->link_id, NULL, e) < 0 ||
        snap(db, &op->x, &sql_snap_link, op->link_id, &before, e) < 0 ||
        db_exec(db, &sql_link_end, DB_ARGS(P_STR(op->date), P_INT(op->link_id), P_STR(op->date)),
                &changed, e) < 0)
        return -1;
    if (changed != 1)
        return err_set(e, E_ALREADY_MOVED_OUT);
    return audited(db, &op->x, "move_out", "person_resource", op->link_id, &sql_snap_link, before,
                   e);
}

int res_move_out(struct db *db, const struct principal *who, int64_t link_id,
                 const char *moved_out_on, struct err *e)
{
    struct link_op op = {{{0}, who}, 0, 0, link_id, NULL, moved_out_on, NULL};

    if (!moved_out_on || !util_date_valid(moved_out_on))
        return err_bad_request(e, "迁出日期格式应为 YYYY-MM-DD");
    return run(db, &op.x, move_out_tx, e);
}

/* ---- custom fields (RES-4) ---------------------------------------------------------- */

struct field_op {
    struct edit x;
    int64_t project_id, target_id, id;
    const char *target, *key, *label, *type, *choices;
    const char *const *keys, *const *values;
    size_t n;
};

static int field_create_tx(struct db *db, void *arg, struct err *e)
{
    struct field_op *op = arg;

    if (lock_scope(db, &op->x, &sql_lock_project, op->project_id, NULL, e) < 0)
        return -1;
    if (db_insert(db, &sql_field_insert,
                  DB_ARGS(P_INT(op->project_id), P_STR(op->target), P_STR(op->key),
                          P_STR(op->label), P_STR(op->type), P_STR(op->choices)),
                  &op->id, e) < 0)
        return dup_as(e, E_FIELD_TAKEN);
    return audited(db, &op->x, "create_custom_field", "custom_field", op->id, &sql_snap_field, NULL,
                   e);
}

static bool key_valid(const char *k)
{
    size_t n = strlen(k);

    if (n < 1 || n > 32 || !(k[0] >= 'a' && k[0] <= 'z'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
            return false;
    return true;
}

int res_custom_field_create(struct db *db, const struct principal *who, int64_t project_id,
                            const char *target, const char *key, const char *label,
                            const char *type, const char *choices, int64_t *id, struct err *e)
{
    static const char *const targets[] = {"person", "resource", NULL};
    struct field_op op = {.x = {{0}, who},
                          .project_id = project_id,
                          .target = target,
                          .key = key,
                          .label = label,
                          .type = type,
                          .choices = choices ? choices : ""};

    if (!one_of(target, targets))
        return err_bad_request(e, "target 只能是 person 或 resource");
    if (!one_of(type, field_types))
        return err_bad_request(e, "type 只能是 text、number、date 或 choice");
    if (!key_valid(key))
        return err_bad_request(e, "key 只能由小写字母、数字和下划线组成，以字母开头");
    if (strcmp(type, "choice") == 0 && !op.choices[0])
        return err_bad_request(e, "选择型字段需要提供选项");
    if (run(db, &op.x, field_create_tx, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

/* Is value acceptable for a field of this type (choices: comma-separated)? */
static bool value_fits(const char *type, const char *choices, const char *v)
{
    if (strcmp(type, "number") == 0) {
        size_t i = v[0] == '-' ? 1 : 0, n = strlen(v);
        if (n == i || n > 16)
            return false;
        for (; i < n; i++)
            if (v[i] < '0' || v[i] > '9')
                return false;
        return true;
    }
    if (strcmp(type, "date") == 0)
        return util_date_valid(v);
    if (strcmp(type, "choice") == 0) {
        size_t n = strlen(v);
        const char *c = choices;
        while (*c) {
            const char *end = strchr(c, ',');
            size_t len = end ? (size_t)(end - c) : strlen(c);
            if (len == n && strncmp(c, v, n) == 0)
                return true;
            c += len + (end ? 1 : 0);
        }
        return false;
    }
    return utf8_chars(v, strlen(v)) <= 500;
}

/* The project whose person fields are meant: the one given (it must be
 * one where the person lives and the caller serves), or the only such. */
static int person_project(struct db *db, struct field_op *op, struct err *e)
{
    struct db_res r;
    int64_t chosen = 0;
    size_t mine = 0;
    bool all_mine;

    if (person_scope(db, &op->x, op->target_id, &all_mine, e) < 0 ||
        db_query(db, &op->x.a, &sql_person_projects, DB_ARGS(P_INT(op->target_id)), &r, e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        int64_t pid = db_int(&r, i, 0);
        if (!auth_in_project(op->x.who, pid))
            continue;
        mine++;
        if (!op->project_id || op->project_id == pid)
            chosen = pid;
    }
    if (op->project_id && !chosen)
        return err_not_found(e);
    if (!op->project_id && mine > 1)
        return err_bad_request(e, "此人在您的多个项目登记，请指定 project_id");
    if (!chosen)
        return err_not_found(e);
    op->project_id = chosen;
    return 0;
}

/* The target's values of the project as one JSON object (audit). */
static int values_snapshot(struct db *db, struct field_op *op, const char **json, struct err *e)
{
    struct db_res r;

    if (db_query(db, &op->x.a, &sql_snap_values,
                 DB_ARGS(P_INT(op->project_id), P_STR(op->target), P_INT(op->target_id)), &r,
                 e) < 0)
        return -1;
    *json = db_str(&r, 0, 0);
    return 0;
}

static int values_tx(struct db *db, void *arg, struct err *e)
{
    struct field_op *op = arg;
    const char *before, *after;

    if (strcmp(op->target, "resource") == 0) {
        if (lock_scope(db, &op->x, &sql_lock_resource, op->target_id, &op->project_id, e) < 0)
            return -1;
    } else if (person_project(db, op, e) < 0) {
        return -1;
    }
    if (values_snapshot(db, op, &before, e) < 0)
        return -1;
    for (size_t i = 0; i < op->n; i++) {
        struct db_res r;
        int64_t field_id;
        int found =
            db_one(db, &op->x.a, &sql_field_get,
                   DB_ARGS(P_INT(op->project_id), P_STR(op->target), P_STR(op->keys[i])), &r, e);

        if (found < 0)
            return -1;
        if (!found)
            return err_setf(e, E_BAD_REQUEST, "没有这个自定义字段：%.32s", op->keys[i]);
        field_id = db_int(&r, 0, 0);
        if (!op->values[i]) {
            if (db_exec(db, &sql_value_clear, DB_ARGS(P_INT(field_id), P_INT(op->target_id)), NULL,
                        e) < 0)
                return -1;
            continue;
        }
        if (!value_fits(db_text(&r, 0, 1), db_text(&r, 0, 2), op->values[i]))
            return err_setf(e, E_BAD_REQUEST, "字段 %.32s 的值不符合类型要求", op->keys[i]);
        if (db_exec(db, &sql_value_set,
                    DB_ARGS(P_INT(field_id), P_INT(op->target_id), P_STR(op->values[i])), NULL,
                    e) < 0)
            return -1;
    }
    if (values_snapshot(db, op, &after, e) < 0)
        return -1;
    return audit_log(db,
                     &(struct audit_entry){.who = op->x.who,
                                           .action = "set_custom_values",
                                           .entity = op->target,
                                           .entity_id = op->target_id,
                                           .before = before,
                                           .after = after},
                     e);
}

int res_custom_values_set(struct db *db, const struct principal *who, const char *target,
                          int64_t target_id, int64_t project_id, const char *const *keys,
                          const char *const *values, size_t n, struct err *e)
{
    struct field_op op = {.x = {{0}, who},
                          .project_id = project_id,
                          .target_id = target_id,
                          .target = target,
                          .keys = keys,
                          .values = values,
                          .n = n};

    if (strcmp(target, "resource") != 0 && strcmp(target, "person") != 0)
        return err_bad_request(e, "target 只能是 person 或 resource");
    return run(db, &op.x, values_tx, e);
}
