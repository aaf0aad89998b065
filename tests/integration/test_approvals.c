/*
 * test_approvals.c — approvals (FEE-5) with waivers, bill and receipt
 * voids and refunds, and the desk's prepayment and deposit accounts
 * (PAY-3, PAY-4), over the real stack.
 *
 * A waiver of two steps changes nothing in the books after the first
 * approval and exactly what it says after the second, each step in the
 * audit log; the requester cannot approve their own request, a butler not
 * a manager's step, nobody twice (409); a void of a bill with a payment is
 * 409, also when the payment came between the request and the last
 * approval (the approval stays pending); a receipt's void makes its bills
 * unpaid again with the figures they had, late fee included, and takes
 * its rest back from the prepayment account (409 when that was used); a
 * refund beyond the balance is 409; a top-up pays the oldest bills at
 * once; deposits are collected, used on a bill and refunded, with their
 * history. Bad input is a 4xx that changes nothing (it_snapshot equal
 * before and after); another project's bill, receipt, account or
 * approval is 404.
 *
 * Our rows: the projects ZZAPR (served by the six staff members made here,
 * phones 1360008000x, password that of the demo's) and ZZAPR-OTHER (served
 * by none of them), their resources, fee items, bills and everything the
 * books made of them; removed in the setup and the teardown. Audit rows
 * stay (the log is append-only). Bills are made by SQL, due a number of
 * days before today (China time), so every late fee is known.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

enum { BUTLER, SUPERVISOR, MANAGER, CASHIER, ADMIN, SUPERVISOR2, NSTAFF };

static const struct {
    const char *name, *phone, *roles;
} members[NSTAFF] = {
    {"审批管家", "13600080001", "butler"},  {"审批主管", "13600080002", "supervisor"},
    {"审批经理", "13600080003", "manager"}, {"审批收银", "13600080004", "cashier"},
    {"审批管理员", "13600080005", "admin"}, {"审批主管二", "13600080006", "supervisor"},
};

static struct {
    char *tok[NSTAFF];
    int64_t id[NSTAFF];
    int64_t project, other_project;
    int64_t res[6], other_res;
    int64_t item, late_item, other_item;
    int64_t other_bill, other_receipt, other_approval;
} g;

#define SNAP IT_SNAP
#define call(who, m, path, body, st, code)                                                         \
    it_call_at(g.tok[who], (m), (path), (body), (st), (code), false, __FILE__, __LINE__)
#define refused(who, m, path, body, st, code)                                                      \
    it_refused_at(g.tok[who], (m), (path), (body), (st), (code), __FILE__, __LINE__)

/* ---- helpers ----------------------------------------------------------------------- */

static int64_t sql_int1(const char *sql, int64_t a)
{
    struct db_param p[1] = {P_INT(a)};
    return it_sql_int(sql, p, 1);
}

static void sql_str1(const char *sql, int64_t a, char *out, size_t size)
{
    struct db_param p[1] = {P_INT(a)};
    it_sql_str(sql, p, 1, out, size);
}

/* A bill of the project made by SQL: due days_ago days before today. */
static int64_t new_bill(int64_t resource, int64_t item, const char *period, int64_t amount,
                        int days_ago)
{
    struct db_param p[6] = {P_INT(g.project), P_INT(resource), P_INT(item),
                            P_STR(period),    P_INT(amount),   P_INT(days_ago)};

    it_sql_exec("INSERT INTO bills (project_id, resource_id, fee_item_id, period, cycle_key, "
                "source, amount_fen, due_date) VALUES (?, ?, ?, ?, 1, 'run', ?, "
                "DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR) - INTERVAL ? DAY)",
                p, 6);
    return sql_int1("SELECT MAX(id) FROM bills WHERE resource_id = ?", resource);
}

/* "status/discount/paid/late_fee_fen" of a bill as stored. */
static void bill_state(int64_t id, char out[96])
{
    sql_str1("SELECT CONCAT_WS('/', status, discount_fen, paid_fen, late_fee_fen) FROM bills "
             "WHERE id = ?",
             id, out, 96);
}

#define expect_bill(id, want)                                                                      \
    do {                                                                                           \
        char got_[96];                                                                             \
        bill_state((id), got_);                                                                    \
        assert_string_equal(got_, (want));                                                         \
    } while (0)

static int64_t balance(int64_t resource, const char *kind)
{
    struct db_param p[2] = {P_INT(resource), P_STR(kind)};
    return it_sql_int("SELECT COALESCE(MAX(balance_fen), 0) FROM accounts WHERE resource_id = ? "
                      "AND kind = ?",
                      p, 2);
}

static int64_t audit_mark(void)
{
    return it_sql_int("SELECT COALESCE(MAX(id), 0) FROM audit_log", NULL, 0);
}

/* How many audit rows since mark do action on entity id, by staff who. */
static int64_t audits(int64_t mark, const char *action, const char *entity, int64_t id, int who)
{
    struct db_param p[5] = {P_INT(mark), P_STR(action), P_STR(entity), P_INT(id), P_INT(g.id[who])};
    return it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND action = ? AND entity = ? "
                      "AND entity_id = ? AND actor_kind = 'staff' AND actor_id = ? "
                      "AND JSON_EXTRACT(detail, '$.after') IS NOT NULL",
                      p, 5);
}

/* The SMS queued for staff member who about approval id: "template/[params]"
 * of its row whose dedup key is approval:<id>:<what>:staff:<who>, "" if none. */
static void approval_sms(int64_t id, const char *what, int who, char *out, size_t size)
{
    char key[96];
    struct db_param p[1];

    snprintf(key, sizeof(key), "approval:%lld:%s:staff:%lld", (long long)id, what,
             (long long)g.id[who]);
    p[0] = P_STR(key);
    it_sql_str("SELECT COALESCE(MAX(CONCAT(template, '/', params)), '') FROM outbox "
               "WHERE dedup_key = ?",
               p, 1, out, size);
}
#define expect_sms(id, what, who, want)                                                            \
    do {                                                                                           \
        char got_[160];                                                                            \
        approval_sms((id), (what), (who), got_, sizeof(got_));                                     \
        assert_string_equal(got_, (want));                                                         \
    } while (0)

/* A request as who, expecting status; the answer's JSON (caller frees r). */
static cJSON *send(int who, const char *m, const char *path, const char *body, long status,
                   struct http_resp *r)
{
    it_http(m, path, body, body ? (size_t)-1 : 0, g.tok[who], r);
    if (r->status != status)
        print_error("%s %s %s\n", m, path, body ? body : "");
    it_expect(r, status, NULL);
    return r->json;
}

/* Ask for something approved (path, body) as who: the approval's id. */
static int64_t ask(int who, const char *path, const char *body)
{
    struct http_resp r;
    int64_t id = it_int(send(who, "POST", path, body, 201, &r), "id");

    assert_string_equal(it_str(r.json, "status"), "pending");
    it_resp_free(&r);
    return id;
}

static void approval_path(char *out, size_t size, int64_t id, const char *action)
{
    snprintf(out, size, "/api/v1/office/approvals/%lld%s%s", (long long)id, action ? "/" : "",
             action ? action : "");
}

/* Decide as who: expect status (and code); with 200 the approval's status. */
static void decide(int who, int64_t id, const char *action, long status, const char *code,
                   const char *want_status)
{
    char path[128];
    struct http_resp r;

    approval_path(path, sizeof(path), id, action);
    it_http("POST", path, strcmp(action, "cancel") ? "{\"note\":\"同意\"}" : NULL,
            strcmp(action, "cancel") ? (size_t)-1 : 0, g.tok[who], &r);
    it_expect(&r, status, code);
    if (status == 200)
        assert_string_equal(it_str(r.json, "status"), want_status);
    it_resp_free(&r);
}

/* A decision that is refused and changes nothing at all. */
static void decide_refused(int who, int64_t id, const char *action, long status, const char *code)
{
    char path[128];

    approval_path(path, sizeof(path), id, action);
    refused(who, "POST", path, strcmp(action, "cancel") ? "{}" : NULL, status, code);
}

static void bill_path(char *out, size_t size, int64_t id, const char *what)
{
    snprintf(out, size, "/api/v1/staff/bills/%lld/%s", (long long)id, what);
}

static void account_path(char *out, size_t size, int64_t resource, const char *what)
{
    snprintf(out, size, "/api/v1/staff/resources/%lld/accounts%s%s", (long long)resource,
             what ? "/" : "", what ? what : "");
}

/* A top-up of a resource's prepayment account at the desk: the answer. */
static void top_up(int64_t resource, int64_t amount, int64_t *receipt, int64_t *offset,
                   int64_t *after)
{
    char path[128], body[128];
    struct http_resp r;

    account_path(path, sizeof(path), resource, "prepay");
    snprintf(body, sizeof(body), "{\"method\":\"cash\",\"amount_fen\":%lld,\"note\":\"预存\"}",
             (long long)amount);
    send(CASHIER, "POST", path, body, 201, &r);
    if (receipt)
        *receipt = it_int(r.json, "id");
    if (offset)
        *offset = it_int(r.json, "offset_fen");
    if (after)
        *after = it_int(r.json, "balance_fen");
    it_resp_free(&r);
}

/* The step statuses of an approval, "approved,pending". */
static void step_statuses(int64_t id, char *out, size_t size)
{
    char path[128];
    struct http_resp r;
    const cJSON *it;

    approval_path(path, sizeof(path), id, NULL);
    send(SUPERVISOR, "GET", path, NULL, 200, &r);
    out[0] = '\0';
    cJSON_ArrayForEach(it, it_field(r.json, "steps"))
    {
        snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? "," : "",
                 it_str(it, "status"));
    }
    it_resp_free(&r);
}

#define expect_steps(id, want)                                                                     \
    do {                                                                                           \
        char got_[128];                                                                            \
        step_statuses((id), got_, sizeof(got_));                                                   \
        assert_string_equal(got_, (want));                                                         \
    } while (0)

/* ---- fixture ----------------------------------------------------------------------- */

#define OURS "(SELECT id FROM projects WHERE code LIKE 'ZZAPR%')"
#define OUR_STAFF "(SELECT id FROM staff WHERE phone LIKE '1360008000_')"

static const char *const drop_sql[] = {
    "DELETE FROM approval_steps WHERE approval_id IN (SELECT id FROM approvals WHERE "
    "project_id IN " OURS ")",
    "DELETE FROM approvals WHERE project_id IN " OURS,
    "DELETE FROM approval_policies WHERE project_id IN " OURS,
    "DELETE FROM bill_discounts WHERE bill_id IN (SELECT id FROM bills WHERE project_id IN " OURS
    ")",
    "DELETE FROM account_entries WHERE account_id IN (SELECT id FROM accounts WHERE project_id "
    "IN " OURS ")",
    "DELETE FROM accounts WHERE project_id IN " OURS,
    "DELETE FROM bill_applications WHERE bill_id IN (SELECT id FROM bills WHERE project_id IN " OURS
    ")",
    "DELETE FROM receipts WHERE project_id IN " OURS,
    "DELETE FROM receipt_counters WHERE project_id IN " OURS,
    "DELETE FROM bills WHERE project_id IN " OURS,
    "DELETE FROM fee_items WHERE project_id IN " OURS,
    "DELETE FROM resources WHERE project_id IN " OURS,
    "DELETE FROM sessions WHERE subject_kind = 'staff' AND subject_id IN " OUR_STAFF,
    "DELETE FROM staff_projects WHERE staff_id IN " OUR_STAFF " OR project_id IN " OURS,
    "DELETE FROM staff WHERE phone LIKE '1360008000_'",
    "DELETE FROM projects WHERE code LIKE 'ZZAPR%'",
};

static void drop_own_rows(void)
{
    static const char *const tables[] = {
        "approvals",         "approval_policies", "bill_discounts", "account_entries", "accounts",
        "bill_applications", "receipts",          "bills",          "fee_items",       "staff"};
    char sql[96];

    for (size_t i = 0; i < sizeof(drop_sql) / sizeof(drop_sql[0]); i++)
        it_sql_exec(drop_sql[i], NULL, 0);
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        snprintf(sql, sizeof(sql), "ALTER TABLE %s AUTO_INCREMENT = 1", tables[i]);
        it_sql_exec(sql, NULL, 0);
    }
    it_reset_ids();
}

static int64_t make_resource(int64_t project, const char *code)
{
    struct db_param p[3] = {P_INT(project), P_STR(code), P_STR(code)};

    it_sql_exec("INSERT INTO resources (project_id, code, number, kind, area_m2x100) "
                "VALUES (?, ?, ?, 'home', 8950)",
                p, 3);
    return it_sql_int("SELECT MAX(id) FROM resources", NULL, 0);
}

static int64_t make_item(int64_t project, const char *code, bool late)
{
    struct db_param p[2] = {P_INT(project), P_STR(code)};

    /* the late-fee item: 万分之5 a day after 10 days of grace, capped at
     * the principal */
    it_sql_exec(late ? "INSERT INTO fee_items (project_id, code, name, cycle, method, "
                       "late_fee_daily_bp, late_fee_grace_days) VALUES (?, ?, '物业费', 'monthly', "
                       "'fixed', 5, 10)"
                     : "INSERT INTO fee_items (project_id, code, name, cycle, method) "
                       "VALUES (?, ?, '杂费', 'monthly', 'fixed')",
                p, 2);
    return it_sql_int("SELECT MAX(id) FROM fee_items", NULL, 0);
}

static int setup(void **state)
{
    struct db_param p[4];

    (void)state;
    memset(&g, 0, sizeof(g));
    drop_own_rows();
    it_sql_exec("INSERT INTO projects (code, name, address) VALUES ('ZZAPR', '审批小区', ''), "
                "('ZZAPR-OTHER', '别家小区', '')",
                NULL, 0);
    g.project = it_sql_int("SELECT id FROM projects WHERE code = 'ZZAPR'", NULL, 0);
    g.other_project = it_sql_int("SELECT id FROM projects WHERE code = 'ZZAPR-OTHER'", NULL, 0);
    for (int i = 0; i < 6; i++) {
        char code[32];
        snprintf(code, sizeof(code), "ZZAPR-%d", i + 1);
        g.res[i] = make_resource(g.project, code);
    }
    g.other_res = make_resource(g.other_project, "ZZAPR-X1");
    g.item = make_item(g.project, "ZZAPR-ZF", false);
    g.late_item = make_item(g.project, "ZZAPR-WYF", true);
    g.other_item = make_item(g.other_project, "ZZAPR-X", false);
    for (int i = 0; i < NSTAFF; i++) {
        p[0] = P_STR(members[i].name);
        p[1] = P_STR(members[i].phone);
        p[2] = P_STR(members[i].roles);
        it_sql_exec("INSERT INTO staff (name, phone, password_hash, roles) SELECT ?, ?, "
                    "password_hash, ? FROM staff WHERE phone = '13900000001'",
                    p, 3);
        p[0] = P_STR(members[i].phone);
        g.id[i] = it_sql_int("SELECT id FROM staff WHERE phone = ?", p, 1);
        p[0] = P_INT(g.id[i]);
        p[1] = P_INT(g.project);
        it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) VALUES (?, ?)", p, 2);
        g.tok[i] = it_staff_login(members[i].phone, "demo1234");
        if (!g.tok[i]) {
            print_error("setup: the login of %s failed\n", members[i].phone);
            return -1;
        }
    }
    /* another project's bill, paid by a receipt, and an approval, by SQL */
    p[0] = P_INT(g.other_project);
    p[1] = P_INT(g.other_res);
    p[2] = P_INT(g.other_item);
    it_sql_exec("INSERT INTO bills (project_id, resource_id, fee_item_id, period, cycle_key, "
                "source, amount_fen, due_date) VALUES (?, ?, ?, '2026-01', 1, 'run', 5000, "
                "'2026-01-31')",
                p, 3);
    g.other_bill = sql_int1("SELECT MAX(id) FROM bills WHERE resource_id = ?", g.other_res);
    it_sql_exec("INSERT INTO receipts (project_id, resource_id, receipt_no, year, seq, method, "
                "amount_fen) VALUES (?, ?, 'ZZAPR-OTHER-2026-000001', 2026, 1, 'cash', 5000)",
                p, 2);
    g.other_receipt = sql_int1("SELECT MAX(id) FROM receipts WHERE resource_id = ?", g.other_res);
    /* which paid the bill, so that the books balance */
    p[0] = P_INT(g.other_bill);
    p[1] = P_INT(g.other_receipt);
    it_sql_exec(
        "INSERT INTO bill_applications (bill_id, receipt_id, amount_fen) VALUES (?, ?, 5000)", p,
        2);
    it_sql_exec("UPDATE bills SET paid_fen = 5000, status = 'paid' WHERE id = ?", p, 1);
    p[0] = P_INT(g.other_project);
    p[1] = P_INT(g.other_res);
    p[2] = P_INT(g.other_bill);
    it_sql_exec("INSERT INTO approvals (project_id, kind, target_id, resource_id, amount_fen, "
                "reason, steps, requested_by) VALUES (?, 'waiver', ?, ?, 100, '别家', "
                "'[\"butler\"]', 1)",
                (struct db_param[]){p[0], p[2], p[1]}, 3);
    g.other_approval =
        sql_int1("SELECT MAX(id) FROM approvals WHERE project_id = ?", g.other_project);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    drop_own_rows();
    for (int i = 0; i < NSTAFF; i++)
        free(g.tok[i]);
    return 0;
}

/* ---- policies ---------------------------------------------------------------------- */

static void approvals_policy_set_and_read(void **state)
{
    char path[160], base[128];
    struct http_resp r;
    const cJSON *it;
    int64_t mark;

    (void)state;
    snprintf(base, sizeof(base), "/api/v1/office/projects/%lld/approval-policies",
             (long long)g.project);
    /* a fresh project: the default for every kind */
    send(ADMIN, "GET", base, NULL, 200, &r);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 4);
    cJSON_ArrayForEach(it, it_field(r.json, "items"))
    {
        assert_true(cJSON_IsTrue(it_field(it, "default")));
        assert_int_equal(cJSON_GetArraySize(it_field(it, "steps")), 2);
        assert_string_equal(it_str(cJSON_GetArrayItem(it_field(it, "steps"), 0), "role"),
                            "supervisor");
        assert_int_equal(it_int(cJSON_GetArrayItem(it_field(it, "steps"), 1), "min_amount_fen"),
                         100000);
    }
    it_resp_free(&r);

    /* waivers: a supervisor, and a manager too from 500 yuan */
    snprintf(path, sizeof(path), "%s/waiver", base);
    mark = audit_mark();
    call(ADMIN, "PUT", path,
         "{\"steps\":[{\"role\":\"supervisor\",\"min_amount_fen\":0},"
         "{\"role\":\"manager\",\"min_amount_fen\":50000}]}",
         200, NULL);
    assert_int_equal(audits(mark, "set_approval_policy", "approval_policy", g.project, ADMIN), 1);
    send(ADMIN, "GET", base, NULL, 200, &r);
    it = it_find_str(it_field(r.json, "items"), "kind", "waiver");
    assert_non_null(it);
    assert_false(cJSON_IsTrue(it_field(it, "default")));
    assert_int_equal(it_int(cJSON_GetArrayItem(it_field(it, "steps"), 1), "min_amount_fen"), 50000);
    assert_true(cJSON_IsTrue(
        it_field(it_find_str(it_field(r.json, "items"), "kind", "refund"), "default")));
    it_resp_free(&r);

    /* bad policies change nothing */
    {
        static const char *const bodies[] = {
            "{\"steps\":[]}",
            "{\"steps\":[{\"role\":\"technician\",\"min_amount_fen\":0}]}",
            "{\"steps\":[{\"role\":\"supervisor\",\"min_amount_fen\":100}]}",
            "{\"steps\":[{\"role\":\"supervisor\",\"min_amount_fen\":-1}]}",
            "{\"steps\":[{\"role\":\"supervisor\",\"min_amount_fen\":1.5}]}",
            "{\"steps\":[{\"role\":\"supervisor\",\"min_amount_fen\":\"0\"}]}",
            "{\"steps\":[{\"role\":\"supervisor\"}]}",
            "{\"steps\":[{\"role\":\"supervisor\",\"min_amount_fen\":0,\"step\":1}]}",
            "{\"steps\":[\"supervisor\"]}",
            "{\"steps\":{\"role\":\"supervisor\",\"min_amount_fen\":0}}",
            "{}",
            "{\"steps\":[{\"role\":\"butler\",\"min_amount_fen\":0},{\"role\":\"butler\","
            "\"min_amount_fen\":0},{\"role\":\"butler\",\"min_amount_fen\":0},{\"role\":\"butler\","
            "\"min_amount_fen\":0},{\"role\":\"butler\",\"min_amount_fen\":0},{\"role\":\"butler\","
            "\"min_amount_fen\":0},{\"role\":\"butler\",\"min_amount_fen\":0},{\"role\":\"butler\","
            "\"min_amount_fen\":0},{\"role\":\"butler\",\"min_amount_fen\":0}]}",
        };
        for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
            refused(ADMIN, "PUT", path, bodies[i], 400, "BAD_REQUEST");
    }
    /* only an admin; only of the project */
    refused(SUPERVISOR, "PUT", path, "{\"steps\":[{\"role\":\"supervisor\",\"min_amount_fen\":0}]}",
            403, "FORBIDDEN");
    refused(SUPERVISOR, "GET", base, NULL, 403, "FORBIDDEN");
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/approval-policies/waiver",
             (long long)g.other_project);
    refused(ADMIN, "PUT", path, "{\"steps\":[{\"role\":\"supervisor\",\"min_amount_fen\":0}]}", 404,
            "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/approval-policies",
             (long long)g.other_project);
    refused(ADMIN, "GET", path, NULL, 404, "NOT_FOUND");
    /* an unknown kind is no path at all */
    snprintf(path, sizeof(path), "%s/discount", base);
    refused(ADMIN, "PUT", path, "{\"steps\":[{\"role\":\"supervisor\",\"min_amount_fen\":0}]}", 404,
            "NOT_FOUND");
}

/* ---- waivers ----------------------------------------------------------------------- */

static void approvals_waiver_two_steps(void **state)
{
    int64_t bill = new_bill(g.res[0], g.item, "2026-01", 80000, 5), id, mark0, mark;
    char path[128];
    struct http_resp r;
    cJSON *x, *steps;

    (void)state;
    bill_path(path, sizeof(path), bill, "waivers");
    mark0 = audit_mark();
    x = send(BUTLER, "POST", path, "{\"amount_fen\":60000,\"reason\":\"困难户减免\"}", 201, &r);
    id = it_int(x, "id");
    assert_string_equal(it_str(x, "kind"), "waiver");
    assert_string_equal(it_str(x, "status"), "pending");
    assert_string_equal(it_str(x, "next_role"), "supervisor");
    assert_int_equal(it_int(x, "amount_fen"), 60000);
    assert_int_equal(it_int(x, "target_id"), bill);
    assert_int_equal(it_int(x, "resource_id"), g.res[0]);
    assert_int_equal(it_int(it_field(x, "requested_by"), "id"), g.id[BUTLER]);
    steps = it_field(x, "steps");
    assert_int_equal(cJSON_GetArraySize(steps), 2); /* 600 yuan: above the manager's 500 */
    assert_string_equal(it_str(cJSON_GetArrayItem(steps, 0), "role"), "supervisor");
    assert_string_equal(it_str(cJSON_GetArrayItem(steps, 0), "status"), "pending");
    assert_string_equal(it_str(cJSON_GetArrayItem(steps, 1), "role"), "manager");
    assert_string_equal(it_str(cJSON_GetArrayItem(steps, 1), "status"), "waiting");
    assert_true(cJSON_IsNull(it_field(cJSON_GetArrayItem(steps, 0), "decided_by")));
    it_resp_free(&r);
    assert_int_equal(audits(mark0, "request_approval", "approval", id, BUTLER), 1);
    expect_bill(bill, "unpaid/0/0/0");
    /* those who decide the first step hear of it (sms_template_approval = 1130 in the test
     * stack), nobody else; number the approval's id */
    {
        char want[96];
        snprintf(want, sizeof(want), "1130/[\"减免\",\"600.00\",\"%lld\"]", (long long)id);
        expect_sms(id, "step:1", SUPERVISOR, want);
        expect_sms(id, "step:1", SUPERVISOR2, want);
        expect_sms(id, "step:1", MANAGER, "");
        expect_sms(id, "step:1", BUTLER, "");
        expect_sms(id, "step:2", MANAGER, "");
    }

    /* the first step: recorded, and the books as they were */
    mark = audit_mark();
    decide(SUPERVISOR, id, "approve", 200, NULL, "pending");
    expect_steps(id, "approved,pending");
    expect_bill(bill, "unpaid/0/0/0");
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bill_discounts WHERE bill_id = ?", bill), 0);
    assert_int_equal(audits(mark, "approve_step", "approval", id, SUPERVISOR), 1);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM audit_log WHERE id > ?", mark), 1);
    {
        char want[96];
        snprintf(want, sizeof(want), "1130/[\"减免\",\"600.00\",\"%lld\"]", (long long)id);
        expect_sms(id, "step:2", MANAGER, want); /* the next role */
        expect_sms(id, "end", BUTLER, "");
    }

    /* the second: the waiver, in the same transaction */
    mark = audit_mark();
    decide(MANAGER, id, "approve", 200, NULL, "approved");
    expect_steps(id, "approved,approved");
    expect_bill(bill, "unpaid/60000/0/0");
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bill_discounts WHERE bill_id = ? AND "
                              "kind = 'waiver' AND amount_fen = 60000 AND approval_id IS NOT NULL",
                              bill),
                     1);
    assert_int_equal(audits(mark, "approve_step", "approval", id, MANAGER), 1);
    assert_int_equal(audits(mark, "waive_bill", "bill", bill, MANAGER), 1);
    expect_sms(id, "end", BUTLER, "1131/[\"减免\",\"600.00\",\"已批准\"]"); /* the requester */
    expect_sms(id, "end", MANAGER, "");
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM approval_steps WHERE approval_id = ?", id), 2);

    /* who decided what, in the answer */
    approval_path(path, sizeof(path), id, NULL);
    x = send(BUTLER, "GET", path, NULL, 200, &r);
    steps = it_field(x, "steps");
    assert_int_equal(it_int(it_field(cJSON_GetArrayItem(steps, 0), "decided_by"), "id"),
                     g.id[SUPERVISOR]);
    assert_string_equal(it_str(it_field(cJSON_GetArrayItem(steps, 1), "decided_by"), "name"),
                        "审批经理");
    assert_string_equal(it_str(cJSON_GetArrayItem(steps, 1), "note"), "同意");
    assert_true(cJSON_IsString(it_field(x, "decided_at")));
    assert_true(cJSON_IsNull(it_field(x, "next_role")));
    it_resp_free(&r);

    /* decided: nobody can decide it again, nor cancel it */
    decide_refused(MANAGER, id, "approve", 409, "APPROVAL_DECIDED");
    decide_refused(SUPERVISOR, id, "reject", 409, "APPROVAL_DECIDED");
    decide_refused(BUTLER, id, "cancel", 409, "APPROVAL_DECIDED");

    /* what is left open of the principal: 20000; more is 409 */
    bill_path(path, sizeof(path), bill, "waivers");
    refused(BUTLER, "POST", path, "{\"amount_fen\":20001,\"reason\":\"再减\"}", 409,
            "WAIVER_EXCEEDS_OPEN");
    /* one step below 500 yuan, and the rest waived: the bill is settled */
    id = ask(BUTLER, path, "{\"amount_fen\":20000,\"reason\":\"再减\"}");
    expect_steps(id, "pending");
    decide(SUPERVISOR2, id, "approve", 200, NULL, "approved");
    expect_bill(bill, "paid/80000/0/0");
    refused(BUTLER, "POST", path, "{\"amount_fen\":1,\"reason\":\"再减\"}", 409,
            "BILL_NOT_PAYABLE");
    it_books_balance();
}

static void approvals_who_may_decide(void **state)
{
    int64_t bill = new_bill(g.res[0], g.item, "2026-02", 90000, 5), id;
    char path[128];

    (void)state;
    bill_path(path, sizeof(path), bill, "waivers");
    id = ask(BUTLER, path, "{\"amount_fen\":70000,\"reason\":\"维修补偿\"}");
    /* one pending waiver of a bill at a time */
    refused(CASHIER, "POST", path, "{\"amount_fen\":100,\"reason\":\"又一个\"}", 409,
            "APPROVAL_PENDING");
    /* the requester, even with the step's role (a supervisor asks below) */
    decide_refused(BUTLER, id, "approve", 403, "FORBIDDEN");
    /* the manager's and the admin's roles are not the supervisor's */
    decide_refused(MANAGER, id, "approve", 403, "FORBIDDEN");
    decide_refused(ADMIN, id, "approve", 403, "FORBIDDEN");
    decide_refused(CASHIER, id, "reject", 403, "FORBIDDEN");
    expect_steps(id, "pending,waiting");
    decide(SUPERVISOR, id, "approve", 200, NULL, "pending");
    /* a butler, a supervisor (even another one) at the manager's step */
    decide_refused(BUTLER, id, "approve", 403, "FORBIDDEN");
    decide_refused(SUPERVISOR2, id, "approve", 403, "FORBIDDEN");
    decide_refused(SUPERVISOR, id, "approve", 403, "FORBIDDEN");
    expect_bill(bill, "unpaid/0/0/0");
    /* another project's approval is not there for them */
    approval_path(path, sizeof(path), g.other_approval, "approve");
    refused(SUPERVISOR, "POST", path, "{}", 404, "NOT_FOUND");
    decide(MANAGER, id, "approve", 200, NULL, "approved");
    expect_bill(bill, "unpaid/70000/0/0");

    /* a supervisor's own request: another supervisor decides it */
    bill = new_bill(g.res[0], g.item, "2026-03", 1000, 5);
    bill_path(path, sizeof(path), bill, "waivers");
    id = ask(SUPERVISOR, path, "{\"amount_fen\":500,\"reason\":\"抹零\"}");
    {
        struct http_resp r;
        char p2[128];
        approval_path(p2, sizeof(p2), id, "approve");
        it_http("POST", p2, "{}", (size_t)-1, g.tok[SUPERVISOR], &r);
        it_expect(&r, 403, "FORBIDDEN");
        assert_non_null(strstr(it_str(it_field(r.json, "error"), "message"), "自己"));
        it_resp_free(&r);
    }
    decide(SUPERVISOR2, id, "approve", 200, NULL, "approved");
    expect_bill(bill, "unpaid/500/0/0");
    it_books_balance();
}

static void approvals_reject_and_cancel(void **state)
{
    int64_t bill = new_bill(g.res[1], g.item, "2026-01", 30000, 5), id;
    char path[128];
    struct http_resp r;
    cJSON *x;
    int64_t mark;

    (void)state;
    bill_path(path, sizeof(path), bill, "waivers");
    id = ask(BUTLER, path, "{\"amount_fen\":30000,\"reason\":\"全免\"}");
    mark = audit_mark();
    approval_path(path, sizeof(path), id, "reject");
    x = send(SUPERVISOR, "POST", path, "{\"note\":\"理由不足\"}", 200, &r);
    assert_string_equal(it_str(x, "status"), "rejected");
    assert_string_equal(it_str(cJSON_GetArrayItem(it_field(x, "steps"), 0), "status"), "rejected");
    assert_string_equal(it_str(cJSON_GetArrayItem(it_field(x, "steps"), 0), "note"), "理由不足");
    it_resp_free(&r);
    assert_int_equal(audits(mark, "reject_approval", "approval", id, SUPERVISOR), 1);
    expect_bill(bill, "unpaid/0/0/0");
    expect_sms(id, "end", BUTLER, "1131/[\"减免\",\"300.00\",\"已驳回\"]");
    decide_refused(SUPERVISOR2, id, "approve", 409, "APPROVAL_DECIDED");

    /* rejected, the bill may be asked for again; the requester cancels */
    bill_path(path, sizeof(path), bill, "waivers");
    id = ask(BUTLER, path, "{\"amount_fen\":10000,\"reason\":\"部分减免\"}");
    decide_refused(SUPERVISOR, id, "cancel", 403, "FORBIDDEN");
    mark = audit_mark();
    decide(BUTLER, id, "cancel", 200, NULL, "cancelled");
    assert_int_equal(audits(mark, "cancel_approval", "approval", id, BUTLER), 1);
    expect_steps(id, "skipped");
    expect_sms(id, "end", BUTLER, ""); /* their own cancel: nobody is told */
    decide_refused(BUTLER, id, "cancel", 409, "APPROVAL_DECIDED");
    decide_refused(SUPERVISOR, id, "approve", 409, "APPROVAL_DECIDED");
    expect_bill(bill, "unpaid/0/0/0");
}

/* ---- bill voids -------------------------------------------------------------------- */

static void approvals_bill_void(void **state)
{
    int64_t a = new_bill(g.res[2], g.item, "2026-01", 12000, 5);
    int64_t b = new_bill(g.res[2], g.item, "2026-02", 12000, 5), id, mark;
    char path[128];

    (void)state;
    /* a void of the January bill: one step (below 1,000 yuan, the default) */
    bill_path(path, sizeof(path), a, "void");
    id = ask(BUTLER, path, "{\"reason\":\"重复开单\"}");
    expect_steps(id, "pending");
    mark = audit_mark();
    decide(SUPERVISOR, id, "approve", 200, NULL, "approved");
    expect_bill(a, "void/0/0/0");
    assert_int_equal(audits(mark, "void_bill", "bill", a, SUPERVISOR), 1);
    refused(BUTLER, "POST", path, "{\"reason\":\"再作废\"}", 409, "BILL_NOT_PAYABLE");

    /* February: asked for, then paid in part by a top-up before the
     * approval — the approval fails with 409 and stays pending */
    bill_path(path, sizeof(path), b, "void");
    id = ask(BUTLER, path, "{\"reason\":\"开错了\"}");
    top_up(g.res[2], 5000, NULL, NULL, NULL);
    expect_bill(b, "partial/0/5000/0");
    decide_refused(SUPERVISOR, id, "approve", 409, "BILL_HAS_PAYMENTS");
    expect_steps(id, "pending");
    expect_bill(b, "partial/0/5000/0");
    decide(BUTLER, id, "cancel", 200, NULL, "cancelled");
    /* and now a void of a bill with a payment is refused at once */
    refused(BUTLER, "POST", path, "{\"reason\":\"开错了\"}", 409, "BILL_HAS_PAYMENTS");
    it_books_balance();
}

/* ---- receipt voids ----------------------------------------------------------------- */

/* A collection at the desk (POST /staff/collections): the receipt's id. */
static int64_t collect(int64_t resource, int64_t bill, int64_t amount, bool to_prepay)
{
    char body[200];
    struct http_resp r;
    int64_t id;

    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"bill_ids\":[%lld],\"method\":\"cash\",\"amount_fen\":%lld,"
             "\"to_prepay\":%s}",
             (long long)resource, (long long)bill, (long long)amount, to_prepay ? "true" : "false");
    send(CASHIER, "POST", "/api/v1/staff/collections", body, 201, &r);
    id = it_int(r.json, "id");
    it_resp_free(&r);
    return id;
}

static void approvals_receipt_void(void **state)
{
    /* due 40 days ago: 30 days late, 10000 × 5 × 30 / 10000 = 150 of late fee */
    int64_t bill = new_bill(g.res[3], g.late_item, "2026-01", 10000, 40), receipt, id, mark;
    char path[128], late_from[16], today[16];

    (void)state;
    /* 10150 due and 3000 more to the prepayment account */
    receipt = collect(g.res[3], bill, 13150, true);
    expect_bill(bill, "paid/0/10150/150");
    assert_int_equal(balance(g.res[3], "prepay"), 3000);

    snprintf(path, sizeof(path), "/api/v1/staff/receipts/%lld/void", (long long)receipt);
    id = ask(CASHIER, path, "{\"reason\":\"收错户\"}");
    /* 131.50 yuan: the supervisor alone */
    mark = audit_mark();
    decide(SUPERVISOR, id, "approve", 200, NULL, "approved");
    /* unpaid again; the frozen late fee stays, accruing again from today */
    expect_bill(bill, "unpaid/0/0/150");
    sql_str1("SELECT late_from FROM bills WHERE id = ?", bill, late_from, sizeof(late_from));
    it_sql_str("SELECT DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR)", NULL, 0, today, sizeof(today));
    assert_string_equal(late_from, today);
    assert_int_equal(balance(g.res[3], "prepay"), 0);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM account_entries WHERE receipt_id = ? AND "
                              "reason = 'void' AND delta_fen = -3000 AND approval_id IS NOT NULL",
                              receipt),
                     1);
    /* every application undone by its negative, the receipt voided */
    assert_int_equal(
        sql_int1("SELECT SUM(amount_fen) FROM bill_applications WHERE receipt_id = ?", receipt), 0);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bill_applications WHERE receipt_id = ? AND "
                              "reverses_id IS NOT NULL AND amount_fen = -10150 AND late_fen = -150",
                              receipt),
                     1);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM receipts WHERE id = ? AND status = 'voided' "
                              "AND voided_at IS NOT NULL AND void_approval_id IS NOT NULL",
                              receipt),
                     1);
    assert_int_equal(audits(mark, "void_receipt", "receipt", receipt, SUPERVISOR), 1);
    assert_int_equal(audits(mark, "reopen_bill", "bill", bill, SUPERVISOR), 1);
    refused(CASHIER, "POST", path, "{\"reason\":\"再作废\"}", 409, "RECEIPT_NOT_VOIDABLE");

    /* paid again, 2000 to prepayment, which a top-up's offset then uses
     * up: the receipt's void cannot take it back (409, still pending) */
    receipt = collect(g.res[3], bill, 12150, true);
    expect_bill(bill, "paid/0/10150/150");
    snprintf(path, sizeof(path), "/api/v1/staff/receipts/%lld/void", (long long)receipt);
    id = ask(CASHIER, path, "{\"reason\":\"又收错\"}");
    {
        int64_t other = new_bill(g.res[3], g.item, "2026-02", 2000, 5);
        char p2[128], body[64];
        account_path(p2, sizeof(p2), g.res[3], "prepay/offset");
        snprintf(body, sizeof(body), "{\"bill_ids\":[%lld]}", (long long)other);
        call(CASHIER, "POST", p2, body, 201, NULL);
        expect_bill(other, "paid/0/2000/0");
    }
    assert_int_equal(balance(g.res[3], "prepay"), 0);
    decide_refused(SUPERVISOR, id, "approve", 409, "INSUFFICIENT_BALANCE");
    expect_steps(id, "pending");
    expect_bill(bill, "paid/0/10150/150");
    it_books_balance();
}

/* A top-up and the offset of the oldest bills; its receipt's void gives
 * the money back to the account (an offset) or takes it (a top-up). */
static void approvals_prepay_top_up_and_offsets(void **state)
{
    int64_t r = g.res[4];
    int64_t a1 = new_bill(r, g.item, "2026-01", 10000, 60),
            b1 = new_bill(r, g.late_item, "2026-01", 5000, 5);
    int64_t a2 = new_bill(r, g.item, "2026-02", 10000, 30), a3, receipt, offset, after,
            offset_receipt;
    char path[128], body[128];
    struct http_resp resp;
    cJSON *x;

    (void)state;
    /* 270 yuan: January's two and February in full, 20 yuan left */
    top_up(r, 27000, &receipt, &offset, &after);
    assert_int_equal(offset, 25000);
    assert_int_equal(after, 2000);
    assert_int_equal(balance(r, "prepay"), 2000);
    expect_bill(a1, "paid/0/10000/0");
    expect_bill(b1, "paid/0/5000/0");
    expect_bill(a2, "paid/0/10000/0");
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM receipts WHERE id = ? AND purpose = 'prepay' "
                              "AND amount_fen = 27000 AND to_prepay_fen = 27000",
                              receipt),
                     1);
    offset_receipt =
        sql_int1("SELECT MAX(id) FROM receipts WHERE resource_id = ? AND method = 'prepay'", r);
    assert_int_equal(sql_int1("SELECT amount_fen FROM receipts WHERE id = ?", offset_receipt),
                     25000);

    /* by hand: March (skipping nothing), paid in part by the 20 yuan */
    a3 = new_bill(r, g.item, "2026-03", 10000, 0);
    account_path(path, sizeof(path), r, "prepay/offset");
    snprintf(body, sizeof(body), "{\"bill_ids\":[%lld]}", (long long)a3);
    x = send(CASHIER, "POST", path, body, 201, &resp);
    assert_int_equal(it_int(x, "offset_fen"), 2000);
    assert_int_equal(it_int(x, "balance_fen"), 0);
    assert_int_equal(it_int(cJSON_GetArrayItem(it_field(x, "applied"), 0), "bill_id"), a3);
    it_resp_free(&resp);
    expect_bill(a3, "partial/0/2000/0");
    /* nothing left to offset with */
    refused(CASHIER, "POST", path, body, 409, "INSUFFICIENT_BALANCE");

    /* the offset receipt's void: January and February open again, their
     * 250 yuan back on the account */
    snprintf(path, sizeof(path), "/api/v1/staff/receipts/%lld/void", (long long)offset_receipt);
    decide(SUPERVISOR, ask(CASHIER, path, "{\"reason\":\"误抵扣\"}"), "approve", 200, NULL,
           "approved");
    expect_bill(a1, "unpaid/0/0/0");
    expect_bill(b1, "unpaid/0/0/0");
    expect_bill(a2, "unpaid/0/0/0");
    assert_int_equal(balance(r, "prepay"), 25000);
    /* by hand, the earliest-first rule holds: February before January is 409 */
    account_path(path, sizeof(path), r, "prepay/offset");
    snprintf(body, sizeof(body), "{\"bill_ids\":[%lld]}", (long long)a2);
    refused(CASHIER, "POST", path, body, 409, "EARLIER_BILL_UNPAID");
    /* the top-up's void takes its 270 yuan back: only 250 are there (409) */
    snprintf(path, sizeof(path), "/api/v1/staff/receipts/%lld/void", (long long)receipt);
    decide_refused(SUPERVISOR, ask(CASHIER, path, "{\"reason\":\"退预存\"}"), "approve", 409,
                   "INSUFFICIENT_BALANCE");
    it_books_balance();
}

/* ---- deposits and refunds ---------------------------------------------------------- */

static void approvals_deposit_and_refunds(void **state)
{
    int64_t r = g.res[5], bill = new_bill(g.res[5], g.item, "2026-01", 8000, 5), id, refund2;
    char path[128], body[160];
    struct http_resp resp;
    cJSON *x, *acc, *entries;

    (void)state;
    account_path(path, sizeof(path), r, "deposit");
    x = send(BUTLER, "POST", path,
             "{\"method\":\"transfer\",\"amount_fen\":50000,\"note\":\"302装修\","
             "\"purpose\":\"装修押金\"}",
             201, &resp);
    assert_int_equal(it_int(x, "balance_fen"), 50000);
    assert_int_equal(it_int(x, "offset_fen"), 0); /* a deposit pays no bill by itself */
    it_resp_free(&resp);
    expect_bill(bill, "unpaid/0/0/0");
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM receipts WHERE resource_id = ? AND "
                              "purpose = 'deposit' AND method = 'transfer' AND to_prepay_fen = 0",
                              r),
                     1);

    /* a refund beyond the balance: 409 at once */
    account_path(path, sizeof(path), r, "deposit/refund");
    refused(CASHIER, "POST", path,
            "{\"amount_fen\":50001,\"method\":\"cash\",\"reason\":\"装修完毕\"}", 409,
            "INSUFFICIENT_BALANCE");
    /* the prepayment account has nothing */
    account_path(body, sizeof(body), r, "prepay/refund");
    refused(CASHIER, "POST", body, "{\"amount_fen\":1,\"method\":\"cash\",\"reason\":\"退\"}", 409,
            "INSUFFICIENT_BALANCE");

    /* 200 yuan back, approved by the supervisor */
    id = ask(CASHIER, path, "{\"amount_fen\":20000,\"method\":\"cash\",\"reason\":\"部分退还\"}");
    approval_path(body, sizeof(body), id, NULL);
    x = send(CASHIER, "GET", body, NULL, 200, &resp);
    assert_string_equal(it_str(x, "kind"), "refund");
    assert_string_equal(it_str(x, "account_kind"), "deposit");
    assert_string_equal(it_str(x, "method"), "cash");
    it_resp_free(&resp);
    assert_int_equal(balance(r, "deposit"), 50000); /* not before the approval */
    decide(SUPERVISOR, id, "approve", 200, NULL, "approved");
    assert_int_equal(balance(r, "deposit"), 30000);
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM account_entries WHERE approval_id = ? AND "
                              "reason = 'refund' AND delta_fen = -20000",
                              id),
                     1);

    /* a refund of the rest asked for, then part used on a bill: 409 at
     * the approval, which stays pending */
    refund2 =
        ask(CASHIER, path, "{\"amount_fen\":30000,\"method\":\"cash\",\"reason\":\"退余额\"}");
    account_path(path, sizeof(path), r, "deposit/offset");
    snprintf(body, sizeof(body), "{\"bill_ids\":[%lld]}", (long long)bill);
    x = send(CASHIER, "POST", path, body, 201, &resp);
    assert_int_equal(it_int(x, "offset_fen"), 8000);
    assert_int_equal(it_int(x, "balance_fen"), 22000);
    it_resp_free(&resp);
    expect_bill(bill, "paid/0/8000/0");
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM receipts WHERE resource_id = ? AND "
                              "method = 'deposit' AND amount_fen = 8000",
                              r),
                     1);
    decide_refused(SUPERVISOR, refund2, "approve", 409, "INSUFFICIENT_BALANCE");
    expect_steps(refund2, "pending");

    /* the history, newest first: offset, refund, collect */
    account_path(path, sizeof(path), r, NULL);
    x = send(BUTLER, "GET", path, NULL, 200, &resp);
    acc = it_find_str(it_field(x, "accounts"), "kind", "deposit");
    assert_non_null(acc);
    assert_int_equal(it_int(acc, "balance_fen"), 22000);
    entries = it_field(acc, "entries");
    assert_int_equal(cJSON_GetArraySize(entries), 3);
    assert_string_equal(it_str(cJSON_GetArrayItem(entries, 0), "reason"), "offset");
    assert_int_equal(it_int(cJSON_GetArrayItem(entries, 0), "delta_fen"), -8000);
    assert_string_equal(it_str(cJSON_GetArrayItem(entries, 1), "reason"), "refund");
    assert_int_equal(it_int(cJSON_GetArrayItem(entries, 1), "approval_id"), id);
    assert_string_equal(it_str(cJSON_GetArrayItem(entries, 2), "reason"), "collect");
    assert_string_equal(it_str(cJSON_GetArrayItem(entries, 2), "purpose"), "装修押金");
    assert_string_equal(it_str(it_field(cJSON_GetArrayItem(entries, 2), "staff"), "name"),
                        "审批管家");
    assert_true(cJSON_IsString(it_field(cJSON_GetArrayItem(entries, 2), "receipt_no")));
    assert_int_equal(it_int(it_find_str(it_field(x, "accounts"), "kind", "prepay"), "balance_fen"),
                     0);
    it_resp_free(&resp);
    /* a page of one, then the next */
    snprintf(body, sizeof(body), "%s?kind=deposit&limit=1", path);
    x = send(BUTLER, "GET", body, NULL, 200, &resp);
    assert_int_equal(cJSON_GetArraySize(it_field(x, "accounts")), 1);
    acc = cJSON_GetArrayItem(it_field(x, "accounts"), 0);
    assert_string_equal(it_str(cJSON_GetArrayItem(it_field(acc, "entries"), 0), "reason"),
                        "offset");
    snprintf(body, sizeof(body), "%s?kind=deposit&limit=1&cursor=%s", path,
             it_str(acc, "next_cursor"));
    it_resp_free(&resp);
    x = send(BUTLER, "GET", body, NULL, 200, &resp);
    acc = cJSON_GetArrayItem(it_field(x, "accounts"), 0);
    assert_string_equal(it_str(cJSON_GetArrayItem(it_field(acc, "entries"), 0), "reason"),
                        "refund");
    it_resp_free(&resp);
    it_books_balance();
}

/* ---- races --------------------------------------------------------------------------- */

/* One POST of several sent at once; the answer kept for the main thread
 * (cmocka's asserts must not run in the others). */
struct racer {
    const char *token;
    char path[128];
    const char *body;
    long status;
    char code[32];
};

static void *race_post(void *arg)
{
    struct racer *x = arg;
    struct http_resp r;

    it_http("POST", x->path, x->body, (size_t)-1, x->token, &r);
    x->status = r.status;
    snprintf(x->code, sizeof(x->code), "%s", it_err_code(&r));
    it_resp_free(&r);
    return NULL;
}

static void race(struct racer *x, int n)
{
    pthread_t t[8];

    assert_true(n <= 8);
    for (int i = 0; i < n; i++)
        assert_int_equal(pthread_create(&t[i], NULL, race_post, &x[i]), 0);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}

static int count(const struct racer *x, int n, long status, const char *code)
{
    int k = 0;

    for (int i = 0; i < n; i++)
        k += x[i].status == status && (!code || strcmp(x[i].code, code) == 0);
    return k;
}

/* Eight waivers of one bill at once: one is asked for, seven are 409; two
 * supervisors approving it at once: one waives, the other is 409 — the
 * bill is waived once. */
static void approvals_races(void **state)
{
    int64_t bill = new_bill(g.res[1], g.item, "2026-03", 40000, 5), id;
    struct racer x[8];

    (void)state;
    for (int i = 0; i < 8; i++) {
        x[i].token = g.tok[i % 2 ? CASHIER : BUTLER];
        bill_path(x[i].path, sizeof(x[i].path), bill, "waivers");
        x[i].body = "{\"amount_fen\":1000,\"reason\":\"同时申请\"}";
    }
    race(x, 8);
    assert_int_equal(count(x, 8, 201, NULL), 1);
    assert_int_equal(count(x, 8, 409, "APPROVAL_PENDING"), 7);
    id = sql_int1("SELECT id FROM approvals WHERE target_id = ? AND kind = 'waiver'", bill);
    for (int i = 0; i < 2; i++) {
        x[i].token = g.tok[i ? SUPERVISOR2 : SUPERVISOR];
        approval_path(x[i].path, sizeof(x[i].path), id, "approve");
        x[i].body = "{}";
    }
    race(x, 2);
    assert_int_equal(count(x, 2, 200, NULL), 1);
    assert_int_equal(count(x, 2, 409, "APPROVAL_DECIDED"), 1);
    expect_bill(bill, "unpaid/1000/0/0");
    assert_int_equal(sql_int1("SELECT COUNT(*) FROM bill_discounts WHERE bill_id = ?", bill), 1);
    it_books_balance();
}

/* ---- lists --------------------------------------------------------------------------- */

static void approvals_list(void **state)
{
    char path[160];
    struct http_resp r;
    const cJSON *it;
    int n = 0;

    (void)state;
    snprintf(path, sizeof(path), "/api/v1/office/approvals?project_id=%lld&status=pending",
             (long long)g.project);
    send(MANAGER, "GET", path, NULL, 200, &r);
    cJSON_ArrayForEach(it, it_field(r.json, "items"))
    {
        assert_string_equal(it_str(it, "status"), "pending");
        assert_int_equal(it_int(it, "project_id"), g.project);
        n++;
    }
    assert_true(n >= 3);
    it_resp_free(&r);
    /* all of the caller's: never another project's; newest first, paged */
    send(MANAGER, "GET", "/api/v1/office/approvals?limit=2", NULL, 200, &r);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 2);
    assert_true(it_int(cJSON_GetArrayItem(it_field(r.json, "items"), 0), "id") >
                it_int(cJSON_GetArrayItem(it_field(r.json, "items"), 1), "id"));
    assert_null(it_find_int(it_field(r.json, "items"), "id", g.other_approval));
    assert_true(cJSON_IsString(it_field(r.json, "next_cursor")));
    it_resp_free(&r);
    send(MANAGER, "GET", "/api/v1/office/approvals?kind=refund&status=approved", NULL, 200, &r);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 1);
    it_resp_free(&r);
    refused(MANAGER, "GET", "/api/v1/office/approvals?status=failed", NULL, 400, "BAD_REQUEST");
    refused(MANAGER, "GET", "/api/v1/office/approvals?kind=discount", NULL, 400, "BAD_REQUEST");
    snprintf(path, sizeof(path), "/api/v1/office/approvals?project_id=%lld",
             (long long)g.other_project);
    refused(MANAGER, "GET", path, NULL, 404, "NOT_FOUND");
}

/* ---- bad input and other projects ---------------------------------------------------- */

static void approvals_bad_input_changes_nothing(void **state)
{
    static const char *const amounts[] = {
        "0", "-1", "1.5", "\"100\"", "1e3", "1000000000000000", "null", "true", "[100]",
    };
    int64_t bill = new_bill(g.res[1], g.item, "2026-02", 5000, 5);
    char path[128], body[200];

    (void)state;
    bill_path(path, sizeof(path), bill, "waivers");
    for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
        snprintf(body, sizeof(body), "{\"amount_fen\":%s,\"reason\":\"减免\"}", amounts[i]);
        refused(BUTLER, "POST", path, body, 400, "BAD_REQUEST");
    }
    refused(BUTLER, "POST", path, "{\"amount_fen\":100}", 400, "BAD_REQUEST");
    refused(BUTLER, "POST", path, "{\"amount_fen\":100,\"reason\":\"\"}", 400, "BAD_REQUEST");
    refused(BUTLER, "POST", path, "{\"amount_fen\":100,\"reason\":\"减免\",\"steps\":[]}", 400,
            "BAD_REQUEST");
    refused(BUTLER, "POST", path, "{\"amount_fen\":5001,\"reason\":\"减免\"}", 409,
            "WAIVER_EXCEEDS_OPEN");
    bill_path(path, sizeof(path), bill, "void");
    refused(BUTLER, "POST", path, "{}", 400, "BAD_REQUEST");
    refused(BUTLER, "POST", path, "{\"reason\":\"作废\",\"amount_fen\":1}", 400, "BAD_REQUEST");

    account_path(path, sizeof(path), g.res[1], "prepay");
    for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
        snprintf(body, sizeof(body), "{\"method\":\"cash\",\"amount_fen\":%s}", amounts[i]);
        refused(CASHIER, "POST", path, body, 400, "BAD_REQUEST");
    }
    refused(CASHIER, "POST", path, "{\"method\":\"bitcoin\",\"amount_fen\":100}", 400,
            "BAD_REQUEST");
    refused(CASHIER, "POST", path, "{\"method\":\"prepay\",\"amount_fen\":100}", 400,
            "BAD_REQUEST");
    refused(CASHIER, "POST", path, "{\"method\":\"cash\",\"amount_fen\":100,\"purpose\":\"x\"}",
            400, "BAD_REQUEST");
    account_path(path, sizeof(path), g.res[1], "deposit");
    refused(CASHIER, "POST", path, "{\"method\":\"cash\",\"amount_fen\":100}", 400, "BAD_REQUEST");
    refused(CASHIER, "POST", path,
            "{\"method\":\"cash\",\"amount_fen\":100,\"purpose\":\"一二三四五六七八九十一二三四五六"
            "七八九十一二三四五六七八九十一二三\"}",
            400, "BAD_REQUEST");
    account_path(path, sizeof(path), g.res[1], "deposit/refund");
    for (size_t i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
        snprintf(body, sizeof(body), "{\"amount_fen\":%s,\"method\":\"cash\",\"reason\":\"退\"}",
                 amounts[i]);
        refused(CASHIER, "POST", path, body, 400, "BAD_REQUEST");
    }
    refused(CASHIER, "POST", path, "{\"amount_fen\":1,\"method\":\"wechat_pay\",\"reason\":\"退\"}",
            400, "BAD_REQUEST");
    refused(CASHIER, "POST", path, "{\"amount_fen\":1,\"reason\":\"退\"}", 400, "BAD_REQUEST");
    account_path(path, sizeof(path), g.res[1], "prepay/offset");
    {
        static const char *const ids[] = {"[]", "[0]", "[-1]", "[\"1\"]", "[1.5]", "1", "null"};
        for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
            snprintf(body, sizeof(body), "{\"bill_ids\":%s}", ids[i]);
            refused(CASHIER, "POST", path, body, 400, "BAD_REQUEST");
        }
        snprintf(body, sizeof(body), "{\"bill_ids\":[%lld,%lld]}", (long long)bill,
                 (long long)bill);
        refused(CASHIER, "POST", path, body, 400, "BAD_REQUEST");
        /* a bill of another resource */
        snprintf(body, sizeof(body), "{\"bill_ids\":[%lld]}", (long long)g.other_bill);
        refused(CASHIER, "POST", path, body, 404, "NOT_FOUND");
    }
    account_path(path, sizeof(path), g.res[1], NULL);
    snprintf(body, sizeof(body), "%s?cursor=5", path);
    refused(CASHIER, "GET", body, NULL, 400, "BAD_REQUEST");
    snprintf(body, sizeof(body), "%s?kind=loan", path);
    refused(CASHIER, "GET", body, NULL, 400, "BAD_REQUEST");
    /* the desk's roles: not a supervisor's */
    account_path(path, sizeof(path), g.res[1], "prepay");
    refused(SUPERVISOR, "POST", path, "{\"method\":\"cash\",\"amount_fen\":100}", 403, "FORBIDDEN");
}

static void approvals_other_project_is_404(void **state)
{
    char path[128];

    (void)state;
    bill_path(path, sizeof(path), g.other_bill, "waivers");
    refused(BUTLER, "POST", path, "{\"amount_fen\":100,\"reason\":\"减免\"}", 404, "NOT_FOUND");
    bill_path(path, sizeof(path), g.other_bill, "void");
    refused(BUTLER, "POST", path, "{\"reason\":\"作废\"}", 404, "NOT_FOUND");
    bill_path(path, sizeof(path), 999999999, "void");
    refused(BUTLER, "POST", path, "{\"reason\":\"作废\"}", 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/staff/receipts/%lld/void", (long long)g.other_receipt);
    refused(CASHIER, "POST", path, "{\"reason\":\"作废\"}", 404, "NOT_FOUND");
    refused(CASHIER, "POST", "/api/v1/staff/receipts/999999999/void", "{\"reason\":\"作废\"}", 404,
            "NOT_FOUND");
    approval_path(path, sizeof(path), g.other_approval, NULL);
    refused(SUPERVISOR, "GET", path, NULL, 404, "NOT_FOUND");
    decide_refused(SUPERVISOR, g.other_approval, "reject", 404, "NOT_FOUND");
    decide_refused(BUTLER, g.other_approval, "cancel", 404, "NOT_FOUND");
    refused(SUPERVISOR, "GET", "/api/v1/office/approvals/999999999", NULL, 404, "NOT_FOUND");
    account_path(path, sizeof(path), g.other_res, NULL);
    refused(CASHIER, "GET", path, NULL, 404, "NOT_FOUND");
    account_path(path, sizeof(path), g.other_res, "prepay");
    refused(CASHIER, "POST", path, "{\"method\":\"cash\",\"amount_fen\":100}", 404, "NOT_FOUND");
    account_path(path, sizeof(path), g.other_res, "deposit");
    refused(CASHIER, "POST", path, "{\"method\":\"cash\",\"amount_fen\":100,\"purpose\":\"钥匙\"}",
            404, "NOT_FOUND");
    account_path(path, sizeof(path), g.other_res, "prepay/refund");
    refused(CASHIER, "POST", path, "{\"amount_fen\":1,\"method\":\"cash\",\"reason\":\"退\"}", 404,
            "NOT_FOUND");
    account_path(path, sizeof(path), g.other_res, "deposit/offset");
    {
        char body[64];
        snprintf(body, sizeof(body), "{\"bill_ids\":[%lld]}", (long long)g.other_bill);
        refused(CASHIER, "POST", path, body, 404, "NOT_FOUND");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(approvals_policy_set_and_read),
        cmocka_unit_test(approvals_waiver_two_steps),
        cmocka_unit_test(approvals_who_may_decide),
        cmocka_unit_test(approvals_reject_and_cancel),
        cmocka_unit_test(approvals_bill_void),
        cmocka_unit_test(approvals_receipt_void),
        cmocka_unit_test(approvals_prepay_top_up_and_offsets),
        cmocka_unit_test(approvals_deposit_and_refunds),
        cmocka_unit_test(approvals_races),
        cmocka_unit_test(approvals_list),
        cmocka_unit_test(approvals_bad_input_changes_nothing),
        cmocka_unit_test(approvals_other_project_is_404),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests_name("integration_approvals", tests, setup, teardown);
}
