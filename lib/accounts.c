/* accounts.c — see accounts.h; docs/books.md has the rules with examples. */
#include "accounts.h"

#include <string.h>

#include "audit.h"
#include "core/money.h"
#include "core/util.h"

/* ---- The SQL of this module ---------------------------------------------------------- */

DB_SQL(sql_resource_project, "SELECT project_id FROM resources WHERE id = ?");
DB_SQL(sql_balances, "SELECT kind, balance_fen FROM accounts WHERE resource_id = ?");
DB_SQL(sql_entries,
       "SELECT e.id, e.delta_fen, e.reason, e.purpose, e.receipt_id, r.receipt_no, e.bill_id, "
       "e.approval_id, e.note, e.staff_id, s.name, e.created_at FROM account_entries e "
       "JOIN accounts a ON a.id = e.account_id LEFT JOIN receipts r ON r.id = e.receipt_id "
       "LEFT JOIN staff s ON s.id = e.staff_id WHERE a.resource_id = ? AND a.kind = ? "
       "AND (? = 0 OR e.id < ?) ORDER BY e.id DESC LIMIT ?");

int account_kind_check(const char *kind, struct err *e)
{
    if (!kind || (strcmp(kind, "prepay") != 0 && strcmp(kind, "deposit") != 0))
        return err_bad_request(e, "账户只能是 prepay 或 deposit");
    return 0;
}

static int audit_receipt(struct db *db, struct arena *a, const struct principal *who,
                         const char *action, int64_t receipt_id, struct err *e)
{
    return bills_audit_tx(
        db, a,
        &(struct audit_entry){
            .who = who, .action = action, .entity = "receipt", .entity_id = receipt_id},
        e);
}

/* ---- money in ------------------------------------------------------------------------ */

struct collect_op {
    struct arena *a;
    const struct principal *who;
    const struct account_in *in;
    enum pay_method method;
    struct account_out *out;
};

static int collect_tx(struct db *db, void *arg, struct err *e)
{
    struct collect_op *op = arg;
    const struct account_in *in = op->in;
    struct account_out *out = op->out;
    bool prepay = strcmp(in->kind, "prepay") == 0;
    int64_t project_id, account_id, balance;
    struct bill *bills;
    size_t nbills;

    memset(out, 0, sizeof(*out));
    /* the order of bills.h: the account, the bills a top-up then pays
     * (locked before the receipt counter, which is taken last) */
    if (bills_resource_scope_tx(db, op->who, in->resource_id, &project_id, e) < 0 ||
        account_lock_tx(db, project_id, in->resource_id, in->kind, &account_id, &balance, e) < 0 ||
        (prepay && bills_lock_resource(db, op->a, in->resource_id, &bills, &nbills, e) < 0) ||
        receipt_issue_tx(db,
                         &(struct receipt_in){.project_id = project_id,
                                              .resource_id = in->resource_id,
                                              .method = op->method,
                                              .purpose = in->kind,
                                              .amount_fen = in->amount_fen,
                                              /* a top-up goes to the prepayment whole */
                                              .to_prepay_fen = prepay ? in->amount_fen : 0,
                                              .cashier_id = op->who->id,
                                              .note = in->note},
                         &out->receipt_id, out->receipt_no, e) < 0 ||
        account_move_tx(db,
                        &(struct account_move){.project_id = project_id,
                                               .resource_id = in->resource_id,
                                               .kind = in->kind,
                                               .reason = "collect",
                                               .delta_fen = in->amount_fen,
                                               .receipt_id = out->receipt_id,
                                               .staff_id = op->who->id,
                                               .note = in->note,
                                               .purpose = in->purpose},
                        &out->balance_fen, e) < 0 ||
        audit_receipt(db, op->a, op->who, prepay ? "collect_prepay" : "collect_deposit",
                      out->receipt_id, e) < 0)
        return -1;
    if (prepay &&
        bills_offset_tx(db, op->a, op->who, project_id, in->resource_id, &out->offset_fen, e) < 0)
        return -1;
    out->balance_fen -= out->offset_fen;
    return 0;
}

int account_collect(struct db *db, struct arena *a, const struct principal *who,
                    const struct account_in *in, struct account_out *out, struct err *e)
{
    struct collect_op op = {a, who, in, PAY_CASH, out};

    if (account_kind_check(in->kind, e) < 0)
        return -1;
    if (!in->method || pay_method_desk(in->method, &op.method) < 0)
        return err_bad_request(e, "method 只能是 cash、card、wechat、alipay 或 transfer");
    if (in->amount_fen <= 0 || in->amount_fen > MONEY_MAX_FEN)
        return err_bad_request(e, "amount_fen 须为正整数（分）");
    if (strcmp(in->kind, "deposit") == 0 && (!in->purpose || !in->purpose[0]))
        return err_bad_request(e, "缺少字段：purpose");
    if (strcmp(in->kind, "prepay") == 0 && in->purpose)
        return err_bad_request(e, "只有押金才有 purpose");
    return db_tx(db, collect_tx, &op, e);
}

/* ---- money used on bills ------------------------------------------------------------- */

struct offset_op {
    struct arena *a;
    const struct principal *who;
    int64_t resource_id;
    const char *kind;
    const int64_t *ids;
    size_t n;
    struct account_offset_out *out;
};

static int offset_tx(struct db *db, void *arg, struct err *e)
{
    struct offset_op *op = arg;
    struct account_offset_out *out = op->out;
    bool prepay = strcmp(op->kind, "prepay") == 0;
    struct bill *chosen;
    int64_t project_id, account_id, balance, total, use, *due, *pay, rest;

    memset(out, 0, sizeof(*out));
    /* the account, then the bills (bills.h) */
    if (bills_resource_scope_tx(db, op->who, op->resource_id, &project_id, e) < 0 ||
        account_lock_tx(db, project_id, op->resource_id, op->kind, &account_id, &balance, e) < 0 ||
        bills_choose_tx(db, op->a, op->resource_id, op->ids, op->n, &chosen, &total, e) < 0)
        return -1;
    if (balance == 0)
        return err_setf(e, E_INSUFFICIENT_BALANCE, "%s账户没有余额", prepay ? "预存" : "押金");
    use = balance < total ? balance : total;
    due = arena_alloc(op->a, op->n * sizeof(*due));
    pay = arena_alloc(op->a, op->n * sizeof(*pay));
    for (size_t i = 0; i < op->n; i++)
        due[i] = chosen[i].due_fen;
    if (money_split_oldest_first(use, due, op->n, pay, &rest) < 0 || rest != 0)
        return err_internal(e);
    if (receipt_issue_tx(db,
                         &(struct receipt_in){.project_id = project_id,
                                              .resource_id = op->resource_id,
                                              .method = prepay ? PAY_PREPAY : PAY_DEPOSIT,
                                              .purpose = "bills",
                                              .amount_fen = use,
                                              .cashier_id = op->who->id,
                                              .note = prepay ? "预存款抵扣" : "押金抵扣"},
                         &out->receipt_id, out->receipt_no, e) < 0 ||
        bills_apply_tx(db, out->receipt_id, chosen, pay, op->n, bills_today(), e) < 0 ||
        account_move_tx(db,
                        &(struct account_move){.project_id = project_id,
                                               .resource_id = op->resource_id,
                                               .kind = op->kind,
                                               .reason = "offset",
                                               .delta_fen = -use,
                                               .receipt_id = out->receipt_id,
                                               .staff_id = op->who->id},
                        &out->balance_fen, e) < 0 ||
        audit_receipt(db, op->a, op->who, prepay ? "prepay_offset" : "deposit_offset",
                      out->receipt_id, e) < 0)
        return -1;
    out->offset_fen = use;
    out->applied_bill = arena_alloc(op->a, op->n * sizeof(int64_t));
    out->applied_fen = arena_alloc(op->a, op->n * sizeof(int64_t));
    for (size_t i = 0; i < op->n; i++)
        if (pay[i] > 0) {
            out->applied_bill[out->napplied] = chosen[i].id;
            out->applied_fen[out->napplied++] = pay[i];
        }
    return 0;
}

int account_offset(struct db *db, struct arena *a, const struct principal *who, int64_t resource_id,
                   const char *kind, const int64_t *bill_ids, size_t n,
                   struct account_offset_out *out, struct err *e)
{
    struct offset_op op = {a, who, resource_id, kind, bill_ids, n, out};

    if (account_kind_check(kind, e) < 0 || bills_check_ids(bill_ids, n, e) < 0)
        return -1;
    return db_tx(db, offset_tx, &op, e);
}

/* ---- history ------------------------------------------------------------------------- */

static void entry_from_row(const struct db_res *r, size_t i, struct account_entry *x)
{
    x->id = db_int(r, i, 0);
    x->delta_fen = db_int(r, i, 1);
    x->reason = db_text(r, i, 2);
    x->purpose = db_str(r, i, 3);
    x->receipt_id = db_int(r, i, 4);
    x->receipt_no = db_str(r, i, 5);
    x->bill_id = db_int(r, i, 6);
    x->approval_id = db_int(r, i, 7);
    x->note = db_text(r, i, 8);
    x->staff_id = db_int(r, i, 9);
    x->staff_name = db_str(r, i, 10);
    if (util_db_time_to_rfc3339(db_text(r, i, 11), x->created_at) < 0)
        x->created_at[0] = '\0';
}

int account_history(struct db *db, struct arena *a, const struct principal *who,
                    int64_t resource_id, const char *kind, int64_t before_id, int limit,
                    struct account_view out[2], size_t *n, struct err *e)
{
    static const char *const kinds[] = {"prepay", "deposit"};
    struct db_res r, b;
    int found;

    *n = 0;
    if (kind && account_kind_check(kind, e) < 0)
        return -1;
    found = db_one(db, a, &sql_resource_project, DB_ARGS(P_INT(resource_id)), &r, e);
    if (found < 0)
        return -1;
    if (!found || !auth_in_project(who, db_int(&r, 0, 0)))
        return err_not_found(e);
    if (db_query(db, a, &sql_balances, DB_ARGS(P_INT(resource_id)), &b, e) < 0)
        return -1;
    for (size_t k = 0; k < 2; k++) {
        struct account_view *v = &out[*n];
        size_t rows;

        if (kind && strcmp(kind, kinds[k]) != 0)
            continue;
        memset(v, 0, sizeof(*v));
        v->kind = kinds[k];
        for (size_t i = 0; i < b.nrows; i++)
            if (strcmp(db_text(&b, i, 0), kinds[k]) == 0)
                v->balance_fen = db_int(&b, i, 1);
        if (db_query(db, a, &sql_entries,
                     DB_ARGS(P_INT(resource_id), P_STR(kinds[k]), P_INT(before_id),
                             P_INT(before_id), P_INT(limit + 1)),
                     &r, e) < 0)
            return -1;
        rows = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
        v->entries = arena_alloc(a, (rows ? rows : 1) * sizeof(*v->entries));
        for (size_t i = 0; i < rows; i++)
            entry_from_row(&r, i, &v->entries[i]);
        v->n = rows;
        v->next_before = r.nrows > (size_t)limit ? v->entries[rows - 1].id : 0;
        (*n)++;
    }
    return 0;
}
