/*
 * test_reports.c — the pure parts of the books' reports (PAY-6, FEE-6):
 * the arrears age of a day past due, the collection rate in basis points
 * (rounded down), periods, and a report's files — the CSV (BOM, CRLF,
 * money in yuan with two decimals, percentages, formula-looking text
 * defused, JSON-only columns left out, totals, several sections) and the
 * XLSX (a zip whose sheet holds the numbers in yuan, strings inline).
 * Every expectation is worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "report_table.h"
#include "reports.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_age_buckets(void **state)
{
    static const struct {
        int32_t days;
        enum report_age want;
    } cases[] = {
        {-365, AGE_NOT_DUE}, {-1, AGE_NOT_DUE},  {0, AGE_0_30},       {30, AGE_0_30},
        {31, AGE_31_90},     {90, AGE_31_90},    {91, AGE_91_180},    {180, AGE_91_180},
        {181, AGE_181_365},  {365, AGE_181_365}, {366, AGE_OVER_365}, {3650, AGE_OVER_365},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        if (report_age_bucket(cases[i].days) != cases[i].want)
            fail_msg("%d days past due: bucket %d, want %d", cases[i].days,
                     report_age_bucket(cases[i].days), cases[i].want);
    }
}

static void test_collection_rate(void **state)
{
    static const struct {
        int64_t collected, owed;
        bool has;
        int64_t bp;
    } cases[] = {
        {0, 10000, true, 0},
        {10000, 10000, true, 10000},
        {9999, 10000, true, 9999},
        {19999, 20000, true, 9999}, /* 99.995 %: down, never a full 100 % early */
        {1, 3, true, 3333},         /* 33.33… % */
        {2, 3, true, 6666},         /* 66.66… %: down, not to the nearest */
        {5000, 0, false, 0},        /* nothing owed: no rate */
        {0, 0, false, 0},
        {1, -5, false, 0},
        {999999999999999, 999999999999999, true, 10000}, /* no overflow: 128-bit product */
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        int64_t bp = -1;
        bool has = report_rate_bp(cases[i].collected, cases[i].owed, &bp);
        assert_int_equal(has, cases[i].has);
        if (has)
            assert_int_equal(bp, cases[i].bp);
    }
}

static void test_periods(void **state)
{
    (void)state;
    assert_int_equal(report_period_valid("2026-03"), 0);
    assert_int_equal(report_period_valid("1900-01"), 0);
    assert_int_equal(report_period_valid("2199-12"), 0);
    assert_int_equal(report_period_valid("2026-13"), -1);
    assert_int_equal(report_period_valid("2026-00"), -1);
    assert_int_equal(report_period_valid("2026-3"), -1);
    assert_int_equal(report_period_valid("2026/03"), -1);
    assert_int_equal(report_period_valid("1899-12"), -1);
    assert_int_equal(report_period_valid("20a6-03"), -1);
    assert_int_equal(report_period_valid(""), -1);
    assert_int_equal(report_period_valid(NULL), -1);
}

static void test_bp_text(void **state)
{
    char t[32];

    (void)state;
    rt_bp_text(9850, t);
    assert_string_equal(t, "98.50%");
    rt_bp_text(10000, t);
    assert_string_equal(t, "100.00%");
    rt_bp_text(5, t);
    assert_string_equal(t, "0.05%");
    rt_bp_text(0, t);
    assert_string_equal(t, "0.00%");
}

static const struct rt_col cols[] = {
    {"id", "编号", RT_INT, RT_JSON_ONLY}, {"name", "名称", RT_TEXT, 0},
    {"count", "数量", RT_INT, 0},         {"amount_fen", "金额", RT_FEN, 0},
    {"rate_bp", "比例", RT_BP, 0},
};

/* A report of two rows and a totals row (and, with_second, another
 * section and a value with a label). */
static void sample(struct report *r, struct arena *a, bool with_second)
{
    struct rt_section *s;
    struct rt_cell *row;

    report_init(r, a, "sample", "样例");
    rt_meta_text(r, "group_by", NULL, "period");
    if (with_second)
        rt_meta_num(r, "opening_fen", "期初", RT_FEN, -5);
    s = report_section(r, "rows", "明细", cols, N(cols));
    row = rt_row(r, s);
    rt_int(&row[0], 7);
    rt_text(r, &row[1], "=HYPERLINK(\"x\")");
    rt_int(&row[2], 3);
    rt_int(&row[3], 123456);
    rt_int(&row[4], 9850);
    row = rt_row(r, s);
    rt_int(&row[0], 8);
    rt_text(r, &row[1], "1栋, 2单元");
    rt_int(&row[2], -1);
    rt_int(&row[3], -5);
    /* rate left null */
    row = rt_totals(r, s, "totals");
    rt_text(r, &row[1], "合计");
    rt_int(&row[2], 2);
    rt_int(&row[3], 123451);
    if (with_second) {
        s = report_section(r, "more", "其他", cols, N(cols));
        row = rt_row(r, s);
        rt_text(r, &row[1], "@SUM(A1)");
        rt_int(&row[3], 0);
    }
}

static void test_csv_one_section(void **state)
{
    struct arena a = {0};
    struct report r;
    struct buf b = BUF_INIT;

    (void)state;
    sample(&r, &a, false);
    report_csv(&r, &b);
    assert_string_equal(b.data, "\xEF\xBB\xBF"
                                "名称,数量,金额,比例\r\n"
                                "\"'=HYPERLINK(\"\"x\"\")\",3,1234.56,98.50%\r\n"
                                "\"1栋, 2单元\",-1,-0.05,\r\n"
                                "合计,2,1234.51,\r\n");
    buf_free(&b);
    arena_free(&a);
}

static void test_csv_sections_and_values(void **state)
{
    struct arena a = {0};
    struct report r;
    struct buf b = BUF_INIT;

    (void)state;
    sample(&r, &a, true);
    report_csv(&r, &b);
    assert_string_equal(b.data, "\xEF\xBB\xBF"
                                "期初,-0.05\r\n"
                                "\r\n"
                                "明细\r\n"
                                "名称,数量,金额,比例\r\n"
                                "\"'=HYPERLINK(\"\"x\"\")\",3,1234.56,98.50%\r\n"
                                "\"1栋, 2单元\",-1,-0.05,\r\n"
                                "合计,2,1234.51,\r\n"
                                "\r\n"
                                "其他\r\n"
                                "名称,数量,金额,比例\r\n"
                                "'@SUM(A1),,0.00,\r\n");
    buf_free(&b);
    arena_free(&a);
}

/* Many rows: the section grows (copy to a block twice the size). */
static void test_rows_grow(void **state)
{
    struct arena a = {0};
    struct report r;
    struct rt_section *s;

    (void)state;
    report_init(&r, &a, "x", "x");
    s = report_section(&r, "rows", "x", cols, N(cols));
    for (int i = 0; i < 1000; i++)
        rt_int(&rt_row(&r, s)[2], i);
    assert_int_equal(s->nrows, 1000);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(s->cells[i * N(cols) + 2].v, i);
    assert_true(s->cells[999 * N(cols) + 1].null);
    arena_free(&a);
}

/* The XLSX is a zip (its local header "PK\3\4"); unpacked with unzip, its
 * first sheet holds the numbers in yuan and the strings inline. */
static void test_xlsx(void **state)
{
    struct arena a = {0};
    struct report r;
    struct buf b = BUF_INIT, sheet = BUF_INIT;
    struct err e;
    char path[] = "/tmp/test_reports_XXXXXX", cmd[128], chunk[4096];
    int fd;
    FILE *p;
    size_t got;

    (void)state;
    sample(&r, &a, true);
    assert_int_equal(report_xlsx(&r, &b, &e), 0);
    assert_true(b.len > 100);
    assert_memory_equal(b.data, "PK\x03\x04", 4);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
    close(fd);
    snprintf(cmd, sizeof(cmd), "unzip -p %s xl/worksheets/sheet1.xml", path);
    p = popen(cmd, "r");
    assert_non_null(p);
    while ((got = fread(chunk, 1, sizeof(chunk), p)) > 0)
        buf_append(&sheet, chunk, got);
    assert_int_equal(pclose(p), 0);
    unlink(path);
    /* 1234.56 yuan, -0.05, the total; 98.50 % as 0.985; text inline, not a formula */
    assert_non_null(strstr(sheet.data, "<v>1234.56</v>"));
    assert_non_null(strstr(sheet.data, "<v>-0.05</v>"));
    assert_non_null(strstr(sheet.data, "<v>1234.51</v>"));
    assert_non_null(strstr(sheet.data, "<v>0.985</v>"));
    assert_non_null(strstr(sheet.data, "<is><t>=HYPERLINK(\"x\")</t></is>"));
    assert_null(strstr(sheet.data, "<f>"));
    assert_non_null(strstr(sheet.data, "期初"));
    buf_free(&sheet);
    buf_free(&b);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_age_buckets),     cmocka_unit_test(test_collection_rate),
        cmocka_unit_test(test_periods),         cmocka_unit_test(test_bp_text),
        cmocka_unit_test(test_csv_one_section), cmocka_unit_test(test_csv_sections_and_values),
        cmocka_unit_test(test_rows_grow),       cmocka_unit_test(test_xlsx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
