/*
 * test_json.c — the strict JSON input rules of lib/core/json.c: what a
 * request body may contain before any handler sees it, and the typed
 * getters. Table-driven: each row is a body and whether it is accepted.
 *
 * strcmp is wrapped to count the comparisons the duplicate-name check
 * makes: a wide object must cost n log n of them, not n².
 */
// WRAP: strcmp
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/json.h"
#include "core/util.h"

static size_t strcmp_calls;

int __real_strcmp(const char *a, const char *b);
int __wrap_strcmp(const char *a, const char *b);
int __wrap_strcmp(const char *a, const char *b)
{
    strcmp_calls++;
    return __real_strcmp(a, b);
}

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

/* A name given twice is refused wherever it is; the same name in two
 * different objects is not a duplicate. Wide objects (more than eight
 * members) take the sorted path, small ones the pairwise one. */
#define WIDE "\"m1\":1,\"m2\":2,\"m3\":3,\"m4\":4,\"m5\":5,\"m6\":6,\"m7\":7,\"m8\":8,\"m9\":9"
static const struct body_case duplicates[] = {
    {"{\"a\":1,\"b\":2,\"a\":3}", 0, 0},
    {"{\"a\":1,\"\\u0061\":2}", 0, 0}, /* the same name once decoded */
    {"{\"a\":1,\"A\":2}", 0, 1},       /* names are case-sensitive */
    {"{" WIDE "}", 0, 1},
    {"{" WIDE ",\"m1\":10}", 0, 0},                      /* first and last of a wide object */
    {"{\"m5\":0," WIDE "}", 0, 0},                       /* the middle */
    {"{\"o\":{\"x\":1},\"p\":{\"x\":1}}", 0, 1},         /* siblings may share names */
    {"{\"x\":{\"x\":{\"x\":1}}}", 0, 1},                 /* so may parent and child */
    {"{\"o\":{\"p\":{\"q\":{\"k\":1,\"k\":2}}}}", 0, 0}, /* depth 4 */
    {"{\"o\":{\"p\":{" WIDE ",\"m9\":0}}}", 0, 0},       /* deep and wide */
    {"{\"arr\":[1,{\"k\":1},{\"k\":1,\"j\":2,\"k\":3}]}", 0, 0}, /* in an array */
    {"{\"arr\":[[[{\"a\":{\"b\":1,\"b\":1}}]]]}", 0, 0},
    {"{\"arr\":[{\"k\":1},{\"k\":1}]}", 0, 1}, /* array elements are separate objects */
    {"{\"a\":{},\"b\":[],\"c\":{\"d\":[{}]}}", 0, 1},
};

static void duplicates_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(duplicates) / sizeof(duplicates[0]); i++) {
        struct err e;
        cJSON *doc;

        err_clear(&e);
        doc = json_parse_body(duplicates[i].body, strlen(duplicates[i].body), &e);
        if (duplicates[i].ok != (doc != NULL))
            fail_msg("case %zu (%s): expected %s", i, duplicates[i].body,
                     duplicates[i].ok ? "accept" : "refuse");
        if (!doc) {
            assert_int_equal(e.code, E_BAD_REQUEST);
            assert_string_equal(e.message, "同一个字段出现了两次");
        }
        cJSON_Delete(doc);
    }
}

/* {"k00000":0,"k00001":0,…}, n members, then extra (may be ""). */
static char *wide_object(size_t n, const char *extra, size_t *len)
{
    size_t size = n * 12 + strlen(extra) + 4, used = 0;
    char *p = malloc(size);

    assert_non_null(p);
    p[used++] = '{';
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(p + used, size - used, "%s\"k%05zu\":0", i ? "," : "", i);
    used += (size_t)snprintf(p + used, size - used, "%s}", extra);
    *len = used;
    return p;
}

static void wide_object_is_not_quadratic(void **state)
{
    const size_t n = 20000;
    size_t len;
    char *body = wide_object(n, "", &len);
    struct err e;
    int64_t t0;
    cJSON *doc;

    (void)state;
    err_clear(&e);
    strcmp_calls = 0;
    t0 = util_now_us();
    doc = json_parse_body(body, len, &e);
    /* Sorting costs about n log2 n = 290,000 comparisons; the pairwise
     * check made n²/2 = 200,000,000. The time bound is generous (the
     * sanitizer build on a loaded machine): the count is the real test. */
    assert_true(util_now_us() - t0 < 2 * 1000 * 1000);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(doc), (int)n);
    if (strcmp_calls > 50 * n)
        fail_msg("%zu comparisons for %zu members", strcmp_calls, n);
    cJSON_Delete(doc);
    free(body);

    /* the first name again, after all the others */
    body = wide_object(n, ",\"k00000\":1", &len);
    strcmp_calls = 0;
    doc = json_parse_body(body, len, &e);
    assert_null(doc);
    assert_int_equal(e.code, E_BAD_REQUEST);
    assert_true(strcmp_calls <= 50 * n);
    free(body);
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
    /* a prefix by characters never cuts one: 3 bytes each here */
    assert_int_equal(utf8_prefix("物业a费", 0), 0);
    assert_int_equal(utf8_prefix("物业a费", 2), 6);
    assert_int_equal(utf8_prefix("物业a费", 3), 7);
    assert_int_equal(utf8_prefix("物业a费", 20), strlen("物业a费"));
    assert_int_equal(utf8_prefix("ab\xe7\x89", 3), 2); /* a cut character at the end */
}

/* The text writer of the hot lists: what cJSON would print, and parses
 * back to the same values. */
static void writer(void **state)
{
    static const struct {
        const char *in, *out;
    } strs[] = {
        {"", "\"\""},
        {"物业费", "\"物业费\""},
        {"a\"b\\c", "\"a\\\"b\\\\c\""},
        {"line\nnext\ttab\r", "\"line\\nnext\\ttab\\r\""},
        {"\x01\x1f", "\"\\u0001\\u001f\""},
        {"</script>", "\"</script>\""},
    };
    static const struct {
        int64_t v;
        const char *out;
    } ints[] = {{0, "0"}, {7, "7"}, {-5, "-5"}, {999999999999999, "999999999999999"},
                {INT64_MIN, "-9223372036854775808"}, {INT64_MAX, "9223372036854775807"}};
    (void)state;

    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        struct buf b = BUF_INIT;
        cJSON *back;
        json_write_str(&b, strs[i].in);
        buf_append(&b, "", 1);
        assert_string_equal(b.data, strs[i].out);
        back = cJSON_Parse(b.data);
        assert_non_null(back);
        assert_string_equal(cJSON_GetStringValue(back), strs[i].in);
        cJSON_Delete(back);
        buf_free(&b);
    }
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        struct buf b = BUF_INIT;
        json_write_int(&b, ints[i].v);
        buf_append(&b, "", 1);
        assert_string_equal(b.data, ints[i].out);
        buf_free(&b);
    }
}

/* json_text(): compact, in the arena, the document consumed (ASan sees a leak otherwise). */
static void text_in_arena(void **state)
{
    struct arena a = {0};
    cJSON *o = cJSON_CreateObject();

    (void)state;
    cJSON_AddStringToObject(o, "source", "schedule");
    json_add_int(o, "n", -12);
    assert_string_equal(json_text(&a, o), "{\"source\":\"schedule\",\"n\":-12}");
    assert_string_equal(json_text(&a, cJSON_CreateArray()), "[]");
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bodies_table),
        cmocka_unit_test(getters),
        cmocka_unit_test(one_line_text),
        cmocka_unit_test(only_fields),
        cmocka_unit_test(utf8),
        cmocka_unit_test(duplicates_table),
        cmocka_unit_test(wide_object_is_not_quadratic),
        cmocka_unit_test(writer),
        cmocka_unit_test(text_in_arena),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
