/*
 * ticket_stats.c — the tickets' statistics (see ticket_stats.h).
 *
 * One statement per grouping, the same sums in each (STATS_SUMS): a range
 * of ix_tickets_project_created (project, created_at) between the UTC
 * instants that begin the first China day and end the last, grouped by
 * type, China month or assignee. What the database gives is counts and
 * sums of whole seconds; averages and rates are ticket_stats_figure()'s.
 * Then, in the same snapshot, one statement per grouping over the same
 * range for the percentiles (STATS_RANKED): the ranks, from the counts
 * by ticket_stats_rank(), go in as JSON; the times at those ranks come
 * back, four a group and four for the period.
 */
#include "ticket_stats.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bills.h"
#include "core/json.h"
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
    "SUM(t.response_overdue OR t.complete_overdue), "                                              \
    "SUM(t.completed_at IS NOT NULL AND t.completed_at <= t.complete_due_at) "
#define STATS_RANGE " WHERE t.project_id = ? AND t.created_at >= ? AND t.created_at < ? "
/* the groups' keys */
#define KEY_TYPE "t.type"
#define KEY_MONTH "DATE_FORMAT(t.created_at + INTERVAL 8 HOUR, '%Y-%m')"
#define KEY_ASSIGNEE "COALESCE(t.assignee_id, 0)"
DB_SQL(sql_by_type, "SELECT " KEY_TYPE ", '', " STATS_SUMS "FROM tickets t" STATS_RANGE
                    "GROUP BY t.type ORDER BY t.type");
DB_SQL(sql_by_month, "SELECT " KEY_MONTH " m, '', " STATS_SUMS "FROM tickets t" STATS_RANGE
                     "GROUP BY m ORDER BY m");
DB_SQL(sql_by_assignee, "SELECT " KEY_ASSIGNEE ", COALESCE(MAX(a.name), '未指派'), " STATS_SUMS
                        "FROM tickets t LEFT JOIN staff a ON a.id = t.assignee_id" STATS_RANGE
                        "GROUP BY t.assignee_id ORDER BY t.assignee_id");
/* The times at the ranks asked, ? = [[key, 1 | 2, rank]…] (key "" for the
 * whole period): the accepted tickets' response times (1) and the
 * completed ones' handling times (2), numbered ascending within each
 * group (kr, kh) and within the period (tr, th), a missing handling time
 * numbered after all the others; (key, 1 | 2, rank, seconds) for each
 * rank asked. The database sorts; only the rows asked for leave it. One
 * read of the range: a UNION of the four numberings read it four times
 * (3.1 times slower on 100,000 tickets, docs/performance.md). The keys
 * are utf8mb4 on both sides, whatever the connection's character set,
 * so that they compare as bytes. */
#define STATS_RANKED(key)                                                                          \
    "SELECT q.g, q.w, q.k, IF(q.w = 1, y.r, y.h) FROM (SELECT x.g, x.r, x.h, "                     \
    "ROW_NUMBER() OVER (PARTITION BY x.g ORDER BY x.r) kr, "                                       \
    "ROW_NUMBER() OVER (PARTITION BY x.g ORDER BY x.h IS NULL, x.h) kh, "                          \
    "ROW_NUMBER() OVER (ORDER BY x.r) tr, ROW_NUMBER() OVER (ORDER BY x.h IS NULL, x.h) th "       \
    "FROM (SELECT CAST(" key " AS CHAR CHARACTER SET utf8mb4) g, "                                 \
    "TIMESTAMPDIFF(SECOND, t.created_at, t.accepted_at) r, "                                       \
    "TIMESTAMPDIFF(SECOND, t.accepted_at, t.completed_at) h "                                      \
    "FROM tickets t" STATS_RANGE "AND t.accepted_at IS NOT NULL) x) y "                            \
    "JOIN JSON_TABLE(?, '$[*]' COLUMNS (g VARCHAR(16) CHARACTER SET utf8mb4 PATH '$[0]', "         \
    "w INT PATH '$[1]', k BIGINT PATH '$[2]')) q ON q.k = CASE "                                   \
    "WHEN q.g = '' THEN IF(q.w = 1, y.tr, y.th) "                                                  \
    "WHEN q.g = y.g COLLATE utf8mb4_bin THEN IF(q.w = 1, y.kr, y.kh) END"
DB_SQL(sql_ranked_type, STATS_RANKED(KEY_TYPE));
DB_SQL(sql_ranked_month, STATS_RANKED(KEY_MONTH));
DB_SQL(sql_ranked_assignee, STATS_RANKED(KEY_ASSIGNEE));

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
    if ((out->has_on_time = s->completed > 0))
        out->on_time_bp = avg(s->on_time, 10000, s->completed);
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
    t->on_time += s->on_time;
}

int64_t ticket_stats_rank(int64_t n, int64_t pct)
{
    assert(n >= 1 && pct >= 1 && pct <= 100);
    return (n * pct + 99) / 100;
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
    SC_ON_TIME,
    SC_RESPONSE,
    SC_P50_RESPONSE,
    SC_P90_RESPONSE,
    SC_HANDLING,
    SC_P50_HANDLING,
    SC_P90_HANDLING,
    SC_RATINGS,
    SC_SCORE,
    SC_OVERDUE,
    SC_NCOLS
};

/* 按时完成率 without ‱: the files show basis points as a percentage
 * ("98.50%"), as 完成率 beside it. */
static const struct rt_col stats_cols[SC_NCOLS] = {
    {"key", "分组", RT_TEXT, RT_JSON_ONLY}, /* the files show the name */
    {"name", "名称", RT_TEXT, 0},
    {"created", "新建", RT_INT, 0},
    {"completed", "已完成", RT_INT, 0},
    {"closed", "已关单", RT_INT, 0},
    {"cancelled", "已取消", RT_INT, 0},
    {"rejected", "未受理", RT_INT, 0},
    {"completion_rate_bp", "完成率", RT_BP, 0},
    {"on_time_bp", "按时完成率", RT_BP, 0},
    {"avg_response_s", "平均响应（秒）", RT_INT, 0},
    {"p50_response_s", "中位响应（秒）", RT_INT, 0},
    {"p90_response_s", "90分位响应（秒）", RT_INT, 0},
    {"avg_handling_s", "平均处理（秒）", RT_INT, 0},
    {"p50_handling_s", "中位处理（秒）", RT_INT, 0},
    {"p90_handling_s", "90分位处理（秒）", RT_INT, 0},
    {"ratings", "评价数", RT_INT, 0},
    {"rating_avg_x100", "平均评分×100", RT_INT, 0},
    {"overdue", "超时", RT_INT, 0},
};

/* The two times as STATS_RANKED numbers them. */
enum { TIME_RESPONSE = 1, TIME_HANDLING = 2 };

/* The percentiles shown, and their columns for response (r) and handling (h). */
static const struct {
    int64_t pct;
    int col_r, col_h;
} tails[] = {{50, SC_P50_RESPONSE, SC_P50_HANDLING}, {90, SC_P90_RESPONSE, SC_P90_HANDLING}};

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
    if (f.has_on_time)
        rt_int(&row[SC_ON_TIME], f.on_time_bp);
    if (f.has_response)
        rt_int(&row[SC_RESPONSE], f.avg_response_s);
    if (f.has_handling)
        rt_int(&row[SC_HANDLING], f.avg_handling_s);
    rt_int(&row[SC_RATINGS], s->ratings);
    if (f.has_rating)
        rt_int(&row[SC_SCORE], f.rating_avg_x100);
    rt_int(&row[SC_OVERDUE], s->overdue);
}

/* ---- the percentiles --------------------------------------------------------------- */

/* Ask for the ranks of a group's percentiles (none for a time nobody has). */
static void ask_ranks(cJSON *asked, const char *key, const struct ticket_stats_sums *s)
{
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++)
        for (int h = 0; h < 2; h++) {
            int64_t n = h ? s->handled : s->responded;
            cJSON *one;

            if (n == 0)
                continue;
            one = cJSON_CreateArray();
            cJSON_AddItemToArray(one, cJSON_CreateString(key));
            cJSON_AddItemToArray(one, json_int(h ? TIME_HANDLING : TIME_RESPONSE));
            cJSON_AddItemToArray(one, json_int(ticket_stats_rank(n, tails[i].pct)));
            cJSON_AddItemToArray(asked, one);
        }
}

/* Put the group's percentiles from the ranked times r (left null when the
 * group has no such time). */
static void put_tails(struct rt_cell *row, const struct db_res *r, const char *key,
                      const struct ticket_stats_sums *s)
{
    for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++)
        for (int h = 0; h < 2; h++) {
            int64_t n = h ? s->handled : s->responded, k;

            if (n == 0)
                continue;
            k = ticket_stats_rank(n, tails[i].pct);
            for (size_t j = 0; j < r->nrows; j++)
                if (db_int(r, j, 2) == k &&
                    db_int(r, j, 1) == (h ? TIME_HANDLING : TIME_RESPONSE) &&
                    strcmp(db_text(r, j, 0), key) == 0) {
                    rt_int(&row[h ? tails[i].col_h : tails[i].col_r], db_int(r, j, 3));
                    break;
                }
        }
}

/* ---- reading ----------------------------------------------------------------------- */

/* One snapshot of the period: the groups' sums, then the times at the
 * ranks those counts give. */
struct stats_read {
    struct arena *a;
    struct db_sql *sums, *ranked;
    int64_t project_id;
    const char *lo, *hi;                /* the UTC instants that bound the period */
    struct db_res groups, at;           /* out: the sums, the ranked times */
    struct ticket_stats_sums *x, total; /* out: the groups' sums (groups.nrows), their sum */
};

static int stats_read_tx(struct db *db, void *arg, struct err *e)
{
    struct stats_read *q = arg;
    cJSON *asked;
    char *json;
    int rc;

    memset(&q->at, 0, sizeof(q->at));
    memset(&q->total, 0, sizeof(q->total));
    if (db_query(db, q->a, q->sums, DB_ARGS(P_INT(q->project_id), P_STR(q->lo), P_STR(q->hi)),
                 &q->groups, e) < 0)
        return -1;
    q->x = arena_alloc(q->a, (q->groups.nrows + 1) * sizeof(*q->x));
    asked = cJSON_CreateArray();
    for (size_t i = 0; i < q->groups.nrows; i++) {
        struct ticket_stats_sums *x = &q->x[i];
        *x = (struct ticket_stats_sums){
            db_int(&q->groups, i, 2),  db_int(&q->groups, i, 3),  db_int(&q->groups, i, 4),
            db_int(&q->groups, i, 5),  db_int(&q->groups, i, 6),  db_int(&q->groups, i, 7),
            db_int(&q->groups, i, 8),  db_int(&q->groups, i, 9),  db_int(&q->groups, i, 10),
            db_int(&q->groups, i, 11), db_int(&q->groups, i, 12), db_int(&q->groups, i, 13),
            db_int(&q->groups, i, 14),
        };
        ticket_stats_add(&q->total, x);
        ask_ranks(asked, db_text(&q->groups, i, 0), x);
    }
    ask_ranks(asked, "", &q->total);
    if (cJSON_GetArraySize(asked) == 0) {
        cJSON_Delete(asked);
        return 0; /* nobody accepted: nothing to rank */
    }
    json = cJSON_PrintUnformatted(asked);
    cJSON_Delete(asked);
    if (!json)
        return err_internal(e);
    rc =
        db_query(db, q->a, q->ranked,
                 DB_ARGS(P_INT(q->project_id), P_STR(q->lo), P_STR(q->hi), P_STR(json)), &q->at, e);
    cJSON_free(json);
    return rc;
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
    struct stats_read rd = {.a = a, .project_id = q->project_id};
    struct db_res r;
    struct rt_section *s;
    int32_t today = bills_today(), from, to;
    char lo[20], hi[20], day[11];
    int found;

    if (strcmp(group, "type") == 0) {
        rd.sums = &sql_by_type;
        rd.ranked = &sql_ranked_type;
    } else if (strcmp(group, "month") == 0) {
        rd.sums = &sql_by_month;
        rd.ranked = &sql_ranked_month;
    } else if (strcmp(group, "assignee") == 0) {
        rd.sums = &sql_by_assignee;
        rd.ranked = &sql_ranked_assignee;
    } else {
        return err_bad_request(e, "group 只能是 type、month 或 assignee");
    }
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
    rd.lo = lo;
    rd.hi = hi;
    if (db_tx(db, stats_read_tx, &rd, e) < 0)
        return -1;
    s = report_section(out, "groups", "工单统计", stats_cols, SC_NCOLS);
    for (size_t i = 0; i < rd.groups.nrows; i++) {
        struct rt_cell *row = rt_row(out, s);
        const char *key = db_text(&rd.groups, i, 0);

        rt_text(out, &row[SC_KEY], key);
        rt_text(out, &row[SC_NAME],
                rd.sums == &sql_by_type    ? type_name(key)
                : rd.sums == &sql_by_month ? key
                                           : db_text(&rd.groups, i, 1));
        put_figures(row, &rd.x[i]);
        put_tails(row, &rd.at, key, &rd.x[i]);
    }
    {
        struct rt_cell *tot = rt_totals(out, s, "total");
        rt_text(out, &tot[SC_NAME], "合计");
        put_figures(tot, &rd.total);
        put_tails(tot, &rd.at, "", &rd.total);
    }
    return 0;
}
