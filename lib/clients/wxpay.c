/*
 * wxpay.c — the WeChat Pay API v3 client; see wxpay.h and PROTOCOLS.md §2.
 *
 * Every call goes through pay_call(): the body serialised once (what is
 * signed is byte for byte what is sent), the Authorization header over
 * METHOD, the path and query as sent, a fresh timestamp and nonce, then
 * the answer's Wechatpay-* signature checked before its status or body is
 * looked at. A 4xx/5xx answer's "code" is mapped to our errors by
 * pay_error(); the callers validate the shape of a 2xx answer themselves.
 *
 * Log lines name the API, the status and WeChat Pay's code, never a body,
 * a header value or a key.
 */
#include "clients/wxpay.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "clients/httpc.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/money.h"
#include "core/util.h"

#define DEFAULT_TIMEOUT_MS 5000L
#define USER_AGENT "User-Agent: wuye/1 (WeChat Pay API v3)"
#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

static int unavailable(struct err *e)
{
    return err_setf(e, E_UPSTREAM_UNAVAILABLE, "微信支付暂时无法访问，请稍后再试");
}

bool wxpay_configured(const struct config *cfg)
{
    return cfg->wxpay_mchid[0] != '\0';
}

int wxpay_client_init(struct wxpay_client *c, const struct config *cfg, struct err *e)
{
    memset(c, 0, sizeof(*c));
    if (!wxpay_configured(cfg) || !cfg->wechat_appid[0] || !cfg->wxpay_serial[0] ||
        !cfg->wxpay_platform_serial[0] || !cfg->wxpay_notify_url[0] || !cfg->wxpay_base_url[0])
        return err_setf(e, E_CONFIG,
                        "WeChat Pay needs wechat_appid, wxpay_mchid, wxpay_serial, "
                        "wxpay_platform_serial, wxpay_notify_url");
    if (!cfg->wxpay_apiv3_key || strlen(cfg->wxpay_apiv3_key) != 32)
        return err_setf(e, E_CONFIG, "wxpay_apiv3_key_file must hold the 32-byte APIv3 key");
    if (!cfg->wxpay_merchant_key || !cfg->wxpay_platform_key ||
        wxpay_key_private_from_pem(&c->merchant, cfg->wxpay_merchant_key,
                                   strlen(cfg->wxpay_merchant_key), e) < 0 ||
        wxpay_key_public_from_pem(&c->platform, cfg->wxpay_platform_key,
                                  strlen(cfg->wxpay_platform_key), e) < 0) {
        wxpay_client_free(c);
        return e->code == E_OK ? err_setf(e, E_CONFIG, "WeChat Pay keys missing") : -1;
    }
    c->base_url = cfg->wxpay_base_url;
    c->appid = cfg->wechat_appid;
    c->mchid = cfg->wxpay_mchid;
    c->serial = cfg->wxpay_serial;
    c->apiv3_key = cfg->wxpay_apiv3_key;
    c->platform_serial = cfg->wxpay_platform_serial;
    c->notify_url = cfg->wxpay_notify_url;
    return 0;
}

void wxpay_client_free(struct wxpay_client *c)
{
    wxpay_key_free(&c->merchant);
    wxpay_key_free(&c->platform);
}

/* ---- one signed call ---------------------------------------------------------------- */

struct pay_answer {
    long status;
    cJSON *root; /* the body when it is a JSON object (owned); NULL when empty */
    char code[48];
};

/* Copy the answer's "code" for the log and the mapping: bounded, and only
 * the characters WeChat Pay's codes are made of. */
static void answer_code(const cJSON *root, char out[48])
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "code"));
    size_t n = s ? strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") : 0;

    if (n >= 48)
        n = 47;
    memcpy(out, s ? s : "", n);
    out[n] = '\0';
}

/* path is the path and query as sent (it is signed as is). body NULL: a
 * GET. Returns 0 with a verified answer of any status in *a (the caller
 * frees a->root), or -1 (503) when there was none that can be believed. */
static int pay_call(const struct wxpay_client *c, const char *api, const char *method,
                    const char *path, const char *body, struct pay_answer *a, struct err *e)
{
    struct buf url = BUF_INIT, auth = BUF_INIT;
    struct httpc_resp resp = HTTPC_RESP_INIT;
    char nonce[WXPAY_NONCE_SIZE];
    int64_t now = (int64_t)time(NULL);
    size_t blen = body ? strlen(body) : 0, n = strlen(c->base_url);
    const char *headers[4];
    struct err ve = {0};
    int rc = -1;

    memset(a, 0, sizeof(*a));
    while (n > 0 && c->base_url[n - 1] == '/')
        n--;
    buf_append(&url, c->base_url, n);
    buf_puts(&url, path);
    buf_puts(&auth, "Authorization: ");
    if (wxpay_nonce(nonce, e) < 0 ||
        wxpay_authorization(&c->merchant, c->mchid, c->serial,
                            &(struct wxpay_req_msg){method, path, now, nonce, body, blen}, &auth,
                            e) < 0)
        goto out;
    headers[0] = auth.data;
    headers[1] = "Accept: application/json";
    headers[2] = USER_AGENT;
    headers[3] = "Content-Type: application/json";
    if (httpc_request(&(struct httpc_req){.method = method,
                                          .url = url.data,
                                          .headers = headers,
                                          .nheaders = body ? 4 : 3,
                                          .body = body,
                                          .body_len = blen,
                                          .timeout_ms = c->timeout_ms > 0 ? c->timeout_ms
                                                                          : DEFAULT_TIMEOUT_MS},
                      &resp, e) < 0) {
        log_warn("event=wxpay_failed api=%s reason=\"%s\"", api, resp.diag);
        goto out;
    }
    /* Believe nothing that WeChat Pay did not sign, a refusal included. */
    if (wxpay_verify_response(&c->platform, c->platform_serial,
                              httpc_resp_header(&resp, "Wechatpay-Serial"),
                              httpc_resp_header(&resp, "Wechatpay-Timestamp"),
                              httpc_resp_header(&resp, "Wechatpay-Nonce"),
                              httpc_resp_header(&resp, "Wechatpay-Signature"), resp.body.data,
                              resp.body.len, (int64_t)time(NULL), &ve) < 0) {
        log_warn("event=wxpay_failed api=%s status=%ld reason=\"answer not verified: %s\"", api,
                 resp.status, err_name(ve.code));
        unavailable(e);
        goto out;
    }
    a->status = resp.status;
    if (resp.body.len > 0) {
        a->root = json_parse_body(resp.body.data, resp.body.len, &ve);
        if (!a->root) {
            log_warn("event=wxpay_failed api=%s status=%ld reason=\"malformed answer\"", api,
                     resp.status);
            unavailable(e);
            goto out;
        }
        answer_code(a->root, a->code);
    }
    rc = 0;
out:
    httpc_resp_free(&resp);
    if (auth.data)
        explicit_bzero(auth.data, auth.cap);
    buf_free(&auth);
    buf_free(&url);
    return rc;
}

/* WeChat Pay's error codes (PROTOCOLS.md §2.8, both spellings it uses) as
 * ours: the one place its strings meet our table. A code not listed is a
 * refusal of the order (E_WXPAY_FAILED); any 5xx is "try again later". */
static const struct {
    const char *wire;
    enum err_code ours;
} pay_codes[] = {
    {"ORDER_NOT_EXIST", E_WXPAY_ORDER_NOT_EXIST},
    {"ORDERNOTEXIST", E_WXPAY_ORDER_NOT_EXIST},
    {"ORDERPAID", E_WXPAY_ORDER_PAID},
    {"SYSTEM_ERROR", E_UPSTREAM_UNAVAILABLE},
    {"SYSTEMERROR", E_UPSTREAM_UNAVAILABLE},
    {"FREQUENCY_LIMITED", E_UPSTREAM_UNAVAILABLE},
};

/* A 4xx/5xx answer as our error (§2.8); always -1. */
static int pay_error(const char *api, const struct pay_answer *a, struct err *e)
{
    enum err_code code = a->status >= 500 ? E_UPSTREAM_UNAVAILABLE : E_WXPAY_FAILED;

    log_warn("event=wxpay_failed api=%s status=%ld code=%s", api, a->status,
             a->code[0] ? a->code : "-");
    for (size_t i = 0; i < sizeof(pay_codes) / sizeof(pay_codes[0]); i++)
        if (strcmp(a->code, pay_codes[i].wire) == 0)
            code = pay_codes[i].ours;
    return code == E_UPSTREAM_UNAVAILABLE ? unavailable(e) : err_set(e, code);
}

/* ---- reading answers ---------------------------------------------------------------- */

/* Copy a string member (1..size-1 bytes, only characters of allowed when
 * not NULL); -1 when absent, empty, too long or of other characters. */
static int get_str(const cJSON *o, const char *name, const char *allowed, char *out, size_t size)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
    size_t n = s ? strlen(s) : 0;

    out[0] = '\0';
    if (n == 0 || n >= size || (allowed && strspn(s, allowed) != n))
        return -1;
    memcpy(out, s, n + 1);
    return 0;
}

static int get_fen(const cJSON *o, const char *name, int64_t *out)
{
    struct err e = {0};
    bool present = false;

    *out = -1;
    if (json_get_int(o, name, false, 0, MONEY_MAX_FEN, out, &present, &e) < 0)
        return -1;
    if (!present)
        *out = -1;
    return 0;
}

static int txn_from(const cJSON *o, struct wxpay_txn *t, struct err *e)
{
    const cJSON *amount = cJSON_GetObjectItemCaseSensitive(o, "amount");
    const cJSON *payer = cJSON_GetObjectItemCaseSensitive(o, "payer");
    char when[48];

    memset(t, 0, sizeof(*t));
    t->total_fen = t->payer_total_fen = -1;
    if (!cJSON_IsObject(o) || get_str(o, "appid", NULL, t->appid, sizeof(t->appid)) < 0 ||
        get_str(o, "mchid", NULL, t->mchid, sizeof(t->mchid)) < 0 ||
        get_str(o, "out_trade_no", NULL, t->out_trade_no, sizeof(t->out_trade_no)) < 0 ||
        get_str(o, "trade_state", "ABCDEFGHIJKLMNOPQRSTUVWXYZ_", t->trade_state,
                sizeof(t->trade_state)) < 0 ||
        (amount && (!cJSON_IsObject(amount) || get_fen(amount, "total", &t->total_fen) < 0 ||
                    get_fen(amount, "payer_total", &t->payer_total_fen) < 0)))
        return err_bad_request(e, "交易信息格式不正确");
    /* Present once paid; a paid transaction without them is malformed. */
    get_str(o, "transaction_id", ID_CHARS, t->transaction_id, sizeof(t->transaction_id));
    if (cJSON_IsObject(payer))
        get_str(payer, "openid", ID_CHARS, t->openid, sizeof(t->openid));
    if (get_str(o, "success_time", NULL, when, sizeof(when)) == 0 &&
        wxpay_time_parse(when, &t->success_at) < 0)
        return err_bad_request(e, "交易信息格式不正确");
    if (strcmp(t->trade_state, "SUCCESS") == 0 &&
        (!t->transaction_id[0] || t->total_fen < 1 || !t->success_at))
        return err_bad_request(e, "交易信息格式不正确");
    return 0;
}

int wxpay_txn_parse(const char *json, size_t len, struct wxpay_txn *t, struct err *e)
{
    cJSON *root = json_parse_body(json, len, e);
    int rc;

    memset(t, 0, sizeof(*t));
    if (!root)
        return err_bad_request(e, "交易信息格式不正确");
    rc = txn_from(root, t, e);
    cJSON_Delete(root);
    return rc;
}

/* ---- the calls ---------------------------------------------------------------------- */

int wxpay_jsapi(const struct wxpay_client *c, const struct wxpay_order *o,
                char prepay_id[WXPAY_ID_SIZE], struct err *e)
{
    cJSON *req = cJSON_CreateObject(), *amount, *payer;
    struct pay_answer a = {0};
    char expire[26], *body = NULL;
    int rc = -1;

    prepay_id[0] = '\0';
    util_time_rfc3339((time_t)o->expires_at, expire);
    if (!req || !cJSON_AddStringToObject(req, "appid", c->appid) ||
        !cJSON_AddStringToObject(req, "mchid", c->mchid) ||
        !cJSON_AddStringToObject(req, "description", o->description) ||
        !cJSON_AddStringToObject(req, "out_trade_no", o->out_trade_no) ||
        !cJSON_AddStringToObject(req, "time_expire", expire) ||
        !cJSON_AddStringToObject(req, "notify_url", c->notify_url) ||
        !(amount = cJSON_AddObjectToObject(req, "amount")) ||
        !json_add_int(amount, "total", o->total_fen) ||
        !cJSON_AddStringToObject(amount, "currency", "CNY") ||
        !(payer = cJSON_AddObjectToObject(req, "payer")) ||
        !cJSON_AddStringToObject(payer, "openid", o->openid) ||
        !(body = cJSON_PrintUnformatted(req))) {
        err_internal(e);
        goto out;
    }
    if (pay_call(c, "jsapi", "POST", "/v3/pay/transactions/jsapi", body, &a, e) < 0)
        goto out;
    if (a.status != 200) {
        pay_error("jsapi", &a, e);
        goto out;
    }
    if (get_str(a.root, "prepay_id", ID_CHARS, prepay_id, WXPAY_ID_SIZE) < 0) {
        log_warn("event=wxpay_failed api=jsapi reason=\"no prepay_id\"");
        unavailable(e);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(a.root);
    cJSON_free(body);
    cJSON_Delete(req);
    return rc;
}

int wxpay_pay_params(const struct wxpay_client *c, const char *prepay_id, int64_t now,
                     struct wxpay_pay_params *out, struct err *e)
{
    struct buf sig = BUF_INIT;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    snprintf(out->app_id, sizeof(out->app_id), "%s", c->appid);
    snprintf(out->time_stamp, sizeof(out->time_stamp), "%lld", (long long)now);
    snprintf(out->package, sizeof(out->package), "prepay_id=%s", prepay_id);
    if (wxpay_nonce(out->nonce_str, e) < 0 ||
        wxpay_pay_sign(&c->merchant, out->app_id, out->time_stamp, out->nonce_str, out->package,
                       &sig, e) < 0)
        goto out;
    if (sig.len >= sizeof(out->pay_sign)) {
        err_internal(e);
        goto out;
    }
    memcpy(out->pay_sign, sig.data, sig.len + 1);
    rc = 0;
out:
    buf_free(&sig);
    return rc;
}

/* "/v3/pay/transactions/out-trade-no/<no><tail>" with our charset only in
 * the number (it goes into the signed path unescaped). */
static int order_path(const char *out_trade_no, const char *tail, struct buf *path, struct err *e)
{
    size_t n = strlen(out_trade_no);

    if (n < 6 || n > 32 || strspn(out_trade_no, ID_CHARS) != n)
        return err_internal(e);
    buf_puts(path, "/v3/pay/transactions/out-trade-no/");
    buf_puts(path, out_trade_no);
    buf_puts(path, tail);
    return 0;
}

int wxpay_query(const struct wxpay_client *c, const char *out_trade_no, struct wxpay_txn *t,
                struct err *e)
{
    struct buf path = BUF_INIT;
    struct pay_answer a = {0};
    int rc = -1;

    memset(t, 0, sizeof(*t));
    if (order_path(out_trade_no, "?mchid=", &path, e) < 0)
        goto out;
    httpc_escape(c->mchid, &path);
    if (pay_call(c, "query", "GET", path.data, NULL, &a, e) < 0)
        goto out;
    if (a.status != 200) {
        pay_error("query", &a, e);
        goto out;
    }
    if (txn_from(a.root, t, e) < 0 || strcmp(t->out_trade_no, out_trade_no) != 0) {
        log_warn("event=wxpay_failed api=query reason=\"malformed answer\"");
        unavailable(e);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(a.root);
    buf_free(&path);
    return rc;
}

int wxpay_close(const struct wxpay_client *c, const char *out_trade_no, struct err *e)
{
    struct buf path = BUF_INIT;
    struct pay_answer a = {0};
    cJSON *req = cJSON_CreateObject();
    char *body = NULL;
    int rc = -1;

    if (!req || !cJSON_AddStringToObject(req, "mchid", c->mchid) ||
        !(body = cJSON_PrintUnformatted(req))) {
        err_internal(e);
        goto out;
    }
    if (order_path(out_trade_no, "/close", &path, e) < 0 ||
        pay_call(c, "close", "POST", path.data, body, &a, e) < 0)
        goto out;
    if (a.status != 204 && a.status != 200) {
        pay_error("close", &a, e);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(a.root);
    cJSON_free(body);
    cJSON_Delete(req);
    buf_free(&path);
    return rc;
}

/* ---- notifications ------------------------------------------------------------------ */

int wxpay_notice_open(const struct wxpay_client *c, const struct wxpay_notice_in *in, int64_t now,
                      struct wxpay_notice *out, struct err *e)
{
    struct buf plain = BUF_INIT;
    const cJSON *res;
    const char *ct, *aad, *nonce, *alg;
    cJSON *root = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (wxpay_verify_response(&c->platform, c->platform_serial, in->serial, in->timestamp,
                              in->nonce, in->signature, in->body, in->len, now, e) < 0)
        return -1;
    root = json_parse_body(in->body, in->len, e);
    if (!root) {
        err_bad_request(e, "通知格式不正确");
        goto out;
    }
    get_str(root, "id", NULL, out->id, sizeof(out->id));
    res = cJSON_GetObjectItemCaseSensitive(root, "resource");
    ct = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "ciphertext"));
    aad = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "associated_data"));
    nonce = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "nonce"));
    alg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "algorithm"));
    if (!out->id[0] ||
        get_str(root, "event_type", NULL, out->event_type, sizeof(out->event_type)) < 0 || !ct ||
        !nonce || !alg || strcmp(alg, "AEAD_AES_256_GCM") != 0) {
        err_bad_request(e, "通知格式不正确");
        goto out;
    }
    if (wxpay_decrypt_resource(c->apiv3_key, nonce, aad, ct, strlen(ct), &plain, e) < 0 ||
        wxpay_txn_parse(plain.data, plain.len, &out->txn, e) < 0)
        goto out;
    rc = 0;
out:
    if (plain.data)
        explicit_bzero(plain.data, plain.cap);
    buf_free(&plain);
    cJSON_Delete(root);
    return rc;
}

/* ---- times -------------------------------------------------------------------------- */

/* WeChat Pay's times are RFC 3339 with or without fractions: the one
 * parser of lib/core/util.c. */
int wxpay_time_parse(const char *s, int64_t *out)
{
    time_t t;

    if (!s || util_rfc3339_parse(s, strlen(s), &t) < 0)
        return -1;
    *out = (int64_t)t;
    return 0;
}
