/* public.c — endpoints without a login (health, SMS codes), metrics for
 * loopback, and logout. */
#include <string.h>

#include "core/json.h"
#include "core/metrics.h"
#include "core/util.h"
#include "db/db.h"
#include "server.h"

int h_health(struct req *r, struct err *e)
{
    bool up = db_ping(db_thread());
    cJSON *doc = cJSON_CreateObject();

    (void)e;
    cJSON_AddStringToObject(doc, "status", up ? "ok" : "degraded");
    cJSON_AddStringToObject(doc, "db", up ? "ok" : "down");
    cJSON_AddStringToObject(doc, "version", g_cfg.version);
    return reply_json(r, up ? 200 : 503, doc);
}

/* nginx serves this path to loopback only (nginx/wuye.conf.in). */
int h_metrics(struct req *r, struct err *e)
{
    struct buf b = BUF_INIT;

    (void)e;
    metrics_render(&b);
    reply_raw(r, 200, "text/plain; version=0.0.4", b.data ? b.data : "", b.len, NULL);
    buf_free(&b);
    return 0;
}

int h_sms_codes(struct req *r, struct err *e)
{
    const char *phone, *purpose;

    if (json_get_str(r->in, "phone", true, 11, 11, &phone, e) < 0 ||
        json_get_str(r->in, "purpose", true, 1, 20, &purpose, e) < 0)
        return -1;
    if (!util_phone_valid(phone))
        return err_bad_request(e, "手机号格式不正确");
    if (strcmp(purpose, "owner_login") != 0 && strcmp(purpose, "staff_login") != 0)
        return err_bad_request(e, "purpose 只能是 owner_login 或 staff_login");
    if (auth_sms_code_request(db_thread(), &g_cfg, phone, purpose, r->remote_addr, e) < 0)
        return -1;
    return reply_json(r, 202, cJSON_CreateObject());
}

int h_logout(struct req *r, struct err *e)
{
    if (auth_logout(db_thread(), r->token, e) < 0)
        return -1;
    return reply_empty(r, 204);
}
