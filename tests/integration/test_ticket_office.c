/*
 * test_ticket_office.c — the office's side of service tickets over the
 * real stack (TKT-6, TKT-2/3; docs/api.md §7.17):
 *   - statistics of tickets written with known times (created, accepted,
 *     completed; the China day's edge at 16:00 UTC), by type, by month and
 *     by assignee, every figure computed by hand; the CSV export's lines;
 *     the XLSX is a zip; another project, a role without the right, bad
 *     parameters: 404, 403, 400 with nothing changed;
 *   - the set-up round trip: a type's deadlines (the next ticket has
 *     them), a type's skills and a member's skills, each changing what
 *     GET /staff/tickets/{id}/suggest-assignees answers; bad input and
 *     another project's or member's ids refused with nothing changed.
 * Everything happens in projects of its own (ZTST, which the demo admin
 * serves, and ZTST2, which nobody does), with technicians 1360008100x.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#define OURS "(SELECT id FROM projects WHERE code IN ('ZTST', 'ZTST2'))"
#define OUR_STAFF "(SELECT id FROM staff WHERE phone LIKE '1360008100_')"

static struct {
    char *admin, *super, *butler, *tech;
    int64_t proj, proj2, tech_a, tech_b, both;
} g;

#define call_as(tok, m, path, body, st, code)                                                      \
    it_call_at((tok), (m), (path), (body), (st), (code), false, __FILE__, __LINE__)
#define refused_as(tok, m, path, body, st, code)                                                   \
    it_refused_at((tok), (m), (path), (body), (st), (code), __FILE__, __LINE__)

/* ---- fixture ----------------------------------------------------------------------- */

static const char *const drop_sql[] = {
    "DELETE FROM ticket_events WHERE ticket_id IN (SELECT id FROM tickets WHERE project_id IN " OURS
    ")",
    "DELETE FROM tickets WHERE project_id IN " OURS,
    "DELETE FROM ticket_deadlines WHERE project_id IN " OURS,
    "DELETE FROM ticket_type_skills WHERE project_id IN " OURS,
    "DELETE FROM staff_skills WHERE staff_id IN " OUR_STAFF,
    "DELETE FROM sessions WHERE subject_kind = 'staff' AND subject_id IN " OUR_STAFF,
    "DELETE FROM staff_projects WHERE staff_id IN " OUR_STAFF " OR project_id IN " OURS,
    "DELETE FROM staff WHERE phone LIKE '1360008100_'",
    "DELETE FROM buildings WHERE project_id IN " OURS,
    "DELETE FROM projects WHERE code IN ('ZTST', 'ZTST2')",
};

static void drop_own_rows(void)
{
    for (size_t i = 0; i < sizeof(drop_sql) / sizeof(drop_sql[0]); i++)
        it_sql_exec(drop_sql[i], NULL, 0);
    it_reset_ids();
}

/* A technician (no login) serving the projects given. */
static int64_t add_tech(const char *name, const char *phone, int64_t p1, int64_t p2)
{
    struct db_param p[2] = {P_STR(name), P_STR(phone)};
    int64_t id;

    it_sql_exec("INSERT INTO staff (name, phone, password_hash, roles) VALUES (?, ?, '', "
                "'technician')",
                p, 2);
    id = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    for (int k = 0; k < 2; k++) {
        int64_t proj = k ? p2 : p1;
        struct db_param q[2] = {P_INT(id), P_INT(proj)};
        if (proj)
            it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) VALUES (?, ?)", q, 2);
    }
    return id;
}

static int setup(void **state)
{
    struct db_param p[1];

    (void)state;
    drop_own_rows();
    g.proj = it_add_project("ZTST", "工单统计小区");
    g.proj2 = it_add_project("ZTST2", "别家小区");
    p[0] = P_INT(g.proj);
    it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) SELECT id, ? FROM staff "
                "WHERE phone = '13900000009'",
                p, 1);
    g.tech_a = add_tech("统计师傅甲", "13600081001", g.proj, 0);
    g.tech_b = add_tech("统计师傅乙", "13600081002", g.proj, 0);
    g.both = add_tech("两边师傅", "13600081003", g.proj, g.proj2);
    g.admin = it_staff_login("13900000009", "demo1234");
    g.super = it_staff_login("13900000003", "demo1234");
    g.butler = it_staff_login("13900000001", "demo1234");
    g.tech = it_staff_login("13900000004", "demo1234");
    return g.admin && g.super && g.butler && g.tech ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    drop_own_rows();
    free(g.admin);
    free(g.super);
    free(g.butler);
    free(g.tech);
    return 0;
}

/* ---- statistics -------------------------------------------------------------------- */

/* A ticket written with its times: accepted and completed so many seconds
 * after creation and acceptance (-1: never), due for completion so many
 * seconds after creation (0: years later). */
struct stats_ticket {
    const char *type, *created, *status;
    int accept_s, complete_s;
    int who; /* 0 none, 1 tech_a, 2 tech_b */
    int rating, late_response, late_complete;
    int due_s;
};

static void add_stats_ticket(const struct stats_ticket *t)
{
    static const char *const sql =
        "INSERT INTO tickets (project_id, type, severity, area, description, status, "
        "assignee_id, reporter_kind, reporter_id, rating_score, created_at, accepted_at, "
        "completed_at, response_overdue, complete_overdue, response_due_at, complete_due_at) "
        "VALUES (?, ?, ?, 'public', '统计测试', ?, ?, 'staff', 9, ?, ?, "
        "? + INTERVAL ? SECOND, ? + INTERVAL ? SECOND + INTERVAL ? SECOND, ?, ?, "
        "'2030-01-01', ? + INTERVAL ? SECOND)";
    int64_t who = t->who == 1 ? g.tech_a : t->who == 2 ? g.tech_b : 0;
    struct db_param p[16] = {
        P_INT(g.proj),
        P_STR(t->type),
        strcmp(t->type, "complaint") == 0 ? P_STR("normal") : P_NULL,
        P_STR(t->status),
        who ? P_INT(who) : P_NULL,
        t->rating ? P_INT(t->rating) : P_NULL,
        P_STR(t->created),
        t->accept_s < 0 ? P_NULL : P_STR(t->created),
        P_INT(t->accept_s),
        t->complete_s < 0 ? P_NULL : P_STR(t->created),
        P_INT(t->accept_s),
        P_INT(t->complete_s),
        P_INT(t->late_response),
        P_INT(t->late_complete),
        P_STR(t->created),
        P_INT(t->due_s ? t->due_s : 100000000),
    };

    it_sql_exec(sql, p, 16);
}

/* The tickets whose figures the test computed by hand (docs in the body). */
static void add_stats_tickets(void)
{
    static const struct stats_ticket t[] = {
        /* November (China days) */
        {"repair", "2025-11-10 02:00:00", "closed", 600, 7200, 1, 5, 0, 0, 0},
        /* 23:59:59 China; completed 4800 s after creation, due after 3600 */
        {"repair", "2025-11-30 15:59:59", "completed", 1200, 3600, 2, 4, 0, 1, 3600},
        /* December */
        {"repair", "2025-11-30 16:00:00", "cancelled", -1, -1, 0, 0, 0, 0, 0}, /* 12-01 00:00 */
        {"cleaning", "2025-12-05 00:00:00", "in_progress", 300, -1, 1, 0, 1, 0, 0},
        {"complaint", "2025-12-20 00:00:00", "rejected", -1, -1, 0, 0, 0, 0, 0},
        /* January 2026 in China: outside the period */
        {"cleaning", "2025-12-31 16:00:00", "closed", 60, 60, 1, 5, 0, 0, 0},
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        add_stats_ticket(&t[i]);
    /* another project's ticket of the period is not counted */
    it_sql_exec("INSERT INTO tickets (project_id, type, area, description, status, reporter_kind, "
                "reporter_id, created_at, response_due_at, complete_due_at) VALUES (1, 'repair', "
                "'public', '统计测试', 'submitted', 'staff', 9, '2025-11-15 00:00:00', "
                "'2030-01-01', '2030-01-02')",
                NULL, 0);
}

/* One group's figures: the counts, then the rate, the averages and the
 * score (-1: null), then the ratings and the overdue count. */
static void expect_row(const cJSON *row, const char *key, const char *name, int64_t created,
                       int64_t completed, int64_t closed, int64_t cancelled, int64_t rejected,
                       int64_t rate, int64_t response, int64_t handling, int64_t ratings,
                       int64_t score, int64_t overdue)
{
    static const char *const opt[] = {"completion_rate_bp", "avg_response_s", "avg_handling_s",
                                      "rating_avg_x100"};
    int64_t want[4] = {rate, response, handling, score};

    assert_non_null(row);
    if (key)
        assert_string_equal(it_str(row, "key"), key);
    assert_string_equal(it_str(row, "name"), name);
    assert_int_equal(it_int(row, "created"), created);
    assert_int_equal(it_int(row, "completed"), completed);
    assert_int_equal(it_int(row, "closed"), closed);
    assert_int_equal(it_int(row, "cancelled"), cancelled);
    assert_int_equal(it_int(row, "rejected"), rejected);
    for (int i = 0; i < 4; i++) {
        const cJSON *v = it_field(row, opt[i]);
        if (want[i] < 0) {
            if (!cJSON_IsNull(v))
                fail_msg("%s %s: want null", name, opt[i]);
        } else {
            assert_int_equal(it_int(row, opt[i]), want[i]);
        }
    }
    assert_int_equal(it_int(row, "ratings"), ratings);
    assert_int_equal(it_int(row, "overdue"), overdue);
}

/* One group's tail (its key, unless NULL): the median and 90th percentile
 * of response and of handling, and the share completed on time (-1: null). */
static void expect_tail(const cJSON *row, const char *key, int64_t p50r, int64_t p90r, int64_t p50h,
                        int64_t p90h, int64_t on_time)
{
    static const char *const member[] = {"p50_response_s", "p90_response_s", "p50_handling_s",
                                         "p90_handling_s", "on_time_bp"};
    int64_t want[5] = {p50r, p90r, p50h, p90h, on_time};

    assert_non_null(row);
    if (key)
        assert_string_equal(it_str(row, "key"), key);
    for (int i = 0; i < 5; i++) {
        const cJSON *v = it_field(row, member[i]);
        if (want[i] < 0) {
            if (!cJSON_IsNull(v))
                fail_msg("%s %s: want null", it_str(row, "name"), member[i]);
        } else {
            assert_int_equal(it_int(row, member[i]), want[i]);
        }
    }
}

static cJSON *stats(const char *token, const char *query)
{
    struct http_resp r;
    char path[256];
    cJSON *doc;

    snprintf(path, sizeof(path), "/api/v1/office/tickets/stats?project_id=%lld%s",
             (long long)g.proj, query);
    it_http("GET", path, NULL, 0, token, &r);
    it_expect(&r, 200, NULL);
    doc = r.json;
    r.json = NULL;
    it_resp_free(&r);
    return doc;
}

/* The admin's statistics of our project for query, which must have n groups. */
static cJSON *stats_groups(const char *query, int n, cJSON **rows)
{
    cJSON *doc = stats(g.admin, query);

    *rows = it_field(doc, "groups");
    assert_int_equal(cJSON_GetArraySize(*rows), n);
    return doc;
}

#define PERIOD "&from=2025-11-01&to=2025-12-31"

static void stats_by_type_month_and_assignee(void **state)
{
    cJSON *doc, *rows;
    char a[16], b[16];

    (void)state;
    add_stats_tickets();

    /* by type (the default): repair, cleaning, complaint in the types' order */
    doc = stats(g.admin, PERIOD);
    assert_int_equal(it_int(doc, "project_id"), g.proj);
    assert_string_equal(it_str(doc, "project"), "工单统计小区");
    assert_string_equal(it_str(doc, "from"), "2025-11-01");
    assert_string_equal(it_str(doc, "to"), "2025-12-31");
    assert_string_equal(it_str(doc, "group"), "type");
    rows = it_field(doc, "groups");
    assert_int_equal(cJSON_GetArraySize(rows), 3);
    /* 3 repairs, 1 cancelled: 2 of 2 done; accepted in 600 and 1200 s, done
     * 7200 and 3600 s later; rated 5 and 4; one missed its deadline */
    expect_row(cJSON_GetArrayItem(rows, 0), "repair", "报修", 3, 2, 1, 1, 0, 10000, 900, 5400, 2,
               450, 1);
    /* responses 600, 1200: ranks ⌈1⌉ and ⌈1.8⌉; handling 3600, 7200; the
     * second completed 1200 s after its deadline: 1 of 2 on time */
    expect_tail(cJSON_GetArrayItem(rows, 0), NULL, 600, 1200, 3600, 7200, 5000);
    expect_row(cJSON_GetArrayItem(rows, 1), "cleaning", "保洁", 1, 0, 0, 0, 0, 0, 300, -1, 0, -1,
               1);
    expect_tail(cJSON_GetArrayItem(rows, 1), NULL, 300, 300, -1, -1, -1); /* none completed */
    expect_row(cJSON_GetArrayItem(rows, 2), "complaint", "投诉", 1, 0, 0, 0, 1, -1, -1, -1, 0, -1,
               0);
    expect_tail(cJSON_GetArrayItem(rows, 2), NULL, -1, -1, -1, -1, -1);
    /* 2 done of the 3 to do: 6666.7 → 6667; (600 + 1200 + 300) / 3 = 700 s */
    expect_row(it_field(doc, "total"), NULL, "合计", 5, 2, 1, 1, 1, 6667, 700, 5400, 2, 450, 2);
    /* 300, 600, 1200: ranks 2 and 3, over the period's tickets, not the rows' */
    expect_tail(it_field(doc, "total"), NULL, 600, 1200, 3600, 7200, 5000);
    cJSON_Delete(doc);

    /* by month: 15:59:59 UTC on Nov 30 is still November in China, 16:00 is December */
    doc = stats(g.admin, PERIOD "&group=month");
    rows = it_field(doc, "groups");
    assert_int_equal(cJSON_GetArraySize(rows), 2);
    expect_row(cJSON_GetArrayItem(rows, 0), "2025-11", "2025-11", 2, 2, 1, 0, 0, 10000, 900, 5400,
               2, 450, 1);
    expect_tail(cJSON_GetArrayItem(rows, 0), NULL, 600, 1200, 3600, 7200, 5000);
    expect_row(cJSON_GetArrayItem(rows, 1), "2025-12", "2025-12", 3, 0, 0, 1, 1, 0, 300, -1, 0, -1,
               1);
    expect_tail(cJSON_GetArrayItem(rows, 1), NULL, 300, 300, -1, -1, -1);
    cJSON_Delete(doc);

    /* by assignee: the unassigned first, then by id */
    doc = stats(g.admin, PERIOD "&group=assignee");
    rows = it_field(doc, "groups");
    assert_int_equal(cJSON_GetArraySize(rows), 3);
    snprintf(a, sizeof(a), "%lld", (long long)g.tech_a);
    snprintf(b, sizeof(b), "%lld", (long long)g.tech_b);
    expect_row(cJSON_GetArrayItem(rows, 0), "0", "未指派", 2, 0, 0, 1, 1, -1, -1, -1, 0, -1, 0);
    expect_tail(cJSON_GetArrayItem(rows, 0), NULL, -1, -1, -1, -1, -1);
    expect_row(cJSON_GetArrayItem(rows, 1), a, "统计师傅甲", 2, 1, 1, 0, 0, 5000, 450, 7200, 1, 500,
               1);
    expect_tail(cJSON_GetArrayItem(rows, 1), NULL, 300, 600, 7200, 7200, 10000);
    expect_row(cJSON_GetArrayItem(rows, 2), b, "统计师傅乙", 1, 1, 0, 0, 0, 10000, 1200, 3600, 1,
               400, 1);
    expect_tail(cJSON_GetArrayItem(rows, 2), NULL, 1200, 1200, 3600, 3600,
                0); /* late: 0, not null */
    cJSON_Delete(doc);

    /* one day: December 5 (China) has the cleaning only */
    doc = stats(g.admin, "&from=2025-12-05&to=2025-12-05");
    rows = it_field(doc, "groups");
    assert_int_equal(cJSON_GetArraySize(rows), 1);
    assert_string_equal(it_str(cJSON_GetArrayItem(rows, 0), "key"), "cleaning");
    cJSON_Delete(doc);
}

/* The tail of September 2025 (China), away from the other test's period:
 * percentiles by nearest rank over 1, 4, 6, 10 and 17 times, with ties,
 * the same in each grouping; on time is completed_at <= complete_due_at,
 * whatever the overdue flag says. */
static void stats_percentiles(void **state)
{
    static const struct stats_ticket t[] = {
        /* security, tech_a: responses 60 … 540 and 6000 (ten, shuffled) */
        {"security", "2025-09-02 01:00:00", "closed", 300, 400, 1, 0, 0, 0, 0},
        {"security", "2025-09-02 02:00:00", "closed", 6000, 100, 1, 0, 0, 0, 0},
        /* completed 30 s after its deadline, before the job flagged it */
        {"security", "2025-09-02 03:00:00", "completed", 60, 300, 1, 0, 0, 0, 330},
        {"security", "2025-09-02 04:00:00", "completed", 540, 200, 1, 0, 0, 0, 0},
        {"security", "2025-09-03 01:00:00", "in_progress", 120, -1, 1, 0, 0, 0, 0},
        {"security", "2025-09-03 02:00:00", "in_progress", 480, -1, 1, 0, 0, 0, 0},
        {"security", "2025-09-03 03:00:00", "taken", 180, -1, 1, 0, 0, 0, 0},
        {"security", "2025-09-03 04:00:00", "taken", 420, -1, 1, 0, 0, 0, 0},
        {"security", "2025-09-04 01:00:00", "dispatched", 240, -1, 1, 0, 0, 0, 0},
        {"security", "2025-09-04 02:00:00", "accepted", 360, -1, 1, 0, 0, 0, 0},
        /* suggestion, unassigned: 10, 20, 20, 20, 30, 40 (ties, an even count) */
        {"suggestion", "2025-09-10 01:00:00", "accepted", 20, -1, 0, 0, 0, 0, 0},
        {"suggestion", "2025-09-10 02:00:00", "accepted", 40, -1, 0, 0, 0, 0, 0},
        {"suggestion", "2025-09-10 03:00:00", "accepted", 20, -1, 0, 0, 0, 0, 0},
        {"suggestion", "2025-09-10 04:00:00", "accepted", 10, -1, 0, 0, 0, 0, 0},
        {"suggestion", "2025-09-10 05:00:00", "accepted", 30, -1, 0, 0, 0, 0, 0},
        {"suggestion", "2025-09-10 06:00:00", "accepted", 20, -1, 0, 0, 0, 0, 0},
        {"suggestion", "2025-09-11 01:00:00", "submitted", -1, -1, 0, 0, 0, 0, 0},
        /* other, tech_a: one of each, completed at its deadline to the second */
        {"other", "2025-09-20 01:00:00", "closed", 45, 30, 1, 0, 0, 0, 75},
    };
    cJSON *doc, *rows;
    char a[16];

    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        add_stats_ticket(&t[i]);

    doc = stats_groups("&from=2025-09-01&to=2025-09-30", 3, &rows);
    /* ranks ⌈5⌉, ⌈9⌉ of ten responses; handling 100, 200, 300, 400: ranks
     * 2 and ⌈3.6⌉; 3 of the 4 completed on time */
    assert_int_equal(it_int(cJSON_GetArrayItem(rows, 0), "avg_response_s"), 870);
    expect_tail(cJSON_GetArrayItem(rows, 0), "security", 300, 540, 200, 400, 7500);
    /* ranks 3 and ⌈5.4⌉ of six; none completed */
    expect_tail(cJSON_GetArrayItem(rows, 1), "suggestion", 20, 40, -1, -1, -1);
    expect_tail(cJSON_GetArrayItem(rows, 2), "other", 45, 45, 30, 30, 10000);
    /* 17 responses: 10 20 20 20 30 40 45 60 120 … 540 6000, ranks 9 and
     * ⌈15.3⌉; handling 30 100 200 300 400, ranks 3 and ⌈4.5⌉; 4 of 5 */
    expect_tail(it_field(doc, "total"), NULL, 120, 540, 200, 400, 8000);
    cJSON_Delete(doc);

    /* one month: its row is the period's */
    doc = stats_groups("&from=2025-09-01&to=2025-09-30&group=month", 1, &rows);
    expect_tail(cJSON_GetArrayItem(rows, 0), "2025-09", 120, 540, 200, 400, 8000);
    expect_tail(it_field(doc, "total"), NULL, 120, 540, 200, 400, 8000);
    cJSON_Delete(doc);

    /* tech_a has security and other: 45 60 120 … 540 6000, ranks 6 and ⌈9.9⌉ */
    doc = stats_groups("&from=2025-09-01&to=2025-09-30&group=assignee", 2, &rows);
    snprintf(a, sizeof(a), "%lld", (long long)g.tech_a);
    expect_tail(cJSON_GetArrayItem(rows, 0), "0", 20, 40, -1, -1, -1);
    expect_tail(cJSON_GetArrayItem(rows, 1), a, 300, 540, 200, 400, 8000);
    cJSON_Delete(doc);

    /* a period with tickets none of which was accepted: every tail null */
    doc = stats_groups("&from=2025-09-11&to=2025-09-11", 1, &rows);
    expect_tail(cJSON_GetArrayItem(rows, 0), "suggestion", -1, -1, -1, -1, -1);
    expect_tail(it_field(doc, "total"), NULL, -1, -1, -1, -1, -1);
    cJSON_Delete(doc);
    /* the list's tests count the other test's tickets only */
    {
        struct db_param p[1] = {P_INT(g.proj)};
        it_sql_exec("DELETE FROM tickets WHERE project_id = ? AND created_at < '2025-10-01'", p, 1);
    }
}

static void stats_exports(void **state)
{
    struct http_resp r;
    char path[256], ctype[128];
    static const char want[] =
        "\xEF\xBB\xBF"
        "项目,工单统计小区\r\n"
        "开始日期,2025-11-01\r\n"
        "结束日期,2025-12-31\r\n"
        "分组,type\r\n"
        "\r\n"
        "名称,新建,已完成,已关单,已取消,未受理,完成率,按时完成率,平均响应（秒）,中位响应（秒）,"
        "90分位响应（秒）,平均处理（秒）,中位处理（秒）,90分位处理（秒）,评价数,平均评分×100,"
        "超时\r\n"
        "报修,3,2,1,1,0,100.00%,50.00%,900,600,1200,5400,3600,7200,2,450,1\r\n"
        "保洁,1,0,0,0,0,0.00%,,300,300,300,,,,0,,1\r\n"
        "投诉,1,0,0,0,1,,,,,,,,,0,,0\r\n"
        "合计,5,2,1,1,1,66.67%,50.00%,700,600,1200,5400,3600,7200,2,450,2\r\n";

    (void)state;
    snprintf(path, sizeof(path),
             "/api/v1/office/tickets/stats?project_id=%lld" PERIOD "&format=csv",
             (long long)g.proj);
    it_http_typed("GET", path, NULL, 0, NULL, g.admin, &r, ctype, sizeof(ctype));
    it_expect(&r, 200, NULL);
    assert_string_equal(ctype, "text/csv; charset=utf-8");
    assert_int_equal(r.body.len, strlen(want));
    assert_memory_equal(r.body.data, want, strlen(want));
    it_resp_free(&r);

    snprintf(path, sizeof(path),
             "/api/v1/office/tickets/stats?project_id=%lld" PERIOD "&format=xlsx",
             (long long)g.proj);
    it_http_typed("GET", path, NULL, 0, NULL, g.admin, &r, ctype, sizeof(ctype));
    it_expect(&r, 200, NULL);
    assert_string_equal(ctype, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_true(r.body.len > 4 && memcmp(r.body.data, "PK\x03\x04", 4) == 0);
    it_resp_free(&r);
}

static void stats_refused(void **state)
{
    char path[256];
    static const char *const bad[] = {
        "&from=2025-13-01",
        "&from=2025-02-30",
        "&to=20251231",
        "&from=2025-12-31&to=2025-11-01",
        "&from=2023-12-31&to=2025-12-31",
        "&group=week",
        "&format=pdf",
    };

    (void)state;
    refused_as(g.admin, "GET", "/api/v1/office/tickets/stats", NULL, 400, "BAD_REQUEST");
    refused_as(g.admin, "GET", "/api/v1/office/tickets/stats?project_id=abc", NULL, 400,
               "BAD_REQUEST");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(path, sizeof(path), "/api/v1/office/tickets/stats?project_id=%lld%s",
                 (long long)g.proj, bad[i]);
        refused_as(g.admin, "GET", path, NULL, 400, "BAD_REQUEST");
    }
    {
        /* 731 days is the most: 2024 had 366 */
        struct http_resp r;
        snprintf(path, sizeof(path),
                 "/api/v1/office/tickets/stats?project_id=%lld&from=2024-01-01&to=2025-12-31",
                 (long long)g.proj);
        it_http("GET", path, NULL, 0, g.admin, &r);
        it_expect(&r, 200, NULL);
        it_resp_free(&r);
    }
    /* a project the caller does not serve, one that does not exist */
    snprintf(path, sizeof(path), "/api/v1/office/tickets/stats?project_id=%lld",
             (long long)g.proj2);
    refused_as(g.admin, "GET", path, NULL, 404, "NOT_FOUND");
    refused_as(g.admin, "GET", "/api/v1/office/tickets/stats?project_id=999999", NULL, 404,
               "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/office/tickets/stats?project_id=%lld", (long long)g.proj);
    refused_as(g.super, "GET", path, NULL, 404, "NOT_FOUND"); /* a supervisor of project 1 */
    refused_as(g.butler, "GET", path, NULL, 403, "FORBIDDEN");
    refused_as(g.tech, "GET", path, NULL, 403, "FORBIDDEN");
    /* the supervisor's own project answers */
    {
        struct http_resp r;
        it_http("GET", "/api/v1/office/tickets/stats?project_id=1", NULL, 0, g.super, &r);
        it_expect(&r, 200, NULL);
        it_resp_free(&r);
    }
}

/* The office's list is the staff list, with the overdue and period filters. */
static void list_count(const char *query, int want)
{
    struct http_resp r;
    char path[256];

    snprintf(path, sizeof(path), "/api/v1/staff/tickets?project_id=%lld%s", (long long)g.proj,
             query);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    if (cJSON_GetArraySize(it_field(r.json, "items")) != want)
        fail_msg("%s: %d tickets, want %d", query, cJSON_GetArraySize(it_field(r.json, "items")),
                 want);
    it_resp_free(&r);
}

static void office_list_filters(void **state)
{
    char path[256];
    static const char *const bad[] = {"&overdue=yes", "&from=2025-02-30", "&to=2025-12",
                                      "&from=2025-12-02&to=2025-12-01"};

    (void)state;
    list_count("", 6);
    list_count("&overdue=true", 2);
    list_count("&overdue=false", 6);
    list_count("&from=2025-12-01&to=2025-12-31", 3);
    list_count("&from=2025-12-01", 4); /* and January's */
    list_count("&to=2025-11-30", 2);   /* 15:59:59 UTC on the 30th is still the 30th */
    list_count("&overdue=true&from=2025-12-01&to=2025-12-31&type=cleaning", 1);
    list_count("&overdue=true&status=completed", 1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(path, sizeof(path), "/api/v1/staff/tickets?project_id=%lld%s", (long long)g.proj,
                 bad[i]);
        refused_as(g.admin, "GET", path, NULL, 400, "BAD_REQUEST");
    }
}

/* ---- set-up ------------------------------------------------------------------------ */

/* The ids the suggestion for ticket id names, "3,5" (in its order). */
static void suggested(int64_t id, char *out, size_t size)
{
    struct http_resp r;
    char path[128];
    size_t used = 0;
    const cJSON *it;

    snprintf(path, sizeof(path), "/api/v1/staff/tickets/%lld/suggest-assignees", (long long)id);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    out[0] = '\0';
    cJSON_ArrayForEach(it, it_field(r.json, "items")) used += (size_t)snprintf(
        out + used, size - used, "%s%lld", used ? "," : "", (long long)it_int(it, "id"));
    it_resp_free(&r);
}

static cJSON *type_of(const cJSON *setup, const char *type)
{
    cJSON *t = it_find_str(it_field(setup, "types"), "type", type);
    assert_non_null(t);
    return t;
}

static void setup_round_trips_and_steers_suggestions(void **state)
{
    struct http_resp r;
    char path[128], want[64], got[64];
    cJSON *t;
    int64_t ticket;

    (void)state;
    /* the defaults first: repair 30 minutes to answer, two days to finish, no skills */
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/ticket-settings", (long long)g.proj);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "types")), 6);
    t = type_of(r.json, "repair");
    assert_int_equal(it_int(t, "response_min"), 30);
    assert_int_equal(it_int(t, "complete_min"), 2880);
    assert_true(cJSON_IsTrue(it_field(t, "default")));
    assert_int_equal(cJSON_GetArraySize(it_field(t, "skills")), 0);
    it_resp_free(&r);

    /* deadlines: stored, shown, and given to the next ticket */
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/ticket-deadlines",
             (long long)g.proj);
    it_http("PUT", path, "{\"type\":\"repair\",\"response_min\":45,\"complete_min\":600}",
            (size_t)-1, g.admin, &r);
    it_expect(&r, 200, NULL);
    t = type_of(r.json, "repair");
    assert_int_equal(it_int(t, "response_min"), 45);
    assert_int_equal(it_int(t, "complete_min"), 600);
    assert_true(cJSON_IsFalse(it_field(t, "default")));
    assert_true(cJSON_IsTrue(it_field(type_of(r.json, "cleaning"), "default")));
    it_resp_free(&r);
    {
        char body[200];
        struct db_param p[1];
        snprintf(body, sizeof(body),
                 "{\"type\":\"repair\",\"area\":\"public\",\"project_id\":%lld,"
                 "\"description\":\"统计测试：水泵异响\"}",
                 (long long)g.proj);
        ticket = call_as(g.admin, "POST", "/api/v1/staff/tickets", body, 201, NULL);
        p[0] = P_INT(ticket);
        assert_int_equal(it_sql_int("SELECT TIMESTAMPDIFF(MINUTE, created_at, response_due_at) "
                                    "FROM tickets WHERE id = ?",
                                    p, 1),
                         45);
        assert_int_equal(it_sql_int("SELECT TIMESTAMPDIFF(MINUTE, created_at, complete_due_at) "
                                    "FROM tickets WHERE id = ?",
                                    p, 1),
                         600);
    }

    /* no skills asked: every technician of the project, by load (the first
     * has the cleaning in progress) then id */
    snprintf(want, sizeof(want), "%lld,%lld,%lld", (long long)g.tech_b, (long long)g.both,
             (long long)g.tech_a);
    suggested(ticket, got, sizeof(got));
    assert_string_equal(got, want);

    /* the type needs gas: nobody has it yet */
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/ticket-skills", (long long)g.proj);
    it_http("PUT", path, "{\"type\":\"repair\",\"skills\":[\"gas\",\"水电\"]}", (size_t)-1, g.admin,
            &r);
    it_expect(&r, 200, NULL);
    t = it_field(type_of(r.json, "repair"), "skills");
    assert_int_equal(cJSON_GetArraySize(t), 2);
    assert_string_equal(cJSON_GetArrayItem(t, 0)->valuestring, "gas");
    assert_string_equal(cJSON_GetArrayItem(t, 1)->valuestring, "水电");
    it_resp_free(&r);
    suggested(ticket, got, sizeof(got));
    assert_string_equal(got, "");

    /* the second technician learns it */
    snprintf(path, sizeof(path), "/api/v1/office/staff/%lld/skills", (long long)g.tech_b);
    it_http("PUT", path, "{\"skills\":[\"水电\",\"gas\"]}", (size_t)-1, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(it_int(r.json, "staff_id"), g.tech_b);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "skills")), 2);
    it_resp_free(&r);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(cJSON_GetArrayItem(it_field(r.json, "skills"), 0)->valuestring, "gas");
    it_resp_free(&r);
    snprintf(want, sizeof(want), "%lld", (long long)g.tech_b);
    suggested(ticket, got, sizeof(got));
    assert_string_equal(got, want);

    /* and forgets it; the type's list emptied asks for anyone again */
    call_as(g.admin, "PUT", path, "{\"skills\":[]}", 200, NULL);
    suggested(ticket, got, sizeof(got));
    assert_string_equal(got, "");
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/ticket-skills", (long long)g.proj);
    call_as(g.admin, "PUT", path, "{\"type\":\"repair\",\"skills\":[]}", 200, NULL);
    suggested(ticket, got, sizeof(got));
    assert_int_equal(strlen(got) > 0, 1);

    /* each change has its audit row */
    {
        struct db_param p[1] = {P_INT(g.proj)};
        assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE entity = "
                                    "'project_ticket_setup' AND entity_id = ?",
                                    p, 1),
                         3);
        p[0] = P_INT(g.tech_b);
        assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE entity = 'staff' AND "
                                    "action = 'set_staff_skills' AND entity_id = ?",
                                    p, 1),
                         2);
    }
}

static void setup_refused(void **state)
{
    char path[128], other[128], member[128];
    static const char *const bad_deadlines[] = {
        "{\"type\":\"plumbing\",\"response_min\":10,\"complete_min\":60}",
        "{\"type\":\"repair\",\"response_min\":0,\"complete_min\":60}",
        "{\"type\":\"repair\",\"response_min\":60,\"complete_min\":59}",
        "{\"type\":\"repair\",\"response_min\":10,\"complete_min\":525601}",
        "{\"type\":\"repair\",\"response_min\":10}",
        "{\"type\":\"repair\",\"response_min\":\"10\",\"complete_min\":60}",
        "{\"type\":\"repair\",\"response_min\":10.5,\"complete_min\":60}",
        "{\"type\":\"repair\",\"response_min\":10,\"complete_min\":60,\"grace\":1}",
        "{}",
    };
    static const char *const bad_skills[] = {
        "{\"type\":\"repair\",\"skills\":[\"a,b\"]}",
        "{\"type\":\"repair\",\"skills\":[\"gas\",\"gas\"]}",
        "{\"type\":\"repair\",\"skills\":[\"\"]}",
        "{\"type\":\"repair\",\"skills\":[\"g as\"]}",
        "{\"type\":\"repair\",\"skills\":\"gas\"}",
        "{\"type\":\"repair\",\"skills\":[1]}",
        "{\"type\":\"repair\"}",
        "{\"type\":\"bogus\",\"skills\":[]}",
        "{\"type\":\"repair\",\"skills\":[\"123456789012345678901234567890123\"]}",
    };
    static const char *const bad_member[] = {
        "{\"skills\":[\"a,b\"]}",
        "{\"skills\":[\"gas\",\"gas\"]}",
        "{\"skills\":[\"g as\"]}",
        "{\"skills\":\"gas\"}",
        "{\"skills\":[null]}",
        "{}",
        "{\"skills\":[],\"type\":\"repair\"}",
    };

    (void)state;
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/ticket-deadlines",
             (long long)g.proj);
    for (size_t i = 0; i < sizeof(bad_deadlines) / sizeof(bad_deadlines[0]); i++)
        refused_as(g.admin, "PUT", path, bad_deadlines[i], 400, "BAD_REQUEST");
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/ticket-skills", (long long)g.proj);
    for (size_t i = 0; i < sizeof(bad_skills) / sizeof(bad_skills[0]); i++)
        refused_as(g.admin, "PUT", path, bad_skills[i], 400, "BAD_REQUEST");
    snprintf(member, sizeof(member), "/api/v1/office/staff/%lld/skills", (long long)g.tech_a);
    for (size_t i = 0; i < sizeof(bad_member) / sizeof(bad_member[0]); i++)
        refused_as(g.admin, "PUT", member, bad_member[i], 400, "BAD_REQUEST");

    /* another project: 404 for every one of them */
    snprintf(other, sizeof(other), "/api/v1/office/projects/%lld/ticket-settings",
             (long long)g.proj2);
    refused_as(g.admin, "GET", other, NULL, 404, "NOT_FOUND");
    snprintf(other, sizeof(other), "/api/v1/office/projects/%lld/ticket-deadlines",
             (long long)g.proj2);
    refused_as(g.admin, "PUT", other,
               "{\"type\":\"repair\",\"response_min\":10,\"complete_min\":60}", 404, "NOT_FOUND");
    snprintf(other, sizeof(other), "/api/v1/office/projects/%lld/ticket-skills",
             (long long)g.proj2);
    refused_as(g.admin, "PUT", other, "{\"type\":\"repair\",\"skills\":[\"gas\"]}", 404,
               "NOT_FOUND");
    refused_as(g.admin, "PUT", "/api/v1/office/projects/999999/ticket-skills",
               "{\"type\":\"repair\",\"skills\":[\"gas\"]}", 404, "NOT_FOUND");
    /* a member of no project of ours; one who also serves another's (403) */
    refused_as(g.admin, "GET", "/api/v1/office/staff/999999/skills", NULL, 404, "NOT_FOUND");
    refused_as(g.admin, "PUT", "/api/v1/office/staff/999999/skills", "{\"skills\":[\"gas\"]}", 404,
               "NOT_FOUND");
    snprintf(other, sizeof(other), "/api/v1/office/staff/%lld/skills", (long long)g.both);
    refused_as(g.admin, "PUT", other, "{\"skills\":[\"gas\"]}", 403, "FORBIDDEN");
    /* a supervisor of project 1 reads no set-up of it: admins only */
    refused_as(g.super, "GET", "/api/v1/office/projects/1/ticket-settings", NULL, 403, "FORBIDDEN");
    refused_as(g.butler, "PUT", member, "{\"skills\":[\"gas\"]}", 403, "FORBIDDEN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stats_by_type_month_and_assignee),
        cmocka_unit_test(stats_percentiles),
        cmocka_unit_test(stats_exports),
        cmocka_unit_test(stats_refused),
        cmocka_unit_test(office_list_filters),
        cmocka_unit_test(setup_round_trips_and_steers_suggestions),
        cmocka_unit_test(setup_refused),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
