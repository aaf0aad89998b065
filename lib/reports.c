/*
 * reports.c — the books' reports (see reports.h; docs/api.md §7.14).
 *
 * Each report is one or two statements of the list below, read outside
 * any transaction (a report is a reading of a moment, never a decision:
 * nothing here decides a write). The big scans stream (db_stream): the
 * arrears read every open bill of a project once, summing per resource
 * in C because each bill's due for the day is bill_figure()'s, not SQL's;
 * a page of the JSON keeps its rows only, the totals cover everything.
 *
 * Times: the database holds UTC; a day of a report is a China calendar
 * day (UTC+8 all year), so the bounds of day D are D−1 16:00:00 and
 * D 16:00:00 UTC, computed here (day_bound()), and every time shown is
 * RFC 3339 in China time (CN_TIME).
 */
#include "reports.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bills.h"
#include "core/json.h"
#include "core/money.h"
#include "fees.h"
#include "receipts.h"
#include "resources.h"

/* ---- The SQL of this module ---------------------------------------------------------- */

#define CN_TIME(t) "DATE_FORMAT(" t " + INTERVAL 8 HOUR, '%Y-%m-%dT%H:%i:%s+08:00')"

DB_SQL(sql_project, "SELECT name FROM projects WHERE id = ?");
DB_SQL(sql_building_project, "SELECT project_id FROM buildings WHERE id = ?");
DB_SQL(sql_item_project, "SELECT project_id FROM fee_items WHERE id = ?");

/* One row per bill of the books: its own figures and what its
 * applications were (money received, prepayment offsets, late fees),
 * then summed by the group. */
#define BOOKS_BILLS                                                                                \
    "SELECT b.id, b.period, r.building_id, b.fee_item_id, b.status, b.amount_fen, "                \
    "b.discount_fen, b.late_fee_fen, b.paid_fen, "                                                 \
    "(SELECT COALESCE(SUM(d.amount_fen), 0) FROM bill_discounts d WHERE d.bill_id = b.id "         \
    "AND d.kind = 'waiver') AS waived, "                                                           \
    "COALESCE(SUM(IF(rc.method = 'prepay', 0, x.amount_fen)), 0) AS received, "                    \
    "COALESCE(SUM(IF(rc.method = 'prepay', x.amount_fen, 0)), 0) AS offset_fen, "                  \
    "COALESCE(SUM(x.late_fen), 0) AS late_paid "                                                   \
    "FROM bills b JOIN resources r ON r.id = b.resource_id "                                       \
    "LEFT JOIN bill_applications x ON x.bill_id = b.id "                                           \
    "LEFT JOIN receipts rc ON rc.id = x.receipt_id "                                               \
    "WHERE b.project_id = ? AND b.status <> 'void' AND b.period BETWEEN ? AND ? "                  \
    "AND (? = 0 OR r.building_id = ?) AND (? = 0 OR b.fee_item_id = ?) GROUP BY b.id"
#define BOOKS_SUMS                                                                                 \
    "COUNT(*), SUM(t.status = 'paid'), SUM(t.status <> 'paid'), SUM(t.amount_fen), "               \
    "SUM(t.discount_fen), SUM(t.waived), SUM(t.late_fee_fen), SUM(t.received), "                   \
    "SUM(t.offset_fen), SUM(t.late_paid), "                                                        \
    "SUM(t.amount_fen - t.discount_fen + t.late_fee_fen - t.paid_fen)"
DB_SQL(sql_books_period, "SELECT t.period, NULL, " BOOKS_SUMS " FROM (" BOOKS_BILLS ") t "
                         "GROUP BY t.period ORDER BY t.period");
DB_SQL(sql_books_building,
       "SELECT bd.name, t.building_id, " BOOKS_SUMS " FROM (" BOOKS_BILLS ") t "
       "LEFT JOIN buildings bd ON bd.id = t.building_id GROUP BY t.building_id, bd.name "
       "ORDER BY t.building_id IS NULL, NATURAL_SORT_KEY(bd.name), t.building_id");
DB_SQL(sql_books_item, "SELECT f.name, t.fee_item_id, " BOOKS_SUMS " FROM (" BOOKS_BILLS ") t "
                       "JOIN fee_items f ON f.id = t.fee_item_id GROUP BY t.fee_item_id, f.name "
                       "ORDER BY t.fee_item_id");

/* The open bills of a project, a resource's together (the clustered key
 * is (resource_id, id)), with what the rows show of the resource. */
#define OPEN_BILLS_WHERE                                                                           \
    "WHERE b.project_id = ? AND b.status IN ('unpaid', 'partial') "                                \
    "AND (? = 0 OR r.building_id = ?)"
/* the names of a resource's current owners, res its id's column */
#define PR_NOW PR_CURRENT("pr")
#define OWNERS_OF(res)                                                                             \
    "(SELECT GROUP_CONCAT(pe.name ORDER BY pr.id SEPARATOR '、') FROM person_resources pr "       \
    "JOIN persons pe ON pe.id = pr.person_id WHERE pr.resource_id = " res " "                      \
    "AND pr.relation = 'owner' AND " PR_NOW ")"
#define OWNERS_OF_BILL OWNERS_OF("b.resource_id")
#define OWNERS_OF_RESOURCE OWNERS_OF("r.id")
#define ARREARS                                                                                    \
    "SELECT " BILL_COLS ", r.code, bd.name, " OWNERS_OF_BILL " "                                   \
    "FROM bills b JOIN fee_items f ON f.id = b.fee_item_id "                                       \
    "JOIN resources r ON r.id = b.resource_id LEFT JOIN buildings bd ON bd.id = "                  \
    "r.building_id " OPEN_BILLS_WHERE " ORDER BY b.resource_id, b.id"
DB_SQL(sql_arrears, ARREARS);
DB_SQL(sql_arrears_count,
       "SELECT COUNT(*) FROM bills b JOIN resources r ON r.id = b.resource_id " OPEN_BILLS_WHERE);

#define RESOURCE                                                                                   \
    "SELECT r.project_id, r.code, p.name, " OWNERS_OF_RESOURCE " "                                 \
    "FROM resources r JOIN projects p ON p.id = r.project_id WHERE r.id = ?"
DB_SQL(sql_resource, RESOURCE);
/* Every movement of what a resource owes, up to the end of the range,
 * oldest first: a bill (+), its discounts (−), the late fee a payment
 * froze and paid (+), the payment or offset itself (−; a reversal +).
 * Their sum is the open principal of its bills. The first column says
 * whether it lies before the range (the opening balance). */
#define STMT_BILL "JOIN bills b ON b.id = x.bill_id JOIN fee_items f ON f.id = b.fee_item_id "
#define STMT_WHERE(t) "WHERE b.resource_id = ? AND b.status <> 'void' AND " t " < ?"
#define STMT_WHERE_BILL STMT_WHERE("b.created_at")
#define STMT_WHERE_X STMT_WHERE("x.created_at")
#define AT_E_T CN_TIME("e.t")
#define AT_RC_CREATED CN_TIME("rc.created_at")
#define AT_RC_VOIDED CN_TIME("rc.voided_at")
#define AT_E_CREATED CN_TIME("e.created_at")
#define AT_A_AT CN_TIME("a.at")
#define STMT_LINES                                                                                 \
    "SELECT e.t < ?, " AT_E_T ", e.kind, e.bill_id, e.receipt_no, e.item, e.delta "                \
    "FROM ("                                                                                       \
    "SELECT b.created_at AS t, 'bill' AS kind, b.id AS bill_id, NULL AS receipt_no, "              \
    "CONCAT(f.name, ' ', b.period) AS item, b.amount_fen AS delta, 0 AS ord, b.id AS oid "         \
    "FROM bills b JOIN fee_items f ON f.id = b.fee_item_id " STMT_WHERE_BILL " "                   \
    "UNION ALL SELECT x.created_at, IF(x.kind = 'waiver', 'waiver', 'discount'), b.id, NULL, "     \
    "CONCAT(f.name, ' ', b.period), -x.amount_fen, 1, x.id "                                       \
    "FROM bill_discounts x " STMT_BILL STMT_WHERE_X " "                                            \
    "UNION ALL SELECT x.created_at, 'late_fee', b.id, rc.receipt_no, "                             \
    "CONCAT(f.name, ' ', b.period), x.late_fen, 2, x.id FROM bill_applications x " STMT_BILL       \
    "JOIN receipts rc ON rc.id = x.receipt_id " STMT_WHERE_X " "                                   \
    "AND x.late_fen <> 0 "                                                                         \
    "UNION ALL SELECT x.created_at, IF(x.reverses_id IS NOT NULL, 'reversal', "                    \
    "IF(rc.method = 'prepay', 'offset', 'payment')), b.id, rc.receipt_no, "                        \
    "CONCAT(f.name, ' ', b.period), -x.amount_fen, 3, x.id FROM bill_applications x " STMT_BILL    \
    "JOIN receipts rc ON rc.id = x.receipt_id " STMT_WHERE_X ") e "                                \
    "ORDER BY e.t, e.ord, e.oid"
DB_SQL(sql_stmt_lines, STMT_LINES);
#define STMT_RECEIPTS                                                                              \
    "SELECT rc.id, rc.receipt_no, " AT_RC_CREATED ", rc.method, rc.purpose, "                      \
    "rc.amount_fen, rc.to_prepay_fen, rc.status, s.name FROM receipts rc "                         \
    "LEFT JOIN staff s ON s.id = rc.cashier_id WHERE rc.resource_id = ? "                          \
    "AND rc.created_at >= ? AND rc.created_at < ? ORDER BY rc.id"
DB_SQL(sql_stmt_receipts, STMT_RECEIPTS);
#define STMT_ACCOUNTS                                                                              \
    "SELECT e.created_at < ?, " AT_E_CREATED ", a.kind, e.reason, e.delta_fen, "                   \
    "rc.receipt_no, e.note FROM account_entries e JOIN accounts a ON a.id = e.account_id "         \
    "LEFT JOIN receipts rc ON rc.id = e.receipt_id WHERE a.resource_id = ? "                       \
    "AND e.created_at < ? ORDER BY e.id"
DB_SQL(sql_stmt_accounts, STMT_ACCOUNTS);

/* The day's money by cashier and method (prepayment offsets move none);
 * the day's voids; the day's refunds. ix_receipts_day, ix_receipts_voided,
 * ix_account_entries_day (sql/010). */
DB_SQL(sql_daily_methods,
       "SELECT rc.cashier_id, COALESCE(s.name, ''), rc.method, COUNT(*), SUM(rc.amount_fen), "
       "SUM(rc.status = 'voided'), SUM(IF(rc.status = 'voided', rc.amount_fen, 0)) "
       "FROM receipts rc LEFT JOIN staff s ON s.id = rc.cashier_id WHERE rc.project_id = ? "
       "AND rc.created_at >= ? AND rc.created_at < ? AND rc.method <> 'prepay' "
       "GROUP BY rc.cashier_id, s.name, rc.method ORDER BY rc.cashier_id IS NULL, rc.cashier_id, "
       "rc.method");
#define DAILY_VOIDED                                                                               \
    "SELECT rc.id, rc.receipt_no, " AT_RC_CREATED ", " AT_RC_VOIDED ", "                           \
    "rc.cashier_id, COALESCE(s.name, ''), rc.method, rc.amount_fen, rc.payer_name, r.code "        \
    "FROM receipts rc JOIN resources r ON r.id = rc.resource_id "                                  \
    "LEFT JOIN staff s ON s.id = rc.cashier_id WHERE rc.project_id = ? "                           \
    "AND rc.voided_at >= ? AND rc.voided_at < ? ORDER BY rc.voided_at, rc.id"
DB_SQL(sql_daily_voided, DAILY_VOIDED);
#define DAILY_REFUNDS                                                                              \
    "SELECT e.id, " AT_E_CREATED ", e.staff_id, COALESCE(s.name, ''), r.code, "                    \
    "a.kind, -e.delta_fen, e.note FROM account_entries e "                                         \
    "JOIN accounts a ON a.id = e.account_id JOIN resources r ON r.id = a.resource_id "             \
    "LEFT JOIN staff s ON s.id = e.staff_id WHERE e.reason = 'refund' "                            \
    "AND e.created_at >= ? AND e.created_at < ? AND a.project_id = ? ORDER BY e.id"
DB_SQL(sql_daily_refunds, DAILY_REFUNDS);

/* The change log: audit rows of the money entities of one project. The
 * entity decides where its project is; q.pid binds the project once. */
#define CHANGES_WHERE                                                                              \
    "FROM audit_log a JOIN (SELECT ? AS pid) q "                                                   \
    "WHERE a.id > ? AND a.at >= ? AND a.at < ? AND (? = '' OR a.entity = ?) AND ("                 \
    "(a.entity = 'bill' AND EXISTS (SELECT 1 FROM bills x WHERE x.id = a.entity_id "               \
    "AND x.project_id = q.pid)) OR "                                                               \
    "(a.entity = 'receipt' AND EXISTS (SELECT 1 FROM receipts x WHERE x.id = a.entity_id "         \
    "AND x.project_id = q.pid)) OR "                                                               \
    "(a.entity = 'approval' AND EXISTS (SELECT 1 FROM approvals x WHERE x.id = a.entity_id "       \
    "AND x.project_id = q.pid)) OR "                                                               \
    "(a.entity = 'account' AND EXISTS (SELECT 1 FROM accounts x WHERE x.id = a.entity_id "         \
    "AND x.project_id = q.pid)) OR "                                                               \
    "(a.entity = 'bill_run' AND EXISTS (SELECT 1 FROM bill_runs x WHERE x.id = a.entity_id "       \
    "AND x.project_id = q.pid)) OR "                                                               \
    "(a.entity = 'discount_scheme' AND EXISTS (SELECT 1 FROM discount_schemes x "                  \
    "WHERE x.id = a.entity_id AND x.project_id = q.pid)) OR "                                      \
    "(a.entity = 'fee_item' AND EXISTS (SELECT 1 FROM fee_items x WHERE x.id = a.entity_id "       \
    "AND x.project_id = q.pid)) OR "                                                               \
    "(a.entity = 'fee_rate' AND EXISTS (SELECT 1 FROM fee_rates x JOIN fee_items y "               \
    "ON y.id = x.fee_item_id WHERE x.id = a.entity_id AND y.project_id = q.pid)) OR "              \
    "(a.entity = 'project_settings' AND a.entity_id = q.pid))"
#define CHANGES                                                                                    \
    "SELECT a.id, " AT_A_AT ", a.actor_kind, a.actor_id, "                                         \
    "COALESCE(s.name, pe.name, ''), a.action, a.entity, a.entity_id, a.detail "                    \
    "FROM (SELECT a.id " CHANGES_WHERE " ORDER BY a.id LIMIT ?) k "                                \
    "JOIN audit_log a ON a.id = k.id "                                                             \
    "LEFT JOIN staff s ON a.actor_kind = 'staff' AND s.id = a.actor_id "                           \
    "LEFT JOIN persons pe ON a.actor_kind = 'owner' AND pe.id = a.actor_id ORDER BY a.id"
DB_SQL(sql_changes, CHANGES);
DB_SQL(sql_changes_count, "SELECT COUNT(*) " CHANGES_WHERE);

DB_SQL(sql_file_store, "INSERT INTO report_files (job_id, filename, content_type, data) "
                       "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE filename = VALUES(filename), "
                       "content_type = VALUES(content_type), data = VALUES(data)");
DB_SQL(sql_file_get, "SELECT filename, content_type, data FROM report_files WHERE job_id = ?");

/* ---- the pure parts ------------------------------------------------------------------ */

enum report_age report_age_bucket(int32_t d)
{
    if (d < 0)
        return AGE_NOT_DUE;
    if (d <= 30)
        return AGE_0_30;
    if (d <= 90)
        return AGE_31_90;
    if (d <= 180)
        return AGE_91_180;
    if (d <= 365)
        return AGE_181_365;
    return AGE_OVER_365;
}

bool report_rate_bp(int64_t collected_fen, int64_t owed_fen, int64_t *bp)
{
    if (owed_fen <= 0 || collected_fen < 0)
        return false;
    return money_mul_div(collected_fen, 10000, owed_fen, MONEY_ROUND_DOWN, bp) == 0;
}

int report_period_valid(const char *s)
{
    int y, m;

    if (!s || strlen(s) != 7 || s[4] != '-')
        return -1;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return -1;
    y = atoi(s);
    m = atoi(s + 5);
    return y >= 1900 && y <= 2199 && m >= 1 && m <= 12 ? 0 : -1;
}

static const char *const kind_names[] = {"books", "arrears", "statement", "daily", "changes"};

const char *report_kind_name(enum report_kind k)
{
    return (unsigned)k <= REPORT_CHANGES ? kind_names[k] : NULL;
}

int report_kind_from_name(const char *s, enum report_kind *out)
{
    for (int i = 0; s && i <= REPORT_CHANGES; i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum report_kind)i;
            return 0;
        }
    return -1;
}

/* ---- shared steps -------------------------------------------------------------------- */

/* An optional day of the query (NULL: dflt); 400 naming it otherwise. */
static int day_param(const char *s, const char *name, int32_t dflt, int32_t *day, struct err *e)
{
    if (!s) {
        *day = dflt;
        return 0;
    }
    if (money_date_parse(s, strlen(s), day) < 0)
        return err_setf(e, E_BAD_REQUEST, "%s 应为真实存在的日期，格式 YYYY-MM-DD", name);
    return 0;
}

/* The UTC instant China's day `day` begins: "YYYY-MM-DD 16:00:00" of the
 * day before. */
static void day_bound(int32_t day, char out[20])
{
    char d[11];

    fee_date_text(day - 1, d);
    snprintf(out, 20, "%s 16:00:00", d);
}

/* The project's name when the caller serves it; 404 otherwise. */
static int project_scope(struct db *db, struct arena *a, const struct principal *who,
                         int64_t project_id, const char **name, struct err *e)
{
    struct db_res r;
    int found;

    if (!auth_in_project(who, project_id))
        return err_not_found(e);
    found = db_one(db, a, &sql_project, DB_ARGS(P_INT(project_id)), &r, e);
    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    if (name)
        *name = db_text(&r, 0, 0);
    return 0;
}

/* A building or fee item given as a filter is of the project (404 else). */
static int of_project(struct db *db, struct arena *a, struct db_sql *q, int64_t id,
                      int64_t project_id, struct err *e)
{
    struct db_res r;
    int found;

    if (!id)
        return 0;
    found = db_one(db, a, q, DB_ARGS(P_INT(id)), &r, e);
    if (found < 0)
        return -1;
    return found && db_int(&r, 0, 0) == project_id ? 0 : err_not_found(e);
}

/* Sums of fen, overflow refused (a corrupted row, never a wrapped total). */
static int add(int64_t *acc, int64_t v, struct err *e)
{
    return money_add(*acc, v, acc) < 0 ? err_setf(e, E_INTERNAL, "report total overflows") : 0;
}

/* ---- books (收费汇总) ------------------------------------------------------------------- */

enum {
    BK_BILLS,
    BK_PAID,
    BK_OPEN,
    BK_RECEIVABLE,
    BK_DISCOUNT,
    BK_WAIVED,
    BK_LATE,
    BK_RECEIVED,
    BK_OFFSET,
    BK_LATE_PAID,
    BK_OUTSTANDING,
    BK_RATE,
    BK_NFIGS
};

static const struct rt_col books_figs[BK_NFIGS] = {
    {"bills", "账单数", RT_INT, 0},          {"paid_bills", "已缴清", RT_INT, 0},
    {"open_bills", "未缴清", RT_INT, 0},     {"receivable_fen", "应收", RT_FEN, 0},
    {"discount_fen", "优惠减免", RT_FEN, 0}, {"waived_fen", "其中减免", RT_FEN, 0},
    {"late_fee_fen", "违约金", RT_FEN, 0},   {"received_fen", "实收", RT_FEN, 0},
    {"offset_fen", "预存抵扣", RT_FEN, 0},   {"late_fee_paid_fen", "其中违约金", RT_FEN, 0},
    {"outstanding_fen", "欠费", RT_FEN, 0},  {"collection_rate_bp", "收缴率", RT_BP, 0},
};

static const struct rt_col books_period_key[] = {{"period", "账期", RT_TEXT, 0}};
static const struct rt_col books_building_key[] = {
    {"building_id", "楼栋编号", RT_INT, RT_JSON_ONLY}, {"building", "楼栋", RT_TEXT, 0}};
static const struct rt_col books_item_key[] = {
    {"fee_item_id", "收费项目编号", RT_INT, RT_JSON_ONLY}, {"fee_item", "收费项目", RT_TEXT, 0}};

/* The rate cell of a row whose other figures are set (k = key columns). */
static void books_rate(struct rt_cell *row, size_t k)
{
    int64_t bp;

    if (report_rate_bp(row[k + BK_RECEIVED].v + row[k + BK_OFFSET].v - row[k + BK_LATE_PAID].v,
                       row[k + BK_RECEIVABLE].v - row[k + BK_DISCOUNT].v, &bp))
        rt_int(&row[k + BK_RATE], bp);
}

static int report_books(struct db *db, struct arena *a, const struct principal *who,
                        const struct report_query *q, struct report *out, struct err *e)
{
    const struct rt_col *key;
    struct rt_col *cols;
    struct rt_section *s;
    struct rt_cell *tot;
    struct db_sql *sql;
    struct db_res r;
    const char *group = q->group_by ? q->group_by : "period", *project;
    size_t k;

    if (strcmp(group, "period") == 0) {
        key = books_period_key;
        k = 1;
        sql = &sql_books_period;
    } else if (strcmp(group, "building") == 0) {
        key = books_building_key;
        k = 2;
        sql = &sql_books_building;
    } else if (strcmp(group, "fee_item") == 0) {
        key = books_item_key;
        k = 2;
        sql = &sql_books_item;
    } else {
        return err_bad_request(e, "group_by 只能是 period、building 或 fee_item");
    }
    if ((q->period_from && report_period_valid(q->period_from) < 0) ||
        (q->period_to && report_period_valid(q->period_to) < 0))
        return err_bad_request(e, "账期应为 YYYY-MM，如 2026-03");
    if (q->period_from && q->period_to && strcmp(q->period_from, q->period_to) > 0)
        return err_bad_request(e, "period_from 不能晚于 period_to");
    if (project_scope(db, a, who, q->id, &project, e) < 0 ||
        of_project(db, a, &sql_building_project, q->building_id, q->id, e) < 0 ||
        of_project(db, a, &sql_item_project, q->fee_item_id, q->id, e) < 0 ||
        db_query(db, a, sql,
                 DB_ARGS(P_INT(q->id), P_STR(q->period_from ? q->period_from : "0000-00"),
                         P_STR(q->period_to ? q->period_to : "9999-99"), P_INT(q->building_id),
                         P_INT(q->building_id), P_INT(q->fee_item_id), P_INT(q->fee_item_id)),
                 &r, e) < 0)
        return -1;

    report_init(out, a, "books", "收费汇总表");
    rt_meta_text(out, "project", NULL, project);
    rt_meta_text(out, "group_by", NULL, group);
    rt_meta_text(out, "period_from", NULL, q->period_from);
    rt_meta_text(out, "period_to", NULL, q->period_to);
    cols = arena_alloc(a, (k + BK_NFIGS) * sizeof(*cols));
    memcpy(cols, key, k * sizeof(*cols));
    memcpy(cols + k, books_figs, sizeof(books_figs));
    s = report_section(out, "rows", "收费汇总", cols, k + BK_NFIGS);
    tot = rt_totals(out, s, "totals");
    rt_text(out, &tot[k - 1], "合计");
    for (size_t i = 0; i < BK_NFIGS - 1; i++)
        rt_int(&tot[k + i], 0);
    for (size_t i = 0; i < r.nrows; i++) {
        struct rt_cell *row = rt_row(out, s);
        if (k == 1) {
            rt_text(out, &row[0], db_text(&r, i, 0));
        } else {
            if (!db_is_null(&r, i, 1))
                rt_int(&row[0], db_int(&r, i, 1));
            rt_text(out, &row[1], db_is_null(&r, i, 1) ? "（无楼栋）" : db_text(&r, i, 0));
        }
        for (size_t j = 0; j < BK_NFIGS - 1; j++) {
            rt_int(&row[k + j], db_int(&r, i, 2 + j));
            if (add(&tot[k + j].v, row[k + j].v, e) < 0)
                return -1;
        }
        books_rate(row, k);
    }
    books_rate(tot, k);
    return 0;
}

/* ---- arrears with their age (应收账龄) --------------------------------------------------- */

enum {
    AR_RESOURCE_ID,
    AR_RESOURCE,
    AR_BUILDING,
    AR_OWNERS,
    AR_BILLS,
    AR_AGE0, /* AGE_NOT_DUE … AGE_OVER_365 in order */
    AR_DUE = AR_AGE0 + AGE_COUNT,
    AR_LATE,
    AR_NCOLS
};

static const struct rt_col arrears_cols[AR_NCOLS] = {
    {"resource_id", "房屋编号", RT_INT, RT_JSON_ONLY},
    {"resource", "房屋", RT_TEXT, 0},
    {"building", "楼栋", RT_TEXT, 0},
    {"owners", "业主", RT_TEXT, 0},
    {"open_bills", "欠费账单数", RT_INT, 0},
    {"not_due_fen", "未到期", RT_FEN, 0},
    {"age_0_30_fen", "0—30天", RT_FEN, 0},
    {"age_31_90_fen", "31—90天", RT_FEN, 0},
    {"age_91_180_fen", "91—180天", RT_FEN, 0},
    {"age_181_365_fen", "181—365天", RT_FEN, 0},
    {"age_over_365_fen", "365天以上", RT_FEN, 0},
    {"due_fen", "欠费合计", RT_FEN, 0},
    {"late_fee_fen", "其中违约金", RT_FEN, 0},
};

struct arrears {
    struct report *r;
    struct rt_section *s;
    struct rt_cell *tot;
    int32_t as_of;
    int64_t after;
    int limit, rows;
    bool more;
    /* the resource being summed (0: none yet) */
    int64_t cur;
    struct rt_cell acc[AR_NCOLS];
};

/* The summed resource: into the totals always, into the rows when it is
 * on the page. */
static int arrears_flush(struct arrears *x, struct err *e)
{
    if (!x->cur)
        return 0;
    for (size_t j = AR_BILLS; j < AR_NCOLS; j++)
        if (add(&x->tot[j].v, x->acc[j].v, e) < 0)
            return -1;
    if (x->cur > x->after) {
        if (x->limit && x->rows == x->limit) {
            x->more = true;
        } else {
            memcpy(rt_row(x->r, x->s), x->acc, sizeof(x->acc));
            x->rows++;
        }
    }
    x->cur = 0;
    return 0;
}

static int arrears_row(void *arg, const struct db_res *row, struct err *e)
{
    struct arrears *x = arg;
    struct bill b;

    bill_from_row(row, 0, 0, &b);
    if (bill_figure(&b, x->as_of) < 0)
        return err_setf(e, E_INTERNAL, "bill %" PRId64 " breaks the books' rules", b.id);
    if (b.resource_id != x->cur) {
        if (arrears_flush(x, e) < 0)
            return -1;
        x->cur = b.resource_id;
        for (size_t j = 0; j < AR_NCOLS; j++)
            x->acc[j] = (struct rt_cell){NULL, 0, false};
        rt_int(&x->acc[AR_RESOURCE_ID], b.resource_id);
        rt_text(x->r, &x->acc[AR_RESOURCE], db_text(row, 0, BILL_NCOLS));
        rt_text(x->r, &x->acc[AR_BUILDING], db_str(row, 0, BILL_NCOLS + 1));
        rt_text(x->r, &x->acc[AR_OWNERS], db_str(row, 0, BILL_NCOLS + 2));
    }
    x->acc[AR_BILLS].v++;
    return add(&x->acc[AR_AGE0 + report_age_bucket(x->as_of - b.due_date)].v, b.due_fen, e) < 0 ||
                   add(&x->acc[AR_DUE].v, b.due_fen, e) < 0 ||
                   add(&x->acc[AR_LATE].v, b.late_fee_fen, e) < 0
               ? -1
               : 0;
}

static int arrears_check(struct db *db, struct arena *a, const struct principal *who,
                         const struct report_query *q, int32_t *as_of, const char **project,
                         struct err *e)
{
    return day_param(q->as_of, "as_of", bills_today(), as_of, e) < 0 ||
                   project_scope(db, a, who, q->id, project, e) < 0 ||
                   of_project(db, a, &sql_building_project, q->building_id, q->id, e) < 0
               ? -1
               : 0;
}

static int report_arrears(struct db *db, struct arena *a, const struct principal *who,
                          const struct report_query *q, struct report *out, struct err *e)
{
    struct arrears x;
    const char *project;
    char day[11];

    memset(&x, 0, sizeof(x));
    if (arrears_check(db, a, who, q, &x.as_of, &project, e) < 0)
        return -1;
    report_init(out, a, "arrears", "应收账款账龄表");
    fee_date_text(x.as_of, day);
    rt_meta_text(out, "project", NULL, project);
    rt_meta_text(out, "as_of", "截至日期", day);
    x.r = out;
    x.s = report_section(out, "rows", "应收账龄", arrears_cols, AR_NCOLS);
    x.tot = rt_totals(out, x.s, "totals");
    rt_text(out, &x.tot[AR_RESOURCE], "合计");
    for (size_t j = AR_BILLS; j < AR_NCOLS; j++)
        rt_int(&x.tot[j], 0);
    x.after = q->after;
    x.limit = q->limit;
    if (db_stream(db, &sql_arrears,
                  DB_ARGS(P_INT(q->id), P_INT(q->building_id), P_INT(q->building_id)), arrears_row,
                  &x, e) < 0 ||
        arrears_flush(&x, e) < 0)
        return -1;
    out->paged = q->limit > 0;
    if (x.more && x.rows)
        out->next_cursor = x.s->cells[(x.s->nrows - 1) * AR_NCOLS + AR_RESOURCE_ID].v;
    return 0;
}

/* ---- a resource's statement (对账单) ---------------------------------------------------- */

enum {
    SL_TIME,
    SL_KIND,
    SL_KIND_NAME,
    SL_BILL,
    SL_RECEIPT,
    SL_ITEM,
    SL_DEBIT,
    SL_CREDIT,
    SL_BALANCE,
    SL_NCOLS
};
static const struct rt_col stmt_line_cols[SL_NCOLS] = {
    {"at", "时间", RT_TEXT, 0},
    {"kind", "类别代码", RT_TEXT, RT_JSON_ONLY},
    {"kind_name", "类别", RT_TEXT, 0},
    {"bill_id", "账单编号", RT_INT, RT_JSON_ONLY},
    {"receipt_no", "收据号", RT_TEXT, 0},
    {"item", "项目", RT_TEXT, 0},
    {"debit_fen", "应收增加", RT_FEN, 0},
    {"credit_fen", "应收减少", RT_FEN, 0},
    {"balance_fen", "欠费余额", RT_FEN, 0},
};

enum {
    SR_ID,
    SR_NO,
    SR_TIME,
    SR_METHOD,
    SR_METHOD_NAME,
    SR_PURPOSE,
    SR_AMOUNT,
    SR_PREPAY,
    SR_STATUS,
    SR_CASHIER,
    SR_NCOLS
};
static const struct rt_col stmt_receipt_cols[SR_NCOLS] = {
    {"id", "收据编号", RT_INT, RT_JSON_ONLY},
    {"receipt_no", "收据号", RT_TEXT, 0},
    {"at", "时间", RT_TEXT, 0},
    {"method", "付款方式代码", RT_TEXT, RT_JSON_ONLY},
    {"method_name", "付款方式", RT_TEXT, 0},
    {"purpose", "用途", RT_TEXT, 0},
    {"amount_fen", "金额", RT_FEN, 0},
    {"to_prepay_fen", "其中转预存", RT_FEN, 0},
    {"status", "状态", RT_TEXT, 0},
    {"cashier", "收款人", RT_TEXT, 0},
};

enum {
    SA_TIME,
    SA_KIND,
    SA_KIND_NAME,
    SA_REASON,
    SA_REASON_NAME,
    SA_DELTA,
    SA_BALANCE,
    SA_RECEIPT,
    SA_NOTE,
    SA_NCOLS
};
static const struct rt_col stmt_account_cols[SA_NCOLS] = {
    {"at", "时间", RT_TEXT, 0},           {"account", "账户代码", RT_TEXT, RT_JSON_ONLY},
    {"account_name", "账户", RT_TEXT, 0}, {"reason", "事由代码", RT_TEXT, RT_JSON_ONLY},
    {"reason_name", "事由", RT_TEXT, 0},  {"delta_fen", "金额", RT_FEN, 0},
    {"balance_fen", "余额", RT_FEN, 0},   {"receipt_no", "收据号", RT_TEXT, 0},
    {"note", "备注", RT_TEXT, 0},
};

static const char *stmt_kind_label(const char *k)
{
    static const char *const names[][2] = {
        {"bill", "账单"},    {"discount", "优惠"},   {"waiver", "减免"},   {"late_fee", "违约金"},
        {"payment", "缴费"}, {"offset", "预存抵扣"}, {"reversal", "冲销"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(k, names[i][0]) == 0)
            return names[i][1];
    return k;
}

/* The lines of the range and the balances at its ends. */
static int stmt_lines(struct db *db, struct arena *a, struct report *out, int64_t resource_id,
                      const char *lo, const char *hi, int64_t *opening, int64_t *closing,
                      struct err *e)
{
    struct rt_section *s = report_section(out, "lines", "账单与缴费", stmt_line_cols, SL_NCOLS);
    struct db_res r;
    int64_t bal = 0;

    if (db_query(db, a, &sql_stmt_lines,
                 DB_ARGS(P_STR(lo), P_INT(resource_id), P_STR(hi), P_INT(resource_id), P_STR(hi),
                         P_INT(resource_id), P_STR(hi), P_INT(resource_id), P_STR(hi)),
                 &r, e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        int64_t d = db_int(&r, i, 6);
        struct rt_cell *row;

        if (add(&bal, d, e) < 0)
            return -1;
        if (db_int(&r, i, 0)) {
            *opening = bal;
            continue;
        }
        row = rt_row(out, s);
        rt_text(out, &row[SL_TIME], db_text(&r, i, 1));
        rt_text(out, &row[SL_KIND], db_text(&r, i, 2));
        rt_text(out, &row[SL_KIND_NAME], stmt_kind_label(db_text(&r, i, 2)));
        rt_int(&row[SL_BILL], db_int(&r, i, 3));
        rt_text(out, &row[SL_RECEIPT], db_str(&r, i, 4));
        rt_text(out, &row[SL_ITEM], db_text(&r, i, 5));
        rt_int(&row[SL_DEBIT], d > 0 ? d : 0);
        rt_int(&row[SL_CREDIT], d < 0 ? -d : 0);
        rt_int(&row[SL_BALANCE], bal);
    }
    *closing = bal;
    return 0;
}

static int stmt_receipts(struct db *db, struct arena *a, struct report *out, int64_t resource_id,
                         const char *lo, const char *hi, struct err *e)
{
    struct rt_section *s = report_section(out, "receipts", "收据", stmt_receipt_cols, SR_NCOLS);
    struct db_res r;

    if (db_query(db, a, &sql_stmt_receipts, DB_ARGS(P_INT(resource_id), P_STR(lo), P_STR(hi)), &r,
                 e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        struct rt_cell *row = rt_row(out, s);
        rt_int(&row[SR_ID], db_int(&r, i, 0));
        rt_text(out, &row[SR_NO], db_text(&r, i, 1));
        rt_text(out, &row[SR_TIME], db_text(&r, i, 2));
        rt_text(out, &row[SR_METHOD], db_text(&r, i, 3));
        rt_text(out, &row[SR_METHOD_NAME], receipt_method_label(db_text(&r, i, 3)));
        rt_text(out, &row[SR_PURPOSE], receipt_purpose_label(db_text(&r, i, 4)));
        rt_int(&row[SR_AMOUNT], db_int(&r, i, 5));
        rt_int(&row[SR_PREPAY], db_int(&r, i, 6));
        rt_text(out, &row[SR_STATUS], strcmp(db_text(&r, i, 7), "voided") == 0 ? "已作废" : "有效");
        rt_text(out, &row[SR_CASHIER], db_str(&r, i, 8));
    }
    return 0;
}

/* The account entries of the range with each account's running balance;
 * bal[0] prepay, bal[1] deposit: the opening balances in, the closing out. */
static int stmt_accounts(struct db *db, struct arena *a, struct report *out, int64_t resource_id,
                         const char *lo, const char *hi, int64_t open[2], int64_t close[2],
                         struct err *e)
{
    struct rt_section *s =
        report_section(out, "account_entries", "预存款与押金", stmt_account_cols, SA_NCOLS);
    struct db_res r;

    if (db_query(db, a, &sql_stmt_accounts, DB_ARGS(P_STR(lo), P_INT(resource_id), P_STR(hi)), &r,
                 e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        const char *kind = db_text(&r, i, 2);
        int k = strcmp(kind, "deposit") == 0;
        int64_t d = db_int(&r, i, 4);
        struct rt_cell *row;

        if (add(&close[k], d, e) < 0)
            return -1;
        if (db_int(&r, i, 0)) {
            open[k] = close[k];
            continue;
        }
        row = rt_row(out, s);
        rt_text(out, &row[SA_TIME], db_text(&r, i, 1));
        rt_text(out, &row[SA_KIND], kind);
        rt_text(out, &row[SA_KIND_NAME], account_kind_label(kind));
        rt_text(out, &row[SA_REASON], db_text(&r, i, 3));
        rt_text(out, &row[SA_REASON_NAME], account_reason_label(db_text(&r, i, 3)));
        rt_int(&row[SA_DELTA], d);
        rt_int(&row[SA_BALANCE], close[k]);
        rt_text(out, &row[SA_RECEIPT], db_str(&r, i, 5));
        rt_text(out, &row[SA_NOTE], db_text(&r, i, 6));
    }
    return 0;
}

static int report_statement(struct db *db, struct arena *a, const struct principal *who,
                            const struct report_query *q, struct report *out, struct err *e)
{
    struct db_res r;
    int32_t from, to;
    char lo[20], hi[20];
    int64_t opening = 0, closing = 0, open[2] = {0, 0}, close[2] = {0, 0};
    int found;

    if (!q->from || !q->to)
        return err_bad_request(e, "请指定对账单的起止日期 from 和 to（YYYY-MM-DD）");
    if (day_param(q->from, "from", 0, &from, e) < 0 || day_param(q->to, "to", 0, &to, e) < 0)
        return -1;
    if (from > to)
        return err_bad_request(e, "from 不能晚于 to");
    found = db_one(db, a, &sql_resource, DB_ARGS(P_INT(q->id)), &r, e);
    if (found < 0)
        return -1;
    if (!found || !auth_in_project(who, db_int(&r, 0, 0)))
        return err_not_found(e);
    day_bound(from, lo);
    day_bound(to + 1, hi);

    report_init(out, a, "statement", "对账单");
    rt_meta_num(out, "resource_id", NULL, RT_INT, q->id);
    rt_meta_text(out, "resource", "房屋", db_text(&r, 0, 1));
    rt_meta_text(out, "project", "项目", db_text(&r, 0, 2));
    rt_meta_text(out, "owners", "业主", db_str(&r, 0, 3));
    rt_meta_text(out, "from", "起始日期", q->from);
    rt_meta_text(out, "to", "截止日期", q->to);
    if (stmt_lines(db, a, out, q->id, lo, hi, &opening, &closing, e) < 0 ||
        stmt_receipts(db, a, out, q->id, lo, hi, e) < 0 ||
        stmt_accounts(db, a, out, q->id, lo, hi, open, close, e) < 0)
        return -1;
    rt_meta_num(out, "opening_balance_fen", "期初欠费", RT_FEN, opening);
    rt_meta_num(out, "closing_balance_fen", "期末欠费", RT_FEN, closing);
    rt_meta_num(out, "opening_prepay_fen", "期初预存款", RT_FEN, open[0]);
    rt_meta_num(out, "closing_prepay_fen", "期末预存款", RT_FEN, close[0]);
    rt_meta_num(out, "opening_deposit_fen", "期初押金", RT_FEN, open[1]);
    rt_meta_num(out, "closing_deposit_fen", "期末押金", RT_FEN, close[1]);
    return 0;
}

/* ---- the cashier's day (收银日结) ------------------------------------------------------- */

enum {
    DM_CASHIER_ID,
    DM_CASHIER,
    DM_METHOD,
    DM_METHOD_NAME,
    DM_COUNT,
    DM_AMOUNT,
    DM_VOIDED,
    DM_VOIDED_FEN,
    DM_NET,
    DM_NCOLS
};
static const struct rt_col daily_method_cols[DM_NCOLS] = {
    {"cashier_id", "收款人编号", RT_INT, RT_JSON_ONLY},
    {"cashier", "收款人", RT_TEXT, 0},
    {"method", "付款方式代码", RT_TEXT, RT_JSON_ONLY},
    {"method_name", "付款方式", RT_TEXT, 0},
    {"receipts", "收据数", RT_INT, 0},
    {"amount_fen", "收款金额", RT_FEN, 0},
    {"voided", "其中作废张数", RT_INT, 0},
    {"voided_fen", "其中作废金额", RT_FEN, 0},
    {"net_fen", "实收金额", RT_FEN, 0},
};

enum {
    DV_ID,
    DV_NO,
    DV_TIME,
    DV_VOIDED_AT,
    DV_CASHIER_ID,
    DV_CASHIER,
    DV_METHOD_NAME,
    DV_AMOUNT,
    DV_PAYER,
    DV_RESOURCE,
    DV_NCOLS
};
static const struct rt_col daily_voided_cols[DV_NCOLS] = {
    {"id", "收据编号", RT_INT, RT_JSON_ONLY},
    {"receipt_no", "收据号", RT_TEXT, 0},
    {"created_at", "开具时间", RT_TEXT, 0},
    {"voided_at", "作废时间", RT_TEXT, 0},
    {"cashier_id", "收款人编号", RT_INT, RT_JSON_ONLY},
    {"cashier", "收款人", RT_TEXT, 0},
    {"method_name", "付款方式", RT_TEXT, 0},
    {"amount_fen", "金额", RT_FEN, 0},
    {"payer_name", "交款人", RT_TEXT, 0},
    {"resource", "房屋", RT_TEXT, 0},
};

enum {
    DR_ID,
    DR_TIME,
    DR_STAFF_ID,
    DR_STAFF,
    DR_RESOURCE,
    DR_ACCOUNT,
    DR_AMOUNT,
    DR_NOTE,
    DR_NCOLS
};
static const struct rt_col daily_refund_cols[DR_NCOLS] = {
    {"id", "流水编号", RT_INT, RT_JSON_ONLY},
    {"at", "时间", RT_TEXT, 0},
    {"staff_id", "经办人编号", RT_INT, RT_JSON_ONLY},
    {"staff", "经办人", RT_TEXT, 0},
    {"resource", "房屋", RT_TEXT, 0},
    {"account_name", "账户", RT_TEXT, 0},
    {"amount_fen", "退款金额", RT_FEN, 0},
    {"note", "备注", RT_TEXT, 0},
};

static int daily_methods(struct db *db, struct arena *a, struct report *out, int64_t project_id,
                         const char *lo, const char *hi, struct err *e)
{
    struct rt_section *s =
        report_section(out, "methods", "按收款人和付款方式", daily_method_cols, DM_NCOLS);
    struct rt_cell *tot = rt_totals(out, s, "totals");
    struct db_res r;

    if (db_query(db, a, &sql_daily_methods, DB_ARGS(P_INT(project_id), P_STR(lo), P_STR(hi)), &r,
                 e) < 0)
        return -1;
    rt_text(out, &tot[DM_CASHIER], "合计");
    for (size_t j = DM_COUNT; j < DM_NCOLS; j++)
        rt_int(&tot[j], 0);
    for (size_t i = 0; i < r.nrows; i++) {
        struct rt_cell *row = rt_row(out, s);
        const char *m = db_text(&r, i, 2);

        if (!db_is_null(&r, i, 0))
            rt_int(&row[DM_CASHIER_ID], db_int(&r, i, 0));
        rt_text(out, &row[DM_CASHIER], db_is_null(&r, i, 0) ? "（线上支付）" : db_text(&r, i, 1));
        rt_text(out, &row[DM_METHOD], m);
        rt_text(out, &row[DM_METHOD_NAME], receipt_method_label(m));
        rt_int(&row[DM_COUNT], db_int(&r, i, 3));
        rt_int(&row[DM_AMOUNT], db_int(&r, i, 4));
        rt_int(&row[DM_VOIDED], db_int(&r, i, 5));
        rt_int(&row[DM_VOIDED_FEN], db_int(&r, i, 6));
        rt_int(&row[DM_NET], row[DM_AMOUNT].v - row[DM_VOIDED_FEN].v);
        for (size_t j = DM_COUNT; j < DM_NCOLS; j++)
            if (add(&tot[j].v, row[j].v, e) < 0)
                return -1;
    }
    return 0;
}

static int daily_voided(struct db *db, struct arena *a, struct report *out, int64_t project_id,
                        const char *lo, const char *hi, struct err *e)
{
    struct rt_section *s =
        report_section(out, "voided", "当日作废收据", daily_voided_cols, DV_NCOLS);
    struct db_res r;

    if (db_query(db, a, &sql_daily_voided, DB_ARGS(P_INT(project_id), P_STR(lo), P_STR(hi)), &r,
                 e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        struct rt_cell *row = rt_row(out, s);
        rt_int(&row[DV_ID], db_int(&r, i, 0));
        rt_text(out, &row[DV_NO], db_text(&r, i, 1));
        rt_text(out, &row[DV_TIME], db_text(&r, i, 2));
        rt_text(out, &row[DV_VOIDED_AT], db_text(&r, i, 3));
        if (!db_is_null(&r, i, 4))
            rt_int(&row[DV_CASHIER_ID], db_int(&r, i, 4));
        rt_text(out, &row[DV_CASHIER], db_text(&r, i, 5));
        rt_text(out, &row[DV_METHOD_NAME], receipt_method_label(db_text(&r, i, 6)));
        rt_int(&row[DV_AMOUNT], db_int(&r, i, 7));
        rt_text(out, &row[DV_PAYER], db_text(&r, i, 8));
        rt_text(out, &row[DV_RESOURCE], db_text(&r, i, 9));
    }
    return 0;
}

static int daily_refunds(struct db *db, struct arena *a, struct report *out, int64_t project_id,
                         const char *lo, const char *hi, struct err *e)
{
    struct rt_section *s = report_section(out, "refunds", "当日退款", daily_refund_cols, DR_NCOLS);
    struct rt_cell *tot = rt_totals(out, s, "refunds_totals");
    struct db_res r;

    if (db_query(db, a, &sql_daily_refunds, DB_ARGS(P_STR(lo), P_STR(hi), P_INT(project_id)), &r,
                 e) < 0)
        return -1;
    rt_text(out, &tot[DR_STAFF], "合计");
    rt_int(&tot[DR_AMOUNT], 0);
    for (size_t i = 0; i < r.nrows; i++) {
        struct rt_cell *row = rt_row(out, s);
        rt_int(&row[DR_ID], db_int(&r, i, 0));
        rt_text(out, &row[DR_TIME], db_text(&r, i, 1));
        if (!db_is_null(&r, i, 2))
            rt_int(&row[DR_STAFF_ID], db_int(&r, i, 2));
        rt_text(out, &row[DR_STAFF], db_text(&r, i, 3));
        rt_text(out, &row[DR_RESOURCE], db_text(&r, i, 4));
        rt_text(out, &row[DR_ACCOUNT], account_kind_label(db_text(&r, i, 5)));
        rt_int(&row[DR_AMOUNT], db_int(&r, i, 6));
        rt_text(out, &row[DR_NOTE], db_text(&r, i, 7));
        if (add(&tot[DR_AMOUNT].v, row[DR_AMOUNT].v, e) < 0)
            return -1;
    }
    return 0;
}

static int report_daily(struct db *db, struct arena *a, const struct principal *who,
                        const struct report_query *q, struct report *out, struct err *e)
{
    int32_t day;
    char lo[20], hi[20], text[11];
    const char *project;

    if (day_param(q->date, "date", bills_today(), &day, e) < 0 ||
        project_scope(db, a, who, q->id, &project, e) < 0)
        return -1;
    day_bound(day, lo);
    day_bound(day + 1, hi);
    fee_date_text(day, text);
    report_init(out, a, "daily", "收银日结表");
    rt_meta_text(out, "project", "项目", project);
    rt_meta_text(out, "date", "日期", text);
    return daily_methods(db, a, out, q->id, lo, hi, e) < 0 ||
                   daily_voided(db, a, out, q->id, lo, hi, e) < 0 ||
                   daily_refunds(db, a, out, q->id, lo, hi, e) < 0
               ? -1
               : 0;
}

/* ---- the change log (变更日志) ---------------------------------------------------------- */

static const char *const change_entities[] = {
    "bill",     "receipt",  "approval",         "account", "bill_run", "discount_scheme",
    "fee_item", "fee_rate", "project_settings",
};

enum {
    CH_ID,
    CH_AT,
    CH_ACTOR_KIND,
    CH_ACTOR_ID,
    CH_ACTOR,
    CH_ACTION,
    CH_ENTITY,
    CH_ENTITY_ID,
    CH_DETAIL,
    CH_NCOLS
};
static const struct rt_col change_cols[CH_NCOLS] = {
    {"id", "编号", RT_INT, 0},
    {"at", "时间", RT_TEXT, 0},
    {"actor_kind", "操作人类型", RT_TEXT, 0},
    {"actor_id", "操作人编号", RT_INT, 0},
    {"actor", "操作人", RT_TEXT, 0},
    {"action", "操作", RT_TEXT, 0},
    {"entity", "对象", RT_TEXT, 0},
    {"entity_id", "对象编号", RT_INT, 0},
    {"detail", "内容", RT_TEXT, RT_RAW_JSON},
};

/* The checked parameters of the change log: its bounds and entity. */
struct changes_in {
    char lo[20], hi[20];
    const char *entity;
};

static int changes_check(struct db *db, struct arena *a, const struct principal *who,
                         const struct report_query *q, struct changes_in *c, struct err *e)
{
    int32_t from, to;
    bool known = !q->entity;

    for (size_t i = 0; !known && i < sizeof(change_entities) / sizeof(*change_entities); i++)
        known = strcmp(q->entity, change_entities[i]) == 0;
    if (!known)
        return err_bad_request(e, "entity 只能是 bill、receipt、approval、account、bill_run、"
                                  "discount_scheme、fee_item、fee_rate 或 project_settings");
    /* no bounds: the whole log (from 1970 to 9999) */
    if (day_param(q->from, "from", 0, &from, e) < 0 ||
        day_param(q->to, "to", money_days_from_civil(9999, 12, 30), &to, e) < 0)
        return -1;
    if (from > to)
        return err_bad_request(e, "from 不能晚于 to");
    if (project_scope(db, a, who, q->id, NULL, e) < 0)
        return -1;
    day_bound(from, c->lo);
    day_bound(to + 1, c->hi);
    c->entity = q->entity ? q->entity : "";
    return 0;
}

static int report_changes(struct db *db, struct arena *a, const struct principal *who,
                          const struct report_query *q, struct report *out, struct err *e)
{
    struct changes_in c;
    struct rt_section *s;
    struct db_res r;
    /* one more than the page: is there a next one? */
    int64_t limit = q->limit ? q->limit + 1 : INT64_C(1) << 40;

    if (changes_check(db, a, who, q, &c, e) < 0 ||
        db_query(db, a, &sql_changes,
                 DB_ARGS(P_INT(q->id), P_INT(q->after), P_STR(c.lo), P_STR(c.hi), P_STR(c.entity),
                         P_STR(c.entity), P_INT(limit)),
                 &r, e) < 0)
        return -1;
    report_init(out, a, "changes", "变更日志");
    rt_meta_text(out, "entity", NULL, q->entity);
    s = report_section(out, "items", "变更日志", change_cols, CH_NCOLS);
    out->paged = q->limit > 0;
    for (size_t i = 0; i < r.nrows; i++) {
        struct rt_cell *row;

        if (q->limit && i == (size_t)q->limit) {
            out->next_cursor = db_int(&r, i - 1, 0);
            break;
        }
        row = rt_row(out, s);
        rt_int(&row[CH_ID], db_int(&r, i, 0));
        rt_text(out, &row[CH_AT], db_text(&r, i, 1));
        rt_text(out, &row[CH_ACTOR_KIND], db_text(&r, i, 2));
        rt_int(&row[CH_ACTOR_ID], db_int(&r, i, 3));
        rt_text(out, &row[CH_ACTOR], db_text(&r, i, 4));
        rt_text(out, &row[CH_ACTION], db_text(&r, i, 5));
        rt_text(out, &row[CH_ENTITY], db_text(&r, i, 6));
        rt_int(&row[CH_ENTITY_ID], db_int(&r, i, 7));
        rt_text(out, &row[CH_DETAIL], db_text(&r, i, 8));
    }
    return 0;
}

/* ---- dispatch, size, jobs ------------------------------------------------------------ */

int report_run(struct db *db, struct arena *a, const struct principal *who,
               const struct report_query *q, struct report *out, struct err *e)
{
    switch (q->kind) {
    case REPORT_BOOKS:
        return report_books(db, a, who, q, out, e);
    case REPORT_ARREARS:
        return report_arrears(db, a, who, q, out, e);
    case REPORT_STATEMENT:
        return report_statement(db, a, who, q, out, e);
    case REPORT_DAILY:
        return report_daily(db, a, who, q, out, e);
    case REPORT_CHANGES:
        return report_changes(db, a, who, q, out, e);
    }
    return err_internal(e);
}

int report_export_rows(struct db *db, struct arena *a, const struct principal *who,
                       const struct report_query *q, int64_t *rows, struct err *e)
{
    struct db_res r;
    struct changes_in c;
    const char *project;
    int32_t as_of;

    *rows = 0;
    if (q->kind == REPORT_ARREARS) {
        if (arrears_check(db, a, who, q, &as_of, &project, e) < 0 ||
            db_one(db, a, &sql_arrears_count,
                   DB_ARGS(P_INT(q->id), P_INT(q->building_id), P_INT(q->building_id)), &r, e) < 0)
            return -1;
        *rows = db_int(&r, 0, 0);
    } else if (q->kind == REPORT_CHANGES) {
        if (changes_check(db, a, who, q, &c, e) < 0 ||
            db_one(db, a, &sql_changes_count,
                   DB_ARGS(P_INT(q->id), P_INT(q->after), P_STR(c.lo), P_STR(c.hi), P_STR(c.entity),
                           P_STR(c.entity)),
                   &r, e) < 0)
            return -1;
        *rows = db_int(&r, 0, 0);
    }
    return 0;
}

void report_filename(const struct report_query *q, const char *ext, char out[128])
{
    /* the day of the report when it has one; the parameters are checked
     * (dates and periods are digits and dashes) before a file is named */
    const char *day = q->kind == REPORT_ARREARS     ? q->as_of
                      : q->kind == REPORT_DAILY     ? q->date
                      : q->kind == REPORT_STATEMENT ? q->to
                      : q->kind == REPORT_BOOKS     ? q->period_to
                                                    : q->to;

    snprintf(out, 128, "%s-%" PRId64 "%s%s.%s", report_kind_name(q->kind), q->id, day ? "-" : "",
             day ? day : "", ext);
}

static void add_str(cJSON *o, const char *name, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, name, v);
}

char *report_job_input(const struct report_query *q, const char *format)
{
    cJSON *o = cJSON_CreateObject();
    char *text;

    cJSON_AddStringToObject(o, "report", report_kind_name(q->kind));
    cJSON_AddStringToObject(o, "format", format);
    json_add_int(o, "id", q->id);
    add_str(o, "period_from", q->period_from);
    add_str(o, "period_to", q->period_to);
    add_str(o, "group_by", q->group_by);
    json_add_int(o, "building_id", q->building_id);
    json_add_int(o, "fee_item_id", q->fee_item_id);
    add_str(o, "as_of", q->as_of);
    add_str(o, "from", q->from);
    add_str(o, "to", q->to);
    add_str(o, "date", q->date);
    add_str(o, "entity", q->entity);
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* A string member of the job's input, copied into a. */
static int job_str(struct arena *a, const cJSON *o, const char *name, const char **out,
                   struct err *e)
{
    const char *v;

    if (json_get_str(o, name, false, 0, 64, &v, e) < 0)
        return -1;
    *out = v ? arena_strdup(a, v) : NULL;
    return 0;
}

int report_job_parse(struct arena *a, const char *text, size_t len, struct report_query *q,
                     const char **format, struct err *e)
{
    cJSON *o = json_parse_body(text, len, e);
    const char *kind = NULL;
    int rc = -1;

    memset(q, 0, sizeof(*q));
    if (!o)
        return -1;
    if (job_str(a, o, "report", &kind, e) < 0 || job_str(a, o, "format", format, e) < 0 ||
        json_get_int(o, "id", true, 1, INT64_C(999999999999999), &q->id, NULL, e) < 0 ||
        job_str(a, o, "period_from", &q->period_from, e) < 0 ||
        job_str(a, o, "period_to", &q->period_to, e) < 0 ||
        job_str(a, o, "group_by", &q->group_by, e) < 0 ||
        json_get_int(o, "building_id", false, 0, INT32_MAX, &q->building_id, NULL, e) < 0 ||
        json_get_int(o, "fee_item_id", false, 0, INT32_MAX, &q->fee_item_id, NULL, e) < 0 ||
        job_str(a, o, "as_of", &q->as_of, e) < 0 || job_str(a, o, "from", &q->from, e) < 0 ||
        job_str(a, o, "to", &q->to, e) < 0 || job_str(a, o, "date", &q->date, e) < 0 ||
        job_str(a, o, "entity", &q->entity, e) < 0)
        goto out;
    if (report_kind_from_name(kind, &q->kind) < 0 || !*format) {
        err_bad_request(e, "导出任务的内容不正确");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(o);
    return rc;
}

int report_file_store(struct db *db, int64_t job_id, const char *filename, const char *content_type,
                      const char *data, size_t len, struct err *e)
{
    return db_exec(db, &sql_file_store,
                   DB_ARGS(P_INT(job_id), P_STR(filename), P_STR(content_type), P_STRN(data, len)),
                   NULL, e);
}

int report_file_get(struct db *db, struct arena *a, int64_t job_id, struct report_file *out,
                    struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_file_get, DB_ARGS(P_INT(job_id)), &r, e);

    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    out->filename = db_text(&r, 0, 0);
    out->content_type = db_text(&r, 0, 1);
    out->data = db_text(&r, 0, 2);
    out->len = db_len(&r, 0, 2);
    return 0;
}
