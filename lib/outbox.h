/*
 * outbox.h — delivering the outbox (NTC-2): rows written in the same
 * transaction as the change that caused them, sent here with retries.
 *
 * At-least-once: a row is claimed (attempts+1, next try pushed back)
 * before the provider is called, so a sender that dies mid-call leaves
 * the row to be retried after the backoff, never lost; the provider may
 * then see the same message twice, which it de-duplicates poorly, so the
 * window is kept small. A row past its expires_at (a login code nobody can
 * use any more) is marked failed instead of being sent late.
 */
#ifndef WUYE_OUTBOX_H
#define WUYE_OUTBOX_H

#include "core/config.h"
#include "core/err.h"
#include "db/db.h"

/* Deliver the rows that are due (at most batch); *handled counts them.
 * -1 only when the database failed. */
int outbox_deliver_due(struct db *db, const struct config *cfg, int batch, int *handled,
                       struct err *e);

/* Backoff before try number `attempt` (1-based): 10 s, 30 s, 1 min, 5 min,
 * 15 min, then hourly. */
int outbox_backoff_s(int attempt);

#endif
