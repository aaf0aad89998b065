/*
 * bills_import.c — FEE-6 import of historical bills (see bills_import.h).
 *
 * The shape of resources_import.c: the pure half parses the header and
 * each row into a struct bill_import_row (no database, unit-tested); the
 * database half makes two passes over the bytes — the first finds every
 * fatal defect before anything is written, the second applies each valid
 * row in its own transaction, one arena per row, reset after it.
 *
 * A row's transaction takes its locks in the order of the desk
 * (bills_collect(): the resource, the prepayment account, the bills, the
 * receipt counter), so an import and a collection of the same home wait
 * for each other instead of deadlocking.
 */
#include "bills_import.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "bills.h"
#include "core/json.h"
#include "core/log.h"
#include "core/money.h"
#include "fees.h"

/* ---- The SQL of this module ---------------------------------------------------------- */

DB_SQL(sql_project, "SELECT id FROM projects WHERE id = ?");
DB_SQL(sql_resource, "SELECT id FROM resources WHERE project_id = ? AND code = ? "
                     "LOCK IN SHARE MODE");
DB_SQL(sql_item, "SELECT id, cycle, due_day_of_cycle FROM fee_items WHERE project_id = ? "
                 "AND code = ? LOCK IN SHARE MODE");
DB_SQL(sql_prepay_lock, "SELECT id FROM accounts WHERE resource_id = ? AND kind = 'prepay' "
                        "FOR UPDATE");
/* uk_bills_cycle: the bill of (resource, item, period), locked (or the
 * gap where it would be, so a parallel import of it waits). */
DB_SQL(sql_existing, "SELECT id, amount_fen FROM bills WHERE resource_id = ? AND fee_item_id = ? "
                     "AND period = ? AND cycle_key = 1 FOR UPDATE");
DB_SQL(sql_insert,
       "INSERT INTO bills (project_id, resource_id, fee_item_id, period, cycle_key, source, "
       "amount_fen, due_date, note, created_by) VALUES (?, ?, ?, ?, 1, 'import', ?, "
       "'1970-01-01' + INTERVAL ? DAY, ?, ?)");
DB_SQL(sql_bill, "SELECT " BILL_COLS " FROM bills b JOIN fee_items f ON f.id = b.fee_item_id "
                 "WHERE b.id = ?");
DB_SQL(sql_paid_at, "UPDATE bills SET paid_at = ? WHERE id = ? AND status = 'paid'");
DB_SQL(sql_snap_bill,
       "SELECT JSON_OBJECT('resource_id', resource_id, 'fee_item_id', fee_item_id, "
       "'period', period, 'source', source, 'status', status, 'amount_fen', amount_fen, "
       "'paid_fen', paid_fen, 'due_date', due_date, 'paid_at', paid_at, 'note', note) "
       "FROM bills WHERE id = ?");
DB_SQL(sql_snap_receipt, "SELECT JSON_OBJECT('receipt_no', receipt_no, 'resource_id', "
                         "resource_id, 'method', method, 'amount_fen', amount_fen, "
                         "'note', note) FROM receipts WHERE id = ?");

/* ---- 1. Pure parsing ----------------------------------------------------------------- */

const char *const bill_import_col_names[BI_NCOLS] = {
    "房屋编码", "收费项目编码", "账期", "金额", "已缴金额", "缴费日期", "备注",
};
const char *const bill_import_col_names_en[BI_NCOLS] = {
    "resource_code", "fee_item_code", "period", "amount", "paid_amount", "paid_date", "note",
};
/* in characters, as in sql/001 and sql/006-007 */
static const size_t col_max_chars[BI_NCOLS] = {
    [BI_RESOURCE] = 64, [BI_ITEM] = 32, [BI_NOTE] = 200,     [BI_PERIOD] = 7,
    [BI_AMOUNT] = 24,   [BI_PAID] = 24, [BI_PAID_DATE] = 10,
};

int bill_import_header_parse(const struct csv_field *f, size_t n, struct bill_import_header *h,
                             struct err *e)
{
    memset(h, 0, sizeof(*h));
    h->nfields = n;
    if (import_header_map(f, n, bill_import_col_names, bill_import_col_names_en, BI_NCOLS,
                          "房屋编码、收费项目编码、账期、金额、已缴金额、缴费日期、备注",
                          h->field_of, h->ignored, e) < 0)
        return -1;
    for (int c = BI_RESOURCE; c <= BI_AMOUNT; c++)
        if (h->field_of[c] < 0)
            return err_setf(e, E_BAD_REQUEST, "表头中缺少必需的列“%s”", bill_import_col_names[c]);
    return 0;
}

struct row_parse {
    const struct bill_import_header *h;
    const struct csv_field *f;
    size_t n;
    int line;
    struct arena *a;
    struct import_report *rep;
    int nerr;
};

static void row_err(struct row_parse *p, enum bill_import_col col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void row_err(struct row_parse *p, enum bill_import_col col, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    import_report_add_error(p->rep, p->line, bill_import_col_names[col], "%s", msg);
    p->nerr++;
}

/* A column's text, checked (no control characters, fits); NULL when
 * empty or bad (*bad says which). The whole file was checked as UTF-8. */
static const char *text_cell(struct row_parse *p, enum bill_import_col col, bool *bad)
{
    int i = p->h->field_of[col];
    const char *s, *name = bill_import_col_names[col];
    size_t n;

    *bad = false;
    if (i < 0 || (size_t)i >= p->n)
        return NULL;
    import_cell_view(&p->f[i], &s, &n);
    if (n == 0)
        return NULL;
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)s[k] < 0x20 || s[k] == 0x7F) {
            row_err(p, col, "%s含有换行或其他控制字符", name);
            *bad = true;
            return NULL;
        }
    if (!utf8_valid(s, n) || utf8_chars(s, n) > col_max_chars[col]) {
        row_err(p, col, "%s不能超过 %zu 个字", name, col_max_chars[col]);
        *bad = true;
        return NULL;
    }
    return arena_strndup(p->a, s, n);
}

/* An amount cell in yuan; false when empty or bad. */
static bool money_cell(struct row_parse *p, enum bill_import_col col, int64_t *fen, bool *bad)
{
    const char *s = text_cell(p, col, bad), *name = bill_import_col_names[col];
    int rc;

    if (!s)
        return false;
    rc = money_parse(s, strlen(s), 0, fen);
    if (rc == MONEY_PARSE_DECIMALS)
        row_err(p, col, "%s最多两位小数（单位：元）", name);
    else if (rc == MONEY_PARSE_RANGE)
        row_err(p, col, "%s过大", name);
    else if (rc < 0)
        row_err(p, col, "%s格式不正确：应为不小于 0 的金额（元），如 1234.50", name);
    *bad = rc < 0;
    return rc == 0;
}

int bill_import_row_parse(const struct bill_import_header *h, const struct csv_field *f, size_t n,
                          int line, int32_t today, struct arena *a, struct bill_import_row *row,
                          struct import_report *rep)
{
    struct row_parse p = {h, f, n, line, a, rep, 0};
    const char *s;
    bool bad, bad_paid, has_paid;

    memset(row, 0, sizeof(*row));
    row->line = line;
    p.nerr += import_stray_cells(f, n, h->nfields, h->ignored, line, rep);
    row->resource_code = text_cell(&p, BI_RESOURCE, &bad);
    if (!row->resource_code && !bad)
        row_err(&p, BI_RESOURCE, "房屋编码不能为空");
    row->fee_item_code = text_cell(&p, BI_ITEM, &bad);
    if (!row->fee_item_code && !bad)
        row_err(&p, BI_ITEM, "收费项目编码不能为空");
    s = text_cell(&p, BI_PERIOD, &bad);
    if (s) {
        int y, m;
        if (strlen(s) != 7 || s[4] != '-' || sscanf(s, "%4d-%2d", &y, &m) != 2 || y < 1900 ||
            y > 2199 || m < 1 || m > 12 || strspn(s, "0123456789-") != 7)
            row_err(&p, BI_PERIOD, "账期应为 YYYY-MM，如 2024-03");
        else
            memcpy(row->period, s, 8);
    } else if (!bad) {
        row_err(&p, BI_PERIOD, "账期不能为空");
    }
    if (money_cell(&p, BI_AMOUNT, &row->amount_fen, &bad)) {
        if (row->amount_fen == 0)
            row_err(&p, BI_AMOUNT, "金额须大于 0");
    } else if (!bad) {
        row_err(&p, BI_AMOUNT, "金额不能为空");
    }
    has_paid = money_cell(&p, BI_PAID, &row->paid_fen, &bad_paid) && row->paid_fen > 0;
    if (has_paid && row->amount_fen > 0 && row->paid_fen > row->amount_fen)
        row_err(&p, BI_PAID, "已缴金额不能大于金额");
    s = text_cell(&p, BI_PAID_DATE, &bad);
    if (s) {
        if (money_date_parse(s, strlen(s), &row->paid_day) < 0)
            row_err(&p, BI_PAID_DATE, "缴费日期应为真实存在的日期，格式 YYYY-MM-DD，如 2024-03-05");
        else if (row->paid_day > today)
            row_err(&p, BI_PAID_DATE, "缴费日期不能晚于今天");
        else if (!has_paid && !bad_paid)
            row_err(&p, BI_PAID_DATE, "没有已缴金额时不能填写缴费日期");
    } else if (has_paid && !bad) {
        row_err(&p, BI_PAID_DATE, "填写了已缴金额就必须填写缴费日期");
    }
    if (!has_paid) {
        row->paid_fen = 0;
        row->paid_day = 0;
    }
    row->note = text_cell(&p, BI_NOTE, &bad);
    return p.nerr;
}

/* ---- 2. The database ----------------------------------------------------------------- */

struct run {
    int64_t project_id;
    const struct principal *who;
    struct arena *a; /* the current row's */
};

/* One row's transaction; the outcome is reset at every attempt (db_tx
 * reruns it after a deadlock, and only the committed attempt counts). */
struct row_tx {
    struct run *run;
    const struct bill_import_row *row;
    bool existing, refused;
    const char *err_column;
    char err_message[200];
};

static int refuse(struct row_tx *t, struct err *e, enum bill_import_col col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int refuse(struct row_tx *t, struct err *e, enum bill_import_col col, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(t->err_message, sizeof(t->err_message), fmt, ap);
    va_end(ap);
    t->refused = true;
    t->err_column = bill_import_col_names[col];
    /* not DB_RETRY: db_tx rolls back and does not rerun */
    return err_set(e, E_IMPORT_ROW_REFUSED);
}

/* {"source":"bill_import","line":N} */
static const char *context(struct row_tx *t)
{
    return arena_printf(t->run->a, "{\"source\":\"bill_import\",\"line\":%d}", t->row->line);
}

static int audited(struct db *db, struct row_tx *t, const char *action, const char *entity,
                   int64_t id, struct db_sql *snap, struct err *e)
{
    return audit_change(db, t->run->a,
                        &(struct audit_entry){.who = t->run->who,
                                              .action = action,
                                              .entity = entity,
                                              .entity_id = id,
                                              .context = context(t)},
                        snap, e);
}

/* The first day of the period's month plus the item's due day − 1. */
static int32_t due_day_of(const char *period, int64_t due_day_of_cycle)
{
    return money_days_from_civil(atoi(period), atoi(period + 5), 1) + (int32_t)due_day_of_cycle - 1;
}

/* The paid amount as one receipt, applied as on the bill's due date. */
static int pay(struct db *db, struct row_tx *t, int64_t project_id, int64_t resource_id,
               int64_t bill_id, struct err *e)
{
    const struct bill_import_row *row = t->row;
    struct db_res r;
    struct bill b;
    int64_t receipt_id;
    char no[48], day[11], paid_at[20];

    fee_date_text(row->paid_day, day);
    if (db_one(db, t->run->a, &sql_bill, DB_ARGS(P_INT(bill_id)), &r, e) <= 0)
        return err_internal(e);
    bill_from_row(&r, 0, 0, &b);
    if (receipt_issue_tx(
            db,
            &(struct receipt_in){.project_id = project_id,
                                 .resource_id = resource_id,
                                 .method = PAY_TRANSFER,
                                 .purpose = "bills",
                                 .amount_fen = row->paid_fen,
                                 .cashier_id = t->run->who->id,
                                 .note = arena_printf(t->run->a, "历史导入 缴费日期 %s", day)},
            &receipt_id, no, e) < 0 ||
        bills_apply_tx(db, receipt_id, &b, &row->paid_fen, 1, b.due_date, e) < 0)
        return -1;
    /* the day it was paid, 00:00 China time, as UTC */
    fee_date_text(row->paid_day - 1, day);
    snprintf(paid_at, sizeof(paid_at), "%s 16:00:00", day);
    if (db_exec(db, &sql_paid_at, DB_ARGS(P_STR(paid_at), P_INT(bill_id)), NULL, e) < 0)
        return -1;
    return audited(db, t, "import_receipt", "receipt", receipt_id, &sql_snap_receipt, e);
}

static int row_apply(struct db *db, void *arg, struct err *e)
{
    struct row_tx *t = arg;
    const struct bill_import_row *row = t->row;
    struct arena *a = t->run->a;
    int64_t project_id = t->run->project_id, resource_id, item_id, due_day, bill_id;
    const char *cycle;
    int month = atoi(row->period + 5), found;
    struct db_res r;
    char amount[MONEY_FORMAT_SIZE], stored[MONEY_FORMAT_SIZE];

    t->existing = t->refused = false;
    found =
        db_one(db, a, &sql_resource, DB_ARGS(P_INT(project_id), P_STR(row->resource_code)), &r, e);
    if (found <= 0)
        return found < 0
                   ? -1
                   : refuse(t, e, BI_RESOURCE, "本项目没有编码为“%s”的房屋", row->resource_code);
    resource_id = db_int(&r, 0, 0);
    found = db_one(db, a, &sql_item, DB_ARGS(P_INT(project_id), P_STR(row->fee_item_code)), &r, e);
    if (found <= 0)
        return found < 0
                   ? -1
                   : refuse(t, e, BI_ITEM, "本项目没有编码为“%s”的收费项目", row->fee_item_code);
    item_id = db_int(&r, 0, 0);
    cycle = db_text(&r, 0, 1);
    due_day = db_int(&r, 0, 2);
    /* a period is a cycle's first month (sql/007) */
    if (strcmp(cycle, "quarterly") == 0 && (month - 1) % 3 != 0)
        return refuse(t, e, BI_PERIOD,
                      "按季收费的项目，账期须为季度的第一个月（01、04、07、10 月）");
    if (strcmp(cycle, "yearly") == 0 && month != 1)
        return refuse(t, e, BI_PERIOD, "按年收费的项目，账期须为 01 月");
    if (db_query(db, a, &sql_prepay_lock, DB_ARGS(P_INT(resource_id)), &r, e) < 0)
        return -1;
    found = db_one(db, a, &sql_existing,
                   DB_ARGS(P_INT(resource_id), P_INT(item_id), P_STR(row->period)), &r, e);
    if (found < 0)
        return -1;
    if (found) {
        if (db_int(&r, 0, 1) == row->amount_fen) {
            t->existing = true;
            return 0;
        }
        money_format(db_int(&r, 0, 1), stored);
        money_format(row->amount_fen, amount);
        return refuse(t, e, BI_AMOUNT,
                      "该房屋 %s 的此项账单已存在，金额为 %s 元，与文件中的 %s 元不一致",
                      row->period, stored, amount);
    }
    if (db_insert(db, &sql_insert,
                  DB_ARGS(P_INT(project_id), P_INT(resource_id), P_INT(item_id), P_STR(row->period),
                          P_INT(row->amount_fen), P_INT(due_day_of(row->period, due_day)),
                          P_STR(row->note ? row->note : ""), P_INT(t->run->who->id)),
                  &bill_id, e) < 0)
        return -1;
    if (row->paid_fen > 0 && pay(db, t, project_id, resource_id, bill_id, e) < 0)
        return -1;
    if (audited(db, t, "import_bill", "bill", bill_id, &sql_snap_bill, e) < 0)
        return -1;
    return bills_offset_tx(db, a, t->run->who, project_id, resource_id, NULL, e);
}

/* Pass one: structure, header and size, before anything is written. */
static int check_file(const char *data, size_t len, struct bill_import_header *h, int *nrows,
                      struct err *e)
{
    struct csv_reader rd;
    const struct csv_field *f;
    size_t n;
    bool have_header = false;
    int rows = 0, rc = -1, got;

    if (!utf8_valid(data, len))
        return err_bad_request(e, "文件不是 UTF-8 编码：请在 Excel 中选择“另存为 → CSV UTF-8"
                                  "（逗号分隔）”后再导入");
    csv_reader_init(&rd, data, len);
    while ((got = csv_read(&rd, &f, &n, e)) > 0) {
        if (import_record_blank(f, n))
            continue;
        if (!have_header) {
            if (bill_import_header_parse(f, n, h, e) < 0)
                goto out;
            have_header = true;
        } else if (++rows > IMPORT_MAX_ROWS) {
            err_setf(e, E_BAD_REQUEST, "文件超过 %d 行数据，请分批导入", IMPORT_MAX_ROWS);
            goto out;
        }
    }
    if (got < 0)
        goto out;
    if (!have_header) {
        err_bad_request(e, "文件为空：第一行须是表头（如 房屋编码,收费项目编码,账期,金额,……）");
        goto out;
    }
    *nrows = rows;
    rc = 0;
out:
    csv_reader_free(&rd);
    return rc;
}

int bill_import_rows(const char *data, size_t len)
{
    struct bill_import_header h;
    struct err e;
    int rows = 0;

    return check_file(data, len, &h, &rows, &e) < 0 ? -1 : rows;
}

/* Apply one valid row; -1 only when the import must stop (the database
 * failed: every later row would fail the same way). */
static int row_run(struct db *db, struct run *run, const struct bill_import_row *row,
                   struct bill_import_report *rep, struct err *e)
{
    struct row_tx t;
    struct err re;

    memset(&t, 0, sizeof(t));
    err_clear(&re);
    t.run = run;
    t.row = row;
    if (db_tx(db, row_apply, &t, &re) == 0) {
        rep->base.rows_ok++;
        if (t.existing) {
            rep->existing_bills++;
        } else {
            rep->created_bills++;
            rep->amount_fen += row->amount_fen;
            rep->paid_fen += row->paid_fen;
            rep->receipts += row->paid_fen > 0;
        }
        return 0;
    }
    rep->base.rows_failed++;
    if (t.refused) {
        import_report_add_error(&rep->base, row->line, t.err_column, "%s", t.err_message);
        return 0;
    }
    if (err_is(&re, E_DB_DUPLICATE)) {
        /* another import of the same bill committed between our look and
         * our insert: a rerun of the file counts it as existing */
        import_report_add_error(&rep->base, row->line, NULL,
                                "账单已存在（可能有其他导入同时进行），请重新导入此行");
        return 0;
    }
    *e = re;
    if (err_is(e, E_OK))
        err_internal(e);
    return -1;
}

static int project_check(struct db *db, struct arena *a, const struct principal *who,
                         int64_t project_id, struct err *e)
{
    struct db_res r;
    int found;

    if (!auth_in_project(who, project_id))
        return err_not_found(e);
    found = db_one(db, a, &sql_project, DB_ARGS(P_INT(project_id)), &r, e);
    return found < 0 ? -1 : found ? 0 : err_not_found(e);
}

int bill_import_csv(struct db *db, int64_t project_id, const struct principal *who,
                    const char *data, size_t len, const struct import_progress *progress,
                    struct bill_import_report *rep, struct err *e)
{
    struct run run = {project_id, who, NULL};
    struct bill_import_header h;
    struct csv_reader rd;
    struct arena a = {0};
    const struct csv_field *f;
    size_t n;
    bool header_seen = false;
    int rc = -1, got, total = 0;
    int32_t today = bills_today();

    memset(rep, 0, sizeof(*rep));
    run.a = &a;
    csv_reader_init(&rd, data, len);
    if (project_check(db, &a, who, project_id, e) < 0 || check_file(data, len, &h, &total, e) < 0)
        goto out;
    while ((got = csv_read(&rd, &f, &n, e)) > 0) {
        struct bill_import_row row;

        if (import_record_blank(f, n))
            continue;
        if (!header_seen) {
            header_seen = true;
            continue;
        }
        rep->base.rows_total++;
        if (bill_import_row_parse(&h, f, n, rd.record_line, today, &a, &row, &rep->base) > 0)
            rep->base.rows_failed++;
        else if (row_run(db, &run, &row, rep, e) < 0)
            goto out;
        arena_reset(&a);
        if (progress && rep->base.rows_total % progress->every == 0 &&
            progress->fn(progress->arg, &rep->base, total, e) < 0)
            goto out;
    }
    if (got < 0)
        goto out;
    rc = 0;
out:
    log_info("event=bill_import project_id=%" PRId64 " actor=staff:%" PRId64 " rc=%d rows=%d "
             "ok=%d failed=%d created=%d existing=%d receipts=%d",
             project_id, who->id, rc, rep->base.rows_total, rep->base.rows_ok,
             rep->base.rows_failed, rep->created_bills, rep->existing_bills, rep->receipts);
    csv_reader_free(&rd);
    arena_free(&a);
    return rc;
}

void bill_import_report_free(struct bill_import_report *rep)
{
    import_report_free(&rep->base);
    memset(rep, 0, sizeof(*rep));
}
