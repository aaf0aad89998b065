/* h_public.c — endpoints without a login (health, SMS codes), metrics for
 * loopback, and logout. */
#include <string.h>

#include "core/json.h"
#include "core/metrics.h"
#include "core/util.h"
#include "db/db.h"
#include "server.h"

void h_health(struct req *r)
{
    bool up = db_ping(db_thread());
    cJSON *doc = cJSON_CreateObject();

    cJSON_AddStringToObject(doc, "status", up ? "ok" : "degraded");
    cJSON_AddStringToObject(doc, "db", up ? "ok" : "down");
    cJSON_AddStringToObject(doc, "version", g_cfg.version);
    reply_json(r, up ? 200 : 503, doc);
}

/* nginx serves this path to loopback only (nginx/wuye.conf.in). */
void h_metrics(struct req *r)
{
    struct buf b = BUF_INIT;

    metrics_render(&b);
    reply_raw(r, 200, "text/plain; version=0.0.4", b.data ? b.data : "", b.len, NULL);
    buf_free(&b);
}

void h_sms_codes(struct req *r)
{
    static const char *const fields[] = {"phone", "purpose", NULL};
    const char *phone, *purpose;
    struct err e;
    cJSON *in = req_json(r);

    if (!in)
        return;
    err_clear(&e);
    if (json_only_fields(in, fields, &e) < 0 ||
        json_get_str(in, "phone", true, 11, 11, &phone, &e) < 0 ||
        json_get_str(in, "purpose", true, 1, 20, &purpose, &e) < 0)
        goto fail;
    if (!util_phone_valid(phone)) {
        err_bad_request(&e, "手机号格式不正确");
        goto fail;
    }
    if (strcmp(purpose, "owner_login") != 0 && strcmp(purpose, "staff_login") != 0) {
        err_bad_request(&e, "purpose 只能是 owner_login 或 staff_login");
        goto fail;
    }
    if (auth_sms_code_request(db_thread(), &g_cfg, phone, purpose, r->remote_addr, &e) < 0)
        goto fail;
    cJSON_Delete(in);
    reply_json(r, 202, cJSON_CreateObject());
    return;
fail:
    cJSON_Delete(in);
    reply_error(r, &e);
}

void h_logout(struct req *r)
{
    struct err e;

    err_clear(&e);
    if (auth_logout(db_thread(), r->token, &e) < 0) {
        reply_error(r, &e);
        return;
    }
    reply_empty(r, 204);
}
