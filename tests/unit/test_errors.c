/*
 * test_errors.c — the one table of error codes (lib/core/errors.def):
 * every code has a status and a Chinese default message, names map back
 * to codes, and docs/api.md §1.8 lists exactly these codes with exactly
 * these statuses (so the reference cannot drift from the code).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"

static void test_table_is_whole(void **state)
{
    (void)state;
    for (int c = 1; c < E_COUNT; c++) {
        const char *m = err_default_message((enum err_code)c);
        int st = err_status((enum err_code)c);
        assert_true(st >= 400 && st <= 599);
        assert_true(strlen(m) > 0);
        assert_true((unsigned char)m[0] >= 0x80); /* Chinese, for the user */
        assert_int_equal(err_code_of(err_name((enum err_code)c)), c);
    }
    assert_int_equal(err_code_of("NO_SUCH_CODE"), E_OK);
    assert_int_equal(err_status(E_NOT_FOUND), 404);
    assert_string_equal(err_name(E_PHONE_TAKEN), "PHONE_TAKEN");
}

static void test_set_and_message(void **state)
{
    struct err e;

    (void)state;
    err_clear(&e);
    assert_int_equal(err_set(&e, E_NOT_FOUND), -1);
    assert_true(err_is(&e, E_NOT_FOUND));
    assert_string_equal(e.message, "请求的内容不存在");
    assert_int_equal(err_setf(&e, E_BAD_REQUEST, "字段 %s 必须是整数", "floor"), -1);
    assert_string_equal(e.message, "字段 floor 必须是整数");
    assert_int_equal(err_set(NULL, E_INTERNAL), -1);
    /* err_map renames one code, leaves the others */
    err_set(&e, E_DB_DUPLICATE);
    assert_int_equal(err_map(&e, E_DB_DUPLICATE, E_PHONE_TAKEN), -1);
    assert_true(err_is(&e, E_PHONE_TAKEN));
    assert_string_equal(e.message, "该手机号已登记");
    err_set(&e, E_DB_RETRY);
    err_map(&e, E_DB_DUPLICATE, E_PHONE_TAKEN);
    assert_true(err_is(&e, E_DB_RETRY));
}

/* Rows "| 409 | `PHONE_TAKEN` | …" of docs/api.md §1.8. */
static void test_docs_list_exactly_the_table(void **state)
{
    FILE *f = fopen(DOCS_API, "r");
    char line[2048];
    bool in_section = false, seen[E_COUNT] = {false};
    int rows = 0;

    (void)state;
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        int status;
        char name[64];
        enum err_code c;

        if (strncmp(line, "### 1.8 Errors", 14) == 0)
            in_section = true;
        else if (in_section && strncmp(line, "### ", 4) == 0)
            break;
        if (!in_section || sscanf(line, "| %d | `%63[A-Z_]` |", &status, name) != 2)
            continue;
        c = err_code_of(name);
        if (c == E_OK)
            fail_msg("docs/api.md lists %s, which is not in errors.def", name);
        if (err_status(c) != status)
            fail_msg("docs/api.md gives %s status %d, errors.def %d", name, status, err_status(c));
        if (seen[c])
            fail_msg("docs/api.md lists %s twice", name);
        seen[c] = true;
        rows++;
    }
    fclose(f);
    for (int c = 1; c < E_COUNT; c++)
        if (!seen[c])
            fail_msg("errors.def has %s, which docs/api.md §1.8 does not list",
                     err_name((enum err_code)c));
    assert_int_equal(rows, E_COUNT - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_whole),
        cmocka_unit_test(test_set_and_message),
        cmocka_unit_test(test_docs_list_exactly_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
