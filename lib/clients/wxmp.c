/*
 * wxmp.c — WeChat mini-program server API; see wxmp.h and PROTOCOLS.md §1.
 *
 * Every call goes through wx_call(): one HTTP exchange (two when WeChat
 * answers errcode -1, "system busy", which it documents as safe to retry),
 * a JSON object as the answer, and its errcode (absent means 0). The
 * callers then map the errcodes they know and validate what they read:
 * an answer that does not have the shape we expect is an outage of
 * WeChat's, not a user's mistake, and becomes 503.
 *
 * URLs carry the app secret (code2session) or the access token in their
 * query, so no URL is ever logged; log lines name the API and the errcode.
 */
#include "clients/wxmp.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/log.h"
#include "clients/httpc.h"

#define DEFAULT_TIMEOUT_MS 5000L
#define MAX_CODE_LEN 256

#define ERRCODE_BUSY (-1)
#define ERRCODE_TOKEN_INVALID 40001
#define ERRCODE_CODE_INVALID 40029
#define ERRCODE_TOKEN_EXPIRED 42001
#define ERRCODE_CODE_USED 40163
#define ERRCODE_RATE_LIMITED 45011
#define ERRCODE_USER_BLOCKED 40226
#define ERRCODE_NOT_SUBSCRIBED 43101
/* a subscribe message WeChat will never take as it is: a bad openid, an
 * invalid template, its data or page */
#define ERRCODE_BAD_OPENID 40003
#define ERRCODE_BAD_TEMPLATE 40037
#define ERRCODE_BAD_ARGUMENT 47003
#define ERRCODE_BAD_PAGE 41030

struct wx_answer {
    cJSON *root; /* owned; a JSON object */
    int errcode;
};

static int unavailable(struct err *e)
{
    return err_setf(e, E_UPSTREAM_UNAVAILABLE, "微信服务暂时不可用，请稍后再试");
}

static int token_invalid(struct err *e)
{
    return err_setf(e, E_WECHAT_TOKEN_INVALID, "微信服务暂时不可用，请稍后再试");
}

/* Append base_url without its trailing slashes, then path. */
static void url_start(const struct wxmp_config *c, const char *path, struct buf *url)
{
    size_t n = strlen(c->base_url);

    while (n > 0 && c->base_url[n - 1] == '/')
        n--;
    buf_append(url, c->base_url, n);
    buf_puts(url, path);
}

/* Copy errmsg for a log line: bounded, and without quotes or control
 * characters that would break the key=value format. */
static void safe_errmsg(const cJSON *root, char *out, size_t size)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "errmsg");
    size_t i;
    size_t o = 0;

    out[0] = '\0';
    if (!cJSON_IsString(m))
        return;
    for (i = 0; m->valuestring[i] && o + 1 < size; i++) {
        unsigned char ch = (unsigned char)m->valuestring[i];

        out[o++] = (ch < 0x20 || ch == '"' || ch == '\\') ? '_' : (char)ch;
    }
    out[o] = '\0';
}

/* Perform one API call (GET when body is NULL) and read its answer. On
 * success a->root is a JSON object and a->errcode its errcode; otherwise
 * -1 with 503 in e. */
static int wx_call(const struct wxmp_config *c, const char *api, const char *url, const char *body,
                   struct wx_answer *a, struct err *e)
{
    static const char *const json_headers[] = {"Content-Type: application/json",
                                               "Accept: application/json"};
    static const char *const get_headers[] = {"Accept: application/json"};
    struct httpc_req req = {
        .method = body ? "POST" : "GET",
        .url = url,
        .headers = body ? json_headers : get_headers,
        .nheaders = body ? 2 : 1,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : DEFAULT_TIMEOUT_MS,
    };
    int attempt;

    a->root = NULL;
    a->errcode = 0;
    for (attempt = 1; attempt <= 2; attempt++) {
        struct httpc_resp resp = HTTPC_RESP_INIT;
        const cJSON *ec;
        int ok = 0;

        if (httpc_request(&req, &resp, e) != 0) {
            log_warn("event=wxmp_failed api=%s reason=\"%s\"", api, resp.diag);
        } else if (resp.status != 200) {
            log_warn("event=wxmp_failed api=%s status=%ld", api, resp.status);
        } else {
            a->root = cJSON_ParseWithLength(resp.body.data, resp.body.len);
            ec = cJSON_GetObjectItemCaseSensitive(a->root, "errcode");
            if (!cJSON_IsObject(a->root) || (ec && !cJSON_IsNumber(ec)))
                log_warn("event=wxmp_failed api=%s reason=\"malformed answer\"", api);
            else
                ok = 1;
            a->errcode = ec ? ec->valueint : 0;
        }
        httpc_resp_free(&resp);
        if (!ok) {
            cJSON_Delete(a->root);
            a->root = NULL;
            return unavailable(e);
        }
        if (a->errcode != ERRCODE_BUSY || attempt == 2)
            break;
        log_info("event=wxmp_busy api=%s action=retry", api);
        cJSON_Delete(a->root);
        a->root = NULL;
    }
    return 0;
}

static void log_errcode(const char *api, const struct wx_answer *a)
{
    char msg[128];

    safe_errmsg(a->root, msg, sizeof(msg));
    log_warn("event=wxmp_failed api=%s errcode=%d errmsg=\"%s\"", api, a->errcode, msg);
}

/* Map the errcodes of the calls that take a user's one-time code or our
 * token; -1 with e set always. */
static int code_error(const char *api, const struct wx_answer *a, const char *invalid_msg,
                      struct err *e)
{
    log_errcode(api, a);
    switch (a->errcode) {
    case ERRCODE_CODE_INVALID:
    case ERRCODE_CODE_USED:
        return err_setf(e, E_WECHAT_CODE_INVALID, "%s", invalid_msg);
    case ERRCODE_RATE_LIMITED:
        return err_setf(e, E_RATE_LIMITED, "操作过于频繁，请稍后再试");
    case ERRCODE_USER_BLOCKED:
        return err_setf(e, E_WECHAT_USER_BLOCKED, "该微信账号存在安全风险，暂时无法登录");
    case ERRCODE_TOKEN_INVALID:
    case ERRCODE_TOKEN_EXPIRED:
        return token_invalid(e);
    default:
        return unavailable(e);
    }
}

/* Copy a string member of at most size-1 bytes made only of characters
 * from allowed; 0 if it was there and fit, else -1. */
static int get_token_str(const cJSON *obj, const char *name, const char *allowed, char *out,
                         size_t size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    size_t n;

    if (!cJSON_IsString(v))
        return -1;
    n = strlen(v->valuestring);
    if (n == 0 || n >= size || strspn(v->valuestring, allowed) != n)
        return -1;
    memcpy(out, v->valuestring, n + 1);
    return 0;
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define DIGITS "0123456789"

static int code_ok(const char *code)
{
    return code && *code && strlen(code) <= MAX_CODE_LEN;
}

int wxmp_code2session(const struct wxmp_config *c, const char *js_code,
                      char openid[WXMP_OPENID_SIZE], struct err *e)
{
    struct buf url = BUF_INIT;
    struct wx_answer a = {NULL, 0};
    int rc = -1;

    openid[0] = '\0';
    if (!code_ok(js_code)) {
        err_setf(e, E_WECHAT_CODE_INVALID, "微信登录凭证无效，请重新登录");
        goto out;
    }
    url_start(c, "/sns/jscode2session?appid=", &url);
    httpc_escape(c->appid, &url);
    buf_puts(&url, "&secret=");
    httpc_escape(c->secret, &url);
    buf_puts(&url, "&js_code=");
    httpc_escape(js_code, &url);
    buf_puts(&url, "&grant_type=authorization_code");
    if (wx_call(c, "code2session", url.data, NULL, &a, e) != 0)
        goto out;
    if (a.errcode != 0) {
        code_error("code2session", &a, "微信登录凭证无效或已使用，请重新登录", e);
        goto out;
    }
    /* session_key is in the answer too; it stays there and dies with it. */
    if (get_token_str(a.root, "openid", ALNUM "-_", openid, WXMP_OPENID_SIZE) != 0) {
        log_warn("event=wxmp_failed api=code2session reason=\"no openid\"");
        unavailable(e);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(a.root);
    if (url.data) /* the URL holds the app secret */
        explicit_bzero(url.data, url.cap);
    buf_free(&url);
    return rc;
}

int wxmp_stable_token(const struct wxmp_config *c, int force_refresh, char token[WXMP_TOKEN_SIZE],
                      int64_t *expires_in, struct err *e)
{
    struct buf url = BUF_INIT;
    struct wx_answer a = {NULL, 0};
    cJSON *req = cJSON_CreateObject();
    const cJSON *exp;
    char *body = NULL;
    int rc = -1;

    token[0] = '\0';
    *expires_in = 0;
    if (!req || !cJSON_AddStringToObject(req, "grant_type", "client_credential") ||
        !cJSON_AddStringToObject(req, "appid", c->appid) ||
        !cJSON_AddStringToObject(req, "secret", c->secret) ||
        !cJSON_AddBoolToObject(req, "force_refresh", force_refresh ? 1 : 0)) {
        err_internal(e);
        goto out;
    }
    body = cJSON_PrintUnformatted(req);
    if (!body) {
        err_internal(e);
        goto out;
    }
    url_start(c, "/cgi-bin/stable_token", &url);
    if (wx_call(c, "stable_token", url.data, body, &a, e) != 0)
        goto out;
    if (a.errcode != 0) {
        /* None of the user-facing meanings applies to our own token. */
        log_errcode("stable_token", &a);
        unavailable(e);
        goto out;
    }
    exp = cJSON_GetObjectItemCaseSensitive(a.root, "expires_in");
    if (get_token_str(a.root, "access_token", ALNUM "-_.~+/=*@:", token, WXMP_TOKEN_SIZE) != 0 ||
        !cJSON_IsNumber(exp) || exp->valueint <= 0) {
        token[0] = '\0';
        log_warn("event=wxmp_failed api=stable_token reason=\"no token\"");
        unavailable(e);
        goto out;
    }
    *expires_in = exp->valueint;
    rc = 0;
out:
    cJSON_Delete(a.root);
    buf_free(&url);
    if (body) /* it holds the app secret */
        explicit_bzero(body, strlen(body));
    cJSON_free(body);
    cJSON_Delete(req);
    return rc;
}

/* countryCode is a string in the documentation and a number in some SDKs. */
static int get_country_code(const cJSON *info, char out[WXMP_COUNTRY_SIZE])
{
    const cJSON *cc = cJSON_GetObjectItemCaseSensitive(info, "countryCode");

    out[0] = '\0';
    if (!cc)
        return 0; /* not needed to match a mainland number */
    if (cJSON_IsNumber(cc)) {
        if (cc->valueint <= 0 || cc->valueint > 9999)
            return -1;
        snprintf(out, WXMP_COUNTRY_SIZE, "%d", cc->valueint);
        return 0;
    }
    return get_token_str(info, "countryCode", DIGITS, out, 5);
}

int wxmp_phone_number(const struct wxmp_config *c, const char *access_token, const char *phone_code,
                      char pure_phone[WXMP_PHONE_SIZE], char country_code[WXMP_COUNTRY_SIZE],
                      struct err *e)
{
    struct buf url = BUF_INIT;
    struct wx_answer a = {NULL, 0};
    cJSON *req = NULL;
    const cJSON *info;
    const cJSON *wm_appid;
    char cc[WXMP_COUNTRY_SIZE];
    char *body = NULL;
    int rc = -1;

    pure_phone[0] = '\0';
    if (country_code)
        country_code[0] = '\0';
    if (!code_ok(phone_code)) {
        err_setf(e, E_WECHAT_CODE_INVALID, "手机号授权凭证无效，请重新授权");
        goto out;
    }
    if (!access_token || !*access_token) {
        token_invalid(e);
        goto out;
    }
    req = cJSON_CreateObject();
    if (!req || !cJSON_AddStringToObject(req, "code", phone_code)) {
        err_internal(e);
        goto out;
    }
    body = cJSON_PrintUnformatted(req);
    if (!body) {
        err_internal(e);
        goto out;
    }
    url_start(c, "/wxa/business/getuserphonenumber?access_token=", &url);
    httpc_escape(access_token, &url);
    if (wx_call(c, "phone_number", url.data, body, &a, e) != 0)
        goto out;
    if (a.errcode != 0) {
        code_error("phone_number", &a, "手机号授权凭证无效或已使用，请重新授权", e);
        goto out;
    }
    info = cJSON_GetObjectItemCaseSensitive(a.root, "phone_info");
    wm_appid = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(info, "watermark"),
                                                "appid");
    /* The watermark proves the number was issued for our app, not
     * replayed from another one. */
    if (!cJSON_IsString(wm_appid) || strcmp(wm_appid->valuestring, c->appid) != 0) {
        log_warn("event=wxmp_failed api=phone_number reason=\"watermark appid mismatch\"");
        unavailable(e);
        goto out;
    }
    if (get_token_str(info, "purePhoneNumber", DIGITS, pure_phone, WXMP_PHONE_SIZE) != 0 ||
        get_country_code(info, cc) != 0) {
        pure_phone[0] = '\0';
        log_warn("event=wxmp_failed api=phone_number reason=\"malformed phone_info\"");
        unavailable(e);
        goto out;
    }
    if (country_code)
        memcpy(country_code, cc, sizeof(cc));
    rc = 0;
out:
    cJSON_Delete(a.root);
    buf_free(&url);
    cJSON_free(body);
    cJSON_Delete(req);
    return rc;
}

static cJSON *subscribe_body(const struct wxmp_subscribe_msg *m)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *data;
    size_t i;

    if (!root || !cJSON_AddStringToObject(root, "touser", m->touser) ||
        !cJSON_AddStringToObject(root, "template_id", m->template_id) ||
        (m->page && !cJSON_AddStringToObject(root, "page", m->page)))
        goto fail;
    data = cJSON_AddObjectToObject(root, "data");
    if (!data)
        goto fail;
    for (i = 0; i < m->nfields; i++) {
        cJSON *field = cJSON_AddObjectToObject(data, m->keys[i]);

        if (!field || !cJSON_AddStringToObject(field, "value", m->values[i]))
            goto fail;
    }
    if (!cJSON_AddStringToObject(root, "miniprogram_state", m->state ? m->state : "formal") ||
        !cJSON_AddStringToObject(root, "lang", "zh_CN"))
        goto fail;
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

int wxmp_subscribe_send(const struct wxmp_config *c, const char *access_token,
                        const struct wxmp_subscribe_msg *m, struct err *e)
{
    struct buf url = BUF_INIT;
    struct wx_answer a = {NULL, 0};
    cJSON *req = NULL;
    char *body = NULL;
    size_t i;
    int rc = -1;

    if (!m->touser || !*m->touser || !m->template_id || !*m->template_id ||
        (m->nfields && (!m->keys || !m->values))) {
        err_internal(e);
        goto out;
    }
    for (i = 0; i < m->nfields; i++) {
        if (!m->keys[i] || !m->values[i]) {
            err_internal(e);
            goto out;
        }
    }
    if (!access_token || !*access_token) {
        token_invalid(e);
        goto out;
    }
    req = subscribe_body(m);
    body = req ? cJSON_PrintUnformatted(req) : NULL;
    if (!body) {
        err_internal(e);
        goto out;
    }
    url_start(c, "/cgi-bin/message/subscribe/send?access_token=", &url);
    httpc_escape(access_token, &url);
    if (wx_call(c, "subscribe_send", url.data, body, &a, e) != 0)
        goto out;
    if (a.errcode != 0) {
        log_errcode("subscribe_send", &a);
        if (a.errcode == ERRCODE_NOT_SUBSCRIBED)
            err_setf(e, E_WECHAT_NOT_SUBSCRIBED, "用户未订阅该消息");
        else if (a.errcode == ERRCODE_BAD_OPENID || a.errcode == ERRCODE_BAD_TEMPLATE ||
                 a.errcode == ERRCODE_BAD_ARGUMENT || a.errcode == ERRCODE_BAD_PAGE)
            err_set(e, E_WECHAT_MESSAGE_REJECTED);
        else if (a.errcode == ERRCODE_TOKEN_INVALID || a.errcode == ERRCODE_TOKEN_EXPIRED)
            token_invalid(e);
        else
            unavailable(e);
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(a.root);
    buf_free(&url);
    cJSON_free(body);
    cJSON_Delete(req);
    return rc;
}
