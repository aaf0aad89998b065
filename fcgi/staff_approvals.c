/* staff_approvals.c — the staff app asks for what needs an approval
 * (FEE-5, FEE-6, PAY-2..4): a waiver of part of a bill, a bill's void, a
 * receipt's void, a refund of a prepayment or a deposit. Each answers 201
 * with the approval; nothing in the books changes until its last step is
 * approved (lib/approvals.h). */
#include <string.h>

#include "approvals.h"
#include "core/json.h"
#include "db/db.h"
#include "render.h"
#include "server.h"

static int ask(struct req *r, struct approval_in *in, struct err *e)
{
    struct approval x;

    in->target_id = r->params[0];
    if (json_get_line(r->in, "reason", true, 1, 200, &in->reason, e) < 0 ||
        approval_request(db_thread(), &r->arena, &g_cfg, &r->who, in, &x, e) < 0)
        return -1;
    return reply_json(r, 201, render_approval(&x));
}

int h_staff_bill_waiver(struct req *r, struct err *e)
{
    struct approval_in in = {.kind = APPROVAL_WAIVER};

    if (json_get_int(r->in, "amount_fen", true, 1, MONEY_MAX_FEN, &in.amount_fen, NULL, e) < 0)
        return -1;
    return ask(r, &in, e);
}

int h_staff_bill_void(struct req *r, struct err *e)
{
    struct approval_in in = {.kind = APPROVAL_BILL_VOID};

    return ask(r, &in, e);
}

int h_staff_receipt_void(struct req *r, struct err *e)
{
    struct approval_in in = {.kind = APPROVAL_RECEIPT_VOID};

    return ask(r, &in, e);
}

/* POST …/accounts/{prepay|deposit}/refund: one route row per kind (the
 * router matches {id} segments only), the path says which. */
int h_staff_account_refund(struct req *r, struct err *e)
{
    struct approval_in in = {.kind = APPROVAL_REFUND};

    in.account_kind = strstr(r->path, "/accounts/deposit/") ? "deposit" : "prepay";
    if (json_get_int(r->in, "amount_fen", true, 1, MONEY_MAX_FEN, &in.amount_fen, NULL, e) < 0 ||
        json_get_str(r->in, "method", true, 1, 16, &in.method, e) < 0)
        return -1;
    return ask(r, &in, e);
}
