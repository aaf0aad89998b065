/*
 * test_payments.c — online payment through WeChat Pay over the real stack
 * and the WeChat Pay stand-in (PAY-1; API.md "Owner" payments and "WeChat
 * Pay notifications"; issue 7's must-show 2 for the owner's payment):
 *   - earliest-first as at the desk: March alone while February is unpaid
 *     is 409 EARLIER_BILL_UNPAID with nothing changed; February+March is
 *     201 with wx.requestPayment's arguments, paySign verified with the
 *     merchant's public key;
 *   - a bill held by an open payment: 409 BILL_NOT_PAYABLE at the owner
 *     and at the desk;
 *   - paid through the stand-in, the notification delivered twice at
 *     once: applied once (one receipt with its number, the bills paid);
 *   - forged, stale, probe and unknown-serial notifications: 401, nothing
 *     changed; a verified one with another amount, order or merchant: 400
 *     and an alert; another trade_state: 204, recorded;
 *   - another owner's payment 404; an owner without openid 409
 *     WECHAT_NOT_BOUND; bad input 400 with nothing changed;
 *   - WeChat Pay failing at creation: 503/502 and the bills let go;
 *   - expiry (the job's function): closed there and here, the bills let
 *     go; a success arriving afterwards is recorded, nothing applied;
 *   - a lost notification: the order query (GET, the expiry job) applies;
 *   - the late fee grown since creation: the bill stays partial; a bill
 *     needing less than its fixed amount: the rest to prepayment.
 * Everything in a project of its own (ZPAY, served by the demo admin and
 * butler 13900000001) with homes and owners (phones 136000002xx) made by
 * each test; teardown closes what is still pending, so that the expiry
 * job never changes anything while other test binaries run.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "books.h"
#include "clients/wxpay.h"
#include "core/b64.h"
#include "itest.h"
#include "payments.h"

static struct {
    char *admin, *butler;
    int64_t prop, park; /* by area with a late fee (5 bp a day, no grace); fixed */
    int64_t proj, bldg;
    int64_t proj2, bldg2; /* a second project of its own (ZPAY2), for a payment across two */
    int homes;
    struct wxpay_client wx;            /* the stack's configuration, for the job's function */
    struct wxpay_key platform_private; /* plays WeChat Pay in forged notifications */
} g;

#define call_as(tok, m, path, body, st, code)                                                      \
    it_call_at((tok), (m), (path), (body), (st), (code), false, __FILE__, __LINE__)
#define refused_as(tok, m, path, body, st, code)                                                   \
    it_refused_at((tok), (m), (path), (body), (st), (code), __FILE__, __LINE__)

struct home {
    int64_t id, person;
    char phone[16];
    char *token;
};

/* A home of the test's project with its own owner, logged in through
 * WeChat (an openid) or by SMS only. */
static void new_home(struct home *h, bool wechat)
{
    char body[512], path[96];
    struct db_param p[1];

    g.homes++;
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"code\":\"ZP-%d\",\"number\":\"P%d\","
             "\"kind\":\"home\",\"area_m2x100\":10000}",
             (long long)g.proj, (long long)g.bldg, g.homes, g.homes);
    h->id = call_as(g.admin, "POST", "/api/v1/office/resources", body, 201, NULL);
    snprintf(h->phone, sizeof(h->phone), "136000002%02d", g.homes);
    snprintf(body, sizeof(body),
             "{\"name\":\"支付业主%d\",\"phone\":\"%s\",\"relation\":\"owner\","
             "\"moved_in_on\":\"2026-01-01\"}",
             g.homes, h->phone);
    snprintf(path, sizeof(path), "/api/v1/office/resources/%lld/occupants", (long long)h->id);
    call_as(g.admin, "POST", path, body, 201, NULL);
    h->token = wechat ? it_owner_login_wechat(h->phone) : it_owner_login_sms(h->phone);
    assert_non_null(h->token);
    p[0] = P_STR(h->phone);
    h->person = it_sql_int("SELECT id FROM persons WHERE phone = ?", p, 1);
}

/* One more resource (of the project and building given) for h's owner. */
static int64_t add_resource_for(const struct home *h, int64_t proj, int64_t bldg, const char *kind)
{
    char body[512], path[96];
    int64_t id;

    g.homes++;
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"code\":\"ZP-%d\",\"number\":\"P%d\","
             "\"kind\":\"%s\",\"area_m2x100\":1200}",
             (long long)proj, (long long)bldg, g.homes, g.homes, kind);
    id = call_as(g.admin, "POST", "/api/v1/office/resources", body, 201, NULL);
    snprintf(body, sizeof(body),
             "{\"person_id\":%lld,\"relation\":\"owner\",\"moved_in_on\":\"2026-01-01\"}",
             (long long)h->person);
    snprintf(path, sizeof(path), "/api/v1/office/resources/%lld/occupants", (long long)id);
    call_as(g.admin, "POST", path, body, 201, NULL);
    return id;
}

static int64_t add_bill_in(int64_t proj, int64_t resource, int64_t item, const char *period,
                           int64_t amount, int days_ago)
{
    struct db_param p[6] = {P_INT(proj),   P_INT(resource), P_INT(item),
                            P_STR(period), P_INT(amount),   P_INT(days_ago)};

    it_sql_exec("INSERT INTO bills (project_id, resource_id, fee_item_id, period, cycle_key, "
                "source, amount_fen, due_date) VALUES (?, ?, ?, ?, 1, 'run', ?, "
                "DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR) - INTERVAL ? DAY)",
                p, 6);
    return it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
}

static int64_t add_bill(int64_t resource, int64_t item, const char *period, int64_t amount,
                        int days_ago)
{
    return add_bill_in(g.proj, resource, item, period, amount, days_ago);
}

static int64_t row_int(const char *sql, int64_t id)
{
    struct db_param p[1] = {P_INT(id)};
    return it_sql_int(sql, p, 1);
}

static void row_str(const char *sql, int64_t id, char *out, size_t size)
{
    struct db_param p[1] = {P_INT(id)};
    it_sql_str(sql, p, 1, out, size);
}

#define assert_row_str(sql, id, want)                                                              \
    do {                                                                                           \
        char v_[64];                                                                               \
        row_str((sql), (id), v_, sizeof(v_));                                                      \
        assert_string_equal(v_, (want));                                                           \
    } while (0)
#define BILL_STATUS "SELECT status FROM bills WHERE id = ?"
#define PAY_STATUS "SELECT status FROM payments WHERE id = ?"
#define HELD_BY "SELECT IFNULL(open_payment_id, 0) FROM bills WHERE id = ?"

static void books_balance(void)
{
    struct err e = {0};
    long breaches = -1;

    assert_int_equal(books_check(it_db(), stderr, &breaches, &e), 0);
    assert_int_equal(breaches, 0);
}

static void ids_body(char *out, size_t size, const int64_t *ids, size_t n)
{
    int at = snprintf(out, size, "{\"bill_ids\":[");
    for (size_t i = 0; i < n; i++)
        at += snprintf(out + at, size - (size_t)at, "%s%lld", i ? "," : "", (long long)ids[i]);
    snprintf(out + at, size - (size_t)at, "]}");
}

/* POST /owner/payments; the answer stays in r. */
static void pay_create_http(const char *token, const int64_t *ids, size_t n, struct http_resp *r)
{
    char body[4096];

    ids_body(body, sizeof(body), ids, n);
    it_http("POST", "/api/v1/owner/payments", body, (size_t)-1, token, r);
}

/* A created payment: its id and out_trade_no. */
static int64_t pay_create_ok(const char *token, const int64_t *ids, size_t n, char trade_no[40])
{
    struct http_resp r;
    int64_t id;

    pay_create_http(token, ids, n, &r);
    it_expect(&r, 201, NULL);
    id = it_int(r.json, "id");
    snprintf(trade_no, 40, "%s", it_str(r.json, "out_trade_no"));
    it_resp_free(&r);
    return id;
}

/* The owner gives a pending payment up. */
static void cancel(const struct home *h, int64_t id)
{
    char path[96];
    struct http_resp r;

    snprintf(path, sizeof(path), "/api/v1/owner/payments/%lld/cancel", (long long)id);
    it_http("POST", path, NULL, 0, h->token, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(r.json, "status"), "closed");
    it_resp_free(&r);
}

static void standin(const char *method, const char *path, const char *body, struct http_resp *r)
{
    char url[512];

    snprintf(url, sizeof(url), "%s%s", it_env("WUYE_WECHAT_URL"), path);
    it_http_url(method, url, body, body ? (size_t)-1 : 0, NULL, r);
}

/* The user pays the order at the stand-in (which then notifies). */
static void standin_pay(const char *trade_no, const char *body)
{
    char path[128];
    struct http_resp r;

    snprintf(path, sizeof(path), "/_test/pay/%s", trade_no);
    standin("POST", path, body, &r);
    it_expect(&r, 200, NULL);
    it_resp_free(&r);
}

/* Wait (up to 10 s) until the stand-in has had `answers` 2xx answers to
 * the order's first notification. */
static void wait_delivered(const char *trade_no, int answers)
{
    char path[128];

    snprintf(path, sizeof(path), "/_test/pay/%s", trade_no);
    for (int i = 0; i < 200; i++) {
        struct http_resp r;
        const cJSON *note, *at;
        int ok = 0;

        standin("GET", path, NULL, &r);
        note = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "notifications"), 0);
        cJSON_ArrayForEach(at, cJSON_GetObjectItem(note, "attempts"))
        {
            int st = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(at, "status"));
            ok += st >= 200 && st < 300;
        }
        it_resp_free(&r);
        if (ok >= answers)
            return;
        usleep(50 * 1000);
    }
    fail_msg("order %s: %d notification answers did not come", trade_no, answers);
}

/* Wait (up to 10 s) for a payment's status. */
static void wait_status(int64_t id, const char *want)
{
    char st[32] = "";

    for (int i = 0; i < 200; i++) {
        row_str(PAY_STATUS, id, st, sizeof(st));
        if (strcmp(st, want) == 0)
            return;
        usleep(50 * 1000);
    }
    fail_msg("payment %lld: status %s, not %s", (long long)id, st, want);
}

/* ---- notifications as WeChat Pay sends them ------------------------------------------ */

/* A transaction's plaintext for the order (the shape of PROTOCOLS §2.5). */
static void txn_json(char *out, size_t size, const char *appid, const char *mchid,
                     const char *trade_no, const char *transaction_id, const char *state,
                     int64_t total)
{
    snprintf(
        out, size,
        "{\"appid\":\"%s\",\"mchid\":\"%s\",\"out_trade_no\":\"%s\",\"transaction_id\":"
        "\"%s\",\"trade_type\":\"JSAPI\",\"trade_state\":\"%s\",\"trade_state_desc\":\"测试\","
        "\"bank_type\":\"OTHERS\",\"attach\":\"\",\"success_time\":"
        "\"2026-11-24T10:30:12.250+08:00\",\"payer\":{\"openid\":\"oTEST\"},\"amount\":"
        "{\"total\":%lld,\"payer_total\":%lld,\"currency\":\"CNY\",\"payer_currency\":\"CNY\"}}",
        appid, mchid, trade_no, transaction_id, state, (long long)total, (long long)total);
}

/* The envelope of plain, encrypted with the stack's APIv3 key. */
static void notice_body(const char *id, const char *plain, struct buf *out)
{
    static const char nonce[] = "aB3dE6gH9jK2";
    const char *key = it_config()->wxpay_apiv3_key;
    unsigned char ct[4096 + 16];
    int n = 0, fin = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    struct buf b64 = BUF_INIT;
    cJSON *env = cJSON_CreateObject(), *res;
    char *text;

    assert_true(strlen(plain) < 4096 && strlen(key) == 32);
    assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, (const unsigned char *)key,
                                        (const unsigned char *)nonce),
                     1);
    assert_int_equal(EVP_EncryptUpdate(c, NULL, &n, (const unsigned char *)"transaction", 11), 1);
    assert_int_equal(EVP_EncryptUpdate(c, ct, &n, (const unsigned char *)plain, (int)strlen(plain)),
                     1);
    assert_int_equal(EVP_EncryptFinal_ex(c, ct + n, &fin), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, ct + n + fin), 1);
    EVP_CIPHER_CTX_free(c);
    b64_encode(ct, (size_t)(n + fin + 16), &b64);
    cJSON_AddStringToObject(env, "id", id);
    cJSON_AddStringToObject(env, "create_time", "2026-11-24T10:30:13+08:00");
    cJSON_AddStringToObject(env, "resource_type", "encrypt-resource");
    cJSON_AddStringToObject(env, "event_type", "TRANSACTION.SUCCESS");
    cJSON_AddStringToObject(env, "summary", "支付成功");
    res = cJSON_AddObjectToObject(env, "resource");
    cJSON_AddStringToObject(res, "original_type", "transaction");
    cJSON_AddStringToObject(res, "algorithm", "AEAD_AES_256_GCM");
    cJSON_AddStringToObject(res, "ciphertext", b64.data);
    cJSON_AddStringToObject(res, "associated_data", "transaction");
    cJSON_AddStringToObject(res, "nonce", nonce);
    text = cJSON_PrintUnformatted(env);
    buf_puts(out, text);
    cJSON_free(text);
    cJSON_Delete(env);
    buf_free(&b64);
}

/* How a forged notification is signed. */
struct forge {
    const char *serial;    /* NULL: the stack's */
    int64_t skew_s;        /* the timestamp's distance from now */
    const char *signature; /* NULL: a real signature of the platform key */
    bool no_headers;
};

static void notice_post(const char *body, const struct forge *f, struct http_resp *r)
{
    char url[256], h_serial[160], h_ts[64], h_nonce[64], h_sig[1024], ts[24];
    const char *headers[5] = {NULL};
    struct buf msg = BUF_INIT, sig = BUF_INIT;
    struct err e = {0};

    snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL) + f->skew_s);
    buf_printf(&msg, "%s\n%s\n%s\n", ts, "0123456789ABCDEF0123456789ABCDEF", body);
    assert_int_equal(wxpay_sign(&g.platform_private, msg.data, msg.len, &sig, &e), 0);
    snprintf(h_serial, sizeof(h_serial), "Wechatpay-Serial: %s",
             f->serial ? f->serial : it_config()->wxpay_platform_serial);
    snprintf(h_ts, sizeof(h_ts), "Wechatpay-Timestamp: %s", ts);
    snprintf(h_nonce, sizeof(h_nonce), "Wechatpay-Nonce: 0123456789ABCDEF0123456789ABCDEF");
    snprintf(h_sig, sizeof(h_sig), "Wechatpay-Signature: %s",
             f->signature ? f->signature : sig.data);
    if (!f->no_headers) {
        headers[0] = h_serial;
        headers[1] = h_ts;
        headers[2] = h_nonce;
        headers[3] = h_sig;
    }
    snprintf(url, sizeof(url), "%s/api/v1/pay/wechat/notify", it_env("WUYE_TEST_URL"));
    it_http_url("POST", url, body, (size_t)-1, headers, r);
    buf_free(&msg);
    buf_free(&sig);
}

/* Post a notification and expect status; with code "FAIL" the body must
 * be WeChat Pay's failure shape. */
static void notice_expect(const char *body, const struct forge *f, long status, int line)
{
    struct http_resp r;

    notice_post(body, f, &r);
    if (r.status != status)
        fail_msg("line %d: notification answered %ld, not %ld: %s", line, r.status, status,
                 r.body.data ? r.body.data : "");
    if (status != 204) {
        assert_non_null(r.json);
        assert_string_equal(it_str(r.json, "code"), "FAIL");
        assert_true(it_has_non_ascii(it_str(r.json, "message")));
    } else {
        assert_int_equal(r.body.len, 0);
    }
    it_resp_free(&r);
}

/* The same, and the database must not change. */
static void notice_refused(const char *body, const struct forge *f, long status, int line)
{
    char before[IT_SNAP], after[IT_SNAP];

    it_snapshot(before, sizeof(before));
    notice_expect(body, f, status, line);
    it_snapshot(after, sizeof(after));
    if (strcmp(before, after) != 0)
        fail_msg("line %d: the notification changed the database", line);
}

/* A notification of our own making for a transaction of this merchant
 * (mchid NULL) or another's, verified as WeChat Pay's: expect status. */
static void notify_txn(const char *notice_id, const char *mchid, const char *trade_no,
                       const char *transaction_id, const char *state, int64_t total, long status,
                       int line)
{
    char plain[1024];
    struct buf env = BUF_INIT;

    txn_json(plain, sizeof(plain), it_config()->wechat_appid,
             mchid ? mchid : it_config()->wxpay_mchid, trade_no, transaction_id, state, total);
    notice_body(notice_id, plain, &env);
    notice_expect(env.data, &(struct forge){0}, status, line);
    buf_free(&env);
}

static int64_t events(int64_t payment, const char *kind)
{
    struct db_param p[2] = {P_INT(payment), P_STR(kind)};
    return it_sql_int("SELECT COUNT(*) FROM payment_events WHERE payment_id = ? AND kind = ?", p,
                      2);
}

/* ---- fixture ----------------------------------------------------------------------- */

/* A project of the test's own with one building, served by the staff
 * members of phone1 and phone2. */
static void own_project(const char *code, const char *name, const char *phone1, const char *phone2,
                        int64_t *proj, int64_t *bldg)
{
    struct db_param p[3] = {P_STR(code), P_STR(name)};

    it_sql_exec("INSERT INTO projects (code, name, address) VALUES (?, ?, '')", p, 2);
    *proj = it_sql_int("SELECT id FROM projects WHERE code = ?", p, 1);
    p[0] = P_INT(*proj);
    it_sql_exec("INSERT INTO buildings (project_id, name, floors, business_type_id) "
                "VALUES (?, '支付楼', 10, 1)",
                p, 1);
    *bldg = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    p[1] = P_STR(phone1);
    p[2] = P_STR(phone2);
    it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) SELECT id, ? FROM staff "
                "WHERE phone IN (?, ?)",
                p, 3);
}

static int setup(void **state)
{
    struct err e = {0};
    char path[96];

    (void)state;
    /* the projects first, so that the logins below already serve them */
    own_project("ZPAY", "支付测试小区", "13900000009", "13900000001", &g.proj, &g.bldg);
    own_project("ZPAY2", "支付测试二区", "13900000009", "13900000009", &g.proj2, &g.bldg2);
    g.admin = it_staff_login("13900000009", "demo1234");
    g.butler = it_staff_login("13900000001", "demo1234");
    if (!g.admin || !g.butler)
        return -1;
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/fee-items", (long long)g.proj);
    g.prop = it_call_at(g.admin, "POST", path,
                        "{\"code\":\"ZP-WY\",\"name\":\"支付物业费\",\"cycle\":\"monthly\","
                        "\"method\":\"building_area\",\"late_fee_daily_bp\":5,"
                        "\"late_fee_grace_days\":0}",
                        201, NULL, false, __FILE__, __LINE__);
    g.park = it_call_at(g.admin, "POST", path,
                        "{\"code\":\"ZP-CW\",\"name\":\"支付车位费\",\"cycle\":\"monthly\","
                        "\"method\":\"fixed\"}",
                        201, NULL, false, __FILE__, __LINE__);
    if (wxpay_client_init(&g.wx, it_config(), &e) < 0 ||
        wxpay_key_load_private(&g.platform_private, "tests/vectors/platform_test_key.pem", &e) <
            0) {
        fprintf(stderr, "WeChat Pay client: %s\n", e.message);
        return -1;
    }
    return g.prop && g.park ? 0 : -1;
}

static int teardown(void **state)
{
    struct db_param p[1] = {P_INT(g.proj)};
    struct pay_expire_counts n;
    struct err e = {0};

    (void)state;
    /* Nothing stays pending for the jobs process to close while the next
     * test binaries look at the database. */
    it_sql_exec("UPDATE payments SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND "
                "WHERE project_id = ? AND status = 'pending'",
                p, 1);
    pay_expire_run(it_db(), &g.wx, 1000, &n, &e);
    it_sql_exec("DELETE FROM staff_projects WHERE project_id = ?", p, 1);
    p[0] = P_INT(g.proj2);
    it_sql_exec("DELETE FROM staff_projects WHERE project_id = ?", p, 1);
    wxpay_client_free(&g.wx);
    wxpay_key_free(&g.platform_private);
    free(g.admin);
    free(g.butler);
    return 0;
}

/* ---- earliest first, pay_params, paid once ------------------------------------------ */

/* paySign over appId\ntimeStamp\nnonceStr\npackage\n with the merchant's
 * public key (PROTOCOLS.md §2.4). */
static void assert_pay_sign(const cJSON *pp)
{
    struct wxpay_key pub = {0};
    struct buf msg = BUF_INIT, sig = BUF_INIT;
    struct err e = {0};
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    assert_int_equal(wxpay_key_load_public(&pub, "tests/vectors/merchant_test_pub.pem", &e), 0);
    buf_printf(&msg, "%s\n%s\n%s\n%s\n", it_str(pp, "appId"), it_str(pp, "timeStamp"),
               it_str(pp, "nonceStr"), it_str(pp, "package"));
    assert_int_equal(b64_decode(it_str(pp, "paySign"), strlen(it_str(pp, "paySign")), &sig), 0);
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub.pkey), 1);
    assert_int_equal(EVP_DigestVerify(md, (const unsigned char *)sig.data, sig.len,
                                      (const unsigned char *)msg.data, msg.len),
                     1);
    EVP_MD_CTX_free(md);
    wxpay_key_free(&pub);
    buf_free(&msg);
    buf_free(&sig);
}

static void february_and_march_paid_once(void **state)
{
    struct home h;
    struct http_resp r;
    char body[256], path[96], trade_no[40], url_path[96], receipt_no[48];
    int64_t feb, mar, id, due_feb, due_mar, receipt;
    const cJSON *pp, *b;
    (void)state;

    new_home(&h, true);
    /* 20 and 5 days late: 23500 × 5 × 20 / 10000 = 235 and 58.75 → 59 */
    feb = add_bill(h.id, g.prop, "2026-02", 23500, 20);
    mar = add_bill(h.id, g.prop, "2026-03", 23500, 5);
    due_feb = 23500 + 235;
    due_mar = 23500 + 59;

    /* March alone while February is unpaid: as at the desk */
    ids_body(body, sizeof(body), &mar, 1);
    refused_as(h.token, "POST", "/api/v1/owner/payments", body, 409, "EARLIER_BILL_UNPAID");
    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"bill_ids\":[%lld],\"method\":\"cash\",\"amount_fen\":%lld}",
             (long long)h.id, (long long)mar, (long long)due_mar);
    refused_as(g.butler, "POST", "/api/v1/staff/collections", body, 409, "EARLIER_BILL_UNPAID");

    /* February and March together */
    pay_create_http(h.token, (int64_t[]){mar, feb}, 2, &r);
    it_expect(&r, 201, NULL);
    id = it_int(r.json, "id");
    assert_int_equal(it_int(r.json, "total_fen"), due_feb + due_mar);
    snprintf(trade_no, sizeof(trade_no), "%s", it_str(r.json, "out_trade_no"));
    assert_int_equal(strlen(trade_no), 29);
    assert_int_equal(trade_no[0], 'W');
    /* the China date, then 20 random letters and digits */
    for (int k = 1; k < 9; k++)
        assert_true(trade_no[k] >= '0' && trade_no[k] <= '9');
    assert_int_equal(
        strspn(trade_no + 9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"), 20);
    assert_non_null(strstr(it_str(r.json, "expires_at"), "+08:00"));
    pp = it_field(r.json, "pay_params");
    assert_string_equal(it_str(pp, "appId"), it_config()->wechat_appid);
    assert_string_equal(it_str(pp, "signType"), "RSA");
    assert_int_equal(strncmp(it_str(pp, "package"), "prepay_id=wx", 12), 0);
    assert_int_equal(strlen(it_str(pp, "nonceStr")), 32);
    assert_true(llabs(atoll(it_str(pp, "timeStamp")) - (long long)time(NULL)) < 60);
    assert_pay_sign(pp);
    it_resp_free(&r);
    /* the order at WeChat Pay: our total, our notify_url */
    snprintf(url_path, sizeof(url_path), "/_test/pay/%s", trade_no);
    standin("GET", url_path, NULL, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(it_int(it_field(r.json, "order"), "amount_total"), due_feb + due_mar);
    assert_string_equal(it_str(it_field(r.json, "order"), "trade_state"), "NOTPAY");
    assert_string_equal(it_str(it_field(r.json, "order"), "notify_url"),
                        it_config()->wxpay_notify_url);
    it_resp_free(&r);

    /* held: pending, the amounts fixed, not payable elsewhere */
    assert_row_str(PAY_STATUS, id, "pending");
    assert_int_equal(row_int(HELD_BY, feb), id);
    assert_int_equal(row_int(HELD_BY, mar), id);
    assert_int_equal(row_int("SELECT SUM(amount_fen) FROM payment_bills WHERE payment_id = ?", id),
                     due_feb + due_mar);
    it_http("GET", "/api/v1/owner/bills", NULL, 0, h.token, &r);
    it_expect(&r, 200, NULL);
    cJSON_ArrayForEach(b, it_field(r.json, "items"))
    {
        assert_false(cJSON_IsTrue(it_field(b, "payable")));
    }
    it_resp_free(&r);
    ids_body(body, sizeof(body), &feb, 1);
    refused_as(h.token, "POST", "/api/v1/owner/payments", body, 409, "BILL_NOT_PAYABLE");
    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"bill_ids\":[%lld],\"method\":\"cash\",\"amount_fen\":%lld}",
             (long long)h.id, (long long)feb, (long long)due_feb);
    refused_as(g.butler, "POST", "/api/v1/staff/collections", body, 409, "BILL_NOT_PAYABLE");

    /* paid; the notification arrives twice at once over two paths */
    standin_pay(trade_no, "{\"result\":\"SUCCESS\",\"duplicate\":true}");
    wait_delivered(trade_no, 2);
    wait_status(id, "paid");
    assert_row_str(BILL_STATUS, feb, "paid");
    assert_row_str(BILL_STATUS, mar, "paid");
    assert_int_equal(row_int(HELD_BY, feb), 0);
    assert_int_equal(row_int("SELECT paid_fen FROM bills WHERE id = ?", feb), due_feb);
    assert_int_equal(row_int("SELECT COUNT(*) FROM receipts WHERE payment_id = ?", id), 1);
    receipt = row_int("SELECT id FROM receipts WHERE payment_id = ?", id);
    assert_int_equal(row_int("SELECT receipt_id FROM payments WHERE id = ?", id), receipt);
    assert_row_str("SELECT method FROM receipts WHERE id = ?", receipt, "wechat_pay");
    assert_int_equal(row_int("SELECT amount_fen FROM receipts WHERE id = ?", receipt),
                     due_feb + due_mar);
    assert_int_equal(
        row_int("SELECT COUNT(*) FROM bill_applications WHERE receipt_id = ?", receipt), 2);
    assert_int_equal(events(id, "applied"), 1);
    row_str("SELECT receipt_no FROM receipts WHERE id = ?", receipt, receipt_no,
            sizeof(receipt_no));
    assert_int_equal(strncmp(receipt_no, "ZPAY-", 5), 0);

    /* what the owner sees */
    snprintf(path, sizeof(path), "/api/v1/owner/payments/%lld", (long long)id);
    it_http("GET", path, NULL, 0, h.token, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(r.json, "status"), "paid");
    assert_string_equal(it_str(r.json, "receipt_no"), receipt_no);
    assert_string_equal(it_str(r.json, "out_trade_no"), trade_no);
    assert_int_equal(it_int(r.json, "total_fen"), due_feb + due_mar);
    /* success_time as WeChat Pay said it, in China time */
    assert_non_null(strstr(it_str(r.json, "paid_at"), "+08:00"));
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "bills")), 2);
    b = cJSON_GetArrayItem(it_field(r.json, "bills"), 0);
    assert_int_equal(it_int(b, "id"), feb);
    assert_int_equal(it_int(b, "amount_fen"), due_feb);
    assert_string_equal(it_str(b, "period"), "2026-02");
    assert_string_equal(it_str(it_field(b, "fee_item"), "name"), "支付物业费");
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/payments", NULL, 0, h.token, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 1);
    assert_int_equal(it_int(cJSON_GetArrayItem(it_field(r.json, "items"), 0), "bill_count"), 2);
    assert_true(cJSON_IsNull(it_field(r.json, "next_cursor")));
    it_resp_free(&r);

    /* the same transaction told again, by a notification of our own
     * making: 204, nothing applied twice, nothing changed */
    {
        char plain[1024], tid[80];
        struct buf env = BUF_INIT;
        row_str("SELECT transaction_id FROM payments WHERE id = ?", id, tid, sizeof(tid));
        txn_json(plain, sizeof(plain), it_config()->wechat_appid, it_config()->wxpay_mchid,
                 trade_no, tid, "SUCCESS", due_feb + due_mar);
        notice_body("EV-TEST-AGAIN-1", plain, &env);
        notice_refused(env.data, &(struct forge){0}, 204, __LINE__);
        buf_free(&env);
    }
    /* a paid payment cannot be cancelled */
    snprintf(path, sizeof(path), "/api/v1/owner/payments/%lld/cancel", (long long)id);
    refused_as(h.token, "POST", path, NULL, 409, "PAYMENT_NOT_PENDING");
    books_balance();
    free(h.token);
}

/* ---- notifications that are not believed or do not match ---------------------------- */

static void notifications_refused(void **state)
{
    struct home h;
    char trade_no[40], plain[1024], path[96];
    struct buf env = BUF_INIT;
    const struct config *c = it_config();
    int64_t bill, id, total;
    struct http_resp r;
    (void)state;

    new_home(&h, true);
    bill = add_bill(h.id, g.park, "2026-04", 5000, 1);
    id = pay_create_ok(h.token, &bill, 1, trade_no);
    total = 5000;
    txn_json(plain, sizeof(plain), c->wechat_appid, c->wxpay_mchid, trade_no,
             "4200000000000000000000000001", "SUCCESS", total);
    notice_body("EV-TEST-FORGED-1", plain, &env);

    /* not believed: 401, nothing changes */
    notice_refused(env.data, &(struct forge){.signature = "c2lnbmF0dXJl"}, 401, __LINE__);
    notice_refused(env.data, &(struct forge){.signature = "WECHATPAY/SIGNTEST/c2lnbmF0dXJl"}, 401,
                   __LINE__);
    notice_refused(env.data, &(struct forge){.skew_s = -600}, 401, __LINE__);
    notice_refused(env.data, &(struct forge){.skew_s = 600}, 401, __LINE__);
    notice_refused(env.data, &(struct forge){.serial = "PUB_KEY_ID_0000000000000000000000000000"},
                   401, __LINE__);
    notice_refused(env.data, &(struct forge){.no_headers = true}, 401, __LINE__);
    /* the body changed after signing: the signature is of another body */
    {
        struct buf tampered = BUF_INIT;
        char sig_only[1024];
        struct buf msg = BUF_INIT, sig = BUF_INIT;
        struct err e = {0};
        char ts[24];
        snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
        buf_printf(&msg, "%s\n0123456789ABCDEF0123456789ABCDEF\n%s\n", ts, env.data);
        assert_int_equal(wxpay_sign(&g.platform_private, msg.data, msg.len, &sig, &e), 0);
        snprintf(sig_only, sizeof(sig_only), "%s", sig.data);
        buf_printf(&tampered, "%s ", env.data);
        notice_refused(tampered.data, &(struct forge){.signature = sig_only}, 401, __LINE__);
        buf_free(&tampered);
        buf_free(&msg);
        buf_free(&sig);
    }
    assert_row_str(PAY_STATUS, id, "pending");

    /* verified, not our order's amount: 400, an alert, the payment as it was */
    notify_txn("EV-TEST-AMOUNT-1", NULL, trade_no, "4200000000000000000000000002", "SUCCESS",
               total + 1, 400, __LINE__);
    assert_int_equal(events(id, "mismatch"), 1);
    /* its retry is the same alert, not another */
    notify_txn("EV-TEST-AMOUNT-1", NULL, trade_no, "4200000000000000000000000002", "SUCCESS",
               total + 1, 400, __LINE__);
    assert_int_equal(events(id, "mismatch"), 1);
    assert_int_equal(row_int("SELECT alert FROM payment_events WHERE notice_id = "
                             "'EV-TEST-AMOUNT-1' AND payment_id = ?",
                             id),
                     1);
    assert_row_str(PAY_STATUS, id, "pending");
    assert_row_str(BILL_STATUS, bill, "unpaid");
    assert_int_equal(row_int("SELECT COUNT(*) FROM receipts WHERE payment_id = ?", id), 0);

    /* another merchant's, and an order we do not have: 400 and an alert */
    notify_txn("EV-TEST-MCHID-1", "1999999999", trade_no, "4200000000000000000000000003", "SUCCESS",
               total, 400, __LINE__);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM payment_events WHERE notice_id = "
                                "'EV-TEST-MCHID-1' AND kind = 'mismatch' AND alert = 1",
                                NULL, 0),
                     1);
    notify_txn("EV-TEST-UNKNOWN-1", NULL, "W20260101NoSuchOrder0000",
               "4200000000000000000000000004", "SUCCESS", total, 400, __LINE__);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM payment_events WHERE notice_id = "
                                "'EV-TEST-UNKNOWN-1' AND kind = 'unknown_order'",
                                NULL, 0),
                     1);

    /* verified, another trade_state: 204, recorded, nothing applied */
    notify_txn("EV-TEST-STATE-1", NULL, trade_no, "4200000000000000000000000005", "PAYERROR", total,
               204, __LINE__);
    assert_int_equal(events(id, "not_success"), 1);
    assert_row_str(PAY_STATUS, id, "pending");

    /* a verified envelope without a readable resource: 400 */
    buf_reset(&env);
    buf_puts(&env, "{\"id\":\"EV-TEST-BAD-1\",\"event_type\":\"TRANSACTION.SUCCESS\"}");
    notice_refused(env.data, &(struct forge){0}, 400, __LINE__);

    /* the owner gives the payment up: closed there and here, the bill free */
    cancel(&h, id);
    assert_row_str("SELECT close_reason FROM payments WHERE id = ?", id, "cancelled");
    assert_int_equal(row_int(HELD_BY, bill), 0);
    snprintf(path, sizeof(path), "/_test/pay/%s", trade_no);
    standin("GET", path, NULL, &r);
    assert_string_equal(it_str(it_field(r.json, "order"), "trade_state"), "CLOSED");
    it_resp_free(&r);
    /* cancelling again answers it as it is */
    snprintf(path, sizeof(path), "/api/v1/owner/payments/%lld/cancel", (long long)id);
    refused_as(h.token, "POST", path, NULL, 200, NULL);
    buf_free(&env);
    books_balance();
    free(h.token);
}

/* ---- who may pay, and bad input ----------------------------------------------------- */

static void scope_binding_and_bad_input(void **state)
{
    struct home a, b, sms;
    char body[1024], path[96], trade_no[40];
    int64_t bill_a, bill_b, bill_sms, id, many[101];
    static const char *const bad[] = {
        "{\"bill_ids\":[]}",
        "{}",
        "{\"bill_ids\":null}",
        "{\"bill_ids\":\"1\"}",
        "{\"bill_ids\":[\"1\"]}",
        "{\"bill_ids\":[0]}",
        "{\"bill_ids\":[-1]}",
        "{\"bill_ids\":[1.5]}",
        "{\"bill_ids\":[1],\"x\":1}",
        "{\"bill_ids\":[1000000000000000]}",
        "[1]",
    };
    (void)state;

    new_home(&a, true);
    new_home(&b, true);
    new_home(&sms, false);
    bill_a = add_bill(a.id, g.park, "2026-05", 3000, 1);
    bill_b = add_bill(b.id, g.park, "2026-05", 3000, 1);
    bill_sms = add_bill(sms.id, g.park, "2026-05", 3000, 1);

    /* another's bill, an unknown bill: 404, nothing changed */
    ids_body(body, sizeof(body), &bill_b, 1);
    refused_as(a.token, "POST", "/api/v1/owner/payments", body, 404, "NOT_FOUND");
    ids_body(body, sizeof(body), (int64_t[]){bill_a, bill_b}, 2);
    refused_as(a.token, "POST", "/api/v1/owner/payments", body, 404, "NOT_FOUND");
    ids_body(body, sizeof(body), (int64_t[]){999999999}, 1);
    refused_as(a.token, "POST", "/api/v1/owner/payments", body, 404, "NOT_FOUND");
    /* an owner who never logged in through WeChat: no openid */
    ids_body(body, sizeof(body), &bill_sms, 1);
    refused_as(sms.token, "POST", "/api/v1/owner/payments", body, 409, "WECHAT_NOT_BOUND");
    /* the order of the checks: 404 before 409 WECHAT_NOT_BOUND */
    ids_body(body, sizeof(body), &bill_a, 1);
    refused_as(sms.token, "POST", "/api/v1/owner/payments", body, 404, "NOT_FOUND");

    /* bad input: 400, nothing changed */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        refused_as(a.token, "POST", "/api/v1/owner/payments", bad[i], 400, "BAD_REQUEST");
    ids_body(body, sizeof(body), (int64_t[]){bill_a, bill_a}, 2);
    refused_as(a.token, "POST", "/api/v1/owner/payments", body, 400, "BAD_REQUEST");
    for (int i = 0; i < 101; i++)
        many[i] = bill_a + i;
    ids_body(body, sizeof(body), many, 101);
    refused_as(a.token, "POST", "/api/v1/owner/payments", body, 400, "BAD_REQUEST");
    refused_as(a.token, "GET", "/api/v1/owner/payments?limit=0", NULL, 400, "BAD_REQUEST");
    refused_as(a.token, "GET", "/api/v1/owner/payments?cursor=x", NULL, 400, "BAD_REQUEST");
    /* not an owner, or no one */
    ids_body(body, sizeof(body), &bill_a, 1);
    refused_as(g.butler, "POST", "/api/v1/owner/payments", body, 403, "FORBIDDEN");
    refused_as(NULL, "POST", "/api/v1/owner/payments", body, 401, "UNAUTHENTICATED");
    refused_as(g.butler, "GET", "/api/v1/owner/payments", NULL, 403, "FORBIDDEN");

    /* someone else's payment is not there for you */
    id = pay_create_ok(a.token, &bill_a, 1, trade_no);
    snprintf(path, sizeof(path), "/api/v1/owner/payments/%lld", (long long)id);
    refused_as(b.token, "GET", path, NULL, 404, "NOT_FOUND");
    refused_as(g.butler, "GET", path, NULL, 403, "FORBIDDEN");
    snprintf(path, sizeof(path), "/api/v1/owner/payments/%lld/cancel", (long long)id);
    refused_as(b.token, "POST", path, NULL, 404, "NOT_FOUND");
    refused_as(a.token, "GET", "/api/v1/owner/payments/999999999", NULL, 404, "NOT_FOUND");
    {
        struct http_resp r;
        it_http("GET", "/api/v1/owner/payments", NULL, 0, b.token, &r);
        it_expect(&r, 200, NULL);
        assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
        it_resp_free(&r);
        /* pending, not paid at WeChat Pay: GET asks and changes nothing */
        snprintf(path, sizeof(path), "/api/v1/owner/payments/%lld", (long long)id);
        it_http("GET", path, NULL, 0, a.token, &r);
        it_expect(&r, 200, NULL);
        assert_string_equal(it_str(r.json, "status"), "pending");
        assert_true(cJSON_IsNull(it_field(r.json, "receipt_no")));
        assert_true(cJSON_IsNull(it_field(r.json, "paid_at")));
        it_resp_free(&r);
    }
    free(a.token);
    free(b.token);
    free(sms.token);
}

/* The list: newest first, a page at a time. */
static void list_pages(void **state)
{
    struct home h;
    int64_t jan, feb, ids[3], seen = 0;
    char trade_no[40], path[128], next[32] = "";
    (void)state;

    new_home(&h, true);
    jan = add_bill(h.id, g.park, "2025-01", 100, 40);
    feb = add_bill(h.id, g.park, "2025-02", 100, 10);
    ids[0] = pay_create_ok(h.token, &jan, 1, trade_no);
    cancel(&h, ids[0]);
    ids[1] = pay_create_ok(h.token, &jan, 1, trade_no);
    cancel(&h, ids[1]);
    ids[2] = pay_create_ok(h.token, (int64_t[]){jan, feb}, 2, trade_no);
    do {
        struct http_resp r;
        const cJSON *cursor, *it;
        snprintf(path, sizeof(path), "/api/v1/owner/payments?limit=2%s%s",
                 next[0] ? "&cursor=" : "", next);
        it_http("GET", path, NULL, 0, h.token, &r);
        it_expect(&r, 200, NULL);
        cJSON_ArrayForEach(it, it_field(r.json, "items"))
        {
            assert_int_equal(it_int(it, "id"), ids[2 - seen]);
            assert_string_equal(it_str(it, "status"), seen == 0 ? "pending" : "closed");
            assert_int_equal(it_int(it, "bill_count"), seen == 0 ? 2 : 1);
            assert_int_equal(it_int(it, "total_fen"), seen == 0 ? 200 : 100);
            seen++;
        }
        cursor = it_field(r.json, "next_cursor");
        snprintf(next, sizeof(next), "%s", cJSON_IsString(cursor) ? cursor->valuestring : "");
        it_resp_free(&r);
    } while (next[0]);
    assert_int_equal(seen, 3);
    free(h.token);
}

/* ---- WeChat Pay failing at creation ------------------------------------------------- */

static void fault(const char *json)
{
    struct http_resp r;

    standin("POST", "/_test/wechat/faults", json, &r);
    it_expect(&r, 200, NULL);
    it_resp_free(&r);
}

static void wechat_pay_failure_lets_bills_go(void **state)
{
    struct home h;
    struct http_resp r;
    int64_t bill, id;
    char trade_no[40];
    (void)state;

    new_home(&h, true);
    bill = add_bill(h.id, g.park, "2026-06", 4000, 1);
    fault("{\"endpoint\":\"pay_jsapi\",\"status\":500,\"code\":\"SYSTEM_ERROR\"}");
    pay_create_http(h.token, &bill, 1, &r);
    it_expect(&r, 503, "UPSTREAM_UNAVAILABLE");
    it_resp_free(&r);
    id = row_int("SELECT MAX(id) FROM payments WHERE person_id = ?", h.person);
    assert_row_str(PAY_STATUS, id, "closed");
    assert_row_str("SELECT close_reason FROM payments WHERE id = ?", id, "failed");
    assert_int_equal(row_int(HELD_BY, bill), 0);
    fault("{\"endpoint\":\"pay_jsapi\",\"status\":400,\"code\":\"PARAM_ERROR\"}");
    pay_create_http(h.token, &bill, 1, &r);
    it_expect(&r, 502, "WXPAY_FAILED");
    it_resp_free(&r);
    assert_int_equal(row_int(HELD_BY, bill), 0);
    /* and then it works */
    id = pay_create_ok(h.token, &bill, 1, trade_no);
    assert_int_equal(row_int(HELD_BY, bill), id);
    cancel(&h, id);
    free(h.token);
}

/* ---- expiry, and a success after it ------------------------------------------------- */

static void expire_now(int64_t id)
{
    struct db_param p[1] = {P_INT(id)};
    it_sql_exec("UPDATE payments SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND "
                "WHERE id = ?",
                p, 1);
}

static void expiry_closes_and_a_late_success_is_recorded(void **state)
{
    struct home h;
    struct http_resp r;
    struct pay_expire_counts n;
    struct err e = {0};
    int64_t bill, id;
    char trade_no[40], path[96];
    (void)state;

    new_home(&h, true);
    bill = add_bill(h.id, g.park, "2026-07", 6000, 1);
    id = pay_create_ok(h.token, &bill, 1, trade_no);
    expire_now(id);
    /* the job's run (the jobs process may have run it first: same end) */
    assert_int_equal(pay_expire_run(it_db(), &g.wx, 1000, &n, &e), 0);
    assert_int_equal(n.failed, 0);
    assert_row_str(PAY_STATUS, id, "closed");
    assert_row_str("SELECT close_reason FROM payments WHERE id = ?", id, "expired");
    assert_int_equal(row_int(HELD_BY, bill), 0);
    snprintf(path, sizeof(path), "/_test/pay/%s", trade_no);
    standin("GET", path, NULL, &r);
    assert_string_equal(it_str(it_field(r.json, "order"), "trade_state"), "CLOSED");
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/bills", NULL, 0, h.token, &r);
    assert_true(
        cJSON_IsTrue(it_field(cJSON_GetArrayItem(it_field(r.json, "items"), 0), "payable")));
    it_resp_free(&r);

    /* the user paid in the last second after all: recorded for the
     * office's reconciliation, nothing applied */
    standin_pay(trade_no, "{\"result\":\"SUCCESS\",\"force\":true}");
    wait_delivered(trade_no, 1);
    assert_int_equal(events(id, "closed_order_paid"), 1);
    assert_row_str(PAY_STATUS, id, "closed");
    assert_row_str(BILL_STATUS, bill, "unpaid");
    assert_int_equal(row_int("SELECT COUNT(*) FROM receipts WHERE payment_id = ?", id), 0);
    books_balance();
    free(h.token);
}

/* ---- a lost notification: the order query applies ----------------------------------- */

/* A payment made here with a client whose notify_url goes nowhere, so
 * that only a query can tell. */
static int64_t pay_create_unnotified(const struct home *h, const int64_t *ids, size_t n,
                                     char trade_no[40])
{
    struct wxpay_client wx = g.wx;
    struct principal who = {.kind = SUBJECT_OWNER, .id = h->person};
    struct pay_created out;
    struct arena a = {0};
    struct err e = {0};

    wx.notify_url = "http://127.0.0.1:9/nowhere";
    assert_int_equal(pay_create(it_db(), &wx, 900, &a, &who, ids, n, &out, &e), 0);
    snprintf(trade_no, 40, "%s", out.out_trade_no);
    arena_free(&a);
    return out.id;
}

static void lost_notification_query_applies(void **state)
{
    struct home h;
    struct http_resp r;
    struct pay_expire_counts n;
    struct err e = {0};
    int64_t b1, b2, id1, id2;
    char t1[40], t2[40], path[96];
    (void)state;

    new_home(&h, true);
    b1 = add_bill(h.id, g.park, "2026-08", 7000, 1);
    b2 = add_bill(h.id, g.park, "2026-09", 7000, 1);
    /* the owner's GET asks WeChat Pay */
    id1 = pay_create_unnotified(&h, &b1, 1, t1);
    standin_pay(t1, "{\"result\":\"SUCCESS\"}");
    assert_row_str(PAY_STATUS, id1, "pending");
    snprintf(path, sizeof(path), "/api/v1/owner/payments/%lld", (long long)id1);
    it_http("GET", path, NULL, 0, h.token, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(r.json, "status"), "paid");
    assert_true(cJSON_IsString(it_field(r.json, "receipt_no")));
    it_resp_free(&r);
    assert_row_str(BILL_STATUS, b1, "paid");
    assert_int_equal(row_int("SELECT COUNT(*) FROM payment_events WHERE payment_id = ? "
                             "AND kind = 'applied' AND source = 'query'",
                             id1),
                     1);
    /* the expiry job asks too, and applies instead of closing */
    id2 = pay_create_unnotified(&h, &b2, 1, t2);
    standin_pay(t2, "{\"result\":\"SUCCESS\",\"payer_total\":6000}");
    expire_now(id2);
    assert_int_equal(pay_expire_run(it_db(), &g.wx, 1000, &n, &e), 0);
    assert_row_str(PAY_STATUS, id2, "paid");
    assert_row_str(BILL_STATUS, b2, "paid");
    /* a coupon paid part: the books count the order's total */
    assert_int_equal(row_int("SELECT payer_total_fen FROM payments WHERE id = ?", id2), 6000);
    assert_int_equal(row_int("SELECT paid_fen FROM bills WHERE id = ?", b2), 7000);
    books_balance();
    free(h.token);
}

/* ---- what a fixed amount does to a bill that changed meanwhile ----------------------- */

static void fixed_amounts_when_bills_changed(void **state)
{
    struct home h;
    struct http_resp r;
    int64_t late, park, id, prepay_before;
    char trade_no[40];
    struct db_param p[1];
    (void)state;

    new_home(&h, true);
    /* 10 days late: 23500 × 5 × 10 / 10000 = 117.5 → 118 */
    late = add_bill(h.id, g.prop, "2026-10", 23500, 10);
    park = add_bill(h.id, g.park, "2026-10", 5000, 1);
    id = pay_create_ok(h.token, (int64_t[]){late, park}, 2, trade_no);
    assert_int_equal(row_int("SELECT total_fen FROM payments WHERE id = ?", id), 23618 + 5000);
    /* days pass before the notification: now 30 days late, a late fee of
     * 23500 × 5 × 30 / 10000 = 352.5 → 353; and the parking bill gets a
     * discount of 1000 (as a waiver would) */
    p[0] = P_INT(late);
    it_sql_exec("UPDATE bills SET due_date = due_date - INTERVAL 20 DAY WHERE id = ?", p, 1);
    p[0] = P_INT(park);
    it_sql_exec("INSERT INTO bill_discounts (bill_id, kind, scheme_id, amount_fen) "
                "VALUES (?, 'scheme', 1, 1000)",
                p, 1);
    it_sql_exec("UPDATE bills SET discount_fen = 1000 WHERE id = ?", p, 1);
    p[0] = P_INT(h.id);
    prepay_before = it_sql_int("SELECT IFNULL(SUM(balance_fen), 0) FROM accounts "
                               "WHERE resource_id = ? AND kind = 'prepay'",
                               p, 1);
    standin_pay(trade_no, "{\"result\":\"SUCCESS\"}");
    wait_status(id, "paid");
    /* the owner paid what was fixed: the grown late fee stays open */
    assert_row_str(BILL_STATUS, late, "partial");
    assert_int_equal(row_int("SELECT paid_fen FROM bills WHERE id = ?", late), 23618);
    it_http("GET", "/api/v1/owner/bills", NULL, 0, h.token, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 1);
    assert_int_equal(it_int(cJSON_GetArrayItem(it_field(r.json, "items"), 0), "id"), late);
    assert_int_equal(it_int(cJSON_GetArrayItem(it_field(r.json, "items"), 0), "due_fen"),
                     353 - 118);
    assert_true(
        cJSON_IsTrue(it_field(cJSON_GetArrayItem(it_field(r.json, "items"), 0), "payable")));
    it_resp_free(&r);
    /* the parking bill needed 1000 less: paid, the rest on prepayment */
    assert_row_str(BILL_STATUS, park, "paid");
    assert_int_equal(row_int("SELECT paid_fen FROM bills WHERE id = ?", park), 4000);
    assert_int_equal(it_sql_int("SELECT balance_fen FROM accounts WHERE resource_id = ? "
                                "AND kind = 'prepay'",
                                p, 1),
                     prepay_before + 1000);
    assert_int_equal(row_int("SELECT to_prepay_fen FROM receipts WHERE payment_id = ?", id), 1000);
    assert_int_equal(events(id, "to_prepay"), 1);
    books_balance();
    free(h.token);
}

/* ---- several resources, and a race ------------------------------------------------- */

static void two_resources_two_receipts(void **state)
{
    struct home h;
    int64_t park_space, far, b_home, b_park, b_far, id, item2;
    char trade_no[40], path[128], body[256];
    struct http_resp r;
    (void)state;

    new_home(&h, true);
    park_space = add_resource_for(&h, g.proj, g.bldg, "parking");
    b_home = add_bill(h.id, g.park, "2026-11", 1000, 1);
    b_park = add_bill(park_space, g.park, "2026-11", 2000, 1);
    /* one payment for both: a receipt for each resource */
    id = pay_create_ok(h.token, (int64_t[]){b_park, b_home}, 2, trade_no);
    assert_int_equal(row_int("SELECT total_fen FROM payments WHERE id = ?", id), 3000);
    standin_pay(trade_no, "{\"result\":\"SUCCESS\"}");
    wait_status(id, "paid");
    assert_int_equal(row_int("SELECT COUNT(*) FROM receipts WHERE payment_id = ?", id), 2);
    assert_int_equal(row_int("SELECT COUNT(DISTINCT resource_id) FROM receipts "
                             "WHERE payment_id = ?",
                             id),
                     2);
    assert_int_equal(row_int("SELECT amount_fen FROM receipts WHERE payment_id = ? "
                             "ORDER BY amount_fen DESC LIMIT 1",
                             id),
                     2000);
    snprintf(path, sizeof(path), "/api/v1/owner/payments/%lld", (long long)id);
    it_http("GET", path, NULL, 0, h.token, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "receipt_nos")), 2);
    assert_string_equal(it_str(r.json, "receipt_no"), cJSON_GetStringValue(cJSON_GetArrayItem(
                                                          it_field(r.json, "receipt_nos"), 0)));
    it_resp_free(&r);
    /* bills of two projects (two receipt counters) never share a payment */
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/fee-items", (long long)g.proj2);
    item2 = call_as(g.admin, "POST", path,
                    "{\"code\":\"ZP2-CW\",\"name\":\"二区车位费\",\"cycle\":\"monthly\","
                    "\"method\":\"fixed\"}",
                    201, NULL);
    far = add_resource_for(&h, g.proj2, g.bldg2, "parking");
    b_far = add_bill_in(g.proj2, far, item2, "2026-11", 500, 1);
    b_home = add_bill(h.id, g.park, "2026-12", 1000, 1);
    ids_body(body, sizeof(body), (int64_t[]){b_home, b_far}, 2);
    refused_as(h.token, "POST", "/api/v1/owner/payments", body, 400, "BAD_REQUEST");
    books_balance();
    free(h.token);
}

#define RACERS 8

struct racer {
    const char *token;
    int64_t bill;
    long status;
    char code[32];
};

static void *race(void *arg)
{
    struct racer *x = arg;
    struct http_resp r;

    pay_create_http(x->token, &x->bill, 1, &r);
    x->status = r.status;
    snprintf(x->code, sizeof(x->code), "%s", it_err_code(&r));
    it_resp_free(&r);
    return NULL;
}

static void eight_payments_of_one_bill_at_once(void **state)
{
    struct home h;
    static struct racer x[RACERS];
    pthread_t t[RACERS];
    int created = 0, refused = 0;
    int64_t bill;
    (void)state;

    new_home(&h, true);
    bill = add_bill(h.id, g.park, "2026-08", 800, 1);
    for (int i = 0; i < RACERS; i++) {
        x[i] = (struct racer){.token = h.token, .bill = bill};
        assert_int_equal(pthread_create(&t[i], NULL, race, &x[i]), 0);
    }
    for (int i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        created += x[i].status == 201;
        refused += x[i].status == 409 && strcmp(x[i].code, "BILL_NOT_PAYABLE") == 0;
    }
    assert_int_equal(created, 1);
    assert_int_equal(refused, RACERS - 1);
    assert_int_equal(row_int("SELECT COUNT(*) FROM payment_bills WHERE bill_id = ?", bill), 1);
    assert_int_equal(row_int(HELD_BY, bill),
                     row_int("SELECT payment_id FROM payment_bills WHERE bill_id = ?", bill));
    free(h.token);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(february_and_march_paid_once),
        cmocka_unit_test(notifications_refused),
        cmocka_unit_test(scope_binding_and_bad_input),
        cmocka_unit_test(list_pages),
        cmocka_unit_test(wechat_pay_failure_lets_bills_go),
        cmocka_unit_test(expiry_closes_and_a_late_success_is_recorded),
        cmocka_unit_test(lost_notification_query_applies),
        cmocka_unit_test(fixed_amounts_when_bills_changed),
        cmocka_unit_test(two_resources_two_receipts),
        cmocka_unit_test(eight_payments_of_one_bill_at_once),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests_name("integration_payments", tests, setup, teardown);
}
