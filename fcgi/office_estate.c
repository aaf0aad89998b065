/* office_estate.c — the office console's estate endpoints (APP-3 for
 * RES-1..4): projects, buildings, units, resources, people, move-in/out,
 * custom fields. Admin role; scope is the domain's (resources_edit.c). */
#include <string.h>

#include "core/json.h"
#include "db/db.h"
#include "resources.h"
#include "resources_edit.h"
#include "resources_import.h"
#include "server.h"

int h_office_projects(struct req *r, struct err *e)
{
    struct project_row *rows;
    struct page pg;
    size_t n;
    int64_t next;
    cJSON *items;

    if (req_page(r, &pg, e) < 0 || res_project_list(db_thread(), &r->arena, &r->who, pg.after,
                                                    pg.limit, &rows, &n, &next, e) < 0)
        return -1;
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
        cJSON_AddBoolToObject(o, "arrears_reminders", rows[i].arrears_reminders);
        cJSON_AddItemToArray(items, o);
    }
    return reply_list(r, items, next);
}

/* business_types: an array of short codes. */
static int get_types(struct req *r, struct project_in *p, struct err *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r->in, "business_types"), *it;
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

static int get_project(struct req *r, bool create, struct project_in *p, struct err *e)
{
    const cJSON *it;

    memset(p, 0, sizeof(*p));
    if (json_get_line(r->in, "code", create, 1, 32, &p->code, e) < 0 ||
        json_get_line(r->in, "name", create, 1, 100, &p->name, e) < 0 ||
        json_get_line(r->in, "address", false, 0, 200, &p->address, e) < 0 ||
        get_types(r, p, e) < 0 ||
        json_get_bool(r->in, "arrears_reminders", false, &p->arrears_reminders, e) < 0)
        return -1;
    it = cJSON_GetObjectItemCaseSensitive(r->in, "arrears_reminders");
    p->has_arrears_reminders = it && !cJSON_IsNull(it);
    if (!create && p->code)
        return err_bad_request(e, "项目编码不能修改");
    return 0;
}

int h_office_project_create(struct req *r, struct err *e)
{
    struct project_in p;
    int64_t id;

    if (get_project(r, true, &p, e) < 0 || res_project_create(db_thread(), &r->who, &p, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

int h_office_project_update(struct req *r, struct err *e)
{
    struct project_in p;

    if (get_project(r, false, &p, e) < 0 ||
        res_project_update(db_thread(), &r->who, r->params[0], &p, e) < 0)
        return -1;
    return reply_ok(r);
}

int h_office_building_create(struct req *r, struct err *e)
{
    const char *name, *type;
    int64_t floors = 0, id;

    if (json_get_line(r->in, "name", true, 1, 64, &name, e) < 0 ||
        json_get_int(r->in, "floors", false, 0, 300, &floors, NULL, e) < 0 ||
        json_get_str(r->in, "business_type", false, 1, 32, &type, e) < 0 ||
        res_building_create(db_thread(), &r->who, r->params[0], name, floors, type, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

int h_office_unit_create(struct req *r, struct err *e)
{
    const char *name;
    int64_t id;

    if (json_get_line(r->in, "name", true, 1, 64, &name, e) < 0 ||
        res_unit_create(db_thread(), &r->who, r->params[0], name, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

/* The fields of a resource body, for create (project_id required) and
 * update (all optional). */
static int get_resource(const cJSON *in, bool create, int64_t *project_id, struct resource_in *x,
                        struct err *e)
{
    memset(x, 0, sizeof(*x));
    if ((create && json_get_int(in, "project_id", true, 1, INT32_MAX, project_id, NULL, e) < 0) ||
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

int h_office_resource_create(struct req *r, struct err *e)
{
    struct resource_in x;
    int64_t project_id = 0, id;

    if (get_resource(r->in, true, &project_id, &x, e) < 0 ||
        res_resource_create(db_thread(), &r->who, project_id, &x, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

int h_office_resource_update(struct req *r, struct err *e)
{
    struct resource_in x;

    if (get_resource(r->in, false, NULL, &x, e) < 0 ||
        res_resource_update(db_thread(), &r->who, r->params[0], &x, e) < 0)
        return -1;
    return reply_ok(r);
}

static int get_person(struct req *r, bool create, struct person_in *p, struct err *e)
{
    memset(p, 0, sizeof(*p));
    return json_get_line(r->in, "name", create, 1, 64, &p->name, e) < 0 ||
                   json_get_str(r->in, "phone", create, 11, 11, &p->phone, e) < 0 ||
                   json_get_str(r->in, "id_number", false, 9, 32, &p->id_number, e) < 0 ||
                   json_get_line(r->in, "occupation", false, 0, 64, &p->occupation, e) < 0
               ? -1
               : 0;
}

int h_office_person_create(struct req *r, struct err *e)
{
    struct person_in p;
    int64_t id;

    if (get_person(r, true, &p, e) < 0 || res_person_create(db_thread(), &r->who, &p, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

int h_office_person_update(struct req *r, struct err *e)
{
    struct person_in p;

    if (get_person(r, false, &p, e) < 0 ||
        res_person_update(db_thread(), &r->who, r->params[0], &p, e) < 0)
        return -1;
    return reply_ok(r);
}

int h_office_link_create(struct req *r, struct err *e)
{
    struct person_ref ref = {0};
    const char *relation, *date, *id_number;
    int64_t person_id = 0, id;
    char masked[33];

    if (json_get_int(r->in, "person_id", false, 1, INT32_MAX, &person_id, NULL, e) < 0 ||
        json_get_line(r->in, "name", false, 1, 64, &ref.name, e) < 0 ||
        json_get_str(r->in, "phone", false, 11, 11, &ref.phone, e) < 0 ||
        json_get_str(r->in, "id_number", false, 9, 32, &id_number, e) < 0 ||
        json_get_str(r->in, "relation", true, 1, 16, &relation, e) < 0 ||
        json_get_str(r->in, "moved_in_on", false, 10, 10, &date, e) < 0)
        return -1;
    if (!ref.name != !ref.phone)
        return err_bad_request(e, "按手机号登记住户需同时提供 name 和 phone");
    if (id_number && import_mask_id(id_number, strlen(id_number), masked) != 0)
        return err_bad_request(e, "证件号格式不正确");
    ref.id_number_masked = id_number ? masked : NULL;
    if (res_move_in(db_thread(), &r->who, r->params[0], person_id, ref.phone ? &ref : NULL,
                    relation, date, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

int h_office_link_move_out(struct req *r, struct err *e)
{
    const char *date;

    if (json_get_str(r->in, "moved_out_on", true, 10, 10, &date, e) < 0 ||
        res_move_out(db_thread(), &r->who, r->params[0], date, e) < 0)
        return -1;
    return reply_ok(r);
}

/* choices: up to 50 strings, stored comma-joined. */
static int get_choices(struct req *r, const char **joined, struct err *e)
{
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(r->in, "choices"), *it;
    struct buf b = BUF_INIT;

    *joined = NULL;
    if (!choices || cJSON_IsNull(choices))
        return 0;
    if (!cJSON_IsArray(choices) || cJSON_GetArraySize(choices) > 50)
        return err_bad_request(e, "choices 必须是不超过 50 项的字符串数组");
    cJSON_ArrayForEach(it, choices)
    {
        if (!cJSON_IsString(it) || !it->valuestring[0] || strchr(it->valuestring, ',') ||
            utf8_chars(it->valuestring, strlen(it->valuestring)) > 32) {
            buf_free(&b);
            return err_bad_request(e, "每个选项必须是 1 到 32 个字、不含逗号的字符串");
        }
        if (b.len)
            buf_puts(&b, ",");
        buf_puts(&b, it->valuestring);
    }
    if (b.len > 1000) {
        buf_free(&b);
        return err_bad_request(e, "选项太多");
    }
    *joined = b.len ? arena_strndup(&r->arena, b.data, b.len) : NULL;
    buf_free(&b);
    return 0;
}

int h_office_custom_field_create(struct req *r, struct err *e)
{
    const char *target, *key, *label, *type, *choices;
    int64_t id;

    if (json_get_str(r->in, "target", true, 1, 16, &target, e) < 0 ||
        json_get_str(r->in, "key", true, 1, 32, &key, e) < 0 ||
        json_get_line(r->in, "label", true, 1, 64, &label, e) < 0 ||
        json_get_str(r->in, "type", true, 1, 16, &type, e) < 0 || get_choices(r, &choices, e) < 0 ||
        res_custom_field_create(db_thread(), &r->who, r->params[0], target, key, label, type,
                                choices, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

/* PUT {"target":"resource"|"person","target_id":N,"project_id":N?,
 *      "values":{"key":"value"|null,…}} */
int h_office_custom_values_set(struct req *r, struct err *e)
{
    const char *target, **keys, **vals;
    int64_t target_id, project_id = 0;
    const cJSON *values, *it;
    size_t n = 0;

    if (json_get_str(r->in, "target", true, 1, 16, &target, e) < 0 ||
        json_get_int(r->in, "target_id", true, 1, INT32_MAX, &target_id, NULL, e) < 0 ||
        json_get_int(r->in, "project_id", false, 1, INT32_MAX, &project_id, NULL, e) < 0)
        return -1;
    values = cJSON_GetObjectItemCaseSensitive(r->in, "values");
    if (!cJSON_IsObject(values) || cJSON_GetArraySize(values) > 50)
        return err_bad_request(e, "values 必须是不超过 50 项的对象");
    keys = arena_alloc(&r->arena, 51 * sizeof(*keys));
    vals = arena_alloc(&r->arena, 51 * sizeof(*vals));
    cJSON_ArrayForEach(it, values)
    {
        if (!cJSON_IsString(it) && !cJSON_IsNull(it))
            return err_bad_request(e, "自定义字段的值必须是字符串或 null");
        keys[n] = it->string;
        vals[n] = cJSON_IsString(it) ? it->valuestring : NULL;
        n++;
    }
    if (res_custom_values_set(db_thread(), &r->who, target, target_id, project_id, keys, vals, n,
                              e) < 0)
        return -1;
    return reply_ok(r);
}
