/*
 * test_json.c — the strict JSON input rules of lib/core/json.c: what a
 * request body may contain before any handler sees it, and the typed
 * getters. Table-driven: each row is a body and whether it is accepted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/json.h"

struct body_case {
    const char *body;
    size_t len; /* 0 = strlen */
    int ok;
};

static const struct body_case bodies[] = {
    {"{}", 0, 1},
    {"  {\"a\":1}\n", 0, 1},
    {"{\"a\":-12,\"b\":0,\"c\":-0}", 0, 1},
    {"{\"a\":999999999999999}", 0, 1},  /* 15 digits */
    {"{\"a\":1000000000000000}", 0, 0}, /* 16 digits */
    {"{\"a\":1.5}", 0, 0},
    {"{\"a\":1.0}", 0, 0},
    {"{\"a\":1e3}", 0, 0},
    {"{\"a\":1E3}", 0, 0},
    {"{\"a\":01}", 0, 0},              /* leading zero */
    {"{\"a\":\"1.5 is text\"}", 0, 1}, /* numbers inside strings are text */
    {"{\"a\":\"x\\u0000y\"}", 0, 0},   /* NUL would cut the C string */
    {"{\"a\\u0000b\":1}", 0, 0},
    {"{\"a\":\"\\\\u0000\"}", 0, 1},   /* an escaped backslash, then text */
    {"{\"a\":\"line\nbreak\"}", 0, 0}, /* raw control character */
    {"{\"a\":\"tab\\tok\"}", 0, 1},
    {"{\"a\":\"\xC3\x28\"}", 0, 0},     /* bad UTF-8 */
    {"{\"a\":\"\xC0\xAF\"}", 0, 0},     /* overlong */
    {"{\"a\":\"\xED\xA0\x80\"}", 0, 0}, /* encoded surrogate */
    {"{\"a\":\"物业\"}", 0, 1},
    {"{\"a\":1,\"a\":2}", 0, 0},         /* duplicate names */
    {"{\"o\":{\"k\":1,\"k\":2}}", 0, 0}, /* nested duplicates */
    {"{\"a\":1}x", 0, 0},                /* trailing garbage */
    {"{\"a\":1}{}", 0, 0},
    {"{", 0, 0},
    {"{\"a\":", 0, 0},
    {"[]", 0, 0}, /* must be an object */
    {"\"str\"", 0, 0},
    {"null", 0, 0},
    {"", 0, 0},
    {"{\"a\":1}\0{", 9, 0}, /* NUL byte in the body */
};

static void bodies_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct err e;
        size_t len = bodies[i].len ? bodies[i].len : strlen(bodies[i].body);
        cJSON *doc;

        err_clear(&e);
        doc = json_parse_body(bodies[i].body, len, &e);
        if (bodies[i].ok != (doc != NULL))
            fail_msg("case %zu (%s): expected %s", i, bodies[i].body,
                     bodies[i].ok ? "accept" : "refuse");
        if (!doc) {
            assert_int_equal(err_status(e.code), 400);
            assert_string_equal(err_name(e.code), "BAD_REQUEST");
            assert_true(strlen(e.message) > 0);
        }
        cJSON_Delete(doc);
    }
}

static void getters(void **state)
{
    const char *body = "{\"s\":\"物业费\",\"n\":42,\"neg\":-3,\"b\":true,\"z\":null,\"arr\":[1]}";
    struct err e;
    cJSON *doc;
    const char *s;
    int64_t n;
    bool present, b = false;

    (void)state;
    err_clear(&e);
    doc = json_parse_body(body, strlen(body), &e);
    assert_non_null(doc);
    assert_int_equal(json_get_str(doc, "s", true, 1, 3, &s, &e), 0);
    assert_string_equal(s, "物业费");
    /* three characters, nine bytes: the limit counts characters */
    assert_int_equal(json_get_str(doc, "s", true, 1, 2, &s, &e), -1);
    assert_int_equal(json_get_str(doc, "missing", false, 1, 2, &s, &e), 0);
    assert_null(s);
    assert_int_equal(json_get_str(doc, "z", false, 1, 2, &s, &e), 0);
    assert_null(s);
    assert_int_equal(json_get_str(doc, "missing", true, 1, 2, &s, &e), -1);
    assert_int_equal(json_get_str(doc, "n", true, 1, 2, &s, &e), -1); /* wrong type */
    assert_int_equal(json_get_int(doc, "n", true, 1, 100, &n, &present, &e), 0);
    assert_int_equal(n, 42);
    assert_true(present);
    assert_int_equal(json_get_int(doc, "n", true, 1, 41, &n, NULL, &e), -1);
    assert_int_equal(json_get_int(doc, "neg", true, 0, 10, &n, NULL, &e), -1);
    assert_int_equal(json_get_int(doc, "s", true, 0, 10, &n, NULL, &e), -1);
    assert_int_equal(json_get_int(doc, "arr", true, 0, 10, &n, NULL, &e), -1);
    assert_int_equal(json_get_int(doc, "z", false, 0, 10, &n, &present, &e), 0);
    assert_false(present);
    assert_int_equal(json_get_bool(doc, "b", true, &b, &e), 0);
    assert_true(b);
    assert_int_equal(json_get_bool(doc, "n", true, &b, &e), -1);
    cJSON_Delete(doc);
}

static void one_line_text(void **state)
{
    static const struct {
        const char *body;
        int ok;
        const char *value;
    } rows[] = {
        {"{\"v\":\"  7栋 \"}", 1, "7栋"},
        {"{\"v\":\"\u30007栋\u3000\"}", 1, "7栋"}, /* ideographic spaces */
        {"{\"v\":\"a b\"}", 1, "a b"},             /* inner spaces stay */
        {"{\"v\":\"地下\\n一层\"}", 0, NULL},      /* an escaped line break */
        {"{\"v\":\"a\\tb\"}", 0, NULL},
        {"{\"v\":\"   \"}", 0, NULL},   /* empty once trimmed: too short */
        {"{\"v\":\"12345\"}", 0, NULL}, /* 5 characters: too long */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct err e;
        const char *v;
        cJSON *doc;
        int rc;

        err_clear(&e);
        doc = json_parse_body(rows[i].body, strlen(rows[i].body), &e);
        assert_non_null(doc);
        rc = json_get_line(doc, "v", true, 1, 4, &v, &e);
        if ((rc == 0) != rows[i].ok)
            fail_msg("case %zu (%s)", i, rows[i].body);
        if (rc == 0)
            assert_string_equal(v, rows[i].value);
        else
            assert_int_equal(err_status(e.code), 400);
        cJSON_Delete(doc);
    }
}

static void only_fields(void **state)
{
    static const char *const allowed[] = {"phone", "purpose", NULL};
    const char *ok = "{\"phone\":\"1\",\"purpose\":\"x\"}";
    const char *bad = "{\"phone\":\"1\",\"admin\":true}";
    struct err e;
    cJSON *doc;

    (void)state;
    err_clear(&e);
    doc = json_parse_body(ok, strlen(ok), &e);
    assert_int_equal(json_only_fields(doc, allowed, &e), 0);
    cJSON_Delete(doc);
    doc = json_parse_body(bad, strlen(bad), &e);
    assert_int_equal(json_only_fields(doc, allowed, &e), -1);
    assert_non_null(strstr(e.message, "admin"));
    cJSON_Delete(doc);
}

static void utf8(void **state)
{
    (void)state;
    assert_true(utf8_valid("abc", 3));
    assert_true(utf8_valid("\xF0\x9F\x8F\xA0", 4));  /* 🏠 */
    assert_false(utf8_valid("\xF0\x9F\x8F", 3));     /* truncated */
    assert_false(utf8_valid("\xF4\x90\x80\x80", 4)); /* beyond U+10FFFF */
    assert_false(utf8_valid("\xFF", 1));
    assert_int_equal(utf8_chars("物业a", strlen("物业a")), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bodies_table), cmocka_unit_test(getters), cmocka_unit_test(one_line_text),
        cmocka_unit_test(only_fields),  cmocka_unit_test(utf8),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
