/*
 * test_sms.c — the SendSms client with httpc_request replaced: what it
 * sends (URL, headers, the exact body, an Authorization the server can
 * recompute from the Host and X-TC-Timestamp it receives) and how it reads
 * every kind of answer (success, per-number failure, whole-call Error,
 * network failure, non-200, malformed JSON) into retryable or permanent.
 */
// WRAP: httpc_request
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "vectors.h"

#include "core/buf.h"
#include "core/err.h"
#include "clients/httpc.h"
#include "clients/sms.h"
#include "clients/tc3.h"

#define MAX_CAPTURED 16

/* The last request the client made. */
static struct {
    int calls;
    char method[16];
    struct buf url;
    struct buf body;
    char *headers[MAX_CAPTURED];
    size_t nheaders;
    long timeout_ms;
} cap;

static void capture_reset(void)
{
    size_t i;

    for (i = 0; i < cap.nheaders; i++)
        free(cap.headers[i]);
    buf_free(&cap.url);
    buf_free(&cap.body);
    memset(&cap, 0, sizeof(cap));
}

/* Queue one answer: rc 0 with status and body, or rc -1 (network failure). */
static void answer(int rc, long status, const char *body)
{
    will_return(__wrap_httpc_request, rc);
    if (rc == 0) {
        will_return(__wrap_httpc_request, status);
        will_return(__wrap_httpc_request, body);
    }
}

int __wrap_httpc_request(const struct httpc_req *req, struct httpc_resp *resp, struct err *e);
int __wrap_httpc_request(const struct httpc_req *req, struct httpc_resp *resp, struct err *e)
{
    size_t i;
    int rc;

    capture_reset();
    cap.calls = 1;
    snprintf(cap.method, sizeof(cap.method), "%s", req->method);
    buf_puts(&cap.url, req->url);
    buf_append(&cap.body, req->body ? req->body : "", req->body_len);
    assert_true(req->nheaders <= MAX_CAPTURED);
    for (i = 0; i < req->nheaders; i++) {
        cap.headers[i] = strdup(req->headers[i]);
        assert_non_null(cap.headers[i]);
    }
    cap.nheaders = req->nheaders;
    cap.timeout_ms = req->timeout_ms;

    rc = mock_type(int);
    if (rc != 0) {
        snprintf(resp->diag, sizeof(resp->diag), "Timeout was reached: test");
        return err_setf(e, E_UPSTREAM_UNAVAILABLE, "外部服务暂时不可用，请稍后再试");
    }
    resp->status = mock_type(long);
    buf_puts(&resp->body, mock_ptr_type(const char *));
    return 0;
}

/* The value of captured header name ("Name: value"), or NULL. */
static const char *sent_header(const char *name)
{
    size_t n = strlen(name);
    size_t i;

    for (i = 0; i < cap.nheaders; i++)
        if (strncasecmp(cap.headers[i], name, n) == 0 && cap.headers[i][n] == ':')
            return cap.headers[i] + n + 2;
    return NULL;
}

static const struct sms_config cfg = {
    .base_url = "http://127.0.0.1:18082",
    .host = "sms.tencentcloudapi.com",
    .region = "ap-guangzhou",
    .secret_id = "AKIDwuyeTESTsecretId0000000000000000",
    .secret_key = "wuyeTESTsecretKey000000000000000",
    .sdk_app_id = "1400006666",
    .sign_name = "示范物业",
    .timeout_ms = 0,
};

static const char *const params[] = {"123456", "5"};

#define OK_ANSWER                                                                                  \
    "{\"Response\":{\"SendStatusSet\":[{\"SerialNo\":\"5000:1045710669157053657849499619\","       \
    "\"PhoneNumber\":\"+8613800000001\",\"Fee\":1,\"SessionContext\":\"outbox-42\","               \
    "\"Code\":\"Ok\",\"Message\":\"send success\",\"IsoCode\":\"CN\"}],"                           \
    "\"RequestId\":\"a0aabda6-cf91-4f3e-a81f-9198114a2279\"}}"

static int teardown(void **state)
{
    (void)state;
    capture_reset();
    return 0;
}

/* Recompute the signature from what was sent, as the server does. */
static void assert_authorization_recomputes(void)
{
    struct tc3_req sig = {0};
    struct buf want = BUF_INIT;
    struct err e = {0};
    const char *ts = sent_header("X-TC-Timestamp");

    assert_non_null(ts);
    sig.secret_id = cfg.secret_id;
    sig.secret_key = cfg.secret_key;
    sig.service = "sms";
    sig.host = sent_header("Host");
    sig.action = sent_header("X-TC-Action");
    sig.content_type = sent_header("Content-Type");
    sig.signed_headers = "content-type;host";
    sig.timestamp = strtoll(ts, NULL, 10);
    sig.body = cap.body.data;
    sig.body_len = cap.body.len;
    assert_int_equal(tc3_authorization(&sig, &want, &e), 0);
    assert_string_equal(sent_header("Authorization"), want.data);
    buf_free(&want);
}

static void test_request_and_success(void **state)
{
    struct sms_result r;
    struct err e = {0};
    int64_t before = (int64_t)time(NULL);
    int64_t ts;

    (void)state;
    answer(0, 200, OK_ANSWER);
    assert_int_equal(sms_send(&cfg, "+8613800000001", "1110", params, 2, "outbox-42", &r, &e), 0);
    assert_int_equal(cap.calls, 1);
    assert_string_equal(cap.method, "POST");
    assert_string_equal(cap.url.data, "http://127.0.0.1:18082/");
    assert_int_equal(cap.timeout_ms, 5000);
    assert_string_equal(
        cap.body.data, "{\"PhoneNumberSet\":[\"+8613800000001\"],\"SmsSdkAppId\":\"1400006666\","
                       "\"SignName\":\"示范物业\",\"TemplateId\":\"1110\","
                       "\"TemplateParamSet\":[\"123456\",\"5\"],\"SessionContext\":\"outbox-42\"}");
    assert_string_equal(sent_header("Content-Type"), "application/json; charset=utf-8");
    assert_string_equal(sent_header("Host"), "sms.tencentcloudapi.com");
    assert_string_equal(sent_header("X-TC-Action"), "SendSms");
    assert_string_equal(sent_header("X-TC-Version"), "2021-01-11");
    assert_string_equal(sent_header("X-TC-Region"), "ap-guangzhou");
    ts = strtoll(sent_header("X-TC-Timestamp"), NULL, 10);
    assert_true(ts >= before && ts <= (int64_t)time(NULL));
    assert_non_null(strstr(sent_header("Authorization"),
                           "TC3-HMAC-SHA256 Credential=AKIDwuyeTESTsecretId0000000000000000/"));
    assert_non_null(strstr(sent_header("Authorization"), ", SignedHeaders=content-type;host, "));
    /* the secret key never goes on the wire */
    assert_null(strstr(sent_header("Authorization"), cfg.secret_key));
    assert_authorization_recomputes();

    assert_int_equal(r.ok, 1);
    assert_string_equal(r.provider_code, "Ok");
    assert_string_equal(r.serial_no, "5000:1045710669157053657849499619");
    assert_string_equal(r.request_id, "a0aabda6-cf91-4f3e-a81f-9198114a2279");
}

/* Without a session context the body is the documentation's, byte for byte. */
static void test_body_matches_vector(void **state)
{
    struct sms_result r;
    struct err e = {0};
    struct buf want = BUF_INIT;

    (void)state;
    read_vector("v5_body.json", &want);
    answer(0, 200, OK_ANSWER);
    assert_int_equal(sms_send(&cfg, "+8613800000001", "1110", params, 2, NULL, &r, &e), 0);
    assert_int_equal(cap.body.len, want.len);
    assert_string_equal(cap.body.data, want.data);
    buf_free(&want);
}

/* Host defaults to the real one, whatever base_url says; no double slash. */
static void test_default_host(void **state)
{
    struct sms_config c = cfg;
    struct sms_result r;
    struct err e = {0};

    (void)state;
    c.host = NULL;
    c.base_url = "http://127.0.0.1:18082/";
    c.timeout_ms = 1500;
    answer(0, 200, OK_ANSWER);
    assert_int_equal(sms_send(&c, "+8613800000001", "1110", NULL, 0, NULL, &r, &e), 0);
    assert_string_equal(cap.url.data, "http://127.0.0.1:18082/");
    assert_string_equal(sent_header("Host"), "sms.tencentcloudapi.com");
    assert_int_equal(cap.timeout_ms, 1500);
    assert_non_null(strstr(cap.body.data, "\"TemplateParamSet\":[]"));
    assert_authorization_recomputes();
}

struct outcome {
    const char *code;
    int retryable;
    int retry_after_s;
    const char *err_code;
    int http_status;
};

static const struct outcome per_number[] = {
    {"InvalidParameterValue.IncorrectPhoneNumber", 0, 0, "SMS_REJECTED", 502},
    {"LimitExceeded.PhoneNumberDailyLimit", 0, 0, "SMS_REJECTED", 502},
    {"LimitExceeded.PhoneNumberThirtySecondLimit", 1, 30, "UPSTREAM_UNAVAILABLE", 503},
    {"LimitExceeded.PhoneNumberOneHourLimit", 1, 3600, "UPSTREAM_UNAVAILABLE", 503},
    {"FailedOperation.TemplateIncorrectOrUnapproved", 0, 0, "SMS_REJECTED", 502},
    {"FailedOperation.InsufficientBalanceInSmsPackage", 0, 0, "SMS_REJECTED", 502},
    {"InternalError.Timeout", 1, 0, "UPSTREAM_UNAVAILABLE", 503},
};

static void test_per_number_failure(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(per_number) / sizeof(per_number[0]); i++) {
        const struct outcome *o = &per_number[i];
        struct sms_result r;
        struct err e = {0};
        char body[512];

        snprintf(body, sizeof(body),
                 "{\"Response\":{\"SendStatusSet\":[{\"SerialNo\":\"\",\"PhoneNumber\":"
                 "\"+8613800000001\",\"Fee\":0,\"SessionContext\":\"\",\"Code\":\"%s\","
                 "\"Message\":\"why\",\"IsoCode\":\"CN\"}],\"RequestId\":\"rid-%zu\"}}",
                 o->code, i);
        answer(0, 200, body);
        assert_int_equal(sms_send(&cfg, "+8613800000001", "1110", params, 2, NULL, &r, &e), -1);
        assert_int_equal(r.ok, 0);
        assert_string_equal(r.provider_code, o->code);
        assert_string_equal(r.message, "why");
        assert_int_equal(r.retryable, o->retryable);
        assert_int_equal(r.retry_after_s, o->retry_after_s);
        assert_string_equal(err_name(e.code), o->err_code);
        assert_int_equal(err_status(e.code), o->http_status);
        assert_string_equal(r.serial_no, "");
        assert_true(strncmp(r.request_id, "rid-", 4) == 0);
    }
}

/* A call for several numbers may mix outcomes: ours is found by number. */
static void test_our_entry_found_by_number(void **state)
{
    struct sms_result r;
    struct err e = {0};

    (void)state;
    answer(0, 200,
           "{\"Response\":{\"SendStatusSet\":["
           "{\"SerialNo\":\"\",\"PhoneNumber\":\"+8613800000009\",\"Code\":"
           "\"InvalidParameterValue.IncorrectPhoneNumber\",\"Message\":\"x\"},"
           "{\"SerialNo\":\"5000:2\",\"PhoneNumber\":\"+8613800000001\",\"Code\":\"Ok\","
           "\"Message\":\"send success\"}],\"RequestId\":\"r\"}}");
    assert_int_equal(sms_send(&cfg, "+8613800000001", "1110", params, 2, NULL, &r, &e), 0);
    assert_string_equal(r.serial_no, "5000:2");

    /* two entries, none ours: not an answer we can trust */
    answer(0, 200,
           "{\"Response\":{\"SendStatusSet\":["
           "{\"PhoneNumber\":\"+8613800000008\",\"Code\":\"Ok\"},"
           "{\"PhoneNumber\":\"+8613800000009\",\"Code\":\"Ok\"}],\"RequestId\":\"r\"}}");
    assert_int_equal(sms_send(&cfg, "+8613800000001", "1110", params, 2, NULL, &r, &e), -1);
    assert_string_equal(r.provider_code, "BAD_ANSWER");
}

static const struct outcome whole_call[] = {
    {"AuthFailure.SignatureFailure", 0, 0, "SMS_REJECTED", 502},
    {"AuthFailure.SecretIdNotFound", 0, 0, "SMS_REJECTED", 502},
    {"AuthFailure.SignatureExpire", 0, 0, "SMS_REJECTED", 502},
    {"FailedOperation.SignatureIncorrectOrUnapproved", 0, 0, "SMS_REJECTED", 502},
    {"InternalError.OtherError", 1, 0, "UPSTREAM_UNAVAILABLE", 503},
    {"RequestLimitExceeded", 1, 1, "UPSTREAM_UNAVAILABLE", 503},
    {"UnknownFutureCode", 0, 0, "SMS_REJECTED", 502},
};

static void test_whole_call_error(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(whole_call) / sizeof(whole_call[0]); i++) {
        const struct outcome *o = &whole_call[i];
        struct sms_result r;
        struct err e = {0};
        char body[512];

        snprintf(body, sizeof(body),
                 "{\"Response\":{\"Error\":{\"Code\":\"%s\",\"Message\":\"The provided "
                 "credentials could not be validated.\"},\"RequestId\":\"req-1\"}}",
                 o->code);
        answer(0, 200, body);
        assert_int_equal(sms_send(&cfg, "+8613800000001", "1110", params, 2, "ctx", &r, &e), -1);
        assert_string_equal(r.provider_code, o->code);
        assert_string_equal(r.message, "The provided credentials could not be validated.");
        assert_string_equal(r.request_id, "req-1");
        assert_int_equal(r.retryable, o->retryable);
        assert_int_equal(r.retry_after_s, o->retry_after_s);
        assert_string_equal(err_name(e.code), o->err_code);
        assert_int_equal(err_status(e.code), o->http_status);
    }
}

static void test_network_failure(void **state)
{
    struct sms_result r;
    struct err e = {0};

    (void)state;
    answer(-1, 0, NULL);
    assert_int_equal(sms_send(&cfg, "+8613800000001", "1110", params, 2, NULL, &r, &e), -1);
    assert_int_equal(r.ok, 0);
    assert_int_equal(r.retryable, 1);
    assert_string_equal(r.provider_code, "NETWORK");
    assert_string_equal(r.message, "Timeout was reached: test");
    assert_string_equal(err_name(e.code), "UPSTREAM_UNAVAILABLE");
    assert_int_equal(err_status(e.code), 503);
}

static void test_non_200_status(void **state)
{
    struct sms_result r;
    struct err e = {0};

    (void)state;
    answer(0, 502, "<html>Bad Gateway</html>");
    assert_int_equal(sms_send(&cfg, "+8613800000001", "1110", params, 2, NULL, &r, &e), -1);
    assert_string_equal(r.provider_code, "HTTP_STATUS");
    assert_int_equal(r.retryable, 1);
    assert_string_equal(err_name(e.code), "UPSTREAM_UNAVAILABLE");
}

static void test_malformed_answer(void **state)
{
    static const char *const bad[] = {
        "",
        "not json",
        "{\"Response\":",
        "[]",
        "{}",
        "{\"Response\":[]}",
        "{\"Response\":{}}",
        "{\"Response\":{\"SendStatusSet\":[]}}",
        "{\"Response\":{\"SendStatusSet\":{}}}",
        "{\"Response\":{\"SendStatusSet\":[{\"Code\":1}]}}",
        "{\"Response\":{\"SendStatusSet\":[\"Ok\"]}}",
        "{\"Response\":{\"Error\":{\"Code\":\"\"}}}",
        "{\"Response\":{\"Error\":\"AuthFailure\"}}",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct sms_result r;
        struct err e = {0};

        answer(0, 200, bad[i]);
        assert_int_equal(sms_send(&cfg, "+8613800000001", "1110", params, 2, NULL, &r, &e), -1);
        if (strcmp(r.provider_code, "BAD_ANSWER") != 0)
            fail_msg("answer #%zu gave code %s", i, r.provider_code);
        assert_int_equal(r.ok, 0);
        assert_int_equal(r.retryable, 1);
        assert_string_equal(err_name(e.code), "UPSTREAM_UNAVAILABLE");
    }
}

/* Refused before any network call (no answer is queued: a call would fail the test). */
static void test_bad_input_not_sent(void **state)
{
    static const char *const phones[] = {
        "13800000001",         "+86", "+86 13800000001", "+86abc", "", "+0861380000000",
        "+8613800000001234567"};
    static const char *const with_null[] = {"123456", NULL};
    struct sms_config broken = cfg;
    struct sms_result r;
    struct err e = {0};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(phones) / sizeof(phones[0]); i++) {
        assert_int_equal(sms_send(&cfg, phones[i], "1110", params, 2, NULL, &r, &e), -1);
        assert_string_equal(r.provider_code, "BAD_PHONE");
        assert_int_equal(r.retryable, 0);
        assert_string_equal(err_name(e.code), "BAD_REQUEST");
    }
    assert_int_equal(sms_send(&cfg, NULL, "1110", params, 2, NULL, &r, &e), -1);
    assert_int_equal(sms_send(&cfg, "+8613800000001", "1110", with_null, 2, NULL, &r, &e), -1);
    assert_string_equal(r.provider_code, "BAD_PARAMS");
    assert_int_equal(sms_send(&cfg, "+8613800000001", "", params, 2, NULL, &r, &e), -1);
    assert_int_equal(
        sms_send(&cfg, "+8613800000001", "1110", params, SMS_MAX_PARAMS + 1, NULL, &r, &e), -1);
    broken.secret_key = NULL;
    assert_int_equal(sms_send(&broken, "+8613800000001", "1110", params, 2, NULL, &r, &e), -1);
    assert_string_equal(err_name(e.code), "INTERNAL");
    assert_int_equal(cap.calls, 0);
}

static void test_code_retryable(void **state)
{
    static const struct {
        const char *code;
        int retry;
        int after;
    } rows[] = {
        {"InternalError", 1, 0},
        {"InternalError.SendAndRecvFail", 1, 0},
        {"RequestLimitExceeded", 1, 1},
        {"RequestLimitExceeded.PhoneNumberCountLimit", 1, 1},
        {"LimitExceeded.PhoneNumberThirtySecondLimit", 1, 30},
        {"LimitExceeded.PhoneNumberOneHourLimit", 1, 3600},
        {"LimitExceeded.PhoneNumberDailyLimit", 0, 0},
        {"InvalidParameterValue.IncorrectPhoneNumber", 0, 0},
        {"AuthFailure.SignatureExpire", 0, 0},
        {"FailedOperation.InsufficientBalanceInSmsPackage", 0, 0},
        {"Ok", 0, 0},
        {"", 0, 0},
        {NULL, 0, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int after = -1;

        assert_int_equal(sms_code_retryable(rows[i].code, &after), rows[i].retry);
        assert_int_equal(after, rows[i].after);
    }
    assert_int_equal(sms_code_retryable("InternalError", NULL), 1);
}

/* ---- PullSmsSendStatus ---- */

#define PULL_ANSWER                                                                                \
    "{\"Response\":{\"PullSmsSendStatusSet\":[{\"Description\":\"DELIVRD\","                       \
    "\"CountryCode\":\"86\",\"SubscriberNumber\":\"18501234444\",\"ReportStatus\":\"SUCCESS\","    \
    "\"PhoneNumber\":\"+8618501234444\",\"SerialNo\":\"5000:1045710669157053657849499619\","       \
    "\"UserReceiveTime\":1620734188,\"SessionContext\":\"outbox-7\"},"                             \
    "{\"Description\":\"UNDELIV\",\"ReportStatus\":\"FAIL\",\"SerialNo\":\"5000:2\","              \
    "\"UserReceiveTime\":1620734190},"                                                             \
    "{\"ReportStatus\":\"SUCCESS\"},{\"SerialNo\":\"5000:3\",\"ReportStatus\":\"MAYBE\"}],"        \
    "\"RequestId\":\"b9b2\"}}"

static void test_pull_status_request_and_answer(void **state)
{
    struct sms_status got[SMS_PULL_MAX];
    struct err e = {0};
    size_t n = 99;

    (void)state;
    answer(0, 200, PULL_ANSWER);
    assert_int_equal(sms_pull_status(&cfg, 100, got, SMS_PULL_MAX, &n, &e), 0);
    /* the documentation's request: the same endpoint, signed the same way */
    assert_string_equal(cap.method, "POST");
    assert_string_equal(cap.url.data, "http://127.0.0.1:18082/");
    assert_string_equal(cap.body.data, "{\"Limit\":100,\"SmsSdkAppId\":\"1400006666\"}");
    assert_string_equal(sent_header("X-TC-Action"), "PullSmsSendStatus");
    assert_string_equal(sent_header("X-TC-Version"), "2021-01-11");
    assert_string_equal(sent_header("X-TC-Region"), "ap-guangzhou");
    assert_authorization_recomputes();
    /* two receipts read; one without a SerialNo and one of an unknown
     * status skipped */
    assert_int_equal(n, 2);
    assert_string_equal(got[0].serial_no, "5000:1045710669157053657849499619");
    assert_int_equal(got[0].delivered, 1);
    assert_string_equal(got[0].description, "DELIVRD");
    assert_string_equal(got[0].session_context, "outbox-7");
    assert_int_equal(got[0].user_receive_time, 1620734188);
    assert_string_equal(got[1].serial_no, "5000:2");
    assert_int_equal(got[1].delivered, 0);
    assert_string_equal(got[1].description, "UNDELIV");
}

static void test_pull_status_failures(void **state)
{
    struct sms_status got[4];
    struct err e = {0};
    size_t n = 9;

    (void)state;
    answer(0, 200,
           "{\"Response\":{\"Error\":{\"Code\":\"AuthFailure.SignatureFailure\","
           "\"Message\":\"x\"},\"RequestId\":\"r\"}}");
    assert_int_equal(sms_pull_status(&cfg, 4, got, 4, &n, &e), -1);
    assert_int_equal(n, 0);
    assert_true(err_is(&e, E_UPSTREAM_UNAVAILABLE));
    answer(0, 502, "bad gateway");
    assert_int_equal(sms_pull_status(&cfg, 4, got, 4, &n, &e), -1);
    answer(-1, 0, NULL);
    assert_int_equal(sms_pull_status(&cfg, 4, got, 4, &n, &e), -1);
    answer(0, 200, "{\"Response\":{\"RequestId\":\"r\"}}");
    assert_int_equal(sms_pull_status(&cfg, 4, got, 4, &n, &e), -1);
    /* an empty queue is no failure */
    answer(0, 200, "{\"Response\":{\"PullSmsSendStatusSet\":[],\"RequestId\":\"r\"}}");
    assert_int_equal(sms_pull_status(&cfg, 4, got, 4, &n, &e), 0);
    assert_int_equal(n, 0);
    /* more than the room the caller has: only what fits */
    assert_int_equal(sms_pull_status_parse(PULL_ANSWER, strlen(PULL_ANSWER), got, 1, &n, &e), 0);
    assert_int_equal(n, 1);
    /* a limit Tencent refuses is not sent */
    cap.calls = 0;
    assert_int_equal(sms_pull_status(&cfg, 101, got, 4, &n, &e), -1);
    assert_int_equal(cap.calls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_pull_status_request_and_answer, teardown),
        cmocka_unit_test_teardown(test_pull_status_failures, teardown),
        cmocka_unit_test_teardown(test_request_and_success, teardown),
        cmocka_unit_test_teardown(test_body_matches_vector, teardown),
        cmocka_unit_test_teardown(test_default_host, teardown),
        cmocka_unit_test_teardown(test_per_number_failure, teardown),
        cmocka_unit_test_teardown(test_our_entry_found_by_number, teardown),
        cmocka_unit_test_teardown(test_whole_call_error, teardown),
        cmocka_unit_test_teardown(test_network_failure, teardown),
        cmocka_unit_test_teardown(test_non_200_status, teardown),
        cmocka_unit_test_teardown(test_malformed_answer, teardown),
        cmocka_unit_test_teardown(test_bad_input_not_sent, teardown),
        cmocka_unit_test(test_code_retryable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
