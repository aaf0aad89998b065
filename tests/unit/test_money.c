/*
 * test_money.c — lib/core/money.c, table by table: fee by area, usage and
 * head in every rounding mode (exact halves included, negative amounts
 * too), discounts, late fees around the grace period and the cap, the
 * oldest-first split of a payment, money parsed from CSV cells and
 * formatted back, dates, the amount in Chinese words, and overflow
 * refused everywhere. Every expectation is computed by hand; the comment
 * of a row shows the arithmetic where it is not obvious.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/money.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const enum money_round modes[4] = {MONEY_ROUND_HALF_UP, MONEY_ROUND_HALF_EVEN,
                                          MONEY_ROUND_DOWN, MONEY_ROUND_UP};

/* A product and what each mode makes of it: half_up, half_even, down, up.
 * rc -1: refused in every mode (then want is unused). */
struct mul_case {
    int64_t a, b;
    int rc;
    int64_t want[4];
};

/* area_m2x100 × rate_fen_per_m2x10000 / 10^6 */
static const struct mul_case area_cases[] = {
    /* 89.50 m² × 2.35 yuan (235 fen): 89.5 × 235 = 21032.5 fen, an exact half */
    {8950, 2350000, 0, {21033, 21032, 21032, 21033}},
    /* 120.60 × 1.85 yuan: 12060 × 185 / 100 = 22311.0, exact */
    {12060, 1850000, 0, {22311, 22311, 22311, 22311}},
    /* 98.75 × 235 = 23206.25 */
    {9875, 2350000, 0, {23206, 23206, 23206, 23207}},
    /* 143.21 × 187.65 fen = 26780.27 + 93.0865 = 26873.3565 */
    {14321, 1876500, 0, {26873, 26873, 26873, 26874}},
    /* 0.01 m² × 150 fen = 1.5: half-even goes to 2, the even neighbour */
    {1, 1500000, 0, {2, 2, 1, 2}},
    /* 0.01 × 250 fen = 2.5: half-even stays at 2 */
    {1, 2500000, 0, {3, 2, 2, 3}},
    /* 0.01 × 49.99 fen = 0.4999: under the half */
    {1, 499900, 0, {0, 0, 0, 1}},
    /* 0.01 × 50.01 fen = 0.5001: over the half */
    {1, 500100, 0, {1, 1, 0, 1}},
    {0, 2350000, 0, {0, 0, 0, 0}},
    {8950, 0, 0, {0, 0, 0, 0}},
    /* a credit: −21032.5, half away from zero, down toward zero */
    {8950, -2350000, 0, {-21033, -21032, -21032, -21033}},
    /* −0.5 fen: half-up −1, half-even −0 = 0, down 0, up −1 */
    {1, -500000, 0, {-1, 0, 0, -1}},
    /* −2.5: symmetric with 2.5 */
    {-1, 2500000, 0, {-3, -2, -2, -3}},
    /* 10^12 × 10^12 / 10^6 = 10^18 < 2^63 ≈ 9.22 × 10^18: fits */
    {1000000000000,
     1000000000000,
     0,
     {1000000000000000000, 1000000000000000000, 1000000000000000000, 1000000000000000000}},
    /* 10^13 × 10^12 / 10^6 = 10^19 > 2^63 − 1: refused, never wrapped */
    {10000000000000, 1000000000000, -1, {0}},
    {INT64_MAX, INT64_MAX, -1, {0}},
    {INT64_MIN, INT64_MAX, -1, {0}},
};

static void test_by_area(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(area_cases); i++) {
        const struct mul_case *c = &area_cases[i];

        for (int m = 0; m < 4; m++) {
            int64_t v = -7;

            print_message("area %lld × %lld %s\n", (long long)c->a, (long long)c->b,
                          money_round_name(modes[m]));
            assert_int_equal(money_by_area(c->a, c->b, modes[m], &v), c->rc);
            assert_int_equal(v, c->rc == 0 ? c->want[m] : -7); /* untouched on error */
        }
    }
}

/* usage × rate_fen_per_unitx10000 / (per_unit × 10^4) */
struct usage_case {
    int64_t usage, per_unit, rate;
    int rc;
    int64_t want[4];
};

static const struct usage_case usage_cases[] = {
    /* 123 kWh × 0.5483 yuan = 123 × 54.83 fen = 6744.09 */
    {123, 1, 548300, 0, {6744, 6744, 6744, 6745}},
    /* 12.50 m³ (readings in 0.01 m³) × 3.45 yuan = 12.5 × 345 = 4312.5 */
    {1250, 100, 3450000, 0, {4313, 4312, 4312, 4313}},
    /* 3 units × 0.5 fen = 1.5 */
    {3, 1, 5000, 0, {2, 2, 1, 2}},
    /* 7 × 0.0005 fen = 0.0035 */
    {7, 1, 5, 0, {0, 0, 0, 1}},
    /* 0.001 m³ readings: 1 × 100 fen / 1000 = 0.1 */
    {1, 1000, 1000000, 0, {0, 0, 0, 1}},
    {0, 1, 548300, 0, {0, 0, 0, 0}},
    /* a correction of −12.50 m³: −4312.5 */
    {-1250, 100, 3450000, 0, {-4313, -4312, -4312, -4313}},
    {123, 0, 548300, -1, {0}},       /* no unit */
    {123, 1000001, 548300, -1, {0}}, /* beyond 10^6 smallest units per unit */
    {INT64_MAX, 1, INT64_MAX, -1, {0}},
};

static void test_by_usage(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(usage_cases); i++) {
        const struct usage_case *c = &usage_cases[i];

        for (int m = 0; m < 4; m++) {
            int64_t v = -7;

            print_message("usage %lld/%lld × %lld %s\n", (long long)c->usage,
                          (long long)c->per_unit, (long long)c->rate, money_round_name(modes[m]));
            assert_int_equal(money_by_usage(c->usage, c->per_unit, c->rate, modes[m], &v), c->rc);
            assert_int_equal(v, c->rc == 0 ? c->want[m] : -7);
        }
    }
}

/* The general form: the limits of int64 and the refusals. */
struct mul_div_case {
    int64_t a, b, den;
    int mode;
    int rc;
    int64_t want;
};

static const struct mul_div_case mul_div_cases[] = {
    {INT64_MIN, 1, 1, MONEY_ROUND_HALF_UP, 0, INT64_MIN}, /* −2^63 fits */
    {INT64_MIN, -1, 1, MONEY_ROUND_HALF_UP, -1, 0},       /* 2^63 does not */
    {INT64_MAX, 1, 1, MONEY_ROUND_HALF_UP, 0, INT64_MAX},
    {INT64_MAX, 2, 2, MONEY_ROUND_HALF_UP, 0, INT64_MAX}, /* 2^64 − 2 in between, exact */
    {INT64_MAX, INT64_MAX, INT64_MAX, MONEY_ROUND_DOWN, 0, INT64_MAX},
    {INT64_MAX, 3, 2, MONEY_ROUND_DOWN, -1, 0},
    {7, 1, 2, MONEY_ROUND_HALF_EVEN, 0, 4},   /* 3.5 → 4 */
    {9, 1, 2, MONEY_ROUND_HALF_EVEN, 0, 4},   /* 4.5 → 4 */
    {-9, 1, 2, MONEY_ROUND_HALF_EVEN, 0, -4}, /* −4.5 → −4 */
    {1, 1, 3, MONEY_ROUND_UP, 0, 1},          /* 0.33… → 1 */
    {-1, 1, 3, MONEY_ROUND_UP, 0, -1},
    {2, 1, 3, MONEY_ROUND_DOWN, 0, 0},     /* 0.66… → 0 */
    {1, 1, 0, MONEY_ROUND_HALF_UP, -1, 0}, /* no scale */
    {1, 1, -1, MONEY_ROUND_HALF_UP, -1, 0},
    {1, 1, 1, 9, -1, 0}, /* not a mode */
};

static void test_mul_div(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(mul_div_cases); i++) {
        const struct mul_div_case *c = &mul_div_cases[i];
        int64_t v = -7;

        print_message("mul_div %lld × %lld / %lld mode %d\n", (long long)c->a, (long long)c->b,
                      (long long)c->den, c->mode);
        assert_int_equal(money_mul_div(c->a, c->b, c->den, (enum money_round)c->mode, &v), c->rc);
        assert_int_equal(v, c->rc == 0 ? c->want : -7);
    }
}

/* Every mode against its definition, on every fraction of small
 * denominators, both signs: q = |num| / den, r = |num| % den, then
 * half-up adds 1 when 2r ≥ den, half-even when 2r > den or 2r = den and q
 * is odd, up when r > 0; the sign goes back on. */
static void test_round_sweep(void **state)
{
    (void)state;
    for (int64_t den = 1; den <= 12; den++)
        for (int64_t num = -300; num <= 300; num++) {
            int64_t mag = num < 0 ? -num : num, q = mag / den, r = mag % den;
            int64_t want[4] = {q + (2 * r >= den), q + (2 * r > den || (2 * r == den && q % 2)), q,
                               q + (r > 0)};

            for (int m = 0; m < 4; m++) {
                int64_t v, neg;

                assert_int_equal(money_mul_div(num, 1, den, modes[m], &v), 0);
                assert_int_equal(v, num < 0 ? -want[m] : want[m]);
                /* symmetric about zero */
                assert_int_equal(money_mul_div(-num, 1, den, modes[m], &neg), 0);
                assert_int_equal(neg, -v);
            }
        }
}

static void test_round_names(void **state)
{
    enum money_round m = MONEY_ROUND_UP;

    (void)state;
    for (int i = 0; i < 4; i++) {
        const char *name = money_round_name(modes[i]);

        assert_non_null(name);
        assert_int_equal(money_round_from_name(name, strlen(name), &m), 0);
        assert_int_equal(m, modes[i]);
    }
    assert_string_equal(money_round_name(MONEY_ROUND_HALF_UP), "half_up");
    assert_string_equal(money_round_name(MONEY_ROUND_HALF_EVEN), "half_even");
    assert_null(money_round_name((enum money_round)4));
    assert_int_equal(money_round_from_name("half", 4, &m), -1);
    assert_int_equal(money_round_from_name("half_up_", 8, &m), -1);
    assert_int_equal(money_round_from_name("", 0, &m), -1);
    assert_int_equal(money_round_from_name("up", 2, &m), 0);
    assert_int_equal(m, MONEY_ROUND_UP);
}

/* ---- per head and sums ----------------------------------------------------- */

struct pair_case {
    int64_t a, b;
    int rc;
    int64_t want;
};

static const struct pair_case head_cases[] = {
    {3, 1500, 0, 4500}, /* 3 people × 15 yuan */
    {0, 1500, 0, 0},
    {1, 0, 0, 0},
    {-2, 1500, 0, -3000}, /* a correction of two heads */
    {INT64_MAX, 1, 0, INT64_MAX},
    {INT64_MAX, 2, -1, 0},
    {INT64_C(4611686018427387904), 2, -1, 0}, /* 2^62 × 2 = 2^63 */
    {INT64_C(4611686018427387904), -2, 0, INT64_MIN},
};

static void test_per_head(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(head_cases); i++) {
        const struct pair_case *c = &head_cases[i];
        int64_t v = -7;

        print_message("head %lld × %lld\n", (long long)c->a, (long long)c->b);
        assert_int_equal(money_per_head(c->a, c->b, &v), c->rc);
        assert_int_equal(v, c->rc == 0 ? c->want : -7);
    }
}

static void test_sums(void **state)
{
    const int64_t ok[] = {10000, 2350, -500, 1};
    const int64_t over[] = {INT64_MAX - 10, 5, 6};
    const int64_t under[] = {INT64_MIN + 1, -1, -1};
    const int64_t back[] = {INT64_MAX, 1, -2}; /* the running sum overflows first */
    int64_t v = -7;

    (void)state;
    assert_int_equal(money_sum(ok, N(ok), &v), 0);
    assert_int_equal(v, 11851);
    assert_int_equal(money_sum(ok, 0, &v), 0);
    assert_int_equal(v, 0);
    v = -7;
    assert_int_equal(money_sum(over, N(over), &v), -1);
    assert_int_equal(money_sum(under, N(under), &v), -1);
    assert_int_equal(money_sum(back, N(back), &v), -1);
    assert_int_equal(v, -7);
    assert_int_equal(money_add(INT64_MAX, 1, &v), -1);
    assert_int_equal(money_add(INT64_MAX, -1, &v), 0);
    assert_int_equal(v, INT64_MAX - 1);
    assert_int_equal(money_sub(INT64_MIN, 1, &v), -1);
    assert_int_equal(money_sub(0, INT64_MIN, &v), -1);
    assert_int_equal(money_sub(1234, 1500, &v), 0);
    assert_int_equal(v, -266);
}

/* ---- discounts ------------------------------------------------------------ */

struct discount_case {
    int64_t amount, off_bp;
    int rc;
    int64_t want[4]; /* the discount in fen; the payable is amount − it */
};

static const struct discount_case bp_cases[] = {
    {10000, 1000, 0, {1000, 1000, 1000, 1000}}, /* 10 % off 100 yuan */
    /* 10 % off 123.45: 1234.5 — the discount is what is rounded */
    {12345, 1000, 0, {1235, 1234, 1234, 1235}},
    /* 5 % off: 617.25 */
    {12345, 500, 0, {617, 617, 617, 618}},
    /* 33.33 % off 1.01 yuan: 101 × 3333 / 10000 = 33.6633 */
    {101, 3333, 0, {34, 34, 33, 34}},
    /* 50 % off 1.05 yuan: 52.5, half-even to 52 */
    {105, 5000, 0, {53, 52, 52, 53}},
    {12345, 0, 0, {0, 0, 0, 0}},
    {12345, 10000, 0, {12345, 12345, 12345, 12345}}, /* free: the payable is 0 */
    {0, 1000, 0, {0, 0, 0, 0}},
    /* the exact product needs 128 bits; the discount is the whole amount */
    {INT64_MAX, 10000, 0, {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX}},
    {-100, 1000, -1, {0}},   /* no discount of a credit */
    {12345, 10001, -1, {0}}, /* more than free */
    {12345, -1, -1, {0}},    /* a surcharge is not a discount */
};

static void test_discount_bp(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(bp_cases); i++) {
        const struct discount_case *c = &bp_cases[i];

        for (int m = 0; m < 4; m++) {
            int64_t v = -7;

            print_message("discount %lld off %lld bp %s\n", (long long)c->amount,
                          (long long)c->off_bp, money_round_name(modes[m]));
            assert_int_equal(money_discount_off_bp(c->amount, c->off_bp, modes[m], &v), c->rc);
            assert_int_equal(v, c->rc == 0 ? c->want[m] : -7);
            if (c->rc == 0)
                assert_true(v >= 0 && v <= c->amount);
        }
    }
}

static const struct pair_case fixed_cases[] = {
    {10000, 3000, 0, 3000}, {2000, 3000, 0, 2000}, /* never below zero: the discount stops at the
                                                      amount */
    {3000, 3000, 0, 3000},  {0, 100, 0, 0},        {100, 0, 0, 0}, {-1, 0, -1, 0}, {100, -1, -1, 0},
};

static void test_discount_fixed(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(fixed_cases); i++) {
        const struct pair_case *c = &fixed_cases[i];
        int64_t v = -7;

        print_message("fixed %lld off %lld\n", (long long)c->a, (long long)c->b);
        assert_int_equal(money_discount_fixed(c->a, c->b, &v), c->rc);
        assert_int_equal(v, c->rc == 0 ? c->want : -7);
    }
}

/* ---- dates ---------------------------------------------------------------- */

struct date_case {
    const char *in;
    int rc;
    int32_t want;
};

static const struct date_case date_cases[] = {
    {"1970-01-01", 0, 0},
    {"1970-01-02", 0, 1},
    {"1969-12-31", 0, -1},
    {"2000-01-01", 0, 10957},  /* 30 years with 7 leap days: 30 × 365 + 7 */
    {"2000-03-01", 0, 11017},  /* + 31 + 29: 2000 is a leap year (÷400) */
    {"1900-01-01", 0, -25567}, /* 70 × 365 + 17 leap days back */
    {"2024-02-29", 0, 19782},
    {"2026-01-31", 0, 20484},
    {"2026-03-02", 0, 20514}, /* 2026-01-31 + 28 (rest of January and February) + 2 */
    {"2199-12-31", 0, 84005},
    {"2026-02-29", -1, 0}, /* 2026 is not a leap year */
    {"1900-02-29", -1, 0}, /* nor 1900 (÷100, not ÷400) */
    {"2026-04-31", -1, 0},
    {"2026-13-01", -1, 0},
    {"2026-00-10", -1, 0},
    {"2026-01-00", -1, 0},
    {"2026-1-01", -1, 0},
    {"2026/01/01", -1, 0},
    {"2026-01-011", -1, 0},
    {"1899-12-31", -1, 0},
    {"2200-01-01", -1, 0},
    {"", -1, 0},
    {"２026-01-01", -1, 0}, /* a full-width digit */
};

static void test_dates(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(date_cases); i++) {
        const struct date_case *c = &date_cases[i];
        int32_t d = -7777;

        print_message("date [%s]\n", c->in);
        assert_int_equal(money_date_parse(c->in, strlen(c->in), &d), c->rc);
        assert_int_equal(d, c->rc == 0 ? c->want : -7777);
    }
    assert_int_equal(money_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(money_days_from_civil(2000, 2, 29) + 1, money_days_from_civil(2000, 3, 1));
    assert_int_equal(money_days_from_civil(2100, 3, 1) - money_days_from_civil(2100, 2, 28), 1);
}

/* ---- late fee ------------------------------------------------------------- */

struct late_case {
    const char *note;
    int64_t principal;
    const char *due, *today;
    int32_t grace;
    int64_t rate_bp, cap;
    int mode;
    int rc;
    int64_t want;
};

#define NOCAP MONEY_NO_CAP_FEN
#define HU MONEY_ROUND_HALF_UP

static const struct late_case late_cases[] = {
    /* 100 yuan due 2026-01-31, 万分之五 a day, 10 days of grace */
    {"before the due date", 10000, "2026-01-31", "2026-01-26", 10, 5, NOCAP, HU, 0, 0},
    {"on the due date", 10000, "2026-01-31", "2026-01-31", 10, 5, NOCAP, HU, 0, 0},
    {"last day of grace", 10000, "2026-01-31", "2026-02-10", 10, 5, NOCAP, HU, 0, 0},
    /* 02-11: 11 − 10 = 1 day; 10000 × 5 × 1 / 10000 = 5 fen */
    {"first day after grace", 10000, "2026-01-31", "2026-02-11", 10, 5, NOCAP, HU, 0, 5},
    /* 03-12: 40 days after the due date, 30 counted: 150 fen */
    {"30 days after grace", 10000, "2026-01-31", "2026-03-12", 10, 5, NOCAP, HU, 0, 150},
    /* no grace, across February 2026 (28 days): 01-31 → 03-02 is 30 days */
    {"no grace, February", 10000, "2026-01-31", "2026-03-02", 0, 5, NOCAP, HU, 0, 150},
    /* a leap February: 2024-02-28 → 03-02 is 3 days; 10000 × 5 × 3 / 10^4 = 15 */
    {"leap February", 10000, "2024-02-28", "2024-03-02", 0, 5, NOCAP, HU, 0, 15},
    /* 10 yuan, 1 day: 1000 × 5 / 10^4 = 0.5 fen, an exact half */
    {"half, half-up", 1000, "2026-01-31", "2026-02-01", 0, 5, NOCAP, HU, 0, 1},
    {"half, half-even", 1000, "2026-01-31", "2026-02-01", 0, 5, NOCAP, MONEY_ROUND_HALF_EVEN, 0, 0},
    {"half, down", 1000, "2026-01-31", "2026-02-01", 0, 5, NOCAP, MONEY_ROUND_DOWN, 0, 0},
    {"half, up", 1000, "2026-01-31", "2026-02-01", 0, 5, NOCAP, MONEY_ROUND_UP, 0, 1},
    /* 123.45 yuan, 3 days: 12345 × 15 / 10^4 = 18.5175, rounded once */
    {"one rounding", 12345, "2026-01-31", "2026-02-03", 0, 5, NOCAP, HU, 0, 19},
    /* capped at the principal. 2026-01-01 + 2000 days: 1826 to 2031-01-01
     * (one leap day, 2028), then 174 = 151 (Jan..May) + 23 → 2031-06-24.
     * 1999 days × 5 fen = 9995 < 10000 */
    {"below the cap", 10000, "2026-01-01", "2031-06-23", 0, 5, 10000, HU, 0, 9995},
    /* 2000 days: 10000 fen, exactly the cap */
    {"at the cap", 10000, "2026-01-01", "2031-06-24", 0, 5, 10000, HU, 0, 10000},
    /* 2001 days: 10005 → 10000 */
    {"over the cap", 10000, "2026-01-01", "2031-06-25", 0, 5, 10000, HU, 0, 10000},
    /* a fixed cap of 0.50 yuan: 150 → 50 */
    {"fixed cap", 10000, "2026-01-31", "2026-03-02", 0, 5, 50, HU, 0, 50},
    {"cap 0", 10000, "2026-01-31", "2026-03-02", 0, 5, 0, HU, 0, 0},
    {"rate 0", 10000, "2026-01-31", "2026-03-02", 0, 0, NOCAP, HU, 0, 0},
    {"principal 0", 0, "2026-01-31", "2026-03-02", 0, 5, NOCAP, HU, 0, 0},
    /* 1 % a day (100 bp) for 100 days: the principal again, 10000 */
    {"1 % a day", 10000, "2026-01-01", "2026-04-11", 0, 100, NOCAP, HU, 0, 10000},
    /* INT64_MAX × 100 % × 65,000+ days: far beyond int64, the cap holds it */
    {"huge, capped", INT64_MAX, "1900-01-01", "2099-12-31", 0, 10000, INT64_MAX - 1, HU, 0,
     INT64_MAX - 1},
    {"huge, no cap", INT64_MAX, "1900-01-01", "2099-12-31", 0, 10000, NOCAP, HU, -1, 0},
    {"negative principal", -1, "2026-01-31", "2026-03-02", 0, 5, NOCAP, HU, -1, 0},
    {"negative grace", 10000, "2026-01-31", "2026-03-02", -1, 5, NOCAP, HU, -1, 0},
    {"rate over 100 %", 10000, "2026-01-31", "2026-03-02", 0, 10001, NOCAP, HU, -1, 0},
    {"negative rate", 10000, "2026-01-31", "2026-03-02", 0, -1, NOCAP, HU, -1, 0},
    {"negative cap", 10000, "2026-01-31", "2026-03-02", 0, 5, -1, HU, -1, 0},
    {"bad mode", 10000, "2026-01-31", "2026-03-02", 0, 5, NOCAP, 7, -1, 0},
};

static void test_late_fee(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(late_cases); i++) {
        const struct late_case *c = &late_cases[i];
        int32_t due, today;
        int64_t v = -7;

        print_message("late fee: %s\n", c->note);
        assert_int_equal(money_date_parse(c->due, strlen(c->due), &due), 0);
        assert_int_equal(money_date_parse(c->today, strlen(c->today), &today), 0);
        assert_int_equal(money_late_fee(c->principal, due, today, c->grace, c->rate_bp, c->cap,
                                        (enum money_round)c->mode, &v),
                         c->rc);
        assert_int_equal(v, c->rc == 0 ? c->want : -7);
    }
}

/* ---- split ---------------------------------------------------------------- */

struct split_case {
    const char *note;
    int64_t amount;
    size_t n;
    int64_t due[4];
    int rc;
    int64_t applied[4];
    int64_t rest;
};

static const struct split_case split_cases[] = {
    {"exact", 30000, 3, {10000, 10000, 10000}, 0, {10000, 10000, 10000}, 0},
    {"short: the newest is partial", 25000, 3, {10000, 10000, 10000}, 0, {10000, 10000, 5000}, 0},
    {"short: only the oldest", 4000, 3, {10000, 10000, 10000}, 0, {4000, 0, 0}, 0},
    {"over: the rest reported", 35001, 3, {10000, 10000, 10000}, 0, {10000, 10000, 10000}, 5001},
    {"unequal dues", 21033, 3, {21033, 150, 9995}, 0, {21033, 0, 0}, 0},
    {"one fen short", 31177, 3, {21033, 150, 9995}, 0, {21033, 150, 9994}, 0},
    {"a settled bill in between", 600, 3, {0, 500, 300}, 0, {0, 500, 100}, 0},
    {"nothing paid", 0, 3, {10000, 10000, 10000}, 0, {0, 0, 0}, 0},
    {"fen by fen", 2, 3, {1, 1, 1}, 0, {1, 1, 0}, 0},
    {"no bills: all rest", 100, 0, {0}, 0, {0}, 100},
    {"negative amount", -1, 2, {100, 100}, -1, {0}, 0},
    {"negative due", 100, 2, {100, -1}, -1, {0}, 0},
};

static void test_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(split_cases); i++) {
        const struct split_case *c = &split_cases[i];
        int64_t applied[4] = {-7, -7, -7, -7}, rest = -7, sum;

        print_message("split: %s\n", c->note);
        assert_int_equal(money_split_oldest_first(c->amount, c->due, c->n, applied, &rest), c->rc);
        if (c->rc != 0) {
            assert_int_equal(applied[0], -7); /* nothing written */
            assert_int_equal(rest, -7);
            continue;
        }
        for (size_t k = 0; k < c->n; k++)
            assert_int_equal(applied[k], c->applied[k]);
        assert_int_equal(rest, c->rest);
        /* exact to the fen: nothing lost, nothing made */
        assert_int_equal(money_sum(applied, c->n, &sum), 0);
        assert_int_equal(sum + rest, c->amount);
    }
}

/* ---- parsing and formatting ----------------------------------------------- */

struct parse_case {
    const char *in;
    unsigned flags;
    int rc;
    int64_t want;
};

#define NEG MONEY_PARSE_ALLOW_NEGATIVE

static const struct parse_case parse_cases[] = {
    {"12.34", 0, 0, 1234},
    {"12", 0, 0, 1200},
    {"12.3", 0, 0, 1230},
    {"12.30", 0, 0, 1230},
    {"0", 0, 0, 0},
    {"0.01", 0, 0, 1},
    {"0.1", 0, 0, 10},
    {"007.50", 0, 0, 750},
    {"9999999999999.99", 0, 0, MONEY_MAX_FEN},
    {"10000000000000", 0, MONEY_PARSE_RANGE, 0},
    {"10000000000000.00", 0, MONEY_PARSE_RANGE, 0},
    {"99999999999999999999999", 0, MONEY_PARSE_RANGE, 0},
    {"12.345", 0, MONEY_PARSE_DECIMALS, 0},
    {"12.340", 0, MONEY_PARSE_DECIMALS, 0}, /* refused, not rounded, even a zero */
    {"0.001", 0, MONEY_PARSE_DECIMALS, 0},
    {"-12.34", 0, MONEY_PARSE_BAD, 0}, /* no sign where it is not allowed */
    {"-12.34", NEG, 0, -1234},
    {"-0.05", NEG, 0, -5},
    {"-0", NEG, 0, 0},
    {"-9999999999999.99", NEG, 0, -MONEY_MAX_FEN},
    {"-10000000000000", NEG, MONEY_PARSE_RANGE, 0},
    {"-12.345", NEG, MONEY_PARSE_DECIMALS, 0},
    {"-", NEG, MONEY_PARSE_BAD, 0},
    {"--1", NEG, MONEY_PARSE_BAD, 0},
    {"+12", NEG, MONEY_PARSE_BAD, 0},
    {"1e3", 0, MONEY_PARSE_BAD, 0},
    {"1.5e2", 0, MONEY_PARSE_BAD, 0},
    {"1,234.00", 0, MONEY_PARSE_BAD, 0},
    {"1234,00", 0, MONEY_PARSE_BAD, 0},
    {" 12", 0, MONEY_PARSE_BAD, 0},
    {"12 ", 0, MONEY_PARSE_BAD, 0},
    {"12.", 0, MONEY_PARSE_BAD, 0},
    {".5", 0, MONEY_PARSE_BAD, 0},
    {"", 0, MONEY_PARSE_BAD, 0},
    {"1.2.3", 0, MONEY_PARSE_BAD, 0},
    {"12.3a", 0, MONEY_PARSE_BAD, 0},
    {"0x10", 0, MONEY_PARSE_BAD, 0},
    {"NaN", 0, MONEY_PARSE_BAD, 0},
    {"\xC2\xA5"
     "12",
     0, MONEY_PARSE_BAD, 0},                             /* "¥12" */
    {"12\xE5\x85\x83", 0, MONEY_PARSE_BAD, 0},           /* "12元" */
    {"\xEF\xBC\x91\xEF\xBC\x92", 0, MONEY_PARSE_BAD, 0}, /* "１２", full-width */
};

static void test_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        int64_t v = -7;

        print_message("parse [%s] flags %u\n", c->in, c->flags);
        assert_int_equal(money_parse(c->in, strlen(c->in), c->flags, &v), c->rc);
        assert_int_equal(v, c->rc == 0 ? c->want : -7);
    }
    /* the length counts, not a NUL: "12.34" cut to "12.3" */
    {
        int64_t v = -7;

        assert_int_equal(money_parse("12.34", 4, 0, &v), 0);
        assert_int_equal(v, 1230);
    }
}

struct format_case {
    int64_t fen;
    const char *want;
};

static const struct format_case format_cases[] = {
    {1234, "12.34"},
    {0, "0.00"},
    {5, "0.05"},
    {-5, "-0.05"},
    {10, "0.10"},
    {99, "0.99"},
    {100, "1.00"},
    {-100, "-1.00"},
    {-1234, "-12.34"},
    {120000, "1200.00"},
    {MONEY_MAX_FEN, "9999999999999.99"},
    {INT64_MAX, "92233720368547758.07"},
    {INT64_MIN, "-92233720368547758.08"},
};

static void test_format(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(format_cases); i++) {
        const struct format_case *c = &format_cases[i];
        char out[MONEY_FORMAT_SIZE];
        int64_t back = -7;

        print_message("format %lld\n", (long long)c->fen);
        assert_int_equal(money_format(c->fen, out), (int)strlen(c->want));
        assert_string_equal(out, c->want);
        /* what we print, we read back */
        if (c->fen >= -MONEY_MAX_FEN && c->fen <= MONEY_MAX_FEN) {
            assert_int_equal(money_parse(out, strlen(out), NEG, &back), 0);
            assert_int_equal(back, c->fen);
        }
    }
}

/* ---- the amount in words ---------------------------------------------------- */

struct words_case {
    int64_t fen;
    const char *want;
};

static const struct words_case words_cases[] = {
    {0, "零元整"},
    {1, "壹分"}, /* 0.01: no yuan, no 零元 */
    {5, "伍分"},
    {10, "壹角整"}, /* 角 without 分 ends in 整 */
    {11, "壹角壹分"},
    {56, "伍角陆分"},
    {100, "壹元整"},
    {105, "壹元零伍分"}, /* 1.05: 零 for the missing 角 */
    {150, "壹元伍角整"},
    {1000, "壹拾元整"}, /* a leading 拾 keeps its 壹 */
    {1234, "壹拾贰元叁角肆分"},
    {10000, "壹佰元整"},
    {10100, "壹佰零壹元整"}, /* 101 */
    {11000, "壹佰壹拾元整"}, /* 110: trailing zero writes nothing */
    {100000, "壹仟元整"},
    {100100, "壹仟零壹元整"},           /* 1001: one 零 for the run of two */
    {101000, "壹仟零壹拾元整"},         /* 1010 */
    {100050, "壹仟元伍角整"},           /* 1000.50 */
    {168032, "壹仟陆佰捌拾元叁角贰分"}, /* 1680.32, the bank's example */
    {1000000, "壹万元整"},
    {1000001, "壹万元零壹分"}, /* 10000.01 */
    {10000000, "壹拾万元整"},
    {10000100, "壹拾万零壹元整"},                        /* 10,0001 */
    {10700053, "壹拾万柒仟元伍角叁分"},                  /* 10,7000.53, the bank's example */
    {10000000000, "壹亿元整"},                           /* 1,0000,0000 yuan */
    {10001000000, "壹亿零壹万元整"},                     /* 1,0001,0000: 零 across the 万 group */
    {12000000000, "壹亿贰仟万元整"},                     /* 1,2000,0000 */
    {20000000500, "贰亿零伍元整"},                       /* 2,0000,0005: one 零 for seven zeros */
    {10203040506, "壹亿零贰佰零叁万零肆佰零伍元零陆分"}, /* 1,0203,0405.06 */
    {1000000000000, "壹佰亿元整"},                       /* 100,0000,0000 */
    {100000000000000, "壹万亿元整"}, /* 1,0000,0000,0000: the count of 亿 in 万 */
    {100000000000100, "壹万亿零壹元整"},
    {MONEY_MAX_FEN, "玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"},
    {-1234, "负壹拾贰元叁角肆分"},
    {-5, "负伍分"},
    {-100000, "负壹仟元整"},
};

/* An independent reader of the words (for the sweep): digits, 拾佰仟
 * inside a group, 万 closes a group, 亿 closes everything before it;
 * 零 and 整 carry no value. Returns fen, or -1 on a character it does not
 * know. */
static int64_t words_value(const char *s)
{
    static const char *const digits = "零壹贰叁肆伍陆柒捌玖";
    int64_t yi = 0, wan = 0, group = 0, digit = 0, yuan = 0, fen = 0;
    int sign = 1;

    for (; *s; s += 3) {
        const char *d = strstr(digits, (char[4]){s[0], s[1], s[2], 0});

        if (d && (d - digits) % 3 == 0)
            digit = (d - digits) / 3;
        else if (!strncmp(s, "拾", 3) || !strncmp(s, "佰", 3) || !strncmp(s, "仟", 3)) {
            group += digit * (!strncmp(s, "拾", 3) ? 10 : !strncmp(s, "佰", 3) ? 100 : 1000);
            digit = 0;
        } else if (!strncmp(s, "万", 3)) {
            wan = (wan + group + digit) * 10000;
            group = digit = 0;
        } else if (!strncmp(s, "亿", 3)) {
            yi = (yi + wan + group + digit) * 100000000;
            wan = group = digit = 0;
        } else if (!strncmp(s, "元", 3)) {
            yuan = yi + wan + group + digit;
            digit = 0;
        } else if (!strncmp(s, "角", 3)) {
            fen += digit * 10;
            digit = 0;
        } else if (!strncmp(s, "分", 3)) {
            fen += digit;
            digit = 0;
        } else if (!strncmp(s, "负", 3))
            sign = -1;
        else if (strncmp(s, "整", 3) != 0)
            return -1;
    }
    return sign * (yuan * 100 + fen);
}

static void test_words(void **state)
{
    char out[MONEY_WORDS_SIZE];

    (void)state;
    for (size_t i = 0; i < N(words_cases); i++) {
        const struct words_case *c = &words_cases[i];

        print_message("words %lld\n", (long long)c->fen);
        assert_int_equal(money_words(c->fen, out), (int)strlen(c->want));
        assert_string_equal(out, c->want);
        assert_int_equal(words_value(out), c->fen);
    }
    /* Shapes over many digit patterns (every amount whose yuan digits are
     * 0 or 1 in any of 13 places, with a few jiao/fen): never two 零 in a
     * row, never 零 before a unit of a group or the end, never a leading
     * 零, always ending in 整 or 分. */
    for (int64_t bits = 0; bits < (1 << 13); bits++) {
        static const int64_t tails[] = {0, 1, 10, 11, 50};
        int64_t yuan = 0, p = 1;

        for (int k = 0; k < 13; k++, p *= 10)
            if (bits & (1 << k))
                yuan += p;
        for (size_t t = 0; t < N(tails); t++) {
            int64_t fen = yuan * 100 + tails[t];
            int len = money_words(fen, out);

            assert_true(len > 0);
            assert_int_equal(words_value(out), fen);
            assert_true(money_words(-fen, out) > 0);
            assert_int_equal(words_value(out), -fen);
            money_words(fen, out);
            if (fen == 0)
                continue; /* 零元整, in the table */
            assert_null(strstr(out, "零零"));
            assert_null(strstr(out, "零元"));
            assert_null(strstr(out, "零万"));
            assert_null(strstr(out, "零亿"));
            assert_null(strstr(out, "零整"));
            assert_null(strstr(out, "万亿万")); /* no group unit twice */
            assert_true(strncmp(out, "零", strlen("零")) != 0);
            assert_true(strcmp(out + len - 3, "整") == 0 || strcmp(out + len - 3, "分") == 0);
        }
    }
    /* the longest possible, negative, fits the buffer */
    assert_true(money_words(-MONEY_MAX_FEN, out) < MONEY_WORDS_SIZE);
    assert_int_equal(money_words(MONEY_MAX_FEN + 1, out), -1);
    assert_int_equal(money_words(-MONEY_MAX_FEN - 1, out), -1);
    assert_int_equal(money_words(INT64_MIN, out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_area),        cmocka_unit_test(test_by_usage),
        cmocka_unit_test(test_mul_div),        cmocka_unit_test(test_round_sweep),
        cmocka_unit_test(test_round_names),    cmocka_unit_test(test_per_head),
        cmocka_unit_test(test_sums),           cmocka_unit_test(test_discount_bp),
        cmocka_unit_test(test_discount_fixed), cmocka_unit_test(test_dates),
        cmocka_unit_test(test_late_fee),       cmocka_unit_test(test_split),
        cmocka_unit_test(test_parse),          cmocka_unit_test(test_format),
        cmocka_unit_test(test_words),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
