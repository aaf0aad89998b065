/*
 * outbox.h — messages to people (NTC-2), written in the same transaction as
 * the change that causes them and delivered later, with retries.
 *
 * outbox_queue() is the one way any module sends anything: it must run in
 * the caller's transaction, so a message exists exactly when its cause was
 * committed. The de-duplication key names the cause ("sms_code:123",
 * "bill_notice:2026-12:45"): queueing the same key again is a no-op, so a
 * retried transaction or a rerun job never sends twice. Template
 * parameters are a list of strings, stored as a JSON array built with
 * cJSON (never by hand).
 *
 * Delivery is at-least-once: a row is claimed (attempts+1, next try pushed
 * back) before the provider is called, so a sender that dies mid-call
 * leaves the row to be retried after the backoff, never lost; the provider
 * may then see that one message twice. A row past its expires_at (a login
 * code nobody can use any more) is marked failed instead of being sent late.
 */
#ifndef WUYE_OUTBOX_H
#define WUYE_OUTBOX_H

#include <stddef.h>

#include "core/config.h"
#include "core/err.h"
#include "db/db.h"

enum outbox_channel { OUTBOX_SMS, OUTBOX_WECHAT };

struct outbox_msg {
    enum outbox_channel channel;
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

/* Deliver the rows that are due (at most batch); *handled counts them.
 * -1 only when the database failed. */
int outbox_deliver_due(struct db *db, const struct config *cfg, int batch, int *handled,
                       struct err *e);

/* Backoff before try number `attempt` (1-based): 10 s, 30 s, 1 min, 5 min,
 * 15 min, then hourly. */
int outbox_backoff_s(int attempt);

#endif
