/*
 * tc3.h — Tencent Cloud API 3.0 request signing, TC3-HMAC-SHA256
 * (PROTOCOLS.md §3.2): canonical request, string to sign, signature and the
 * Authorization header value.
 *
 * Pure computation: no clock, no network, no allocation except into the
 * caller's struct buf. Only what our calls need is supported: POST to "/"
 * with an empty query string (every API 3.0 action is called that way) and
 * the signed headers content-type, host and x-tc-action. The caller must
 * send exactly the body, Content-Type and Host that were signed.
 */
#ifndef WUYE_TC3_H
#define WUYE_TC3_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* What one request's signature covers. All strings are borrowed. */
struct tc3_req {
    const char *secret_id;      /* AKID…; goes into the Credential, in clear */
    const char *secret_key;     /* never leaves this module except through the HMAC */
    const char *service;        /* "sms" */
    const char *host;           /* the Host header as sent, e.g. "sms.tencentcloudapi.com" */
    const char *action;         /* "SendSms"; signed lowercased when x-tc-action is signed */
    const char *content_type;   /* "application/json; charset=utf-8" */
    const char *signed_headers; /* "content-type;host" (the SDKs) or
                                   "content-type;host;x-tc-action" (the documentation) */
    int64_t timestamp;          /* Unix seconds, also sent as X-TC-Timestamp */
    const void *body;           /* the exact bytes that are sent */
    size_t body_len;
};

/* Write the UTC date of timestamp as "YYYY-MM-DD" into date; returns 0 or -1
 * for a timestamp that cannot be represented. */
int tc3_date(int64_t timestamp, char date[11]);

/* Append the canonical request (step 1) to out; -1 with INTERNAL in e for a
 * signed-header list we do not support (a programming error). */
int tc3_canonical_request(const struct tc3_req *r, struct buf *out, struct err *e);

/* Append the string to sign (step 2) for the given canonical request to out. */
int tc3_string_to_sign(const struct tc3_req *r, const char *canonical, size_t canonical_len,
                       struct buf *out, struct err *e);

/* Compute the lowercase hex signature (step 3) of a string to sign into sig. */
int tc3_signature(const struct tc3_req *r, const char *sts, size_t sts_len, char sig[65],
                  struct err *e);

/* Run steps 1–4 and append the Authorization header value (without the
 * "Authorization: " name) to out; -1 with INTERNAL in e on failure. */
int tc3_authorization(const struct tc3_req *r, struct buf *out, struct err *e);

#endif
