/*
 * test_wxpay_crypto.c — WeChat Pay v3 cryptography against the vectors of
 * PROTOCOLS.md §4 (v1, v1b, v2, v3, v4), plus the refusals: tampered body,
 * wrong key, SIGNTEST probe, timestamp skew, wrong AAD, bad tag, malformed
 * input, unusable keys.
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

#include "core/b64.h"
#include "core/buf.h"
#include "core/err.h"
#include "clients/wxpay_crypto.h"

#define MCHID "1230000109"
#define SERIAL "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
#define NONCE1 "593BEC0C930BF1AFEB40B4A08C8FB242"
#define APIV3_KEY "wuyeTestApiV3Key0123456789abcdef"

struct keys {
    struct wxpay_key merchant;     /* private */
    struct wxpay_key merchant_pub; /* public */
    struct wxpay_key platform_pub; /* public */
};

static int setup_keys(void **state)
{
    struct keys *k = calloc(1, sizeof(*k));
    struct err e = {0};
    char path[512];

    assert_non_null(k);
    vector_path("merchant_test_key.pem", path, sizeof(path));
    assert_int_equal(wxpay_key_load_private(&k->merchant, path, &e), 0);
    vector_path("merchant_test_pub.pem", path, sizeof(path));
    assert_int_equal(wxpay_key_load_public(&k->merchant_pub, path, &e), 0);
    vector_path("platform_test_pub.pem", path, sizeof(path));
    assert_int_equal(wxpay_key_load_public(&k->platform_pub, path, &e), 0);
    *state = k;
    return 0;
}

static int teardown_keys(void **state)
{
    struct keys *k = *state;

    wxpay_key_free(&k->merchant);
    wxpay_key_free(&k->merchant_pub);
    wxpay_key_free(&k->platform_pub);
    wxpay_key_free(&k->platform_pub); /* twice is harmless */
    free(k);
    return 0;
}

static void test_v1_message(void **state)
{
    struct buf body = BUF_INIT;
    struct buf want = BUF_INIT;
    struct buf got = BUF_INIT;
    struct wxpay_req_msg r;

    (void)state;
    read_vector("v1_body.json", &body);
    read_vector("v1_message.txt", &want);
    r = (struct wxpay_req_msg){"POST",  "/v3/pay/transactions/jsapi", 1700000000, NONCE1, body.data,
                               body.len};
    wxpay_request_message(&r, &got);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    buf_free(&got);
    buf_free(&want);
    buf_free(&body);
}

static void test_v1_signature(void **state)
{
    struct keys *k = *state;
    struct buf msg = BUF_INIT;
    struct buf want = BUF_INIT;
    struct buf got = BUF_INIT;
    struct err e = {0};

    read_vector("v1_message.txt", &msg);
    read_vector_line("v1_signature.b64", &want);
    assert_int_equal(wxpay_sign(&k->merchant, msg.data, msg.len, &got, &e), 0);
    assert_string_equal(got.data, want.data);
    buf_free(&got);
    buf_free(&want);
    buf_free(&msg);
}

static void test_v1_authorization(void **state)
{
    struct keys *k = *state;
    struct buf body = BUF_INIT;
    struct buf want = BUF_INIT;
    struct buf got = BUF_INIT;
    struct err e = {0};
    struct wxpay_req_msg r;

    read_vector("v1_body.json", &body);
    read_vector_line("v1_authorization.txt", &want);
    r = (struct wxpay_req_msg){"POST",  "/v3/pay/transactions/jsapi", 1700000000, NONCE1, body.data,
                               body.len};
    assert_int_equal(wxpay_authorization(&k->merchant, MCHID, SERIAL, &r, &got, &e), 0);
    assert_string_equal(got.data, want.data);
    buf_free(&got);
    buf_free(&want);
    buf_free(&body);
}

static void test_v1b_get_with_query(void **state)
{
    struct keys *k = *state;
    struct buf want_msg = BUF_INIT;
    struct buf want_sig = BUF_INIT;
    struct buf msg = BUF_INIT;
    struct buf sig = BUF_INIT;
    struct err e = {0};
    struct wxpay_req_msg r = {"GET",
                              "/v3/pay/transactions/out-trade-no/W20261124000001"
                              "?mchid=1230000109",
                              1700000000,
                              NONCE1,
                              NULL,
                              0};

    read_vector("v1b_message.txt", &want_msg);
    read_vector_line("v1b_signature.b64", &want_sig);
    wxpay_request_message(&r, &msg);
    assert_int_equal(msg.len, want_msg.len);
    assert_memory_equal(msg.data, want_msg.data, want_msg.len);
    assert_int_equal(wxpay_sign(&k->merchant, msg.data, msg.len, &sig, &e), 0);
    assert_string_equal(sig.data, want_sig.data);
    buf_free(&sig);
    buf_free(&msg);
    buf_free(&want_sig);
    buf_free(&want_msg);
}

/* Header values that could break out of the quotes are refused. */
static void test_authorization_refuses_quotes(void **state)
{
    struct keys *k = *state;
    struct buf got = BUF_INIT;
    struct err e = {0};
    struct wxpay_req_msg r = {"GET", "/v3/x", 1700000000, NONCE1, NULL, 0};

    assert_int_equal(wxpay_authorization(&k->merchant, "123\",x=\"", SERIAL, &r, &got, &e), -1);
    assert_string_equal(err_name(e.code), "INTERNAL");
    assert_int_equal(wxpay_authorization(&k->merchant, MCHID, "A\r\nB", &r, &got, &e), -1);
    assert_int_equal(got.len, 0);
    buf_free(&got);
}

static void test_v2_verify(void **state)
{
    struct keys *k = *state;
    struct buf body = BUF_INIT;
    struct buf sig = BUF_INIT;
    struct err e = {0};

    read_vector("v2_body.json", &body);
    read_vector_line("v2_signature.b64", &sig);
    assert_int_equal(wxpay_verify(&k->platform_pub, "1700000005",
                                  "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", body.data, body.len, sig.data,
                                  &e),
                     0);
    buf_free(&sig);
    buf_free(&body);
}

static void test_v2_tampered_fails(void **state)
{
    struct keys *k = *state;
    struct buf body = BUF_INIT;
    struct buf tampered = BUF_INIT;
    struct buf sig = BUF_INIT;
    struct err e = {0};
    char *p;

    read_vector("v2_body.json", &body);
    read_vector_line("v2_signature.b64", &sig);
    /* The tampered message file is TS\nNONCE\nBODY\n: take its body line. */
    read_vector("v2_tampered_message.txt", &tampered);
    p = strchr(strchr(tampered.data, '\n') + 1, '\n') + 1;
    assert_int_equal(tampered.data[tampered.len - 1], '\n');
    assert_int_equal(wxpay_verify(&k->platform_pub, "1700000005",
                                  "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", p,
                                  (size_t)(tampered.data + tampered.len - 1 - p), sig.data, &e),
                     -1);
    assert_string_equal(err_name(e.code), "WXPAY_SIGNATURE_INVALID");
    assert_int_equal(err_status(e.code), 401);
    /* Another nonce or timestamp is tampering too. */
    assert_int_equal(wxpay_verify(&k->platform_pub, "1700000006",
                                  "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", body.data, body.len, sig.data,
                                  &e),
                     -1);
    assert_int_equal(wxpay_verify(&k->platform_pub, "1700000005",
                                  "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d7", body.data, body.len, sig.data,
                                  &e),
                     -1);
    buf_free(&sig);
    buf_free(&tampered);
    buf_free(&body);
}

static void test_v2_wrong_key_fails(void **state)
{
    struct keys *k = *state;
    struct buf body = BUF_INIT;
    struct buf sig = BUF_INIT;
    struct err e = {0};

    read_vector("v2_body.json", &body);
    read_vector_line("v2_signature.b64", &sig);
    assert_int_equal(wxpay_verify(&k->merchant_pub, "1700000005",
                                  "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", body.data, body.len, sig.data,
                                  &e),
                     -1);
    assert_string_equal(err_name(e.code), "WXPAY_SIGNATURE_INVALID");
    buf_free(&sig);
    buf_free(&body);
}

/* Malformed signatures fail as signatures, not as our errors. */
static void test_verify_malformed_signature(void **state)
{
    static const char *const bad[] = {
        "", "not base64!", "AAAA",                /* valid base64, wrong length */
        WXPAY_SIGNTEST_PREFIX "abcdef0123456789", /* the probe */
    };
    struct keys *k = *state;
    struct buf sig = BUF_INIT;
    struct buf spaced = BUF_INIT;
    struct err e = {0};
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err_clear(&e);
        assert_int_equal(wxpay_verify(&k->platform_pub, "1700000005", "n", "{}", 2, bad[i], &e),
                         -1);
        assert_string_equal(err_name(e.code), "WXPAY_SIGNATURE_INVALID");
        assert_int_equal(err_status(e.code), 401);
    }
    /* The right signature with a line break appended is not accepted either. */
    read_vector_line("v2_signature.b64", &sig);
    buf_append(&spaced, sig.data, sig.len);
    buf_puts(&spaced, "\n");
    assert_int_equal(
        wxpay_verify(&k->platform_pub, "1700000005", "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
                     "{\"prepay_id\":\"wx24102345678901234567890123456789\"}", 50, spaced.data, &e),
        -1);
    buf_free(&spaced);
    buf_free(&sig);
}

/* A SIGNTEST probe is refused through the full check too, before anything else. */
static void test_signtest_probe_refused(void **state)
{
    struct keys *k = *state;
    struct err e = {0};

    assert_int_equal(wxpay_verify_response(&k->platform_pub, "PUB_KEY_ID_0001", "PUB_KEY_ID_0001",
                                           "1700000020", "fdasflkja484w",
                                           "WECHATPAY/SIGNTEST/c2lnbmF0dXJl", "{}", 2, 1700000020,
                                           &e),
                     -1);
    assert_string_equal(err_name(e.code), "WXPAY_SIGNATURE_INVALID");
}

static void test_timestamp_skew(void **state)
{
    struct err e = {0};

    (void)state;
    assert_int_equal(wxpay_check_timestamp("1700000000", 1700000000, &e), 0);
    assert_int_equal(wxpay_check_timestamp("1700000000", 1700000300, &e), 0);
    assert_int_equal(wxpay_check_timestamp("1700000000", 1699999700, &e), 0);
    assert_int_equal(wxpay_check_timestamp("1700000000", 1700000301, &e), -1);
    assert_string_equal(err_name(e.code), "WXPAY_TIMESTAMP_SKEW");
    assert_int_equal(err_status(e.code), 401);
    assert_int_equal(wxpay_check_timestamp("1700000000", 1699999699, &e), -1);
    assert_int_equal(wxpay_check_timestamp("", 1700000000, &e), -1);
    assert_int_equal(wxpay_check_timestamp(NULL, 1700000000, &e), -1);
    assert_int_equal(wxpay_check_timestamp("-1700000000", -1700000000, &e), -1);
    assert_int_equal(wxpay_check_timestamp("1700000000 ", 1700000000, &e), -1);
    assert_int_equal(wxpay_check_timestamp("17000000x0", 1700000000, &e), -1);
    assert_int_equal(wxpay_check_timestamp("99999999999999999999", 1700000000, &e), -1);
}

static void test_verify_response(void **state)
{
    struct keys *k = *state;
    struct buf body = BUF_INIT;
    struct buf sig = BUF_INIT;
    struct err e = {0};

    read_vector("v2_body.json", &body);
    read_vector_line("v2_signature.b64", &sig);
#define VERIFY(expected_serial, serial, ts, now)                                                   \
    wxpay_verify_response(&k->platform_pub, expected_serial, serial, ts,                           \
                          "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6", sig.data, body.data, body.len, now,  \
                          &e)
    assert_int_equal(VERIFY("PUB_KEY_ID_01", "PUB_KEY_ID_01", "1700000005", 1700000100), 0);
    assert_int_equal(VERIFY(NULL, "ANY", "1700000005", 1700000100), 0);
    /* an unknown serial fails as a signature */
    assert_int_equal(VERIFY("PUB_KEY_ID_01", "PUB_KEY_ID_02", "1700000005", 1700000100), -1);
    assert_string_equal(err_name(e.code), "WXPAY_SIGNATURE_INVALID");
    assert_int_equal(VERIFY("PUB_KEY_ID_01", NULL, "1700000005", 1700000100), -1);
    assert_string_equal(err_name(e.code), "WXPAY_SIGNATURE_INVALID");
    /* a replay six minutes later */
    assert_int_equal(VERIFY("PUB_KEY_ID_01", "PUB_KEY_ID_01", "1700000005", 1700000366), -1);
    assert_string_equal(err_name(e.code), "WXPAY_TIMESTAMP_SKEW");
#undef VERIFY
    buf_free(&sig);
    buf_free(&body);
}

static void test_v3_pay_sign(void **state)
{
    struct keys *k = *state;
    struct buf want = BUF_INIT;
    struct buf got = BUF_INIT;
    struct err e = {0};

    read_vector_line("v3_paysign.b64", &want);
    assert_int_equal(wxpay_pay_sign(&k->merchant, "wxd678efh567hg6787", "1700000010",
                                    "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                                    "prepay_id=wx24102345678901234567890123456789", &got, &e),
                     0);
    assert_string_equal(got.data, want.data);
    buf_free(&got);
    buf_free(&want);
}

/* Signing with a public key only is our bug: INTERNAL, no output. */
static void test_sign_needs_private_key(void **state)
{
    struct keys *k = *state;
    struct wxpay_key none = {NULL};
    struct buf got = BUF_INIT;
    struct err e = {0};

    assert_int_equal(wxpay_sign(&k->platform_pub, "x", 1, &got, &e), -1);
    assert_string_equal(err_name(e.code), "INTERNAL");
    assert_int_equal(wxpay_sign(&none, "x", 1, &got, &e), -1);
    assert_int_equal(got.len, 0);
    buf_free(&got);
}

static void test_v4_decrypt(void **state)
{
    struct buf ct = BUF_INIT;
    struct buf want = BUF_INIT;
    struct buf got = BUF_INIT;
    struct err e = {0};

    (void)state;
    read_vector_line("v4_ciphertext.b64", &ct);
    read_vector("v4_plaintext.json", &want);
    buf_puts(&got, "prefix:"); /* the plaintext is appended */
    assert_int_equal(
        wxpay_decrypt_resource(APIV3_KEY, "fJ3uRk2mZ9pQ", "transaction", ct.data, ct.len, &got, &e),
        0);
    assert_int_equal(got.len, 7 + want.len);
    assert_memory_equal(got.data, "prefix:", 7);
    assert_memory_equal(got.data + 7, want.data, want.len);
    assert_int_equal(got.data[got.len], '\0');
    buf_free(&got);
    buf_free(&want);
    buf_free(&ct);
}

static void test_v4_decrypt_failures(void **state)
{
    struct buf ct = BUF_INIT;
    struct buf bad = BUF_INIT;
    struct buf got = BUF_INIT;
    struct buf raw = BUF_INIT;
    struct err e = {0};

    (void)state;
    read_vector_line("v4_ciphertext.b64", &ct);
#define DECRYPT(key, nonce, aad, text, len)                                                        \
    wxpay_decrypt_resource(key, nonce, aad, text, len, &got, &e)
    /* wrong AAD (one letter's case), empty AAD */
    assert_int_equal(DECRYPT(APIV3_KEY, "fJ3uRk2mZ9pQ", "transactioN", ct.data, ct.len), -1);
    assert_string_equal(err_name(e.code), "WXPAY_DECRYPT_FAILED");
    assert_int_equal(err_status(e.code), 400);
    assert_int_equal(got.len, 0);
    assert_int_equal(DECRYPT(APIV3_KEY, "fJ3uRk2mZ9pQ", NULL, ct.data, ct.len), -1);
    /* wrong nonce, wrong key */
    assert_int_equal(DECRYPT(APIV3_KEY, "fJ3uRk2mZ9pR", "transaction", ct.data, ct.len), -1);
    assert_int_equal(
        DECRYPT("wuyeTestApiV3Key0123456789abcdeF", "fJ3uRk2mZ9pQ", "transaction", ct.data, ct.len),
        -1);
    /* a flipped bit in the tag, and in the ciphertext */
    assert_int_equal(b64_decode(ct.data, ct.len, &raw), 0);
    raw.data[raw.len - 1] ^= 1;
    b64_encode(raw.data, raw.len, &bad);
    assert_int_equal(DECRYPT(APIV3_KEY, "fJ3uRk2mZ9pQ", "transaction", bad.data, bad.len), -1);
    raw.data[raw.len - 1] ^= 1;
    raw.data[0] ^= 1;
    buf_reset(&bad);
    b64_encode(raw.data, raw.len, &bad);
    assert_int_equal(DECRYPT(APIV3_KEY, "fJ3uRk2mZ9pQ", "transaction", bad.data, bad.len), -1);
    /* shorter than a tag, not base64, bad nonce length */
    assert_int_equal(DECRYPT(APIV3_KEY, "fJ3uRk2mZ9pQ", "transaction", "AAAAAAAA", 8), -1);
    assert_int_equal(DECRYPT(APIV3_KEY, "fJ3uRk2mZ9pQ", "transaction", "@@@@", 4), -1);
    assert_int_equal(DECRYPT(APIV3_KEY, "fJ3uRk2mZ9p", "transaction", ct.data, ct.len), -1);
    assert_string_equal(err_name(e.code), "WXPAY_DECRYPT_FAILED");
    /* a key of the wrong length is our configuration's fault */
    assert_int_equal(DECRYPT("short", "fJ3uRk2mZ9pQ", "transaction", ct.data, ct.len), -1);
    assert_string_equal(err_name(e.code), "INTERNAL");
    assert_int_equal(got.len, 0);
#undef DECRYPT
    buf_free(&raw);
    buf_free(&bad);
    buf_free(&got);
    buf_free(&ct);
}

static void test_v4_notification_signature(void **state)
{
    struct keys *k = *state;
    struct buf body = BUF_INIT;
    struct buf sig = BUF_INIT;
    struct buf want_msg = BUF_INIT;
    struct err e = {0};

    read_vector("v4_notification.json", &body);
    read_vector_line("v4_notification_signature.b64", &sig);
    read_vector("v4_notification_message.txt", &want_msg);
    /* The message file is what wxpay_verify builds: check it frames the body. */
    assert_int_equal(want_msg.len, strlen("1700000020\nfdasflkja484w\n") + body.len + 1);
    assert_memory_equal(want_msg.data + strlen("1700000020\nfdasflkja484w\n"), body.data, body.len);
    assert_int_equal(wxpay_verify_response(&k->platform_pub, NULL, "PUB_KEY_ID_X", "1700000020",
                                           "fdasflkja484w", sig.data, body.data, body.len,
                                           1700000021, &e),
                     0);
    /* one byte less of the body */
    assert_int_equal(wxpay_verify(&k->platform_pub, "1700000020", "fdasflkja484w", body.data,
                                  body.len - 1, sig.data, &e),
                     -1);
    buf_free(&want_msg);
    buf_free(&sig);
    buf_free(&body);
}

/* Signing then verifying with a freshly drawn nonce round-trips. */
static void test_nonce_and_round_trip(void **state)
{
    struct keys *k = *state;
    char n1[WXPAY_NONCE_SIZE];
    char n2[WXPAY_NONCE_SIZE];
    struct buf msg = BUF_INIT;
    struct buf sig = BUF_INIT;
    struct err e = {0};
    size_t i;

    assert_int_equal(wxpay_nonce(n1, &e), 0);
    assert_int_equal(wxpay_nonce(n2, &e), 0);
    assert_int_equal(strlen(n1), 32);
    for (i = 0; i < 32; i++)
        assert_non_null(strchr("0123456789ABCDEF", n1[i]));
    assert_string_not_equal(n1, n2);
    buf_printf(&msg, "1700000000\n%s\n{}\n", n1);
    assert_int_equal(wxpay_sign(&k->merchant, msg.data, msg.len, &sig, &e), 0);
    assert_int_equal(wxpay_verify(&k->merchant_pub, "1700000000", n1, "{}", 2, sig.data, &e), 0);
    buf_free(&sig);
    buf_free(&msg);
}

static void test_key_loading_failures(void **state)
{
    struct wxpay_key k = {NULL};
    struct buf pem = BUF_INIT;
    struct err e = {0};
    char path[512];

    (void)state;
    assert_int_equal(wxpay_key_load_private(&k, "/nonexistent/apiclient_key.pem", &e), -1);
    assert_string_equal(err_name(e.code), "WXPAY_KEY_INVALID");
    assert_int_equal(err_status(e.code), 500);
    assert_null(k.pkey);
    /* a public key is not a private key, and the other way round */
    vector_path("platform_test_pub.pem", path, sizeof(path));
    assert_int_equal(wxpay_key_load_private(&k, path, &e), -1);
    assert_null(k.pkey);
    read_vector("merchant_test_key.pem", &pem);
    assert_int_equal(wxpay_key_public_from_pem(&k, pem.data, pem.len, &e), -1);
    assert_null(k.pkey);
    /* from memory */
    assert_int_equal(wxpay_key_private_from_pem(&k, pem.data, pem.len, &e), 0);
    assert_non_null(k.pkey);
    wxpay_key_free(&k);
    assert_int_equal(wxpay_key_private_from_pem(&k, "garbage", 7, &e), -1);
    assert_string_equal(err_name(e.code), "WXPAY_KEY_INVALID");
    buf_free(&pem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_message),
        cmocka_unit_test_setup_teardown(test_v1_signature, setup_keys, teardown_keys),
        cmocka_unit_test_setup_teardown(test_v1_authorization, setup_keys, teardown_keys),
        cmocka_unit_test_setup_teardown(test_v1b_get_with_query, setup_keys, teardown_keys),
        cmocka_unit_test_setup_teardown(test_authorization_refuses_quotes, setup_keys,
                                        teardown_keys),
        cmocka_unit_test_setup_teardown(test_v2_verify, setup_keys, teardown_keys),
        cmocka_unit_test_setup_teardown(test_v2_tampered_fails, setup_keys, teardown_keys),
        cmocka_unit_test_setup_teardown(test_v2_wrong_key_fails, setup_keys, teardown_keys),
        cmocka_unit_test_setup_teardown(test_verify_malformed_signature, setup_keys, teardown_keys),
        cmocka_unit_test_setup_teardown(test_signtest_probe_refused, setup_keys, teardown_keys),
        cmocka_unit_test(test_timestamp_skew),
        cmocka_unit_test_setup_teardown(test_verify_response, setup_keys, teardown_keys),
        cmocka_unit_test_setup_teardown(test_v3_pay_sign, setup_keys, teardown_keys),
        cmocka_unit_test_setup_teardown(test_sign_needs_private_key, setup_keys, teardown_keys),
        cmocka_unit_test(test_v4_decrypt),
        cmocka_unit_test(test_v4_decrypt_failures),
        cmocka_unit_test_setup_teardown(test_v4_notification_signature, setup_keys, teardown_keys),
        cmocka_unit_test_setup_teardown(test_nonce_and_round_trip, setup_keys, teardown_keys),
        cmocka_unit_test(test_key_loading_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
