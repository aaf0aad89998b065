/*
 * test_office.c — the office's writes over the real stack (RES-1..5):
 * projects with business types, buildings, units, resources, persons,
 * move-in / move-out, custom fields and their typed values, the audit row
 * of every write, the office's scope (role and projects), and CSV import
 * and export through HTTP and through the operator tool.
 *
 * Everything is written into projects of our own (codes ZZOFF-…) and
 * persons with phones 1370006xxxx, removed again in the teardown (and in
 * the setup, after a run that crashed), so the demo data that the other
 * test files log in with stays as it was. Audit rows stay: the log is
 * append-only.
 *
 * "Nothing changed" is it_db_fingerprint() and it_db_checksum() equal
 * before and after.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define MAIN_CODE "ZZOFF-MAIN"
#define MAIN_NAME "办公测试小区"
#define OTHER_CODE "ZZOFF-OTHER"
#define OTHER_NAME "外部公司小区"
#define CUSTOM_TYPE "养老社区"

static struct {
    char *admin, *butler;
    int64_t admin_id;
    int64_t sms_max;
    /* made by office_creates_the_estate, used by the tests after it */
    int64_t project, building, unit, street, resource, shop, parking;
    int64_t handmade; /* 1栋 1单元 102 with the code "ZZ-1-102" */
    /* made by office_persons_and_move_in */
    int64_t owner, family, owner_link;
    char *owner_token; /* 13700060001 */
} g;

/* ---- helpers ----------------------------------------------------------------------- */

#define has_non_ascii it_has_non_ascii
#define snapshot it_snapshot
#define SNAP IT_SNAP
#define expect_unchanged(before, what)                                                             \
    do {                                                                                           \
        char after_[SNAP];                                                                         \
        snapshot(after_, sizeof(after_));                                                          \
        if (strcmp((before), after_) != 0) {                                                       \
            print_error("%s changed the database:\n  before %s\n  after  %s\n", (what), (before),  \
                        after_);                                                                   \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

static int64_t audit_mark(void)
{
    return it_sql_int("SELECT COALESCE(MAX(id), 0) FROM audit_log", NULL, 0);
}

/* Exactly one audit row since mark: this action on this entity, by the admin. */
#define expect_audit(mark, action, entity, id)                                                     \
    expect_audit_at((mark), (action), (entity), (id), __FILE__, __LINE__)
static void expect_audit_at(int64_t mark, const char *action, const char *entity, int64_t id,
                            const char *file, int line)
{
    struct db_param p[5] = {P_INT(mark), P_STR(action), P_STR(entity), P_INT(id),
                            P_INT(g.admin_id)};
    int64_t all = it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ?", p, 1);
    int64_t match = it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND action = ? AND "
                               "entity = ? AND entity_id = ? AND actor_kind = 'staff' AND "
                               "actor_id = ?",
                               p, 5);
    char got[512];

    if (all != 1 || match != 1) {
        it_sql_str("SELECT GROUP_CONCAT(CONCAT_WS(' ', actor_kind, actor_id, action, entity, "
                   "entity_id) SEPARATOR '; ') FROM audit_log WHERE id > ?",
                   p, 1, got, sizeof(got));
        print_error("expected one audit row \"%s %s %lld\" by staff %lld, got %lld row(s): %s\n",
                    action, entity, (long long)id, (long long)g.admin_id, (long long)all, got);
        _fail(file, line);
    }
}

/* POST/PATCH/PUT as the admin; expect status (and code); returns the "id"
 * of a 201, else 0. Failures point at the caller's line. */
#define call(m, path, body, st, code)                                                              \
    it_call_at(g.admin, (m), (path), (body), (st), (code), true, __FILE__, __LINE__)
/* A write that must be refused and change nothing at all. */
#define refused(m, path, body, st, code)                                                           \
    it_refused_at(g.admin, (m), (path), (body), (st), (code), __FILE__, __LINE__)

static void need_estate(void)
{
    if (!g.project || !g.resource)
        skip();
}

/* ---- fixture ----------------------------------------------------------------------- */

static const char *const drop_sql[] = {
    "DELETE cv FROM custom_values cv JOIN custom_fields cf ON cf.id = cv.field_id "
    "JOIN projects p ON p.id = cf.project_id WHERE p.code LIKE 'ZZOFF-%'",
    "DELETE cf FROM custom_fields cf JOIN projects p ON p.id = cf.project_id "
    "WHERE p.code LIKE 'ZZOFF-%'",
    "DELETE pr FROM person_resources pr JOIN resources r ON r.id = pr.resource_id "
    "JOIN projects p ON p.id = r.project_id WHERE p.code LIKE 'ZZOFF-%'",
    "DELETE pr FROM person_resources pr JOIN persons pe ON pe.id = pr.person_id "
    "WHERE pe.phone LIKE '1370006%'",
    "DELETE r FROM resources r JOIN projects p ON p.id = r.project_id "
    "WHERE p.code LIKE 'ZZOFF-%'",
    "DELETE u FROM units u JOIN buildings b ON b.id = u.building_id "
    "JOIN projects p ON p.id = b.project_id WHERE p.code LIKE 'ZZOFF-%'",
    "DELETE b FROM buildings b JOIN projects p ON p.id = b.project_id "
    "WHERE p.code LIKE 'ZZOFF-%'",
    "DELETE x FROM project_business_types x JOIN projects p ON p.id = x.project_id "
    "WHERE p.code LIKE 'ZZOFF-%'",
    "DELETE x FROM staff_projects x JOIN projects p ON p.id = x.project_id "
    "WHERE p.code LIKE 'ZZOFF-%'",
    "DELETE FROM projects WHERE code LIKE 'ZZOFF-%'",
    "DELETE FROM sessions WHERE subject_kind = 'owner' AND subject_id IN "
    "(SELECT id FROM persons WHERE phone LIKE '1370006%')",
    "DELETE FROM persons WHERE phone LIKE '1370006%'",
    "DELETE FROM business_types WHERE builtin = 0 AND code = '" CUSTOM_TYPE "' AND id NOT IN "
    "(SELECT business_type_id FROM project_business_types) AND id NOT IN "
    "(SELECT business_type_id FROM buildings WHERE business_type_id IS NOT NULL)",
};

static void drop_own_rows(void)
{
    for (size_t i = 0; i < sizeof(drop_sql) / sizeof(drop_sql[0]); i++)
        it_sql_exec(drop_sql[i], NULL, 0);
    it_reset_ids();
}

static int setup(void **state)
{
    (void)state;
    drop_own_rows();
    g.sms_max = it_sql_int("SELECT COALESCE(MAX(id), 0) FROM sms_codes", NULL, 0);
    g.admin = it_staff_login("13900000009", "demo1234");
    g.butler = it_staff_login("13900000001", "demo1234");
    if (!g.admin || !g.butler) {
        print_error("setup: a demo staff login failed\n");
        return -1;
    }
    g.admin_id = it_sql_int("SELECT id FROM staff WHERE phone = '13900000009'", NULL, 0);
    return 0;
}

static int teardown(void **state)
{
    struct db_param p[1] = {P_INT(g.sms_max)};

    (void)state;
    drop_own_rows();
    it_sql_exec("DELETE FROM sms_codes WHERE id > ?", p, 1);
    free(g.admin);
    free(g.butler);
    free(g.owner_token);
    return 0;
}

/* ---- RES-1, RES-2: projects, buildings, units, resources ---------------------------- */

static void office_creates_the_estate(void **state)
{
    char body[1024], path[256], s[256], before[SNAP];
    struct http_resp r;
    struct db_param p[2];
    int64_t mark, id;
    cJSON *x, *types;

    (void)state;
    /* a project with two built-in business types and one of its own */
    mark = audit_mark();
    g.project = call("POST", "/api/v1/office/projects",
                     "{\"code\":\"" MAIN_CODE "\",\"name\":\"" MAIN_NAME "\","
                     "\"address\":\"测试市测试路 1 号\",\"business_types\":"
                     "[\"residential\",\"shop\",\"" CUSTOM_TYPE "\"]}",
                     201, NULL);
    expect_audit(mark, "create_project", "project", g.project);
    p[0] = P_INT(g.project);
    it_sql_str("SELECT CONCAT_WS('|', code, name, address) FROM projects WHERE id = ?", p, 1, s,
               sizeof(s));
    assert_string_equal(s, MAIN_CODE "|" MAIN_NAME "|测试市测试路 1 号");
    /* the creator serves it */
    p[1] = P_INT(g.admin_id);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM staff_projects WHERE project_id = ? AND "
                                "staff_id = ?",
                                p, 2),
                     1);
    it_sql_str("SELECT GROUP_CONCAT(bt.code ORDER BY bt.code) FROM project_business_types x "
               "JOIN business_types bt ON bt.id = x.business_type_id WHERE x.project_id = ?",
               p, 1, s, sizeof(s));
    assert_string_equal(s, "residential,shop," CUSTOM_TYPE);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM business_types WHERE code = '" CUSTOM_TYPE
                                "' AND builtin = 0",
                                NULL, 0),
                     1);
    /* and lists it */
    it_http("GET", "/api/v1/office/projects", NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    x = it_find_int(it_field(r.json, "items"), "id", g.project);
    assert_non_null(x);
    assert_string_equal(it_str(x, "code"), MAIN_CODE);
    assert_string_equal(it_str(x, "name"), MAIN_NAME);
    types = it_field(x, "business_types");
    assert_int_equal(cJSON_GetArraySize(types), 3);
    {
        bool res = false, shop = false, custom = false;
        cJSON *t;
        cJSON_ArrayForEach(t, types)
        {
            res |= strcmp(t->valuestring, "residential") == 0;
            shop |= strcmp(t->valuestring, "shop") == 0;
            custom |= strcmp(t->valuestring, CUSTOM_TYPE) == 0;
        }
        assert_true(res && shop && custom);
    }
    assert_int_equal(it_int(x, "buildings"), 0);
    assert_int_equal(it_int(x, "resources"), 0);
    it_resp_free(&r);
    /* the same code or name again is a conflict */
    refused("POST", "/api/v1/office/projects",
            "{\"code\":\"" MAIN_CODE "\",\"name\":\"另一个名字\"}", 409, "PROJECT_TAKEN");

    /* buildings */
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/buildings", (long long)g.project);
    mark = audit_mark();
    g.building =
        call("POST", path, "{\"name\":\"1栋\",\"floors\":18,\"business_type\":\"residential\"}",
             201, NULL);
    expect_audit(mark, "create_building", "building", g.building);
    p[0] = P_INT(g.building);
    it_sql_str("SELECT CONCAT_WS('|', b.project_id, b.name, b.floors, bt.code) FROM buildings b "
               "JOIN business_types bt ON bt.id = b.business_type_id WHERE b.id = ?",
               p, 1, s, sizeof(s));
    snprintf(body, sizeof(body), "%lld|1栋|18|residential", (long long)g.project);
    assert_string_equal(s, body);
    mark = audit_mark();
    g.street = call("POST", path, "{\"name\":\"商业街\",\"floors\":2,\"business_type\":\"shop\"}",
                    201, NULL);
    expect_audit(mark, "create_building", "building", g.street);
    /* a second 1栋 in the project: 409, nothing written */
    refused("POST", path, "{\"name\":\"1栋\",\"floors\":30}", 409, "BUILDING_TAKEN");
    /* …while 1栋 of another project is another building: the demo has one */
    p[0] = P_INT(g.project);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM buildings WHERE name = '1栋' AND "
                                "project_id IN (1, ?)",
                                p, 1),
                     2);

    /* units */
    snprintf(path, sizeof(path), "/api/v1/office/buildings/%lld/units", (long long)g.building);
    mark = audit_mark();
    g.unit = call("POST", path, "{\"name\":\"1单元\"}", 201, NULL);
    expect_audit(mark, "create_unit", "unit", g.unit);
    p[0] = P_INT(g.unit);
    assert_int_equal(it_sql_int("SELECT building_id FROM units WHERE id = ?", p, 1), g.building);
    refused("POST", path, "{\"name\":\"1单元\"}", 409, "UNIT_TAKEN");

    /* a home: the code defaults to 楼栋-单元-房号 */
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"unit_id\":%lld,\"number\":\"101\","
             "\"kind\":\"home\",\"floor\":1,\"area_m2x100\":8950,\"inner_area_m2x100\":7230,"
             "\"layout\":\"两室一厅\",\"decoration\":\"精装\"}",
             (long long)g.project, (long long)g.building, (long long)g.unit);
    mark = audit_mark();
    g.resource = call("POST", "/api/v1/office/resources", body, 201, NULL);
    expect_audit(mark, "create_resource", "resource", g.resource);
    p[0] = P_INT(g.resource);
    it_sql_str("SELECT CONCAT_WS('|', project_id, building_id, unit_id, code, number, kind, floor, "
               "area_m2x100, inner_area_m2x100, layout, decoration) FROM resources WHERE id = ?",
               p, 1, s, sizeof(s));
    {
        char want[256];
        snprintf(want, sizeof(want),
                 "%lld|%lld|%lld|1栋-1单元-101|101|home|1|8950|7230|两室一厅|精装",
                 (long long)g.project, (long long)g.building, (long long)g.unit);
        assert_string_equal(s, want);
    }
    /* the same place again has the same code: 409, nothing written */
    refused("POST", "/api/v1/office/resources", body, 409, "RESOURCE_CODE_TAKEN");
    /* a shop on the street without a unit, and a parking space without a building */
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"number\":\"S01\",\"kind\":\"shop\","
             "\"floor\":1,\"area_m2x100\":6500,\"lease_status\":\"vacant\","
             "\"business_scope\":\"餐饮\",\"tenant_company\":\"测试餐饮有限公司\"}",
             (long long)g.project, (long long)g.street);
    mark = audit_mark();
    g.shop = call("POST", "/api/v1/office/resources", body, 201, NULL);
    expect_audit(mark, "create_resource", "resource", g.shop);
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"number\":\"B1-001\",\"kind\":\"parking\","
             "\"area_m2x100\":1250}",
             (long long)g.project);
    mark = audit_mark();
    g.parking = call("POST", "/api/v1/office/resources", body, 201, NULL);
    expect_audit(mark, "create_resource", "resource", g.parking);
    p[0] = P_INT(g.shop);
    it_sql_str("SELECT CONCAT_WS('|', code, IFNULL(unit_id, 'null'), lease_status, business_scope, "
               "tenant_company) FROM resources WHERE id = ?",
               p, 1, s, sizeof(s));
    assert_string_equal(s, "商业街-S01|null|vacant|餐饮|测试餐饮有限公司");
    p[0] = P_INT(g.parking);
    it_sql_str("SELECT CONCAT_WS('|', code, IFNULL(building_id, 'null'), IFNULL(floor, 'null')) "
               "FROM resources WHERE id = ?",
               p, 1, s, sizeof(s));
    assert_string_equal(s, "B1-001|null|null");
    /* an explicit code is kept */
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"unit_id\":%lld,\"code\":\"ZZ-1-102\","
             "\"number\":\"102\",\"kind\":\"home\"}",
             (long long)g.project, (long long)g.building, (long long)g.unit);
    mark = audit_mark();
    id = call("POST", "/api/v1/office/resources", body, 201, NULL);
    expect_audit(mark, "create_resource", "resource", id);
    g.handmade = id;
    p[0] = P_INT(id);
    it_sql_str("SELECT code FROM resources WHERE id = ?", p, 1, s, sizeof(s));
    assert_string_equal(s, "ZZ-1-102");

    /* the staff view of what was made */
    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld", (long long)g.resource);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(r.json, "project"), MAIN_NAME);
    assert_string_equal(it_str(r.json, "building"), "1栋");
    assert_string_equal(it_str(r.json, "unit"), "1单元");
    assert_string_equal(it_str(r.json, "code"), "1栋-1单元-101");
    assert_int_equal(it_int(r.json, "area_m2x100"), 8950);
    assert_int_equal(it_int(r.json, "inner_area_m2x100"), 7230);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "occupants")), 0);
    it_resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/staff/resources?project_id=%lld", (long long)g.project);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 4);
    it_resp_free(&r);

    /* PATCH a resource: only what is given changes */
    snprintf(path, sizeof(path), "/api/v1/office/resources/%lld", (long long)g.resource);
    mark = audit_mark();
    call("PATCH", path, "{\"area_m2x100\":9010,\"layout\":\"三室一厅\"}", 200, NULL);
    expect_audit(mark, "update_resource", "resource", g.resource);
    p[0] = P_INT(g.resource);
    it_sql_str("SELECT CONCAT_WS('|', code, area_m2x100, inner_area_m2x100, layout, decoration) "
               "FROM resources WHERE id = ?",
               p, 1, s, sizeof(s));
    assert_string_equal(s, "1栋-1单元-101|9010|7230|三室一厅|精装");
    /* inner area above the building area is refused */
    refused("PATCH", path, "{\"inner_area_m2x100\":9500,\"area_m2x100\":9000}", 400, "BAD_REQUEST");

    /* PATCH the project: name, address and business types */
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld", (long long)g.project);
    mark = audit_mark();
    call("PATCH", path, "{\"address\":\"测试市测试路 2 号\",\"business_types\":[\"residential\"]}",
         200, NULL);
    expect_audit(mark, "update_project", "project", g.project);
    p[0] = P_INT(g.project);
    it_sql_str("SELECT CONCAT_WS('|', name, address) FROM projects WHERE id = ?", p, 1, s,
               sizeof(s));
    assert_string_equal(s, MAIN_NAME "|测试市测试路 2 号");
    it_sql_str("SELECT GROUP_CONCAT(bt.code) FROM project_business_types x "
               "JOIN business_types bt ON bt.id = x.business_type_id WHERE x.project_id = ?",
               p, 1, s, sizeof(s));
    assert_string_equal(s, "residential");
    /* the name of a project that exists is a conflict */
    snapshot(before, sizeof(before));
    call("PATCH", path, "{\"name\":\"示范小区\"}", 409, "PROJECT_TAKEN");
    expect_unchanged(before, "PATCH project to the name 示范小区");
}

/* A building's business type (RES-1): one of the known types — the project's
 * own custom type too. An unknown one is refused or made a type, never
 * silently dropped. */
static void office_building_business_type(void **state)
{
    char path[256], s[128], before[SNAP];
    struct http_resp r;
    struct db_param p[1];
    int64_t id;

    (void)state;
    need_estate();
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/buildings", (long long)g.project);
    id = call("POST", path, "{\"name\":\"3栋\",\"business_type\":\"" CUSTOM_TYPE "\"}", 201, NULL);
    p[0] = P_INT(id);
    it_sql_str(
        "SELECT bt.code FROM buildings b JOIN business_types bt ON bt.id = b.business_type_id "
        "WHERE b.id = ?",
        p, 1, s, sizeof(s));
    assert_string_equal(s, CUSTOM_TYPE);

    snapshot(before, sizeof(before));
    it_http("POST", path, "{\"name\":\"4栋\",\"business_type\":\"不存在的业态\"}", (size_t)-1,
            g.admin, &r);
    if (r.status == 400) {
        it_expect(&r, 400, "BAD_REQUEST");
        expect_unchanged(before, "a building with an unknown business type");
    } else {
        it_expect(&r, 201, NULL);
        p[0] = P_INT(it_int(r.json, "id"));
        it_sql_str("SELECT IFNULL(bt.code, '(none)') FROM buildings b LEFT JOIN business_types bt "
                   "ON bt.id = b.business_type_id WHERE b.id = ?",
                   p, 1, s, sizeof(s));
        if (strcmp(s, "不存在的业态") != 0)
            fail_msg("POST %s {\"name\":\"4栋\",\"business_type\":\"不存在的业态\"}: 201 and "
                     "the building's business type is %s — expected 400, or the type kept",
                     path, s);
    }
    it_resp_free(&r);
}

/* A resource's unit is always a unit of its building (estate.c
 * check_placement): moving a home to another building cannot leave it
 * in a unit of the old one. */
static void office_resource_move_keeps_placement(void **state)
{
    char body[512], path[256], s[128], before[SNAP];
    struct http_resp r;
    struct db_param p[1];
    int64_t id;

    (void)state;
    need_estate();
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"unit_id\":%lld,\"number\":\"103\","
             "\"kind\":\"home\"}",
             (long long)g.project, (long long)g.building, (long long)g.unit);
    id = call("POST", "/api/v1/office/resources", body, 201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/resources/%lld", (long long)id);
    snprintf(body, sizeof(body), "{\"building_id\":%lld}", (long long)g.street);
    snapshot(before, sizeof(before));
    it_http("PATCH", path, body, (size_t)-1, g.admin, &r);
    p[0] = P_INT(id);
    if (r.status == 400) {
        it_expect(&r, 400, "BAD_REQUEST");
        expect_unchanged(before, "moving a home to another building, keeping its unit");
        it_resp_free(&r);
        return;
    }
    it_expect(&r, 200, NULL);
    it_resp_free(&r);
    it_sql_str("SELECT CONCAT_WS('|', r.building_id, IFNULL(r.unit_id, 'null'), "
               "IFNULL(u.building_id, 'null')) FROM resources r "
               "LEFT JOIN units u ON u.id = r.unit_id WHERE r.id = ?",
               p, 1, s, sizeof(s));
    /* The home goes (it has no links or values), so that a wrong placement
     * does not spill into the import and export tests after this one. */
    it_sql_exec("DELETE FROM resources WHERE id = ?", p, 1);
    {
        char ok1[64], ok2[64];
        const char *unit_building = strrchr(s, '|');
        snprintf(ok1, sizeof(ok1), "%lld|null|null", (long long)g.street);
        snprintf(ok2, sizeof(ok2), "%lld|", (long long)g.street);
        if (strcmp(s, ok1) != 0 && !(strncmp(s, ok2, strlen(ok2)) == 0 && unit_building &&
                                     atoll(unit_building + 1) == g.street))
            fail_msg("PATCH %s %s: 200, and now building|unit|unit's building = %s: "
                     "the unit (1栋 1单元) is not in the new building %lld",
                     path, body, s, (long long)g.street);
    }
}

/* ---- RES-3: persons, move-in ------------------------------------------------------------ */

static void office_persons_and_move_in(void **state)
{
    char body[512], path[256], s[256];
    struct http_resp r;
    struct db_param p[1];
    int64_t mark;
    cJSON *occ, *x;
    char *token;

    (void)state;
    need_estate();
    mark = audit_mark();
    g.owner = call("POST", "/api/v1/office/persons",
                   "{\"name\":\"办公业主\",\"phone\":\"13700060001\","
                   "\"id_number\":\"330101199001011234\",\"occupation\":\"工程师\"}",
                   201, NULL);
    expect_audit(mark, "create_person", "person", g.owner);
    p[0] = P_INT(g.owner);
    it_sql_str("SELECT CONCAT_WS('|', name, phone, id_number_masked, occupation, "
               "IFNULL(openid, 'null')) FROM persons WHERE id = ?",
               p, 1, s, sizeof(s));
    assert_string_equal(s, "办公业主|13700060001|3301**********1234|工程师|null");
    /* the ID number is never stored in full */
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE detail LIKE "
                                "'%330101199001011234%'",
                                NULL, 0),
                     0);
    /* a phone is one person's */
    refused("POST", "/api/v1/office/persons", "{\"name\":\"重复\",\"phone\":\"13700060001\"}", 409,
            "PHONE_TAKEN");
    refused("POST", "/api/v1/office/persons", "{\"name\":\"重复\",\"phone\":\"13800000001\"}", 409,
            "PHONE_TAKEN");
    mark = audit_mark();
    g.family = call("POST", "/api/v1/office/persons",
                    "{\"name\":\"办公家属\",\"phone\":\"13700060002\"}", 201, NULL);
    expect_audit(mark, "create_person", "person", g.family);

    /* move-in */
    snprintf(path, sizeof(path), "/api/v1/office/resources/%lld/occupants", (long long)g.resource);
    snprintf(body, sizeof(body),
             "{\"person_id\":%lld,\"relation\":\"owner\",\"moved_in_on\":\"2024-03-01\"}",
             (long long)g.owner);
    mark = audit_mark();
    g.owner_link = call("POST", path, body, 201, NULL);
    expect_audit(mark, "move_in", "person_resource", g.owner_link);
    p[0] = P_INT(g.owner_link);
    it_sql_str("SELECT CONCAT_WS('|', person_id, resource_id, relation, moved_in_on, "
               "IFNULL(moved_out_on, 'null'), active) FROM person_resources WHERE id = ?",
               p, 1, s, sizeof(s));
    {
        char want[128];
        snprintf(want, sizeof(want), "%lld|%lld|owner|2024-03-01|null|1", (long long)g.owner,
                 (long long)g.resource);
        assert_string_equal(s, want);
    }
    /* the same current link twice: 409 */
    refused("POST", path, body, 409, "ALREADY_LINKED");
    /* a family member without a date */
    snprintf(body, sizeof(body), "{\"person_id\":%lld,\"relation\":\"family\"}",
             (long long)g.family);
    mark = audit_mark();
    {
        int64_t link = call("POST", path, body, 201, NULL);
        expect_audit(mark, "move_in", "person_resource", link);
        p[0] = P_INT(link);
        it_sql_str("SELECT CONCAT_WS('|', relation, IFNULL(moved_in_on, 'null')) "
                   "FROM person_resources WHERE id = ?",
                   p, 1, s, sizeof(s));
        assert_string_equal(s, "family|null");
    }
    /* bad relation or date: 400, nothing written */
    snprintf(body, sizeof(body), "{\"person_id\":%lld,\"relation\":\"landlord\"}",
             (long long)g.family);
    refused("POST", path, body, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body),
             "{\"person_id\":%lld,\"relation\":\"tenant\",\"moved_in_on\":\"2023-02-29\"}",
             (long long)g.family);
    refused("POST", path, body, 400, "BAD_REQUEST");

    /* staff see both, with full phones */
    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld", (long long)g.resource);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    occ = it_field(r.json, "occupants");
    assert_int_equal(cJSON_GetArraySize(occ), 2);
    x = it_find_str(occ, "name", "办公业主");
    assert_non_null(x);
    assert_string_equal(it_str(x, "phone"), "13700060001");
    assert_string_equal(it_str(x, "relation"), "owner");
    assert_string_equal(it_str(x, "moved_in_on"), "2024-03-01");
    assert_int_equal(it_int(x, "link_id"), g.owner_link);
    assert_true(cJSON_IsTrue(it_field(x, "current")));
    x = it_find_str(occ, "name", "办公家属");
    assert_non_null(x);
    assert_true(cJSON_IsNull(it_field(x, "moved_in_on")));
    it_resp_free(&r);

    /* and the owner, now reserved, logs in and sees the home */
    token = it_owner_login_sms("13700060001");
    assert_non_null(token);
    it_http("GET", "/api/v1/owner/resources", NULL, 0, token, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 1);
    x = cJSON_GetArrayItem(it_field(r.json, "items"), 0);
    assert_int_equal(it_int(x, "id"), g.resource);
    assert_string_equal(it_str(x, "project"), MAIN_NAME);
    assert_string_equal(it_str(x, "building"), "1栋");
    assert_string_equal(it_str(x, "number"), "101");
    assert_string_equal(it_str(x, "relation"), "owner");
    assert_int_equal(it_int(x, "area_m2x100"), 9010);
    it_resp_free(&r);
    g.owner_token = token;
}

/* RES-3: a move-out ends the link and keeps it as history. */
static void office_move_out_keeps_history(void **state)
{
    char body[512], path[256], s[256];
    struct http_resp r;
    struct db_param p[2];
    int64_t tenant, link, mark, again;
    char owner_path[128], *token;
    cJSON *x;

    (void)state;
    need_estate();
    tenant = call("POST", "/api/v1/office/persons",
                  "{\"name\":\"办公租户\",\"phone\":\"13700060003\"}", 201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/resources/%lld/occupants", (long long)g.shop);
    snprintf(body, sizeof(body),
             "{\"person_id\":%lld,\"relation\":\"tenant\",\"moved_in_on\":\"2023-01-01\"}",
             (long long)tenant);
    link = call("POST", path, body, 201, NULL);
    /* the tenant, logged in, has the shop… */
    token = it_owner_login_wechat("13700060003");
    assert_non_null(token);
    snprintf(owner_path, sizeof(owner_path), "/api/v1/owner/resources/%lld", (long long)g.shop);
    it_http("GET", owner_path, NULL, 0, token, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(r.json, "relation"), "tenant");
    it_resp_free(&r);

    /* a move-out before the move-in is refused */
    snprintf(path, sizeof(path), "/api/v1/office/occupants/%lld/move-out", (long long)link);
    {
        char before[SNAP];
        struct http_resp rr;
        snapshot(before, sizeof(before));
        it_http("POST", path, "{\"moved_out_on\":\"2022-12-31\"}", (size_t)-1, g.admin, &rr);
        if (rr.status != 400 && rr.status != 409)
            fail_msg("move-out before the move-in: %ld %.200s", rr.status, rr.body.data);
        it_resp_free(&rr);
        expect_unchanged(before, "a move-out dated before the move-in");
    }
    /* the move-out */
    mark = audit_mark();
    call("POST", path, "{\"moved_out_on\":\"2024-06-30\"}", 200, NULL);
    expect_audit(mark, "move_out", "person_resource", link);
    p[0] = P_INT(link);
    it_sql_str("SELECT CONCAT_WS('|', person_id, relation, moved_in_on, IFNULL(moved_out_on, "
               "'null'), active) FROM person_resources WHERE id = ?",
               p, 1, s, sizeof(s));
    {
        char want[128];
        snprintf(want, sizeof(want), "%lld|tenant|2023-01-01|2024-06-30|0", (long long)tenant);
        assert_string_equal(s, want);
    }
    /* …and not any more: the link is history */
    it_http("GET", owner_path, NULL, 0, token, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/resources", NULL, 0, token, &r);
    if (r.status == 200)
        assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
    else
        assert_int_equal(r.status, 401);
    it_resp_free(&r);
    free(token);
    /* once is enough */
    refused("POST", path, "{\"moved_out_on\":\"2024-07-01\"}", 409, "ALREADY_MOVED_OUT");
    /* staff see the history */
    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld", (long long)g.shop);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    x = it_find_int(it_field(r.json, "occupants"), "link_id", link);
    assert_non_null(x);
    assert_string_equal(it_str(x, "moved_out_on"), "2024-06-30");
    assert_false(cJSON_IsTrue(it_field(x, "current")));
    it_resp_free(&r);
    /* the same person may move in again: a second row, the first one stays */
    snprintf(path, sizeof(path), "/api/v1/office/resources/%lld/occupants", (long long)g.shop);
    snprintf(body, sizeof(body),
             "{\"person_id\":%lld,\"relation\":\"tenant\",\"moved_in_on\":\"2024-09-01\"}",
             (long long)tenant);
    again = call("POST", path, body, 201, NULL);
    assert_true(again != link);
    p[0] = P_INT(tenant);
    p[1] = P_INT(g.shop);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM person_resources WHERE person_id = ? AND "
                                "resource_id = ?",
                                p, 2),
                     2);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM person_resources WHERE person_id = ? AND "
                                "resource_id = ? AND active = 1",
                                p, 2),
                     1);
}

/* ---- RES-4: custom fields and typed values ---------------------------------------------- */

static void office_custom_fields_typed(void **state)
{
    static const char *const bad_values[] = {
        "{\"rooms\":\"3.5\"}",
        "{\"rooms\":\"abc\"}",
        "{\"rooms\":\"\"}",
        "{\"rooms\":\"1e3\"}",
        "{\"rooms\":\" 3\"}",
        "{\"handover\":\"2023-02-29\"}",
        "{\"handover\":\"2024/02/01\"}",
        "{\"handover\":\"明天\"}",
        "{\"pets\":\"兔\"}",
        "{\"pets\":\"猫,狗\"}",
        "{\"pets\":\"\"}",
        "{\"rooms\":3}",
        /* one bad value spoils the request: the good one is not written either */
        "{\"note\":\"改了\",\"rooms\":\"x\"}",
        /* unknown keys, a person's key on a resource, a demo project's key */
        "{\"nope\":\"1\"}",
        "{\"car_plate\":\"浙A1\"}",
        "{\"handover_date\":\"2024-01-01\"}",
    };
    char body[512], path[256], s[256];
    struct http_resp r;
    struct db_param p[2];
    int64_t mark, rooms, handover, pets, note, plate;
    cJSON *cf, *x;

    (void)state;
    need_estate();
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/custom-fields",
             (long long)g.project);
    mark = audit_mark();
    rooms =
        call("POST", path,
             "{\"target\":\"resource\",\"key\":\"rooms\",\"label\":\"房间数\",\"type\":\"number\"}",
             201, NULL);
    expect_audit(mark, "create_custom_field", "custom_field", rooms);
    mark = audit_mark();
    handover = call("POST", path,
                    "{\"target\":\"resource\",\"key\":\"handover\",\"label\":\"交房日期\","
                    "\"type\":\"date\"}",
                    201, NULL);
    expect_audit(mark, "create_custom_field", "custom_field", handover);
    mark = audit_mark();
    pets = call("POST", path,
                "{\"target\":\"resource\",\"key\":\"pets\",\"label\":\"饲养宠物\","
                "\"type\":\"choice\",\"choices\":[\"无\",\"猫\",\"狗\"]}",
                201, NULL);
    expect_audit(mark, "create_custom_field", "custom_field", pets);
    mark = audit_mark();
    note = call("POST", path,
                "{\"target\":\"resource\",\"key\":\"note\",\"label\":\"备注\",\"type\":\"text\"}",
                201, NULL);
    expect_audit(mark, "create_custom_field", "custom_field", note);
    mark = audit_mark();
    plate = call("POST", path,
                 "{\"target\":\"person\",\"key\":\"car_plate\",\"label\":\"车牌号\","
                 "\"type\":\"text\"}",
                 201, NULL);
    expect_audit(mark, "create_custom_field", "custom_field", plate);
    p[0] = P_INT(pets);
    it_sql_str("SELECT CONCAT_WS('|', project_id, target, field_key, label, type, choices) "
               "FROM custom_fields WHERE id = ?",
               p, 1, s, sizeof(s));
    snprintf(body, sizeof(body), "%lld|resource|pets|饲养宠物|choice|无,猫,狗",
             (long long)g.project);
    assert_string_equal(s, body);
    /* definitions that are refused */
    refused("POST", path,
            "{\"target\":\"resource\",\"key\":\"rooms\",\"label\":\"重复\",\"type\":\"text\"}", 409,
            "FIELD_TAKEN");
    refused("POST", path,
            "{\"target\":\"resource\",\"key\":\"color\",\"label\":\"颜色\",\"type\":\"choice\"}",
            400, "BAD_REQUEST");
    refused("POST", path,
            "{\"target\":\"resource\",\"key\":\"flag\",\"label\":\"标记\",\"type\":\"bool\"}", 400,
            "BAD_REQUEST");
    refused("POST", path,
            "{\"target\":\"resource\",\"key\":\"Bad-Key\",\"label\":\"坏\",\"type\":\"text\"}", 400,
            "BAD_REQUEST");
    refused("POST", path,
            "{\"target\":\"building\",\"key\":\"x\",\"label\":\"坏\",\"type\":\"text\"}", 400,
            "BAD_REQUEST");

    /* values of every type */
    snprintf(body, sizeof(body),
             "{\"target\":\"resource\",\"target_id\":%lld,\"values\":{\"rooms\":\"3\","
             "\"handover\":\"2024-02-29\",\"pets\":\"猫\",\"note\":\"朝南\"}}",
             (long long)g.resource);
    mark = audit_mark();
    call("PUT", "/api/v1/office/custom-values", body, 200, NULL);
    expect_audit(mark, "set_custom_values", "resource", g.resource);
    p[0] = P_INT(g.resource);
    p[1] = P_INT(g.project);
    it_sql_str("SELECT GROUP_CONCAT(CONCAT(cf.field_key, '=', cv.value) ORDER BY cf.field_key) "
               "FROM custom_values cv JOIN custom_fields cf ON cf.id = cv.field_id "
               "WHERE cv.target_id = ? AND cf.project_id = ? AND cf.target = 'resource'",
               p, 2, s, sizeof(s));
    assert_string_equal(s, "handover=2024-02-29,note=朝南,pets=猫,rooms=3");
    snprintf(body, sizeof(body),
             "{\"target\":\"resource\",\"target_id\":%lld,\"values\":{\"rooms\":\"-2\"}}",
             (long long)g.shop);
    call("PUT", "/api/v1/office/custom-values", body, 200, NULL);

    /* every refusal: 400, nothing written */
    for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
        snprintf(body, sizeof(body), "{\"target\":\"resource\",\"target_id\":%lld,\"values\":%s}",
                 (long long)g.resource, bad_values[i]);
        refused("PUT", "/api/v1/office/custom-values", body, 400, "BAD_REQUEST");
    }

    /* staff and the owner see the values */
    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld", (long long)g.resource);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    cf = it_field(r.json, "custom_fields");
    assert_int_equal(cJSON_GetArraySize(cf), 4); /* the person's field is not the home's */
    x = it_find_str(cf, "key", "rooms");
    assert_non_null(x);
    assert_string_equal(it_str(x, "type"), "number");
    assert_string_equal(it_str(x, "label"), "房间数");
    assert_string_equal(it_str(x, "value"), "3");
    x = it_find_str(cf, "key", "pets");
    assert_non_null(x);
    assert_string_equal(it_str(x, "value"), "猫");
    x = it_find_str(cf, "key", "note");
    assert_non_null(x);
    assert_string_equal(it_str(x, "value"), "朝南");
    it_resp_free(&r);

    /* null clears one value */
    snprintf(body, sizeof(body),
             "{\"target\":\"resource\",\"target_id\":%lld,\"values\":{\"note\":null}}",
             (long long)g.resource);
    mark = audit_mark();
    call("PUT", "/api/v1/office/custom-values", body, 200, NULL);
    expect_audit(mark, "set_custom_values", "resource", g.resource);
    p[0] = P_INT(note);
    p[1] = P_INT(g.resource);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM custom_values WHERE field_id = ? AND "
                                "target_id = ?",
                                p, 2),
                     0);

    /* a person's field */
    if (g.owner) {
        snprintf(
            body, sizeof(body),
            "{\"target\":\"person\",\"target_id\":%lld,\"values\":{\"car_plate\":\"浙A12345\"}}",
            (long long)g.owner);
        mark = audit_mark();
        call("PUT", "/api/v1/office/custom-values", body, 200, NULL);
        expect_audit(mark, "set_custom_values", "person", g.owner);
        p[0] = P_INT(plate);
        p[1] = P_INT(g.owner);
        it_sql_str("SELECT value FROM custom_values WHERE field_id = ? AND target_id = ?", p, 2, s,
                   sizeof(s));
        assert_string_equal(s, "浙A12345");
        /* a resource's key on a person */
        snprintf(body, sizeof(body),
                 "{\"target\":\"person\",\"target_id\":%lld,\"values\":{\"rooms\":\"3\"}}",
                 (long long)g.owner);
        refused("PUT", "/api/v1/office/custom-values", body, 400, "BAD_REQUEST");
    }
}

/* RES-4: custom fields on owners are shown to staff and to the owner once
 * authenticated. The answer's shape is the project's to choose; the value
 * has to be in it. */
static void person_custom_fields_are_shown(void **state)
{
    char path[256];
    struct http_resp r;
    bool staff_sees, owner_sees = true;

    (void)state;
    need_estate();
    if (!g.owner ||
        it_sql_int("SELECT COUNT(*) FROM custom_values WHERE value = '浙A12345'", NULL, 0) != 1)
        skip();
    snprintf(path, sizeof(path), "/api/v1/staff/resources/%lld", (long long)g.resource);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    staff_sees = strstr(r.body.data, "浙A12345") && strstr(r.body.data, "车牌号");
    if (!staff_sees)
        print_error("GET %s (staff) does not show the owner's 车牌号 浙A12345: %.600s\n", path,
                    r.body.data);
    it_resp_free(&r);
    if (g.owner_token) {
        snprintf(path, sizeof(path), "/api/v1/owner/resources/%lld", (long long)g.resource);
        it_http("GET", path, NULL, 0, g.owner_token, &r);
        it_expect(&r, 200, NULL);
        owner_sees = strstr(r.body.data, "浙A12345") != NULL;
        if (!owner_sees)
            print_error("GET %s (the owner) does not show their 车牌号 浙A12345: %.600s\n", path,
                        r.body.data);
        it_resp_free(&r);
    }
    assert_true(staff_sees && owner_sees);
}

/* ---- the office's scope ----------------------------------------------------------------- */

/* Office endpoints are the admin's: a butler gets 403 and changes nothing. */
static void office_butler_forbidden(void **state)
{
    char paths[16][3][256];
    size_t n = 0;
    long long P = g.project ? g.project : 1, R = g.resource ? g.resource : 1,
              B = g.building ? g.building : 1, L = g.owner_link ? g.owner_link : 1,
              PE = g.owner ? g.owner : 1;
    char before[SNAP];

    (void)state;
#define ADD(m, fmt, id, b)                                                                         \
    do {                                                                                           \
        snprintf(paths[n][0], 256, "%s", (m));                                                     \
        snprintf(paths[n][1], 256, (fmt), (id));                                                   \
        snprintf(paths[n][2], 256, "%s", (b));                                                     \
        n++;                                                                                       \
    } while (0)
    ADD("GET", "/api/v1/office/projects%s", "", "");
    ADD("POST", "/api/v1/office/projects%s", "",
        "{\"code\":\"ZZOFF-BUTLER\",\"name\":\"管家建的小区\"}");
    ADD("PATCH", "/api/v1/office/projects/%lld", P, "{\"address\":\"管家改的\"}");
    ADD("POST", "/api/v1/office/projects/%lld/buildings", P, "{\"name\":\"管家楼\"}");
    ADD("POST", "/api/v1/office/buildings/%lld/units", B, "{\"name\":\"管家单元\"}");
    ADD("PATCH", "/api/v1/office/resources/%lld", R, "{\"layout\":\"管家改的\"}");
    ADD("POST", "/api/v1/office/persons%s", "",
        "{\"name\":\"管家加的\",\"phone\":\"13700060077\"}");
    ADD("PATCH", "/api/v1/office/persons/%lld", PE, "{\"name\":\"管家改的\"}");
    ADD("POST", "/api/v1/office/occupants/%lld/move-out", L, "{\"moved_out_on\":\"2024-12-31\"}");
    ADD("POST", "/api/v1/office/projects/%lld/custom-fields", P,
        "{\"target\":\"resource\",\"key\":\"butler\",\"label\":\"管家\",\"type\":\"text\"}");
    ADD("POST", "/api/v1/office/projects/%lld/import", P, "楼栋,房号,类型\n管家楼,1,住宅\n");
    ADD("GET", "/api/v1/office/projects/%lld/export", P, "");
    ADD("POST", "/api/v1/office/projects/%d/import", 1, "楼栋,房号,类型\n1栋,999,住宅\n");
    ADD("GET", "/api/v1/office/projects/%d/export", 1, "");
#undef ADD
    snapshot(before, sizeof(before));
    for (size_t i = 0; i < n; i++) {
        struct http_resp r;
        const char *b = paths[i][2][0] ? paths[i][2] : NULL;
        it_http(paths[i][0], paths[i][1], b, b ? (size_t)-1 : 0, g.butler, &r);
        if (r.status != 403)
            print_error("butler %s %s\n", paths[i][0], paths[i][1]);
        it_expect(&r, 403, "FORBIDDEN");
        it_resp_free(&r);
    }
    {
        char body[256];
        struct http_resp r;
        snprintf(body, sizeof(body), "{\"project_id\":%lld,\"number\":\"999\",\"kind\":\"home\"}",
                 P);
        it_http("POST", "/api/v1/office/resources", body, (size_t)-1, g.butler, &r);
        it_expect(&r, 403, "FORBIDDEN");
        it_resp_free(&r);
        snprintf(body, sizeof(body),
                 "{\"target\":\"resource\",\"target_id\":%lld,\"values\":{\"note\":\"x\"}}", R);
        it_http("PUT", "/api/v1/office/custom-values", body, (size_t)-1, g.butler, &r);
        it_expect(&r, 403, "FORBIDDEN");
        it_resp_free(&r);
        snprintf(body, sizeof(body), "{\"person_id\":%lld,\"relation\":\"tenant\"}", PE);
        {
            char path[128];
            snprintf(path, sizeof(path), "/api/v1/office/resources/%lld/occupants", R);
            it_http("POST", path, body, (size_t)-1, g.butler, &r);
            it_expect(&r, 403, "FORBIDDEN");
            it_resp_free(&r);
        }
    }
    expect_unchanged(before, "office requests by a butler");
}

/* An admin acting on a project it does not serve (another company's): 404,
 * exactly as for an id that does not exist, and nothing changes. */
static void office_other_project_is_404(void **state)
{
    char body[512], path[256], before[SNAP];
    struct http_resp r;
    struct db_param p[1];
    int64_t q, qb, qu, qr, qpe, ql;
    long long R = g.resource, PE = g.family;
    struct {
        const char *method;
        char path[160];
        char body[512];
    } reqs[24];
    size_t n = 0;

    (void)state;
    need_estate();
    /* made by the admin, who then serves it… */
    q = call("POST", "/api/v1/office/projects",
             "{\"code\":\"" OTHER_CODE "\",\"name\":\"" OTHER_NAME "\"}", 201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/buildings", (long long)q);
    qb = call("POST", path, "{\"name\":\"1栋\"}", 201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/buildings/%lld/units", (long long)qb);
    qu = call("POST", path, "{\"name\":\"1单元\"}", 201, NULL);
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"unit_id\":%lld,\"number\":\"101\","
             "\"kind\":\"home\"}",
             (long long)q, (long long)qb, (long long)qu);
    qr = call("POST", "/api/v1/office/resources", body, 201, NULL);
    qpe = call("POST", "/api/v1/office/persons",
               "{\"name\":\"外部业主\",\"phone\":\"13700060009\"}", 201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/resources/%lld/occupants", (long long)qr);
    snprintf(body, sizeof(body), "{\"person_id\":%lld,\"relation\":\"owner\"}", (long long)qpe);
    ql = call("POST", path, body, 201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/custom-fields", (long long)q);
    call("POST", path,
         "{\"target\":\"resource\",\"key\":\"note\",\"label\":\"备注\",\"type\":\"text\"}", 201,
         NULL);
    /* …until it belongs to another company */
    p[0] = P_INT(q);
    it_sql_exec("DELETE FROM staff_projects WHERE project_id = ?", p, 1);

#define REQ(m, b, ...)                                                                             \
    do {                                                                                           \
        reqs[n].method = (m);                                                                      \
        snprintf(reqs[n].path, sizeof(reqs[n].path), __VA_ARGS__);                                 \
        snprintf(reqs[n].body, sizeof(reqs[n].body), "%s", (b));                                   \
        n++;                                                                                       \
    } while (0)
    REQ("PATCH", "{\"address\":\"改了\"}", "/api/v1/office/projects/%lld", (long long)q);
    REQ("POST", "{\"name\":\"2栋\"}", "/api/v1/office/projects/%lld/buildings", (long long)q);
    REQ("POST", "{\"name\":\"2单元\"}", "/api/v1/office/buildings/%lld/units", (long long)qb);
    snprintf(body, sizeof(body), "{\"project_id\":%lld,\"number\":\"102\",\"kind\":\"home\"}",
             (long long)q);
    REQ("POST", body, "/api/v1/office/resources");
    REQ("PATCH", "{\"layout\":\"改了\"}", "/api/v1/office/resources/%lld", (long long)qr);
    snprintf(body, sizeof(body), "{\"person_id\":%lld,\"relation\":\"tenant\"}", PE);
    REQ("POST", body, "/api/v1/office/resources/%lld/occupants", (long long)qr);
    snprintf(body, sizeof(body), "{\"person_id\":%lld,\"relation\":\"tenant\"}", (long long)qpe);
    REQ("POST", body, "/api/v1/office/resources/%lld/occupants", R);
    REQ("POST", "{\"moved_out_on\":\"2025-01-01\"}", "/api/v1/office/occupants/%lld/move-out",
        (long long)ql);
    REQ("PATCH", "{\"name\":\"改了\"}", "/api/v1/office/persons/%lld", (long long)qpe);
    REQ("PATCH", "{\"phone\":\"13700060008\"}", "/api/v1/office/persons/%lld", (long long)qpe);
    REQ("POST", "{\"target\":\"resource\",\"key\":\"x1\",\"label\":\"x\",\"type\":\"text\"}",
        "/api/v1/office/projects/%lld/custom-fields", (long long)q);
    snprintf(body, sizeof(body),
             "{\"target\":\"resource\",\"target_id\":%lld,\"values\":{\"note\":\"改了\"}}",
             (long long)qr);
    REQ("PUT", body, "/api/v1/office/custom-values");
    snprintf(body, sizeof(body),
             "{\"target\":\"person\",\"target_id\":%lld,\"values\":{\"note\":\"改了\"}}",
             (long long)qpe);
    REQ("PUT", body, "/api/v1/office/custom-values");
    REQ("POST", "楼栋,单元,房号,类型\r\n1栋,1单元,909,住宅\r\n",
        "/api/v1/office/projects/%lld/import", (long long)q);
    REQ("GET", "", "/api/v1/office/projects/%lld/export", (long long)q);
    REQ("GET", "", "/api/v1/staff/resources?project_id=%lld", (long long)q);
    REQ("GET", "", "/api/v1/staff/resources/%lld", (long long)qr);
    /* ids that do not exist answer the same */
    REQ("PATCH", "{\"address\":\"改了\"}", "/api/v1/office/projects/%d", 999999);
    REQ("POST", "楼栋,单元,房号,类型\r\n1栋,1单元,909,住宅\r\n",
        "/api/v1/office/projects/%d/import", 999999);
    REQ("GET", "", "/api/v1/office/projects/%d/export", 999999);
    REQ("POST", "{\"moved_out_on\":\"2025-01-01\"}", "/api/v1/office/occupants/%d/move-out",
        999999);
#undef REQ
    snapshot(before, sizeof(before));
    for (size_t i = 0; i < n; i++) {
        const char *b = reqs[i].body[0] ? reqs[i].body : NULL;
        it_http_typed(reqs[i].method, reqs[i].path, b, b ? (size_t)-1 : 0,
                      strstr(reqs[i].path, "/import") ? "text/csv" : "application/json", g.admin,
                      &r, NULL, 0);
        if (r.status != 404)
            print_error("%s %s %s\n", reqs[i].method, reqs[i].path, b ? b : "");
        it_expect(&r, 404, "NOT_FOUND");
        it_resp_free(&r);
    }
    expect_unchanged(before, "requests on a project the admin does not serve");
    /* and the list does not show it */
    it_http("GET", "/api/v1/office/projects", NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_null(it_find_int(it_field(r.json, "items"), "id", q));
    assert_non_null(it_find_int(it_field(r.json, "items"), "id", g.project));
    it_resp_free(&r);
}

/* RES-3 / AUTH: a new reserved phone must be proved again: the owner's
 * sessions end and the WeChat binding is forgotten. */
static void office_phone_change_revokes_sessions(void **state)
{
    char body[256], path[256], s[128], detail[128];
    struct http_resp r;
    struct db_param p[1];
    int64_t person, mark;
    char *wx, *sms, *fresh;

    (void)state;
    need_estate();
    person = call("POST", "/api/v1/office/persons",
                  "{\"name\":\"换号业主\",\"phone\":\"13700060005\"}", 201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/resources/%lld/occupants", (long long)g.parking);
    snprintf(body, sizeof(body), "{\"person_id\":%lld,\"relation\":\"owner\"}", (long long)person);
    call("POST", path, body, 201, NULL);
    wx = it_owner_login_wechat("13700060005");
    sms = it_owner_login_sms("13700060005");
    assert_non_null(wx);
    assert_non_null(sms);
    p[0] = P_INT(person);
    assert_int_equal(it_sql_int("SELECT openid IS NOT NULL FROM persons WHERE id = ?", p, 1), 1);
    snprintf(detail, sizeof(detail), "/api/v1/owner/resources/%lld", (long long)g.parking);

    /* a new name is no new identity: the sessions live on */
    snprintf(path, sizeof(path), "/api/v1/office/persons/%lld", (long long)person);
    mark = audit_mark();
    call("PATCH", path, "{\"name\":\"换号业主甲\",\"occupation\":\"律师\"}", 200, NULL);
    expect_audit(mark, "update_person", "person", person);
    it_sql_str("SELECT CONCAT_WS('|', name, phone, occupation) FROM persons WHERE id = ?", p, 1, s,
               sizeof(s));
    assert_string_equal(s, "换号业主甲|13700060005|律师");
    it_http("GET", "/api/v1/owner/resources", NULL, 0, wx, &r);
    it_expect(&r, 200, NULL);
    it_resp_free(&r);
    /* someone else's phone: 409, nothing changes */
    refused("PATCH", path, "{\"phone\":\"13800000001\"}", 409, "PHONE_TAKEN");
    refused("PATCH", path, "{\"phone\":\"23700060006\"}", 400, "BAD_REQUEST");
    it_http("GET", "/api/v1/owner/resources", NULL, 0, sms, &r);
    it_expect(&r, 200, NULL);
    it_resp_free(&r);

    /* the new phone */
    mark = audit_mark();
    call("PATCH", path, "{\"phone\":\"13700060006\"}", 200, NULL);
    expect_audit(mark, "update_person", "person", person);
    it_sql_str("SELECT CONCAT_WS('|', phone, IFNULL(openid, 'null')) FROM persons WHERE id = ?", p,
               1, s, sizeof(s));
    assert_string_equal(s, "13700060006|null");
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM sessions WHERE subject_kind = 'owner' AND "
                                "subject_id = ? AND revoked_at IS NULL",
                                p, 1),
                     0);
    it_http("GET", "/api/v1/owner/resources", NULL, 0, wx, &r);
    it_expect(&r, 401, "UNAUTHENTICATED");
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/resources", NULL, 0, sms, &r);
    it_expect(&r, 401, "UNAUTHENTICATED");
    it_resp_free(&r);
    it_http("GET", detail, NULL, 0, sms, &r);
    it_expect(&r, 401, "UNAUTHENTICATED");
    it_resp_free(&r);
    /* the old phone no longer opens anything; the new one does */
    assert_null(it_owner_login_wechat("13700060005"));
    fresh = it_owner_login_sms("13700060006");
    assert_non_null(fresh);
    it_http("GET", detail, NULL, 0, fresh, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(r.json, "relation"), "owner");
    it_resp_free(&r);
    /* the admin's own session is not touched */
    it_http("GET", "/api/v1/office/projects", NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    it_resp_free(&r);
    free(wx);
    free(sms);
    free(fresh);
}

/* ---- RES-5: CSV import and export ------------------------------------------------------- */

/* Physical line 8 is a blank spreadsheet row: skipped, but counted as a line. */
static const char good_and_bad_csv[] =
    "楼栋,单元,房号,编码,类型,楼层,建筑面积,套内面积,户型,装修,姓名,手机,关系,入住日期,证件号\r\n"
    "5栋,1单元,501,,住宅,5,89.50,72.30,两室一厅,精装,导入甲,13700060021,业主,2023-05-01,"
    "330101199001011234\r\n"                                                        /* 2 ok */
    "5栋,1单元,501,,住宅,5,89.50,72.30,两室一厅,精装,导入乙,13700060022,家属,,\r\n" /* 3 ok */
    "5栋,1单元,502,,住宅,5,89.5x,,,,,,,,\r\n"                                       /* 4 area */
    "5栋,1单元,503,,别墅,5,,,,,,,,,\r\n"                                            /* 5 kind */
    "5栋,1单元,504,,住宅,5,,,,,导入丙,1370006002,业主,,\r\n"                        /* 6 phone */
    "5栋,1单元,505,,住宅,5,,,,,导入丁,13700060024,租户,2023-02-30,\r\n"             /* 7 date */
    ",,,,,,,,,,,,,,\r\n"                                                            /* 8 blank */
    "商业街2,,S09,,商铺,1,45.00,40.00,,,,,,,\r\n"                                   /* 9 ok */
    ",,C-009,,车位,-1,12.50,,,,导入戊,13700060025,租户,2024-01-15,\r\n"             /* 10 ok */
    "5栋,1单元,506,,住宅,5,,,,,假张伟,13800000001,业主,,\r\n" /* 11 someone's phone */
    "5栋,1单元,501,,住宅,5,95.00,,,,,,,,\r\n"                 /* 12 disagrees with 2 */
    "5栋,1单元,,,住宅,,,,,,,,,,\r\n"                          /* 13 number */
    "5栋,1单元,507,,住宅,5,,,,,导入己,,业主,,\r\n"            /* 14 person incomplete */
    "\"5栋\",\"1单元\",\"508\",,\"住宅\",5,\"66.6\",,\"一室,一厅\",,,,,,\r\n"; /* 15 ok */

static const struct {
    int line;
    const char *column, *message;
} want_errors[] = {
    {4, "建筑面积", "建筑面积格式不正确"}, {5, "类型", "类型不正确"},
    {6, "手机", "手机号应为 11 位数字"},   {7, "入住日期", "入住日期应为真实存在的日期"},
    {11, "手机", "手机号已登记为另一人"},  {12, "", "与第 2 行是同一房屋"},
    {13, "房号", "房号不能为空"},          {14, "手机", "姓名、手机、关系须同时填写"},
};

static void import_post(int64_t project, const char *csv, size_t len, struct http_resp *r)
{
    char path[128];

    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/import", (long long)project);
    it_http_typed("POST", path, csv, len, "text/csv; charset=utf-8", g.admin, r, NULL, 0);
}

static void expect_report(const struct http_resp *r, int total, int ok, int failed, int res,
                          int upd, int persons, int links, int buildings, int units)
{
    assert_int_equal(it_int(r->json, "rows_total"), total);
    assert_int_equal(it_int(r->json, "rows_ok"), ok);
    assert_int_equal(it_int(r->json, "rows_failed"), failed);
    assert_int_equal(it_int(r->json, "created_resources"), res);
    assert_int_equal(it_int(r->json, "updated_resources"), upd);
    assert_int_equal(it_int(r->json, "created_persons"), persons);
    assert_int_equal(it_int(r->json, "created_links"), links);
    assert_int_equal(it_int(r->json, "created_buildings"), buildings);
    assert_int_equal(it_int(r->json, "created_units"), units);
}

static void expect_row_errors(const struct http_resp *r)
{
    cJSON *errors = it_field(r->json, "errors");

    assert_int_equal(cJSON_GetArraySize(errors), sizeof(want_errors) / sizeof(want_errors[0]));
    for (size_t i = 0; i < sizeof(want_errors) / sizeof(want_errors[0]); i++) {
        cJSON *x = cJSON_GetArrayItem(errors, (int)i);
        assert_int_equal(it_int(x, "line"), want_errors[i].line);
        assert_string_equal(it_str(x, "column"), want_errors[i].column);
        if (!strstr(it_str(x, "message"), want_errors[i].message))
            fail_msg("line %d: \"%s\", expected it to say \"%s\"", want_errors[i].line,
                     it_str(x, "message"), want_errors[i].message);
    }
}

static int64_t count_code(const char *code)
{
    struct db_param p[2] = {P_INT(g.project), P_STR(code)};

    return it_sql_int("SELECT COUNT(*) FROM resources WHERE project_id = ? AND code = ?", p, 2);
}

static void resource_row(const char *code, char *out, size_t size)
{
    struct db_param p[2] = {P_INT(g.project), P_STR(code)};

    it_sql_str("SELECT CONCAT_WS('|', kind, IFNULL(floor, 'null'), area_m2x100, inner_area_m2x100, "
               "layout, decoration, IFNULL(unit_id, 'null'), IFNULL(building_id, 'null')) "
               "FROM resources WHERE project_id = ? AND code = ?",
               p, 2, out, size);
}

static void import_good_rows_in_bad_rows_out(void **state)
{
    char before[SNAP], s[256];
    struct http_resp r;
    struct db_param p[2];
    int64_t mark, zhang_links;

    (void)state;
    need_estate();
    zhang_links = it_sql_int("SELECT COUNT(*) FROM person_resources WHERE person_id = 1", NULL, 0);
    mark = audit_mark();
    import_post(g.project, good_and_bad_csv, sizeof(good_and_bad_csv) - 1, &r);
    it_expect(&r, 200, NULL);
    expect_report(&r, 13, 5, 8, 4, 0, 3, 3, 2, 1);
    expect_row_errors(&r);
    {
        cJSON *x;
        cJSON_ArrayForEach(x, it_field(r.json, "errors"))
            assert_true(has_non_ascii(it_str(x, "message")));
    }
    it_resp_free(&r);

    /* the good rows are in */
    resource_row("5栋-1单元-501", s, sizeof(s));
    assert_memory_equal(s, "home|5|8950|7230|两室一厅|精装|",
                        strlen("home|5|8950|7230|两室一厅|精装|"));
    resource_row("5栋-1单元-508", s, sizeof(s));
    assert_memory_equal(s, "home|5|6660|0|一室,一厅||", strlen("home|5|6660|0|一室,一厅||"));
    resource_row("商业街2-S09", s, sizeof(s));
    assert_memory_equal(s, "shop|1|4500|4000|||null|", strlen("shop|1|4500|4000|||null|"));
    resource_row("C-009", s, sizeof(s));
    assert_string_equal(s, "parking|-1|1250|0|||null|null");
    p[0] = P_INT(g.project);
    it_sql_str(
        "SELECT GROUP_CONCAT(CONCAT(pe.name, ':', pe.phone, ':', pr.relation, ':', "
        "IFNULL(pr.moved_in_on, '-'), ':', pe.id_number_masked) ORDER BY pe.phone) "
        "FROM person_resources pr JOIN persons pe ON pe.id = pr.person_id "
        "JOIN resources r ON r.id = pr.resource_id "
        "WHERE r.project_id = ? AND pe.phone IN ('13700060021', '13700060022', '13700060025')",
        p, 1, s, sizeof(s));
    assert_string_equal(s, "导入甲:13700060021:owner:2023-05-01:3301**********1234,"
                           "导入乙:13700060022:family:-:,导入戊:13700060025:tenant:2024-01-15:");
    /* the bad ones are not, not even in part */
    assert_int_equal(count_code("5栋-1单元-502"), 0);
    assert_int_equal(count_code("5栋-1单元-503"), 0);
    assert_int_equal(count_code("5栋-1单元-504"), 0);
    assert_int_equal(count_code("5栋-1单元-505"), 0);
    assert_int_equal(count_code("5栋-1单元-506"), 0);
    assert_int_equal(count_code("5栋-1单元-507"), 0);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM persons WHERE phone IN ('13700060024') OR "
                                "name IN ('导入丙', '导入丁', '导入己', '假张伟')",
                                NULL, 0),
                     0);
    /* line 12 did not change 501, line 11 did not touch 张伟 */
    resource_row("5栋-1单元-501", s, sizeof(s));
    assert_memory_equal(s, "home|5|8950|", strlen("home|5|8950|"));
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM persons WHERE id = 1 AND name = '张伟' AND "
                                "phone = '13800000001'",
                                NULL, 0),
                     1);
    assert_int_equal(
        it_sql_int("SELECT COUNT(*) FROM person_resources WHERE person_id = 1", NULL, 0),
        zhang_links);
    /* one audit row per thing made, by the admin; phones masked in them */
    p[0] = P_INT(mark);
    p[1] = P_INT(g.admin_id);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ?", p, 1), 13);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND actor_kind = "
                                "'staff' AND actor_id = ?",
                                p, 2),
                     13);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND action = "
                                "'import_create_resource'",
                                p, 1),
                     4);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND action = "
                                "'create_person' AND detail LIKE '%csv_import%'",
                                p, 1),
                     3);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND action = "
                                "'move_in' AND detail LIKE '%csv_import%'",
                                p, 1),
                     3);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND detail LIKE "
                                "'%1370006002%'",
                                p, 1),
                     0);

    /* the same file again changes nothing at all */
    snapshot(before, sizeof(before));
    import_post(g.project, good_and_bad_csv, sizeof(good_and_bad_csv) - 1, &r);
    it_expect(&r, 200, NULL);
    expect_report(&r, 13, 5, 8, 0, 0, 0, 0, 0, 0);
    expect_row_errors(&r);
    it_resp_free(&r);
    expect_unchanged(before, "importing the same file a second time");
}

/* An existing resource is found by its code or, when the sheet has no code,
 * by its place; it is updated only where the sheet says something else,
 * and an empty cell keeps what is stored. */
static void import_updates_only_what_differs(void **state)
{
    static const char change[] = "楼栋,单元,房号,类型,建筑面积,户型\r\n"
                                 "1栋,1单元,102,住宅,88.00,一室一厅\r\n";
    static const char empty_cells[] = "楼栋,单元,房号,编码,类型,楼层,建筑面积,户型,装修\r\n"
                                      "1栋,1单元,101,,住宅,,,,\r\n";
    char before[SNAP], s[256];
    struct http_resp r;
    struct db_param p[4];
    int64_t mark;

    (void)state;
    need_estate();
    if (!g.handmade)
        skip();
    /* 1栋 1单元 102 has the hand-made code ZZ-1-102: the sheet without codes
     * must update it, not add a second 102 */
    mark = audit_mark();
    import_post(g.project, change, sizeof(change) - 1, &r);
    it_expect(&r, 200, NULL);
    expect_report(&r, 1, 1, 0, 0, 1, 0, 0, 0, 0);
    it_resp_free(&r);
    p[0] = P_INT(g.handmade);
    it_sql_str(
        "SELECT CONCAT_WS('|', code, number, area_m2x100, layout) FROM resources WHERE id = ?", p,
        1, s, sizeof(s));
    assert_string_equal(s, "ZZ-1-102|102|8800|一室一厅");
    p[0] = P_INT(g.project);
    p[1] = P_INT(g.building);
    p[2] = P_INT(g.unit);
    p[3] = P_STR("102");
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM resources WHERE project_id = ? AND "
                                "building_id = ? AND unit_id = ? AND number = ?",
                                p, 4),
                     1);
    p[0] = P_INT(mark);
    p[1] = P_INT(g.handmade);
    p[2] = P_INT(g.admin_id);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ?", p, 1), 1);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND action = "
                                "'import_update_resource' AND entity = 'resource' AND "
                                "entity_id = ? AND actor_kind = 'staff' AND actor_id = ?",
                                p, 3),
                     1);
    /* the same sheet again: nothing */
    snapshot(before, sizeof(before));
    import_post(g.project, change, sizeof(change) - 1, &r);
    it_expect(&r, 200, NULL);
    expect_report(&r, 1, 1, 0, 0, 0, 0, 0, 0, 0);
    it_resp_free(&r);
    expect_unchanged(before, "importing the same change again");
    /* empty cells never clear: 1栋 101 keeps its floor, area, layout, decoration */
    import_post(g.project, empty_cells, sizeof(empty_cells) - 1, &r);
    it_expect(&r, 200, NULL);
    expect_report(&r, 1, 1, 0, 0, 0, 0, 0, 0, 0);
    it_resp_free(&r);
    expect_unchanged(before, "a sheet of empty cells");
}

/* A file that cannot be read as a sheet: 400 and nothing written. */
static void import_fatal_defects_write_nothing(void **state)
{
    static const struct {
        const char *csv;
        const char *says;
    } bad[] = {
        {"楼栋,房号,类型,颜色\r\n9栋,901,住宅,红\r\n", "颜色"},
        {"楼栋,房号\r\n9栋,901\r\n", "类型"},
        {"\xC2\xA5\xB6\xB0,\xB7\xBF\xBA\xC5,\xC0\xE0\xD0\xCD\r\n9,901,1\r\n", "UTF-8"},
        {"楼栋,房号,类型\r\n\"9栋,901,住宅\r\n", NULL},
        {"", NULL},
        {"楼栋,房号,类型,房号\r\n9栋,901,住宅,902\r\n", "房号"},
    };
    char before[SNAP];
    struct http_resp r;

    (void)state;
    need_estate();
    snapshot(before, sizeof(before));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *msg;
        import_post(g.project, bad[i].csv, strlen(bad[i].csv), &r);
        if (r.status != 400)
            print_error("case %zu\n", i);
        it_expect(&r, 400, "BAD_REQUEST");
        msg = it_str(it_field(r.json, "error"), "message");
        assert_true(has_non_ascii(msg));
        if (bad[i].says && !strstr(msg, bad[i].says))
            fail_msg("case %zu: \"%s\" does not mention \"%s\"", i, msg, bad[i].says);
        it_resp_free(&r);
    }
    expect_unchanged(before, "files with a fatal defect");
    /* the import takes bodies above the 1 MiB of JSON endpoints, up to 8 MiB */
    {
        static const char head[] = "楼栋,房号,类型\r\n";
        size_t big = 2u << 20, huge = 9u << 20;
        char *data = malloc(huge);
        assert_non_null(data);
        memcpy(data, head, sizeof(head) - 1);
        memset(data + sizeof(head) - 1, '\n', huge - (sizeof(head) - 1));
        import_post(g.project, data, big, &r);
        it_expect(&r, 200, NULL);
        expect_report(&r, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        it_resp_free(&r);
        import_post(g.project, data, huge, &r);
        it_expect(&r, 413, "PAYLOAD_TOO_LARGE");
        it_resp_free(&r);
        free(data);
        expect_unchanged(before, "a blank 2 MiB file and a 9 MiB file");
    }
    /* English headers are read too */
    {
        static const char en[] = "building,number,kind,area_m2\r\n9栋,901,home,50\r\n"
                                 "10栋,1001,Home,60.5\r\n";
        import_post(g.project, en, sizeof(en) - 1, &r);
        it_expect(&r, 200, NULL);
        expect_report(&r, 2, 2, 0, 2, 0, 0, 0, 2, 0);
        it_resp_free(&r);
        assert_int_equal(count_code("9栋-901"), 1);
        assert_int_equal(count_code("10栋-1001"), 1);
    }
}

/* The export is a sheet the import reads back without changing anything. */
static void export_reimports_without_change(void **state)
{
    char before[SNAP], ctype[128], path[128];
    struct http_resp r, imp;
    const char *body, *header = "楼栋,单元,房号,编码,类型,楼层,建筑面积,套内面积,户型,装修,姓名,"
                                "手机,关系,入住日期,证件号\r\n";
    int lines = 0;

    (void)state;
    need_estate();
    /* values a spreadsheet would run as formulas */
    snprintf(path, sizeof(path), "/api/v1/office/resources/%lld", (long long)g.shop);
    call("PATCH", path, "{\"layout\":\"=1+2\",\"decoration\":\"@SUM(A1)\"}", 200, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/export", (long long)g.project);
    it_http_typed("GET", path, NULL, 0, NULL, g.admin, &r, ctype, sizeof(ctype));
    it_expect(&r, 200, NULL);
    if (strncmp(ctype, "text/csv", 8) != 0)
        fail_msg("Content-Type \"%s\", expected text/csv", ctype);
    assert_true(r.body.len > 3);
    body = r.body.data;
    assert_memory_equal(body, "\xEF\xBB\xBF", 3); /* Excel reads it as UTF-8 */
    assert_memory_equal(body + 3, header, strlen(header));
    for (size_t i = 0; i < r.body.len; i++)
        lines += body[i] == '\n';
    /* what the import made, phones in full, ID numbers masked, quoted where needed */
    assert_non_null(strstr(body, "\r\n5栋,1单元,501,5栋-1单元-501,住宅,5,89.50,72.30,两室一厅,精装,"
                                 "导入甲,13700060021,业主,2023-05-01,3301**********1234\r\n"));
    assert_non_null(strstr(body, "\r\n5栋,1单元,501,5栋-1单元-501,住宅,5,89.50,72.30,两室一厅,精装,"
                                 "导入乙,13700060022,家属,,\r\n"));
    assert_non_null(strstr(body, "\"一室,一厅\""));
    assert_non_null(strstr(body, "\r\n,,C-009,C-009,车位,-1,12.50,0.00,,,导入戊,13700060025,租户,"
                                 "2024-01-15,\r\n"));
    assert_null(strstr(body, "330101199001011234"));
    /* defused, so that a spreadsheet shows them as text */
    assert_non_null(strstr(body, ",'=1+2,'@SUM(A1),"));
    /* natural order: 9栋 before 10栋; resources without a building last */
    {
        const char *b9 = strstr(body, "\r\n9栋,"), *b10 = strstr(body, "\r\n10栋,"),
                   *last = body + r.body.len - 2;
        assert_non_null(b9);
        assert_non_null(b10);
        assert_true(b9 < b10);
        while (last > body && !(last[-1] == '\n'))
            last--;
        assert_memory_equal(last, ",,", 2);
    }
    /* only this project */
    assert_null(strstr(body, "张伟"));
    assert_null(strstr(body, OTHER_NAME));

    snapshot(before, sizeof(before));
    import_post(g.project, body, r.body.len, &imp);
    it_expect(&imp, 200, NULL);
    if (it_int(imp.json, "rows_failed") != 0 || it_int(imp.json, "created_resources") != 0 ||
        it_int(imp.json, "updated_resources") != 0 || it_int(imp.json, "created_units") != 0 ||
        it_int(imp.json, "created_buildings") != 0 || it_int(imp.json, "created_persons") != 0 ||
        it_int(imp.json, "created_links") != 0)
        fprintf(stderr, "re-importing the export:\n%s\nanswered %.800s\n", body, imp.body.data);
    expect_report(&imp, lines - 1, lines - 1, 0, 0, 0, 0, 0, 0, 0);
    it_resp_free(&imp);
    expect_unchanged(before, "re-importing the project's own export");
    it_resp_free(&r);
}

/* POST as the admin where the office may either refuse the value (400) or
 * take it; the id of a 201, 0 for a 400. */
static int64_t create_or_refuse(const char *path, const char *body)
{
    struct http_resp r;
    int64_t id = 0;

    it_http("POST", path, body, (size_t)-1, g.admin, &r);
    if (r.status != 201 && r.status != 400)
        fail_msg("POST %s %s: %ld %.300s", path, body, r.status, r.body.data);
    if (r.status == 201)
        id = it_int(r.json, "id");
    it_resp_free(&r);
    return id;
}

/* Export the project, import the export: nothing may change (importer.h). */
static void expect_export_roundtrip(int64_t project, const char *what)
{
    char path[128], before[SNAP];
    struct http_resp r, imp;

    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/export", (long long)project);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    snapshot(before, sizeof(before));
    import_post(project, r.body.data, r.body.len, &imp);
    it_expect(&imp, 200, NULL);
    if (it_int(imp.json, "rows_failed") != 0 || it_int(imp.json, "created_resources") != 0 ||
        it_int(imp.json, "updated_resources") != 0 || it_int(imp.json, "created_buildings") != 0 ||
        it_int(imp.json, "created_units") != 0 || it_int(imp.json, "created_persons") != 0 ||
        it_int(imp.json, "created_links") != 0) {
        fprintf(stderr, "re-importing the export of %s:\n%s\nanswered %.900s\n", what, r.body.data,
                imp.body.data);
        it_resp_free(&imp);
        it_resp_free(&r);
        fail();
    }
    it_resp_free(&imp);
    it_resp_free(&r);
    expect_unchanged(before, what);
}

/* Whatever the office endpoints accept, the project's export reads back
 * without a change: names and values with spaces at either end. */
static void export_roundtrip_of_spaces(void **state)
{
    char body[512], path[256];
    int64_t project, building, home, home2, person;

    (void)state;
    project = call("POST", "/api/v1/office/projects",
                   "{\"code\":\"ZZOFF-EDGE1\",\"name\":\"导出空格小区\"}", 201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/buildings", (long long)project);
    building = create_or_refuse(path, "{\"name\":\" 7栋 \"}");
    if (!building)
        building = call("POST", path, "{\"name\":\"7栋\"}", 201, NULL);
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"number\":\"701\",\"kind\":\"home\","
             "\"layout\":\" 朝南 \"}",
             (long long)project, (long long)building);
    home = create_or_refuse("/api/v1/office/resources", body);
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"number\":\"702\",\"kind\":\"home\"}",
             (long long)project, (long long)building);
    home2 = call("POST", "/api/v1/office/resources", body, 201, NULL);
    person = create_or_refuse("/api/v1/office/persons",
                              "{\"name\":\" 空格业主 \",\"phone\":\"13700060041\"}");
    if (person) {
        snprintf(path, sizeof(path), "/api/v1/office/resources/%lld/occupants", (long long)home2);
        snprintf(body, sizeof(body), "{\"person_id\":%lld,\"relation\":\"owner\"}",
                 (long long)person);
        call("POST", path, body, 201, NULL);
    }
    print_message("accepted as given: building \" 7栋 \" %s, layout \" 朝南 \" %s, name "
                  "\" 空格业主 \" %s\n",
                  building ? "yes" : "no", home ? "yes" : "no", person ? "yes" : "no");
    expect_export_roundtrip(project, "a project whose names have spaces at either end");
}

/* The same with a tab and a line break inside values (JSON escapes). */
static void export_roundtrip_of_control_characters(void **state)
{
    char body[512];
    int64_t project, parking;

    (void)state;
    project = call("POST", "/api/v1/office/projects",
                   "{\"code\":\"ZZOFF-EDGE2\",\"name\":\"导出控制字符小区\"}", 201, NULL);
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"number\":\"P-1\",\"kind\":\"parking\","
             "\"layout\":\"地下\\n一层\",\"decoration\":\"a\\tb\"}",
             (long long)project);
    parking = create_or_refuse("/api/v1/office/resources", body);
    print_message("a tab and a line break in layout/decoration accepted: %s\n",
                  parking ? "yes" : "no");
    expect_export_roundtrip(project, "a project with a tab and a line break in values");
}

/* ---- the operator tool -------------------------------------------------------------------- */

/* Run a shell command; its output (stdout and stderr) into out. Exit status. */
static int run(const char *cmd, struct buf *out)
{
    char chunk[4096];
    size_t got;
    FILE *f = popen(cmd, "r");
    int status;

    assert_non_null(f);
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(out, chunk, got);
    buf_append(out, "", 1);
    out->len--;
    status = pclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *tool_path(void)
{
    const char *t = getenv("WUYE_TOOL");

    if (!t || !*t)
        t = "build/san/wuye";
    if (access(t, X_OK) != 0)
        fail_msg("the operator tool %s is missing (run from the repository root, or set "
                 "WUYE_TOOL)",
                 t);
    return t;
}

static void expect_contains(const struct buf *b, const char *s)
{
    if (!b->data || !strstr(b->data, s))
        fail_msg("output does not contain \"%s\":\n%s", s, b->data ? b->data : "");
}

static void tool_import_and_export(void **state)
{
    static const char csv[] = "楼栋,单元,房号,类型,建筑面积,姓名,手机,关系\n"
                              "7栋,1单元,701,住宅,100.00,工具甲,13700060031,业主\n"
                              "7栋,1单元,702,住宅,100.5,,,\n"
                              "7栋,1单元,703,公寓,100,,,\n";
    char file[] = "/tmp/wuye-office-XXXXXX", out_file[] = "/tmp/wuye-export-XXXXXX";
    char cmd[2048], before[SNAP], path[128];
    struct buf out = BUF_INIT;
    struct db_param p[1];
    struct http_resp r;
    const char *tool;
    int64_t mark;
    int fd, rc;
    FILE *f;

    (void)state;
    need_estate();
    tool = tool_path();
    fd = mkstemp(file);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, csv, sizeof(csv) - 1), (ssize_t)(sizeof(csv) - 1));
    close(fd);

    mark = audit_mark();
    snprintf(cmd, sizeof(cmd), "ASAN_OPTIONS=detect_leaks=0 %s -c '%s' import %lld '%s' 2>&1", tool,
             it_env("WUYE_CONF"), (long long)g.project, file);
    rc = run(cmd, &out);
    if (rc != 0)
        fail_msg("%s: exit %d\n%s", cmd, rc, out.data);
    expect_contains(&out, "共 3 行：成功 2 行，失败 1 行");
    expect_contains(&out,
                    "新建楼栋 1 个，单元 1 个，房屋 2 个，住户 1 人，住户关联 1 条；更新房屋 0 个");
    expect_contains(&out, "第 4 行 [类型]: 类型不正确");
    assert_int_equal(count_code("7栋-1单元-701"), 1);
    assert_int_equal(count_code("7栋-1单元-702"), 1);
    assert_int_equal(count_code("7栋-1单元-703"), 0);
    /* the tool acts as the system */
    p[0] = P_INT(mark);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ?", p, 1), 6);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND actor_kind = "
                                "'system' AND actor_id = 0",
                                p, 1),
                     6);

    /* again: the same report without anything new, and no change */
    snapshot(before, sizeof(before));
    buf_reset(&out);
    rc = run(cmd, &out);
    assert_int_equal(rc, 0);
    expect_contains(&out, "共 3 行：成功 2 行，失败 1 行");
    expect_contains(&out,
                    "新建楼栋 0 个，单元 0 个，房屋 0 个，住户 0 人，住户关联 0 条；更新房屋 0 个");
    expect_unchanged(before, "the operator tool importing the same file again");

    /* export: the same bytes as the office endpoint */
    fd = mkstemp(out_file);
    assert_true(fd >= 0);
    close(fd);
    snprintf(cmd, sizeof(cmd), "ASAN_OPTIONS=detect_leaks=0 %s -c '%s' export %lld > '%s'", tool,
             it_env("WUYE_CONF"), (long long)g.project, out_file);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/export", (long long)g.project);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    buf_reset(&out);
    f = fopen(out_file, "rb");
    assert_non_null(f);
    {
        char chunk[4096];
        size_t got;
        while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
            buf_append(&out, chunk, got);
    }
    fclose(f);
    assert_int_equal(out.len, r.body.len);
    assert_memory_equal(out.data, r.body.data, out.len);
    it_resp_free(&r);
    /* and importing the tool's export changes nothing */
    snapshot(before, sizeof(before));
    snprintf(cmd, sizeof(cmd), "ASAN_OPTIONS=detect_leaks=0 %s -c '%s' import %lld '%s' 2>&1", tool,
             it_env("WUYE_CONF"), (long long)g.project, out_file);
    buf_reset(&out);
    rc = run(cmd, &out);
    assert_int_equal(rc, 0);
    expect_contains(&out, "失败 0 行");
    expect_contains(&out,
                    "新建楼栋 0 个，单元 0 个，房屋 0 个，住户 0 人，住户关联 0 条；更新房屋 0 个");
    expect_unchanged(before, "the operator tool importing its own export");

    /* failures: an unknown project, a missing file — exit status 1, a message, no change */
    snprintf(cmd, sizeof(cmd), "ASAN_OPTIONS=detect_leaks=0 %s -c '%s' import 999999 '%s' 2>&1",
             tool, it_env("WUYE_CONF"), file);
    buf_reset(&out);
    assert_int_equal(run(cmd, &out), 1);
    expect_contains(&out, "NOT_FOUND");
    snprintf(cmd, sizeof(cmd),
             "ASAN_OPTIONS=detect_leaks=0 %s -c '%s' import %lld /nonexistent/x.csv 2>&1", tool,
             it_env("WUYE_CONF"), (long long)g.project);
    buf_reset(&out);
    assert_int_equal(run(cmd, &out), 1);
    expect_contains(&out, "无法打开文件");
    snprintf(cmd, sizeof(cmd), "ASAN_OPTIONS=detect_leaks=0 %s -c '%s' export 999999 2>&1", tool,
             it_env("WUYE_CONF"));
    buf_reset(&out);
    assert_int_equal(run(cmd, &out), 1);
    expect_contains(&out, "NOT_FOUND");
    expect_unchanged(before, "the operator tool's failures");

    buf_free(&out);
    unlink(file);
    unlink(out_file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(office_creates_the_estate),
        cmocka_unit_test(office_building_business_type),
        cmocka_unit_test(office_resource_move_keeps_placement),
        cmocka_unit_test(office_persons_and_move_in),
        cmocka_unit_test(office_move_out_keeps_history),
        cmocka_unit_test(office_custom_fields_typed),
        cmocka_unit_test(person_custom_fields_are_shown),
        cmocka_unit_test(office_butler_forbidden),
        cmocka_unit_test(office_other_project_is_404),
        cmocka_unit_test(office_phone_change_revokes_sessions),
        cmocka_unit_test(import_good_rows_in_bad_rows_out),
        cmocka_unit_test(import_updates_only_what_differs),
        cmocka_unit_test(import_fatal_defects_write_nothing),
        cmocka_unit_test(export_reimports_without_change),
        cmocka_unit_test(export_roundtrip_of_spaces),
        cmocka_unit_test(export_roundtrip_of_control_characters),
        cmocka_unit_test(tool_import_and_export),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests_name("integration_office", tests, setup, teardown);
}
