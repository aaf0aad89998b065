/* staff_accounts.c — the desk's prepayment and deposit accounts (PAY-3,
 * PAY-4): money in, used on bills, and the history. Refunds are approvals
 * (staff_approvals.c). Scope and every rule are lib/accounts.c's. */
#include <stdio.h>
#include <string.h>

#include "accounts.h"
#include "core/json.h"
#include "db/db.h"
#include "render.h"
#include "server.h"

/* Each kind is a route row of its own (the router matches {id} segments
 * only): the path says which. */
static const char *kind_of(const struct req *r)
{
    return strstr(r->path, "/accounts/deposit") ? "deposit" : "prepay";
}

/* The receipt (its id as a collection names it), what was used on bills
 * and the balance left. */
static cJSON *receipt_answer(int64_t receipt_id, const char *receipt_no, int64_t offset_fen,
                             int64_t balance_fen)
{
    cJSON *o = cJSON_CreateObject();

    json_add_int(o, "id", receipt_id);
    cJSON_AddStringToObject(o, "receipt_no", receipt_no);
    json_add_int(o, "offset_fen", offset_fen);
    json_add_int(o, "balance_fen", balance_fen);
    return o;
}

/* POST …/accounts/prepay and …/accounts/deposit */
int h_staff_account_collect(struct req *r, struct err *e)
{
    struct account_in in = {.resource_id = r->params[0], .kind = kind_of(r)};
    struct account_out out;

    if (json_get_str(r->in, "method", true, 1, 16, &in.method, e) < 0 ||
        json_get_int(r->in, "amount_fen", true, 1, MONEY_MAX_FEN, &in.amount_fen, NULL, e) < 0 ||
        json_get_line(r->in, "note", false, 0, 200, &in.note, e) < 0 ||
        json_get_line(r->in, "purpose", false, 1, 32, &in.purpose, e) < 0 ||
        account_collect(db_thread(), &r->arena, &r->who, &in, &out, e) < 0)
        return -1;
    return reply_json(
        r, 201, receipt_answer(out.receipt_id, out.receipt_no, out.offset_fen, out.balance_fen));
}

/* POST …/accounts/prepay/offset and …/accounts/deposit/offset */
int h_staff_account_offset(struct req *r, struct err *e)
{
    int64_t *ids;
    struct account_offset_out out;
    size_t n;
    cJSON *o;

    if (json_get_ids(r->in, "bill_ids", true, BILLS_CHOICE_MAX, INT64_C(999999999999999), &r->arena,
                     &ids, &n, NULL, e) < 0 ||
        account_offset(db_thread(), &r->arena, &r->who, r->params[0], kind_of(r), ids, n, &out, e) <
            0)
        return -1;
    o = receipt_answer(out.receipt_id, out.receipt_no, out.offset_fen, out.balance_fen);
    render_applied(o, out.applied_bill, out.applied_fen, out.napplied);
    return reply_json(r, 201, o);
}

static cJSON *render_entry(const struct account_entry *x)
{
    cJSON *o = cJSON_CreateObject();

    json_add_int(o, "id", x->id);
    json_add_int(o, "delta_fen", x->delta_fen);
    cJSON_AddStringToObject(o, "reason", x->reason);
    json_add_str_or_null(o, "purpose", x->purpose);
    json_add_id_or_null(o, "receipt_id", x->receipt_id);
    json_add_str_or_null(o, "receipt_no", x->receipt_no);
    json_add_id_or_null(o, "bill_id", x->bill_id);
    json_add_id_or_null(o, "approval_id", x->approval_id);
    cJSON_AddStringToObject(o, "note", x->note);
    render_add_staff(o, "staff", x->staff_id, x->staff_name);
    cJSON_AddStringToObject(o, "created_at", x->created_at);
    return o;
}

/* GET …/accounts?kind=&limit=&cursor= — a cursor pages one kind's entries. */
int h_staff_accounts(struct req *r, struct err *e)
{
    struct account_view v[2];
    struct page pg;
    const char *kind;
    size_t n;
    cJSON *doc, *accounts;

    if (req_page(r, &pg, e) < 0 || req_query_str(r, "kind", 16, &kind, e) < 0)
        return -1;
    if (pg.after && !kind)
        return err_bad_request(e, "翻页时须指定 kind（prepay 或 deposit）");
    if (account_history(db_thread(), &r->arena, &r->who, r->params[0], kind, pg.after, pg.limit, v,
                        &n, e) < 0)
        return -1;
    doc = cJSON_CreateObject();
    json_add_int(doc, "resource_id", r->params[0]);
    accounts = cJSON_AddArrayToObject(doc, "accounts");
    for (size_t k = 0; k < n; k++) {
        cJSON *a = cJSON_CreateObject(), *entries;
        char cur[24];
        cJSON_AddStringToObject(a, "kind", v[k].kind);
        json_add_int(a, "balance_fen", v[k].balance_fen);
        entries = cJSON_AddArrayToObject(a, "entries");
        for (size_t i = 0; i < v[k].n; i++)
            cJSON_AddItemToArray(entries, render_entry(&v[k].entries[i]));
        if (v[k].next_before) {
            snprintf(cur, sizeof(cur), "%lld", (long long)v[k].next_before);
            cJSON_AddStringToObject(a, "next_cursor", cur);
        } else {
            cJSON_AddNullToObject(a, "next_cursor");
        }
        cJSON_AddItemToArray(accounts, a);
    }
    return reply_json(r, 200, doc);
}
