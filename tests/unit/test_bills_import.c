/*
 * test_bills_import.c — the pure half of the FEE-6 bill import: the
 * header (Chinese or English names, any order, unknown / duplicate /
 * missing columns refused), and each row validated into fen by
 * money_parse() with one Chinese error per bad cell — amounts with a
 * third decimal refused, not rounded; paid amount and paid day together;
 * no paid day after today. Expectations are worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bills_import.h"
#include "core/arena.h"
#include "core/csv.h"
#include "core/money.h"

/* Fields of one CSV line. */
static size_t fields_of(const char *line, struct csv_reader *rd, const struct csv_field **f)
{
    struct err e;
    size_t n = 0;

    csv_reader_init(rd, line, strlen(line));
    assert_int_equal(csv_read(rd, f, &n, &e), 1);
    return n;
}

static int header(const char *line, struct bill_import_header *h, struct err *e)
{
    struct csv_reader rd;
    const struct csv_field *f;
    size_t n = fields_of(line, &rd, &f);
    int rc = bill_import_header_parse(f, n, h, e);

    csv_reader_free(&rd);
    return rc;
}

static void test_header(void **state)
{
    struct bill_import_header h;
    struct err e;

    (void)state;
    assert_int_equal(header("房屋编码,收费项目编码,账期,金额,已缴金额,缴费日期,备注", &h, &e), 0);
    assert_int_equal(h.field_of[BI_NOTE], 6);
    /* English, any case, any order, the optional columns absent */
    assert_int_equal(header("Amount,period,FEE_ITEM_CODE,resource_code", &h, &e), 0);
    assert_int_equal(h.field_of[BI_AMOUNT], 0);
    assert_int_equal(h.field_of[BI_RESOURCE], 3);
    assert_int_equal(h.field_of[BI_PAID], -1);
    assert_int_equal(header("房屋编码,收费项目编码,账期,金额,楼栋,单价", &h, &e), -1);
    assert_int_equal(e.code, E_BAD_REQUEST);
    assert_non_null(strstr(e.message, "无法识别的列：“楼栋”、“单价”"));
    assert_int_equal(header("房屋编码,收费项目编码,账期,金额,amount", &h, &e), -1);
    assert_string_equal(e.message, "表头中“金额”列出现了两次（第 4 列和第 5 列）");
    assert_int_equal(header("房屋编码,收费项目编码,金额", &h, &e), -1);
    assert_string_equal(e.message, "表头中缺少必需的列“账期”");
}

struct row_case {
    const char *line;
    int nerr;
    const char *column; /* of the first error */
    const char *message;
    int64_t amount, paid;
    int32_t paid_day;
};

/* "today" of the cases: 2026-06-15 */
#define TODAY "2026-06-15"

static const struct row_case rows[] = {
    {"1-1-101,WYF,2026-03,214.78,,,", 0, NULL, NULL, 21478, 0, 0},
    {"1-1-101,WYF,2026-03,214.78,214.78,2026-03-05,现金", 0, NULL, NULL, 21478, 21478, 1},
    {"1-1-101,WYF,2026-03,214.7,100,2026-06-15,", 0, NULL, NULL, 21470, 10000, 2},
    {"1-1-101,WYF,2026-03,'214.78,0,,", 0, NULL, NULL, 21478, 0, 0}, /* the export's guard */
    {"1-1-101,WYF,2026-03,214.785,,,", 1, "金额", "金额最多两位小数（单位：元）", 0, 0, 0},
    {"1-1-101,WYF,2026-03,-1,,,", 1, "金额",
     "金额格式不正确：应为不小于 0 的金额（元），如 1234.50", 0, 0, 0},
    {"1-1-101,WYF,2026-03,1e3,,,", 1, "金额", NULL, 0, 0, 0},
    {"1-1-101,WYF,2026-03,0,,,", 1, "金额", "金额须大于 0", 0, 0, 0},
    {"1-1-101,WYF,2026-03,,,,", 1, "金额", "金额不能为空", 0, 0, 0},
    {"1-1-101,WYF,2026-13,10,,,", 1, "账期", "账期应为 YYYY-MM，如 2024-03", 0, 0, 0},
    {"1-1-101,WYF,2026-3,10,,,", 1, "账期", NULL, 0, 0, 0},
    {",WYF,2026-03,10,,,", 1, "房屋编码", "房屋编码不能为空", 0, 0, 0},
    {"1-1-101,,2026-03,10,,,", 1, "收费项目编码", "收费项目编码不能为空", 0, 0, 0},
    {"1-1-101,WYF,2026-03,10,20,2026-03-05,", 1, "已缴金额", "已缴金额不能大于金额", 0, 0, 0},
    {"1-1-101,WYF,2026-03,10,5,,", 1, "缴费日期", "填写了已缴金额就必须填写缴费日期", 0, 0, 0},
    {"1-1-101,WYF,2026-03,10,,2026-03-05,", 1, "缴费日期", "没有已缴金额时不能填写缴费日期", 0, 0,
     0},
    {"1-1-101,WYF,2026-03,10,5,2026-06-16,", 1, "缴费日期", "缴费日期不能晚于今天", 0, 0, 0},
    {"1-1-101,WYF,2026-03,10,5,2026-02-30,", 1, "缴费日期", NULL, 0, 0, 0},
    {"1-1-101,WYF,2026-03,10,5.001,2026-03-01,", 1, "已缴金额", "已缴金额最多两位小数（单位：元）",
     0, 0, 0},
    /* every bad cell is its own error */
    {",,2026-99,abc,,,", 4, "房屋编码", NULL, 0, 0, 0},
    {"1-1-101,WYF,2026-03,10,,,,extra", 1, "", "第 8 列有内容但没有表头（表头共 7 列）", 0, 0, 0},
};

static void test_rows(void **state)
{
    struct bill_import_header h;
    struct err e;
    int32_t today, day2, day1;

    (void)state;
    assert_int_equal(money_date_parse(TODAY, 10, &today), 0);
    assert_int_equal(money_date_parse("2026-03-05", 10, &day1), 0);
    day2 = today;
    assert_int_equal(header("房屋编码,收费项目编码,账期,金额,已缴金额,缴费日期,备注", &h, &e), 0);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row_case *c = &rows[i];
        struct import_report rep = {0};
        struct csv_reader rd;
        const struct csv_field *f;
        struct arena a = {0};
        struct bill_import_row row;
        size_t n = fields_of(c->line, &rd, &f);
        int nerr = bill_import_row_parse(&h, f, n, 7, today, &a, &row, &rep);

        if (nerr != c->nerr)
            fail_msg("%s: %d errors, want %d (%s)", c->line, nerr, c->nerr,
                     rep.nerrors ? rep.errors[0].message : "");
        assert_int_equal(rep.nerrors, (size_t)c->nerr);
        if (c->nerr) {
            assert_int_equal(rep.errors[0].line, 7);
            assert_string_equal(rep.errors[0].column ? rep.errors[0].column : "", c->column);
            if (c->message)
                assert_string_equal(rep.errors[0].message, c->message);
        } else {
            assert_string_equal(row.resource_code, "1-1-101");
            assert_string_equal(row.fee_item_code, "WYF");
            assert_string_equal(row.period, "2026-03");
            assert_int_equal(row.amount_fen, c->amount);
            assert_int_equal(row.paid_fen, c->paid);
            assert_int_equal(row.paid_day, c->paid_day == 1 ? day1 : c->paid_day == 2 ? day2 : 0);
        }
        import_report_free(&rep);
        csv_reader_free(&rd);
        arena_free(&a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
