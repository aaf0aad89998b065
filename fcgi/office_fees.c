/* office_fees.c — the office console's fee items and rate plans (FEE-1,
 * FEE-2). Admin role; scope and every rule are the domain's (lib/fees.c). */
#include <string.h>

#include "core/json.h"
#include "db/db.h"
#include "fees.h"
#include "server.h"

/* An optional integer member that may also be null: *is_null tells which. */
static int get_int_or_null(const cJSON *in, const char *name, int64_t min, int64_t max,
                           int64_t *out, bool *present, bool *is_null, struct err *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, name);

    *is_null = v && cJSON_IsNull(v);
    if (*is_null) {
        *present = true;
        return 0;
    }
    return json_get_int(in, name, false, min, max, out, present, e);
}

static int get_item(const cJSON *in, bool create, struct fee_item_in *x, struct err *e)
{
    memset(x, 0, sizeof(*x));
    if (json_get_line(in, "code", create, 1, 32, &x->code, e) < 0 ||
        json_get_line(in, "name", create, 1, 64, &x->name, e) < 0 ||
        json_get_str(in, "cycle", create, 1, 16, &x->cycle, e) < 0 ||
        json_get_str(in, "method", create, 1, 16, &x->method, e) < 0 ||
        json_get_str(in, "rounding", false, 1, 16, &x->rounding, e) < 0 ||
        json_get_int(in, "due_day_of_cycle", false, 1, FEE_DUE_DAY_MAX, &x->due_day,
                     &x->has_due_day, e) < 0 ||
        json_get_int(in, "usage_per_unit", false, 1, FEE_USAGE_PER_UNIT_MAX, &x->usage_per_unit,
                     &x->has_usage_per_unit, e) < 0 ||
        get_int_or_null(in, "late_fee_daily_bp", 0, FEE_LATE_BP_MAX, &x->late_bp, &x->has_late_bp,
                        &x->late_bp_null, e) < 0 ||
        json_get_int(in, "late_fee_grace_days", false, 0, FEE_GRACE_DAYS_MAX, &x->grace,
                     &x->has_grace, e) < 0 ||
        json_get_str(in, "late_fee_cap", false, 1, 16, &x->late_fee_cap, e) < 0 ||
        get_int_or_null(in, "late_fee_cap_fen", 0, MONEY_MAX_FEN, &x->cap_fen, &x->has_cap_fen,
                        &x->cap_fen_null, e) < 0)
        return -1;
    /* absent or null: unchanged (the PATCH convention) */
    if (cJSON_GetObjectItemCaseSensitive(in, "active") &&
        !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(in, "active"))) {
        if (json_get_bool(in, "active", true, &x->active, e) < 0)
            return -1;
        x->has_active = true;
    }
    return 0;
}

int h_office_fee_item_create(struct req *r, struct err *e)
{
    struct fee_item_in x;
    int64_t id;

    if (get_item(r->in, true, &x, e) < 0 ||
        fee_item_create(db_thread(), &r->who, r->params[0], &x, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

int h_office_fee_item_update(struct req *r, struct err *e)
{
    struct fee_item_in x;

    if (get_item(r->in, false, &x, e) < 0 ||
        fee_item_update(db_thread(), &r->who, r->params[0], &x, e) < 0)
        return -1;
    return reply_ok(r);
}

static void add_null_or_int(cJSON *o, const char *name, bool is_null, int64_t v)
{
    if (is_null)
        cJSON_AddNullToObject(o, name);
    else
        json_add_int(o, name, v);
}

static void add_null_or_str(cJSON *o, const char *name, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

static cJSON *render_rate(const struct fee_rate *x)
{
    cJSON *o = cJSON_CreateObject();
    char day[11];

    json_add_int(o, "id", x->id);
    json_add_int(o, "rate", x->rate);
    add_null_or_int(o, "building_id", !x->building_id, x->building_id);
    add_null_or_str(o, "resource_kind", x->resource_kind);
    add_null_or_str(o, "customer_group", x->customer_group);
    fee_date_text(x->valid_from, day);
    cJSON_AddStringToObject(o, "valid_from", day);
    if (x->valid_to == FEE_OPEN_END) {
        cJSON_AddNullToObject(o, "valid_to");
    } else {
        fee_date_text(x->valid_to, day);
        cJSON_AddStringToObject(o, "valid_to", day);
    }
    return o;
}

int h_office_fee_items(struct req *r, struct err *e)
{
    struct fee_item_row *rows;
    struct page pg;
    size_t n;
    int64_t next;
    cJSON *items;

    if (req_page(r, &pg, e) < 0 || fee_item_list(db_thread(), &r->arena, &r->who, r->params[0],
                                                 pg.after, pg.limit, &rows, &n, &next, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        const struct fee_item *it = &rows[i].item;
        cJSON *o = cJSON_CreateObject(), *rates;
        json_add_int(o, "id", it->id);
        json_add_int(o, "project_id", it->project_id);
        cJSON_AddStringToObject(o, "code", it->code);
        cJSON_AddStringToObject(o, "name", it->name);
        cJSON_AddStringToObject(o, "cycle", fee_cycle_name(it->cycle));
        cJSON_AddStringToObject(o, "method", fee_method_name(it->method));
        cJSON_AddStringToObject(o, "rounding", money_round_name(it->rounding));
        json_add_int(o, "due_day_of_cycle", it->due_day_of_cycle);
        json_add_int(o, "usage_per_unit", it->usage_per_unit);
        add_null_or_int(o, "late_fee_daily_bp", !it->has_late_fee, it->late_fee_daily_bp);
        json_add_int(o, "late_fee_grace_days", it->late_fee_grace_days);
        cJSON_AddStringToObject(o, "late_fee_cap", fee_cap_name(it->late_fee_cap));
        add_null_or_int(o, "late_fee_cap_fen", it->late_fee_cap != FEE_CAP_FIXED,
                        it->late_fee_cap_fen);
        cJSON_AddBoolToObject(o, "active", it->active);
        cJSON_AddStringToObject(o, "rate_scale", fee_rate_scale(it->method));
        rates = cJSON_AddArrayToObject(o, "rates");
        for (size_t j = 0; j < rows[i].nrates; j++)
            cJSON_AddItemToArray(rates, render_rate(&rows[i].rates[j]));
        cJSON_AddItemToArray(items, o);
    }
    return reply_list(r, items, next);
}

int h_office_fee_rate_add(struct req *r, struct err *e)
{
    struct fee_rate_in x = {0};
    int64_t id;

    if (json_get_int(r->in, "rate", true, 0, FEE_RATE_MAX, &x.rate, NULL, e) < 0 ||
        json_get_int(r->in, "building_id", false, 1, INT32_MAX, &x.building_id, NULL, e) < 0 ||
        json_get_str(r->in, "resource_kind", false, 1, 16, &x.resource_kind, e) < 0 ||
        json_get_line(r->in, "customer_group", false, 1, 32, &x.customer_group, e) < 0 ||
        json_get_str(r->in, "valid_from", true, 10, 10, &x.valid_from, e) < 0 ||
        json_get_str(r->in, "valid_to", false, 10, 10, &x.valid_to, e) < 0 ||
        fee_rate_add(db_thread(), &r->who, r->params[0], &x, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

int h_office_fee_rate_end(struct req *r, struct err *e)
{
    const char *valid_to;

    if (json_get_str(r->in, "valid_to", true, 10, 10, &valid_to, e) < 0 ||
        fee_rate_end(db_thread(), &r->who, r->params[0], valid_to, e) < 0)
        return -1;
    return reply_ok(r);
}
