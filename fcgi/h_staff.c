/* h_staff.c — the staff app's endpoints: login, me, resources. */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "db/db.h"
#include "render.h"
#include "resources.h"
#include "server.h"
#include "staff.h"

static cJSON *staff_json(struct req *r, struct err *e);

void h_staff_login(struct req *r)
{
    static const char *const fields[] = {"phone", "password", "sms_code", NULL};
    const char *phone, *password, *code;
    struct session_out s;
    int64_t staff_id;
    struct err e;
    cJSON *in = req_json(r), *doc, *staff;

    if (!in)
        return;
    err_clear(&e);
    if (json_only_fields(in, fields, &e) < 0 ||
        json_get_str(in, "phone", true, 11, 11, &phone, &e) < 0 ||
        json_get_str(in, "password", false, 1, 128, &password, &e) < 0 ||
        json_get_str(in, "sms_code", false, 6, 6, &code, &e) < 0)
        goto fail;
    if (!util_phone_valid(phone)) {
        err_bad_request(&e, "手机号格式不正确");
        goto fail;
    }
    if (!password == !code) {
        err_bad_request(&e, "请提供密码或短信验证码（二选一）");
        goto fail;
    }
    if (auth_staff_login(db_thread(), &g_cfg, phone, password, code, r->remote_addr, &staff_id, &s,
                         &e) < 0)
        goto fail;
    cJSON_Delete(in);
    in = NULL;
    /* Load the new session's principal the way every later request will. */
    if (auth_session_lookup(db_thread(), s.token, &r->who, &e) < 0 || !(staff = staff_json(r, &e)))
        goto fail;
    doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "token", s.token);
    cJSON_AddStringToObject(doc, "expires_at", s.expires_at);
    cJSON_AddItemToObject(doc, "staff", staff);
    reply_json(r, 200, doc);
    return;
fail:
    cJSON_Delete(in);
    reply_error(r, &e);
}

static cJSON *staff_json(struct req *r, struct err *e)
{
    struct staff_member m;
    cJSON *o, *roles, *projects;
    char masked[12];

    if (staff_get(db_thread(), &r->arena, r->who.id, &m, e) < 0)
        return NULL;
    o = cJSON_CreateObject();
    json_add_int(o, "id", m.id);
    cJSON_AddStringToObject(o, "name", m.name);
    util_phone_mask(m.phone, masked);
    cJSON_AddStringToObject(o, "phone_masked", masked);
    roles = cJSON_AddArrayToObject(o, "roles");
    for (int i = 0; i < 9; i++)
        if (r->who.roles & (1u << i))
            cJSON_AddItemToArray(roles, cJSON_CreateString(auth_role_names[i]));
    projects = cJSON_AddArrayToObject(o, "project_ids");
    for (size_t i = 0; i < r->who.nprojects; i++)
        cJSON_AddItemToArray(projects, cJSON_CreateNumber(r->who.project_ids[i]));
    return o;
}

void h_staff_me(struct req *r)
{
    struct err e;
    cJSON *o;

    err_clear(&e);
    o = staff_json(r, &e);
    if (!o)
        reply_error(r, &e);
    else
        reply_json(r, 200, o);
}

/* ?limit= and ?cursor= of API.md's list convention. */
int list_params(struct req *r, int64_t *after, int *limit, struct err *e)
{
    const char *cur;
    int64_t lim = 50;

    *after = 0;
    if (req_query_int(r, "limit", 1, 200, &lim, NULL, e) < 0 ||
        req_query_str(r, "cursor", 20, &cur, e) < 0)
        return -1;
    if (cur) {
        char *end;
        long long v = strtoll(cur, &end, 10);
        if (*end || v < 0 || strlen(cur) > 15)
            return err_bad_request(e, "cursor 不正确");
        *after = v;
    }
    *limit = (int)lim;
    return 0;
}

void h_staff_resources(struct req *r)
{
    struct resource_filter f;
    struct resource *list;
    size_t n;
    int64_t next;
    struct err e;
    cJSON *items;

    memset(&f, 0, sizeof(f));
    err_clear(&e);
    if (list_params(r, &f.after_id, &f.limit, &e) < 0 ||
        req_query_int(r, "project_id", 1, INT32_MAX, &f.project_id, NULL, &e) < 0 ||
        req_query_int(r, "building_id", 1, INT32_MAX, &f.building_id, NULL, &e) < 0 ||
        req_query_str(r, "q", 50, &f.q, &e) < 0)
        goto fail;
    if (f.project_id && !auth_in_project(&r->who, f.project_id)) {
        err_not_found(&e);
        goto fail;
    }
    if (res_list_for_staff(db_thread(), &r->arena, &r->who, &f, &list, &n, &next, &e) < 0)
        goto fail;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, render_resource_staff(&list[i]));
    reply_json(r, 200, render_list(items, next));
    return;
fail:
    reply_error(r, &e);
}

void h_staff_resource(struct req *r)
{
    struct resource_detail d;
    struct err e;

    err_clear(&e);
    if (res_detail_for_staff(db_thread(), &r->arena, &r->who, r->params[0], &d, &e) < 0) {
        reply_error(r, &e);
        return;
    }
    reply_json(r, 200, render_resource_detail(&d, false));
}

/* GET /staff/persons?q=&project_id= — find an owner, family member or
 * tenant of the caller's projects by name or phone. */
void h_staff_persons(struct req *r)
{
    struct person_row *rows;
    size_t n;
    int64_t after, next, project_id = 0;
    int limit;
    const char *q;
    struct err e;
    cJSON *items;

    err_clear(&e);
    if (list_params(r, &after, &limit, &e) < 0 ||
        req_query_int(r, "project_id", 1, INT32_MAX, &project_id, NULL, &e) < 0 ||
        req_query_str(r, "q", 50, &q, &e) < 0)
        goto fail;
    if (project_id && !auth_in_project(&r->who, project_id)) {
        err_not_found(&e);
        goto fail;
    }
    if (res_persons_for_staff(db_thread(), &r->arena, &r->who, project_id, q, after, limit, &rows,
                              &n, &next, &e) < 0)
        goto fail;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON *res = cJSON_Parse(rows[i].resources_json);
        json_add_int(o, "id", rows[i].id);
        cJSON_AddStringToObject(o, "name", rows[i].name);
        cJSON_AddStringToObject(o, "phone", rows[i].phone);
        cJSON_AddStringToObject(o, "id_number_masked", rows[i].id_number_masked);
        cJSON_AddStringToObject(o, "occupation", rows[i].occupation);
        cJSON_AddItemToObject(o, "resources", res ? res : cJSON_CreateArray());
        cJSON_AddItemToArray(items, o);
    }
    reply_json(r, 200, render_list(items, next));
    return;
fail:
    reply_error(r, &e);
}
