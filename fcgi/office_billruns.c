/* office_billruns.c — the office console's bill runs (FEE-3) and discount
 * schemes (FEE-4): preview, start or schedule a run, follow and cancel
 * it; set up and switch schemes. Admin and manager roles; scope and every
 * rule are the domain's (lib/billrun.c, lib/discount_schemes.c). */
#include <string.h>

#include "billrun.h"
#include "core/json.h"
#include "core/util.h"
#include "db/db.h"
#include "discount_schemes.h"
#include "jobs.h"
#include "render.h"
#include "server.h"

/* ---- bill runs ------------------------------------------------------------------------ */

/* The body of a preview and of a run (run_at only for a run). */
static int get_run_in(struct req *r, bool with_run_at, struct billrun_in *in, struct err *e)
{
    int64_t *ids;

    memset(in, 0, sizeof(*in));
    if (json_get_ids(r->in, "fee_item_ids", true, BILLRUN_MAX_ITEMS, INT32_MAX, &r->arena, &ids,
                     &in->nitems, NULL, e) < 0 ||
        json_get_str(r->in, "period_from", true, 1, 16, &in->period_from, e) < 0 ||
        json_get_str(r->in, "period_to", true, 1, 16, &in->period_to, e) < 0 ||
        json_get_int(r->in, "building_id", false, 1, INT32_MAX, &in->building_id, NULL, e) < 0 ||
        (with_run_at && json_get_str(r->in, "run_at", false, 1, 40, &in->run_at, e) < 0))
        return -1;
    in->fee_item_ids = ids;
    return 0;
}

static void add_time(cJSON *o, const char *name, const char *db_utc)
{
    char t[26];

    if (db_utc && util_db_time_to_rfc3339(db_utc, t) == 0)
        cJSON_AddStringToObject(o, name, t);
    else
        cJSON_AddNullToObject(o, name);
}

static cJSON *render_run(const struct bill_run *x)
{
    cJSON *o = cJSON_CreateObject(), *ids = cJSON_AddArrayToObject(o, "fee_item_ids");

    json_add_int(o, "id", x->id);
    json_add_int(o, "project_id", x->project_id);
    for (size_t i = 0; i < x->nitems; i++)
        cJSON_AddItemToArray(ids, json_int(x->fee_item_ids[i]));
    cJSON_AddStringToObject(o, "period_from", x->period_from);
    cJSON_AddStringToObject(o, "period_to", x->period_to);
    json_add_id_or_null(o, "building_id", x->building_id);
    cJSON_AddStringToObject(o, "status", x->status);
    add_time(o, "run_at", x->run_at);
    json_add_id_or_null(o, "job_id", x->job_id);
    json_add_int(o, "attempts", x->attempts);
    json_add_int(o, "resources_done", x->resources_done);
    json_add_int(o, "resources_total", x->resources_total);
    json_add_int(o, "created", x->created);
    json_add_int(o, "existing", x->existing);
    json_add_int(o, "exceptions", x->exceptions);
    json_add_int(o, "total_fen", x->total_fen);
    json_add_int(o, "discount_fen", x->discount_fen);
    json_add_int(o, "notices", x->notices);
    json_add_int(o, "offset_fen", x->offset_fen);
    cJSON_AddStringToObject(o, "error", x->error);
    json_add_id_or_null(o, "created_by", x->created_by);
    add_time(o, "created_at", x->created_at);
    add_time(o, "started_at", x->started_at);
    add_time(o, "finished_at", x->finished_at);
    return o;
}

static void add_counts(cJSON *o, const struct billrun_count *c)
{
    json_add_int(o, "count", c->count);
    json_add_int(o, "total_fen", c->amount_fen); /* as the run's record names it */
    json_add_int(o, "discount_fen", c->discount_fen);
    json_add_int(o, "existing", c->existing);
    json_add_int(o, "exception_count", c->exceptions);
}

int h_office_bill_run_preview(struct req *r, struct err *e)
{
    struct billrun_in in;
    struct billrun_preview pv;
    cJSON *doc, *items, *exc;

    if (get_run_in(r, false, &in, e) < 0 ||
        billrun_preview(db_thread(), &r->arena, &r->who, r->params[0], &in, &pv, e) < 0)
        return -1;
    doc = cJSON_CreateObject();
    json_add_int(doc, "resources", pv.resources);
    add_counts(doc, &pv.all);
    items = cJSON_AddArrayToObject(doc, "items");
    for (size_t i = 0; i < pv.nitems; i++) {
        cJSON *o = cJSON_CreateObject();
        json_add_int(o, "fee_item_id", pv.items[i].fee_item_id);
        cJSON_AddStringToObject(o, "name", pv.items[i].name);
        json_add_int(o, "periods", pv.items[i].periods);
        add_counts(o, &pv.items[i].c);
        cJSON_AddItemToArray(items, o);
    }
    exc = cJSON_AddArrayToObject(doc, "exceptions");
    for (size_t i = 0; i < pv.nlisted; i++)
        cJSON_AddItemToArray(exc, render_bill_run_exception(&pv.exceptions[i]));
    return reply_json(r, 200, doc);
}

int h_office_bill_run_create(struct req *r, struct err *e)
{
    struct billrun_in in;
    struct bill_run run;
    struct job job;
    cJSON *doc;

    if (get_run_in(r, true, &in, e) < 0 ||
        billrun_create(db_thread(), &r->arena, &r->who, r->params[0], &in, &run, e) < 0)
        return -1;
    if (strcmp(run.status, "scheduled") == 0)
        return reply_json(r, 201, render_run(&run));
    if (job_get(db_thread(), &r->arena, &r->who, run.job_id, &job, e) < 0)
        return -1;
    doc = render_job(&job);
    json_add_int(doc, "run_id", run.id);
    return reply_json(r, 202, doc);
}

int h_office_bill_run(struct req *r, struct err *e)
{
    struct bill_run run;

    if (billrun_get(db_thread(), &r->arena, &r->who, r->params[0], &run, e) < 0)
        return -1;
    return reply_json(r, 200, render_run(&run));
}

int h_office_bill_runs(struct req *r, struct err *e)
{
    struct bill_run *runs;
    struct page pg;
    size_t n;
    int64_t next;
    cJSON *items;

    if (req_page(r, &pg, e) < 0 || billrun_list(db_thread(), &r->arena, &r->who, r->params[0],
                                                pg.after, pg.limit, &runs, &n, &next, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, render_run(&runs[i]));
    return reply_list(r, items, next);
}

int h_office_bill_run_cancel(struct req *r, struct err *e)
{
    if (billrun_cancel(db_thread(), &r->who, r->params[0], e) < 0)
        return -1;
    return reply_ok(r);
}

/* ---- discount schemes ----------------------------------------------------------------- */

int h_office_discount_scheme_create(struct req *r, struct err *e)
{
    struct discount_scheme_in in = {0};
    int64_t id;

    if (json_get_line(r->in, "name", true, 1, 64, &in.name, e) < 0 ||
        json_get_int(r->in, "fee_item_id", false, 1, INT32_MAX, &in.fee_item_id, NULL, e) < 0 ||
        json_get_line(r->in, "customer_group", false, 1, 32, &in.customer_group, e) < 0 ||
        json_get_int(r->in, "min_months", false, 1, DISCOUNT_MIN_MONTHS_MAX, &in.min_months, NULL,
                     e) < 0 ||
        json_get_int(r->in, "off_bp", false, 1, DISCOUNT_OFF_BP_MAX, &in.off_bp, NULL, e) < 0 ||
        json_get_int(r->in, "off_fen", false, 1, MONEY_MAX_FEN, &in.off_fen, NULL, e) < 0 ||
        json_get_str(r->in, "valid_from", true, 10, 10, &in.valid_from, e) < 0 ||
        json_get_str(r->in, "valid_to", false, 10, 10, &in.valid_to, e) < 0 ||
        discount_scheme_create(db_thread(), &r->who, r->params[0], &in, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

int h_office_discount_schemes(struct req *r, struct err *e)
{
    struct discount_scheme *v;
    struct page pg;
    size_t n;
    int64_t next;
    cJSON *items;

    if (req_page(r, &pg, e) < 0 ||
        discount_scheme_list(db_thread(), &r->arena, &r->who, r->params[0], pg.after, pg.limit, &v,
                             &n, &next, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        char day[11];
        json_add_int(o, "id", v[i].id);
        json_add_int(o, "project_id", v[i].project_id);
        cJSON_AddStringToObject(o, "name", v[i].name);
        json_add_id_or_null(o, "fee_item_id", v[i].fee_item_id);
        json_add_str_or_null(o, "customer_group", v[i].customer_group);
        json_add_id_or_null(o, "min_months", v[i].min_months);
        json_add_id_or_null(o, "off_bp", v[i].off_bp);
        json_add_id_or_null(o, "off_fen", v[i].off_fen);
        fee_date_text(v[i].valid_from, day);
        cJSON_AddStringToObject(o, "valid_from", day);
        if (v[i].valid_to != FEE_OPEN_END)
            fee_date_text(v[i].valid_to, day);
        json_add_str_or_null(o, "valid_to", v[i].valid_to == FEE_OPEN_END ? NULL : day);
        cJSON_AddBoolToObject(o, "active", v[i].active);
        add_time(o, "created_at", v[i].created_at);
        cJSON_AddItemToArray(items, o);
    }
    return reply_list(r, items, next);
}

int h_office_discount_scheme_update(struct req *r, struct err *e)
{
    struct discount_scheme_patch in = {0};
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(r->in, "valid_to");

    if (cJSON_GetObjectItemCaseSensitive(r->in, "active")) {
        if (json_get_bool(r->in, "active", true, &in.active, e) < 0)
            return -1;
        in.has_active = true;
    }
    /* valid_to null: open again (until further notice) */
    if (to) {
        in.has_valid_to = true;
        if (!cJSON_IsNull(to) && json_get_str(r->in, "valid_to", true, 10, 10, &in.valid_to, e) < 0)
            return -1;
    }
    if (discount_scheme_update(db_thread(), &r->who, r->params[0], &in, e) < 0)
        return -1;
    return reply_ok(r);
}
