/*
 * ticket_stats.c — the tickets' statistics (see ticket_stats.h).
 *
 * One statement per grouping, the same sums in each (STATS_SUMS): a range
 * of ix_tickets_project_created (project, created_at) between the UTC
 * instants that begin the first China day and end the last, grouped by
 * type, China month or assignee. What the database gives is counts and
 * sums of whole seconds; averages and rates are ticket_stats_figure()'s.
 */
#include "ticket_stats.h"

#include <stdio.h>
#include <string.h>

#include "bills.h"
#include "core/money.h"
#include "fees.h"
#include "resources.h"
#include "tickets.h"

/* ---- The SQL of this module -------------------------------------------------------- */

DB_SQL(sql_project_name, "SELECT name FROM projects WHERE id = ?");
/* the group's key, its name, then the sums in the order of struct
 * ticket_stats_sums */
#define STATS_SUMS                                                                                 \
    "COUNT(*), SUM(t.completed_at IS NOT NULL), SUM(t.status IN ('closed', 'visited')), "          \
    "SUM(t.status = 'cancelled'), SUM(t.status = 'rejected'), "                                    \
    "SUM(t.accepted_at IS NOT NULL), "                                                             \
    "COALESCE(SUM(TIMESTAMPDIFF(SECOND, t.created_at, t.accepted_at)), 0), "                       \
    "SUM(t.accepted_at IS NOT NULL AND t.completed_at IS NOT NULL), "                              \
    "COALESCE(SUM(TIMESTAMPDIFF(SECOND, t.accepted_at, t.completed_at)), 0), "                     \
    "SUM(t.rating_score IS NOT NULL), COALESCE(SUM(t.rating_score), 0), "                          \
    "SUM(t.response_overdue OR t.complete_overdue) "
#define STATS_RANGE " WHERE t.project_id = ? AND t.created_at >= ? AND t.created_at < ? "
DB_SQL(sql_by_type, "SELECT t.type, '', " STATS_SUMS "FROM tickets t" STATS_RANGE
                    "GROUP BY t.type ORDER BY t.type");
DB_SQL(sql_by_month,
       "SELECT DATE_FORMAT(t.created_at + INTERVAL 8 HOUR, '%Y-%m') m, '', " STATS_SUMS
       "FROM tickets t" STATS_RANGE "GROUP BY m ORDER BY m");
DB_SQL(sql_by_assignee,
       "SELECT COALESCE(t.assignee_id, 0), COALESCE(MAX(a.name), '未指派'), " STATS_SUMS
       "FROM tickets t LEFT JOIN staff a ON a.id = t.assignee_id" STATS_RANGE
       "GROUP BY t.assignee_id ORDER BY t.assignee_id");

/* ---- the figures ------------------------------------------------------------------- */

/* n / d rounded half up (d > 0, both small: counts and seconds). */
static int64_t avg(int64_t n, int64_t mul, int64_t d)
{
    int64_t v = 0;

    if (money_mul_div(n, mul, d, MONEY_ROUND_HALF_UP, &v) < 0)
        return 0; /* cannot happen for counts of tickets and their seconds */
    return v;
}

void ticket_stats_figure(const struct ticket_stats_sums *s, struct ticket_stats_figures *out)
{
    /* a ticket cancelled or rejected was never to be done */
    int64_t to_do = s->created - s->cancelled - s->rejected;

    memset(out, 0, sizeof(*out));
    if ((out->has_rate = to_do > 0))
        out->completion_rate_bp = avg(s->completed, 10000, to_do);
    if ((out->has_response = s->responded > 0))
        out->avg_response_s = avg(s->response_s, 1, s->responded);
    if ((out->has_handling = s->handled > 0))
        out->avg_handling_s = avg(s->handling_s, 1, s->handled);
    if ((out->has_rating = s->ratings > 0))
        out->rating_avg_x100 = avg(s->rating_sum, 100, s->ratings);
}

void ticket_stats_add(struct ticket_stats_sums *t, const struct ticket_stats_sums *s)
{
    t->created += s->created;
    t->completed += s->completed;
    t->closed += s->closed;
    t->cancelled += s->cancelled;
    t->rejected += s->rejected;
    t->responded += s->responded;
    t->response_s += s->response_s;
    t->handled += s->handled;
    t->handling_s += s->handling_s;
    t->ratings += s->ratings;
    t->rating_sum += s->rating_sum;
    t->overdue += s->overdue;
}

/* ---- the report -------------------------------------------------------------------- */

enum {
    SC_KEY,
    SC_NAME,
    SC_CREATED,
    SC_COMPLETED,
    SC_CLOSED,
    SC_CANCELLED,
    SC_REJECTED,
    SC_RATE,
    SC_RESPONSE,
    SC_HANDLING,
    SC_RATINGS,
    SC_SCORE,
    SC_OVERDUE,
    SC_NCOLS
};

static const struct rt_col stats_cols[SC_NCOLS] = {
    {"key", "分组", RT_TEXT, RT_JSON_ONLY}, /* the files show the name */
    {"name", "名称", RT_TEXT, 0},
    {"created", "新建", RT_INT, 0},
    {"completed", "已完成", RT_INT, 0},
    {"closed", "已关单", RT_INT, 0},
    {"cancelled", "已取消", RT_INT, 0},
    {"rejected", "未受理", RT_INT, 0},
    {"completion_rate_bp", "完成率", RT_BP, 0},
    {"avg_response_s", "平均响应（秒）", RT_INT, 0},
    {"avg_handling_s", "平均处理（秒）", RT_INT, 0},
    {"ratings", "评价数", RT_INT, 0},
    {"rating_avg_x100", "平均评分×100", RT_INT, 0},
    {"overdue", "超时", RT_INT, 0},
};

/* The types in Chinese, in the order of ticket_type_names. */
static const struct {
    const char *type, *name;
} type_names[] = {
    {"repair", "报修"},    {"cleaning", "保洁"},   {"security", "安保"},
    {"complaint", "投诉"}, {"suggestion", "建议"}, {"other", "其他"},
};

static const char *type_name(const char *type)
{
    for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
        if (strcmp(type, type_names[i].type) == 0)
            return type_names[i].name;
    return type;
}

static void put_figures(struct rt_cell *row, const struct ticket_stats_sums *s)
{
    struct ticket_stats_figures f;

    ticket_stats_figure(s, &f);
    rt_int(&row[SC_CREATED], s->created);
    rt_int(&row[SC_COMPLETED], s->completed);
    rt_int(&row[SC_CLOSED], s->closed);
    rt_int(&row[SC_CANCELLED], s->cancelled);
    rt_int(&row[SC_REJECTED], s->rejected);
    if (f.has_rate)
        rt_int(&row[SC_RATE], f.completion_rate_bp);
    if (f.has_response)
        rt_int(&row[SC_RESPONSE], f.avg_response_s);
    if (f.has_handling)
        rt_int(&row[SC_HANDLING], f.avg_handling_s);
    rt_int(&row[SC_RATINGS], s->ratings);
    if (f.has_rating)
        rt_int(&row[SC_SCORE], f.rating_avg_x100);
    rt_int(&row[SC_OVERDUE], s->overdue);
}

/* A day of the query, or dflt when absent; 400 naming it otherwise. */
static int day_of(const char *s, const char *name, int32_t dflt, int32_t *day, struct err *e)
{
    *day = dflt;
    if (s && money_date_parse(s, strlen(s), day) < 0)
        return err_setf(e, E_BAD_REQUEST, "%s 应为真实存在的日期，格式 YYYY-MM-DD", name);
    return 0;
}

int ticket_stats(struct db *db, struct arena *a, const struct principal *who,
                 const struct ticket_stats_query *q, struct report *out, struct err *e)
{
    const char *group = q->group ? q->group : "type";
    struct db_sql *sql;
    struct db_res r;
    struct rt_section *s;
    struct ticket_stats_sums total = {0};
    int32_t today = bills_today(), from, to;
    char lo[20], hi[20], day[11];
    int found;

    if (strcmp(group, "type") == 0)
        sql = &sql_by_type;
    else if (strcmp(group, "month") == 0)
        sql = &sql_by_month;
    else if (strcmp(group, "assignee") == 0)
        sql = &sql_by_assignee;
    else
        return err_bad_request(e, "group 只能是 type、month 或 assignee");
    fee_date_text(today, day);
    /* by default this month until today */
    if (day_of(q->from, "from", today - ((day[8] - '0') * 10 + (day[9] - '0') - 1), &from, e) < 0 ||
        day_of(q->to, "to", today, &to, e) < 0)
        return -1;
    if (from > to)
        return err_bad_request(e, "from 不能晚于 to");
    if (to - from + 1 > TICKET_STATS_MAX_DAYS)
        return err_bad_request(e, "统计区间最长 731 天");
    if (res_project_scope(db, who, q->project_id, e) < 0 ||
        (found = db_one(db, a, &sql_project_name, DB_ARGS(P_INT(q->project_id)), &r, e)) < 0)
        return -1;
    if (!found)
        return err_not_found(e); /* removed since */

    report_init(out, a, "ticket-stats", "工单统计表");
    rt_meta_num(out, "project_id", NULL, RT_INT, q->project_id);
    rt_meta_text(out, "project", "项目", db_text(&r, 0, 0));
    fee_date_text(from, day);
    rt_meta_text(out, "from", "开始日期", day);
    fee_date_text(to, day);
    rt_meta_text(out, "to", "结束日期", day);
    rt_meta_text(out, "group", "分组", group);
    ticket_day_start_utc(from, lo);
    ticket_day_start_utc(to + 1, hi);
    if (db_query(db, a, sql, DB_ARGS(P_INT(q->project_id), P_STR(lo), P_STR(hi)), &r, e) < 0)
        return -1;
    s = report_section(out, "groups", "工单统计", stats_cols, SC_NCOLS);
    for (size_t i = 0; i < r.nrows; i++) {
        struct rt_cell *row = rt_row(out, s);
        const char *key = db_text(&r, i, 0);
        struct ticket_stats_sums x = {
            db_int(&r, i, 2),  db_int(&r, i, 3),  db_int(&r, i, 4),  db_int(&r, i, 5),
            db_int(&r, i, 6),  db_int(&r, i, 7),  db_int(&r, i, 8),  db_int(&r, i, 9),
            db_int(&r, i, 10), db_int(&r, i, 11), db_int(&r, i, 12), db_int(&r, i, 13),
        };
        rt_text(out, &row[SC_KEY], key);
        rt_text(out, &row[SC_NAME],
                sql == &sql_by_type    ? type_name(key)
                : sql == &sql_by_month ? key
                                       : db_text(&r, i, 1));
        put_figures(row, &x);
        ticket_stats_add(&total, &x);
    }
    {
        struct rt_cell *tot = rt_totals(out, s, "total");
        rt_text(out, &tot[SC_NAME], "合计");
        put_figures(tot, &total);
    }
    return 0;
}
