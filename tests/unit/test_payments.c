/*
 * test_payments.c — the pure part of the payments module: out_trade_no
 * (WeChat Pay's charset and length, the China date, never twice the same),
 * the order's description (127 characters at most, cut between
 * characters, the count of bills kept) and what a bill gets of its fixed
 * amount when it changed after the payment was made (a table, each row
 * worked out by hand).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/json.h"
#include "payments.h"

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

static void test_trade_no_shape_and_date(void **state)
{
    static const struct {
        time_t now;
        const char *date;
    } rows[] = {
        {1764547200, "20251201"}, /* 2025-12-01 00:00 UTC = 08:00 in China */
        {1764606600, "20251202"}, /* 2025-12-01 16:30 UTC = the 2nd, 00:30 in China */
        {1764604799, "20251201"}, /* 15:59:59 UTC: still the 1st in China */
    };
    char no[PAY_TRADE_NO_SIZE];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        pay_trade_no(rows[i].now, no);
        assert_int_equal(strlen(no), 29);
        assert_int_equal(no[0], 'W');
        assert_memory_equal(no + 1, rows[i].date, 8);
        assert_int_equal(strspn(no + 9, ALNUM), 20);
    }
}

#define MANY 2000

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_trade_no_never_repeats(void **state)
{
    static char v[MANY][PAY_TRADE_NO_SIZE];
    int seen[256] = {0};

    (void)state;
    for (int i = 0; i < MANY; i++)
        pay_trade_no(1764547200, v[i]);
    qsort(v, MANY, sizeof(v[0]), cmp_str);
    for (int i = 1; i < MANY; i++)
        assert_string_not_equal(v[i - 1], v[i]);
    /* the random part uses the whole alphabet (2000 × 20 draws of 62) */
    for (int i = 0; i < MANY; i++)
        for (int k = 9; k < 29; k++)
            seen[(unsigned char)v[i][k]] = 1;
    for (const char *c = ALNUM; *c; c++)
        assert_true(seen[(unsigned char)*c]);
}

static void test_description(void **state)
{
    char out[PAY_DESC_SIZE], long_name[400] = "";

    (void)state;
    pay_description("示范小区", "物业费", "2026-02", 1, out);
    assert_string_equal(out, "示范小区-物业费 2026-02");
    pay_description("示范小区", "物业费", "2026-02", 3, out);
    assert_string_equal(out, "示范小区-物业费 2026-02等3笔");
    /* 100 Chinese characters of project and item: cut to 127 characters
     * in all, between characters, the count kept whole */
    for (int i = 0; i < 100; i++)
        strcat(long_name, "物");
    pay_description(long_name, long_name, "2026-02", 12, out);
    assert_true(utf8_valid(out, strlen(out)));
    assert_int_equal(utf8_chars(out, strlen(out)), PAY_DESC_CHARS);
    assert_non_null(strstr(out, "等12笔"));
    assert_int_equal(strcmp(out + strlen(out) - strlen("等12笔"), "等12笔"), 0);
    /* one bill: nothing after the period, still at most 127 */
    pay_description(long_name, long_name, "2026-02", 1, out);
    assert_int_equal(utf8_chars(out, strlen(out)), PAY_DESC_CHARS);
}

static void test_bill_share(void **state)
{
    static const struct {
        enum bill_status status;
        int64_t due, fixed, want;
        const char *why;
    } rows[] = {
        {BILL_UNPAID, 23618, 23618, 23618, "unchanged: pays it whole"},
        {BILL_UNPAID, 23853, 23618, 23618, "late fee grew by 235: stays partial"},
        {BILL_PARTIAL, 4000, 5000, 4000, "a waiver of 1000: 1000 to prepayment"},
        {BILL_PAID, 0, 5000, 0, "paid meanwhile: all to prepayment"},
        {BILL_VOID, 0, 5000, 0, "voided meanwhile: all to prepayment"},
        {BILL_UNPAID, 100, 0, 0, "nothing fixed: nothing applied"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct bill b = {.status = rows[i].status, .due_fen = rows[i].due};
        if (pay_bill_share(&b, rows[i].fixed) != rows[i].want)
            fail_msg("row %zu (%s): %lld, not %lld", i, rows[i].why,
                     (long long)pay_bill_share(&b, rows[i].fixed), (long long)rows[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trade_no_shape_and_date),
        cmocka_unit_test(test_trade_no_never_repeats),
        cmocka_unit_test(test_description),
        cmocka_unit_test(test_bill_share),
    };
    return cmocka_run_group_tests_name("payments", tests, NULL, NULL);
}
