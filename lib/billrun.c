/*
 * billrun.c — bill runs (see billrun.h; docs/billing.md has the rules,
 * docs/performance.md the measurements behind the batch shape).
 *
 * The pure half (periods, one bill, one batch) is what the unit tests
 * call. The rest has three callers: the office's handlers (preview,
 * create, list, cancel), the jobs process (execute a run, queue the
 * scheduled ones that are due) and the operator tool (the demo's bills).
 *
 * Costs, for the bench's 1.2 million bills: a batch is a handful of round
 * trips whatever its size — lock the run, read its resources, lock their
 * accounts and bills, one bulk insert of the bills (db_exec_bulk), the
 * run's counts, the audit row — plus one statement each for discounts,
 * notices and offsets only when the batch has any.
 */
#include "billrun.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "bills.h"
#include "core/json.h"
#include "core/util.h"
#include "jobs.h"
#include "outbox.h"
#include "resources.h"

/* ---- periods ------------------------------------------------------------------------ */

int billrun_period_parse(const char *s, size_t n, int32_t *ym)
{
    int32_t y = 0, m;

    if (n != 7 || s[4] != '-')
        return -1;
    for (size_t i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return -1;
    for (size_t i = 0; i < 4; i++)
        y = y * 10 + (s[i] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    if (y < 1900 || y > 2199 || m < 1 || m > 12)
        return -1;
    *ym = y * 12 + m - 1;
    return 0;
}

void billrun_period_text(int32_t ym, char out[8])
{
    /* months of billrun_period_parse (years 1900..2199): fixed widths */
    unsigned y = (unsigned)ym / 12 % 10000, m = (unsigned)ym % 12 + 1;

    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '\0';
}

int32_t billrun_period_day(int32_t ym, int d)
{
    return money_days_from_civil(ym / 12, ym % 12 + 1, d);
}

int32_t billrun_month_of(int32_t day)
{
    char text[11];
    int32_t ym = 0;

    fee_date_text(day, text);
    billrun_period_parse(text, 7, &ym);
    return ym;
}

bool billrun_cycle_starts(enum fee_cycle c, int32_t ym)
{
    switch (c) {
    case FEE_MONTHLY:
        return true;
    case FEE_QUARTERLY:
        return ym % 3 == 0; /* January, April, July, October */
    case FEE_YEARLY:
        return ym % 12 == 0;
    case FEE_ONCE:
        return false;
    }
    return false;
}

/* ---- one bill, one batch ------------------------------------------------------------ */

static const char *const reason_names[] = {"no_area", "no_rate", "no_reading", "zero_amount",
                                           "overflow"};
static const char *const reason_messages[] = {
    "该资源没有此收费项目所需的面积",
    "没有适用于该资源的收费标准",
    "按用量计费的账单由抄表生成",
    "计算金额为 0，不出账",
    "金额超出上限",
};

const char *billrun_reason_name(enum billrun_reason r)
{
    return (unsigned)r <= BILLRUN_OVERFLOW ? reason_names[r] : NULL;
}

const char *billrun_reason_message(enum billrun_reason r)
{
    return (unsigned)r <= BILLRUN_OVERFLOW ? reason_messages[r] : NULL;
}

int billrun_compute(const struct billrun_plan *p, const struct fee_item_row *item,
                    const struct billrun_resource *r, int32_t ym, struct billrun_row *row,
                    enum billrun_reason *reason)
{
    const struct fee_item *it = &item->item;
    int32_t first = billrun_period_day(ym, 1);
    struct fee_target t = {r->building_id, r->kind, r->customer_group};
    struct fee_basis basis = {r->area_m2x100, r->inner_area_m2x100, 0, r->heads};
    const struct fee_rate *rate;
    int64_t fen;

    memset(row, 0, sizeof(*row));
    if (it->method == FEE_USAGE) {
        *reason = BILLRUN_NO_READING;
        return 1;
    }
    if ((it->method == FEE_BUILDING_AREA && r->area_m2x100 <= 0) ||
        (it->method == FEE_INNER_AREA && r->inner_area_m2x100 <= 0)) {
        *reason = BILLRUN_NO_AREA;
        return 1;
    }
    rate = fee_rate_pick(item->rates, item->nrates, &t, first);
    if (!rate) {
        *reason = BILLRUN_NO_RATE;
        return 1;
    }
    if (fee_amount(it, rate->rate, &basis, &fen) < 0 || fen > MONEY_MAX_FEN) {
        *reason = BILLRUN_OVERFLOW;
        return 1;
    }
    if (fen == 0) {
        *reason = BILLRUN_ZERO;
        return 1;
    }
    row->resource_id = r->id;
    row->fee_item_id = it->id;
    row->period = ym;
    row->due_day = billrun_period_day(ym, (int)it->due_day_of_cycle);
    row->amount_fen = fen;
    row->rate = rate->rate;
    row->has_quantity = it->method != FEE_FIXED;
    row->quantity = it->method == FEE_BUILDING_AREA ? r->area_m2x100
                    : it->method == FEE_INNER_AREA  ? r->inner_area_m2x100
                    : it->method == FEE_PER_HEAD    ? r->heads
                                                    : 0;
    return discount_best_months(p->schemes, p->nschemes, it->id, r->customer_group, first,
                                p->prepay_months, fen, it->rounding, &row->discount_fen,
                                &row->scheme_id) < 0
               ? -1
               : 0;
}

static int cmp_key(const void *pa, const void *pb)
{
    const struct billrun_key *a = pa, *b = pb;

    if (a->resource_id != b->resource_id)
        return a->resource_id < b->resource_id ? -1 : 1;
    if (a->fee_item_id != b->fee_item_id)
        return a->fee_item_id < b->fee_item_id ? -1 : 1;
    return (a->period > b->period) - (a->period < b->period);
}

static int count_add(struct billrun_count *c, const struct billrun_count *d)
{
    c->count += d->count;
    c->existing += d->existing;
    c->exceptions += d->exceptions;
    return money_add(c->amount_fen, d->amount_fen, &c->amount_fen) < 0 ||
                   money_add(c->discount_fen, d->discount_fen, &c->discount_fen) < 0
               ? -1
               : 0;
}

int billrun_batch_build(struct arena *a, const struct billrun_plan *p,
                        const struct billrun_resource *res, size_t n, struct billrun_key *existing,
                        size_t nexisting, struct billrun_batch *out)
{
    size_t cap = 0;
    int32_t months = p->to - p->from + 1;

    memset(out, 0, sizeof(*out));
    if (nexisting > 1)
        qsort(existing, nexisting, sizeof(*existing), cmp_key);
    for (size_t k = 0; k < p->nitems; k++)
        for (int32_t ym = p->from; ym <= p->to; ym++)
            cap += billrun_cycle_starts(p->items[k].item.cycle, ym);
    cap *= n;
    out->rows = arena_alloc(a, (cap ? cap : 1) * sizeof(*out->rows));
    out->exceptions = arena_alloc(a, (cap ? cap : 1) * sizeof(*out->exceptions));
    out->per_item = arena_alloc(a, (p->nitems ? p->nitems : 1) * sizeof(*out->per_item));
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < p->nitems; k++) {
            const struct fee_item_row *item = &p->items[k];
            struct billrun_count *c = &out->per_item[k];
            for (int32_t ym = p->from; months > 0 && ym <= p->to; ym++) {
                struct billrun_key key = {res[i].id, item->item.id, ym};
                struct billrun_row *row = &out->rows[out->nrows];
                enum billrun_reason why;
                int rc;

                if (!billrun_cycle_starts(item->item.cycle, ym))
                    continue;
                if (nexisting && bsearch(&key, existing, nexisting, sizeof(*existing), cmp_key)) {
                    c->existing++;
                    continue;
                }
                rc = billrun_compute(p, item, &res[i], ym, row, &why);
                if (rc < 0)
                    return -1;
                if (rc > 0) {
                    out->exceptions[out->nexceptions++] =
                        (struct billrun_exception){res[i].id, item->item.id, res[i].code, ym, why};
                    c->exceptions++;
                    continue;
                }
                out->nrows++;
                c->count++;
                if (money_add(c->amount_fen, row->amount_fen, &c->amount_fen) < 0 ||
                    money_add(c->discount_fen, row->discount_fen, &c->discount_fen) < 0)
                    return -1;
            }
        }
    for (size_t k = 0; k < p->nitems; k++)
        if (count_add(&out->all, &out->per_item[k]) < 0)
            return -1;
    return 0;
}

int billrun_batch_resources(const struct billrun_plan *p)
{
    int64_t per = 0, n;

    for (size_t k = 0; k < p->nitems; k++)
        for (int32_t ym = p->from; ym <= p->to; ym++)
            per += billrun_cycle_starts(p->items[k].item.cycle, ym);
    n = BILLRUN_BATCH_ROWS / (per > 0 ? per : 1);
    return (int)(n < 1 ? 1 : n > BILLRUN_BATCH_RESOURCES ? BILLRUN_BATCH_RESOURCES : n);
}

/* ---- The SQL of this module --------------------------------------------------------- */

DB_SQL(sql_building_project, "SELECT project_id FROM buildings WHERE id = ?");
DB_SQL(sql_scope_count, "SELECT COUNT(*) FROM resources WHERE project_id = ? "
                        "AND (? = 0 OR building_id = ?)");
/* A batch: the resources after the cursor, with what their bills are
 * computed from; the count of people living there only for per_head. */
#define RESOURCES(heads)                                                                           \
    "SELECT r.id, IFNULL(r.building_id, 0), r.code, "                                              \
    "CONCAT(IFNULL(b.name, ''), IFNULL(u.name, ''), r.number), r.kind, r.customer_group, "         \
    "r.area_m2x100, r.inner_area_m2x100, " heads " FROM resources r "                              \
    "LEFT JOIN buildings b ON b.id = r.building_id LEFT JOIN units u ON u.id = r.unit_id "         \
    "WHERE r.project_id = ? AND r.id > ? AND (? = 0 OR r.building_id = ?) ORDER BY r.id LIMIT ?"
DB_SQL(sql_resources, RESOURCES("0"));
DB_SQL(sql_resources_heads,
       RESOURCES("(SELECT COUNT(*) FROM person_resources pr WHERE pr.resource_id = r.id "
                 "AND " PR_CURRENT("pr") ")"));
#define EXISTING                                                                                   \
    "SELECT resource_id, fee_item_id, period FROM bills WHERE resource_id BETWEEN ? AND ? "        \
    "AND period BETWEEN ? AND ? AND cycle_key = 1"
DB_SQL(sql_existing, EXISTING);
/* Locked: what exists is then exactly what this batch will not make, and
 * no other run can make it meanwhile. */
DB_SQL(sql_existing_lock, EXISTING " FOR UPDATE");
/* The prepayment accounts before the bills: the lock order of
 * bills_collect() and bills_offset_tx(). */
DB_SQL(sql_accounts_lock, "SELECT resource_id FROM accounts WHERE resource_id BETWEEN ? AND ? "
                          "AND kind = 'prepay' AND balance_fen > 0 FOR UPDATE");
/* The bills of a batch, one bulk statement. What every bill of the run
 * shares (project, run, starter) is in session variables set just before,
 * so that each row binds only what differs: the server's work per bound
 * value is most of a bulk insert's cost beyond the insert itself
 * (docs/performance.md). A discount is set afterwards on the few bills
 * that have one. */
DB_SQL(sql_batch_vars, "SET @billrun_project = ?, @billrun_run = ?, @billrun_by = ?");
#define RUN_BILL_NCOLS 7
DB_SQL(sql_bills_bulk,
       "INSERT IGNORE INTO bills (project_id, resource_id, fee_item_id, period, cycle_key, source, "
       "amount_fen, due_date, rate, quantity, run_id, created_by) "
       "VALUES (@billrun_project, ?, ?, ?, 1, 'run', ?, ?, ?, ?, @billrun_run, @billrun_by)");
/* A bill discounted to nothing is settled: no payment could pay it. */
#define DISCOUNT_SET_NCOLS 6
DB_SQL(sql_discount_set,
       "UPDATE bills SET discount_fen = ?, status = IF(? = amount_fen, 'paid', status), "
       "paid_at = IF(? = amount_fen, UTC_TIMESTAMP(), paid_at) "
       "WHERE resource_id = ? AND fee_item_id = ? AND period = ? AND cycle_key = 1");
/* The discounted bills this batch made (the cursor: no earlier attempt of
 * the run committed any bill of these resources). */
DB_SQL(sql_discounted, "SELECT id, resource_id, fee_item_id, period FROM bills WHERE "
                       "resource_id BETWEEN ? AND ? AND run_id = ? AND discount_fen > 0");
#define DISCOUNT_NCOLS 3
DB_SQL(sql_discounts_bulk, "INSERT INTO bill_discounts (bill_id, kind, scheme_id, amount_fen) "
                           "VALUES (?, 'scheme', ?, ?)");
DB_SQL(sql_owners,
       "SELECT pr.resource_id, p.id, p.phone FROM person_resources pr "
       "JOIN persons p ON p.id = pr.person_id WHERE pr.resource_id BETWEEN ? AND ? "
       "AND pr.relation = 'owner' AND " PR_CURRENT("pr") " ORDER BY pr.resource_id, p.id");
DB_SQL(sql_run_insert,
       "INSERT INTO bill_runs (project_id, fee_items, period_from, period_to, building_id, status, "
       "run_at, created_by) VALUES (?, ?, ?, ?, ?, ?, IF(? = 0, NULL, FROM_UNIXTIME(?)), ?)");
DB_SQL(sql_run_set_job, "UPDATE bill_runs SET job_id = ?, status = 'queued' WHERE id = ?");
/* The run's items as "4,7": fee_items is the JSON array of ids that
 * create_tx() wrote, digits and commas inside its brackets. */
#define RUN_COLS                                                                                   \
    "r.id, r.project_id, REPLACE(REPLACE(REPLACE(r.fee_items, '[', ''), ']', ''), ' ', ''), "      \
    "r.period_from, r.period_to, IFNULL(r.building_id, 0), "                                       \
    "r.status, r.run_at, IFNULL(r.job_id, 0), j.status, r.created, r.existing, r.exceptions, "     \
    "r.total_fen, r.discount_fen, r.notices, r.offset_fen, r.resources_done, r.resources_total, "  \
    "r.cursor_resource_id, r.attempts, r.error, r.created_by, r.created_at, r.started_at, "        \
    "r.finished_at"
#define RUN_FROM " FROM bill_runs r LEFT JOIN jobs j ON j.id = r.job_id "
DB_SQL(sql_run_get, "SELECT " RUN_COLS RUN_FROM "WHERE r.id = ?");
DB_SQL(sql_run_list, "SELECT " RUN_COLS RUN_FROM "WHERE r.project_id = ? AND r.id > ? "
                     "ORDER BY r.id LIMIT ?");
DB_SQL(sql_run_lock, "SELECT status, cursor_resource_id, project_id FROM bill_runs "
                     "WHERE id = ? FOR UPDATE");
DB_SQL(sql_run_start, "UPDATE bill_runs SET status = 'running', attempts = attempts + 1, "
                      "started_at = COALESCE(started_at, UTC_TIMESTAMP()), resources_total = ? "
                      "WHERE id = ?");
DB_SQL(sql_run_batch,
       "UPDATE bill_runs SET cursor_resource_id = ?, resources_done = resources_done + ?, "
       "created = created + ?, existing = existing + ?, exceptions = exceptions + ?, "
       "total_fen = total_fen + ?, discount_fen = discount_fen + ?, notices = notices + ?, "
       "offset_fen = offset_fen + ? WHERE id = ?");
DB_SQL(sql_run_end, "UPDATE bill_runs SET status = ?, error = LEFT(?, 200), "
                    "finished_at = UTC_TIMESTAMP() WHERE id = ?");
DB_SQL(sql_due,
       "SELECT id, created_by FROM bill_runs WHERE status = 'scheduled' "
       "AND run_at <= UTC_TIMESTAMP() ORDER BY run_at, id LIMIT 20 FOR UPDATE SKIP LOCKED");
DB_SQL(sql_snap_run,
       "SELECT JSON_OBJECT('project_id', project_id, 'fee_items', JSON_EXTRACT(fee_items, '$'), "
       "'period_from', period_from, 'period_to', period_to, 'building_id', building_id, "
       "'status', status, 'run_at', run_at, 'job_id', job_id, 'attempts', attempts, "
       "'cursor_resource_id', cursor_resource_id, 'resources_done', resources_done, "
       "'created', created, 'existing', existing, 'exceptions', exceptions, "
       "'total_fen', total_fen, 'discount_fen', discount_fen, 'notices', notices, "
       "'offset_fen', offset_fen, 'error', error) FROM bill_runs WHERE id = ?");

/* ---- shared steps ------------------------------------------------------------------- */

static void run_from_row(struct arena *a, const struct db_res *r, size_t i, struct bill_run *x)
{
    memset(x, 0, sizeof(*x));
    x->id = db_int(r, i, 0);
    x->project_id = db_int(r, i, 1);
    x->fee_item_ids = db_id_list(a, db_text(r, i, 2), &x->nitems);
    snprintf(x->period_from, sizeof(x->period_from), "%s", db_text(r, i, 3));
    snprintf(x->period_to, sizeof(x->period_to), "%s", db_text(r, i, 4));
    x->building_id = db_int(r, i, 5);
    x->status = db_text(r, i, 6);
    x->run_at = db_str(r, i, 7);
    x->job_id = db_int(r, i, 8);
    x->job_status = db_str(r, i, 9);
    x->created = db_int(r, i, 10);
    x->existing = db_int(r, i, 11);
    x->exceptions = db_int(r, i, 12);
    x->total_fen = db_int(r, i, 13);
    x->discount_fen = db_int(r, i, 14);
    x->notices = db_int(r, i, 15);
    x->offset_fen = db_int(r, i, 16);
    x->resources_done = db_int(r, i, 17);
    x->resources_total = db_int(r, i, 18);
    x->cursor_resource_id = db_int(r, i, 19);
    x->attempts = db_int(r, i, 20);
    x->error = db_text(r, i, 21);
    x->created_by = db_int(r, i, 22);
    x->created_at = db_text(r, i, 23);
    x->started_at = db_str(r, i, 24);
    x->finished_at = db_str(r, i, 25);
}

static int run_load(struct db *db, struct arena *a, int64_t id, struct bill_run *out, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_run_get, DB_ARGS(P_INT(id)), &r, e);

    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    run_from_row(a, &r, 0, out);
    return 0;
}

static int audit_run(struct db *db, struct arena *a, const struct principal *who,
                     const char *action, int64_t id, const char *context, struct err *e)
{
    return audit_change(db, a,
                        &(struct audit_entry){.who = who,
                                              .action = action,
                                              .entity = "bill_run",
                                              .entity_id = id,
                                              .context = context},
                        &sql_snap_run, e);
}

/* The checks of the input that need no database. */
static int check_in(const struct billrun_in *in, int32_t *from, int32_t *to, struct err *e)
{
    if (in->nitems == 0 || in->nitems > BILLRUN_MAX_ITEMS)
        return err_bad_request(e, "fee_item_ids 须为 1 到 20 个收费项目编号");
    for (size_t i = 0; i < in->nitems; i++)
        for (size_t j = 0; j < i; j++)
            if (in->fee_item_ids[i] == in->fee_item_ids[j])
                return err_bad_request(e, "fee_item_ids 中有重复的收费项目");
    if (!in->period_from || billrun_period_parse(in->period_from, strlen(in->period_from), from))
        return err_bad_request(e, "period_from 必须是 YYYY-MM 格式的月份");
    if (!in->period_to || billrun_period_parse(in->period_to, strlen(in->period_to), to))
        return err_bad_request(e, "period_to 必须是 YYYY-MM 格式的月份");
    if (*to < *from)
        return err_bad_request(e, "period_to 不能早于 period_from");
    if (*to - *from + 1 > BILLRUN_MAX_MONTHS)
        return err_bad_request(e, "一次出账最多 36 个月");
    return 0;
}

/* What a run bills, with scope decided on the way: the project and the
 * building must be the caller's (who NULL: the system), the items the
 * project's (404), each billable by a run (400). In a. */
static int load_plan(struct db *db, struct arena *a, const struct principal *who,
                     int64_t project_id, int64_t building_id, const int64_t *ids, size_t n,
                     int32_t from, int32_t to, struct billrun_plan *p, struct err *e)
{
    struct fee_item_row *items;
    struct discount_scheme *schemes;
    struct db_res r;
    int found;

    memset(p, 0, sizeof(*p));
    if (res_project_scope(db, who, project_id, e) < 0)
        return -1;
    if (building_id) {
        found = db_one(db, a, &sql_building_project, DB_ARGS(P_INT(building_id)), &r, e);
        if (found < 0)
            return -1;
        if (!found || db_int(&r, 0, 0) != project_id)
            return err_setf(e, E_NOT_FOUND, "该项目没有这个楼栋");
    }
    items = arena_alloc(a, (n ? n : 1) * sizeof(*items));
    if (fee_items_with_rates(db, a, project_id, ids, n, items, e) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!items[i].item.active)
            return err_setf(e, E_BAD_REQUEST, "收费项目“%s”已停用，不能出账", items[i].item.name);
        if (items[i].item.cycle == FEE_ONCE)
            return err_setf(e, E_BAD_REQUEST, "一次性收费项目“%s”不能批量出账", items[i].item.name);
    }
    if (discount_schemes_for_run(db, a, project_id, &schemes, &p->nschemes, e) < 0)
        return -1;
    p->items = items;
    p->nitems = n;
    p->from = from;
    p->to = to;
    p->schemes = schemes;
    return 0;
}

static bool plan_needs_heads(const struct billrun_plan *p)
{
    for (size_t k = 0; k < p->nitems; k++)
        if (p->items[k].item.method == FEE_PER_HEAD)
            return true;
    return false;
}

/* The next resources of the scope after `after`. */
static int read_resources(struct db *db, struct arena *a, const struct billrun_plan *p,
                          int64_t project_id, int64_t building_id, int64_t after, int limit,
                          struct billrun_resource **out, size_t *n, struct err *e)
{
    struct db_res r;

    if (db_query(db, a, plan_needs_heads(p) ? &sql_resources_heads : &sql_resources,
                 DB_ARGS(P_INT(project_id), P_INT(after), P_INT(building_id), P_INT(building_id),
                         P_INT(limit)),
                 &r, e) < 0)
        return -1;
    *n = r.nrows;
    *out = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(**out));
    for (size_t i = 0; i < r.nrows; i++)
        (*out)[i] = (struct billrun_resource){.id = db_int(&r, i, 0),
                                              .building_id = db_int(&r, i, 1),
                                              .code = db_text(&r, i, 2),
                                              .label = db_text(&r, i, 3),
                                              .kind = db_text(&r, i, 4),
                                              .customer_group = db_str(&r, i, 5),
                                              .area_m2x100 = db_int(&r, i, 6),
                                              .inner_area_m2x100 = db_int(&r, i, 7),
                                              .heads = db_int(&r, i, 8)};
    return 0;
}

int billrun_resource_get(struct db *db, struct arena *a, int64_t project_id, int64_t resource_id,
                         bool heads, struct billrun_resource *out, struct err *e)
{
    struct billrun_plan p = {0};
    struct fee_item_row item = {.item.method = heads ? FEE_PER_HEAD : FEE_FIXED};
    struct billrun_resource *res;
    size_t n;

    p.items = &item;
    p.nitems = 1;
    if (read_resources(db, a, &p, project_id, 0, resource_id - 1, 1, &res, &n, e) < 0)
        return -1;
    if (n == 0 || res[0].id != resource_id)
        return err_not_found(e);
    *out = res[0];
    return 0;
}

/* The bills of the plan's periods that exist for resources lo..hi. */
static int read_existing(struct db *db, struct arena *a, const struct billrun_plan *p, bool lock,
                         int64_t lo, int64_t hi, struct billrun_key **out, size_t *n, struct err *e)
{
    char from[8], to[8];
    struct db_res r;

    billrun_period_text(p->from, from);
    billrun_period_text(p->to, to);
    if (db_query(db, a, lock ? &sql_existing_lock : &sql_existing,
                 DB_ARGS(P_INT(lo), P_INT(hi), P_STR(from), P_STR(to)), &r, e) < 0)
        return -1;
    *n = r.nrows;
    *out = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(**out));
    for (size_t i = 0; i < r.nrows; i++) {
        (*out)[i].resource_id = db_int(&r, i, 0);
        (*out)[i].fee_item_id = db_int(&r, i, 1);
        billrun_period_parse(db_text(&r, i, 2), db_len(&r, i, 2), &(*out)[i].period);
    }
    return 0;
}

/* ---- preview ------------------------------------------------------------------------ */

/* One batch of a preview, read without locks: 1 = more may follow (after
 * moved), 0 = the scope is done, -1 error. The listed exceptions outlive
 * the batch's scratch arena: their codes are copied to a. */
static int preview_batch(struct db *db, struct arena *a, struct arena *scratch,
                         const struct billrun_plan *p, int64_t project_id, int64_t building_id,
                         int limit, int64_t *after, struct billrun_preview *out, struct err *e)
{
    struct billrun_resource *res;
    struct billrun_key *keys;
    struct billrun_batch b;
    size_t n, nkeys;

    if (read_resources(db, scratch, p, project_id, building_id, *after, limit, &res, &n, e) < 0)
        return -1;
    if (n == 0)
        return 0;
    if (read_existing(db, scratch, p, false, res[0].id, res[n - 1].id, &keys, &nkeys, e) < 0)
        return -1;
    if (billrun_batch_build(scratch, p, res, n, keys, nkeys, &b) < 0)
        return err_internal(e);
    for (size_t k = 0; k < p->nitems; k++)
        if (count_add(&out->items[k].c, &b.per_item[k]) < 0)
            return err_internal(e);
    if (count_add(&out->all, &b.all) < 0)
        return err_internal(e);
    for (size_t i = 0; i < b.nexceptions && out->nlisted < BILLRUN_EXCEPTIONS_LISTED; i++) {
        struct billrun_exception *x = &out->exceptions[out->nlisted++];
        *x = b.exceptions[i];
        x->resource_code = arena_strdup(a, b.exceptions[i].resource_code);
    }
    *after = res[n - 1].id;
    return 1;
}

int billrun_preview(struct db *db, struct arena *a, const struct principal *who, int64_t project_id,
                    const struct billrun_in *in, struct billrun_preview *out, struct err *e)
{
    struct billrun_plan p;
    struct db_res r;
    int32_t from, to;
    int64_t after = 0;
    int limit;

    memset(out, 0, sizeof(*out));
    if (check_in(in, &from, &to, e) < 0 ||
        load_plan(db, a, who, project_id, in->building_id, in->fee_item_ids, in->nitems, from, to,
                  &p, e) < 0 ||
        db_query(db, a, &sql_scope_count,
                 DB_ARGS(P_INT(project_id), P_INT(in->building_id), P_INT(in->building_id)), &r,
                 e) < 0)
        return -1;
    out->resources = db_int(&r, 0, 0);
    out->nitems = p.nitems;
    out->items = arena_alloc(a, p.nitems * sizeof(*out->items));
    for (size_t k = 0; k < p.nitems; k++) {
        out->items[k].fee_item_id = p.items[k].item.id;
        out->items[k].name = p.items[k].item.name;
        for (int32_t ym = from; ym <= to; ym++)
            out->items[k].periods += billrun_cycle_starts(p.items[k].item.cycle, ym);
    }
    out->exceptions = arena_alloc(a, BILLRUN_EXCEPTIONS_LISTED * sizeof(*out->exceptions));
    limit = billrun_batch_resources(&p);
    for (;;) {
        struct arena scratch = {0};
        int rc =
            preview_batch(db, a, &scratch, &p, project_id, in->building_id, limit, &after, out, e);
        arena_free(&scratch);
        if (rc <= 0)
            return rc;
    }
}

/* ---- create, read, cancel ----------------------------------------------------------- */

struct create_op {
    struct arena *a;
    const struct principal *who;
    int64_t project_id;
    const struct billrun_in *in;
    int32_t from, to;
    time_t run_at; /* 0 = now */
    int64_t id;
};

static int create_tx(struct db *db, void *arg, struct err *e)
{
    struct create_op *op = arg;
    const struct billrun_in *in = op->in;
    struct billrun_plan p;
    cJSON *ids = cJSON_CreateArray();
    const char *ids_text, *input;
    char from[8], to[8];
    int64_t job_id;
    cJSON *job_in;

    for (size_t i = 0; i < in->nitems; i++)
        cJSON_AddItemToArray(ids, json_int(in->fee_item_ids[i]));
    ids_text = json_text(op->a, ids);
    billrun_period_text(op->from, from);
    billrun_period_text(op->to, to);
    if (!ids_text)
        return err_internal(e);
    if (load_plan(db, op->a, op->who, op->project_id, in->building_id, in->fee_item_ids, in->nitems,
                  op->from, op->to, &p, e) < 0 ||
        db_insert(db, &sql_run_insert,
                  DB_ARGS(P_INT(op->project_id), P_STR(ids_text), P_STR(from), P_STR(to),
                          in->building_id ? P_INT(in->building_id) : P_NULL,
                          P_STR(op->run_at ? "scheduled" : "queued"), P_INT(op->run_at),
                          P_INT(op->run_at), P_INT(op->who->id)),
                  &op->id, e) < 0)
        return -1;
    if (!op->run_at) {
        job_in = cJSON_CreateObject();
        json_add_int(job_in, "run_id", op->id);
        input = json_text(op->a, job_in);
        if (!input ||
            job_queue(db, op->who, "bill_run", op->project_id, input, strlen(input), &job_id, e) <
                0 ||
            db_exec(db, &sql_run_set_job, DB_ARGS(P_INT(job_id), P_INT(op->id)), NULL, e) < 0)
            return input ? -1 : err_internal(e);
    }
    return audit_run(db, op->a, op->who, "create_bill_run", op->id, NULL, e);
}

int billrun_create(struct db *db, struct arena *a, const struct principal *who, int64_t project_id,
                   const struct billrun_in *in, struct bill_run *out, struct err *e)
{
    struct create_op op = {a, who, project_id, in, 0, 0, 0, 0};

    if (check_in(in, &op.from, &op.to, e) < 0)
        return -1;
    if (in->run_at) {
        time_t t, now = time(NULL);
        if (util_rfc3339_parse(in->run_at, strlen(in->run_at), &t) < 0)
            return err_bad_request(
                e, "run_at 必须是 RFC 3339 格式的时间，如 2026-12-01T08:00:00+08:00");
        if (t > now + BILLRUN_MAX_AHEAD_S)
            return err_bad_request(e, "定时出账最多提前一年");
        op.run_at = t > now ? t : 0;
    }
    if (db_tx(db, create_tx, &op, e) < 0)
        return -1;
    return run_load(db, a, op.id, out, e);
}

int billrun_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                struct bill_run *out, struct err *e)
{
    if (run_load(db, a, id, out, e) < 0)
        return -1;
    if (!auth_in_project(who, out->project_id))
        return err_not_found(e);
    return 0;
}

int billrun_list(struct db *db, struct arena *a, const struct principal *who, int64_t project_id,
                 int64_t after_id, int limit, struct bill_run **out, size_t *n, int64_t *next_after,
                 struct err *e)
{
    struct db_res r;

    if (res_project_scope(db, who, project_id, e) < 0)
        return -1;
    if (db_query(db, a, &sql_run_list,
                 DB_ARGS(P_INT(project_id), P_INT(after_id), P_INT(limit + 1)), &r, e) < 0)
        return -1;
    *n = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    *out = arena_alloc(a, (*n ? *n : 1) * sizeof(**out));
    for (size_t i = 0; i < *n; i++)
        run_from_row(a, &r, i, &(*out)[i]);
    *next_after = r.nrows > (size_t)limit ? (*out)[*n - 1].id : 0;
    return 0;
}

struct cancel_op {
    struct arena a;
    const struct principal *who;
    int64_t id;
};

static int cancel_tx(struct db *db, void *arg, struct err *e)
{
    struct cancel_op *op = arg;
    struct db_res r;
    int found = db_one(db, &op->a, &sql_run_lock, DB_ARGS(P_INT(op->id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(op->who, db_int(&r, 0, 2)))
        return err_not_found(e);
    if (strcmp(db_text(&r, 0, 0), "scheduled") != 0)
        return err_set(e, E_BILL_RUN_NOT_SCHEDULED);
    if (db_exec(db, &sql_run_end, DB_ARGS(P_STR("cancelled"), P_STR(""), P_INT(op->id)), NULL, e) <
        0)
        return -1;
    return audit_run(db, &op->a, op->who, "cancel_bill_run", op->id, NULL, e);
}

int billrun_cancel(struct db *db, const struct principal *who, int64_t id, struct err *e)
{
    struct cancel_op op = {{0}, who, id};
    int rc = db_tx(db, cancel_tx, &op, e);

    arena_free(&op.a);
    return rc;
}

/* ---- execute ------------------------------------------------------------------------ */

/* One batch's transaction and what it did. */
struct batch_op {
    struct arena a; /* the batch's: reset for each */
    const struct billrun_plan *plan;
    const struct bill_run *run;
    const struct principal *who; /* the run's starter, NULL = the system */
    const char *notice_template;
    int limit;
    int64_t attempt;
    /* out */
    bool finished;
    size_t nres;
    int64_t lo, hi, notices, offset_fen;
    struct billrun_batch b;
};

static const struct billrun_row *find_row(const struct billrun_batch *b,
                                          const struct billrun_key *k)
{
    size_t lo = 0, hi = b->nrows;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct billrun_row *x = &b->rows[mid];
        struct billrun_key xk = {x->resource_id, x->fee_item_id, x->period};
        int c = cmp_key(&xk, k);
        if (c == 0)
            return x;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Rows are made by resource, then the plan's items in its order: sorting
 * by (resource, item id, period) for find_row() is the caller's. */
static int cmp_row(const void *pa, const void *pb)
{
    const struct billrun_row *a = pa, *b = pb;
    struct billrun_key ka = {a->resource_id, a->fee_item_id, a->period},
                       kb = {b->resource_id, b->fee_item_id, b->period};
    return cmp_key(&ka, &kb);
}

static int insert_bills(struct db *db, struct batch_op *op, struct err *e)
{
    const struct billrun_batch *b = &op->b;
    struct db_param *p;
    uint64_t affected;

    if (b->nrows == 0) /* a rerun: everything exists */
        return 0;
    p = arena_alloc(&op->a, b->nrows * RUN_BILL_NCOLS * sizeof(*p));
    for (size_t i = 0; i < b->nrows; i++) {
        const struct billrun_row *x = &b->rows[i];
        struct db_param *row = &p[i * RUN_BILL_NCOLS];
        char *period = arena_alloc(&op->a, 8), *due = arena_alloc(&op->a, 11);

        billrun_period_text(x->period, period);
        fee_date_text(x->due_day, due);
        row[0] = P_INT(x->resource_id);
        row[1] = P_INT(x->fee_item_id);
        row[2] = P_STR(period);
        row[3] = P_INT(x->amount_fen);
        row[4] = P_STR(due);
        row[5] = P_INT(x->rate);
        row[6] = x->has_quantity ? P_INT(x->quantity) : P_NULL;
    }
    if (db_exec(db, &sql_batch_vars,
                DB_ARGS(P_INT(op->run->project_id), P_INT(op->run->id),
                        op->run->created_by ? P_INT(op->run->created_by) : P_NULL),
                NULL, e) < 0 ||
        db_exec_bulk(db, &sql_bills_bulk, p, RUN_BILL_NCOLS, b->nrows, &affected, e) < 0)
        return -1;
    /* Every key was locked and absent: anything else is another writer
     * this transaction did not see, and its retry will. */
    if (affected != b->nrows)
        return err_setf(e, E_DB_RETRY, "bill run %lld: %llu of %zu bills new",
                        (long long)op->run->id, (unsigned long long)affected, b->nrows);
    return 0;
}

/* The discounts of the batch's bills: set on the bills (by their keys),
 * then recorded as bill_discounts rows (by the ids the bills got). */
static int insert_discounts(struct db *db, struct batch_op *op, struct err *e)
{
    struct db_res r;
    struct db_param *p;
    size_t n = 0;

    if (op->b.all.discount_fen == 0)
        return 0;
    p = arena_alloc(&op->a, op->b.nrows * DISCOUNT_SET_NCOLS * sizeof(*p));
    for (size_t i = 0; i < op->b.nrows; i++) {
        const struct billrun_row *x = &op->b.rows[i];
        struct db_param *row = &p[n * DISCOUNT_SET_NCOLS];
        char *period;

        if (!x->discount_fen)
            continue;
        period = arena_alloc(&op->a, 8);
        billrun_period_text(x->period, period);
        row[0] = row[1] = row[2] = P_INT(x->discount_fen);
        row[3] = P_INT(x->resource_id);
        row[4] = P_INT(x->fee_item_id);
        row[5] = P_STR(period);
        n++;
    }
    if (db_exec_bulk(db, &sql_discount_set, p, DISCOUNT_SET_NCOLS, n, NULL, e) < 0 ||
        db_query(db, &op->a, &sql_discounted,
                 DB_ARGS(P_INT(op->lo), P_INT(op->hi), P_INT(op->run->id)), &r, e) < 0)
        return -1;
    n = 0;
    p = arena_alloc(&op->a, (r.nrows ? r.nrows : 1) * DISCOUNT_NCOLS * sizeof(*p));
    for (size_t i = 0; i < r.nrows; i++) {
        struct billrun_key k = {db_int(&r, i, 1), db_int(&r, i, 2), 0};
        const struct billrun_row *x;

        billrun_period_parse(db_text(&r, i, 3), db_len(&r, i, 3), &k.period);
        x = find_row(&op->b, &k);
        if (!x || !x->scheme_id)
            return err_setf(e, E_INTERNAL, "bill %lld: no discount of this run",
                            (long long)db_int(&r, i, 0));
        p[n * DISCOUNT_NCOLS] = P_INT(db_int(&r, i, 0));
        p[n * DISCOUNT_NCOLS + 1] = P_INT(x->scheme_id);
        p[n * DISCOUNT_NCOLS + 2] = P_INT(x->discount_fen);
        n++;
    }
    return db_exec_bulk(db, &sql_discounts_bulk, p, DISCOUNT_NCOLS, n, NULL, e);
}

/* What one resource got in this batch (rows are grouped by resource). */
struct got {
    int64_t resource_id, count, due_fen;
    int32_t first, last;
};

static size_t group_rows(struct arena *a, const struct billrun_batch *b, struct got **out)
{
    size_t n = 0;

    *out = arena_alloc(a, (b->nrows ? b->nrows : 1) * sizeof(**out));
    for (size_t i = 0; i < b->nrows; i++) {
        const struct billrun_row *x = &b->rows[i];
        struct got *g = n && (*out)[n - 1].resource_id == x->resource_id ? &(*out)[n - 1] : NULL;
        if (!g) {
            g = &(*out)[n++];
            *g = (struct got){x->resource_id, 0, 0, x->period, x->period};
        }
        g->count++;
        g->due_fen += x->amount_fen - x->discount_fen; /* ≤ 20 × 36 bills of MONEY_MAX_FEN */
        if (x->period < g->first)
            g->first = x->period;
        if (x->period > g->last)
            g->last = x->period;
    }
    return n;
}

static const struct got *got_of(const struct got *g, size_t n, int64_t resource_id)
{
    for (size_t lo = 0, hi = n; lo < hi;) {
        size_t mid = lo + (hi - lo) / 2;
        if (g[mid].resource_id == resource_id)
            return &g[mid];
        if (g[mid].resource_id < resource_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const struct billrun_resource *res_of(const struct billrun_resource *v, size_t n, int64_t id)
{
    for (size_t lo = 0, hi = n; lo < hi;) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].id == id)
            return &v[mid];
        if (v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* One SMS per owner of each home that got bills: the home, the periods,
 * how many bills and what they come to. */
static int queue_notices(struct db *db, struct batch_op *op, const struct billrun_resource *res,
                         const struct got *g, size_t ng, struct err *e)
{
    struct outbox_msg *m;
    struct db_res r;
    size_t n = 0, queued = 0;

    if (!op->notice_template || !op->notice_template[0] || ng == 0)
        return 0;
    if (db_query(db, &op->a, &sql_owners, DB_ARGS(P_INT(op->lo), P_INT(op->hi)), &r, e) < 0)
        return -1;
    m = arena_alloc(&op->a, (r.nrows ? r.nrows : 1) * sizeof(*m));
    for (size_t i = 0; i < r.nrows; i++) {
        const struct got *x = got_of(g, ng, db_int(&r, i, 0));
        const struct billrun_resource *home = res_of(res, op->nres, db_int(&r, i, 0));
        const char **params;
        char *key, *to, *first, *last, *count, *yuan;

        if (!x || !home || db_len(&r, i, 2) != 11) /* a home of this batch, a mobile number */
            continue;
        params = arena_alloc(&op->a, 5 * sizeof(*params));
        key = arena_alloc(&op->a, 96);
        to = arena_alloc(&op->a, 24);
        first = arena_alloc(&op->a, 8);
        last = arena_alloc(&op->a, 8);
        count = arena_alloc(&op->a, 24);
        yuan = arena_alloc(&op->a, MONEY_FORMAT_SIZE);
        billrun_period_text(x->first, first);
        billrun_period_text(x->last, last);
        snprintf(count, 24, "%lld", (long long)x->count);
        money_format(x->due_fen, yuan);
        /* 【示范物业】{1} {2} 至 {3} 的账单已出，共 {4} 笔，合计 {5} 元 */
        params[0] = home->label[0] ? home->label : home->code;
        params[1] = first;
        params[2] = last;
        params[3] = count;
        params[4] = yuan;
        snprintf(key, 96, "bill_notice:%lld:%lld:%lld", (long long)op->run->id,
                 (long long)x->resource_id, (long long)db_int(&r, i, 1));
        snprintf(to, 24, "+86%s", db_text(&r, i, 2));
        m[n++] = (struct outbox_msg){.channel = OUTBOX_SMS,
                                     .project_id = op->run->project_id,
                                     .dedup_key = key,
                                     .recipient = to,
                                     .template_id = op->notice_template,
                                     .params = params,
                                     .nparams = 5};
    }
    if (outbox_queue_many(db, m, n, &queued, e) < 0)
        return -1;
    op->notices = (int64_t)queued;
    return 0;
}

/* The homes of the batch with a prepayment balance pay their new bills at
 * once (bills_offset_tx: oldest first, earliest-first kept). */
static int offset(struct db *db, struct batch_op *op, const int64_t *with_balance, size_t n,
                  const struct got *g, size_t ng, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        int64_t used = 0;
        if (!got_of(g, ng, with_balance[i]))
            continue;
        if (bills_offset_tx(db, &op->a, op->who, op->run->project_id, with_balance[i], &used, e) <
            0)
            return -1;
        if (money_add(op->offset_fen, used, &op->offset_fen) < 0)
            return err_internal(e);
    }
    return 0;
}

static const char *batch_context(struct batch_op *op)
{
    cJSON *c = cJSON_CreateObject();

    json_add_int(c, "attempt", op->attempt);
    json_add_int(c, "first_resource_id", op->lo);
    json_add_int(c, "last_resource_id", op->hi);
    json_add_int(c, "resources", (int64_t)op->nres);
    json_add_int(c, "created", (int64_t)op->b.nrows);
    json_add_int(c, "existing", op->b.all.existing);
    json_add_int(c, "exceptions", op->b.all.exceptions);
    json_add_int(c, "amount_fen", op->b.all.amount_fen);
    json_add_int(c, "discount_fen", op->b.all.discount_fen);
    json_add_int(c, "notices", op->notices);
    json_add_int(c, "offset_fen", op->offset_fen);
    return json_text(&op->a, c);
}

static int batch_tx(struct db *db, void *arg, struct err *e)
{
    struct batch_op *op = arg;
    const struct bill_run *run = op->run;
    struct billrun_resource *res;
    struct billrun_key *keys;
    struct db_res r;
    struct got *g;
    int64_t *with_balance;
    size_t nkeys, ng, nbal;
    const char *context;
    int found;

    /* a retried transaction starts again from nothing */
    arena_reset(&op->a);
    op->finished = false;
    op->notices = op->offset_fen = 0;
    op->nres = 0;
    found = db_one(db, &op->a, &sql_run_lock, DB_ARGS(P_INT(run->id)), &r, e);
    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    if (strcmp(db_text(&r, 0, 0), "running") != 0) {
        op->finished = true; /* another runner ended it */
        return 0;
    }
    if (read_resources(db, &op->a, op->plan, run->project_id, run->building_id, db_int(&r, 0, 1),
                       op->limit, &res, &op->nres, e) < 0)
        return -1;
    if (op->nres == 0) {
        op->finished = true;
        return 0;
    }
    op->lo = res[0].id;
    op->hi = res[op->nres - 1].id;
    if (db_query(db, &op->a, &sql_accounts_lock, DB_ARGS(P_INT(op->lo), P_INT(op->hi)), &r, e) < 0)
        return -1;
    nbal = r.nrows;
    with_balance = arena_alloc(&op->a, (nbal ? nbal : 1) * sizeof(*with_balance));
    for (size_t i = 0; i < nbal; i++)
        with_balance[i] = db_int(&r, i, 0);
    if (read_existing(db, &op->a, op->plan, true, op->lo, op->hi, &keys, &nkeys, e) < 0)
        return -1;
    if (billrun_batch_build(&op->a, op->plan, res, op->nres, keys, nkeys, &op->b) < 0)
        return err_setf(e, E_INTERNAL, "bill run %lld: amounts overflow", (long long)run->id);
    qsort(op->b.rows, op->b.nrows, sizeof(*op->b.rows), cmp_row);
    ng = group_rows(&op->a, &op->b, &g);
    if (insert_bills(db, op, e) < 0 || insert_discounts(db, op, e) < 0 ||
        queue_notices(db, op, res, g, ng, e) < 0 ||
        offset(db, op, with_balance, nbal, g, ng, e) < 0)
        return -1;
    context = batch_context(op);
    if (!context)
        return err_internal(e);
    if (db_exec(db, &sql_run_batch,
                DB_ARGS(P_INT(op->hi), P_INT((int64_t)op->nres), P_INT((int64_t)op->b.nrows),
                        P_INT(op->b.all.existing), P_INT(op->b.all.exceptions),
                        P_INT(op->b.all.amount_fen), P_INT(op->b.all.discount_fen),
                        P_INT(op->notices), P_INT(op->offset_fen), P_INT(run->id)),
                NULL, e) < 0)
        return -1;
    return audit_run(db, &op->a, op->who, "bill_run_batch", run->id, context, e);
}

struct start_op {
    struct arena *a;
    int64_t id;
    bool go; /* queued or running: start (again) */
};

static int start_tx(struct db *db, void *arg, struct err *e)
{
    struct start_op *op = arg;
    struct db_res r;
    const char *status, *context;
    int64_t cursor, project, building;
    struct bill_run run;
    cJSON *c;
    int found = db_one(db, op->a, &sql_run_lock, DB_ARGS(P_INT(op->id)), &r, e);

    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    status = db_text(&r, 0, 0);
    cursor = db_int(&r, 0, 1);
    op->go = strcmp(status, "queued") == 0 || strcmp(status, "running") == 0;
    if (!op->go)
        return 0;
    if (run_load(db, op->a, op->id, &run, e) < 0)
        return -1;
    project = run.project_id;
    building = run.building_id;
    if (db_query(db, op->a, &sql_scope_count,
                 DB_ARGS(P_INT(project), P_INT(building), P_INT(building)), &r, e) < 0 ||
        db_exec(db, &sql_run_start, DB_ARGS(P_INT(db_int(&r, 0, 0)), P_INT(op->id)), NULL, e) < 0)
        return -1;
    c = cJSON_CreateObject();
    json_add_int(c, "attempt", run.attempts + 1);
    json_add_int(c, "after_resource_id", cursor);
    context = json_text(op->a, c);
    /* a start after the first resumes where the killed one left off */
    return audit_run(db, op->a, NULL, run.attempts ? "resume_bill_run" : "start_bill_run", op->id,
                     context, e);
}

struct end_op {
    struct arena *a;
    int64_t id;
    const char *status, *why;
};

static int end_tx(struct db *db, void *arg, struct err *e)
{
    struct end_op *op = arg;
    struct db_res r;
    int found = db_one(db, op->a, &sql_run_lock, DB_ARGS(P_INT(op->id)), &r, e);

    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    if (strcmp(db_text(&r, 0, 0), "running") != 0 && strcmp(db_text(&r, 0, 0), "queued") != 0)
        return 0; /* ended already */
    if (db_exec(db, &sql_run_end, DB_ARGS(P_STR(op->status), P_STR(op->why), P_INT(op->id)), NULL,
                e) < 0)
        return -1;
    return audit_run(db, op->a, NULL,
                     strcmp(op->status, "done") == 0 ? "finish_bill_run" : "fail_bill_run", op->id,
                     NULL, e);
}

static int end_run(struct db *db, struct arena *a, int64_t id, const char *status, const char *why,
                   struct err *e)
{
    struct end_op op = {a, id, status, why ? why : ""};

    return db_tx(db, end_tx, &op, e);
}

int billrun_fail(struct db *db, int64_t run_id, const char *why, struct err *e)
{
    struct arena a = {0};
    int rc = end_run(db, &a, run_id, "failed", why, e);

    arena_free(&a);
    return rc;
}

/* The starter may still do this (their projects and roles now), or the
 * run fails: work is never done with rights someone no longer has. */
static int starter(struct db *db, struct arena *a, const struct bill_run *run,
                   struct principal *who, const char **why, struct err *e)
{
    *why = NULL;
    if (!run->created_by)
        return 0;
    if (auth_staff_principal(db, a, run->created_by, who, e) < 0) {
        if (!err_is(e, E_NOT_FOUND))
            return -1;
        err_clear(e);
        *why = "出账人的账号已停用";
    } else if (!auth_in_project(who, run->project_id) ||
               !(who->roles & (ROLE_ADMIN | ROLE_MANAGER))) {
        *why = "出账人已不再负责该项目";
    }
    return 0;
}

int billrun_execute(struct db *db, struct arena *a, int64_t run_id, const char *notice_template,
                    const struct billrun_progress *pg, struct bill_run *out, struct err *e)
{
    struct start_op st = {a, run_id, false};
    struct batch_op op;
    struct billrun_plan plan;
    struct principal who;
    const char *why;
    int32_t from, to;
    int rc = -1;

    if (db_tx(db, start_tx, &st, e) < 0 || run_load(db, a, run_id, out, e) < 0)
        return -1;
    if (!st.go)
        return 0;
    if (starter(db, a, out, &who, &why, e) < 0)
        return -1;
    billrun_period_parse(out->period_from, 7, &from);
    billrun_period_parse(out->period_to, 7, &to);
    if (!why && load_plan(db, a, NULL, out->project_id, out->building_id, out->fee_item_ids,
                          out->nitems, from, to, &plan, e) < 0) {
        if (!err_is(e, E_NOT_FOUND) && !err_is(e, E_BAD_REQUEST))
            return -1;
        why = e->message[0] ? arena_strdup(a, e->message) : "收费项目已不可用";
        err_clear(e);
    }
    if (why) {
        if (end_run(db, a, run_id, "failed", why, e) < 0)
            return -1;
        return run_load(db, a, run_id, out, e);
    }
    memset(&op, 0, sizeof(op));
    op.plan = &plan;
    op.run = out;
    op.who = out->created_by ? &who : NULL;
    op.notice_template = notice_template;
    op.limit = billrun_batch_resources(&plan);
    op.attempt = out->attempts;
    for (;;) {
        if (db_tx(db, batch_tx, &op, e) < 0)
            goto out;
        if (op.finished)
            break;
        out->cursor_resource_id = op.hi;
        out->resources_done += (int64_t)op.nres;
        out->created += (int64_t)op.b.nrows;
        out->existing += op.b.all.existing;
        out->exceptions += op.b.all.exceptions;
        out->total_fen += op.b.all.amount_fen;
        out->discount_fen += op.b.all.discount_fen;
        out->notices += op.notices;
        out->offset_fen += op.offset_fen;
        if (pg && pg->fn(pg->arg, out, op.b.exceptions, op.b.nexceptions, e) < 0)
            goto out;
    }
    if (end_run(db, &op.a, run_id, "done", NULL, e) < 0 || run_load(db, a, run_id, out, e) < 0)
        goto out;
    rc = 0;
out:
    arena_free(&op.a);
    return rc;
}

/* ---- scheduled runs ----------------------------------------------------------------- */

struct due_op {
    struct arena a;
    int queued;
};

static int due_tx(struct db *db, void *arg, struct err *e)
{
    struct due_op *op = arg;
    struct db_res r;

    op->queued = 0;
    if (db_query(db, &op->a, &sql_due, DB_NOARGS, &r, e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        int64_t id = db_int(&r, i, 0), job_id;
        struct bill_run run;
        struct principal who;
        const char *why, *input;
        cJSON *in;

        if (run_load(db, &op->a, id, &run, e) < 0 || starter(db, &op->a, &run, &who, &why, e) < 0)
            return -1;
        if (why || !run.created_by) {
            if (db_exec(db, &sql_run_end,
                        DB_ARGS(P_STR("failed"), P_STR(why ? why : "没有出账人"), P_INT(id)), NULL,
                        e) < 0 ||
                audit_run(db, &op->a, NULL, "fail_bill_run", id, NULL, e) < 0)
                return -1;
            continue;
        }
        in = cJSON_CreateObject();
        json_add_int(in, "run_id", id);
        input = json_text(&op->a, in);
        if (!input)
            return err_internal(e);
        if (job_queue(db, &who, "bill_run", run.project_id, input, strlen(input), &job_id, e) < 0 ||
            db_exec(db, &sql_run_set_job, DB_ARGS(P_INT(job_id), P_INT(id)), NULL, e) < 0 ||
            audit_run(db, &op->a, NULL, "queue_bill_run", id, NULL, e) < 0)
            return -1;
        op->queued++;
    }
    return 0;
}

int billrun_queue_due(struct db *db, int *queued, struct err *e)
{
    struct due_op op = {{0}, 0};
    int rc = db_tx(db, due_tx, &op, e);

    arena_free(&op.a);
    *queued = rc == 0 ? op.queued : 0;
    return rc;
}

/* ---- the operator's bills ----------------------------------------------------------- */

struct gen_op {
    struct arena *a;
    int64_t project_id, id;
    const int64_t *ids;
    size_t n;
    int32_t from, to;
};

static int gen_tx(struct db *db, void *arg, struct err *e)
{
    struct gen_op *op = arg;
    struct billrun_plan p;
    cJSON *ids = cJSON_CreateArray();
    const char *ids_text;
    char from[8], to[8];

    for (size_t i = 0; i < op->n; i++)
        cJSON_AddItemToArray(ids, json_int(op->ids[i]));
    ids_text = json_text(op->a, ids);
    if (!ids_text)
        return err_internal(e);
    billrun_period_text(op->from, from);
    billrun_period_text(op->to, to);
    if (load_plan(db, op->a, NULL, op->project_id, 0, op->ids, op->n, op->from, op->to, &p, e) <
            0 ||
        db_insert(db, &sql_run_insert,
                  DB_ARGS(P_INT(op->project_id), P_STR(ids_text), P_STR(from), P_STR(to), P_NULL,
                          P_STR("queued"), P_INT(0), P_INT(0), P_INT(0)),
                  &op->id, e) < 0)
        return -1;
    return audit_run(db, op->a, NULL, "create_bill_run", op->id, "{\"source\":\"operator\"}", e);
}

int billrun_generate(struct db *db, int64_t project_id, const int64_t *item_ids, size_t nitems,
                     int32_t from, int32_t to, int64_t *created, struct err *e)
{
    struct arena a = {0};
    struct gen_op op = {&a, project_id, 0, item_ids, nitems, from, to};
    struct bill_run run;
    int rc = -1;

    if (db_tx(db, gen_tx, &op, e) < 0)
        goto out;
    if (billrun_execute(db, &a, op.id, NULL, NULL, &run, e) < 0) {
        /* no job will resume it: say so on the run (what it made stays) */
        struct err e2;
        err_clear(&e2);
        end_run(db, &a, op.id, "failed", "出账中断", &e2);
        goto out;
    }
    if (strcmp(run.status, "done") != 0) {
        err_setf(e, E_INTERNAL, "bill run %lld: %s", (long long)op.id, run.error);
        goto out;
    }
    *created = run.created;
    rc = 0;
out:
    arena_free(&a);
    return rc;
}
