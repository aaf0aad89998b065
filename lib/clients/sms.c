/*
 * sms.c — Tencent Cloud SendSms; see sms.h and PROTOCOLS.md §3.
 *
 * The body is serialized once and the same bytes are hashed for the
 * signature and sent; the Host header is set explicitly to the signed host
 * because base_url may point at a stand-in on another address (the server
 * recomputes the signature from the Host it receives). We sign
 * "content-type;host" like Tencent's SDKs.
 *
 * The answer is always HTTP 200 from the real service; the outcome is in
 * the JSON: Response.Error for a failed call, otherwise one
 * SendStatusSet entry per number, each with its own Code.
 */
#include "clients/sms.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "clients/httpc.h"
#include "clients/tc3.h"

#define DEFAULT_TIMEOUT_MS 5000L
#define CONTENT_TYPE "application/json; charset=utf-8"

int sms_code_retryable(const char *code, int *retry_after_s)
{
    int after = 0;
    int retry = 0;

    if (!code) {
        retry = 0;
    } else if (strncmp(code, "InternalError", 13) == 0) {
        retry = 1;
    } else if (strncmp(code, "RequestLimitExceeded", 20) == 0) {
        retry = 1;
        after = 1;
    } else if (strcmp(code, "LimitExceeded.PhoneNumberThirtySecondLimit") == 0) {
        retry = 1;
        after = 30;
    } else if (strcmp(code, "LimitExceeded.PhoneNumberOneHourLimit") == 0) {
        retry = 1;
        after = 3600;
    }
    /* Everything else — AuthFailure.* (configuration or clock: retrying
     * blindly only adds failures), FailedOperation.*, InvalidParameter*,
     * the daily limit, and codes we do not know — is permanent: a
     * duplicate or endless SMS is worse than a reported failure. */
    if (retry_after_s)
        *retry_after_s = after;
    return retry;
}

static void copy_str(char *dst, size_t size, const cJSON *item)
{
    if (cJSON_IsString(item) && item->valuestring)
        snprintf(dst, size, "%s", item->valuestring);
}

/* "+86*******0001": enough to tell numbers apart in a log, not to dial one. */
static void mask_phone(const char *phone, char *out, size_t size)
{
    size_t n = strlen(phone);
    size_t i;
    size_t o = 0;

    for (i = 0; i < n && o + 1 < size; i++)
        out[o++] = (i < 3 || i + 4 >= n) ? phone[i] : '*';
    out[o] = '\0';
}

/* E.164: '+', then at most 15 digits (mainland numbers: +86 and 11 digits). */
static int phone_valid(const char *p)
{
    size_t n = 0;

    if (!p || *p++ != '+' || *p == '0')
        return 0;
    for (; *p; p++, n++)
        if (*p < '0' || *p > '9')
            return 0;
    return n >= 6 && n <= 15;
}

static char *build_body(const struct sms_config *c, const char *phone, const char *template_id,
                        const char *const *params, size_t nparams, const char *session_context)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *set = NULL;
    char *body = NULL;
    size_t i;

    if (!root)
        return NULL;
    set = cJSON_AddArrayToObject(root, "PhoneNumberSet");
    if (!set || !cJSON_AddItemToArray(set, cJSON_CreateString(phone)) ||
        !cJSON_AddStringToObject(root, "SmsSdkAppId", c->sdk_app_id) ||
        !cJSON_AddStringToObject(root, "SignName", c->sign_name) ||
        !cJSON_AddStringToObject(root, "TemplateId", template_id))
        goto out;
    set = cJSON_AddArrayToObject(root, "TemplateParamSet");
    if (!set)
        goto out;
    for (i = 0; i < nparams; i++)
        if (!cJSON_AddItemToArray(set, cJSON_CreateString(params[i])))
            goto out;
    if (session_context && !cJSON_AddStringToObject(root, "SessionContext", session_context))
        goto out;
    body = cJSON_PrintUnformatted(root);
out:
    cJSON_Delete(root);
    return body;
}

/* Fill r from the provider's answer; returns 0 if our number got Code "Ok". */
static int parse_answer(const char *data, size_t len, const char *phone, struct sms_result *r)
{
    cJSON *root = cJSON_ParseWithLength(data, len);
    const cJSON *response = cJSON_GetObjectItemCaseSensitive(root, "Response");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(response, "Error");
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(response, "SendStatusSet");
    const cJSON *mine = NULL;
    const cJSON *item;
    int rc = -1;

    if (!cJSON_IsObject(response))
        goto bad;
    copy_str(r->request_id, sizeof(r->request_id),
             cJSON_GetObjectItemCaseSensitive(response, "RequestId"));
    if (error) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(error, "Code");

        if (!cJSON_IsString(code) || !code->valuestring[0])
            goto bad;
        copy_str(r->provider_code, sizeof(r->provider_code), code);
        copy_str(r->message, sizeof(r->message),
                 cJSON_GetObjectItemCaseSensitive(error, "Message"));
        goto out;
    }
    if (!cJSON_IsArray(set))
        goto bad;
    cJSON_ArrayForEach(item, set)
    {
        const cJSON *num = cJSON_GetObjectItemCaseSensitive(item, "PhoneNumber");

        if (cJSON_IsString(num) && strcmp(num->valuestring, phone) == 0) {
            mine = item;
            break;
        }
    }
    /* The service echoes the number as sent; one entry for one number is
     * ours even if a future version reformats it. */
    if (!mine && cJSON_GetArraySize(set) == 1)
        mine = cJSON_GetArrayItem(set, 0);
    if (!cJSON_IsObject(mine) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(mine, "Code")))
        goto bad;
    copy_str(r->provider_code, sizeof(r->provider_code),
             cJSON_GetObjectItemCaseSensitive(mine, "Code"));
    copy_str(r->message, sizeof(r->message), cJSON_GetObjectItemCaseSensitive(mine, "Message"));
    if (strcmp(r->provider_code, "Ok") == 0) {
        copy_str(r->serial_no, sizeof(r->serial_no),
                 cJSON_GetObjectItemCaseSensitive(mine, "SerialNo"));
        rc = 0;
    }
    goto out;
bad:
    snprintf(r->provider_code, sizeof(r->provider_code), "BAD_ANSWER");
    r->message[0] = '\0';
out:
    cJSON_Delete(root);
    return rc;
}

/* One signed call of action with body to the service: 0 with the HTTP
 * answer in resp (any status), -1 on a configuration or network failure
 * (resp->diag says which). */
static int tc3_post(const struct sms_config *c, const char *action, const char *body,
                    struct httpc_resp *resp, struct err *e)
{
    const char *host = c->host && *c->host ? c->host : SMS_DEFAULT_HOST;
    int64_t now = (int64_t)time(NULL);
    struct buf auth = BUF_INIT, url = BUF_INIT, h_auth = BUF_INIT, h_host = BUF_INIT,
               h_ts = BUF_INIT, h_region = BUF_INIT, h_action = BUF_INIT;
    struct tc3_req sig = {
        .secret_id = c->secret_id,
        .secret_key = c->secret_key,
        .service = "sms",
        .host = host,
        .action = action,
        .content_type = CONTENT_TYPE,
        .signed_headers = "content-type;host",
        .timestamp = now,
        .body = body,
        .body_len = strlen(body),
    };
    const char *headers[7];
    struct httpc_req req = {
        .method = "POST",
        .headers = headers,
        .nheaders = 7,
        .body = body,
        .body_len = strlen(body),
        .timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : DEFAULT_TIMEOUT_MS,
    };
    int rc = -1;

    if (tc3_authorization(&sig, &auth, e) != 0) {
        snprintf(resp->diag, sizeof(resp->diag), "cannot sign");
        goto out;
    }
    buf_printf(&h_auth, "Authorization: %s", auth.data);
    buf_printf(&h_host, "Host: %s", host);
    buf_printf(&h_action, "X-TC-Action: %s", action);
    buf_printf(&h_ts, "X-TC-Timestamp: %lld", (long long)now);
    buf_printf(&h_region, "X-TC-Region: %s", c->region);
    headers[0] = "Content-Type: " CONTENT_TYPE;
    headers[1] = h_host.data;
    headers[2] = h_action.data;
    headers[3] = "X-TC-Version: " SMS_API_VERSION;
    headers[4] = h_ts.data;
    headers[5] = h_region.data;
    headers[6] = h_auth.data;
    buf_puts(&url, c->base_url);
    if (url.len == 0 || url.data[url.len - 1] != '/')
        buf_puts(&url, "/");
    req.url = url.data;
    rc = httpc_request(&req, resp, e);
out:
    buf_free(&h_action);
    buf_free(&h_region);
    buf_free(&h_ts);
    buf_free(&h_host);
    buf_free(&h_auth);
    buf_free(&url);
    buf_free(&auth);
    return rc;
}

static int config_whole(const struct sms_config *c)
{
    return c->base_url && c->region && c->secret_id && c->secret_key && c->sdk_app_id &&
           c->sign_name;
}

int sms_send(const struct sms_config *c, const char *phone_e164, const char *template_id,
             const char *const *params, size_t nparams, const char *session_context,
             struct sms_result *r, struct err *e)
{
    struct httpc_resp resp = HTTPC_RESP_INIT;
    char masked[32];
    char *body = NULL;
    size_t i;
    int rc = -1;

    memset(r, 0, sizeof(*r));
    mask_phone(phone_e164 ? phone_e164 : "", masked, sizeof(masked));
    if (!phone_valid(phone_e164)) {
        snprintf(r->provider_code, sizeof(r->provider_code), "BAD_PHONE");
        err_bad_request(e, "手机号码格式不正确");
        goto out;
    }
    if (!template_id || !*template_id || nparams > SMS_MAX_PARAMS || (nparams && !params)) {
        snprintf(r->provider_code, sizeof(r->provider_code), "BAD_PARAMS");
        err_bad_request(e, "短信模板参数不正确");
        goto out;
    }
    for (i = 0; i < nparams; i++) {
        if (!params[i]) {
            snprintf(r->provider_code, sizeof(r->provider_code), "BAD_PARAMS");
            err_bad_request(e, "短信模板参数不正确");
            goto out;
        }
    }
    if (!config_whole(c)) {
        snprintf(r->provider_code, sizeof(r->provider_code), "CONFIG");
        err_internal(e);
        goto out;
    }
    body = build_body(c, phone_e164, template_id, params, nparams, session_context);
    if (!body) {
        snprintf(r->provider_code, sizeof(r->provider_code), "INTERNAL");
        err_internal(e);
        goto out;
    }
    if (tc3_post(c, "SendSms", body, &resp, e) != 0) {
        snprintf(r->provider_code, sizeof(r->provider_code), "NETWORK");
        snprintf(r->message, sizeof(r->message), "%s", resp.diag);
        r->retryable = 1;
        log_warn("event=sms_send_failed phone=%s code=NETWORK reason=\"%s\"", masked, resp.diag);
        goto out;
    }
    if (resp.status != 200) {
        snprintf(r->provider_code, sizeof(r->provider_code), "HTTP_STATUS");
        snprintf(r->message, sizeof(r->message), "HTTP %ld", resp.status);
        r->retryable = 1;
        err_setf(e, E_UPSTREAM_UNAVAILABLE, "短信服务暂时不可用，请稍后再试");
        log_warn("event=sms_send_failed phone=%s code=HTTP_STATUS status=%ld", masked, resp.status);
        goto out;
    }
    if (parse_answer(resp.body.data, resp.body.len, phone_e164, r) == 0) {
        r->ok = 1;
        rc = 0;
        goto out;
    }
    /* An answer we cannot read may hide a sent message; retrying risks a
     * duplicate SMS, giving up risks a lost one. A duplicate login code or
     * reminder is the lesser harm, so it is retryable (the sender's
     * attempt limit bounds it). */
    if (strcmp(r->provider_code, "BAD_ANSWER") == 0)
        r->retryable = 1;
    else
        r->retryable = sms_code_retryable(r->provider_code, &r->retry_after_s);
    if (r->retryable)
        err_setf(e, E_UPSTREAM_UNAVAILABLE, "短信服务暂时不可用，请稍后再试");
    else
        err_setf(e, E_SMS_REJECTED, "短信发送失败");
    log_warn("event=sms_send_failed phone=%s code=%s retryable=%d request_id=%s", masked,
             r->provider_code, r->retryable, r->request_id[0] ? r->request_id : "-");
out:
    httpc_resp_free(&resp);
    cJSON_free(body);
    return rc;
}

/* ---- delivery receipts (PullSmsSendStatus) -------------------------------------------- */

char *sms_pull_status_body(const struct sms_config *c, int limit)
{
    cJSON *root = cJSON_CreateObject();
    char *body = NULL;

    if (root && cJSON_AddNumberToObject(root, "Limit", limit) &&
        cJSON_AddStringToObject(root, "SmsSdkAppId", c->sdk_app_id))
        body = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return body;
}

int sms_pull_status_parse(const char *data, size_t len, struct sms_status *out, size_t max,
                          size_t *n, struct err *e)
{
    cJSON *root = cJSON_ParseWithLength(data, len);
    const cJSON *response = cJSON_GetObjectItemCaseSensitive(root, "Response");
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(response, "Error");
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(response, "PullSmsSendStatusSet");
    const cJSON *item;
    struct err bad;
    int rc = -1;

    *n = 0;
    err_clear(&bad);
    if (cJSON_IsObject(error)) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(error, "Code");
        log_warn("event=sms_status_failed code=%s", cJSON_IsString(code) ? code->valuestring : "-");
        err_setf(e, E_UPSTREAM_UNAVAILABLE, "短信服务暂时不可用，请稍后再试");
        goto out;
    }
    if (!cJSON_IsArray(set)) {
        log_warn("event=sms_status_failed code=BAD_ANSWER");
        err_setf(e, E_UPSTREAM_UNAVAILABLE, "短信服务暂时不可用，请稍后再试");
        goto out;
    }
    cJSON_ArrayForEach(item, set)
    {
        const cJSON *serial = cJSON_GetObjectItemCaseSensitive(item, "SerialNo");
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(item, "ReportStatus");
        struct sms_status *x;

        /* A receipt we cannot place is skipped, not a failure of the rest. */
        if (*n == max || !cJSON_IsString(serial) || !serial->valuestring[0] ||
            !cJSON_IsString(status) ||
            (strcmp(status->valuestring, "SUCCESS") != 0 &&
             strcmp(status->valuestring, "FAIL") != 0))
            continue;
        x = &out[(*n)++];
        memset(x, 0, sizeof(*x));
        copy_str(x->serial_no, sizeof(x->serial_no), serial);
        x->delivered = strcmp(status->valuestring, "SUCCESS") == 0;
        copy_str(x->description, sizeof(x->description),
                 cJSON_GetObjectItemCaseSensitive(item, "Description"));
        copy_str(x->session_context, sizeof(x->session_context),
                 cJSON_GetObjectItemCaseSensitive(item, "SessionContext"));
        /* Unix seconds, read as every integer of ours is (json.h) */
        if (json_get_int(item, "UserReceiveTime", false, 1, INT64_C(1) << 40, &x->user_receive_time,
                         NULL, &bad) < 0)
            x->user_receive_time = 0;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

int sms_pull_status(const struct sms_config *c, int limit, struct sms_status *out, size_t max,
                    size_t *n, struct err *e)
{
    struct httpc_resp resp = HTTPC_RESP_INIT;
    char *body = NULL;
    int rc = -1;

    *n = 0;
    if (limit < 1 || limit > SMS_PULL_MAX || (size_t)limit > max)
        return err_internal(e);
    if (!config_whole(c))
        return err_setf(e, E_CONFIG, "the SMS client is not configured");
    body = sms_pull_status_body(c, limit);
    if (!body)
        return err_internal(e);
    if (tc3_post(c, "PullSmsSendStatus", body, &resp, e) != 0) {
        log_warn("event=sms_status_failed code=NETWORK reason=\"%s\"", resp.diag);
        goto out;
    }
    if (resp.status != 200) {
        log_warn("event=sms_status_failed code=HTTP_STATUS status=%ld", resp.status);
        err_setf(e, E_UPSTREAM_UNAVAILABLE, "短信服务暂时不可用，请稍后再试");
        goto out;
    }
    rc = sms_pull_status_parse(resp.body.data, resp.body.len, out, max, n, e);
out:
    httpc_resp_free(&resp);
    cJSON_free(body);
    return rc;
}
