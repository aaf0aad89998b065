/*
 * test_billrun.c — bill runs and discount schemes over the real stack
 * (FEE-3, FEE-4; issue 7 "it must show" 4). The office's admin
 * (13900000009) bills a project of its own:
 *
 *   R1 1栋1单元101  home 89.50 m²   owner A (and E, moved out in 2021)
 *   R2 1栋1单元102  home 120.60 m²  elderly; owner B, family C
 *   R3 2栋201       home, no area
 *   R4 2栋S01       shop 65.00 m²   owner D
 *   R5 B1-001       parking space, no building; disabled
 *
 * with a property fee by area (WYF: homes 2.35, shops 4.50 元/m²), a
 * parking fee (TCF, 300 元, parking spaces only), a quarterly per-head fee
 * (GLF, 10 元 a head), water by usage (SF), a one-off and an inactive item,
 * a scheme of 10 % off the property fee for the elderly and one that lets
 * the disabled park for free (a bill discounted to nothing is settled at
 * once). Then:
 * the preview's totals and exceptions, nothing written; the run as a job
 * with exactly the bills worked out by hand, the discounts, one notice per
 * owner and home, the prepayment offset; a rerun that makes nothing; bad
 * input refused with nothing changed; a scheduled run that fires once and
 * one cancelled; and a run of 3,000 homes whose jobs process is killed
 * (kill -9) half way — blocked on a row this test holds — and which the
 * restarted jobs process finishes: one bill per (resource, item, period),
 * and the run's record, the job's and the audit log say what happened.
 *
 * Our rows: projects ZZBR…; they stay (the books' history is append-only),
 * and the admin serves them no more after the teardown.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bills.h"
#include "core/util.h"
#include "itest.h"

static struct {
    char *admin, *butler;
    char tag[32];
    long phone_base;
    int64_t p, b1, b2, u1, r[6];          /* r[1..5] */
    int64_t wyf, tcf, glf, sf, once, off; /* P's items */
    int64_t elderly, free_parking;        /* the schemes */
    int64_t run;                          /* the committed run */
    int64_t other_project, other_item, other_run, other_scheme;
} g;

#define call(m, path, body, st, code)                                                              \
    it_call_at(g.admin, (m), (path), (body), (st), (code), false, __FILE__, __LINE__)
#define refused_as(tok, m, path, body, st, code)                                                   \
    it_refused_at((tok), (m), (path), (body), (st), (code), __FILE__, __LINE__)
#define refused(m, path, body, st, code) refused_as(g.admin, (m), (path), (body), (st), (code))

static int64_t sql_int1(const char *sql, int64_t a)
{
    struct db_param p[1] = {P_INT(a)};
    return it_sql_int(sql, p, 1);
}

static int64_t sql_int2(const char *sql, int64_t a, int64_t b)
{
    struct db_param p[2] = {P_INT(a), P_INT(b)};
    return it_sql_int(sql, p, 2);
}

static void need(int64_t x)
{
    if (!x)
        skip();
}

/* ---- fixture ------------------------------------------------------------------------ */

static int64_t insert_id(const char *sql, const struct db_param *p, size_t n)
{
    it_sql_exec(sql, p, n);
    return it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
}

static int64_t resource(int64_t building, int64_t unit, const char *code, const char *number,
                        const char *kind, int64_t area, const char *group)
{
    struct db_param p[] = {P_INT(g.p),
                           building ? P_INT(building) : P_NULL,
                           unit ? P_INT(unit) : P_NULL,
                           P_STR(code),
                           P_STR(number),
                           P_STR(kind),
                           P_INT(area),
                           P_INT(area * 8 / 10),
                           P_STR(group)};
    return insert_id("INSERT INTO resources (project_id, building_id, unit_id, code, number, kind, "
                     "area_m2x100, inner_area_m2x100, customer_group) VALUES (?,?,?,?,?,?,?,?,?)",
                     p, 9);
}

static int64_t person(int k, const char *name)
{
    char phone[16];
    struct db_param p[2];

    snprintf(phone, sizeof(phone), "136%07ld%d", g.phone_base, k);
    p[0] = P_STR(name);
    p[1] = P_STR(phone);
    return insert_id("INSERT INTO persons (name, phone) VALUES (?, ?)", p, 2);
}

static void link_(int64_t person_id, int64_t res, const char *relation, const char *out)
{
    struct db_param p[4] = {P_INT(person_id), P_INT(res), P_STR(relation), P_STR(out)};
    it_sql_exec("INSERT INTO person_resources (person_id, resource_id, relation, moved_in_on, "
                "moved_out_on) VALUES (?, ?, ?, '2020-01-01', ?)",
                p, 4);
}

static int64_t fee_item(int64_t project, const char *code, const char *cycle, const char *method,
                        int active)
{
    struct db_param p[6] = {P_INT(project), P_STR(code),   P_STR(code),
                            P_STR(cycle),   P_STR(method), P_INT(active)};
    return insert_id("INSERT INTO fee_items (project_id, code, name, cycle, method, "
                     "due_day_of_cycle, active) VALUES (?, ?, CONCAT('测试', ?), ?, ?, 5, ?)",
                     p, 6);
}

static void fee_rate(int64_t item, int64_t rate, const char *kind)
{
    struct db_param p[3] = {P_INT(item), P_INT(rate), P_STR(kind)};
    it_sql_exec("INSERT INTO fee_rates (fee_item_id, rate, resource_kind, valid_from) "
                "VALUES (?, ?, ?, '2020-01-01')",
                p, 3);
}

static int64_t project_of_mine(const char *suffix)
{
    char body[160];

    snprintf(body, sizeof(body), "{\"code\":\"%s%s\",\"name\":\"出账测试%s%s\"}", g.tag, suffix,
             g.tag, suffix);
    return call("POST", "/api/v1/office/projects", body, 201, NULL);
}

static int setup(void **state)
{
    struct db_param p[3];
    int64_t a, b, c, d, e;

    (void)state;
    g.admin = it_staff_login("13900000009", "demo1234");
    g.butler = it_staff_login("13900000001", "demo1234");
    if (!g.admin || !g.butler)
        return -1;
    snprintf(g.tag, sizeof(g.tag), "ZZBR%ld", (long)time(NULL));
    g.phone_base = (long)(time(NULL) % 10000000);
    g.p = project_of_mine("");
    p[0] = P_INT(g.p);
    g.b1 = insert_id("INSERT INTO buildings (project_id, name, floors, business_type_id) "
                     "VALUES (?, '1栋', 10, 1)",
                     p, 1);
    g.b2 = insert_id("INSERT INTO buildings (project_id, name, floors, business_type_id) "
                     "VALUES (?, '2栋', 10, 1)",
                     p, 1);
    p[0] = P_INT(g.b1);
    g.u1 = insert_id("INSERT INTO units (building_id, name) VALUES (?, '1单元')", p, 1);
    g.r[1] = resource(g.b1, g.u1, "R1", "101", "home", 8950, NULL);
    g.r[2] = resource(g.b1, g.u1, "R2", "102", "home", 12060, "elderly");
    g.r[3] = resource(g.b2, 0, "R3", "201", "home", 0, NULL);
    g.r[4] = resource(g.b2, 0, "R4", "S01", "shop", 6500, NULL);
    g.r[5] = resource(0, 0, "R5", "B1-001", "parking", 1250, "disabled");
    a = person(1, "甲业主");
    b = person(2, "乙业主");
    c = person(3, "乙家属");
    d = person(4, "丁商户");
    e = person(5, "戊前业主");
    link_(a, g.r[1], "owner", NULL);
    link_(e, g.r[1], "owner", "2021-01-01");
    link_(b, g.r[2], "owner", NULL);
    link_(c, g.r[2], "family", NULL);
    link_(d, g.r[4], "owner", NULL);
    g.wyf = fee_item(g.p, "WYF", "monthly", "building_area", 1);
    g.tcf = fee_item(g.p, "TCF", "monthly", "fixed", 1);
    g.glf = fee_item(g.p, "GLF", "quarterly", "per_head", 1);
    g.sf = fee_item(g.p, "SF", "monthly", "usage", 1);
    g.once = fee_item(g.p, "ONCE", "once", "fixed", 1);
    g.off = fee_item(g.p, "OFF", "monthly", "fixed", 0);
    fee_rate(g.wyf, 2350000, "home");
    fee_rate(g.wyf, 4500000, "shop");
    fee_rate(g.tcf, 30000, "parking");
    fee_rate(g.glf, 1000, NULL);
    fee_rate(g.sf, 4800000, NULL);
    fee_rate(g.once, 5000, NULL);
    fee_rate(g.off, 100, NULL);
    /* a project the admin does not serve, with an item, a run and a scheme */
    p[0] = P_STR(g.tag);
    g.other_project = insert_id("INSERT INTO projects (code, name, address) "
                                "VALUES (CONCAT(?, '-OTHER'), CONCAT(?, '别家小区'), '')",
                                (struct db_param[]){p[0], p[0]}, 2);
    g.other_item = fee_item(g.other_project, "WYF", "monthly", "building_area", 1);
    p[0] = P_INT(g.other_project);
    p[1] = P_INT(g.other_item);
    g.other_run = insert_id("INSERT INTO bill_runs (project_id, fee_items, period_from, period_to, "
                            "status, run_at, created_by) VALUES (?, CONCAT('[', ?, ']'), "
                            "'2027-01', '2027-01', 'scheduled', '2030-01-01 00:00:00', 1)",
                            p, 2);
    g.other_scheme = insert_id("INSERT INTO discount_schemes (project_id, name, off_bp, "
                               "valid_from) VALUES (?, '别家方案', 1000, '2026-01-01')",
                               p, 1);
    return 0;
}

static int teardown(void **state)
{
    struct db_param p[1] = {P_STR(g.tag)};

    (void)state;
    it_sql_exec("UPDATE job_schedule SET every_s = 60 WHERE name = 'bill_runs_due'", NULL, 0);
    /* Our projects stay (their books are history), but nobody serves them
     * any more: the later tests' searches of the admin's homes (q=1202)
     * must not meet our 3,000 numbered ones. */
    it_sql_exec("DELETE sp FROM staff_projects sp JOIN projects p ON p.id = sp.project_id "
                "WHERE p.code LIKE CONCAT(?, '%')",
                p, 1);
    free(g.admin);
    free(g.butler);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

static char *run_body(const char *items, const char *from, const char *to, const char *extra)
{
    static char body[512];

    snprintf(body, sizeof(body),
             "{\"fee_item_ids\":[%s],\"period_from\":\"%s\","
             "\"period_to\":\"%s\"%s}",
             items, from, to, extra ? extra : "");
    return body;
}

static const char *ids(int64_t a, int64_t b, int64_t c, int64_t d)
{
    static char out[96];
    int64_t v[4] = {a, b, c, d};
    size_t used = 0;

    out[0] = '\0';
    for (int i = 0; i < 4 && v[i]; i++)
        used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%lld", i ? "," : "",
                                 (long long)v[i]);
    return out;
}

static const char *project_path(int64_t project, const char *tail)
{
    static char path[128];

    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/%s", (long long)project, tail);
    return path;
}

/* POST a run: 202 with its job; the run's and the job's ids. */
static void start_run(int64_t project, const char *body, int64_t *run_id, int64_t *job_id)
{
    struct http_resp r;

    it_http("POST", project_path(project, "bill-runs"), body, (size_t)-1, g.admin, &r);
    it_expect(&r, 202, NULL);
    *run_id = it_int(r.json, "run_id");
    *job_id = it_int(it_field(r.json, "job"), "id");
    assert_string_equal(it_str(it_field(r.json, "job"), "kind"), "bill_run");
    it_resp_free(&r);
}

/* Poll a job until it ends (or the time runs out); the final answer in r. */
static void wait_job(int64_t job_id, int seconds, struct http_resp *r)
{
    char path[96];

    snprintf(path, sizeof(path), "/api/v1/office/jobs/%lld", (long long)job_id);
    for (int i = 0; i < seconds * 20; i++) {
        const char *st;
        it_http("GET", path, NULL, 0, g.admin, r);
        it_expect(r, 200, NULL);
        st = it_str(it_field(r->json, "job"), "status");
        if (strcmp(st, "done") == 0 || strcmp(st, "failed") == 0)
            return;
        it_resp_free(r);
        usleep(50 * 1000);
    }
    fail_msg("job %lld did not end within %d s", (long long)job_id, seconds);
}

static void get_run(int64_t id, struct http_resp *r)
{
    char path[96];

    snprintf(path, sizeof(path), "/api/v1/office/bill-runs/%lld", (long long)id);
    it_http("GET", path, NULL, 0, g.admin, r);
    it_expect(r, 200, NULL);
}

static void expect_counts(const cJSON *o, int64_t count, int64_t amount, int64_t discount,
                          int64_t existing, int64_t exceptions)
{
    assert_int_equal(it_int(o, "count"), count);
    assert_int_equal(it_int(o, "total_fen"), amount);
    assert_int_equal(it_int(o, "discount_fen"), discount);
    assert_int_equal(it_int(o, "existing"), existing);
    assert_int_equal(it_int(o, "exception_count"), exceptions);
}

/* ---- FEE-4: discount schemes -------------------------------------------------------- */

static void schemes_are_set_up(void **state)
{
    char body[256], path[96];
    struct http_resp r;
    cJSON *items, *x;
    int64_t half, prepay, mark = it_sql_int("SELECT COALESCE(MAX(id), 0) FROM audit_log", NULL, 0);

    (void)state;
    snprintf(body, sizeof(body),
             "{\"name\":\"老年人物业费九折\",\"fee_item_id\":%lld,\"customer_group\":\"elderly\","
             "\"off_bp\":1000,\"valid_from\":\"2026-01-01\"}",
             (long long)g.wyf);
    g.elderly = call("POST", project_path(g.p, "discount-schemes"), body, 201, NULL);
    snprintf(body, sizeof(body),
             "{\"name\":\"残疾人车位费全免\",\"fee_item_id\":%lld,\"customer_group\":\"disabled\","
             "\"off_bp\":10000,\"valid_from\":\"2026-01-01\",\"valid_to\":\"2027-12-31\"}",
             (long long)g.tcf);
    g.free_parking = call("POST", project_path(g.p, "discount-schemes"), body, 201, NULL);
    /* everyone half price, switched off again: applies to nothing */
    half = call("POST", project_path(g.p, "discount-schemes"),
                "{\"name\":\"五折\",\"off_bp\":5000,\"valid_from\":\"2026-01-01\"}", 201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/discount-schemes/%lld", (long long)half);
    call("PATCH", path, "{\"active\":false}", 200, NULL);
    /* prepaying a year: the desk's, never a run's */
    prepay = call("POST", project_path(g.p, "discount-schemes"),
                  "{\"name\":\"预交一年减一个月\",\"min_months\":12,\"off_bp\":833,"
                  "\"valid_from\":\"2026-01-01\",\"valid_to\":\"2030-12-31\"}",
                  201, NULL);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM audit_log WHERE id > ? AND "
                              "entity = 'discount_scheme' AND actor_kind = 'staff'",
                              mark),
                     5);

    it_http("GET", project_path(g.p, "discount-schemes"), NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    items = it_field(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 4);
    x = it_find_int(items, "id", g.elderly);
    assert_non_null(x);
    assert_int_equal(it_int(x, "fee_item_id"), g.wyf);
    assert_string_equal(it_str(x, "customer_group"), "elderly");
    assert_int_equal(it_int(x, "off_bp"), 1000);
    assert_true(cJSON_IsNull(it_field(x, "off_fen")));
    assert_true(cJSON_IsNull(it_field(x, "valid_to")));
    assert_true(cJSON_IsTrue(it_field(x, "active")));
    assert_true(cJSON_IsFalse(it_field(it_find_int(items, "id", half), "active")));
    x = it_find_int(items, "id", prepay);
    assert_int_equal(it_int(x, "min_months"), 12);
    assert_string_equal(it_str(x, "valid_to"), "2030-12-31");
    /* another project's scheme is not in it */
    assert_null(it_find_int(items, "id", g.other_scheme));
    it_resp_free(&r);
}

/* ---- FEE-3: preview ----------------------------------------------------------------- */

static void preview_lists_totals_and_exceptions(void **state)
{
    char before[IT_SNAP], after[IT_SNAP];
    struct http_resp r;
    cJSON *items, *exc, *x;

    (void)state;
    need(g.elderly);
    it_snapshot(before, sizeof(before));
    it_http("POST", project_path(g.p, "bill-runs/preview"),
            run_body(ids(g.wyf, g.tcf, g.glf, g.sf), "2027-01", "2027-03", NULL), (size_t)-1,
            g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(it_int(r.json, "resources"), 5);
    /*
     * WYF, three months: R1 89.50 × 2.35 = 210.325 → 210.33; R2 120.60 ×
     * 2.35 = 283.41, 10 % off for the elderly = 28.341 → 28.34; R4 (shop)
     * 65.00 × 4.50 = 292.50; R3 has no area, R5 no home or shop rate.
     * 3 × (21033 + 28341 + 29250) = 235,872, discount 3 × 2834 = 8,502.
     */
    items = it_field(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 4);
    x = cJSON_GetArrayItem(items, 0);
    assert_int_equal(it_int(x, "fee_item_id"), g.wyf);
    assert_int_equal(it_int(x, "periods"), 3);
    expect_counts(x, 9, 235872, 8502, 0, 6);
    /* TCF: the parking space only, 3 × 300 元, free for the disabled */
    x = cJSON_GetArrayItem(items, 1);
    expect_counts(x, 3, 90000, 90000, 0, 12);
    /* GLF, quarterly: January only; the people living there now: R1 one
     * (E moved out), R2 two (owner and family), R4 one; R3 and R5 none */
    x = cJSON_GetArrayItem(items, 2);
    assert_int_equal(it_int(x, "periods"), 1);
    expect_counts(x, 3, 4000, 0, 0, 2);
    /* SF: usage, its bills come from the meters */
    x = cJSON_GetArrayItem(items, 3);
    expect_counts(x, 0, 0, 0, 0, 15);
    expect_counts(r.json, 15, 235872 + 90000 + 4000, 8502 + 90000, 0, 35);
    exc = it_field(r.json, "exceptions");
    assert_int_equal(cJSON_GetArraySize(exc), 35);
    x = cJSON_GetArrayItem(exc, 0); /* R1's first: no parking fee for a home */
    assert_int_equal(it_int(x, "resource_id"), g.r[1]);
    assert_string_equal(it_str(x, "resource_code"), "R1");
    assert_int_equal(it_int(x, "fee_item_id"), g.tcf);
    assert_string_equal(it_str(x, "period"), "2027-01");
    assert_string_equal(it_str(x, "reason"), "no_rate");
    assert_true(it_has_non_ascii(it_str(x, "message")));
    {
        int no_area = 0, no_reading = 0, zero = 0;
        for (int i = 0; i < cJSON_GetArraySize(exc); i++) {
            const char *why = it_str(cJSON_GetArrayItem(exc, i), "reason");
            no_area += strcmp(why, "no_area") == 0;
            no_reading += strcmp(why, "no_reading") == 0;
            zero += strcmp(why, "zero_amount") == 0;
        }
        assert_int_equal(no_area, 3);
        assert_int_equal(no_reading, 15);
        assert_int_equal(zero, 2);
    }
    it_resp_free(&r);
    it_snapshot(after, sizeof(after));
    assert_string_equal(before, after);

    /* one building only: 2栋 holds R3 and R4 */
    it_http("POST", project_path(g.p, "bill-runs/preview"),
            run_body(ids(g.wyf, 0, 0, 0), "2027-01", "2027-01", NULL), (size_t)-1, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(it_int(r.json, "count"), 3); /* R1, R2, R4 */
    it_resp_free(&r);
    {
        char extra[64];
        snprintf(extra, sizeof(extra), ",\"building_id\":%lld", (long long)g.b2);
        it_http("POST", project_path(g.p, "bill-runs/preview"),
                run_body(ids(g.wyf, 0, 0, 0), "2027-01", "2027-01", extra), (size_t)-1, g.admin,
                &r);
    }
    it_expect(&r, 200, NULL);
    assert_int_equal(it_int(r.json, "resources"), 2);
    expect_counts(r.json, 1, 29250, 0, 0, 1);
    it_resp_free(&r);
}

/* ---- FEE-3: commit ------------------------------------------------------------------ */

static int prepay_tx(struct db *db, void *arg, struct err *e)
{
    const int64_t *v = arg;

    return account_move_tx(db,
                           &(struct account_move){.project_id = v[0],
                                                  .resource_id = v[1],
                                                  .kind = "prepay",
                                                  .reason = "collect",
                                                  .delta_fen = v[2],
                                                  .note = "test_billrun"},
                           NULL, e);
}

static void prepay(int64_t project, int64_t res, int64_t fen)
{
    int64_t v[3] = {project, res, fen};
    struct err e;

    err_clear(&e);
    assert_int_equal(db_tx(it_db(), prepay_tx, v, &e), 0);
}

/* One bill of the run: its amount, discount, due date and what it was
 * computed from. */
static void expect_bill(int64_t res, int64_t item, const char *period, int64_t amount,
                        int64_t discount, const char *due, int64_t rate, int64_t quantity)
{
    struct db_param p[4] = {P_INT(res), P_INT(item), P_STR(period), P_INT(g.run)};
    char got[128], want[128], qty[24] = "null";

    it_sql_str("SELECT CONCAT_WS('|', amount_fen, discount_fen, due_date, rate, "
               "IFNULL(quantity, 'null'), source, cycle_key) FROM bills WHERE resource_id = ? "
               "AND fee_item_id = ? AND period = ? AND run_id = ?",
               p, 4, got, sizeof(got));
    if (quantity >= 0)
        snprintf(qty, sizeof(qty), "%lld", (long long)quantity);
    snprintf(want, sizeof(want), "%lld|%lld|%s|%lld|%s|run|1", (long long)amount,
             (long long)discount, due, (long long)rate, qty);
    assert_string_equal(got, want);
}

static void expect_notice(int64_t res, const char *params)
{
    struct db_param p[3] = {P_INT(g.run), P_INT(res), P_STR(params)};

    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM outbox WHERE dedup_key LIKE "
                                "CONCAT('bill_notice:', ?, ':', ?, ':%') AND channel = 'sms' "
                                "AND template = '1111' AND params = ?",
                                p, 3),
                     1);
}

static void commit_makes_the_bills(void **state)
{
    struct http_resp r;
    cJSON *job, *res;
    int64_t job_id, mark = it_sql_int("SELECT COALESCE(MAX(id), 0) FROM audit_log", NULL, 0);

    (void)state;
    need(g.elderly);
    /* R1 has 100 元 on its prepayment account: it pays at once */
    prepay(g.p, g.r[1], 10000);
    start_run(g.p, run_body(ids(g.wyf, g.tcf, g.glf, g.sf), "2027-01", "2027-03", NULL), &g.run,
              &job_id);
    wait_job(job_id, 60, &r);
    job = it_field(r.json, "job");
    assert_string_equal(it_str(job, "status"), "done");
    assert_int_equal(it_int(job, "done"), 5);
    assert_int_equal(it_int(job, "total"), 5);
    /* the exceptions are the job's errors */
    assert_int_equal(cJSON_GetArraySize(it_field(job, "errors")), 35);
    res = it_field(job, "result");
    assert_int_equal(it_int(res, "run_id"), g.run);
    assert_int_equal(it_int(res, "created"), 15);
    assert_int_equal(it_int(res, "existing"), 0);
    assert_int_equal(it_int(res, "exceptions"), 35);
    assert_int_equal(it_int(res, "total_fen"), 329872);
    assert_int_equal(it_int(res, "discount_fen"), 98502);
    assert_int_equal(it_int(res, "notices"), 3);
    assert_int_equal(it_int(res, "offset_fen"), 10000);
    it_resp_free(&r);

    /* exactly the bills worked out by hand, due on the 5th */
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bills WHERE project_id = ?", g.p), 15);
    expect_bill(g.r[1], g.wyf, "2027-01", 21033, 0, "2027-01-05", 2350000, 8950);
    expect_bill(g.r[1], g.wyf, "2027-03", 21033, 0, "2027-03-05", 2350000, 8950);
    expect_bill(g.r[2], g.wyf, "2027-02", 28341, 2834, "2027-02-05", 2350000, 12060);
    expect_bill(g.r[4], g.wyf, "2027-01", 29250, 0, "2027-01-05", 4500000, 6500);
    expect_bill(g.r[5], g.tcf, "2027-02", 30000, 30000, "2027-02-05", 30000, -1);
    expect_bill(g.r[2], g.glf, "2027-01", 2000, 0, "2027-01-05", 1000, 2);
    expect_bill(g.r[4], g.glf, "2027-01", 1000, 0, "2027-01-05", 1000, 1);
    assert_int_equal(sql_int2("SELECT COUNT(*) FROM bills WHERE project_id = ? AND "
                              "fee_item_id = ?",
                              g.p, g.glf),
                     3);
    /* parking free: settled at once, nothing to pay */
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bills WHERE resource_id = ? AND "
                              "status = 'paid' AND paid_at IS NOT NULL AND paid_fen = 0 AND "
                              "discount_fen = amount_fen",
                              g.r[5]),
                     3);
    assert_int_equal(sql_int2("SELECT COUNT(*) FROM bill_discounts d JOIN bills b ON "
                              "b.id = d.bill_id WHERE b.resource_id = ? AND d.scheme_id = ? "
                              "AND d.amount_fen = 30000",
                              g.r[5], g.free_parking),
                     3);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bills WHERE project_id = ? AND "
                              "status = 'unpaid'",
                              g.p),
                     11); /* 15 bills, 3 free, 1 part paid */
    /* the elderly discount, recorded: bill_discounts sums to discount_fen */
    assert_int_equal(sql_int2("SELECT COUNT(*) FROM bill_discounts d JOIN bills b ON "
                              "b.id = d.bill_id WHERE b.resource_id = ? AND d.kind = 'scheme' "
                              "AND d.scheme_id = ? AND d.amount_fen = 2834",
                              g.r[2], g.elderly),
                     3);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bills b WHERE b.run_id = ? AND "
                              "b.discount_fen <> (SELECT COALESCE(SUM(d.amount_fen), 0) FROM "
                              "bill_discounts d WHERE d.bill_id = b.id)",
                              g.run),
                     0);
    /* one notice per owner and home: A, B, D — not C (family), not E
     * (moved out), nobody for the parking space. {1} {2} 至 {3}: {4} 笔,
     * {5} 元 (what the bills come to, discounts off). */
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM outbox WHERE dedup_key LIKE "
                              "CONCAT('bill_notice:', ?, ':%')",
                              g.run),
                     3);
    expect_notice(g.r[1], "[\"1栋1单元101\",\"2027-01\",\"2027-03\",\"4\",\"640.99\"]");
    expect_notice(g.r[2], "[\"1栋1单元102\",\"2027-01\",\"2027-03\",\"4\",\"785.21\"]");
    expect_notice(g.r[4], "[\"2栋S01\",\"2027-01\",\"2027-03\",\"4\",\"887.50\"]");
    /* R1's 100 元 paid the oldest bill in part, on a prepayment receipt */
    assert_int_equal(sql_int2("SELECT COUNT(*) FROM bills WHERE resource_id = ? AND "
                              "fee_item_id = ? AND period = '2027-01' AND status = 'partial' "
                              "AND paid_fen = 10000",
                              g.r[1], g.wyf),
                     1);
    assert_int_equal(sql_int1("SELECT balance_fen FROM accounts WHERE resource_id = ? AND "
                              "kind = 'prepay'",
                              g.r[1]),
                     0);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM receipts WHERE resource_id = ? AND "
                              "method = 'prepay' AND amount_fen = 10000",
                              g.r[1]),
                     1);
    /* the run's record and its audit rows */
    get_run(g.run, &r);
    assert_string_equal(it_str(r.json, "status"), "done");
    assert_int_equal(it_int(r.json, "created"), 15);
    assert_int_equal(it_int(r.json, "attempts"), 1);
    assert_int_equal(it_int(r.json, "notices"), 3);
    assert_int_equal(it_int(r.json, "job_id"), job_id);
    assert_int_equal(it_int(r.json, "created_by"),
                     it_sql_int("SELECT id FROM staff WHERE phone = '13900000009'", NULL, 0));
    it_resp_free(&r);
    assert_int_equal(sql_int2("SELECT COUNT(*) FROM audit_log WHERE id > ? AND "
                              "entity = 'bill_run' AND entity_id = ?",
                              mark, g.run),
                     4); /* create, start, one batch, finish */
    assert_int_equal(sql_int2("SELECT JSON_VALUE(detail, '$.context.created') FROM audit_log "
                              "WHERE id > ? AND action = 'bill_run_batch' AND entity_id = ?",
                              mark, g.run),
                     15);
    /* listed with the project's runs */
    it_http("GET", project_path(g.p, "bill-runs"), NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_non_null(it_find_int(it_field(r.json, "items"), "id", g.run));
    it_resp_free(&r);
    it_books_balance(); /* discounts, the offset's receipt and entry */
}

static void rerun_makes_nothing_new(void **state)
{
    struct http_resp r;
    cJSON *res;
    int64_t run, job_id, bills = sql_int1("SELECT COUNT(*) FROM bills WHERE project_id = ?", g.p);
    int64_t notices = it_sql_int("SELECT COUNT(*) FROM outbox WHERE dedup_key LIKE "
                                 "'bill_notice:%'",
                                 NULL, 0);

    (void)state;
    need(g.run);
    start_run(g.p, run_body(ids(g.wyf, g.tcf, g.glf, g.sf), "2027-01", "2027-03", NULL), &run,
              &job_id);
    wait_job(job_id, 60, &r);
    res = it_field(it_field(r.json, "job"), "result");
    assert_int_equal(it_int(res, "created"), 0);
    assert_int_equal(it_int(res, "existing"), 15);
    assert_int_equal(it_int(res, "notices"), 0);
    it_resp_free(&r);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bills WHERE project_id = ?", g.p), bills);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM outbox WHERE dedup_key LIKE "
                                "'bill_notice:%'",
                                NULL, 0),
                     notices);
}

/* ---- bad input ---------------------------------------------------------------------- */

static void bad_input_changes_nothing(void **state)
{
    char path[128], extra[96], many[256];
    const char *run = project_path(g.p, "bill-runs");
    char preview[128];
    const char *w = ids(g.wyf, 0, 0, 0);
    char wyf[24], other[24];

    (void)state;
    need(g.run);
    snprintf(preview, sizeof(preview), "%s", project_path(g.p, "bill-runs/preview"));
    snprintf(wyf, sizeof(wyf), "%s", w);
    snprintf(other, sizeof(other), "%lld", (long long)g.other_item);
    /* an unknown item, another project's, the demo project's own */
    refused("POST", run, run_body("99999999", "2027-04", "2027-04", NULL), 404, "NOT_FOUND");
    refused("POST", run, run_body(other, "2027-04", "2027-04", NULL), 404, "NOT_FOUND");
    refused("POST", preview, run_body(other, "2027-04", "2027-04", NULL), 404, "NOT_FOUND");
    refused("POST", run, run_body("1", "2027-04", "2027-04", NULL), 404, "NOT_FOUND");
    /* periods */
    refused("POST", run, run_body(wyf, "2027-04", "2027-03", NULL), 400, "BAD_REQUEST");
    refused("POST", run, run_body(wyf, "2027-01", "2030-01", NULL), 400, "BAD_REQUEST");
    refused("POST", preview, run_body(wyf, "2027-01", "2030-01", NULL), 400, "BAD_REQUEST");
    refused("POST", run, run_body(wyf, "2027-4", "2027-04", NULL), 400, "BAD_REQUEST");
    refused("POST", run, run_body(wyf, "2027-13", "2027-13", NULL), 400, "BAD_REQUEST");
    refused("POST", run, run_body(wyf, "2027-04-01", "2027-04", NULL), 400, "BAD_REQUEST");
    snprintf(many, sizeof(many),
             "{\"fee_item_ids\":[%s],\"period_from\":202704,"
             "\"period_to\":\"2027-04\"}",
             wyf);
    refused("POST", run, many, 400, "BAD_REQUEST");
    snprintf(many, sizeof(many), "{\"fee_item_ids\":[%s],\"period_from\":\"2027-04\"}", wyf);
    refused("POST", run, many, 400, "BAD_REQUEST");
    /* the items */
    refused("POST", run, run_body("", "2027-04", "2027-04", NULL), 400, "BAD_REQUEST");
    snprintf(many, sizeof(many), "%s,%s", wyf, wyf);
    refused("POST", run, run_body(many, "2027-04", "2027-04", NULL), 400, "BAD_REQUEST");
    refused("POST", run,
            "{\"fee_item_ids\":\"1\",\"period_from\":\"2027-04\","
            "\"period_to\":\"2027-04\"}",
            400, "BAD_REQUEST");
    refused("POST", run, run_body("1.5", "2027-04", "2027-04", NULL), 400, "BAD_REQUEST");
    refused("POST", run,
            run_body("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21", "2027-04", "2027-04",
                     NULL),
            400, "BAD_REQUEST");
    snprintf(many, sizeof(many), "%lld", (long long)g.once);
    refused("POST", run, run_body(many, "2027-04", "2027-04", NULL), 400, "BAD_REQUEST");
    snprintf(many, sizeof(many), "%lld", (long long)g.off);
    refused("POST", run, run_body(many, "2027-04", "2027-04", NULL), 400, "BAD_REQUEST");
    refused("POST", run, run_body(wyf, "2027-04", "2027-04", ",\"foo\":1"), 400, "BAD_REQUEST");
    /* a building of another project */
    refused("POST", run, run_body(wyf, "2027-04", "2027-04", ",\"building_id\":1"), 404,
            "NOT_FOUND");
    /* run_at: not RFC 3339, more than a year ahead */
    refused("POST", run, run_body(wyf, "2027-04", "2027-04", ",\"run_at\":\"tomorrow\""), 400,
            "BAD_REQUEST");
    refused("POST", run, run_body(wyf, "2027-04", "2027-04", ",\"run_at\":\"2027-12-01T08:00:00\""),
            400, "BAD_REQUEST");
    {
        char at[26];
        util_time_rfc3339(time(NULL) + 400 * 86400, at);
        snprintf(extra, sizeof(extra), ",\"run_at\":\"%s\"", at);
    }
    refused("POST", run, run_body(wyf, "2027-04", "2027-04", extra), 400, "BAD_REQUEST");
    /* another project, a butler */
    refused("POST", project_path(g.other_project, "bill-runs"),
            run_body(other, "2027-04", "2027-04", NULL), 404, "NOT_FOUND");
    refused("POST", project_path(g.other_project, "bill-runs/preview"),
            run_body(other, "2027-04", "2027-04", NULL), 404, "NOT_FOUND");
    refused("POST", project_path(999999, "bill-runs"), run_body(wyf, "2027-04", "2027-04", NULL),
            404, "NOT_FOUND");
    refused_as(g.butler, "POST", run, run_body(wyf, "2027-04", "2027-04", NULL), 403, "FORBIDDEN");
    refused_as(g.butler, "POST", "/api/v1/office/projects/1/bill-runs/preview",
               run_body("1", "2027-04", "2027-04", NULL), 403, "FORBIDDEN");
    refused_as(g.butler, "GET", project_path(g.p, "bill-runs"), NULL, 403, "FORBIDDEN");
    /* another project's run and schemes */
    snprintf(path, sizeof(path), "/api/v1/office/bill-runs/%lld", (long long)g.other_run);
    refused("GET", path, NULL, 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/office/bill-runs/%lld/cancel", (long long)g.other_run);
    refused("POST", path, NULL, 404, "NOT_FOUND");
    refused("GET", project_path(g.other_project, "bill-runs"), NULL, 404, "NOT_FOUND");
    refused("GET", project_path(g.other_project, "discount-schemes"), NULL, 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/office/discount-schemes/%lld", (long long)g.other_scheme);
    refused("PATCH", path, "{\"active\":false}", 404, "NOT_FOUND");

    /* schemes: one of off_bp and off_fen, in range, dates in order */
    {
        const char *s = project_path(g.p, "discount-schemes");
        char body[256];
        refused("POST", s, "{\"name\":\"x\",\"valid_from\":\"2026-01-01\"}", 400, "BAD_REQUEST");
        refused("POST", s,
                "{\"name\":\"x\",\"off_bp\":100,\"off_fen\":100,"
                "\"valid_from\":\"2026-01-01\"}",
                400, "BAD_REQUEST");
        refused("POST", s, "{\"name\":\"x\",\"off_bp\":10001,\"valid_from\":\"2026-01-01\"}", 400,
                "BAD_REQUEST");
        refused("POST", s, "{\"name\":\"x\",\"off_fen\":0,\"valid_from\":\"2026-01-01\"}", 400,
                "BAD_REQUEST");
        refused("POST", s, "{\"name\":\"x\",\"off_fen\":-5,\"valid_from\":\"2026-01-01\"}", 400,
                "BAD_REQUEST");
        refused("POST", s, "{\"name\":\"x\",\"off_bp\":100,\"valid_from\":\"2026-02-30\"}", 400,
                "BAD_REQUEST");
        refused("POST", s,
                "{\"name\":\"x\",\"off_bp\":100,\"valid_from\":\"2026-02-01\","
                "\"valid_to\":\"2026-01-31\"}",
                400, "BAD_REQUEST");
        refused("POST", s, "{\"off_bp\":100,\"valid_from\":\"2026-02-01\"}", 400, "BAD_REQUEST");
        snprintf(body, sizeof(body),
                 "{\"name\":\"x\",\"off_bp\":100,\"fee_item_id\":%lld,"
                 "\"valid_from\":\"2026-01-01\"}",
                 (long long)g.other_item);
        refused("POST", s, body, 404, "NOT_FOUND");
        refused("POST", project_path(g.other_project, "discount-schemes"),
                "{\"name\":\"x\",\"off_bp\":100,\"valid_from\":\"2026-01-01\"}", 404, "NOT_FOUND");
        refused_as(g.butler, "POST", s,
                   "{\"name\":\"x\",\"off_bp\":100,\"valid_from\":\"2026-01-01\"}", 403,
                   "FORBIDDEN");
        snprintf(path, sizeof(path), "/api/v1/office/discount-schemes/%lld", (long long)g.elderly);
        refused("PATCH", path, "{}", 400, "BAD_REQUEST");
        refused("PATCH", path, "{\"valid_to\":\"2025-12-31\"}", 400, "BAD_REQUEST");
        refused("PATCH", path, "{\"active\":\"no\"}", 400, "BAD_REQUEST");
        refused("PATCH", path, "{\"name\":\"改名\"}", 400, "BAD_REQUEST");
    }
}

/* ---- scheduled runs ----------------------------------------------------------------- */

static void scheduled_run_fires_once(void **state)
{
    char extra[128], at[26], path[96];
    struct http_resp r;
    int64_t id, far, slots_before;

    (void)state;
    need(g.run);
    /* the periodic job every second for this test (60 s otherwise) */
    it_sql_exec("UPDATE job_schedule SET every_s = 1 WHERE name = 'bill_runs_due'", NULL, 0);
    /* one far ahead, cancelled; cancelling again, or a done run, is 409 */
    util_time_rfc3339(time(NULL) + 86400, at);
    snprintf(extra, sizeof(extra), ",\"run_at\":\"%s\"", at);
    it_http("POST", project_path(g.p, "bill-runs"),
            run_body(ids(g.wyf, 0, 0, 0), "2027-05", "2027-05", extra), (size_t)-1, g.admin, &r);
    it_expect(&r, 201, NULL);
    far = it_int(r.json, "id");
    it_resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/office/bill-runs/%lld/cancel", (long long)far);
    call("POST", path, NULL, 200, NULL);
    refused("POST", path, NULL, 409, "BILL_RUN_NOT_SCHEDULED");
    snprintf(path, sizeof(path), "/api/v1/office/bill-runs/%lld/cancel", (long long)g.run);
    refused("POST", path, NULL, 409, "BILL_RUN_NOT_SCHEDULED");

    /* one in three seconds, for 2栋 only */
    slots_before =
        it_sql_int("SELECT COUNT(*) FROM job_runs WHERE name = 'bill_runs_due'", NULL, 0);
    util_time_rfc3339(time(NULL) + 3, at);
    snprintf(extra, sizeof(extra), ",\"building_id\":%lld,\"run_at\":\"%s\"", (long long)g.b2, at);
    it_http("POST", project_path(g.p, "bill-runs"),
            run_body(ids(g.wyf, 0, 0, 0), "2027-04", "2027-04", extra), (size_t)-1, g.admin, &r);
    it_expect(&r, 201, NULL);
    id = it_int(r.json, "id");
    assert_string_equal(it_str(r.json, "status"), "scheduled");
    assert_string_equal(it_str(r.json, "run_at"), at);
    assert_true(cJSON_IsNull(it_field(r.json, "job_id")));
    it_resp_free(&r);
    for (int i = 0; i < 600; i++) {
        char st[16];
        it_sql_str("SELECT status FROM bill_runs WHERE id = ?", (struct db_param[]){P_INT(id)}, 1,
                   st, sizeof(st));
        if (strcmp(st, "done") == 0 || strcmp(st, "failed") == 0)
            break;
        usleep(50 * 1000);
    }
    sleep(3); /* three more slots of the periodic job: none may queue it again */
    get_run(id, &r);
    assert_string_equal(it_str(r.json, "status"), "done");
    assert_int_equal(it_int(r.json, "created"), 1); /* R4: 2栋's shop; R3 has no area */
    assert_int_equal(it_int(r.json, "exceptions"), 1);
    assert_int_equal(it_int(r.json, "attempts"), 1);
    assert_false(cJSON_IsNull(it_field(r.json, "job_id")));
    it_resp_free(&r);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM audit_log WHERE entity = 'bill_run' AND "
                              "entity_id = ? AND action = 'queue_bill_run'",
                              id),
                     1);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM jobs WHERE kind = 'bill_run' AND id = "
                              "(SELECT job_id FROM bill_runs WHERE id = ?)",
                              id),
                     1);
    assert_true(it_sql_int("SELECT COUNT(*) FROM job_runs WHERE name = 'bill_runs_due'", NULL, 0) >=
                slots_before + 3);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bills WHERE run_id = ?", id), 1);
    get_run(far, &r);
    assert_string_equal(it_str(r.json, "status"), "cancelled");
    it_resp_free(&r);
    it_sql_exec("UPDATE job_schedule SET every_s = 60 WHERE name = 'bill_runs_due'", NULL, 0);
}

/* ---- kill -9 half way --------------------------------------------------------------- */

#define BIG 3000

/* A transaction of this test that holds a row the run needs: a change of
 * one home's prepayment account, open until `release`. */
static struct {
    int64_t project, resource;
    atomic_int locked, release;
} hold;

static int hold_tx(struct db *db, void *arg, struct err *e)
{
    (void)arg;
    if (account_move_tx(db,
                        &(struct account_move){.project_id = hold.project,
                                               .resource_id = hold.resource,
                                               .kind = "prepay",
                                               .reason = "collect",
                                               .delta_fen = 100},
                        NULL, e) < 0)
        return -1;
    atomic_store(&hold.locked, 1);
    while (!atomic_load(&hold.release))
        usleep(20 * 1000);
    return err_set(e, E_BAD_REQUEST); /* roll back */
}

static void *hold_thread(void *arg)
{
    struct err e;

    (void)arg;
    err_clear(&e);
    db_tx(db_thread(), hold_tx, NULL, &e);
    db_thread_close();
    return NULL;
}

static void killed_half_way_then_finished(void **state)
{
    int64_t q, item, run, job_id, cursor = 0, first, last, pid;
    char claimed[128], *colon;
    struct http_resp r;
    pthread_t t;
    struct db_param p[2];

    (void)state;
    q = project_of_mine("-BIG");
    p[0] = P_INT(q);
    it_sql_exec("INSERT INTO buildings (project_id, name, floors, business_type_id) "
                "VALUES (?, '大楼', 30, 1)",
                p, 1);
    p[1] = P_INT(BIG);
    it_sql_exec("INSERT INTO resources (project_id, building_id, code, number, kind, area_m2x100) "
                "SELECT b.project_id, b.id, CONCAT('H', s.seq), s.seq, 'home', 8000 + s.seq "
                "FROM buildings b JOIN seq_1_to_10000 s WHERE b.project_id = ? AND s.seq <= ?",
                p, 2);
    /* every home has a prepayment account (empty): the run locks them, and
     * the one this test holds stops it exactly where that home is */
    it_sql_exec("INSERT INTO accounts (project_id, resource_id, kind) SELECT project_id, id, "
                "'prepay' FROM resources WHERE project_id = ?",
                p, 1);
    item = fee_item(q, "WYF", "monthly", "building_area", 1);
    fee_rate(item, 2350000, NULL);
    first = sql_int1("SELECT MIN(id) FROM resources WHERE project_id = ?", q);
    last = sql_int1("SELECT MAX(id) FROM resources WHERE project_id = ?", q);
    hold.project = q;
    hold.resource = sql_int2("SELECT id FROM resources WHERE project_id = ? ORDER BY id "
                             "LIMIT 1 OFFSET ?",
                             q, BIG / 2);
    atomic_store(&hold.locked, 0);
    atomic_store(&hold.release, 0);
    assert_int_equal(pthread_create(&t, NULL, hold_thread, NULL), 0);
    while (!atomic_load(&hold.locked))
        usleep(10 * 1000);

    start_run(q, run_body(ids(item, 0, 0, 0), "2027-01", "2027-12", NULL), &run, &job_id);
    /* wait until it stands still: some batches done, the next one waiting */
    for (int i = 0, still = 0; i < 1200 && still < 20; i++) {
        int64_t now = sql_int1("SELECT cursor_resource_id FROM bill_runs WHERE id = ?", run);
        still = now && now == cursor ? still + 1 : 0;
        cursor = now;
        usleep(50 * 1000);
    }
    assert_true(cursor >= first && cursor < hold.resource);
    it_sql_str("SELECT claimed_by FROM jobs WHERE id = ?", (struct db_param[]){P_INT(job_id)}, 1,
               claimed, sizeof(claimed));
    colon = strrchr(claimed, ':');
    assert_non_null(colon);
    pid = strtoll(colon + 1, NULL, 10);
    assert_true(pid > 1);
    print_message("run %lld: %lld of %d homes billed when jobs process %lld gets SIGKILL\n",
                  (long long)run, (long long)(cursor - first + 1), BIG, (long long)pid);
    assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
    usleep(500 * 1000);
    atomic_store(&hold.release, 1);
    pthread_join(t, NULL);
    /* the dead process beats no more: once its heartbeat is a minute old
     * the queue hands the job out again (made old here, not waited for) */
    assert_int_equal(sql_int1("SELECT status = 'running' FROM jobs WHERE id = ?", job_id), 1);
    it_sql_exec("UPDATE jobs SET heartbeat_at = UTC_TIMESTAMP() - INTERVAL 2 MINUTE "
                "WHERE id = ? AND status = 'running'",
                (struct db_param[]){P_INT(job_id)}, 1);
    wait_job(job_id, 300, &r);
    assert_string_equal(it_str(it_field(r.json, "job"), "status"), "done");
    assert_int_equal(it_int(it_field(r.json, "job"), "done"), BIG);
    assert_int_equal(it_int(it_field(it_field(r.json, "job"), "result"), "created"), BIG * 12);
    assert_int_equal(it_int(it_field(it_field(r.json, "job"), "result"), "attempts"), 2);
    it_resp_free(&r);

    /* exactly one bill per (resource, item, period), every one of them */
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bills WHERE project_id = ?", q), BIG * 12);
    assert_int_equal(sql_int1("SELECT COUNT(DISTINCT resource_id, fee_item_id, period) FROM bills "
                              "WHERE project_id = ?",
                              q),
                     BIG * 12);
    assert_int_equal(sql_int1("SELECT COUNT(DISTINCT resource_id) FROM bills WHERE "
                              "project_id = ? AND run_id IS NOT NULL",
                              q),
                     BIG);
    /* the run's record: two attempts, every home once, nothing "existing" */
    get_run(run, &r);
    assert_string_equal(it_str(r.json, "status"), "done");
    assert_int_equal(it_int(r.json, "attempts"), 2);
    assert_int_equal(it_int(r.json, "created"), BIG * 12);
    assert_int_equal(it_int(r.json, "existing"), 0);
    assert_int_equal(it_int(r.json, "resources_done"), BIG);
    it_resp_free(&r);
    assert_int_equal(sql_int1("SELECT attempts FROM jobs WHERE id = ?", job_id), 2);
    /* the audit log: started, resumed after the last home the first
     * attempt committed, the batches of each attempt on either side of
     * it, adding up to every bill, and the end */
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM audit_log WHERE entity = 'bill_run' AND "
                              "entity_id = ? AND action = 'start_bill_run'",
                              run),
                     1);
    assert_int_equal(sql_int2("SELECT COUNT(*) FROM audit_log WHERE entity = 'bill_run' AND "
                              "entity_id = ? AND action = 'resume_bill_run' AND "
                              "JSON_VALUE(detail, '$.context.attempt') = 2 AND "
                              "JSON_VALUE(detail, '$.context.after_resource_id') = ?",
                              run, cursor),
                     1);
    assert_int_equal(sql_int2("SELECT COUNT(*) FROM audit_log WHERE entity = 'bill_run' AND "
                              "entity_id = ? AND action = 'bill_run_batch' AND "
                              "JSON_VALUE(detail, '$.context.attempt') = 1 AND "
                              "JSON_VALUE(detail, '$.context.last_resource_id') > ?",
                              run, cursor),
                     0);
    assert_int_equal(sql_int2("SELECT COUNT(*) FROM audit_log WHERE entity = 'bill_run' AND "
                              "entity_id = ? AND action = 'bill_run_batch' AND "
                              "JSON_VALUE(detail, '$.context.attempt') = 2 AND "
                              "JSON_VALUE(detail, '$.context.first_resource_id') <= ?",
                              run, cursor),
                     0);
    assert_int_equal(sql_int1("SELECT SUM(JSON_VALUE(detail, '$.context.created')) FROM "
                              "audit_log WHERE entity = 'bill_run' AND entity_id = ? AND "
                              "action = 'bill_run_batch'",
                              run),
                     BIG * 12);
    assert_int_equal(sql_int1("SELECT JSON_VALUE(detail, '$.after.cursor_resource_id') FROM "
                              "audit_log WHERE entity = 'bill_run' AND entity_id = ? AND "
                              "action = 'finish_bill_run'",
                              run),
                     last);
    /* nothing of the held account was kept */
    assert_int_equal(
        sql_int1("SELECT balance_fen FROM accounts WHERE resource_id = ?", hold.resource), 0);
    it_books_balance();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schemes_are_set_up),
        cmocka_unit_test(preview_lists_totals_and_exceptions),
        cmocka_unit_test(commit_makes_the_bills),
        cmocka_unit_test(rerun_makes_nothing_new),
        cmocka_unit_test(bad_input_changes_nothing),
        cmocka_unit_test(scheduled_run_fires_once),
        cmocka_unit_test(killed_half_way_then_finished),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
