/*
 * test_billrun.c — the pure half of bill runs (lib/billrun.c) and of
 * discount schemes (lib/discount_schemes.c), no database: the period text
 * and the cycle rule (which months start a period of each cycle), one
 * bill by each method with its rate picked for the period's first day
 * (amounts worked out by hand in the comments), the exceptions, the
 * largest-single-discount rule, and one batch's rows and counts with a
 * bill that exists already; the desk's prepayment (lib/prepay.h): which
 * periods it bills, and its prepayment schemes weighed against the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "billrun.h"
#include "prepay.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int32_t day(const char *s)
{
    int32_t d = 0;
    assert_int_equal(money_date_parse(s, strlen(s), &d), 0);
    return d;
}

static int32_t month(const char *s)
{
    int32_t ym = 0;
    assert_int_equal(billrun_period_parse(s, strlen(s), &ym), 0);
    return ym;
}

/* ---- periods ------------------------------------------------------------------------ */

static void periods_parse_and_print(void **state)
{
    static const char *const bad[] = {"2026-1",      "2026-13",    "2026-00", "26-01",
                                      "2026/01",     "2026-01-01", "1899-12", "2200-01",
                                      "２０２６-01", "",           "2026-0a", "+026-01"};
    char text[8];
    int32_t ym;

    (void)state;
    assert_int_equal(month("2026-01"), 2026 * 12);
    assert_int_equal(month("2026-12"), 2026 * 12 + 11);
    assert_int_equal(month("1900-01"), 1900 * 12);
    assert_int_equal(month("2199-12"), 2199 * 12 + 11);
    for (size_t i = 0; i < N(bad); i++)
        assert_int_equal(billrun_period_parse(bad[i], strlen(bad[i]), &ym), -1);
    billrun_period_text(month("2026-03"), text);
    assert_string_equal(text, "2026-03");
    billrun_period_text(month("2027-12") + 1, text);
    assert_string_equal(text, "2028-01");
    /* the days of a period, and the month of a day */
    assert_int_equal(billrun_period_day(month("2026-02"), 1), day("2026-02-01"));
    assert_int_equal(billrun_period_day(month("2026-02"), 28), day("2026-02-28"));
    assert_int_equal(billrun_month_of(day("2026-02-28")), month("2026-02"));
    assert_int_equal(billrun_month_of(day("2026-03-01")), month("2026-03"));
    assert_int_equal(billrun_month_of(day("2024-12-31")), month("2024-12"));
}

static void cycles_start_in_their_first_months(void **state)
{
    /* the months of 2026, January first: which start a period */
    static const struct {
        enum fee_cycle c;
        const char *months; /* 12 characters, x = starts */
    } rows[] = {
        {FEE_MONTHLY, "xxxxxxxxxxxx"},
        {FEE_QUARTERLY, "x..x..x..x.."}, /* January, April, July, October */
        {FEE_YEARLY, "x..........."},
        {FEE_ONCE, "............"}, /* never by a run */
    };

    (void)state;
    for (size_t i = 0; i < N(rows); i++)
        for (int m = 0; m < 12; m++)
            assert_int_equal(billrun_cycle_starts(rows[i].c, 2026 * 12 + m),
                             rows[i].months[m] == 'x');
}

/* ---- one bill ----------------------------------------------------------------------- */

static struct fee_rate rate(int64_t id, int64_t item, int64_t value, int64_t building,
                            const char *kind, const char *from)
{
    return (struct fee_rate){.id = id,
                             .fee_item_id = item,
                             .rate = value,
                             .building_id = building,
                             .resource_kind = kind,
                             .valid_from = day(from),
                             .valid_to = FEE_OPEN_END};
}

static struct fee_item item(int64_t id, enum fee_cycle c, enum fee_method m, enum money_round r,
                            int64_t due_day)
{
    return (struct fee_item){.id = id,
                             .project_id = 1,
                             .code = "X",
                             .name = "项目",
                             .cycle = c,
                             .method = m,
                             .rounding = r,
                             .due_day_of_cycle = due_day,
                             .usage_per_unit = 1,
                             .active = true};
}

static void one_bill_by_each_method(void **state)
{
    static struct fee_rate area_rates[2], head_rates[1], fixed_rates[1];
    struct billrun_resource home = {.id = 7,
                                    .building_id = 1,
                                    .code = "1-1-101",
                                    .label = "1栋1单元101",
                                    .kind = "home",
                                    .area_m2x100 = 8950,       /* 89.50 m² */
                                    .inner_area_m2x100 = 7230, /* 72.30 m² */
                                    .heads = 3};
    struct billrun_plan plan = {0};
    static const struct {
        enum fee_method method;
        enum money_round rounding;
        int rates; /* 0 area, 1 head, 2 fixed */
        const char *period;
        int64_t amount, rate, quantity;
        bool has_quantity;
    } rows[] = {
        /* 89.50 × 2.35 = 210.325 yuan: a half fen, rounded by the item */
        {FEE_BUILDING_AREA, MONEY_ROUND_HALF_UP, 0, "2026-01", 21033, 2350000, 8950, true},
        {FEE_BUILDING_AREA, MONEY_ROUND_HALF_EVEN, 0, "2026-01", 21032, 2350000, 8950, true},
        {FEE_BUILDING_AREA, MONEY_ROUND_DOWN, 0, "2026-01", 21032, 2350000, 8950, true},
        /* from March building 1 pays 2.50: 89.50 × 2.50 = 223.75 exactly */
        {FEE_BUILDING_AREA, MONEY_ROUND_HALF_UP, 0, "2026-03", 22375, 2500000, 8950, true},
        /* 72.30 × 2.35 = 169.905 → 169.91 */
        {FEE_INNER_AREA, MONEY_ROUND_HALF_UP, 0, "2026-01", 16991, 2350000, 7230, true},
        /* three people × 15 yuan */
        {FEE_PER_HEAD, MONEY_ROUND_HALF_UP, 1, "2026-01", 4500, 1500, 3, true},
        {FEE_FIXED, MONEY_ROUND_HALF_UP, 2, "2026-01", 30000, 30000, 0, false},
    };

    (void)state;
    area_rates[0] = rate(1, 1, 2350000, 0, NULL, "2020-01-01");
    area_rates[1] = rate(2, 1, 2500000, 1, NULL, "2026-03-01");
    head_rates[0] = rate(3, 1, 1500, 0, "home", "2020-01-01");
    fixed_rates[0] = rate(4, 1, 30000, 0, NULL, "2020-01-01");
    for (size_t i = 0; i < N(rows); i++) {
        struct fee_rate *rates[] = {area_rates, head_rates, fixed_rates};
        size_t nrates[] = {2, 1, 1};
        struct fee_item_row it = {item(1, FEE_MONTHLY, rows[i].method, rows[i].rounding, 5),
                                  rates[rows[i].rates], nrates[rows[i].rates]};
        struct billrun_row row;
        enum billrun_reason why;

        assert_int_equal(billrun_compute(&plan, &it, &home, month(rows[i].period), &row, &why), 0);
        assert_int_equal(row.amount_fen, rows[i].amount);
        assert_int_equal(row.rate, rows[i].rate);
        assert_int_equal(row.has_quantity, rows[i].has_quantity);
        assert_int_equal(row.quantity, rows[i].quantity);
        assert_int_equal(row.resource_id, 7);
        assert_int_equal(row.period, month(rows[i].period));
        /* due on the item's day of the period's first month */
        assert_int_equal(row.due_day, billrun_period_day(month(rows[i].period), 5));
        assert_int_equal(row.discount_fen, 0);
        assert_int_equal(row.scheme_id, 0);
    }
}

static void what_is_not_billed(void **state)
{
    static struct fee_rate homes_only[1], zero[1], huge[1];
    struct billrun_resource parking = {
        .id = 9, .code = "P-1", .label = "", .kind = "parking", .area_m2x100 = 1250};
    struct billrun_resource bare = {.id = 8,
                                    .code = "X-1",
                                    .label = "",
                                    .kind = "home",
                                    .area_m2x100 = 0,
                                    .inner_area_m2x100 = 0,
                                    .heads = 0};
    struct billrun_resource tower = {
        .id = 10, .code = "T-1", .label = "", .kind = "home", .area_m2x100 = 4000000000};
    struct billrun_plan plan = {0};
    static const struct {
        int which; /* resource: 0 parking, 1 bare, 2 tower */
        enum fee_method method;
        int rates; /* 0 homes only, 1 zero, 2 huge */
        enum billrun_reason why;
    } rows[] = {
        {0, FEE_BUILDING_AREA, 0, BILLRUN_NO_RATE}, /* a home's rate, a parking space */
        {1, FEE_BUILDING_AREA, 0, BILLRUN_NO_AREA},
        {1, FEE_INNER_AREA, 0, BILLRUN_NO_AREA},
        {0, FEE_USAGE, 0, BILLRUN_NO_READING}, /* usage: the meters' bills */
        {1, FEE_PER_HEAD, 0, BILLRUN_ZERO},    /* nobody lives there */
        {0, FEE_FIXED, 1, BILLRUN_ZERO},       /* a rate of 0 */
        /* 40,000,000 m² × 10^14 fen/m²×10^4: beyond any amount */
        {2, FEE_BUILDING_AREA, 2, BILLRUN_OVERFLOW},
    };

    (void)state;
    homes_only[0] = rate(1, 1, 2350000, 0, "home", "2020-01-01");
    zero[0] = rate(2, 1, 0, 0, NULL, "2020-01-01");
    huge[0] = rate(3, 1, 999999999999999, 0, NULL, "2020-01-01");
    for (size_t i = 0; i < N(rows); i++) {
        struct fee_rate *rates[] = {homes_only, zero, huge};
        const struct billrun_resource *res[] = {&parking, &bare, &tower};
        struct fee_item_row it = {item(1, FEE_MONTHLY, rows[i].method, MONEY_ROUND_HALF_UP, 1),
                                  rates[rows[i].rates], 1};
        struct billrun_row row;
        enum billrun_reason why = BILLRUN_OVERFLOW + 1;

        assert_int_equal(
            billrun_compute(&plan, &it, res[rows[i].which], month("2026-01"), &row, &why), 1);
        assert_int_equal(why, rows[i].why);
        assert_non_null(billrun_reason_name(why));
        assert_non_null(billrun_reason_message(why));
    }
    /* no rate valid yet on the period's first day */
    {
        struct fee_rate later = rate(4, 1, 2350000, 0, NULL, "2026-01-02");
        struct fee_item_row it = {item(1, FEE_MONTHLY, FEE_BUILDING_AREA, MONEY_ROUND_HALF_UP, 1),
                                  &later, 1};
        struct billrun_resource home = {
            .id = 1, .code = "1", .label = "", .kind = "home", .area_m2x100 = 8950};
        struct billrun_row row;
        enum billrun_reason why;
        assert_int_equal(billrun_compute(&plan, &it, &home, month("2026-01"), &row, &why), 1);
        assert_int_equal(why, BILLRUN_NO_RATE);
        assert_int_equal(billrun_compute(&plan, &it, &home, month("2026-02"), &row, &why), 0);
    }
}

/* ---- discounts ---------------------------------------------------------------------- */

static struct discount_scheme scheme(int64_t id, int64_t item_id, const char *group, int64_t off_bp,
                                     int64_t off_fen, const char *from, const char *to)
{
    return (struct discount_scheme){.id = id,
                                    .project_id = 1,
                                    .name = "方案",
                                    .fee_item_id = item_id,
                                    .customer_group = group,
                                    .off_bp = off_bp,
                                    .off_fen = off_fen,
                                    .valid_from = day(from),
                                    .valid_to = to ? day(to) : FEE_OPEN_END,
                                    .active = true};
}

static void the_largest_single_discount_wins(void **state)
{
    struct discount_scheme v[8];
    static const struct {
        int64_t item;
        const char *group, *day;
        int64_t amount, discount, scheme;
    } rows[] = {
        /* everyone: 5 yuan off item 1 (3); the elderly also 10 % (1) and
         * 20 % of item 1 (2): 20 % of 210.33 = 42.066 → 42.07, the largest */
        {1, "elderly", "2026-01-01", 21033, 4207, 2},
        /* item 2: the elderly's 10 % (21.03) beats nothing else */
        {2, "elderly", "2026-01-01", 21033, 2103, 1},
        /* no group: only the 5 yuan */
        {1, NULL, "2026-01-01", 21033, 500, 3},
        {1, "disabled", "2026-01-01", 21033, 500, 3},
        /* a fixed discount is at most the amount */
        {1, NULL, "2026-01-01", 300, 300, 3},
        /* 10 % and 5 yuan of 50 yuan are both 5 yuan: the lower id */
        {1, "elderly", "2027-01-01", 5000, 500, 1},
        /* before any scheme starts */
        {1, "elderly", "2025-12-31", 21033, 0, 0},
    };

    (void)state;
    v[0] = scheme(1, 0, "elderly", 1000, 0, "2026-01-01", NULL);
    v[1] = scheme(2, 1, "elderly", 2000, 0, "2026-01-01", "2026-12-31");
    v[2] = scheme(3, 1, NULL, 0, 500, "2026-01-01", NULL);
    v[3] = scheme(4, 0, NULL, 9000, 0, "2026-01-01", NULL); /* switched off */
    v[3].active = false;
    v[4] = scheme(5, 0, NULL, 5000, 0, "2026-01-01", NULL); /* prepay a year: the desk's */
    v[4].min_months = 12;
    v[5] = scheme(6, 0, "elderly", 10000, 0, "2024-01-01", "2025-12-30"); /* ended */
    for (size_t i = 0; i < N(rows); i++) {
        int64_t d = -1, id = -1;
        assert_int_equal(discount_best(v, 6, rows[i].item, rows[i].group, day(rows[i].day),
                                       rows[i].amount, MONEY_ROUND_HALF_UP, &d, &id),
                         0);
        assert_int_equal(d, rows[i].discount);
        assert_int_equal(id, rows[i].scheme);
    }
    /* what a scheme applies to */
    assert_false(discount_scheme_applies(&v[3], 1, NULL, day("2026-06-01")));
    assert_false(discount_scheme_applies(&v[4], 1, NULL, day("2026-06-01")));
    assert_true(discount_scheme_applies(&v[1], 1, "elderly", day("2026-12-31")));
    assert_false(discount_scheme_applies(&v[1], 1, "elderly", day("2027-01-01")));
    assert_false(discount_scheme_applies(&v[1], 2, "elderly", day("2026-06-01")));
}

/* ---- the desk's prepayment ----------------------------------------------------------- */

static void prepayment_schemes_weigh_in(void **state)
{
    static struct fee_rate rates[1];
    struct discount_scheme v[5];
    struct billrun_resource home = {.id = 7, .code = "R", .label = "", .kind = "home",
                                    .area_m2x100 = 8950};
    struct fee_item_row it = {item(1, FEE_MONTHLY, FEE_BUILDING_AREA, MONEY_ROUND_HALF_UP, 5),
                              rates, 1};
    struct billrun_plan plan = {.schemes = v, .nschemes = N(v)};
    struct billrun_row row;
    enum billrun_reason why;
    static const struct {
        int64_t item, months;
        const char *group;
        int64_t discount, scheme;
    } rows[] = {
        /* 210.33 yuan a month (89.50 m² × 2.35). A run's bill (months 0):
         * no prepayment scheme, and nothing else for everyone */
        {1, 0, NULL, 0, 0},
        /* 11 months: the 12-month schemes do not apply, the 6-month 10 yuan does */
        {1, 11, NULL, 1000, 3},
        /* 12 months: 8.33 % of 21,033 = 1,752.0489 → 1,752, and the fixed
         * 17.52 yuan ties it: the lower id */
        {1, 12, NULL, 1752, 2},
        {1, 36, NULL, 1752, 2},
        /* the elderly's 10 % (2,103.3 → 2,103) beats the prepayment's
         * 1,752: one scheme, never 2,103 + 1,752 */
        {1, 12, "elderly", 2103, 1},
        {1, 11, "elderly", 2103, 1},
        /* 5 months: no prepayment scheme yet */
        {1, 5, NULL, 0, 0},
        /* the prepayment schemes are the property fee's only */
        {2, 12, NULL, 0, 0},
    };

    (void)state;
    rates[0] = rate(1, 1, 2350000, 0, NULL, "2020-01-01");
    v[0] = scheme(1, 0, "elderly", 1000, 0, "2026-01-01", NULL);
    v[1] = scheme(2, 1, NULL, 833, 0, "2026-01-01", NULL);
    v[1].min_months = 12;
    v[2] = scheme(3, 1, NULL, 0, 1000, "2026-01-01", NULL);
    v[2].min_months = 6;
    v[3] = scheme(4, 1, NULL, 0, 1752, "2026-01-01", NULL);
    v[3].min_months = 12;
    v[4] = scheme(5, 1, NULL, 10000, 0, "2026-01-01", NULL); /* switched off */
    v[4].min_months = 1;
    v[4].active = false;
    for (size_t i = 0; i < N(rows); i++) {
        int64_t d = -1, id = -1;
        assert_int_equal(discount_best_months(v, N(v), rows[i].item, rows[i].group,
                                              day("2027-01-01"), rows[i].months, 21033,
                                              MONEY_ROUND_HALF_UP, &d, &id),
                         0);
        assert_int_equal(d, rows[i].discount);
        assert_int_equal(id, rows[i].scheme);
    }
    /* a run's discount_best() is months 0 */
    {
        int64_t d = -1, id = -1;
        assert_int_equal(discount_best(v, N(v), 1, NULL, day("2027-01-01"), 21033,
                                       MONEY_ROUND_HALF_UP, &d, &id),
                         0);
        assert_int_equal(d, 0);
        assert_int_equal(id, 0);
    }
    assert_int_equal(discount_best_months(v, N(v), 1, NULL, day("2027-01-01"), -1, 21033,
                                          MONEY_ROUND_HALF_UP, &(int64_t){0}, &(int64_t){0}),
                     -1);
    /* billrun_compute() of a prepayment's plan gives the same discount */
    plan.prepay_months = 12;
    assert_int_equal(billrun_compute(&plan, &it, &home, month("2027-01"), &row, &why), 0);
    assert_int_equal(row.amount_fen, 21033);
    assert_int_equal(row.discount_fen, 1752);
    assert_int_equal(row.scheme_id, 2);
    plan.prepay_months = 11;
    assert_int_equal(billrun_compute(&plan, &it, &home, month("2027-01"), &row, &why), 0);
    assert_int_equal(row.discount_fen, 1000);
    assert_int_equal(row.scheme_id, 3);
    plan.prepay_months = 0;
    assert_int_equal(billrun_compute(&plan, &it, &home, month("2027-01"), &row, &why), 0);
    assert_int_equal(row.discount_fen, 0);
}

static void prepayment_periods_follow_the_last_bill(void **state)
{
    static const struct {
        enum fee_cycle cycle;
        const char *last; /* NULL: nothing billed yet */
        const char *now, *first;
    } rows[] = {
        {FEE_MONTHLY, "2026-12", "2026-12", "2027-01"},
        {FEE_MONTHLY, "2027-03", "2026-12", "2027-04"}, /* billed ahead already */
        {FEE_MONTHLY, "2026-05", "2026-12", "2026-06"}, /* unbilled months since: from there */
        {FEE_MONTHLY, NULL, "2026-12", "2026-12"},      /* from this month */
        {FEE_QUARTERLY, "2026-10", "2026-12", "2027-01"},
        {FEE_QUARTERLY, "2026-07", "2026-12", "2026-10"},
        {FEE_QUARTERLY, "2026-11", "2026-12", "2027-01"}, /* an imported odd month: the next start */
        {FEE_QUARTERLY, NULL, "2026-12", "2026-10"},      /* the quarter that holds December */
        {FEE_QUARTERLY, NULL, "2027-01", "2027-01"},
        {FEE_YEARLY, "2026-01", "2026-12", "2027-01"},
        {FEE_YEARLY, NULL, "2026-12", "2026-01"},
    };

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        char text[8];
        billrun_period_text(prepay_first_period(rows[i].cycle,
                                                rows[i].last ? month(rows[i].last) : 0,
                                                month(rows[i].now)),
                            text);
        assert_string_equal(text, rows[i].first);
    }
    assert_int_equal(prepay_first_period(FEE_ONCE, 0, month("2026-12")), 0);
    assert_int_equal(prepay_cycle_months(FEE_MONTHLY), 1);
    assert_int_equal(prepay_cycle_months(FEE_QUARTERLY), 3);
    assert_int_equal(prepay_cycle_months(FEE_YEARLY), 12);
    assert_int_equal(prepay_cycle_months(FEE_ONCE), 0);
}

/* ---- one batch ---------------------------------------------------------------------- */

static void a_batch_makes_what_is_missing(void **state)
{
    static struct fee_rate a_rates[2], b_rates[1], c_rates[1];
    struct fee_item_row items[3];
    struct discount_scheme schemes[2];
    struct billrun_resource res[] = {
        {.id = 1,
         .building_id = 1,
         .code = "1-101",
         .label = "1栋101",
         .kind = "home",
         .customer_group = "elderly",
         .area_m2x100 = 8950},
        {.id = 2,
         .building_id = 2,
         .code = "2-101",
         .label = "2栋101",
         .kind = "home",
         .area_m2x100 = 0},
        {.id = 3,
         .building_id = 2,
         .code = "2-102",
         .label = "2栋102",
         .kind = "home",
         .area_m2x100 = 12060},
    };
    struct billrun_key existing[] = {{3, 11, 0}};
    struct billrun_plan plan;
    struct billrun_batch b;
    struct arena a = {0};

    (void)state;
    existing[0].period = month("2026-02");
    a_rates[0] = rate(1, 11, 2350000, 0, NULL, "2020-01-01");
    a_rates[1] = rate(2, 11, 2500000, 1, NULL, "2026-02-01");
    b_rates[0] = rate(3, 12, 9000, 0, NULL, "2020-01-01");
    c_rates[0] = rate(4, 13, 48000, 0, NULL, "2020-01-01");
    items[0] = (struct fee_item_row){
        item(11, FEE_MONTHLY, FEE_BUILDING_AREA, MONEY_ROUND_HALF_UP, 5), a_rates, 2};
    items[1] = (struct fee_item_row){item(12, FEE_QUARTERLY, FEE_FIXED, MONEY_ROUND_HALF_UP, 1),
                                     b_rates, 1};
    items[2] =
        (struct fee_item_row){item(13, FEE_MONTHLY, FEE_USAGE, MONEY_ROUND_HALF_UP, 1), c_rates, 1};
    /* the elderly 10 % off item 11; everyone 1 yuan off item 12 */
    schemes[0] = scheme(21, 11, "elderly", 1000, 0, "2026-01-01", NULL);
    schemes[1] = scheme(22, 12, NULL, 0, 100, "2026-01-01", NULL);
    plan = (struct billrun_plan){items, 3, month("2026-01"), month("2026-03"), schemes, 2, 0};
    assert_int_equal(billrun_batch_build(&a, &plan, res, 3, existing, 1, &b), 0);

    /* resource 1: item 11 in January at the default rate, then building
     * 1's 2.50 (89.50 × 2.50 = 223.75); item 12 once (January starts the
     * quarter). Resource 2 has no area: only item 12. Resource 3: item 11
     * but February, which exists; item 12. */
    {
        static const struct {
            int64_t res, item;
            const char *period;
            int64_t amount, discount, scheme;
        } want[] = {
            {1, 11, "2026-01", 21033, 2103, 21}, /* 10 %: 21.033 → 21.03 */
            {1, 11, "2026-02", 22375, 2238, 21}, /* 22.375 → 22.38 (half up) */
            {1, 11, "2026-03", 22375, 2238, 21},
            {1, 12, "2026-01", 9000, 100, 22},
            {2, 12, "2026-01", 9000, 100, 22},
            {3, 11, "2026-01", 28341, 0, 0}, /* 120.60 × 2.35 = 283.41 */
            {3, 11, "2026-03", 28341, 0, 0},
            {3, 12, "2026-01", 9000, 100, 22},
        };
        assert_int_equal(b.nrows, N(want));
        for (size_t i = 0; i < N(want); i++) {
            assert_int_equal(b.rows[i].resource_id, want[i].res);
            assert_int_equal(b.rows[i].fee_item_id, want[i].item);
            assert_int_equal(b.rows[i].period, month(want[i].period));
            assert_int_equal(b.rows[i].amount_fen, want[i].amount);
            assert_int_equal(b.rows[i].discount_fen, want[i].discount);
            assert_int_equal(b.rows[i].scheme_id, want[i].scheme);
        }
    }
    /* item 11: 5 bills, 1 existing, 3 without area; item 12: 3 bills;
     * item 13: 9 usage exceptions */
    assert_int_equal(b.per_item[0].count, 5);
    assert_int_equal(b.per_item[0].existing, 1);
    assert_int_equal(b.per_item[0].exceptions, 3);
    assert_int_equal(b.per_item[0].amount_fen, 21033 + 22375 + 22375 + 28341 + 28341);
    assert_int_equal(b.per_item[0].discount_fen, 2103 + 2238 + 2238);
    assert_int_equal(b.per_item[1].count, 3);
    assert_int_equal(b.per_item[1].amount_fen, 27000);
    assert_int_equal(b.per_item[1].discount_fen, 300);
    assert_int_equal(b.per_item[2].count, 0);
    assert_int_equal(b.per_item[2].exceptions, 9);
    assert_int_equal(b.all.count, 8);
    assert_int_equal(b.all.existing, 1);
    assert_int_equal(b.all.exceptions, 12);
    assert_int_equal(b.all.amount_fen, 122465 + 27000);
    assert_int_equal(b.nexceptions, 12);
    assert_int_equal(b.exceptions[0].resource_id, 1);
    assert_int_equal(b.exceptions[0].fee_item_id, 13);
    assert_int_equal(b.exceptions[0].reason, BILLRUN_NO_READING);
    assert_string_equal(b.exceptions[0].resource_code, "1-101");
    assert_int_equal(b.exceptions[3].resource_id, 2);
    assert_int_equal(b.exceptions[3].reason, BILLRUN_NO_AREA);

    /* a rerun: everything made now exists, nothing is made again */
    {
        struct billrun_key again[8 + 1];
        struct billrun_batch b2;
        for (size_t i = 0; i < b.nrows; i++)
            again[i] = (struct billrun_key){b.rows[i].resource_id, b.rows[i].fee_item_id,
                                            b.rows[i].period};
        again[8] = existing[0];
        assert_int_equal(billrun_batch_build(&a, &plan, res, 3, again, 9, &b2), 0);
        assert_int_equal(b2.nrows, 0);
        assert_int_equal(b2.all.existing, 9);
        assert_int_equal(b2.all.exceptions, 12);
    }
    arena_free(&a);
}

static void batches_hold_a_few_thousand_bills(void **state)
{
    struct fee_item_row items[2] = {
        {item(1, FEE_MONTHLY, FEE_BUILDING_AREA, MONEY_ROUND_HALF_UP, 1), NULL, 0},
        {item(2, FEE_QUARTERLY, FEE_FIXED, MONEY_ROUND_HALF_UP, 1), NULL, 0}};
    struct billrun_plan p = {items, 1, month("2026-01"), month("2026-12"), NULL, 0, 0};

    (void)state;
    /* 12 bills a resource: 5,000 / 12 = 416 resources */
    assert_int_equal(billrun_batch_resources(&p), BILLRUN_BATCH_ROWS / 12);
    /* 12 + 4 a resource */
    p.nitems = 2;
    assert_int_equal(billrun_batch_resources(&p), BILLRUN_BATCH_ROWS / 16);
    /* one bill a resource: capped */
    p.nitems = 1;
    p.to = p.from;
    assert_int_equal(billrun_batch_resources(&p), BILLRUN_BATCH_RESOURCES);
    /* nothing to bill (a quarterly item in February): still a batch */
    p.items = &items[1];
    p.from = p.to = month("2026-02");
    assert_int_equal(billrun_batch_resources(&p), BILLRUN_BATCH_RESOURCES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(periods_parse_and_print),
        cmocka_unit_test(cycles_start_in_their_first_months),
        cmocka_unit_test(one_bill_by_each_method),
        cmocka_unit_test(what_is_not_billed),
        cmocka_unit_test(the_largest_single_discount_wins),
        cmocka_unit_test(prepayment_schemes_weigh_in),
        cmocka_unit_test(prepayment_periods_follow_the_last_bill),
        cmocka_unit_test(a_batch_makes_what_is_missing),
        cmocka_unit_test(batches_hold_a_few_thousand_bills),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
