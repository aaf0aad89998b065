/* staff_auth.c — the staff app's login and profile (AUTH-3). */
#include "core/json.h"
#include "core/util.h"
#include "db/db.h"
#include "server.h"
#include "staff.h"

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
        cJSON_AddItemToArray(projects, json_int(r->who.project_ids[i]));
    return o;
}

int h_staff_login(struct req *r, struct err *e)
{
    const char *phone, *password, *code;
    struct session_out s;
    int64_t staff_id;
    cJSON *doc, *staff;

    if (json_get_str(r->in, "phone", true, 11, 11, &phone, e) < 0 ||
        json_get_str(r->in, "password", false, 1, 128, &password, e) < 0 ||
        json_get_str(r->in, "sms_code", false, 6, 6, &code, e) < 0)
        return -1;
    if (!util_phone_valid(phone))
        return err_bad_request(e, "手机号格式不正确");
    if (!password == !code)
        return err_bad_request(e, "请提供密码或短信验证码（二选一）");
    /* The answer shows the new session's principal as every later request
     * will load it. */
    if (auth_staff_login(db_thread(), &g_cfg, phone, password, code, r->remote_addr, &staff_id, &s,
                         e) < 0 ||
        auth_session_lookup(db_thread(), &r->arena, s.token, &r->who, e) < 0 ||
        !(staff = staff_json(r, e)))
        return -1;
    doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "token", s.token);
    cJSON_AddStringToObject(doc, "expires_at", s.expires_at);
    cJSON_AddItemToObject(doc, "staff", staff);
    return reply_json(r, 200, doc);
}

int h_staff_me(struct req *r, struct err *e)
{
    cJSON *o = staff_json(r, e);

    return o ? reply_json(r, 200, o) : -1;
}
