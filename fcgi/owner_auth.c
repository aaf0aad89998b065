/* owner_auth.c — the owner's logins (AUTH-1, AUTH-2): WeChat and SMS code. */
#include "core/json.h"
#include "core/util.h"
#include "db/db.h"
#include "render.h"
#include "resources.h"
#include "server.h"

/* The answer of both owner logins (API.md). */
static int reply_login(struct req *r, int64_t person_id, const struct session_out *s, struct err *e)
{
    struct resource *list;
    struct person p;
    size_t n;
    char masked[12];
    cJSON *doc, *owner, *items;

    if (res_person_get(db_thread(), &r->arena, person_id, &p, e) < 0 ||
        res_list_for_person(db_thread(), &r->arena, person_id, &list, &n, e) < 0)
        return -1;
    doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "token", s->token);
    cJSON_AddStringToObject(doc, "expires_at", s->expires_at);
    owner = cJSON_AddObjectToObject(doc, "owner");
    json_add_int(owner, "id", p.id);
    cJSON_AddStringToObject(owner, "name", p.name);
    util_phone_mask(p.phone, masked);
    cJSON_AddStringToObject(owner, "phone_masked", masked);
    items = cJSON_AddArrayToObject(doc, "resources");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, render_resource_owner(&list[i]));
    return reply_json(r, 200, doc);
}

int h_owner_login_sms(struct req *r, struct err *e)
{
    const char *phone, *code;
    struct session_out s;
    int64_t person_id;

    if (json_get_str(r->in, "phone", true, 11, 11, &phone, e) < 0 ||
        json_get_str(r->in, "sms_code", true, 6, 6, &code, e) < 0)
        return -1;
    if (!util_phone_valid(phone))
        return err_bad_request(e, "手机号格式不正确");
    if (auth_owner_login_sms(db_thread(), &g_cfg, phone, code, r->remote_addr, &person_id, &s, e) <
        0)
        return -1;
    return reply_login(r, person_id, &s, e);
}

int h_owner_login_wechat(struct req *r, struct err *e)
{
    const char *code, *phone_code;
    struct session_out s;
    int64_t person_id;

    if (json_get_str(r->in, "code", true, 1, 128, &code, e) < 0 ||
        json_get_str(r->in, "phone_code", true, 1, 128, &phone_code, e) < 0 ||
        auth_owner_login_wechat(db_thread(), &g_cfg, code, phone_code, r->remote_addr, &person_id,
                                &s, e) < 0)
        return -1;
    return reply_login(r, person_id, &s, e);
}
