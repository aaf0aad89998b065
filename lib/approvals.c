/*
 * approvals.c — see approvals.h; docs/books.md, "Approvals and reversals".
 *
 * Every write has the shape of the desk's (bills.c): input checked first,
 * then one transaction that locks what decides it, checks scope and state
 * on what it locked, writes, and audits. The change a request asks for is
 * written by apply() in the transaction of the last approval, with the
 * same checks the request passed (check_bill(), lock_receipt(), the
 * balance), since they may no longer hold.
 */
#include "approvals.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "core/json.h"
#include "core/money.h"
#include "core/util.h"
#include "staff.h"

/* ---- names --------------------------------------------------------------------------- */

static const char *const kind_names[] = {"waiver", "bill_void", "receipt_void", "refund"};
static const char *const kind_labels[] = {"减免", "作废账单", "作废收据", "退款"};
static const char *const status_names[] = {"pending", "approved", "rejected", "cancelled"};

/* APPROVAL_ROLES by name, with the words a message shows. */
static const struct {
    const char *name, *label;
} step_roles[] = {{"butler", "管家"},
                  {"supervisor", "主管"},
                  {"manager", "经理"},
                  {"cashier", "收银员"},
                  {"admin", "管理员"}};
#define NROLES (sizeof(step_roles) / sizeof(step_roles[0]))

const char *approval_kind_name(enum approval_kind k)
{
    return (unsigned)k < APPROVAL_KINDS ? kind_names[k] : NULL;
}

int approval_kind_from_name(const char *s, enum approval_kind *out)
{
    for (int i = 0; s && i < APPROVAL_KINDS; i++)
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum approval_kind)i;
            return 0;
        }
    return -1;
}

const char *approval_status_name(enum approval_status s)
{
    return (unsigned)s <= APPROVAL_CANCELLED ? status_names[s] : NULL;
}

int approval_status_from_name(const char *s, enum approval_status *out)
{
    for (int i = 0; s && i <= APPROVAL_CANCELLED; i++)
        if (strcmp(s, status_names[i]) == 0) {
            *out = (enum approval_status)i;
            return 0;
        }
    return -1;
}

static int role_index(const char *name)
{
    for (size_t i = 0; name && i < NROLES; i++)
        if (strcmp(name, step_roles[i].name) == 0)
            return (int)i;
    return -1;
}

/* The role's bit in principal.roles (auth_role_names' order); 0 if none. */
static unsigned role_bit(const char *name)
{
    for (unsigned i = 0; name && i < sizeof(auth_role_names) / sizeof(auth_role_names[0]); i++)
        if (strcmp(name, auth_role_names[i]) == 0)
            return 1u << i;
    return 0;
}

/* ---- policies (pure) ----------------------------------------------------------------- */

static const struct approval_rule default_rules[] = {{"supervisor", 0}, {"manager", 100000}};

void approval_default_policy(const struct approval_rule **v, size_t *n)
{
    *v = default_rules;
    *n = sizeof(default_rules) / sizeof(default_rules[0]);
}

int approval_policy_check(const struct approval_rule *v, size_t n, struct err *e)
{
    if (n < 1 || n > APPROVAL_STEPS_MAX)
        return err_bad_request(e, "steps 须为 1 到 8 个审批步骤");
    for (size_t i = 0; i < n; i++) {
        if (role_index(v[i].role) < 0)
            return err_bad_request(e, "role 只能是 butler、supervisor、manager、cashier 或 admin");
        if (v[i].min_amount_fen < 0 || v[i].min_amount_fen > MONEY_MAX_FEN)
            return err_bad_request(e, "字段 min_amount_fen 超出允许范围");
    }
    if (v[0].min_amount_fen != 0)
        return err_bad_request(e, "第一步的 min_amount_fen 须为 0：每个申请至少要经过一步审批");
    return 0;
}

size_t approval_steps_for(const struct approval_rule *v, size_t n, int64_t amount_fen,
                          const char **roles)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        if (amount_fen >= v[i].min_amount_fen)
            roles[k++] = v[i].role;
    return k;
}

/* ---- who decides (pure) -------------------------------------------------------------- */

static int check_open(const struct approval *x, const struct principal *who, struct err *e)
{
    if (!auth_in_project(who, x->project_id))
        return err_not_found(e);
    if (x->status != APPROVAL_PENDING)
        return err_set(e, E_APPROVAL_DECIDED);
    return 0;
}

int approval_may_decide(const struct approval *x, const struct principal *who, struct err *e)
{
    const char *role;
    int ri;

    if (check_open(x, who, e) < 0)
        return -1;
    if (who->id == x->requested_by)
        return err_setf(e, E_FORBIDDEN, "不能审批自己提交的申请");
    for (size_t i = 0; i < x->next_step && i < x->nsteps; i++)
        if (x->steps[i].decided_by == who->id)
            return err_setf(e, E_FORBIDDEN, "您已审批过该申请的前一步，每一步须由不同的人审批");
    if (x->next_step >= x->nsteps) /* pending with every step decided: not ours */
        return err_setf(e, E_INTERNAL, "approval %lld: no step left", (long long)x->id);
    role = x->steps[x->next_step].role;
    ri = role_index(role);
    if (!(who->roles & role_bit(role)))
        return err_setf(e, E_FORBIDDEN, "当前这一步须由%s审批",
                        ri < 0 ? role : step_roles[ri].label);
    return 0;
}

int approval_may_cancel(const struct approval *x, const struct principal *who, struct err *e)
{
    if (check_open(x, who, e) < 0)
        return -1;
    if (who->id != x->requested_by)
        return err_setf(e, E_FORBIDDEN, "只有申请人可以撤销申请");
    return 0;
}

/* ---- the arithmetic (pure) ----------------------------------------------------------- */

int64_t approval_open_principal(const struct bill *b)
{
    int64_t open = b->amount_fen - b->discount_fen - b->paid_fen;

    return open > 0 ? open : 0;
}

int approval_waive_figures(const struct bill *b, int64_t amount_fen, int32_t today,
                           struct approval_waive_after *out)
{
    struct bill g = *b;

    if (!bill_is_open(b) || amount_fen <= 0 || b->discount_fen < 0 || b->paid_fen < 0 ||
        b->discount_fen > b->amount_fen || amount_fen > approval_open_principal(b) ||
        bill_late_freeze(b, today, &g.late_frozen_fen, &g.late_from) < 0)
        return -1;
    g.discount_fen = b->discount_fen + amount_fen;
    if (bill_figure(&g, today) < 0)
        return -1;
    out->discount_fen = g.discount_fen;
    out->late_frozen_fen = g.late_frozen_fen;
    out->late_from = g.late_from;
    out->due_fen = g.due_fen;
    out->status = g.due_fen == 0 ? BILL_PAID : b->paid_fen > 0 ? BILL_PARTIAL : BILL_UNPAID;
    return 0;
}

int approval_reverse_figures(const struct bill *b, int64_t amount_fen, int64_t late_fen,
                             struct bill_after *out)
{
    if (b->status == BILL_VOID || amount_fen <= 0 || amount_fen > b->paid_fen || late_fen < 0 ||
        late_fen > amount_fen)
        return -1;
    out->paid_fen = b->paid_fen - amount_fen;
    out->late_frozen_fen = b->late_frozen_fen;
    out->late_from = b->late_from;
    out->status = out->paid_fen == 0 ? BILL_UNPAID : BILL_PARTIAL;
    out->late_part_fen = -late_fen;
    return 0;
}

/* ---- The SQL of this module ---------------------------------------------------------- */

/* What decides a decision: the columns of core_from_row(). */
#define CORE_COLS                                                                                  \
    "a.id, a.project_id, a.kind, a.target_id, a.resource_id, a.amount_fen, a.method, a.reason, "   \
    "a.steps, a.next_step, a.status, a.requested_by"
#define NCORE 12
/* ... and what an answer shows besides: view_from_row(). */
#define VIEW_COLS                                                                                  \
    CORE_COLS ", s.name, a.created_at, a.decided_at, ac.kind, rc.receipt_no, "                     \
              "(SELECT JSON_ARRAYAGG(JSON_OBJECT('step', st.step, 'decided_by', st.decided_by, "   \
              "'name', ss.name, 'decision', st.decision, 'note', st.note, 'decided_at', "          \
              "st.decided_at) ORDER BY st.step) FROM approval_steps st "                           \
              "LEFT JOIN staff ss ON ss.id = st.decided_by WHERE st.approval_id = a.id)"
#define VIEW_FROM                                                                                  \
    "FROM approvals a LEFT JOIN staff s ON s.id = a.requested_by "                                 \
    "LEFT JOIN accounts ac ON a.kind = 'refund' AND ac.id = a.target_id "                          \
    "LEFT JOIN receipts rc ON a.kind = 'receipt_void' AND rc.id = a.target_id "

DB_SQL(sql_approval_lock, "SELECT " CORE_COLS " FROM approvals a WHERE a.id = ? FOR UPDATE");
DB_SQL(sql_decided, "SELECT step, decided_by FROM approval_steps WHERE approval_id = ? "
                    "ORDER BY step FOR UPDATE");
DB_SQL(sql_approval_view, "SELECT " VIEW_COLS " " VIEW_FROM "WHERE a.id = ?");
DB_SQL(sql_approval_list,
       "SELECT " VIEW_COLS " " VIEW_FROM "JOIN staff_projects sp ON sp.project_id = a.project_id "
       "AND sp.staff_id = ? WHERE (? = 0 OR a.project_id = ?) "
       "AND (? = '' OR a.status = ?) AND (? = '' OR a.kind = ?) "
       "AND (? = 0 OR a.id < ?) ORDER BY a.id DESC LIMIT ?");
DB_SQL(sql_approval_insert,
       "INSERT INTO approvals (project_id, kind, target_id, resource_id, amount_fen, method, "
       "reason, steps, requested_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
DB_SQL(sql_step_insert, "INSERT INTO approval_steps (approval_id, step, role, decided_by, "
                        "decision, note) VALUES (?, ?, ?, ?, ?, ?)");
DB_SQL(sql_approval_set, "UPDATE approvals SET next_step = ?, status = ?, "
                         "decided_at = IF(? = 'pending', NULL, UTC_TIMESTAMP()) WHERE id = ?");
DB_SQL(sql_snap_approval,
       "SELECT JSON_OBJECT('project_id', project_id, 'kind', kind, 'target_id', target_id, "
       "'resource_id', resource_id, 'amount_fen', amount_fen, 'method', method, "
       "'reason', reason, 'steps', JSON_EXTRACT(steps, '$'), 'next_step', next_step, "
       "'status', status, 'requested_by', requested_by, 'decisions', "
       "(SELECT JSON_ARRAYAGG(JSON_OBJECT('step', step, 'role', role, 'decided_by', decided_by, "
       "'decision', decision, 'note', note) ORDER BY step) FROM approval_steps "
       "WHERE approval_id = approvals.id)) FROM approvals WHERE id = ?");

DB_SQL(sql_project_lock, "SELECT id FROM projects WHERE id = ? FOR UPDATE");
DB_SQL(sql_project_of, "SELECT id FROM projects WHERE id = ?");
DB_SQL(sql_policies, "SELECT kind, role, min_amount_fen FROM approval_policies "
                     "WHERE project_id = ? ORDER BY kind, step");
DB_SQL(sql_policy_delete, "DELETE FROM approval_policies WHERE project_id = ? AND kind = ?");
DB_SQL(sql_policy_insert, "INSERT INTO approval_policies (project_id, kind, step, role, "
                          "min_amount_fen) VALUES (?, ?, ?, ?, ?)");
DB_SQL(sql_snap_policy,
       "SELECT JSON_OBJECT('kind', ?, 'steps', (SELECT JSON_ARRAYAGG(JSON_OBJECT('role', role, "
       "'min_amount_fen', min_amount_fen) ORDER BY step) FROM approval_policies "
       "WHERE project_id = ? AND kind = ?))");

/* The targets, each locked before it is judged. */
DB_SQL(sql_bill_resource, "SELECT resource_id FROM bills WHERE id = ?");
DB_SQL(sql_receipt_resource, "SELECT resource_id FROM receipts WHERE id = ?");
DB_SQL(sql_receipt_lock, "SELECT method, purpose, amount_fen, to_prepay_fen, status "
                         "FROM receipts WHERE id = ? FOR UPDATE");
DB_SQL(sql_account_of, "SELECT id, balance_fen FROM accounts WHERE resource_id = ? AND kind = ? "
                       "FOR UPDATE");
DB_SQL(sql_account_kind, "SELECT kind FROM accounts WHERE id = ? FOR UPDATE");

/* The changes. */
DB_SQL(sql_discount_insert, "INSERT INTO bill_discounts (bill_id, kind, approval_id, amount_fen) "
                            "VALUES (?, 'waiver', ?, ?)");
DB_SQL(sql_bill_waived, "UPDATE bills SET discount_fen = ?, late_fee_fen = ?, late_from = "
                        "IF(? = 0, NULL, '1970-01-01' + INTERVAL ? DAY), status = ?, "
                        "paid_at = IF(? = 'paid', UTC_TIMESTAMP(), NULL) WHERE id = ?");
DB_SQL(sql_bill_voided, "UPDATE bills SET status = 'void' WHERE id = ?");
DB_SQL(sql_applications, "SELECT id, bill_id, amount_fen, late_fen FROM bill_applications "
                         "WHERE receipt_id = ? AND reverses_id IS NULL ORDER BY id FOR UPDATE");
DB_SQL(sql_application_undo, "INSERT INTO bill_applications (bill_id, receipt_id, amount_fen, "
                             "late_fen, reverses_id) VALUES (?, ?, ?, ?, ?)");
DB_SQL(sql_bill_reopened, "UPDATE bills SET paid_fen = ?, status = ?, paid_at = NULL "
                          "WHERE id = ?");
DB_SQL(sql_receipt_voided, "UPDATE receipts SET status = 'voided', voided_at = UTC_TIMESTAMP(), "
                           "void_approval_id = ? WHERE id = ?");
DB_SQL(sql_snap_account, "SELECT JSON_OBJECT('resource_id', resource_id, 'kind', kind, "
                         "'balance_fen', balance_fen) FROM accounts WHERE id = ?");

/* ---- rows ---------------------------------------------------------------------------- */

/* The steps' roles as stored (a JSON array of names) into x->steps. */
static int steps_from_text(struct arena *a, const char *text, struct approval *x, struct err *e)
{
    cJSON *arr = cJSON_Parse(text), *it;
    size_t n = 0;
    int rc = -1;

    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
        cJSON_GetArraySize(arr) > APPROVAL_STEPS_MAX) {
        err_setf(e, E_INTERNAL, "approval %lld: bad steps", (long long)x->id);
        goto out;
    }
    x->steps = arena_alloc(a, (size_t)cJSON_GetArraySize(arr) * sizeof(*x->steps));
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it)) {
            err_setf(e, E_INTERNAL, "approval %lld: bad steps", (long long)x->id);
            goto out;
        }
        x->steps[n].step = (int)n + 1;
        x->steps[n++].role = arena_strdup(a, it->valuestring);
    }
    x->nsteps = n;
    rc = 0;
out:
    cJSON_Delete(arr);
    return rc;
}

static int core_from_row(struct arena *a, const struct db_res *r, size_t i, struct approval *x,
                         struct err *e)
{
    memset(x, 0, sizeof(*x));
    x->id = db_int(r, i, 0);
    x->project_id = db_int(r, i, 1);
    approval_kind_from_name(db_text(r, i, 2), &x->kind);
    x->target_id = db_int(r, i, 3);
    x->resource_id = db_int(r, i, 4);
    x->amount_fen = db_int(r, i, 5);
    x->method = db_str(r, i, 6);
    x->reason = db_text(r, i, 7);
    x->next_step = (size_t)db_int(r, i, 9);
    approval_status_from_name(db_text(r, i, 10), &x->status);
    x->requested_by = db_int(r, i, 11);
    if (steps_from_text(a, db_text(r, i, 8), x, e) < 0)
        return -1;
    if (x->next_step > x->nsteps)
        return err_setf(e, E_INTERNAL, "approval %lld: bad next_step", (long long)x->id);
    return 0;
}

static void db_time(const char *db_utc, char out[26])
{
    if (!db_utc || util_db_time_to_rfc3339(db_utc, out) < 0)
        out[0] = '\0';
}

/* The decisions (a JSON array, view column NCORE + 5) onto the steps, and
 * every step's status. */
static int decisions_onto(struct arena *a, const char *text, struct approval *x, struct err *e)
{
    cJSON *arr = text ? cJSON_Parse(text) : NULL, *it;
    int rc = -1;

    if (text && !cJSON_IsArray(arr)) {
        err_setf(e, E_INTERNAL, "approval %lld: bad decisions", (long long)x->id);
        goto out;
    }
    for (size_t i = 0; i < x->nsteps; i++)
        x->steps[i].status = x->status != APPROVAL_PENDING ? "skipped"
                             : i == x->next_step           ? "pending"
                                                           : "waiting";
    cJSON_ArrayForEach(it, arr)
    {
        int64_t step, by;
        const char *decision, *name = NULL, *note = NULL, *at = NULL;
        struct approval_step *s;

        if (json_get_int(it, "step", true, 1, (int64_t)x->nsteps, &step, NULL, e) < 0 ||
            json_get_int(it, "decided_by", true, 1, INT64_MAX, &by, NULL, e) < 0 ||
            json_get_str(it, "decision", true, 1, 16, &decision, e) < 0 ||
            json_get_str(it, "name", false, 0, 200, &name, e) < 0 ||
            json_get_str(it, "note", false, 0, 400, &note, e) < 0 ||
            json_get_str(it, "decided_at", false, 0, 40, &at, e) < 0) {
            err_setf(e, E_INTERNAL, "approval %lld: bad decisions", (long long)x->id);
            goto out;
        }
        s = &x->steps[step - 1];
        s->status = strcmp(decision, "approve") == 0 ? "approved" : "rejected";
        s->decided_by = by;
        s->decided_by_name = name ? arena_strdup(a, name) : NULL;
        s->note = arena_strdup(a, note ? note : "");
        db_time(at, s->decided_at);
    }
    rc = 0;
out:
    cJSON_Delete(arr);
    return rc;
}

static int view_from_row(struct arena *a, const struct db_res *r, size_t i, struct approval *x,
                         struct err *e)
{
    if (core_from_row(a, r, i, x, e) < 0)
        return -1;
    x->requested_by_name = db_text(r, i, NCORE);
    db_time(db_str(r, i, NCORE + 1), x->created_at);
    db_time(db_str(r, i, NCORE + 2), x->decided_at);
    x->account_kind = db_str(r, i, NCORE + 3);
    x->receipt_no = db_str(r, i, NCORE + 4);
    return decisions_onto(a, db_str(r, i, NCORE + 5), x, e);
}

/* Read approval id as answers show it (0 rows: 404). */
static int load_view(struct db *db, struct arena *a, int64_t id, struct approval *out,
                     struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_approval_view, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    return view_from_row(a, &r, 0, out, e);
}

/* ---- the targets, locked and judged -------------------------------------------------- */

/* What a request is about, as locked in its transaction. */
struct target {
    int64_t project_id, resource_id, target_id, amount_fen;
    struct bill bill;             /* waiver, bill_void */
    const char *method, *purpose; /* receipt_void: the receipt's */
    int64_t to_prepay_fen;
    const char *account_kind; /* refund */
};

static const struct bill *find_bill(const struct bill *v, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].id == id)
            return &v[i];
    return NULL;
}

/* Can bill b be waived by amount_fen, or voided, now? */
static int check_bill(enum approval_kind kind, const struct bill *b, int64_t amount_fen,
                      struct err *e)
{
    if (kind == APPROVAL_WAIVER) {
        if (!bill_is_open(b) || b->open_payment_id)
            return err_setf(e, E_BILL_NOT_PAYABLE, "账单已缴清、已作废或正在支付中，不能减免");
        if (amount_fen > approval_open_principal(b))
            return err_setf(e, E_WAIVER_EXCEEDS_OPEN, "减免金额超过账单未缴的本金 %lld 分",
                            (long long)approval_open_principal(b));
        return 0;
    }
    if (b->status == BILL_VOID)
        return err_setf(e, E_BILL_NOT_PAYABLE, "账单已作废");
    if (b->paid_fen > 0)
        return err_set(e, E_BILL_HAS_PAYMENTS);
    if (b->open_payment_id)
        return err_setf(e, E_BILL_NOT_PAYABLE, "账单正在支付中，不能作废");
    return 0;
}

/* Lock the bills of the resource and find bill_id among them. */
static int lock_bill(struct db *db, struct arena *a, int64_t resource_id, int64_t bill_id,
                     struct bill *out, struct err *e)
{
    struct bill *v;
    const struct bill *b;
    size_t n;

    if (bills_lock_resource(db, a, resource_id, &v, &n, e) < 0)
        return -1;
    b = find_bill(v, n, bill_id);
    if (!b)
        return err_not_found(e);
    *out = *b;
    return 0;
}

/* Lock receipt id; 409 unless it is valid and voidable here. */
static int lock_receipt(struct db *db, struct arena *a, int64_t id, struct target *t, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_receipt_lock, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    t->method = db_text(&r, 0, 0);
    t->purpose = db_text(&r, 0, 1);
    t->amount_fen = db_int(&r, 0, 2);
    t->to_prepay_fen = db_int(&r, 0, 3);
    if (strcmp(db_text(&r, 0, 4), "valid") != 0)
        return err_setf(e, E_RECEIPT_NOT_VOIDABLE, "该收据已作废");
    if (strcmp(t->method, "wechat_pay") == 0)
        return err_setf(e, E_RECEIPT_NOT_VOIDABLE, "线上支付的收据须通过微信支付退款办理");
    return 0;
}

/* The request's target: scope (404), locked, judged (409). */
static int request_target(struct db *db, struct arena *a, const struct principal *who,
                          const struct approval_in *in, struct target *t, struct err *e)
{
    struct db_res r;
    int found;

    memset(t, 0, sizeof(*t));
    t->target_id = in->target_id;
    t->amount_fen = in->amount_fen;
    switch (in->kind) {
    case APPROVAL_WAIVER:
    case APPROVAL_BILL_VOID:
        found = db_one(db, a, &sql_bill_resource, DB_ARGS(P_INT(in->target_id)), &r, e);
        if (found <= 0)
            return found < 0 ? -1 : err_not_found(e);
        t->resource_id = db_int(&r, 0, 0);
        if (bills_resource_scope_tx(db, who, t->resource_id, &t->project_id, e) < 0 ||
            lock_bill(db, a, t->resource_id, in->target_id, &t->bill, e) < 0)
            return -1;
        if (in->kind == APPROVAL_BILL_VOID)
            t->amount_fen = t->bill.amount_fen;
        return check_bill(in->kind, &t->bill, in->amount_fen, e);
    case APPROVAL_RECEIPT_VOID:
        found = db_one(db, a, &sql_receipt_resource, DB_ARGS(P_INT(in->target_id)), &r, e);
        if (found <= 0)
            return found < 0 ? -1 : err_not_found(e);
        t->resource_id = db_int(&r, 0, 0);
        if (bills_resource_scope_tx(db, who, t->resource_id, &t->project_id, e) < 0)
            return -1;
        return lock_receipt(db, a, in->target_id, t, e);
    case APPROVAL_REFUND:
        t->resource_id = in->target_id;
        t->account_kind = in->account_kind;
        if (bills_resource_scope_tx(db, who, t->resource_id, &t->project_id, e) < 0)
            return -1;
        found = db_one(db, a, &sql_account_of,
                       DB_ARGS(P_INT(t->resource_id), P_STR(in->account_kind)), &r, e);
        if (found < 0)
            return -1;
        if (!found || db_int(&r, 0, 1) < in->amount_fen)
            return err_setf(e, E_INSUFFICIENT_BALANCE, "%s账户余额不足（余额 %lld 分）",
                            strcmp(in->account_kind, "deposit") == 0 ? "押金" : "预存",
                            found ? (long long)db_int(&r, 0, 1) : 0LL);
        t->target_id = db_int(&r, 0, 0);
        return 0;
    }
    return err_internal(e);
}

/* ---- the changes, at the last approval ----------------------------------------------- */

struct decide_op {
    struct arena *a;
    const struct config *cfg;
    const struct principal *who;
    int64_t id;
    enum approval_decision d;
    const char *note;
    struct approval x; /* as locked */
};

static int audited(struct db *db, struct decide_op *op, const char *action, const char *entity,
                   int64_t id, const char *before, struct err *e)
{
    return bills_audit_tx(
        db, op->a,
        &(struct audit_entry){
            .who = op->who, .action = action, .entity = entity, .entity_id = id, .before = before},
        e);
}

static int apply_waiver(struct db *db, struct decide_op *op, struct err *e)
{
    const struct approval *x = &op->x;
    struct approval_waive_after w;
    struct bill b;
    const char *before, *st;
    int32_t today = bills_today();

    if (lock_bill(db, op->a, x->resource_id, x->target_id, &b, e) < 0 ||
        check_bill(APPROVAL_WAIVER, &b, x->amount_fen, e) < 0)
        return -1;
    if (approval_waive_figures(&b, x->amount_fen, today, &w) < 0)
        return err_setf(e, E_INTERNAL, "bill %lld: cannot waive %lld", (long long)b.id,
                        (long long)x->amount_fen);
    st = bill_status_name(w.status);
    if (bills_snapshot_tx(db, op->a, "bill", b.id, &before, e) < 0 ||
        db_insert(db, &sql_discount_insert,
                  DB_ARGS(P_INT(b.id), P_INT(x->id), P_INT(x->amount_fen)), NULL, e) < 0 ||
        db_exec(db, &sql_bill_waived,
                DB_ARGS(P_INT(w.discount_fen), P_INT(w.late_frozen_fen), P_INT(w.late_from),
                        P_INT(w.late_from), P_STR(st), P_STR(st), P_INT(b.id)),
                NULL, e) < 0)
        return -1;
    return audited(db, op, "waive_bill", "bill", b.id, before, e);
}

static int apply_bill_void(struct db *db, struct decide_op *op, struct err *e)
{
    const struct approval *x = &op->x;
    struct bill b;
    const char *before;

    if (lock_bill(db, op->a, x->resource_id, x->target_id, &b, e) < 0 ||
        check_bill(APPROVAL_BILL_VOID, &b, 0, e) < 0 ||
        bills_snapshot_tx(db, op->a, "bill", b.id, &before, e) < 0 ||
        db_exec(db, &sql_bill_voided, DB_ARGS(P_INT(b.id)), NULL, e) < 0)
        return -1;
    return audited(db, op, "void_bill", "bill", b.id, before, e);
}

/* Move delta_fen on the resource's account of kind for the voided receipt. */
static int void_move(struct db *db, struct decide_op *op, const char *kind, int64_t delta_fen,
                     struct err *e)
{
    const struct approval *x = &op->x;

    return account_move_tx(db,
                           &(struct account_move){.project_id = x->project_id,
                                                  .resource_id = x->resource_id,
                                                  .kind = kind,
                                                  .reason = "void",
                                                  .delta_fen = delta_fen,
                                                  .receipt_id = x->target_id,
                                                  .approval_id = x->id,
                                                  .staff_id = op->who->id,
                                                  .note = "收据作废"},
                           NULL, e);
}

/* Undo the receipt's applications: a reversing row each, the bills open again. */
static int undo_applications(struct db *db, struct decide_op *op, struct err *e)
{
    const struct approval *x = &op->x;
    struct db_res r;
    struct bill *v;
    size_t n;

    if (bills_lock_resource(db, op->a, x->resource_id, &v, &n, e) < 0 ||
        db_query(db, op->a, &sql_applications, DB_ARGS(P_INT(x->target_id)), &r, e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        int64_t app = db_int(&r, i, 0), amount = db_int(&r, i, 2), late = db_int(&r, i, 3);
        struct bill *b = (struct bill *)find_bill(v, n, db_int(&r, i, 1));
        struct bill_after after;
        const char *before;

        if (!b || approval_reverse_figures(b, amount, late, &after) < 0)
            return err_setf(e, E_INTERNAL, "application %lld cannot be undone", (long long)app);
        if (b->open_payment_id)
            return err_setf(e, E_BILL_NOT_PAYABLE, "账单 %lld 正在支付中，暂不能作废其收据",
                            (long long)b->id);
        if (bills_snapshot_tx(db, op->a, "bill", b->id, &before, e) < 0 ||
            db_insert(db, &sql_application_undo,
                      DB_ARGS(P_INT(b->id), P_INT(x->target_id), P_INT(-amount),
                              P_INT(after.late_part_fen), P_INT(app)),
                      NULL, e) < 0 ||
            db_exec(
                db, &sql_bill_reopened,
                DB_ARGS(P_INT(after.paid_fen), P_STR(bill_status_name(after.status)), P_INT(b->id)),
                NULL, e) < 0 ||
            audited(db, op, "reopen_bill", "bill", b->id, before, e) < 0)
            return -1;
        /* a receipt may apply to one bill once, but keep the figures true
         * if it ever applies twice */
        b->paid_fen = after.paid_fen;
        b->status = after.status;
    }
    return 0;
}

static int apply_receipt_void(struct db *db, struct decide_op *op, struct err *e)
{
    const struct approval *x = &op->x;
    struct target t = {0};
    const char *before;

    if (lock_receipt(db, op->a, x->target_id, &t, e) < 0 ||
        bills_snapshot_tx(db, op->a, "receipt", x->target_id, &before, e) < 0)
        return -1;
    /* the accounts before the bills (the lock order of bills.h) */
    if (strcmp(t.purpose, "bills") == 0) {
        /* an offset gives its money back to the account it came from; a
         * collection's rest on the prepayment account is taken back */
        if (strcmp(t.method, "prepay") == 0 || strcmp(t.method, "deposit") == 0) {
            if (void_move(db, op, t.method, t.amount_fen, e) < 0)
                return -1;
        } else if (t.to_prepay_fen > 0 && void_move(db, op, "prepay", -t.to_prepay_fen, e) < 0) {
            return -1;
        }
        if (undo_applications(db, op, e) < 0)
            return -1;
    } else if (void_move(db, op, t.purpose, -t.amount_fen, e) < 0) { /* a top-up, a deposit */
        return -1;
    }
    if (db_exec(db, &sql_receipt_voided, DB_ARGS(P_INT(x->id), P_INT(x->target_id)), NULL, e) < 0)
        return -1;
    return audited(db, op, "void_receipt", "receipt", x->target_id, before, e);
}

static int apply_refund(struct db *db, struct decide_op *op, struct err *e)
{
    const struct approval *x = &op->x;
    struct db_res r;
    const char *before;
    int found = db_one(db, op->a, &sql_account_kind, DB_ARGS(P_INT(x->target_id)), &r, e);

    if (found <= 0)
        return found < 0 ? -1 : err_internal(e);
    if (audit_snapshot(db, op->a, &sql_snap_account, x->target_id, &before, e) < 0 ||
        account_move_tx(db,
                        &(struct account_move){.project_id = x->project_id,
                                               .resource_id = x->resource_id,
                                               .kind = db_text(&r, 0, 0),
                                               .reason = "refund",
                                               .delta_fen = -x->amount_fen,
                                               .approval_id = x->id,
                                               /* who pays it out: the desk that asked */
                                               .staff_id = x->requested_by,
                                               .note = x->reason},
                        NULL, e) < 0)
        return -1;
    return audit_change(db, op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = "refund",
                                              .entity = "account",
                                              .entity_id = x->target_id,
                                              .before = before},
                        &sql_snap_account, e);
}

static int apply(struct db *db, struct decide_op *op, struct err *e)
{
    switch (op->x.kind) {
    case APPROVAL_WAIVER:
        return apply_waiver(db, op, e);
    case APPROVAL_BILL_VOID:
        return apply_bill_void(db, op, e);
    case APPROVAL_RECEIPT_VOID:
        return apply_receipt_void(db, op, e);
    case APPROVAL_REFUND:
        return apply_refund(db, op, e);
    }
    return err_internal(e);
}

/* ---- requests ------------------------------------------------------------------------ */

static int load_policies(struct db *db, struct arena *a, int64_t project_id,
                         struct approval_policy out[APPROVAL_KINDS], struct err *e);

/* The rules of the project's policy for kind (the default if none). */
static int policy_rules(struct db *db, struct arena *a, int64_t project_id, enum approval_kind kind,
                        const struct approval_rule **v, size_t *n, struct err *e)
{
    struct approval_policy p[APPROVAL_KINDS];

    if (load_policies(db, a, project_id, p, e) < 0)
        return -1;
    *v = p[kind].steps;
    *n = p[kind].nsteps;
    return 0;
}

/* ---- who hears of it ------------------------------------------------------------------- */

/* The staff of the project who hold the role of the step that awaits
 * (step, 1-based), except the requester; or, with result set, the
 * requester alone. In the caller's transaction; once per approval and
 * step (or end), whatever retries. */
static int tell(struct db *db, struct arena *a, const struct config *cfg, int64_t id,
                int64_t project_id, enum approval_kind kind, int64_t amount_fen,
                int64_t requested_by, const char *role, size_t step, const char *result,
                struct err *e)
{
    char yuan[MONEY_FORMAT_SIZE], third[24], cause[64];
    const char *params[3] = {kind_labels[kind], yuan, result ? result : third};
    unsigned roles = 0;

    for (size_t i = 0; role && i < sizeof(auth_role_names) / sizeof(auth_role_names[0]); i++)
        if (strcmp(role, auth_role_names[i]) == 0)
            roles = 1u << i;
    money_format(amount_fen, yuan);
    snprintf(third, sizeof(third), "%lld", (long long)id);
    if (result)
        snprintf(cause, sizeof(cause), "approval:%lld:end", (long long)id);
    else
        snprintf(cause, sizeof(cause), "approval:%lld:step:%zu", (long long)id, step);
    return staff_tell(db, a,
                      &(struct staff_notice){
                          .project_id = project_id,
                          .roles = result ? ROLE_ANY_STAFF : roles,
                          .only = result ? requested_by : 0,
                          .except = result ? 0 : requested_by,
                          .template_id = result ? cfg->sms_template_approval_result
                                                : cfg->sms_template_approval,
                          .cause = cause,
                          .params = params,
                          .nparams = 3,
                      },
                      e);
}

struct request_op {
    struct arena *a;
    const struct config *cfg;
    const struct principal *who;
    const struct approval_in *in;
    int64_t id;
};

static int request_tx(struct db *db, void *arg, struct err *e)
{
    struct request_op *op = arg;
    const struct approval_in *in = op->in;
    const struct approval_rule *rules;
    const char *roles[APPROVAL_STEPS_MAX];
    struct target t;
    size_t nrules, nroles;
    cJSON *arr;
    char *steps;
    int rc;

    if (request_target(db, op->a, op->who, in, &t, e) < 0 ||
        policy_rules(db, op->a, t.project_id, in->kind, &rules, &nrules, e) < 0)
        return -1;
    /* approval_policy_check() let no other policy in: at most 8 steps, the
     * first of them for any amount */
    if (approval_policy_check(rules, nrules, e) < 0)
        return err_setf(e, E_INTERNAL, "project %lld: a bad approval policy",
                        (long long)t.project_id);
    nroles = approval_steps_for(rules, nrules, t.amount_fen, roles);
    arr = cJSON_CreateArray();
    for (size_t i = 0; i < nroles; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(roles[i]));
    steps = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    if (!steps)
        return err_internal(e);
    rc = db_insert(db, &sql_approval_insert,
                   DB_ARGS(P_INT(t.project_id), P_STR(approval_kind_name(in->kind)),
                           P_INT(t.target_id), P_INT(t.resource_id), P_INT(t.amount_fen),
                           P_STR(in->method), P_STR(in->reason), P_STR(steps), P_INT(op->who->id)),
                   &op->id, e);
    cJSON_free(steps);
    if (rc < 0)
        return err_map(e, E_DB_DUPLICATE, E_APPROVAL_PENDING);
    if (tell(db, op->a, op->cfg, op->id, t.project_id, in->kind, t.amount_fen, op->who->id,
             roles[0], 1, NULL, e) < 0)
        return -1;
    return audit_change(db, op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = "request_approval",
                                              .entity = "approval",
                                              .entity_id = op->id},
                        &sql_snap_approval, e);
}

int approval_request(struct db *db, struct arena *a, const struct config *cfg,
                     const struct principal *who, const struct approval_in *in,
                     struct approval *out, struct err *e)
{
    struct request_op op = {a, cfg, who, in, 0};
    enum pay_method m;

    if ((in->kind == APPROVAL_WAIVER || in->kind == APPROVAL_REFUND) &&
        (in->amount_fen <= 0 || in->amount_fen > MONEY_MAX_FEN))
        return err_bad_request(e, "amount_fen 须为正整数（分）");
    if (in->kind == APPROVAL_REFUND && (!in->method || pay_method_desk(in->method, &m) < 0))
        return err_bad_request(e, "method 只能是 cash、card、wechat、alipay 或 transfer");
    if (in->kind == APPROVAL_REFUND && (!in->account_kind || (strcmp(in->account_kind, "prepay") &&
                                                              strcmp(in->account_kind, "deposit"))))
        return err_bad_request(e, "账户只能是 prepay 或 deposit");
    if (!in->reason || !in->reason[0])
        return err_bad_request(e, "缺少字段：reason");
    if (db_tx(db, request_tx, &op, e) < 0)
        return -1;
    return load_view(db, a, op.id, out, e);
}

/* ---- decisions ----------------------------------------------------------------------- */

static int lock_approval(struct db *db, struct decide_op *op, struct err *e)
{
    struct db_res r;
    int found = db_one(db, op->a, &sql_approval_lock, DB_ARGS(P_INT(op->id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(op->who, db_int(&r, 0, 1)))
        return err_not_found(e);
    if (core_from_row(op->a, &r, 0, &op->x, e) < 0 ||
        db_query(db, op->a, &sql_decided, DB_ARGS(P_INT(op->id)), &r, e) < 0)
        return -1;
    for (size_t i = 0; i < r.nrows; i++) {
        int64_t step = db_int(&r, i, 0);
        if (step >= 1 && (size_t)step <= op->x.nsteps)
            op->x.steps[step - 1].decided_by = db_int(&r, i, 1);
    }
    return 0;
}

static int decide_tx(struct db *db, void *arg, struct err *e)
{
    struct decide_op *op = arg;
    struct approval *x = &op->x;
    const char *before, *status = "pending";
    size_t next;

    /* before: the request as it was, taken on the locked row */
    if (lock_approval(db, op, e) < 0 ||
        audit_snapshot(db, op->a, &sql_snap_approval, x->id, &before, e) < 0)
        return -1;
    next = x->next_step;
    if (op->d == APPROVAL_CANCEL) {
        if (approval_may_cancel(x, op->who, e) < 0)
            return -1;
        status = "cancelled";
    } else {
        bool approve = op->d == APPROVAL_APPROVE;
        if (approval_may_decide(x, op->who, e) < 0 ||
            db_insert(db, &sql_step_insert,
                      DB_ARGS(P_INT(x->id), P_INT(x->next_step + 1),
                              P_STR(x->steps[x->next_step].role), P_INT(op->who->id),
                              P_STR(approve ? "approve" : "reject"),
                              P_STR(op->note ? op->note : "")),
                      NULL, e) < 0)
            return -1;
        next = approve ? x->next_step + 1 : x->next_step;
        if (!approve)
            status = "rejected";
        else if (next == x->nsteps) {
            /* the last approval: the change itself, or nothing at all */
            if (apply(db, op, e) < 0)
                return -1;
            status = "approved";
        }
    }
    if (db_exec(db, &sql_approval_set,
                DB_ARGS(P_INT(next), P_STR(status), P_STR(status), P_INT(x->id)), NULL, e) < 0)
        return -1;
    /* the next role hears that it awaits them; the requester, of the end */
    if (op->d != APPROVAL_CANCEL &&
        tell(db, op->a, op->cfg, x->id, x->project_id, x->kind, x->amount_fen, x->requested_by,
             next < x->nsteps ? x->steps[next].role : NULL, next + 1,
             strcmp(status, "approved") == 0   ? "已批准"
             : strcmp(status, "rejected") == 0 ? "已驳回"
                                               : NULL,
             e) < 0)
        return -1;
    return audit_change(db, op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = op->d == APPROVAL_CANCEL ? "cancel_approval"
                                                        : op->d == APPROVAL_REJECT
                                                            ? "reject_approval"
                                                            : "approve_step",
                                              .entity = "approval",
                                              .entity_id = x->id,
                                              .before = before},
                        &sql_snap_approval, e);
}

int approval_decide(struct db *db, struct arena *a, const struct config *cfg,
                    const struct principal *who, int64_t id, enum approval_decision d,
                    const char *note, struct approval *out, struct err *e)
{
    struct decide_op op = {.a = a, .cfg = cfg, .who = who, .id = id, .d = d, .note = note};

    if (db_tx(db, decide_tx, &op, e) < 0)
        return -1;
    return load_view(db, a, id, out, e);
}

/* ---- reading ------------------------------------------------------------------------- */

int approval_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                 struct approval *out, struct err *e)
{
    if (load_view(db, a, id, out, e) < 0)
        return -1;
    if (!auth_in_project(who, out->project_id))
        return err_not_found(e);
    return 0;
}

int approval_list(struct db *db, struct arena *a, const struct principal *who,
                  const struct approval_filter *f, struct approval **out, size_t *n,
                  int64_t *next_before, struct err *e)
{
    enum approval_status st;
    enum approval_kind k;
    struct db_res r;
    size_t rows;

    if (f->status && approval_status_from_name(f->status, &st) < 0)
        return err_bad_request(e, "status 只能是 pending、approved、rejected 或 cancelled");
    if (f->kind && approval_kind_from_name(f->kind, &k) < 0)
        return err_bad_request(e, "kind 只能是 waiver、bill_void、receipt_void 或 refund");
    if (f->project_id && !auth_in_project(who, f->project_id))
        return err_not_found(e);
    if (db_query(db, a, &sql_approval_list,
                 DB_ARGS(P_INT(who->id), P_INT(f->project_id), P_INT(f->project_id),
                         P_STR(f->status ? f->status : ""), P_STR(f->status ? f->status : ""),
                         P_STR(f->kind ? f->kind : ""), P_STR(f->kind ? f->kind : ""),
                         P_INT(f->before_id), P_INT(f->before_id), P_INT(f->limit + 1)),
                 &r, e) < 0)
        return -1;
    rows = r.nrows > (size_t)f->limit ? (size_t)f->limit : r.nrows;
    *out = arena_alloc(a, (rows ? rows : 1) * sizeof(**out));
    for (size_t i = 0; i < rows; i++)
        if (view_from_row(a, &r, i, &(*out)[i], e) < 0)
            return -1;
    *n = rows;
    *next_before = r.nrows > (size_t)f->limit ? (*out)[rows - 1].id : 0;
    return 0;
}

/* ---- policies ------------------------------------------------------------------------ */

static int load_policies(struct db *db, struct arena *a, int64_t project_id,
                         struct approval_policy out[APPROVAL_KINDS], struct err *e)
{
    struct db_res r;

    if (db_query(db, a, &sql_policies, DB_ARGS(P_INT(project_id)), &r, e) < 0)
        return -1;
    for (int k = 0; k < APPROVAL_KINDS; k++) {
        struct approval_rule *v = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*v));
        size_t n = 0;
        for (size_t i = 0; i < r.nrows; i++)
            if (strcmp(db_text(&r, i, 0), kind_names[k]) == 0)
                v[n++] = (struct approval_rule){db_text(&r, i, 1), db_int(&r, i, 2)};
        out[k].kind = (enum approval_kind)k;
        out[k].is_default = n == 0;
        out[k].steps = v;
        out[k].nsteps = n;
        if (n == 0)
            approval_default_policy(&out[k].steps, &out[k].nsteps);
    }
    return 0;
}

int approval_policies_get(struct db *db, struct arena *a, const struct principal *who,
                          int64_t project_id, struct approval_policy out[APPROVAL_KINDS],
                          struct err *e)
{
    struct db_res r;
    int found;

    if (!auth_in_project(who, project_id))
        return err_not_found(e);
    found = db_one(db, a, &sql_project_of, DB_ARGS(P_INT(project_id)), &r, e);
    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    return load_policies(db, a, project_id, out, e);
}

struct policy_op {
    struct arena a;
    const struct principal *who;
    int64_t project_id;
    const char *kind;
    const struct approval_rule *v;
    size_t n;
};

static int policy_snap(struct db *db, struct policy_op *op, const char **json, struct err *e)
{
    struct db_res r;

    if (db_one(db, &op->a, &sql_snap_policy,
               DB_ARGS(P_STR(op->kind), P_INT(op->project_id), P_STR(op->kind)), &r, e) < 0)
        return -1;
    *json = db_str(&r, 0, 0);
    return 0;
}

static int policy_tx(struct db *db, void *arg, struct err *e)
{
    struct policy_op *op = arg;
    struct db_res r;
    const char *before, *after;
    /* the project's row serialises changes of its policies */
    int found = db_one(db, &op->a, &sql_project_lock, DB_ARGS(P_INT(op->project_id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(op->who, op->project_id))
        return err_not_found(e);
    if (policy_snap(db, op, &before, e) < 0 ||
        db_exec(db, &sql_policy_delete, DB_ARGS(P_INT(op->project_id), P_STR(op->kind)), NULL, e) <
            0)
        return -1;
    for (size_t i = 0; i < op->n; i++)
        if (db_exec(db, &sql_policy_insert,
                    DB_ARGS(P_INT(op->project_id), P_STR(op->kind), P_INT(i + 1),
                            P_STR(op->v[i].role), P_INT(op->v[i].min_amount_fen)),
                    NULL, e) < 0)
            return -1;
    if (policy_snap(db, op, &after, e) < 0)
        return -1;
    return audit_log(db,
                     &(struct audit_entry){.who = op->who,
                                           .action = "set_approval_policy",
                                           .entity = "approval_policy",
                                           .entity_id = op->project_id,
                                           .before = before,
                                           .after = after},
                     e);
}

int approval_policy_set(struct db *db, const struct principal *who, int64_t project_id,
                        enum approval_kind kind, const struct approval_rule *v, size_t n,
                        struct err *e)
{
    struct policy_op op = {{0}, who, project_id, approval_kind_name(kind), v, n};
    int rc;

    if (!op.kind || approval_policy_check(v, n, e) < 0)
        return op.kind ? -1 : err_internal(e);
    rc = db_tx(db, policy_tx, &op, e);
    arena_free(&op.a);
    return rc;
}
