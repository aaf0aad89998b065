/*
 * sms.h — Tencent Cloud SMS API 3.0 client: the SendSms action for one
 * phone number and the PullSmsSendStatus action for delivery receipts
 * (PROTOCOLS.md §3), signed with TC3-HMAC-SHA256 (tc3.h) and
 * sent through httpc.
 *
 * Not the outbox or the rate limits: the sender job decides when to call
 * and whether to retry, from struct sms_result. Nothing here logs a
 * secret, a template parameter (it may be a login code) or a full phone
 * number.
 *
 * Ownership: the config's strings are borrowed (the process's config owns
 * them, with the secret key already read from its file); the result is
 * the caller's.
 */
#ifndef WUYE_SMS_H
#define WUYE_SMS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SMS_DEFAULT_HOST "sms.tencentcloudapi.com"
#define SMS_API_VERSION "2021-01-11"
#define SMS_MAX_PARAMS 16

struct sms_config {
    const char *base_url;   /* "https://sms.tencentcloudapi.com" or the stand-in's URL */
    const char *host;       /* Host header and signed host; NULL or "" = SMS_DEFAULT_HOST */
    const char *region;     /* "ap-guangzhou" */
    const char *secret_id;  /* AKID… */
    const char *secret_key; /* the secret itself (config reads it from its file) */
    const char *sdk_app_id; /* "1400006666" */
    const char *sign_name;  /* "示范物业" */
    long timeout_ms;        /* whole call; 0 = 5000 */
};

struct sms_result {
    int ok;                 /* 1: the provider accepted the message for our number */
    int retryable;          /* on failure: 1 = the same message may be sent again later */
    int retry_after_s;      /* on a retryable failure: a hint for the earliest retry, 0 = backoff */
    char provider_code[96]; /* the provider's code ("Ok", "LimitExceeded.…"), or NETWORK,
                            HTTP_STATUS, BAD_ANSWER, BAD_PHONE of our own */
    char message[256];      /* the provider's message, for the log (English, no secrets) */
    char serial_no[96];     /* on success: the provider's id of the message */
    char request_id[64];    /* the provider's RequestId, for support tickets */
};

/* Send template_id with params (in order) to one E.164 number; 0 when the
 * provider accepted it (r->serial_no set). -1 otherwise, with r->provider_code and
 * r->retryable filled, and e set to 503 UPSTREAM_UNAVAILABLE (retryable),
 * 502 SMS_REJECTED (permanent) or 400 BAD_REQUEST (bad phone or params). */
int sms_send(const struct sms_config *c, const char *phone_e164, const char *template_id,
             const char *const *params, size_t nparams, const char *session_context,
             struct sms_result *r, struct err *e);

/* Delivery receipts (PullSmsSendStatus, action of the same API): the
 * receipts that arrived since the last pull, at most limit (1..100) of
 * them — Tencent hands each receipt out once, like a queue. */
#define SMS_PULL_MAX 100
struct sms_status {
    char serial_no[96];        /* SendSms's SerialNo of the message */
    int delivered;             /* ReportStatus: 1 SUCCESS, 0 FAIL */
    char description[100];     /* the operator's code: DELIVRD, UNDELIV, … */
    char session_context[64];  /* as sent ("outbox-42") */
    int64_t user_receive_time; /* Unix seconds; 0 = not given */
};
/* 0 with *n receipts in out (max of them); -1 with 503 UPSTREAM_UNAVAILABLE
 * when the service failed or answered nonsense (nothing was taken then). */
int sms_pull_status(const struct sms_config *c, int limit, struct sms_status *out, size_t max,
                    size_t *n, struct err *e);
/* Its two halves, for the tests: the request's body (cJSON_free it), and
 * the reading of an answer (receipts it cannot read are skipped). */
char *sms_pull_status_body(const struct sms_config *c, int limit);
int sms_pull_status_parse(const char *data, size_t len, struct sms_status *out, size_t max,
                          size_t *n, struct err *e);

/* Whether a provider error code is worth retrying (InternalError.*,
 * RequestLimitExceeded*, the 30-second and one-hour per-number limits);
 * fills *retry_after_s with a hint (0 = use backoff). */
int sms_code_retryable(const char *code, int *retry_after_s);

#endif
