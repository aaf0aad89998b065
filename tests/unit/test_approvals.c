/*
 * test_approvals.c — the pure half of lib/approvals.c, table by table, no
 * database: which steps a policy gives an amount (thresholds), what a
 * policy may be, who may decide or cancel (the order 404, 409, 403 and the
 * 403s' own messages), what a waiver does to a bill (the late fee frozen
 * first), and what undoing a payment does (the frozen late fee stays) —
 * each expected figure worked out by hand in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "approvals.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int32_t day(const char *s)
{
    int32_t d = 0;
    assert_int_equal(money_date_parse(s, strlen(s), &d), 0);
    return d;
}

/* ---- policies --------------------------------------------------------------------- */

/* butler → supervisor → manager above 500 yuan, and admin from 2,000 (the
 * thresholds need not rise: each step is judged on its own). */
static const struct approval_rule three[] = {
    {"butler", 0}, {"supervisor", 0}, {"manager", 50001}, {"admin", 200000}};

struct steps_case {
    const struct approval_rule *v;
    size_t n;
    int64_t amount;
    const char *want; /* the roles, comma-separated */
};

static void test_steps_for_thresholds(void **state)
{
    const struct approval_rule *def;
    size_t ndef;

    (void)state;
    approval_default_policy(&def, &ndef);
    {
        const struct steps_case cases[] = {
            /* the default: a supervisor; a manager as well from 1,000 yuan */
            {def, ndef, 1, "supervisor"},
            {def, ndef, 99999, "supervisor"},
            {def, ndef, 100000, "supervisor,manager"}, /* the threshold itself applies */
            {def, ndef, 100001, "supervisor,manager"},
            {def, ndef, MONEY_MAX_FEN, "supervisor,manager"},
            {def, ndef, 0, "supervisor"}, /* a void's amount may be 0 */
            {three, N(three), 50000, "butler,supervisor"},
            {three, N(three), 50001, "butler,supervisor,manager"},
            {three, N(three), 199999, "butler,supervisor,manager"},
            {three, N(three), 200000, "butler,supervisor,manager,admin"},
            {three, 1, 999999, "butler"},
        };
        for (size_t i = 0; i < N(cases); i++) {
            const char *roles[APPROVAL_STEPS_MAX];
            char got[128] = "";
            size_t k = approval_steps_for(cases[i].v, cases[i].n, cases[i].amount, roles);
            for (size_t j = 0; j < k; j++) {
                if (j)
                    strcat(got, ",");
                strcat(got, roles[j]);
            }
            if (strcmp(got, cases[i].want) != 0) {
                print_error("case %zu (amount %lld): got %s, want %s\n", i,
                            (long long)cases[i].amount, got, cases[i].want);
                fail();
            }
        }
    }
}

static void test_policy_check(void **state)
{
    static const struct approval_rule nine[9] = {{"butler", 0}, {"butler", 0}, {"butler", 0},
                                                 {"butler", 0}, {"butler", 0}, {"butler", 0},
                                                 {"butler", 0}, {"butler", 0}, {"butler", 0}};
    static const struct approval_rule tech[] = {{"supervisor", 0}, {"technician", 10}};
    static const struct approval_rule nobody[] = {{NULL, 0}};
    static const struct approval_rule boss[] = {{"boss", 0}};
    static const struct approval_rule first_min[] = {{"supervisor", 1}};
    static const struct approval_rule negative[] = {{"supervisor", 0}, {"manager", -1}};
    static const struct approval_rule huge[] = {{"supervisor", 0}, {"manager", MONEY_MAX_FEN + 1}};
    static const struct approval_rule max[] = {{"cashier", 0}, {"manager", MONEY_MAX_FEN}};
    const struct {
        const struct approval_rule *v;
        size_t n;
        int want;
    } cases[] = {
        {three, N(three), 0},
        {max, N(max), 0},
        {nine, 8, 0},
        {nine, 9, -1},       /* at most eight steps */
        {three, 0, -1},      /* at least one */
        {tech, N(tech), -1}, /* not a role that approves */
        {nobody, 1, -1},
        {boss, 1, -1},
        {first_min, 1, -1}, /* a request below 1 fen would have no step */
        {negative, N(negative), -1},
        {huge, N(huge), -1},
    };
    const struct approval_rule *def;
    size_t ndef;

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct err e = {0};
        int rc = approval_policy_check(cases[i].v, cases[i].n, &e);
        if (rc != cases[i].want) {
            print_error("case %zu: got %d, want %d\n", i, rc, cases[i].want);
            fail();
        }
        if (rc < 0)
            assert_int_equal(e.code, E_BAD_REQUEST);
    }
    approval_default_policy(&def, &ndef);
    assert_int_equal(approval_policy_check(def, ndef, &(struct err){0}), 0);
}

/* ---- who decides -------------------------------------------------------------------- */

static const int64_t p1[] = {1}, p2[] = {2}, p12[] = {1, 2};

static struct principal staff(int64_t id, unsigned roles, const int64_t *projects, size_t n)
{
    return (struct principal){SUBJECT_STAFF, id, roles, n, projects};
}

/* A request of staff 10 in project 1: supervisor, then manager. */
static void two_steps(struct approval *x, struct approval_step s[2])
{
    memset(x, 0, sizeof(*x));
    memset(s, 0, 2 * sizeof(*s));
    s[0].step = 1;
    s[0].role = "supervisor";
    s[1].step = 2;
    s[1].role = "manager";
    x->id = 7;
    x->project_id = 1;
    x->requested_by = 10;
    x->status = APPROVAL_PENDING;
    x->steps = s;
    x->nsteps = 2;
}

struct decide_case {
    const char *what;
    int64_t id;
    unsigned roles;
    const int64_t *projects;
    size_t nprojects;
    size_t next_step;
    int64_t step1_by; /* who approved step 1 (when next_step is 1) */
    enum approval_status status;
    enum err_code want;
    const char *message; /* a part of the message, or NULL */
};

static void test_may_decide(void **state)
{
    const struct decide_case cases[] = {
        {"the supervisor, step 1", 11, ROLE_SUPERVISOR, p1, 1, 0, 0, APPROVAL_PENDING, E_OK, NULL},
        {"the manager, step 2", 12, ROLE_MANAGER, p12, 2, 1, 11, APPROVAL_PENDING, E_OK, NULL},
        {"another project", 11, ROLE_SUPERVISOR, p2, 1, 0, 0, APPROVAL_PENDING, E_NOT_FOUND, NULL},
        /* 404 before 409: a decided approval of another project is still not there */
        {"another project, decided", 11, ROLE_SUPERVISOR, p2, 1, 0, 0, APPROVAL_APPROVED,
         E_NOT_FOUND, NULL},
        {"decided", 11, ROLE_SUPERVISOR, p1, 1, 2, 11, APPROVAL_APPROVED, E_APPROVAL_DECIDED, NULL},
        {"rejected", 11, ROLE_SUPERVISOR, p1, 1, 0, 0, APPROVAL_REJECTED, E_APPROVAL_DECIDED, NULL},
        {"cancelled", 11, ROLE_SUPERVISOR, p1, 1, 0, 0, APPROVAL_CANCELLED, E_APPROVAL_DECIDED,
         NULL},
        /* 409 before 403: the state first, as API.md orders them */
        {"a butler, decided", 13, ROLE_BUTLER, p1, 1, 0, 0, APPROVAL_REJECTED, E_APPROVAL_DECIDED,
         NULL},
        {"the requester", 10, ROLE_SUPERVISOR | ROLE_MANAGER, p1, 1, 0, 0, APPROVAL_PENDING,
         E_FORBIDDEN, "自己"},
        {"a butler", 13, ROLE_BUTLER, p1, 1, 0, 0, APPROVAL_PENDING, E_FORBIDDEN, "主管"},
        {"a manager at the supervisor's step", 12, ROLE_MANAGER | ROLE_ADMIN, p1, 1, 0, 0,
         APPROVAL_PENDING, E_FORBIDDEN, "主管"},
        {"a supervisor at the manager's step", 14, ROLE_SUPERVISOR, p1, 1, 1, 11, APPROVAL_PENDING,
         E_FORBIDDEN, "经理"},
        {"step 1's approver at step 2", 11, ROLE_SUPERVISOR | ROLE_MANAGER, p1, 1, 1, 11,
         APPROVAL_PENDING, E_FORBIDDEN, "不同的人"},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        const struct decide_case *c = &cases[i];
        struct approval x;
        struct approval_step s[2];
        struct principal who = staff(c->id, c->roles, c->projects, c->nprojects);
        struct err e = {0};
        int rc;

        two_steps(&x, s);
        x.status = c->status;
        x.next_step = c->next_step;
        s[0].decided_by = c->step1_by;
        rc = approval_may_decide(&x, &who, &e);
        if (rc != (c->want == E_OK ? 0 : -1) || e.code != c->want ||
            (c->message && !strstr(e.message, c->message))) {
            print_error("%s: got %d %s (%s)\n", c->what, rc, err_name(e.code), e.message);
            fail();
        }
    }
}

static void test_may_cancel(void **state)
{
    struct approval x;
    struct approval_step s[2];
    struct principal requester = staff(10, ROLE_BUTLER, p1, 1);
    struct principal other = staff(11, ROLE_SUPERVISOR | ROLE_ADMIN, p1, 1);
    struct principal outside = staff(10, ROLE_BUTLER, p2, 1);
    struct err e = {0};

    (void)state;
    two_steps(&x, s);
    assert_int_equal(approval_may_cancel(&x, &requester, &e), 0);
    assert_int_equal(approval_may_cancel(&x, &other, &e), -1);
    assert_int_equal(e.code, E_FORBIDDEN);
    assert_int_equal(approval_may_cancel(&x, &outside, &e), -1);
    assert_int_equal(e.code, E_NOT_FOUND);
    x.status = APPROVAL_CANCELLED;
    assert_int_equal(approval_may_cancel(&x, &requester, &e), -1);
    assert_int_equal(e.code, E_APPROVAL_DECIDED);
}

/* ---- the arithmetic --------------------------------------------------------------------- */

/* A bill of 100.00 yuan due on 2026-03-01: late fee 万分之5 a day after 10
 * days of grace, capped at the principal, half-up. */
static struct bill bill_of(int64_t amount, int64_t discount, int64_t paid, int64_t frozen,
                           const char *late_from, enum bill_status st)
{
    struct bill b = {0};

    b.id = 1;
    b.amount_fen = amount;
    b.discount_fen = discount;
    b.paid_fen = paid;
    b.late_frozen_fen = frozen;
    b.due_date = day("2026-03-01");
    b.late_from = late_from ? day(late_from) : 0;
    b.status = st;
    b.late = (struct bill_late_rule){true, 5, 10, FEE_CAP_PRINCIPAL, 0, MONEY_ROUND_HALF_UP};
    return b;
}

struct waive_case {
    const char *what;
    struct bill b;
    int64_t amount;
    const char *today;
    int rc;
    int64_t discount, frozen, due;
    const char *late_from; /* NULL = none */
    enum bill_status status;
};

static void test_waive_figures(void **state)
{
    struct bill none = bill_of(10000, 0, 0, 0, NULL, BILL_UNPAID);
    const struct waive_case cases[] = {
        /* in grace (accrual starts after 03-11): nothing to freeze */
        {"part, in grace", none, 3000, "2026-03-05", 0, 3000, 0, 7000, NULL, BILL_UNPAID},
        {"all, in grace", none, 10000, "2026-03-05", 0, 10000, 0, 0, NULL, BILL_PAID},
        /* 03-31: 20 days late, 10000 × 5 × 20 / 10000 = 100 frozen; the
         * accrual restarts today on 6000 */
        {"part, late", none, 4000, "2026-03-31", 0, 4000, 100, 6100, "2026-03-31", BILL_UNPAID},
        /* the whole principal: the late fee is what stays due */
        {"all, late", none, 10000, "2026-03-31", 0, 10000, 100, 100, "2026-03-31", BILL_UNPAID},
        /* paid 4000 on 03-21 (50 frozen: 10 days on 10000), 03-31: 10 more
         * days on 6000 = 30, frozen 80; the waiver of 6000 leaves the 80 */
        {"rest of a partial, late", bill_of(10000, 0, 4000, 50, "2026-03-21", BILL_PARTIAL), 6000,
         "2026-03-31", 0, 6000, 80, 80, "2026-03-31", BILL_PARTIAL},
        /* the same in grace: nothing frozen, the waiver settles it */
        {"rest of a partial, in grace", bill_of(10000, 0, 4000, 0, NULL, BILL_PARTIAL), 6000,
         "2026-03-05", 0, 6000, 0, 0, NULL, BILL_PAID},
        /* a scheme's discount first: 10000 − 1000 − 4000 = 5000 open */
        {"after a discount", bill_of(10000, 1000, 4000, 0, NULL, BILL_PARTIAL), 5000, "2026-03-05",
         0, 6000, 0, 0, NULL, BILL_PAID},
        {"beyond the open principal", bill_of(10000, 1000, 4000, 0, NULL, BILL_PARTIAL), 5001,
         "2026-03-05", -1, 0, 0, 0, NULL, BILL_UNPAID},
        {"zero", none, 0, "2026-03-05", -1, 0, 0, 0, NULL, BILL_UNPAID},
        {"negative", none, -1, "2026-03-05", -1, 0, 0, 0, NULL, BILL_UNPAID},
        {"a paid bill", bill_of(10000, 0, 10000, 0, NULL, BILL_PAID), 1, "2026-03-05", -1, 0, 0, 0,
         NULL, BILL_UNPAID},
        {"a void bill", bill_of(10000, 0, 0, 0, NULL, BILL_VOID), 1, "2026-03-05", -1, 0, 0, 0,
         NULL, BILL_UNPAID},
    };

    (void)state;
    assert_int_equal(approval_open_principal(&none), 10000);
    assert_int_equal(approval_open_principal(&cases[6].b), 5000);
    for (size_t i = 0; i < N(cases); i++) {
        const struct waive_case *c = &cases[i];
        struct approval_waive_after w;
        int rc = approval_waive_figures(&c->b, c->amount, day(c->today), &w);
        if (rc != c->rc) {
            print_error("%s: got %d, want %d\n", c->what, rc, c->rc);
            fail();
        }
        if (rc < 0)
            continue;
        if (w.discount_fen != c->discount || w.late_frozen_fen != c->frozen ||
            w.due_fen != c->due || w.late_from != (c->late_from ? day(c->late_from) : 0) ||
            w.status != c->status) {
            print_error("%s: discount %lld frozen %lld due %lld status %s\n", c->what,
                        (long long)w.discount_fen, (long long)w.late_frozen_fen,
                        (long long)w.due_fen, bill_status_name(w.status));
            fail();
        }
    }
}

/* After the waiver, the accrual runs on what stays open: waived 4000 on
 * 03-31, on 04-10 the fee is 100 + 6000 × 5 × 10 / 10000 = 130. */
static void test_waive_then_accrue(void **state)
{
    struct bill b = bill_of(10000, 0, 0, 0, NULL, BILL_UNPAID);
    struct approval_waive_after w;

    (void)state;
    assert_int_equal(approval_waive_figures(&b, 4000, day("2026-03-31"), &w), 0);
    b.discount_fen = w.discount_fen;
    b.late_frozen_fen = w.late_frozen_fen;
    b.late_from = w.late_from;
    b.status = w.status;
    assert_int_equal(bill_figure(&b, day("2026-04-10")), 0);
    assert_int_equal(b.late_fee_fen, 130);
    assert_int_equal(b.due_fen, 6130);
}

struct reverse_case {
    const char *what;
    struct bill b;
    int64_t amount, late;
    int rc;
    int64_t paid;
    enum bill_status status;
};

static void test_reverse_figures(void **state)
{
    const struct reverse_case cases[] = {
        /* paid whole on 03-31 with its 100 of late fee */
        {"a whole payment", bill_of(10000, 0, 10100, 100, "2026-03-31", BILL_PAID), 10100, 100, 0,
         0, BILL_UNPAID},
        /* two payments, the second undone */
        {"the second of two", bill_of(10000, 0, 10100, 100, "2026-03-31", BILL_PAID), 6100, 100, 0,
         4000, BILL_PARTIAL},
        {"the first of two", bill_of(10000, 0, 10100, 100, "2026-03-31", BILL_PAID), 4000, 0, 0,
         6100, BILL_PARTIAL},
        {"a partial bill's only payment", bill_of(10000, 0, 4000, 50, "2026-03-21", BILL_PARTIAL),
         4000, 0, 0, 0, BILL_UNPAID},
        {"more than was paid", bill_of(10000, 0, 4000, 0, NULL, BILL_PARTIAL), 4001, 0, -1, 0,
         BILL_UNPAID},
        {"zero", bill_of(10000, 0, 4000, 0, NULL, BILL_PARTIAL), 0, 0, -1, 0, BILL_UNPAID},
        {"late part above the amount", bill_of(10000, 0, 10100, 100, "2026-03-31", BILL_PAID), 50,
         100, -1, 0, BILL_UNPAID},
        {"a void bill", bill_of(10000, 0, 0, 0, NULL, BILL_VOID), 1, 0, -1, 0, BILL_UNPAID},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        const struct reverse_case *c = &cases[i];
        struct bill_after x;
        int rc = approval_reverse_figures(&c->b, c->amount, c->late, &x);
        if (rc != c->rc) {
            print_error("%s: got %d, want %d\n", c->what, rc, c->rc);
            fail();
        }
        if (rc < 0)
            continue;
        /* the frozen late fee and its restart day stay as they were */
        if (x.paid_fen != c->paid || x.status != c->status ||
            x.late_frozen_fen != c->b.late_frozen_fen || x.late_from != c->b.late_from ||
            x.late_part_fen != -c->late) {
            print_error("%s: paid %lld status %s frozen %lld\n", c->what, (long long)x.paid_fen,
                        bill_status_name(x.status), (long long)x.late_frozen_fen);
            fail();
        }
    }
}

/* Pay a bill today, undo the payment: due today is what it was before the
 * payment (the frozen fee is the fee accrued until then), and from then on
 * it accrues on the whole principal again. */
static void test_pay_then_undo(void **state)
{
    const struct {
        struct bill b;
        const char *on, *later;
        int64_t pay, due_later;
    } cases[] = {
        /* 03-31: due 10100; undone, 04-10: 100 + 10000 × 5 × 10 / 10000 = 150 */
        {bill_of(10000, 0, 0, 0, NULL, BILL_UNPAID), "2026-03-31", "2026-04-10", 10100, 10150},
        /* a part only: 4000 of 10100 */
        {bill_of(10000, 0, 0, 0, NULL, BILL_UNPAID), "2026-03-31", "2026-04-10", 4000, 10150},
        /* in grace: nothing frozen, accrual from 03-12 as if never paid */
        {bill_of(10000, 0, 0, 0, NULL, BILL_UNPAID), "2026-03-05", "2026-03-31", 10000, 10100},
        /* with a discount: principal 9000; 03-31: 9000 × 5 × 20 / 10000 = 90 */
        {bill_of(10000, 1000, 0, 0, NULL, BILL_UNPAID), "2026-03-31", "2026-04-10", 9090, 9135},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct bill b = cases[i].b, before;
        struct bill_after paid, undone;
        int32_t on = day(cases[i].on);

        assert_int_equal(bill_figure(&b, on), 0);
        before = b;
        assert_int_equal(bill_apply(&b, cases[i].pay, on, &paid), 0);
        b.paid_fen = paid.paid_fen;
        b.late_frozen_fen = paid.late_frozen_fen;
        b.late_from = paid.late_from;
        b.status = paid.status;
        assert_int_equal(approval_reverse_figures(&b, cases[i].pay, paid.late_part_fen, &undone),
                         0);
        b.paid_fen = undone.paid_fen;
        b.status = undone.status;
        assert_int_equal(bill_figure(&b, on), 0);
        assert_int_equal(b.due_fen, before.due_fen);
        assert_int_equal(b.paid_fen, 0);
        assert_int_equal(b.status, BILL_UNPAID);
        assert_int_equal(bill_figure(&b, day(cases[i].later)), 0);
        if (b.due_fen != cases[i].due_later) {
            print_error("case %zu: due later %lld, want %lld\n", i, (long long)b.due_fen,
                        (long long)cases[i].due_later);
            fail();
        }
    }
}

static void test_names(void **state)
{
    enum approval_kind k;
    enum approval_status s;

    (void)state;
    for (int i = 0; i < APPROVAL_KINDS; i++) {
        assert_int_equal(approval_kind_from_name(approval_kind_name((enum approval_kind)i), &k), 0);
        assert_int_equal(k, i);
    }
    for (int i = 0; i <= APPROVAL_CANCELLED; i++) {
        assert_int_equal(
            approval_status_from_name(approval_status_name((enum approval_status)i), &s), 0);
        assert_int_equal(s, i);
    }
    assert_int_equal(approval_kind_from_name("void", &k), -1);
    assert_int_equal(approval_kind_from_name(NULL, &k), -1);
    assert_int_equal(approval_status_from_name("failed", &s), -1);
    assert_null(approval_kind_name((enum approval_kind)APPROVAL_KINDS));
    assert_string_equal(pay_method_name(PAY_DEPOSIT), "deposit");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps_for_thresholds),
        cmocka_unit_test(test_policy_check),
        cmocka_unit_test(test_may_decide),
        cmocka_unit_test(test_may_cancel),
        cmocka_unit_test(test_waive_figures),
        cmocka_unit_test(test_waive_then_accrue),
        cmocka_unit_test(test_reverse_figures),
        cmocka_unit_test(test_pay_then_undo),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests_name("approvals", tests, NULL, NULL);
}
