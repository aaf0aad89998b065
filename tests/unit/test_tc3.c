/*
 * test_tc3.c — TC3-HMAC-SHA256 against the vectors of PROTOCOLS.md §4 (v5:
 * the documentation's three signed headers; v5b: the SDKs' two), byte for
 * byte, plus the refusals of header lists we do not support.
 *
 * Vectors are read from tests/vectors (relative to the repository root,
 * where the test runner runs) or from $WUYE_VECTORS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vectors.h"

#include "core/buf.h"
#include "core/err.h"
#include "clients/tc3.h"

struct fixture {
    struct buf body;
    struct tc3_req req;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    read_vector("v5_body.json", &f->body);
    f->req.secret_id = "AKIDwuyeTESTsecretId0000000000000000";
    f->req.secret_key = "wuyeTESTsecretKey000000000000000";
    f->req.service = "sms";
    f->req.host = "sms.tencentcloudapi.com";
    f->req.action = "SendSms";
    f->req.content_type = "application/json; charset=utf-8";
    f->req.signed_headers = "content-type;host;x-tc-action";
    f->req.timestamp = 1700000030;
    f->req.body = f->body.data;
    f->req.body_len = f->body.len;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    buf_free(&f->body);
    free(f);
    return 0;
}

static void test_date(void **state)
{
    char d[11];

    (void)state;
    assert_int_equal(tc3_date(1700000030, d), 0);
    assert_string_equal(d, "2023-11-14");
    assert_int_equal(tc3_date(0, d), 0);
    assert_string_equal(d, "1970-01-01");
    /* The date is UTC: 1700006400 is 2023-11-15 00:00:00Z (08:00 in China). */
    assert_int_equal(tc3_date(1700006399, d), 0);
    assert_string_equal(d, "2023-11-14");
    assert_int_equal(tc3_date(1700006400, d), 0);
    assert_string_equal(d, "2023-11-15");
    assert_int_equal(tc3_date(-1, d), -1);
}

static void test_v5_canonical_request(void **state)
{
    struct fixture *f = *state;
    struct buf want = BUF_INIT;
    struct buf got = BUF_INIT;
    struct err e = {0};

    read_vector("v5_canonical_request.txt", &want);
    assert_int_equal(tc3_canonical_request(&f->req, &got, &e), 0);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    buf_free(&got);
    buf_free(&want);
}

static void test_v5_string_to_sign(void **state)
{
    struct fixture *f = *state;
    struct buf canon = BUF_INIT;
    struct buf want = BUF_INIT;
    struct buf got = BUF_INIT;
    struct err e = {0};

    read_vector("v5_string_to_sign.txt", &want);
    assert_int_equal(tc3_canonical_request(&f->req, &canon, &e), 0);
    assert_int_equal(tc3_string_to_sign(&f->req, canon.data, canon.len, &got, &e), 0);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    buf_free(&got);
    buf_free(&want);
    buf_free(&canon);
}

static void test_v5_signature(void **state)
{
    struct fixture *f = *state;
    struct buf sts = BUF_INIT;
    struct buf want = BUF_INIT;
    struct err e = {0};
    char sig[65];

    read_vector("v5_string_to_sign.txt", &sts);
    read_vector_line("v5_signature.hex", &want);
    assert_int_equal(tc3_signature(&f->req, sts.data, sts.len, sig, &e), 0);
    assert_string_equal(sig, want.data);
    buf_free(&want);
    buf_free(&sts);
}

static void test_v5_authorization(void **state)
{
    struct fixture *f = *state;
    struct buf want = BUF_INIT;
    struct buf got = BUF_INIT;
    struct err e = {0};

    read_vector_line("v5_authorization.txt", &want);
    assert_int_equal(tc3_authorization(&f->req, &got, &e), 0);
    assert_string_equal(got.data, want.data);
    buf_free(&got);
    buf_free(&want);
}

static void test_v5b_sdk_style(void **state)
{
    struct fixture *f = *state;
    struct buf want = BUF_INIT;
    struct buf got = BUF_INIT;
    struct buf expect_auth = BUF_INIT;
    struct err e = {0};

    f->req.signed_headers = "content-type;host";
    read_vector_line("v5b_signature.hex", &want);
    assert_int_equal(tc3_authorization(&f->req, &got, &e), 0);
    buf_printf(&expect_auth,
               "TC3-HMAC-SHA256 Credential=AKIDwuyeTESTsecretId0000000000000000/2023-11-14/sms/"
               "tc3_request, SignedHeaders=content-type;host, Signature=%s",
               want.data);
    assert_string_equal(got.data, expect_auth.data);
    buf_free(&expect_auth);
    buf_free(&got);
    buf_free(&want);
}

/* The body is covered: one changed byte gives another signature. */
static void test_changed_body_changes_signature(void **state)
{
    struct fixture *f = *state;
    struct buf a = BUF_INIT;
    struct buf b = BUF_INIT;
    struct buf body = BUF_INIT;
    struct err e = {0};
    char *p;

    assert_int_equal(tc3_authorization(&f->req, &a, &e), 0);
    buf_append(&body, f->body.data, f->body.len);
    p = strstr(body.data, "123456");
    assert_non_null(p);
    p[5] = '7';
    f->req.body = body.data;
    assert_int_equal(tc3_authorization(&f->req, &b, &e), 0);
    assert_int_equal(a.len, b.len);
    assert_true(strcmp(a.data, b.data) != 0);
    buf_free(&body);
    buf_free(&b);
    buf_free(&a);
}

/* The timestamp and the host are covered too. */
static void test_changed_timestamp_and_host(void **state)
{
    struct fixture *f = *state;
    struct buf a = BUF_INIT;
    struct buf b = BUF_INIT;
    struct buf c = BUF_INIT;
    struct err e = {0};

    assert_int_equal(tc3_authorization(&f->req, &a, &e), 0);
    f->req.timestamp++;
    assert_int_equal(tc3_authorization(&f->req, &b, &e), 0);
    f->req.timestamp--;
    f->req.host = "127.0.0.1:18082";
    assert_int_equal(tc3_authorization(&f->req, &c, &e), 0);
    assert_true(strcmp(a.data, b.data) != 0);
    assert_true(strcmp(a.data, c.data) != 0);
    buf_free(&c);
    buf_free(&b);
    buf_free(&a);
}

/* Value whitespace is trimmed, as the server does before recomputing. */
static void test_values_trimmed(void **state)
{
    struct fixture *f = *state;
    struct buf a = BUF_INIT;
    struct buf b = BUF_INIT;
    struct err e = {0};

    assert_int_equal(tc3_canonical_request(&f->req, &a, &e), 0);
    f->req.host = "  sms.tencentcloudapi.com\t";
    assert_int_equal(tc3_canonical_request(&f->req, &b, &e), 0);
    assert_string_equal(a.data, b.data);
    buf_free(&b);
    buf_free(&a);
}

static void test_bad_header_lists(void **state)
{
    static const char *const bad[] = {
        "",                               /* empty */
        "host;content-type",              /* not sorted */
        "content-type",                   /* host missing */
        "host;x-tc-action",               /* content-type missing */
        "content-type;content-type;host", /* repeated */
        "content-type;host;x-tc-region",  /* not supported */
        "content-type;;host",             /* empty name */
        "content-type;host;",             /* trailing separator */
    };
    struct fixture *f = *state;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct buf out = BUF_INIT;
        struct err e = {0};

        f->req.signed_headers = bad[i];
        assert_int_equal(tc3_authorization(&f->req, &out, &e), -1);
        assert_string_equal(err_name(e.code), "INTERNAL");
        assert_int_equal(err_status(e.code), 500);
        assert_int_equal(out.len, 0);
        buf_free(&out);
    }
}

/* A line break in a signed value would let it forge canonical lines. */
static void test_line_break_in_value_refused(void **state)
{
    struct fixture *f = *state;
    struct buf out = BUF_INIT;
    struct err e = {0};

    f->req.host = "sms.tencentcloudapi.com\nx-tc-action:sendsms";
    assert_int_equal(tc3_authorization(&f->req, &out, &e), -1);
    assert_string_equal(err_name(e.code), "INTERNAL");
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date),
        cmocka_unit_test_setup_teardown(test_v5_canonical_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v5_string_to_sign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v5_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v5_authorization, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v5b_sdk_style, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_body_changes_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changed_timestamp_and_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_trimmed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_header_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_break_in_value_refused, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
