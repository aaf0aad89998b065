/*
 * prepay.c — see prepay.h. One function figures a prepayment, quoted or
 * collected: figure() reads what decides it — plainly for a quote, on the
 * rows the collection's transaction has locked for the collection — so the
 * quote and the collection cannot disagree on a rule, only on what changed
 * in between, which the collection then refuses (409).
 */
#include "prepay.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "billrun.h"
#include "core/json.h"
#include "core/money.h"
#include "discount_schemes.h"

/* ---- periods ------------------------------------------------------------------------- */

int prepay_cycle_months(enum fee_cycle c)
{
    switch (c) {
    case FEE_MONTHLY:
        return 1;
    case FEE_QUARTERLY:
        return 3;
    case FEE_YEARLY:
        return 12;
    case FEE_ONCE:
        return 0;
    }
    return 0;
}

int32_t prepay_first_period(enum fee_cycle c, int32_t last, int32_t this_month)
{
    int32_t ym = last ? last + 1 : this_month;

    if (prepay_cycle_months(c) == 0)
        return 0;
    /* forward to the cycle's next start after the last bill; back to the
     * start of the period that holds this month */
    if (last)
        while (!billrun_cycle_starts(c, ym))
            ym++;
    else
        while (!billrun_cycle_starts(c, ym))
            ym--;
    return ym;
}

/* ---- The SQL of this module ---------------------------------------------------------- */

/* The last cycle bill of the (resource, item), and its open bills: read
 * plainly for a quote; locked (FOR UPDATE, on rows bills_lock_resource()
 * holds already) for a collection, so that they are what the transaction
 * decides on. */
#define LAST_BILLED                                                                                \
    "SELECT period FROM bills WHERE resource_id = ? AND fee_item_id = ? AND cycle_key = 1 "        \
    "ORDER BY period DESC LIMIT 1"
DB_SQL(sql_last, LAST_BILLED);
DB_SQL(sql_last_lock, LAST_BILLED " FOR UPDATE");
#define OPEN_OF_ITEM                                                                               \
    "SELECT id, period FROM bills WHERE resource_id = ? AND fee_item_id = ? "                      \
    "AND status IN ('unpaid', 'partial') ORDER BY period, id"
DB_SQL(sql_open, OPEN_OF_ITEM);
DB_SQL(sql_open_lock, OPEN_OF_ITEM " FOR UPDATE");
/* The collection's first lock. Two prepayments of a home that has no bill
 * yet would each hold only gap locks where its bills will be, and
 * deadlock on their inserts; the resource row, locked first by every
 * prepayment (collections take it in share mode, first too), makes them
 * wait for each other instead. */
DB_SQL(sql_resource_lock, "SELECT id FROM resources WHERE id = ? FOR UPDATE");
/* A bill discounted to nothing is settled at once, as a run's. */
DB_SQL(sql_bill_insert,
       "INSERT INTO bills (project_id, resource_id, fee_item_id, period, cycle_key, source, "
       "status, amount_fen, discount_fen, due_date, rate, quantity, note, created_by, paid_at) "
       "VALUES (?, ?, ?, ?, 1, 'prepay', ?, ?, ?, '1970-01-01' + INTERVAL ? DAY, ?, ?, '预缴', ?, "
       "IF(? = 'paid', UTC_TIMESTAMP(), NULL))");
DB_SQL(sql_discount_insert, "INSERT INTO bill_discounts (bill_id, kind, scheme_id, amount_fen) "
                            "VALUES (?, 'scheme', ?, ?)");

/* ---- figures ------------------------------------------------------------------------- */

struct prepay_op {
    struct arena *a;
    const struct principal *who;
    int64_t resource_id, fee_item_id, months;
    const struct prepay_in *in; /* the collection's, NULL for a quote */
    struct prepay_quote *q;
    struct collect_out *out;
    int64_t project_id;
    char first_open[8]; /* the oldest blocking bill's period */
};

/* The checks of an item that need it read: 400 for what cannot be
 * prepaid, or months that are not whole periods. */
static int check_item(const struct fee_item *it, int64_t months, struct err *e)
{
    int len = prepay_cycle_months(it->cycle);

    if (!it->active)
        return err_setf(e, E_BAD_REQUEST, "收费项目“%s”已停用，不能预缴", it->name);
    if (len == 0)
        return err_setf(e, E_BAD_REQUEST, "一次性收费项目“%s”不能预缴", it->name);
    if (it->method == FEE_USAGE)
        return err_setf(e, E_BAD_REQUEST, "按用量计费的收费项目“%s”不能预缴", it->name);
    if (months % len)
        return err_setf(e, E_BAD_REQUEST, "收费项目“%s”每期 %d 个月，预缴月数须为 %d 的倍数",
                        it->name, len, len);
    return 0;
}

static const char *scheme_name(const struct discount_scheme *v, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].id == id)
            return v[i].name;
    return NULL;
}

/* One period's line: the run's bill, the discount, the due of today. */
static int line_of(const struct billrun_plan *p, const struct fee_item_row *item,
                   const struct billrun_resource *res, int32_t ym, int32_t today,
                   struct prepay_line *l, struct err *e)
{
    const struct fee_item *it = &item->item;
    struct billrun_row row;
    enum billrun_reason why;
    struct bill b = {0};
    int rc = billrun_compute(p, item, res, ym, &row, &why);

    memset(l, 0, sizeof(*l));
    billrun_period_text(ym, l->period);
    if (rc < 0)
        return err_internal(e);
    if (rc > 0)
        return err_setf(e, E_PREPAY_NOT_BILLABLE, "%s 无法出账：%s", l->period,
                        billrun_reason_message(why));
    b.status = row.discount_fen == row.amount_fen ? BILL_PAID : BILL_UNPAID;
    b.amount_fen = row.amount_fen;
    b.discount_fen = row.discount_fen;
    b.due_date = row.due_day;
    b.late = (struct bill_late_rule){.has = it->has_late_fee,
                                     .daily_bp = it->late_fee_daily_bp,
                                     .grace_days = it->late_fee_grace_days,
                                     .cap = it->late_fee_cap,
                                     .cap_fen = it->late_fee_cap_fen,
                                     .rounding = it->rounding};
    if (bill_figure(&b, today) < 0)
        return err_internal(e);
    l->due_day = row.due_day;
    l->amount_fen = row.amount_fen;
    l->discount_fen = row.discount_fen;
    l->due_fen = b.due_fen;
    l->scheme_id = row.scheme_id;
    l->scheme_name = scheme_name(p->schemes, p->nschemes, row.scheme_id);
    l->rate = row.rate;
    l->quantity = row.quantity;
    l->has_quantity = row.has_quantity;
    return 0;
}

/* The open bills of the item that come first (earliest first). */
static int read_blocked(struct db *db, struct prepay_op *op, bool lock, struct err *e)
{
    struct prepay_quote *q = op->q;
    struct db_res r;

    if (db_query(db, op->a, lock ? &sql_open_lock : &sql_open,
                 DB_ARGS(P_INT(op->resource_id), P_INT(op->fee_item_id)), &r, e) < 0)
        return -1;
    q->nblocked = r.nrows;
    q->blocked_by = arena_alloc(op->a, (r.nrows ? r.nrows : 1) * sizeof(*q->blocked_by));
    for (size_t i = 0; i < r.nrows; i++)
        q->blocked_by[i] = db_int(&r, i, 0);
    if (r.nrows)
        snprintf(op->first_open, sizeof(op->first_open), "%s", db_text(&r, 0, 1));
    return 0;
}

/* The prepayment as it stands now; lock: inside the collection's
 * transaction, with the resource's bills locked first (the lock order of
 * every collection: resource, bills, then the receipt counter). */
static int figure(struct db *db, struct prepay_op *op, bool lock, struct err *e)
{
    struct prepay_quote *q = op->q;
    struct fee_item_row item;
    struct billrun_resource res;
    struct discount_scheme *schemes;
    struct billrun_plan plan = {0};
    struct bill *all;
    struct db_res r;
    size_t nall, nschemes;
    int32_t today = bills_today(), last = 0, first;
    int found, len;

    memset(q, 0, sizeof(*q));
    q->resource_id = op->resource_id;
    q->fee_item_id = op->fee_item_id;
    q->months = op->months;
    if (lock && db_query(db, op->a, &sql_resource_lock, DB_ARGS(P_INT(op->resource_id)), &r, e) < 0)
        return -1;
    if (bills_resource_scope_tx(db, op->who, op->resource_id, &op->project_id, e) < 0 ||
        fee_items_with_rates(db, op->a, op->project_id, &op->fee_item_id, 1, &item, e) < 0 ||
        check_item(&item.item, op->months, e) < 0)
        return -1;
    if (lock && bills_lock_resource(db, op->a, op->resource_id, &all, &nall, e) < 0)
        return -1;
    found = db_one(db, op->a, lock ? &sql_last_lock : &sql_last,
                   DB_ARGS(P_INT(op->resource_id), P_INT(op->fee_item_id)), &r, e);
    if (found < 0)
        return -1;
    if (found && billrun_period_parse(db_text(&r, 0, 0), db_len(&r, 0, 0), &last) < 0)
        return err_setf(e, E_INTERNAL, "resource %lld: a bill's period is not YYYY-MM",
                        (long long)op->resource_id);
    if (read_blocked(db, op, lock, e) < 0 ||
        billrun_resource_get(db, op->a, op->project_id, op->resource_id,
                             item.item.method == FEE_PER_HEAD, &res, e) < 0 ||
        discount_schemes_for_prepay(db, op->a, op->project_id, &schemes, &nschemes, e) < 0)
        return -1;
    len = prepay_cycle_months(item.item.cycle);
    first = prepay_first_period(item.item.cycle, last, billrun_month_of(today));
    plan = (struct billrun_plan){.items = &item,
                                 .nitems = 1,
                                 .from = first,
                                 .to = first + (int32_t)op->months - len,
                                 .schemes = schemes,
                                 .nschemes = nschemes,
                                 .prepay_months = op->months};
    q->fee_item_name = item.item.name;
    q->cycle = item.item.cycle;
    billrun_period_text(plan.from, q->period_from);
    billrun_period_text(plan.to, q->period_to);
    q->nlines = (size_t)(op->months / len);
    q->lines = arena_alloc(op->a, q->nlines * sizeof(*q->lines));
    for (size_t i = 0; i < q->nlines; i++) {
        struct prepay_line *l = &q->lines[i];
        if (line_of(&plan, &item, &res, first + (int32_t)i * len, today, l, e) < 0)
            return -1;
        if (money_add(q->amount_fen, l->amount_fen, &q->amount_fen) < 0 ||
            money_add(q->discount_fen, l->discount_fen, &q->discount_fen) < 0 ||
            money_add(q->due_fen, l->due_fen, &q->due_fen) < 0 || q->due_fen > MONEY_MAX_FEN)
            return err_setf(e, E_PREPAY_NOT_BILLABLE, "预缴金额超出上限");
    }
    return 0;
}

static int check_months(int64_t months, struct err *e)
{
    if (months < 1 || months > PREPAY_MAX_MONTHS)
        return err_bad_request(e, "months 须为 1 到 36 的整数");
    return 0;
}

static int quote_tx(struct db *db, void *arg, struct err *e)
{
    return figure(db, arg, false, e);
}

int prepay_quote(struct db *db, struct arena *a, const struct principal *who, int64_t resource_id,
                 int64_t fee_item_id, int64_t months, struct prepay_quote *out, struct err *e)
{
    struct prepay_op op = {a, who, resource_id, fee_item_id, months, NULL, out, NULL, 0, ""};

    if (check_months(months, e) < 0)
        return -1;
    /* a transaction only for one consistent view of the figures */
    return db_tx(db, quote_tx, &op, e);
}

/* ---- the collection ------------------------------------------------------------------ */

/* The bills of the quote, with their discounts; then the ids of those
 * with something due (a bill discounted to nothing is settled already). */
static int make_bills(struct db *db, struct prepay_op *op, int64_t *ids, size_t *nids,
                      struct err *e)
{
    struct prepay_quote *q = op->q;

    *nids = 0;
    for (size_t i = 0; i < q->nlines; i++) {
        struct prepay_line *l = &q->lines[i];
        const char *st = l->discount_fen == l->amount_fen ? "paid" : "unpaid";

        if (db_insert(db, &sql_bill_insert,
                      DB_ARGS(P_INT(op->project_id), P_INT(op->resource_id), P_INT(op->fee_item_id),
                              P_STR(l->period), P_STR(st), P_INT(l->amount_fen),
                              P_INT(l->discount_fen), P_INT(l->due_day), P_INT(l->rate),
                              l->has_quantity ? P_INT(l->quantity) : P_NULL, P_INT(op->who->id),
                              P_STR(st)),
                      &l->bill_id, e) < 0)
            /* the unique key: billed meanwhile by a writer the locks did not
             * hold off (a period's bill never exists twice) */
            return err_is(e, E_DB_DUPLICATE)
                       ? err_setf(e, E_PREPAY_QUOTE_CHANGED, "%s 已出账，请重新报价", l->period)
                       : -1;
        if (l->discount_fen > 0 &&
            db_insert(db, &sql_discount_insert,
                      DB_ARGS(P_INT(l->bill_id), P_INT(l->scheme_id), P_INT(l->discount_fen)), NULL,
                      e) < 0)
            return -1;
        if (l->due_fen > 0)
            ids[(*nids)++] = l->bill_id;
    }
    return 0;
}

/* The prepayment's own audit row (the collection writes the receipt's):
 * what was prepaid, and the bills it made with their discounts. */
static int audit_prepay(struct db *db, struct prepay_op *op, struct err *e)
{
    const struct prepay_quote *q = op->q;
    cJSON *c = cJSON_CreateObject(), *bills = cJSON_AddArrayToObject(c, "bills");
    char *text;
    int rc;

    json_add_int(c, "fee_item_id", q->fee_item_id);
    json_add_int(c, "months", q->months);
    cJSON_AddStringToObject(c, "period_from", q->period_from);
    cJSON_AddStringToObject(c, "period_to", q->period_to);
    json_add_int(c, "amount_fen", q->amount_fen);
    json_add_int(c, "discount_fen", q->discount_fen);
    for (size_t i = 0; i < q->nlines; i++) {
        cJSON *b = cJSON_CreateObject();
        json_add_int(b, "bill_id", q->lines[i].bill_id);
        cJSON_AddStringToObject(b, "period", q->lines[i].period);
        json_add_int(b, "amount_fen", q->lines[i].amount_fen);
        json_add_int(b, "discount_fen", q->lines[i].discount_fen);
        if (q->lines[i].scheme_id)
            json_add_int(b, "scheme_id", q->lines[i].scheme_id);
        cJSON_AddItemToArray(bills, b);
    }
    text = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    if (!text)
        return err_internal(e);
    rc = bills_audit_tx(db, op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = "prepay",
                                              .entity = "receipt",
                                              .entity_id = op->out->receipt_id,
                                              .context = text},
                        e);
    cJSON_free(text);
    return rc;
}

static int collect_tx(struct db *db, void *arg, struct err *e)
{
    struct prepay_op *op = arg;
    const struct prepay_in *in = op->in;
    struct prepay_quote *q = op->q;
    int64_t *ids;
    size_t nids;

    if (figure(db, op, true, e) < 0)
        return -1;
    if (q->nblocked)
        return err_setf(e, E_EARLIER_BILL_UNPAID, "请先缴纳 %s 及更早的%s账单", op->first_open,
                        q->fee_item_name);
    if (strcmp(in->period_from, q->period_from) != 0)
        return err_setf(e, E_PREPAY_QUOTE_CHANGED,
                        "应从 %s 起预缴（%s 已出账或有变化），请重新报价", q->period_from,
                        in->period_from);
    if (in->amount_fen != q->due_fen)
        return err_setf(e, E_PREPAY_QUOTE_CHANGED,
                        "%s 至 %s 预缴应收 %lld 分，与收款金额 %lld 分不符，请重新报价",
                        q->period_from, q->period_to, (long long)q->due_fen,
                        (long long)in->amount_fen);
    ids = arena_alloc(op->a, (q->nlines ? q->nlines : 1) * sizeof(*ids));
    if (make_bills(db, op, ids, &nids, e) < 0 ||
        bills_collect_tx(db, op->a, op->who,
                         &(struct collect_in){.resource_id = op->resource_id,
                                              .bill_ids = ids,
                                              .nbills = nids,
                                              .method = in->method,
                                              .amount_fen = in->amount_fen,
                                              .payer_name = in->payer_name,
                                              .note = in->note},
                         op->out, e) < 0)
        return -1;
    return audit_prepay(db, op, e);
}

int prepay_collect(struct db *db, struct arena *a, const struct principal *who,
                   const struct prepay_in *in, struct prepay_quote *q, struct collect_out *out,
                   struct err *e)
{
    struct prepay_op op = {a, who, in->resource_id, in->fee_item_id, in->months, in, q, out, 0, ""};
    int32_t ym;

    if (check_months(in->months, e) < 0)
        return -1;
    if (!in->period_from || billrun_period_parse(in->period_from, strlen(in->period_from), &ym) < 0)
        return err_bad_request(e, "period_from 必须是 YYYY-MM 格式的月份（报价的起始月份）");
    if (in->amount_fen <= 0 || in->amount_fen > MONEY_MAX_FEN)
        return err_bad_request(e, "amount_fen 须为正整数（分）");
    return db_tx(db, collect_tx, &op, e);
}
