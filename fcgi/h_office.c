/* h_office.c — the office console's endpoints (APP-3 for RES-1..5):
 * projects, buildings, units, resources, people, move-in/out, custom
 * fields, CSV import and export. Admin role, scoped to the caller's
 * projects. */
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "db/db.h"
#include "resources_edit.h"
#include "resources_import.h"
#include "render.h"
#include "resources.h"
#include "server.h"

static void reply_created(struct req *r, int64_t id)
{
    cJSON *o = cJSON_CreateObject();

    json_add_int(o, "id", id);
    reply_json(r, 201, o);
}

static void reply_ok(struct req *r)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddBoolToObject(o, "ok", 1);
    reply_json(r, 200, o);
}

void h_office_projects(struct req *r)
{
    struct project_row *rows;
    size_t n;
    int64_t after, next;
    int limit;
    struct err e;
    cJSON *items;

    err_clear(&e);
    if (list_params(r, &after, &limit, &e) < 0 ||
        res_project_list(db_thread(), &r->arena, &r->who, after, limit, &rows, &n, &next, &e) <
            0) {
        reply_error(r, &e);
        return;
    }
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject(), *types = cJSON_AddArrayToObject(o, "business_types");
        const char *t = rows[i].business_types;
        json_add_int(o, "id", rows[i].id);
        cJSON_AddStringToObject(o, "code", rows[i].code);
        cJSON_AddStringToObject(o, "name", rows[i].name);
        cJSON_AddStringToObject(o, "address", rows[i].address);
        while (*t) {
            const char *end = strchr(t, ',');
            size_t len = end ? (size_t)(end - t) : strlen(t);
            cJSON_AddItemToArray(types, cJSON_CreateString(arena_strndup(&r->arena, t, len)));
            t += len + (end ? 1 : 0);
        }
        json_add_int(o, "buildings", rows[i].buildings);
        json_add_int(o, "resources", rows[i].resources);
        cJSON_AddItemToArray(items, o);
    }
    reply_json(r, 200, render_list(items, next));
}

/* business_types: an array of short codes. */
static int get_types(struct req *r, const cJSON *in, struct project_in *p, struct err *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(in, "business_types"), *it;
    const char **codes;
    size_t n = 0;

    if (!arr || cJSON_IsNull(arr))
        return 0;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > 20)
        return err_bad_request(e, "business_types 必须是不超过 20 项的数组");
    codes = arena_alloc(&r->arena, 21 * sizeof(*codes));
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it) || strlen(it->valuestring) < 1 ||
            utf8_chars(it->valuestring, strlen(it->valuestring)) > 32)
            return err_bad_request(e, "business_types 的每一项必须是 1 到 32 个字的字符串");
        codes[n++] = it->valuestring;
    }
    p->business_types = codes;
    p->ntypes = n;
    return 0;
}

static void project_write(struct req *r, bool create)
{
    static const char *const fields[] = {"code", "name", "address", "business_types", NULL};
    struct project_in p;
    struct err e;
    int64_t id = 0;
    cJSON *in = req_json(r);

    if (!in)
        return;
    memset(&p, 0, sizeof(p));
    err_clear(&e);
    if (json_only_fields(in, fields, &e) < 0 ||
        json_get_line(in, "code", create, 1, 32, &p.code, &e) < 0 ||
        json_get_line(in, "name", create, 1, 100, &p.name, &e) < 0 ||
        json_get_line(in, "address", false, 0, 200, &p.address, &e) < 0 ||
        get_types(r, in, &p, &e) < 0)
        goto fail;
    if (!create && p.code) {
        err_bad_request(&e, "项目编码不能修改");
        goto fail;
    }
    if (create ? res_project_create(db_thread(), &r->who, &p, &id, &e) < 0
               : res_project_update(db_thread(), &r->who, r->params[0], &p, &e) < 0)
        goto fail;
    cJSON_Delete(in);
    if (create)
        reply_created(r, id);
    else
        reply_ok(r);
    return;
fail:
    cJSON_Delete(in);
    reply_error(r, &e);
}

void h_office_project_create(struct req *r)
{
    project_write(r, true);
}

void h_office_project_update(struct req *r)
{
    project_write(r, false);
}

void h_office_building_create(struct req *r)
{
    static const char *const fields[] = {"name", "floors", "business_type", NULL};
    const char *name, *type;
    int64_t floors = 0, id;
    struct err e;
    cJSON *in = req_json(r);

    if (!in)
        return;
    err_clear(&e);
    if (json_only_fields(in, fields, &e) < 0 ||
        json_get_line(in, "name", true, 1, 64, &name, &e) < 0 ||
        json_get_int(in, "floors", false, 0, 300, &floors, NULL, &e) < 0 ||
        json_get_str(in, "business_type", false, 1, 32, &type, &e) < 0 ||
        res_building_create(db_thread(), &r->who, r->params[0], name, floors, type, &id, &e) <
            0) {
        cJSON_Delete(in);
        reply_error(r, &e);
        return;
    }
    cJSON_Delete(in);
    reply_created(r, id);
}

void h_office_unit_create(struct req *r)
{
    static const char *const fields[] = {"name", NULL};
    const char *name;
    int64_t id;
    struct err e;
    cJSON *in = req_json(r);

    if (!in)
        return;
    err_clear(&e);
    if (json_only_fields(in, fields, &e) < 0 ||
        json_get_line(in, "name", true, 1, 64, &name, &e) < 0 ||
        res_unit_create(db_thread(), &r->who, r->params[0], name, &id, &e) < 0) {
        cJSON_Delete(in);
        reply_error(r, &e);
        return;
    }
    cJSON_Delete(in);
    reply_created(r, id);
}

/* The fields of a resource body, for create (project_id required) and
 * update (all optional). */
static int get_resource_in(const cJSON *in, bool create, int64_t *project_id, struct resource_in *x,
                           struct err *e)
{
    static const char *const fields[] = {"project_id",     "building_id",    "unit_id",
                                         "code",           "number",         "kind",
                                         "floor",          "area_m2x100",    "inner_area_m2x100",
                                         "layout",         "decoration",     "lease_status",
                                         "business_scope", "tenant_company", NULL};

    memset(x, 0, sizeof(*x));
    if (json_only_fields(in, fields, e) < 0 ||
        (create && json_get_int(in, "project_id", true, 1, INT32_MAX, project_id, NULL, e) < 0) ||
        (!create && cJSON_GetObjectItemCaseSensitive(in, "project_id") &&
         err_bad_request(e, "资源不能移到其他项目") < 0) ||
        json_get_int(in, "building_id", false, 1, INT32_MAX, &x->building_id, NULL, e) < 0 ||
        json_get_int(in, "unit_id", false, 1, INT32_MAX, &x->unit_id, NULL, e) < 0 ||
        json_get_line(in, "code", false, 1, 64, &x->code, e) < 0 ||
        json_get_line(in, "number", create, 1, 32, &x->number, e) < 0 ||
        json_get_str(in, "kind", create, 1, 16, &x->kind, e) < 0 ||
        json_get_int(in, "floor", false, RES_FLOOR_MIN, RES_FLOOR_MAX, &x->floor, &x->has_floor,
                     e) < 0 ||
        json_get_int(in, "area_m2x100", false, 0, 100000000, &x->area_m2x100, &x->has_area, e) <
            0 ||
        json_get_int(in, "inner_area_m2x100", false, 0, 100000000, &x->inner_area_m2x100,
                     &x->has_inner_area, e) < 0 ||
        json_get_line(in, "layout", false, 0, 32, &x->layout, e) < 0 ||
        json_get_line(in, "decoration", false, 0, 32, &x->decoration, e) < 0 ||
        json_get_str(in, "lease_status", false, 0, 16, &x->lease_status, e) < 0 ||
        json_get_line(in, "business_scope", false, 0, 200, &x->business_scope, e) < 0 ||
        json_get_line(in, "tenant_company", false, 0, 100, &x->tenant_company, e) < 0)
        return -1;
    return 0;
}

void h_office_resource_create(struct req *r)
{
    struct resource_in x;
    int64_t project_id = 0, id;
    struct err e;
    cJSON *in = req_json(r);

    if (!in)
        return;
    err_clear(&e);
    if (get_resource_in(in, true, &project_id, &x, &e) < 0 ||
        res_resource_create(db_thread(), &r->who, project_id, &x, &id, &e) < 0) {
        cJSON_Delete(in);
        reply_error(r, &e);
        return;
    }
    cJSON_Delete(in);
    reply_created(r, id);
}

void h_office_resource_update(struct req *r)
{
    struct resource_in x;
    struct err e;
    cJSON *in = req_json(r);

    if (!in)
        return;
    err_clear(&e);
    if (get_resource_in(in, false, NULL, &x, &e) < 0 ||
        res_resource_update(db_thread(), &r->who, r->params[0], &x, &e) < 0) {
        cJSON_Delete(in);
        reply_error(r, &e);
        return;
    }
    cJSON_Delete(in);
    reply_ok(r);
}

static void person_write(struct req *r, bool create)
{
    static const char *const fields[] = {"name", "phone", "id_number", "occupation", NULL};
    struct person_in p;
    int64_t id = 0;
    struct err e;
    cJSON *in = req_json(r);

    if (!in)
        return;
    memset(&p, 0, sizeof(p));
    err_clear(&e);
    if (json_only_fields(in, fields, &e) < 0 ||
        json_get_line(in, "name", create, 1, 64, &p.name, &e) < 0 ||
        json_get_str(in, "phone", create, 11, 11, &p.phone, &e) < 0 ||
        json_get_str(in, "id_number", false, 9, 32, &p.id_number, &e) < 0 ||
        json_get_line(in, "occupation", false, 0, 64, &p.occupation, &e) < 0 ||
        (create ? res_person_create(db_thread(), &r->who, &p, &id, &e)
                : res_person_update(db_thread(), &r->who, r->params[0], &p, &e)) < 0) {
        cJSON_Delete(in);
        reply_error(r, &e);
        return;
    }
    cJSON_Delete(in);
    if (create)
        reply_created(r, id);
    else
        reply_ok(r);
}

void h_office_person_create(struct req *r)
{
    person_write(r, true);
}

void h_office_person_update(struct req *r)
{
    person_write(r, false);
}

void h_office_link_create(struct req *r)
{
    static const char *const fields[] = {"person_id", "relation", "moved_in_on", NULL};
    const char *relation, *date;
    int64_t person_id, id;
    struct err e;
    cJSON *in = req_json(r);

    if (!in)
        return;
    err_clear(&e);
    if (json_only_fields(in, fields, &e) < 0 ||
        json_get_int(in, "person_id", true, 1, INT32_MAX, &person_id, NULL, &e) < 0 ||
        json_get_str(in, "relation", true, 1, 16, &relation, &e) < 0 ||
        json_get_str(in, "moved_in_on", false, 10, 10, &date, &e) < 0 ||
        res_move_in(db_thread(), &r->who, r->params[0], person_id, relation, date, &id, &e) <
            0) {
        cJSON_Delete(in);
        reply_error(r, &e);
        return;
    }
    cJSON_Delete(in);
    reply_created(r, id);
}

void h_office_link_move_out(struct req *r)
{
    static const char *const fields[] = {"moved_out_on", NULL};
    const char *date;
    struct err e;
    cJSON *in = req_json(r);

    if (!in)
        return;
    err_clear(&e);
    if (json_only_fields(in, fields, &e) < 0 ||
        json_get_str(in, "moved_out_on", true, 10, 10, &date, &e) < 0 ||
        res_move_out(db_thread(), &r->who, r->params[0], date, &e) < 0) {
        cJSON_Delete(in);
        reply_error(r, &e);
        return;
    }
    cJSON_Delete(in);
    reply_ok(r);
}

void h_office_custom_field_create(struct req *r)
{
    static const char *const fields[] = {"target", "key", "label", "type", "choices", NULL};
    const char *target, *key, *label, *type;
    const cJSON *choices;
    struct buf joined = BUF_INIT;
    int64_t id;
    struct err e;
    cJSON *in = req_json(r);

    if (!in)
        return;
    err_clear(&e);
    if (json_only_fields(in, fields, &e) < 0 ||
        json_get_str(in, "target", true, 1, 16, &target, &e) < 0 ||
        json_get_str(in, "key", true, 1, 32, &key, &e) < 0 ||
        json_get_line(in, "label", true, 1, 64, &label, &e) < 0 ||
        json_get_str(in, "type", true, 1, 16, &type, &e) < 0)
        goto fail;
    choices = cJSON_GetObjectItemCaseSensitive(in, "choices");
    if (choices && !cJSON_IsNull(choices)) {
        const cJSON *it;
        if (!cJSON_IsArray(choices) || cJSON_GetArraySize(choices) > 50) {
            err_bad_request(&e, "choices 必须是不超过 50 项的字符串数组");
            goto fail;
        }
        cJSON_ArrayForEach(it, choices)
        {
            if (!cJSON_IsString(it) || !it->valuestring[0] || strchr(it->valuestring, ',') ||
                utf8_chars(it->valuestring, strlen(it->valuestring)) > 32) {
                err_bad_request(&e, "每个选项必须是 1 到 32 个字、不含逗号的字符串");
                goto fail;
            }
            if (joined.len)
                buf_puts(&joined, ",");
            buf_puts(&joined, it->valuestring);
        }
        if (joined.len > 1000) {
            err_bad_request(&e, "选项太多");
            goto fail;
        }
    }
    if (res_custom_field_create(db_thread(), &r->who, r->params[0], target, key, label, type,
                                   joined.data, &id, &e) < 0)
        goto fail;
    cJSON_Delete(in);
    buf_free(&joined);
    reply_created(r, id);
    return;
fail:
    cJSON_Delete(in);
    buf_free(&joined);
    reply_error(r, &e);
}

/* PUT {"target":"resource"|"person","target_id":N,"values":{"key":"value"|null,…}} */
void h_office_custom_values_set(struct req *r)
{
    static const char *const fields[] = {"target", "target_id", "values", NULL};
    const char *target;
    int64_t target_id;
    const cJSON *values, *it;
    const char **keys, **vals;
    size_t n = 0;
    struct err e;
    cJSON *in = req_json(r);

    if (!in)
        return;
    err_clear(&e);
    if (json_only_fields(in, fields, &e) < 0 ||
        json_get_str(in, "target", true, 1, 16, &target, &e) < 0 ||
        json_get_int(in, "target_id", true, 1, INT32_MAX, &target_id, NULL, &e) < 0)
        goto fail;
    values = cJSON_GetObjectItemCaseSensitive(in, "values");
    if (!cJSON_IsObject(values) || cJSON_GetArraySize(values) > 50) {
        err_bad_request(&e, "values 必须是不超过 50 项的对象");
        goto fail;
    }
    keys = arena_alloc(&r->arena, 51 * sizeof(*keys));
    vals = arena_alloc(&r->arena, 51 * sizeof(*vals));
    cJSON_ArrayForEach(it, values)
    {
        if (!cJSON_IsString(it) && !cJSON_IsNull(it)) {
            err_bad_request(&e, "自定义字段的值必须是字符串或 null");
            goto fail;
        }
        keys[n] = it->string;
        vals[n] = cJSON_IsString(it) ? it->valuestring : NULL;
        n++;
    }
    if (res_custom_values_set(db_thread(), &r->who, target, target_id, keys, vals, n, &e) < 0)
        goto fail;
    cJSON_Delete(in);
    reply_ok(r);
    return;
fail:
    cJSON_Delete(in);
    reply_error(r, &e);
}

void h_office_import(struct req *r)
{
    struct import_report rep;
    struct err e;
    cJSON *o, *errs;

    err_clear(&e);
    memset(&rep, 0, sizeof(rep));
    if (!auth_in_project(&r->who, r->params[0])) {
        reply_error_code(r, 404, "NOT_FOUND", "请求的内容不存在");
        return;
    }
    if (import_csv(db_thread(), r->params[0], r->who.id, r->body ? r->body : "", r->body_len, &rep,
                   &e) < 0) {
        import_report_free(&rep);
        reply_error(r, &e);
        return;
    }
    o = cJSON_CreateObject();
    json_add_int(o, "rows_total", rep.rows_total);
    json_add_int(o, "rows_ok", rep.rows_ok);
    json_add_int(o, "rows_failed", rep.rows_failed);
    json_add_int(o, "created_resources", rep.created_resources);
    json_add_int(o, "updated_resources", rep.updated_resources);
    json_add_int(o, "created_persons", rep.created_persons);
    json_add_int(o, "created_links", rep.created_links);
    json_add_int(o, "created_buildings", rep.created_buildings);
    json_add_int(o, "created_units", rep.created_units);
    errs = cJSON_AddArrayToObject(o, "errors");
    for (size_t i = 0; i < rep.nerrors; i++) {
        cJSON *x = cJSON_CreateObject();
        json_add_int(x, "line", rep.errors[i].line);
        cJSON_AddStringToObject(x, "column", rep.errors[i].column ? rep.errors[i].column : "");
        cJSON_AddStringToObject(x, "message", rep.errors[i].message);
        cJSON_AddItemToArray(errs, x);
    }
    import_report_free(&rep);
    reply_json(r, 200, o);
}

void h_office_export(struct req *r)
{
    struct buf out = BUF_INIT;
    struct err e;
    char disp[128];

    err_clear(&e);
    if (!auth_in_project(&r->who, r->params[0])) {
        reply_error_code(r, 404, "NOT_FOUND", "请求的内容不存在");
        return;
    }
    if (export_csv(db_thread(), r->params[0], &out, &e) < 0) {
        buf_free(&out);
        reply_error(r, &e);
        return;
    }
    snprintf(disp, sizeof(disp),
             "Content-Disposition: attachment; filename=\"resources-%lld.csv\"\r\n",
             (long long)r->params[0]);
    reply_raw(r, 200, "text/csv; charset=utf-8", out.data ? out.data : "", out.len, disp);
    buf_free(&out);
}
