/* estate.c — office writes on the estate (see estate.h). */
#include "resources_edit.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/util.h"
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

/* The project a row belongs to, or 0 if there is no such row. */
static int64_t project_of(struct db *db, const char *sql, int64_t id, struct err *e, int *failed)
{
    struct db_param p[1] = {P_INT(id)};
    struct db_res r;
    int64_t pid = 0;

    *failed = 0;
    if (db_exec(db, sql, p, 1, &r, e) < 0) {
        *failed = 1;
        return 0;
    }
    if (r.nrows == 1)
        pid = db_int(&r, 0, 0);
    db_res_free(&r);
    return pid;
}

/* 404 unless the row exists inside the caller's projects. */
static int in_scope(struct db *db, const struct principal *who, const char *sql, int64_t id,
                    int64_t *project_id, struct err *e)
{
    int failed;
    int64_t pid = project_of(db, sql, id, e, &failed);

    if (failed)
        return -1;
    if (!pid || !auth_in_project(who, pid))
        return err_not_found(e);
    if (project_id)
        *project_id = pid;
    return 0;
}

#define SQL_PROJECT_OF_PROJECT "SELECT id FROM projects WHERE id = ?"
#define SQL_PROJECT_OF_BUILDING "SELECT project_id FROM buildings WHERE id = ?"
#define SQL_PROJECT_OF_UNIT                                                                        \
    "SELECT b.project_id FROM units u JOIN buildings b ON b.id = u.building_id WHERE u.id = ?"
#define SQL_PROJECT_OF_RESOURCE "SELECT project_id FROM resources WHERE id = ?"
#define SQL_PROJECT_OF_LINK                                                                        \
    "SELECT r.project_id FROM person_resources pr JOIN resources r ON r.id = pr.resource_id "      \
    "WHERE pr.id = ?"

/* ---- projects ----------------------------------------------------------- */

int res_project_list(struct db *db, struct arena *a, const struct principal *who,
                        int64_t after_id, int limit, struct project_row **out, size_t *n,
                        int64_t *next_after, struct err *e)
{
    static const char sql[] =
        "SELECT p.id, p.code, p.name, p.address,"
        " (SELECT GROUP_CONCAT(bt.code ORDER BY bt.id) FROM project_business_types pbt"
        "   JOIN business_types bt ON bt.id = pbt.business_type_id WHERE pbt.project_id = p.id),"
        " (SELECT COUNT(*) FROM buildings b WHERE b.project_id = p.id),"
        " (SELECT COUNT(*) FROM resources r WHERE r.project_id = p.id) "
        "FROM projects p JOIN staff_projects sp ON sp.project_id = p.id AND sp.staff_id = ? "
        "WHERE p.id > ? ORDER BY p.id LIMIT ?";
    struct db_param p[3] = {P_INT(who->id), P_INT(after_id), P_INT(limit + 1)};
    struct db_res r;
    size_t rows;

    if (db_exec(db, sql, p, 3, &r, e) < 0)
        return -1;
    rows = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    *n = rows;
    *out = arena_alloc(a, (rows ? rows : 1) * sizeof(**out));
    for (size_t i = 0; i < rows; i++) {
        struct project_row *x = &(*out)[i];
        x->id = db_int(&r, i, 0);
        x->code = arena_strdup(a, db_str(&r, i, 1));
        x->name = arena_strdup(a, db_str(&r, i, 2));
        x->address = arena_strdup(a, db_str(&r, i, 3));
        x->business_types = arena_strdup(a, db_str(&r, i, 4) ? db_str(&r, i, 4) : "");
        x->buildings = db_int(&r, i, 5);
        x->resources = db_int(&r, i, 6);
    }
    *next_after = r.nrows > (size_t)limit ? (*out)[rows - 1].id : 0;
    db_res_free(&r);
    return 0;
}

static int set_business_types(struct db *db, int64_t project_id, const struct project_in *in,
                              struct err *e)
{
    struct db_param p[2];

    p[0] = P_INT(project_id);
    if (db_exec(db, "DELETE FROM project_business_types WHERE project_id = ?", p, 1, NULL, e) < 0)
        return -1;
    for (size_t i = 0; i < in->ntypes; i++) {
        struct db_res r;
        p[1] = P_STR(in->business_types[i]);
        uint64_t linked;
        if (db_exec(db,
                    "INSERT IGNORE INTO project_business_types (project_id, business_type_id) "
                    "SELECT ?, id FROM business_types WHERE code = ?",
                    p, 2, &r, e) < 0)
            return -1;
        linked = r.affected;
        db_res_free(&r);
        if (linked == 0) {
            /* An unknown code is a custom business type: create it. */
            struct db_param q[2] = {P_STR(in->business_types[i]), P_STR(in->business_types[i])};
            if (db_exec(db, "INSERT IGNORE INTO business_types (code, name) VALUES (?, ?)", q, 2,
                        NULL, e) < 0 ||
                db_exec(db,
                        "INSERT IGNORE INTO project_business_types (project_id, "
                        "business_type_id) SELECT ?, id FROM business_types WHERE code = ?",
                        p, 2, NULL, e) < 0)
                return -1;
        }
    }
    return 0;
}

struct project_op {
    const struct principal *who;
    const struct project_in *in;
    int64_t id;
};

static int project_create_tx(struct db *db, void *arg, struct err *e)
{
    struct project_op *op = arg;
    struct db_param p[3] = {P_STR(op->in->code), P_STR(op->in->name),
                            P_STR(op->in->address ? op->in->address : "")};
    struct db_res r;

    if (db_exec(db, "INSERT INTO projects (code, name, address) VALUES (?, ?, ?)", p, 3, &r, e) <
        0) {
        if (e->code && strcmp(e->code, "DUPLICATE") == 0)
            err_conflict(e, "CONFLICT", "项目编码或名称已存在");
        return -1;
    }
    op->id = (int64_t)r.insert_id;
    db_res_free(&r);
    /* The creator serves the new project from now on. */
    p[0] = P_INT(op->who->id);
    p[1] = P_INT(op->id);
    if (db_exec(db, "INSERT INTO staff_projects (staff_id, project_id) VALUES (?, ?)", p, 2, NULL,
                e) < 0)
        return -1;
    if (op->in->business_types && set_business_types(db, op->id, op->in, e) < 0)
        return -1;
    return audit_by(db, op->who, "create_project", "project", op->id, "{}", e);
}

int res_project_create(struct db *db, const struct principal *who, const struct project_in *in,
                          int64_t *id, struct err *e)
{
    struct project_op op = {who, in, 0};

    if (db_tx(db, project_create_tx, &op, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

static int project_update_tx(struct db *db, void *arg, struct err *e)
{
    struct project_op *op = arg;
    struct db_param p[3] = {P_STR(op->in->name), P_STR(op->in->address), P_INT(op->id)};

    if (db_exec(db,
                "UPDATE projects SET name = COALESCE(?, name), address = COALESCE(?, address) "
                "WHERE id = ?",
                p, 3, NULL, e) < 0) {
        if (e->code && strcmp(e->code, "DUPLICATE") == 0)
            err_conflict(e, "CONFLICT", "项目名称已存在");
        return -1;
    }
    if (op->in->business_types && set_business_types(db, op->id, op->in, e) < 0)
        return -1;
    return audit_by(db, op->who, "update_project", "project", op->id, "{}", e);
}

int res_project_update(struct db *db, const struct principal *who, int64_t id,
                          const struct project_in *in, struct err *e)
{
    struct project_op op = {who, in, id};

    if (in_scope(db, who, SQL_PROJECT_OF_PROJECT, id, NULL, e) < 0)
        return -1;
    return db_tx(db, project_update_tx, &op, e);
}

/* ---- buildings and units --------------------------------------------------- */

struct named_op {
    const struct principal *who;
    int64_t parent;
    const char *name, *type;
    int64_t floors, id;
};

static int building_tx(struct db *db, void *arg, struct err *e)
{
    struct named_op *op = arg;
    struct db_param p[4] = {P_INT(op->parent), P_STR(op->name), P_INT(op->floors), P_STR(op->type)};
    struct db_res r;

    if (db_exec(db,
                "INSERT INTO buildings (project_id, name, floors, business_type_id) VALUES "
                "(?, ?, ?, (SELECT id FROM business_types WHERE code = ?))",
                p, 4, &r, e) < 0) {
        if (e->code && strcmp(e->code, "DUPLICATE") == 0)
            err_conflict(e, "CONFLICT", "该项目已有同名楼栋");
        return -1;
    }
    op->id = (int64_t)r.insert_id;
    db_res_free(&r);
    return audit_by(db, op->who, "create_building", "building", op->id, "{}", e);
}

int res_building_create(struct db *db, const struct principal *who, int64_t project_id,
                           const char *name, int64_t floors, const char *business_type, int64_t *id,
                           struct err *e)
{
    struct named_op op = {who, project_id, name, business_type, floors, 0};

    if (in_scope(db, who, SQL_PROJECT_OF_PROJECT, project_id, NULL, e) < 0)
        return -1;
    if (business_type) {
        struct db_param p[1] = {P_STR(business_type)};
        struct db_res r;
        size_t found;
        if (db_exec(db, "SELECT id FROM business_types WHERE code = ?", p, 1, &r, e) < 0)
            return -1;
        found = r.nrows;
        db_res_free(&r);
        if (!found)
            return err_bad_request(e, "没有这个业态，请先在项目中添加");
    }
    if (db_tx(db, building_tx, &op, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

static int unit_tx(struct db *db, void *arg, struct err *e)
{
    struct named_op *op = arg;
    struct db_param p[2] = {P_INT(op->parent), P_STR(op->name)};
    struct db_res r;

    if (db_exec(db, "INSERT INTO units (building_id, name) VALUES (?, ?)", p, 2, &r, e) < 0) {
        if (e->code && strcmp(e->code, "DUPLICATE") == 0)
            err_conflict(e, "CONFLICT", "该楼栋已有同名单元");
        return -1;
    }
    op->id = (int64_t)r.insert_id;
    db_res_free(&r);
    return audit_by(db, op->who, "create_unit", "unit", op->id, "{}", e);
}

int res_unit_create(struct db *db, const struct principal *who, int64_t building_id,
                       const char *name, int64_t *id, struct err *e)
{
    struct named_op op = {who, building_id, name, NULL, 0, 0};

    if (in_scope(db, who, SQL_PROJECT_OF_BUILDING, building_id, NULL, e) < 0)
        return -1;
    if (db_tx(db, unit_tx, &op, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

/* ---- resources -------------------------------------------------------------- */

/* Building and unit must belong to the project (and the unit to the
 * building); 400 otherwise — they are ids the caller gave in the body. */
static int check_placement(struct db *db, int64_t project_id, int64_t building_id, int64_t unit_id,
                           struct err *e)
{
    int failed;

    if (building_id &&
        project_of(db, SQL_PROJECT_OF_BUILDING, building_id, e, &failed) != project_id)
        return failed ? -1 : err_bad_request(e, "楼栋不属于该项目");
    if (unit_id) {
        struct db_param p[1] = {P_INT(unit_id)};
        struct db_res r;
        bool ok;
        if (!building_id)
            return err_bad_request(e, "指定单元时必须指定楼栋");
        if (db_exec(db, "SELECT building_id FROM units WHERE id = ?", p, 1, &r, e) < 0)
            return -1;
        ok = r.nrows == 1 && db_int(&r, 0, 0) == building_id;
        db_res_free(&r);
        if (!ok)
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
    const struct principal *who;
    int64_t project_id, id;
    const struct resource_in *in;
    const char *code;
};

static int resource_create_tx(struct db *db, void *arg, struct err *e)
{
    struct resource_op *op = arg;
    const struct resource_in *in = op->in;
    struct db_param p[15] = {
        P_INT(op->project_id),
        in->building_id ? P_INT(in->building_id) : P_NULL,
        in->unit_id ? P_INT(in->unit_id) : P_NULL,
        P_STR(op->code),
        P_STR(in->number),
        P_STR(in->kind),
        in->has_floor ? P_INT(in->floor) : P_NULL,
        P_INT(in->has_area ? in->area_m2x100 : 0),
        P_INT(in->has_inner_area ? in->inner_area_m2x100 : 0),
        P_STR(in->layout ? in->layout : ""),
        P_STR(in->decoration ? in->decoration : ""),
        P_STR(in->lease_status ? in->lease_status : ""),
        P_STR(in->business_scope ? in->business_scope : ""),
        P_STR(in->tenant_company ? in->tenant_company : ""),
    };
    struct db_res r;

    if (db_exec(db,
                "INSERT INTO resources (project_id, building_id, unit_id, code, number, kind, "
                "floor, area_m2x100, inner_area_m2x100, layout, decoration, lease_status, "
                "business_scope, tenant_company) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                p, 14, &r, e) < 0) {
        if (e->code && strcmp(e->code, "DUPLICATE") == 0)
            err_conflict(e, "CONFLICT", "该项目已有相同编码的资源");
        return -1;
    }
    op->id = (int64_t)r.insert_id;
    db_res_free(&r);
    return audit_by(db, op->who, "create_resource", "resource", op->id, "{}", e);
}

/* The natural key of a resource: building-unit-number, as the importer. */
static const char *default_code(struct db *db, const struct resource_in *in, char *out, size_t size,
                                struct err *e)
{
    struct db_param p[2] = {P_INT(in->building_id), P_INT(in->unit_id)};
    struct db_res r;

    if (!in->building_id) {
        snprintf(out, size, "%s", in->number);
        return out;
    }
    if (db_exec(db,
                "SELECT b.name, (SELECT u.name FROM units u WHERE u.id = ?) FROM buildings b "
                "WHERE b.id = ?",
                (struct db_param[]){p[1], p[0]}, 2, &r, e) < 0)
        return NULL;
    if (r.nrows == 1 && db_str(&r, 0, 1))
        snprintf(out, size, "%s-%s-%s", db_str(&r, 0, 0), db_str(&r, 0, 1), in->number);
    else if (r.nrows == 1)
        snprintf(out, size, "%s-%s", db_str(&r, 0, 0), in->number);
    else
        snprintf(out, size, "%s", in->number);
    db_res_free(&r);
    return out;
}

int res_resource_create(struct db *db, const struct principal *who, int64_t project_id,
                           const struct resource_in *in, int64_t *id, struct err *e)
{
    struct resource_op op = {who, project_id, 0, in, in->code};
    char code[200];

    if (!in->number || !in->kind)
        return err_bad_request(e, "缺少字段：number 或 kind");
    if (check_resource_in(in, e) < 0 ||
        in_scope(db, who, SQL_PROJECT_OF_PROJECT, project_id, NULL, e) < 0 ||
        check_placement(db, project_id, in->building_id, in->unit_id, e) < 0)
        return -1;
    if (!op.code) {
        op.code = default_code(db, in, code, sizeof(code), e);
        if (!op.code)
            return -1;
        if (utf8_chars(op.code, strlen(op.code)) > 64)
            return err_bad_request(e, "资源编码太长");
    }
    if (db_tx(db, resource_create_tx, &op, e) < 0)
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
    /* unit_id is assigned before building_id, so the CASE still sees the
     * old building: moving to another building without a unit drops the
     * old building's unit. */
    struct db_param p[17] = {
        unit,
        unit,
        building,
        building,
        building,
        P_STR(in->code),
        P_STR(in->number),
        P_STR(in->kind),
        in->has_floor ? P_INT(in->floor) : P_NULL,
        in->has_area ? P_INT(in->area_m2x100) : P_NULL,
        in->has_inner_area ? P_INT(in->inner_area_m2x100) : P_NULL,
        P_STR(in->layout),
        P_STR(in->decoration),
        P_STR(in->lease_status),
        P_STR(in->business_scope),
        P_STR(in->tenant_company),
        P_INT(op->id),
    };

    if (db_exec(db,
                "UPDATE resources SET "
                "unit_id = CASE WHEN ? IS NOT NULL THEN ? "
                "  WHEN ? IS NOT NULL AND ? <> building_id THEN NULL ELSE unit_id END, "
                "building_id = COALESCE(?, building_id), code = COALESCE(?, code), "
                "number = COALESCE(?, number), kind = COALESCE(?, kind), "
                "floor = COALESCE(?, floor), area_m2x100 = COALESCE(?, area_m2x100), "
                "inner_area_m2x100 = COALESCE(?, inner_area_m2x100), "
                "layout = COALESCE(?, layout), decoration = COALESCE(?, decoration), "
                "lease_status = COALESCE(?, lease_status), "
                "business_scope = COALESCE(?, business_scope), "
                "tenant_company = COALESCE(?, tenant_company) WHERE id = ?",
                p, 17, NULL, e) < 0) {
        if (e->code && strcmp(e->code, "DUPLICATE") == 0)
            err_conflict(e, "CONFLICT", "该项目已有相同编码的资源");
        return -1;
    }
    return audit_by(db, op->who, "update_resource", "resource", op->id, "{}", e);
}

int res_resource_update(struct db *db, const struct principal *who, int64_t id,
                           const struct resource_in *in, struct err *e)
{
    struct resource_op op = {who, 0, id, in, NULL};

    if (check_resource_in(in, e) < 0 ||
        in_scope(db, who, SQL_PROJECT_OF_RESOURCE, id, &op.project_id, e) < 0)
        return -1;
    if ((in->building_id || in->unit_id) &&
        check_placement(db, op.project_id, in->building_id, in->unit_id, e) < 0)
        return -1;
    return db_tx(db, resource_update_tx, &op, e);
}

/* ---- persons ------------------------------------------------------------------ */

static int mask_id(const char *id, char out[33], struct err *e)
{
    if (import_mask_id(id, strlen(id), out) != 0)
        return err_bad_request(e, "证件号格式不正确");
    return 0;
}

struct person_op {
    const struct principal *who;
    const struct person_in *in;
    const char *masked;
    int64_t id;
};

static int person_create_tx(struct db *db, void *arg, struct err *e)
{
    struct person_op *op = arg;
    struct db_param p[4] = {P_STR(op->in->name), P_STR(op->in->phone),
                            P_STR(op->masked ? op->masked : ""),
                            P_STR(op->in->occupation ? op->in->occupation : "")};
    struct db_res r;

    if (db_exec(db,
                "INSERT INTO persons (name, phone, id_number_masked, occupation) "
                "VALUES (?, ?, ?, ?)",
                p, 4, &r, e) < 0) {
        if (e->code && strcmp(e->code, "DUPLICATE") == 0)
            err_conflict(e, "PHONE_TAKEN", "该手机号已登记");
        return -1;
    }
    op->id = (int64_t)r.insert_id;
    db_res_free(&r);
    return audit_by(db, op->who, "create_person", "person", op->id, "{}", e);
}

int res_person_create(struct db *db, const struct principal *who, const struct person_in *in,
                         int64_t *id, struct err *e)
{
    struct person_op op = {who, in, NULL, 0};
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
    if (db_tx(db, person_create_tx, &op, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

/* A person is the office's to edit when linked (now or before) to a
 * resource of its projects, or not linked anywhere yet. */
static int person_in_scope(struct db *db, const struct principal *who, int64_t id, struct err *e)
{
    struct db_param p[1] = {P_INT(id)};
    struct db_res r;
    int rc = 0;
    bool any_in_scope = false;

    if (db_exec(db,
                "SELECT pe.id, r.project_id FROM persons pe "
                "LEFT JOIN person_resources pr ON pr.person_id = pe.id "
                "LEFT JOIN resources r ON r.id = pr.resource_id WHERE pe.id = ?",
                p, 1, &r, e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++)
        if (db_is_null(&r, i, 1) || auth_in_project(who, db_int(&r, i, 1)))
            any_in_scope = true;
    if (!any_in_scope)
        rc = err_not_found(e);
    db_res_free(&r);
    return rc;
}

static int person_update_tx(struct db *db, void *arg, struct err *e)
{
    struct person_op *op = arg;
    struct db_param p[5] = {P_STR(op->in->name), P_STR(op->in->phone), P_STR(op->masked),
                            P_STR(op->in->occupation), P_INT(op->id)};

    if (db_exec(db,
                "UPDATE persons SET name = COALESCE(?, name), phone = COALESCE(?, phone), "
                "id_number_masked = COALESCE(?, id_number_masked), "
                "occupation = COALESCE(?, occupation) WHERE id = ?",
                p, 5, NULL, e) < 0) {
        if (e->code && strcmp(e->code, "DUPLICATE") == 0)
            err_conflict(e, "PHONE_TAKEN", "该手机号已登记");
        return -1;
    }
    /* A new reserved phone must be proved again: forget the WeChat binding
     * and end the person's sessions. */
    if (op->in->phone) {
        p[0] = P_INT(op->id);
        if (db_exec(db, "UPDATE persons SET openid = NULL WHERE id = ?", p, 1, NULL, e) < 0 ||
            db_exec(db,
                    "UPDATE sessions SET revoked_at = UTC_TIMESTAMP() WHERE subject_kind = "
                    "'owner' AND subject_id = ? AND revoked_at IS NULL",
                    p, 1, NULL, e) < 0)
            return -1;
    }
    return audit_by(db, op->who, "update_person", "person", op->id, "{}", e);
}

int res_person_update(struct db *db, const struct principal *who, int64_t id,
                         const struct person_in *in, struct err *e)
{
    struct person_op op = {who, in, NULL, id};
    char masked[33];

    if (in->phone && !util_phone_valid(in->phone))
        return err_bad_request(e, "手机号格式不正确");
    if (in->id_number) {
        if (mask_id(in->id_number, masked, e) < 0)
            return -1;
        op.masked = masked;
    }
    if (person_in_scope(db, who, id, e) < 0)
        return -1;
    return db_tx(db, person_update_tx, &op, e);
}

/* ---- links: move-in, move-out ------------------------------------------------------ */

struct link_op {
    const struct principal *who;
    int64_t resource_id, person_id, link_id;
    const char *relation, *date;
};

static int move_in_tx(struct db *db, void *arg, struct err *e)
{
    struct link_op *op = arg;
    struct db_param p[4] = {P_INT(op->person_id), P_INT(op->resource_id), P_STR(op->relation),
                            P_STR(op->date)};
    struct db_res r;
    int64_t existing;

    /* One current link per person and resource (as the CSV import): a
     * change of relation is a move-out and a new move-in. Locking the range
     * keeps two concurrent move-ins from both passing the check. */
    if (db_exec(db,
                "SELECT COUNT(*) FROM person_resources WHERE person_id = ? AND resource_id = ? "
                "AND active = 1 FOR UPDATE",
                p, 2, &r, e) < 0)
        return -1;
    existing = db_int(&r, 0, 0);
    db_res_free(&r);
    if (existing)
        return err_conflict(e, "ALREADY_LINKED", "该住户已登记在此资源下，变更关系请先办理迁出");
    if (db_exec(db,
                "INSERT INTO person_resources (person_id, resource_id, relation, moved_in_on) "
                "VALUES (?, ?, ?, ?)",
                p, 4, &r, e) < 0)
        return -1;
    op->link_id = (int64_t)r.insert_id;
    db_res_free(&r);
    return audit_by(db, op->who, "move_in", "person_resource", op->link_id, "{}", e);
}

int res_move_in(struct db *db, const struct principal *who, int64_t resource_id,
                   int64_t person_id, const char *relation, const char *moved_in_on,
                   int64_t *link_id, struct err *e)
{
    struct link_op op = {who, resource_id, person_id, 0, relation, moved_in_on};

    if (!one_of(relation, relations))
        return err_bad_request(e, "relation 只能是 owner、family 或 tenant");
    if (moved_in_on && !util_date_valid(moved_in_on))
        return err_bad_request(e, "入住日期格式应为 YYYY-MM-DD");
    if (in_scope(db, who, SQL_PROJECT_OF_RESOURCE, resource_id, NULL, e) < 0)
        return -1;
    if (person_in_scope(db, who, person_id, e) < 0)
        return -1;
    if (db_tx(db, move_in_tx, &op, e) < 0)
        return -1;
    *link_id = op.link_id;
    return 0;
}

static int move_out_tx(struct db *db, void *arg, struct err *e)
{
    struct link_op *op = arg;
    struct db_param p[3] = {P_STR(op->date), P_INT(op->link_id), P_STR(op->date)};
    struct db_res r;
    uint64_t changed;

    if (db_exec(db,
                "UPDATE person_resources SET moved_out_on = ? WHERE id = ? AND active = 1 "
                "AND (moved_in_on IS NULL OR moved_in_on <= ?)",
                p, 3, &r, e) < 0)
        return -1;
    changed = r.affected;
    db_res_free(&r);
    if (changed != 1)
        return err_conflict(e, "CONFLICT", "该住户已迁出，或迁出日期早于入住日期");
    return audit_by(db, op->who, "move_out", "person_resource", op->link_id, "{}", e);
}

int res_move_out(struct db *db, const struct principal *who, int64_t link_id,
                    const char *moved_out_on, struct err *e)
{
    struct link_op op = {who, 0, 0, link_id, NULL, moved_out_on};

    if (!moved_out_on || !util_date_valid(moved_out_on))
        return err_bad_request(e, "迁出日期格式应为 YYYY-MM-DD");
    if (in_scope(db, who, SQL_PROJECT_OF_LINK, link_id, NULL, e) < 0)
        return -1;
    return db_tx(db, move_out_tx, &op, e);
}

/* ---- custom fields (RES-4) ---------------------------------------------------------- */

struct field_op {
    const struct principal *who;
    int64_t project_id, target_id, id;
    const char *target, *key, *label, *type, *choices;
    const char *const *keys, *const *values;
    size_t n;
};

static int field_create_tx(struct db *db, void *arg, struct err *e)
{
    struct field_op *op = arg;
    struct db_param p[6] = {P_INT(op->project_id), P_STR(op->target), P_STR(op->key),
                            P_STR(op->label),      P_STR(op->type),   P_STR(op->choices)};
    struct db_res r;

    if (db_exec(db,
                "INSERT INTO custom_fields (project_id, target, field_key, label, type, choices, "
                "sort) VALUES (?, ?, ?, ?, ?, ?, 100)",
                p, 6, &r, e) < 0) {
        if (e->code && strcmp(e->code, "DUPLICATE") == 0)
            err_conflict(e, "CONFLICT", "该项目已有同名字段");
        return -1;
    }
    op->id = (int64_t)r.insert_id;
    db_res_free(&r);
    return audit_by(db, op->who, "create_custom_field", "custom_field", op->id, "{}", e);
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
    struct field_op op = {who,  project_id, 0, 0, target, key, label, type, choices ? choices : "",
                          NULL, NULL,       0};

    if (!one_of(target, targets))
        return err_bad_request(e, "target 只能是 person 或 resource");
    if (!one_of(type, field_types))
        return err_bad_request(e, "type 只能是 text、number、date 或 choice");
    if (!key_valid(key))
        return err_bad_request(e, "key 只能由小写字母、数字和下划线组成，以字母开头");
    if (strcmp(type, "choice") == 0 && !op.choices[0])
        return err_bad_request(e, "选择型字段需要提供选项");
    if (in_scope(db, who, SQL_PROJECT_OF_PROJECT, project_id, NULL, e) < 0)
        return -1;
    if (db_tx(db, field_create_tx, &op, e) < 0)
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

static int values_tx(struct db *db, void *arg, struct err *e)
{
    struct field_op *op = arg;

    for (size_t i = 0; i < op->n; i++) {
        struct db_param p[3] = {P_INT(op->project_id), P_STR(op->target), P_STR(op->keys[i])};
        struct db_res r;
        int64_t field_id;
        char type[16], choices[1001];

        if (db_exec(db,
                    "SELECT id, type, choices FROM custom_fields WHERE project_id = ? "
                    "AND target = ? AND field_key = ?",
                    p, 3, &r, e) < 0)
            return -1;
        if (r.nrows != 1) {
            db_res_free(&r);
            return err_set(e, 400, "BAD_REQUEST", "没有这个自定义字段：%.32s", op->keys[i]);
        }
        field_id = db_int(&r, 0, 0);
        snprintf(type, sizeof(type), "%s", db_str(&r, 0, 1));
        snprintf(choices, sizeof(choices), "%s", db_str(&r, 0, 2));
        db_res_free(&r);
        p[0] = P_INT(field_id);
        p[1] = P_INT(op->target_id);
        if (!op->values[i]) {
            if (db_exec(db, "DELETE FROM custom_values WHERE field_id = ? AND target_id = ?", p, 2,
                        NULL, e) < 0)
                return -1;
            continue;
        }
        if (!value_fits(type, choices, op->values[i]))
            return err_set(e, 400, "BAD_REQUEST", "字段 %.32s 的值不符合类型要求", op->keys[i]);
        p[2] = P_STR(op->values[i]);
        if (db_exec(db, "REPLACE INTO custom_values (field_id, target_id, value) VALUES (?, ?, ?)",
                    p, 3, NULL, e) < 0)
            return -1;
    }
    return audit_by(db, op->who, "set_custom_values", op->target, op->target_id, "{}", e);
}

int res_custom_values_set(struct db *db, const struct principal *who, const char *target,
                             int64_t target_id, const char *const *keys, const char *const *values,
                             size_t n, struct err *e)
{
    struct field_op op = {who, 0, target_id, 0, target, NULL, NULL, NULL, NULL, keys, values, n};

    if (strcmp(target, "resource") == 0) {
        if (in_scope(db, who, SQL_PROJECT_OF_RESOURCE, target_id, &op.project_id, e) < 0)
            return -1;
        return db_tx(db, values_tx, &op, e);
    }
    if (strcmp(target, "person") != 0)
        return err_bad_request(e, "target 只能是 person 或 resource");
    /* A person's fields are defined per project: use the project of one of
     * their links in the caller's scope. */
    {
        struct db_param p[2] = {P_INT(target_id), P_INT(who->id)};
        struct db_res r;
        if (db_exec(db,
                    "SELECT r.project_id FROM person_resources pr "
                    "JOIN resources r ON r.id = pr.resource_id "
                    "JOIN staff_projects sp ON sp.project_id = r.project_id AND sp.staff_id = ? "
                    "WHERE pr.person_id = ? ORDER BY pr.active DESC, pr.id LIMIT 1",
                    (struct db_param[]){p[1], p[0]}, 2, &r, e) < 0)
            return -1;
        if (r.nrows == 0) {
            db_res_free(&r);
            return err_not_found(e);
        }
        op.project_id = db_int(&r, 0, 0);
        db_res_free(&r);
    }
    return db_tx(db, values_tx, &op, e);
}
