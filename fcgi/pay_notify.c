/*
 * pay_notify.c — WeChat Pay's side of the edge (PAY-1; API.md "WeChat Pay
 * notifications"): the notification endpoint, and the process's WeChat
 * Pay client that every payment call uses.
 *
 * The notification is answered in WeChat Pay's format, not our error
 * envelope: 204 (applied, already applied, or verified and recorded),
 * {"code":"FAIL","message"} with 401 (does not verify: nothing changes),
 * 400 (verified but not our order's: an alert is recorded) or 500 (not
 * applied now: WeChat Pay retries). The handler therefore always replies
 * itself, and logs why it refused.
 */
#include <pthread.h>

#include "core/log.h"
#include "db/db.h"
#include "payments.h"
#include "server.h"

static struct wxpay_client client;
static const struct wxpay_client *client_ready;
static pthread_once_t client_once = PTHREAD_ONCE_INIT;

static void client_init(void)
{
    struct err e = {0};

    if (!wxpay_configured(&g_cfg))
        return;
    if (wxpay_client_init(&client, &g_cfg, &e) < 0) {
        log_error("event=wxpay_config_invalid code=%s", err_name(e.code));
        return;
    }
    client_ready = &client;
}

const struct wxpay_client *server_wxpay(void)
{
    pthread_once(&client_once, client_init);
    return client_ready;
}

static const char *header(struct req *r, const char *name)
{
    return FCGX_GetParam(name, r->fcgi->envp);
}

static int fail(struct req *r, int status, const char *message)
{
    cJSON *doc = cJSON_CreateObject();

    cJSON_AddStringToObject(doc, "code", "FAIL");
    cJSON_AddStringToObject(doc, "message", message);
    return reply_json(r, status, doc);
}

int h_pay_wechat_notify(struct req *r, struct err *e)
{
    struct wxpay_notice_in in = {header(r, "HTTP_WECHATPAY_SERIAL"),
                                 header(r, "HTTP_WECHATPAY_TIMESTAMP"),
                                 header(r, "HTTP_WECHATPAY_NONCE"),
                                 header(r, "HTTP_WECHATPAY_SIGNATURE"),
                                 r->body ? r->body : "",
                                 r->body_len};
    enum pay_notice_outcome outcome;

    if (pay_notice(db_thread(), server_wxpay(), &in, &outcome, e) == 0)
        return outcome == PAY_NOTICE_MISMATCH ? fail(r, 400, "订单信息不符") : reply_empty(r, 204);
    log_warn("event=wxpay_notice_refused rid=%s code=%s", r->request_id, err_name(e->code));
    if (err_is(e, E_WXPAY_SIGNATURE_INVALID) || err_is(e, E_WXPAY_TIMESTAMP_SKEW))
        return fail(r, 401, "签名验证失败");
    if (err_is(e, E_BAD_REQUEST))
        return fail(r, 400, "通知格式不正确");
    return fail(r, 500, "暂时无法处理，请稍后重试");
}
