/*
 * test_reports.c — the books' reports, their exports, the receipt print
 * page and the bill import over the real stack (PAY-6, PAY-7, FEE-6;
 * docs/api.md §6.1, §7.14, §7.15).
 *
 * The setup builds the books of a project of our own (ZREPT, served by the
 * demo admin and butler 13900000001 and by a cashier the admin creates):
 * four homes in two buildings, cycle bills (inserted as a bill run would,
 * due a number of days before today), a scheme discount and an approved
 * waiver (rows as the discount and approval modules write them), two
 * collections at the desk by the cashier (cash with the late fee, a card
 * part payment), a temporary bill collected by the butler with the rest
 * to prepayment, and a second temporary bill the prepayment pays by
 * itself. Every figure asserted below is worked out by hand from those:
 *
 *   T = today (China). Property fee ZR-WY: 5 bp a day after 30 days of
 *   grace, capped at the principal. Parking ZR-CW: fixed, no late fee.
 *   H1 (1栋)  b1 WY 2025-10  200.00 due T−400: late 370 d × 20000 × 5/10⁴ = 37.00
 *             b2 WY 2025-11  200.00 due T−200, waiver 10.00: late 170 d on 190.00 = 16.15
 *             b3 WY 2025-12  200.00 due T−100, discount 20.00: late 70 d on 180.00 = 6.30
 *             b4 CW 2025-12   50.00 due T−45
 *             b10 WY 2025-09  99.99 void (in no report)
 *   H2 (1栋)  b5 WY 2025-10  300.00 due T−400: late 55.50; paid 355.50 cash (the cashier)
 *             b6 WY 2025-11  300.00 due T−10 (in grace): 100.00 by card (the cashier)
 *   H3 (2栋)  b8 CW (this month) 12.34 temporary: 20.00 cash (the butler), 7.66 to prepayment
 *             b9 CW (this month)  5.00 temporary: paid by the prepayment (offset)
 *   H4 (2栋)  b7 WY 2025-12  150.00 due T+5 (not due)
 *
 * A second project (ZREPT2, the admin's only) takes the bill import and
 * the large export job, so that their bills change nothing above. Audit
 * rows and books stay (check-books runs after this binary).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "books.h"
#include "itest.h"

static struct {
    char *admin, *butler, *cashier;
    int64_t admin_id, cashier_id;
    int64_t proj, proj2, proj3, bA, bB, bC;
    int64_t wy, cw, wy2, q2;
    int64_t h1, h2, h3, h4, z1, z2;
    int64_t b[12];
    int64_t r5, r6, r8;
    char today[11], month[8];
    bool ready;
} g;

#define call_as(tok, m, path, body, st, code)                                                      \
    it_call_at((tok), (m), (path), (body), (st), (code), false, __FILE__, __LINE__)
#define refused_as(tok, m, path, body, st, code)                                                   \
    it_refused_at((tok), (m), (path), (body), (st), (code), __FILE__, __LINE__)

static void need_ready(void)
{
    if (!g.ready)
        fail_msg("the setup did not complete");
}

/* ---- building the books ------------------------------------------------------------- */

static int64_t new_home(int64_t proj, int64_t bldg, const char *code, const char *owner,
                        const char *phone)
{
    char body[512], path[96];
    int64_t id;

    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"code\":\"%s\",\"number\":\"%s\","
             "\"kind\":\"home\",\"area_m2x100\":10000}",
             (long long)proj, (long long)bldg, code, code + 3);
    id = call_as(g.admin, "POST", "/api/v1/office/resources", body, 201, NULL);
    if (owner) {
        snprintf(body, sizeof(body),
                 "{\"name\":\"%s\",\"phone\":\"%s\",\"relation\":\"owner\","
                 "\"moved_in_on\":\"2020-01-01\"}",
                 owner, phone);
        snprintf(path, sizeof(path), "/api/v1/office/resources/%lld/occupants", (long long)id);
        call_as(g.admin, "POST", path, body, 201, NULL);
    }
    return id;
}

/* A cycle bill as a bill run makes it, due days_ago days before today. */
static int64_t add_bill(int64_t proj, int64_t resource, int64_t item, const char *period,
                        int64_t amount, int days_ago, const char *status)
{
    struct db_param p[7] = {P_INT(proj),   P_INT(resource), P_INT(item),    P_STR(period),
                            P_STR(status), P_INT(amount),   P_INT(days_ago)};

    it_sql_exec("INSERT INTO bills (project_id, resource_id, fee_item_id, period, cycle_key, "
                "source, status, amount_fen, due_date) VALUES (?, ?, ?, ?, 1, 'run', ?, ?, "
                "DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR) - INTERVAL ? DAY)",
                p, 7);
    return it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
}

static int64_t fee_item(int64_t proj, const char *body)
{
    char path[96];

    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/fee-items", (long long)proj);
    return call_as(g.admin, "POST", path, body, 201, NULL);
}

static int64_t temp_bill(const char *token, int64_t resource, int64_t item, int64_t amount)
{
    char path[96], body[128];

    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld/bills", (long long)resource);
    snprintf(body, sizeof(body), "{\"fee_item_id\":%lld,\"amount_fen\":%lld,\"note\":\"临时\"}",
             (long long)item, (long long)amount);
    return call_as(token, "POST", path, body, 201, NULL);
}

/* Collect one bill; the receipt's id. */
static int64_t collect(const char *token, int64_t resource, int64_t bill, const char *method,
                       int64_t amount, const char *extra)
{
    char body[512];
    struct http_resp r;
    int64_t id;

    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"bill_ids\":[%lld],\"method\":\"%s\",\"amount_fen\":%lld%s}",
             (long long)resource, (long long)bill, method, (long long)amount, extra ? extra : "");
    it_http("POST", "/api/v1/staff/collections", body, (size_t)-1, token, &r);
    it_expect(&r, 201, NULL);
    id = it_int(r.json, "id");
    it_resp_free(&r);
    return id;
}

static int64_t sql_id(const char *sql, int64_t id)
{
    struct db_param p[1] = {P_INT(id)};
    return it_sql_int(sql, p, 1);
}

static int build_books(void)
{
    struct db_param p[4];
    char body[512];
    int64_t scheme, approval;

    g.wy = fee_item(g.proj, "{\"code\":\"ZR-WY\",\"name\":\"报表物业费\",\"cycle\":\"monthly\","
                            "\"method\":\"building_area\",\"late_fee_daily_bp\":5,"
                            "\"late_fee_grace_days\":30}");
    g.cw = fee_item(g.proj, "{\"code\":\"ZR-CW\",\"name\":\"报表车位费\",\"cycle\":\"monthly\","
                            "\"method\":\"fixed\"}");
    g.wy2 = fee_item(g.proj2, "{\"code\":\"Z2WY\",\"name\":\"导入物业费\",\"cycle\":\"monthly\","
                              "\"method\":\"fixed\",\"due_day_of_cycle\":5,"
                              "\"late_fee_daily_bp\":5,\"late_fee_grace_days\":0}");
    g.q2 = fee_item(g.proj2, "{\"code\":\"Z2Q\",\"name\":\"导入季度费\",\"cycle\":\"quarterly\","
                             "\"method\":\"fixed\"}");
    g.h1 = new_home(g.proj, g.bA, "ZR-101", "@报表业主一", "13700000311");
    g.h2 = new_home(g.proj, g.bA, "ZR-102", "报表业主二", "13700000312");
    g.h3 = new_home(g.proj, g.bB, "ZR-201", "报表业主三", "13700000313");
    g.h4 = new_home(g.proj, g.bB, "ZR-202", NULL, NULL);
    g.z1 = new_home(g.proj2, g.bC, "Z2-101", "导入业主一", "13700000321");
    g.z2 = new_home(g.proj2, g.bC, "Z2-102", NULL, NULL);

    g.b[1] = add_bill(g.proj, g.h1, g.wy, "2025-10", 20000, 400, "unpaid");
    g.b[2] = add_bill(g.proj, g.h1, g.wy, "2025-11", 20000, 200, "unpaid");
    g.b[3] = add_bill(g.proj, g.h1, g.wy, "2025-12", 20000, 100, "unpaid");
    g.b[4] = add_bill(g.proj, g.h1, g.cw, "2025-12", 5000, 45, "unpaid");
    g.b[10] = add_bill(g.proj, g.h1, g.wy, "2025-09", 9999, 430, "void");
    g.b[5] = add_bill(g.proj, g.h2, g.wy, "2025-10", 30000, 400, "unpaid");
    g.b[6] = add_bill(g.proj, g.h2, g.wy, "2025-11", 30000, 10, "unpaid");
    g.b[7] = add_bill(g.proj, g.h4, g.wy, "2025-12", 15000, -5, "unpaid");

    /* a scheme discount of 20.00 on b3, an approved waiver of 10.00 on b2 */
    p[0] = P_INT(g.proj);
    it_sql_exec("INSERT INTO discount_schemes (project_id, name, off_fen, valid_from) "
                "VALUES (?, '报表优惠', 2000, '2025-01-01')",
                p, 1);
    scheme = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    p[0] = P_INT(g.b[3]);
    p[1] = P_INT(scheme);
    it_sql_exec("INSERT INTO bill_discounts (bill_id, kind, scheme_id, amount_fen) "
                "VALUES (?, 'scheme', ?, 2000)",
                p, 2);
    it_sql_exec("UPDATE bills SET discount_fen = 2000 WHERE id = ?", p, 1);
    p[0] = P_INT(g.proj);
    p[1] = P_INT(g.b[2]);
    p[2] = P_INT(g.h1);
    p[3] = P_INT(g.admin_id);
    it_sql_exec("INSERT INTO approvals (project_id, kind, target_id, resource_id, amount_fen, "
                "steps, next_step, status, requested_by) VALUES (?, 'waiver', ?, ?, 1000, "
                "'[\"manager\"]', 1, 'approved', ?)",
                p, 4);
    approval = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    p[0] = P_INT(g.b[2]);
    p[1] = P_INT(approval);
    it_sql_exec("INSERT INTO bill_discounts (bill_id, kind, approval_id, amount_fen) "
                "VALUES (?, 'waiver', ?, 1000)",
                p, 2);
    it_sql_exec("UPDATE bills SET discount_fen = 1000 WHERE id = ?", p, 1);

    /* the desk */
    g.r5 = collect(g.cashier, g.h2, g.b[5], "cash", 35550,
                   ",\"payer_name\":\"<script>alert(1)</script>\"");
    g.r6 = collect(g.cashier, g.h2, g.b[6], "card", 10000, NULL);
    g.b[8] = temp_bill(g.butler, g.h3, g.cw, 1234);
    g.r8 = collect(g.butler, g.h3, g.b[8], "cash", 2000, ",\"to_prepay\":true");
    g.b[9] = temp_bill(g.butler, g.h3, g.cw, 500);
    snprintf(body, sizeof(body), "SELECT status = 'paid' FROM bills WHERE id = %lld",
             (long long)g.b[9]);
    if (!it_sql_int(body, NULL, 0) ||
        sql_id("SELECT status = 'paid' FROM bills WHERE id = ?", g.b[5]) != 1)
        return -1;
    return 0;
}

static int setup(void **state)
{
    struct db_param p[1];
    char body[256];
    static const char *const projects[] = {
        "INSERT INTO projects (code, name, address) VALUES ('ZREPT', '报表测试小区', '')",
        "INSERT INTO projects (code, name, address) VALUES ('ZREPT2', '报表导入小区', '')",
        "INSERT INTO projects (code, name, address) VALUES ('ZREPT3', '无人小区', '')",
    };

    (void)state;
    for (size_t i = 0; i < 3; i++)
        it_sql_exec(projects[i], NULL, 0);
    g.proj = it_sql_int("SELECT id FROM projects WHERE code = 'ZREPT'", NULL, 0);
    g.proj2 = it_sql_int("SELECT id FROM projects WHERE code = 'ZREPT2'", NULL, 0);
    g.proj3 = it_sql_int("SELECT id FROM projects WHERE code = 'ZREPT3'", NULL, 0);
    p[0] = P_INT(g.proj);
    it_sql_exec("INSERT INTO buildings (project_id, name, floors, business_type_id) "
                "VALUES (?, '报表1栋', 10, 1)",
                p, 1);
    g.bA = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    it_sql_exec("INSERT INTO buildings (project_id, name, floors, business_type_id) "
                "VALUES (?, '报表2栋', 10, 1)",
                p, 1);
    g.bB = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) SELECT id, ? FROM staff "
                "WHERE phone IN ('13900000009', '13900000001')",
                p, 1);
    p[0] = P_INT(g.proj2);
    it_sql_exec("INSERT INTO buildings (project_id, name, floors, business_type_id) "
                "VALUES (?, '导入楼', 10, 1)",
                p, 1);
    g.bC = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) SELECT id, ? FROM staff "
                "WHERE phone = '13900000009'",
                p, 1);
    g.admin = it_staff_login("13900000009", "demo1234");
    g.butler = it_staff_login("13900000001", "demo1234");
    if (!g.admin || !g.butler)
        return -1;
    g.admin_id = it_sql_int("SELECT id FROM staff WHERE phone = '13900000009'", NULL, 0);
    snprintf(body, sizeof(body),
             "{\"name\":\"报表收银员\",\"phone\":\"13700000399\",\"password\":\"cashier1234\","
             "\"roles\":[\"cashier\"],\"project_ids\":[%lld]}",
             (long long)g.proj);
    g.cashier_id = call_as(g.admin, "POST", "/api/v1/office/staff", body, 201, NULL);
    g.cashier = it_staff_login("13700000399", "cashier1234");
    if (!g.cashier)
        return -1;
    it_sql_str("SELECT DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR)", NULL, 0, g.today, sizeof(g.today));
    it_sql_str("SELECT DATE_FORMAT(UTC_TIMESTAMP() + INTERVAL 8 HOUR, '%Y-%m')", NULL, 0, g.month,
               sizeof(g.month));
    if (build_books() < 0)
        return -1;
    g.ready = true;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* nobody serves the projects any more: the other binaries see the
     * demo as they expect; the books stay, for check-books */
    it_sql_exec("DELETE FROM staff_projects WHERE project_id IN "
                "(SELECT id FROM projects WHERE code IN ('ZREPT', 'ZREPT2', 'ZREPT3'))",
                NULL, 0);
    it_sql_exec("UPDATE staff SET active = 0 WHERE phone = '13700000399'", NULL, 0);
    free(g.admin);
    free(g.butler);
    free(g.cashier);
    return 0;
}

/* ---- reading answers ---------------------------------------------------------------- */

/* GET path as token: 200 and its JSON in r (the caller frees it). */
static void get_ok(const char *token, const char *path, struct http_resp *r)
{
    it_http("GET", path, NULL, 0, token, r);
    if (r->status != 200)
        print_error("GET %s\n", path);
    it_expect(r, 200, NULL);
}

static char *url(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *url(const char *fmt, ...)
{
    static char bufs[4][512];
    static int next;
    char *b = bufs[next++ % 4];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(b, 512, fmt, ap);
    va_end(ap);
    return b;
}

/* The figures of a books row, in the order of the report's columns. */
struct books_figs {
    int64_t bills, paid, open, receivable, discount, waived, late, received, offset, late_paid,
        outstanding, rate; /* rate -1: null */
};

static void expect_books(const cJSON *row, const struct books_figs *w, int line)
{
    static const char *const keys[] = {
        "bills",        "paid_bills",        "open_bills",      "receivable_fen",
        "discount_fen", "waived_fen",        "late_fee_fen",    "received_fen",
        "offset_fen",   "late_fee_paid_fen", "outstanding_fen", "collection_rate_bp",
    };
    const int64_t *want = &w->bills;

    if (!row)
        fail_msg("line %d: no such row", line);
    for (size_t i = 0; i < 12; i++) {
        const cJSON *v = it_field(row, keys[i]);
        if (want[i] < 0 ? !cJSON_IsNull(v) : it_int(row, keys[i]) != want[i])
            fail_msg("line %d: %s is %s, want %lld", line, keys[i], cJSON_PrintUnformatted(v),
                     (long long)want[i]);
    }
}

static const struct books_figs f_2025_10 = {2,    1,     1, 50000, 0,     0,
                                            5550, 35550, 0, 5550,  20000, 6000};
static const struct books_figs f_2025_11 = {2, 0,     2, 50000, 1000,  1000,
                                            0, 10000, 0, 0,     39000, 2040};
static const struct books_figs f_2025_12 = {3, 0, 3, 40000, 2000, 0, 0, 0, 0, 0, 38000, 0};
static const struct books_figs f_month = {2, 2, 0, 1734, 0, 0, 0, 1234, 500, 0, 0, 10000};
static const struct books_figs f_total = {9,    3,     6,   141734, 3000,  1000,
                                          5550, 46784, 500, 5550,   97000, 3008};

/* ---- books ------------------------------------------------------------------------- */

static void books_by_period(void **state)
{
    struct http_resp r;
    const cJSON *rows;

    (void)state;
    need_ready();
    get_ok(g.admin, url("/api/v1/office/projects/%lld/reports/books", (long long)g.proj), &r);
    assert_string_equal(it_str(r.json, "group_by"), "period");
    assert_string_equal(it_str(r.json, "project"), "报表测试小区");
    rows = it_field(r.json, "rows");
    /* the void 2025-09 is in no row; periods in order */
    assert_int_equal(cJSON_GetArraySize(rows), 4);
    assert_string_equal(it_str(cJSON_GetArrayItem(rows, 0), "period"), "2025-10");
    expect_books(cJSON_GetArrayItem(rows, 0), &f_2025_10, __LINE__);
    expect_books(it_find_str(rows, "period", "2025-11"), &f_2025_11, __LINE__);
    expect_books(it_find_str(rows, "period", "2025-12"), &f_2025_12, __LINE__);
    expect_books(it_find_str(rows, "period", g.month), &f_month, __LINE__);
    expect_books(it_field(r.json, "totals"), &f_total, __LINE__);
    assert_string_equal(it_str(it_field(r.json, "totals"), "period"), "合计");
    it_resp_free(&r);
    /* the cashier reads the books too */
    get_ok(g.cashier, url("/api/v1/office/projects/%lld/reports/books", (long long)g.proj), &r);
    expect_books(it_field(r.json, "totals"), &f_total, __LINE__);
    it_resp_free(&r);
}

static void books_by_building_and_item_and_filters(void **state)
{
    static const struct books_figs a = {6,    1,     5, 125000, 3000,  1000,
                                        5550, 45550, 0, 5550,   82000, 3278};
    static const struct books_figs b = {3, 2, 1, 16734, 0, 0, 0, 1234, 500, 0, 15000, 1036};
    struct http_resp r;
    const cJSON *rows, *x;
    char base[96];

    (void)state;
    need_ready();
    snprintf(base, sizeof(base), "/api/v1/office/projects/%lld/reports/books", (long long)g.proj);
    get_ok(g.admin, url("%s?group_by=building", base), &r);
    rows = it_field(r.json, "rows");
    assert_int_equal(cJSON_GetArraySize(rows), 2);
    expect_books(it_find_int(rows, "building_id", g.bA), &a, __LINE__);
    expect_books(it_find_int(rows, "building_id", g.bB), &b, __LINE__);
    assert_string_equal(it_str(it_find_int(rows, "building_id", g.bA), "building"), "报表1栋");
    expect_books(it_field(r.json, "totals"), &f_total, __LINE__);
    it_resp_free(&r);

    get_ok(g.admin, url("%s?group_by=fee_item", base), &r);
    rows = it_field(r.json, "rows");
    x = it_find_int(rows, "fee_item_id", g.wy);
    assert_string_equal(it_str(x, "fee_item"), "报表物业费");
    assert_int_equal(it_int(x, "receivable_fen"), 135000);
    assert_int_equal(it_int(x, "outstanding_fen"), 92000);
    x = it_find_int(rows, "fee_item_id", g.cw);
    assert_int_equal(it_int(x, "receivable_fen"), 6734);
    assert_int_equal(it_int(x, "received_fen"), 1234);
    assert_int_equal(it_int(x, "offset_fen"), 500);
    assert_int_equal(it_int(x, "outstanding_fen"), 5000);
    it_resp_free(&r);

    /* 2025-11 and 2025-12 of building 1: b2, b3, b4, b6 */
    get_ok(g.admin,
           url("%s?period_from=2025-11&period_to=2025-12&building_id=%lld", base, (long long)g.bA),
           &r);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "rows")), 2);
    x = it_field(r.json, "totals");
    assert_int_equal(it_int(x, "bills"), 4);
    assert_int_equal(it_int(x, "receivable_fen"), 75000);
    assert_int_equal(it_int(x, "outstanding_fen"), 62000);
    it_resp_free(&r);
    get_ok(g.admin, url("%s?fee_item_id=%lld", base, (long long)g.cw), &r);
    assert_int_equal(it_int(it_field(r.json, "totals"), "receivable_fen"), 6734);
    it_resp_free(&r);

    /* bad input, another project's building or item, roles */
    refused_as(g.admin, "GET", url("%s?period_from=2025-13", base), NULL, 400, "BAD_REQUEST");
    refused_as(g.admin, "GET", url("%s?period_to=2025/12", base), NULL, 400, "BAD_REQUEST");
    refused_as(g.admin, "GET", url("%s?period_from=2025-12&period_to=2025-11", base), NULL, 400,
               "BAD_REQUEST");
    refused_as(g.admin, "GET", url("%s?group_by=owner", base), NULL, 400, "BAD_REQUEST");
    refused_as(g.admin, "GET", url("%s?building_id=abc", base), NULL, 400, "BAD_REQUEST");
    refused_as(g.admin, "GET", url("%s?format=pdf", base), NULL, 400, "BAD_REQUEST");
    refused_as(g.admin, "GET", url("%s?building_id=%lld", base, (long long)g.bC), NULL, 404,
               "NOT_FOUND");
    refused_as(g.admin, "GET", url("%s?fee_item_id=%lld", base, (long long)g.wy2), NULL, 404,
               "NOT_FOUND");
    refused_as(g.butler, "GET", url("%s", base), NULL, 403, "FORBIDDEN");
    refused_as(g.cashier, "GET", "/api/v1/office/projects/1/reports/books", NULL, 404, "NOT_FOUND");
    refused_as(g.admin, "GET",
               url("/api/v1/office/projects/%lld/reports/books", (long long)g.proj3), NULL, 404,
               "NOT_FOUND");
}

/* GET a file: its bytes in r->body, its content type in ctype. */
static void get_file(const char *token, const char *path, struct http_resp *r, char ctype[128])
{
    it_http_typed("GET", path, NULL, 0, NULL, token, r, ctype, 128);
    if (r->status != 200)
        print_error("GET %s: %.300s\n", path, r->body.data ? r->body.data : "");
    assert_int_equal(r->status, 200);
}

/* The first sheet's XML of an XLSX (unzip). */
static void xlsx_sheet(const struct buf *file, struct buf *xml)
{
    char path[] = "/tmp/test_reports_XXXXXX", cmd[128], chunk[4096];
    int fd = mkstemp(path);
    size_t got;
    FILE *p;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, file->data, file->len), (ssize_t)file->len);
    close(fd);
    assert_memory_equal(file->data, "PK\x03\x04", 4); /* a zip */
    snprintf(cmd, sizeof(cmd), "unzip -p %s xl/worksheets/sheet1.xml", path);
    p = popen(cmd, "r");
    assert_non_null(p);
    while ((got = fread(chunk, 1, sizeof(chunk), p)) > 0)
        buf_append(xml, chunk, got);
    assert_int_equal(pclose(p), 0);
    unlink(path);
    buf_append(xml, "", 0);
}

/* "<v>1417.34</v>": how libxlsxwriter writes a cell of fen/100 yuan. */
static void yuan_cell(int64_t fen, char out[64])
{
    snprintf(out, 64, "<v>%.16G</v>", (double)fen / 100);
}

static void books_exports(void **state)
{
    struct http_resp r;
    struct buf xml = BUF_INIT;
    char ctype[128], cell[64], *path;

    (void)state;
    need_ready();
    path = url("/api/v1/office/projects/%lld/reports/books?format=csv", (long long)g.proj);
    get_file(g.admin, path, &r, ctype);
    assert_string_equal(ctype, "text/csv; charset=utf-8");
    /* BOM, the Chinese header without the JSON-only columns, yuan with two decimals */
    assert_memory_equal(
        r.body.data,
        "\xEF\xBB\xBF"
        "账期,账单数,已缴清,未缴清,应收,优惠减免,其中减免,违约金,实收,预存抵扣,"
        "其中违约金,欠费,收缴率\r\n"
        "2025-10,2,1,1,500.00,0.00,0.00,55.50,355.50,0.00,55.50,200.00,60.00%\r\n",
        strlen("\xEF\xBB\xBF"
               "账期,账单数,已缴清,未缴清,应收,优惠减免,其中减免,违约金,实收,预存抵扣,"
               "其中违约金,欠费,收缴率\r\n"
               "2025-10,2,1,1,500.00,0.00,0.00,55.50,355.50,0.00,55.50,200.00,"
               "60.00%\r\n"));
    assert_non_null(
        strstr(r.body.data,
               "\r\n合计,9,3,6,1417.34,30.00,10.00,55.50,467.84,5.00,55.50,970.00,30.08%\r\n"));
    it_resp_free(&r);

    path = url("/api/v1/office/projects/%lld/reports/books?format=xlsx&group_by=building",
               (long long)g.proj);
    get_file(g.admin, path, &r, ctype);
    assert_string_equal(ctype, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    xlsx_sheet(&r.body, &xml);
    assert_non_null(strstr(xml.data, "<t>报表1栋</t>"));
    assert_non_null(strstr(xml.data, "<t>合计</t>"));
    yuan_cell(141734, cell);
    assert_non_null(strstr(xml.data, cell));
    yuan_cell(82000, cell);
    assert_non_null(strstr(xml.data, cell));
    buf_free(&xml);
    it_resp_free(&r);
}

/* ---- arrears ------------------------------------------------------------------------ */

static void expect_ages(const cJSON *row, const int64_t want[9], int line)
{
    static const char *const keys[] = {"open_bills",       "not_due_fen",    "age_0_30_fen",
                                       "age_31_90_fen",    "age_91_180_fen", "age_181_365_fen",
                                       "age_over_365_fen", "due_fen",        "late_fee_fen"};
    if (!row)
        fail_msg("line %d: no such row", line);
    for (size_t i = 0; i < 9; i++)
        if (it_int(row, keys[i]) != want[i])
            fail_msg("line %d: %s is %lld, want %lld", line, keys[i],
                     (long long)it_int(row, keys[i]), (long long)want[i]);
}

static void arrears_with_age(void **state)
{
    static const int64_t h1[9] = {4, 0, 0, 5000, 18630, 20615, 23700, 67945, 5945};
    static const int64_t h2[9] = {1, 0, 20000, 0, 0, 0, 0, 20000, 0};
    static const int64_t h4[9] = {1, 15000, 0, 0, 0, 0, 0, 15000, 0};
    static const int64_t all[9] = {6, 15000, 20000, 5000, 18630, 20615, 23700, 102945, 5945};
    static const int64_t past[9] = {6, 97000, 0, 0, 0, 0, 0, 97000, 0};
    struct http_resp r;
    const cJSON *rows, *x;
    char base[96];
    const char *cursor;

    (void)state;
    need_ready();
    snprintf(base, sizeof(base), "/api/v1/office/projects/%lld/reports/arrears", (long long)g.proj);
    get_ok(g.cashier, base, &r);
    assert_string_equal(it_str(r.json, "as_of"), g.today);
    rows = it_field(r.json, "rows");
    /* H3 owes nothing: no row */
    assert_int_equal(cJSON_GetArraySize(rows), 3);
    x = it_find_int(rows, "resource_id", g.h1);
    expect_ages(x, h1, __LINE__);
    assert_string_equal(it_str(x, "resource"), "ZR-101");
    assert_string_equal(it_str(x, "building"), "报表1栋");
    assert_string_equal(it_str(x, "owners"), "@报表业主一");
    expect_ages(it_find_int(rows, "resource_id", g.h2), h2, __LINE__);
    expect_ages(it_find_int(rows, "resource_id", g.h4), h4, __LINE__);
    assert_null(it_find_int(rows, "resource_id", g.h3));
    expect_ages(it_field(r.json, "totals"), all, __LINE__);
    assert_true(cJSON_IsNull(it_field(r.json, "next_cursor")));
    it_resp_free(&r);

    /* a page of one: the totals are still everything's */
    get_ok(g.cashier, url("%s?limit=1", base), &r);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "rows")), 1);
    expect_ages(cJSON_GetArrayItem(it_field(r.json, "rows"), 0), h1, __LINE__);
    expect_ages(it_field(r.json, "totals"), all, __LINE__);
    cursor = it_str(r.json, "next_cursor");
    assert_int_equal(strtoll(cursor, NULL, 10), g.h1);
    it_resp_free(&r);
    get_ok(g.cashier, url("%s?limit=2&cursor=%lld", base, (long long)g.h1), &r);
    rows = it_field(r.json, "rows");
    assert_int_equal(cJSON_GetArraySize(rows), 2);
    expect_ages(cJSON_GetArrayItem(rows, 0), h2, __LINE__);
    expect_ages(cJSON_GetArrayItem(rows, 1), h4, __LINE__);
    assert_true(cJSON_IsNull(it_field(r.json, "next_cursor")));
    it_resp_free(&r);

    /* as of long ago nothing was due yet, and no late fee: the principal
     * open, 970.00 — the books' outstanding */
    get_ok(g.cashier, url("%s?as_of=2024-01-01", base), &r);
    expect_ages(it_field(r.json, "totals"), past, __LINE__);
    it_resp_free(&r);
    get_ok(g.cashier, url("%s?building_id=%lld", base, (long long)g.bB), &r);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "rows")), 1);
    it_resp_free(&r);

    refused_as(g.cashier, "GET", url("%s?as_of=2025-02-30", base), NULL, 400, "BAD_REQUEST");
    refused_as(g.cashier, "GET", url("%s?as_of=today", base), NULL, 400, "BAD_REQUEST");
    refused_as(g.cashier, "GET", url("%s?limit=0", base), NULL, 400, "BAD_REQUEST");
    refused_as(g.admin, "GET", url("%s?building_id=%lld", base, (long long)g.bC), NULL, 404,
               "NOT_FOUND");
}

static void arrears_export_csv(void **state)
{
    struct http_resp r;
    char ctype[128];

    (void)state;
    need_ready();
    get_file(g.cashier,
             url("/api/v1/office/projects/%lld/reports/arrears?format=csv", (long long)g.proj), &r,
             ctype);
    assert_non_null(strstr(r.body.data, "房屋,楼栋,业主,欠费账单数,未到期,0—30天,31—90天,"
                                        "91—180天,181—365天,365天以上,欠费合计,其中违约金\r\n"));
    /* the owner's name starts with @: a formula guard, as the estate export */
    assert_non_null(strstr(
        r.body.data,
        "ZR-101,报表1栋,'@报表业主一,4,0.00,0.00,50.00,186.30,206.15,237.00,679.45,59.45\r\n"));
    assert_non_null(strstr(r.body.data, "ZR-202,报表2栋,,1,150.00,0.00,0.00,0.00,0.00,0.00,150.00,"
                                        "0.00\r\n"));
    assert_non_null(strstr(r.body.data, "合计,,,6,150.00,200.00,50.00,186.30,206.15,237.00,"
                                        "1029.45,59.45\r\n"));
    it_resp_free(&r);
}

/* ---- statements ----------------------------------------------------------------------- */

static void statements(void **state)
{
    struct http_resp r;
    const cJSON *lines, *x;
    char *path;

    (void)state;
    need_ready();
    /* H1: four bills, a waiver and a discount; nothing paid */
    path = url("/api/v1/office/resources/%lld/statement?from=2020-01-01&to=%s", (long long)g.h1,
               g.today);
    get_ok(g.butler, path, &r); /* any staff of the project */
    assert_int_equal(it_int(r.json, "opening_balance_fen"), 0);
    assert_int_equal(it_int(r.json, "closing_balance_fen"), 62000);
    assert_string_equal(it_str(r.json, "resource"), "ZR-101");
    lines = it_field(r.json, "lines");
    assert_int_equal(cJSON_GetArraySize(lines), 6);
    x = it_find_str(lines, "kind", "waiver");
    assert_int_equal(it_int(x, "credit_fen"), 1000);
    assert_string_equal(it_str(x, "kind_name"), "减免");
    assert_int_equal(it_int(it_find_str(lines, "kind", "discount"), "credit_fen"), 2000);
    assert_int_equal(it_int(cJSON_GetArrayItem(lines, 5), "balance_fen"), 62000);
    it_resp_free(&r);

    /* H2: a payment with its late fee, a part payment */
    path = url("/api/v1/office/resources/%lld/statement?from=2020-01-01&to=%s", (long long)g.h2,
               g.today);
    get_ok(g.admin, path, &r);
    lines = it_field(r.json, "lines");
    assert_int_equal(cJSON_GetArraySize(lines), 5); /* 2 bills, 1 late fee, 2 payments */
    x = it_find_str(lines, "kind", "late_fee");
    assert_int_equal(it_int(x, "debit_fen"), 5550);
    x = it_find_int(lines, "credit_fen", 35550);
    assert_string_equal(it_str(x, "kind"), "payment");
    assert_true(strncmp(it_str(x, "receipt_no"), "ZREPT-", 6) == 0);
    assert_int_equal(it_int(r.json, "closing_balance_fen"), 20000);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "receipts")), 2);
    it_resp_free(&r);
    /* a range after everything: all of it is the opening balance */
    path = url("/api/v1/office/resources/%lld/statement?from=2099-01-01&to=2099-01-31",
               (long long)g.h2);
    get_ok(g.admin, path, &r);
    assert_int_equal(it_int(r.json, "opening_balance_fen"), 20000);
    assert_int_equal(it_int(r.json, "closing_balance_fen"), 20000);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "lines")), 0);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "receipts")), 0);
    it_resp_free(&r);

    /* H3: the prepayment's history (7.66 in, 5.00 offset) */
    path = url("/api/v1/office/resources/%lld/statement?from=2020-01-01&to=%s", (long long)g.h3,
               g.today);
    get_ok(g.admin, path, &r);
    assert_int_equal(it_int(r.json, "closing_balance_fen"), 0);
    assert_int_equal(it_int(r.json, "opening_prepay_fen"), 0);
    assert_int_equal(it_int(r.json, "closing_prepay_fen"), 266);
    lines = it_field(r.json, "account_entries");
    assert_int_equal(cJSON_GetArraySize(lines), 2);
    assert_int_equal(it_int(cJSON_GetArrayItem(lines, 0), "delta_fen"), 766);
    assert_string_equal(it_str(cJSON_GetArrayItem(lines, 0), "reason"), "overpay");
    assert_int_equal(it_int(cJSON_GetArrayItem(lines, 1), "delta_fen"), -500);
    assert_int_equal(it_int(cJSON_GetArrayItem(lines, 1), "balance_fen"), 266);
    assert_non_null(it_find_str(it_field(r.json, "lines"), "kind", "offset"));
    it_resp_free(&r);

    /* the file: the values above the tables */
    path = url("/api/v1/office/resources/%lld/statement?from=2020-01-01&to=%s&format=csv",
               (long long)g.h1, g.today);
    {
        char ctype[128];
        get_file(g.admin, path, &r, ctype);
        assert_non_null(strstr(r.body.data, "房屋,ZR-101\r\n"));
        assert_non_null(strstr(r.body.data, "期末欠费,620.00\r\n"));
        assert_non_null(strstr(r.body.data, "\r\n账单与缴费\r\n"));
        it_resp_free(&r);
    }

    path = url("/api/v1/office/resources/%lld/statement", (long long)g.h1);
    refused_as(g.admin, "GET", path, NULL, 400, "BAD_REQUEST");
    refused_as(g.admin, "GET", url("%s?from=2026-02-30&to=2026-03-01", path), NULL, 400,
               "BAD_REQUEST");
    refused_as(g.admin, "GET", url("%s?from=2026-03-02&to=2026-03-01", path), NULL, 400,
               "BAD_REQUEST");
    refused_as(g.butler, "GET",
               url("/api/v1/office/resources/%lld/statement?from=2020-01-01&to=2020-01-02",
                   (long long)g.z1),
               NULL, 404, "NOT_FOUND");
}

/* ---- the cashier's day ---------------------------------------------------------------- */

static const cJSON *method_row(const cJSON *rows, int64_t cashier, const char *method)
{
    for (int i = 0; i < cJSON_GetArraySize(rows); i++) {
        const cJSON *x = cJSON_GetArrayItem(rows, i);
        if (it_int(x, "cashier_id") == cashier && strcmp(it_str(x, "method"), method) == 0)
            return x;
    }
    fail_msg("no row of cashier %lld, method %s", (long long)cashier, method);
    return NULL;
}

static void daily_reconciliation(void **state)
{
    struct http_resp r;
    const cJSON *rows, *x;
    struct db_param p[2];
    char base[96];

    (void)state;
    need_ready();
    snprintf(base, sizeof(base), "/api/v1/office/projects/%lld/reports/daily", (long long)g.proj);
    get_ok(g.cashier, base, &r);
    assert_string_equal(it_str(r.json, "date"), g.today);
    rows = it_field(r.json, "methods");
    /* the prepayment's offset moved no money: not a row */
    assert_int_equal(cJSON_GetArraySize(rows), 3);
    x = method_row(rows, g.cashier_id, "cash");
    assert_int_equal(it_int(x, "receipts"), 1);
    assert_int_equal(it_int(x, "amount_fen"), 35550);
    assert_string_equal(it_str(x, "cashier"), "报表收银员");
    assert_string_equal(it_str(x, "method_name"), "现金");
    x = method_row(rows, g.cashier_id, "card");
    assert_int_equal(it_int(x, "amount_fen"), 10000);
    x = method_row(rows, 1, "cash");
    assert_int_equal(it_int(x, "amount_fen"), 2000);
    x = it_field(r.json, "totals");
    assert_int_equal(it_int(x, "receipts"), 3);
    assert_int_equal(it_int(x, "amount_fen"), 47550);
    assert_int_equal(it_int(x, "net_fen"), 47550);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "voided")), 0);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "refunds")), 0);
    it_resp_free(&r);

    /* The card receipt voided and 1.00 of H3's prepayment refunded, as the
     * approval module writes them: the reversal, the bill open again; the
     * refund's entry and the balance. */
    p[0] = P_INT(g.r6);
    it_sql_exec("INSERT INTO bill_applications (bill_id, receipt_id, amount_fen, late_fen, "
                "reverses_id) SELECT bill_id, receipt_id, -amount_fen, -late_fen, id "
                "FROM bill_applications WHERE receipt_id = ?",
                p, 1);
    it_sql_exec("UPDATE receipts SET status = 'voided', voided_at = UTC_TIMESTAMP() WHERE id = ?",
                p, 1);
    p[0] = P_INT(g.b[6]);
    it_sql_exec("UPDATE bills SET paid_fen = 0, status = 'unpaid', late_fee_fen = 0, "
                "late_from = NULL, paid_at = NULL WHERE id = ?",
                p, 1);
    p[0] = P_INT(g.cashier_id);
    p[1] = P_INT(g.h3);
    it_sql_exec("INSERT INTO account_entries (account_id, delta_fen, reason, staff_id, note) "
                "SELECT id, -100, 'refund', ?, '退还预存款' FROM accounts "
                "WHERE resource_id = ? AND kind = 'prepay'",
                p, 2);
    p[0] = P_INT(g.h3);
    it_sql_exec("UPDATE accounts SET balance_fen = balance_fen - 100 WHERE resource_id = ? "
                "AND kind = 'prepay'",
                p, 1);

    get_ok(g.cashier, url("%s?date=%s", base, g.today), &r);
    x = method_row(it_field(r.json, "methods"), g.cashier_id, "card");
    assert_int_equal(it_int(x, "voided"), 1);
    assert_int_equal(it_int(x, "voided_fen"), 10000);
    assert_int_equal(it_int(x, "net_fen"), 0);
    assert_int_equal(it_int(it_field(r.json, "totals"), "net_fen"), 37550);
    rows = it_field(r.json, "voided");
    assert_int_equal(cJSON_GetArraySize(rows), 1);
    assert_int_equal(it_int(cJSON_GetArrayItem(rows, 0), "id"), g.r6);
    assert_int_equal(it_int(cJSON_GetArrayItem(rows, 0), "amount_fen"), 10000);
    rows = it_field(r.json, "refunds");
    assert_int_equal(cJSON_GetArraySize(rows), 1);
    assert_int_equal(it_int(cJSON_GetArrayItem(rows, 0), "amount_fen"), 100);
    assert_string_equal(it_str(cJSON_GetArrayItem(rows, 0), "resource"), "ZR-201");
    assert_int_equal(it_int(it_field(r.json, "refunds_totals"), "amount_fen"), 100);
    it_resp_free(&r);

    /* another day: nothing */
    get_ok(g.cashier, url("%s?date=2020-01-01", base), &r);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "methods")), 0);
    assert_int_equal(it_int(it_field(r.json, "totals"), "amount_fen"), 0);
    it_resp_free(&r);
    /* the file: three tables under their titles */
    {
        char ctype[128];
        get_file(g.cashier, url("%s?format=xlsx", base), &r, ctype);
        assert_memory_equal(r.body.data, "PK\x03\x04", 4);
        it_resp_free(&r);
        get_file(g.cashier, url("%s?format=csv", base), &r, ctype);
        assert_non_null(strstr(r.body.data, "日期,"));
        assert_non_null(strstr(r.body.data, "\r\n当日作废收据\r\n"));
        assert_non_null(strstr(r.body.data, "\r\n当日退款\r\n"));
        it_resp_free(&r);
    }
    refused_as(g.cashier, "GET", url("%s?date=2026-13-01", base), NULL, 400, "BAD_REQUEST");
    refused_as(g.butler, "GET", base, NULL, 403, "FORBIDDEN");
}

/* ---- the change log ------------------------------------------------------------------- */

static void change_log(void **state)
{
    struct http_resp r;
    const cJSON *items, *x;
    char base[96];
    const char *cursor;
    int n;

    (void)state;
    need_ready();
    snprintf(base, sizeof(base), "/api/v1/office/projects/%lld/reports/changes", (long long)g.proj);
    get_ok(g.admin, url("%s?entity=receipt&limit=200", base), &r);
    items = it_field(r.json, "items");
    n = cJSON_GetArraySize(items);
    /* collect × 3, the offset; every one a receipt of this project */
    assert_true(n >= 4);
    for (int i = 0; i < n; i++) {
        x = cJSON_GetArrayItem(items, i);
        assert_string_equal(it_str(x, "entity"), "receipt");
        assert_int_equal(
            sql_id("SELECT project_id FROM receipts WHERE id = ?", it_int(x, "entity_id")), g.proj);
    }
    x = it_find_int(items, "entity_id", g.r5);
    assert_non_null(x);
    assert_string_equal(it_str(x, "action"), "collect");
    assert_string_equal(it_str(x, "actor"), "报表收银员");
    assert_int_equal(it_int(it_field(it_field(x, "detail"), "after"), "amount_fen"), 35550);
    assert_true(cJSON_IsNull(it_field(r.json, "next_cursor")));
    it_resp_free(&r);

    /* every entity, two a page */
    get_ok(g.admin, url("%s?limit=2", base), &r);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 2);
    cursor = it_str(r.json, "next_cursor");
    assert_int_equal(strtoll(cursor, NULL, 10),
                     it_int(cJSON_GetArrayItem(it_field(r.json, "items"), 1), "id"));
    it_resp_free(&r);
    get_ok(g.admin, url("%s?entity=bill&from=2020-01-01&to=%s", base, g.today), &r);
    items = it_field(r.json, "items");
    assert_non_null(it_find_int(items, "entity_id", g.b[8]));
    assert_null(it_find_int(items, "entity_id", g.r5));
    it_resp_free(&r);
    get_ok(g.admin, url("%s?to=2020-01-01", base), &r);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
    it_resp_free(&r);
    {
        char ctype[128];
        get_file(g.admin, url("%s?format=csv&entity=receipt", base), &r, ctype);
        assert_non_null(strstr(r.body.data, "编号,时间,操作人类型,操作人编号,操作人,操作,对象,"
                                            "对象编号,内容\r\n"));
        it_resp_free(&r);
    }
    refused_as(g.admin, "GET", url("%s?entity=person", base), NULL, 400, "BAD_REQUEST");
    refused_as(g.admin, "GET", url("%s?from=yesterday", base), NULL, 400, "BAD_REQUEST");
}

/* ---- receipts ------------------------------------------------------------------------- */

static int64_t printed(int64_t receipt)
{
    return sql_id("SELECT printed_count FROM receipts WHERE id = ?", receipt);
}

static int64_t audits(const char *action, int64_t receipt)
{
    struct db_param p[2] = {P_STR(action), P_INT(receipt)};
    return it_sql_int("SELECT COUNT(*) FROM audit_log WHERE action = ? AND entity = 'receipt' "
                      "AND entity_id = ?",
                      p, 2);
}

static void receipt_json_and_print(void **state)
{
    struct http_resp r;
    const cJSON *lines;
    char ctype[128], no[48], *path;

    (void)state;
    need_ready();
    get_ok(g.butler, url("/api/v1/staff/receipts/%lld", (long long)g.r5), &r);
    assert_int_equal(it_int(r.json, "amount_fen"), 35550);
    assert_string_equal(it_str(r.json, "method"), "cash");
    assert_string_equal(it_str(r.json, "payer_name"), "<script>alert(1)</script>");
    assert_int_equal(it_int(it_field(r.json, "cashier"), "id"), g.cashier_id);
    lines = it_field(r.json, "lines");
    assert_int_equal(cJSON_GetArraySize(lines), 1);
    assert_int_equal(it_int(cJSON_GetArrayItem(lines, 0), "bill_id"), g.b[5]);
    assert_int_equal(it_int(cJSON_GetArrayItem(lines, 0), "late_fee_fen"), 5550);
    assert_int_equal(it_int(r.json, "printed_count"), 0);
    snprintf(no, sizeof(no), "%s", it_str(r.json, "receipt_no"));
    it_resp_free(&r);

    path = url("/api/v1/staff/receipts/%lld/print", (long long)g.r5);
    get_file(g.butler, path, &r, ctype);
    assert_string_equal(ctype, "text/html; charset=utf-8");
    assert_non_null(strstr(r.body.data, "@page{size:A5"));
    assert_non_null(strstr(r.body.data, no));
    assert_non_null(strstr(r.body.data, "人民币叁佰伍拾伍元伍角整"));
    assert_non_null(strstr(r.body.data, "¥355.50"));
    assert_non_null(strstr(r.body.data, "报表测试小区 收款收据"));
    assert_non_null(strstr(r.body.data, "报表收银员"));
    assert_non_null(strstr(r.body.data, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(r.body.data, "<script"));
    assert_null(strstr(r.body.data, "重打"));
    it_resp_free(&r);
    assert_int_equal(printed(g.r5), 1);
    assert_int_equal(audits("print_receipt", g.r5), 1);

    get_file(g.butler, url("%s?format=thermal80", path), &r, ctype);
    assert_non_null(strstr(r.body.data, "@page{size:80mm auto"));
    assert_non_null(strstr(r.body.data, "重打（第 2 次打印）"));
    it_resp_free(&r);
    assert_int_equal(printed(g.r5), 2);
    assert_int_equal(audits("reprint_receipt", g.r5), 1);

    /* the voided card receipt says so */
    get_file(g.cashier, url("/api/v1/staff/receipts/%lld/print", (long long)g.r6), &r, ctype);
    assert_non_null(strstr(r.body.data, "已作废"));
    it_resp_free(&r);

    refused_as(g.butler, "GET", url("%s?format=a4", path), NULL, 400, "BAD_REQUEST");
    assert_int_equal(printed(g.r5), 2);
    refused_as(g.butler, "GET", "/api/v1/staff/receipts/999999999/print", NULL, 404, "NOT_FOUND");
    refused_as(g.butler, "GET", "/api/v1/staff/receipts/999999999", NULL, 404, "NOT_FOUND");
}

static void receipt_template(void **state)
{
    struct http_resp r;
    char ctype[128],
        *path = url("/api/v1/office/projects/%lld/receipt-template", (long long)g.proj);
    int64_t mark;

    (void)state;
    need_ready();
    mark = it_sql_int("SELECT COALESCE(MAX(id), 0) FROM audit_log", NULL, 0);
    it_call_at(g.admin, "PUT", path,
               "{\"receipt_title\":\"报表物业<专用>收据\",\"paper\":\"thermal80\","
               "\"footer\":\"请妥善保管\"}",
               200, NULL, true, __FILE__, __LINE__);
    {
        struct db_param p[2] = {P_INT(mark), P_INT(g.proj)};
        assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND "
                                    "action = 'set_receipt_template' AND entity_id = ?",
                                    p, 2),
                         1);
    }
    get_file(g.admin, url("/api/v1/staff/receipts/%lld/print", (long long)g.r8), &r, ctype);
    assert_non_null(strstr(r.body.data, "<h1>报表物业&lt;专用&gt;收据</h1>"));
    assert_non_null(strstr(r.body.data, "@page{size:80mm auto"));
    assert_non_null(strstr(r.body.data, "请妥善保管"));
    assert_non_null(strstr(r.body.data, "存入预存款"));
    it_resp_free(&r);
    /* nginx's policy for the page: its inline styles, nothing else */
    {
        char cmd[512], line[512];
        bool seen = false;
        FILE *c;

        snprintf(cmd, sizeof(cmd),
                 "curl -s -D - -o /dev/null -H 'Authorization: Bearer %s' "
                 "%s/api/v1/staff/receipts/%lld/print",
                 g.admin, it_env("WUYE_TEST_URL"), (long long)g.r8);
        c = popen(cmd, "r");
        assert_non_null(c);
        while (fgets(line, sizeof(line), c))
            if (strncasecmp(line, "Content-Security-Policy:", 24) == 0) {
                assert_non_null(strstr(line, "default-src 'none'; style-src 'unsafe-inline'; "
                                             "frame-ancestors 'none'"));
                assert_false(seen); /* one policy, not the server's on top */
                seen = true;
            }
        pclose(c);
        assert_true(seen);
    }
    refused_as(g.admin, "PUT", path, "{\"paper\":\"a4\"}", 400, "BAD_REQUEST");
    refused_as(g.admin, "PUT", path, "{\"receipt_title\":3}", 400, "BAD_REQUEST");
    refused_as(g.butler, "PUT", path, "{\"paper\":\"a5\"}", 403, "FORBIDDEN");
    refused_as(g.admin, "PUT",
               url("/api/v1/office/projects/%lld/receipt-template", (long long)g.proj3),
               "{\"paper\":\"a5\"}", 404, "NOT_FOUND");
}

/* ---- the bill import ------------------------------------------------------------------ */

static const char import_csv[] = "房屋编码,收费项目编码,账期,金额,已缴金额,缴费日期,备注\r\n"
                                 "Z2-101,Z2WY,2024-01,200.00,200.00,2024-01-10,一月\r\n"
                                 "Z2-101,Z2WY,2024-02,200.00,50.5,2024-02-10,\r\n"
                                 "Z2-101,Z2WY,2024-03,200.00,,,\r\n"
                                 "Z2-102,Z2WY,2024-01,150,,,\r\n"
                                 "NOPE,Z2WY,2024-01,1,,,\r\n"
                                 "Z2-101,NOPE,2024-01,1,,,\r\n"
                                 "Z2-101,Z2WY,2024-13,1,,,\r\n"
                                 "Z2-101,Z2WY,2024-04,1.005,,,\r\n"
                                 "Z2-102,Z2Q,2024-02,100,,,\r\n"
                                 "Z2-102,Z2WY,2024-02,100,100,,\r\n";

static const struct {
    int line;
    const char *column, *message;
} import_errors[] = {
    {6, "房屋编码", "本项目没有编码为“NOPE”的房屋"},
    {7, "收费项目编码", "本项目没有编码为“NOPE”的收费项目"},
    {8, "账期", "账期应为 YYYY-MM，如 2024-03"},
    {9, "金额", "金额最多两位小数（单位：元）"},
    {10, "账期", "按季收费的项目，账期须为季度的第一个月（01、04、07、10 月）"},
    {11, "缴费日期", "填写了已缴金额就必须填写缴费日期"},
};

static void post_csv(const char *token, const char *path, const char *csv, struct http_resp *r)
{
    it_http_typed("POST", path, csv, strlen(csv), "text/csv", token, r, NULL, 0);
}

static void expect_import(const cJSON *o, int total, int ok, int failed, int created, int existing,
                          int receipts, int64_t amount, int64_t paid)
{
    assert_int_equal(it_int(o, "rows_total"), total);
    assert_int_equal(it_int(o, "rows_ok"), ok);
    assert_int_equal(it_int(o, "rows_failed"), failed);
    assert_int_equal(it_int(o, "created_bills"), created);
    assert_int_equal(it_int(o, "existing_bills"), existing);
    assert_int_equal(it_int(o, "receipts"), receipts);
    assert_int_equal(it_int(o, "amount_fen"), amount);
    assert_int_equal(it_int(o, "paid_fen"), paid);
}

static void expect_import_errors(const cJSON *errors)
{
    assert_int_equal(cJSON_GetArraySize(errors), 6);
    for (int i = 0; i < 6; i++) {
        const cJSON *x = cJSON_GetArrayItem(errors, i);
        assert_int_equal(it_int(x, "line"), import_errors[i].line);
        assert_string_equal(it_str(x, "column"), import_errors[i].column);
        assert_string_equal(it_str(x, "message"), import_errors[i].message);
    }
}

static int64_t bill_of(int64_t resource, const char *period, const char *col)
{
    char sql[256], out[64];
    struct db_param p[3] = {P_INT(resource), P_INT(g.wy2), P_STR(period)};

    snprintf(sql, sizeof(sql),
             "SELECT %s FROM bills WHERE resource_id = ? AND fee_item_id = ? AND period = ?", col);
    it_sql_str(sql, p, 3, out, sizeof(out));
    return strtoll(out, NULL, 10);
}

static void bill_import(void **state)
{
    struct http_resp r;
    char path[96], before[IT_SNAP], after[IT_SNAP], out[64];
    int64_t jan;
    struct db_param p[1];

    (void)state;
    need_ready();
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/bill-import", (long long)g.proj2);
    post_csv(g.admin, path, import_csv, &r);
    it_expect(&r, 200, NULL);
    expect_import(r.json, 10, 4, 6, 4, 0, 2, 75000, 25050);
    expect_import_errors(it_field(r.json, "errors"));
    it_resp_free(&r);

    /* January paid whole (no late fee: as of its due date), February in part */
    jan = bill_of(g.z1, "2024-01", "id");
    assert_int_equal(bill_of(g.z1, "2024-01", "status = 'paid'"), 1);
    assert_int_equal(bill_of(g.z1, "2024-01", "paid_fen"), 20000);
    assert_int_equal(bill_of(g.z1, "2024-01", "late_fee_fen"), 0);
    assert_int_equal(bill_of(g.z1, "2024-02", "status = 'partial'"), 1);
    assert_int_equal(bill_of(g.z1, "2024-02", "paid_fen"), 5050);
    assert_int_equal(bill_of(g.z1, "2024-03", "status = 'unpaid'"), 1);
    assert_int_equal(bill_of(g.z1, "2024-01", "due_date = '2024-01-05'"), 1);
    assert_int_equal(bill_of(g.z1, "2024-01", "source = 'import'"), 1);
    p[0] = P_INT(jan);
    it_sql_str("SELECT paid_at FROM bills WHERE id = ?", p, 1, out, sizeof(out));
    assert_string_equal(out, "2024-01-09 16:00:00");
    /* the books balance: paid = Σ applications = the receipt, a transfer */
    assert_int_equal(it_sql_int("SELECT SUM(x.amount_fen) FROM bill_applications x "
                                "WHERE x.bill_id = ?",
                                p, 1),
                     20000);
    it_sql_str("SELECT CONCAT(r.method, '|', r.amount_fen, '|', r.note) FROM receipts r "
               "JOIN bill_applications x ON x.receipt_id = r.id WHERE x.bill_id = ?",
               p, 1, out, sizeof(out));
    assert_string_equal(out, "transfer|20000|历史导入 缴费日期 2024-01-10");
    {
        struct err e = {0};
        long breaches = -1;
        assert_int_equal(books_check(it_db(), stderr, &breaches, &e), 0);
        assert_int_equal(breaches, 0);
    }

    /* the same file again creates nothing at all */
    it_snapshot(before, sizeof(before));
    post_csv(g.admin, path, import_csv, &r);
    it_expect(&r, 200, NULL);
    expect_import(r.json, 10, 4, 6, 0, 4, 0, 0, 0);
    expect_import_errors(it_field(r.json, "errors"));
    it_resp_free(&r);
    it_snapshot(after, sizeof(after));
    assert_string_equal(before, after);

    /* a bill that exists with another amount: the row is refused */
    post_csv(g.admin, path, "resource_code,fee_item_code,period,amount\nZ2-101,Z2WY,2024-03,300\n",
             &r);
    it_expect(&r, 200, NULL);
    expect_import(r.json, 1, 0, 1, 0, 0, 0, 0, 0);
    assert_string_equal(
        it_str(cJSON_GetArrayItem(it_field(r.json, "errors"), 0), "message"),
        "该房屋 2024-03 的此项账单已存在，金额为 200.00 元，与文件中的 300.00 元不一致");
    it_resp_free(&r);

    /* fatal defects: nothing written */
    refused_as(g.admin, "POST", path, "房屋编码,账期,金额\nZ2-101,2024-05,1\n", 400, "BAD_REQUEST");
    refused_as(g.admin, "POST", path,
               "房屋编码,收费项目编码,账期,金额,单价\nZ2-101,Z2WY,2024-05,1,2\n", 400,
               "BAD_REQUEST");
    refused_as(g.admin, "POST", path, "房屋编码,收费项目编码,账期,金额\nZ2-101,Z2WY,2024-05,\"1\n",
               400, "BAD_REQUEST");
    refused_as(g.admin, "POST", path, "\xB7\xBF\xCE\xDD,Z2WY\n", 400, "BAD_REQUEST"); /* GBK */
    refused_as(g.admin, "POST", path, "", 400, "BAD_REQUEST");
    refused_as(g.cashier, "POST", path, import_csv, 403, "FORBIDDEN");
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/bill-import", (long long)g.proj3);
    refused_as(g.admin, "POST", path, import_csv, 404, "NOT_FOUND");
}

/* Poll a job until it ends (a minute at most); its JSON in r. */
static void job_done(int64_t id, struct http_resp *r)
{
    for (int i = 0; i < 600; i++) {
        get_ok(g.admin, url("/api/v1/office/jobs/%lld", (long long)id), r);
        const char *st = it_str(it_field(r->json, "job"), "status");
        if (strcmp(st, "done") == 0 || strcmp(st, "failed") == 0)
            return;
        it_resp_free(r);
        usleep(100 * 1000);
    }
    fail_msg("job %lld did not end", (long long)id);
}

static void bill_import_large_is_a_job(void **state)
{
    struct buf csv = BUF_INIT;
    struct http_resp r;
    const cJSON *job;
    char path[96];
    int64_t id;

    (void)state;
    need_ready();
    buf_puts(&csv, "房屋编码,收费项目编码,账期,金额\n");
    buf_puts(&csv, "Z2-102,Z2WY,2023-01,88.80\n");
    for (int i = 0; i < 5000; i++)
        buf_puts(&csv, "Z2-102,Z2WY,2023-02,8.888\n");
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/bill-import", (long long)g.proj2);
    post_csv(g.admin, path, csv.data, &r);
    it_expect(&r, 202, NULL);
    job = it_field(r.json, "job");
    assert_string_equal(it_str(job, "kind"), "bill_import");
    id = it_int(job, "id");
    it_resp_free(&r);
    job_done(id, &r);
    job = it_field(r.json, "job");
    assert_string_equal(it_str(job, "status"), "done");
    expect_import(it_field(job, "result"), 5001, 1, 5000, 1, 0, 0, 8880, 0);
    assert_int_equal(cJSON_GetArraySize(it_field(job, "errors")), 1000); /* the first 1,000 */
    it_resp_free(&r);
    assert_int_equal(bill_of(g.z2, "2023-01", "amount_fen"), 8880);
    buf_free(&csv);
}

/* An arrears export over more than REPORT_SYNC_MAX_ROWS (20,000) open
 * bills is a job whose file the office downloads afterwards. */
static void arrears_export_is_a_job(void **state)
{
    struct db_param p[3] = {P_INT(g.proj2), P_INT(g.z2), P_INT(g.wy2)};
    struct http_resp r;
    struct buf xml = BUF_INIT;
    const cJSON *job, *file;
    char ctype[128], cell[64];
    int64_t id, n, due;

    (void)state;
    need_ready();
    it_sql_exec("INSERT INTO bills (project_id, resource_id, fee_item_id, period, cycle_key, "
                "source, amount_fen, due_date) SELECT ?, ?, ?, '2022-01', NULL, 'temporary', 100, "
                "DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR) + INTERVAL 10 DAY FROM seq_1_to_20001",
                p, 3);
    n = sql_id("SELECT COUNT(*) FROM bills WHERE project_id = ? AND status IN ('unpaid', "
               "'partial')",
               g.proj2);
    assert_true(n > 20000);
    due = sql_id("SELECT SUM(amount_fen - discount_fen - paid_fen) FROM bills "
                 "WHERE resource_id = ? AND status IN ('unpaid', 'partial')",
                 g.z2);
    it_http("GET",
            url("/api/v1/office/projects/%lld/reports/arrears?format=xlsx&as_of=2000-01-01",
                (long long)g.proj2),
            NULL, 0, g.admin, &r);
    it_expect(&r, 202, NULL);
    job = it_field(r.json, "job");
    assert_string_equal(it_str(job, "kind"), "report_export");
    id = it_int(job, "id");
    it_resp_free(&r);
    job_done(id, &r);
    job = it_field(r.json, "job");
    assert_string_equal(it_str(job, "status"), "done");
    file = it_field(it_field(job, "result"), "file");
    assert_string_equal(it_str(file, "url"), url("/api/v1/office/jobs/%lld/file", (long long)id));
    assert_string_equal(it_str(file, "filename"),
                        url("arrears-%lld-2000-01-01.xlsx", (long long)g.proj2));
    it_resp_free(&r);
    get_file(g.admin, url("/api/v1/office/jobs/%lld/file", (long long)id), &r, ctype);
    assert_string_equal(ctype, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    xlsx_sheet(&r.body, &xml);
    assert_non_null(strstr(xml.data, "<t>Z2-102</t>"));
    /* as of 2000 nothing is due yet and no late fee: Z2-102's open principal */
    yuan_cell(due, cell);
    assert_non_null(strstr(xml.data, cell));
    buf_free(&xml);
    it_resp_free(&r);
    /* nobody else's file */
    refused_as(g.butler, "GET", url("/api/v1/office/jobs/%lld/file", (long long)id), NULL, 404,
               "NOT_FOUND");

    /* a job that is not done has no file yet */
    p[0] = P_INT(g.proj2);
    p[1] = P_INT(g.admin_id);
    it_sql_exec("INSERT INTO jobs (kind, project_id, created_by, status, errors) "
                "VALUES ('report_export', ?, ?, 'failed', '[]')",
                p, 2);
    id = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    refused_as(g.admin, "GET", url("/api/v1/office/jobs/%lld/file", (long long)id), NULL, 409,
               "JOB_NOT_DONE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(books_by_period), cmocka_unit_test(books_by_building_and_item_and_filters),
        cmocka_unit_test(books_exports), cmocka_unit_test(arrears_with_age),
        cmocka_unit_test(arrears_export_csv), cmocka_unit_test(statements),
        /* from here on the card receipt is voided and a refund made */
        cmocka_unit_test(daily_reconciliation), cmocka_unit_test(change_log),
        cmocka_unit_test(receipt_json_and_print), cmocka_unit_test(receipt_template),
        cmocka_unit_test(bill_import), cmocka_unit_test(bill_import_large_is_a_job),
        cmocka_unit_test(arrears_export_is_a_job),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
