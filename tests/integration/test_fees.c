/*
 * test_fees.c — fee items and rate plans over the real stack (FEE-1,
 * FEE-2): the admin (13900000009) sets up a property fee by building area
 * for project 1 with a default rate and a rate of building 1, lists it,
 * ends a rate; an overlapping rate is 409 RATE_OVERLAP; bad input is a
 * 4xx that changes nothing (it_db_fingerprint and it_db_checksum equal
 * before and after); a butler is 403; another project's item is 404.
 *
 * Our rows: fee items with codes ZZFEE-…, and a project ZZFEE-OTHER that
 * the admin does not serve; removed in the setup and the teardown. Audit
 * rows stay (the log is append-only).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

static struct {
    char *admin, *butler;
    int64_t admin_id;
    int64_t item, default_rate, b1_rate; /* made by fees_admin_sets_up_property_fee */
    int64_t other_project, other_item;
} g;

#define SNAP IT_SNAP
#define snapshot it_snapshot

static int64_t audit_mark(void)
{
    return it_sql_int("SELECT COALESCE(MAX(id), 0) FROM audit_log", NULL, 0);
}

/* One audit row since mark: this action on this entity by the admin. */
static void expect_audit(int64_t mark, const char *action, const char *entity, int64_t id)
{
    struct db_param p[5] = {P_INT(mark), P_STR(action), P_STR(entity), P_INT(id),
                            P_INT(g.admin_id)};

    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ?", p, 1), 1);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND action = ? AND "
                                "entity = ? AND entity_id = ? AND actor_kind = 'staff' AND "
                                "actor_id = ? AND JSON_EXTRACT(detail, '$.after') IS NOT NULL",
                                p, 5),
                     1);
}

/* A request as token; expect status (and code); the "id" of a 201, else 0. */
#define call_as(tok, m, path, body, st, code)                                                      \
    it_call_at((tok), (m), (path), (body), (st), (code), false, __FILE__, __LINE__)
#define call(m, path, body, st, code) call_as(g.admin, (m), (path), (body), (st), (code))
/* A request that must be refused and change nothing at all. */
#define refused_as(tok, m, path, body, st, code)                                                   \
    it_refused_at((tok), (m), (path), (body), (st), (code), __FILE__, __LINE__)
#define refused(m, path, body, st, code) refused_as(g.admin, (m), (path), (body), (st), (code))

static void need_item(void)
{
    if (!g.item)
        skip();
}

/* ---- fixture ----------------------------------------------------------------------- */

static const char *const drop_sql[] = {
    "DELETE fr FROM fee_rates fr JOIN fee_items fi ON fi.id = fr.fee_item_id "
    "WHERE fi.code LIKE 'ZZFEE-%'",
    "DELETE FROM fee_items WHERE code LIKE 'ZZFEE-%'",
    "DELETE FROM projects WHERE code = 'ZZFEE-OTHER'",
};

static void drop_own_rows(void)
{
    for (size_t i = 0; i < sizeof(drop_sql) / sizeof(drop_sql[0]); i++)
        it_sql_exec(drop_sql[i], NULL, 0);
    it_sql_exec("ALTER TABLE fee_rates AUTO_INCREMENT = 1", NULL, 0);
    it_sql_exec("ALTER TABLE fee_items AUTO_INCREMENT = 1", NULL, 0);
    it_reset_ids();
}

static int setup(void **state)
{
    struct db_param p[1];

    (void)state;
    drop_own_rows();
    g.admin = it_staff_login("13900000009", "demo1234");
    g.butler = it_staff_login("13900000001", "demo1234");
    if (!g.admin || !g.butler) {
        print_error("setup: a demo staff login failed\n");
        return -1;
    }
    g.admin_id = it_sql_int("SELECT id FROM staff WHERE phone = '13900000009'", NULL, 0);
    /* A project the admin does not serve, with an item and a rate of its own. */
    it_sql_exec("INSERT INTO projects (code, name, address) VALUES ('ZZFEE-OTHER', '别家小区', '')",
                NULL, 0);
    g.other_project = it_sql_int("SELECT id FROM projects WHERE code = 'ZZFEE-OTHER'", NULL, 0);
    p[0] = P_INT(g.other_project);
    it_sql_exec("INSERT INTO fee_items (project_id, code, name, cycle, method) "
                "VALUES (?, 'ZZFEE-X', '别家物业费', 'monthly', 'building_area')",
                p, 1);
    g.other_item = it_sql_int("SELECT id FROM fee_items WHERE code = 'ZZFEE-X'", NULL, 0);
    p[0] = P_INT(g.other_item);
    it_sql_exec("INSERT INTO fee_rates (fee_item_id, rate, valid_from) VALUES (?, 1000000, "
                "'2026-01-01')",
                p, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    drop_own_rows();
    free(g.admin);
    free(g.butler);
    return 0;
}

/* ---- FEE-1, FEE-2 --------------------------------------------------------------------- */

static void fees_admin_sets_up_property_fee(void **state)
{
    struct http_resp r;
    cJSON *items, *it, *rates, *x;
    int64_t mark;

    (void)state;
    mark = audit_mark();
    g.item = call("POST", "/api/v1/office/projects/1/fee-items",
                  "{\"code\":\"ZZFEE-WYF\",\"name\":\"物业费\",\"cycle\":\"monthly\","
                  "\"method\":\"building_area\",\"due_day_of_cycle\":5,"
                  "\"late_fee_daily_bp\":5,\"late_fee_grace_days\":10}",
                  201, NULL);
    expect_audit(mark, "create_fee_item", "fee_item", g.item);

    /* the default 2.35 yuan/m², and 2.50 for building 1 */
    mark = audit_mark();
    {
        char path[128];
        snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld/rates", (long long)g.item);
        g.default_rate =
            call("POST", path, "{\"rate\":2350000,\"valid_from\":\"2026-01-01\"}", 201, NULL);
        expect_audit(mark, "add_fee_rate", "fee_rate", g.default_rate);
        g.b1_rate = call("POST", path,
                         "{\"rate\":2500000,\"building_id\":1,\"valid_from\":\"2026-01-01\","
                         "\"valid_to\":\"2099-12-31\"}",
                         201, NULL);
    }

    /* listed with its rates */
    it_http("GET", "/api/v1/office/projects/1/fee-items", NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    items = it_field(r.json, "items");
    it = it_find_int(items, "id", g.item);
    assert_non_null(it);
    assert_string_equal(it_str(it, "code"), "ZZFEE-WYF");
    assert_string_equal(it_str(it, "cycle"), "monthly");
    assert_string_equal(it_str(it, "method"), "building_area");
    assert_string_equal(it_str(it, "rounding"), "half_up");
    assert_string_equal(it_str(it, "rate_scale"), "fen_per_m2x10000");
    assert_string_equal(it_str(it, "late_fee_cap"), "principal");
    assert_int_equal(it_int(it, "due_day_of_cycle"), 5);
    assert_int_equal(it_int(it, "late_fee_daily_bp"), 5);
    assert_int_equal(it_int(it, "late_fee_grace_days"), 10);
    assert_true(cJSON_IsNull(it_field(it, "late_fee_cap_fen")));
    assert_true(cJSON_IsTrue(it_field(it, "active")));
    rates = it_field(it, "rates");
    assert_int_equal(cJSON_GetArraySize(rates), 2);
    x = it_find_int(rates, "id", g.default_rate);
    assert_non_null(x);
    assert_int_equal(it_int(x, "rate"), 2350000);
    assert_true(cJSON_IsNull(it_field(x, "building_id")));
    assert_string_equal(it_str(x, "valid_from"), "2026-01-01");
    assert_true(cJSON_IsNull(it_field(x, "valid_to")));
    x = it_find_int(rates, "id", g.b1_rate);
    assert_non_null(x);
    assert_int_equal(it_int(x, "building_id"), 1);
    assert_string_equal(it_str(x, "valid_to"), "2099-12-31");
    /* another project's items are not in it */
    assert_null(it_find_int(items, "id", g.other_item));
    it_resp_free(&r);
}

static void fees_update_and_end(void **state)
{
    char path[128], rpath[128];
    struct http_resp r;
    int64_t mark;
    cJSON *it;

    (void)state;
    need_item();
    snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld", (long long)g.item);
    mark = audit_mark();
    call("PATCH", path,
         "{\"name\":\"住宅物业费\",\"rounding\":\"half_even\",\"late_fee_cap\":\"fixed\","
         "\"late_fee_cap_fen\":10000}",
         200, NULL);
    expect_audit(mark, "update_fee_item", "fee_item", g.item);
    /* a late fee removed again */
    call("PATCH", path, "{\"late_fee_daily_bp\":null}", 200, NULL);

    /* ending the building rate on a date, then the successor after it */
    snprintf(rpath, sizeof(rpath), "/api/v1/office/fee-rates/%lld/end", (long long)g.b1_rate);
    mark = audit_mark();
    call("POST", rpath, "{\"valid_to\":\"2026-12-31\"}", 200, NULL);
    expect_audit(mark, "end_fee_rate", "fee_rate", g.b1_rate);
    snprintf(rpath, sizeof(rpath), "/api/v1/office/fee-items/%lld/rates", (long long)g.item);
    call("POST", rpath, "{\"rate\":2600000,\"building_id\":1,\"valid_from\":\"2027-01-01\"}", 201,
         NULL);

    it_http("GET", "/api/v1/office/projects/1/fee-items", NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    it = it_find_int(it_field(r.json, "items"), "id", g.item);
    assert_non_null(it);
    assert_string_equal(it_str(it, "name"), "住宅物业费");
    assert_string_equal(it_str(it, "rounding"), "half_even");
    assert_string_equal(it_str(it, "late_fee_cap"), "fixed");
    assert_int_equal(it_int(it, "late_fee_cap_fen"), 10000);
    assert_true(cJSON_IsNull(it_field(it, "late_fee_daily_bp")));
    assert_int_equal(cJSON_GetArraySize(it_field(it, "rates")), 3);
    assert_string_equal(it_str(it_find_int(it_field(it, "rates"), "id", g.b1_rate), "valid_to"),
                        "2026-12-31");
    it_resp_free(&r);
}

static void fees_overlap_is_409(void **state)
{
    char path[128], rpath[128];

    (void)state;
    need_item();
    snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld/rates", (long long)g.item);
    /* a second default from a later date overlaps the open default */
    refused("POST", path, "{\"rate\":2400000,\"valid_from\":\"2026-06-01\"}", 409, "RATE_OVERLAP");
    /* building 1 in 2026 (ended on 2026-12-31, includes its last day) */
    refused("POST", path,
            "{\"rate\":1,\"building_id\":1,\"valid_from\":\"2026-12-31\","
            "\"valid_to\":\"2026-12-31\"}",
            409, "RATE_OVERLAP");
    /* lengthening building 1's 2026 rate into its successor's 2027 */
    snprintf(rpath, sizeof(rpath), "/api/v1/office/fee-rates/%lld/end", (long long)g.b1_rate);
    refused("POST", rpath, "{\"valid_to\":\"2027-01-01\"}", 409, "RATE_OVERLAP");
    /* the same dates with other selectors are fine */
    call("POST", path,
         "{\"rate\":1800000,\"customer_group\":\"elderly\",\"valid_from\":\"2026-06-01\"}", 201,
         NULL);
    call("POST", path,
         "{\"rate\":3000000,\"resource_kind\":\"shop\",\"valid_from\":\"2026-06-01\"}", 201, NULL);
    refused("POST", path,
            "{\"rate\":3100000,\"resource_kind\":\"shop\",\"valid_from\":\"2030-01-01\"}", 409,
            "RATE_OVERLAP");
}

/* One POST of several sent at once; the answer is kept for the main
 * thread (cmocka's asserts must not run in the others). */
struct racer {
    const char *path;
    char body[160];
    long status;
    char code[32];
};

static void *race_post(void *arg)
{
    struct racer *x = arg;
    struct http_resp r;

    it_http("POST", x->path, x->body, (size_t)-1, g.admin, &r);
    x->status = r.status;
    snprintf(x->code, sizeof(x->code), "%s", it_err_code(&r));
    it_resp_free(&r);
    return NULL;
}

/* Eight overlapping rates for building 2 at the same instant: the item's
 * lock serialises them, so exactly one is added and seven are 409. */
static void fees_overlap_holds_under_a_race(void **state)
{
    enum { RACERS = 8 };
    pthread_t t[RACERS];
    struct racer x[RACERS];
    char path[128];
    int created = 0, overlap = 0;
    struct db_param p[1] = {P_INT(g.item)};

    (void)state;
    need_item();
    snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld/rates", (long long)g.item);
    for (int i = 0; i < RACERS; i++) {
        x[i].path = path;
        snprintf(x[i].body, sizeof(x[i].body),
                 "{\"rate\":%d,\"building_id\":2,\"valid_from\":\"2026-0%d-01\"}", 2000000 + i,
                 i + 1);
        assert_int_equal(pthread_create(&t[i], NULL, race_post, &x[i]), 0);
    }
    for (int i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        created += x[i].status == 201;
        overlap += x[i].status == 409 && strcmp(x[i].code, "RATE_OVERLAP") == 0;
    }
    assert_int_equal(created, 1);
    assert_int_equal(overlap, RACERS - 1);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM fee_rates WHERE fee_item_id = ? AND "
                                "building_id = 2",
                                p, 1),
                     1);
}

/* The other methods and cycles: a water fee by usage in 0.01 m³, yearly
 * parking at a fixed price with a fixed late-fee cap, a one-off per head. */
static void fees_other_methods(void **state)
{
    struct http_resp r;
    int64_t water, parking, once;
    char path[128];
    cJSON *items, *it;

    (void)state;
    water = call("POST", "/api/v1/office/projects/1/fee-items",
                 "{\"code\":\"ZZFEE-SF\",\"name\":\"水费\",\"cycle\":\"monthly\","
                 "\"method\":\"usage\",\"usage_per_unit\":100,\"rounding\":\"down\"}",
                 201, NULL);
    parking = call("POST", "/api/v1/office/projects/1/fee-items",
                   "{\"code\":\"ZZFEE-CW\",\"name\":\"车位费\",\"cycle\":\"yearly\","
                   "\"method\":\"fixed\",\"late_fee_daily_bp\":3,\"late_fee_cap\":\"fixed\","
                   "\"late_fee_cap_fen\":50000,\"active\":null}",
                   201, NULL);
    once = call("POST", "/api/v1/office/projects/1/fee-items",
                "{\"code\":\"ZZFEE-LS\",\"name\":\"临时收费\",\"cycle\":\"once\","
                "\"method\":\"per_head\",\"late_fee_cap\":\"none\",\"active\":false}",
                201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld/rates", (long long)water);
    call("POST", path, "{\"rate\":548300,\"valid_from\":\"2026-01-01\"}", 201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld/rates", (long long)parking);
    call("POST", path,
         "{\"rate\":360000,\"resource_kind\":\"parking\",\"valid_from\":\"2026-01-01\"}", 201,
         NULL);
    /* a rate that ended before today is not listed */
    call("POST", path,
         "{\"rate\":300000,\"resource_kind\":\"parking\",\"valid_from\":\"2020-01-01\","
         "\"valid_to\":\"2020-12-31\"}",
         201, NULL);

    it_http("GET", "/api/v1/office/projects/1/fee-items?limit=200", NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    items = it_field(r.json, "items");
    it = it_find_int(items, "id", water);
    assert_non_null(it);
    assert_string_equal(it_str(it, "rate_scale"), "fen_per_unitx10000");
    assert_string_equal(it_str(it, "rounding"), "down");
    assert_int_equal(it_int(it, "usage_per_unit"), 100);
    assert_true(cJSON_IsNull(it_field(it, "late_fee_daily_bp")));
    it = it_find_int(items, "id", parking);
    assert_non_null(it);
    assert_string_equal(it_str(it, "cycle"), "yearly");
    assert_string_equal(it_str(it, "rate_scale"), "fen");
    assert_string_equal(it_str(it, "late_fee_cap"), "fixed");
    assert_int_equal(it_int(it, "late_fee_cap_fen"), 50000);
    assert_true(cJSON_IsTrue(it_field(it, "active")));
    assert_int_equal(cJSON_GetArraySize(it_field(it, "rates")), 1);
    assert_string_equal(it_str(cJSON_GetArrayItem(it_field(it, "rates"), 0), "resource_kind"),
                        "parking");
    it = it_find_int(items, "id", once);
    assert_non_null(it);
    assert_string_equal(it_str(it, "cycle"), "once");
    assert_string_equal(it_str(it, "rate_scale"), "fen_per_head");
    assert_string_equal(it_str(it, "late_fee_cap"), "none");
    assert_false(cJSON_IsTrue(it_field(it, "active")));
    assert_int_equal(cJSON_GetArraySize(it_field(it, "rates")), 0);
    it_resp_free(&r);

    /* a page of one, then the next */
    it_http("GET", "/api/v1/office/projects/1/fee-items?limit=1", NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 1);
    assert_true(cJSON_IsString(it_field(r.json, "next_cursor")));
    it_resp_free(&r);
}

static void fees_bad_input_changes_nothing(void **state)
{
    static const char *const item_bodies[] = {
        "{\"code\":\"ZZFEE-B\",\"name\":\"水费\",\"cycle\":\"weekly\",\"method\":\"usage\"}",
        "{\"code\":\"ZZFEE-B\",\"name\":\"水费\",\"cycle\":\"monthly\",\"method\":\"by_area\"}",
        "{\"code\":\"ZZFEE-B\",\"name\":\"水费\",\"cycle\":\"monthly\",\"method\":\"usage\","
        "\"rounding\":\"nearest\"}",
        "{\"code\":\"ZZFEE-B\",\"name\":\"水费\",\"cycle\":\"monthly\",\"method\":\"usage\","
        "\"due_day_of_cycle\":29}",
        "{\"code\":\"ZZFEE-B\",\"name\":\"水费\",\"cycle\":\"monthly\",\"method\":\"usage\","
        "\"due_day_of_cycle\":0}",
        "{\"code\":\"ZZFEE-B\",\"name\":\"水费\",\"cycle\":\"monthly\",\"method\":\"usage\","
        "\"late_fee_daily_bp\":-1}",
        "{\"code\":\"ZZFEE-B\",\"name\":\"水费\",\"cycle\":\"monthly\",\"method\":\"usage\","
        "\"late_fee_daily_bp\":10001}",
        "{\"code\":\"ZZFEE-B\",\"name\":\"水费\",\"cycle\":\"monthly\",\"method\":\"usage\","
        "\"late_fee_cap\":\"fixed\"}",
        "{\"code\":\"ZZFEE-B\",\"name\":\"水费\",\"cycle\":\"monthly\",\"method\":\"usage\","
        "\"late_fee_cap\":\"none\",\"late_fee_cap_fen\":100}",
        "{\"code\":\"ZZFEE-B\",\"name\":\"停车费\",\"cycle\":\"monthly\",\"method\":\"fixed\","
        "\"usage_per_unit\":100}",
        "{\"code\":\"ZZFEE-B\",\"name\":\"水费\",\"cycle\":\"monthly\"}",
        "{\"code\":\"ZZFEE-B\",\"name\":\"水费\",\"cycle\":\"monthly\",\"method\":\"usage\","
        "\"price\":1}",
        "{\"code\":\"ZZFEE-B\",\"name\":\"水费\",\"cycle\":1,\"method\":\"usage\"}",
    };
    static const char *const rate_bodies[] = {
        "{\"rate\":-1,\"valid_from\":\"2031-01-01\"}",
        "{\"rate\":2.35,\"valid_from\":\"2031-01-01\"}",
        "{\"rate\":\"2350000\",\"valid_from\":\"2031-01-01\"}",
        "{\"valid_from\":\"2031-01-01\"}",
        "{\"rate\":1,\"valid_from\":\"2031-02-30\"}",
        "{\"rate\":1,\"valid_from\":\"2031/01/01\"}",
        "{\"rate\":1}",
        "{\"rate\":1,\"valid_from\":\"2031-01-01\",\"valid_to\":\"2030-12-31\"}",
        "{\"rate\":1,\"resource_kind\":\"villa\",\"valid_from\":\"2031-01-01\"}",
        "{\"rate\":1,\"building_id\":5,\"valid_from\":\"2031-01-01\"}", /* project 2's */
        "{\"rate\":1,\"building_id\":999999,\"valid_from\":\"2031-01-01\"}",
        "{\"rate\":1000000000000000,\"valid_from\":\"2031-01-01\"}",
    };
    char path[128];

    (void)state;
    need_item();
    for (size_t i = 0; i < sizeof(item_bodies) / sizeof(item_bodies[0]); i++)
        refused("POST", "/api/v1/office/projects/1/fee-items", item_bodies[i], 400, "BAD_REQUEST");
    /* the code is taken */
    refused("POST", "/api/v1/office/projects/1/fee-items",
            "{\"code\":\"ZZFEE-WYF\",\"name\":\"又一个\",\"cycle\":\"monthly\","
            "\"method\":\"fixed\"}",
            409, "FEE_ITEM_TAKEN");
    snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld/rates", (long long)g.item);
    for (size_t i = 0; i < sizeof(rate_bodies) / sizeof(rate_bodies[0]); i++)
        refused("POST", path, rate_bodies[i], 400, "BAD_REQUEST");
    /* what cannot change, or not that way */
    snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld", (long long)g.item);
    refused("PATCH", path, "{\"method\":\"fixed\"}", 400, "BAD_REQUEST");
    refused("PATCH", path, "{\"cycle\":\"yearly\"}", 400, "BAD_REQUEST");
    refused("PATCH", path, "{\"code\":\"ZZFEE-NEW\"}", 400, "BAD_REQUEST");
    refused("PATCH", path, "{\"rounding\":\"banker\"}", 400, "BAD_REQUEST");
    refused("PATCH", path, "{\"late_fee_cap_fen\":null}", 400, "BAD_REQUEST"); /* cap is fixed */
    snprintf(path, sizeof(path), "/api/v1/office/fee-rates/%lld/end", (long long)g.default_rate);
    refused("POST", path, "{\"valid_to\":\"2025-12-31\"}", 400, "BAD_REQUEST");
    refused("POST", path, "{\"valid_to\":\"31.12.2026\"}", 400, "BAD_REQUEST");
    refused("POST", path, "{}", 400, "BAD_REQUEST");
}

static void fees_butler_forbidden(void **state)
{
    char p1[128], p2[128], p3[128];

    (void)state;
    need_item();
    snprintf(p1, sizeof(p1), "/api/v1/office/fee-items/%lld", (long long)g.item);
    snprintf(p2, sizeof(p2), "/api/v1/office/fee-items/%lld/rates", (long long)g.item);
    snprintf(p3, sizeof(p3), "/api/v1/office/fee-rates/%lld/end", (long long)g.default_rate);
    refused_as(g.butler, "GET", "/api/v1/office/projects/1/fee-items", NULL, 403, "FORBIDDEN");
    refused_as(g.butler, "POST", "/api/v1/office/projects/1/fee-items",
               "{\"code\":\"ZZFEE-BUT\",\"name\":\"管家\",\"cycle\":\"once\",\"method\":\"fixed\"}",
               403, "FORBIDDEN");
    refused_as(g.butler, "PATCH", p1, "{\"name\":\"管家改\"}", 403, "FORBIDDEN");
    refused_as(g.butler, "POST", p2, "{\"rate\":1,\"valid_from\":\"2040-01-01\"}", 403,
               "FORBIDDEN");
    refused_as(g.butler, "POST", p3, "{\"valid_to\":\"2040-01-01\"}", 403, "FORBIDDEN");
}

static void fees_other_project_is_404(void **state)
{
    char path[128];
    int64_t other_rate;
    struct db_param p[1] = {P_INT(g.other_item)};

    (void)state;
    other_rate = it_sql_int("SELECT id FROM fee_rates WHERE fee_item_id = ?", p, 1);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/fee-items",
             (long long)g.other_project);
    refused("GET", path, NULL, 404, "NOT_FOUND");
    refused("POST", path,
            "{\"code\":\"ZZFEE-Y\",\"name\":\"别家\",\"cycle\":\"once\",\"method\":\"fixed\"}", 404,
            "NOT_FOUND");
    refused("GET", "/api/v1/office/projects/999999/fee-items", NULL, 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld", (long long)g.other_item);
    refused("PATCH", path, "{\"name\":\"改别家\"}", 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/office/fee-items/%lld/rates", (long long)g.other_item);
    refused("POST", path, "{\"rate\":1,\"valid_from\":\"2040-01-01\"}", 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/office/fee-rates/%lld/end", (long long)other_rate);
    refused("POST", path, "{\"valid_to\":\"2040-01-01\"}", 404, "NOT_FOUND");
    refused("PATCH", "/api/v1/office/fee-items/999999", "{\"name\":\"无\"}", 404, "NOT_FOUND");
    refused("POST", "/api/v1/office/fee-rates/999999/end", "{\"valid_to\":\"2040-01-01\"}", 404,
            "NOT_FOUND");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fees_admin_sets_up_property_fee),
        cmocka_unit_test(fees_update_and_end),
        cmocka_unit_test(fees_overlap_is_409),
        cmocka_unit_test(fees_overlap_holds_under_a_race),
        cmocka_unit_test(fees_other_methods),
        cmocka_unit_test(fees_bad_input_changes_nothing),
        cmocka_unit_test(fees_butler_forbidden),
        cmocka_unit_test(fees_other_project_is_404),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests_name("integration_fees", tests, setup, teardown);
}
