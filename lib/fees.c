/*
 * fees.c — fee items and rate plans (see fees.h). The writes have the
 * shape of resources_edit.c: input checked first, then one transaction
 * that locks the row deciding the write (the item: every rate change of
 * an item is serialised on it, which is what makes the overlap rule hold),
 * decides scope on it, snapshots, writes, and audits.
 */
#include "fees.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "core/util.h"
#include "core/json.h"

static const char *const cycle_names[] = {"monthly", "quarterly", "yearly", "once", NULL};
static const char *const method_names[] = {"building_area", "inner_area", "usage",
                                           "per_head",      "fixed",      NULL};
static const char *const cap_names[] = {"principal", "none", "fixed", NULL};
static const char *const kinds[] = {"home", "shop", "office", "parking", "other", NULL};


int fee_cycle_from_name(const char *s, enum fee_cycle *out)
{
    int i = util_index_of(s, cycle_names);
    if (i < 0)
        return -1;
    *out = (enum fee_cycle)i;
    return 0;
}

int fee_method_from_name(const char *s, enum fee_method *out)
{
    int i = util_index_of(s, method_names);
    if (i < 0)
        return -1;
    *out = (enum fee_method)i;
    return 0;
}

int fee_cap_from_name(const char *s, enum fee_cap *out)
{
    int i = util_index_of(s, cap_names);
    if (i < 0)
        return -1;
    *out = (enum fee_cap)i;
    return 0;
}

const char *fee_cycle_name(enum fee_cycle c)
{
    return (unsigned)c <= FEE_ONCE ? cycle_names[c] : NULL;
}

const char *fee_method_name(enum fee_method m)
{
    return (unsigned)m <= FEE_FIXED ? method_names[m] : NULL;
}

const char *fee_cap_name(enum fee_cap c)
{
    return (unsigned)c <= FEE_CAP_FIXED ? cap_names[c] : NULL;
}

const char *fee_rate_scale(enum fee_method m)
{
    switch (m) {
    case FEE_BUILDING_AREA:
    case FEE_INNER_AREA:
        return "fen_per_m2x10000";
    case FEE_USAGE:
        return "fen_per_unitx10000";
    case FEE_PER_HEAD:
        return "fen_per_head";
    case FEE_FIXED:
        return "fen";
    }
    return NULL;
}

/* ---- the pure half ------------------------------------------------------------------ */

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool fee_rate_same_selectors(const struct fee_rate *a, const struct fee_rate *b)
{
    return a->building_id == b->building_id && same_str(a->resource_kind, b->resource_kind) &&
           same_str(a->customer_group, b->customer_group);
}

bool fee_rate_overlaps(const struct fee_rate *a, const struct fee_rate *b)
{
    return a->valid_from <= b->valid_to && b->valid_from <= a->valid_to;
}

static int weight(const struct fee_rate *r)
{
    return (r->building_id ? 4 : 0) + (r->resource_kind ? 2 : 0) + (r->customer_group ? 1 : 0);
}

static bool applies(const struct fee_rate *r, const struct fee_target *t, int32_t day)
{
    if (day < r->valid_from || day > r->valid_to)
        return false;
    if (r->building_id && r->building_id != t->building_id)
        return false;
    if (r->resource_kind && !(t->resource_kind && strcmp(r->resource_kind, t->resource_kind) == 0))
        return false;
    if (r->customer_group &&
        !(t->customer_group && strcmp(r->customer_group, t->customer_group) == 0))
        return false;
    return true;
}

const struct fee_rate *fee_rate_pick(const struct fee_rate *rates, size_t n,
                                     const struct fee_target *target, int32_t day)
{
    const struct fee_rate *best = NULL;

    for (size_t i = 0; i < n; i++) {
        const struct fee_rate *r = &rates[i];
        if (!applies(r, target, day))
            continue;
        if (!best || weight(r) > weight(best) ||
            (weight(r) == weight(best) &&
             (r->valid_from > best->valid_from ||
              (r->valid_from == best->valid_from && r->id > best->id))))
            best = r;
    }
    return best;
}

int fee_amount(const struct fee_item *item, int64_t rate, const struct fee_basis *b, int64_t *fen)
{
    if (rate < 0)
        return -1;
    switch (item->method) {
    case FEE_BUILDING_AREA:
        return b->area_m2x100 < 0 ? -1 : money_by_area(b->area_m2x100, rate, item->rounding, fen);
    case FEE_INNER_AREA:
        return b->inner_area_m2x100 < 0
                   ? -1
                   : money_by_area(b->inner_area_m2x100, rate, item->rounding, fen);
    case FEE_USAGE:
        return b->usage < 0
                   ? -1
                   : money_by_usage(b->usage, item->usage_per_unit, rate, item->rounding, fen);
    case FEE_PER_HEAD:
        return b->heads < 0 ? -1 : money_per_head(b->heads, rate, fen);
    case FEE_FIXED:
        *fen = rate;
        return 0;
    }
    return -1;
}

int fee_late_fee(const struct fee_item *item, int64_t principal_fen, int32_t due_day, int32_t today,
                 int64_t *fee_fen)
{
    int64_t cap;

    if (!item->has_late_fee) {
        if (principal_fen < 0)
            return -1;
        *fee_fen = 0;
        return 0;
    }
    switch (item->late_fee_cap) {
    case FEE_CAP_PRINCIPAL:
        cap = principal_fen;
        break;
    case FEE_CAP_NONE:
        cap = MONEY_NO_CAP_FEN;
        break;
    case FEE_CAP_FIXED:
        cap = item->late_fee_cap_fen;
        break;
    default:
        return -1;
    }
    if (item->late_fee_grace_days < 0 || item->late_fee_grace_days > INT32_MAX)
        return -1;
    return money_late_fee(principal_fen, due_day, today, (int32_t)item->late_fee_grace_days,
                          item->late_fee_daily_bp, cap, item->rounding, fee_fen);
}

/* days since 1970-01-01 → "YYYY-MM-DD" (the inverse of money_days_from_civil). */
static void date_format(int32_t days, char out[11])
{
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;

    int v[3] = {(int)(y + (m <= 2)), (int)m, (int)d}, w[3] = {4, 2, 2}, at = 10;

    /* digits by hand: the callers pass days of money_date_parse (years
     * 1900..2199), so each field has exactly its width */
    out[at] = '\0';
    for (int f = 2; f >= 0; f--) {
        for (int i = 0; i < w[f]; i++, v[f] /= 10)
            out[--at] = (char)('0' + v[f] % 10);
        if (f)
            out[--at] = '-';
    }
}

/* ---- The SQL of this module -------------------------------------------------------- */

DB_SQL(sql_lock_project, "SELECT id FROM projects WHERE id = ? FOR UPDATE");
DB_SQL(sql_project_of, "SELECT id FROM projects WHERE id = ?");
#define ITEM_COLS                                                                                  \
    "id, project_id, code, name, cycle, method, rounding, due_day_of_cycle, usage_per_unit, "      \
    "late_fee_daily_bp, late_fee_grace_days, late_fee_cap, late_fee_cap_fen, active"
DB_SQL(sql_item_lock, "SELECT " ITEM_COLS " FROM fee_items WHERE id = ? FOR UPDATE");
DB_SQL(sql_item_get, "SELECT " ITEM_COLS " FROM fee_items WHERE id = ?");
DB_SQL(sql_item_list, "SELECT " ITEM_COLS " FROM fee_items WHERE project_id = ? AND id > ? "
                      "ORDER BY id LIMIT ?");
DB_SQL(sql_item_insert,
       "INSERT INTO fee_items (project_id, code, name, cycle, method, rounding, due_day_of_cycle, "
       "usage_per_unit, late_fee_daily_bp, late_fee_grace_days, late_fee_cap, late_fee_cap_fen, "
       "active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
DB_SQL(sql_item_update,
       "UPDATE fee_items SET name = ?, rounding = ?, due_day_of_cycle = ?, usage_per_unit = ?, "
       "late_fee_daily_bp = ?, late_fee_grace_days = ?, late_fee_cap = ?, late_fee_cap_fen = ?, "
       "active = ? WHERE id = ?");
DB_SQL(sql_snap_item,
       "SELECT JSON_OBJECT('project_id', project_id, 'code', code, 'name', name, 'cycle', cycle, "
       "'method', method, 'rounding', rounding, 'due_day_of_cycle', due_day_of_cycle, "
       "'usage_per_unit', usage_per_unit, 'late_fee_daily_bp', late_fee_daily_bp, "
       "'late_fee_grace_days', late_fee_grace_days, 'late_fee_cap', late_fee_cap, "
       "'late_fee_cap_fen', late_fee_cap_fen, 'active', active) FROM fee_items WHERE id = ?");
#define RATE_COLS                                                                                  \
    "id, fee_item_id, rate, building_id, resource_kind, customer_group, "                          \
    "DATEDIFF(valid_from, '1970-01-01'), DATEDIFF(valid_to, '1970-01-01')"
DB_SQL(sql_rates_of_item, "SELECT " RATE_COLS " FROM fee_rates WHERE fee_item_id = ? ORDER BY id");
DB_SQL(sql_rates_listed,
       "SELECT " RATE_COLS " FROM fee_rates WHERE fee_item_id IN (SELECT id FROM fee_items "
       "WHERE project_id = ? AND id BETWEEN ? AND ?) AND (valid_to IS NULL OR "
       "valid_to >= DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR)) "
       "ORDER BY fee_item_id, valid_from, id");
DB_SQL(sql_rate_item, "SELECT fee_item_id FROM fee_rates WHERE id = ?");
DB_SQL(sql_rate_insert,
       "INSERT INTO fee_rates (fee_item_id, rate, building_id, resource_kind, customer_group, "
       "valid_from, valid_to) VALUES (?, ?, ?, ?, ?, ?, ?)");
DB_SQL(sql_rate_set_end, "UPDATE fee_rates SET valid_to = ? WHERE id = ?");
DB_SQL(sql_snap_rate, "SELECT JSON_OBJECT('fee_item_id', fee_item_id, 'rate', rate, "
                      "'building_id', building_id, 'resource_kind', resource_kind, "
                      "'customer_group', customer_group, 'valid_from', valid_from, "
                      "'valid_to', valid_to) FROM fee_rates WHERE id = ?");
DB_SQL(sql_building_project, "SELECT project_id FROM buildings WHERE id = ?");
/* The repair fee item (TKT-4): made on first use, then read locked in
 * share mode (the office may rename it, never change its code) */
DB_SQL(sql_repair_item_make,
       "INSERT IGNORE INTO fee_items (project_id, code, name, cycle, method) "
       "VALUES (?, '" FEE_REPAIR_CODE "', '维修费', 'once', 'fixed')");
DB_SQL(sql_repair_item, "SELECT id, cycle = 'once' AND method = 'fixed' AND active = 1 "
                        "FROM fee_items WHERE project_id = ? AND code = '" FEE_REPAIR_CODE "' "
                        "LOCK IN SHARE MODE");

/* ---- shared steps ------------------------------------------------------------------- */

int fee_item_repair_tx(struct db *db, struct arena *a, const struct principal *who,
                       int64_t project_id, int64_t *id, struct err *e)
{
    struct db_res r;
    uint64_t made;
    int found;

    if (db_exec(db, &sql_repair_item_make, DB_ARGS(P_INT(project_id)), &made, e) < 0 ||
        (found = db_one(db, a, &sql_repair_item, DB_ARGS(P_INT(project_id)), &r, e)) < 0)
        return -1;
    if (!found)
        return err_internal(e); /* the insert above made it */
    *id = db_int(&r, 0, 0);
    if (!db_int(&r, 0, 1))
        return err_set(e, E_REPAIR_FEE_ITEM_UNUSABLE);
    if (!made)
        return 0;
    return audit_change(db, a,
                        &(struct audit_entry){.who = who,
                                              .action = "create_fee_item",
                                              .entity = "fee_item",
                                              .entity_id = *id},
                        &sql_snap_item, e);
}

struct edit {
    struct arena a;
    const struct principal *who;
};

static int run(struct db *db, struct edit *x, int (*fn)(struct db *, void *, struct err *),
               struct err *e)
{
    int rc = db_tx(db, fn, x, e);

    arena_free(&x->a);
    return rc;
}

static int dup_as(struct err *e, enum err_code code)
{
    return err_map(e, E_DB_DUPLICATE, code);
}

static int audited(struct db *db, struct edit *x, const char *action, const char *entity,
                   int64_t id, struct db_sql *q, const char *before, struct err *e)
{
    return audit_change(
        db, &x->a,
        &(struct audit_entry){
            .who = x->who, .action = action, .entity = entity, .entity_id = id, .before = before},
        q, e);
}

static void item_from_row(const struct db_res *r, size_t i, struct fee_item *it)
{
    memset(it, 0, sizeof(*it));
    it->id = db_int(r, i, 0);
    it->project_id = db_int(r, i, 1);
    it->code = db_text(r, i, 2);
    it->name = db_text(r, i, 3);
    fee_cycle_from_name(db_text(r, i, 4), &it->cycle);
    fee_method_from_name(db_text(r, i, 5), &it->method);
    money_round_from_name(db_text(r, i, 6), strlen(db_text(r, i, 6)), &it->rounding);
    it->due_day_of_cycle = db_int(r, i, 7);
    it->usage_per_unit = db_int(r, i, 8);
    it->has_late_fee = !db_is_null(r, i, 9);
    it->late_fee_daily_bp = db_int(r, i, 9);
    it->late_fee_grace_days = db_int(r, i, 10);
    fee_cap_from_name(db_text(r, i, 11), &it->late_fee_cap);
    it->late_fee_cap_fen = db_int(r, i, 12);
    it->active = db_int(r, i, 13) != 0;
}

static void rate_from_row(const struct db_res *r, size_t i, struct fee_rate *x)
{
    x->id = db_int(r, i, 0);
    x->fee_item_id = db_int(r, i, 1);
    x->rate = db_int(r, i, 2);
    x->building_id = db_int(r, i, 3);
    x->resource_kind = db_str(r, i, 4);
    x->customer_group = db_str(r, i, 5);
    x->valid_from = (int32_t)db_int(r, i, 6);
    x->valid_to = db_is_null(r, i, 7) ? FEE_OPEN_END : (int32_t)db_int(r, i, 7);
}

/* Lock an item and check it is the caller's (404 otherwise). */
static int lock_item(struct db *db, struct edit *x, int64_t id, struct fee_item *it, struct err *e)
{
    struct db_res r;
    int found = db_one(db, &x->a, &sql_item_lock, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(x->who, db_int(&r, 0, 1)))
        return err_not_found(e);
    item_from_row(&r, 0, it);
    return 0;
}

/* ---- items -------------------------------------------------------------------------- */

/* Merge in into it (the defaults or the stored item) and check the result. */
static int merge_item(const struct fee_item_in *in, bool create, struct fee_item *it, struct err *e)
{
    if (!create && (in->code || in->cycle || in->method))
        return err_bad_request(e, "收费项目的编码、周期和计费方式不能修改");
    if (in->code)
        it->code = in->code;
    if (in->name)
        it->name = in->name;
    if (in->cycle && fee_cycle_from_name(in->cycle, &it->cycle) < 0)
        return err_bad_request(e, "cycle 只能是 monthly、quarterly、yearly 或 once");
    if (in->method && fee_method_from_name(in->method, &it->method) < 0)
        return err_bad_request(e,
                               "method 只能是 building_area、inner_area、usage、per_head 或 fixed");
    if (in->rounding &&
        money_round_from_name(in->rounding, strlen(in->rounding), &it->rounding) < 0)
        return err_bad_request(e, "rounding 只能是 half_up、half_even、down 或 up");
    if (in->has_due_day)
        it->due_day_of_cycle = in->due_day;
    if (in->has_usage_per_unit)
        it->usage_per_unit = in->usage_per_unit;
    if (in->has_late_bp) {
        it->has_late_fee = !in->late_bp_null;
        it->late_fee_daily_bp = in->late_bp_null ? 0 : in->late_bp;
    }
    if (in->has_grace)
        it->late_fee_grace_days = in->grace;
    if (in->late_fee_cap && fee_cap_from_name(in->late_fee_cap, &it->late_fee_cap) < 0)
        return err_bad_request(e, "late_fee_cap 只能是 principal、none 或 fixed");
    if (in->has_cap_fen)
        it->late_fee_cap_fen = in->cap_fen_null ? 0 : in->cap_fen;
    if (in->has_active)
        it->active = in->active;
    /* A fixed cap has its amount; another cap has none (given null or 0). */
    if (it->late_fee_cap != FEE_CAP_FIXED) {
        if (in->has_cap_fen && !in->cap_fen_null)
            return err_bad_request(e, "只有 late_fee_cap 为 fixed 时才能指定 late_fee_cap_fen");
        it->late_fee_cap_fen = 0;
    } else if (!in->has_cap_fen && in->late_fee_cap) {
        return err_bad_request(e, "late_fee_cap 为 fixed 时必须指定 late_fee_cap_fen");
    } else if (in->has_cap_fen && in->cap_fen_null) {
        return err_bad_request(e, "late_fee_cap 为 fixed 时必须指定 late_fee_cap_fen");
    }
    if (it->method != FEE_USAGE && in->has_usage_per_unit && in->usage_per_unit != 1)
        return err_bad_request(e, "只有按用量计费的项目才能指定 usage_per_unit");
    return 0;
}

static struct db_param cap_fen_param(const struct fee_item *it)
{
    return it->late_fee_cap == FEE_CAP_FIXED ? P_INT(it->late_fee_cap_fen) : P_NULL;
}

struct item_op {
    struct edit x;
    const struct fee_item_in *in;
    struct fee_item it;
    int64_t project_id, id;
};

static int item_create_tx(struct db *db, void *arg, struct err *e)
{
    struct item_op *op = arg;
    const struct fee_item *it = &op->it;
    struct db_res r;
    int found = db_one(db, &op->x.a, &sql_lock_project, DB_ARGS(P_INT(op->project_id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(op->x.who, op->project_id))
        return err_not_found(e);
    if (db_insert(db, &sql_item_insert,
                  DB_ARGS(P_INT(op->project_id), P_STR(it->code), P_STR(it->name),
                          P_STR(fee_cycle_name(it->cycle)), P_STR(fee_method_name(it->method)),
                          P_STR(money_round_name(it->rounding)), P_INT(it->due_day_of_cycle),
                          P_INT(it->usage_per_unit),
                          it->has_late_fee ? P_INT(it->late_fee_daily_bp) : P_NULL,
                          P_INT(it->late_fee_grace_days), P_STR(fee_cap_name(it->late_fee_cap)),
                          cap_fen_param(it), P_INT(it->active ? 1 : 0)),
                  &op->id, e) < 0)
        return dup_as(e, E_FEE_ITEM_TAKEN);
    return audited(db, &op->x, "create_fee_item", "fee_item", op->id, &sql_snap_item, NULL, e);
}

int fee_item_create(struct db *db, const struct principal *who, int64_t project_id,
                    const struct fee_item_in *in, int64_t *id, struct err *e)
{
    struct item_op op = {{{0}, who}, in, {0}, project_id, 0};

    op.it.due_day_of_cycle = 1;
    op.it.usage_per_unit = 1;
    op.it.rounding = MONEY_ROUND_HALF_UP;
    op.it.late_fee_cap = FEE_CAP_PRINCIPAL;
    op.it.active = true;
    if (!in->code || !in->name || !in->cycle || !in->method)
        return err_bad_request(e, "缺少字段：code、name、cycle 或 method");
    if (merge_item(in, true, &op.it, e) < 0 || run(db, &op.x, item_create_tx, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

static int item_update_tx(struct db *db, void *arg, struct err *e)
{
    struct item_op *op = arg;
    struct fee_item *it = &op->it;
    const char *before;

    if (lock_item(db, &op->x, op->id, it, e) < 0 || merge_item(op->in, false, it, e) < 0 ||
        audit_snapshot(db, &op->x.a, &sql_snap_item, op->id, &before, e) < 0)
        return -1;
    if (db_exec(db, &sql_item_update,
                DB_ARGS(P_STR(it->name), P_STR(money_round_name(it->rounding)),
                        P_INT(it->due_day_of_cycle), P_INT(it->usage_per_unit),
                        it->has_late_fee ? P_INT(it->late_fee_daily_bp) : P_NULL,
                        P_INT(it->late_fee_grace_days), P_STR(fee_cap_name(it->late_fee_cap)),
                        cap_fen_param(it), P_INT(it->active ? 1 : 0), P_INT(op->id)),
                NULL, e) < 0)
        return -1;
    return audited(db, &op->x, "update_fee_item", "fee_item", op->id, &sql_snap_item, before, e);
}

int fee_item_update(struct db *db, const struct principal *who, int64_t id,
                    const struct fee_item_in *in, struct err *e)
{
    struct item_op op = {{{0}, who}, in, {0}, 0, id};

    return run(db, &op.x, item_update_tx, e);
}

int fee_item_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                 struct fee_item *out, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_item_get, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(who, db_int(&r, 0, 1)))
        return err_not_found(e);
    item_from_row(&r, 0, out);
    return 0;
}

int fee_item_list(struct db *db, struct arena *a, const struct principal *who, int64_t project_id,
                  int64_t after_id, int limit, struct fee_item_row **out, size_t *n,
                  int64_t *next_after, struct err *e)
{
    struct db_res r, rr;
    size_t rows, k = 0;
    int found;

    if (!auth_in_project(who, project_id))
        return err_not_found(e);
    found = db_one(db, a, &sql_project_of, DB_ARGS(P_INT(project_id)), &r, e);
    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    if (db_query(db, a, &sql_item_list,
                 DB_ARGS(P_INT(project_id), P_INT(after_id), P_INT(limit + 1)), &r, e) < 0)
        return -1;
    rows = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    *n = rows;
    *out = arena_alloc(a, (rows ? rows : 1) * sizeof(**out));
    for (size_t i = 0; i < rows; i++) {
        item_from_row(&r, i, &(*out)[i].item);
        (*out)[i].rates = NULL;
        (*out)[i].nrates = 0;
    }
    *next_after = r.nrows > (size_t)limit ? (*out)[rows - 1].item.id : 0;
    if (!rows)
        return 0;
    if (db_query(
            db, a, &sql_rates_listed,
            DB_ARGS(P_INT(project_id), P_INT((*out)[0].item.id), P_INT((*out)[rows - 1].item.id)),
            &rr, e) < 0)
        return -1;
    /* Both ordered by item id: one walk hands each item its rates. */
    for (size_t i = 0; i < rows; i++) {
        struct fee_item_row *x = &(*out)[i];
        size_t start = k;
        while (k < rr.nrows && db_int(&rr, k, 1) == x->item.id)
            k++;
        x->nrates = k - start;
        x->rates = arena_alloc(a, (x->nrates ? x->nrates : 1) * sizeof(*x->rates));
        for (size_t j = 0; j < x->nrates; j++)
            rate_from_row(&rr, start + j, &x->rates[j]);
    }
    return 0;
}

int fee_items_with_rates(struct db *db, struct arena *a, int64_t project_id, const int64_t *ids,
                         size_t n, struct fee_item_row *out, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        struct db_res r;
        int found = db_one(db, a, &sql_item_get, DB_ARGS(P_INT(ids[i])), &r, e);

        if (found < 0)
            return -1;
        if (!found || db_int(&r, 0, 1) != project_id)
            return err_setf(e, E_NOT_FOUND, "该项目没有收费项目 %lld", (long long)ids[i]);
        item_from_row(&r, 0, &out[i].item);
        if (db_query(db, a, &sql_rates_of_item, DB_ARGS(P_INT(ids[i])), &r, e) < 0)
            return -1;
        out[i].nrates = r.nrows;
        out[i].rates = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*out[i].rates));
        for (size_t j = 0; j < r.nrows; j++)
            rate_from_row(&r, j, &out[i].rates[j]);
    }
    return 0;
}

/* ---- rates -------------------------------------------------------------------------- */

/* Does cand (id 0 for a new one) overlap another rate of its item with the
 * same selectors? The item is locked by the caller. */
static int check_overlap(struct db *db, struct edit *x, const struct fee_rate *cand, struct err *e)
{
    struct db_res r;

    if (db_query(db, &x->a, &sql_rates_of_item, DB_ARGS(P_INT(cand->fee_item_id)), &r, e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        struct fee_rate o;
        rate_from_row(&r, i, &o);
        if (o.id != cand->id && fee_rate_same_selectors(&o, cand) && fee_rate_overlaps(&o, cand))
            return err_set(e, E_RATE_OVERLAP);
    }
    return 0;
}

struct rate_op {
    struct edit x;
    const struct fee_rate_in *in;
    struct fee_rate rate;
    const char *valid_to;
    int64_t id;
};

static int rate_add_tx(struct db *db, void *arg, struct err *e)
{
    struct rate_op *op = arg;
    const struct fee_rate_in *in = op->in;
    struct fee_item it;
    struct db_res r;

    if (lock_item(db, &op->x, op->rate.fee_item_id, &it, e) < 0)
        return -1;
    if (in->building_id) {
        int found =
            db_one(db, &op->x.a, &sql_building_project, DB_ARGS(P_INT(in->building_id)), &r, e);
        if (found < 0)
            return -1;
        if (!found || db_int(&r, 0, 0) != it.project_id)
            return err_bad_request(e, "楼栋不属于该收费项目的项目");
    }
    if (check_overlap(db, &op->x, &op->rate, e) < 0)
        return -1;
    if (db_insert(db, &sql_rate_insert,
                  DB_ARGS(P_INT(op->rate.fee_item_id), P_INT(in->rate),
                          in->building_id ? P_INT(in->building_id) : P_NULL,
                          P_STR(in->resource_kind), P_STR(in->customer_group),
                          P_STR(in->valid_from), P_STR(in->valid_to)),
                  &op->id, e) < 0)
        return -1;
    return audited(db, &op->x, "add_fee_rate", "fee_rate", op->id, &sql_snap_rate, NULL, e);
}

static int parse_day(const char *s, const char *name, int32_t *days, struct err *e)
{
    if (money_date_parse(s, strlen(s), days) < 0)
        return err_setf(e, E_BAD_REQUEST, "%s 必须是 YYYY-MM-DD 格式的日期", name);
    return 0;
}

int fee_rate_add(struct db *db, const struct principal *who, int64_t item_id,
                 const struct fee_rate_in *in, int64_t *id, struct err *e)
{
    struct rate_op op = {{{0}, who}, in, {0}, NULL, 0};

    if (in->rate < 0 || in->rate > FEE_RATE_MAX)
        return err_bad_request(e, "rate 必须是不小于 0 的整数");
    if (!in->valid_from)
        return err_bad_request(e, "缺少字段：valid_from");
    if (in->resource_kind && util_index_of(in->resource_kind, kinds) < 0)
        return err_bad_request(e, "resource_kind 只能是 home、shop、office、parking 或 other");
    op.rate.fee_item_id = item_id;
    op.rate.rate = in->rate;
    op.rate.building_id = in->building_id;
    op.rate.resource_kind = in->resource_kind;
    op.rate.customer_group = in->customer_group;
    op.rate.valid_to = FEE_OPEN_END;
    if (parse_day(in->valid_from, "valid_from", &op.rate.valid_from, e) < 0 ||
        (in->valid_to && parse_day(in->valid_to, "valid_to", &op.rate.valid_to, e) < 0))
        return -1;
    if (op.rate.valid_to < op.rate.valid_from)
        return err_bad_request(e, "valid_to 不能早于 valid_from");
    if (run(db, &op.x, rate_add_tx, e) < 0)
        return -1;
    *id = op.id;
    return 0;
}

static int rate_end_tx(struct db *db, void *arg, struct err *e)
{
    struct rate_op *op = arg;
    struct fee_item it;
    struct db_res r;
    const char *before;
    int32_t new_end = op->rate.valid_to;
    int found = db_one(db, &op->x.a, &sql_rate_item, DB_ARGS(P_INT(op->id)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    /* Lock the item (it serialises every change of its rates), then read
     * the rate again under that lock. */
    if (lock_item(db, &op->x, db_int(&r, 0, 0), &it, e) < 0 ||
        db_query(db, &op->x.a, &sql_rates_of_item, DB_ARGS(P_INT(it.id)), &r, e) < 0)
        return -1;
    found = 0;
    for (size_t i = 0; i < r.nrows; i++)
        if (db_int(&r, i, 0) == op->id) {
            rate_from_row(&r, i, &op->rate);
            found = 1;
        }
    if (!found)
        return err_not_found(e);
    if (new_end < op->rate.valid_from)
        return err_bad_request(e, "valid_to 不能早于该标准的 valid_from");
    op->rate.valid_to = new_end;
    if (check_overlap(db, &op->x, &op->rate, e) < 0 ||
        audit_snapshot(db, &op->x.a, &sql_snap_rate, op->id, &before, e) < 0 ||
        db_exec(db, &sql_rate_set_end, DB_ARGS(P_STR(op->valid_to), P_INT(op->id)), NULL, e) < 0)
        return -1;
    return audited(db, &op->x, "end_fee_rate", "fee_rate", op->id, &sql_snap_rate, before, e);
}

int fee_rate_end(struct db *db, const struct principal *who, int64_t rate_id, const char *valid_to,
                 struct err *e)
{
    struct rate_op op = {{{0}, who}, NULL, {0}, valid_to, rate_id};

    if (!valid_to)
        return err_bad_request(e, "缺少字段：valid_to");
    if (parse_day(valid_to, "valid_to", &op.rate.valid_to, e) < 0)
        return -1;
    return run(db, &op.x, rate_end_tx, e);
}

void fee_date_text(int32_t days, char out[11])
{
    date_format(days, out);
}
