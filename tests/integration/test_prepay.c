/*
 * test_prepay.c — prepaying future periods at the desk over the real stack
 * (FEE-4 "for prepaying a year", PAY-2; docs/api.md §6.3, docs/billing.md).
 * A project of its own (ZPRE, served by the demo admin and butler
 * 13900000001) with a monthly property fee of 2.35 元/m², a prepayment
 * scheme "prepay a year, a month off" (833 bp, min_months 12) and 10 % off
 * for the elderly; homes of 89.50 m² (21,033 fen a month) with owners
 * 13300001xx. Periods are counted from this month (China time), so the
 * test holds on any day:
 *   - the quote of 12 months, worked out by hand; 11 months get no
 *     prepayment discount; an elderly home gets its 10 % instead (never
 *     both);
 *   - an unpaid bill of the item blocks (blocked_by, 409
 *     EARLIER_BILL_UNPAID), a stale amount or period is 409 with nothing
 *     written, then the prepayment: 12 bills paid, one receipt, the owner
 *     sees them paid; the same request again is 409; a second prepayment
 *     continues after the 12th month; 8 identical requests at once: one
 *     prepayment;
 *   - bad input, each 400/403/404/409 with nothing changed;
 *   - the demo's scheme: 张伟's home quotes a year of 物业费 with it, its
 *     open months listed as blocking (README, sql/demo.sql);
 *   - the books balance (here, and check-books after the binary).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "itest.h"

static struct {
    char *admin, *butler, *butler2;
    int64_t proj, bldg;
    int64_t wyf, quarterly, once, usage, inactive, norate; /* fee items */
    int64_t other_item, other_home;                        /* of project 2 */
    int64_t prepay_scheme, elderly_scheme;
    int homes;
} g;

#define call_as(tok, m, path, body, st, code)                                                      \
    it_call_at((tok), (m), (path), (body), (st), (code), false, __FILE__, __LINE__)
#define refused_as(tok, m, path, body, st, code)                                                   \
    it_refused_at((tok), (m), (path), (body), (st), (code), __FILE__, __LINE__)

/* 89.50 m² × 2.35 元/m² = 210.325 元 → 21,033 fen a month (half-up). */
#define MONTH_FEN 21033
/* 8.33 % of it: 21,033 × 833 / 10,000 = 1,752.0489 → 1,752 fen. */
#define PREPAY_OFF_FEN 1752
/* 10 % for the elderly: 2,103.3 → 2,103 fen. */
#define ELDERLY_OFF_FEN 2103

/* This month (China time) plus offset months, "YYYY-MM". */
static const char *month_at(int offset, char out[8])
{
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    unsigned ym;

    gmtime_r(&t, &tm);
    ym = (unsigned)((tm.tm_year + 1900) * 12 + tm.tm_mon + offset);
    snprintf(out, 8, "%04u-%02u", ym / 12 % 10000, ym % 12 + 1);
    return out;
}

static int64_t sql_int1(const char *sql, int64_t a)
{
    struct db_param p[1] = {P_INT(a)};
    return it_sql_int(sql, p, 1);
}

/* ---- fixture ------------------------------------------------------------------------ */

/* A home of 89.50 m² with its own owner (13300001NN); *token the owner's
 * session when asked for. */
static int64_t new_home(const char *group, char **token)
{
    char body[512], phone[16], path[96];
    int64_t id;
    struct db_param p[2];

    g.homes++;
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"code\":\"ZP-%d\",\"number\":\"P%d\","
             "\"kind\":\"home\",\"area_m2x100\":8950}",
             (long long)g.proj, (long long)g.bldg, g.homes, g.homes);
    id = call_as(g.admin, "POST", "/api/v1/office/resources", body, 201, NULL);
    if (group) {
        p[0] = P_STR(group);
        p[1] = P_INT(id);
        it_sql_exec("UPDATE resources SET customer_group = ? WHERE id = ?", p, 2);
    }
    snprintf(phone, sizeof(phone), "133000001%02d", g.homes);
    snprintf(body, sizeof(body),
             "{\"name\":\"预缴业主%d\",\"phone\":\"%s\",\"relation\":\"owner\","
             "\"moved_in_on\":\"2026-01-01\"}",
             g.homes, phone);
    snprintf(path, sizeof(path), "/api/v1/office/resources/%lld/occupants", (long long)id);
    call_as(g.admin, "POST", path, body, 201, NULL);
    if (token) {
        *token = it_owner_login_sms(phone);
        assert_non_null(*token);
    }
    return id;
}

static int64_t item(const char *code, const char *cycle, const char *method, int64_t rate)
{
    char path[96], body[256];
    int64_t id;

    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/fee-items", (long long)g.proj);
    snprintf(body, sizeof(body),
             "{\"code\":\"%s\",\"name\":\"%s\",\"cycle\":\"%s\",\"method\":\"%s\","
             "\"due_day_of_cycle\":5}",
             code, strcmp(code, "ZP-WY") == 0 ? "物业费" : code, cycle, method);
    id = call_as(g.admin, "POST", path, body, 201, NULL);
    if (rate) {
        snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld/rates", (long long)id);
        snprintf(body, sizeof(body), "{\"rate\":%lld,\"valid_from\":\"2020-01-01\"}",
                 (long long)rate);
        call_as(g.admin, "POST", path, body, 201, NULL);
    }
    return id;
}

static int64_t scheme(const char *body)
{
    char path[96];

    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/discount-schemes",
             (long long)g.proj);
    return call_as(g.admin, "POST", path, body, 201, NULL);
}

static int setup(void **state)
{
    struct db_param p[2];
    char body[512], path[96], last[8];

    (void)state;
    it_sql_exec("INSERT INTO projects (code, name, address) VALUES ('ZPRE', '预缴测试小区', '')",
                NULL, 0);
    g.proj = it_sql_int("SELECT id FROM projects WHERE code = 'ZPRE'", NULL, 0);
    p[0] = P_INT(g.proj);
    it_sql_exec("INSERT INTO buildings (project_id, name, floors, business_type_id) "
                "VALUES (?, '预缴楼', 10, 1)",
                p, 1);
    g.bldg = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) SELECT id, ? FROM staff "
                "WHERE phone IN ('13900000009', '13900000001')",
                p, 1);
    g.admin = it_staff_login("13900000009", "demo1234");
    g.butler = it_staff_login("13900000001", "demo1234");
    g.butler2 = it_staff_login("13900000002", "demo1234");
    if (!g.admin || !g.butler || !g.butler2)
        return -1;
    g.wyf = item("ZP-WY", "monthly", "building_area", 2350000);
    g.quarterly = item("ZP-GL", "quarterly", "fixed", 9000);
    g.once = item("ZP-ONCE", "once", "fixed", 5000);
    g.usage = item("ZP-SF", "monthly", "usage", 48000);
    g.inactive = item("ZP-OFF", "monthly", "fixed", 100);
    snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld", (long long)g.inactive);
    call_as(g.admin, "PATCH", path, "{\"active\":false}", 200, NULL);
    /* a rate that ends with the month after next: three months billable */
    g.norate = item("ZP-NR", "monthly", "fixed", 0);
    snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld/rates", (long long)g.norate);
    month_at(2, last);
    snprintf(body, sizeof(body),
             "{\"rate\":1000,\"valid_from\":\"2020-01-01\",\"valid_to\":\"%s-28\"}", last);
    call_as(g.admin, "POST", path, body, 201, NULL);
    snprintf(body, sizeof(body),
             "{\"name\":\"预缴一年优惠一个月\",\"fee_item_id\":%lld,\"min_months\":12,"
             "\"off_bp\":833,\"valid_from\":\"2020-01-01\"}",
             (long long)g.wyf);
    g.prepay_scheme = scheme(body);
    g.elderly_scheme = scheme("{\"name\":\"老年人九折\",\"customer_group\":\"elderly\","
                              "\"off_bp\":1000,\"valid_from\":\"2020-01-01\"}");
    /* another project's item and home */
    g.other_item = call_as(g.admin, "POST", "/api/v1/office/projects/2/fee-items",
                           "{\"code\":\"ZP-WY2\",\"name\":\"别家物业费\",\"cycle\":\"monthly\","
                           "\"method\":\"fixed\"}",
                           201, NULL);
    g.other_home = it_sql_int("SELECT MIN(id) FROM resources WHERE project_id = 2", NULL, 0);
    return g.wyf && g.norate && g.prepay_scheme && g.other_home ? 0 : -1;
}

static int teardown(void **state)
{
    struct db_param p[1] = {P_INT(g.proj)};

    (void)state;
    /* Nobody serves the project any more; its books stay, for check-books. */
    it_sql_exec("DELETE FROM staff_projects WHERE project_id = ?", p, 1);
    free(g.admin);
    free(g.butler);
    free(g.butler2);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

static const char *quote_path(int64_t home, int64_t item_id, const char *months)
{
    static char path[160];

    snprintf(path, sizeof(path),
             "/api/v1/staff/resources/%lld/prepay-quote?fee_item_id=%lld"
             "&months=%s",
             (long long)home, (long long)item_id, months);
    return path;
}

static void quote(int64_t home, int64_t item_id, int months, struct http_resp *r)
{
    char m[16];

    snprintf(m, sizeof(m), "%d", months);
    it_http("GET", quote_path(home, item_id, m), NULL, 0, g.butler, r);
    it_expect(r, 200, NULL);
}

static const char *prepay_path(int64_t home)
{
    static char path[96];

    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld/prepay", (long long)home);
    return path;
}

static const char *prepay_body(int64_t item_id, int months, const char *from, int64_t amount)
{
    static char body[256];

    snprintf(body, sizeof(body),
             "{\"fee_item_id\":%lld,\"months\":%d,\"period_from\":\"%s\",\"method\":\"cash\","
             "\"amount_fen\":%lld,\"payer_name\":\"预缴业主\"}",
             (long long)item_id, months, from, (long long)amount);
    return body;
}

/* A bill of a run for this month, due in five days. */
static int64_t add_bill(int64_t home, int64_t item_id, int64_t amount)
{
    char period[8];
    struct db_param p[5] = {P_INT(g.proj), P_INT(home), P_INT(item_id), P_STR(month_at(0, period)),
                            P_INT(amount)};

    it_sql_exec("INSERT INTO bills (project_id, resource_id, fee_item_id, period, cycle_key, "
                "source, amount_fen, due_date) VALUES (?, ?, ?, ?, 1, 'run', ?, "
                "DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR) + INTERVAL 5 DAY)",
                p, 5);
    return it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
}

static int64_t count_bills(int64_t home)
{
    return sql_int1("SELECT COUNT(*) FROM bills WHERE resource_id = ?", home);
}

/* ---- the quote ---------------------------------------------------------------------- */

static void quote_a_year_and_eleven_months(void **state)
{
    int64_t home = new_home(NULL, NULL), bills_before;
    struct http_resp r;
    const cJSON *periods, *x;
    char m[8];

    (void)state;
    bills_before = count_bills(home);
    /* Nothing billed yet: from this month, 12 months. Each: 21,033 −
     * 1,752 = 19,281; the year: 252,396 − 21,024 = 231,372 fen (the
     * scheme's "a month off" is 8.33 % of each month: 21,024 of 21,033). */
    quote(home, g.wyf, 12, &r);
    assert_int_equal(it_int(r.json, "resource_id"), home);
    assert_int_equal(it_int(it_field(r.json, "fee_item"), "id"), g.wyf);
    assert_string_equal(it_str(it_field(r.json, "fee_item"), "name"), "物业费");
    assert_string_equal(it_str(it_field(r.json, "fee_item"), "cycle"), "monthly");
    assert_int_equal(it_int(r.json, "months"), 12);
    assert_string_equal(it_str(r.json, "period_from"), month_at(0, m));
    assert_string_equal(it_str(r.json, "period_to"), month_at(11, m));
    assert_int_equal(it_int(r.json, "amount_fen"), 12 * MONTH_FEN);
    assert_int_equal(it_int(r.json, "amount_fen"), 252396);
    assert_int_equal(it_int(r.json, "discount_fen"), 21024);
    assert_int_equal(it_int(r.json, "due_fen"), 231372);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "blocked_by")), 0);
    periods = it_field(r.json, "periods");
    assert_int_equal(cJSON_GetArraySize(periods), 12);
    for (int i = 0; i < 12; i++) {
        char due[11];
        x = cJSON_GetArrayItem(periods, i);
        assert_string_equal(it_str(x, "period"), month_at(i, m));
        snprintf(due, sizeof(due), "%s-05", m);
        assert_string_equal(it_str(x, "due_date"), due);
        assert_int_equal(it_int(x, "amount_fen"), MONTH_FEN);
        assert_int_equal(it_int(x, "discount_fen"), PREPAY_OFF_FEN);
        assert_int_equal(it_int(x, "due_fen"), 19281);
        assert_int_equal(it_int(it_field(x, "scheme"), "id"), g.prepay_scheme);
        assert_string_equal(it_str(it_field(x, "scheme"), "name"), "预缴一年优惠一个月");
    }
    it_resp_free(&r);

    /* 11 months: the 12-month scheme does not apply: 11 × 21,033 = 231,363 */
    quote(home, g.wyf, 11, &r);
    assert_int_equal(it_int(r.json, "amount_fen"), 231363);
    assert_int_equal(it_int(r.json, "discount_fen"), 0);
    assert_int_equal(it_int(r.json, "due_fen"), 231363);
    x = cJSON_GetArrayItem(it_field(r.json, "periods"), 0);
    assert_true(cJSON_IsNull(it_field(x, "scheme")));
    it_resp_free(&r);
    /* a quote writes nothing */
    assert_int_equal(count_bills(home), bills_before);
}

static void schemes_never_stack(void **state)
{
    int64_t home = new_home("elderly", NULL);
    struct http_resp r;
    const cJSON *x;

    (void)state;
    /* the elderly's 10 % (2,103) beats the prepayment's 1,752, alone:
     * 12 × 2,103 = 25,236 off, 252,396 − 25,236 = 227,160 due */
    quote(home, g.wyf, 12, &r);
    assert_int_equal(it_int(r.json, "discount_fen"), 25236);
    assert_int_equal(it_int(r.json, "due_fen"), 227160);
    x = cJSON_GetArrayItem(it_field(r.json, "periods"), 0);
    assert_int_equal(it_int(x, "discount_fen"), ELDERLY_OFF_FEN);
    assert_int_equal(it_int(it_field(x, "scheme"), "id"), g.elderly_scheme);
    it_resp_free(&r);
    /* a quarterly item: 12 months are 4 quarters from this quarter's first month */
    quote(home, g.quarterly, 12, &r);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "periods")), 4);
    /* 4 × 90 元 = 36,000, the elderly's 10 % of each 9,000: 900 */
    assert_int_equal(it_int(r.json, "amount_fen"), 36000);
    assert_int_equal(it_int(r.json, "discount_fen"), 3600);
    it_resp_free(&r);
}

/* ---- the prepayment ----------------------------------------------------------------- */

static void prepay_a_year(void **state)
{
    char *owner, m[8], m12[8], path[128];
    int64_t home = new_home(NULL, &owner), now_bill, receipt, mark;
    struct http_resp r;
    const cJSON *applied, *items;
    char body_blocked[256];

    (void)state;
    mark = it_sql_int("SELECT COALESCE(MAX(id), 0) FROM audit_log", NULL, 0);
    /* this month's bill is unpaid: it comes first */
    now_bill = add_bill(home, g.wyf, MONTH_FEN);
    quote(home, g.wyf, 12, &r);
    assert_string_equal(it_str(r.json, "period_from"), month_at(1, m));
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "blocked_by")), 1);
    assert_int_equal(cJSON_GetArrayItem(it_field(r.json, "blocked_by"), 0)->valuedouble,
                     (double)now_bill);
    assert_int_equal(it_int(r.json, "due_fen"), 231372);
    it_resp_free(&r);
    snprintf(body_blocked, sizeof(body_blocked), "%s", prepay_body(g.wyf, 12, m, 231372));
    refused_as(g.butler, "POST", prepay_path(home), body_blocked, 409, "EARLIER_BILL_UNPAID");

    /* paid at the desk: now the year can be prepaid from next month */
    snprintf(path, sizeof(path),
             "{\"resource_id\":%lld,\"bill_ids\":[%lld],\"method\":\"cash\",\"amount_fen\":%d}",
             (long long)home, (long long)now_bill, MONTH_FEN);
    call_as(g.butler, "POST", "/api/v1/staff/collections", path, 201, NULL);
    quote(home, g.wyf, 12, &r);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "blocked_by")), 0);
    assert_string_equal(it_str(r.json, "period_from"), month_at(1, m));
    assert_string_equal(it_str(r.json, "period_to"), month_at(12, m12));
    it_resp_free(&r);

    /* a stale figure, a period that is not the next one: 409, nothing written */
    refused_as(g.butler, "POST", prepay_path(home), prepay_body(g.wyf, 12, m, 231371), 409,
               "PREPAY_QUOTE_CHANGED");
    refused_as(g.butler, "POST", prepay_path(home), prepay_body(g.wyf, 12, m, 231363), 409,
               "PREPAY_QUOTE_CHANGED");
    refused_as(g.butler, "POST", prepay_path(home),
               prepay_body(g.wyf, 12, month_at(0, path), 231372), 409, "PREPAY_QUOTE_CHANGED");
    refused_as(g.butler, "POST", prepay_path(home),
               prepay_body(g.wyf, 12, month_at(2, path), 231372), 409, "PREPAY_QUOTE_CHANGED");

    it_http("POST", prepay_path(home), prepay_body(g.wyf, 12, m, 231372), (size_t)-1, g.butler, &r);
    it_expect(&r, 201, NULL);
    receipt = it_int(r.json, "id");
    assert_int_equal(it_int(r.json, "amount_fen"), 231372);
    assert_int_equal(it_int(r.json, "to_prepay_fen"), 0);
    assert_non_null(strstr(it_str(r.json, "receipt_no"), "ZPRE-"));
    applied = it_field(r.json, "applied");
    assert_int_equal(cJSON_GetArraySize(applied), 12);
    for (int i = 0; i < 12; i++)
        assert_int_equal(it_int(cJSON_GetArrayItem(applied, i), "amount_fen"), 19281);
    assert_string_equal(it_str(it_field(r.json, "prepay"), "period_from"), m);
    assert_string_equal(it_str(it_field(r.json, "prepay"), "period_to"), m12);
    it_resp_free(&r);

    /* the books: 12 new bills of source prepay, paid, each with its
     * scheme's discount record; one receipt of 231,372 for them */
    assert_int_equal(count_bills(home), 13);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bills WHERE resource_id = ? AND "
                              "source = 'prepay' AND status = 'paid' AND amount_fen = 21033 AND "
                              "discount_fen = 1752 AND paid_fen = 19281 AND cycle_key = 1",
                              home),
                     12);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bill_discounts d JOIN bills b ON "
                              "b.id = d.bill_id WHERE b.resource_id = ? AND d.kind = 'scheme' "
                              "AND d.amount_fen = 1752 AND d.scheme_id = (SELECT id FROM "
                              "discount_schemes WHERE name = '预缴一年优惠一个月')",
                              home),
                     12);
    assert_int_equal(sql_int1("SELECT amount_fen FROM receipts WHERE id = ?", receipt), 231372);
    assert_int_equal(
        sql_int1("SELECT COUNT(*) FROM bill_applications WHERE receipt_id = ?", receipt), 12);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM receipts WHERE resource_id = ?", home), 2);
    /* audited: the receipt's collection and the prepayment, each once */
    {
        struct db_param p[2] = {P_INT(mark), P_INT(receipt)};
        assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND "
                                    "entity = 'receipt' AND entity_id = ? AND "
                                    "action IN ('collect', 'prepay')",
                                    p, 2),
                         2);
    }

    /* the owner sees them paid */
    it_http("GET", "/api/v1/owner/bills?status=paid", NULL, 0, owner, &r);
    it_expect(&r, 200, NULL);
    items = it_field(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 13);
    assert_string_equal(it_str(cJSON_GetArrayItem(items, 12), "period"), m12);
    assert_string_equal(it_str(cJSON_GetArrayItem(items, 12), "source"), "prepay");
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 12), "due_fen"), 0);
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/bills", NULL, 0, owner, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
    it_resp_free(&r);

    /* the same request again (a double click): the year is billed now */
    refused_as(g.butler, "POST", prepay_path(home), prepay_body(g.wyf, 12, m, 231372), 409,
               "PREPAY_QUOTE_CHANGED");

    /* a second prepayment continues after the 12th month: 3 months, no
     * scheme for 3 months, 3 × 21,033 = 63,099 */
    quote(home, g.wyf, 3, &r);
    assert_string_equal(it_str(r.json, "period_from"), month_at(13, m));
    assert_string_equal(it_str(r.json, "period_to"), month_at(15, m12));
    assert_int_equal(it_int(r.json, "due_fen"), 63099);
    it_resp_free(&r);
    call_as(g.butler, "POST", prepay_path(home), prepay_body(g.wyf, 3, m, 63099), 201, NULL);
    assert_int_equal(count_bills(home), 16);
    assert_int_equal(
        sql_int1("SELECT COUNT(DISTINCT period) FROM bills WHERE resource_id = ?", home), 16);
    it_books_balance();
    free(owner);
}

struct racer {
    int64_t home;
    const char *body;
    long status;
};

static void *race(void *arg)
{
    struct racer *x = arg;
    struct http_resp r;

    it_http("POST", prepay_path(x->home), x->body, (size_t)-1, g.butler, &r);
    x->status = r.status;
    it_resp_free(&r);
    return NULL;
}

/* Eight identical prepayments at once: one is made, the others find the
 * year billed (409), one receipt. */
static void eight_at_once_prepay_once(void **state)
{
    int64_t home = new_home(NULL, NULL);
    struct racer x[8];
    pthread_t t[8];
    char m[8], body[256];
    int ok = 0, stale = 0;

    (void)state;
    snprintf(body, sizeof(body), "%s", prepay_body(g.wyf, 12, month_at(0, m), 231372));
    for (int i = 0; i < 8; i++) {
        x[i] = (struct racer){home, body, 0};
        assert_int_equal(pthread_create(&t[i], NULL, race, &x[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        ok += x[i].status == 201;
        stale += x[i].status == 409;
    }
    assert_int_equal(ok, 1);
    assert_int_equal(stale, 7);
    assert_int_equal(count_bills(home), 12);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM receipts WHERE resource_id = ?", home), 1);
    it_books_balance();
}

/* ---- bad input ---------------------------------------------------------------------- */

static void bad_input_changes_nothing(void **state)
{
    int64_t home = new_home(NULL, NULL);
    static const char *const months[] = {"0", "37", "1.5", "abc", "-1", "", "12a", "99999999999"};
    static const char *const amounts[] = {
        "0", "-1", "1.5", "\"100\"", "1e3", "null", "1000000000000000", "true"};
    char m[8], path[160], body[512], *tech;
    struct http_resp r;

    (void)state;
    month_at(0, m);
    for (size_t i = 0; i < sizeof(months) / sizeof(months[0]); i++)
        refused_as(g.butler, "GET", quote_path(home, g.wyf, months[i]), NULL, 400, "BAD_REQUEST");
    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld/prepay-quote?months=12",
             (long long)home);
    refused_as(g.butler, "GET", path, NULL, 400, "BAD_REQUEST");
    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld/prepay-quote?fee_item_id=%lld",
             (long long)home, (long long)g.wyf);
    refused_as(g.butler, "GET", path, NULL, 400, "BAD_REQUEST");
    /* items that cannot be prepaid: one-off, by usage, switched off, a
     * quarterly item for months that are no whole quarters */
    refused_as(g.butler, "GET", quote_path(home, g.once, "12"), NULL, 400, "BAD_REQUEST");
    refused_as(g.butler, "GET", quote_path(home, g.usage, "12"), NULL, 400, "BAD_REQUEST");
    refused_as(g.butler, "GET", quote_path(home, g.inactive, "12"), NULL, 400, "BAD_REQUEST");
    refused_as(g.butler, "GET", quote_path(home, g.quarterly, "4"), NULL, 400, "BAD_REQUEST");
    /* another project's item, resource; unknown ones */
    refused_as(g.butler, "GET", quote_path(home, g.other_item, "12"), NULL, 404, "NOT_FOUND");
    refused_as(g.butler, "GET", quote_path(home, 999999, "12"), NULL, 404, "NOT_FOUND");
    refused_as(g.butler, "GET", quote_path(g.other_home, g.wyf, "12"), NULL, 404, "NOT_FOUND");
    refused_as(g.butler, "GET", quote_path(999999, g.wyf, "12"), NULL, 404, "NOT_FOUND");
    refused_as(g.butler2, "GET", quote_path(home, g.wyf, "12"), NULL, 404, "NOT_FOUND");
    /* no rate from the fourth month on: 409 naming that month */
    it_http("GET", quote_path(home, g.norate, "12"), NULL, 0, g.butler, &r);
    it_expect(&r, 409, "PREPAY_NOT_BILLABLE");
    assert_non_null(strstr(it_str(it_field(r.json, "error"), "message"), month_at(3, path)));
    it_resp_free(&r);
    refused_as(g.butler, "GET", quote_path(home, g.norate, "3"), NULL, 200, NULL);
    refused_as(g.butler, "POST", prepay_path(home), prepay_body(g.norate, 4, m, 4000), 409,
               "PREPAY_NOT_BILLABLE");

    /* the collection's own fields */
    for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
        snprintf(body, sizeof(body),
                 "{\"fee_item_id\":%lld,\"months\":12,\"period_from\":\"%s\",\"method\":\"cash\","
                 "\"amount_fen\":%s}",
                 (long long)g.wyf, m, amounts[i]);
        refused_as(g.butler, "POST", prepay_path(home), body, 400, "BAD_REQUEST");
    }
    for (size_t i = 0; i < 3; i++) {
        snprintf(body, sizeof(body),
                 "{\"fee_item_id\":%lld,\"months\":%s,\"period_from\":\"%s\",\"method\":\"cash\","
                 "\"amount_fen\":231372}",
                 (long long)g.wyf, months[i], m);
        refused_as(g.butler, "POST", prepay_path(home), body, 400, "BAD_REQUEST");
    }
    refused_as(g.butler, "POST", prepay_path(home), prepay_body(g.wyf, 12, "2026-1", 231372), 400,
               "BAD_REQUEST");
    refused_as(g.butler, "POST", prepay_path(home), prepay_body(g.wyf, 12, "2026-13", 231372), 400,
               "BAD_REQUEST");
    snprintf(body, sizeof(body),
             "{\"fee_item_id\":%lld,\"months\":12,\"method\":\"cash\",\"amount_fen\":231372}",
             (long long)g.wyf);
    refused_as(g.butler, "POST", prepay_path(home), body, 400, "BAD_REQUEST"); /* no period_from */
    snprintf(body, sizeof(body),
             "{\"fee_item_id\":%lld,\"months\":12,\"period_from\":\"%s\",\"method\":\"bitcoin\","
             "\"amount_fen\":231372}",
             (long long)g.wyf, m);
    refused_as(g.butler, "POST", prepay_path(home), body, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body),
             "{\"fee_item_id\":%lld,\"months\":12,\"period_from\":\"%s\",\"method\":\"prepay\","
             "\"amount_fen\":231372}",
             (long long)g.wyf, m);
    refused_as(g.butler, "POST", prepay_path(home), body, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body),
             "{\"fee_item_id\":%lld,\"months\":12,\"period_from\":\"%s\",\"method\":\"cash\","
             "\"amount_fen\":231372,\"to_prepay\":true}",
             (long long)g.wyf, m);
    refused_as(g.butler, "POST", prepay_path(home), body, 400, "BAD_REQUEST");
    refused_as(g.butler, "POST", prepay_path(home), prepay_body(g.once, 12, m, 5000), 400,
               "BAD_REQUEST");
    refused_as(g.butler, "POST", prepay_path(home), prepay_body(g.usage, 12, m, 5000), 400,
               "BAD_REQUEST");
    refused_as(g.butler, "POST", prepay_path(home), prepay_body(g.inactive, 12, m, 1200), 400,
               "BAD_REQUEST");
    refused_as(g.butler, "POST", prepay_path(home), prepay_body(g.other_item, 12, m, 1), 404,
               "NOT_FOUND");
    refused_as(g.butler, "POST", prepay_path(g.other_home), prepay_body(g.wyf, 12, m, 231372), 404,
               "NOT_FOUND");
    refused_as(g.butler2, "POST", prepay_path(home), prepay_body(g.wyf, 12, m, 231372), 404,
               "NOT_FOUND");
    /* a role that does not collect: 403 */
    snprintf(body, sizeof(body),
             "{\"name\":\"预缴技工\",\"phone\":\"13300000199\",\"password\":\"tech12345\","
             "\"roles\":[\"technician\"],\"project_ids\":[%lld]}",
             (long long)g.proj);
    call_as(g.admin, "POST", "/api/v1/office/staff", body, 201, NULL);
    tech = it_staff_login("13300000199", "tech12345");
    assert_non_null(tech);
    refused_as(tech, "GET", quote_path(home, g.wyf, "12"), NULL, 403, "FORBIDDEN");
    refused_as(tech, "POST", prepay_path(home), prepay_body(g.wyf, 12, m, 231372), 403,
               "FORBIDDEN");
    free(tech);
    /* and after all that the year is still there to prepay */
    call_as(g.butler, "POST", prepay_path(home), prepay_body(g.wyf, 12, m, 231372), 201, NULL);
    it_books_balance();
}

static void demo_scheme_quotes(void **state)
{
    int64_t home = it_sql_int("SELECT MIN(pr.resource_id) FROM person_resources pr JOIN persons p "
                              "ON p.id = pr.person_id JOIN resources r ON r.id = pr.resource_id "
                              "WHERE p.phone = '13800000001' AND r.project_id = 1",
                              NULL, 0);
    struct http_resp r;
    const cJSON *periods;

    (void)state;
    quote(home, 1, 12, &r);
    periods = it_field(r.json, "periods");
    assert_int_equal(cJSON_GetArraySize(periods), 12);
    for (int i = 0; i < 12; i++) {
        const cJSON *x = cJSON_GetArrayItem(periods, i);
        assert_string_equal(it_str(it_field(x, "scheme"), "name"), "物业费预缴一年优惠一个月");
        assert_true(it_int(x, "discount_fen") > 0);
    }
    /* its open months (six as loaded; other tests may have paid some) */
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "blocked_by")),
                     it_sql_int("SELECT COUNT(*) FROM bills WHERE resource_id = ? AND "
                                "fee_item_id = 1 AND status IN ('unpaid', 'partial')",
                                (struct db_param[]){P_INT(home)}, 1));
    assert_true(cJSON_GetArraySize(it_field(r.json, "blocked_by")) > 0);
    it_resp_free(&r);
    /* eleven months: no prepayment discount */
    quote(home, 1, 11, &r);
    assert_int_equal(it_int(r.json, "discount_fen"), 0);
    it_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quote_a_year_and_eleven_months),
        cmocka_unit_test(schemes_never_stack),
        cmocka_unit_test(prepay_a_year),
        cmocka_unit_test(eight_at_once_prepay_once),
        cmocka_unit_test(bad_input_changes_nothing),
        cmocka_unit_test(demo_scheme_quotes),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests_name("integration_prepay", tests, setup, teardown);
}
