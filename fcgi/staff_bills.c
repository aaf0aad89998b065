/*
 * staff_bills.c — the desk (PAY-2): a resource's bills, temporary bills and
 * collections. Roles are the route's; scope and every rule the domain's
 * (lib/bills.c), inside its transaction.
 */
#include "bills.h"
#include "core/json.h"
#include "db/db.h"
#include "render.h"
#include "server.h"

int h_staff_resource_bills(struct req *r, struct err *e)
{
    struct bill_page pg;
    struct buf text = BUF_INIT;
    struct page page = {0, 50};
    enum bill_filter f;
    const char *status;

    if (req_query_str(r, "status", 16, &status, e) < 0)
        return -1;
    if (bill_filter_from_name(status, &f) < 0)
        return err_bad_request(e, "status 须为 unpaid、paid 或 all");
    if ((f != BILLS_UNPAID && req_page(r, &page, e) < 0) ||
        bills_for_resource(db_thread(), &r->arena, &r->who, r->params[0], f, (uint64_t)page.after,
                           page.limit, &pg, e) < 0)
        return -1;
    render_bill_page(&text, &pg, f != BILLS_UNPAID);
    return reply_json_text(r, 200, &text);
}

int h_staff_bill_create(struct req *r, struct err *e)
{
    int64_t item, amount, id;
    const char *note;

    if (json_get_int(r->in, "fee_item_id", true, 1, INT32_MAX, &item, NULL, e) < 0 ||
        json_get_int(r->in, "amount_fen", true, 1, MONEY_MAX_FEN, &amount, NULL, e) < 0 ||
        json_get_line(r->in, "note", false, 0, 200, &note, e) < 0 ||
        bill_create_temporary(db_thread(), &r->who, r->params[0], item, amount, note, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

int h_staff_collection(struct req *r, struct err *e)
{
    struct collect_in in = {0};
    struct collect_out out;
    const char *method;
    int64_t *ids;

    if (json_get_int(r->in, "resource_id", true, 1, INT32_MAX, &in.resource_id, NULL, e) < 0 ||
        json_get_ids(r->in, "bill_ids", true, BILLS_CHOICE_MAX, INT64_C(999999999999999),
                     &r->arena, &ids, &in.nbills, NULL, e) < 0 ||
        json_get_str(r->in, "method", true, 1, 16, &method, e) < 0 ||
        json_get_int(r->in, "amount_fen", true, 1, MONEY_MAX_FEN, &in.amount_fen, NULL, e) < 0 ||
        json_get_bool(r->in, "to_prepay", false, &in.to_prepay, e) < 0 ||
        json_get_line(r->in, "payer_name", false, 0, 64, &in.payer_name, e) < 0 ||
        json_get_line(r->in, "note", false, 0, 200, &in.note, e) < 0)
        return -1;
    if (pay_method_desk(method, &in.method) < 0)
        return err_bad_request(e, "method 须为 cash、card、wechat、alipay 或 transfer");
    in.bill_ids = ids;
    if (bills_collect(db_thread(), &r->arena, &r->who, &in, &out, e) < 0)
        return -1;
    return reply_json(r, 201, render_collected(&out));
}
