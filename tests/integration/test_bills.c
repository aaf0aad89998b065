/*
 * test_bills.c — bills and the desk over the real stack (FEE-6, FEE-7,
 * PAY-2, PAY-3; API.md "Bills" and "Collections"; issue 7's must-shows 2,
 * 3, 5 and 6):
 *   - the owner's list: figures (late fee by the item's rule, to the fen),
 *     order, payable, filters, paging, and nobody else's bills;
 *   - earliest-first at the desk, two items independent, a partial month
 *     finished first; overpayment only to prepayment, which then pays a
 *     new bill by itself;
 *   - 20 collections of one bill at once: one succeeds; two cashiers
 *     collecting 100 bills each at once: receipt numbers without gap or
 *     duplicate;
 *   - bad input of every kind refused with nothing changed;
 *   - check-books: balanced after all this, and failing on a row
 *     corrupted by hand (the function and the operator command).
 * Everything happens in a project of its own (ZBILL, which the demo admin
 * and butler 13900000001 serve), with homes and owners (phones
 * 137000001xx) made by each test, so that neither the demo's bills nor the
 * other test binaries' views of project 1 are touched.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "books.h"
#include "itest.h"

static struct {
    char *admin, *butler, *butler2;
    int64_t prop, park;   /* fee items of project 1: by area with a late fee; fixed */
    int64_t other_item;   /* of project 2 */
    int64_t proj, bldg;   /* the test's own project and building */
    int homes;            /* homes made so far */
} g;

#define call_as(tok, m, path, body, st, code)                                                      \
    it_call_at((tok), (m), (path), (body), (st), (code), false, __FILE__, __LINE__)
#define refused_as(tok, m, path, body, st, code)                                                   \
    it_refused_at((tok), (m), (path), (body), (st), (code), __FILE__, __LINE__)

/* A home of project 1 with its own owner; *token the owner's session. */
static int64_t new_home(char **token)
{
    char body[512], phone[16], path[96];
    int64_t id;

    g.homes++;
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"code\":\"ZB-%d\",\"number\":\"Z%d\","
             "\"kind\":\"home\",\"area_m2x100\":10000}",
             (long long)g.proj, (long long)g.bldg, g.homes, g.homes);
    id = call_as(g.admin, "POST", "/api/v1/office/resources", body, 201, NULL);
    snprintf(phone, sizeof(phone), "137000001%02d", g.homes);
    snprintf(body, sizeof(body),
             "{\"name\":\"账单业主%d\",\"phone\":\"%s\",\"relation\":\"owner\","
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

/* A bill of a run, due days_ago days before today (China). */
static int64_t add_bill(int64_t resource, int64_t item, const char *period, int64_t amount,
                        int days_ago)
{
    struct db_param p[6] = {P_INT(g.proj), P_INT(resource), P_INT(item), P_STR(period),
                            P_INT(amount), P_INT(days_ago)};

    it_sql_exec("INSERT INTO bills (project_id, resource_id, fee_item_id, period, cycle_key, "
                "source, amount_fen, due_date) VALUES (?, ?, ?, ?, 1, 'run', ?, "
                "DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR) - INTERVAL ? DAY)",
                p, 6);
    return it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
}

static int64_t bill_int(int64_t id, const char *col)
{
    char sql[128];
    struct db_param p[1] = {P_INT(id)};

    snprintf(sql, sizeof(sql), "SELECT %s FROM bills WHERE id = ?", col);
    return it_sql_int(sql, p, 1);
}

static void bill_status(int64_t id, char *out, size_t size)
{
    struct db_param p[1] = {P_INT(id)};
    it_sql_str("SELECT status FROM bills WHERE id = ?", p, 1, out, size);
}

#define assert_status(id, want)                                                                    \
    do {                                                                                           \
        char st_[16];                                                                              \
        bill_status((id), st_, sizeof(st_));                                                       \
        assert_string_equal(st_, (want));                                                          \
    } while (0)


/* A collection's body. */
static void collect_body(char *out, size_t size, int64_t resource, const int64_t *ids, size_t n,
                         int64_t amount, const char *extra)
{
    int at = snprintf(out, size, "{\"resource_id\":%lld,\"method\":\"cash\",\"amount_fen\":%lld,"
                                 "\"bill_ids\":[",
                      (long long)resource, (long long)amount);
    for (size_t i = 0; i < n; i++)
        at += snprintf(out + at, size - (size_t)at, "%s%lld", i ? "," : "", (long long)ids[i]);
    snprintf(out + at, size - (size_t)at, "]%s}", extra ? extra : "");
}

/* Collect as token; the answer stays in r (the caller frees it). */
static void collect(const char *token, int64_t resource, const int64_t *ids, size_t n,
                    int64_t amount, const char *extra, struct http_resp *r)
{
    char body[4096];

    collect_body(body, sizeof(body), resource, ids, n, amount, extra);
    it_http("POST", "/api/v1/staff/collections", body, (size_t)-1, token, r);
}

static void collect_ok(int64_t resource, const int64_t *ids, size_t n, int64_t amount)
{
    struct http_resp r;

    collect(g.butler, resource, ids, n, amount, NULL, &r);
    it_expect(&r, 201, NULL);
    it_resp_free(&r);
}

static void collect_refused(int64_t resource, const int64_t *ids, size_t n, int64_t amount,
                            const char *extra, long status, const char *code, int line)
{
    char body[4096];

    collect_body(body, sizeof(body), resource, ids, n, amount, extra);
    it_refused_at(g.butler, "POST", "/api/v1/staff/collections", body, status, code, __FILE__,
                  line);
}

/* ---- fixture ----------------------------------------------------------------------- */

static int setup(void **state)
{
    struct db_param p[1];

    (void)state;
    /* the project first, so that the logins below already serve it */
    it_sql_exec("INSERT INTO projects (code, name, address) VALUES ('ZBILL', '账单测试小区', '')",
                NULL, 0);
    g.proj = it_sql_int("SELECT id FROM projects WHERE code = 'ZBILL'", NULL, 0);
    p[0] = P_INT(g.proj);
    it_sql_exec("INSERT INTO buildings (project_id, name, floors, business_type_id) "
                "VALUES (?, '测试楼', 10, 1)",
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
    char path[96];

    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/fee-items", (long long)g.proj);
    g.prop = it_call_at(g.admin, "POST", path,
                        "{\"code\":\"ZB-WY\",\"name\":\"测试物业费\",\"cycle\":\"monthly\","
                        "\"method\":\"building_area\",\"late_fee_daily_bp\":5,"
                        "\"late_fee_grace_days\":30}",
                        201, NULL, false, __FILE__, __LINE__);
    g.park = it_call_at(g.admin, "POST", path,
                        "{\"code\":\"ZB-CW\",\"name\":\"测试车位费\",\"cycle\":\"monthly\","
                        "\"method\":\"fixed\"}",
                        201, NULL, false, __FILE__, __LINE__);
    g.other_item = it_call_at(g.admin, "POST", "/api/v1/office/projects/2/fee-items",
                              "{\"code\":\"ZB-WY2\",\"name\":\"别家物业费\",\"cycle\":\"monthly\","
                              "\"method\":\"fixed\"}",
                              201, NULL, false, __FILE__, __LINE__);
    return g.prop && g.park && g.other_item ? 0 : -1;
}

static int teardown(void **state)
{
    struct db_param p[1] = {P_INT(g.proj)};

    (void)state;
    /* Nobody serves the project any more: the other test binaries see the
     * demo's projects as they expect. Its books stay, for check-books. */
    it_sql_exec("DELETE FROM staff_projects WHERE project_id = ?", p, 1);
    free(g.admin);
    free(g.butler);
    free(g.butler2);
    return 0;
}

/* ---- the owner's list -------------------------------------------------------------- */

static void owner_list_figures_and_order(void **state)
{
    char *owner, *other;
    char path[128];
    struct http_resp r;
    const cJSON *items, *it;
    int64_t home = new_home(&owner), a06, a07, b06;
    (void)state;

    new_home(&other);
    /* 235.00 yuan by area, 40 days past due: 10 days past the grace,
     * 23500 × 5 × 10 / 10000 = 117.5 → 118 fen of late fee */
    a07 = add_bill(home, g.prop, "2026-07", 23500, 10);
    a06 = add_bill(home, g.prop, "2026-06", 23500, 40);
    b06 = add_bill(home, g.park, "2026-06", 5000, 40);

    it_http("GET", "/api/v1/owner/bills", NULL, 0, owner, &r);
    it_expect(&r, 200, NULL);
    items = it_field(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 3);
    assert_null(cJSON_GetObjectItem(r.json, "next_cursor")); /* the unpaid list comes whole */
    /* oldest period first, then by fee item */
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 0), "id"), a06);
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 1), "id"), b06);
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 2), "id"), a07);
    it = cJSON_GetArrayItem(items, 0);
    assert_int_equal(it_int(it, "amount_fen"), 23500);
    assert_int_equal(it_int(it, "late_fee_fen"), 118);
    assert_int_equal(it_int(it, "discount_fen"), 0);
    assert_int_equal(it_int(it, "paid_fen"), 0);
    assert_int_equal(it_int(it, "due_fen"), 23618);
    assert_string_equal(it_str(it, "status"), "unpaid");
    assert_string_equal(it_str(it, "period"), "2026-06");
    assert_int_equal(it_int(it, "resource_id"), home);
    assert_string_equal(it_str(it_field(it, "fee_item"), "name"), "测试物业费");
    assert_true(cJSON_IsTrue(it_field(it, "payable")));
    /* within the grace days: no late fee; no rule: none ever */
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 2), "late_fee_fen"), 0);
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 1), "due_fen"), 5000);
    it_resp_free(&r);

    /* one resource only; another's (not the caller's) gives nothing */
    snprintf(path, sizeof(path), "/api/v1/owner/bills?resource_id=%lld", (long long)home);
    it_http("GET", path, NULL, 0, owner, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 3);
    it_resp_free(&r);
    it_http("GET", path, NULL, 0, other, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/bills?status=all", NULL, 0, other, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
    it_resp_free(&r);

    /* paid: none yet, paged (next_cursor null); bad filters: 400 */
    it_http("GET", "/api/v1/owner/bills?status=paid", NULL, 0, owner, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
    assert_true(cJSON_IsNull(it_field(r.json, "next_cursor")));
    it_resp_free(&r);
    refused_as(owner, "GET", "/api/v1/owner/bills?status=open", NULL, 400, "BAD_REQUEST");
    refused_as(owner, "GET", "/api/v1/owner/bills?resource_id=-1", NULL, 400, "BAD_REQUEST");
    refused_as(owner, "GET", "/api/v1/owner/bills?status=all&cursor=x", NULL, 400, "BAD_REQUEST");
    /* not an owner's session, or none */
    refused_as(g.butler, "GET", "/api/v1/owner/bills", NULL, 403, "FORBIDDEN");
    refused_as(NULL, "GET", "/api/v1/owner/bills", NULL, 401, "UNAUTHENTICATED");
    free(owner);
    free(other);
}

static void lists_page_through_all(void **state)
{
    char *owner, path[160];
    int64_t home = new_home(&owner), ids[5], seen = 0;
    const char *cursor;
    struct http_resp r;
    char next[32] = "";
    (void)state;

    for (int i = 0; i < 5; i++) {
        char period[16];
        snprintf(period, sizeof(period), "2025-%02d", (i + 1) % 100);
        ids[i] = add_bill(home, g.park, period, 1000, 300 - i * 30);
    }
    collect_ok(home, ids, 2, 2000); /* two paid, three open */
    /* the owner's "all", two at a time, oldest first */
    do {
        snprintf(path, sizeof(path), "/api/v1/owner/bills?status=all&limit=2%s%s",
                 next[0] ? "&cursor=" : "", next);
        it_http("GET", path, NULL, 0, owner, &r);
        it_expect(&r, 200, NULL);
        for (int i = 0; i < cJSON_GetArraySize(it_field(r.json, "items")); i++) {
            const cJSON *b = cJSON_GetArrayItem(it_field(r.json, "items"), i);
            assert_int_equal(it_int(b, "id"), ids[seen]);
            assert_int_equal(cJSON_IsTrue(it_field(b, "payable")), seen >= 2);
            seen++;
        }
        cursor = cJSON_GetStringValue(cJSON_GetObjectItem(r.json, "next_cursor"));
        snprintf(next, sizeof(next), "%s", cursor ? cursor : "");
        it_resp_free(&r);
    } while (next[0]);
    assert_int_equal(seen, 5);
    /* paid only, for the staff: the two collected */
    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld/bills?status=paid", (long long)home);
    it_http("GET", path, NULL, 0, g.butler, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 2);
    assert_string_equal(it_str(cJSON_GetArrayItem(it_field(r.json, "items"), 0), "status"),
                        "paid");
    it_resp_free(&r);
    /* a butler of another project: 404 */
    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld/bills", (long long)home);
    refused_as(g.butler2, "GET", path, NULL, 404, "NOT_FOUND");
    free(owner);
}

/* ---- earliest first, partial, prepayment ------------------------------------------- */

static void desk_earliest_first(void **state)
{
    int64_t home = new_home(NULL);
    int64_t a06 = add_bill(home, g.prop, "2026-06", 23500, 40);
    int64_t a07 = add_bill(home, g.prop, "2026-07", 23500, 10);
    int64_t a08 = add_bill(home, g.prop, "2026-08", 23500, 0);
    int64_t b06 = add_bill(home, g.park, "2026-06", 5000, 40);
    int64_t a09;
    struct http_resp r;
    const cJSON *applied;
    (void)state;

    /* July while June is open: refused, nothing changed */
    collect_refused(home, (int64_t[]){a07}, 1, 23500, NULL, 409, "EARLIER_BILL_UNPAID",
                    __LINE__);
    /* June and July together: 23618 + 23500 */
    collect(g.butler, home, (int64_t[]){a07, a06}, 2, 47118, NULL, &r);
    it_expect(&r, 201, NULL);
    assert_true(strncmp(it_str(r.json, "receipt_no"), "ZBILL-20", 8) == 0);
    assert_int_equal(it_int(r.json, "amount_fen"), 47118);
    assert_int_equal(it_int(r.json, "to_prepay_fen"), 0);
    applied = it_field(r.json, "applied");
    assert_int_equal(cJSON_GetArraySize(applied), 2);
    assert_int_equal(it_int(cJSON_GetArrayItem(applied, 0), "bill_id"), a06); /* oldest first */
    assert_int_equal(it_int(cJSON_GetArrayItem(applied, 0), "amount_fen"), 23618);
    assert_int_equal(it_int(cJSON_GetArrayItem(applied, 1), "amount_fen"), 23500);
    it_resp_free(&r);
    assert_status(a06, "paid");
    assert_int_equal(bill_int(a06, "late_fee_fen"), 118); /* frozen when paid */
    assert_status(a07, "paid");
    /* the other item is independent: June's parking alone */
    collect_ok(home, (int64_t[]){b06}, 1, 5000);
    assert_status(b06, "paid");
    /* a paid bill again: not payable */
    collect_refused(home, (int64_t[]){a06}, 1, 100, NULL, 409, "BILL_NOT_PAYABLE", __LINE__);

    /* a partial August must be finished before September */
    a09 = add_bill(home, g.prop, "2026-09", 23500, -30);
    collect_ok(home, (int64_t[]){a08}, 1, 10000);
    assert_status(a08, "partial");
    assert_int_equal(bill_int(a08, "paid_fen"), 10000);
    collect_refused(home, (int64_t[]){a09}, 1, 23500, NULL, 409, "EARLIER_BILL_UNPAID",
                    __LINE__);
    /* both together, less than their due: August finished, September in part */
    collect(g.butler, home, (int64_t[]){a08, a09}, 2, 13500 + 500, NULL, &r);
    it_expect(&r, 201, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "applied")), 2);
    it_resp_free(&r);
    assert_status(a08, "paid");
    assert_status(a09, "partial");
    assert_int_equal(bill_int(a09, "paid_fen"), 500);
    it_books_balance();
}

static void desk_overpay_goes_to_prepay(void **state)
{
    int64_t home = new_home(NULL), bill = add_bill(home, g.park, "2026-06", 5000, 5), temp;
    char path[96], body[128];
    struct http_resp r;
    const cJSON *rec;
    (void)state;

    collect_refused(home, (int64_t[]){bill}, 1, 5500, NULL, 409, "AMOUNT_EXCEEDS_DUE", __LINE__);
    collect(g.butler, home, (int64_t[]){bill}, 1, 5500, ",\"to_prepay\":true", &r);
    it_expect(&r, 201, NULL);
    assert_int_equal(it_int(r.json, "to_prepay_fen"), 500);
    it_resp_free(&r);
    /* the resource's books at a glance */
    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld", (long long)home);
    it_http("GET", path, NULL, 0, g.butler, &r);
    it_expect(&r, 200, NULL);
    rec = it_field(r.json, "receivables");
    assert_int_equal(it_int(rec, "prepay_fen"), 500);
    assert_int_equal(it_int(rec, "open_bills"), 0);
    assert_int_equal(it_int(rec, "due_fen"), 0);
    assert_int_equal(cJSON_GetArraySize(it_field(rec, "recent_payments")), 1);
    it_resp_free(&r);
    /* a temporary bill of 300 is paid from the prepayment at once */
    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld/bills", (long long)home);
    snprintf(body, sizeof(body), "{\"fee_item_id\":%lld,\"amount_fen\":300,\"note\":\"换锁\"}",
             (long long)g.park);
    temp = call_as(g.butler, "POST", path, body, 201, NULL);
    assert_status(temp, "paid");
    {
        struct db_param p[1] = {P_INT(home)};
        assert_int_equal(it_sql_int("SELECT balance_fen FROM accounts WHERE resource_id = ? "
                                    "AND kind = 'prepay'",
                                    p, 1),
                         200);
        assert_int_equal(it_sql_int("SELECT COUNT(*) FROM receipts WHERE resource_id = ? "
                                    "AND method = 'prepay' AND amount_fen = 300",
                                    p, 1),
                         1);
    }
    it_books_balance();
}

/* ---- concurrency ------------------------------------------------------------------- */

struct racer {
    const char *token;
    int64_t resource;
    const int64_t *ids;
    size_t n;
    int64_t amount;
    long status[100];
    char code[100][32];
};

static void *race(void *arg)
{
    struct racer *x = arg;

    for (size_t i = 0; i < x->n; i++) {
        struct http_resp r;
        collect(x->token, x->resource, &x->ids[i], 1, x->amount, NULL, &r);
        x->status[i] = r.status;
        snprintf(x->code[i], sizeof(x->code[i]), "%s", it_err_code(&r));
        it_resp_free(&r);
    }
    return NULL;
}

#define RACERS 20

static void twenty_collect_one_bill(void **state)
{
    int64_t home = new_home(NULL), bill = add_bill(home, g.park, "2026-06", 5000, 5);
    static struct racer x[RACERS];
    pthread_t t[RACERS];
    int created = 0, refused = 0;
    struct db_param p[1] = {P_INT(home)};
    (void)state;

    for (int i = 0; i < RACERS; i++) {
        x[i] = (struct racer){.token = i % 2 ? g.butler : g.admin, .resource = home, .ids = &bill,
                              .n = 1, .amount = 5000};
        assert_int_equal(pthread_create(&t[i], NULL, race, &x[i]), 0);
    }
    for (int i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        created += x[i].status[0] == 201;
        refused += x[i].status[0] == 409 && strcmp(x[i].code[0], "BILL_NOT_PAYABLE") == 0;
    }
    assert_int_equal(created, 1);
    assert_int_equal(refused, RACERS - 1);
    assert_int_equal(bill_int(bill, "paid_fen"), 5000);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM receipts WHERE resource_id = ?", p, 1), 1);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM bill_applications a JOIN bills b "
                                "ON b.id = a.bill_id WHERE b.resource_id = ?",
                                p, 1),
                     1);
    it_books_balance();
}

#define ROUNDS 100

static void two_cashiers_numbers_without_gaps(void **state)
{
    static struct racer x[2];
    static int64_t ids[2][ROUNDS];
    pthread_t t[2];
    (void)state;

    for (int k = 0; k < 2; k++) {
        int64_t home = new_home(NULL);
        for (int i = 0; i < ROUNDS; i++) {
            struct db_param p[3] = {P_INT(g.proj), P_INT(home), P_INT(g.park)};
            /* temporary bills of one item and month: paid in id order */
            it_sql_exec("INSERT INTO bills (project_id, resource_id, fee_item_id, period, source, "
                        "amount_fen, due_date) VALUES (?, ?, ?, '2026-10', 'temporary', 100, "
                        "'2026-10-01')",
                        p, 3);
            ids[k][i] = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
        }
        x[k] = (struct racer){.token = k ? g.butler : g.admin, .resource = home, .ids = ids[k],
                              .n = ROUNDS, .amount = 100};
    }
    for (int k = 0; k < 2; k++)
        assert_int_equal(pthread_create(&t[k], NULL, race, &x[k]), 0);
    for (int k = 0; k < 2; k++)
        pthread_join(t[k], NULL);
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < ROUNDS; i++)
            if (x[k].status[i] != 201)
                fail_msg("cashier %d, round %d: %ld %s", k, i, x[k].status[i], x[k].code[i]);
    /* every receipt of the project this year: 1..N, each once */
    {
        struct db_param p[1] = {P_INT(g.proj)};
#define THIS_YEAR "year = YEAR(UTC_TIMESTAMP() + INTERVAL 8 HOUR)"
        assert_int_equal(it_sql_int("SELECT COUNT(*) - COUNT(DISTINCT seq) FROM receipts "
                                    "WHERE project_id = ? AND " THIS_YEAR,
                                    p, 1),
                         0);
        assert_int_equal(it_sql_int("SELECT MAX(seq) - COUNT(*) FROM receipts "
                                    "WHERE project_id = ? AND " THIS_YEAR,
                                    p, 1),
                         0);
        assert_true(it_sql_int("SELECT COUNT(*) FROM receipts WHERE project_id = ?", p, 1) >=
                    2 * ROUNDS);
        assert_int_equal(it_sql_int("SELECT last_seq FROM receipt_counters "
                                    "WHERE project_id = ? AND " THIS_YEAR,
                                    p, 1),
                         it_sql_int("SELECT COUNT(*) FROM receipts "
                                    "WHERE project_id = ? AND " THIS_YEAR,
                                    p, 1));
    }
    it_books_balance();
}

/* ---- bad input --------------------------------------------------------------------- */

static void bad_input_changes_nothing(void **state)
{
    int64_t home = new_home(NULL), bill = add_bill(home, g.park, "2026-06", 5000, 5);
    int64_t other_home = new_home(NULL), other_bill = add_bill(other_home, g.park, "2026-06", 10, 5);
    char body[512], path[96], *tech;
    static const char *const amounts[] = {"0", "-1", "1.5", "\"100\"", "1e3", "null",
                                          "1000000000000000", "true"};
    int64_t many[101];
    (void)state;

    for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
        snprintf(body, sizeof(body),
                 "{\"resource_id\":%lld,\"bill_ids\":[%lld],\"method\":\"cash\",\"amount_fen\":%s}",
                 (long long)home, (long long)bill, amounts[i]);
        refused_as(g.butler, "POST", "/api/v1/staff/collections", body, 400, "BAD_REQUEST");
    }
    collect_refused(home, NULL, 0, 100, NULL, 400, "BAD_REQUEST", __LINE__);            /* [] */
    collect_refused(home, (int64_t[]){bill, bill}, 2, 100, NULL, 400, "BAD_REQUEST", __LINE__);
    for (int i = 0; i < 101; i++)
        many[i] = bill + i;
    collect_refused(home, many, 101, 100, NULL, 400, "BAD_REQUEST", __LINE__);
    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"bill_ids\":[%lld],\"method\":\"bitcoin\",\"amount_fen\":1}",
             (long long)home, (long long)bill);
    refused_as(g.butler, "POST", "/api/v1/staff/collections", body, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"bill_ids\":[%lld],\"method\":\"wechat_pay\",\"amount_fen\":1}",
             (long long)home, (long long)bill);
    refused_as(g.butler, "POST", "/api/v1/staff/collections", body, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"bill_ids\":[%lld],\"method\":\"cash\",\"amount_fen\":1,"
             "\"tip\":1}",
             (long long)home, (long long)bill);
    refused_as(g.butler, "POST", "/api/v1/staff/collections", body, 400, "BAD_REQUEST");
    /* another resource's bill, an unknown bill, a resource of another project */
    collect_refused(home, (int64_t[]){other_bill}, 1, 10, NULL, 404, "NOT_FOUND", __LINE__);
    collect_refused(home, (int64_t[]){999999999}, 1, 10, NULL, 404, "NOT_FOUND", __LINE__);
    collect_refused(8, (int64_t[]){bill}, 1, 10, NULL, 404, "NOT_FOUND", __LINE__);
    collect_refused(999999, (int64_t[]){bill}, 1, 10, NULL, 404, "NOT_FOUND", __LINE__);
    /* a butler of another project: 404 for this one's */
    collect_body(body, sizeof(body), home, (int64_t[]){bill}, 1, 5000, NULL);
    refused_as(g.butler2, "POST", "/api/v1/staff/collections", body, 404, "NOT_FOUND");
    /* a role that does not collect: 403 */
    snprintf(body, sizeof(body),
             "{\"name\":\"测试技工\",\"phone\":\"13700000199\",\"password\":\"tech12345\","
             "\"roles\":[\"technician\"],\"project_ids\":[%lld]}",
             (long long)g.proj);
    call_as(g.admin, "POST", "/api/v1/office/staff", body, 201, NULL);
    collect_body(body, sizeof(body), home, (int64_t[]){bill}, 1, 5000, NULL);
    tech = it_staff_login("13700000199", "tech12345");
    assert_non_null(tech);
    refused_as(tech, "POST", "/api/v1/staff/collections", body, 403, "FORBIDDEN");
    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld/bills", (long long)home);
    snprintf(body, sizeof(body), "{\"fee_item_id\":%lld,\"amount_fen\":100}", (long long)g.park);
    refused_as(tech, "POST", path, body, 403, "FORBIDDEN");
    free(tech);

    /* temporary bills: amounts, items of other projects, unknown items */
    for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
        snprintf(body, sizeof(body), "{\"fee_item_id\":%lld,\"amount_fen\":%s}", (long long)g.park,
                 amounts[i]);
        refused_as(g.butler, "POST", path, body, 400, "BAD_REQUEST");
    }
    snprintf(body, sizeof(body), "{\"fee_item_id\":%lld,\"amount_fen\":100}",
             (long long)g.other_item);
    refused_as(g.butler, "POST", path, body, 404, "NOT_FOUND");
    refused_as(g.butler, "POST", path, "{\"fee_item_id\":999999,\"amount_fen\":100}", 404,
               "NOT_FOUND");
    snprintf(body, sizeof(body), "{\"fee_item_id\":%lld,\"amount_fen\":100}", (long long)g.park);
    refused_as(g.butler, "POST", "/api/v1/staff/resources/8/bills", body, 404, "NOT_FOUND");
    refused_as(g.butler, "POST", "/api/v1/staff/resources/99999999/bills", body, 404, "NOT_FOUND");
    snprintf(body, sizeof(body), "{\"fee_item_id\":%lld,\"amount_fen\":100,\"note\":\"a\\nb\"}",
             (long long)g.park);
    refused_as(g.butler, "POST", path, body, 400, "BAD_REQUEST");
    it_books_balance();
}

/* ---- check-books fails on a corrupted row ------------------------------------------- */

static long breaches_now(void)
{
    struct err e = {0};
    long n = -1;
    FILE *devnull = fopen("/dev/null", "w");

    assert_int_equal(books_check(it_db(), devnull, &n, &e), 0);
    fclose(devnull);
    return n;
}

static int command_rc(void)
{
    char cmd[1024];

    snprintf(cmd, sizeof(cmd), "build/san/wuye -c '%s' check-books >/dev/null 2>&1",
             it_env("WUYE_CONF"));
    return system(cmd);
}

static void check_books_catches_corruption(void **state)
{
    int64_t home = new_home(NULL), bill = add_bill(home, g.park, "2026-06", 5000, 5);
    static const char *const corrupt[][2] = {
        {"UPDATE bills SET paid_fen = paid_fen + 1 WHERE id = ?",
         "UPDATE bills SET paid_fen = paid_fen - 1 WHERE id = ?"},
        {"UPDATE bills SET discount_fen = 1 WHERE id = ?",
         "UPDATE bills SET discount_fen = 0 WHERE id = ?"},
        {"UPDATE bills SET status = 'unpaid' WHERE id = ?",
         "UPDATE bills SET status = 'paid' WHERE id = ?"},
        {"UPDATE receipts SET amount_fen = amount_fen + 1 WHERE id = (SELECT receipt_id FROM "
         "bill_applications WHERE bill_id = ?)",
         "UPDATE receipts SET amount_fen = amount_fen - 1 WHERE id = (SELECT receipt_id FROM "
         "bill_applications WHERE bill_id = ?)"},
        {"UPDATE bill_applications SET amount_fen = amount_fen - 1 WHERE bill_id = ?",
         "UPDATE bill_applications SET amount_fen = amount_fen + 1 WHERE bill_id = ?"},
        {"UPDATE accounts SET balance_fen = balance_fen + 1 WHERE resource_id = (SELECT "
         "resource_id FROM bills WHERE id = ?) AND kind = 'prepay'",
         "UPDATE accounts SET balance_fen = balance_fen - 1 WHERE resource_id = (SELECT "
         "resource_id FROM bills WHERE id = ?) AND kind = 'prepay'"},
    };
    struct http_resp r;
    (void)state;

    collect(g.butler, home, &bill, 1, 5100, ",\"to_prepay\":true", &r);
    it_expect(&r, 201, NULL);
    it_resp_free(&r);
    assert_int_equal(breaches_now(), 0);
    assert_int_equal(command_rc(), 0);
    for (size_t i = 0; i < sizeof(corrupt) / sizeof(corrupt[0]); i++) {
        struct db_param p[1] = {P_INT(bill)};
        it_sql_exec(corrupt[i][0], p, 1);
        if (breaches_now() < 1)
            fail_msg("corruption %zu not caught", i);
        assert_int_not_equal(command_rc(), 0);
        it_sql_exec(corrupt[i][1], p, 1);
        assert_int_equal(breaches_now(), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(owner_list_figures_and_order),
        cmocka_unit_test(lists_page_through_all),
        cmocka_unit_test(desk_earliest_first),
        cmocka_unit_test(desk_overpay_goes_to_prepay),
        cmocka_unit_test(twenty_collect_one_bill),
        cmocka_unit_test(two_cashiers_numbers_without_gaps),
        cmocka_unit_test(bad_input_changes_nothing),
        cmocka_unit_test(check_books_catches_corruption),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests_name("integration_bills", tests, setup, teardown);
}
