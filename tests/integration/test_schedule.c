/*
 * test_schedule.c — scheduled publishing of announcements and surveys
 * (定时发布, NTC-1, NTC-4; docs/notices.md, docs/api.md §7.18, §7.19) over
 * the real stack, the periodic job scheduled_publish run every second for
 * the binary's length (60 s otherwise):
 *   - a notice scheduled 2 s ahead is a draft nobody sees, then goes out by
 *     itself: the owners of its audience see it, the WeChat outbox has each
 *     of their rows once, the audit row is the scheduler's and says it was
 *     the schedule, and later slots do nothing more;
 *   - a publish by hand before the time, or at the same moment as the job,
 *     publishes it once;
 *   - a past, malformed or too late publish_at is 400 with nothing changed;
 *     PATCH of a published one is 409; null removes a schedule;
 *   - an expired notice, a survey past its closes_at, a scheduler who no
 *     longer serves the project: the schedule is cleared (audited, by the
 *     system, with the reason), the row stays a draft, nothing is queued;
 *   - a survey scheduled by PATCH opens by itself;
 *   - two masters on one database: several rows due at once, each
 *     published once, in order; the scan reads the (status, publish_at)
 *     index;
 *   - another project's notice and survey: 404.
 *
 * Everything in two projects of its own (ZSCH: buildings S1, S2, served by
 * the demo admin; ZSCH2: not), owners of phones 1350000002x.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "itest.h"

static struct {
    char *admin;
    int64_t admin_id, proj, s1, s2, proj2;
    /* owners: A (S1, WeChat), B (S1, SMS only), C (S2, WeChat) */
    char *tok[3];
    int64_t person[3];
    int64_t other_notice, other_survey; /* ZSCH2's drafts */
} g;

enum { A, B, C };

#define call_as(tok, m, path, body, st, code)                                                      \
    it_call_at((tok), (m), (path), (body), (st), (code), false, __FILE__, __LINE__)
#define refused_as(tok, m, path, body, st, code)                                                   \
    it_refused_at((tok), (m), (path), (body), (st), (code), __FILE__, __LINE__)

#define QUESTIONS "\"questions\":[{\"kind\":\"score\",\"title\":\"请为保洁打分\"}]"

/* ---- fixture ----------------------------------------------------------------------- */

static void add_home(int i, int64_t bldg, bool wechat)
{
    char phone[24], code[24], name[40];
    struct db_param p[3];
    int64_t home;

    snprintf(phone, sizeof(phone), "1350000002%d", i + 1);
    snprintf(code, sizeof(code), "ZS-%d", i + 1);
    snprintf(name, sizeof(name), "定时业主%d", i + 1);
    p[0] = P_INT(g.proj);
    p[1] = P_INT(bldg);
    p[2] = P_STR(code);
    it_sql_exec("INSERT INTO resources (project_id, building_id, code, number, kind, area_m2x100) "
                "VALUES (?, ?, ?, '101', 'home', 9000)",
                p, 3);
    home = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    p[0] = P_STR(name);
    p[1] = P_STR(phone);
    it_sql_exec("INSERT INTO persons (name, phone) VALUES (?, ?)", p, 2);
    g.person[i] = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    p[0] = P_INT(g.person[i]);
    p[1] = P_INT(home);
    it_sql_exec("INSERT INTO person_resources (person_id, resource_id, relation, moved_in_on) "
                "VALUES (?, ?, 'owner', '2026-01-01')",
                p, 2);
    g.tok[i] = wechat ? it_owner_login_wechat(phone) : it_owner_login_sms(phone);
}

static int setup(void **state)
{
    struct db_param p[2];

    (void)state;
    g.proj = it_add_project("ZSCH", "定时测试小区");
    g.s1 = it_add_building(g.proj, "S1");
    g.s2 = it_add_building(g.proj, "S2");
    g.proj2 = it_add_project("ZSCH2", "定时测试二区");
    it_add_building(g.proj2, "T1");
    g.admin_id = it_sql_int("SELECT id FROM staff WHERE phone = '13900000009'", NULL, 0);
    p[0] = P_INT(g.proj);
    it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) SELECT id, ? FROM staff "
                "WHERE phone = '13900000009'",
                p, 1);
    add_home(A, g.s1, true);
    add_home(B, g.s1, false);
    add_home(C, g.s2, true);
    /* ZSCH2's drafts, scheduled by a member who does not serve it */
    p[0] = P_INT(g.proj2);
    p[1] = P_INT(g.admin_id);
    it_sql_exec("INSERT INTO notices (project_id, title, body, category, created_by, publish_at, "
                "publish_by) VALUES (?, '二区定时', '二区的通知', 'notice', 9, "
                "UTC_TIMESTAMP() + INTERVAL 1 DAY, ?)",
                p, 2);
    g.other_notice = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    it_sql_exec("INSERT INTO surveys (project_id, title, opens_at, closes_at, created_by, "
                "publish_at, publish_by) VALUES (?, '二区问卷', UTC_TIMESTAMP(), "
                "UTC_TIMESTAMP() + INTERVAL 2 DAY, 9, UTC_TIMESTAMP() + INTERVAL 1 DAY, ?)",
                p, 2);
    g.other_survey = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    p[0] = P_INT(g.other_survey);
    it_sql_exec("INSERT INTO survey_questions (survey_id, no, kind, title, required, options) "
                "VALUES (?, 1, 'score', '打分', 1, '[]')",
                p, 1);
    g.admin = it_staff_login("13900000009", "demo1234");
    /* the job every second while this binary runs */
    it_sql_exec("UPDATE job_schedule SET every_s = 1 WHERE name = 'scheduled_publish'", NULL, 0);
    for (int i = 0; i < 3; i++)
        if (!g.tok[i])
            return -1;
    return g.admin && g.admin_id > 0 ? 0 : -1;
}

static int teardown(void **state)
{
    struct db_param p[1] = {P_INT(g.proj)};

    (void)state;
    it_sql_exec("UPDATE job_schedule SET every_s = 60 WHERE name = 'scheduled_publish'", NULL, 0);
    it_sql_exec("DELETE FROM staff_projects WHERE project_id = ?", p, 1);
    free(g.admin);
    for (int i = 0; i < 3; i++)
        free(g.tok[i]);
    return 0;
}

/* ---- helpers ----------------------------------------------------------------------- */

static int64_t sql_int1(const char *sql, int64_t v)
{
    struct db_param p[1] = {P_INT(v)};

    return it_sql_int(sql, p, 1);
}

/* Poll sql (one int, of id) until it is want, at most seconds; its last value. */
static int64_t wait_for(const char *sql, int64_t id, int64_t want, int seconds)
{
    int64_t v = sql_int1(sql, id);

    for (int i = 0; i < seconds * 10 && v != want; i++) {
        usleep(100 * 1000);
        v = sql_int1(sql, id);
    }
    return v;
}

static void at_offset(int seconds, char out[26])
{
    util_time_rfc3339(time(NULL) + seconds, out);
}

static int64_t notice_create(const char *extra)
{
    char path[96], body[512];

    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/notices", (long long)g.proj);
    snprintf(body, sizeof(body),
             "{\"title\":\"S1 定时通知\",\"body\":\"明早 8 点停电检修\",\"category\":\"outage\","
             "\"building_ids\":[%lld]%s}",
             (long long)g.s1, extra);
    return call_as(g.admin, "POST", path, body, 201, NULL);
}

static int64_t survey_create(const char *extra)
{
    char path[96], body[1024], opens[26], closes[26];

    at_offset(-60, opens);
    at_offset(86400, closes);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/surveys", (long long)g.proj);
    snprintf(body, sizeof(body),
             "{\"title\":\"定时问卷\",\"opens_at\":\"%s\",\"closes_at\":\"%s\"%s," QUESTIONS "}",
             opens, closes, extra);
    return call_as(g.admin, "POST", path, body, 201, NULL);
}

/* GET the office's notice or survey ("notices"/"surveys"); the caller frees r. */
static cJSON *office_get(const char *what, int64_t id, struct http_resp *r)
{
    char path[96];

    snprintf(path, sizeof(path), "/api/v1/office/%s/%lld", what, (long long)id);
    it_http("GET", path, NULL, 0, g.admin, r);
    it_expect(r, 200, NULL);
    return r->json;
}

static bool owner_sees(int who, const char *what, int64_t id)
{
    char path[96];
    struct http_resp r;
    bool found;

    snprintf(path, sizeof(path), "/api/v1/owner/%s?limit=200", what);
    it_http("GET", path, NULL, 0, g.tok[who], &r);
    it_expect(&r, 200, NULL);
    found = it_find_int(it_field(r.json, "items"), "id", id) != NULL;
    it_resp_free(&r);
    return found;
}

/* Audit rows of entity id with action. */
static int64_t audits(const char *entity, int64_t id, const char *action)
{
    struct db_param p[3] = {P_STR(entity), P_INT(id), P_STR(action)};

    return it_sql_int("SELECT COUNT(*) FROM audit_log WHERE entity = ? AND entity_id = ? AND "
                      "action = ?",
                      p, 3);
}

/* "actor_kind|actor_id|context.source|context.reason" of the one such row. */
static void audit_of(const char *entity, int64_t id, const char *action, char *out, size_t size)
{
    struct db_param p[3] = {P_STR(entity), P_INT(id), P_STR(action)};

    it_sql_str("SELECT CONCAT_WS('|', actor_kind, actor_id, "
               "JSON_VALUE(detail, '$.context.source'), "
               "IFNULL(JSON_VALUE(detail, '$.context.reason'), '')) FROM audit_log "
               "WHERE entity = ? AND entity_id = ? AND action = ?",
               p, 3, out, size);
}

static void step(const char *what, int64_t id, const char *verb, long status, const char *code)
{
    char path[96];

    snprintf(path, sizeof(path), "/api/v1/office/%s/%lld/%s", what, (long long)id, verb);
    if (status == 200)
        call_as(g.admin, "POST", path, NULL, 200, NULL);
    else
        refused_as(g.admin, "POST", path, NULL, status, code);
}

/* ---- announcements ----------------------------------------------------------------- */

static void notice_goes_out_by_itself(void **state)
{
    char at[26], extra[64], audit[256], want[64];
    struct http_resp r;
    int64_t id;

    (void)state;
    at_offset(2, at);
    snprintf(extra, sizeof(extra), ",\"publish_at\":\"%s\"", at);
    id = notice_create(extra);
    /* a draft with its schedule: shown so to the office, to nobody else */
    office_get("notices", id, &r);
    assert_string_equal(it_str(r.json, "status"), "draft");
    assert_string_equal(it_str(r.json, "publish_at"), at);
    assert_true(cJSON_IsNull(it_field(r.json, "published_at")));
    it_resp_free(&r);
    assert_int_equal(sql_int1("SELECT publish_by FROM notices WHERE id = ?", id), g.admin_id);
    assert_false(owner_sees(A, "notices", id));
    assert_false(owner_sees(B, "notices", id));
    assert_int_equal(it_wechat_queued("notice", id, 0), 0);

    /* its time comes: published by the job */
    assert_int_equal(wait_for("SELECT status = 'published' FROM notices WHERE id = ?", id, 1, 15),
                     1);
    assert_true(owner_sees(A, "notices", id));
    assert_true(owner_sees(B, "notices", id));
    assert_false(owner_sees(C, "notices", id));
    /* at or after its time, never before */
    assert_int_equal(sql_int1("SELECT published_at >= (SELECT JSON_VALUE(detail, "
                              "'$.before.publish_at') FROM audit_log WHERE entity = 'notice' "
                              "AND entity_id = n.id AND action = 'publish_notice') "
                              "FROM notices n WHERE id = ?",
                              id),
                     1);
    office_get("notices", id, &r);
    assert_string_equal(it_str(r.json, "status"), "published");
    assert_true(cJSON_IsNull(it_field(r.json, "publish_at")));
    assert_false(cJSON_IsNull(it_field(r.json, "published_at")));
    it_resp_free(&r);
    /* the audience's WeChat owner once (B has no openid, C is of S2) */
    assert_int_equal(it_wechat_queued("notice", id, 0), 1);
    assert_int_equal(it_wechat_queued("notice", id, g.person[A]), 1);
    /* the audit row: the scheduler's, by the schedule */
    assert_int_equal(audits("notice", id, "publish_notice"), 1);
    audit_of("notice", id, "publish_notice", audit, sizeof(audit));
    snprintf(want, sizeof(want), "staff|%lld|schedule|", (long long)g.admin_id);
    assert_string_equal(audit, want);
    /* later slots do nothing more */
    sleep(3);
    assert_int_equal(audits("notice", id, "publish_notice"), 1);
    assert_int_equal(it_wechat_queued("notice", id, 0), 1);
    /* published: its schedule can no longer be set */
    {
        char path[96], body[64];
        at_offset(3600, at);
        snprintf(path, sizeof(path), "/api/v1/office/notices/%lld", (long long)id);
        snprintf(body, sizeof(body), "{\"publish_at\":\"%s\"}", at);
        refused_as(g.admin, "PATCH", path, body, 409, "NOTICE_NOT_DRAFT");
        refused_as(g.admin, "PATCH", path, "{\"publish_at\":null}", 409, "NOTICE_NOT_DRAFT");
    }
}

static void notice_published_by_hand_once(void **state)
{
    char at[26], extra[64];
    struct http_resp r;
    int64_t early, race;
    long st;

    (void)state;
    /* by hand, an hour early: published now, its schedule gone */
    at_offset(3600, at);
    snprintf(extra, sizeof(extra), ",\"publish_at\":\"%s\"", at);
    early = notice_create(extra);
    step("notices", early, "publish", 200, NULL);
    office_get("notices", early, &r);
    assert_string_equal(it_str(r.json, "status"), "published");
    assert_true(cJSON_IsNull(it_field(r.json, "publish_at")));
    it_resp_free(&r);
    assert_true(owner_sees(A, "notices", early));
    /* even a stale schedule on a published row is not the job's: it reads
     * drafts only, and re-checks the state under the lock */
    it_sql_exec("UPDATE notices SET publish_at = UTC_TIMESTAMP() - INTERVAL 1 MINUTE, "
                "publish_by = ? WHERE id = ?",
                (struct db_param[]){P_INT(g.admin_id), P_INT(early)}, 2);
    sleep(3);
    assert_int_equal(audits("notice", early, "publish_notice"), 1);
    assert_int_equal(it_wechat_queued("notice", early, 0), 1);
    {
        char audit[128], want[64];
        audit_of("notice", early, "publish_notice", audit, sizeof(audit));
        snprintf(want, sizeof(want), "staff|%lld|",
                 (long long)g.admin_id); /* by hand: no context */
        assert_string_equal(audit, want);
    }

    /* by hand at the moment the job takes it: one of the two publishes */
    at_offset(2, at);
    snprintf(extra, sizeof(extra), ",\"publish_at\":\"%s\"", at);
    race = notice_create(extra);
    while (sql_int1("SELECT publish_at > UTC_TIMESTAMP() FROM notices WHERE id = ?", race))
        usleep(20 * 1000);
    {
        char path[96];
        snprintf(path, sizeof(path), "/api/v1/office/notices/%lld/publish", (long long)race);
        it_http("POST", path, NULL, 0, g.admin, &r);
        st = r.status;
        if (st != 200)
            it_expect(&r, 409, "NOTICE_NOT_DRAFT");
        it_resp_free(&r);
    }
    sleep(3);
    print_message("the publish by hand answered %ld\n", st);
    assert_int_equal(audits("notice", race, "publish_notice"), 1);
    assert_int_equal(it_wechat_queued("notice", race, 0), 1);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM notices WHERE id = ? AND status = "
                              "'published' AND publish_at IS NULL",
                              race),
                     1);
}

static void notice_bad_schedule_changes_nothing(void **state)
{
    char path[96], draft_path[96], body[256], past[26], soon[26], later[26];
    struct http_resp r;
    int64_t draft;

    (void)state;
    at_offset(-60, past);
    at_offset(3600, soon);
    at_offset(7200, later);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/notices", (long long)g.proj);
    {
        const char *const fmt[] = {
            "{\"title\":\"过去\",\"body\":\"x\",\"category\":\"notice\",\"publish_at\":\"%s\"}",
            "{\"title\":\"格式\",\"body\":\"x\",\"category\":\"notice\",\"publish_at\":\"明早\"}",
            "{\"title\":\"无时区\",\"body\":\"x\",\"category\":\"notice\","
            "\"publish_at\":\"2030-01-01T08:00:00\"}",
            "{\"title\":\"数字\",\"body\":\"x\",\"category\":\"notice\",\"publish_at\":1}",
        };
        for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
            snprintf(body, sizeof(body), fmt[i], past);
            refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");
        }
    }
    /* at or after its own expiry */
    snprintf(body, sizeof(body),
             "{\"title\":\"晚了\",\"body\":\"x\",\"category\":\"notice\",\"publish_at\":\"%s\","
             "\"expires_at\":\"%s\"}",
             later, soon);
    refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body),
             "{\"title\":\"同时\",\"body\":\"x\",\"category\":\"notice\",\"publish_at\":\"%s\","
             "\"expires_at\":\"%s\"}",
             soon, soon);
    refused_as(g.admin, "POST", path, body, 400, "BAD_REQUEST");

    /* a draft's edits */
    snprintf(body, sizeof(body), ",\"publish_at\":\"%s\",\"expires_at\":\"%s\"", soon, later);
    draft = notice_create(body);
    snprintf(draft_path, sizeof(draft_path), "/api/v1/office/notices/%lld", (long long)draft);
    snprintf(body, sizeof(body), "{\"publish_at\":\"%s\"}", past);
    refused_as(g.admin, "PATCH", draft_path, body, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body), "{\"publish_at\":\"%s\"}", later); /* = its expiry */
    refused_as(g.admin, "PATCH", draft_path, body, 400, "BAD_REQUEST");
    /* an expiry moved before the schedule: the row as changed is checked */
    {
        char earlier[26];
        at_offset(1800, earlier);
        snprintf(body, sizeof(body), "{\"expires_at\":\"%s\"}", earlier);
        refused_as(g.admin, "PATCH", draft_path, body, 400, "BAD_REQUEST");
    }
    refused_as(g.admin, "PATCH", draft_path, "{\"publish_at\":\"\"}", 400, "BAD_REQUEST");

    /* null removes it: no schedule, no scheduler, audited */
    it_http("PATCH", draft_path, "{\"publish_at\":null}", (size_t)-1, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_true(cJSON_IsNull(it_field(r.json, "publish_at")));
    assert_string_equal(it_str(r.json, "status"), "draft");
    it_resp_free(&r);
    assert_int_equal(
        sql_int1("SELECT COUNT(*) FROM notices WHERE id = ? AND publish_at IS NULL AND "
                 "publish_by IS NULL",
                 draft),
        1);
    {
        char audit[128];
        it_sql_str("SELECT CONCAT(JSON_VALUE(detail, '$.before.publish_at') IS NOT NULL, '|', "
                   "JSON_VALUE(detail, '$.after.publish_at') IS NULL) FROM audit_log "
                   "WHERE entity = 'notice' AND entity_id = ? AND action = 'update_notice'",
                   (struct db_param[]){P_INT(draft)}, 1, audit, sizeof(audit));
        assert_string_equal(audit, "1|1");
    }
    /* set again by PATCH: shown, and the list shows it too */
    snprintf(body, sizeof(body), "{\"publish_at\":\"%s\"}", soon);
    it_http("PATCH", draft_path, body, (size_t)-1, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(r.json, "publish_at"), soon);
    it_resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/notices?status=draft",
             (long long)g.proj);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(it_find_int(it_field(r.json, "items"), "id", draft), "publish_at"),
                        soon);
    it_resp_free(&r);
}

static void notice_schedule_cleared_when_it_cannot_go_out(void **state)
{
    char at[26], extra[64], audit[256];
    int64_t expired;

    (void)state;
    at_offset(3600, at);
    snprintf(extra, sizeof(extra), ",\"publish_at\":\"%s\"", at);
    expired = notice_create(extra);
    /* due a minute ago, expired half a minute ago (the job had stopped) */
    it_sql_exec("UPDATE notices SET publish_at = UTC_TIMESTAMP() - INTERVAL 1 MINUTE, "
                "expires_at = UTC_TIMESTAMP() - INTERVAL 30 SECOND WHERE id = ?",
                (struct db_param[]){P_INT(expired)}, 1);
    assert_int_equal(
        wait_for("SELECT publish_at IS NULL FROM notices WHERE id = ?", expired, 1, 15), 1);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM notices WHERE id = ? AND status = 'draft' "
                              "AND publish_by IS NULL AND list_seq IS NULL",
                              expired),
                     1);
    assert_int_equal(audits("notice", expired, "publish_notice"), 0);
    assert_int_equal(audits("notice", expired, "unschedule_notice"), 1);
    audit_of("notice", expired, "unschedule_notice", audit, sizeof(audit));
    assert_string_equal(audit, "system|0|schedule|公告已过期");
    assert_int_equal(it_wechat_queued("notice", expired, 0), 0);
    assert_false(owner_sees(A, "notices", expired));

    /* ZSCH2's, scheduled by a member who does not serve ZSCH2: not theirs
     * to publish, so cleared */
    it_sql_exec("UPDATE notices SET publish_at = UTC_TIMESTAMP() - INTERVAL 1 SECOND WHERE id = ?",
                (struct db_param[]){P_INT(g.other_notice)}, 1);
    assert_int_equal(
        wait_for("SELECT publish_at IS NULL FROM notices WHERE id = ?", g.other_notice, 1, 15), 1);
    assert_int_equal(sql_int1("SELECT status = 'draft' FROM notices WHERE id = ?", g.other_notice),
                     1);
    audit_of("notice", g.other_notice, "unschedule_notice", audit, sizeof(audit));
    assert_string_equal(audit, "system|0|schedule|排定发布的人已不再负责该项目");
    assert_int_equal(it_wechat_queued("notice", g.other_notice, 0), 0);
}

/* ---- surveys ----------------------------------------------------------------------- */

static void survey_scheduled_opens_by_itself(void **state)
{
    char at[26], body[64], path[96], audit[256], want[64];
    struct http_resp r;
    int64_t id;

    (void)state;
    /* made without a schedule, scheduled by PATCH 2 s ahead */
    id = survey_create("");
    office_get("surveys", id, &r);
    assert_true(cJSON_IsNull(it_field(r.json, "publish_at")));
    it_resp_free(&r);
    at_offset(2, at);
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld", (long long)id);
    snprintf(body, sizeof(body), "{\"publish_at\":\"%s\"}", at);
    it_http("PATCH", path, body, (size_t)-1, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(r.json, "status"), "draft");
    assert_string_equal(it_str(r.json, "publish_at"), at);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "questions")), 1); /* unchanged */
    it_resp_free(&r);
    assert_int_equal(audits("survey", id, "update_survey"), 1);
    assert_false(owner_sees(A, "surveys", id));
    assert_int_equal(it_wechat_queued("survey", id, 0), 0);

    assert_int_equal(wait_for("SELECT status = 'published' FROM surveys WHERE id = ?", id, 1, 15),
                     1);
    office_get("surveys", id, &r);
    assert_true(cJSON_IsTrue(it_field(r.json, "open")));
    assert_true(cJSON_IsNull(it_field(r.json, "publish_at")));
    it_resp_free(&r);
    assert_true(owner_sees(A, "surveys", id));
    assert_true(owner_sees(C, "surveys", id));
    /* the whole project's WeChat owners, once each */
    assert_int_equal(it_wechat_queued("survey", id, 0), 2);
    assert_int_equal(it_wechat_queued("survey", id, g.person[A]), 1);
    assert_int_equal(it_wechat_queued("survey", id, g.person[C]), 1);
    audit_of("survey", id, "publish_survey", audit, sizeof(audit));
    snprintf(want, sizeof(want), "staff|%lld|schedule|", (long long)g.admin_id);
    assert_string_equal(audit, want);
    sleep(2);
    assert_int_equal(audits("survey", id, "publish_survey"), 1);
    assert_int_equal(it_wechat_queued("survey", id, 0), 2);
    /* published: 409 */
    refused_as(g.admin, "PATCH", path, "{\"publish_at\":null}", 409, "SURVEY_NOT_DRAFT");
}

static void survey_bad_schedule_and_cleared(void **state)
{
    char at[26], past[26], extra[64], body[128], path[96], audit[256];
    struct http_resp r;
    int64_t id, over;

    (void)state;
    at_offset(-60, past);
    /* on creation: past, after closes_at (a day ahead), malformed */
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/surveys", (long long)g.proj);
    {
        char opens[26], closes[26], late[26], full[1024];
        const char *const bad[] = {past, late, "下周一"};
        at_offset(-60, opens);
        at_offset(86400, closes);
        at_offset(2 * 86400, late);
        for (size_t i = 0; i < 3; i++) {
            snprintf(full, sizeof(full),
                     "{\"title\":\"坏\",\"opens_at\":\"%s\",\"closes_at\":\"%s\",\"publish_at\":"
                     "\"%s\"," QUESTIONS "}",
                     opens, closes, bad[i]);
            refused_as(g.admin, "POST", path, full, 400, "BAD_REQUEST");
        }
    }
    /* created with one, shown with it */
    at_offset(3600, at);
    snprintf(extra, sizeof(extra), ",\"publish_at\":\"%s\"", at);
    id = survey_create(extra);
    office_get("surveys", id, &r);
    assert_string_equal(it_str(r.json, "publish_at"), at);
    it_resp_free(&r);
    /* PATCH: past, after closes_at, missing, another member, not RFC 3339 */
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld", (long long)id);
    snprintf(body, sizeof(body), "{\"publish_at\":\"%s\"}", past);
    refused_as(g.admin, "PATCH", path, body, 400, "BAD_REQUEST");
    {
        char late[26];
        at_offset(2 * 86400, late);
        snprintf(body, sizeof(body), "{\"publish_at\":\"%s\"}", late);
        refused_as(g.admin, "PATCH", path, body, 400, "BAD_REQUEST");
    }
    refused_as(g.admin, "PATCH", path, "{}", 400, "BAD_REQUEST");
    refused_as(g.admin, "PATCH", path, "{\"title\":\"改题\"}", 400, "BAD_REQUEST");
    refused_as(g.admin, "PATCH", path, "{\"publish_at\":true}", 400, "BAD_REQUEST");
    /* null removes it */
    it_http("PATCH", path, "{\"publish_at\":null}", (size_t)-1, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_true(cJSON_IsNull(it_field(r.json, "publish_at")));
    it_resp_free(&r);
    assert_int_equal(
        sql_int1("SELECT publish_at IS NULL AND publish_by IS NULL FROM surveys WHERE id = ?", id),
        1);

    /* past its closes_at by the time it is due: cleared, not opened */
    over = survey_create(extra);
    it_sql_exec("UPDATE surveys SET publish_at = UTC_TIMESTAMP() - INTERVAL 2 MINUTE, "
                "closes_at = UTC_TIMESTAMP() - INTERVAL 1 MINUTE, "
                "opens_at = UTC_TIMESTAMP() - INTERVAL 1 DAY WHERE id = ?",
                (struct db_param[]){P_INT(over)}, 1);
    assert_int_equal(wait_for("SELECT publish_at IS NULL FROM surveys WHERE id = ?", over, 1, 15),
                     1);
    assert_int_equal(sql_int1("SELECT status = 'draft' AND publish_by IS NULL FROM surveys "
                              "WHERE id = ?",
                              over),
                     1);
    assert_int_equal(audits("survey", over, "publish_survey"), 0);
    audit_of("survey", over, "unschedule_survey", audit, sizeof(audit));
    assert_string_equal(audit, "system|0|schedule|问卷已过截止时间");
    assert_int_equal(it_wechat_queued("survey", over, 0), 0);
    assert_false(owner_sees(A, "surveys", over));
}

/* ---- two hosts ------------------------------------------------------------------------ */

static void ctl(const char *what)
{
    char cmd[256];

    snprintf(cmd, sizeof(cmd), "tests/integration/ctl.sh %s >/dev/null 2>&1", what);
    assert_int_equal(system(cmd), 0);
}

/* Two masters on one database, several rows due in the same second: each
 * published once, its WeChat rows once; the scan reads the due index. */
static void two_masters_publish_each_once(void **state)
{
    enum { NOTICES = 6 };
    char at[26], extra[64], plan[2048];
    int64_t ids[NOTICES], survey, from;

    (void)state;
    ctl("second-start");
    from = it_sql_int("SELECT UNIX_TIMESTAMP(UTC_TIMESTAMP())", NULL, 0);
    at_offset(3, at);
    snprintf(extra, sizeof(extra), ",\"publish_at\":\"%s\"", at);
    for (int i = 0; i < NOTICES; i++)
        ids[i] = notice_create(extra);
    survey = survey_create(extra);
    for (int i = 0; i < NOTICES; i++)
        assert_int_equal(
            wait_for("SELECT status = 'published' FROM notices WHERE id = ?", ids[i], 1, 20), 1);
    assert_int_equal(
        wait_for("SELECT status = 'published' FROM surveys WHERE id = ?", survey, 1, 20), 1);
    sleep(3); /* more slots, on both hosts */
    for (int i = 0; i < NOTICES; i++) {
        assert_int_equal(audits("notice", ids[i], "publish_notice"), 1);
        assert_int_equal(it_wechat_queued("notice", ids[i], 0), 1);
    }
    /* in the order of their ids (one publish_at): the owners' list order */
    for (int i = 1; i < NOTICES; i++)
        assert_true(sql_int1("SELECT list_seq FROM notices WHERE id = ?", ids[i]) >
                    sql_int1("SELECT list_seq FROM notices WHERE id = ?", ids[i - 1]));
    assert_int_equal(audits("survey", survey, "publish_survey"), 1);
    assert_int_equal(it_wechat_queued("survey", survey, 0), 2);
    /* the job ran once per slot meanwhile, never failing */
    assert_int_equal(it_sql_int("SELECT COUNT(*) - COUNT(DISTINCT slot) FROM job_runs WHERE "
                                "name = 'scheduled_publish' AND UNIX_TIMESTAMP(slot) >= ?",
                                (struct db_param[]){P_INT(from)}, 1),
                     0);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM job_runs WHERE name = 'scheduled_publish' "
                                "AND status = 'failed'",
                                NULL, 0),
                     0);
    print_message("scheduled_publish on %lld hosts in %lld slots\n",
                  (long long)it_sql_int("SELECT COUNT(DISTINCT host) FROM job_runs WHERE "
                                        "name = 'scheduled_publish' AND UNIX_TIMESTAMP(slot) >= ?",
                                        (struct db_param[]){P_INT(from)}, 1),
                  (long long)it_sql_int("SELECT COUNT(*) FROM job_runs WHERE name = "
                                        "'scheduled_publish' AND UNIX_TIMESTAMP(slot) >= ?",
                                        (struct db_param[]){P_INT(from)}, 1));
    ctl("second-stop");
    /* the scan is a range of (status, publish_at) */
    it_sql_str("EXPLAIN FORMAT=JSON SELECT id FROM notices WHERE status = 'draft' AND "
               "publish_at <= UTC_TIMESTAMP() ORDER BY publish_at, id LIMIT 100",
               NULL, 0, plan, sizeof(plan));
    assert_non_null(strstr(plan, "ix_notices_due"));
    it_sql_str("EXPLAIN FORMAT=JSON SELECT id FROM surveys WHERE status = 'draft' AND "
               "publish_at <= UTC_TIMESTAMP() ORDER BY publish_at, id LIMIT 100",
               NULL, 0, plan, sizeof(plan));
    assert_non_null(strstr(plan, "ix_surveys_due"));
}

/* ---- scope --------------------------------------------------------------------------- */

static void another_projects_are_404(void **state)
{
    char path[96], body[64], at[26];

    (void)state;
    at_offset(3600, at);
    snprintf(body, sizeof(body), "{\"publish_at\":\"%s\"}", at);
    snprintf(path, sizeof(path), "/api/v1/office/notices/%lld", (long long)g.other_notice);
    refused_as(g.admin, "PATCH", path, body, 404, "NOT_FOUND");
    refused_as(g.admin, "PATCH", path, "{\"publish_at\":null}", 404, "NOT_FOUND");
    call_as(g.admin, "GET", path, NULL, 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld", (long long)g.other_survey);
    refused_as(g.admin, "PATCH", path, body, 404, "NOT_FOUND");
    refused_as(g.admin, "PATCH", path, "{\"publish_at\":null}", 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld", (long long)99999999);
    refused_as(g.admin, "PATCH", path, body, 404, "NOT_FOUND");
    /* a butler is not of the office */
    {
        char *butler = it_staff_login("13900000001", "demo1234");
        assert_non_null(butler);
        snprintf(path, sizeof(path), "/api/v1/office/surveys/%lld", (long long)g.other_survey);
        refused_as(butler, "PATCH", path, body, 403, "FORBIDDEN");
        free(butler);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(notice_goes_out_by_itself),
        cmocka_unit_test(notice_published_by_hand_once),
        cmocka_unit_test(notice_bad_schedule_changes_nothing),
        cmocka_unit_test(notice_schedule_cleared_when_it_cannot_go_out),
        cmocka_unit_test(survey_scheduled_opens_by_itself),
        cmocka_unit_test(survey_bad_schedule_and_cleared),
        cmocka_unit_test(two_masters_publish_each_once),
        cmocka_unit_test(another_projects_are_404),
        cmocka_unit_test(it_logs_hold_no_secrets),
    };
    return cmocka_run_group_tests_name("integration_schedule", tests, setup, teardown);
}
