/*
 * test_notices.c — announcements and surveys over the real stack (NTC-1,
 * NTC-4; API.md "Notices", docs/api.md §5.4, §6.5, §7.18, §7.19):
 *   - a notice for one building: a draft nobody sees; published, the
 *     owners living there now see it (pinned first, newest first, paged),
 *     an owner of the other building does not, nor one who moved out;
 *     read receipts are idempotent and move the office's figures and
 *     lists; withdrawn, nobody sees it; each WeChat owner of the audience
 *     got exactly one outbox row, the others none; the audit rows hold
 *     the real before and after;
 *   - another project's notice and survey: 404 for its owners' strangers
 *     and for an office that does not serve it;
 *   - a survey: answered once per person, results with exact counts and
 *     averages ×100, the free texts paged, the CSV and XLSX files; closed,
 *     no more answers; a survey not open yet takes none;
 *   - bad input everywhere: 400 (or the 409 of the state) with nothing
 *     changed.
 *
 * Everything in two projects of its own (ZNTC: buildings N1, N2, served
 * by the demo admin and butler 13900000001; ZNTC2: not served by the
 * admin), with homes and owners of phones 13500000xxx.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "itest.h"

static struct {
    char *admin, *butler, *butler2;
    int64_t proj, b1, b2, proj2, b3;
    /* owners: A (N1, WeChat), B (N1, SMS only), C (N2, WeChat), D (N1,
     * WeChat, moves out), E (ZNTC2, WeChat) */
    char *tok[5];
    int64_t person[5], home[5];
    int64_t other_notice, other_survey; /* ZNTC2's */
} g;

enum { A, B, C, D, E };

#define call_as(tok, m, path, body, st, code)                                                      \
    it_call_at((tok), (m), (path), (body), (st), (code), false, __FILE__, __LINE__)
#define refused_as(tok, m, path, body, st, code)                                                   \
    it_refused_at((tok), (m), (path), (body), (st), (code), __FILE__, __LINE__)

/* ---- fixture ----------------------------------------------------------------------- */

/* Home i in building bldg of project proj with its owner (by SQL: the
 * office of ZNTC2 is nobody we log in as), logged in. */
static void add_home(int i, int64_t proj, int64_t bldg, bool wechat)
{
    char phone[24], code[24], name[40];
    struct db_param p[6];

    snprintf(phone, sizeof(phone), "1350000000%d", i + 1);
    snprintf(code, sizeof(code), "ZN-%d", i + 1);
    snprintf(name, sizeof(name), "公告业主%d", i + 1);
    p[0] = P_INT(proj);
    p[1] = P_INT(bldg);
    p[2] = P_STR(code);
    it_sql_exec("INSERT INTO resources (project_id, building_id, code, number, kind, area_m2x100) "
                "VALUES (?, ?, ?, '101', 'home', 9000)",
                p, 3);
    g.home[i] = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    p[0] = P_STR(name);
    p[1] = P_STR(phone);
    it_sql_exec("INSERT INTO persons (name, phone) VALUES (?, ?)", p, 2);
    g.person[i] = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    p[0] = P_INT(g.person[i]);
    p[1] = P_INT(g.home[i]);
    it_sql_exec("INSERT INTO person_resources (person_id, resource_id, relation, moved_in_on) "
                "VALUES (?, ?, 'owner', '2026-01-01')",
                p, 2);
    g.tok[i] = wechat ? it_owner_login_wechat(phone) : it_owner_login_sms(phone);
}

static int setup(void **state)
{
    struct db_param p[1];

    (void)state;
    g.proj = it_add_project("ZNTC", "公告测试小区");
    g.b1 = it_add_building(g.proj, "N1");
    g.b2 = it_add_building(g.proj, "N2");
    g.proj2 = it_add_project("ZNTC2", "公告测试二区");
    g.b3 = it_add_building(g.proj2, "M1");
    p[0] = P_INT(g.proj);
    it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) SELECT id, ? FROM staff "
                "WHERE phone IN ('13900000009', '13900000001')",
                p, 1);
    add_home(A, g.proj, g.b1, true);
    add_home(B, g.proj, g.b1, false);
    add_home(C, g.proj, g.b2, true);
    add_home(D, g.proj, g.b1, true);
    add_home(E, g.proj2, g.b3, true);
    /* ZNTC2's own notice and survey, published (its office is not ours) */
    p[0] = P_INT(g.proj2);
    it_sql_exec("INSERT INTO notices (project_id, title, body, category, status, list_seq, "
                "created_by, published_at) SELECT ?, '二区通知', '二区的通知', 'notice', "
                "'published', COALESCE(MAX(list_seq), 0) + 1, 9, UTC_TIMESTAMP() FROM notices",
                p, 1);
    g.other_notice = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    it_sql_exec("INSERT INTO surveys (project_id, title, opens_at, closes_at, status, created_by) "
                "VALUES (?, '二区问卷', UTC_TIMESTAMP() - INTERVAL 1 DAY, "
                "UTC_TIMESTAMP() + INTERVAL 1 DAY, 'published', 9)",
                p, 1);
    g.other_survey = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    p[0] = P_INT(g.other_survey);
    it_sql_exec("INSERT INTO survey_questions (survey_id, no, kind, title, required, options) "
                "VALUES (?, 1, 'score', '打分', 1, '[]')",
                p, 1);
    g.admin = it_staff_login("13900000009", "demo1234");
    g.butler = it_staff_login("13900000001", "demo1234");
    g.butler2 = it_staff_login("13900000002", "demo1234");
    for (int i = 0; i < 5; i++)
        if (!g.tok[i])
            return -1;
    return g.admin && g.butler && g.butler2 ? 0 : -1;
}

static int teardown(void **state)
{
    struct db_param p[1] = {P_INT(g.proj)};

    (void)state;
    it_sql_exec("DELETE FROM staff_projects WHERE project_id = ?", p, 1);
    free(g.admin);
    free(g.butler);
    free(g.butler2);
    for (int i = 0; i < 5; i++)
        free(g.tok[i]);
    return 0;
}

/* ---- helpers ----------------------------------------------------------------------- */

/* GET as token, 200, the JSON answer (the caller frees r). */
static cJSON *get_ok(const char *token, const char *path, struct http_resp *r)
{
    it_http("GET", path, NULL, 0, token, r);
    it_expect(r, 200, NULL);
    return r->json;
}

/* Is notice id in the owner's list (all of it: limit 200)? *read its flag. */
static bool owner_sees(int who, int64_t id, bool *read)
{
    struct http_resp r;
    cJSON *x = it_find_int(it_field(get_ok(g.tok[who], "/api/v1/owner/notices?limit=200", &r),
                                    "items"),
                           "id", id);
    bool found = x != NULL;

    if (x && read)
        *read = cJSON_IsTrue(it_field(x, "read"));
    it_resp_free(&r);
    return found;
}

static int64_t notice_create(const char *body)
{
    char path[96];

    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/notices", (long long)g.proj);
    return call_as(g.admin, "POST", path, body, 201, NULL);
}

static void notice_step(int64_t id, const char *step, long status, const char *code)
{
    char path[96];

    snprintf(path, sizeof(path), "/api/v1/office/notices/%lld/%s", (long long)id, step);
    if (status == 200)
        call_as(g.admin, "POST", path, NULL, 200, NULL);
    else
        refused_as(g.admin, "POST", path, NULL, status, code);
}

static long owner_read(int who, int64_t id)
{
    char path[96];
    struct http_resp r;
    long st;

    snprintf(path, sizeof(path), "/api/v1/owner/notices/%lld/read", (long long)id);
    it_http("POST", path, NULL, 0, g.tok[who], &r);
    st = r.status;
    if (st != 204)
        assert_string_equal(it_err_code(&r), "NOT_FOUND");
    it_resp_free(&r);
    return st;
}

/* The office's figures of a notice. */
struct figures {
    int64_t homes, people, read_homes, read_people;
};

static struct figures figures_of(int64_t id)
{
    char path[96];
    struct http_resp r;
    struct figures f;
    cJSON *o;

    snprintf(path, sizeof(path), "/api/v1/office/notices/%lld", (long long)id);
    o = get_ok(g.admin, path, &r);
    f.homes = it_int(o, "audience_homes");
    f.people = it_int(o, "audience_people");
    f.read_homes = it_int(o, "read_homes");
    f.read_people = it_int(o, "read_people");
    it_resp_free(&r);
    return f;
}

/* The ids of a readers' page, "3,5". */
static void readers(int64_t id, const char *read, char *out, size_t size)
{
    char path[128];
    struct http_resp r;
    const cJSON *it;
    size_t used = 0;

    snprintf(path, sizeof(path), "/api/v1/office/notices/%lld/readers?read=%s", (long long)id,
             read);
    out[0] = '\0';
    cJSON_ArrayForEach(it, it_field(get_ok(g.admin, path, &r), "items"))
    {
        char masked[12];
        int64_t person = it_int(it, "person_id");
        for (int i = 0; i < 5; i++)
            if (g.person[i] == person) {
                char phone[24];
                snprintf(phone, sizeof(phone), "1350000000%d", i + 1);
                util_phone_mask(phone, masked);
                assert_string_equal(it_str(it, "phone_masked"), masked);
                used += (size_t)snprintf(out + used, size - used, "%s%c", used ? "," : "",
                                         'A' + i);
            }
        assert_null(cJSON_GetObjectItem(it, "phone"));
    }
    it_resp_free(&r);
}

static void move_out(int who)
{
    struct db_param p[2] = {P_INT(g.person[who]), P_INT(g.home[who])};
    char path[96], day[16], body[64];
    int64_t link = it_sql_int("SELECT id FROM person_resources WHERE person_id = ? "
                              "AND resource_id = ?",
                              p, 2);

    it_sql_str("SELECT DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR)", NULL, 0, day, sizeof(day));
    snprintf(path, sizeof(path), "/api/v1/office/occupants/%lld/move-out", (long long)link);
    snprintf(body, sizeof(body), "{\"moved_out_on\":\"%s\"}", day);
    call_as(g.admin, "POST", path, body, 200, NULL);
}

/* ---- announcements ----------------------------------------------------------------- */

static void notices_audience_read_status_withdraw(void **state)
{
    char body[256], path[128], list[64], audit[2048];
    struct figures f;
    struct http_resp r;
    struct db_param p[1];
    int64_t id;
    bool read = true;
    cJSON *o;

    (void)state;
    snprintf(body, sizeof(body),
             "{\"title\":\"停水通知\",\"body\":\"周三 9:00-12:00 N1 停水\",\"category\":\"outage\","
             "\"building_ids\":[%lld]}",
             (long long)g.b1);
    id = notice_create(body);
    /* a draft: nobody sees it, nobody reads it, nothing queued */
    for (int i = A; i <= E; i++)
        assert_false(owner_sees(i, id, NULL));
    assert_int_equal(owner_read(A, id), 404);
    assert_int_equal(it_wechat_queued("notice", id, 0), 0);
    snprintf(path, sizeof(path), "/api/v1/staff/notices?project_id=%lld", (long long)g.proj);
    o = get_ok(g.butler, path, &r);
    assert_null(it_find_int(it_field(o, "items"), "id", id));
    it_resp_free(&r);

    /* an edit of the draft, audited with its before */
    snprintf(path, sizeof(path), "/api/v1/office/notices/%lld", (long long)id);
    call_as(g.admin, "PATCH", path, "{\"title\":\"N1 停水通知\",\"pinned\":false}", 200, NULL);

    notice_step(id, "publish", 200, NULL);
    notice_step(id, "publish", 409, "NOTICE_NOT_DRAFT");
    call_as(g.admin, "PATCH", path, "{\"title\":\"改不了\"}", 409, "NOTICE_NOT_DRAFT");

    /* who sees it: those of N1 now */
    assert_true(owner_sees(A, id, &read));
    assert_false(read);
    assert_true(owner_sees(B, id, NULL));
    assert_true(owner_sees(D, id, NULL));
    assert_false(owner_sees(C, id, NULL));
    assert_false(owner_sees(E, id, NULL));
    assert_int_equal(owner_read(C, id), 404);
    assert_int_equal(owner_read(E, id), 404);

    /* one WeChat message per audience owner with an openid: A and D */
    assert_int_equal(it_wechat_queued("notice", id, 0), 2);
    assert_int_equal(it_wechat_queued("notice", id, g.person[A]), 1);
    assert_int_equal(it_wechat_queued("notice", id, g.person[D]), 1);
    assert_int_equal(it_wechat_queued("notice", id, g.person[B]), 0);
    assert_int_equal(it_wechat_queued("notice", id, g.person[C]), 0);
    p[0] = P_INT(g.person[A]);
    it_sql_str("SELECT CONCAT(o.template, '|', o.params) FROM outbox o JOIN persons pe "
               "ON pe.openid = o.recipient WHERE pe.id = ? AND o.dedup_key LIKE 'notice:%'",
               p, 1, audit, sizeof(audit));
    assert_string_equal(audit, "NTCnoticeTemplate000000000000000000000000001|"
                               "[\"N1 停水通知\",\"停水停电\"]");

    /* the audit rows: the edit's and the publication's real before and after */
    p[0] = P_INT(id);
    it_sql_str("SELECT CONCAT(JSON_VALUE(detail, '$.before.title'), '|', "
               "JSON_VALUE(detail, '$.after.title')) FROM audit_log WHERE entity = 'notice' "
               "AND entity_id = ? AND action = 'update_notice'",
               p, 1, audit, sizeof(audit));
    assert_string_equal(audit, "停水通知|N1 停水通知");
    it_sql_str("SELECT CONCAT(JSON_VALUE(detail, '$.before.status'), '|', "
               "JSON_VALUE(detail, '$.after.status')) FROM audit_log WHERE entity = 'notice' "
               "AND entity_id = ? AND action = 'publish_notice'",
               p, 1, audit, sizeof(audit));
    assert_string_equal(audit, "draft|published");

    /* read status: counts, idempotent reads, the lists */
    f = figures_of(id);
    assert_int_equal(f.homes, 3);
    assert_int_equal(f.people, 3);
    assert_int_equal(f.read_people, 0);
    assert_int_equal(f.read_homes, 0);
    assert_int_equal(owner_read(A, id), 204);
    p[0] = P_INT(id);
    it_sql_str("SELECT read_at FROM notice_reads WHERE notice_id = ?", p, 1, audit, sizeof(audit));
    assert_int_equal(owner_read(A, id), 204);
    {
        char again[64];
        it_sql_str("SELECT read_at FROM notice_reads WHERE notice_id = ?", p, 1, again,
                   sizeof(again));
        assert_string_equal(audit, again); /* the first read's time stays */
    }
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM notice_reads WHERE notice_id = ?", p, 1), 1);
    assert_true(owner_sees(A, id, &read));
    assert_true(read);
    f = figures_of(id);
    assert_int_equal(f.read_people, 1);
    assert_int_equal(f.read_homes, 1);
    readers(id, "true", list, sizeof(list));
    assert_string_equal(list, "A");
    readers(id, "false", list, sizeof(list));
    assert_string_equal(list, "B,D");
    /* a page of one */
    snprintf(path, sizeof(path), "/api/v1/office/notices/%lld/readers?read=false&limit=1",
             (long long)id);
    o = get_ok(g.admin, path, &r);
    assert_int_equal(cJSON_GetArraySize(it_field(o, "items")), 1);
    assert_true(cJSON_IsString(it_field(o, "next_cursor")));
    it_resp_free(&r);

    /* the staff app lists it (the butler of the project; another project's
     * butler does not see it, and asking for its project is 404) */
    snprintf(path, sizeof(path), "/api/v1/staff/notices?project_id=%lld", (long long)g.proj);
    o = get_ok(g.butler, path, &r);
    assert_non_null(it_find_int(it_field(o, "items"), "id", id));
    it_resp_free(&r);
    o = get_ok(g.butler2, "/api/v1/staff/notices", &r);
    assert_null(it_find_int(it_field(o, "items"), "id", id));
    it_resp_free(&r);
    call_as(g.butler2, "GET", path, NULL, 404, "NOT_FOUND");

    /* D moves out: D no longer sees it, nor is counted */
    move_out(D);
    assert_false(owner_sees(D, id, NULL));
    assert_int_equal(owner_read(D, id), 404);
    f = figures_of(id);
    assert_int_equal(f.homes, 2);
    assert_int_equal(f.people, 2);

    /* withdrawn: nobody sees it, reads are 404, a second withdrawal 409 */
    notice_step(id, "withdraw", 200, NULL);
    assert_false(owner_sees(A, id, NULL));
    assert_false(owner_sees(B, id, NULL));
    assert_int_equal(owner_read(B, id), 404);
    notice_step(id, "withdraw", 409, "NOTICE_NOT_PUBLISHED");
    notice_step(id, "publish", 409, "NOTICE_NOT_DRAFT");
    /* nothing more was queued */
    assert_int_equal(it_wechat_queued("notice", id, 0), 2);
}

static void notices_pinned_first_newest_first_paged(void **state)
{
    int64_t old, pinned, fresh, expiring;
    char path[128], body[256], cursor[32];
    struct http_resp r;
    cJSON *items;
    time_t soon = time(NULL) + 5;
    char when[26];

    (void)state;
    old = notice_create("{\"title\":\"早的通知\",\"body\":\"一\",\"category\":\"notice\"}");
    pinned = notice_create("{\"title\":\"置顶活动\",\"body\":\"二\",\"category\":\"activity\","
                           "\"pinned\":true}");
    fresh = notice_create("{\"title\":\"新的通知\",\"body\":\"三\",\"category\":\"other\"}");
    util_time_rfc3339(soon, when);
    snprintf(body, sizeof(body),
             "{\"title\":\"马上过期\",\"body\":\"四\",\"category\":\"notice\",\"expires_at\":\"%s\"}",
             when);
    expiring = notice_create(body);
    /* published in this order: pinned last-but-one, fresh last */
    notice_step(old, "publish", 200, NULL);
    notice_step(expiring, "publish", 200, NULL);
    notice_step(pinned, "publish", 200, NULL);
    notice_step(fresh, "publish", 200, NULL);

    /* C (N2) sees the whole project's: pinned, then the newest */
    items = it_field(get_ok(g.tok[C], "/api/v1/owner/notices", &r), "items");
    assert_true(cJSON_GetArraySize(items) >= 4);
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 0), "id"), pinned);
    assert_true(cJSON_IsTrue(it_field(cJSON_GetArrayItem(items, 0), "pinned")));
    assert_string_equal(it_str(cJSON_GetArrayItem(items, 0), "category_label"), "活动");
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 1), "id"), fresh);
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 2), "id"), expiring);
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 3), "id"), old);
    it_resp_free(&r);

    /* the same, a page of one at a time */
    {
        const int64_t want[] = {pinned, fresh, expiring, old};
        snprintf(path, sizeof(path), "/api/v1/owner/notices?limit=1");
        for (size_t i = 0; i < 4; i++) {
            cJSON *o = get_ok(g.tok[C], path, &r);
            assert_int_equal(cJSON_GetArraySize(it_field(o, "items")), 1);
            assert_int_equal(it_int(cJSON_GetArrayItem(it_field(o, "items"), 0), "id"), want[i]);
            if (i == 3) { /* the last one C sees */
                assert_true(cJSON_IsNull(it_field(o, "next_cursor")));
                it_resp_free(&r);
                break;
            }
            snprintf(cursor, sizeof(cursor), "%s", it_str(o, "next_cursor"));
            snprintf(path, sizeof(path), "/api/v1/owner/notices?limit=1&cursor=%s", cursor);
            it_resp_free(&r);
        }
    }

    /* expired: gone from the list, not readable; publishing it again is 409 */
    while (time(NULL) <= soon + 1)
        sleep(1);
    assert_false(owner_sees(C, expiring, NULL));
    assert_int_equal(owner_read(C, expiring), 404);
    assert_true(owner_sees(C, old, NULL));

    /* the office's list: newest first by id, filtered by status */
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/notices?status=published&limit=2",
             (long long)g.proj);
    items = it_field(get_ok(g.admin, path, &r), "items");
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 0), "id"), expiring);
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 1), "id"), fresh);
    it_resp_free(&r);
}

static void notices_bad_input_changes_nothing(void **state)
{
    char path[128], other[128], body[256], past[26];
    int64_t draft;

    (void)state;
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/notices", (long long)g.proj);
    util_time_rfc3339(time(NULL) - 60, past);
    {
        const char *const bad[] = {
            "{\"body\":\"无标题\",\"category\":\"notice\"}",
            "{\"title\":\"无正文\",\"category\":\"notice\"}",
            "{\"title\":\"无类别\",\"body\":\"x\"}",
            "{\"title\":\"类别\",\"body\":\"x\",\"category\":\"party\"}",
            "{\"title\":\"\",\"body\":\"x\",\"category\":\"notice\"}",
            "{\"title\":\"置顶\",\"body\":\"x\",\"category\":\"notice\",\"pinned\":1}",
            "{\"title\":\"时间\",\"body\":\"x\",\"category\":\"notice\",\"expires_at\":\"明天\"}",
            "{\"title\":\"时间\",\"body\":\"x\",\"category\":\"notice\","
            "\"expires_at\":\"2026-12-31 09:00:00\"}",
            "{\"title\":\"楼栋\",\"body\":\"x\",\"category\":\"notice\",\"building_ids\":[0]}",
            "{\"title\":\"楼栋\",\"body\":\"x\",\"category\":\"notice\",\"building_ids\":\"1\"}",
            "{\"title\":\"多余\",\"body\":\"x\",\"category\":\"notice\",\"author\":\"我\"}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
            refused_as(g.admin, "POST", path, bad[i], 400, "BAD_REQUEST");
    }
    snprintf(body, sizeof(body),
             "{\"title\":\"过期\",\"body\":\"x\",\"category\":\"notice\",\"expires_at\":\"%s\"}",
             past);
    refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");
    /* a building of another project, the same one twice */
    snprintf(body, sizeof(body),
             "{\"title\":\"楼栋\",\"body\":\"x\",\"category\":\"notice\",\"building_ids\":[%lld]}",
             (long long)g.b3);
    refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body),
             "{\"title\":\"楼栋\",\"body\":\"x\",\"category\":\"notice\","
             "\"building_ids\":[%lld,%lld]}",
             (long long)g.b1, (long long)g.b1);
    refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");
    /* a title of 101 characters */
    {
        char title[3 * 101 + 1], big[512];
        for (int i = 0; i < 101; i++)
            memcpy(title + 3 * i, "长", 3);
        title[3 * 101] = '\0';
        snprintf(big, sizeof(big), "{\"title\":\"%s\",\"body\":\"x\",\"category\":\"notice\"}",
                 title);
        refused_as(g.admin, "POST", path, big, 400, "BAD_REQUEST");
    }
    /* roles and scope: an owner, a butler; another project's */
    refused_as(g.tok[A], "POST", path, "{\"title\":\"t\",\"body\":\"x\",\"category\":\"notice\"}",
               403, "FORBIDDEN");
    refused_as(g.butler, "POST", path, "{\"title\":\"t\",\"body\":\"x\",\"category\":\"notice\"}",
               403, "FORBIDDEN");
    snprintf(other, sizeof(other), "/api/v1/office/projects/%lld/notices", (long long)g.proj2);
    refused_as(g.admin, "POST", other, "{\"title\":\"t\",\"body\":\"x\",\"category\":\"notice\"}",
               404, "NOT_FOUND");
    call_as(g.admin, "GET", other, NULL, 404, "NOT_FOUND");
    snprintf(other, sizeof(other), "/api/v1/office/notices/%lld", (long long)g.other_notice);
    call_as(g.admin, "GET", other, NULL, 404, "NOT_FOUND");
    refused_as(g.admin, "PATCH", other, "{\"title\":\"别人的\"}", 404, "NOT_FOUND");
    snprintf(other, sizeof(other), "/api/v1/office/notices/%lld/withdraw",
             (long long)g.other_notice);
    refused_as(g.admin, "POST", other, NULL, 404, "NOT_FOUND");
    snprintf(other, sizeof(other), "/api/v1/office/notices/%lld/readers?read=true",
             (long long)g.other_notice);
    call_as(g.admin, "GET", other, NULL, 404, "NOT_FOUND");
    /* ZNTC2's notice is its owners', nobody else's */
    assert_true(owner_sees(E, g.other_notice, NULL));
    assert_false(owner_sees(A, g.other_notice, NULL));
    assert_int_equal(owner_read(A, g.other_notice), 404);
    refused_as(g.tok[A], "POST", "/api/v1/owner/notices/999999999/read", NULL, 404, "NOT_FOUND");

    /* an edit refused leaves the draft as it was */
    draft = notice_create("{\"title\":\"草稿\",\"body\":\"x\",\"category\":\"notice\"}");
    snprintf(path, sizeof(path), "/api/v1/office/notices/%lld", (long long)draft);
    refused_as(g.admin, "PATCH", path, "{\"category\":\"party\"}", 400, "BAD_REQUEST");
    refused_as(g.admin, "PATCH", path, "{\"title\":\"x\",\"status\":\"published\"}", 400,
               "BAD_REQUEST");
    snprintf(body, sizeof(body), "{\"building_ids\":[%lld]}", (long long)g.b3);
    refused_as(g.admin, "PATCH", path, body, 400, "BAD_REQUEST");
    /* an expiry that passed before publishing: 409, nothing changed */
    {
        struct db_param p[1] = {P_INT(draft)};
        it_sql_exec("UPDATE notices SET expires_at = UTC_TIMESTAMP() - INTERVAL 1 MINUTE "
                    "WHERE id = ?",
                    p, 1);
        notice_step(draft, "publish", 409, "NOTICE_EXPIRED");
        call_as(g.admin, "PATCH", path, "{\"expires_at\":null}", 200, NULL);
        notice_step(draft, "publish", 200, NULL);
    }
    call_as(g.admin, "GET", "/api/v1/office/notices/999999999", NULL, 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/office/notices/%lld/readers", (long long)draft);
    call_as(g.admin, "GET", path, NULL, 400, "BAD_REQUEST");
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/notices?status=sent",
             (long long)g.proj);
    call_as(g.admin, "GET", path, NULL, 400, "BAD_REQUEST");
}

/* ---- surveys ----------------------------------------------------------------------- */

#define QUESTIONS                                                                                  \
    "\"questions\":[{\"kind\":\"single\",\"title\":\"您对物业服务满意吗\","                        \
    "\"options\":[\"满意\",\"不满意\"]},"                                                          \
    "{\"kind\":\"multiple\",\"title\":\"希望改进哪些方面\",\"required\":false,"                    \
    "\"options\":[\"保洁\",\"绿化\",\"安保\"]},"                                                   \
    "{\"kind\":\"score\",\"title\":\"请为保洁打分\"},"                                             \
    "{\"kind\":\"text\",\"title\":\"其他建议\",\"required\":false}]"

static int64_t survey_create(const char *opens, const char *closes)
{
    char path[96], body[1024];

    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/surveys", (long long)g.proj);
    snprintf(body, sizeof(body),
             "{\"title\":\"2026 年满意度调查\",\"description\":\"请花一分钟\","
             "\"opens_at\":\"%s\",\"closes_at\":\"%s\"," QUESTIONS "}",
             opens, closes);
    return call_as(g.admin, "POST", path, body, 201, NULL);
}

static void survey_step(int64_t id, const char *step, long status, const char *code)
{
    char path[96];

    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld/%s", (long long)id, step);
    if (status == 200)
        call_as(g.admin, "POST", path, NULL, 200, NULL);
    else
        refused_as(g.admin, "POST", path, NULL, status, code);
}

static void answer(int who, int64_t id, const char *answers, long status, const char *code)
{
    char path[96], body[1024];

    snprintf(path, sizeof(path), "/api/v1/owner/surveys/%lld/answers", (long long)id);
    snprintf(body, sizeof(body), "{\"answers\":[%s]}", answers);
    if (status == 204)
        call_as(g.tok[who], "POST", path, body, 204, NULL);
    else
        refused_as(g.tok[who], "POST", path, body, status, code);
}

static bool owner_sees_survey(int who, int64_t id)
{
    struct http_resp r;
    bool found = it_find_int(it_field(get_ok(g.tok[who], "/api/v1/owner/surveys", &r), "items"),
                             "id", id) != NULL;

    it_resp_free(&r);
    return found;
}

static void surveys_answer_once_results_files(void **state)
{
    char opens[26], closes[26], path[128], ctype[128];
    struct http_resp r;
    int64_t id;
    cJSON *o, *q;

    (void)state;
    util_time_rfc3339(time(NULL) - 3600, opens);
    util_time_rfc3339(time(NULL) + 7 * 86400, closes);
    id = survey_create(opens, closes);
    /* a draft: not listed, not shown, not answerable */
    assert_false(owner_sees_survey(A, id));
    snprintf(path, sizeof(path), "/api/v1/owner/surveys/%lld", (long long)id);
    call_as(g.tok[A], "GET", path, NULL, 404, "NOT_FOUND");
    answer(A, id, "{\"question_no\":1,\"choices\":[1]},{\"question_no\":3,\"score\":5}", 404,
           "NOT_FOUND");

    survey_step(id, "publish", 200, NULL);
    survey_step(id, "publish", 409, "SURVEY_NOT_DRAFT");
    /* the whole project's WeChat owners now: A and C (D moved out) */
    assert_int_equal(it_wechat_queued("survey", id, 0), 2);
    assert_int_equal(it_wechat_queued("survey", id, g.person[A]), 1);
    assert_int_equal(it_wechat_queued("survey", id, g.person[C]), 1);

    assert_true(owner_sees_survey(A, id));
    assert_true(owner_sees_survey(C, id));
    assert_false(owner_sees_survey(D, id));
    assert_false(owner_sees_survey(E, id));
    o = get_ok(g.tok[A], path, &r);
    assert_true(cJSON_IsTrue(it_field(o, "open")));
    assert_false(cJSON_IsTrue(it_field(o, "answered")));
    assert_int_equal(cJSON_GetArraySize(it_field(o, "questions")), 4);
    q = cJSON_GetArrayItem(it_field(o, "questions"), 1);
    assert_string_equal(it_str(q, "kind"), "multiple");
    assert_false(cJSON_IsTrue(it_field(q, "required")));
    assert_int_equal(cJSON_GetArraySize(it_field(q, "options")), 3);
    it_resp_free(&r);

    /* bad answers: each 400, nothing written */
    {
        const char *const bad[] = {
            "{\"question_no\":1,\"choices\":[1]}",                             /* q3 missing */
            "{\"question_no\":1,\"choices\":[3]},{\"question_no\":3,\"score\":5}", /* no option 3 */
            "{\"question_no\":1,\"choices\":[1,2]},{\"question_no\":3,\"score\":5}",
            "{\"question_no\":1,\"choices\":[1]},{\"question_no\":3,\"score\":6}",
            "{\"question_no\":1,\"choices\":[1]},{\"question_no\":3,\"score\":0}",
            "{\"question_no\":1,\"choices\":[1]},{\"question_no\":3,\"text\":\"五\"}",
            "{\"question_no\":1,\"choices\":[1]},{\"question_no\":3,\"score\":5},"
            "{\"question_no\":9,\"text\":\"多\"}",
            "{\"question_no\":1,\"choices\":[1]},{\"question_no\":3,\"score\":5},"
            "{\"question_no\":1,\"choices\":[2]}",
            "{\"question_no\":1,\"choices\":[1]},{\"question_no\":2,\"choices\":[1,1]},"
            "{\"question_no\":3,\"score\":5}",
            "{\"question_no\":1,\"choices\":[1]},{\"question_no\":3,\"score\":5},"
            "{\"question_no\":4,\"text\":\"\"}",
            "{\"question_no\":1,\"choices\":[1]},{\"question_no\":3,\"score\":\"5\"}",
            "{\"question_no\":1,\"choice\":1},{\"question_no\":3,\"score\":5}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
            answer(A, id, bad[i], 400, "BAD_REQUEST");
        answer(A, id, "", 400, "BAD_REQUEST");
    }

    /* A, B and C answer; A once only */
    answer(A, id,
           "{\"question_no\":1,\"choices\":[1]},{\"question_no\":2,\"choices\":[1,3]},"
           "{\"question_no\":3,\"score\":5},{\"question_no\":4,\"text\":\"电梯太慢\"}",
           204, NULL);
    answer(A, id, "{\"question_no\":1,\"choices\":[2]},{\"question_no\":3,\"score\":1}", 409,
           "SURVEY_ANSWERED");
    answer(B, id, "{\"question_no\":1,\"choices\":[2]},{\"question_no\":3,\"score\":4}", 204, NULL);
    answer(C, id,
           "{\"question_no\":3,\"score\":4},{\"question_no\":2,\"choices\":[3]},"
           "{\"question_no\":1,\"choices\":[1]},{\"question_no\":4,\"text\":\"绿化不错\"}",
           204, NULL);
    /* not theirs: moved out, another project */
    answer(D, id, "{\"question_no\":1,\"choices\":[1]},{\"question_no\":3,\"score\":5}", 404,
           "NOT_FOUND");
    answer(E, id, "{\"question_no\":1,\"choices\":[1]},{\"question_no\":3,\"score\":5}", 404,
           "NOT_FOUND");
    o = get_ok(g.tok[A], path, &r);
    assert_true(cJSON_IsTrue(it_field(o, "answered")));
    it_resp_free(&r);

    /* the results, exactly */
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld/results", (long long)id);
    o = get_ok(g.admin, path, &r);
    assert_int_equal(it_int(o, "responses"), 3);
    q = cJSON_GetArrayItem(it_field(o, "questions"), 0);
    assert_int_equal(it_int(q, "answered"), 3);
    assert_int_equal(it_int(cJSON_GetArrayItem(it_field(q, "options"), 0), "count"), 2);
    assert_int_equal(it_int(cJSON_GetArrayItem(it_field(q, "options"), 1), "count"), 1);
    q = cJSON_GetArrayItem(it_field(o, "questions"), 1);
    assert_int_equal(it_int(q, "answered"), 2);
    assert_int_equal(it_int(cJSON_GetArrayItem(it_field(q, "options"), 0), "count"), 1);
    assert_int_equal(it_int(cJSON_GetArrayItem(it_field(q, "options"), 1), "count"), 0);
    assert_int_equal(it_int(cJSON_GetArrayItem(it_field(q, "options"), 2), "count"), 2);
    q = cJSON_GetArrayItem(it_field(o, "questions"), 2);
    assert_int_equal(it_int(q, "answered"), 3);
    {
        const int64_t want[] = {0, 0, 0, 2, 1};
        for (int s = 0; s < 5; s++) {
            cJSON *x = cJSON_GetArrayItem(it_field(q, "scores"), s);
            assert_int_equal(it_int(x, "score"), s + 1);
            assert_int_equal(it_int(x, "count"), want[s]);
        }
    }
    assert_int_equal(it_int(q, "avg_score_x100"), 433); /* (5 + 4 + 4) / 3 = 4.333… */
    q = cJSON_GetArrayItem(it_field(o, "questions"), 3);
    assert_int_equal(it_int(q, "answered"), 2);
    it_resp_free(&r);

    /* the free texts, a page of one at a time */
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld/texts?limit=1", (long long)id);
    o = get_ok(g.admin, path, &r);
    assert_string_equal(it_str(cJSON_GetArrayItem(it_field(o, "items"), 0), "text"), "电梯太慢");
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld/texts?limit=1&cursor=%s",
             (long long)id, it_str(o, "next_cursor"));
    it_resp_free(&r);
    o = get_ok(g.admin, path, &r);
    assert_string_equal(it_str(cJSON_GetArrayItem(it_field(o, "items"), 0), "text"), "绿化不错");
    assert_true(cJSON_IsNull(it_field(o, "next_cursor")));
    it_resp_free(&r);

    /* the files */
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld/results?format=csv", (long long)id);
    it_http_typed("GET", path, NULL, 0, NULL, g.admin, &r, ctype, sizeof(ctype));
    it_expect(&r, 200, NULL);
    assert_non_null(strstr(ctype, "text/csv"));
    buf_append(&r.body, "", 1);
    assert_non_null(strstr(r.body.data, "平均分×100"));
    assert_non_null(strstr(r.body.data, ",433"));
    assert_non_null(strstr(r.body.data, "电梯太慢"));
    assert_non_null(strstr(r.body.data, "希望改进哪些方面,3,安保,2"));
    it_resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld/results?format=xlsx", (long long)id);
    it_http_typed("GET", path, NULL, 0, NULL, g.admin, &r, ctype, sizeof(ctype));
    it_expect(&r, 200, NULL);
    assert_non_null(strstr(ctype, "spreadsheetml"));
    assert_true(r.body.len > 4 && memcmp(r.body.data, "PK", 2) == 0);
    it_resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld/results?format=pdf", (long long)id);
    call_as(g.admin, "GET", path, NULL, 400, "BAD_REQUEST");

    /* closed: no more answers; a second close 409 */
    survey_step(id, "close", 200, NULL);
    answer(C, id, "{\"question_no\":1,\"choices\":[1]},{\"question_no\":3,\"score\":5}", 409,
           "SURVEY_NOT_OPEN");
    survey_step(id, "close", 409, "SURVEY_NOT_PUBLISHED");
    survey_step(id, "publish", 409, "SURVEY_NOT_DRAFT");
    assert_false(owner_sees_survey(A, id));
    snprintf(path, sizeof(path), "/api/v1/owner/surveys/%lld", (long long)id);
    o = get_ok(g.tok[A], path, &r);
    assert_string_equal(it_str(o, "status"), "closed");
    assert_false(cJSON_IsTrue(it_field(o, "open")));
    it_resp_free(&r);
    /* nothing more was queued */
    assert_int_equal(it_wechat_queued("survey", id, 0), 2);
    {
        struct db_param p[1] = {P_INT(id)};
        char audit[256];
        it_sql_str("SELECT CONCAT(JSON_VALUE(detail, '$.before.status'), '|', "
                   "JSON_VALUE(detail, '$.after.status')) FROM audit_log WHERE entity = 'survey' "
                   "AND entity_id = ? AND action = 'close_survey'",
                   p, 1, audit, sizeof(audit));
        assert_string_equal(audit, "published|closed");
    }
}

static void surveys_not_open_and_bad_input(void **state)
{
    char opens[26], closes[26], past[26], path[128], body[2048];
    struct http_resp r;
    int64_t later;
    cJSON *o;

    (void)state;
    util_time_rfc3339(time(NULL) + 86400, opens);
    util_time_rfc3339(time(NULL) + 2 * 86400, closes);
    util_time_rfc3339(time(NULL) - 60, past);
    /* opens tomorrow: shown, not listed as open, no answers */
    later = survey_create(opens, closes);
    survey_step(later, "publish", 200, NULL);
    assert_false(owner_sees_survey(A, later));
    snprintf(path, sizeof(path), "/api/v1/owner/surveys/%lld", (long long)later);
    o = get_ok(g.tok[A], path, &r);
    assert_false(cJSON_IsTrue(it_field(o, "open")));
    it_resp_free(&r);
    answer(A, later, "{\"question_no\":1,\"choices\":[1]},{\"question_no\":3,\"score\":5}", 409,
           "SURVEY_NOT_OPEN");
    /* its period passed before it was published: 409 */
    {
        int64_t over = survey_create(opens, closes);
        struct db_param p[1] = {P_INT(over)};
        it_sql_exec("UPDATE surveys SET closes_at = UTC_TIMESTAMP() - INTERVAL 1 MINUTE "
                    "WHERE id = ?",
                    p, 1);
        survey_step(over, "publish", 409, "SURVEY_NOT_OPEN");
        survey_step(over, "close", 409, "SURVEY_NOT_PUBLISHED");
    }

    /* bad surveys: each 400, nothing written */
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/surveys", (long long)g.proj);
    {
        const char *const questions[] = {
            "\"questions\":[]",
            "\"questions\":{}",
            "\"questions\":[{\"kind\":\"single\",\"title\":\"一个选项\",\"options\":[\"是\"]}]",
            "\"questions\":[{\"kind\":\"single\",\"title\":\"重复\",\"options\":[\"是\",\"是\"]}]",
            "\"questions\":[{\"kind\":\"vote\",\"title\":\"类别\"}]",
            "\"questions\":[{\"kind\":\"score\",\"title\":\"打分\",\"options\":[\"1\",\"2\"]}]",
            "\"questions\":[{\"kind\":\"text\",\"title\":\"\"}]",
            "\"questions\":[{\"kind\":\"text\",\"title\":\"多余\",\"hint\":\"x\"}]",
            "\"questions\":[{\"kind\":\"single\",\"title\":\"数字\",\"options\":[1,2]}]",
            "\"questions\":[{\"kind\":\"text\",\"title\":\"必答\",\"required\":\"yes\"}]",
        };
        for (size_t i = 0; i < sizeof(questions) / sizeof(questions[0]); i++) {
            snprintf(body, sizeof(body),
                     "{\"title\":\"坏问卷\",\"opens_at\":\"%s\",\"closes_at\":\"%s\",%s}", opens,
                     closes, questions[i]);
            refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");
        }
    }
    /* 31 questions */
    {
        size_t used = (size_t)snprintf(body, sizeof(body),
                                       "{\"title\":\"太长\",\"opens_at\":\"%s\",\"closes_at\":"
                                       "\"%s\",\"questions\":[",
                                       opens, closes);
        for (int i = 0; i < 31; i++)
            used += (size_t)snprintf(body + used, sizeof(body) - used,
                                     "%s{\"kind\":\"score\",\"title\":\"打分\"}", i ? "," : "");
        snprintf(body + used, sizeof(body) - used, "]}");
        refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");
    }
    /* the period: reversed, over, missing, not RFC 3339 */
    snprintf(body, sizeof(body), "{\"title\":\"倒序\",\"opens_at\":\"%s\",\"closes_at\":\"%s\"," QUESTIONS "}",
             closes, opens);
    refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body), "{\"title\":\"过期\",\"opens_at\":\"%s\",\"closes_at\":\"%s\"," QUESTIONS "}",
             past, past);
    refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body), "{\"title\":\"无期\",\"opens_at\":\"%s\"," QUESTIONS "}", opens);
    refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body),
             "{\"title\":\"格式\",\"opens_at\":\"2026-12-01\",\"closes_at\":\"%s\"," QUESTIONS "}",
             closes);
    refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body),
             "{\"title\":\"楼栋\",\"opens_at\":\"%s\",\"closes_at\":\"%s\",\"building_ids\":[%lld],"
             QUESTIONS "}",
             opens, closes, (long long)g.b3);
    refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");
    /* scope: another project's survey and project */
    snprintf(body, sizeof(body), "{\"title\":\"别处\",\"opens_at\":\"%s\",\"closes_at\":\"%s\"," QUESTIONS "}",
             opens, closes);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/surveys", (long long)g.proj2);
    refused_as(g.admin, "POST", path, body, 404, "NOT_FOUND");
    refused_as(g.butler, "POST", path, body, 403, "FORBIDDEN");
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld", (long long)g.other_survey);
    call_as(g.admin, "GET", path, NULL, 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld/results", (long long)g.other_survey);
    call_as(g.admin, "GET", path, NULL, 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld/texts", (long long)g.other_survey);
    call_as(g.admin, "GET", path, NULL, 404, "NOT_FOUND");
    survey_step(g.other_survey, "close", 404, "NOT_FOUND");
    /* ZNTC2's survey is its owners' */
    assert_true(owner_sees_survey(E, g.other_survey));
    assert_false(owner_sees_survey(A, g.other_survey));
    answer(A, g.other_survey, "{\"question_no\":1,\"score\":5}", 404, "NOT_FOUND");
    answer(E, g.other_survey, "{\"question_no\":1,\"score\":5}", 204, NULL);
    /* the office's list */
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/surveys?status=published",
             (long long)g.proj);
    o = get_ok(g.admin, path, &r);
    assert_int_equal(it_int(cJSON_GetArrayItem(it_field(o, "items"), 0), "id"), later);
    it_resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/surveys?status=open",
             (long long)g.proj);
    call_as(g.admin, "GET", path, NULL, 400, "BAD_REQUEST");
}

/* ---- the demo (make run) ------------------------------------------------------------ */

/* 张伟 (1栋) sees the demo's water cut notice, the pinned one first, and
 * the open survey; 李娜 (2栋) only the pinned one. */
static void demo_owner_sees_notice_and_survey(void **state)
{
    char *zhang = it_owner_login_sms("13800000001"), *li = it_owner_login_sms("13800000002");
    struct http_resp r;
    cJSON *items;

    (void)state;
    assert_non_null(zhang);
    assert_non_null(li);
    items = it_field(get_ok(zhang, "/api/v1/owner/notices", &r), "items");
    assert_int_equal(cJSON_GetArraySize(items), 2);
    assert_string_equal(it_str(cJSON_GetArrayItem(items, 0), "title"), "物业服务中心办公时间");
    assert_string_equal(it_str(cJSON_GetArrayItem(items, 1), "title"), "停水通知");
    it_resp_free(&r);
    items = it_field(get_ok(li, "/api/v1/owner/notices", &r), "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_null(it_find_str(items, "title", "停水通知"));
    it_resp_free(&r);
    items = it_field(get_ok(zhang, "/api/v1/owner/surveys", &r), "items");
    assert_non_null(it_find_str(items, "title", "2026 年度物业服务满意度调查"));
    it_resp_free(&r);
    free(zhang);
    free(li);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(notices_audience_read_status_withdraw),
        cmocka_unit_test(notices_pinned_first_newest_first_paged),
        cmocka_unit_test(notices_bad_input_changes_nothing),
        cmocka_unit_test(surveys_answer_once_results_files),
        cmocka_unit_test(surveys_not_open_and_bad_input),
        cmocka_unit_test(demo_owner_sees_notice_and_survey),
        cmocka_unit_test(it_logs_hold_no_secrets),
    };
    return cmocka_run_group_tests_name("integration_notices", tests, setup, teardown);
}
