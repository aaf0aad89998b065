/*
 * test_staff.c — issue 6, "it must show" 7: staff accounts are made by the
 * office, not by SQL. The demo admin (13900000009, projects 1 and 2)
 * creates a butler of project 1 over HTTP; the butler logs in and sees
 * project 1 only; deactivating the butler ends the session at once, a new
 * password ends the old session and the new one works; every bad input is
 * a clear 4xx that changes nothing; and an admin of project 1 alone can
 * neither change a member who also serves project 2 (403) nor see one who
 * serves project 2 only (404).
 *
 * Everything made here has a phone 1360007xxxx, or is the project
 * ZZSTAFF-OTHER (served by no admin of the demo), and is removed again in
 * the teardown (and in the setup, after a run that crashed). Audit rows
 * stay: the log is append-only.
 *
 * "Nothing changed" is it_db_fingerprint() and it_db_checksum() equal
 * before and after.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#define ADMIN_PHONE "13900000009"
#define ADMIN1_PHONE "13600070000" /* admin of project 1 only, made by SQL */
#define OTHER_CODE "ZZSTAFF-OTHER"
#define PW1 "first-pass-1"
#define PW2 "second-pass-2"

static struct {
    char *admin, *admin1, *butler; /* tokens; butler = the demo 陈管家 */
    int64_t admin_id, admin1_id;
    int64_t other_project; /* a project no admin of the demo serves */
} g;

/* ---- helpers ----------------------------------------------------------------------- */

#define SNAP IT_SNAP
#define snapshot it_snapshot
#define has_non_ascii it_has_non_ascii
/* A request with a token; expect status (and code); the "id" of a 201. */
#define call(tok, m, path, body, st, code)                                                         \
    it_call_at((tok), (m), (path), (body), (st), (code), true, __FILE__, __LINE__)
/* A write that must be refused and change nothing at all. */
#define refused(tok, m, path, body, st, code)                                                      \
    it_refused_at((tok), (m), (path), (body), (st), (code), __FILE__, __LINE__)

/* GET as token, 200; the caller frees the answer. */
static void get_ok(const char *token, const char *path, struct http_resp *r)
{
    it_http("GET", path, NULL, 0, token, r);
    it_expect(r, 200, NULL);
}

/* The admin creates a member: phone, roles and project_ids as JSON arrays. */
static int64_t create_member(const char *name, const char *phone, const char *roles,
                             const char *projects)
{
    char body[512];

    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"phone\":\"%s\",\"password\":\"" PW1 "\",\"roles\":%s,"
             "\"project_ids\":%s}",
             name, phone, roles, projects);
    return call(g.admin, "POST", "/api/v1/office/staff", body, 201, NULL);
}

static void member_path(char *out, size_t size, int64_t id)
{
    snprintf(out, size, "/api/v1/office/staff/%lld", (long long)id);
}

/* The JSON of an array as text ("[1,2]", "[\"butler\"]"). */
static void array_text(const cJSON *o, const char *name, char *out, size_t size)
{
    char *s = cJSON_PrintUnformatted(it_field(o, name));

    snprintf(out, size, "%s", s);
    free(s);
}

static int64_t sessions_live(int64_t staff_id)
{
    struct db_param p[1] = {P_INT(staff_id)};

    return it_sql_int("SELECT COUNT(*) FROM sessions WHERE subject_kind = 'staff' AND "
                      "subject_id = ? AND revoked_at IS NULL",
                      p, 1);
}

static int64_t audit_mark(void)
{
    return it_sql_int("SELECT COALESCE(MAX(id), 0) FROM audit_log", NULL, 0);
}

/* The one audit row since mark: action on staff id by the demo admin,
 * whose detail never holds a password or a hash. */
static void expect_audit(int64_t mark, const char *action, int64_t id, const char *password)
{
    struct db_param p[4] = {P_INT(mark), P_STR(action), P_INT(id), P_INT(g.admin_id)};
    char detail[2048];

    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ?", p, 1), 1);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND action = ? AND "
                                "entity = 'staff' AND entity_id = ? AND actor_kind = 'staff' "
                                "AND actor_id = ?",
                                p, 4),
                     1);
    it_sql_str("SELECT detail FROM audit_log WHERE id > ?", p, 1, detail, sizeof(detail));
    assert_null(strstr(detail, "argon2"));
    assert_null(strstr(detail, "password_hash"));
    if (password)
        assert_null(strstr(detail, password));
}

/* ---- fixture ----------------------------------------------------------------------- */

static const char *const drop_sql[] = {
    "DELETE FROM sessions WHERE subject_kind = 'staff' AND subject_id IN "
    "(SELECT id FROM staff WHERE phone LIKE '1360007%')",
    "DELETE FROM login_failures WHERE subject LIKE '1360007%'",
    "DELETE FROM limit_keys WHERE subject LIKE '1360007%'",
    "DELETE sp FROM staff_projects sp JOIN staff s ON s.id = sp.staff_id "
    "WHERE s.phone LIKE '1360007%'",
    "DELETE sp FROM staff_projects sp JOIN projects p ON p.id = sp.project_id "
    "WHERE p.code = '" OTHER_CODE "'",
    "DELETE FROM staff WHERE phone LIKE '1360007%'",
    "DELETE FROM projects WHERE code = '" OTHER_CODE "'",
    "ALTER TABLE staff AUTO_INCREMENT = 1",
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
    it_sql_exec("INSERT INTO projects (code, name, address) VALUES ('" OTHER_CODE "', "
                "'员工测试外部小区', '')",
                NULL, 0);
    g.other_project = it_sql_int("SELECT id FROM projects WHERE code = '" OTHER_CODE "'", NULL, 0);
    /* An admin of 示范小区 alone, with the demo password (as test_scope.c). */
    it_sql_exec("INSERT INTO staff (name, phone, password_hash, roles) "
                "SELECT '一号管理员', '" ADMIN1_PHONE "', password_hash, 'admin' FROM staff "
                "WHERE phone = '" ADMIN_PHONE "'",
                NULL, 0);
    it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) "
                "SELECT id, 1 FROM staff WHERE phone = '" ADMIN1_PHONE "'",
                NULL, 0);
    g.admin = it_staff_login(ADMIN_PHONE, "demo1234");
    g.admin1 = it_staff_login(ADMIN1_PHONE, "demo1234");
    g.butler = it_staff_login("13900000001", "demo1234");
    if (!g.admin || !g.admin1 || !g.butler) {
        print_error("setup: a staff login failed\n");
        return -1;
    }
    g.admin_id = it_sql_int("SELECT id FROM staff WHERE phone = '" ADMIN_PHONE "'", NULL, 0);
    g.admin1_id = it_sql_int("SELECT id FROM staff WHERE phone = '" ADMIN1_PHONE "'", NULL, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    drop_own_rows();
    free(g.admin);
    free(g.admin1);
    free(g.butler);
    return 0;
}

/* ---- creating, and what the new member can do ----------------------------------------- */

static void office_creates_a_butler_of_project_1(void **state)
{
    struct db_param p[1];
    struct http_resp r;
    char s[256], path[64];
    char *token;
    int64_t id, mark;
    cJSON *items, *it;

    (void)state;
    mark = audit_mark();
    id = create_member("新管家", "13600070001", "[\"butler\"]", "[1]");
    p[0] = P_INT(id);

    /* the row as it is stored: the roles, one project, an argon2id hash */
    it_sql_str("SELECT CONCAT_WS('|', name, phone, roles, active) FROM staff WHERE id = ?", p, 1, s,
               sizeof(s));
    assert_string_equal(s, "新管家|13600070001|butler|1");
    it_sql_str("SELECT GROUP_CONCAT(project_id ORDER BY project_id) FROM staff_projects "
               "WHERE staff_id = ?",
               p, 1, s, sizeof(s));
    assert_string_equal(s, "1");
    it_sql_str("SELECT LEFT(password_hash, 10) FROM staff WHERE id = ?", p, 1, s, sizeof(s));
    assert_string_equal(s, "$argon2id$");
    expect_audit(mark, "create_staff", id, PW1);
    it_sql_str("SELECT CONCAT_WS('|', JSON_VALUE(detail, '$.after.name'), "
               "JSON_VALUE(detail, '$.after.roles'), JSON_EXTRACT(detail, '$.after.project_ids'), "
               "JSON_TYPE(JSON_EXTRACT(detail, '$.before'))) FROM audit_log WHERE id > ?",
               (struct db_param[]){P_INT(mark)}, 1, s, sizeof(s));
    assert_string_equal(s, "新管家|butler|[1]|NULL");

    /* the butler logs in and is a butler of project 1 */
    token = it_staff_login("13600070001", PW1);
    assert_non_null(token);
    get_ok(token, "/api/v1/staff/me", &r);
    assert_string_equal(it_str(r.json, "name"), "新管家");
    array_text(r.json, "roles", s, sizeof(s));
    assert_string_equal(s, "[\"butler\"]");
    array_text(r.json, "project_ids", s, sizeof(s));
    assert_string_equal(s, "[1]");
    it_resp_free(&r);

    /* project 2 is not theirs; project 1 is, and only its homes show */
    call(token, "GET", "/api/v1/staff/resources?project_id=2", NULL, 404, "NOT_FOUND");
    get_ok(token, "/api/v1/staff/resources?project_id=1", &r);
    items = it_field(r.json, "items");
    assert_true(cJSON_GetArraySize(items) > 0);
    cJSON_ArrayForEach(it, items) assert_int_equal(it_int(it, "project_id"), 1);
    it_resp_free(&r);
    get_ok(token, "/api/v1/staff/resources", &r);
    cJSON_ArrayForEach(it, it_field(r.json, "items")) assert_int_equal(it_int(it, "project_id"), 1);
    it_resp_free(&r);
    /* and a butler does not manage staff */
    call(token, "GET", "/api/v1/office/staff", NULL, 403, "FORBIDDEN");

    /* the office sees the account as it was made */
    member_path(path, sizeof(path), id);
    get_ok(g.admin, path, &r);
    assert_int_equal(it_int(r.json, "id"), id);
    assert_string_equal(it_str(r.json, "name"), "新管家");
    assert_string_equal(it_str(r.json, "phone"), "13600070001");
    array_text(r.json, "roles", s, sizeof(s));
    assert_string_equal(s, "[\"butler\"]");
    array_text(r.json, "project_ids", s, sizeof(s));
    assert_string_equal(s, "[1]");
    assert_true(cJSON_IsTrue(it_field(r.json, "active")));
    assert_int_equal(strlen(it_str(r.json, "created_at")), 25);
    assert_non_null(strstr(it_str(r.json, "created_at"), "+08:00"));
    assert_null(cJSON_GetObjectItem(r.json, "password"));
    assert_null(cJSON_GetObjectItem(r.json, "password_hash"));
    it_resp_free(&r);
    free(token);
}

static void office_lists_its_staff(void **state)
{
    struct http_resp r;
    char path[128];
    int64_t one, two, seen = 0;
    const char *cursor;
    cJSON *items;

    (void)state;
    one = create_member("列表甲", "13600070011", "[\"guard\"]", "[1]");
    two = create_member("列表乙", "13600070012", "[\"cashier\",\"warehouse\"]", "[2]");

    /* every account of the admin's projects, demo staff included */
    get_ok(g.admin, "/api/v1/office/staff?limit=200", &r);
    items = it_field(r.json, "items");
    assert_non_null(it_find_int(items, "id", one));
    assert_non_null(it_find_int(items, "id", two));
    assert_non_null(it_find_int(items, "id", 1)); /* 陈管家, project 1 */
    assert_non_null(it_find_int(items, "id", 2)); /* 刘管家, project 2 */
    assert_string_equal(it_str(it_find_int(items, "id", 1), "phone"), "13900000001");
    assert_true(cJSON_IsNull(it_field(r.json, "next_cursor")));
    it_resp_free(&r);

    /* by project */
    get_ok(g.admin, "/api/v1/office/staff?project_id=2&limit=200", &r);
    items = it_field(r.json, "items");
    assert_non_null(it_find_int(items, "id", two));
    assert_null(it_find_int(items, "id", one));
    assert_null(it_find_int(items, "id", 1));
    it_resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/office/staff?project_id=%lld",
             (long long)g.other_project);
    call(g.admin, "GET", path, NULL, 404, "NOT_FOUND");

    /* by name (contains) and by phone (starts with) */
    get_ok(g.admin, "/api/v1/office/staff?q=%E5%88%97%E8%A1%A8", &r); /* 列表 */
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 2);
    it_resp_free(&r);
    get_ok(g.admin, "/api/v1/office/staff?q=1360007001", &r);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 2);
    it_resp_free(&r);
    get_ok(g.admin, "/api/v1/office/staff?q=0070011", &r); /* not a prefix */
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
    it_resp_free(&r);
    get_ok(g.admin, "/api/v1/office/staff?q=%25", &r); /* % is literal */
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
    it_resp_free(&r);

    /* a page at a time: every account once, in id order */
    snprintf(path, sizeof(path), "/api/v1/office/staff?limit=1");
    for (int pages = 0; pages < 100; pages++) {
        int64_t id;
        get_ok(g.admin, path, &r);
        items = it_field(r.json, "items");
        assert_int_equal(cJSON_GetArraySize(items), 1);
        id = it_int(cJSON_GetArrayItem(items, 0), "id");
        assert_true(id > seen);
        seen = id;
        if (cJSON_IsNull(it_field(r.json, "next_cursor"))) {
            it_resp_free(&r);
            break;
        }
        cursor = it_str(r.json, "next_cursor");
        snprintf(path, sizeof(path), "/api/v1/office/staff?limit=1&cursor=%s", cursor);
        it_resp_free(&r);
    }
    assert_true(seen >= two);
    call(g.admin, "GET", "/api/v1/office/staff?cursor=abc", NULL, 400, "BAD_REQUEST");
    call(g.admin, "GET", "/api/v1/office/staff?project_id=x", NULL, 400, "BAD_REQUEST");
    call(g.admin, "GET", "/api/v1/office/staff/999999", NULL, 404, "NOT_FOUND");
}

/* ---- what a change does at once ------------------------------------------------------ */

static void deactivation_ends_the_session_at_once(void **state)
{
    char path[64], *token, *again;
    int64_t id, mark;

    (void)state;
    id = create_member("停用管家", "13600070002", "[\"butler\"]", "[1]");
    member_path(path, sizeof(path), id);
    token = it_staff_login("13600070002", PW1);
    assert_non_null(token);
    call(token, "GET", "/api/v1/staff/me", NULL, 200, NULL);
    /* a live staff token on the owner's fused path: 403, as on every owner route */
    call(token, "GET", "/api/v1/owner/resources", NULL, 403, "FORBIDDEN");
    call(token, "GET", "/api/v1/owner/resources/1", NULL, 403, "FORBIDDEN");

    mark = audit_mark();
    call(g.admin, "PATCH", path, "{\"active\":false}", 200, NULL);
    expect_audit(mark, "update_staff", id, NULL);
    /* the very next request of the member is refused */
    call(token, "GET", "/api/v1/staff/me", NULL, 401, "UNAUTHENTICATED");
    call(token, "GET", "/api/v1/staff/resources", NULL, 401, "UNAUTHENTICATED");
    assert_int_equal(sessions_live(id), 0);
    assert_null(it_staff_login("13600070002", PW1));
    /* deactivated by hand in SQL, sessions left live: still dead everywhere,
     * the owner's fused path included */
    {
        int64_t other = create_member("手停管家", "13600070088", "[\"butler\"]", "[1]");
        char *t2 = it_staff_login("13600070088", PW1);
        assert_non_null(t2);
        it_sql_exec("UPDATE staff SET active = 0 WHERE id = ?", (struct db_param[]){P_INT(other)},
                    1);
        call(t2, "GET", "/api/v1/staff/me", NULL, 401, "UNAUTHENTICATED");
        call(t2, "GET", "/api/v1/owner/resources", NULL, 401, "UNAUTHENTICATED");
        free(t2);
    }
    /* the office still sees the account, inactive */
    {
        struct http_resp r;
        get_ok(g.admin, path, &r);
        assert_true(cJSON_IsFalse(it_field(r.json, "active")));
        it_resp_free(&r);
    }

    /* reactivated: a new login works, the old session stays ended */
    call(g.admin, "PATCH", path, "{\"active\":true}", 200, NULL);
    call(token, "GET", "/api/v1/staff/me", NULL, 401, "UNAUTHENTICATED");
    again = it_staff_login("13600070002", PW1);
    assert_non_null(again);
    call(again, "GET", "/api/v1/staff/me", NULL, 200, NULL);
    free(again);
    free(token);
}

static void password_reset_ends_the_old_session(void **state)
{
    struct db_param p[1];
    char path[64], before[128], after[128], ctx[64], *token, *fresh;
    int64_t id, mark;

    (void)state;
    id = create_member("改密管家", "13600070003", "[\"butler\"]", "[1]");
    p[0] = P_INT(id);
    member_path(path, sizeof(path), id);
    token = it_staff_login("13600070003", PW1);
    assert_non_null(token);
    it_sql_str("SELECT password_hash FROM staff WHERE id = ?", p, 1, before, sizeof(before));

    mark = audit_mark();
    call(g.admin, "PATCH", path, "{\"password\":\"" PW2 "\"}", 200, NULL);
    expect_audit(mark, "update_staff", id, PW2);
    it_sql_str("SELECT JSON_EXTRACT(detail, '$.context.password_changed') FROM audit_log "
               "WHERE id > ?",
               (struct db_param[]){P_INT(mark)}, 1, ctx, sizeof(ctx));
    assert_string_equal(ctx, "true");
    it_sql_str("SELECT password_hash FROM staff WHERE id = ?", p, 1, after, sizeof(after));
    assert_string_not_equal(before, after);
    assert_memory_equal(after, "$argon2id$", 10);

    call(token, "GET", "/api/v1/staff/me", NULL, 401, "UNAUTHENTICATED");
    assert_int_equal(sessions_live(id), 0);
    assert_null(it_staff_login("13600070003", PW1));
    fresh = it_staff_login("13600070003", PW2);
    assert_non_null(fresh);
    call(fresh, "GET", "/api/v1/staff/me", NULL, 200, NULL);

    /* a change of anything else leaves the session alone */
    call(g.admin, "PATCH", path, "{\"name\":\"改密管家二\"}", 200, NULL);
    call(fresh, "GET", "/api/v1/staff/me", NULL, 200, NULL);
    free(fresh);
    free(token);
}

static void roles_and_projects_apply_to_the_next_request(void **state)
{
    struct http_resp r;
    char path[64], s[256], *token;
    int64_t id, mark;

    (void)state;
    id = create_member("调岗员工", "13600070004", "[\"butler\"]", "[1]");
    member_path(path, sizeof(path), id);
    token = it_staff_login("13600070004", PW1);
    assert_non_null(token);

    mark = audit_mark();
    call(g.admin, "PATCH", path,
         "{\"name\":\"调岗员工二\",\"phone\":\"13600070014\",\"roles\":[\"cashier\",\"butler\","
         "\"cashier\"],\"project_ids\":[2,1,2]}",
         200, NULL);
    expect_audit(mark, "update_staff", id, NULL);
    it_sql_str(
        "SELECT CONCAT_WS('|', JSON_VALUE(detail, '$.before.phone'), "
        "JSON_VALUE(detail, '$.before.roles'), JSON_EXTRACT(detail, '$.before.project_ids'), "
        "JSON_VALUE(detail, '$.after.phone'), JSON_VALUE(detail, '$.after.roles'), "
        "JSON_EXTRACT(detail, '$.after.project_ids')) FROM audit_log WHERE id > ?",
        (struct db_param[]){P_INT(mark)}, 1, s, sizeof(s));
    assert_string_equal(s, "13600070004|butler|[1]|13600070014|butler,cashier|[1, 2]");

    /* the same session, the new roles and projects */
    get_ok(token, "/api/v1/staff/me", &r);
    assert_string_equal(it_str(r.json, "name"), "调岗员工二");
    array_text(r.json, "roles", s, sizeof(s));
    assert_string_equal(s, "[\"butler\",\"cashier\"]");
    array_text(r.json, "project_ids", s, sizeof(s));
    assert_string_equal(s, "[1,2]");
    it_resp_free(&r);
    call(token, "GET", "/api/v1/staff/resources?project_id=2", NULL, 200, NULL);

    /* and back to project 2 alone: project 1 is gone at once */
    call(g.admin, "PATCH", path, "{\"project_ids\":[2]}", 200, NULL);
    call(token, "GET", "/api/v1/staff/resources?project_id=1", NULL, 404, "NOT_FOUND");
    /* the new phone is the login */
    free(token);
    token = it_staff_login("13600070014", PW1);
    assert_non_null(token);
    free(token);
    /* an empty change is a change of nothing */
    call(g.admin, "PATCH", path, "{}", 200, NULL);
}

/* The session reads a member's projects from a copy that triggers keep
 * (sql/017): projects given and taken by SQL — in bulk, by INSERT … SELECT
 * FROM staff, as the demo does — reach the same session at once too. */
static void projects_given_by_sql_apply_at_once(void **state)
{
    struct http_resp r;
    char s[64], *token;
    int64_t id;

    (void)state;
    id = create_member("SQL调岗", "13600070030", "[\"butler\"]", "[1]");
    token = it_staff_login("13600070030", PW1);
    assert_non_null(token);
    it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) "
                "SELECT s.id, p.id FROM staff s JOIN projects p ON p.id = 2 "
                "WHERE s.phone = '13600070030'",
                NULL, 0);
    get_ok(token, "/api/v1/staff/me", &r);
    array_text(r.json, "project_ids", s, sizeof(s));
    assert_string_equal(s, "[1,2]");
    it_resp_free(&r);
    call(token, "GET", "/api/v1/staff/resources?project_id=2", NULL, 200, NULL);
    /* the copy is the sorted list of what staff_projects says */
    it_sql_str("SELECT project_ids FROM staff_project_lists WHERE staff_id = ?",
               (struct db_param[]){P_INT(id)}, 1, s, sizeof(s));
    assert_string_equal(s, "1,2");

    it_sql_exec("DELETE FROM staff_projects WHERE project_id = 1 AND staff_id = ?",
                (struct db_param[]){P_INT(id)}, 1);
    call(token, "GET", "/api/v1/staff/resources?project_id=1", NULL, 404, "NOT_FOUND");
    it_sql_exec("DELETE FROM staff_projects WHERE staff_id = ?", (struct db_param[]){P_INT(id)},
                1);
    get_ok(token, "/api/v1/staff/me", &r);
    array_text(r.json, "project_ids", s, sizeof(s));
    assert_string_equal(s, "[]");
    it_resp_free(&r);
    call(token, "GET", "/api/v1/staff/resources?project_id=2", NULL, 404, "NOT_FOUND");
    free(token);
}

/* ---- refused, and nothing changes --------------------------------------------------- */

struct bad_case {
    const char *method, *path, *body; /* @M@ = the member's id, @OP@ = the other project */
    long status;
    const char *code;
};

#define NEW "\"name\":\"坏输入\",\"phone\":\"13600070009\",\"password\":\"" PW1 "\""
#define POST_STAFF "POST", "/api/v1/office/staff"
#define PATCH_M "PATCH", "/api/v1/office/staff/@M@"
#define PATCH_ME "PATCH", "/api/v1/office/staff/@ME@"

static const struct bad_case bad_cases[] = {
    /* missing members */
    {POST_STAFF,
     "{\"phone\":\"13600070009\",\"password\":\"" PW1 "\",\"roles\":[\"butler\"],"
     "\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"坏输入\",\"password\":\"" PW1 "\",\"roles\":[\"butler\"],"
     "\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"坏输入\",\"phone\":\"13600070009\",\"roles\":[\"butler\"],"
     "\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"project_ids\":[1]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":null,\"project_ids\":[1]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "", 400, "BAD_REQUEST"},
    {POST_STAFF, "{}", 400, "BAD_REQUEST"},
    /* wrong types */
    {POST_STAFF,
     "{\"name\":1,\"phone\":\"13600070009\",\"password\":\"" PW1 "\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"坏输入\",\"phone\":13600070009,\"password\":\"" PW1 "\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"坏输入\",\"phone\":\"13600070009\",\"password\":12345678,"
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":\"butler\",\"project_ids\":[1]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[1],\"project_ids\":[1]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[[\"butler\"]],\"project_ids\":[1]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"],\"project_ids\":1}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"],\"project_ids\":[\"1\"]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"],\"project_ids\":[1.5]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"],\"project_ids\":[0]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"],\"project_ids\":[-1]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"],\"project_ids\":[2147483648]}", 400,
     "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"],\"project_ids\":[1],\"active\":true}", 400,
     "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"],\"project_ids\":[1],\"password_hash\":\"x\"}",
     400, "BAD_REQUEST"},
    /* values outside their set */
    {POST_STAFF, "{" NEW ",\"roles\":[],\"project_ids\":[1]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"],\"project_ids\":[]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"boss\"],\"project_ids\":[1]}", 400, "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\",\"Admin\"],\"project_ids\":[1]}", 400,
     "BAD_REQUEST"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"\"],\"project_ids\":[1]}", 400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"\",\"phone\":\"13600070009\",\"password\":\"" PW1 "\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"   \",\"phone\":\"13600070009\",\"password\":\"" PW1 "\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十"
     "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五\","
     "\"phone\":\"13600070009\",\"password\":\"" PW1 "\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"坏\\n输入\",\"phone\":\"13600070009\",\"password\":\"" PW1 "\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"坏输入\",\"phone\":\"1360007000\",\"password\":\"" PW1 "\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"坏输入\",\"phone\":\"23600070009\",\"password\":\"" PW1 "\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"坏输入\",\"phone\":\"1360007000x\",\"password\":\"" PW1 "\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"坏输入\",\"phone\":\"13600070009\",\"password\":\"1234567\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"坏输入\",\"phone\":\"13600070009\",\"password\":\"\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    {POST_STAFF,
     "{\"name\":\"坏输入\",\"phone\":\"13600070009\",\"password\":\"@129@\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     400, "BAD_REQUEST"},
    /* projects the admin does not serve, or that do not exist */
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"],\"project_ids\":[@OP@]}", 404, "NOT_FOUND"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"],\"project_ids\":[1,@OP@]}", 404, "NOT_FOUND"},
    {POST_STAFF, "{" NEW ",\"roles\":[\"butler\"],\"project_ids\":[999999]}", 404, "NOT_FOUND"},
    /* a phone another account has (an inactive one too) */
    {POST_STAFF,
     "{\"name\":\"坏输入\",\"phone\":\"13900000001\",\"password\":\"" PW1 "\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     409, "STAFF_PHONE_TAKEN"},
    {POST_STAFF,
     "{\"name\":\"坏输入\",\"phone\":\"13600070020\",\"password\":\"" PW1 "\","
     "\"roles\":[\"butler\"],\"project_ids\":[1]}",
     409, "STAFF_PHONE_TAKEN"},
    /* changes */
    {PATCH_M, "{\"phone\":\"13900000001\"}", 409, "STAFF_PHONE_TAKEN"},
    {PATCH_M, "{\"active\":\"no\"}", 400, "BAD_REQUEST"},
    {PATCH_M, "{\"active\":0}", 400, "BAD_REQUEST"},
    {PATCH_M, "{\"roles\":[]}", 400, "BAD_REQUEST"},
    {PATCH_M, "{\"roles\":[\"boss\"]}", 400, "BAD_REQUEST"},
    {PATCH_M, "{\"project_ids\":[]}", 400, "BAD_REQUEST"},
    {PATCH_M, "{\"project_ids\":[@OP@]}", 404, "NOT_FOUND"},
    {PATCH_M, "{\"project_ids\":[1,999999]}", 404, "NOT_FOUND"},
    {PATCH_M, "{\"password\":\"short\"}", 400, "BAD_REQUEST"},
    {PATCH_M, "{\"phone\":\"12345\"}", 400, "BAD_REQUEST"},
    {PATCH_M, "{\"name\":\"\"}", 400, "BAD_REQUEST"},
    {PATCH_M, "{\"id\":5}", 400, "BAD_REQUEST"},
    {PATCH_M, "[]", 400, "BAD_REQUEST"},
    {"PATCH", "/api/v1/office/staff/999999", "{\"name\":\"谁\"}", 404, "NOT_FOUND"},
    {"PATCH", "/api/v1/office/staff/0", "{\"name\":\"谁\"}", 404, "NOT_FOUND"},
    {"PATCH", "/api/v1/office/staff/abc", "{\"name\":\"谁\"}", 404, "NOT_FOUND"},
    {"DELETE", "/api/v1/office/staff/@M@", NULL, 405, "METHOD_NOT_ALLOWED"},
    {"PUT", "/api/v1/office/staff", "{}", 405, "METHOD_NOT_ALLOWED"},
    /* nobody locks the office out */
    {PATCH_ME, "{\"active\":false}", 400, "BAD_REQUEST"},
    {PATCH_ME, "{\"roles\":[\"manager\"]}", 400, "BAD_REQUEST"},
    {PATCH_ME, "{\"roles\":[\"manager\"],\"active\":false}", 400, "BAD_REQUEST"},
};

/* path or body with @M@, @ME@, @OP@ and @129@ (129 characters) expanded;
 * out has room for the longest case. */
#define EXPANDED 1024
static void expand(const char *in, int64_t member, char out[EXPANDED])
{
    size_t o = 0, size = EXPANDED;

    while (*in) {
        assert_true(o + 200 < size);
        if (strncmp(in, "@ME@", 4) == 0) {
            o += (size_t)snprintf(out + o, size - o, "%lld", (long long)g.admin_id);
            in += 4;
        } else if (strncmp(in, "@M@", 3) == 0) {
            o += (size_t)snprintf(out + o, size - o, "%lld", (long long)member);
            in += 3;
        } else if (strncmp(in, "@OP@", 4) == 0) {
            o += (size_t)snprintf(out + o, size - o, "%lld", (long long)g.other_project);
            in += 4;
        } else if (strncmp(in, "@129@", 5) == 0) {
            memset(out + o, 'p', 129);
            o += 129;
            in += 5;
        } else {
            out[o++] = *in++;
        }
    }
    out[o] = '\0';
}

static void bad_input_changes_nothing(void **state)
{
    char path[EXPANDED], body[EXPANDED], s[128];
    int64_t member, inactive;
    struct db_param p[1];

    (void)state;
    member = create_member("坏输入对象", "13600070008", "[\"butler\"]", "[1]");
    inactive = create_member("已停用", "13600070020", "[\"guard\"]", "[2]");
    member_path(path, sizeof(path), inactive);
    call(g.admin, "PATCH", path, "{\"active\":false}", 200, NULL);

    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        expand(c->path, member, path);
        if (c->body)
            expand(c->body, member, body);
        refused(g.admin, c->method, path, c->body ? body : NULL, c->status, c->code);
    }

    /* the member is as made, the admin still an active admin */
    p[0] = P_INT(member);
    it_sql_str("SELECT CONCAT_WS('|', name, phone, roles, active) FROM staff WHERE id = ?", p, 1, s,
               sizeof(s));
    assert_string_equal(s, "坏输入对象|13600070008|butler|1");
    p[0] = P_INT(g.admin_id);
    it_sql_str("SELECT CONCAT_WS('|', roles, active) FROM staff WHERE id = ?", p, 1, s, sizeof(s));
    assert_string_equal(s, "manager,admin|1");
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM staff WHERE phone = '13600070009'", NULL, 0),
                     0);
    call(g.admin, "GET", "/api/v1/office/staff", NULL, 200, NULL);
}

static void only_admins_manage_staff(void **state)
{
    char path[64];

    (void)state;
    member_path(path, sizeof(path), 1);
    refused(g.butler, "POST", "/api/v1/office/staff",
            "{\"name\":\"越权\",\"phone\":\"13600070009\",\"password\":\"" PW1 "\","
            "\"roles\":[\"admin\"],\"project_ids\":[1]}",
            403, "FORBIDDEN");
    refused(g.butler, "PATCH", path, "{\"roles\":[\"admin\"]}", 403, "FORBIDDEN");
    refused(g.butler, "GET", path, NULL, 403, "FORBIDDEN");
    refused(NULL, "GET", "/api/v1/office/staff", NULL, 401, "UNAUTHENTICATED");
    refused(NULL, "PATCH", path, "{\"active\":false}", 401, "UNAUTHENTICATED");
}

/* ---- an admin of one project -------------------------------------------------------- */

static void admin_of_one_project_takes_over_nobody(void **state)
{
    struct http_resp r;
    char path[64], s[64];
    int64_t shared, theirs, mine;
    cJSON *items;

    (void)state;
    shared = create_member("两项目员工", "13600070005", "[\"technician\"]", "[1,2]");
    theirs = create_member("二号项目员工", "13600070006", "[\"butler\"]", "[2]");
    mine = create_member("一号项目员工", "13600070007", "[\"guard\"]", "[1]");

    /* one who also serves project 2: seen, not changed */
    member_path(path, sizeof(path), shared);
    get_ok(g.admin1, path, &r);
    array_text(r.json, "project_ids", s, sizeof(s));
    assert_string_equal(s, "[1,2]");
    it_resp_free(&r);
    refused(g.admin1, "PATCH", path, "{\"name\":\"被改名\"}", 403, "FORBIDDEN");
    refused(g.admin1, "PATCH", path, "{\"password\":\"taken-over-1\"}", 403, "FORBIDDEN");
    refused(g.admin1, "PATCH", path, "{\"phone\":\"13600070015\"}", 403, "FORBIDDEN");
    refused(g.admin1, "PATCH", path, "{\"active\":false}", 403, "FORBIDDEN");
    refused(g.admin1, "PATCH", path, "{\"project_ids\":[1]}", 403, "FORBIDDEN");
    /* the company's admin serves project 2 too */
    member_path(path, sizeof(path), g.admin_id);
    refused(g.admin1, "PATCH", path, "{\"active\":false}", 403, "FORBIDDEN");
    refused(g.admin1, "PATCH", path, "{\"password\":\"taken-over-1\"}", 403, "FORBIDDEN");

    /* one who serves project 2 only: not there at all */
    member_path(path, sizeof(path), theirs);
    refused(g.admin1, "GET", path, NULL, 404, "NOT_FOUND");
    refused(g.admin1, "PATCH", path, "{\"name\":\"被改名\"}", 404, "NOT_FOUND");
    refused(g.admin1, "PATCH", path, "{\"active\":false}", 404, "NOT_FOUND");
    refused(g.admin1, "GET", "/api/v1/office/staff/2", NULL, 404, "NOT_FOUND"); /* 刘管家 */
    refused(g.admin1, "GET", "/api/v1/office/staff?project_id=2", NULL, 404, "NOT_FOUND");
    get_ok(g.admin1, "/api/v1/office/staff?limit=200", &r);
    items = it_field(r.json, "items");
    assert_null(it_find_int(items, "id", theirs));
    assert_null(it_find_int(items, "id", 2));
    assert_non_null(it_find_int(items, "id", shared));
    assert_non_null(it_find_int(items, "id", mine));
    it_resp_free(&r);

    /* and project 2 cannot be given by the admin of project 1 */
    refused(g.admin1, "POST", "/api/v1/office/staff",
            "{\"name\":\"越界\",\"phone\":\"13600070009\",\"password\":\"" PW1 "\","
            "\"roles\":[\"butler\"],\"project_ids\":[1,2]}",
            404, "NOT_FOUND");
    member_path(path, sizeof(path), mine);
    refused(g.admin1, "PATCH", path, "{\"project_ids\":[1,2]}", 404, "NOT_FOUND");

    /* what is theirs alone they manage */
    call(g.admin1, "PATCH", path, "{\"roles\":[\"guard\",\"technician\"],\"name\":\"一号员工\"}",
         200, NULL);
    assert_int_equal(call(g.admin1, "POST", "/api/v1/office/staff",
                          "{\"name\":\"一号新员工\",\"phone\":\"13600070010\",\"password\":\"" PW1
                          "\",\"roles\":[\"cashier\"],\"project_ids\":[1]}",
                          201, NULL) > 0,
                     1);
    /* the company's admin may change the shared member */
    member_path(path, sizeof(path), shared);
    call(g.admin, "PATCH", path, "{\"name\":\"两项目员工二\"}", 200, NULL);
}

/* Who sees which phone numbers (docs/api.md §6): the roles that call
 * residents see a current occupant's number whole; a technician or a guard
 * sees it masked, and nobody sees a former occupant's in full. */
static void phones_follow_the_role(void **state)
{
    char *tech, *butler;
    struct http_resp r;
    cJSON *x;

    (void)state;
    create_member("手机技师", "13600070077", "[\"technician\"]", "[1]");
    tech = it_staff_login("13600070077", PW1);
    butler = it_staff_login("13900000001", "demo1234");
    assert_non_null(tech);
    assert_non_null(butler);
    get_ok(butler, "/api/v1/staff/resources/1", &r);
    x = it_find_str(it_field(r.json, "occupants"), "name", "张伟");
    assert_string_equal(it_str(x, "phone"), "13800000001");
    it_resp_free(&r);
    get_ok(tech, "/api/v1/staff/resources/1", &r);
    x = it_find_str(it_field(r.json, "occupants"), "name", "张伟");
    assert_string_equal(it_str(x, "phone"), "138****0001");
    it_resp_free(&r);
    get_ok(tech, "/api/v1/staff/persons?q=%E5%BC%A0%E4%BC%9F", &r); /* 张伟 */
    x = it_find_str(it_field(r.json, "items"), "name", "张伟");
    assert_non_null(x);
    assert_string_equal(it_str(x, "phone"), "138****0001");
    it_resp_free(&r);
    get_ok(butler, "/api/v1/staff/persons?q=%E5%BC%A0%E4%BC%9F", &r);
    x = it_find_str(it_field(r.json, "items"), "name", "张伟");
    assert_string_equal(it_str(x, "phone"), "13800000001");
    it_resp_free(&r);
    free(tech);
    free(butler);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(office_creates_a_butler_of_project_1),
        cmocka_unit_test(office_lists_its_staff),
        cmocka_unit_test(deactivation_ends_the_session_at_once),
        cmocka_unit_test(password_reset_ends_the_old_session),
        cmocka_unit_test(roles_and_projects_apply_to_the_next_request),
        cmocka_unit_test(projects_given_by_sql_apply_at_once),
        cmocka_unit_test(bad_input_changes_nothing),
        cmocka_unit_test(only_admins_manage_staff),
        cmocka_unit_test(admin_of_one_project_takes_over_nobody),
        cmocka_unit_test(phones_follow_the_role),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
