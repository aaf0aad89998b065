/*
 * test_csv.c — the RFC 4180 reader (quoting, doubled quotes, CRLF/LF/CR,
 * BOM, last line without a break, blank lines, embedded NUL; malformed
 * input with the right line) and the writer (minimal quoting, formula
 * defusing, CRLF rows), plus the round trip writer → reader → undefuse
 * that the RES-5 export/import relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/csv.h"

#define MAXREC 4
#define MAXF 5

struct rec {
    int line; /* record_line */
    size_t n;
    const char *f[MAXF];
};

struct read_case {
    const char *name;
    const char *in;
    size_t len; /* 0 = strlen(in) */
    size_t nrec;
    struct rec rec[MAXREC];
    int err_line; /* 0 = ends cleanly after nrec records; else csv_read fails there */
};

static const struct read_case read_cases[] = {
    {"LF", "a,b,c\n1,2,3\n", 0, 2, {{1, 3, {"a", "b", "c"}}, {2, 3, {"1", "2", "3"}}}, 0},
    {"CRLF", "a,b\r\n1,2\r\n", 0, 2, {{1, 2, {"a", "b"}}, {2, 2, {"1", "2"}}}, 0},
    {"no final newline", "a,b\n1,2", 0, 2, {{1, 2, {"a", "b"}}, {2, 2, {"1", "2"}}}, 0},
    {"BOM skipped", "\xEF\xBB\xBF楼栋,房号\n", 0, 1, {{1, 2, {"楼栋", "房号"}}}, 0},
    {"BOM only", "\xEF\xBB\xBF", 0, 0, {{0, 0, {NULL}}}, 0},
    {"empty input", "", 0, 0, {{0, 0, {NULL}}}, 0},
    {"quoted comma", "\"a,b\",c\n", 0, 1, {{1, 2, {"a,b", "c"}}}, 0},
    {"doubled quotes", "\"say \"\"hi\"\"\",x", 0, 1, {{1, 2, {"say \"hi\"", "x"}}}, 0},
    {"only a doubled quote", "\"\"\"\"", 0, 1, {{1, 1, {"\""}}}, 0},
    {"empty quoted", "\"\",x", 0, 1, {{1, 2, {"", "x"}}}, 0},
    {"quoted LF", "\"l1\nl2\",x\ny,z\n", 0, 2, {{1, 2, {"l1\nl2", "x"}}, {3, 2, {"y", "z"}}}, 0},
    {"quoted CRLF", "\"x\r\ny\"\r\nz", 0, 2, {{1, 1, {"x\r\ny"}}, {3, 1, {"z"}}}, 0},
    {"empty fields", ",a,,\n", 0, 1, {{1, 4, {"", "a", "", ""}}}, 0},
    {"trailing comma at end", "a,", 0, 1, {{1, 2, {"a", ""}}}, 0},
    {"blank line = 0 fields", "a\n\nb\n", 0, 3, {{1, 1, {"a"}}, {2, 0, {NULL}}, {3, 1, {"b"}}}, 0},
    {"blank CRLF line", "a\r\n\r\nb", 0, 3, {{1, 1, {"a"}}, {2, 0, {NULL}}, {3, 1, {"b"}}}, 0},
    {"lone CR ends a line", "a\rb", 0, 2, {{1, 1, {"a"}}, {2, 1, {"b"}}}, 0},
    {"spaces kept", " a , b ", 0, 1, {{1, 2, {" a ", " b "}}}, 0},
    {"unterminated quote", "a,b\n\"open,x\nmore\n", 0, 1, {{1, 2, {"a", "b"}}}, 2},
    {"unterminated at EOF", "\"abc", 0, 0, {{0, 0, {NULL}}}, 1},
    {"stray quote in plain field", "a,b\nx\"y,z\n", 0, 1, {{1, 2, {"a", "b"}}}, 2},
    {"text after closing quote", "\"ab\"c,d", 0, 0, {{0, 0, {NULL}}}, 1},
    {"space before opening quote", "a, \"b\"", 0, 0, {{0, 0, {NULL}}}, 1},
    {"stray quote after a multi-line field", "\"1\n2\"x", 0, 0, {{0, 0, {NULL}}}, 2},
};

static void test_csv_read_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
        const struct read_case *c = &read_cases[i];
        struct csv_reader r;
        const struct csv_field *f;
        struct err e;
        size_t n;

        memset(&e, 0, sizeof(e));
        print_message("case: %s\n", c->name);
        csv_reader_init(&r, c->in, c->len ? c->len : strlen(c->in));
        for (size_t k = 0; k < c->nrec; k++) {
            assert_int_equal(csv_read(&r, &f, &n, &e), 1);
            assert_int_equal(r.record_line, c->rec[k].line);
            assert_int_equal(n, c->rec[k].n);
            for (size_t j = 0; j < n; j++) {
                assert_int_equal(f[j].len, strlen(c->rec[k].f[j]));
                assert_memory_equal(f[j].s, c->rec[k].f[j], f[j].len);
                assert_int_equal(f[j].s[f[j].len], '\0');
            }
        }
        if (c->err_line) {
            char want[32];

            assert_int_equal(csv_read(&r, &f, &n, &e), -1);
            assert_int_equal(r.error_line, c->err_line);
            assert_int_equal(err_status(e.code), 400);
            assert_string_equal(err_name(e.code), "BAD_REQUEST");
            snprintf(want, sizeof(want), "第 %d 行", c->err_line);
            assert_non_null(strstr(e.message, want));
        } else {
            assert_int_equal(csv_read(&r, &f, &n, &e), 0);
            assert_int_equal(csv_read(&r, &f, &n, &e), 0); /* stays at the end */
        }
        csv_reader_free(&r);
    }
}

static void test_csv_read_error_messages(void **state)
{
    struct csv_reader r;
    const struct csv_field *f;
    struct err e;
    size_t n;

    (void)state;
    csv_reader_init(&r, "a\n\"x", 4);
    assert_int_equal(csv_read(&r, &f, &n, &e), 1);
    assert_int_equal(csv_read(&r, &f, &n, &e), -1);
    assert_string_equal(e.message, "CSV 格式错误：第 2 行的引号没有闭合");
    csv_reader_free(&r);

    csv_reader_init(&r, "a\"b", 3);
    assert_int_equal(csv_read(&r, &f, &n, &e), -1);
    assert_non_null(strstr(e.message, "CSV 格式错误：第 1 行有多余的引号"));
    csv_reader_free(&r);
}

/* Bytes are bytes: a NUL inside a field is data, its length says so. */
static void test_csv_read_embedded_nul(void **state)
{
    static const char in[] = "a\0b,c";
    struct csv_reader r;
    const struct csv_field *f;
    struct err e;
    size_t n;

    (void)state;
    csv_reader_init(&r, in, sizeof(in) - 1);
    assert_int_equal(csv_read(&r, &f, &n, &e), 1);
    assert_int_equal(n, 2);
    assert_int_equal(f[0].len, 3);
    assert_memory_equal(f[0].s, "a\0b", 3);
    assert_string_equal(f[1].s, "c");
    csv_reader_free(&r);
}

static void test_csv_read_too_many_fields(void **state)
{
    struct buf in = BUF_INIT;
    struct csv_reader r;
    const struct csv_field *f;
    struct err e;
    size_t n;

    (void)state;
    for (int i = 0; i < CSV_MAX_FIELDS - 1; i++) /* exactly the limit: fine */
        buf_puts(&in, ",");
    buf_puts(&in, "\n");
    for (int i = 0; i < CSV_MAX_FIELDS; i++) /* one more: refused */
        buf_puts(&in, ",");
    csv_reader_init(&r, in.data, in.len);
    assert_int_equal(csv_read(&r, &f, &n, &e), 1);
    assert_int_equal(n, CSV_MAX_FIELDS);
    assert_int_equal(csv_read(&r, &f, &n, &e), -1);
    assert_int_equal(r.error_line, 2);
    assert_int_equal(err_status(e.code), 400);
    csv_reader_free(&r);
    buf_free(&in);
}

struct write_case {
    const char *in;
    unsigned flags;
    const char *out;
};

static const struct write_case write_cases[] = {
    {"abc", 0, "abc"},
    {"", 0, ""},
    {"张伟", CSV_DEFUSE, "张伟"},
    {"a,b", 0, "\"a,b\""},
    {"say \"hi\"", 0, "\"say \"\"hi\"\"\""},
    {"l1\nl2", 0, "\"l1\nl2\""},
    {"a\rb", 0, "\"a\rb\""},
    {" lead", 0, "\" lead\""},
    {"trail ", 0, "\"trail \""},
    {"\ttab", 0, "\"\ttab\""},
    {"in side", 0, "in side"},
    {"=SUM(A1:A9)", 0, "=SUM(A1:A9)"},
    {"=SUM(A1:A9)", CSV_DEFUSE, "'=SUM(A1:A9)"},
    {"+86abc", CSV_DEFUSE, "'+86abc"},
    {"@cmd", CSV_DEFUSE, "'@cmd"},
    {"-2+3", CSV_DEFUSE, "'-2+3"},
    {"-", CSV_DEFUSE, "'-"},
    {"-1.", CSV_DEFUSE, "'-1."},
    {"-1", CSV_DEFUSE, "-1"},
    {"+3", CSV_DEFUSE, "+3"},
    {"-12.50", CSV_DEFUSE, "-12.50"},
    {"89.50", CSV_DEFUSE, "89.50"},
    {"'quoted", CSV_DEFUSE, "''quoted"},
    {"'quoted", 0, "'quoted"},
    {"=a,b", CSV_DEFUSE, "\"'=a,b\""},
    {"=1 ", CSV_DEFUSE, "\"'=1 \""},
    {"\tx", CSV_DEFUSE, "\"'\tx\""},
    {"\r=x", CSV_DEFUSE, "\"'\r=x\""},
    {"x=1", CSV_DEFUSE, "x=1"},
};

static void test_csv_write_field_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(write_cases) / sizeof(write_cases[0]); i++) {
        const struct write_case *c = &write_cases[i];
        struct buf b = BUF_INIT;

        print_message("case: [%s] flags=%u\n", c->in, c->flags);
        csv_write_field(&b, c->in, strlen(c->in), c->flags);
        assert_int_equal(b.len, strlen(c->out));
        assert_memory_equal(b.data ? b.data : "", c->out, b.len);
        buf_free(&b);
    }
}

static void test_csv_write_row(void **state)
{
    const char *row[4] = {"1栋", NULL, "a,b", "=1"};
    struct buf b = BUF_INIT;

    (void)state;
    csv_write_row(&b, row, 4, CSV_DEFUSE);
    assert_string_equal(b.data, "1栋,,\"a,b\",'=1\r\n");
    buf_reset(&b);
    csv_write_row(&b, row, 4, 0);
    assert_string_equal(b.data, "1栋,,\"a,b\",=1\r\n");
    buf_free(&b);
}

static void test_csv_undefuse(void **state)
{
    static const char *const cases[][2] = {
        {"'=1", "=1"}, {"''a", "'a"}, {"a", "a"}, {"'", ""}, {"", ""}, {"a'", "a'"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *s = cases[i][0];
        size_t n = strlen(s);

        csv_undefuse(&s, &n);
        assert_int_equal(n, strlen(cases[i][1]));
        assert_memory_equal(s, cases[i][1], n);
    }
}

/* What the export writes, the import reads back to the same bytes. */
static void test_csv_round_trip(void **state)
{
    static const char *const values[] = {
        "=1+2", "'x", "''", "a,b", "q\"q", "l1\r\nl2", " sp ", "-1", "+1",    "@",
        "张三", "",   "-x", "\"",  ",",    "'",        "=",    "\n", "89.50", "-1.5",
    };
    const size_t nv = sizeof(values) / sizeof(values[0]);
    struct buf b = BUF_INIT;
    struct csv_reader r;
    const struct csv_field *f;
    struct err e;
    size_t n;

    (void)state;
    csv_write_row(&b, values, nv, CSV_DEFUSE);
    csv_write_row(&b, values, nv, CSV_DEFUSE);
    csv_reader_init(&r, b.data, b.len);
    for (int rec = 0; rec < 2; rec++) {
        assert_int_equal(csv_read(&r, &f, &n, &e), 1);
        assert_int_equal(n, nv);
        for (size_t i = 0; i < nv; i++) {
            const char *s = f[i].s;
            size_t len = f[i].len;

            csv_undefuse(&s, &len);
            assert_int_equal(len, strlen(values[i]));
            assert_memory_equal(s, values[i], len);
        }
    }
    assert_int_equal(csv_read(&r, &f, &n, &e), 0);
    csv_reader_free(&r);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_read_table),
        cmocka_unit_test(test_csv_read_error_messages),
        cmocka_unit_test(test_csv_read_embedded_nul),
        cmocka_unit_test(test_csv_read_too_many_fields),
        cmocka_unit_test(test_csv_write_field_table),
        cmocka_unit_test(test_csv_write_row),
        cmocka_unit_test(test_csv_undefuse),
        cmocka_unit_test(test_csv_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
