/*
 * staff_prepay.c — the desk's prepayment of future periods (FEE-4, PAY-2;
 * docs/api.md §6.3): the quote and the collection. Roles are the route's
 * (as POST /staff/collections); scope and every rule the domain's
 * (lib/prepay.c), inside its transaction.
 */
#include "core/json.h"
#include "db/db.h"
#include "prepay.h"
#include "render.h"
#include "server.h"

/* The quote's figures, as GET …/prepay-quote answers and the collection
 * repeats them. */
static void render_quote(cJSON *o, const struct prepay_quote *q)
{
    cJSON *item = cJSON_AddObjectToObject(o, "fee_item"), *lines, *blocked;

    json_add_int(o, "resource_id", q->resource_id);
    json_add_int(item, "id", q->fee_item_id);
    cJSON_AddStringToObject(item, "name", q->fee_item_name);
    cJSON_AddStringToObject(item, "cycle", fee_cycle_name(q->cycle));
    json_add_int(o, "months", q->months);
    cJSON_AddStringToObject(o, "period_from", q->period_from);
    cJSON_AddStringToObject(o, "period_to", q->period_to);
    lines = cJSON_AddArrayToObject(o, "periods");
    for (size_t i = 0; i < q->nlines; i++) {
        const struct prepay_line *l = &q->lines[i];
        cJSON *x = cJSON_CreateObject();
        char due[11];

        fee_date_text(l->due_day, due);
        cJSON_AddStringToObject(x, "period", l->period);
        cJSON_AddStringToObject(x, "due_date", due);
        json_add_int(x, "amount_fen", l->amount_fen);
        json_add_int(x, "discount_fen", l->discount_fen);
        json_add_int(x, "due_fen", l->due_fen);
        if (l->scheme_id) {
            cJSON *s = cJSON_AddObjectToObject(x, "scheme");
            json_add_int(s, "id", l->scheme_id);
            json_add_str_or_null(s, "name", l->scheme_name);
        } else {
            cJSON_AddNullToObject(x, "scheme");
        }
        if (l->bill_id)
            json_add_int(x, "bill_id", l->bill_id);
        cJSON_AddItemToArray(lines, x);
    }
    json_add_int(o, "amount_fen", q->amount_fen);
    json_add_int(o, "discount_fen", q->discount_fen);
    json_add_int(o, "due_fen", q->due_fen);
    blocked = cJSON_AddArrayToObject(o, "blocked_by");
    for (size_t i = 0; i < q->nblocked; i++)
        cJSON_AddItemToArray(blocked, json_int(q->blocked_by[i]));
}

int h_staff_prepay_quote(struct req *r, struct err *e)
{
    struct prepay_quote q;
    int64_t item = 0, months = 0;
    cJSON *doc;

    if (req_query_int(r, "fee_item_id", 1, INT32_MAX, &item, NULL, e) < 0 ||
        req_query_int(r, "months", 1, PREPAY_MAX_MONTHS, &months, NULL, e) < 0)
        return -1;
    if (!item || !months)
        return err_bad_request(e, "请指定 fee_item_id 和 months（1 到 36）");
    if (prepay_quote(db_thread(), &r->arena, &r->who, r->params[0], item, months, &q, e) < 0)
        return -1;
    doc = cJSON_CreateObject();
    render_quote(doc, &q);
    return reply_json(r, 200, doc);
}

int h_staff_prepay(struct req *r, struct err *e)
{
    struct prepay_in in = {.resource_id = r->params[0]};
    struct prepay_quote q;
    struct collect_out out;
    const char *method;
    cJSON *doc;

    if (json_get_int(r->in, "fee_item_id", true, 1, INT32_MAX, &in.fee_item_id, NULL, e) < 0 ||
        json_get_int(r->in, "months", true, 1, PREPAY_MAX_MONTHS, &in.months, NULL, e) < 0 ||
        json_get_str(r->in, "period_from", true, 7, 7, &in.period_from, e) < 0 ||
        json_get_str(r->in, "method", true, 1, 16, &method, e) < 0 ||
        json_get_int(r->in, "amount_fen", true, 1, MONEY_MAX_FEN, &in.amount_fen, NULL, e) < 0 ||
        json_get_line(r->in, "payer_name", false, 0, 64, &in.payer_name, e) < 0 ||
        json_get_line(r->in, "note", false, 0, 200, &in.note, e) < 0)
        return -1;
    if (pay_method_desk(method, &in.method) < 0)
        return err_bad_request(e, "method 须为 cash、card、wechat、alipay 或 transfer");
    if (prepay_collect(db_thread(), &r->arena, &r->who, &in, &q, &out, e) < 0)
        return -1;
    doc = render_collected(&out);
    render_quote(cJSON_AddObjectToObject(doc, "prepay"), &q);
    return reply_json(r, 201, doc);
}
