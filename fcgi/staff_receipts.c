/*
 * staff_receipts.c — a receipt for the staff app (PAY-7, docs/api.md
 * §6.1): as JSON, and as the page to print (HTML, A5 or 80 mm). Scope and
 * the print count are the domain's (lib/receipts.c); the page's own
 * Content-Security-Policy (inline styles, nothing else) is nginx's.
 */
#include "core/buf.h"
#include "core/json.h"
#include "db/db.h"
#include "receipts.h"
#include "server.h"

static cJSON *render_receipt(const struct receipt_view *v)
{
    cJSON *o = cJSON_CreateObject(), *x, *lines;

    json_add_int(o, "id", v->id);
    cJSON_AddStringToObject(o, "receipt_no", v->receipt_no);
    x = cJSON_AddObjectToObject(o, "project");
    json_add_int(x, "id", v->project_id);
    cJSON_AddStringToObject(x, "name", v->project);
    x = cJSON_AddObjectToObject(o, "resource");
    json_add_int(x, "id", v->resource_id);
    cJSON_AddStringToObject(x, "code", v->resource_code);
    cJSON_AddStringToObject(x, "number", v->number);
    cJSON_AddStringToObject(o, "method", v->method);
    cJSON_AddStringToObject(o, "purpose", v->purpose);
    cJSON_AddStringToObject(o, "status", v->status);
    json_add_int(o, "amount_fen", v->amount_fen);
    json_add_int(o, "to_prepay_fen", v->to_prepay_fen);
    cJSON_AddStringToObject(o, "payer_name", v->payer_name);
    cJSON_AddStringToObject(o, "note", v->note);
    if (v->cashier_id) {
        x = cJSON_AddObjectToObject(o, "cashier");
        json_add_int(x, "id", v->cashier_id);
        cJSON_AddStringToObject(x, "name", v->cashier ? v->cashier : "");
    } else {
        cJSON_AddNullToObject(o, "cashier");
    }
    cJSON_AddStringToObject(o, "created_at", v->created_at);
    if (v->voided_at)
        cJSON_AddStringToObject(o, "voided_at", v->voided_at);
    else
        cJSON_AddNullToObject(o, "voided_at");
    json_add_int(o, "printed_count", v->printed_count);
    lines = cJSON_AddArrayToObject(o, "lines");
    for (size_t i = 0; i < v->nlines; i++) {
        const struct receipt_line *l = &v->lines[i];
        cJSON *y = cJSON_CreateObject(), *f = cJSON_AddObjectToObject(y, "fee_item");
        json_add_int(y, "bill_id", l->bill_id);
        json_add_int(f, "id", l->fee_item_id);
        cJSON_AddStringToObject(f, "name", l->fee_item);
        cJSON_AddStringToObject(y, "period", l->period);
        json_add_int(y, "amount_fen", l->amount_fen);
        json_add_int(y, "late_fee_fen", l->late_fen);
        cJSON_AddItemToArray(lines, y);
    }
    return o;
}

int h_staff_receipt(struct req *r, struct err *e)
{
    struct receipt_view v;

    if (receipt_get(db_thread(), &r->arena, &r->who, r->params[0], &v, e) < 0)
        return -1;
    return reply_json(r, 200, render_receipt(&v));
}

int h_staff_receipt_print(struct req *r, struct err *e)
{
    struct receipt_view v;
    enum receipt_paper paper = PAPER_A5;
    const char *format;
    struct buf page = BUF_INIT;
    int rc;

    if (req_query_str(r, "format", 16, &format, e) < 0)
        return -1;
    if (format && receipt_paper_from_name(format, &paper) < 0)
        return err_bad_request(e, "format 只能是 a5 或 thermal80");
    if (receipt_print(db_thread(), &r->arena, &r->who, r->params[0], &v, e) < 0)
        return -1;
    receipt_html(&v, format ? paper : v.paper, &page);
    rc = reply_raw(r, 200, "text/html; charset=utf-8", page.data, page.len, NULL);
    buf_free(&page);
    return rc;
}
