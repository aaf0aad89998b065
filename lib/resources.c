/*
 * resources.c — reading the estate, scoped to the caller (see resources.h).
 *
 * Scope is decided here from the caller, never by a handler: a staff
 * member's queries join their projects (or check auth_in_project() before
 * reading), an owner's queries start from their own current links.
 * Results live in the caller's arena.
 */
#include "resources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

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
/* The owner's views: only the columns they show. */
#define OWNER_COLUMNS                                                                              \
    "r.id, r.project_id, p.name, b.name, u.name, r.number, r.kind, r.area_m2x100, pr.relation"

/* The SQL of this module. */
/* STRAIGHT_JOIN fixes the obvious order (links, resources, names) and
 * spares the optimizer's search; no ORDER BY, which costs MariaDB a
 * temporary table and a filesort: the few rows are sorted here. */
DB_SQL(sql_person_list, "SELECT STRAIGHT_JOIN " OWNER_COLUMNS " FROM person_resources pr "
                        "JOIN resources r ON r.id = pr.resource_id " RES_JOINS
                        "WHERE pr.person_id = ? AND " PR_CURRENT("pr"));
/* The owner's hot path: session and list in one round trip. A session
 * with no current link gives one row of NULL resource columns. A staff
 * session (refused anyway) is told apart from a deactivated one's by
 * auth_session_lookup() on that rare path, which keeps the staff table out
 * of the owners' statement (as the owner's bills, lib/bills.c). */
DB_SQL(
    sql_token_list,
    "SELECT STRAIGHT_JOIN s.subject_kind, s.subject_id, " OWNER_COLUMNS " "
    "FROM sessions s LEFT JOIN person_resources pr ON s.subject_kind = 'owner' "
    "AND pr.person_id = s.subject_id AND " PR_CURRENT(
        "pr") " "
              "LEFT JOIN resources r ON r.id = pr.resource_id "
              "LEFT JOIN projects p ON p.id = r.project_id "
              "LEFT JOIN buildings b ON b.id = r.building_id "
              "LEFT JOIN units u ON u.id = r.unit_id "
              "WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > UTC_TIMESTAMP()");
DB_SQL(sql_person_get, "SELECT id, name, phone FROM persons WHERE id = ?");
DB_SQL(sql_project_exists, "SELECT id FROM projects WHERE id = ?");
DB_SQL(sql_persons_staff,
       "SELECT pe.id, pe.name, pe.phone, pe.id_number_masked, pe.occupation, "
       "  JSON_ARRAYAGG(JSON_OBJECT('resource_id', r.id, 'code', r.code, "
       "    'relation', pr.relation, 'project_id', r.project_id)) "
       "FROM persons pe "
       "JOIN person_resources pr ON pr.person_id = pe.id AND " PR_CURRENT(
           "pr") " "
                 "JOIN resources r ON r.id = pr.resource_id "
                 "JOIN staff_projects sp ON sp.project_id = r.project_id AND sp.staff_id = ? "
                 "WHERE pe.id > ? AND (? = 0 OR r.project_id = ?) "
                 "AND (? IS NULL OR pe.name LIKE ? OR pe.phone LIKE ?) "
                 "GROUP BY pe.id ORDER BY pe.id LIMIT ?");
DB_SQL(
    sql_resources_staff,
    "SELECT " RES_COLUMNS " FROM resources r "
    "JOIN staff_projects sp ON sp.project_id = r.project_id AND sp.staff_id = ? " RES_JOINS
    "WHERE r.id > ? AND (? = 0 OR r.project_id = ?) AND (? = 0 OR r.building_id = ?) "
    "AND (? IS NULL OR r.code LIKE ? OR r.number LIKE ? OR EXISTS ("
    "  SELECT 1 FROM person_resources pr JOIN persons pe ON pe.id = pr.person_id"
    "  WHERE pr.resource_id = r.id AND " PR_CURRENT("pr") " AND (pe.name LIKE ? OR pe.phone = ?))) "
                                                          "ORDER BY r.id LIMIT ?");
DB_SQL(sql_detail_staff, "SELECT " RES_COLUMNS " FROM resources r "
                         "JOIN staff_projects sp ON sp.project_id = r.project_id "
                         "AND sp.staff_id = ? " RES_JOINS "WHERE r.id = ?");
DB_SQL(sql_detail_person,
       "SELECT " RES_COLUMNS ", pr.relation FROM person_resources pr "
       "JOIN resources r ON r.id = pr.resource_id " RES_JOINS
       "WHERE pr.person_id = ? AND pr.resource_id = ? AND " PR_CURRENT("pr") " LIMIT 1");
DB_SQL(sql_occupants, "SELECT pr.id, pe.id, pe.name, pe.phone, pr.relation, pr.moved_in_on, "
                      "pr.moved_out_on, " PR_CURRENT(
                          "pr") " FROM person_resources pr JOIN persons pe ON pe.id = pr.person_id "
                                "WHERE pr.resource_id = ? AND (? = 0 OR " PR_CURRENT(
                                    "pr") ") "
                                          "ORDER BY pr.active DESC, pr.id");
DB_SQL(sql_person_fields,
       "SELECT DISTINCT pr.person_id, cf.field_key, cf.label, cf.type, cv.value, cf.sort, cf.id "
       "FROM person_resources pr JOIN custom_values cv ON cv.target_id = pr.person_id "
       "JOIN custom_fields cf ON cf.id = cv.field_id AND cf.target = 'person' "
       "AND cf.project_id = ? WHERE pr.resource_id = ? AND (? = 0 OR pr.person_id = ?) "
       "ORDER BY cf.sort, cf.id");
DB_SQL(sql_resource_fields,
       "SELECT cf.field_key, cf.label, cf.type, cv.value FROM custom_fields cf "
       "LEFT JOIN custom_values cv ON cv.field_id = cf.id AND cv.target_id = ? "
       "WHERE cf.project_id = ? AND cf.target = 'resource' ORDER BY cf.sort, cf.id");

static void fill_resource(const struct db_res *r, size_t row, struct resource *x)
{
    memset(x, 0, sizeof(*x));
    x->id = db_int(r, row, 0);
    x->project_id = db_int(r, row, 1);
    x->project = db_text(r, row, 2);
    x->building_id = db_int(r, row, 3);
    x->building = db_str(r, row, 4);
    x->unit_id = db_int(r, row, 5);
    x->unit = db_str(r, row, 6);
    x->code = db_text(r, row, 7);
    x->number = db_text(r, row, 8);
    x->kind = db_text(r, row, 9);
    x->has_floor = !db_is_null(r, row, 10);
    x->floor = db_int(r, row, 10);
    x->area_m2x100 = db_int(r, row, 11);
    x->inner_area_m2x100 = db_int(r, row, 12);
    x->layout = db_text(r, row, 13);
    x->decoration = db_text(r, row, 14);
    x->lease_status = db_text(r, row, 15);
    x->business_scope = db_text(r, row, 16);
    x->tenant_company = db_text(r, row, 17);
}

/* OWNER_COLUMNS starting at column c. */
static void fill_owner_view(const struct db_res *r, size_t row, size_t c, struct resource *x)
{
    memset(x, 0, sizeof(*x));
    x->id = db_int(r, row, c);
    x->project_id = db_int(r, row, c + 1);
    x->project = db_text(r, row, c + 2);
    x->building = db_str(r, row, c + 3);
    x->unit = db_str(r, row, c + 4);
    x->number = db_text(r, row, c + 5);
    x->kind = db_text(r, row, c + 6);
    x->area_m2x100 = db_int(r, row, c + 7);
    x->relation = db_text(r, row, c + 8);
}

static int by_id(const void *a, const void *b)
{
    const struct resource *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

int res_list_for_person(struct db *db, struct arena *a, int64_t person_id, struct resource **out,
                        size_t *n, struct err *e)
{
    struct db_res r;

    if (db_query(db, a, &sql_person_list, DB_ARGS(P_INT(person_id)), &r, e) < 0)
        return -1;
    *out = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(**out));
    for (size_t i = 0; i < r.nrows; i++)
        fill_owner_view(&r, i, 0, &(*out)[i]);
    *n = r.nrows;
    qsort(*out, *n, sizeof(**out), by_id);
    return 0;
}

int res_list_for_token(struct db *db, struct arena *a, const char *token, struct principal *who,
                       struct resource **out, size_t *n, struct err *e)
{
    unsigned char h[32];
    struct db_res r;

    memset(who, 0, sizeof(*who));
    *n = 0;
    if (auth_token_hash(token, h) < 0)
        return err_unauthenticated(e);
    if (db_query(db, a, &sql_token_list, DB_ARGS(P_STRN((const char *)h, 32)), &r, e) < 0)
        return -1;
    if (r.nrows == 0) /* none, expired or logged out */
        return auth_session_dead(e);
    if (strcmp(db_text(&r, 0, 0), "owner") != 0) /* 401 if deactivated, else 403 */
        return auth_session_lookup(db, a, token, who, e) < 0
                   ? -1
                   : auth_require(who, SUBJECT_OWNER, 0, e);
    who->kind = SUBJECT_OWNER;
    who->id = db_int(&r, 0, 1);
    *out = arena_alloc(a, r.nrows * sizeof(**out));
    for (size_t i = 0; i < r.nrows; i++)
        if (!db_is_null(&r, i, 2))
            fill_owner_view(&r, i, 2, &(*out)[(*n)++]);
    qsort(*out, *n, sizeof(**out), by_id);
    return 0;
}

int res_project_scope(struct db *db, const struct principal *who, int64_t project_id, struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    int found;

    if (who && !auth_in_project(who, project_id))
        return err_not_found(e);
    found = db_one(db, &a, &sql_project_exists, DB_ARGS(P_INT(project_id)), &r, e);
    arena_free(&a);
    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    return 0;
}

int res_person_get(struct db *db, struct arena *a, int64_t person_id, struct person *out,
                   struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_person_get, DB_ARGS(P_INT(person_id)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    out->id = db_int(&r, 0, 0);
    out->name = db_text(&r, 0, 1);
    out->phone = db_text(&r, 0, 2);
    return 0;
}

/* A phone as this caller may see it. */
static const char *phone_for(struct arena *a, const struct principal *who, const char *phone,
                             bool current, bool *masked)
{
    char *m;

    *masked = !(current && (who->roles & ROLES_SEE_PHONES));
    if (!*masked)
        return phone;
    m = arena_alloc(a, 12);
    util_phone_mask(phone, m);
    return m;
}

int res_persons_for_staff(struct db *db, struct arena *a, const struct principal *who,
                          int64_t project_id, const char *q, int64_t after_id, int limit,
                          struct person_row **out, size_t *n, int64_t *next_after, struct err *e)
{
    const char *contains = q ? db_like_contains(a, q) : NULL;
    const char *prefix = q ? db_like_prefix(a, q) : NULL;
    struct db_res r;
    size_t rows;

    if (project_id && !auth_in_project(who, project_id))
        return err_not_found(e);
    if (db_query(db, a, &sql_persons_staff,
                 DB_ARGS(P_INT(who->id), P_INT(after_id), P_INT(project_id), P_INT(project_id),
                         P_STR(q), P_STR(contains), P_STR(prefix), P_INT(limit + 1)),
                 &r, e) < 0)
        return -1;
    rows = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    *n = rows;
    *out = arena_alloc(a, (rows ? rows : 1) * sizeof(**out));
    for (size_t i = 0; i < rows; i++) {
        struct person_row *x = &(*out)[i];
        bool masked;
        x->id = db_int(&r, i, 0);
        x->name = db_text(&r, i, 1);
        x->phone = phone_for(a, who, db_text(&r, i, 2), true, &masked);
        x->id_number_masked = db_text(&r, i, 3);
        x->occupation = db_text(&r, i, 4);
        x->resources_json = db_text(&r, i, 5);
    }
    *next_after = r.nrows > (size_t)limit ? (*out)[rows - 1].id : 0;
    return 0;
}

int res_list_for_staff(struct db *db, struct arena *a, const struct principal *who,
                       const struct resource_filter *f, struct resource **out, size_t *n,
                       int64_t *next_after, struct err *e)
{
    const char *like = f->q ? db_like_contains(a, f->q) : NULL;
    struct db_res r;
    size_t rows;

    if (f->project_id && !auth_in_project(who, f->project_id))
        return err_not_found(e);
    if (db_query(db, a, &sql_resources_staff,
                 DB_ARGS(P_INT(who->id), P_INT(f->after_id), P_INT(f->project_id),
                         P_INT(f->project_id), P_INT(f->building_id), P_INT(f->building_id),
                         P_STR(f->q), P_STR(like), P_STR(like), P_STR(like), P_STR(f->q),
                         P_INT(f->limit + 1)),
                 &r, e) < 0)
        return -1;
    rows = r.nrows > (size_t)f->limit ? (size_t)f->limit : r.nrows;
    *n = rows;
    *out = arena_alloc(a, (rows ? rows : 1) * sizeof(**out));
    for (size_t i = 0; i < rows; i++)
        fill_resource(&r, i, &(*out)[i]);
    *next_after = r.nrows > (size_t)f->limit ? (*out)[rows - 1].id : 0;
    return 0;
}

/* The custom fields (RES-4) of the people of a resource, attached to each
 * occupant: one query for all of them (only_person: that one person's). */
static int person_fields(struct db *db, struct arena *a, struct resource_detail *d,
                         int64_t only_person, struct err *e)
{
    struct db_res r;

    if (db_query(db, a, &sql_person_fields,
                 DB_ARGS(P_INT(d->res.project_id), P_INT(d->res.id), P_INT(only_person),
                         P_INT(only_person)),
                 &r, e) < 0)
        return -1;
    for (size_t k = 0; k < d->noccupants; k++) {
        struct occupant *o = &d->occupants[k];
        o->custom = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*o->custom));
        for (size_t i = 0; i < r.nrows; i++) {
            if (db_int(&r, i, 0) != o->person_id)
                continue;
            o->custom[o->ncustom].key = db_text(&r, i, 1);
            o->custom[o->ncustom].label = db_text(&r, i, 2);
            o->custom[o->ncustom].type = db_text(&r, i, 3);
            o->custom[o->ncustom].value = db_text(&r, i, 4);
            o->ncustom++;
        }
    }
    return 0;
}

/* One resource through a scoped query (q takes the caller's id and the
 * resource id; its extra last column, if any, is the caller's relation),
 * then its occupants and custom fields. An owner (who->kind ==
 * SUBJECT_OWNER) sees who lives there now, with masked phones, and their
 * own custom fields; staff see the history. */
static int res_detail(struct db *db, struct arena *a, struct db_sql *q, const struct principal *who,
                      int64_t resource_id, struct resource_detail *out, struct err *e)
{
    bool owner = who->kind == SUBJECT_OWNER;
    struct db_res r;
    int found;

    memset(out, 0, sizeof(*out));
    found = db_one(db, a, q, DB_ARGS(P_INT(who->id), P_INT(resource_id)), &r, e);
    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    fill_resource(&r, 0, &out->res);
    if (r.ncols > RES_NCOLS)
        out->res.relation = db_text(&r, 0, RES_NCOLS);

    if (db_query(db, a, &sql_occupants, DB_ARGS(P_INT(resource_id), P_INT(owner)), &r, e) < 0)
        return -1;
    out->noccupants = r.nrows;
    out->occupants = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*out->occupants));
    for (size_t i = 0; i < r.nrows; i++) {
        struct occupant *o = &out->occupants[i];
        o->link_id = db_int(&r, i, 0);
        o->person_id = db_int(&r, i, 1);
        o->name = db_text(&r, i, 2);
        o->current = db_int(&r, i, 7) != 0;
        o->phone = owner ? db_text(&r, i, 3)
                         : phone_for(a, who, db_text(&r, i, 3), o->current, &o->phone_masked);
        o->relation = db_text(&r, i, 4);
        o->moved_in_on = db_str(&r, i, 5);
        o->moved_out_on = db_str(&r, i, 6);
    }

    if (person_fields(db, a, out, owner ? who->id : 0, e) < 0)
        return -1;

    if (db_query(db, a, &sql_resource_fields,
                 DB_ARGS(P_INT(resource_id), P_INT(out->res.project_id)), &r, e) < 0)
        return -1;
    out->ncustom = r.nrows;
    out->custom = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*out->custom));
    for (size_t i = 0; i < r.nrows; i++) {
        out->custom[i].key = db_text(&r, i, 0);
        out->custom[i].label = db_text(&r, i, 1);
        out->custom[i].type = db_text(&r, i, 2);
        out->custom[i].value = db_str(&r, i, 3);
    }
    return 0;
}

int res_detail_for_staff(struct db *db, struct arena *a, const struct principal *who,
                         int64_t resource_id, struct resource_detail *out, struct err *e)
{
    return res_detail(db, a, &sql_detail_staff, who, resource_id, out, e);
}

int res_detail_for_person(struct db *db, struct arena *a, int64_t person_id, int64_t resource_id,
                          struct resource_detail *out, struct err *e)
{
    struct principal who = {.kind = SUBJECT_OWNER, .id = person_id};

    return res_detail(db, a, &sql_detail_person, &who, resource_id, out, e);
}
