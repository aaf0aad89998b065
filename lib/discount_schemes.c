/*
 * discount_schemes.c — see discount_schemes.h. The writes have the shape
 * of fees.c: input checked first, then one transaction that locks the row
 * deciding the write (the project in share mode for a new scheme, the
 * scheme itself for a change), decides scope on it, snapshots, writes and
 * audits.
 */
#include "discount_schemes.h"

#include <string.h>

#include "audit.h"
#include "fees.h"
#include "resources.h"

/* ---- the pure half ------------------------------------------------------------------ */

/* A prepayment scheme applies only to a prepayment of at least its months
 * (months 0: a bill run's bill, which no prepayment scheme discounts). */
static bool applies(const struct discount_scheme *s, int64_t fee_item_id, const char *group,
                    int32_t day, int64_t months)
{
    if (!s->active || s->min_months > months || day < s->valid_from || day > s->valid_to)
        return false;
    if (s->fee_item_id && s->fee_item_id != fee_item_id)
        return false;
    return !s->customer_group || (group && strcmp(s->customer_group, group) == 0);
}

bool discount_scheme_applies(const struct discount_scheme *s, int64_t fee_item_id,
                             const char *group, int32_t day)
{
    return applies(s, fee_item_id, group, day, 0);
}

int discount_best_months(const struct discount_scheme *v, size_t n, int64_t fee_item_id,
                         const char *group, int32_t day, int64_t months, int64_t amount_fen,
                         enum money_round mode, int64_t *discount_fen, int64_t *scheme_id)
{
    int64_t best = 0, best_id = 0;

    if (amount_fen < 0 || months < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int64_t d;
        if (!applies(&v[i], fee_item_id, group, day, months))
            continue;
        if ((v[i].off_bp > 0 ? money_discount_off_bp(amount_fen, v[i].off_bp, mode, &d)
                             : money_discount_fixed(amount_fen, v[i].off_fen, &d)) < 0)
            return -1;
        if (d > best || (d == best && d > 0 && v[i].id < best_id)) {
            best = d;
            best_id = v[i].id;
        }
    }
    *discount_fen = best;
    *scheme_id = best ? best_id : 0;
    return 0;
}

int discount_best(const struct discount_scheme *v, size_t n, int64_t fee_item_id, const char *group,
                  int32_t day, int64_t amount_fen, enum money_round mode, int64_t *discount_fen,
                  int64_t *scheme_id)
{
    return discount_best_months(v, n, fee_item_id, group, day, 0, amount_fen, mode, discount_fen,
                                scheme_id);
}

/* ---- The SQL of this module --------------------------------------------------------- */

#define SCHEME_COLS                                                                                \
    "id, project_id, name, fee_item_id, customer_group, min_months, off_bp, off_fen, "             \
    "DATEDIFF(valid_from, '1970-01-01'), DATEDIFF(valid_to, '1970-01-01'), active, created_at"
DB_SQL(sql_project_share, "SELECT id FROM projects WHERE id = ? LOCK IN SHARE MODE");
DB_SQL(sql_item_project, "SELECT project_id FROM fee_items WHERE id = ? LOCK IN SHARE MODE");
DB_SQL(sql_insert, "INSERT INTO discount_schemes (project_id, name, fee_item_id, customer_group, "
                   "min_months, off_bp, off_fen, valid_from, valid_to) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
DB_SQL(sql_lock, "SELECT " SCHEME_COLS " FROM discount_schemes WHERE id = ? FOR UPDATE");
DB_SQL(sql_update, "UPDATE discount_schemes SET active = ?, valid_to = ? WHERE id = ?");
DB_SQL(sql_list, "SELECT " SCHEME_COLS " FROM discount_schemes WHERE project_id = ? AND id > ? "
                 "ORDER BY id LIMIT ?");
DB_SQL(sql_for_run, "SELECT " SCHEME_COLS " FROM discount_schemes WHERE project_id = ? "
                    "AND active = 1 AND min_months IS NULL ORDER BY id");
/* The desk's prepayment (lib/prepay.c): the ordinary schemes and the
 * prepayment ones, which compete as equals (the largest single one wins). */
DB_SQL(sql_for_prepay, "SELECT " SCHEME_COLS " FROM discount_schemes WHERE project_id = ? "
                       "AND active = 1 ORDER BY id");
DB_SQL(sql_snap, "SELECT JSON_OBJECT('project_id', project_id, 'name', name, "
                 "'fee_item_id', fee_item_id, 'customer_group', customer_group, "
                 "'min_months', min_months, 'off_bp', off_bp, 'off_fen', off_fen, "
                 "'valid_from', valid_from, 'valid_to', valid_to, 'active', active) "
                 "FROM discount_schemes WHERE id = ?");

static void scheme_from_row(const struct db_res *r, size_t i, struct discount_scheme *s)
{
    s->id = db_int(r, i, 0);
    s->project_id = db_int(r, i, 1);
    s->name = db_text(r, i, 2);
    s->fee_item_id = db_int(r, i, 3);
    s->customer_group = db_str(r, i, 4);
    s->min_months = db_int(r, i, 5);
    s->off_bp = db_int(r, i, 6);
    s->off_fen = db_int(r, i, 7);
    s->valid_from = (int32_t)db_int(r, i, 8);
    s->valid_to = db_is_null(r, i, 9) ? FEE_OPEN_END : (int32_t)db_int(r, i, 9);
    s->active = db_int(r, i, 10) != 0;
    s->created_at = db_text(r, i, 11);
}

static int parse_day(const char *s, const char *name, int32_t *days, struct err *e)
{
    if (money_date_parse(s, strlen(s), days) < 0)
        return err_setf(e, E_BAD_REQUEST, "%s 必须是 YYYY-MM-DD 格式的日期", name);
    return 0;
}

struct scheme_op {
    struct arena a;
    const struct principal *who;
    const struct discount_scheme_in *in;
    const struct discount_scheme_patch *patch;
    int64_t project_id, id;
};

static int audited(struct db *db, struct scheme_op *op, const char *action, const char *before,
                   struct err *e)
{
    return audit_change(db, &op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = action,
                                              .entity = "discount_scheme",
                                              .entity_id = op->id,
                                              .before = before},
                        &sql_snap, e);
}

/* ---- writes ------------------------------------------------------------------------- */

static int create_tx(struct db *db, void *arg, struct err *e)
{
    struct scheme_op *op = arg;
    const struct discount_scheme_in *in = op->in;
    struct db_res r;
    int found = db_one(db, &op->a, &sql_project_share, DB_ARGS(P_INT(op->project_id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(op->who, op->project_id))
        return err_not_found(e);
    if (in->fee_item_id) {
        found = db_one(db, &op->a, &sql_item_project, DB_ARGS(P_INT(in->fee_item_id)), &r, e);
        if (found < 0)
            return -1;
        if (!found || db_int(&r, 0, 0) != op->project_id)
            return err_setf(e, E_NOT_FOUND, "该项目没有这个收费项目");
    }
    if (db_insert(db, &sql_insert,
                  DB_ARGS(P_INT(op->project_id), P_STR(in->name),
                          in->fee_item_id ? P_INT(in->fee_item_id) : P_NULL,
                          P_STR(in->customer_group),
                          in->min_months ? P_INT(in->min_months) : P_NULL,
                          in->off_bp ? P_INT(in->off_bp) : P_NULL,
                          in->off_fen ? P_INT(in->off_fen) : P_NULL, P_STR(in->valid_from),
                          P_STR(in->valid_to)),
                  &op->id, e) < 0)
        return -1;
    return audited(db, op, "create_discount_scheme", NULL, e);
}

int discount_scheme_create(struct db *db, const struct principal *who, int64_t project_id,
                           const struct discount_scheme_in *in, int64_t *id, struct err *e)
{
    struct scheme_op op = {{0}, who, in, NULL, project_id, 0};
    int32_t from, to = FEE_OPEN_END;
    int rc;

    if (!in->name || !in->valid_from)
        return err_bad_request(e, "缺少字段：name 或 valid_from");
    if ((in->off_bp > 0) == (in->off_fen > 0))
        return err_bad_request(e, "off_bp（按比例减免）和 off_fen（按金额减免）须且只能指定一个");
    if (in->off_bp < 0 || in->off_bp > DISCOUNT_OFF_BP_MAX || in->off_fen < 0 ||
        in->off_fen > MONEY_MAX_FEN || in->min_months < 0 ||
        in->min_months > DISCOUNT_MIN_MONTHS_MAX)
        return err_bad_request(e, "减免比例、金额或月数超出范围");
    if (parse_day(in->valid_from, "valid_from", &from, e) < 0 ||
        (in->valid_to && parse_day(in->valid_to, "valid_to", &to, e) < 0))
        return -1;
    if (to < from)
        return err_bad_request(e, "valid_to 不能早于 valid_from");
    rc = db_tx(db, create_tx, &op, e);
    arena_free(&op.a);
    *id = op.id;
    return rc;
}

static int update_tx(struct db *db, void *arg, struct err *e)
{
    struct scheme_op *op = arg;
    const struct discount_scheme_patch *in = op->patch;
    struct discount_scheme s;
    struct db_res r;
    const char *before;
    int32_t to;
    int found = db_one(db, &op->a, &sql_lock, DB_ARGS(P_INT(op->id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(op->who, db_int(&r, 0, 1)))
        return err_not_found(e);
    scheme_from_row(&r, 0, &s);
    if (in->has_active)
        s.active = in->active;
    if (in->has_valid_to) {
        to = FEE_OPEN_END;
        if (in->valid_to && parse_day(in->valid_to, "valid_to", &to, e) < 0)
            return -1;
        if (to < s.valid_from)
            return err_bad_request(e, "valid_to 不能早于该方案的 valid_from");
        s.valid_to = to;
    }
    if (audit_snapshot(db, &op->a, &sql_snap, op->id, &before, e) < 0)
        return -1;
    if (s.valid_to == FEE_OPEN_END) {
        if (db_exec(db, &sql_update, DB_ARGS(P_INT(s.active), P_NULL, P_INT(op->id)), NULL, e) < 0)
            return -1;
    } else {
        char day[11];
        fee_date_text(s.valid_to, day);
        if (db_exec(db, &sql_update, DB_ARGS(P_INT(s.active), P_STR(day), P_INT(op->id)), NULL, e) <
            0)
            return -1;
    }
    return audited(db, op, "update_discount_scheme", before, e);
}

int discount_scheme_update(struct db *db, const struct principal *who, int64_t id,
                           const struct discount_scheme_patch *in, struct err *e)
{
    struct scheme_op op = {{0}, who, NULL, in, 0, id};
    int rc;

    if (!in->has_active && !in->has_valid_to)
        return err_bad_request(e, "请指定 active 或 valid_to");
    rc = db_tx(db, update_tx, &op, e);
    arena_free(&op.a);
    return rc;
}

/* ---- reads -------------------------------------------------------------------------- */

static void schemes_from(struct arena *a, const struct db_res *r, size_t rows,
                         struct discount_scheme **out)
{
    *out = arena_alloc(a, (rows ? rows : 1) * sizeof(**out));
    for (size_t i = 0; i < rows; i++)
        scheme_from_row(r, i, &(*out)[i]);
}

int discount_scheme_list(struct db *db, struct arena *a, const struct principal *who,
                         int64_t project_id, int64_t after_id, int limit,
                         struct discount_scheme **out, size_t *n, int64_t *next_after,
                         struct err *e)
{
    struct db_res r;

    if (res_project_scope(db, who, project_id, e) < 0)
        return -1;
    if (db_query(db, a, &sql_list, DB_ARGS(P_INT(project_id), P_INT(after_id), P_INT(limit + 1)),
                 &r, e) < 0)
        return -1;
    *n = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
    schemes_from(a, &r, *n, out);
    *next_after = r.nrows > (size_t)limit ? (*out)[*n - 1].id : 0;
    return 0;
}

static int schemes_read(struct db *db, struct arena *a, struct db_sql *q, int64_t project_id,
                        struct discount_scheme **out, size_t *n, struct err *e)
{
    struct db_res r;

    if (db_query(db, a, q, DB_ARGS(P_INT(project_id)), &r, e) < 0)
        return -1;
    *n = r.nrows;
    schemes_from(a, &r, r.nrows, out);
    return 0;
}

int discount_schemes_for_run(struct db *db, struct arena *a, int64_t project_id,
                             struct discount_scheme **out, size_t *n, struct err *e)
{
    return schemes_read(db, a, &sql_for_run, project_id, out, n, e);
}

int discount_schemes_for_prepay(struct db *db, struct arena *a, int64_t project_id,
                                struct discount_scheme **out, size_t *n, struct err *e)
{
    return schemes_read(db, a, &sql_for_prepay, project_id, out, n, e);
}
