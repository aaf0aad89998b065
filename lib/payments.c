/*
 * payments.c — online payment through WeChat Pay; see payments.h and
 * docs/payments.md.
 *
 * Three transactions make an order's life, each on the rows it locked:
 *   create_tx   the caller's links (share), all bills of the resources
 *               concerned (bills_lock_resource(), ascending resource id, the
 *               order every writer of the books takes), the rules of choice,
 *               then the payment, its payment_bills and the bills held;
 *   apply_tx    the payment (FOR UPDATE), then its bills as above: one
 *               receipt per resource, each bill its fixed amount, the bills
 *               let go, the payment paid, the event recorded;
 *   close_tx    the payment (FOR UPDATE), then its bills let go.
 * Between them, outside any transaction, the calls to WeChat Pay.
 *
 * A payment touches the bills of several resources: each is locked by
 * bills_lock_resource() in ascending resource id, so two payments (or a
 * payment and a desk collection, which locks one) never wait for each
 * other in a cycle; what remains (a prepayment account taken after the
 * bills, only when a bill no longer needs its amount) is a deadlock db_tx()
 * retries.
 */
#include "payments.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "core/json.h"
#include "core/log.h"
#include "core/money.h"
#include "core/util.h"
#include "resources.h"

/* The check of a pending payment that GET /owner/payments/{id} may make,
 * at most this often for one payment (across hosts). */
#define PAY_CHECK_EVERY_S 5

/* ---- The SQL of this module ---------------------------------------------------------- */

DB_SQL(sql_person_openid, "SELECT IFNULL(openid, '') FROM persons WHERE id = ? LOCK IN SHARE MODE");
/* The chosen ids (a JSON array) and the resource and project of each that exists. */
DB_SQL(sql_bill_resources,
       "SELECT b.id, b.resource_id, b.project_id FROM JSON_TABLE(?, '$[*]' COLUMNS "
       "(id BIGINT UNSIGNED PATH '$')) j JOIN bills b ON b.id = j.id ORDER BY b.resource_id");
DB_SQL(sql_link_current, "SELECT pr.id FROM person_resources pr WHERE pr.person_id = ? "
                         "AND pr.resource_id = ? AND " PR_CURRENT("pr") " LIMIT 1 "
                                                                        "LOCK IN SHARE MODE");
DB_SQL(sql_project_name, "SELECT name FROM projects WHERE id = ?");
DB_SQL(sql_pay_insert,
       "INSERT INTO payments (out_trade_no, person_id, project_id, openid, total_fen, description, "
       "expires_at) VALUES (?, ?, ?, ?, ?, ?, FROM_UNIXTIME(?))");
DB_SQL(sql_pay_bill_insert, "INSERT INTO payment_bills (payment_id, bill_id, resource_id, "
                            "amount_fen) VALUES (?, ?, ?, ?)");
DB_SQL(sql_bill_hold, "UPDATE bills SET open_payment_id = ? WHERE id = ? AND "
                      "open_payment_id IS NULL");
/* From payment_bills to the bills by id: never a scan of bills. */
DB_SQL(sql_bills_release,
       "UPDATE payment_bills pb JOIN bills b ON b.id = pb.bill_id SET b.open_payment_id = NULL "
       "WHERE pb.payment_id = ? AND b.open_payment_id = pb.payment_id");
DB_SQL(sql_set_prepay, "UPDATE payments SET prepay_id = ? WHERE id = ? AND status = 'pending'");
#define PAY_LOCK_COLS                                                                              \
    "SELECT id, out_trade_no, status, total_fen, project_id, IFNULL(transaction_id, '') "          \
    "FROM payments "
DB_SQL(sql_pay_lock_id, PAY_LOCK_COLS "WHERE id = ? FOR UPDATE");
DB_SQL(sql_pay_lock_no, PAY_LOCK_COLS "WHERE out_trade_no = ? FOR UPDATE");
DB_SQL(sql_pay_close, "UPDATE payments SET status = 'closed', closed_at = UTC_TIMESTAMP(), "
                      "close_reason = ? WHERE id = ?");
DB_SQL(sql_pay_bills_of, "SELECT bill_id, resource_id, amount_fen FROM payment_bills "
                         "WHERE payment_id = ? ORDER BY resource_id, bill_id");
DB_SQL(sql_pay_paid,
       "UPDATE payments SET status = 'paid', transaction_id = ?, paid_at = FROM_UNIXTIME(?), "
       "payer_total_fen = ?, receipt_id = ? WHERE id = ?");
/* A retried notification is one row (notice_id, kind). */
DB_SQL(sql_event,
       "INSERT INTO payment_events (source, notice_id, kind, alert, payment_id, out_trade_no, "
       "transaction_id, trade_state, amount_fen, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
       "ON DUPLICATE KEY UPDATE id = id");
DB_SQL(sql_snap_payment,
       "SELECT JSON_OBJECT('out_trade_no', p.out_trade_no, 'person_id', p.person_id, "
       "'status', p.status, 'total_fen', p.total_fen, 'expires_at', p.expires_at, "
       "'transaction_id', p.transaction_id, 'close_reason', p.close_reason, "
       "'bills', (SELECT JSON_ARRAYAGG(JSON_OBJECT('bill_id', x.bill_id, 'amount_fen', "
       "x.amount_fen)) FROM payment_bills x WHERE x.payment_id = p.id), "
       "'receipts', (SELECT JSON_ARRAYAGG(r.receipt_no) FROM receipts r "
       "WHERE r.payment_id = p.id)) FROM payments p WHERE p.id = ?");
#define PAY_COLS                                                                                   \
    "p.id, p.out_trade_no, p.status, p.total_fen, p.created_at, p.paid_at, p.expires_at, "         \
    "(SELECT COUNT(*) FROM payment_bills x WHERE x.payment_id = p.id) "
DB_SQL(sql_pay_get, "SELECT " PAY_COLS ", p.prepay_id IS NOT NULL FROM payments p "
                    "WHERE p.id = ? AND p.person_id = ?");
DB_SQL(sql_pay_get_bills,
       "SELECT pb.bill_id, pb.resource_id, b.fee_item_id, f.name, b.period, pb.amount_fen "
       "FROM payment_bills pb JOIN bills b ON b.id = pb.bill_id "
       "JOIN fee_items f ON f.id = b.fee_item_id WHERE pb.payment_id = ? "
       "ORDER BY b.period, pb.resource_id, b.fee_item_id, pb.bill_id");
DB_SQL(sql_pay_receipts, "SELECT receipt_no FROM receipts WHERE payment_id = ? ORDER BY id");
DB_SQL(sql_pay_list, "SELECT " PAY_COLS " FROM payments p WHERE p.person_id = ? "
                     "AND (? = 0 OR p.id < ?) ORDER BY p.id DESC LIMIT ?");
/* One order query per payment every few seconds, whoever asks. */
DB_SQL(sql_pay_check_claim,
       "UPDATE payments SET checked_at = UTC_TIMESTAMP() WHERE id = ? AND status = 'pending' "
       "AND prepay_id IS NOT NULL AND (checked_at IS NULL OR checked_at < UTC_TIMESTAMP() - "
       "INTERVAL ? SECOND)");
DB_SQL(sql_pay_due, "SELECT id, out_trade_no FROM payments WHERE status = 'pending' "
                    "AND expires_at <= UTC_TIMESTAMP() ORDER BY expires_at LIMIT ?");

/* ---- the pure part -------------------------------------------------------------------- */

void pay_trade_no(time_t now, char out[PAY_TRADE_NO_SIZE])
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    time_t local = now + 8 * 3600; /* the China date */
    struct tm tm;
    int at;

    gmtime_r(&local, &tm);
    at = snprintf(out, PAY_TRADE_NO_SIZE, "W%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday);
    for (int i = 0; i < 20; i++)
        out[at + i] = abc[util_random_below(sizeof(abc) - 1)];
    out[at + 20] = '\0';
}

void pay_description(const char *project, const char *item, const char *period, size_t nbills,
                     char out[PAY_DESC_SIZE])
{
    char more[32] = "", text[PAY_DESC_SIZE + 64];
    size_t keep;

    if (nbills > 1)
        snprintf(more, sizeof(more), "等%zu笔", nbills);
    /* the tail ("等N笔") is kept whole; the names give way */
    snprintf(text, sizeof(text), "%s-%s %s", project, item, period);
    keep = utf8_prefix(text, PAY_DESC_CHARS - utf8_chars(more, strlen(more)));
    snprintf(out, PAY_DESC_SIZE, "%.*s%s", (int)keep, text, more);
}

int64_t pay_bill_share(const struct bill *b, int64_t fixed_fen)
{
    if (!bill_is_open(b) || fixed_fen <= 0)
        return 0;
    return fixed_fen < b->due_fen ? fixed_fen : b->due_fen;
}

/* ---- events and audit ----------------------------------------------------------------- */

struct event {
    const char *source, *notice_id, *kind;
    bool alert;
    int64_t payment_id;
    const struct wxpay_txn *t; /* may be NULL */
    int64_t amount_fen;        /* -1 = the transaction's total */
    const char *detail;
};

static int event_record(struct db *db, const struct event *v, struct err *e)
{
    const struct wxpay_txn *t = v->t;
    int64_t amount = v->amount_fen >= 0 ? v->amount_fen : t ? t->total_fen : -1;

    if (v->alert)
        log_warn("event=payment_alert kind=%s payment=%lld out_trade_no=%.32s", v->kind,
                 (long long)v->payment_id, t ? t->out_trade_no : "-");
    return db_exec(
        db, &sql_event,
        DB_ARGS(P_STR(v->source), P_STR(v->notice_id && *v->notice_id ? v->notice_id : NULL),
                P_STR(v->kind), P_INT(v->alert), v->payment_id ? P_INT(v->payment_id) : P_NULL,
                P_STR(t && t->out_trade_no[0] ? t->out_trade_no : NULL),
                P_STR(t && t->transaction_id[0] ? t->transaction_id : NULL),
                P_STR(t && t->trade_state[0] ? t->trade_state : NULL),
                amount >= 0 ? P_INT(amount) : P_NULL, P_STR(v->detail ? v->detail : "")),
        NULL, e);
}

static int audited(struct db *db, struct arena *a, const struct principal *who, const char *action,
                   int64_t id, const char *before, struct err *e)
{
    return audit_change(
        db, a,
        &(struct audit_entry){
            .who = who, .action = action, .entity = "payment", .entity_id = id, .before = before},
        &sql_snap_payment, e);
}

/* ---- creating ------------------------------------------------------------------------- */

struct create_op {
    struct arena *a;
    const struct principal *who;
    const int64_t *ids;
    size_t n;
    int ttl_s;
    const char *ids_json;
    /* out */
    int64_t id, total, expires_at;
    char trade_no[PAY_TRADE_NO_SIZE];
    const char *openid;
    char description[PAY_DESC_SIZE];
};

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* Lock the bills of each resource of map (rows of sql_bill_resources,
 * sorted by resource), after checking the caller lives there now (404):
 * every bill of them, sorted and marked as one list. */
static int lock_chosen_resources(struct db *db, struct create_op *op, const struct db_res *map,
                                 struct bill **all, size_t *nall, struct err *e)
{
    struct bill *v = NULL;
    size_t n = 0;

    for (size_t i = 0; i < map->nrows; i++) {
        int64_t rid = db_int(map, i, 1);
        struct bill *part, *grown;
        size_t np;
        struct db_res r;
        int found;

        if (i > 0 && db_int(map, i - 1, 1) == rid)
            continue;
        found =
            db_one(db, op->a, &sql_link_current, DB_ARGS(P_INT(op->who->id), P_INT(rid)), &r, e);
        if (found <= 0)
            return found < 0 ? -1 : err_not_found(e);
        if (bills_lock_resource(db, op->a, rid, &part, &np, e) < 0)
            return -1;
        grown = arena_alloc(op->a, (n + np + 1) * sizeof(*grown));
        if (n)
            memcpy(grown, v, n * sizeof(*v));
        if (np)
            memcpy(grown + n, part, np * sizeof(*part));
        v = grown;
        n += np;
    }
    /* one order for the earliest-first rule: groups never span resources */
    bills_sort(v, n);
    *all = v;
    *nall = n;
    return 0;
}

static int create_tx(struct db *db, void *arg, struct err *e)
{
    struct create_op *op = arg;
    struct db_res map, r;
    struct bill *all = NULL, *first = NULL;
    size_t nall = 0;
    int64_t project_id;
    time_t now = time(NULL);
    int found;

    op->total = 0;
    found = db_one(db, op->a, &sql_person_openid, DB_ARGS(P_INT(op->who->id)), &r, e);
    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    op->openid = db_text(&r, 0, 0);
    if (db_query(db, op->a, &sql_bill_resources, DB_ARGS(P_STR(op->ids_json)), &map, e) < 0)
        return -1;
    if (map.nrows != op->n)
        return err_not_found(e);
    project_id = db_int(&map, 0, 2);
    if (lock_chosen_resources(db, op, &map, &all, &nall, e) < 0)
        return -1;
    for (size_t i = 0; i < map.nrows; i++)
        if (db_int(&map, i, 2) != project_id)
            return err_bad_request(e, "一次支付只能包含同一个小区的账单");
    if (bills_check_choice(all, nall, op->ids, op->n, e) < 0)
        return -1;
    if (!op->openid[0])
        return err_set(e, E_WECHAT_NOT_BOUND);
    for (size_t i = 0; i < nall; i++)
        if (has_id(op->ids, op->n, all[i].id)) {
            if (money_add(op->total, all[i].due_fen, &op->total) < 0)
                return err_internal(e);
            if (!first)
                first = &all[i];
        }
    if (op->total <= 0 || op->total > MONEY_MAX_FEN)
        return err_setf(e, E_BILL_NOT_PAYABLE, "所选账单没有需要缴纳的金额");
    found = db_one(db, op->a, &sql_project_name, DB_ARGS(P_INT(project_id)), &r, e);
    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    pay_description(db_text(&r, 0, 0), first->fee_item_name ? first->fee_item_name : "物业费",
                    first->period, op->n, op->description);
    pay_trade_no(now, op->trade_no);
    op->expires_at = (int64_t)now + op->ttl_s;
    if (db_insert(db, &sql_pay_insert,
                  DB_ARGS(P_STR(op->trade_no), P_INT(op->who->id), P_INT(project_id),
                          P_STR(op->openid), P_INT(op->total), P_STR(op->description),
                          P_INT(op->expires_at)),
                  &op->id, e) < 0)
        return -1;
    for (size_t i = 0; i < nall; i++) {
        uint64_t held = 0;
        if (!has_id(op->ids, op->n, all[i].id))
            continue;
        if (db_exec(db, &sql_pay_bill_insert,
                    DB_ARGS(P_INT(op->id), P_INT(all[i].id), P_INT(all[i].resource_id),
                            P_INT(all[i].due_fen)),
                    NULL, e) < 0 ||
            db_exec(db, &sql_bill_hold, DB_ARGS(P_INT(op->id), P_INT(all[i].id)), &held, e) < 0)
            return -1;
        if (held != 1) /* bills_check_choice() saw it free on the locked row */
            return err_internal(e);
    }
    return audited(db, op->a, op->who, "create_payment", op->id, NULL, e);
}

/* ---- closing -------------------------------------------------------------------------- */

struct close_op {
    struct arena a;
    int64_t id;
    const char *reason; /* payments.close_reason */
    const struct principal *who;
    bool closed; /* it was pending and is closed now */
};

static int close_tx(struct db *db, void *arg, struct err *e)
{
    struct close_op *op = arg;
    struct db_res r;
    const char *before;
    int found;

    op->closed = false;
    found = db_one(db, &op->a, &sql_pay_lock_id, DB_ARGS(P_INT(op->id)), &r, e);
    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    if (strcmp(db_text(&r, 0, 2), "pending") != 0)
        return 0;
    if (audit_snapshot(db, &op->a, &sql_snap_payment, op->id, &before, e) < 0 ||
        db_exec(db, &sql_pay_close, DB_ARGS(P_STR(op->reason), P_INT(op->id)), NULL, e) < 0 ||
        db_exec(db, &sql_bills_release, DB_ARGS(P_INT(op->id)), NULL, e) < 0 ||
        audited(db, &op->a, op->who, "close_payment", op->id, before, e) < 0)
        return -1;
    op->closed = true;
    return 0;
}

/* Close a payment here (not at WeChat Pay); *closed: it was pending. */
static int close_local(struct db *db, const struct principal *who, int64_t id, const char *reason,
                       bool *closed, struct err *e)
{
    struct close_op op = {{0}, id, reason, who, false};
    int rc = db_tx(db, close_tx, &op, e);

    arena_free(&op.a);
    if (closed)
        *closed = op.closed;
    if (rc == 0 && op.closed)
        log_info("event=payment_closed payment=%lld reason=%s", (long long)id, reason);
    return rc;
}

/* ---- applying a success --------------------------------------------------------------- */

struct apply_op {
    struct arena a;
    const struct wxpay_client *wx;
    const struct wxpay_txn *t;
    const char *source, *notice_id;
    enum pay_notice_outcome outcome;
    int64_t payment_id;
};

/* The books' side of a success: a receipt per resource of the payment,
 * each bill its fixed amount (what the bill no longer needs goes to the
 * resource's prepayment account), the bills let go, the payment paid. */
static int apply_books(struct db *db, struct apply_op *op, const struct db_res *row, struct err *e)
{
    int64_t pid = db_int(row, 0, 0), project_id = db_int(row, 0, 4), first_receipt = 0;
    const char *trade_no = db_text(row, 0, 1), *before;
    char note[64];
    int32_t today = bills_today();
    struct db_res pb;

    if (audit_snapshot(db, &op->a, &sql_snap_payment, pid, &before, e) < 0 ||
        db_query(db, &op->a, &sql_pay_bills_of, DB_ARGS(P_INT(pid)), &pb, e) < 0)
        return -1;
    snprintf(note, sizeof(note), "微信支付 %s", trade_no);
    for (size_t i = 0; i < pb.nrows;) {
        int64_t rid = db_int(&pb, i, 1), sum = 0, rest = 0, *pay, *fixed, receipt_id;
        struct bill *all, *chosen;
        size_t nall, n = 0, end = i;
        char no[48];

        while (end < pb.nrows && db_int(&pb, end, 1) == rid)
            end++;
        if (bills_lock_resource(db, &op->a, rid, &all, &nall, e) < 0)
            return -1;
        chosen = arena_alloc(&op->a, (end - i) * sizeof(*chosen));
        pay = arena_alloc(&op->a, (end - i) * sizeof(*pay));
        fixed = arena_alloc(&op->a, (end - i) * sizeof(*fixed));
        /* in the locked list's order: oldest first, as the desk applies */
        for (size_t k = 0; k < nall; k++)
            for (size_t j = i; j < end; j++)
                if (db_int(&pb, j, 0) == all[k].id) {
                    chosen[n] = all[k];
                    fixed[n] = db_int(&pb, j, 2);
                    pay[n] = pay_bill_share(&all[k], fixed[n]);
                    if (money_add(sum, fixed[n], &sum) < 0)
                        return err_internal(e);
                    rest += fixed[n] - pay[n];
                    n++;
                }
        if (n != end - i)
            return err_setf(e, E_INTERNAL, "payment %lld: a bill left its resource",
                            (long long)pid);
        i = end;
        if (sum == 0)
            continue;
        if (receipt_issue_tx(db,
                             &(struct receipt_in){.project_id = project_id,
                                                  .resource_id = rid,
                                                  .method = PAY_WECHAT_PAY,
                                                  .purpose = "bills",
                                                  .amount_fen = sum,
                                                  .to_prepay_fen = rest,
                                                  .payment_id = pid,
                                                  .note = note},
                             &receipt_id, no, e) < 0 ||
            bills_apply_tx(db, receipt_id, chosen, pay, n, today, e) < 0)
            return -1;
        if (!first_receipt)
            first_receipt = receipt_id;
        if (rest > 0 &&
            (account_move_tx(db,
                             &(struct account_move){.project_id = project_id,
                                                    .resource_id = rid,
                                                    .kind = "prepay",
                                                    .reason = "overpay",
                                                    .delta_fen = rest,
                                                    .receipt_id = receipt_id,
                                                    .note = note},
                             NULL, e) < 0 ||
             event_record(db,
                          &(struct event){op->source, op->notice_id, "to_prepay", true, pid, op->t,
                                          rest, "账单已无需这么多，余额转入预存款"},
                          e) < 0))
            return -1;
    }
    if (db_exec(db, &sql_bills_release, DB_ARGS(P_INT(pid)), NULL, e) < 0 ||
        db_exec(db, &sql_pay_paid,
                DB_ARGS(P_STR(op->t->transaction_id), P_INT(op->t->success_at),
                        op->t->payer_total_fen >= 0 ? P_INT(op->t->payer_total_fen) : P_NULL,
                        first_receipt ? P_INT(first_receipt) : P_NULL, P_INT(pid)),
                NULL, e) < 0)
        return -1;
    return audited(db, &op->a, NULL, "payment_paid", pid, before, e);
}

static int apply_tx(struct db *db, void *arg, struct err *e)
{
    struct apply_op *op = arg;
    const struct wxpay_txn *t = op->t;
    struct event v = {op->source, op->notice_id, NULL, true, 0, t, -1, ""};
    struct db_res r;
    const char *status;
    int found;

    op->payment_id = 0;
    op->outcome = PAY_NOTICE_MISMATCH;
    if (strcmp(t->appid, op->wx->appid) != 0 || strcmp(t->mchid, op->wx->mchid) != 0) {
        v.kind = "mismatch";
        v.detail = "appid 或 mchid 不是我们的";
        return event_record(db, &v, e);
    }
    found = db_one(db, &op->a, &sql_pay_lock_no, DB_ARGS(P_STR(t->out_trade_no)), &r, e);
    if (found < 0)
        return -1;
    if (found == 0) {
        v.kind = "unknown_order";
        v.detail = "没有这个订单";
        return event_record(db, &v, e);
    }
    v.payment_id = op->payment_id = db_int(&r, 0, 0);
    status = db_text(&r, 0, 2);
    if (strcmp(t->trade_state, "SUCCESS") != 0) {
        /* WeChat Pay notifies successes only; a query finds REFUND when
         * someone refunded outside the system: either is worth a look */
        op->outcome = PAY_NOTICE_RECORDED;
        v.kind = "not_success";
        return event_record(db, &v, e);
    }
    if (t->total_fen != db_int(&r, 0, 3)) {
        v.kind = "mismatch";
        v.detail = "金额与订单不符";
        return event_record(db, &v, e);
    }
    if (strcmp(status, "pending") != 0) {
        /* paid by this very transaction: nothing to do, nothing to note */
        if (strcmp(db_text(&r, 0, 5), t->transaction_id) == 0) {
            op->outcome = PAY_NOTICE_ALREADY;
            return 0;
        }
        op->outcome = PAY_NOTICE_RECORDED;
        v.kind = strcmp(status, "closed") == 0 ? "closed_order_paid" : "second_transaction";
        v.detail = strcmp(status, "closed") == 0 ? "订单已关闭后收到支付成功，待对账处理"
                                                 : "订单已由另一笔交易支付，待对账处理";
        return event_record(db, &v, e);
    }
    if (apply_books(db, op, &r, e) < 0)
        return -1;
    op->outcome = PAY_NOTICE_APPLIED;
    v.kind = "applied";
    v.alert = false;
    return event_record(db, &v, e);
}

static int apply_success(struct db *db, const struct wxpay_client *wx, const struct wxpay_txn *t,
                         const char *source, const char *notice_id,
                         enum pay_notice_outcome *outcome, struct err *e)
{
    struct apply_op op = {{0}, wx, t, source, notice_id, PAY_NOTICE_MISMATCH, 0};
    int rc = db_tx(db, apply_tx, &op, e);

    arena_free(&op.a);
    if (rc == 0)
        log_info("event=payment_%s payment=%lld source=%s",
                 op.outcome == PAY_NOTICE_APPLIED    ? "applied"
                 : op.outcome == PAY_NOTICE_ALREADY  ? "already_applied"
                 : op.outcome == PAY_NOTICE_RECORDED ? "recorded"
                                                     : "mismatch",
                 (long long)op.payment_id, source);
    if (outcome)
        *outcome = op.outcome;
    return rc;
}

/* ---- settling a pending payment at WeChat Pay ----------------------------------------- */

enum settled { SETTLED_NONE, SETTLED_PAID, SETTLED_CLOSED };

/* Close the order at WeChat Pay and then here; when WeChat Pay says it is
 * paid, query it and apply what it says instead. */
static int settle(struct db *db, const struct wxpay_client *wx, const struct principal *who,
                  int64_t id, const char *trade_no, const char *reason, enum settled *out,
                  struct err *e)
{
    struct wxpay_txn t;
    enum pay_notice_outcome outcome;
    bool closed;

    *out = SETTLED_NONE;
    if (wxpay_close(wx, trade_no, e) < 0) {
        if (err_is(e, E_WXPAY_ORDER_NOT_EXIST)) {
            /* WeChat Pay never took the order: nothing can pay it */
            err_clear(e);
        } else if (err_is(e, E_WXPAY_ORDER_PAID)) {
            err_clear(e);
            if (wxpay_query(wx, trade_no, &t, e) < 0)
                return -1;
            if (strcmp(t.trade_state, "SUCCESS") == 0) {
                if (apply_success(db, wx, &t, "query", NULL, &outcome, e) < 0)
                    return -1;
                *out = outcome == PAY_NOTICE_APPLIED || outcome == PAY_NOTICE_ALREADY
                           ? SETTLED_PAID
                           : SETTLED_NONE;
                return 0;
            }
            /* paid, then refunded outside the system: the office's to see */
            if (apply_success(db, wx, &t, "query", NULL, &outcome, e) < 0)
                return -1;
        } else {
            return -1;
        }
    }
    if (close_local(db, who, id, reason, &closed, e) < 0)
        return -1;
    *out = closed ? SETTLED_CLOSED : SETTLED_NONE;
    return 0;
}

int pay_expire_run(struct db *db, const struct wxpay_client *wx, int limit,
                   struct pay_expire_counts *n, struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    int rc = -1;

    memset(n, 0, sizeof(*n));
    if (db_query(db, &a, &sql_pay_due, DB_ARGS(P_INT(limit)), &r, e) < 0)
        goto out;
    n->due = (int64_t)r.nrows;
    /* without the client nothing can be asked, and nothing is closed
     * unasked: a payment may have been paid */
    for (size_t i = 0; wx && i < r.nrows; i++) {
        enum settled s;
        struct err e1 = {0};

        if (settle(db, wx, NULL, db_int(&r, i, 0), db_text(&r, i, 1), "expired", &s, &e1) < 0) {
            n->failed++;
            log_warn("event=payment_expire_failed payment=%lld code=%s",
                     (long long)db_int(&r, i, 0), err_name(e1.code));
            continue;
        }
        n->applied += s == SETTLED_PAID;
        n->closed += s == SETTLED_CLOSED;
    }
    rc = 0;
out:
    arena_free(&a);
    return rc;
}

/* ---- the owner's endpoints ------------------------------------------------------------ */

int pay_create(struct db *db, const struct wxpay_client *wx, int ttl_s, struct arena *a,
               const struct principal *who, const int64_t *ids, size_t n, struct pay_created *out,
               struct err *e)
{
    struct create_op op = {.a = a, .who = who, .ids = ids, .n = n, .ttl_s = ttl_s};
    char prepay_id[WXPAY_ID_SIZE], *text;
    cJSON *arr;
    struct err e2 = {0};
    uint64_t set = 0;

    memset(out, 0, sizeof(*out));
    if (n == 0 || n > BILLS_CHOICE_MAX)
        return err_bad_request(e, "bill_ids 须为 1 到 100 个账单编号");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (ids[i] == ids[j])
                return err_bad_request(e, "bill_ids 中有重复的账单");
    if (!wx)
        return err_set(e, E_PAYMENT_UNAVAILABLE);
    arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < n; i++)
        cJSON_AddItemToArray(arr, json_int(ids[i]));
    text = arr ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    if (!text)
        return err_internal(e);
    op.ids_json = arena_strdup(a, text);
    cJSON_free(text);
    if (db_tx(db, create_tx, &op, e) < 0)
        return -1;
    out->id = op.id;
    out->total_fen = op.total;
    out->expires_at = op.expires_at;
    memcpy(out->out_trade_no, op.trade_no, sizeof(op.trade_no));
    /* outside any transaction: no lock is held while WeChat Pay thinks */
    if (wxpay_jsapi(
            wx,
            &(struct wxpay_order){op.trade_no, op.description, op.openid, op.total, op.expires_at},
            prepay_id, e) < 0) {
        /* a timeout may have left an order there: close it too (no one has
         * its prepay_id, so no one can pay it; this only tidies up) */
        if (err_is(e, E_UPSTREAM_UNAVAILABLE))
            wxpay_close(wx, op.trade_no, &e2);
        err_clear(&e2);
        if (close_local(db, who, op.id, "failed", NULL, &e2) < 0)
            log_error("event=payment_close_failed payment=%lld code=%s", (long long)op.id,
                      err_name(e2.code));
        return -1;
    }
    if (db_exec(db, &sql_set_prepay, DB_ARGS(P_STR(prepay_id), P_INT(op.id)), &set, e) < 0)
        return -1;
    if (set != 1)
        return err_set(e, E_PAYMENT_NOT_PENDING);
    return wxpay_pay_params(wx, prepay_id, (int64_t)time(NULL), &out->params, e);
}

static void payment_from_row(const struct db_res *r, size_t i, struct payment *p)
{
    memset(p, 0, sizeof(*p));
    p->id = db_int(r, i, 0);
    p->out_trade_no = db_text(r, i, 1);
    p->status = db_text(r, i, 2);
    p->total_fen = db_int(r, i, 3);
    p->created_at = db_text(r, i, 4);
    p->paid_at = db_str(r, i, 5);
    p->expires_at = db_text(r, i, 6);
    p->bill_count = db_int(r, i, 7);
}

/* The caller's payment with its bills and receipts (404 otherwise);
 * *pending_known (may be NULL): pending, and WeChat Pay has its order. */
static int read_payment(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                        struct payment *out, bool *pending_known, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_pay_get, DB_ARGS(P_INT(id), P_INT(who->id)), &r, e);

    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    payment_from_row(&r, 0, out);
    if (pending_known)
        *pending_known = strcmp(out->status, "pending") == 0 && db_int(&r, 0, 8);
    if (db_query(db, a, &sql_pay_get_bills, DB_ARGS(P_INT(id)), &r, e) < 0)
        return -1;
    out->bills = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*out->bills));
    out->nbills = r.nrows;
    for (size_t i = 0; i < r.nrows; i++) {
        struct payment_bill *b = &out->bills[i];
        b->bill_id = db_int(&r, i, 0);
        b->resource_id = db_int(&r, i, 1);
        b->fee_item_id = db_int(&r, i, 2);
        b->fee_item_name = db_text(&r, i, 3);
        b->period = db_text(&r, i, 4);
        b->amount_fen = db_int(&r, i, 5);
    }
    if (db_query(db, a, &sql_pay_receipts, DB_ARGS(P_INT(id)), &r, e) < 0)
        return -1;
    out->receipt_nos = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*out->receipt_nos));
    out->nreceipts = r.nrows;
    for (size_t i = 0; i < r.nrows; i++)
        out->receipt_nos[i] = db_text(&r, i, 0);
    out->receipt_no = r.nrows ? out->receipt_nos[0] : NULL;
    return 0;
}

int pay_get(struct db *db, const struct wxpay_client *wx, struct arena *a,
            const struct principal *who, int64_t id, struct payment *out, struct err *e)
{
    bool ask = false;
    uint64_t claimed = 0;
    struct wxpay_txn t;
    struct err e2 = {0};

    if (read_payment(db, a, who, id, out, &ask, e) < 0)
        return -1;
    if (!ask || !wx)
        return 0;
    if (db_exec(db, &sql_pay_check_claim, DB_ARGS(P_INT(id), P_INT(PAY_CHECK_EVERY_S)), &claimed,
                e) < 0)
        return -1;
    if (claimed != 1)
        return 0;
    /* The mini-program asks right after its success callback, which proves
     * nothing (§2.4): only WeChat Pay's own answer is applied. A failed
     * query changes nothing; the notification or the expiry job will. */
    if (wxpay_query(wx, out->out_trade_no, &t, &e2) < 0 || strcmp(t.trade_state, "SUCCESS") != 0 ||
        apply_success(db, wx, &t, "query", NULL, NULL, &e2) < 0)
        return 0;
    return read_payment(db, a, who, id, out, NULL, e);
}

int pay_list(struct db *db, struct arena *a, const struct principal *who, int64_t before_id,
             int limit, struct payment **items, size_t *n, int64_t *next, struct err *e)
{
    struct db_res r;

    *n = 0;
    *next = 0;
    if (db_query(db, a, &sql_pay_list,
                 DB_ARGS(P_INT(who->id), P_INT(before_id), P_INT(before_id), P_INT(limit + 1)), &r,
                 e) < 0)
        return -1;
    *items = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(**items));
    for (size_t i = 0; i < r.nrows && i < (size_t)limit; i++)
        payment_from_row(&r, i, &(*items)[(*n)++]);
    if (r.nrows > (size_t)limit)
        *next = (*items)[limit - 1].id;
    return 0;
}

int pay_cancel(struct db *db, const struct wxpay_client *wx, struct arena *a,
               const struct principal *who, int64_t id, struct payment *out, struct err *e)
{
    enum settled s;

    if (read_payment(db, a, who, id, out, NULL, e) < 0)
        return -1;
    if (strcmp(out->status, "closed") == 0)
        return 0;
    if (strcmp(out->status, "pending") != 0)
        return err_set(e, E_PAYMENT_NOT_PENDING);
    if (!wx)
        return err_set(e, E_PAYMENT_UNAVAILABLE);
    if (settle(db, wx, who, id, out->out_trade_no, "cancelled", &s, e) < 0 ||
        read_payment(db, a, who, id, out, NULL, e) < 0)
        return -1;
    if (strcmp(out->status, "paid") == 0)
        return err_set(e, E_PAYMENT_NOT_PENDING);
    return 0;
}

/* ---- notifications -------------------------------------------------------------------- */

int pay_notice(struct db *db, const struct wxpay_client *wx, const struct wxpay_notice_in *in,
               enum pay_notice_outcome *out, struct err *e)
{
    struct wxpay_notice nt;
    struct err e2 = {0};

    *out = PAY_NOTICE_MISMATCH;
    if (!wx) /* nothing to verify with: let WeChat Pay retry once we are */
        return err_internal(e);
    if (wxpay_notice_open(wx, in, (int64_t)time(NULL), &nt, e) < 0) {
        /* Signed by WeChat Pay yet not readable: our APIv3 key is wrong.
         * Recorded for the office; 500, so the retries apply it once the
         * key is fixed. */
        if (err_is(e, E_WXPAY_DECRYPT_FAILED))
            event_record(db,
                         &(struct event){"notify", nt.id, "undecryptable", true, 0, NULL, -1,
                                         "无法解密，请检查 APIv3 密钥"},
                         &e2);
        return -1;
    }
    return apply_success(db, wx, &nt.txn, "notify", nt.id, out, e);
}
