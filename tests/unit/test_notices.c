/*
 * test_notices.c — the pure rules of announcements and surveys (NTC-1,
 * NTC-4; lib/notices.h, lib/surveys.h), no database:
 *   - the audience's building list: normal form (ascending, no repeats),
 *     its limits;
 *   - a survey's questions: counts, kinds, options, lengths;
 *   - answers against questions: every kind's rule, required questions,
 *     repeats, unknown questions and options — each row a refusal (400)
 *     or an acceptance;
 *   - the results' arithmetic: counts per option and score, the average
 *     ×100 rounded half up, by hand;
 *   - scheduled publishing: the publish_at a schedule may be set for
 *     (later than now, earlier than the expiry), and its audit context.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "notices.h"
#include "surveys.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the audience ------------------------------------------------------------------ */

static void test_audience_text(void **state)
{
    static const struct {
        int64_t ids[4];
        size_t n;
        const char *want; /* NULL: 400 */
    } rows[] = {
        {{0}, 0, ""},
        {{7}, 1, "7"},
        {{5, 3, 12}, 3, "3,5,12"},
        {{3, 5, 3}, 3, NULL},  /* a repeat */
        {{0, 1}, 2, NULL},     /* not an id */
        {{-4}, 1, NULL},       /* not an id */
        {{INT64_C(4294967296)}, 1, NULL},
    };
    char out[NOTICE_AUDIENCE_TEXT_MAX];
    int64_t many[NOTICE_BUILDINGS_MAX + 1];
    struct err e = {0};

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        int rc = notice_audience_text(rows[i].ids, rows[i].n, out, &e);
        if (rows[i].want) {
            assert_int_equal(rc, 0);
            assert_string_equal(out, rows[i].want);
        } else {
            assert_int_equal(rc, -1);
            assert_int_equal(e.code, E_BAD_REQUEST);
        }
    }
    /* 50 buildings of 10 digits fit; 51 are refused */
    for (size_t i = 0; i < N(many); i++)
        many[i] = INT32_MAX - (int64_t)i;
    assert_int_equal(notice_audience_text(many, NOTICE_BUILDINGS_MAX, out, &e), 0);
    assert_int_equal(strlen(out), NOTICE_BUILDINGS_MAX * 11 - 1);
    assert_int_equal(notice_audience_text(many, NOTICE_BUILDINGS_MAX + 1, out, &e), -1);
}

/* ---- questions --------------------------------------------------------------------- */

static const char *const yes_no[] = {"满意", "不满意"};
static const char *const three[] = {"保洁", "绿化", "安保"};
static const char *const repeated[] = {"满意", "满意"};
static const char *const one[] = {"满意"};
static const char *const empty_option[] = {"满意", ""};

/* The survey the answer rows are checked against. */
static const struct survey_question survey[] = {
    {1, SURVEY_SINGLE, "您对物业服务满意吗", true, yes_no, 2},
    {2, SURVEY_MULTIPLE, "您希望改进哪些方面", false, three, 3},
    {3, SURVEY_SCORE, "请为保洁打分", true, NULL, 0},
    {4, SURVEY_TEXT, "其他建议", false, NULL, 0},
};

static void test_questions(void **state)
{
    struct survey_question q[SURVEY_QUESTIONS_MAX + 1];
    char long_title[3 * 201 + 1];
    struct err e = {0};

    (void)state;
    assert_int_equal(survey_questions_check(survey, N(survey), &e), 0);
    assert_int_equal(survey_questions_check(survey, 0, &e), -1); /* none */
    for (size_t i = 0; i < N(q); i++)
        q[i] = (struct survey_question){(int64_t)i + 1, SURVEY_SCORE, "打分", true, NULL, 0};
    assert_int_equal(survey_questions_check(q, SURVEY_QUESTIONS_MAX, &e), 0);
    assert_int_equal(survey_questions_check(q, SURVEY_QUESTIONS_MAX + 1, &e), -1);
    assert_int_equal(e.code, E_BAD_REQUEST);

    /* one question at a time, each wrong in one way */
    {
        static const struct survey_question bad[] = {
            {1, SURVEY_SINGLE, "单选", true, one, 1},               /* one option */
            {1, SURVEY_MULTIPLE, "多选", true, repeated, 2},        /* a repeated option */
            {1, SURVEY_SINGLE, "单选", true, empty_option, 2},      /* an empty option */
            {1, SURVEY_SCORE, "打分", true, yes_no, 2},             /* options on a score */
            {1, SURVEY_TEXT, "", true, NULL, 0},                    /* no title */
            {1, SURVEY_SINGLE, "单选", true, NULL, 0},              /* no options */
        };
        for (size_t i = 0; i < N(bad); i++) {
            err_clear(&e);
            assert_int_equal(survey_questions_check(&bad[i], 1, &e), -1);
            assert_int_equal(e.code, E_BAD_REQUEST);
            assert_non_null(strstr(e.message, "第 1 题"));
        }
    }
    /* 200 characters of Chinese are a title, 201 are not */
    for (size_t i = 0; i < 201; i++)
        memcpy(long_title + 3 * i, "题", 3);
    long_title[3 * 200] = '\0';
    q[0] = (struct survey_question){1, SURVEY_TEXT, long_title, true, NULL, 0};
    assert_int_equal(survey_questions_check(q, 1, &e), 0);
    memcpy(long_title + 3 * 200, "题", 4);
    assert_int_equal(survey_questions_check(q, 1, &e), -1);
}

/* ---- answers ----------------------------------------------------------------------- */

static const int64_t c1[] = {1}, c2[] = {2}, c12[] = {1, 2}, c13[] = {1, 3}, c11[] = {1, 1},
                     c3[] = {3}, c0[] = {0};

#define CHOICE(no, c) {no, c, N(c), true, false, 0, NULL}
#define SCORE(no, s) {no, NULL, 0, false, true, s, NULL}
#define TEXT(no, t) {no, NULL, 0, false, false, 0, t}

static void test_answers(void **state)
{
    static const struct {
        const char *why;
        struct survey_answer a[5];
        size_t n;
        bool ok;
    } rows[] = {
        {"the required ones only", {CHOICE(1, c1), SCORE(3, 5)}, 2, true},
        {"everything", {CHOICE(1, c2), CHOICE(2, c13), SCORE(3, 1), TEXT(4, "电梯太慢")}, 4, true},
        {"in any order", {SCORE(3, 3), CHOICE(1, c1)}, 2, true},
        {"nothing", {{0}}, 0, false},
        {"a required one missing", {CHOICE(1, c1)}, 1, false},
        {"a question twice", {CHOICE(1, c1), CHOICE(1, c2), SCORE(3, 4)}, 3, false},
        {"no such question", {CHOICE(1, c1), SCORE(3, 4), TEXT(5, "多余")}, 3, false},
        {"question 0", {CHOICE(1, c1), SCORE(3, 4), TEXT(0, "多余")}, 3, false},
        {"two options on a single", {CHOICE(1, c12), SCORE(3, 4)}, 2, false},
        {"no such option", {CHOICE(1, c3), SCORE(3, 4)}, 2, false},
        {"option 0", {CHOICE(1, c0), SCORE(3, 4)}, 2, false},
        {"a repeated option", {CHOICE(1, c1), CHOICE(2, c11), SCORE(3, 4)}, 3, false},
        {"a score of 0", {CHOICE(1, c1), SCORE(3, 0)}, 2, false},
        {"a score of 6", {CHOICE(1, c1), SCORE(3, 6)}, 2, false},
        {"a score on a choice", {SCORE(1, 3), SCORE(3, 3)}, 2, false},
        {"a choice on a score", {CHOICE(1, c1), CHOICE(3, c1)}, 2, false},
        {"a text on a score", {CHOICE(1, c1), TEXT(3, "五分")}, 2, false},
        {"an empty text", {CHOICE(1, c1), SCORE(3, 2), TEXT(4, "")}, 3, false},
        {"a score on a text", {CHOICE(1, c1), SCORE(3, 2), SCORE(4, 2)}, 3, false},
    };
    struct err e = {0};

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        int rc;
        err_clear(&e);
        rc = survey_answers_check(survey, N(survey), rows[i].a, rows[i].n, &e);
        if (rc != (rows[i].ok ? 0 : -1))
            fail_msg("%s: rc %d (%s)", rows[i].why, rc, e.message);
        if (!rows[i].ok)
            assert_int_equal(e.code, E_BAD_REQUEST);
    }
    /* the message names the question */
    {
        struct survey_answer a[] = {CHOICE(1, c1), SCORE(3, 9)};
        assert_int_equal(survey_answers_check(survey, N(survey), a, 2, &e), -1);
        assert_non_null(strstr(e.message, "第 3 题"));
    }
    /* 500 characters of text are an answer, 501 are not */
    {
        char text[3 * 501 + 1];
        struct survey_answer a[] = {CHOICE(1, c1), SCORE(3, 2), TEXT(4, text)};
        for (size_t i = 0; i < 501; i++)
            memcpy(text + 3 * i, "字", 3);
        text[3 * 500] = '\0';
        assert_int_equal(survey_answers_check(survey, N(survey), a, 3, &e), 0);
        memcpy(text + 3 * 500, "字", 4);
        assert_int_equal(survey_answers_check(survey, N(survey), a, 3, &e), -1);
    }
}

/* ---- results ----------------------------------------------------------------------- */

static void test_avg(void **state)
{
    static const struct {
        int64_t sum, count, want;
    } rows[] = {
        {0, 0, 0},           /* nobody: the caller shows null */
        {5, 1, 500},         /* 5 */
        {9, 2, 450},         /* 5, 4 */
        {13, 3, 433},        /* 5, 4, 4 = 4.333… */
        {14, 3, 467},        /* 5, 5, 4 = 4.666… */
        {7, 8, 88},          /* 0.875 → 87.5 → 88 (half up) */
        {1, 8, 13},          /* 12.5 → 13 */
        {3, 8, 38},          /* 37.5 → 38 */
        {2, 3, 67},          /* 66.666… */
        {1, 3, 33},          /* 33.333… */
        {500000, 100000, 500},
        {299999, 100000, 300}, /* 299.999 */
    };

    (void)state;
    for (size_t i = 0; i < N(rows); i++)
        if (survey_avg_x100(rows[i].sum, rows[i].count) != rows[i].want)
            fail_msg("avg(%lld/%lld) = %lld, want %lld", (long long)rows[i].sum,
                     (long long)rows[i].count,
                     (long long)survey_avg_x100(rows[i].sum, rows[i].count),
                     (long long)rows[i].want);
}

static void test_tally(void **state)
{
    struct arena a = {0};
    struct survey_tally *t = survey_tally_new(&a, survey, N(survey));

    (void)state;
    /* as the GROUP BY hands them: (question, choice, score, count) */
    survey_tally_add(t, N(survey), 1, 1, 0, 3);
    survey_tally_add(t, N(survey), 1, 2, 0, 1);
    survey_tally_add(t, N(survey), 2, 1, 0, 2);
    survey_tally_add(t, N(survey), 2, 3, 0, 4);
    survey_tally_add(t, N(survey), 3, 0, 5, 2);
    survey_tally_add(t, N(survey), 3, 0, 4, 1);
    survey_tally_add(t, N(survey), 3, 0, 2, 1);
    /* rows that name nothing of the survey change nothing */
    survey_tally_add(t, N(survey), 9, 1, 0, 7);
    survey_tally_add(t, N(survey), 1, 3, 0, 7);
    survey_tally_add(t, N(survey), 3, 0, 6, 7);
    survey_tally_add(t, N(survey), 1, 0, 4, 7); /* a score on a choice question */
    survey_tally_finish(t, N(survey));

    assert_int_equal(t[0].option_counts[0], 3);
    assert_int_equal(t[0].option_counts[1], 1);
    assert_int_equal(t[0].score_sum, 0);
    assert_false(t[0].has_avg);
    assert_int_equal(t[1].option_counts[0], 2);
    assert_int_equal(t[1].option_counts[1], 0);
    assert_int_equal(t[1].option_counts[2], 4);
    assert_int_equal(t[2].score_counts[0], 0);
    assert_int_equal(t[2].score_counts[1], 1);
    assert_int_equal(t[2].score_counts[2], 0);
    assert_int_equal(t[2].score_counts[3], 1);
    assert_int_equal(t[2].score_counts[4], 2);
    assert_true(t[2].has_avg);
    /* 5 + 5 + 4 + 2 = 16 over 4 = 4.00 */
    assert_int_equal(t[2].avg_score_x100, 400);
    /* a score question nobody answered has no average */
    assert_false(t[3].has_avg);
    arena_free(&a);
}

/* ---- scheduled publishing: the time a schedule is set for ------------------------- */

static void test_publish_at_check(void **state)
{
    static const struct {
        time_t publish_at, now, until;
        const char *message; /* NULL: accepted */
    } rows[] = {
        {1001, 1000, 0, NULL},                     /* a second ahead, no expiry */
        {1000, 1000, 0, "publish_at 须晚于现在"},  /* now is not later */
        {999, 1000, 0, "publish_at 须晚于现在"},   /* the past */
        {1500, 1000, 2000, NULL},                  /* between now and the expiry */
        {1999, 1000, 2000, NULL},                  /* a second before it */
        {2000, 1000, 2000, "publish_at 须早于 expires_at"}, /* at it: would never show */
        {2500, 1000, 2000, "publish_at 须早于 expires_at"},
        {900, 1000, 2000, "publish_at 须晚于现在"}, /* past comes first */
        {900, 1000, 500, "publish_at 须晚于现在"},  /* both wrong: the first */
    };

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        struct err e;
        int rc;
        err_clear(&e);
        rc = notice_publish_at_check(rows[i].publish_at, rows[i].now, rows[i].until,
                                     "expires_at", &e);
        if (!rows[i].message) {
            assert_int_equal(rc, 0);
            continue;
        }
        assert_int_equal(rc, -1);
        assert_true(err_is(&e, E_BAD_REQUEST));
        assert_string_equal(e.message, rows[i].message);
    }
}

static void test_schedule_context(void **state)
{
    struct arena a = {0};

    (void)state;
    assert_string_equal(notice_schedule_context(&a, "2026-12-26 00:00:00", NULL),
                        "{\"source\":\"schedule\",\"publish_at\":\"2026-12-26 00:00:00\"}");
    assert_string_equal(notice_schedule_context(&a, "2026-12-26 00:00:00", "公告已过期"),
                        "{\"source\":\"schedule\",\"publish_at\":\"2026-12-26 00:00:00\","
                        "\"reason\":\"公告已过期\"}");
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audience_text), cmocka_unit_test(test_questions),
        cmocka_unit_test(test_answers),       cmocka_unit_test(test_avg),
        cmocka_unit_test(test_tally),        cmocka_unit_test(test_publish_at_check),
        cmocka_unit_test(test_schedule_context),
    };
    return cmocka_run_group_tests_name("notices", tests, NULL, NULL);
}
