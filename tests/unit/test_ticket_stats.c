/*
 * test_ticket_stats.c — the tickets' statistics' figures and the set-up's
 * skill lists, no database (lib/ticket_stats.h ticket_stats_figure(),
 * ticket_stats_add(); lib/ticket_setup.h ticket_skills_check()):
 *   - a table of sums, each row with its figures computed by hand: the
 *     completion rate over the tickets not cancelled or rejected, in basis
 *     points, the averages in whole seconds, the score ×100, each rounded
 *     half up, and nothing where there is nothing to average;
 *   - the share completed on time, in basis points of the completed;
 *   - totals are the sums of their groups;
 *   - the nearest-rank percentile's rank on hand-computed cases (1 value,
 *     10, even counts, ties), and against its definition — the smallest
 *     value with at least p % of the values at or below it — for every
 *     count up to 200;
 *   - skills: length in characters, no comma or space, distinct, at most 20.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ticket_setup.h"
#include "ticket_stats.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NONE (-1) /* the figure is absent */

static const struct {
    struct ticket_stats_sums s;
    int64_t rate_bp, response_s, handling_s, score_x100, on_time_bp;
} rows[] = {
    /* nothing at all: no figure */
    {{0}, NONE, NONE, NONE, NONE, NONE},
    /* 3 created, 2 completed: 6666.67 → 6667 bp; (600 + 1201) / 2 = 900.5 → 901 s;
     * 7200 / 2 = 3600 s; (5 + 4) / 2 × 100 = 450; neither on time: 0, not null */
    {{3, 2, 1, 0, 0, 2, 1801, 2, 7200, 2, 9, 1, 0}, 6667, 901, 3600, 450, 0},
    /* cancelled and rejected are not to be done: 1 of (4 − 1 − 1) = 5000 bp */
    {{4, 1, 1, 1, 1, 1, 59, 1, 1, 0, 0, 0, 1}, 5000, 59, 1, NONE, 10000},
    /* all cancelled: no rate; one accepted before cancelling; none completed */
    {{2, 0, 0, 2, 0, 1, 30, 0, 0, 0, 0, 0, 0}, NONE, 30, NONE, NONE, NONE},
    /* 1 of 3 done → 3333.33 → 3333; scores 5, 4, 4 → 433.33 → 433; 2 s / 3 → 1 s */
    {{3, 1, 1, 0, 0, 3, 2, 1, 10, 3, 13, 2, 0}, 3333, 1, 10, 433, 0},
    /* a half rounds up: 1 / 8 = 1250 bp exactly; 5 / 2 = 2.5 → 3 s; (1 + 2) / 2 → 150 */
    {{8, 1, 0, 0, 0, 2, 5, 1, 3, 2, 3, 8, 0}, 1250, 3, 3, 150, 0},
    /* on time: 2 of 3 completed → 6666.67 → 6667 */
    {{3, 3, 0, 0, 0, 3, 3, 3, 3, 0, 0, 1, 2}, 10000, 1, 1, NONE, 6667},
    /* 1 of 20000 on time is half a basis point: up to 1 */
    {{20000, 20000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 10000, NONE, NONE, NONE, 1},
};

static void check(int64_t want, bool has, int64_t got)
{
    if (want == NONE) {
        assert_false(has);
        return;
    }
    assert_true(has);
    assert_int_equal(got, want);
}

static void stats_figures_by_hand(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        struct ticket_stats_figures f;
        ticket_stats_figure(&rows[i].s, &f);
        check(rows[i].rate_bp, f.has_rate, f.completion_rate_bp);
        check(rows[i].response_s, f.has_response, f.avg_response_s);
        check(rows[i].handling_s, f.has_handling, f.avg_handling_s);
        check(rows[i].score_x100, f.has_rating, f.rating_avg_x100);
        check(rows[i].on_time_bp, f.has_on_time, f.on_time_bp);
    }
}

static void stats_totals_are_sums(void **state)
{
    struct ticket_stats_sums t = {0};
    struct ticket_stats_figures f;

    (void)state;
    ticket_stats_add(&t, &rows[1].s);
    ticket_stats_add(&t, &rows[2].s);
    assert_int_equal(t.created, 7);
    assert_int_equal(t.completed, 3);
    assert_int_equal(t.closed, 2);
    assert_int_equal(t.cancelled, 1);
    assert_int_equal(t.rejected, 1);
    assert_int_equal(t.responded, 3);
    assert_int_equal(t.response_s, 1860);
    assert_int_equal(t.handled, 3);
    assert_int_equal(t.handling_s, 7201);
    assert_int_equal(t.ratings, 2);
    assert_int_equal(t.rating_sum, 9);
    assert_int_equal(t.overdue, 1);
    assert_int_equal(t.on_time, 1);
    /* the totals' figures come from the summed sums, not from averaging averages */
    ticket_stats_figure(&t, &f);
    assert_int_equal(f.completion_rate_bp, 6000); /* 3 of 5 */
    assert_int_equal(f.avg_response_s, 620);      /* 1860 / 3 */
    assert_int_equal(f.avg_handling_s, 2400);     /* 7201 / 3 = 2400.33 */
    assert_int_equal(f.on_time_bp, 3333);         /* 1 of 3 */
}

/* The pct-th percentile of sorted v[0..n), by ticket_stats_rank(). */
static int64_t pick(const int64_t *v, size_t n, int64_t pct)
{
    return v[ticket_stats_rank((int64_t)n, pct) - 1];
}

static void percentile_by_hand(void **state)
{
    static const struct {
        int64_t n, pct, rank;
    } ranks[] = {
        {1, 50, 1},    {1, 90, 1},    {1, 100, 1}, {1, 1, 1},  /* one value is every percentile */
        {2, 50, 1},    {2, 90, 2},    {4, 50, 2},  {4, 90, 4}, /* even: the lower middle, no mean */
        {6, 50, 3},    {6, 90, 6},    {10, 50, 5}, {10, 90, 9}, /* exact: 5.0, 9.0 */
        {11, 50, 6},   {11, 90, 10},  {17, 50, 9}, {17, 90, 16}, /* up: 5.5 → 6, 9.9 → 10, 15.3 */
        {100, 90, 90}, {101, 90, 91}, {7, 1, 1},   {200, 1, 2},
    };
    static const int64_t one[] = {42};
    static const int64_t ten[] = {60, 120, 180, 240, 300, 360, 420, 480, 540, 6000};
    static const int64_t ties[] = {10, 20, 20, 20, 30, 40};
    static const int64_t flat[] = {7, 7, 7, 7};
    static const int64_t even[] = {100, 200, 300, 400};

    (void)state;
    for (size_t i = 0; i < N(ranks); i++)
        assert_int_equal(ticket_stats_rank(ranks[i].n, ranks[i].pct), ranks[i].rank);
    assert_int_equal(pick(one, N(one), 50), 42);
    assert_int_equal(pick(one, N(one), 90), 42);
    /* the tail shows what the average (870) hides, and the median ignores */
    assert_int_equal(pick(ten, N(ten), 50), 300);
    assert_int_equal(pick(ten, N(ten), 90), 540);
    assert_int_equal(pick(ten, N(ten), 100), 6000);
    /* 20 has 4 of 6 at or below it (≥ 50 %), 10 only 1 */
    assert_int_equal(pick(ties, N(ties), 50), 20);
    assert_int_equal(pick(ties, N(ties), 90), 40); /* 30 has 5 of 6: 83 % */
    assert_int_equal(pick(flat, N(flat), 50), 7);
    assert_int_equal(pick(flat, N(flat), 90), 7);
    assert_int_equal(pick(even, N(even), 50), 200); /* a value of the set, never 250 */
    assert_int_equal(pick(even, N(even), 90), 400);
}

/* The definition itself, by counting, against the rank for every count
 * up to 200 on values with ties (v[i] = i / 3). */
static void percentile_is_the_definition(void **state)
{
    static const int64_t pcts[] = {1, 10, 25, 50, 75, 90, 95, 99, 100};
    int64_t v[200];

    (void)state;
    for (size_t i = 0; i < N(v); i++)
        v[i] = (int64_t)i / 3;
    for (size_t n = 1; n <= N(v); n++)
        for (size_t p = 0; p < N(pcts); p++) {
            int64_t want = -1;
            /* the smallest value x with 100 · #{v ≤ x} ≥ pct · n */
            for (size_t c = 0; c < n && want < 0; c++) {
                size_t at_or_below = 0;
                for (size_t j = 0; j < n; j++)
                    at_or_below += v[j] <= v[c];
                if ((int64_t)at_or_below * 100 >= pcts[p] * (int64_t)n)
                    want = v[c];
            }
            assert_int_equal(pick(v, n, pcts[p]), want);
        }
}

static void skills_checked(void **state)
{
    static const char *const ok[] = {"plumbing", "水电", "electrical-2", "a"};
    static const char *const comma[] = {"plumbing,electrical"};
    static const char *const space[] = {"pl umbing"};
    static const char *const wide_space[] = {"水\xE3\x80\x80电"};
    static const char *const wide_comma[] = {"水\xEF\xBC\x8C电"};
    static const char *const empty[] = {""};
    static const char *const twice[] = {"plumbing", "Plumbing"};
    static const char *const long33[] = {"123456789012345678901234567890123"};
    static const char *const chinese32[] = {
        "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二"};
    static const char *many[TICKET_SKILLS_MAX + 1];
    static char names[TICKET_SKILLS_MAX + 1][4];
    struct err e;

    (void)state;
    assert_int_equal(ticket_skills_check(ok, N(ok), &e), 0);
    assert_int_equal(ticket_skills_check(NULL, 0, &e), 0); /* none: any technician */
    assert_int_equal(ticket_skills_check(chinese32, 1, &e), 0);
    assert_int_equal(ticket_skills_check(comma, 1, &e), -1);
    assert_int_equal(e.code, E_BAD_REQUEST);
    assert_int_equal(ticket_skills_check(space, 1, &e), -1);
    assert_int_equal(ticket_skills_check(wide_space, 1, &e), -1);
    assert_int_equal(ticket_skills_check(wide_comma, 1, &e), -1);
    assert_int_equal(ticket_skills_check(empty, 1, &e), -1);
    assert_int_equal(ticket_skills_check(twice, 2, &e), -1);
    assert_int_equal(ticket_skills_check(long33, 1, &e), -1);
    for (size_t i = 0; i < N(many); i++) {
        names[i][0] = 'a' + (char)(i / 10);
        names[i][1] = '0' + (char)(i % 10);
        many[i] = names[i];
    }
    assert_int_equal(ticket_skills_check(many, TICKET_SKILLS_MAX, &e), 0);
    assert_int_equal(ticket_skills_check(many, TICKET_SKILLS_MAX + 1, &e), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stats_figures_by_hand), cmocka_unit_test(stats_totals_are_sums),
        cmocka_unit_test(percentile_by_hand),    cmocka_unit_test(percentile_is_the_definition),
        cmocka_unit_test(skills_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
