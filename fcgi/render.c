/* render.c — see render.h. */
#include "render.h"

#include <stdio.h>

#include "core/json.h"
#include "core/util.h"

static void add_common(cJSON *o, const struct resource *x)
{
    json_add_int(o, "id", x->id);
    cJSON_AddStringToObject(o, "project", x->project);
    json_add_int(o, "project_id", x->project_id);
    if (x->building)
        cJSON_AddStringToObject(o, "building", x->building);
    else
        cJSON_AddNullToObject(o, "building");
    if (x->unit)
        cJSON_AddStringToObject(o, "unit", x->unit);
    else
        cJSON_AddNullToObject(o, "unit");
    cJSON_AddStringToObject(o, "number", x->number);
    cJSON_AddStringToObject(o, "kind", x->kind);
    json_add_int(o, "area_m2x100", x->area_m2x100);
}

cJSON *render_resource_owner(const struct resource *x)
{
    cJSON *o = cJSON_CreateObject();

    add_common(o, x);
    cJSON_AddStringToObject(o, "relation", x->relation ? x->relation : "");
    return o;
}

cJSON *render_resource_staff(const struct resource *x)
{
    cJSON *o = cJSON_CreateObject();

    add_common(o, x);
    /* A parking space may have no building or unit: null, not 0. */
    if (x->building_id)
        json_add_int(o, "building_id", x->building_id);
    else
        cJSON_AddNullToObject(o, "building_id");
    if (x->unit_id)
        json_add_int(o, "unit_id", x->unit_id);
    else
        cJSON_AddNullToObject(o, "unit_id");
    cJSON_AddStringToObject(o, "code", x->code);
    if (x->has_floor)
        json_add_int(o, "floor", x->floor);
    else
        cJSON_AddNullToObject(o, "floor");
    json_add_int(o, "inner_area_m2x100", x->inner_area_m2x100);
    cJSON_AddStringToObject(o, "layout", x->layout);
    cJSON_AddStringToObject(o, "decoration", x->decoration);
    cJSON_AddStringToObject(o, "lease_status", x->lease_status);
    cJSON_AddStringToObject(o, "business_scope", x->business_scope);
    cJSON_AddStringToObject(o, "tenant_company", x->tenant_company);
    return o;
}

cJSON *render_job(const struct job *x)
{
    cJSON *doc = cJSON_CreateObject(), *o = cJSON_AddObjectToObject(doc, "job");
    cJSON *errors = cJSON_Parse(x->errors), *result = x->result ? cJSON_Parse(x->result) : NULL;

    json_add_int(o, "id", x->id);
    cJSON_AddStringToObject(o, "kind", x->kind);
    cJSON_AddStringToObject(o, "status", x->status);
    json_add_int(o, "done", x->done);
    json_add_int(o, "total", x->total);
    cJSON_AddItemToObject(o, "errors", errors ? errors : cJSON_CreateArray());
    cJSON_AddItemToObject(o, "result", result ? result : cJSON_CreateNull());
    return doc;
}

cJSON *render_import_errors(const struct import_report *rep)
{
    cJSON *errs = cJSON_CreateArray();

    for (size_t i = 0; i < rep->nerrors; i++) {
        cJSON *x = cJSON_CreateObject();
        json_add_int(x, "line", rep->errors[i].line);
        cJSON_AddStringToObject(x, "column", rep->errors[i].column ? rep->errors[i].column : "");
        cJSON_AddStringToObject(x, "message", rep->errors[i].message);
        cJSON_AddItemToArray(errs, x);
    }
    return errs;
}

cJSON *render_import_report(const struct import_report *rep, bool with_errors)
{
    cJSON *o = cJSON_CreateObject();

    json_add_int(o, "rows_total", rep->rows_total);
    json_add_int(o, "rows_ok", rep->rows_ok);
    json_add_int(o, "rows_failed", rep->rows_failed);
    json_add_int(o, "created_resources", rep->created_resources);
    json_add_int(o, "updated_resources", rep->updated_resources);
    json_add_int(o, "created_persons", rep->created_persons);
    json_add_int(o, "created_links", rep->created_links);
    json_add_int(o, "created_buildings", rep->created_buildings);
    json_add_int(o, "created_units", rep->created_units);
    if (with_errors)
        cJSON_AddItemToObject(o, "errors", render_import_errors(rep));
    return o;
}

cJSON *render_person_row(const struct person_row *x)
{
    cJSON *o = cJSON_CreateObject(), *res = cJSON_Parse(x->resources_json);

    json_add_int(o, "id", x->id);
    cJSON_AddStringToObject(o, "name", x->name);
    cJSON_AddStringToObject(o, "phone", x->phone);
    cJSON_AddStringToObject(o, "id_number_masked", x->id_number_masked);
    cJSON_AddStringToObject(o, "occupation", x->occupation);
    cJSON_AddItemToObject(o, "resources", res ? res : cJSON_CreateArray());
    return o;
}

static void add_custom(cJSON *arr, const struct custom_value *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "key", v[i].key);
        cJSON_AddStringToObject(c, "label", v[i].label);
        cJSON_AddStringToObject(c, "type", v[i].type);
        if (v[i].value)
            cJSON_AddStringToObject(c, "value", v[i].value);
        else
            cJSON_AddNullToObject(c, "value");
        cJSON_AddItemToArray(arr, c);
    }
}

cJSON *render_resource_detail(const struct resource_detail *d, bool owner_view)
{
    cJSON *o = owner_view ? render_resource_owner(&d->res) : render_resource_staff(&d->res);
    cJSON *occ = cJSON_AddArrayToObject(o, "occupants");
    cJSON *cf = cJSON_AddArrayToObject(o, "custom_fields");

    if (owner_view) {
        cJSON_AddStringToObject(o, "code", d->res.code);
        json_add_int(o, "inner_area_m2x100", d->res.inner_area_m2x100);
        cJSON_AddStringToObject(o, "layout", d->res.layout);
    }
    for (size_t i = 0; i < d->noccupants; i++) {
        const struct occupant *x = &d->occupants[i];
        cJSON *p = cJSON_CreateObject();
        char masked[12];

        json_add_int(p, "person_id", x->person_id);
        cJSON_AddStringToObject(p, "name", x->name);
        /* Household members see each other's numbers masked; staff see
         * what resources.c decided for their roles. */
        if (owner_view) {
            util_phone_mask(x->phone, masked);
            cJSON_AddStringToObject(p, "phone_masked", masked);
        } else {
            json_add_int(p, "link_id", x->link_id);
            cJSON_AddStringToObject(p, "phone", x->phone);
        }
        cJSON_AddStringToObject(p, "relation", x->relation);
        if (x->moved_in_on)
            cJSON_AddStringToObject(p, "moved_in_on", x->moved_in_on);
        else
            cJSON_AddNullToObject(p, "moved_in_on");
        if (!owner_view) {
            if (x->moved_out_on)
                cJSON_AddStringToObject(p, "moved_out_on", x->moved_out_on);
            else
                cJSON_AddNullToObject(p, "moved_out_on");
            cJSON_AddBoolToObject(p, "current", x->current);
        }
        add_custom(cJSON_AddArrayToObject(p, "custom_fields"), x->custom, x->ncustom);
        cJSON_AddItemToArray(occ, p);
    }
    add_custom(cf, d->custom, d->ncustom);
    return o;
}

/* name":value pairs of a bill, in API.md's order */
static void write_bill(struct buf *o, const struct bill *b)
{
    char day[11];

    buf_puts(o, "{\"id\":");
    json_write_int(o, b->id);
    buf_puts(o, ",\"resource_id\":");
    json_write_int(o, b->resource_id);
    buf_puts(o, ",\"fee_item\":{\"id\":");
    json_write_int(o, b->fee_item_id);
    buf_puts(o, ",\"name\":");
    json_write_str(o, b->fee_item_name);
    buf_puts(o, "},\"period\":");
    json_write_str(o, b->period);
    buf_puts(o, ",\"amount_fen\":");
    json_write_int(o, b->amount_fen);
    buf_puts(o, ",\"paid_fen\":");
    json_write_int(o, b->paid_fen);
    buf_puts(o, ",\"discount_fen\":");
    json_write_int(o, b->discount_fen);
    buf_puts(o, ",\"late_fee_fen\":");
    json_write_int(o, b->late_fee_fen);
    buf_puts(o, ",\"due_fen\":");
    json_write_int(o, b->due_fen);
    fee_date_text(b->due_date, day);
    buf_puts(o, ",\"due_date\":");
    json_write_str(o, day);
    buf_puts(o, ",\"status\":");
    json_write_str(o, bill_status_name(b->status));
    buf_puts(o, b->payable ? ",\"payable\":true" : ",\"payable\":false");
    buf_puts(o, ",\"source\":");
    json_write_str(o, b->source);
    /* a repair fee's ticket (TKT-4) */
    buf_puts(o, ",\"ticket_id\":");
    if (b->ticket_id)
        json_write_int(o, b->ticket_id);
    else
        buf_puts(o, "null");
    buf_puts(o, "}");
}

void render_bill_page(struct buf *o, const struct bill_page *pg, bool paged)
{
    buf_puts(o, "{\"items\":[");
    for (size_t i = 0; i < pg->n; i++) {
        if (i)
            buf_puts(o, ",");
        write_bill(o, &pg->items[i]);
    }
    buf_puts(o, "]");
    if (paged && pg->next_key)
        buf_printf(o, ",\"next_cursor\":\"%llu\"", (unsigned long long)pg->next_key);
    else if (paged)
        buf_puts(o, ",\"next_cursor\":null");
    buf_puts(o, "}");
}

void render_applied(cJSON *o, const int64_t *bill_ids, const int64_t *amount_fen, size_t n)
{
    cJSON *applied = cJSON_AddArrayToObject(o, "applied");

    for (size_t i = 0; i < n; i++) {
        cJSON *a = cJSON_CreateObject();
        json_add_int(a, "bill_id", bill_ids[i]);
        json_add_int(a, "amount_fen", amount_fen[i]);
        cJSON_AddItemToArray(applied, a);
    }
}

cJSON *render_collected(const struct collect_out *out)
{
    cJSON *doc = cJSON_CreateObject();

    json_add_int(doc, "id", out->receipt_id);
    cJSON_AddStringToObject(doc, "receipt_no", out->receipt_no);
    json_add_int(doc, "amount_fen", out->amount_fen);
    render_applied(doc, out->applied_bill, out->applied_fen, out->napplied);
    json_add_int(doc, "to_prepay_fen", out->to_prepay_fen);
    return doc;
}

cJSON *render_receivables(const struct receivables *x)
{
    cJSON *o = cJSON_CreateObject(), *recent;
    char at[26];

    json_add_int(o, "open_bills", x->open_bills);
    json_add_int(o, "due_fen", x->due_fen);
    json_add_int(o, "late_fee_fen", x->late_fee_fen);
    json_add_int(o, "prepay_fen", x->prepay_fen);
    json_add_int(o, "deposit_fen", x->deposit_fen);
    recent = cJSON_AddArrayToObject(o, "recent_payments");
    for (size_t i = 0; i < x->nrecent; i++) {
        const struct receipt_brief *b = &x->recent[i];
        cJSON *r = cJSON_CreateObject();
        json_add_int(r, "id", b->id);
        cJSON_AddStringToObject(r, "receipt_no", b->receipt_no);
        cJSON_AddStringToObject(r, "method", b->method);
        cJSON_AddStringToObject(r, "status", b->status);
        json_add_int(r, "amount_fen", b->amount_fen);
        if (util_db_time_to_rfc3339(b->created_at, at) == 0)
            cJSON_AddStringToObject(r, "created_at", at);
        cJSON_AddItemToArray(recent, r);
    }
    return o;
}

/* ---- approvals (§7.16) ----------------------------------------------------------------- */

/* "" (a time not set) as null too */
static void add_str_or_null(cJSON *o, const char *name, const char *v)
{
    json_add_str_or_null(o, name, v && v[0] ? v : NULL);
}

void render_add_staff(cJSON *o, const char *name, int64_t id, const char *who)
{
    cJSON *p;

    if (!id) {
        cJSON_AddNullToObject(o, name);
        return;
    }
    p = cJSON_AddObjectToObject(o, name);
    json_add_int(p, "id", id);
    add_str_or_null(p, "name", who);
}

cJSON *render_approval(const struct approval *x)
{
    cJSON *o = cJSON_CreateObject(), *steps;

    json_add_int(o, "id", x->id);
    json_add_int(o, "project_id", x->project_id);
    cJSON_AddStringToObject(o, "kind", approval_kind_name(x->kind));
    cJSON_AddStringToObject(o, "status", approval_status_name(x->status));
    json_add_int(o, "target_id", x->target_id);
    json_add_int(o, "resource_id", x->resource_id);
    json_add_int(o, "amount_fen", x->amount_fen);
    add_str_or_null(o, "method", x->method);
    add_str_or_null(o, "account_kind", x->account_kind);
    add_str_or_null(o, "receipt_no", x->receipt_no);
    cJSON_AddStringToObject(o, "reason", x->reason);
    render_add_staff(o, "requested_by", x->requested_by, x->requested_by_name);
    cJSON_AddStringToObject(o, "created_at", x->created_at);
    add_str_or_null(o, "decided_at", x->decided_at);
    add_str_or_null(o, "next_role",
                    x->status == APPROVAL_PENDING && x->next_step < x->nsteps
                        ? x->steps[x->next_step].role
                        : NULL);
    steps = cJSON_AddArrayToObject(o, "steps");
    for (size_t i = 0; i < x->nsteps; i++) {
        const struct approval_step *s = &x->steps[i];
        cJSON *it = cJSON_CreateObject();
        json_add_int(it, "step", s->step);
        cJSON_AddStringToObject(it, "role", s->role);
        cJSON_AddStringToObject(it, "status", s->status);
        render_add_staff(it, "decided_by", s->decided_by, s->decided_by_name);
        add_str_or_null(it, "decided_at", s->decided_at);
        if (s->decided_by)
            cJSON_AddStringToObject(it, "note", s->note ? s->note : "");
        else
            cJSON_AddNullToObject(it, "note");
        cJSON_AddItemToArray(steps, it);
    }
    return o;
}

cJSON *render_bill_run_exception(const struct billrun_exception *x)
{
    cJSON *o = cJSON_CreateObject();
    char period[8];

    billrun_period_text(x->period, period);
    json_add_int(o, "resource_id", x->resource_id);
    cJSON_AddStringToObject(o, "resource_code", x->resource_code);
    json_add_int(o, "fee_item_id", x->fee_item_id);
    cJSON_AddStringToObject(o, "period", period);
    cJSON_AddStringToObject(o, "reason", billrun_reason_name(x->reason));
    cJSON_AddStringToObject(o, "message", billrun_reason_message(x->reason));
    return o;
}
