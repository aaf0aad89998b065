/* resources.c — reading the estate, scoped to the caller (see resources.h). */
#include "resources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static const char *dup_or_null(struct arena *a, const struct db_res *r, size_t row, size_t col)
{
    const char *s = db_str(r, row, col);
    return s ? arena_strndup(a, s, db_len(r, row, col)) : NULL;
}

static const char *dup_str(struct arena *a, const struct db_res *r, size_t row, size_t col)
{
    const char *s = dup_or_null(a, r, row, col);
    return s ? s : "";
}

/* Columns shared by every resource query, in this order. */
#define RES_COLUMNS                                                                                \
    "r.id, r.project_id, p.name, r.building_id, b.name, r.unit_id, u.name, r.code, r.number, "     \
    "r.kind, r.floor, r.area_m2x100, r.inner_area_m2x100, r.layout, r.decoration, "                \
    "r.lease_status, r.business_scope, r.tenant_company"
#define RES_NCOLS 18
#define RES_JOINS                                                                                  \
    "JOIN projects p ON p.id = r.project_id "                                                      \
    "LEFT JOIN buildings b ON b.id = r.building_id "                                               \
    "LEFT JOIN units u ON u.id = r.unit_id "

static void fill_resource(struct arena *a, const struct db_res *r, size_t row, struct resource *x)
{
    memset(x, 0, sizeof(*x));
    x->id = db_int(r, row, 0);
    x->project_id = db_int(r, row, 1);
    x->project = dup_str(a, r, row, 2);
    x->building_id = db_int(r, row, 3);
    x->building = dup_or_null(a, r, row, 4);
    x->unit_id = db_int(r, row, 5);
    x->unit = dup_or_null(a, r, row, 6);
    x->code = dup_str(a, r, row, 7);
    x->number = dup_str(a, r, row, 8);
    x->kind = dup_str(a, r, row, 9);
    x->has_floor = !db_is_null(r, row, 10);
    x->floor = db_int(r, row, 10);
    x->area_m2x100 = db_int(r, row, 11);
    x->inner_area_m2x100 = db_int(r, row, 12);
    x->layout = dup_str(a, r, row, 13);
    x->decoration = dup_str(a, r, row, 14);
    x->lease_status = dup_str(a, r, row, 15);
    x->business_scope = dup_str(a, r, row, 16);
    x->tenant_company = dup_str(a, r, row, 17);
}

int res_owner_session(struct db *db, const char *token, int64_t *person_id, int64_t *version,
                      struct err *e)
{
    static const char sql[] =
        "SELECT s.subject_id, (SELECT version FROM estate_version WHERE id = 1) FROM sessions s "
        "WHERE s.token_hash = ? AND s.subject_kind = 'owner' AND s.revoked_at IS NULL "
        "AND s.expires_at > UTC_TIMESTAMP()";
    unsigned char h[32];
    struct db_param p[1];
    struct db_res r;

    *person_id = 0;
    *version = 0;
    if (auth_token_hash(token, h) < 0)
        return 0;
    p[0] = P_STRN((const char *)h, 32);
    if (db_exec(db, sql, p, 1, &r, e) < 0)
        return -1;
    if (r.nrows == 1) {
        *person_id = db_int(&r, 0, 0);
        *version = db_int(&r, 0, 1);
    }
    db_res_free(&r);
    return 0;
}

static int by_id(const void *a, const void *b)
{
    const struct resource *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

int res_list_for_person(struct db *db, struct arena *a, int64_t person_id, struct resource **out,
                        size_t *n, struct err *e)
{
    /* Only the columns the owner's views show. STRAIGHT_JOIN fixes the
     * obvious order (links, resources, names) and spares the optimizer's
     * search; no ORDER BY, which costs MariaDB a temporary table and a
     * filesort: the few rows are sorted here. */
    static const char sql[] =
        "SELECT STRAIGHT_JOIN r.id, r.project_id, p.name, b.name, u.name, r.number, r.kind, "
        "r.area_m2x100, pr.relation FROM person_resources pr "
        "JOIN resources r ON r.id = pr.resource_id " RES_JOINS
        "WHERE pr.person_id = ? AND pr.active = 1";
    struct db_param p[1] = {P_INT(person_id)};
    struct db_res r;

    if (db_exec(db, sql, p, 1, &r, e) < 0)
        return -1;
    *out = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(**out));
    for (size_t i = 0; i < r.nrows; i++) {
        struct resource *x = &(*out)[i];
        x->id = db_int(&r, i, 0);
        x->project_id = db_int(&r, i, 1);
        x->project = dup_str(a, &r, i, 2);
        x->building = dup_or_null(a, &r, i, 3);
        x->unit = dup_or_null(a, &r, i, 4);
        x->number = dup_str(a, &r, i, 5);
        x->kind = dup_str(a, &r, i, 6);
        x->area_m2x100 = db_int(&r, i, 7);
        x->relation = dup_str(a, &r, i, 8);
    }
    *n = r.nrows;
    qsort(*out, *n, sizeof(**out), by_id);
    db_res_free(&r);
    return 0;
}

int res_person_get(struct db *db, struct arena *a, int64_t person_id, struct person *out,
                   struct err *e)
{
    struct db_param p[1] = {P_INT(person_id)};
    struct db_res r;
    int rc = 0;

    if (db_exec(db, "SELECT id, name, phone FROM persons WHERE id = ?", p, 1, &r, e) < 0)
        return -1;
    if (r.nrows == 0) {
        rc = err_not_found(e);
    } else {
        out->id = db_int(&r, 0, 0);
        out->name = dup_str(a, &r, 0, 1);
        out->phone = dup_str(a, &r, 0, 2);
    }
    db_res_free(&r);
    return rc;
}

/* LIKE pattern that matches s literally anywhere: escape the wildcards. */
static char *like_contains(struct arena *a, const char *s)
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

/* LIKE pattern that matches strings starting with s. */
static char *like_prefix(struct arena *a, const char *s)
{
    char *c = like_contains(a, s);

    return c + 1; /* drop the leading % */
}

int res_persons_for_staff(struct db *db, struct arena *a, const struct principal *who,
                          int64_t project_id, const char *q, int64_t after_id, int limit,
                          struct person_row **out, size_t *n, int64_t *next_after, struct err *e)
{
    static const char sql[] =
        "SELECT pe.id, pe.name, pe.phone, pe.id_number_masked, pe.occupation, "
        "  JSON_ARRAYAGG(JSON_OBJECT('resource_id', r.id, 'code', r.code, "
        "    'relation', pr.relation, 'project_id', r.project_id)) "
        "FROM persons pe "
        "JOIN person_resources pr ON pr.person_id = pe.id AND pr.active = 1 "
        "JOIN resources r ON r.id = pr.resource_id "
        "JOIN staff_projects sp ON sp.project_id = r.project_id AND sp.staff_id = ? "
        "WHERE pe.id > ? AND (? = 0 OR r.project_id = ?) "
        "AND (? IS NULL OR pe.name LIKE ? OR pe.phone LIKE ?) "
        "GROUP BY pe.id ORDER BY pe.id LIMIT ?";
    const char *contains = q ? like_contains(a, q) : NULL;
    const char *prefix = q ? like_prefix(a, q) : NULL;
    struct db_param p[8] = {P_INT(who->id), P_INT(after_id), P_INT(project_id), P_INT(project_id),
                            P_STR(q),       P_STR(contains), P_STR(prefix),     P_INT(limit + 1)};
    struct db_res r;
    size_t rows;

    if (db_exec(db, sql, p, 8, &r, e) < 0)
        return -1;
    rows = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    *n = rows;
    *out = arena_alloc(a, (rows ? rows : 1) * sizeof(**out));
    for (size_t i = 0; i < rows; i++) {
        struct person_row *x = &(*out)[i];
        x->id = db_int(&r, i, 0);
        x->name = dup_str(a, &r, i, 1);
        x->phone = dup_str(a, &r, i, 2);
        x->id_number_masked = dup_str(a, &r, i, 3);
        x->occupation = dup_str(a, &r, i, 4);
        x->resources_json = dup_str(a, &r, i, 5);
    }
    *next_after = r.nrows > (size_t)limit ? (*out)[rows - 1].id : 0;
    db_res_free(&r);
    return 0;
}

int res_list_for_staff(struct db *db, struct arena *a, const struct principal *who,
                       const struct resource_filter *f, struct resource **out, size_t *n,
                       int64_t *next_after, struct err *e)
{
    static const char sql[] =
        "SELECT " RES_COLUMNS " FROM resources r "
        "JOIN staff_projects sp ON sp.project_id = r.project_id AND sp.staff_id = ? " RES_JOINS
        "WHERE r.id > ? AND (? = 0 OR r.project_id = ?) AND (? = 0 OR r.building_id = ?) "
        "AND (? IS NULL OR r.code LIKE ? OR r.number LIKE ? OR EXISTS ("
        "  SELECT 1 FROM person_resources pr JOIN persons pe ON pe.id = pr.person_id"
        "  WHERE pr.resource_id = r.id AND pr.active = 1 AND (pe.name LIKE ? OR pe.phone = ?))) "
        "ORDER BY r.id LIMIT ?";
    const char *like = f->q ? like_contains(a, f->q) : NULL;
    struct db_param p[12] = {P_INT(who->id),       P_INT(f->after_id),    P_INT(f->project_id),
                             P_INT(f->project_id), P_INT(f->building_id), P_INT(f->building_id),
                             P_STR(f->q),          P_STR(like),           P_STR(like),
                             P_STR(like),          P_STR(f->q),           P_INT(f->limit + 1)};
    struct db_res r;
    size_t rows;

    if (db_exec(db, sql, p, 12, &r, e) < 0)
        return -1;
    rows = r.nrows > (size_t)f->limit ? (size_t)f->limit : r.nrows;
    *n = rows;
    *out = arena_alloc(a, (rows ? rows : 1) * sizeof(**out));
    for (size_t i = 0; i < rows; i++)
        fill_resource(a, &r, i, &(*out)[i]);
    *next_after = r.nrows > (size_t)f->limit ? (*out)[rows - 1].id : 0;
    db_res_free(&r);
    return 0;
}

/* The custom fields (RES-4) of the people of a resource, attached to each
 * occupant: one query for all of them. */
static int person_fields(struct db *db, struct arena *a, struct resource_detail *d,
                         bool current_only, struct err *e)
{
    static const char sql[] =
        "SELECT DISTINCT pr.person_id, cf.field_key, cf.label, cf.type, cv.value, cf.sort, cf.id "
        "FROM person_resources pr JOIN custom_values cv ON cv.target_id = pr.person_id "
        "JOIN custom_fields cf ON cf.id = cv.field_id AND cf.target = 'person' "
        "AND cf.project_id = ? WHERE pr.resource_id = ? AND (? = 0 OR pr.active = 1) "
        "ORDER BY cf.sort, cf.id";
    struct db_param p[3] = {P_INT(d->res.project_id), P_INT(d->res.id), P_INT(current_only)};
    struct db_res r;

    if (db_exec(db, sql, p, 3, &r, e) < 0)
        return -1;
    for (size_t k = 0; k < d->noccupants; k++) {
        struct occupant *o = &d->occupants[k];
        o->custom = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*o->custom));
        for (size_t i = 0; i < r.nrows; i++) {
            if (db_int(&r, i, 0) != o->person_id)
                continue;
            o->custom[o->ncustom].key = dup_str(a, &r, i, 1);
            o->custom[o->ncustom].label = dup_str(a, &r, i, 2);
            o->custom[o->ncustom].type = dup_str(a, &r, i, 3);
            o->custom[o->ncustom].value = dup_str(a, &r, i, 4);
            o->ncustom++;
        }
    }
    db_res_free(&r);
    return 0;
}

/* One resource through a scoped query (sql_res takes the caller's id and
 * the resource id; its extra last column, if any, is the caller's
 * relation), then its occupants and custom fields. current_only: the
 * owner's view shows who lives there now, not the history. */
static int res_detail(struct db *db, struct arena *a, const char *sql_res, int64_t caller_id,
                      int64_t resource_id, bool current_only, struct resource_detail *out,
                      struct err *e)
{
    static const char sql_occ[] =
        "SELECT pr.id, pe.id, pe.name, pe.phone, pr.relation, pr.moved_in_on, pr.moved_out_on "
        "FROM person_resources pr JOIN persons pe ON pe.id = pr.person_id "
        "WHERE pr.resource_id = ? AND (? = 0 OR pr.active = 1) ORDER BY pr.active DESC, pr.id";
    static const char sql_cf[] =
        "SELECT cf.field_key, cf.label, cf.type, cv.value FROM custom_fields cf "
        "LEFT JOIN custom_values cv ON cv.field_id = cf.id AND cv.target_id = ? "
        "WHERE cf.project_id = ? AND cf.target = 'resource' ORDER BY cf.sort, cf.id";
    struct db_param p[2] = {P_INT(caller_id), P_INT(resource_id)};
    struct db_res r;

    memset(out, 0, sizeof(*out));
    if (db_exec(db, sql_res, p, 2, &r, e) < 0)
        return -1;
    if (r.nrows == 0) {
        db_res_free(&r);
        return err_not_found(e);
    }
    fill_resource(a, &r, 0, &out->res);
    if (r.ncols > RES_NCOLS)
        out->res.relation = dup_str(a, &r, 0, RES_NCOLS);
    db_res_free(&r);

    p[0] = P_INT(resource_id);
    p[1] = P_INT(current_only);
    if (db_exec(db, sql_occ, p, 2, &r, e) < 0)
        return -1;
    out->noccupants = r.nrows;
    out->occupants = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*out->occupants));
    for (size_t i = 0; i < r.nrows; i++) {
        struct occupant *o = &out->occupants[i];
        o->link_id = db_int(&r, i, 0);
        o->person_id = db_int(&r, i, 1);
        o->name = dup_str(a, &r, i, 2);
        o->phone = dup_str(a, &r, i, 3);
        o->relation = dup_str(a, &r, i, 4);
        o->moved_in_on = dup_or_null(a, &r, i, 5);
        o->moved_out_on = dup_or_null(a, &r, i, 6);
    }
    db_res_free(&r);

    if (person_fields(db, a, out, current_only, e) < 0)
        return -1;

    p[0] = P_INT(resource_id);
    p[1] = P_INT(out->res.project_id);
    if (db_exec(db, sql_cf, p, 2, &r, e) < 0)
        return -1;
    out->ncustom = r.nrows;
    out->custom = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*out->custom));
    for (size_t i = 0; i < r.nrows; i++) {
        out->custom[i].key = dup_str(a, &r, i, 0);
        out->custom[i].label = dup_str(a, &r, i, 1);
        out->custom[i].type = dup_str(a, &r, i, 2);
        out->custom[i].value = dup_or_null(a, &r, i, 3);
    }
    db_res_free(&r);
    return 0;
}

int res_detail_for_staff(struct db *db, struct arena *a, const struct principal *who,
                         int64_t resource_id, struct resource_detail *out, struct err *e)
{
    static const char sql[] =
        "SELECT " RES_COLUMNS " FROM resources r "
        "JOIN staff_projects sp ON sp.project_id = r.project_id AND sp.staff_id = ? " RES_JOINS
        "WHERE r.id = ?";

    return res_detail(db, a, sql, who->id, resource_id, false, out, e);
}

int res_detail_for_person(struct db *db, struct arena *a, int64_t person_id, int64_t resource_id,
                          struct resource_detail *out, struct err *e)
{
    static const char sql[] =
        "SELECT " RES_COLUMNS ", pr.relation FROM person_resources pr "
        "JOIN resources r ON r.id = pr.resource_id " RES_JOINS
        "WHERE pr.person_id = ? AND pr.resource_id = ? AND pr.active = 1 LIMIT 1";

    return res_detail(db, a, sql, person_id, resource_id, true, out, e);
}
