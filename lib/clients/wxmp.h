/*
 * wxmp.h — WeChat mini-program server API client (PROTOCOLS.md §1):
 * code2session, the stable access token, the user's phone number and
 * subscribe messages, over httpc.
 *
 * Not the login logic or the token cache: the auth module decides what an
 * openid and a phone mean, and caches the access token in the database
 * (so that every worker host shares one) — on WECHAT_TOKEN_INVALID it
 * refreshes the token once (force_refresh) and retries once.
 *
 * Never exposed or logged: the app secret, the session_key (which we do
 * not need and do not return), access tokens, codes, phone numbers.
 *
 * Errors (struct err, for the HTTP answer as is):
 *   400 WECHAT_CODE_INVALID   40029 / 40163: the one-time code is bad or used
 *   429 RATE_LIMITED          45011
 *   403 WECHAT_USER_BLOCKED   40226
 *   503 WECHAT_TOKEN_INVALID  40001 / 42001: refresh the token and retry once
 *   409 WECHAT_NOT_SUBSCRIBED 43101 (subscribe messages only; do not retry)
 *   502 WECHAT_MESSAGE_REJECTED 40003 / 40037 / 47003 / 41030: a bad openid,
 *                             template, data or page (subscribe messages
 *                             only; do not retry)
 *   503 UPSTREAM_UNAVAILABLE  -1 twice, any other errcode, non-200, malformed
 *                             answer, network failure or timeout
 * An errcode of -1 (system busy) is retried once by every call here.
 *
 * Ownership: the config's strings are borrowed; outputs are the caller's
 * fixed-size arrays.
 */
#ifndef WUYE_WXMP_H
#define WUYE_WXMP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define WXMP_OPENID_SIZE 64
#define WXMP_TOKEN_SIZE 600
#define WXMP_PHONE_SIZE 24
#define WXMP_COUNTRY_SIZE 8

struct wxmp_config {
    const char *base_url; /* "https://api.weixin.qq.com" or the stand-in's URL */
    const char *appid;
    const char *secret; /* the app secret itself (config reads it from its file) */
    long timeout_ms;    /* per HTTP call; 0 = 5000 */
};

/* One subscribe message (§1.5); strings are borrowed. */
struct wxmp_subscribe_msg {
    const char *touser; /* openid */
    const char *template_id;
    const char *page;        /* "pages/…"; NULL = none */
    const char *const *keys; /* "thing1", "amount2", … */
    const char *const *values;
    size_t nfields;
    const char *state; /* "formal" | "trial" | "developer"; NULL = "formal" */
};

/* Exchange a wx.login code for the user's openid (written to openid). */
int wxmp_code2session(const struct wxmp_config *c, const char *js_code,
                      char openid[WXMP_OPENID_SIZE], struct err *e);

/* Get the stable access token (force_refresh: a new one, invalidating the
 * old after a short overlap) and its lifetime in seconds. */
int wxmp_stable_token(const struct wxmp_config *c, int force_refresh, char token[WXMP_TOKEN_SIZE],
                      int64_t *expires_in, struct err *e);

/* Exchange a getPhoneNumber code for the digits-only purePhoneNumber, after
 * checking the watermark's appid is ours; country_code (may be NULL) gets
 * countryCode's digits ("86"), whether WeChat sent a string or a number. */
int wxmp_phone_number(const struct wxmp_config *c, const char *access_token, const char *phone_code,
                      char pure_phone[WXMP_PHONE_SIZE], char country_code[WXMP_COUNTRY_SIZE],
                      struct err *e);

/* Send one subscribe message. */
int wxmp_subscribe_send(const struct wxmp_config *c, const char *access_token,
                        const struct wxmp_subscribe_msg *m, struct err *e);

#endif
