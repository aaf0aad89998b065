/*
 * tc3.c — TC3-HMAC-SHA256 signing; see tc3.h and PROTOCOLS.md §3.2.
 *
 * The server recomputes the canonical request from what it received and
 * the SignedHeaders we name, so every byte matters: header values are
 * trimmed but otherwise kept as sent (only x-tc-action is lowercased, as
 * the documentation's example does), the headers are listed in the order
 * of SignedHeaders, which must therefore be sorted, and a blank line
 * follows them because each canonical header ends in '\n' and the parts
 * are joined by '\n'.
 */
#include "clients/tc3.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/hex.h"

#define SHA256_LEN 32

static int sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != SHA256_LEN)
        return -1;
    hex_encode(md, mdlen, out);
    return 0;
}

static int hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                       unsigned char out[SHA256_LEN])
{
    size_t outlen = 0;

    if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen, data, len, out, SHA256_LEN,
                   &outlen) ||
        outlen != SHA256_LEN)
        return -1;
    return 0;
}

int tc3_date(int64_t timestamp, char date[11])
{
    time_t t = (time_t)timestamp;
    struct tm tm;

    if ((int64_t)t != timestamp || timestamp < 0 || !gmtime_r(&t, &tm))
        return -1;
    if (strftime(date, 11, "%Y-%m-%d", &tm) != 10)
        return -1;
    return 0;
}

/* Append "name:value\n" with value trimmed of surrounding blanks; a value
 * with a line break would forge extra canonical lines, so it is refused. */
static int put_header(struct buf *out, const char *name, const char *value, int lower)
{
    size_t len;
    size_t i;

    if (!value || strpbrk(value, "\r\n"))
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    len = strlen(value);
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    buf_puts(out, name);
    buf_puts(out, ":");
    for (i = 0; i < len; i++) {
        char c = lower ? (char)tolower((unsigned char)value[i]) : value[i];

        buf_append(out, &c, 1);
    }
    buf_puts(out, "\n");
    return 0;
}

/* Append the canonical headers named by r->signed_headers. The list must be
 * sorted, without repeats, and contain content-type and host. */
static int canonical_headers(const struct tc3_req *r, struct buf *out)
{
    const char *p = r->signed_headers;
    char prev[32] = "";
    int have_ct = 0;
    int have_host = 0;

    if (!p || !*p)
        return -1;
    for (;;) {
        size_t n = strcspn(p, ";");
        char name[32];
        int rc;

        if (n == 0 || n >= sizeof(name))
            return -1;
        memcpy(name, p, n);
        name[n] = '\0';
        if (strcmp(name, prev) <= 0)
            return -1;
        if (strcmp(name, "content-type") == 0) {
            rc = put_header(out, name, r->content_type, 0);
            have_ct = 1;
        } else if (strcmp(name, "host") == 0) {
            rc = put_header(out, name, r->host, 0);
            have_host = 1;
        } else if (strcmp(name, "x-tc-action") == 0) {
            rc = put_header(out, name, r->action, 1);
        } else {
            rc = -1;
        }
        if (rc != 0)
            return -1;
        memcpy(prev, name, n + 1);
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    return have_ct && have_host ? 0 : -1;
}

int tc3_canonical_request(const struct tc3_req *r, struct buf *out, struct err *e)
{
    size_t start = out->len;
    char body_hash[65];

    buf_puts(out, "POST\n/\n\n");
    if (canonical_headers(r, out) != 0)
        goto fail;
    buf_puts(out, "\n");
    buf_puts(out, r->signed_headers);
    buf_puts(out, "\n");
    if (sha256_hex(r->body_len ? r->body : "", r->body_len, body_hash) != 0)
        goto fail;
    buf_puts(out, body_hash);
    return 0;
fail:
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    return err_internal(e);
}

int tc3_string_to_sign(const struct tc3_req *r, const char *canonical, size_t canonical_len,
                       struct buf *out, struct err *e)
{
    char date[11];
    char hash[65];

    if (!r->service || tc3_date(r->timestamp, date) != 0 ||
        sha256_hex(canonical, canonical_len, hash) != 0)
        return err_internal(e);
    buf_printf(out, "TC3-HMAC-SHA256\n%lld\n%s/%s/tc3_request\n%s", (long long)r->timestamp, date,
               r->service, hash);
    return 0;
}

int tc3_signature(const struct tc3_req *r, const char *sts, size_t sts_len, char sig[65],
                  struct err *e)
{
    struct buf k0 = BUF_INIT;
    unsigned char k_date[SHA256_LEN];
    unsigned char k_service[SHA256_LEN];
    unsigned char k_signing[SHA256_LEN];
    unsigned char mac[SHA256_LEN];
    char date[11];
    int rc = -1;

    if (!r->secret_key || !r->service || tc3_date(r->timestamp, date) != 0)
        goto out;
    buf_puts(&k0, "TC3");
    buf_puts(&k0, r->secret_key);
    if (hmac_sha256(k0.data, k0.len, date, strlen(date), k_date) != 0 ||
        hmac_sha256(k_date, sizeof(k_date), r->service, strlen(r->service), k_service) != 0 ||
        hmac_sha256(k_service, sizeof(k_service), "tc3_request", 11, k_signing) != 0 ||
        hmac_sha256(k_signing, sizeof(k_signing), sts, sts_len, mac) != 0)
        goto out;
    hex_encode(mac, sizeof(mac), sig);
    rc = 0;
out:
    /* The derived keys are as good as the secret for a day: wipe them. */
    if (k0.data)
        OPENSSL_cleanse(k0.data, k0.cap);
    buf_free(&k0);
    OPENSSL_cleanse(k_date, sizeof(k_date));
    OPENSSL_cleanse(k_service, sizeof(k_service));
    OPENSSL_cleanse(k_signing, sizeof(k_signing));
    if (rc != 0)
        err_internal(e);
    return rc;
}

int tc3_authorization(const struct tc3_req *r, struct buf *out, struct err *e)
{
    struct buf canon = BUF_INIT;
    struct buf sts = BUF_INIT;
    char date[11];
    char sig[65];
    int rc = -1;

    if (!r->secret_id || strpbrk(r->secret_id, "\r\n,/ ") || tc3_date(r->timestamp, date) != 0) {
        err_internal(e);
        goto out;
    }
    if (tc3_canonical_request(r, &canon, e) != 0 ||
        tc3_string_to_sign(r, canon.data, canon.len, &sts, e) != 0 ||
        tc3_signature(r, sts.data, sts.len, sig, e) != 0)
        goto out;
    buf_printf(out,
               "TC3-HMAC-SHA256 Credential=%s/%s/%s/tc3_request, SignedHeaders=%s, Signature=%s",
               r->secret_id, date, r->service, r->signed_headers, sig);
    rc = 0;
out:
    buf_free(&sts);
    buf_free(&canon);
    return rc;
}
