/*
 * wxpay_crypto.h — the cryptography of WeChat Pay API v3 (PROTOCOLS.md §2):
 * signing our requests and the wx.requestPayment parameters with the
 * merchant key, verifying WeChat Pay's answers and notifications with its
 * public key, and decrypting notification resources with the APIv3 key.
 *
 * Pure computation: no network, no clock (callers pass `now`), no logging
 * (nothing here may ever print a key). Not the HTTP client and not the
 * order logic; those live in the payment client and the payments module.
 *
 * Ownership: a struct wxpay_key owns its EVP_PKEY. Load keys once at start
 * and share them read-only between threads (OpenSSL 3 allows concurrent
 * use of one EVP_PKEY for signing and verifying); release with
 * wxpay_key_free(). Output text is appended to caller-owned struct bufs.
 *
 * Errors: bad input from the network (signature, timestamp, ciphertext)
 * is 401 WXPAY_SIGNATURE_INVALID / WXPAY_TIMESTAMP_SKEW / 400
 * WXPAY_DECRYPT_FAILED; key loading is 500 WXPAY_KEY_INVALID; any other
 * library failure is 500 INTERNAL.
 */
#ifndef WUYE_WXPAY_CRYPTO_H
#define WUYE_WXPAY_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "core/buf.h"
#include "core/err.h"

/* A WeChat Pay answer's timestamp may differ from our clock by this much. */
#define WXPAY_MAX_SKEW_S 300

/* Probe notifications carry signatures with this prefix; they never verify. */
#define WXPAY_SIGNTEST_PREFIX "WECHATPAY/SIGNTEST/"

/* Length of our nonces (hex characters), plus the NUL. */
#define WXPAY_NONCE_SIZE 33

struct wxpay_key {
    EVP_PKEY *pkey; /* owned; NULL when not loaded */
};

/* The parts of a request that its signature covers. Strings are borrowed. */
struct wxpay_req_msg {
    const char *method;        /* "GET", "POST" */
    const char *canonical_url; /* path plus query exactly as sent */
    int64_t timestamp;         /* Unix seconds */
    const char *nonce;         /* 32 hex characters from wxpay_nonce() */
    const void *body;          /* exact bytes sent; NULL/0 for none */
    size_t body_len;
};

/* Load an RSA private key (PKCS#8 or PKCS#1 PEM, e.g. apiclient_key.pem) from a file. */
int wxpay_key_load_private(struct wxpay_key *k, const char *pem_path, struct err *e);

/* Load an RSA private key from PEM text of len bytes. */
int wxpay_key_private_from_pem(struct wxpay_key *k, const char *pem, size_t len, struct err *e);

/* Load a public key from a file holding a PUBLIC KEY or a CERTIFICATE PEM
 * (public-key mode and platform-certificate mode). */
int wxpay_key_load_public(struct wxpay_key *k, const char *pem_path, struct err *e);

/* Load a public key from PEM text (PUBLIC KEY or CERTIFICATE) of len bytes. */
int wxpay_key_public_from_pem(struct wxpay_key *k, const char *pem, size_t len, struct err *e);

/* Release the key (safe on a zeroed or already freed struct). */
void wxpay_key_free(struct wxpay_key *k);

/* Append the five-line request message of §2.1 step 1 to out. */
void wxpay_request_message(const struct wxpay_req_msg *r, struct buf *out);

/* Append the base64 SHA256withRSA signature of msg with a private key to out. */
int wxpay_sign(const struct wxpay_key *k, const void *msg, size_t len, struct buf *out,
               struct err *e);

/* Append the Authorization header value (WECHATPAY2-SHA256-RSA2048 …, without
 * the header name) for request r, signed with the merchant key, to out. */
int wxpay_authorization(const struct wxpay_key *merchant_key, const char *mchid,
                        const char *serial_no, const struct wxpay_req_msg *r, struct buf *out,
                        struct err *e);

/* Append paySign for wx.requestPayment over appId\ntimeStamp\nnonceStr\npackage\n to out. */
int wxpay_pay_sign(const struct wxpay_key *merchant_key, const char *appid, const char *timestamp,
                   const char *nonce, const char *package, struct buf *out, struct err *e);

/* Verify Wechatpay-Signature over TIMESTAMP\nNONCE\nBODY\n with a WeChat Pay
 * public key; 0 if valid, else -1 with 401 WXPAY_SIGNATURE_INVALID (also
 * for the WECHATPAY/SIGNTEST/ probe and for malformed base64). */
int wxpay_verify(const struct wxpay_key *pub, const char *timestamp, const char *nonce,
                 const void *body, size_t body_len, const char *signature_b64, struct err *e);

/* Check a Wechatpay-Timestamp (decimal Unix seconds) is within
 * WXPAY_MAX_SKEW_S of now; -1 with 401 WXPAY_TIMESTAMP_SKEW otherwise. */
int wxpay_check_timestamp(const char *timestamp, int64_t now, struct err *e);

/* Verify an answer or notification in full: serial equals expected_serial
 * (skipped when expected_serial is NULL), timestamp within skew of now,
 * signature valid. Any header may be NULL (missing): that fails. */
int wxpay_verify_response(const struct wxpay_key *pub, const char *expected_serial,
                          const char *serial, const char *timestamp, const char *nonce,
                          const char *signature_b64, const void *body, size_t body_len, int64_t now,
                          struct err *e);

/* Decrypt an AEAD_AES_256_GCM resource: apiv3_key is the 32-byte key text,
 * nonce its 12 bytes, aad the associated_data (NULL = empty), ciphertext
 * base64 of ciphertext||tag. Appends the plaintext to out; -1 with 400
 * WXPAY_DECRYPT_FAILED on a bad tag, bad AAD or malformed input (out unchanged). */
int wxpay_decrypt_resource(const char *apiv3_key, const char *nonce, const char *aad,
                           const char *ciphertext_b64, size_t ciphertext_len, struct buf *out,
                           struct err *e);

/* Write 32 uppercase hex characters from RAND_bytes into nonce; -1 with INTERNAL
 * if the random generator fails. */
int wxpay_nonce(char nonce[WXPAY_NONCE_SIZE], struct err *e);

#endif
