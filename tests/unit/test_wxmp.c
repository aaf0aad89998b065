/*
 * test_wxmp.c — the mini-program server API client with httpc_request
 * replaced: the requests it makes (method, URL with escaped query, JSON
 * body), the answers it accepts, and the mapping of every errcode of
 * PROTOCOLS.md §1 to our errors, the retry on -1, malformed answers, the
 * watermark check and countryCode as string or number.
 */
// WRAP: httpc_request
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "clients/httpc.h"
#include "clients/wxmp.h"
#include "outbox.h"

#define MAX_CALLS 4

/* The requests the client made, in order. */
static struct {
    int calls;
    char method[MAX_CALLS][8];
    struct buf url[MAX_CALLS];
    struct buf body[MAX_CALLS];
    char content_type[MAX_CALLS][64];
} cap;

static void capture_reset(void)
{
    int i;

    for (i = 0; i < MAX_CALLS; i++) {
        buf_free(&cap.url[i]);
        buf_free(&cap.body[i]);
    }
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
    int n = cap.calls++;
    size_t i;
    int rc;

    assert_true(n < MAX_CALLS);
    snprintf(cap.method[n], sizeof(cap.method[n]), "%s", req->method);
    buf_puts(&cap.url[n], req->url);
    buf_append(&cap.body[n], req->body ? req->body : "", req->body_len);
    for (i = 0; i < req->nheaders; i++)
        if (strncmp(req->headers[i], "Content-Type: ", 14) == 0)
            snprintf(cap.content_type[n], sizeof(cap.content_type[n]), "%s", req->headers[i] + 14);
    assert_true(req->timeout_ms > 0);

    rc = mock_type(int);
    if (rc != 0) {
        snprintf(resp->diag, sizeof(resp->diag), "Couldn't connect to server: test");
        return err_setf(e, E_UPSTREAM_UNAVAILABLE, "外部服务暂时不可用，请稍后再试");
    }
    resp->status = mock_type(long);
    buf_puts(&resp->body, mock_ptr_type(const char *));
    return 0;
}

static const struct wxmp_config cfg = {
    .base_url = "http://127.0.0.1:18081/",
    .appid = "wxd678efh567hg6787",
    .secret = "s3cret&x=1",
    .timeout_ms = 0,
};

static int teardown(void **state)
{
    (void)state;
    capture_reset();
    return 0;
}

static void assert_err(const struct err *e, int status, const char *code)
{
    assert_int_not_equal(e->code, E_OK);
    assert_string_equal(err_name(e->code), code);
    assert_int_equal(err_status(e->code), status);
    assert_true(strlen(e->message) > 0);
}

/* ---- code2session ---- */

static void test_code2session_success(void **state)
{
    char openid[WXMP_OPENID_SIZE];
    struct err e = {0};

    (void)state;
    answer(0, 200,
           "{\"openid\":\"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\",\"session_key\":"
           "\"tiihtNczf5v6AKRyjwEUhQ==\",\"unionid\":\"o6_bmasdasdsad6_2sgVt7hMZOPfL\"}");
    assert_int_equal(wxmp_code2session(&cfg, "0a3+b/c=d&e", openid, &e), 0);
    assert_string_equal(openid, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
    assert_int_equal(cap.calls, 1);
    assert_string_equal(cap.method[0], "GET");
    /* the base URL's slash is not doubled; every value is escaped */
    assert_string_equal(cap.url[0].data,
                        "http://127.0.0.1:18081/sns/jscode2session?appid=wxd678efh567hg6787"
                        "&secret=s3cret%26x%3D1&js_code=0a3%2Bb%2Fc%3Dd%26e"
                        "&grant_type=authorization_code");
}

/* errcode present and 0 is a success too. */
static void test_code2session_errcode_zero(void **state)
{
    char openid[WXMP_OPENID_SIZE];
    struct err e = {0};

    (void)state;
    answer(0, 200, "{\"errcode\":0,\"errmsg\":\"ok\",\"openid\":\"o-1_A\",\"session_key\":\"k\"}");
    assert_int_equal(wxmp_code2session(&cfg, "c", openid, &e), 0);
    assert_string_equal(openid, "o-1_A");
}

static const struct {
    int errcode;
    int status;
    const char *code;
} c2s_errors[] = {
    {40029, 400, "WECHAT_CODE_INVALID"},  {40163, 400, "WECHAT_CODE_INVALID"},
    {45011, 429, "RATE_LIMITED"},         {40226, 403, "WECHAT_USER_BLOCKED"},
    {40013, 503, "UPSTREAM_UNAVAILABLE"}, /* invalid appid: our configuration */
    {40125, 503, "UPSTREAM_UNAVAILABLE"}, /* invalid secret */
    {99999, 503, "UPSTREAM_UNAVAILABLE"}, /* unknown */
};

static void test_code2session_errcodes(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(c2s_errors) / sizeof(c2s_errors[0]); i++) {
        char openid[WXMP_OPENID_SIZE] = "stale";
        struct err e = {0};
        char body[128];

        capture_reset();
        snprintf(body, sizeof(body), "{\"errcode\":%d,\"errmsg\":\"x \\\"q\\\", rid: 1\"}",
                 c2s_errors[i].errcode);
        answer(0, 200, body);
        assert_int_equal(wxmp_code2session(&cfg, "code", openid, &e), -1);
        assert_err(&e, c2s_errors[i].status, c2s_errors[i].code);
        assert_string_equal(openid, "");
        assert_int_equal(cap.calls, 1); /* only -1 is retried */
    }
}

static void test_code2session_retry_on_busy(void **state)
{
    char openid[WXMP_OPENID_SIZE];
    struct err e = {0};

    (void)state;
    answer(0, 200, "{\"errcode\":-1,\"errmsg\":\"system error\"}");
    answer(0, 200, "{\"openid\":\"oSecond\",\"session_key\":\"k\"}");
    assert_int_equal(wxmp_code2session(&cfg, "code", openid, &e), 0);
    assert_string_equal(openid, "oSecond");
    assert_int_equal(cap.calls, 2);
    assert_string_equal(cap.url[0].data, cap.url[1].data);
}

static void test_code2session_busy_twice(void **state)
{
    char openid[WXMP_OPENID_SIZE];
    struct err e = {0};

    (void)state;
    answer(0, 200, "{\"errcode\":-1,\"errmsg\":\"system error\"}");
    answer(0, 200, "{\"errcode\":-1,\"errmsg\":\"system error\"}");
    assert_int_equal(wxmp_code2session(&cfg, "code", openid, &e), -1);
    assert_err(&e, 503, "UPSTREAM_UNAVAILABLE");
    assert_int_equal(cap.calls, 2);
}

/* A busy answer followed by a real error gives that error. */
static void test_code2session_busy_then_used(void **state)
{
    char openid[WXMP_OPENID_SIZE];
    struct err e = {0};

    (void)state;
    answer(0, 200, "{\"errcode\":-1,\"errmsg\":\"system error\"}");
    answer(0, 200, "{\"errcode\":40163,\"errmsg\":\"code been used\"}");
    assert_int_equal(wxmp_code2session(&cfg, "code", openid, &e), -1);
    assert_err(&e, 400, "WECHAT_CODE_INVALID");
}

static void test_code2session_network_and_status(void **state)
{
    char openid[WXMP_OPENID_SIZE];
    struct err e = {0};

    (void)state;
    answer(-1, 0, NULL);
    assert_int_equal(wxmp_code2session(&cfg, "code", openid, &e), -1);
    assert_err(&e, 503, "UPSTREAM_UNAVAILABLE");
    assert_int_equal(cap.calls, 1); /* a network failure is not retried here */
    answer(0, 502, "{\"openid\":\"o\"}");
    assert_int_equal(wxmp_code2session(&cfg, "code", openid, &e), -1);
    assert_err(&e, 503, "UPSTREAM_UNAVAILABLE");
    assert_string_equal(openid, "");
}

static void test_code2session_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "<html>busy</html>",
        "{\"openid\":",
        "[\"openid\"]",
        "{}",
        "{\"session_key\":\"k\"}",
        "{\"openid\":42}",
        "{\"openid\":\"\"}",
        "{\"openid\":\"has space\"}",
        "{\"openid\":\"o\\\"quote\"}",
        "{\"errcode\":\"40029\",\"openid\":\"o\"}",
        "{\"openid\":\"oooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo\"}",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char openid[WXMP_OPENID_SIZE];
        struct err e = {0};

        capture_reset();
        answer(0, 200, bad[i]);
        if (wxmp_code2session(&cfg, "code", openid, &e) != -1)
            fail_msg("accepted answer #%zu: %s", i, bad[i]);
        assert_err(&e, 503, "UPSTREAM_UNAVAILABLE");
        assert_string_equal(openid, "");
    }
}

/* An empty or absurd code is refused without calling WeChat. */
static void test_code2session_bad_code_not_sent(void **state)
{
    char openid[WXMP_OPENID_SIZE];
    char big[300];
    struct err e = {0};

    (void)state;
    assert_int_equal(wxmp_code2session(&cfg, "", openid, &e), -1);
    assert_err(&e, 400, "WECHAT_CODE_INVALID");
    assert_int_equal(wxmp_code2session(&cfg, NULL, openid, &e), -1);
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(wxmp_code2session(&cfg, big, openid, &e), -1);
    assert_int_equal(cap.calls, 0);
}

/* ---- stable token ---- */

static void test_stable_token(void **state)
{
    char token[WXMP_TOKEN_SIZE];
    int64_t expires_in = -1;
    struct err e = {0};

    (void)state;
    answer(0, 200, "{\"access_token\":\"84_oYhsk2Jz-AbC.def~ghi\",\"expires_in\":7200}");
    assert_int_equal(wxmp_stable_token(&cfg, 0, token, &expires_in, &e), 0);
    assert_string_equal(token, "84_oYhsk2Jz-AbC.def~ghi");
    assert_int_equal(expires_in, 7200);
    assert_string_equal(cap.method[0], "POST");
    assert_string_equal(cap.url[0].data, "http://127.0.0.1:18081/cgi-bin/stable_token");
    assert_string_equal(cap.content_type[0], "application/json");
    assert_string_equal(cap.body[0].data,
                        "{\"grant_type\":\"client_credential\",\"appid\":\"wxd678efh567hg6787\","
                        "\"secret\":\"s3cret&x=1\",\"force_refresh\":false}");

    capture_reset();
    answer(0, 200, "{\"access_token\":\"T2\",\"expires_in\":300}");
    assert_int_equal(wxmp_stable_token(&cfg, 1, token, &expires_in, &e), 0);
    assert_non_null(strstr(cap.body[0].data, "\"force_refresh\":true}"));
    assert_int_equal(expires_in, 300);
}

static void test_stable_token_errors(void **state)
{
    static const char *const bad[] = {
        "{\"errcode\":40125,\"errmsg\":\"invalid appsecret\"}",
        "{\"errcode\":45009,\"errmsg\":\"reach max api daily quota limit\"}",
        "{\"errcode\":40029,\"errmsg\":\"not a user's code here\"}",
        "{\"access_token\":\"T\"}",
        "{\"access_token\":\"T\",\"expires_in\":0}",
        "{\"access_token\":\"T\",\"expires_in\":\"7200\"}",
        "{\"access_token\":\"\",\"expires_in\":7200}",
        "{\"access_token\":\"a b\",\"expires_in\":7200}",
        "{\"expires_in\":7200}",
        "nope",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char token[WXMP_TOKEN_SIZE];
        int64_t expires_in = -1;
        struct err e = {0};

        capture_reset();
        answer(0, 200, bad[i]);
        if (wxmp_stable_token(&cfg, 0, token, &expires_in, &e) != -1)
            fail_msg("accepted answer #%zu: %s", i, bad[i]);
        assert_err(&e, 503, "UPSTREAM_UNAVAILABLE");
        assert_string_equal(token, "");
        assert_int_equal(expires_in, 0);
    }
}

static void test_stable_token_retry_on_busy(void **state)
{
    char token[WXMP_TOKEN_SIZE];
    int64_t expires_in;
    struct err e = {0};

    (void)state;
    answer(0, 200, "{\"errcode\":-1,\"errmsg\":\"system error\"}");
    answer(0, 200, "{\"access_token\":\"T\",\"expires_in\":7200}");
    assert_int_equal(wxmp_stable_token(&cfg, 0, token, &expires_in, &e), 0);
    assert_int_equal(cap.calls, 2);
    assert_string_equal(cap.body[0].data, cap.body[1].data);
}

/* ---- phone number ---- */

#define PHONE_OK(cc)                                                                               \
    "{\"errcode\":0,\"errmsg\":\"ok\",\"phone_info\":{\"phoneNumber\":\"+86 13800000001\","        \
    "\"purePhoneNumber\":\"13800000001\",\"countryCode\":" cc ",\"watermark\":{\"timestamp\":"     \
    "1700000000,\"appid\":\"wxd678efh567hg6787\"}}}"

static void test_phone_number_success(void **state)
{
    char phone[WXMP_PHONE_SIZE];
    char cc[WXMP_COUNTRY_SIZE];
    struct err e = {0};

    (void)state;
    answer(0, 200, PHONE_OK("\"86\""));
    assert_int_equal(wxmp_phone_number(&cfg, "84_tok+en/=", "pcode-1", phone, cc, &e), 0);
    assert_string_equal(phone, "13800000001");
    assert_string_equal(cc, "86");
    assert_string_equal(cap.method[0], "POST");
    assert_string_equal(cap.url[0].data, "http://127.0.0.1:18081/wxa/business/"
                                         "getuserphonenumber?access_token=84_tok%2Ben%2F%3D");
    assert_string_equal(cap.body[0].data, "{\"code\":\"pcode-1\"}");
    assert_string_equal(cap.content_type[0], "application/json");
}

static void test_phone_number_country_code_number(void **state)
{
    char phone[WXMP_PHONE_SIZE];
    char cc[WXMP_COUNTRY_SIZE];
    struct err e = {0};

    (void)state;
    answer(0, 200, PHONE_OK("86"));
    assert_int_equal(wxmp_phone_number(&cfg, "tok", "pcode", phone, cc, &e), 0);
    assert_string_equal(phone, "13800000001");
    assert_string_equal(cc, "86");
    /* country_code is optional for the caller */
    answer(0, 200, PHONE_OK("852"));
    assert_int_equal(wxmp_phone_number(&cfg, "tok", "pcode", phone, NULL, &e), 0);
}

static void test_phone_number_watermark_mismatch(void **state)
{
    static const char *const bad[] = {
        "{\"errcode\":0,\"phone_info\":{\"purePhoneNumber\":\"13800000001\",\"countryCode\":"
        "\"86\",\"watermark\":{\"timestamp\":1700000000,\"appid\":\"wxOTHERAPP000000\"}}}",
        "{\"errcode\":0,\"phone_info\":{\"purePhoneNumber\":\"13800000001\",\"countryCode\":"
        "\"86\",\"watermark\":{\"timestamp\":1700000000}}}",
        "{\"errcode\":0,\"phone_info\":{\"purePhoneNumber\":\"13800000001\",\"countryCode\":"
        "\"86\"}}",
        "{\"errcode\":0,\"phone_info\":{\"purePhoneNumber\":\"13800000001\",\"watermark\":{"
        "\"appid\":\"wxd678efh567hg67870\"}}}",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char phone[WXMP_PHONE_SIZE];
        char cc[WXMP_COUNTRY_SIZE];
        struct err e = {0};

        capture_reset();
        answer(0, 200, bad[i]);
        assert_int_equal(wxmp_phone_number(&cfg, "tok", "pcode", phone, cc, &e), -1);
        assert_err(&e, 503, "UPSTREAM_UNAVAILABLE");
        assert_string_equal(phone, "");
    }
}

static void test_phone_number_errcodes(void **state)
{
    static const struct {
        int errcode;
        int status;
        const char *code;
    } rows[] = {
        {40029, 400, "WECHAT_CODE_INVALID"},  {40001, 503, "WECHAT_TOKEN_INVALID"},
        {42001, 503, "WECHAT_TOKEN_INVALID"}, {45011, 429, "RATE_LIMITED"},
        {40013, 503, "UPSTREAM_UNAVAILABLE"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char phone[WXMP_PHONE_SIZE];
        struct err e = {0};
        char body[128];

        capture_reset();
        snprintf(body, sizeof(body), "{\"errcode\":%d,\"errmsg\":\"x\"}", rows[i].errcode);
        answer(0, 200, body);
        assert_int_equal(wxmp_phone_number(&cfg, "tok", "pcode", phone, NULL, &e), -1);
        assert_err(&e, rows[i].status, rows[i].code);
        assert_int_equal(cap.calls, 1);
    }
}

static void test_phone_number_retry_on_busy(void **state)
{
    char phone[WXMP_PHONE_SIZE];
    struct err e = {0};

    (void)state;
    answer(0, 200, "{\"errcode\":-1,\"errmsg\":\"system error\"}");
    answer(0, 200, PHONE_OK("\"86\""));
    assert_int_equal(wxmp_phone_number(&cfg, "tok", "pcode", phone, NULL, &e), 0);
    assert_string_equal(phone, "13800000001");
    assert_int_equal(cap.calls, 2);
}

static void test_phone_number_malformed(void **state)
{
    static const char *const bad[] = {
        "{\"errcode\":0,\"errmsg\":\"ok\"}",
        "{\"errcode\":0,\"phone_info\":\"13800000001\"}",
        "{\"errcode\":0,\"phone_info\":{\"purePhoneNumber\":\"138-0000-0001\",\"countryCode\":"
        "\"86\",\"watermark\":{\"appid\":\"wxd678efh567hg6787\"}}}",
        "{\"errcode\":0,\"phone_info\":{\"purePhoneNumber\":13800000001,\"countryCode\":"
        "\"86\",\"watermark\":{\"appid\":\"wxd678efh567hg6787\"}}}",
        "{\"errcode\":0,\"phone_info\":{\"purePhoneNumber\":\"\",\"countryCode\":"
        "\"86\",\"watermark\":{\"appid\":\"wxd678efh567hg6787\"}}}",
        "{\"errcode\":0,\"phone_info\":{\"purePhoneNumber\":\"123456789012345678901234\","
        "\"countryCode\":\"86\",\"watermark\":{\"appid\":\"wxd678efh567hg6787\"}}}",
        "{\"errcode\":0,\"phone_info\":{\"purePhoneNumber\":\"13800000001\",\"countryCode\":"
        "\"+86\",\"watermark\":{\"appid\":\"wxd678efh567hg6787\"}}}",
        "{\"errcode\":0,\"phone_info\":{\"purePhoneNumber\":\"13800000001\",\"countryCode\":"
        "-86,\"watermark\":{\"appid\":\"wxd678efh567hg6787\"}}}",
        "{\"errcode\":0,\"phone_info\":{\"purePhoneNumber\":\"13800000001\",\"countryCode\":"
        "true,\"watermark\":{\"appid\":\"wxd678efh567hg6787\"}}}",
        "]",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char phone[WXMP_PHONE_SIZE];
        char cc[WXMP_COUNTRY_SIZE] = "xx";
        struct err e = {0};

        capture_reset();
        answer(0, 200, bad[i]);
        if (wxmp_phone_number(&cfg, "tok", "pcode", phone, cc, &e) != -1)
            fail_msg("accepted answer #%zu: %s", i, bad[i]);
        assert_err(&e, 503, "UPSTREAM_UNAVAILABLE");
        assert_string_equal(phone, "");
        assert_string_equal(cc, "");
    }
}

static void test_phone_number_bad_input_not_sent(void **state)
{
    char phone[WXMP_PHONE_SIZE];
    struct err e = {0};

    (void)state;
    assert_int_equal(wxmp_phone_number(&cfg, "tok", "", phone, NULL, &e), -1);
    assert_err(&e, 400, "WECHAT_CODE_INVALID");
    assert_int_equal(wxmp_phone_number(&cfg, "", "pcode", phone, NULL, &e), -1);
    assert_err(&e, 503, "WECHAT_TOKEN_INVALID");
    assert_int_equal(cap.calls, 0);
}

/* ---- subscribe messages ---- */

static void test_subscribe_send(void **state)
{
    static const char *const keys[] = {"thing1", "amount2"};
    static const char *const values[] = {"物业费 2026年10月", "266.40元"};
    struct wxmp_subscribe_msg m = {
        "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "TPL-1", "pages/bills/index", keys, values, 2, NULL};
    struct err e = {0};

    (void)state;
    answer(0, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}");
    assert_int_equal(wxmp_subscribe_send(&cfg, "tok", &m, &e), 0);
    assert_string_equal(cap.url[0].data,
                        "http://127.0.0.1:18081/cgi-bin/message/subscribe/send?access_token=tok");
    assert_string_equal(cap.body[0].data,
                        "{\"touser\":\"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\",\"template_id\":\"TPL-1\","
                        "\"page\":\"pages/bills/index\",\"data\":{\"thing1\":{\"value\":"
                        "\"物业费 2026年10月\"},\"amount2\":{\"value\":\"266.40元\"}},"
                        "\"miniprogram_state\":\"formal\",\"lang\":\"zh_CN\"}");
}

/* The request the WeChat sender makes of an outbox row: its parameters
 * ("key=value", lib/outbox.h) become the data fields, in order. */
static void test_subscribe_from_outbox_row(void **state)
{
    static const char row[] = "[\"thing1=停水通知\",\"time2=2026-12-03 09:00\",\"thing3=a=b\"]";
    struct wxmp_subscribe_msg m = {.touser = "oRow", .template_id = "TPL-NOTICE"};
    const char **keys, **values;
    struct arena a = {0};
    struct err e = {0};
    size_t n;

    (void)state;
    assert_int_equal(outbox_wechat_fields(&a, row, NULL, &keys, &values, &m.nfields), 0);
    m.keys = keys;
    m.values = values;
    answer(0, 200, "{\"errcode\":0,\"errmsg\":\"ok\"}");
    assert_int_equal(wxmp_subscribe_send(&cfg, "tok", &m, &e), 0);
    assert_string_equal(cap.body[0].data,
                        "{\"touser\":\"oRow\",\"template_id\":\"TPL-NOTICE\",\"data\":{"
                        "\"thing1\":{\"value\":\"停水通知\"},\"time2\":{\"value\":"
                        "\"2026-12-03 09:00\"},\"thing3\":{\"value\":\"a=b\"}},"
                        "\"miniprogram_state\":\"formal\",\"lang\":\"zh_CN\"}");
    /* plain parameters (a notice's title and category) take the names of
     * the template's list, in order; "停水=通知" names nothing */
    assert_int_equal(outbox_wechat_fields(&a, "[\"停水=通知\",\"停水停电\"]", "thing1,phrase2",
                                          &keys, &values, &n),
                     0);
    assert_int_equal(n, 2);
    assert_string_equal(keys[0], "thing1");
    assert_string_equal(values[0], "停水=通知");
    assert_string_equal(keys[1], "phrase2");
    assert_string_equal(values[1], "停水停电");
    /* a parameter without a name can never be sent */
    assert_int_equal(outbox_wechat_fields(&a, "[\"thing1=x\",\"v\"]", NULL, &keys, &values, &n),
                     -1);
    assert_int_equal(outbox_wechat_fields(&a, "[\"a\",\"b\"]", "thing1", &keys, &values, &n), -1);
    assert_int_equal(outbox_wechat_fields(&a, "[\"=x\"]", NULL, &keys, &values, &n), -1);
    assert_int_equal(outbox_wechat_fields(&a, "[1]", "thing1", &keys, &values, &n), -1);
    assert_int_equal(outbox_wechat_fields(&a, "{}", NULL, &keys, &values, &n), -1);
    assert_int_equal(outbox_wechat_fields(&a, "[]", NULL, &keys, &values, &n), 0);
    assert_int_equal(n, 0);
    arena_free(&a);
}

static void test_subscribe_errors(void **state)
{
    static const struct {
        const char *answer;
        int status;
        const char *code;
    } rows[] = {
        {"{\"errcode\":43101,\"errmsg\":\"user refuse to accept the msg\"}", 409,
         "WECHAT_NOT_SUBSCRIBED"},
        {"{\"errcode\":40001,\"errmsg\":\"invalid credential\"}", 503, "WECHAT_TOKEN_INVALID"},
        {"{\"errcode\":42001,\"errmsg\":\"access_token expired\"}", 503, "WECHAT_TOKEN_INVALID"},
        {"{\"errcode\":40029,\"errmsg\":\"?\"}", 503, "UPSTREAM_UNAVAILABLE"},
        /* never to be taken as it is: the sender gives such a message up */
        {"{\"errcode\":40037,\"errmsg\":\"invalid template_id\"}", 502, "WECHAT_MESSAGE_REJECTED"},
        {"{\"errcode\":47003,\"errmsg\":\"argument invalid!\"}", 502, "WECHAT_MESSAGE_REJECTED"},
        {"{\"errcode\":40003,\"errmsg\":\"invalid openid\"}", 502, "WECHAT_MESSAGE_REJECTED"},
        {"{\"errcode\":41030,\"errmsg\":\"invalid page\"}", 502, "WECHAT_MESSAGE_REJECTED"},
        {"garbage", 503, "UPSTREAM_UNAVAILABLE"},
    };
    static const char *const keys[] = {"thing1"};
    static const char *const values[] = {"x"};
    struct wxmp_subscribe_msg m = {"o1", "TPL-1", NULL, keys, values, 1, "trial"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct err e = {0};

        capture_reset();
        answer(0, 200, rows[i].answer);
        assert_int_equal(wxmp_subscribe_send(&cfg, "tok", &m, &e), -1);
        assert_err(&e, rows[i].status, rows[i].code);
        assert_null(strstr(cap.body[0].data, "\"page\""));
        assert_non_null(strstr(cap.body[0].data, "\"miniprogram_state\":\"trial\""));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_code2session_success, teardown),
        cmocka_unit_test_teardown(test_code2session_errcode_zero, teardown),
        cmocka_unit_test_teardown(test_code2session_errcodes, teardown),
        cmocka_unit_test_teardown(test_code2session_retry_on_busy, teardown),
        cmocka_unit_test_teardown(test_code2session_busy_twice, teardown),
        cmocka_unit_test_teardown(test_code2session_busy_then_used, teardown),
        cmocka_unit_test_teardown(test_code2session_network_and_status, teardown),
        cmocka_unit_test_teardown(test_code2session_malformed, teardown),
        cmocka_unit_test_teardown(test_code2session_bad_code_not_sent, teardown),
        cmocka_unit_test_teardown(test_stable_token, teardown),
        cmocka_unit_test_teardown(test_stable_token_errors, teardown),
        cmocka_unit_test_teardown(test_stable_token_retry_on_busy, teardown),
        cmocka_unit_test_teardown(test_phone_number_success, teardown),
        cmocka_unit_test_teardown(test_phone_number_country_code_number, teardown),
        cmocka_unit_test_teardown(test_phone_number_watermark_mismatch, teardown),
        cmocka_unit_test_teardown(test_phone_number_errcodes, teardown),
        cmocka_unit_test_teardown(test_phone_number_retry_on_busy, teardown),
        cmocka_unit_test_teardown(test_phone_number_malformed, teardown),
        cmocka_unit_test_teardown(test_phone_number_bad_input_not_sent, teardown),
        cmocka_unit_test_teardown(test_subscribe_send, teardown),
        cmocka_unit_test_teardown(test_subscribe_errors, teardown),
        cmocka_unit_test_teardown(test_subscribe_from_outbox_row, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
