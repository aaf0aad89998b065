/*
 * test_b64.c — the core encodings: base64 (RFC 4648 test vectors, strict
 * refusals, round trips of every length) and hex (lower/upper case,
 * decoding refusals).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/b64.h"
#include "core/buf.h"
#include "core/hex.h"

/* RFC 4648 §10. */
static const char *const rfc[][2] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void test_b64_encode_rfc4648(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
        struct buf b = BUF_INIT;

        b64_encode(rfc[i][0], strlen(rfc[i][0]), &b);
        assert_string_equal(b.data, rfc[i][1]);
        assert_int_equal(b.len, strlen(rfc[i][1]));
        buf_free(&b);
    }
}

static void test_b64_decode_rfc4648(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
        struct buf b = BUF_INIT;

        assert_int_equal(b64_decode(rfc[i][1], strlen(rfc[i][1]), &b), 0);
        assert_int_equal(b.len, strlen(rfc[i][0]));
        assert_memory_equal(b.data, rfc[i][0], b.len);
        buf_free(&b);
    }
}

/* Both functions append; a failed decode leaves the buffer as it was. */
static void test_b64_appends(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    buf_puts(&b, "x=");
    b64_encode("foo", 3, &b);
    assert_string_equal(b.data, "x=Zm9v");
    assert_int_equal(b64_decode("Zm9v", 4, &b), 0);
    assert_string_equal(b.data, "x=Zm9vfoo");
    assert_int_equal(b64_decode("Zm9", 3, &b), -1);
    assert_string_equal(b.data, "x=Zm9vfoo");
    assert_int_equal(b.len, 9);
    buf_free(&b);
}

static void test_b64_binary_round_trip(void **state)
{
    unsigned char data[300];
    size_t len;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)(i * 37 + 11);
    data[5] = 0;
    for (len = 0; len <= sizeof(data); len++) {
        struct buf text = BUF_INIT;
        struct buf back = BUF_INIT;

        b64_encode(data, len, &text);
        assert_int_equal(text.len, (len + 2) / 3 * 4);
        assert_int_equal(b64_decode(text.data, text.len, &back), 0);
        assert_int_equal(back.len, len);
        if (len)
            assert_memory_equal(back.data, data, len);
        buf_free(&back);
        buf_free(&text);
    }
}

static void test_b64_decode_strict(void **state)
{
    static const char *const bad[] = {
        "Zm9",                  /* not a multiple of 4 */
        "Zm9vY",                /* idem */
        "Zm9v\n",               /* trailing newline */
        " Zm9v",                /* leading space */
        "Zm 9v",                /* inner space */
        "Zg",                   /* padding missing */
        "Zg=",                  /* padding short */
        "Zg===",                /* padding long */
        "====",                 /* padding only */
        "Z===",                 /* one significant character */
        "Zg==Zm9v",             /* padding in the middle */
        "Zm=v",                 /* padding inside a group */
        "Zh==",                 /* non-zero unused bits (canonical is Zg==) */
        "Zm9=",                 /* non-zero unused bits (canonical is Zm8=) */
        "Zm-v",                 /* URL-safe alphabet */
        "Zm_v",                 /* URL-safe alphabet */
        "Zm9v\x80\x80\x80\x80", /* not ASCII */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct buf b = BUF_INIT;

        if (b64_decode(bad[i], strlen(bad[i]), &b) != -1)
            fail_msg("accepted bad base64 #%zu \"%s\"", i, bad[i]);
        assert_int_equal(b.len, 0);
        buf_free(&b);
    }
}

/* The length is the truth: a NUL inside the text is a bad character. */
static void test_b64_decode_embedded_nul(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    assert_int_equal(b64_decode("Zm9v\0AAA", 8, &b), -1);
    assert_int_equal(b64_decode("Zm9vYmFy", 4, &b), 0);
    assert_string_equal(b.data, "foo");
    buf_free(&b);
}

static void test_hex_encode(void **state)
{
    const unsigned char data[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[HEX_SIZE(sizeof(data))];

    (void)state;
    hex_encode(data, sizeof(data), out);
    assert_string_equal(out, "00017f80abff");
    hex_encode_upper(data, sizeof(data), out);
    assert_string_equal(out, "00017F80ABFF");
    hex_encode(data, 0, out);
    assert_string_equal(out, "");
}

static void test_hex_decode(void **state)
{
    unsigned char out[8];

    (void)state;
    assert_int_equal(hex_decode("00017f80ABff", 12, out, sizeof(out)), 6);
    assert_memory_equal(out, "\x00\x01\x7f\x80\xab\xff", 6);
    assert_int_equal(hex_decode("", 0, out, sizeof(out)), 0);
    assert_int_equal(hex_decode("abc", 3, out, sizeof(out)), -1);       /* odd */
    assert_int_equal(hex_decode("0g", 2, out, sizeof(out)), -1);        /* not hex */
    assert_int_equal(hex_decode(" 0", 2, out, sizeof(out)), -1);        /* space */
    assert_int_equal(hex_decode("000102030405060708", 18, out, 8), -1); /* too long */
    assert_int_equal(hex_decode("0001020304050607", 16, out, 8), 8);    /* exactly fits */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64_encode_rfc4648), cmocka_unit_test(test_b64_decode_rfc4648),
        cmocka_unit_test(test_b64_appends),        cmocka_unit_test(test_b64_binary_round_trip),
        cmocka_unit_test(test_b64_decode_strict),  cmocka_unit_test(test_b64_decode_embedded_nul),
        cmocka_unit_test(test_hex_encode),         cmocka_unit_test(test_hex_decode),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
