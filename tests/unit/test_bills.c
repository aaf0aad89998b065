/*
 * test_bills.c — the pure half of lib/bills.c, no database: a bill's late
 * fee and due for a day (bill_figure: grace, caps, the accrual restarting
 * after a partial payment), what a payment does to a bill (bill_apply:
 * principal first, the late fee frozen), and the earliest-first rule of
 * API.md (bills_mark_payable, bills_check_choice). Every expected figure
 * is worked out by hand in the comment beside it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bills.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int32_t day(const char *s)
{
    int32_t d = 0;
    assert_int_equal(money_date_parse(s, strlen(s), &d), 0);
    return d;
}

/* 235.00 yuan due on 1 March, 5 bp a day after 30 days' grace, capped at
 * the principal, half-up: the demo's property fee. */
static struct bill property_fee(void)
{
    struct bill b = {.id = 1, .resource_id = 1, .fee_item_id = 1, .status = BILL_UNPAID,
                     .amount_fen = 23500, .due_date = day("2026-03-01")};
    snprintf(b.period, sizeof(b.period), "2026-03");
    b.late = (struct bill_late_rule){true, 5, 30, FEE_CAP_PRINCIPAL, 0, MONEY_ROUND_HALF_UP};
    return b;
}

static void test_figure_grace_and_accrual(void **state)
{
    struct bill b = property_fee();
    (void)state;

    /* 30 days after the due date: all of them grace */
    assert_int_equal(bill_figure(&b, day("2026-03-31")), 0);
    assert_int_equal(b.late_fee_fen, 0);
    assert_int_equal(b.due_fen, 23500);
    /* 40 days: 10 count; 23500 × 5 × 10 / 10000 = 117.5 → 118 */
    assert_int_equal(bill_figure(&b, day("2026-04-10")), 0);
    assert_int_equal(b.late_fee_fen, 118);
    assert_int_equal(b.due_fen, 23618);
    /* a discount of 3500 lowers the principal: 20000 × 5 × 10 / 10000 = 100 */
    b.discount_fen = 3500;
    assert_int_equal(bill_figure(&b, day("2026-04-10")), 0);
    assert_int_equal(b.late_fee_fen, 100);
    assert_int_equal(b.due_fen, 20100);
    /* no rule: no late fee ever */
    b.late.has = false;
    assert_int_equal(bill_figure(&b, day("2030-01-01")), 0);
    assert_int_equal(b.late_fee_fen, 0);
    assert_int_equal(b.due_fen, 20000);
}

static void test_figure_caps(void **state)
{
    struct bill b = property_fee();
    (void)state;

    /* 1000 fen at 10000 bp (100 %) a day, no grace, 5 days: 5000 before a cap */
    b.amount_fen = 1000;
    b.late.daily_bp = 10000;
    b.late.grace_days = 0;
    assert_int_equal(bill_figure(&b, day("2026-03-06")), 0);
    assert_int_equal(b.late_fee_fen, 1000); /* at most the principal */
    assert_int_equal(b.due_fen, 2000);
    b.late.cap = FEE_CAP_FIXED;
    b.late.cap_fen = 300;
    assert_int_equal(bill_figure(&b, day("2026-03-06")), 0);
    assert_int_equal(b.late_fee_fen, 300);
    b.late.cap = FEE_CAP_NONE;
    assert_int_equal(bill_figure(&b, day("2026-03-06")), 0);
    assert_int_equal(b.late_fee_fen, 5000);
    /* the cap counts what is frozen: 800 frozen, 500 more would pass 1000 */
    b.late.cap = FEE_CAP_PRINCIPAL;
    b.late_frozen_fen = 800;
    b.paid_fen = 500; /* half the principal paid: 500 open */
    b.late_from = day("2026-03-10");
    assert_int_equal(bill_figure(&b, day("2026-03-11")), 0);
    assert_int_equal(b.late_fee_fen, 1000); /* 800 + min(500, 200) */
    assert_int_equal(b.due_fen, 1000 + 1000 - 500);
}

static void test_figure_closed_and_broken(void **state)
{
    struct bill b = property_fee();
    (void)state;

    /* paid: the late fee is what was frozen, nothing accrues */
    b.status = BILL_PAID;
    b.paid_fen = 23618;
    b.late_frozen_fen = 118;
    assert_int_equal(bill_figure(&b, day("2027-01-01")), 0);
    assert_int_equal(b.late_fee_fen, 118);
    assert_int_equal(b.due_fen, 0);
    /* void: nothing is due */
    b = property_fee();
    b.status = BILL_VOID;
    assert_int_equal(bill_figure(&b, day("2027-01-01")), 0);
    assert_int_equal(b.due_fen, 0);
    /* figures that break the books' rules are refused, not shown */
    b = property_fee();
    b.discount_fen = b.amount_fen + 1;
    assert_int_equal(bill_figure(&b, day("2026-03-01")), -1);
    b = property_fee();
    b.paid_fen = b.amount_fen + 1; /* more paid than owed */
    assert_int_equal(bill_figure(&b, day("2026-03-01")), -1);
}

static void test_apply_partial_then_rest(void **state)
{
    struct bill b = property_fee();
    struct bill_after x;
    (void)state;

    /* 10 April: due 23618 (118 late fee). 10000 pays principal first. */
    assert_int_equal(bill_figure(&b, day("2026-04-10")), 0);
    assert_int_equal(bill_apply(&b, 10000, day("2026-04-10"), &x), 0);
    assert_int_equal(x.paid_fen, 10000);
    assert_int_equal(x.late_frozen_fen, 118);
    assert_int_equal(x.late_from, day("2026-04-10"));
    assert_int_equal(x.late_part_fen, 0);
    assert_int_equal(x.status, BILL_PARTIAL);
    /* the bill as stored after it */
    b.status = BILL_PARTIAL;
    b.paid_fen = x.paid_fen;
    b.late_frozen_fen = x.late_frozen_fen;
    b.late_from = x.late_from;
    /* 30 April: 20 more days on the open 13500: 13500 × 5 × 20 / 10000 = 135;
     * due 23500 + 118 + 135 − 10000 = 13753 */
    assert_int_equal(bill_figure(&b, day("2026-04-30")), 0);
    assert_int_equal(b.late_fee_fen, 253);
    assert_int_equal(b.due_fen, 13753);
    /* more than due is refused; exactly due pays it, 253 of it late fee */
    assert_int_equal(bill_apply(&b, 13754, day("2026-04-30"), &x), -1);
    assert_int_equal(bill_apply(&b, 13753, day("2026-04-30"), &x), 0);
    assert_int_equal(x.status, BILL_PAID);
    assert_int_equal(x.paid_fen, 23753);
    assert_int_equal(x.late_frozen_fen, 253);
    assert_int_equal(x.late_part_fen, 253);
}

static void test_apply_in_grace(void **state)
{
    struct bill b = property_fee();
    struct bill_after x;
    (void)state;

    /* paid in part within the grace days: the grace goes on */
    assert_int_equal(bill_figure(&b, day("2026-03-11")), 0);
    assert_int_equal(bill_apply(&b, 500, day("2026-03-11"), &x), 0);
    assert_int_equal(x.late_from, 0);
    assert_int_equal(x.late_frozen_fen, 0);
    /* zero, negative, or a closed bill: refused */
    assert_int_equal(bill_apply(&b, 0, day("2026-03-11"), &x), -1);
    assert_int_equal(bill_apply(&b, -1, day("2026-03-11"), &x), -1);
    b.status = BILL_PAID;
    assert_int_equal(bill_apply(&b, 1, day("2026-03-11"), &x), -1);
}

/* The table of the earliest-first tests: one resource, two fee items. */
static void choice_table(struct bill *v)
{
    static const struct {
        int64_t id, item;
        const char *period;
        enum bill_status st;
        int64_t payment;
    } rows[] = {
        {6, 2, "2026-04", BILL_UNPAID, 0}, /* given out of order on purpose */
        {1, 1, "2026-01", BILL_PAID, 0},
        {2, 1, "2026-02", BILL_PARTIAL, 0},
        {3, 1, "2026-03", BILL_UNPAID, 0},
        {4, 2, "2026-02", BILL_UNPAID, 0},
        {5, 2, "2026-03", BILL_UNPAID, 9}, /* in an open online payment */
    };
    for (size_t i = 0; i < N(rows); i++) {
        v[i] = (struct bill){.id = rows[i].id, .resource_id = 1, .fee_item_id = rows[i].item,
                             .status = rows[i].st, .open_payment_id = rows[i].payment,
                             .fee_item_name = "物业费"};
        snprintf(v[i].period, sizeof(v[i].period), "%s", rows[i].period);
    }
    bills_sort(v, 6);
    bills_mark_payable(v, 6);
}

static void test_payable(void **state)
{
    struct bill v[6];
    /* sorted: period, then item: ids 1, 2, 4, 3, 5, 6 */
    static const int64_t order[] = {1, 2, 4, 3, 5, 6};
    static const bool payable[] = {false, true, true, true, false, false};
    (void)state;

    choice_table(v);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(v[i].id, order[i]);
        assert_int_equal(v[i].payable, payable[i]);
    }
}

static void test_choice(void **state)
{
    struct bill v[6];
    static const struct {
        int64_t ids[4];
        size_t n;
        int rc;
        enum err_code code;
    } cases[] = {
        {{3}, 1, -1, E_EARLIER_BILL_UNPAID}, /* March while February is partial */
        {{2, 3}, 2, 0, 0},                   /* February and March together */
        {{3, 2}, 2, 0, 0},                   /* in any order */
        {{2}, 1, 0, 0},                      /* finishing February alone */
        {{4}, 1, 0, 0},                      /* the other item is independent */
        {{2, 4}, 2, 0, 0},
        {{1}, 1, -1, E_BILL_NOT_PAYABLE},    /* paid */
        {{5}, 1, -1, E_BILL_NOT_PAYABLE},    /* in an open payment */
        {{4, 5, 6}, 3, -1, E_BILL_NOT_PAYABLE},
        {{6}, 1, -1, E_EARLIER_BILL_UNPAID}, /* April with February open */
        {{4, 6}, 2, -1, E_EARLIER_BILL_UNPAID}, /* a gap: March */
        {{99}, 1, -1, E_NOT_FOUND},
    };
    (void)state;

    choice_table(v);
    for (size_t i = 0; i < N(cases); i++) {
        struct err e = {0};
        int rc = bills_check_choice(v, 6, cases[i].ids, cases[i].n, &e);
        if (rc != cases[i].rc || (rc < 0 && e.code != cases[i].code))
            fail_msg("case %zu: rc %d code %d", i, rc, (int)e.code);
    }
}

static void test_names_and_numbers(void **state)
{
    char no[48];
    enum bill_status st;
    enum pay_method m;
    enum bill_filter f;
    (void)state;

    receipt_format("SFXQ", 2026, 123, no);
    assert_string_equal(no, "SFXQ-2026-000123");
    receipt_format("SFXQ", 2026, 1234567, no);
    assert_string_equal(no, "SFXQ-2026-1234567");
    assert_int_equal(bill_status_from_name("partial", &st), 0);
    assert_int_equal(st, BILL_PARTIAL);
    assert_int_equal(bill_status_from_name("open", &st), -1);
    assert_int_equal(pay_method_desk("cash", &m), 0);
    assert_int_equal(m, PAY_CASH);
    /* online and offset are not the desk's to record */
    assert_int_equal(pay_method_desk("wechat_pay", &m), -1);
    assert_int_equal(pay_method_desk("prepay", &m), -1);
    assert_int_equal(bill_filter_from_name(NULL, &f), 0);
    assert_int_equal(f, BILLS_UNPAID);
    assert_int_equal(bill_filter_from_name("void", &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figure_grace_and_accrual),
        cmocka_unit_test(test_figure_caps),
        cmocka_unit_test(test_figure_closed_and_broken),
        cmocka_unit_test(test_apply_partial_then_rest),
        cmocka_unit_test(test_apply_in_grace),
        cmocka_unit_test(test_payable),
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_names_and_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
