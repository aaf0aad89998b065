/* office_staff.c — the office console's staff accounts (issue 6): create,
 * change, list and show the accounts of the admin's projects. Admin role;
 * scope and the rules of who may change whom are the domain's (staff.c). */
#include <string.h>

#include "core/json.h"
#include "db/db.h"
#include "server.h"
#include "staff.h"

#define MAX_ROLES 16 /* nine roles; a few repeats are harmless */
#define MAX_PROJECT_IDS 1000

/* roles: an array of role names (which names exist is the domain's). */
static int get_roles(struct req *r, bool required, struct staff_in *in, struct err *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r->in, "roles"), *it;
    const char **names;

    if (!arr || cJSON_IsNull(arr))
        return required ? err_bad_request(e, "缺少字段：roles") : 0;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > MAX_ROLES)
        return err_bad_request(e, "字段 roles 必须是不超过 16 项的字符串数组");
    names = arena_alloc(&r->arena, (MAX_ROLES + 1) * sizeof(*names));
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it))
            return err_bad_request(e, "字段 roles 必须是不超过 16 项的字符串数组");
        names[in->nroles++] = it->valuestring;
    }
    in->roles = names;
    in->has_roles = true;
    return 0;
}

/* project_ids: an array of ids (whose projects they are is the domain's). */
static int get_project_ids(struct req *r, bool required, struct staff_in *in, struct err *e)
{
    int64_t *ids;

    if (json_get_ids(r->in, "project_ids", required, MAX_PROJECT_IDS, INT32_MAX, &r->arena, &ids,
                     &in->nprojects, &in->has_projects, e) < 0)
        return -1;
    in->project_ids = ids;
    return 0;
}

static int get_account(struct req *r, bool create, struct staff_in *in, struct err *e)
{
    memset(in, 0, sizeof(*in));
    if (json_get_line(r->in, "name", create, 1, 64, &in->name, e) < 0 ||
        json_get_str(r->in, "phone", create, 11, 11, &in->phone, e) < 0 ||
        json_get_str(r->in, "password", create, 8, 128, &in->password, e) < 0 ||
        get_roles(r, create, in, e) < 0 || get_project_ids(r, create, in, e) < 0)
        return -1;
    if (!create) { /* the route admits "active" on PATCH only */
        const cJSON *active = cJSON_GetObjectItemCaseSensitive(r->in, "active");
        if (json_get_bool(r->in, "active", false, &in->active, e) < 0)
            return -1;
        in->has_active = active && !cJSON_IsNull(active);
    }
    return 0;
}

static cJSON *account_json(const struct staff_row *x)
{
    cJSON *o = cJSON_CreateObject(), *roles, *projects;

    json_add_int(o, "id", x->id);
    cJSON_AddStringToObject(o, "name", x->name);
    cJSON_AddStringToObject(o, "phone", x->phone);
    roles = cJSON_AddArrayToObject(o, "roles");
    for (int i = 0; i < 9; i++)
        if (x->roles & (1u << i))
            cJSON_AddItemToArray(roles, cJSON_CreateString(auth_role_names[i]));
    projects = cJSON_AddArrayToObject(o, "project_ids");
    for (size_t i = 0; i < x->nprojects; i++)
        cJSON_AddItemToArray(projects, json_int(x->project_ids[i]));
    cJSON_AddBoolToObject(o, "active", x->active);
    cJSON_AddStringToObject(o, "created_at", x->created_at);
    return o;
}

int h_office_staff_create(struct req *r, struct err *e)
{
    struct staff_in in;
    int64_t id;

    if (get_account(r, true, &in, e) < 0 ||
        staff_account_create(db_thread(), &r->who, &in, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

int h_office_staff_update(struct req *r, struct err *e)
{
    struct staff_in in;

    if (get_account(r, false, &in, e) < 0 ||
        staff_account_update(db_thread(), &r->who, r->params[0], &in, e) < 0)
        return -1;
    return reply_ok(r);
}

int h_office_staff(struct req *r, struct err *e)
{
    struct staff_row x;

    if (staff_account_get(db_thread(), &r->arena, &r->who, r->params[0], &x, e) < 0)
        return -1;
    return reply_json(r, 200, account_json(&x));
}

/* GET /office/staff?project_id=&q= */
int h_office_staff_list(struct req *r, struct err *e)
{
    struct staff_row *rows;
    struct page pg;
    size_t n;
    int64_t next, project_id = 0;
    const char *q;
    cJSON *items;

    if (req_page(r, &pg, e) < 0 ||
        req_query_int(r, "project_id", 1, INT32_MAX, &project_id, NULL, e) < 0 ||
        req_query_str(r, "q", 50, &q, e) < 0 ||
        staff_account_list(db_thread(), &r->arena, &r->who, project_id, q, pg.after, pg.limit,
                           &rows, &n, &next, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, account_json(&rows[i]));
    return reply_list(r, items, next);
}
