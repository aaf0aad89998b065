/*
 * test_wxpay.c — the WeChat Pay client with httpc_request replaced by a
 * WeChat Pay of our own that signs its answers with the platform test key
 * (tests/vectors): the requests it makes (method, signed path, headers,
 * the JSON body, an Authorization that verifies with the merchant's public
 * key), answers believed only when signed by the expected serial, the
 * mapping of WeChat Pay's codes (§2.8), wx.requestPayment's paySign, the
 * v4 notification opened and refused, and the times and transactions it
 * reads.
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
#include <openssl/evp.h>

#include "vectors.h"

#include "clients/httpc.h"
#include "clients/wxpay.h"
#include "core/b64.h"
#include "core/buf.h"
#include "core/json.h"

#define MCHID "1230000109"
#define SERIAL "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
#define PLATFORM_SERIAL "PUB_KEY_ID_0112300001092026000000000000"
#define APIV3_KEY "wuyeTestApiV3Key0123456789abcdef"

static struct wxpay_client cl;
static struct wxpay_key platform_private, merchant_public;

/* The last request, and how the next answer is made. */
static struct {
    int calls;
    char method[8];
    struct buf url, body, auth, agent, ctype;
    int rc; /* -1: a network failure */
    long status;
    const char *answer; /* body */
    const char *serial; /* NULL: the platform's */
    bool unsigned_answer, tamper;
} io;

int __wrap_httpc_request(const struct httpc_req *req, struct httpc_resp *resp, struct err *e);
int __wrap_httpc_request(const struct httpc_req *req, struct httpc_resp *resp, struct err *e)
{
    struct buf msg = BUF_INIT, sig = BUF_INIT;
    char ts[24];
    struct err se = {0};

    io.calls++;
    snprintf(io.method, sizeof(io.method), "%s", req->method);
    buf_reset(&io.url);
    buf_reset(&io.body);
    buf_reset(&io.auth);
    buf_reset(&io.agent);
    buf_reset(&io.ctype);
    buf_puts(&io.url, req->url);
    buf_append(&io.body, req->body ? req->body : "", req->body_len);
    for (size_t i = 0; i < req->nheaders; i++) {
        if (strncmp(req->headers[i], "Authorization: ", 15) == 0)
            buf_puts(&io.auth, req->headers[i] + 15);
        if (strncmp(req->headers[i], "User-Agent: ", 12) == 0)
            buf_puts(&io.agent, req->headers[i] + 12);
        if (strncmp(req->headers[i], "Content-Type: ", 14) == 0)
            buf_puts(&io.ctype, req->headers[i] + 14);
    }
    assert_true(req->timeout_ms > 0);
    if (io.rc < 0) {
        snprintf(resp->diag, sizeof(resp->diag), "Couldn't connect to server: test");
        return err_setf(e, E_UPSTREAM_UNAVAILABLE, "外部服务暂时不可用，请稍后再试");
    }
    resp->status = io.status;
    buf_puts(&resp->body, io.answer ? io.answer : "");
    snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
    buf_printf(&msg, "%s\n%s\n%.*s\n", ts, "NONCE0123456789", (int)resp->body.len,
               resp->body.data ? resp->body.data : "");
    assert_int_equal(wxpay_sign(&platform_private, msg.data, msg.len, &sig, &se), 0);
    if (io.tamper)
        buf_puts(&resp->body, " ");
    if (!io.unsigned_answer) {
        const char *names[] = {"Wechatpay-Serial", "Wechatpay-Timestamp", "Wechatpay-Nonce",
                               "Wechatpay-Signature"};
        const char *values[] = {io.serial ? io.serial : PLATFORM_SERIAL, ts, "NONCE0123456789",
                                sig.data};
        resp->headers = calloc(4, sizeof(*resp->headers));
        for (int i = 0; i < 4; i++) {
            resp->headers[i].name = strdup(names[i]);
            resp->headers[i].value = strdup(values[i]);
        }
        resp->nheaders = 4;
    }
    buf_free(&msg);
    buf_free(&sig);
    return 0;
}

static void answer(long status, const char *body)
{
    io.rc = 0;
    io.status = status;
    io.answer = body;
    io.serial = NULL;
    io.unsigned_answer = io.tamper = false;
}

static int setup(void **state)
{
    struct err e = {0};
    char path[512];

    (void)state;
    memset(&cl, 0, sizeof(cl));
    cl.base_url = "http://127.0.0.1:18081/";
    cl.appid = "wxd678efh567hg6787";
    cl.mchid = MCHID;
    cl.serial = SERIAL;
    cl.apiv3_key = APIV3_KEY;
    cl.platform_serial = PLATFORM_SERIAL;
    cl.notify_url = "https://wuye.example.com/api/v1/pay/wechat/notify";
    vector_path("merchant_test_key.pem", path, sizeof(path));
    assert_int_equal(wxpay_key_load_private(&cl.merchant, path, &e), 0);
    vector_path("platform_test_pub.pem", path, sizeof(path));
    assert_int_equal(wxpay_key_load_public(&cl.platform, path, &e), 0);
    vector_path("platform_test_key.pem", path, sizeof(path));
    assert_int_equal(wxpay_key_load_private(&platform_private, path, &e), 0);
    vector_path("merchant_test_pub.pem", path, sizeof(path));
    assert_int_equal(wxpay_key_load_public(&merchant_public, path, &e), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wxpay_client_free(&cl);
    wxpay_key_free(&platform_private);
    wxpay_key_free(&merchant_public);
    buf_free(&io.url);
    buf_free(&io.body);
    buf_free(&io.auth);
    buf_free(&io.agent);
    buf_free(&io.ctype);
    return 0;
}

static void assert_err(const struct err *e, const char *code)
{
    assert_string_equal(err_name(e->code), code);
}

/* The value of field="…" in an Authorization header. */
static void auth_field(const char *auth, const char *name, char *out, size_t size)
{
    char key[32];
    const char *p, *q;

    snprintf(key, sizeof(key), "%s=\"", name);
    p = strstr(auth, key);
    assert_non_null(p);
    p += strlen(key);
    q = strchr(p, '"');
    assert_non_null(q);
    snprintf(out, size, "%.*s", (int)(q - p), p);
}

static bool rsa_ok(const struct wxpay_key *pub, const char *msg, size_t len, const char *sig_b64)
{
    struct buf sig = BUF_INIT;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = b64_decode(sig_b64, strlen(sig_b64), &sig) == 0 &&
              EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub->pkey) == 1 &&
              EVP_DigestVerify(md, (const unsigned char *)sig.data, sig.len,
                               (const unsigned char *)msg, len) == 1;

    EVP_MD_CTX_free(md);
    buf_free(&sig);
    return ok;
}

/* The request's Authorization: our mchid and serial, and a signature over
 * the five lines of §2.1 that the merchant's public key verifies. */
static void assert_signed_request(const char *method, const char *path)
{
    char nonce[64], ts[32], sig[600];
    struct buf msg = BUF_INIT;

    assert_int_equal(strncmp(io.auth.data, "WECHATPAY2-SHA256-RSA2048 ", 26), 0);
    auth_field(io.auth.data, "mchid", nonce, sizeof(nonce));
    assert_string_equal(nonce, MCHID);
    auth_field(io.auth.data, "serial_no", nonce, sizeof(nonce));
    assert_string_equal(nonce, SERIAL);
    auth_field(io.auth.data, "nonce_str", nonce, sizeof(nonce));
    auth_field(io.auth.data, "timestamp", ts, sizeof(ts));
    auth_field(io.auth.data, "signature", sig, sizeof(sig));
    assert_int_equal(strlen(nonce), 32);
    assert_true(llabs(atoll(ts) - (long long)time(NULL)) < 60);
    buf_printf(&msg, "%s\n%s\n%s\n%s\n%s\n", method, path, ts, nonce,
               io.body.data ? io.body.data : "");
    assert_true(rsa_ok(&merchant_public, msg.data, msg.len, sig));
    assert_true(io.agent.len > 0); /* WeChat Pay refuses requests without one */
    buf_free(&msg);
}

static const struct wxpay_order order = {"W20261124Abcdefghij0123456789", "示范小区-物业费 2026-10",
                                         "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", 26640, 1795487400};

static void test_jsapi_request_and_answer(void **state)
{
    char prepay[WXPAY_ID_SIZE];
    struct err e = {0};
    cJSON *b;

    (void)state;
    answer(200, "{\"prepay_id\":\"wx201410272009395522657a690389285100\"}");
    assert_int_equal(wxpay_jsapi(&cl, &order, prepay, &e), 0);
    assert_string_equal(prepay, "wx201410272009395522657a690389285100");
    assert_string_equal(io.method, "POST");
    /* the base URL's slash is not doubled */
    assert_string_equal(io.url.data, "http://127.0.0.1:18081/v3/pay/transactions/jsapi");
    assert_string_equal(io.ctype.data, "application/json");
    assert_signed_request("POST", "/v3/pay/transactions/jsapi");
    b = json_parse_body(io.body.data, io.body.len, &e);
    assert_non_null(b);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(b, "appid")), cl.appid);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(b, "mchid")), MCHID);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(b, "out_trade_no")),
                        order.out_trade_no);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(b, "description")),
                        order.description);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(b, "notify_url")), cl.notify_url);
    /* 1795487400 = 2026-11-24T10:30:00+08:00 */
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(b, "time_expire")),
                        "2026-11-24T10:30:00+08:00");
    assert_int_equal((int64_t)cJSON_GetNumberValue(
                         cJSON_GetObjectItem(cJSON_GetObjectItem(b, "amount"), "total")),
                     26640);
    assert_string_equal(
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "amount"), "currency")),
        "CNY");
    assert_string_equal(
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "payer"), "openid")),
        order.openid);
    cJSON_Delete(b);
}

static void test_answers_not_believed(void **state)
{
    char prepay[WXPAY_ID_SIZE];
    struct err e = {0};
    static const char ok[] = "{\"prepay_id\":\"wx2014\"}";

    (void)state;
    answer(200, ok);
    io.unsigned_answer = true;
    assert_int_equal(wxpay_jsapi(&cl, &order, prepay, &e), -1);
    assert_err(&e, "UPSTREAM_UNAVAILABLE");
    answer(200, ok);
    io.serial = "PUB_KEY_ID_SOMEONE_ELSE";
    assert_int_equal(wxpay_jsapi(&cl, &order, prepay, &e), -1);
    assert_err(&e, "UPSTREAM_UNAVAILABLE");
    answer(200, ok);
    io.tamper = true;
    assert_int_equal(wxpay_jsapi(&cl, &order, prepay, &e), -1);
    assert_err(&e, "UPSTREAM_UNAVAILABLE");
    /* a refusal that is not signed is not believed either */
    answer(400, "{\"code\":\"ORDERPAID\",\"message\":\"该订单已支付\"}");
    io.unsigned_answer = true;
    assert_int_equal(wxpay_jsapi(&cl, &order, prepay, &e), -1);
    assert_err(&e, "UPSTREAM_UNAVAILABLE");
    assert_string_equal(prepay, "");
}

static void test_error_codes(void **state)
{
    static const struct {
        long status;
        const char *body, *code;
    } rows[] = {
        {400, "{\"code\":\"PARAM_ERROR\",\"message\":\"参数错误\"}", "WXPAY_FAILED"},
        {401, "{\"code\":\"SIGN_ERROR\",\"message\":\"签名错误\"}", "WXPAY_FAILED"},
        {400, "{\"code\":\"OUT_TRADE_NO_USED\",\"message\":\"商户订单号重复\"}", "WXPAY_FAILED"},
        {400, "{\"code\":\"ORDERCLOSED\",\"message\":\"订单已关闭\"}", "WXPAY_FAILED"},
        {400, "{\"code\":\"ORDERPAID\",\"message\":\"该订单已支付\"}", "WXPAY_ORDER_PAID"},
        {404, "{\"code\":\"ORDER_NOT_EXIST\",\"message\":\"订单不存在\"}", "WXPAY_ORDER_NOT_EXIST"},
        {404, "{\"code\":\"ORDERNOTEXIST\",\"message\":\"订单不存在\"}", "WXPAY_ORDER_NOT_EXIST"},
        {429, "{\"code\":\"FREQUENCY_LIMITED\",\"message\":\"频率超限\"}", "UPSTREAM_UNAVAILABLE"},
        {500, "{\"code\":\"SYSTEM_ERROR\",\"message\":\"系统错误\"}", "UPSTREAM_UNAVAILABLE"},
        {400, "{\"code\":\"SYSTEMERROR\",\"message\":\"系统错误\"}", "UPSTREAM_UNAVAILABLE"},
        {502, "", "UPSTREAM_UNAVAILABLE"},
        {200, "{\"no_prepay_id\":1}", "UPSTREAM_UNAVAILABLE"},
        {200, "{\"prepay_id\":\"wx\\\"quote\"}", "UPSTREAM_UNAVAILABLE"},
        {200, "not json", "UPSTREAM_UNAVAILABLE"},
    };
    char prepay[WXPAY_ID_SIZE];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct err e = {0};
        answer(rows[i].status, rows[i].body);
        assert_int_equal(wxpay_jsapi(&cl, &order, prepay, &e), -1);
        if (strcmp(err_name(e.code), rows[i].code) != 0)
            fail_msg("row %zu: %s, not %s", i, err_name(e.code), rows[i].code);
    }
    {
        struct err e = {0};
        answer(0, NULL);
        io.rc = -1;
        assert_int_equal(wxpay_jsapi(&cl, &order, prepay, &e), -1);
        assert_err(&e, "UPSTREAM_UNAVAILABLE");
    }
}

#define PAID_TXN                                                                                   \
    "{\"appid\":\"wxd678efh567hg6787\",\"mchid\":\"1230000109\",\"out_trade_no\":"                 \
    "\"W20261124Abcdefghij0123456789\",\"transaction_id\":\"4200000000202611240000000001\","       \
    "\"trade_type\":\"JSAPI\",\"trade_state\":\"SUCCESS\",\"trade_state_desc\":\"支付成功\","  \
    "\"bank_type\":\"OTHERS\",\"attach\":\"\",\"success_time\":\"2026-11-24T10:30:12+08:00\","     \
    "\"payer\":{\"openid\":\"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o\"},\"amount\":{\"total\":26640,"         \
    "\"payer_total\":26000,\"currency\":\"CNY\",\"payer_currency\":\"CNY\"},"                      \
    "\"promotion_detail\":[{\"coupon_id\":\"CP1\",\"amount\":640}]}"

static void test_query_and_close(void **state)
{
    struct wxpay_txn t;
    struct err e = {0};

    (void)state;
    answer(200, PAID_TXN);
    assert_int_equal(wxpay_query(&cl, order.out_trade_no, &t, &e), 0);
    assert_string_equal(io.method, "GET");
    assert_string_equal(io.url.data, "http://127.0.0.1:18081/v3/pay/transactions/out-trade-no/"
                                     "W20261124Abcdefghij0123456789?mchid=1230000109");
    assert_signed_request("GET", "/v3/pay/transactions/out-trade-no/"
                                 "W20261124Abcdefghij0123456789?mchid=1230000109");
    assert_string_equal(t.trade_state, "SUCCESS");
    assert_string_equal(t.transaction_id, "4200000000202611240000000001");
    assert_int_equal(t.total_fen, 26640);
    assert_int_equal(t.payer_total_fen, 26000);
    assert_int_equal(t.success_at, 1795487412);
    assert_string_equal(t.openid, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
    /* before payment WeChat Pay shows no amount */
    answer(200, "{\"appid\":\"wxd678efh567hg6787\",\"mchid\":\"1230000109\",\"out_trade_no\":"
                "\"W20261124Abcdefghij0123456789\",\"trade_type\":\"JSAPI\",\"trade_state\":"
                "\"NOTPAY\",\"trade_state_desc\":\"订单未支付\",\"attach\":\"\","
                "\"amount\":{\"payer_currency\":\"CNY\"}}");
    assert_int_equal(wxpay_query(&cl, order.out_trade_no, &t, &e), 0);
    assert_string_equal(t.trade_state, "NOTPAY");
    assert_int_equal(t.total_fen, -1);
    assert_int_equal(t.success_at, 0);
    /* an answer about another order is nonsense */
    answer(200, PAID_TXN);
    assert_int_equal(wxpay_query(&cl, "W20261124Xbcdefghij0123456789", &t, &e), -1);
    assert_err(&e, "UPSTREAM_UNAVAILABLE");
    answer(404, "{\"code\":\"ORDER_NOT_EXIST\",\"message\":\"订单不存在\"}");
    assert_int_equal(wxpay_query(&cl, order.out_trade_no, &t, &e), -1);
    assert_err(&e, "WXPAY_ORDER_NOT_EXIST");
    /* not an order number of ours: never sent */
    io.calls = 0;
    assert_int_equal(wxpay_query(&cl, "W2026/../x", &t, &e), -1);
    assert_int_equal(io.calls, 0);

    /* close: 204 with an empty, signed body */
    answer(204, NULL);
    assert_int_equal(wxpay_close(&cl, order.out_trade_no, &e), 0);
    assert_string_equal(io.method, "POST");
    assert_string_equal(io.body.data, "{\"mchid\":\"1230000109\"}");
    assert_signed_request("POST",
                          "/v3/pay/transactions/out-trade-no/W20261124Abcdefghij0123456789/close");
    answer(400, "{\"code\":\"ORDERPAID\",\"message\":\"订单已支付，不能关闭\"}");
    assert_int_equal(wxpay_close(&cl, order.out_trade_no, &e), -1);
    assert_err(&e, "WXPAY_ORDER_PAID");
}

static void test_pay_params(void **state)
{
    struct wxpay_pay_params pp;
    struct err e = {0};
    struct buf msg = BUF_INIT;

    (void)state;
    assert_int_equal(
        wxpay_pay_params(&cl, "wx201410272009395522657a690389285100", 1414561699, &pp, &e), 0);
    assert_string_equal(pp.app_id, "wxd678efh567hg6787");
    assert_string_equal(pp.time_stamp, "1414561699");
    assert_string_equal(pp.package, "prepay_id=wx201410272009395522657a690389285100");
    assert_int_equal(strlen(pp.nonce_str), 32);
    buf_printf(&msg, "%s\n%s\n%s\n%s\n", pp.app_id, pp.time_stamp, pp.nonce_str, pp.package);
    assert_true(rsa_ok(&merchant_public, msg.data, msg.len, pp.pay_sign));
    buf_free(&msg);
}

/* ---- notifications: vector v4 -------------------------------------------------------- */

struct v4 {
    struct buf body, sig;
};

static void load_v4(struct v4 *v)
{
    char line[1024];
    char path[512];
    FILE *f;

    memset(v, 0, sizeof(*v));
    read_vector("v4_notification.json", &v->body);
    vector_path("v4_notification_signature.b64", path, sizeof(path));
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f));
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    buf_puts(&v->sig, line);
}

static void test_notice_open_v4(void **state)
{
    struct v4 v;
    struct wxpay_notice n;
    struct err e = {0};

    (void)state;
    load_v4(&v);
    assert_int_equal(
        wxpay_notice_open(&cl,
                          &(struct wxpay_notice_in){PLATFORM_SERIAL, "1700000020", "fdasflkja484w",
                                                    v.sig.data, v.body.data, v.body.len},
                          1700000020, &n, &e),
        0);
    assert_string_equal(n.id, "EV-2026112410301200001");
    assert_string_equal(n.event_type, "TRANSACTION.SUCCESS");
    assert_string_equal(n.txn.appid, "wxd678efh567hg6787");
    assert_string_equal(n.txn.mchid, "1230000109");
    assert_string_equal(n.txn.out_trade_no, "W20261124000001");
    assert_string_equal(n.txn.transaction_id, "4200000000202611240000000001");
    assert_string_equal(n.txn.trade_state, "SUCCESS");
    assert_int_equal(n.txn.total_fen, 26640);
    assert_int_equal(n.txn.success_at, 1795487412);
    buf_free(&v.body);
    buf_free(&v.sig);
}

static void test_notice_refused(void **state)
{
    struct v4 v;
    struct wxpay_notice n;
    struct err e = {0};
    struct wxpay_client other = cl;
    char probe[600];

    (void)state;
    load_v4(&v);
    /* an unknown serial, a stale or future timestamp, a missing header,
     * the probe, another body */
#define OPEN(serial, ts, sig, body, len, now)                                                      \
    wxpay_notice_open(&cl, &(struct wxpay_notice_in){serial, ts, "fdasflkja484w", sig, body, len}, \
                      now, &n, &e)
    assert_int_equal(
        OPEN("PUB_KEY_ID_X", "1700000020", v.sig.data, v.body.data, v.body.len, 1700000020), -1);
    assert_err(&e, "WXPAY_SIGNATURE_INVALID");
    assert_int_equal(
        OPEN(PLATFORM_SERIAL, "1700000020", v.sig.data, v.body.data, v.body.len, 1700000020 + 301),
        -1);
    assert_err(&e, "WXPAY_TIMESTAMP_SKEW");
    assert_int_equal(
        OPEN(PLATFORM_SERIAL, "1700000020", v.sig.data, v.body.data, v.body.len, 1700000020 - 301),
        -1);
    assert_err(&e, "WXPAY_TIMESTAMP_SKEW");
    assert_int_equal(OPEN(NULL, "1700000020", v.sig.data, v.body.data, v.body.len, 1700000020), -1);
    assert_err(&e, "WXPAY_SIGNATURE_INVALID");
    assert_int_equal(OPEN(PLATFORM_SERIAL, "1700000020", NULL, v.body.data, v.body.len, 1700000020),
                     -1);
    assert_err(&e, "WXPAY_SIGNATURE_INVALID");
    snprintf(probe, sizeof(probe), "WECHATPAY/SIGNTEST/%s", v.sig.data);
    assert_int_equal(
        OPEN(PLATFORM_SERIAL, "1700000020", probe, v.body.data, v.body.len, 1700000020), -1);
    assert_err(&e, "WXPAY_SIGNATURE_INVALID");
    assert_int_equal(
        OPEN(PLATFORM_SERIAL, "1700000020", v.sig.data, v.body.data, v.body.len - 1, 1700000020),
        -1);
    assert_err(&e, "WXPAY_SIGNATURE_INVALID");
#undef OPEN
    /* signed, but not with our APIv3 key: the id is known for the record */
    other.apiv3_key = "0123456789abcdef0123456789abcdef";
    assert_int_equal(
        wxpay_notice_open(&other,
                          &(struct wxpay_notice_in){PLATFORM_SERIAL, "1700000020", "fdasflkja484w",
                                                    v.sig.data, v.body.data, v.body.len},
                          1700000020, &n, &e),
        -1);
    assert_err(&e, "WXPAY_DECRYPT_FAILED");
    assert_string_equal(n.id, "EV-2026112410301200001");
    buf_free(&v.body);
    buf_free(&v.sig);
}

/* ---- what is read ---------------------------------------------------------------------- */

static void test_time_parse(void **state)
{
    static const struct {
        const char *s;
        int64_t want; /* -1: refused */
    } rows[] = {
        {"2026-11-24T10:30:12+08:00", 1795487412},
        {"2026-11-24T10:30:12.250+08:00", 1795487412}, /* fractions dropped */
        {"2026-11-24T02:30:12Z", 1795487412},
        {"2024-02-29T23:59:59-05:00", 1709269199},
        {"1970-01-01T00:00:00Z", 0},
        {"2025-12-01T00:00:00+00:00", 1764547200},
        {"2026-11-24 10:30:12+08:00", -1}, /* no T */
        {"2026-11-24T10:30:12", -1},       /* no offset */
        {"2026-11-24T10:30:12+0800", -1},  /* offset without colon */
        {"2026-02-29T10:30:12+08:00", -1}, /* not a leap year */
        {"2026-13-01T10:30:12+08:00", -1},
        {"2026-04-31T10:30:12+08:00", -1},
        {"2026-11-24T24:00:00+08:00", -1},
        {"2026-11-24T10:60:00+08:00", -1},
        {"2026-11-24T10:30:12.+08:00", -1}, /* a dot without digits */
        {"2026-11-24T10:30:12+08:00x", -1}, /* trailing bytes */
        {"2026-1a-24T10:30:12+08:00", -1},
        {"", -1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int64_t got = -1;
        int rc = wxpay_time_parse(rows[i].s, &got);
        if (rows[i].want < 0 ? rc != -1 : rc != 0 || got != rows[i].want)
            fail_msg("row %zu \"%s\": rc %d, %lld", i, rows[i].s, rc, (long long)got);
    }
}

static void test_txn_parse(void **state)
{
    static const char *const bad[] = {
        /* a success without its transaction id, without an amount, or with a
         * total that is not an integer */
        "{\"appid\":\"a\",\"mchid\":\"m\",\"out_trade_no\":\"W1\",\"trade_state\":\"SUCCESS\","
        "\"success_time\":\"2026-11-24T10:30:12+08:00\",\"amount\":{\"total\":1}}",
        "{\"appid\":\"a\",\"mchid\":\"m\",\"out_trade_no\":\"W1\",\"trade_state\":\"SUCCESS\","
        "\"transaction_id\":\"42\",\"success_time\":\"2026-11-24T10:30:12+08:00\"}",
        "{\"appid\":\"a\",\"mchid\":\"m\",\"out_trade_no\":\"W1\",\"trade_state\":\"SUCCESS\","
        "\"transaction_id\":\"42\",\"success_time\":\"2026-11-24T10:30:12+08:00\","
        "\"amount\":{\"total\":\"1\"}}",
        "{\"appid\":\"a\",\"mchid\":\"m\",\"out_trade_no\":\"W1\",\"trade_state\":\"SUCCESS\","
        "\"transaction_id\":\"42\",\"success_time\":\"2026-11-24T10:30:12+08:00\","
        "\"amount\":{\"total\":1.5}}",
        "{\"appid\":\"a\",\"mchid\":\"m\",\"out_trade_no\":\"W1\",\"trade_state\":\"SUCCESS\","
        "\"transaction_id\":\"42\",\"success_time\":\"yesterday\",\"amount\":{\"total\":1}}",
        /* no order number, no state, not an object */
        "{\"appid\":\"a\",\"mchid\":\"m\",\"trade_state\":\"NOTPAY\"}",
        "{\"appid\":\"a\",\"mchid\":\"m\",\"out_trade_no\":\"W1\"}",
        "[1]",
    };
    struct wxpay_txn t;
    struct err e = {0};

    (void)state;
    assert_int_equal(wxpay_txn_parse(PAID_TXN, strlen(PAID_TXN), &t, &e), 0);
    assert_int_equal(t.total_fen, 26640);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (wxpay_txn_parse(bad[i], strlen(bad[i]), &t, &e) != -1 || !err_is(&e, E_BAD_REQUEST))
            fail_msg("row %zu was read", i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsapi_request_and_answer),
        cmocka_unit_test(test_answers_not_believed),
        cmocka_unit_test(test_error_codes),
        cmocka_unit_test(test_query_and_close),
        cmocka_unit_test(test_pay_params),
        cmocka_unit_test(test_notice_open_v4),
        cmocka_unit_test(test_notice_refused),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_txn_parse),
    };
    return cmocka_run_group_tests_name("wxpay", tests, setup, teardown);
}
