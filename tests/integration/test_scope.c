/*
 * test_scope.c — issue 6 "it must show" 3: a person shared by projects
 * cannot be taken over from another project. An admin of 示范小区 alone
 * tries every way on 王芳 (moved out of 示范小区 in 2021, living in
 * 翠湖花园): read, edit, re-phone and move-in by id are 404; after a CSV
 * import links her by phone to a 示范小区 home, changing her phone or
 * name is 403; nothing ends with a login to her 翠湖花园 home.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#define WANG_FANG 4
#define ADMIN_PHONE "13900000088"

static char *admin; /* admin of project 1 only */

static int setup(void **state)
{
    (void)state;
    /* A new admin of 示范小区 alone, with the demo password. */
    it_sql_exec("INSERT IGNORE INTO staff (name, phone, password_hash, roles) "
                "SELECT '示范管理员', '" ADMIN_PHONE "', password_hash, 'admin' FROM staff "
                "WHERE phone = '13900000009'",
                NULL, 0);
    it_sql_exec("INSERT IGNORE INTO staff_projects (staff_id, project_id) "
                "SELECT id, 1 FROM staff WHERE phone = '" ADMIN_PHONE "'",
                NULL, 0);
    admin = it_staff_login(ADMIN_PHONE, "demo1234");
    return admin ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(admin);
    return 0;
}

static void expect(const char *method, const char *path, const char *body, long status,
                   const char *code)
{
    struct http_resp r;

    it_http(method, path, body, (size_t)-1, admin, &r);
    it_expect(&r, status, code);
    it_resp_free(&r);
}

static void wang_fang_is_unchanged(void)
{
    char s[128];

    it_sql_str("SELECT CONCAT(name, '|', phone) FROM persons WHERE id = 4", NULL, 0, s, sizeof(s));
    assert_string_equal(s, "王芳|13800000004");
}

static void other_project_resident_is_404(void **state)
{
    struct http_resp r;

    (void)state;
    expect("PATCH", "/api/v1/office/persons/4", "{\"phone\":\"13800009999\"}", 404, "NOT_FOUND");
    expect("PATCH", "/api/v1/office/persons/4", "{\"name\":\"别人\"}", 404, "NOT_FOUND");
    expect("PATCH", "/api/v1/office/persons/4", "{\"occupation\":\"教师\"}", 404, "NOT_FOUND");
    expect("POST", "/api/v1/office/resources/3/occupants",
           "{\"person_id\":4,\"relation\":\"tenant\"}", 404, "NOT_FOUND");
    expect("PUT", "/api/v1/office/custom-values",
           "{\"target\":\"person\",\"target_id\":4,\"values\":{\"car_plate\":\"浙A12345\"}}", 404,
           "NOT_FOUND");
    /* not found by a search of the admin's people either */
    it_http("GET", "/api/v1/staff/persons?q=%E7%8E%8B%E8%8A%B3", NULL, 0, admin, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
    it_resp_free(&r);
    wang_fang_is_unchanged();
}

static void linked_by_import_then_identity_is_403(void **state)
{
    static const char csv[] = "楼栋,单元,房号,类型,姓名,手机,关系\n"
                              "1栋,1单元,201,住宅,王芳,13800000004,租户\n";
    struct http_resp r;
    int64_t links;

    (void)state;
    it_http_typed("POST", "/api/v1/office/projects/1/import", csv, strlen(csv),
                  "text/csv; charset=utf-8", admin, &r, NULL, 0);
    it_expect(&r, 200, NULL);
    assert_int_equal(it_int(r.json, "rows_ok"), 1);
    assert_int_equal(it_int(r.json, "created_persons"), 0);
    assert_int_equal(it_int(r.json, "created_links"), 1);
    it_resp_free(&r);
    links = it_sql_int("SELECT COUNT(*) FROM person_resources WHERE person_id = 4 AND active = 1",
                       NULL, 0);
    assert_int_equal(links, 2);

    /* She now lives in 示范小区 too: the admin sees her, may change what is
     * not her identity, and may not change who she is. */
    expect("PATCH", "/api/v1/office/persons/4", "{\"occupation\":\"医生\"}", 200, NULL);
    expect("PATCH", "/api/v1/office/persons/4", "{\"phone\":\"13800009999\"}", 403, "FORBIDDEN");
    expect("PATCH", "/api/v1/office/persons/4", "{\"name\":\"别人\"}", 403, "FORBIDDEN");
    expect("PATCH", "/api/v1/office/persons/4", "{\"id_number\":\"330200199001012222\"}", 403,
           "FORBIDDEN");
    wang_fang_is_unchanged();
    /* no SMS code can have gone to a phone of the admin's choosing */
    assert_int_equal(
        it_sql_int("SELECT COUNT(*) FROM sms_codes WHERE phone = '13800009999'", NULL, 0), 0);

    /* back as it was */
    it_sql_exec("DELETE FROM person_resources WHERE person_id = 4 AND resource_id = 3", NULL, 0);
}

/* The office API's own way to do what the import did: a move-in by phone
 * and name links her (the same code as the import), and still gives the
 * admin no hold on who she is. */
static void linked_by_move_in_by_phone(void **state)
{
    char before[4096], after[4096];

    (void)state;
    it_db_checksum(before, sizeof(before));
    /* a name that is not hers: refused, naming nobody, nothing changed */
    expect("POST", "/api/v1/office/resources/3/occupants",
           "{\"name\":\"别人\",\"phone\":\"13800000004\",\"relation\":\"tenant\"}", 409,
           "PHONE_TAKEN");
    /* name and phone, but an ID number of the admin's choosing: 403 */
    expect("POST", "/api/v1/office/resources/3/occupants",
           "{\"name\":\"王芳\",\"phone\":\"13800000004\",\"id_number\":\"330200199001019999\","
           "\"relation\":\"tenant\"}",
           409, "ID_NUMBER_MISMATCH");
    it_db_checksum(after, sizeof(after));
    assert_string_equal(before, after);

    expect("POST", "/api/v1/office/resources/3/occupants",
           "{\"name\":\"王芳\",\"phone\":\"13800000004\",\"relation\":\"tenant\"}", 201, NULL);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM person_resources WHERE person_id = 4 AND "
                                "resource_id = 3 AND active = 1",
                                NULL, 0),
                     1);
    /* a second time: already linked */
    expect("POST", "/api/v1/office/resources/3/occupants",
           "{\"name\":\"王芳\",\"phone\":\"13800000004\",\"relation\":\"tenant\"}", 409,
           "ALREADY_LINKED");
    expect("PATCH", "/api/v1/office/persons/4", "{\"phone\":\"13800009999\"}", 403, "FORBIDDEN");
    wang_fang_is_unchanged();
    it_sql_exec("DELETE FROM person_resources WHERE person_id = 4 AND resource_id = 3", NULL, 0);
}

/* A person's custom fields are a project's: with homes in two of the
 * admin's projects, which one is meant must be said, never guessed. */
static void person_fields_name_their_project(void **state)
{
    char *both = it_staff_login("13900000009", "demo1234"); /* serves 示范小区 and 翠湖花园 */
    struct http_resp r;

    (void)state;
    assert_non_null(both);
    it_sql_exec("INSERT INTO person_resources (person_id, resource_id, relation) VALUES (4, 3, "
                "'tenant')",
                NULL, 0);
    it_http("PUT", "/api/v1/office/custom-values",
            "{\"target\":\"person\",\"target_id\":4,\"values\":{\"car_plate\":\"浙A00001\"}}",
            (size_t)-1, both, &r);
    it_expect(&r, 400, "BAD_REQUEST");
    it_resp_free(&r);
    it_http("PUT", "/api/v1/office/custom-values",
            "{\"target\":\"person\",\"target_id\":4,\"project_id\":1,"
            "\"values\":{\"car_plate\":\"浙A00001\"}}",
            (size_t)-1, both, &r);
    it_expect(&r, 200, NULL);
    it_resp_free(&r);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM custom_values cv JOIN custom_fields cf ON "
                                "cf.id = cv.field_id WHERE cv.target_id = 4 AND cf.project_id = 1 "
                                "AND cv.value = '浙A00001'",
                                NULL, 0),
                     1);
    /* the admin of 示范小区 alone may not name 翠湖花园 */
    expect("PUT", "/api/v1/office/custom-values",
           "{\"target\":\"person\",\"target_id\":4,\"project_id\":2,"
           "\"values\":{\"car_plate\":\"浙A00002\"}}",
           404, "NOT_FOUND");
    it_sql_exec("DELETE cv FROM custom_values cv JOIN custom_fields cf ON cf.id = cv.field_id "
                "WHERE cv.target_id = 4 AND cf.target = 'person'",
                NULL, 0);
    it_sql_exec("DELETE FROM person_resources WHERE person_id = 4 AND resource_id = 3", NULL, 0);
    free(both);
}

/* A move-out registered ahead of time keeps the home the owner's until
 * that day (China time); dated today, it ends access at once. */
static void future_move_out_keeps_access_until_the_day(void **state)
{
    char *both = it_staff_login("13900000009", "demo1234"), *owner, tomorrow[16], body[64],
         path[64];
    int64_t link = it_sql_int("SELECT id FROM person_resources WHERE person_id = 2 AND "
                              "resource_id = 5 AND moved_out_on IS NULL",
                              NULL, 0);
    struct http_resp r;

    (void)state;
    assert_non_null(both);
    assert_true(link > 0);
    owner = it_owner_login_sms("13800000002");
    assert_non_null(owner);
    it_sql_str("SELECT DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR + INTERVAL 1 DAY)", NULL, 0, tomorrow,
               sizeof(tomorrow));
    snprintf(path, sizeof(path), "/api/v1/office/occupants/%lld/move-out", (long long)link);
    snprintf(body, sizeof(body), "{\"moved_out_on\":\"%s\"}", tomorrow);
    it_http("POST", path, body, (size_t)-1, both, &r);
    it_expect(&r, 200, NULL);
    it_resp_free(&r);
    /* still hers today */
    it_http("GET", "/api/v1/owner/resources", NULL, 0, owner, &r);
    it_expect(&r, 200, NULL);
    assert_non_null(it_find_int(it_field(r.json, "items"), "id", 5));
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/resources/5", NULL, 0, owner, &r);
    it_expect(&r, 200, NULL);
    it_resp_free(&r);
    /* the day has come */
    it_sql_exec(
        "UPDATE person_resources SET moved_out_on = DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR) "
        "WHERE id = ?",
        (struct db_param[]){P_INT(link)}, 1);
    it_http("GET", "/api/v1/owner/resources", NULL, 0, owner, &r);
    it_expect(&r, 200, NULL);
    assert_null(it_find_int(it_field(r.json, "items"), "id", 5));
    it_resp_free(&r);
    it_http("GET", "/api/v1/owner/resources/5", NULL, 0, owner, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    it_sql_exec("UPDATE person_resources SET moved_out_on = NULL WHERE id = ?",
                (struct db_param[]){P_INT(link)}, 1);
    free(owner);
    free(both);
}

/* A co-occupant's personal custom fields are theirs: 张伟 sees his
 * family member 张小明 in his home, not 张小明's car plate. */
static void co_occupants_fields_are_their_own(void **state)
{
    char *zhang;
    struct http_resp r;
    cJSON *me, *son;

    (void)state;
    expect("PUT", "/api/v1/office/custom-values",
           "{\"target\":\"person\",\"target_id\":3,\"values\":{\"car_plate\":\"浙A77777\"}}", 200,
           NULL);
    expect("PUT", "/api/v1/office/custom-values",
           "{\"target\":\"person\",\"target_id\":1,\"values\":{\"car_plate\":\"浙A11111\"}}", 200,
           NULL);
    zhang = it_owner_login_sms("13800000001");
    assert_non_null(zhang);
    it_http("GET", "/api/v1/owner/resources/1", NULL, 0, zhang, &r);
    it_expect(&r, 200, NULL);
    me = it_find_int(it_field(r.json, "occupants"), "person_id", 1);
    son = it_find_int(it_field(r.json, "occupants"), "person_id", 3);
    assert_non_null(me);
    assert_non_null(son);
    assert_int_equal(cJSON_GetArraySize(it_field(son, "custom_fields")), 0);
    assert_string_equal(it_str(cJSON_GetArrayItem(it_field(me, "custom_fields"), 0), "value"),
                        "浙A11111");
    assert_null(strstr(r.body.data, "浙A77777"));
    it_resp_free(&r);
    expect("PUT", "/api/v1/office/custom-values",
           "{\"target\":\"person\",\"target_id\":3,\"values\":{\"car_plate\":null}}", 200, NULL);
    expect("PUT", "/api/v1/office/custom-values",
           "{\"target\":\"person\",\"target_id\":1,\"values\":{\"car_plate\":null}}", 200, NULL);
    free(zhang);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(other_project_resident_is_404),
        cmocka_unit_test(linked_by_import_then_identity_is_403),
        cmocka_unit_test(linked_by_move_in_by_phone),
        cmocka_unit_test(person_fields_name_their_project),
        cmocka_unit_test(future_move_out_keeps_access_until_the_day),
        cmocka_unit_test(co_occupants_fields_are_their_own),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
