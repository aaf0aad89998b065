/*
 * test_resources.c — reading the estate over the real stack (RES-1..4):
 * the owner's homes and one home in detail (current occupants, masked
 * phones, custom fields), the scope of owners and family members, and the
 * staff list (scope, filters, pagination) and detail (full phones, past
 * occupants).
 *
 * Read-only against the demo data of sql/demo.sql. The one fixture — a
 * moved-out occupant of 1栋 101, to show that owners see who lives there
 * now and staff see the history — is a person of our own, removed again.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "itest.h"

/* Phones of this file's own rows (nothing else uses 1370007xxxx). */
#define PAST_PHONE "13700070001"

static struct {
    char *owner1;   /* 13800000001 张伟: 1栋 101 and 102 */
    char *owner2;   /* 13800000002 李娜: 2栋 201 */
    char *family;   /* 13800000003 张小明: family of 1栋 101 */
    char *wangfang; /* 13800000004 王芳: owner in 翠湖花园, moved out of 2栋 202 */
    char *butler1;  /* 13900000001: 示范小区 */
    char *butler2;  /* 13900000002: 翠湖花园 only */
    char *admin;    /* 13900000009: both */
    int64_t sms_max;
} s;

/* ---- JSON helpers ------------------------------------------------------------------ */

static bool is_null(const cJSON *o, const char *name)
{
    return cJSON_IsNull(it_field(o, name));
}

static cJSON *items_of(const struct http_resp *r)
{
    cJSON *items = it_field(r->json, "items");

    assert_true(cJSON_IsArray(items));
    return items;
}

/* "1,2,5": the ids of a list answer, in order. */
static void ids_of(const struct http_resp *r, char *out, size_t size)
{
    cJSON *it;
    size_t used = 0;

    out[0] = '\0';
    cJSON_ArrayForEach(it, items_of(r))
    {
        int n = snprintf(out + used, size - used, "%s%lld", used ? "," : "",
                         (long long)it_int(it, "id"));
        if (n > 0 && used + (size_t)n < size)
            used += (size_t)n;
    }
}

/* GET path as token, expect 200 and exactly these ids in this order. */
static void expect_ids(const char *path, const char *token, const char *want)
{
    struct http_resp r;
    char got[256];

    it_http("GET", path, NULL, 0, token, &r);
    it_expect(&r, 200, NULL);
    ids_of(&r, got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("GET %s: ids [%s], expected [%s]", path, got, want);
    it_resp_free(&r);
}

/* ---- fixture ----------------------------------------------------------------------- */

static void drop_own_rows(void)
{
    it_sql_exec("DELETE FROM sessions WHERE subject_kind = 'owner' AND subject_id IN "
                "(SELECT id FROM persons WHERE phone LIKE '1370007%')",
                NULL, 0);
    it_sql_exec("DELETE pr FROM person_resources pr JOIN persons pe ON pe.id = pr.person_id "
                "WHERE pe.phone LIKE '1370007%'",
                NULL, 0);
    it_sql_exec("DELETE FROM persons WHERE phone LIKE '1370007%'", NULL, 0);
    it_reset_ids();
}

static int setup(void **state)
{
    (void)state;
    drop_own_rows();
    s.sms_max = it_sql_int("SELECT COALESCE(MAX(id), 0) FROM sms_codes", NULL, 0);
    s.owner1 = it_owner_login_sms("13800000001");
    s.owner2 = it_owner_login_sms("13800000002");
    s.family = it_owner_login_sms("13800000003");
    s.wangfang = it_owner_login_sms("13800000004");
    s.butler1 = it_staff_login("13900000001", "demo1234");
    s.butler2 = it_staff_login("13900000002", "demo1234");
    s.admin = it_staff_login("13900000009", "demo1234");
    if (!s.owner1 || !s.owner2 || !s.family || !s.wangfang || !s.butler1 || !s.butler2 ||
        !s.admin) {
        print_error("setup: a demo login failed\n");
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    struct db_param p[1] = {P_INT(s.sms_max)};

    (void)state;
    drop_own_rows();
    /* our SMS codes count against the per-address limit of later runs */
    it_sql_exec("DELETE FROM sms_codes WHERE id > ?", p, 1);
    free(s.owner1);
    free(s.owner2);
    free(s.family);
    free(s.wangfang);
    free(s.butler1);
    free(s.butler2);
    free(s.admin);
    return 0;
}

/* ---- owner ------------------------------------------------------------------------- */

/* RES-1..3, API.md: the owner's list has every field, with the stored values. */
static void owner_list_fields_and_values(void **state)
{
    struct http_resp r;
    cJSON *items, *a, *b;

    (void)state;
    it_http("GET", "/api/v1/owner/resources", NULL, 0, s.owner1, &r);
    it_expect(&r, 200, NULL);
    items = items_of(&r);
    assert_int_equal(cJSON_GetArraySize(items), 2);
    a = cJSON_GetArrayItem(items, 0);
    b = cJSON_GetArrayItem(items, 1);
    assert_int_equal(it_int(a, "id"), 1);
    assert_string_equal(it_str(a, "project"), "示范小区");
    assert_string_equal(it_str(a, "building"), "1栋");
    assert_string_equal(it_str(a, "unit"), "1单元");
    assert_string_equal(it_str(a, "number"), "101");
    assert_string_equal(it_str(a, "kind"), "home");
    assert_int_equal(it_int(a, "area_m2x100"), 8950);
    assert_string_equal(it_str(a, "relation"), "owner");
    assert_int_equal(it_int(b, "id"), 2);
    assert_string_equal(it_str(b, "project"), "示范小区");
    assert_string_equal(it_str(b, "building"), "1栋");
    assert_string_equal(it_str(b, "unit"), "1单元");
    assert_string_equal(it_str(b, "number"), "102");
    assert_string_equal(it_str(b, "kind"), "home");
    assert_int_equal(it_int(b, "area_m2x100"), 12060);
    assert_string_equal(it_str(b, "relation"), "owner");
    /* the values are the database's */
    assert_int_equal(it_sql_int("SELECT area_m2x100 FROM resources WHERE id = 2", NULL, 0), 12060);
    it_resp_free(&r);

    /* 李娜: one home, 2栋 201 */
    it_http("GET", "/api/v1/owner/resources", NULL, 0, s.owner2, &r);
    it_expect(&r, 200, NULL);
    items = items_of(&r);
    assert_int_equal(cJSON_GetArraySize(items), 1);
    a = cJSON_GetArrayItem(items, 0);
    assert_int_equal(it_int(a, "id"), 5);
    assert_string_equal(it_str(a, "building"), "2栋");
    assert_string_equal(it_str(a, "number"), "201");
    assert_int_equal(it_int(a, "area_m2x100"), 9875);
    assert_string_equal(it_str(a, "relation"), "owner");
    it_resp_free(&r);
}

/* RES-3: a household member sees the home as family, and not the owner's other home. */
static void family_member_sees_101_only(void **state)
{
    struct http_resp r;
    cJSON *items, *a;

    (void)state;
    it_http("GET", "/api/v1/owner/resources", NULL, 0, s.family, &r);
    it_expect(&r, 200, NULL);
    items = items_of(&r);
    assert_int_equal(cJSON_GetArraySize(items), 1);
    a = cJSON_GetArrayItem(items, 0);
    assert_int_equal(it_int(a, "id"), 1);
    assert_string_equal(it_str(a, "number"), "101");
    assert_string_equal(it_str(a, "relation"), "family");
    assert_null(it_find_int(items, "id", 2));
    it_resp_free(&r);

    it_http("GET", "/api/v1/owner/resources/1", NULL, 0, s.family, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(r.json, "relation"), "family");
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/resources/2", NULL, 0, s.family, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
}

/* RES-3/4: one home: who lives there now (phones masked), custom fields. */
static void owner_detail_current_occupants_masked(void **state)
{
    struct http_resp r;
    cJSON *occ, *cf, *x;
    struct db_param p[1] = {P_STR(PAST_PHONE)};
    int64_t past;

    (void)state;
    /* A person who moved out of 101 before: history, not a current occupant. */
    it_sql_exec("INSERT INTO persons (name, phone) VALUES ('前租户', ?)", p, 1);
    past = it_sql_int("SELECT id FROM persons WHERE phone = ?", p, 1);
    {
        struct db_param q[1] = {P_INT(past)};
        it_sql_exec("INSERT INTO person_resources (person_id, resource_id, relation, "
                    "moved_in_on, moved_out_on) VALUES (?, 1, 'tenant', '2017-03-01', "
                    "'2019-02-28')",
                    q, 1);
    }

    it_http("GET", "/api/v1/owner/resources/1", NULL, 0, s.owner1, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(it_int(r.json, "id"), 1);
    assert_string_equal(it_str(r.json, "project"), "示范小区");
    assert_string_equal(it_str(r.json, "building"), "1栋");
    assert_string_equal(it_str(r.json, "unit"), "1单元");
    assert_string_equal(it_str(r.json, "number"), "101");
    assert_string_equal(it_str(r.json, "kind"), "home");
    assert_int_equal(it_int(r.json, "area_m2x100"), 8950);
    assert_string_equal(it_str(r.json, "relation"), "owner");

    occ = it_field(r.json, "occupants");
    assert_true(cJSON_IsArray(occ));
    assert_int_equal(cJSON_GetArraySize(occ), 2); /* not the one who moved out */
    assert_null(it_find_str(occ, "name", "前租户"));
    x = it_find_str(occ, "name", "张伟");
    assert_non_null(x);
    assert_string_equal(it_str(x, "relation"), "owner");
    assert_string_equal(it_str(x, "phone_masked"), "138****0001");
    assert_string_equal(it_str(x, "moved_in_on"), "2019-05-01");
    assert_null(cJSON_GetObjectItemCaseSensitive(x, "phone"));
    x = it_find_str(occ, "name", "张小明");
    assert_non_null(x);
    assert_string_equal(it_str(x, "relation"), "family");
    assert_string_equal(it_str(x, "phone_masked"), "138****0003");
    assert_null(cJSON_GetObjectItemCaseSensitive(x, "phone"));
    /* no full phone number anywhere in the owner's answer */
    assert_null(strstr(r.body.data, "13800000003"));
    assert_null(strstr(r.body.data, PAST_PHONE));

    cf = it_field(r.json, "custom_fields");
    assert_true(cJSON_IsArray(cf));
    x = it_find_str(cf, "key", "pets");
    assert_non_null(x);
    assert_string_equal(it_str(x, "label"), "饲养宠物");
    assert_string_equal(it_str(x, "type"), "choice");
    assert_string_equal(it_str(x, "value"), "猫");
    x = it_find_str(cf, "key", "handover_date");
    assert_non_null(x);
    assert_string_equal(it_str(x, "type"), "date");
    assert_string_equal(it_str(x, "value"), "2019-04-20");
    /* a person's field is not a field of the home */
    assert_null(it_find_str(cf, "key", "car_plate"));
    it_resp_free(&r);

    /* staff see the same home with the history; a former occupant's phone
     * is masked even for a butler (they have left) */
    it_http("GET", "/api/v1/staff/resources/1", NULL, 0, s.butler1, &r);
    it_expect(&r, 200, NULL);
    occ = it_field(r.json, "occupants");
    assert_int_equal(cJSON_GetArraySize(occ), 3);
    x = it_find_str(occ, "name", "前租户");
    assert_non_null(x);
    {
        char masked[12];
        util_phone_mask(PAST_PHONE, masked);
        assert_string_equal(it_str(x, "phone"), masked);
    }
    assert_string_equal(it_str(x, "relation"), "tenant");
    assert_string_equal(it_str(x, "moved_in_on"), "2017-03-01");
    assert_string_equal(it_str(x, "moved_out_on"), "2019-02-28");
    assert_false(cJSON_IsTrue(it_field(x, "current")));
    x = it_find_str(occ, "name", "张伟");
    assert_non_null(x);
    assert_string_equal(it_str(x, "phone"), "13800000001");
    assert_true(is_null(x, "moved_out_on"));
    assert_true(cJSON_IsTrue(it_field(x, "current")));
    it_resp_free(&r);
    drop_own_rows();
}

/* API.md: ids of someone else's resource answer 404, like ids that do not exist. */
static void owner_other_resources_404(void **state)
{
    static const char *const other[] = {"/api/v1/owner/resources/5", "/api/v1/owner/resources/3",
                                        "/api/v1/owner/resources/8", "/api/v1/owner/resources/6",
                                        "/api/v1/owner/resources/999999"};
    struct http_resp r;

    (void)state;
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        it_http("GET", other[i], NULL, 0, s.owner1, &r);
        it_expect(&r, 404, "NOT_FOUND");
        assert_null(strstr(r.body.data, "示范小区"));
        it_resp_free(&r);
    }
    it_http("GET", "/api/v1/owner/resources/1", NULL, 0, s.owner2, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/resources/2", NULL, 0, s.owner2, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    /* staff use their own endpoint */
    it_http("GET", "/api/v1/owner/resources/1", NULL, 0, s.butler1, &r);
    it_expect(&r, 403, "FORBIDDEN");
    it_resp_free(&r);
}

/* RES-3: a link that ended is history — it no longer opens the home. */
static void moved_out_tenant_loses_the_home(void **state)
{
    struct http_resp r;
    cJSON *items;

    (void)state;
    it_http("GET", "/api/v1/owner/resources", NULL, 0, s.wangfang, &r);
    it_expect(&r, 200, NULL);
    items = items_of(&r);
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 0), "id"), 8);
    assert_string_equal(it_str(cJSON_GetArrayItem(items, 0), "project"), "翠湖花园");
    assert_string_equal(it_str(cJSON_GetArrayItem(items, 0), "relation"), "owner");
    assert_null(it_find_int(items, "id", 6));
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/resources/6", NULL, 0, s.wangfang, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/resources/8", NULL, 0, s.wangfang, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(r.json, "number"), "1201");
    assert_int_equal(it_int(r.json, "area_m2x100"), 11000);
    it_resp_free(&r);
}

/* ---- staff ------------------------------------------------------------------------- */

/* AUTH-4 / RES-2: the staff list holds the caller's projects and nothing else. */
static void staff_list_scope(void **state)
{
    struct http_resp r;
    cJSON *it;

    (void)state;
    expect_ids("/api/v1/staff/resources", s.butler1, "1,2,3,4,5,6,7,10,11");
    expect_ids("/api/v1/staff/resources", s.butler2, "8,9");
    expect_ids("/api/v1/staff/resources?project_id=1", s.admin, "1,2,3,4,5,6,7,10,11");
    expect_ids("/api/v1/staff/resources?project_id=2", s.admin, "8,9");

    it_http("GET", "/api/v1/staff/resources", NULL, 0, s.butler2, &r);
    it_expect(&r, 200, NULL);
    cJSON_ArrayForEach(it, items_of(&r))
    {
        assert_int_equal(it_int(it, "project_id"), 2);
        assert_string_equal(it_str(it, "project"), "翠湖花园");
    }
    it_resp_free(&r);
    it_http("GET", "/api/v1/staff/resources?project_id=1", NULL, 0, s.butler2, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    it_http("GET", "/api/v1/staff/resources?project_id=2", NULL, 0, s.butler1, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    /* a building of another project neither errors usefully nor leaks */
    it_http("GET", "/api/v1/staff/resources?building_id=5", NULL, 0, s.butler1, &r);
    if (r.status == 200)
        assert_int_equal(cJSON_GetArraySize(items_of(&r)), 0);
    else
        it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    /* owners do not use the staff list */
    it_http("GET", "/api/v1/staff/resources", NULL, 0, s.owner1, &r);
    it_expect(&r, 403, "FORBIDDEN");
    it_resp_free(&r);
}

/* The staff list's item: every field, the stored values. */
static void staff_list_item_values(void **state)
{
    struct http_resp r;
    cJSON *x;

    (void)state;
    it_http("GET", "/api/v1/staff/resources?project_id=1", NULL, 0, s.butler1, &r);
    it_expect(&r, 200, NULL);
    x = it_find_int(items_of(&r), "id", 4);
    assert_non_null(x);
    assert_int_equal(it_int(x, "project_id"), 1);
    assert_string_equal(it_str(x, "project"), "示范小区");
    assert_int_equal(it_int(x, "building_id"), 1);
    assert_string_equal(it_str(x, "building"), "1栋");
    assert_int_equal(it_int(x, "unit_id"), 2);
    assert_string_equal(it_str(x, "unit"), "2单元");
    assert_string_equal(it_str(x, "code"), "1-2-101");
    assert_string_equal(it_str(x, "number"), "101");
    assert_string_equal(it_str(x, "kind"), "home");
    assert_int_equal(it_int(x, "floor"), 1);
    assert_int_equal(it_int(x, "area_m2x100"), 14320);
    assert_int_equal(it_int(x, "inner_area_m2x100"), 11800);
    assert_string_equal(it_str(x, "layout"), "四室两厅");
    assert_string_equal(it_str(x, "decoration"), "精装");
    /* the shop: lease status, business scope, tenant company (RES-2) */
    x = it_find_int(items_of(&r), "id", 10);
    assert_non_null(x);
    assert_string_equal(it_str(x, "kind"), "shop");
    assert_string_equal(it_str(x, "building"), "商业街");
    assert_true(is_null(x, "unit"));
    assert_string_equal(it_str(x, "lease_status"), "leased");
    assert_string_equal(it_str(x, "business_scope"), "便利店");
    assert_string_equal(it_str(x, "tenant_company"), "示范便利店有限公司");
    assert_int_equal(it_int(x, "area_m2x100"), 6500);
    /* the parking space: a resource without building, unit or floor */
    x = it_find_int(items_of(&r), "id", 11);
    assert_non_null(x);
    assert_string_equal(it_str(x, "kind"), "parking");
    assert_string_equal(it_str(x, "code"), "P-B1-001");
    assert_true(is_null(x, "building"));
    assert_true(is_null(x, "unit"));
    assert_true(is_null(x, "floor"));
    assert_int_equal(it_int(x, "area_m2x100"), 1250);
    it_resp_free(&r);
}

/* API.md "Ids: positive integers": no building is null, not a made-up id 0. */
static void staff_parking_has_no_building_id(void **state)
{
    struct http_resp r;

    (void)state;
    it_http("GET", "/api/v1/staff/resources/11", NULL, 0, s.butler1, &r);
    it_expect(&r, 200, NULL);
    assert_true(is_null(r.json, "building"));
    if (!is_null(r.json, "building_id") || !is_null(r.json, "unit_id"))
        fail_msg("resource 11 (no building, no unit): %.400s — expected building_id and "
                 "unit_id null",
                 r.body.data);
    it_resp_free(&r);
}

/* ?building_id= and ?q= (room number, code, occupant's name or phone). */
static void staff_list_filters(void **state)
{
    (void)state;
    expect_ids("/api/v1/staff/resources?building_id=1", s.butler1, "1,2,3,4");
    expect_ids("/api/v1/staff/resources?building_id=2", s.butler1, "5,6");
    expect_ids("/api/v1/staff/resources?project_id=1&building_id=3", s.butler1, "7");
    expect_ids("/api/v1/staff/resources?building_id=5", s.admin, "8,9");
    /* room number */
    expect_ids("/api/v1/staff/resources?q=101", s.butler1, "1,4");
    expect_ids("/api/v1/staff/resources?q=1202", s.admin, "9");
    expect_ids("/api/v1/staff/resources?q=B1-001", s.butler1, "11");
    /* code */
    expect_ids("/api/v1/staff/resources?q=1-2-1", s.butler1, "4");
    expect_ids("/api/v1/staff/resources?q=2-1-20", s.butler1, "5,6");
    expect_ids("/api/v1/staff/resources?q=S-01", s.butler1, "10");
    /* an occupant's name (owner, family, tenant), URL-encoded UTF-8 */
    expect_ids("/api/v1/staff/resources?q=%E5%BC%A0%E4%BC%9F", s.butler1, "1,2"); /* 张伟 */
    expect_ids("/api/v1/staff/resources?q=%E6%9D%8E%E5%A8%9C", s.butler1, "5");   /* 李娜 */
    expect_ids("/api/v1/staff/resources?q=%E5%BC%A0%E5%B0%8F%E6%98%8E", s.butler1,
               "1");                                                             /* 张小明 */
    expect_ids("/api/v1/staff/resources?q=%E8%B5%B5%E7%A3%8A", s.butler1, "10"); /* 赵磊 */
    /* an occupant's phone */
    expect_ids("/api/v1/staff/resources?q=13800000001", s.butler1, "1,2");
    expect_ids("/api/v1/staff/resources?q=13800000002", s.butler1, "5");
    /* 王芳 moved out of 2栋 202: she is history there, found only where she lives now */
    expect_ids("/api/v1/staff/resources?q=%E7%8E%8B%E8%8A%B3", s.butler1, "");
    expect_ids("/api/v1/staff/resources?q=%E7%8E%8B%E8%8A%B3", s.admin, "8");
    expect_ids("/api/v1/staff/resources?q=13800000004", s.admin, "8");
    /* the scope holds with q too */
    expect_ids("/api/v1/staff/resources?q=%E5%BC%A0%E4%BC%9F", s.butler2, "");
    expect_ids("/api/v1/staff/resources?q=13800000001", s.butler2, "");
    /* filters combine */
    expect_ids("/api/v1/staff/resources?building_id=1&q=101", s.butler1, "1,4");
    expect_ids("/api/v1/staff/resources?building_id=2&q=101", s.butler1, "");
    expect_ids("/api/v1/staff/resources?project_id=1&q=%E5%BC%A0%E4%BC%9F&building_id=1", s.admin,
               "1,2");
    /* LIKE wildcards are literal */
    expect_ids("/api/v1/staff/resources?q=%25", s.butler1, "");
    expect_ids("/api/v1/staff/resources?q=_", s.butler1, "");
    expect_ids("/api/v1/staff/resources?q=1_1", s.butler1, "");
    expect_ids("/api/v1/staff/resources?q=nobody", s.butler1, "");
}

/* API.md lists: limit and cursor walk every resource exactly once. */
static void staff_list_pagination(void **state)
{
    static const int limits[] = {1, 2, 4, 8, 9, 50};

    (void)state;
    for (size_t k = 0; k < sizeof(limits) / sizeof(limits[0]); k++) {
        char path[256], cursor[32] = "", seen[256] = "";
        size_t used = 0;
        int64_t last = 0;
        int pages = 0, total = 0, want_pages = (9 + limits[k] - 1) / limits[k];

        for (;;) {
            struct http_resp r;
            cJSON *items, *it, *next;

            if (cursor[0])
                snprintf(path, sizeof(path),
                         "/api/v1/staff/resources?project_id=1&limit=%d"
                         "&cursor=%s",
                         limits[k], cursor);
            else
                snprintf(path, sizeof(path), "/api/v1/staff/resources?project_id=1&limit=%d",
                         limits[k]);
            it_http("GET", path, NULL, 0, s.butler1, &r);
            it_expect(&r, 200, NULL);
            items = items_of(&r);
            assert_true(cJSON_GetArraySize(items) <= limits[k]);
            cJSON_ArrayForEach(it, items)
            {
                int64_t id = it_int(it, "id");
                if (id <= last)
                    fail_msg("limit %d: id %lld after %lld", limits[k], (long long)id,
                             (long long)last);
                last = id;
                total++;
                used += (size_t)snprintf(seen + used, sizeof(seen) - used, "%s%lld",
                                         used ? "," : "", (long long)id);
            }
            pages++;
            assert_true(pages <= 20);
            next = it_field(r.json, "next_cursor");
            if (cJSON_IsNull(next)) {
                it_resp_free(&r);
                break;
            }
            assert_true(cJSON_IsString(next));
            assert_int_equal(cJSON_GetArraySize(items), limits[k]);
            snprintf(cursor, sizeof(cursor), "%s", next->valuestring);
            it_resp_free(&r);
        }
        if (strcmp(seen, "1,2,3,4,5,6,7,10,11") != 0)
            fail_msg("limit %d: walked [%s]", limits[k], seen);
        assert_int_equal(total, 9);
        assert_int_equal(pages, want_pages);
    }
    /* a cursor carries the filters' result on: building 1, two a page */
    expect_ids("/api/v1/staff/resources?building_id=1&limit=2", s.butler1, "1,2");
    expect_ids("/api/v1/staff/resources?building_id=1&limit=2&cursor=2", s.butler1, "3,4");
    /* limits outside 1..200 and malformed cursors are refused */
    {
        static const char *const bad[] = {"limit=0",    "limit=201", "limit=-1", "limit=abc",
                                          "cursor=abc", "cursor=-5", "limit=1.5"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            struct http_resp r;
            char path[128];
            snprintf(path, sizeof(path), "/api/v1/staff/resources?%s", bad[i]);
            it_http("GET", path, NULL, 0, s.butler1, &r);
            if (r.status != 400)
                fail_msg("GET %s: %ld, expected 400", path, r.status);
            it_expect(&r, 400, "BAD_REQUEST");
            it_resp_free(&r);
        }
    }
    expect_ids("/api/v1/staff/resources?project_id=1&limit=200", s.butler1, "1,2,3,4,5,6,7,10,11");
}

/* RES-3: staff see the full phone and the history with its dates. */
static void staff_detail_history_and_phones(void **state)
{
    struct http_resp r;
    cJSON *occ, *x, *cf;

    (void)state;
    it_http("GET", "/api/v1/staff/resources/6", NULL, 0, s.butler1, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(it_int(r.json, "id"), 6);
    assert_string_equal(it_str(r.json, "code"), "2-1-202");
    assert_string_equal(it_str(r.json, "building"), "2栋");
    assert_int_equal(it_int(r.json, "area_m2x100"), 9875);
    occ = it_field(r.json, "occupants");
    assert_int_equal(cJSON_GetArraySize(occ), 1);
    x = cJSON_GetArrayItem(occ, 0);
    assert_string_equal(it_str(x, "name"), "王芳");
    assert_int_equal(it_int(x, "person_id"), 4);
    /* moved out in 2021: nobody's to call any more, so masked */
    assert_string_equal(it_str(x, "phone"), "138****0004");
    assert_string_equal(it_str(x, "relation"), "tenant");
    assert_string_equal(it_str(x, "moved_in_on"), "2020-01-01");
    assert_string_equal(it_str(x, "moved_out_on"), "2021-12-31");
    assert_false(cJSON_IsTrue(it_field(x, "current")));
    assert_true(cJSON_IsBool(it_field(x, "current")));
    it_resp_free(&r);

    it_http("GET", "/api/v1/staff/resources/1", NULL, 0, s.butler1, &r);
    it_expect(&r, 200, NULL);
    occ = it_field(r.json, "occupants");
    assert_int_equal(cJSON_GetArraySize(occ), 2);
    x = it_find_str(occ, "name", "张小明");
    assert_non_null(x);
    assert_string_equal(it_str(x, "phone"), "13800000003");
    assert_string_equal(it_str(x, "relation"), "family");
    assert_true(cJSON_IsTrue(it_field(x, "current")));
    assert_true(is_null(x, "moved_out_on"));
    /* the link id is the one in the database (the office moves people out by it) */
    assert_int_equal(it_int(x, "link_id"),
                     it_sql_int("SELECT id FROM person_resources WHERE person_id = 3 AND "
                                "resource_id = 1",
                                NULL, 0));
    cf = it_field(r.json, "custom_fields");
    x = it_find_str(cf, "key", "pets");
    assert_non_null(x);
    assert_string_equal(it_str(x, "value"), "猫");
    x = it_find_str(cf, "key", "handover_date");
    assert_non_null(x);
    assert_string_equal(it_str(x, "value"), "2019-04-20");
    it_resp_free(&r);

    /* a field without a value is listed with null: 2栋 202 has no pets recorded */
    it_http("GET", "/api/v1/staff/resources/6", NULL, 0, s.admin, &r);
    it_expect(&r, 200, NULL);
    x = it_find_str(it_field(r.json, "custom_fields"), "key", "pets");
    assert_non_null(x);
    assert_true(is_null(x, "value"));
    it_resp_free(&r);

    /* the shop's tenant */
    it_http("GET", "/api/v1/staff/resources/10", NULL, 0, s.butler1, &r);
    it_expect(&r, 200, NULL);
    occ = it_field(r.json, "occupants");
    assert_int_equal(cJSON_GetArraySize(occ), 1);
    x = cJSON_GetArrayItem(occ, 0);
    assert_string_equal(it_str(x, "name"), "赵磊");
    assert_string_equal(it_str(x, "phone"), "13800000005");
    assert_string_equal(it_str(x, "relation"), "tenant");
    assert_string_equal(it_str(x, "moved_in_on"), "2023-06-01");
    it_resp_free(&r);

    /* other projects' resources are 404 for a butler, and visible to the admin */
    it_http("GET", "/api/v1/staff/resources/6", NULL, 0, s.butler2, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    it_http("GET", "/api/v1/staff/resources/8", NULL, 0, s.butler1, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    it_http("GET", "/api/v1/staff/resources/8", NULL, 0, s.admin, &r);
    it_expect(&r, 200, NULL);
    x = cJSON_GetArrayItem(it_field(r.json, "occupants"), 0);
    assert_non_null(x);
    assert_string_equal(it_str(x, "name"), "王芳");
    assert_string_equal(it_str(x, "relation"), "owner");
    /* 翠湖花园 defines no custom fields */
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "custom_fields")), 0);
    it_resp_free(&r);
}

/* Reading changes nothing. */
static void reads_change_nothing(void **state)
{
    static const char *const paths[] = {
        "/api/v1/staff/resources", "/api/v1/staff/resources/1", "/api/v1/staff/resources/6",
        "/api/v1/staff/resources?q=%E5%BC%A0%E4%BC%9F", "/api/v1/staff/resources?limit=2"};
    char before[512], after[512], cb[8192], ca[8192];
    struct http_resp r;

    (void)state;
    it_db_fingerprint(before);
    it_db_checksum(cb, sizeof(cb));
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        it_http("GET", paths[i], NULL, 0, s.butler1, &r);
        it_expect(&r, 200, NULL);
        it_resp_free(&r);
    }
    it_http("GET", "/api/v1/owner/resources", NULL, 0, s.owner1, &r);
    it_expect(&r, 200, NULL);
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/resources/1", NULL, 0, s.owner1, &r);
    it_expect(&r, 200, NULL);
    it_resp_free(&r);
    it_db_fingerprint(after);
    it_db_checksum(ca, sizeof(ca));
    assert_string_equal(before, after);
    assert_string_equal(cb, ca);
}

/* GET /staff/persons: find people of one's projects by name or phone. */
static void staff_finds_persons(void **state)
{
    struct http_resp r;
    cJSON *items, *it, *res;
    int n = 0;
    bool seen_zhangwei = false;

    (void)state;
    it_http("GET", "/api/v1/staff/persons?q=%E5%BC%A0", NULL, 0, s.butler1, &r); /* 张 */
    it_expect(&r, 200, NULL);
    items = cJSON_GetObjectItem(r.json, "items");
    cJSON_ArrayForEach(it, items)
    {
        const char *name = cJSON_GetObjectItem(it, "name")->valuestring;
        assert_non_null(strstr(name, "张"));
        if (strcmp(name, "张伟") == 0) {
            seen_zhangwei = true;
            assert_string_equal(cJSON_GetObjectItem(it, "phone")->valuestring, "13800000001");
            res = cJSON_GetObjectItem(it, "resources");
            assert_int_equal(cJSON_GetArraySize(res), 2); /* 101 and 102 */
        }
        n++;
    }
    assert_true(seen_zhangwei);
    assert_int_equal(n, 2); /* 张伟 and 张小明 */
    it_resp_free(&r);

    /* a phone prefix, one at a time */
    it_http("GET", "/api/v1/staff/persons?q=1380000000&limit=1", NULL, 0, s.butler1, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "items")), 1);
    assert_string_equal(cJSON_GetObjectItem(r.json, "next_cursor")->valuestring, "1");
    it_resp_free(&r);
    it_http("GET", "/api/v1/staff/persons?q=1380000000&limit=1&cursor=1", NULL, 0, s.butler1, &r);
    it_expect(&r, 200, NULL);
    it = cJSON_GetArrayItem(cJSON_GetObjectItem(r.json, "items"), 0);
    assert_int_equal(cJSON_GetObjectItem(it, "id")->valueint, 2);
    it_resp_free(&r);

    /* scope: the other project's butler finds none of them; a foreign project is 404 */
    it_http("GET", "/api/v1/staff/persons?q=%E5%BC%A0", NULL, 0, s.butler2, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "items")), 0);
    it_resp_free(&r);
    it_http("GET", "/api/v1/staff/persons?project_id=1", NULL, 0, s.butler2, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    /* a wildcard is matched literally */
    it_http("GET", "/api/v1/staff/persons?q=%25", NULL, 0, s.butler1, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "items")), 0);
    it_resp_free(&r);
    it_http("GET", "/api/v1/staff/persons?limit=0", NULL, 0, s.butler1, &r);
    it_expect(&r, 400, "BAD_REQUEST");
    it_resp_free(&r);
    it_http("GET", "/api/v1/staff/persons", NULL, 0, s.owner1, &r);
    it_expect(&r, 403, "FORBIDDEN");
    it_resp_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(owner_list_fields_and_values),
        cmocka_unit_test(family_member_sees_101_only),
        cmocka_unit_test(owner_detail_current_occupants_masked),
        cmocka_unit_test(owner_other_resources_404),
        cmocka_unit_test(moved_out_tenant_loses_the_home),
        cmocka_unit_test(staff_list_scope),
        cmocka_unit_test(staff_list_item_values),
        cmocka_unit_test(staff_parking_has_no_building_id),
        cmocka_unit_test(staff_list_filters),
        cmocka_unit_test(staff_list_pagination),
        cmocka_unit_test(staff_detail_history_and_phones),
        cmocka_unit_test(staff_finds_persons),
        cmocka_unit_test(reads_change_nothing),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests_name("integration_resources", tests, setup, teardown);
}
