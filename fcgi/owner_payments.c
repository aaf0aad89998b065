/*
 * owner_payments.c — the owner's online payments (PAY-1; API.md "Owner"):
 * create one for chosen bills (the arguments of wx.requestPayment in the
 * answer), see one, list them, give a pending one up. Every rule, scope
 * and the talk with WeChat Pay are the domain's (lib/payments.c).
 */
#include "core/json.h"
#include "core/util.h"
#include "db/db.h"
#include "payments.h"
#include "server.h"

static void add_time(cJSON *o, const char *name, const char *db_utc)
{
    char at[26];

    if (db_utc && util_db_time_to_rfc3339(db_utc, at) == 0)
        cJSON_AddStringToObject(o, name, at);
    else
        cJSON_AddNullToObject(o, name);
}

/* A payment as API.md shows it: the list's item, or with detail its
 * bills and receipt too. */
static cJSON *render_payment(const struct payment *p, bool detail)
{
    cJSON *o = cJSON_CreateObject(), *bills, *nos;

    json_add_int(o, "id", p->id);
    cJSON_AddStringToObject(o, "out_trade_no", p->out_trade_no);
    cJSON_AddStringToObject(o, "status", p->status);
    json_add_int(o, "total_fen", p->total_fen);
    add_time(o, "created_at", p->created_at);
    add_time(o, "paid_at", p->paid_at);
    add_time(o, "expires_at", p->expires_at);
    json_add_int(o, "bill_count", p->bill_count);
    if (!detail)
        return o;
    if (p->receipt_no)
        cJSON_AddStringToObject(o, "receipt_no", p->receipt_no);
    else
        cJSON_AddNullToObject(o, "receipt_no");
    nos = cJSON_AddArrayToObject(o, "receipt_nos");
    for (size_t i = 0; i < p->nreceipts; i++)
        cJSON_AddItemToArray(nos, cJSON_CreateString(p->receipt_nos[i]));
    bills = cJSON_AddArrayToObject(o, "bills");
    for (size_t i = 0; i < p->nbills; i++) {
        const struct payment_bill *b = &p->bills[i];
        cJSON *x = cJSON_CreateObject(), *item;
        json_add_int(x, "id", b->bill_id);
        json_add_int(x, "resource_id", b->resource_id);
        item = cJSON_AddObjectToObject(x, "fee_item");
        json_add_int(item, "id", b->fee_item_id);
        cJSON_AddStringToObject(item, "name", b->fee_item_name);
        cJSON_AddStringToObject(x, "period", b->period);
        json_add_int(x, "amount_fen", b->amount_fen);
        cJSON_AddItemToArray(bills, x);
    }
    return o;
}

int h_owner_payment_create(struct req *r, struct err *e)
{
    struct pay_created out;
    int64_t *ids;
    size_t n;
    char at[26];
    cJSON *doc, *pp;

    if (json_get_ids(r->in, "bill_ids", true, BILLS_CHOICE_MAX, INT64_C(999999999999999), &r->arena,
                     &ids, &n, NULL, e) < 0 ||
        pay_create(db_thread(), server_wxpay(), g_cfg.wxpay_order_ttl_s, &r->arena, &r->who, ids, n,
                   &out, e) < 0)
        return -1;
    doc = cJSON_CreateObject();
    json_add_int(doc, "id", out.id);
    cJSON_AddStringToObject(doc, "out_trade_no", out.out_trade_no);
    json_add_int(doc, "total_fen", out.total_fen);
    util_time_rfc3339((time_t)out.expires_at, at);
    cJSON_AddStringToObject(doc, "expires_at", at);
    pp = cJSON_AddObjectToObject(doc, "pay_params");
    cJSON_AddStringToObject(pp, "appId", out.params.app_id);
    cJSON_AddStringToObject(pp, "timeStamp", out.params.time_stamp);
    cJSON_AddStringToObject(pp, "nonceStr", out.params.nonce_str);
    cJSON_AddStringToObject(pp, "package", out.params.package);
    cJSON_AddStringToObject(pp, "signType", "RSA");
    cJSON_AddStringToObject(pp, "paySign", out.params.pay_sign);
    return reply_json(r, 201, doc);
}

int h_owner_payment(struct req *r, struct err *e)
{
    struct payment p;

    if (pay_get(db_thread(), server_wxpay(), &r->arena, &r->who, r->params[0], &p, e) < 0)
        return -1;
    return reply_json(r, 200, render_payment(&p, true));
}

int h_owner_payments(struct req *r, struct err *e)
{
    struct payment *v;
    struct page pg;
    size_t n;
    int64_t next;
    cJSON *items;

    if (req_page(r, &pg, e) < 0 ||
        pay_list(db_thread(), &r->arena, &r->who, pg.after, pg.limit, &v, &n, &next, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, render_payment(&v[i], false));
    return reply_list(r, items, next);
}

int h_owner_payment_cancel(struct req *r, struct err *e)
{
    struct payment p;

    if (pay_cancel(db_thread(), server_wxpay(), &r->arena, &r->who, r->params[0], &p, e) < 0)
        return -1;
    return reply_json(r, 200, render_payment(&p, true));
}
