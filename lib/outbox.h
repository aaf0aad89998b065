/*
 * outbox.h — messages to people (NTC-2, NTC-3), written in the same
 * transaction as the change that causes them and delivered later, with
 * retries, by one sender per channel (docs/messages.md).
 *
 * outbox_queue() is the one way any module sends anything: it must run in
 * the caller's transaction, so a message exists exactly when its cause was
 * committed. The de-duplication key names the cause ("sms_code:123",
 * "bill_notice:2026-12:45"); the part before its first ':' is the row's
 * kind, which the office filters on. Queueing the same key again is a
 * no-op, so a retried transaction or a rerun job never sends twice.
 * Template parameters are a list of strings, stored as a JSON array built
 * with cJSON (never by hand): for SMS the template's {1}, {2}, … in order;
 * for WeChat each one is "key=value" ("thing1=停水通知"), the subscribe
 * message's data fields in order, or a plain value named by the
 * template's field list in the configuration (wechat_fields_notice for
 * the notices' template, wechat_fields_survey for the surveys').
 *
 * Delivery is at-least-once, and no more than that: the sender takes one
 * row at a time and claims it (attempts+1, next try pushed back by the
 * backoff) in its own statement before calling the provider, and marks it
 * sent in the statement after. A row marked sent is never taken again; a
 * sender that dies during the provider call leaves that one row claimed
 * but not sent, to be sent once more after its backoff; the rows after it
 * were never claimed and go out once. A row past its expires_at (a login
 * code nobody can use any more) is marked failed instead of being sent
 * late.
 */
#ifndef WUYE_OUTBOX_H
#define WUYE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "db/db.h"

enum outbox_channel { OUTBOX_SMS, OUTBOX_WECHAT };

struct outbox_msg {
    enum outbox_channel channel;
    int64_t project_id;      /* the project that caused it; 0 = none (a login code) */
    const char *dedup_key;   /* at most 100 characters */
    const char *recipient;   /* "+8613800000001" for SMS, an openid for WeChat */
    const char *template_id; /* the provider's template */
    const char *const *params;
    size_t nparams;
    int ttl_s; /* 0 = no expiry; else not worth sending after this */
};

/* Queue a message in the caller's transaction (asserted). */
int outbox_queue(struct db *db, const struct outbox_msg *m, struct err *e);

/* Queue n messages at once (one round trip: db_exec_bulk), each exactly
 * as outbox_queue() would; for work that causes thousands (a bill run's
 * notices). *queued (may be NULL) gets how many were new. */
int outbox_queue_many(struct db *db, const struct outbox_msg *m, size_t n, size_t *queued,
                      struct err *e);

/* ---- the senders' rules (pure, from the configuration) ------------------------------- */

struct outbox_policy {
    int backoff[CONFIG_BACKOFF_MAX]; /* seconds before the next try, per try */
    size_t nbackoff;
    int max_attempts;
    int limit_hour, limit_day; /* non-code SMS per phone; 0 = no limit */
};
/* The policy of cfg (outbox_backoff_s, outbox_max_attempts,
 * sms_phone_limit_*); -1 with E_CONFIG when the backoff does not parse. */
int outbox_policy_of(const struct config *cfg, struct outbox_policy *p, struct err *e);
/* How long a row waits after try number `attempt` (1-based) before the
 * next: backoff[attempt - 1], the last step repeating. */
int outbox_backoff_s(const struct outbox_policy *p, int attempt);

/* What a phone got in the last hour and day (messages other than login
 * codes), and how long ago the oldest of each was sent. */
struct outbox_usage {
    int sent_hour, sent_day;
    int oldest_hour_age_s, oldest_day_age_s;
};
/* 0: send now; else how many seconds the message waits until the phone
 * is under both limits again (the oldest message leaves its window). */
int outbox_limit_defer_s(const struct outbox_policy *p, const struct outbox_usage *u);

/* A WeChat row's parameters (the JSON array of the row) as the subscribe
 * message's fields, in a: "key=value" names its field ("thing1=停水通知");
 * any other parameter takes the name at its position in positional
 * ("thing1,time2", the template's list from the configuration; may be
 * NULL). -1 when one has no name (the message can never be sent as it is). */
int outbox_wechat_fields(struct arena *a, const char *params_json, const char *positional,
                         const char ***keys, const char ***values, size_t *n);

/* Seconds from unix_now to the next midnight in China (UTC+8): a phone's
 * daily limit at Tencent ends then. */
int outbox_until_china_midnight_s(int64_t unix_now);

/* ---- the senders and the receipts ------------------------------------------------------ */

/* Deliver the rows of channel that are due, one at a time, at most batch;
 * *handled counts them. -1 only when the database failed (or the policy
 * does not parse). */
int outbox_deliver_due(struct db *db, const struct config *cfg, enum outbox_channel channel,
                       int batch, int *handled, struct err *e);

/* Pull the SMS delivery receipts Tencent holds (PullSmsSendStatus, 100 at a
 * time until it has no more) and record each on its row (by SerialNo):
 * report_status, report_description, user_receive_time. *recorded counts
 * the rows updated. -1 when the provider or the database failed. */
int outbox_receipts_pull(struct db *db, const struct config *cfg, int *recorded, struct err *e);

#endif
