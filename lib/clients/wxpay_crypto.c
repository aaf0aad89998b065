/*
 * wxpay_crypto.c — WeChat Pay API v3 signatures and AES-256-GCM; see
 * wxpay_crypto.h and PROTOCOLS.md §2.1, §2.2, §2.4, §2.5.
 *
 * Only OpenSSL 3's EVP interfaces are used (EVP_DigestSign/Verify with
 * SHA-256 on an RSA key gives RSASSA-PKCS1-v1_5, the padding WeChat Pay
 * uses). Every failure clears OpenSSL's error queue so that a stale entry
 * cannot be blamed on a later, unrelated call in the same thread.
 */
#include "clients/wxpay_crypto.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "core/b64.h"
#include "core/hex.h"

#define GCM_TAG_LEN 16
#define GCM_IV_LEN 12
#define APIV3_KEY_LEN 32
#define MIN_RSA_BITS 2048
#define MAX_PEM_FILE ((size_t)64 * 1024)

static int sig_invalid(struct err *e)
{
    return err_setf(e, E_WXPAY_SIGNATURE_INVALID, "微信支付签名验证失败");
}

static int decrypt_failed(struct err *e)
{
    return err_setf(e, E_WXPAY_DECRYPT_FAILED, "微信支付通知解密失败");
}

static int key_invalid(struct err *e, const char *what)
{
    ERR_clear_error();
    return err_setf(e, E_WXPAY_KEY_INVALID, "微信支付密钥无效：%s", what);
}

/* A key file must never ask for a passphrase on a terminal: the default
 * PEM callback would block a worker reading stdin. */
static int no_passphrase(char *pw, int size, int rwflag, void *u)
{
    (void)pw;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static int read_file(const char *path, struct buf *out)
{
    char chunk[4096];
    FILE *f = fopen(path, "rb");
    size_t n;
    int rc = -1;

    if (!f)
        return -1;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (out->len + n > MAX_PEM_FILE)
            goto out;
        buf_append(out, chunk, n);
    }
    if (ferror(f))
        goto out;
    rc = 0;
out:
    OPENSSL_cleanse(chunk, sizeof(chunk));
    fclose(f);
    return rc;
}

/* Wipe and release a buffer that held key material. */
static void buf_free_secret(struct buf *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->cap);
    buf_free(b);
}

static int check_rsa(EVP_PKEY *pkey)
{
    return EVP_PKEY_is_a(pkey, "RSA") && EVP_PKEY_get_bits(pkey) >= MIN_RSA_BITS ? 0 : -1;
}

int wxpay_key_private_from_pem(struct wxpay_key *k, const char *pem, size_t len, struct err *e)
{
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    int rc = -1;

    k->pkey = NULL;
    if (len > INT_MAX) {
        key_invalid(e, "私钥过长");
        goto out;
    }
    bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio) {
        key_invalid(e, "内存不足");
        goto out;
    }
    pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    if (!pkey || check_rsa(pkey) != 0) {
        key_invalid(e, "不是有效的 RSA-2048 私钥");
        goto out;
    }
    k->pkey = pkey;
    pkey = NULL;
    rc = 0;
out:
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return rc;
}

int wxpay_key_public_from_pem(struct wxpay_key *k, const char *pem, size_t len, struct err *e)
{
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    X509 *cert = NULL;
    int rc = -1;

    k->pkey = NULL;
    if (len > INT_MAX) {
        key_invalid(e, "公钥过长");
        goto out;
    }
    bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio) {
        key_invalid(e, "内存不足");
        goto out;
    }
    /* Public-key mode gives a PUBLIC KEY; certificate mode a CERTIFICATE.
     * A read-only memory BIO rewinds on reset, so try one then the other. */
    pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
    if (!pkey) {
        ERR_clear_error();
        if (BIO_reset(bio) != 0) {
            key_invalid(e, "无法读取");
            goto out;
        }
        cert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
        if (cert)
            pkey = X509_get_pubkey(cert);
    }
    if (!pkey || check_rsa(pkey) != 0) {
        key_invalid(e, "不是有效的 RSA-2048 公钥或证书");
        goto out;
    }
    k->pkey = pkey;
    pkey = NULL;
    rc = 0;
out:
    EVP_PKEY_free(pkey);
    X509_free(cert);
    BIO_free(bio);
    return rc;
}

int wxpay_key_load_private(struct wxpay_key *k, const char *pem_path, struct err *e)
{
    struct buf pem = BUF_INIT;
    int rc = -1;

    k->pkey = NULL;
    if (read_file(pem_path, &pem) != 0) {
        err_setf(e, E_WXPAY_KEY_INVALID, "无法读取微信支付商户私钥文件 %s", pem_path);
        goto out;
    }
    rc = wxpay_key_private_from_pem(k, pem.data, pem.len, e);
out:
    buf_free_secret(&pem);
    return rc;
}

int wxpay_key_load_public(struct wxpay_key *k, const char *pem_path, struct err *e)
{
    struct buf pem = BUF_INIT;
    int rc = -1;

    k->pkey = NULL;
    if (read_file(pem_path, &pem) != 0) {
        err_setf(e, E_WXPAY_KEY_INVALID, "无法读取微信支付公钥文件 %s", pem_path);
        goto out;
    }
    rc = wxpay_key_public_from_pem(k, pem.data, pem.len, e);
out:
    buf_free(&pem);
    return rc;
}

void wxpay_key_free(struct wxpay_key *k)
{
    EVP_PKEY_free(k->pkey);
    k->pkey = NULL;
}

void wxpay_request_message(const struct wxpay_req_msg *r, struct buf *out)
{
    buf_printf(out, "%s\n%s\n%lld\n%s\n", r->method, r->canonical_url, (long long)r->timestamp,
               r->nonce);
    buf_append(out, r->body_len ? r->body : "", r->body_len);
    buf_puts(out, "\n");
}

int wxpay_sign(const struct wxpay_key *k, const void *msg, size_t len, struct buf *out,
               struct err *e)
{
    EVP_MD_CTX *ctx = NULL;
    unsigned char *sig = NULL;
    size_t siglen = 0;
    int rc = -1;

    if (!k || !k->pkey) {
        err_internal(e);
        goto out;
    }
    ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
        EVP_DigestSign(ctx, NULL, &siglen, msg, len) != 1) {
        err_internal(e);
        goto out;
    }
    sig = OPENSSL_malloc(siglen);
    if (!sig || EVP_DigestSign(ctx, sig, &siglen, msg, len) != 1) {
        err_internal(e);
        goto out;
    }
    b64_encode(sig, siglen, out);
    rc = 0;
out:
    if (rc != 0)
        ERR_clear_error();
    OPENSSL_free(sig);
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* A value that goes between quotation marks in a header must not end the
 * quotes or the header. */
static int header_safe(const char *s)
{
    return s && *s && !strpbrk(s, "\"\r\n");
}

int wxpay_authorization(const struct wxpay_key *merchant_key, const char *mchid,
                        const char *serial_no, const struct wxpay_req_msg *r, struct buf *out,
                        struct err *e)
{
    struct buf msg = BUF_INIT;
    struct buf sig = BUF_INIT;
    int rc = -1;

    if (!header_safe(mchid) || !header_safe(serial_no) || !header_safe(r->nonce) || !r->method ||
        !r->canonical_url) {
        err_internal(e);
        goto out;
    }
    wxpay_request_message(r, &msg);
    if (wxpay_sign(merchant_key, msg.data, msg.len, &sig, e) != 0)
        goto out;
    buf_printf(out,
               "WECHATPAY2-SHA256-RSA2048 mchid=\"%s\",nonce_str=\"%s\",signature=\"%s\","
               "timestamp=\"%lld\",serial_no=\"%s\"",
               mchid, r->nonce, sig.data, (long long)r->timestamp, serial_no);
    rc = 0;
out:
    buf_free(&sig);
    buf_free(&msg);
    return rc;
}

int wxpay_pay_sign(const struct wxpay_key *merchant_key, const char *appid, const char *timestamp,
                   const char *nonce, const char *package, struct buf *out, struct err *e)
{
    struct buf msg = BUF_INIT;
    int rc;

    if (!appid || !timestamp || !nonce || !package)
        return err_internal(e);
    buf_printf(&msg, "%s\n%s\n%s\n%s\n", appid, timestamp, nonce, package);
    rc = wxpay_sign(merchant_key, msg.data, msg.len, out, e);
    buf_free(&msg);
    return rc;
}

int wxpay_verify(const struct wxpay_key *pub, const char *timestamp, const char *nonce,
                 const void *body, size_t body_len, const char *signature_b64, struct err *e)
{
    struct buf msg = BUF_INIT;
    struct buf sig = BUF_INIT;
    EVP_MD_CTX *ctx = NULL;
    int rc = -1;

    if (!pub || !pub->pkey || !timestamp || !nonce || !signature_b64) {
        sig_invalid(e);
        goto out;
    }
    /* The probe's "signature" is not base64 of an RSA signature; refuse it
     * by name so that no decoder leniency could ever let it through. */
    if (strncmp(signature_b64, WXPAY_SIGNTEST_PREFIX, strlen(WXPAY_SIGNTEST_PREFIX)) == 0 ||
        b64_decode(signature_b64, strlen(signature_b64), &sig) != 0 ||
        sig.len != (size_t)EVP_PKEY_get_size(pub->pkey)) {
        sig_invalid(e);
        goto out;
    }
    buf_printf(&msg, "%s\n%s\n", timestamp, nonce);
    buf_append(&msg, body_len ? body : "", body_len);
    buf_puts(&msg, "\n");
    ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub->pkey) != 1) {
        err_internal(e);
        goto out;
    }
    /* 1 is valid; 0 is a wrong signature and negative a malformed one:
     * both are the sender's fault, not ours. */
    if (EVP_DigestVerify(ctx, (const unsigned char *)sig.data, sig.len,
                         (const unsigned char *)msg.data, msg.len) != 1) {
        sig_invalid(e);
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    buf_free(&sig);
    buf_free(&msg);
    return rc;
}

int wxpay_check_timestamp(const char *timestamp, int64_t now, struct err *e)
{
    int64_t ts = 0;
    size_t i;
    size_t n = timestamp ? strlen(timestamp) : 0;

    /* Twelve digits reach the year 33658; more cannot be a real clock and
     * would only risk overflow. */
    if (n == 0 || n > 12)
        goto skew;
    for (i = 0; i < n; i++) {
        if (timestamp[i] < '0' || timestamp[i] > '9')
            goto skew;
        ts = ts * 10 + (timestamp[i] - '0');
    }
    if (ts - now > WXPAY_MAX_SKEW_S || now - ts > WXPAY_MAX_SKEW_S)
        goto skew;
    return 0;
skew:
    return err_setf(e, E_WXPAY_TIMESTAMP_SKEW, "微信支付签名时间戳无效或已过期");
}

int wxpay_verify_response(const struct wxpay_key *pub, const char *expected_serial,
                          const char *serial, const char *timestamp, const char *nonce,
                          const char *signature_b64, const void *body, size_t body_len, int64_t now,
                          struct err *e)
{
    if (!serial || !timestamp || !nonce || !signature_b64)
        return sig_invalid(e);
    /* An unknown serial is a failed verification (§2.2): we hold one key. */
    if (expected_serial && strcmp(serial, expected_serial) != 0)
        return sig_invalid(e);
    if (wxpay_check_timestamp(timestamp, now, e) != 0)
        return -1;
    return wxpay_verify(pub, timestamp, nonce, body, body_len, signature_b64, e);
}

int wxpay_decrypt_resource(const char *apiv3_key, const char *nonce, const char *aad,
                           const char *ciphertext_b64, size_t ciphertext_len, struct buf *out,
                           struct err *e)
{
    struct buf ct = BUF_INIT;
    EVP_CIPHER_CTX *ctx = NULL;
    size_t start = out->len;
    size_t aad_len = aad ? strlen(aad) : 0;
    size_t data_len;
    unsigned char *dst;
    int n = 0;
    int fin = 0;
    int rc = -1;

    if (!apiv3_key || strlen(apiv3_key) != APIV3_KEY_LEN) {
        err_internal(e); /* our configuration, not the sender's input */
        goto out;
    }
    if (!nonce || strlen(nonce) != GCM_IV_LEN || !ciphertext_b64 ||
        b64_decode(ciphertext_b64, ciphertext_len, &ct) != 0 || ct.len < GCM_TAG_LEN ||
        ct.len > INT_MAX || aad_len > INT_MAX) {
        decrypt_failed(e);
        goto out;
    }
    data_len = ct.len - GCM_TAG_LEN;
    ctx = EVP_CIPHER_CTX_new();
    if (!ctx || EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, GCM_IV_LEN, NULL) != 1 ||
        EVP_DecryptInit_ex(ctx, NULL, NULL, (const unsigned char *)apiv3_key,
                           (const unsigned char *)nonce) != 1) {
        err_internal(e);
        goto out;
    }
    if (aad_len > 0 &&
        EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)aad_len) != 1) {
        decrypt_failed(e);
        goto out;
    }
    buf_reserve(out, data_len);
    dst = (unsigned char *)out->data + start;
    if (EVP_DecryptUpdate(ctx, dst, &n, (const unsigned char *)ct.data, (int)data_len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN, ct.data + data_len) != 1) {
        decrypt_failed(e);
        goto out;
    }
    /* The tag is checked here; until then the plaintext is unauthenticated
     * and must not escape. */
    if (EVP_DecryptFinal_ex(ctx, dst + n, &fin) != 1) {
        OPENSSL_cleanse(dst, (size_t)n);
        decrypt_failed(e);
        goto out;
    }
    out->len = start + (size_t)n + (size_t)fin;
    out->data[out->len] = '\0';
    rc = 0;
out:
    if (rc != 0) {
        ERR_clear_error();
        if (out->data)
            out->data[start] = '\0';
        out->len = start;
    }
    EVP_CIPHER_CTX_free(ctx);
    buf_free(&ct);
    return rc;
}

int wxpay_nonce(char nonce[WXPAY_NONCE_SIZE], struct err *e)
{
    unsigned char raw[(WXPAY_NONCE_SIZE - 1) / 2];

    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        ERR_clear_error();
        nonce[0] = '\0';
        return err_internal(e);
    }
    hex_encode_upper(raw, sizeof(raw), nonce);
    return 0;
}
