/*
 * test_fees.c — the pure half of lib/fees.c, table by table, no database:
 * which rate a resource pays on a day (fee_rate_pick: the precedence
 * building > kind > group > default, the first and last valid days, the
 * tie rule), one period's amount by each method (fee_amount, hand-computed
 * values in the comments), the overlap rule, the stored names and the
 * date text.
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

#include "fees.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int32_t day(const char *s)
{
    int32_t d = 0;
    assert_int_equal(money_date_parse(s, strlen(s), &d), 0);
    return d;
}

/* A rate as a row of the table: dates as text, "" valid_to = open. */
struct rate_row {
    int64_t id, rate, building_id;
    const char *kind, *group, *from, *to;
};

static const struct rate_row plan[] = {
    {1, 2350000, 0, NULL, NULL, "2026-01-01", ""},                  /* default */
    {2, 2500000, 1, NULL, NULL, "2026-01-01", "2026-06-30"},        /* building 1, first half */
    {3, 3000000, 0, "shop", NULL, "2026-01-01", ""},                /* shops */
    {4, 1800000, 0, NULL, "elderly", "2026-01-01", ""},             /* the elderly */
    {5, 2000000, 0, "shop", "elderly", "2026-01-01", ""},           /* shops of the elderly */
    {6, 2200000, 0, NULL, NULL, "2025-01-01", "2025-12-31"},        /* last year's default */
    {7, 2600000, 1, NULL, NULL, "2026-07-01", ""},                  /* building 1, from July */
    {8, 2700000, 2, "home", "elderly", "2026-01-01", "2026-01-31"}, /* all three, one month */
};

static void load(const struct rate_row *rows, size_t n, struct fee_rate *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = (struct fee_rate){.id = rows[i].id,
                                   .fee_item_id = 1,
                                   .rate = rows[i].rate,
                                   .building_id = rows[i].building_id,
                                   .resource_kind = rows[i].kind,
                                   .customer_group = rows[i].group,
                                   .valid_from = day(rows[i].from),
                                   .valid_to = rows[i].to[0] ? day(rows[i].to) : FEE_OPEN_END};
    }
}

struct pick_case {
    int64_t building_id;
    const char *kind, *group, *on;
    int64_t want; /* rate id, 0 = none */
};

static const struct pick_case pick_cases[] = {
    /* the default, a home in building 2 */
    {2, "home", NULL, "2026-03-01", 1},
    {2, "home", NULL, "2026-01-01", 1}, /* its first day */
    {2, "home", NULL, "2025-12-31", 6}, /* last year's last day is still last year's */
    {2, "home", NULL, "2025-01-01", 6},
    {2, "home", NULL, "2024-12-31", 0}, /* before any rate */
    {0, NULL, NULL, "2026-03-01", 1},   /* in no building, no kind: the default */
    /* building 1: its own rate, split at July */
    {1, "home", NULL, "2026-06-30", 2},
    {1, "home", NULL, "2026-07-01", 7},
    {1, "home", NULL, "2025-06-01", 6}, /* before building 1 had a rate */
    /* kind and group */
    {2, "shop", NULL, "2026-03-01", 3},
    {2, "home", "elderly", "2026-03-01", 4},
    {2, "shop", "elderly", "2026-03-01", 5}, /* kind + group (3) > kind (2) */
    {2, "shop", "veteran", "2026-03-01", 3}, /* another group: only the kind applies */
    /* building (4) beats kind + group (3) */
    {1, "shop", "elderly", "2026-03-01", 2},
    {1, "shop", "elderly", "2026-07-01", 7},
    /* all three selectors (7), inside and just outside its month */
    {2, "home", "elderly", "2026-01-31", 8},
    {2, "home", "elderly", "2026-02-01", 4},
    {2, "parking", "elderly", "2026-01-15", 4}, /* its kind differs */
    {3, "home", "elderly", "2026-01-15", 4},    /* its building differs */
};

static void test_pick_precedence_and_edges(void **state)
{
    struct fee_rate rates[N(plan)];

    (void)state;
    load(plan, N(plan), rates);
    for (size_t i = 0; i < N(pick_cases); i++) {
        const struct pick_case *c = &pick_cases[i];
        struct fee_target t = {c->building_id, c->kind, c->group};
        const struct fee_rate *got = fee_rate_pick(rates, N(rates), &t, day(c->on));
        if ((got ? got->id : 0) != c->want) {
            print_error("case %zu (building %lld %s %s on %s): got rate %lld, want %lld\n", i,
                        (long long)c->building_id, c->kind ? c->kind : "-",
                        c->group ? c->group : "-", c->on, (long long)(got ? got->id : 0),
                        (long long)c->want);
            fail();
        }
    }
    assert_null(fee_rate_pick(rates, 0, &(struct fee_target){0}, day("2026-03-01")));
}

/* The tie rule among rates of equal weight (overlapping, which the domain
 * refuses for equal selectors — the pick stays total anyway). */
static void test_pick_ties(void **state)
{
    static const struct rate_row tie[] = {
        {10, 1, 0, "shop", NULL, "2026-01-01", ""},
        {11, 2, 0, NULL, "elderly", "2026-01-01", ""},
        {12, 3, 0, NULL, NULL, "2026-01-01", ""},
        {13, 4, 0, NULL, NULL, "2026-02-01", ""}, /* later start */
        {9, 5, 0, NULL, NULL, "2026-02-01", ""},  /* same start, lower id */
    };
    struct fee_rate rates[N(tie)];

    (void)state;
    load(tie, N(tie), rates);
    /* kind (2) over group (1) */
    assert_int_equal(
        fee_rate_pick(rates, 2, &(struct fee_target){0, "shop", "elderly"}, day("2026-03-01"))->id,
        10);
    /* defaults: the later valid_from, then the higher id */
    assert_int_equal(fee_rate_pick(rates + 2, 3, &(struct fee_target){0}, day("2026-03-01"))->id,
                     13);
    assert_int_equal(fee_rate_pick(rates + 2, 3, &(struct fee_target){0}, day("2026-01-15"))->id,
                     12);
}

static void test_overlap_rule(void **state)
{
    static const struct rate_row rows[] = {
        {1, 1, 0, NULL, NULL, "2026-01-01", "2026-06-30"},
        {2, 1, 0, NULL, NULL, "2026-06-30", ""},      /* shares its last day */
        {3, 1, 0, NULL, NULL, "2026-07-01", ""},      /* starts the day after */
        {4, 1, 1, NULL, NULL, "2026-01-01", ""},      /* another building */
        {5, 1, 0, "shop", NULL, "2026-01-01", ""},    /* a kind */
        {6, 1, 0, NULL, "elderly", "2026-01-01", ""}, /* a group */
        {7, 1, 0, NULL, NULL, "2025-01-01", ""},      /* open, from before */
    };
    struct fee_rate r[N(rows)];

    (void)state;
    load(rows, N(rows), r);
    assert_true(fee_rate_same_selectors(&r[0], &r[1]) && fee_rate_overlaps(&r[0], &r[1]));
    assert_false(fee_rate_overlaps(&r[0], &r[2]));
    assert_true(fee_rate_overlaps(&r[0], &r[3]) && !fee_rate_same_selectors(&r[0], &r[3]));
    assert_false(fee_rate_same_selectors(&r[0], &r[4]));
    assert_false(fee_rate_same_selectors(&r[0], &r[5]));
    assert_false(fee_rate_same_selectors(&r[4], &r[5]));
    assert_true(fee_rate_overlaps(&r[6], &r[0]) && fee_rate_overlaps(&r[6], &r[2]));
    assert_true(fee_rate_overlaps(&r[2], &r[1])); /* two open rates */
}

struct amount_case {
    enum fee_method method;
    enum money_round mode;
    int64_t usage_per_unit, rate;
    struct fee_basis b;
    int rc;
    int64_t want;
};

static const struct amount_case amount_cases[] = {
    /* 89.50 m² × 2.3500 yuan/m²: 8950 × 2350000 / 10^6 = 21032.5 fen */
    {FEE_BUILDING_AREA, MONEY_ROUND_HALF_UP, 1, 2350000, {8950, 7560, 0, 0}, 0, 21033},
    {FEE_BUILDING_AREA, MONEY_ROUND_HALF_EVEN, 1, 2350000, {8950, 7560, 0, 0}, 0, 21032},
    {FEE_BUILDING_AREA, MONEY_ROUND_DOWN, 1, 2350000, {8950, 7560, 0, 0}, 0, 21032},
    {FEE_BUILDING_AREA, MONEY_ROUND_UP, 1, 2350000, {8950, 7560, 0, 0}, 0, 21033},
    /* 120.60 m² × 1.8500: 12060 × 1850000 / 10^6 = 22311 fen, exact */
    {FEE_BUILDING_AREA, MONEY_ROUND_UP, 1, 1850000, {12060, 0, 0, 0}, 0, 22311},
    /* inner area 75.60 m² × 2.3500: 7560 × 2350000 / 10^6 = 17766 fen */
    {FEE_INNER_AREA, MONEY_ROUND_HALF_UP, 1, 2350000, {8950, 7560, 0, 0}, 0, 17766},
    /* 75.61 m² × 2.3500 = 17768.35 fen */
    {FEE_INNER_AREA, MONEY_ROUND_HALF_UP, 1, 2350000, {8950, 7561, 0, 0}, 0, 17768},
    {FEE_INNER_AREA, MONEY_ROUND_UP, 1, 2350000, {8950, 7561, 0, 0}, 0, 17769},
    {FEE_BUILDING_AREA, MONEY_ROUND_HALF_UP, 1, 2350000, {0, 0, 0, 0}, 0, 0}, /* no area */
    /* 12.50 m³ (1250 in 0.01 m³) × 0.5483 yuan: 1250 × 548300 / (100 × 10^4) = 685.375 fen */
    {FEE_USAGE, MONEY_ROUND_HALF_UP, 100, 548300, {8950, 0, 1250, 0}, 0, 685},
    {FEE_USAGE, MONEY_ROUND_UP, 100, 548300, {8950, 0, 1250, 0}, 0, 686},
    /* 300 kWh × 0.55 yuan (550000 = 55 fen × 10^4): 300 × 550000 / 10^4 = 16500 fen */
    {FEE_USAGE, MONEY_ROUND_HALF_UP, 1, 550000, {0, 0, 300, 0}, 0, 16500},
    /* 3 heads × 15 yuan, exact whatever the mode */
    {FEE_PER_HEAD, MONEY_ROUND_DOWN, 1, 1500, {8950, 0, 0, 3}, 0, 4500},
    {FEE_PER_HEAD, MONEY_ROUND_HALF_UP, 1, 1500, {8950, 0, 0, 0}, 0, 0},
    /* fixed: the rate itself, the basis ignored */
    {FEE_FIXED, MONEY_ROUND_HALF_UP, 1, 5000, {8950, 7560, 9, 9}, 0, 5000},
    /* refused: negative inputs, overflow */
    {FEE_BUILDING_AREA, MONEY_ROUND_HALF_UP, 1, -1, {8950, 0, 0, 0}, -1, 0},
    {FEE_BUILDING_AREA, MONEY_ROUND_HALF_UP, 1, 2350000, {-1, 0, 0, 0}, -1, 0},
    {FEE_INNER_AREA, MONEY_ROUND_HALF_UP, 1, 2350000, {0, -1, 0, 0}, -1, 0},
    {FEE_USAGE, MONEY_ROUND_HALF_UP, 1, 550000, {0, 0, -1, 0}, -1, 0},
    {FEE_PER_HEAD, MONEY_ROUND_HALF_UP, 1, 1500, {0, 0, 0, -1}, -1, 0},
    {FEE_FIXED, MONEY_ROUND_HALF_UP, 1, -5, {0, 0, 0, 0}, -1, 0},
    {FEE_PER_HEAD, MONEY_ROUND_HALF_UP, 1, INT64_MAX, {0, 0, 0, 2}, -1, 0},
};

static void test_amount_by_method(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(amount_cases); i++) {
        const struct amount_case *c = &amount_cases[i];
        struct fee_item it = {
            .method = c->method, .rounding = c->mode, .usage_per_unit = c->usage_per_unit};
        int64_t fen = -777;
        int rc = fee_amount(&it, c->rate, &c->b, &fen);
        if (rc != c->rc || (rc == 0 && fen != c->want) || (rc != 0 && fen != -777)) {
            print_error("case %zu (%s): rc %d fen %lld, want rc %d fen %lld\n", i,
                        fee_method_name(c->method), rc, (long long)fen, c->rc, (long long)c->want);
            fail();
        }
    }
}

struct late_case {
    bool has_rule;
    int64_t bp, grace;
    enum fee_cap cap;
    int64_t cap_fen, principal;
    const char *due, *today;
    int rc;
    int64_t want;
};

static const struct late_case late_cases[] = {
    /* 1000 yuan due 2026-01-31, 万分之5 a day after 10 days of grace */
    {true, 5, 10, FEE_CAP_PRINCIPAL, 0, 100000, "2026-01-31", "2026-02-10", 0,
     0}, /* last free day */
    {true, 5, 10, FEE_CAP_PRINCIPAL, 0, 100000, "2026-01-31", "2026-02-11", 0, 50},  /* 1 day */
    {true, 5, 10, FEE_CAP_PRINCIPAL, 0, 100000, "2026-01-31", "2026-02-20", 0, 500}, /* 10 days */
    {true, 5, 0, FEE_CAP_PRINCIPAL, 0, 100000, "2026-01-31", "2026-01-31", 0, 0},    /* due today */
    /* 100 % a day for 2 days: 200000, capped by each rule */
    {true, 10000, 0, FEE_CAP_PRINCIPAL, 0, 100000, "2026-01-31", "2026-02-02", 0, 100000},
    {true, 10000, 0, FEE_CAP_NONE, 0, 100000, "2026-01-31", "2026-02-02", 0, 200000},
    {true, 10000, 0, FEE_CAP_FIXED, 50000, 100000, "2026-01-31", "2026-02-02", 0, 50000},
    /* 333 fen × 万分之5 × 3 days = 0.4995 fen: half-up 0 */
    {true, 5, 0, FEE_CAP_NONE, 0, 333, "2026-01-31", "2026-02-03", 0, 0},
    /* no rule: nothing, however late */
    {false, 0, 0, FEE_CAP_PRINCIPAL, 0, 100000, "2026-01-31", "2030-01-01", 0, 0},
    /* refused: a negative principal */
    {true, 5, 0, FEE_CAP_NONE, 0, -1, "2026-01-31", "2026-02-03", -1, 0},
    {false, 0, 0, FEE_CAP_NONE, 0, -1, "2026-01-31", "2026-02-03", -1, 0},
};

static void test_late_fee_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(late_cases); i++) {
        const struct late_case *c = &late_cases[i];
        struct fee_item it = {.rounding = MONEY_ROUND_HALF_UP,
                              .has_late_fee = c->has_rule,
                              .late_fee_daily_bp = c->bp,
                              .late_fee_grace_days = c->grace,
                              .late_fee_cap = c->cap,
                              .late_fee_cap_fen = c->cap_fen};
        int64_t fen = -777;
        int rc = fee_late_fee(&it, c->principal, day(c->due), day(c->today), &fen);
        if (rc != c->rc || (rc == 0 && fen != c->want) || (rc != 0 && fen != -777)) {
            print_error("case %zu: rc %d fee %lld, want rc %d fee %lld\n", i, rc, (long long)fen,
                        c->rc, (long long)c->want);
            fail();
        }
    }
}

static void test_names(void **state)
{
    static const char *const cycles[] = {"monthly", "quarterly", "yearly", "once"};
    static const char *const methods[] = {"building_area", "inner_area", "usage", "per_head",
                                          "fixed"};
    static const char *const caps[] = {"principal", "none", "fixed"};
    static const char *const bad[] = {"", "Monthly", "one-off", "area", "half_up", "fixed ", NULL};
    enum fee_cycle c;
    enum fee_method m;
    enum fee_cap k;

    (void)state;
    for (size_t i = 0; i < N(cycles); i++) {
        assert_int_equal(fee_cycle_from_name(cycles[i], &c), 0);
        assert_string_equal(fee_cycle_name(c), cycles[i]);
    }
    for (size_t i = 0; i < N(methods); i++) {
        assert_int_equal(fee_method_from_name(methods[i], &m), 0);
        assert_string_equal(fee_method_name(m), methods[i]);
        assert_non_null(fee_rate_scale(m));
    }
    for (size_t i = 0; i < N(caps); i++) {
        assert_int_equal(fee_cap_from_name(caps[i], &k), 0);
        assert_string_equal(fee_cap_name(k), caps[i]);
    }
    for (size_t i = 0; bad[i]; i++)
        assert_int_equal(fee_cycle_from_name(bad[i], &c), -1);
    assert_int_equal(fee_method_from_name("by_area", &m), -1);
    assert_int_equal(fee_cap_from_name("principle", &k), -1);
    assert_null(fee_cycle_name((enum fee_cycle)9));
    assert_null(fee_method_name((enum fee_method)9));
    assert_string_equal(fee_rate_scale(FEE_BUILDING_AREA), "fen_per_m2x10000");
    assert_string_equal(fee_rate_scale(FEE_USAGE), "fen_per_unitx10000");
    assert_string_equal(fee_rate_scale(FEE_FIXED), "fen");
}

static void test_date_text(void **state)
{
    static const char *const days[] = {"1970-01-01", "2026-01-01", "2026-02-28", "2024-02-29",
                                       "2026-12-31", "1900-03-01", "2199-12-31", "2000-02-29"};
    char out[11];

    (void)state;
    for (size_t i = 0; i < N(days); i++) {
        fee_date_text(day(days[i]), out);
        assert_string_equal(out, days[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick_precedence_and_edges),
        cmocka_unit_test(test_pick_ties),
        cmocka_unit_test(test_overlap_rule),
        cmocka_unit_test(test_amount_by_method),
        cmocka_unit_test(test_late_fee_rule),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_date_text),
    };
    return cmocka_run_group_tests_name("fees", tests, NULL, NULL);
}
