/* bills.c — see bills.h; docs/books.md has the rules with examples. */
#include "bills.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "core/json.h"
#include "core/money.h"
#include "resources.h"

/* ---- names --------------------------------------------------------------------------- */

static const char *const status_names[] = {"unpaid", "partial", "paid", "void"};
static const char *const method_names[] = {"cash",     "card",       "wechat", "alipay",
                                           "transfer", "wechat_pay", "prepay", "deposit"};

const char *bill_status_name(enum bill_status s)
{
    return (unsigned)s < 4 ? status_names[s] : NULL;
}

int bill_status_from_name(const char *s, enum bill_status *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, status_names[i]) == 0) {
            *out = (enum bill_status)i;
            return 0;
        }
    return -1;
}

const char *pay_method_name(enum pay_method m)
{
    return (unsigned)m <= PAY_DEPOSIT ? method_names[m] : NULL;
}

int pay_method_desk(const char *s, enum pay_method *out)
{
    for (int i = PAY_CASH; i <= PAY_TRANSFER; i++)
        if (strcmp(s, method_names[i]) == 0) {
            *out = (enum pay_method)i;
            return 0;
        }
    return -1;
}

int bill_filter_from_name(const char *s, enum bill_filter *out)
{
    if (!s || strcmp(s, "unpaid") == 0)
        *out = BILLS_UNPAID;
    else if (strcmp(s, "paid") == 0)
        *out = BILLS_PAID;
    else if (strcmp(s, "all") == 0)
        *out = BILLS_ALL;
    else
        return -1;
    return 0;
}

bool bill_is_open(const struct bill *b)
{
    return b->status == BILL_UNPAID || b->status == BILL_PARTIAL;
}

int32_t bills_today(void)
{
    /* China has no daylight saving time: UTC+8 all year. */
    return (int32_t)(((int64_t)time(NULL) + 8 * 3600) / 86400);
}

/* ---- the figures (pure) -------------------------------------------------------------- */

/* The late fee accrued on the open principal since the accrual last
 * started, within what the cap leaves after the frozen part. */
static int accrued_late_fee(const struct bill *b, int64_t principal, int64_t open_principal,
                            int32_t today, int64_t *fee)
{
    const struct bill_late_rule *r = &b->late;
    int64_t cap;

    *fee = 0;
    if (!r->has || !bill_is_open(b) || open_principal == 0)
        return 0;
    switch (r->cap) {
    case FEE_CAP_PRINCIPAL:
        cap = principal;
        break;
    case FEE_CAP_FIXED:
        cap = r->cap_fen;
        break;
    default:
        cap = MONEY_NO_CAP_FEN;
    }
    if (cap != MONEY_NO_CAP_FEN)
        cap = cap > b->late_frozen_fen ? cap - b->late_frozen_fen : 0;
    /* after a payment froze it: from that day, the grace days long spent */
    if (b->late_from)
        return money_late_fee(open_principal, b->late_from, today, 0, r->daily_bp, cap,
                              r->rounding, fee);
    return money_late_fee(open_principal, b->due_date, today, (int32_t)r->grace_days, r->daily_bp,
                          cap, r->rounding, fee);
}

/* principal, the part of it still open, and today's accrual */
static int parts(const struct bill *b, int32_t today, int64_t *principal, int64_t *open,
                 int64_t *accrued)
{
    if (b->discount_fen < 0 || b->discount_fen > b->amount_fen || b->paid_fen < 0 ||
        b->late_frozen_fen < 0)
        return -1;
    *principal = b->amount_fen - b->discount_fen;
    *open = b->paid_fen < *principal ? *principal - b->paid_fen : 0;
    return accrued_late_fee(b, *principal, *open, today, accrued);
}

int bill_figure(struct bill *b, int32_t today)
{
    int64_t principal, open, accrued, late, due;

    if (b->status == BILL_VOID) {
        b->late_fee_fen = b->late_frozen_fen;
        b->due_fen = 0;
        return 0;
    }
    if (parts(b, today, &principal, &open, &accrued) < 0 ||
        money_add(b->late_frozen_fen, accrued, &late) < 0 || money_add(principal, late, &due) < 0 ||
        money_sub(due, b->paid_fen, &due) < 0 || due < 0)
        return -1;
    b->late_fee_fen = late;
    b->due_fen = due;
    return 0;
}

int bill_late_freeze(const struct bill *b, int32_t today, int64_t *late_frozen_fen,
                     int32_t *late_from)
{
    int64_t principal, open, accrued;

    if (parts(b, today, &principal, &open, &accrued) < 0 ||
        money_add(b->late_frozen_fen, accrued, late_frozen_fen) < 0)
        return -1;
    /* Accrue from today on what stays open (unless the accrual has not
     * started: still in grace). */
    *late_from = b->late_from;
    if (b->late.has) {
        int32_t start = b->late_from ? b->late_from
                                     : b->due_date + (int32_t)b->late.grace_days;
        if (today > start)
            *late_from = today;
    }
    return 0;
}

int bill_apply(const struct bill *b, int64_t pay_fen, int32_t today, struct bill_after *out)
{
    int64_t principal, open, accrued, late_paid_before, late_paid_after;
    struct bill f = *b;

    if (!bill_is_open(b) || pay_fen <= 0 || bill_figure(&f, today) < 0 || pay_fen > f.due_fen ||
        parts(b, today, &principal, &open, &accrued) < 0 ||
        bill_late_freeze(b, today, &out->late_frozen_fen, &out->late_from) < 0)
        return -1;
    out->paid_fen = b->paid_fen + pay_fen;
    /* principal first: whatever goes beyond the principal pays late fee */
    late_paid_before = b->paid_fen > principal ? b->paid_fen - principal : 0;
    late_paid_after = out->paid_fen > principal ? out->paid_fen - principal : 0;
    out->late_part_fen = late_paid_after - late_paid_before;
    out->status = pay_fen == f.due_fen ? BILL_PAID : BILL_PARTIAL;
    return 0;
}

static int cmp_bill(const void *pa, const void *pb)
{
    const struct bill *a = pa, *b = pb;
    int c = strcmp(a->period, b->period);

    if (c)
        return c;
    if (a->resource_id != b->resource_id)
        return a->resource_id < b->resource_id ? -1 : 1;
    if (a->fee_item_id != b->fee_item_id)
        return a->fee_item_id < b->fee_item_id ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

void bills_sort(struct bill *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_bill);
}

static bool same_group(const struct bill *a, const struct bill *b)
{
    return a->resource_id == b->resource_id && a->fee_item_id == b->fee_item_id;
}

void bills_mark_payable(struct bill *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        v[i].payable = bill_is_open(&v[i]) && !v[i].open_payment_id;
        /* an earlier open bill of the group in an open payment blocks it */
        for (size_t j = 0; j < i && v[i].payable; j++)
            if (same_group(&v[j], &v[i]) && bill_is_open(&v[j]) && v[j].open_payment_id)
                v[i].payable = false;
    }
}

static const struct bill *find(const struct bill *v, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].id == id)
            return &v[i];
    return NULL;
}

static bool chosen_has(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

int bills_check_choice(const struct bill *all, size_t nall, const int64_t *chosen, size_t nchosen,
                       struct err *e)
{
    /* 409 BILL_NOT_PAYABLE first, for any of them */
    for (size_t i = 0; i < nchosen; i++) {
        const struct bill *b = find(all, nall, chosen[i]);
        if (!b)
            return err_not_found(e);
        if (!bill_is_open(b) || b->open_payment_id)
            return err_setf(e, E_BILL_NOT_PAYABLE, "账单 %lld 已缴清、已作废或正在支付中",
                            (long long)b->id);
    }
    /* then each chosen bill's earlier open bills of its group are chosen
     * too (all is sorted: earlier is before) */
    for (size_t i = 0; i < nchosen; i++) {
        const struct bill *b = find(all, nall, chosen[i]);
        for (const struct bill *p = all; p < b; p++)
            if (same_group(p, b) && bill_is_open(p) && !chosen_has(chosen, nchosen, p->id))
                return err_setf(e, E_EARLIER_BILL_UNPAID, "请先缴纳 %s 及更早的%s账单", p->period,
                                p->fee_item_name ? p->fee_item_name : "");
    }
    return 0;
}

void receipt_format(const char *project_code, int year, int64_t seq, char out[48])
{
    snprintf(out, 48, "%.24s-%04d-%06lld", project_code, year, (long long)seq);
}

/* ---- The SQL of this module ---------------------------------------------------------- */

#define BILL_STATUS_OPEN "b.status IN ('unpaid', 'partial')"

/* The owner's list with its session in one statement (as res_list_for_token):
 * a session without bills gives one row of NULL bill columns. A staff
 * session (refused anyway) is told apart from a deactivated one's by
 * auth_session_lookup() on that rare path, which keeps the staff table
 * out of the owners' statement. */
#define OWNER_BILLS(filter, tail)                                                                  \
    "SELECT STRAIGHT_JOIN s.subject_kind, s.subject_id, " BILL_COLS " "                            \
    "FROM sessions s LEFT JOIN person_resources pr ON s.subject_kind = 'owner' "                   \
    "AND pr.person_id = s.subject_id AND " PR_CURRENT("pr") " AND (? = 0 OR pr.resource_id = ?) "  \
    "LEFT JOIN bills b ON b.resource_id = pr.resource_id AND " filter " "                          \
    "LEFT JOIN fee_items f ON f.id = b.fee_item_id "                                               \
    "WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > UTC_TIMESTAMP()" tail

/* The paged lists' cursor: months since 1900-01 × 10^11 + id, at most 15
 * digits as every cursor (docs/api.md §1.5). */
#define PAGE_KEY                                                                                   \
    "(((CAST(LEFT(b.period, 4) AS UNSIGNED) - 1900) * 12 + CAST(RIGHT(b.period, 2) AS UNSIGNED) "  \
    "- 1) * 100000000000 + b.id)"
#define PAGE_TAIL " AND (b.id IS NULL OR " PAGE_KEY " > ?) ORDER BY " PAGE_KEY " LIMIT ?"

DB_SQL(sql_owner_unpaid, OWNER_BILLS(BILL_STATUS_OPEN, ""));
DB_SQL(sql_owner_paid, OWNER_BILLS("b.status = 'paid'", PAGE_TAIL));
DB_SQL(sql_owner_all, OWNER_BILLS("1", PAGE_TAIL));

/* An open bill of a paged list is blocked when an earlier open one of its
 * group is in an open payment; the whole unpaid list decides this in C. */
#define BLOCKED                                                                                    \
    "EXISTS (SELECT 1 FROM bills e WHERE e.resource_id = b.resource_id "                           \
    "AND e.fee_item_id = b.fee_item_id AND e.period < b.period "                                   \
    "AND e.status IN ('unpaid', 'partial') AND e.open_payment_id IS NOT NULL)"

DB_SQL(sql_staff_bills, "SELECT " BILL_COLS ", " BLOCKED " FROM bills b "
                        "JOIN fee_items f ON f.id = b.fee_item_id WHERE b.resource_id = ? "
                        "AND (? = 0 OR " BILL_STATUS_OPEN ") AND (? = 0 OR b.status = 'paid') "
                        "AND " PAGE_KEY " > ? ORDER BY " PAGE_KEY " LIMIT ?");
DB_SQL(sql_lock_bills, "SELECT " BILL_COLS " FROM bills b JOIN fee_items f ON f.id = b.fee_item_id "
                       "WHERE b.resource_id = ? FOR UPDATE");
DB_SQL(sql_lock_open_bills,
       "SELECT " BILL_COLS " FROM bills b JOIN fee_items f ON f.id = b.fee_item_id "
       "WHERE b.resource_id = ? AND " BILL_STATUS_OPEN " FOR UPDATE");
DB_SQL(sql_resource_project, "SELECT r.project_id, p.code FROM resources r "
                             "JOIN projects p ON p.id = r.project_id WHERE r.id = ?");
DB_SQL(sql_resource_share, "SELECT project_id FROM resources WHERE id = ? LOCK IN SHARE MODE");
DB_SQL(sql_project_code, "SELECT code FROM projects WHERE id = ?");
/* The counter's next value in one statement, its row locked until commit. */
DB_SQL(sql_receipt_seq,
       "INSERT INTO receipt_counters (project_id, year, last_seq) VALUES (?, ?, LAST_INSERT_ID(1)) "
       "ON DUPLICATE KEY UPDATE last_seq = LAST_INSERT_ID(last_seq + 1)");
DB_SQL(sql_receipt_insert,
       "INSERT INTO receipts (project_id, resource_id, receipt_no, year, seq, method, purpose, "
       "amount_fen, to_prepay_fen, payer_name, note, cashier_id, payment_id) "
       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
DB_SQL(sql_application_insert, "INSERT INTO bill_applications (bill_id, receipt_id, amount_fen, "
                               "late_fen) VALUES (?, ?, ?, ?)");
DB_SQL(sql_bill_paid,
       "UPDATE bills SET paid_fen = ?, late_fee_fen = ?, late_from = "
       "IF(? = 0, NULL, '1970-01-01' + INTERVAL ? DAY), status = ?, "
       "paid_at = IF(? = 'paid', UTC_TIMESTAMP(), NULL) WHERE id = ?");
DB_SQL(sql_account_make, "INSERT IGNORE INTO accounts (project_id, resource_id, kind) "
                         "VALUES (?, ?, ?)");
DB_SQL(sql_account_lock,
       "SELECT id, balance_fen FROM accounts WHERE resource_id = ? AND kind = ? FOR UPDATE");
DB_SQL(sql_account_set, "UPDATE accounts SET balance_fen = ? WHERE id = ?");
DB_SQL(sql_account_entry,
       "INSERT INTO account_entries (account_id, delta_fen, reason, receipt_id, bill_id, "
       "approval_id, note, staff_id, purpose) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
DB_SQL(sql_item_of_project,
       "SELECT id FROM fee_items WHERE id = ? AND project_id = ? LOCK IN SHARE MODE");
/* a one-off bill (temporary, repair): no cycle, this month, due today */
DB_SQL(sql_once_bill_insert,
       "INSERT INTO bills (project_id, resource_id, fee_item_id, period, cycle_key, source, "
       "ticket_id, amount_fen, due_date, note, created_by) VALUES (?, ?, ?, "
       "DATE_FORMAT(UTC_TIMESTAMP() + INTERVAL 8 HOUR, '%Y-%m'), NULL, ?, ?, ?, "
       "DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR), ?, ?)");
DB_SQL(sql_bill_of_ticket, "SELECT " BILL_COLS " FROM bills b JOIN fee_items f "
                           "ON f.id = b.fee_item_id WHERE b.ticket_id = ?");
DB_SQL(sql_snap_bill,
       "SELECT JSON_OBJECT('resource_id', resource_id, 'fee_item_id', fee_item_id, "
       "'period', period, 'source', source, 'status', status, 'amount_fen', amount_fen, "
       "'discount_fen', discount_fen, 'paid_fen', paid_fen, 'late_fee_fen', late_fee_fen, "
       "'due_date', due_date, 'note', note, 'ticket_id', ticket_id) FROM bills WHERE id = ?");
DB_SQL(sql_snap_receipt,
       "SELECT JSON_OBJECT('receipt_no', r.receipt_no, 'resource_id', r.resource_id, "
       "'method', r.method, 'purpose', r.purpose, 'amount_fen', r.amount_fen, "
       "'to_prepay_fen', r.to_prepay_fen, 'status', r.status, 'applied', "
       "(SELECT JSON_ARRAYAGG(JSON_OBJECT('bill_id', x.bill_id, 'amount_fen', x.amount_fen, "
       "'late_fen', x.late_fen)) FROM bill_applications x WHERE x.receipt_id = r.id)) "
       "FROM receipts r WHERE r.id = ?");
DB_SQL(sql_receivables,
       "SELECT " BILL_COLS " FROM bills b JOIN fee_items f ON f.id = b.fee_item_id "
       "WHERE b.resource_id = ? AND " BILL_STATUS_OPEN);
DB_SQL(sql_all_bills,
       "SELECT " BILL_COLS " FROM bills b JOIN fee_items f ON f.id = b.fee_item_id");
DB_SQL(sql_balances, "SELECT kind, balance_fen FROM accounts WHERE resource_id = ?");
DB_SQL(sql_recent_receipts,
       "SELECT id, receipt_no, method, status, created_at, amount_fen FROM receipts "
       "WHERE resource_id = ? ORDER BY id DESC LIMIT 5");

/* ---- rows ---------------------------------------------------------------------------- */

void bill_from_row(const struct db_res *r, size_t i, size_t c, struct bill *b)
{
    const char *cap = db_text(r, i, c + 20), *rnd = db_text(r, i, c + 22);

    memset(b, 0, sizeof(*b));
    b->id = db_int(r, i, c);
    b->project_id = db_int(r, i, c + 1);
    b->resource_id = db_int(r, i, c + 2);
    b->fee_item_id = db_int(r, i, c + 3);
    b->fee_item_name = db_text(r, i, c + 4);
    snprintf(b->period, sizeof(b->period), "%s", db_text(r, i, c + 5));
    bill_status_from_name(db_text(r, i, c + 6), &b->status);
    b->amount_fen = db_int(r, i, c + 7);
    b->discount_fen = db_int(r, i, c + 8);
    b->paid_fen = db_int(r, i, c + 9);
    b->late_frozen_fen = db_int(r, i, c + 10);
    b->due_date = (int32_t)db_int(r, i, c + 11);
    b->late_from = (int32_t)db_int(r, i, c + 12);
    b->open_payment_id = db_int(r, i, c + 13);
    b->source = db_text(r, i, c + 14);
    b->note = db_text(r, i, c + 15);
    b->created_at = db_text(r, i, c + 16);
    b->paid_at = db_str(r, i, c + 17);
    b->late.has = !db_is_null(r, i, c + 18);
    b->late.daily_bp = db_int(r, i, c + 18);
    b->late.grace_days = db_int(r, i, c + 19);
    fee_cap_from_name(cap, &b->late.cap);
    b->late.cap_fen = db_int(r, i, c + 21);
    money_round_from_name(rnd, strlen(rnd), &b->late.rounding);
    b->ticket_id = db_int(r, i, c + 23);
}

/* Rows c.. of r as figured bills; a bill whose stored figures break the
 * rules is a 500 (check-books names it), never a wrong amount shown. */
static int bills_from_rows(struct arena *a, const struct db_res *r, size_t c, int32_t today,
                           struct bill **out, size_t *n, struct err *e)
{
    *out = arena_alloc(a, (r->nrows ? r->nrows : 1) * sizeof(**out));
    *n = 0;
    for (size_t i = 0; i < r->nrows; i++) {
        struct bill *b = &(*out)[*n];
        if (db_is_null(r, i, c))
            continue;
        bill_from_row(r, i, c, b);
        if (bill_figure(b, today) < 0)
            return err_setf(e, E_INTERNAL, "bill %lld breaks the books' rules", (long long)b->id);
        (*n)++;
    }
    return 0;
}

static uint64_t page_key(const struct bill *b)
{
    int y = 0, m = 0;

    sscanf(b->period, "%d-%d", &y, &m);
    return ((uint64_t)(y - 1900) * 12 + (uint64_t)(m - 1)) * UINT64_C(100000000000) +
           (uint64_t)b->id;
}

/* ---- reading ------------------------------------------------------------------------- */

int bills_for_token(struct db *db, struct arena *a, const char *token, struct principal *who,
                    enum bill_filter f, int64_t resource_id, uint64_t after_key, int limit,
                    struct bill_page *out, struct err *e)
{
    unsigned char h[32];
    struct db_res r;
    struct db_param p[6];
    size_t np = 0;
    struct db_sql *q = f == BILLS_UNPAID ? &sql_owner_unpaid
                       : f == BILLS_PAID ? &sql_owner_paid
                                         : &sql_owner_all;

    memset(who, 0, sizeof(*who));
    memset(out, 0, sizeof(*out));
    if (auth_token_hash(token, h) < 0)
        return err_unauthenticated(e);
    p[np++] = P_INT(resource_id);
    p[np++] = P_INT(resource_id);
    p[np++] = P_STRN((const char *)h, 32);
    if (f != BILLS_UNPAID) {
        p[np++] = P_INT(after_key);
        p[np++] = P_INT(limit + 1);
    }
    if (db_query(db, a, q, p, np, &r, e) < 0)
        return -1;
    if (r.nrows == 0)
        return auth_session_dead(e);
    if (strcmp(db_text(&r, 0, 0), "owner") != 0) /* 401 if deactivated, else 403 */
        return auth_session_lookup(db, a, token, who, e) < 0
                   ? -1
                   : auth_require(who, SUBJECT_OWNER, 0, e);
    who->kind = SUBJECT_OWNER;
    who->id = db_int(&r, 0, 1);
    if (auth_require(who, SUBJECT_OWNER, 0, e) < 0 ||
        bills_from_rows(a, &r, 2, bills_today(), &out->items, &out->n, e) < 0)
        return -1;
    if (f != BILLS_UNPAID && out->n > (size_t)limit) {
        out->n = (size_t)limit;
        out->next_key = page_key(&out->items[limit - 1]);
    }
    bills_sort(out->items, out->n);
    if (f == BILLS_UNPAID)
        bills_mark_payable(out->items, out->n);
    else /* ordered by the page key, which a paged list keeps */
        for (size_t i = 0; i < out->n; i++)
            out->items[i].payable = bill_is_open(&out->items[i]) &&
                                    !out->items[i].open_payment_id;
    return 0;
}

/* The project of a resource if the caller serves it; 404 otherwise. */
static int staff_scope(struct db *db, struct arena *a, const struct principal *who,
                       int64_t resource_id, int64_t *project_id, const char **code, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_resource_project, DB_ARGS(P_INT(resource_id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(who, db_int(&r, 0, 0)))
        return err_not_found(e);
    *project_id = db_int(&r, 0, 0);
    if (code)
        *code = db_text(&r, 0, 1);
    return 0;
}

int bills_for_resource(struct db *db, struct arena *a, const struct principal *who,
                       int64_t resource_id, enum bill_filter f, uint64_t after_key, int limit,
                       struct bill_page *out, struct err *e)
{
    struct db_res r;
    int64_t project_id;
    /* the unpaid list comes whole, as the owner's */
    int64_t lim = f == BILLS_UNPAID ? 100000 : limit + 1;

    memset(out, 0, sizeof(*out));
    if (staff_scope(db, a, who, resource_id, &project_id, NULL, e) < 0 ||
        db_query(db, a, &sql_staff_bills,
                 DB_ARGS(P_INT(resource_id), P_INT(f == BILLS_UNPAID), P_INT(f == BILLS_PAID),
                         P_INT(f == BILLS_UNPAID ? 0 : after_key), P_INT(lim)),
                 &r, e) < 0 ||
        bills_from_rows(a, &r, 0, bills_today(), &out->items, &out->n, e) < 0)
        return -1;
    for (size_t i = 0; i < out->n; i++)
        out->items[i].payable = bill_is_open(&out->items[i]) && !out->items[i].open_payment_id &&
                                !db_int(&r, i, BILL_NCOLS);
    if (f != BILLS_UNPAID && out->n > (size_t)limit) {
        out->n = (size_t)limit;
        out->next_key = page_key(&out->items[limit - 1]);
    }
    bills_sort(out->items, out->n);
    return 0;
}

struct scan {
    int (*fn)(void *arg, const struct bill *b, struct err *e);
    void *arg;
    int32_t today;
};

static int scan_row(void *arg, const struct db_res *row, struct err *e)
{
    struct scan *s = arg;
    struct bill b;

    bill_from_row(row, 0, 0, &b);
    /* a bill that cannot be figured is the fn's to report: due stays -1 */
    if (bill_figure(&b, s->today) < 0)
        b.due_fen = -1;
    return s->fn(s->arg, &b, e);
}

int bills_scan(struct db *db, int (*fn)(void *arg, const struct bill *b, struct err *e), void *arg,
               struct err *e)
{
    struct scan s = {fn, arg, bills_today()};

    return db_stream(db, &sql_all_bills, DB_NOARGS, scan_row, &s, e);
}

int bills_receivables(struct db *db, struct arena *a, int64_t resource_id,
                      struct receivables *out, struct err *e)
{
    struct db_res r;
    struct bill *v;
    size_t n;

    memset(out, 0, sizeof(*out));
    if (db_query(db, a, &sql_receivables, DB_ARGS(P_INT(resource_id)), &r, e) < 0 ||
        bills_from_rows(a, &r, 0, bills_today(), &v, &n, e) < 0)
        return -1;
    out->open_bills = (int64_t)n;
    for (size_t i = 0; i < n; i++) {
        out->due_fen += v[i].due_fen;
        out->late_fee_fen += v[i].late_fee_fen;
    }
    if (db_query(db, a, &sql_balances, DB_ARGS(P_INT(resource_id)), &r, e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        if (strcmp(db_text(&r, i, 0), "prepay") == 0)
            out->prepay_fen = db_int(&r, i, 1);
        else
            out->deposit_fen = db_int(&r, i, 1);
    }
    if (db_query(db, a, &sql_recent_receipts, DB_ARGS(P_INT(resource_id)), &r, e) < 0)
        return -1;
    out->recent = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*out->recent));
    out->nrecent = r.nrows;
    for (size_t i = 0; i < r.nrows; i++) {
        struct receipt_brief *x = &out->recent[i];
        x->id = db_int(&r, i, 0);
        x->receipt_no = db_text(&r, i, 1);
        x->method = db_text(&r, i, 2);
        x->status = db_text(&r, i, 3);
        x->created_at = db_text(&r, i, 4);
        x->amount_fen = db_int(&r, i, 5);
    }
    return 0;
}

/* ---- the shared steps ---------------------------------------------------------------- */

int bills_resource_scope_tx(struct db *db, const struct principal *who, int64_t resource_id,
                            int64_t *project_id, struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    int found = db_one(db, &a, &sql_resource_share, DB_ARGS(P_INT(resource_id)), &r, e);

    if (found > 0 && (!who || auth_in_project(who, db_int(&r, 0, 0))))
        *project_id = db_int(&r, 0, 0);
    else if (found >= 0)
        found = err_not_found(e);
    arena_free(&a);
    return found < 0 ? -1 : 0;
}

int bills_lock_resource(struct db *db, struct arena *a, int64_t resource_id, struct bill **out,
                        size_t *n, struct err *e)
{
    struct db_res r;

    if (db_query(db, a, &sql_lock_bills, DB_ARGS(P_INT(resource_id)), &r, e) < 0 ||
        bills_from_rows(a, &r, 0, bills_today(), out, n, e) < 0)
        return -1;
    bills_sort(*out, *n);
    bills_mark_payable(*out, *n);
    return 0;
}

int receipt_issue_tx(struct db *db, const struct receipt_in *in, int64_t *id,
                     char receipt_no[48], struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;
    int64_t seq;
    int found, rc = -1;

    gmtime_r(&now, &tm);
    found = db_one(db, &a, &sql_project_code, DB_ARGS(P_INT(in->project_id)), &r, e);
    if (found <= 0) {
        if (found == 0)
            err_not_found(e);
        goto out;
    }
    if (db_insert(db, &sql_receipt_seq, DB_ARGS(P_INT(in->project_id), P_INT(tm.tm_year + 1900)),
                  &seq, e) < 0)
        goto out;
    receipt_format(db_text(&r, 0, 0), tm.tm_year + 1900, seq, receipt_no);
    rc = db_insert(db, &sql_receipt_insert,
                   DB_ARGS(P_INT(in->project_id), P_INT(in->resource_id), P_STR(receipt_no),
                           P_INT(tm.tm_year + 1900), P_INT(seq), P_STR(pay_method_name(in->method)),
                           P_STR(in->purpose ? in->purpose : "bills"), P_INT(in->amount_fen),
                           P_INT(in->to_prepay_fen), P_STR(in->payer_name ? in->payer_name : ""),
                           P_STR(in->note ? in->note : ""),
                           in->cashier_id ? P_INT(in->cashier_id) : P_NULL,
                           in->payment_id ? P_INT(in->payment_id) : P_NULL),
                   id, e);
out:
    arena_free(&a);
    return rc;
}

int bills_apply_tx(struct db *db, int64_t receipt_id, const struct bill *bills,
                   const int64_t *pay, size_t n, int32_t today, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        struct bill_after x;
        const char *st;

        if (pay[i] == 0)
            continue;
        if (bill_apply(&bills[i], pay[i], today, &x) < 0)
            return err_setf(e, E_INTERNAL, "bill %lld: cannot apply %lld", (long long)bills[i].id,
                            (long long)pay[i]);
        st = bill_status_name(x.status);
        if (db_insert(db, &sql_application_insert,
                      DB_ARGS(P_INT(bills[i].id), P_INT(receipt_id), P_INT(pay[i]),
                              P_INT(x.late_part_fen)),
                      NULL, e) < 0 ||
            db_exec(db, &sql_bill_paid,
                    DB_ARGS(P_INT(x.paid_fen), P_INT(x.late_frozen_fen), P_INT(x.late_from),
                            P_INT(x.late_from), P_STR(st), P_STR(st), P_INT(bills[i].id)),
                    NULL, e) < 0)
            return -1;
    }
    return 0;
}

int account_lock_tx(struct db *db, int64_t project_id, int64_t resource_id, const char *kind,
                    int64_t *account_id, int64_t *balance_fen, struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    int found = -1;

    if (db_exec(db, &sql_account_make, DB_ARGS(P_INT(project_id), P_INT(resource_id), P_STR(kind)),
                NULL, e) < 0 ||
        (found = db_one(db, &a, &sql_account_lock, DB_ARGS(P_INT(resource_id), P_STR(kind)), &r,
                        e)) <= 0)
        goto out;
    *account_id = db_int(&r, 0, 0);
    *balance_fen = db_int(&r, 0, 1);
out:
    arena_free(&a);
    if (found == 0)
        return err_internal(e);
    return found < 0 ? -1 : 0;
}

int account_move_tx(struct db *db, const struct account_move *m, int64_t *balance_after,
                    struct err *e)
{
    int64_t id, balance;

    if (account_lock_tx(db, m->project_id, m->resource_id, m->kind, &id, &balance, e) < 0)
        return -1;
    if (money_add(balance, m->delta_fen, &balance) < 0 || balance < 0)
        return err_setf(e, E_INSUFFICIENT_BALANCE, "%s账户余额不足",
                        strcmp(m->kind, "deposit") == 0 ? "押金" : "预存");
    if (db_exec(db, &sql_account_set, DB_ARGS(P_INT(balance), P_INT(id)), NULL, e) < 0 ||
        db_insert(db, &sql_account_entry,
                  DB_ARGS(P_INT(id), P_INT(m->delta_fen), P_STR(m->reason),
                          m->receipt_id ? P_INT(m->receipt_id) : P_NULL,
                          m->bill_id ? P_INT(m->bill_id) : P_NULL,
                          m->approval_id ? P_INT(m->approval_id) : P_NULL,
                          P_STR(m->note ? m->note : ""), m->staff_id ? P_INT(m->staff_id) : P_NULL,
                          P_STR(m->purpose)),
                  NULL, e) < 0)
        return -1;
    if (balance_after)
        *balance_after = balance;
    return 0;
}

static struct db_sql *snap_of(const char *entity)
{
    assert(strcmp(entity, "bill") == 0 || strcmp(entity, "receipt") == 0);
    return strcmp(entity, "receipt") == 0 ? &sql_snap_receipt : &sql_snap_bill;
}

int bills_snapshot_tx(struct db *db, struct arena *a, const char *entity, int64_t id,
                      const char **json, struct err *e)
{
    return audit_snapshot(db, a, snap_of(entity), id, json, e);
}

int bills_audit_tx(struct db *db, struct arena *a, const struct audit_entry *x, struct err *e)
{
    return audit_change(db, a, x, snap_of(x->entity), e);
}

static int audit_receipt(struct db *db, struct arena *a, const struct principal *who,
                         const char *action, int64_t receipt_id, struct err *e)
{
    return bills_audit_tx(db, a,
                          &(struct audit_entry){.who = who,
                                                .action = action,
                                                .entity = "receipt",
                                                .entity_id = receipt_id},
                          e);
}

int bills_offset_tx(struct db *db, struct arena *a, const struct principal *who,
                    int64_t project_id, int64_t resource_id, int64_t *offset_fen, struct err *e)
{
    struct db_res r;
    struct bill *v;
    size_t n;
    int64_t balance, left, used = 0, *pay, receipt_id;
    char no[48];
    int32_t today = bills_today();

    if (offset_fen)
        *offset_fen = 0;
    /* the account first, then the bills: the order of bills_collect() */
    if (db_one(db, a, &sql_account_lock, DB_ARGS(P_INT(resource_id), P_STR("prepay")), &r, e) < 0)
        return -1;
    if (r.nrows == 0 || (balance = db_int(&r, 0, 1)) <= 0)
        return 0;
    if (db_query(db, a, &sql_lock_open_bills, DB_ARGS(P_INT(resource_id)), &r, e) < 0 ||
        bills_from_rows(a, &r, 0, today, &v, &n, e) < 0)
        return -1;
    bills_sort(v, n);
    bills_mark_payable(v, n);
    pay = arena_alloc(a, (n ? n : 1) * sizeof(*pay));
    left = balance;
    for (size_t i = 0; i < n; i++) {
        bool blocked = false;
        pay[i] = 0;
        /* a group stops at its first bill not paid whole */
        for (size_t j = 0; j < i; j++)
            if (same_group(&v[j], &v[i]) && (!v[j].payable || pay[j] < v[j].due_fen))
                blocked = true;
        if (blocked || !v[i].payable || left == 0)
            continue;
        pay[i] = left < v[i].due_fen ? left : v[i].due_fen;
        left -= pay[i];
        used += pay[i];
    }
    if (used == 0)
        return 0;
    if (receipt_issue_tx(db,
                         &(struct receipt_in){.project_id = project_id,
                                              .resource_id = resource_id,
                                              .method = PAY_PREPAY,
                                              .purpose = "bills",
                                              .amount_fen = used,
                                              .cashier_id = who ? who->id : 0,
                                              .note = "预存款自动抵扣"},
                         &receipt_id, no, e) < 0 ||
        bills_apply_tx(db, receipt_id, v, pay, n, today, e) < 0 ||
        account_move_tx(db,
                        &(struct account_move){.project_id = project_id,
                                               .resource_id = resource_id,
                                               .kind = "prepay",
                                               .reason = "offset",
                                               .delta_fen = -used,
                                               .receipt_id = receipt_id,
                                               .staff_id = who ? who->id : 0},
                        NULL, e) < 0 ||
        audit_receipt(db, a, who, "prepay_offset", receipt_id, e) < 0)
        return -1;
    if (offset_fen)
        *offset_fen = used;
    return 0;
}

/* ---- the desk ------------------------------------------------------------------------ */

int bill_create_tx(struct db *db, struct arena *a, const struct principal *who,
                   const struct bill_new *in, int64_t *id, struct err *e)
{
    struct db_res r;
    int64_t project_id;
    char action[32];
    int found;

    if (bills_resource_scope_tx(db, who, in->resource_id, &project_id, e) < 0)
        return -1;
    found = db_one(db, a, &sql_item_of_project, DB_ARGS(P_INT(in->fee_item_id), P_INT(project_id)),
                   &r, e);
    if (found <= 0)
        return found < 0 ? -1 : err_setf(e, E_NOT_FOUND, "该项目没有这个收费项目");
    snprintf(action, sizeof(action), "create_%s_bill", in->source);
    if (db_insert(db, &sql_once_bill_insert,
                  DB_ARGS(P_INT(project_id), P_INT(in->resource_id), P_INT(in->fee_item_id),
                          P_STR(in->source), in->ticket_id ? P_INT(in->ticket_id) : P_NULL,
                          P_INT(in->amount_fen), P_STR(in->note ? in->note : ""),
                          P_INT(who->id)),
                  id, e) < 0 ||
        audit_change(db, a,
                     &(struct audit_entry){
                         .who = who, .action = action, .entity = "bill", .entity_id = *id},
                     &sql_snap_bill, e) < 0)
        return -1;
    return bills_offset_tx(db, a, who, project_id, in->resource_id, NULL, e);
}

int bill_of_ticket(struct db *db, struct arena *a, int64_t ticket_id, struct bill *out,
                   struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_bill_of_ticket, DB_ARGS(P_INT(ticket_id)), &r, e);

    if (found <= 0)
        return found;
    bill_from_row(&r, 0, 0, out);
    if (bill_figure(out, bills_today()) < 0)
        return err_setf(e, E_INTERNAL, "bill %lld breaks the books' rules", (long long)out->id);
    return 1;
}

struct temp_op {
    struct arena a;
    const struct principal *who;
    struct bill_new in;
    int64_t id;
};

static int temp_tx(struct db *db, void *arg, struct err *e)
{
    struct temp_op *op = arg;

    return bill_create_tx(db, &op->a, op->who, &op->in, &op->id, e);
}

int bill_create_temporary(struct db *db, const struct principal *who, int64_t resource_id,
                          int64_t fee_item_id, int64_t amount_fen, const char *note, int64_t *id,
                          struct err *e)
{
    struct temp_op op = {{0}, who, {resource_id, fee_item_id, amount_fen, "temporary", 0, note}, 0};
    int rc;

    if (amount_fen <= 0 || amount_fen > MONEY_MAX_FEN)
        return err_bad_request(e, "金额须为正整数（分）");
    rc = db_tx(db, temp_tx, &op, e);
    arena_free(&op.a);
    *id = op.id;
    return rc;
}

struct collect_op {
    struct arena *a;
    const struct principal *who;
    const struct collect_in *in;
    struct collect_out *out;
};

int bills_choose_tx(struct db *db, struct arena *a, int64_t resource_id, const int64_t *ids,
                    size_t n, struct bill **chosen, int64_t *total_due_fen, struct err *e)
{
    struct bill *all;
    size_t nall, k = 0;

    if (bills_lock_resource(db, a, resource_id, &all, &nall, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!find(all, nall, ids[i]))
            return err_not_found(e);
    if (bills_check_choice(all, nall, ids, n, e) < 0)
        return -1;
    /* the chosen bills, oldest first */
    *chosen = arena_alloc(a, (n ? n : 1) * sizeof(**chosen));
    *total_due_fen = 0;
    for (size_t i = 0; i < nall; i++)
        if (chosen_has(ids, n, all[i].id)) {
            (*chosen)[k++] = all[i];
            *total_due_fen += all[i].due_fen;
        }
    return 0;
}

static int collect_tx(struct db *db, void *arg, struct err *e)
{
    struct collect_op *op = arg;
    const struct collect_in *in = op->in;
    struct collect_out *out = op->out;
    struct bill *chosen;
    size_t n = in->nbills;
    int64_t project_id, total, *due, *pay, rest;
    int32_t today = bills_today();

    memset(out, 0, sizeof(*out));
    if (bills_resource_scope_tx(db, op->who, in->resource_id, &project_id, e) < 0)
        return -1;
    /* the prepayment account before the bills, as bills_offset_tx() */
    if (in->to_prepay &&
        db_query(db, op->a, &sql_account_lock,
                 DB_ARGS(P_INT(in->resource_id), P_STR("prepay")), &(struct db_res){0}, e) < 0)
        return -1;
    if (bills_choose_tx(db, op->a, in->resource_id, in->bill_ids, n, &chosen, &total, e) < 0)
        return -1;
    due = arena_alloc(op->a, n * sizeof(*due));
    pay = arena_alloc(op->a, n * sizeof(*pay));
    for (size_t i = 0; i < n; i++)
        due[i] = chosen[i].due_fen;
    if (money_split_oldest_first(in->amount_fen, due, n, pay, &rest) < 0)
        return err_internal(e);
    if (rest > 0 && !in->to_prepay)
        return err_setf(e, E_AMOUNT_EXCEEDS_DUE, "收款金额超过应收 %lld 分；多收部分请存入预存款",
                        (long long)total);
    if (receipt_issue_tx(db,
                         &(struct receipt_in){.project_id = project_id,
                                              .resource_id = in->resource_id,
                                              .method = in->method,
                                              .purpose = "bills",
                                              .amount_fen = in->amount_fen,
                                              .to_prepay_fen = rest,
                                              .cashier_id = op->who->id,
                                              .payer_name = in->payer_name,
                                              .note = in->note},
                         &out->receipt_id, out->receipt_no, e) < 0 ||
        bills_apply_tx(db, out->receipt_id, chosen, pay, n, today, e) < 0)
        return -1;
    if (rest > 0 && account_move_tx(db,
                                    &(struct account_move){.project_id = project_id,
                                                           .resource_id = in->resource_id,
                                                           .kind = "prepay",
                                                           .reason = "overpay",
                                                           .delta_fen = rest,
                                                           .receipt_id = out->receipt_id,
                                                           .staff_id = op->who->id},
                                    NULL, e) < 0)
        return -1;
    if (audit_receipt(db, op->a, op->who, "collect", out->receipt_id, e) < 0)
        return -1;
    out->amount_fen = in->amount_fen;
    out->to_prepay_fen = rest;
    out->applied_bill = arena_alloc(op->a, n * sizeof(int64_t));
    out->applied_fen = arena_alloc(op->a, n * sizeof(int64_t));
    for (size_t i = 0; i < n; i++)
        if (pay[i] > 0) {
            out->applied_bill[out->napplied] = chosen[i].id;
            out->applied_fen[out->napplied++] = pay[i];
        }
    return 0;
}

int bills_check_ids(const int64_t *ids, size_t n, struct err *e)
{
    if (n == 0 || n > BILLS_CHOICE_MAX)
        return err_bad_request(e, "bill_ids 须为 1 到 100 个账单编号");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (ids[i] == ids[j])
                return err_bad_request(e, "bill_ids 中有重复的账单");
    return 0;
}

int bills_collect(struct db *db, struct arena *a, const struct principal *who,
                  const struct collect_in *in, struct collect_out *out, struct err *e)
{
    struct collect_op op = {a, who, in, out};

    if (bills_check_ids(in->bill_ids, in->nbills, e) < 0)
        return -1;
    if (in->amount_fen <= 0 || in->amount_fen > MONEY_MAX_FEN)
        return err_bad_request(e, "amount_fen 须为正整数（分）");
    return db_tx(db, collect_tx, &op, e);
}
