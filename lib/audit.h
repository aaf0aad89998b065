/*
 * audit.h — the audit log (OPS-3, FEE-5): one row per state change, written
 * in the same transaction as the change, so the log and the data never
 * disagree.
 */
#ifndef WUYE_AUDIT_H
#define WUYE_AUDIT_H

#include <stdint.h>

#include "auth.h"
#include "core/err.h"
#include "db/db.h"

/* detail is a JSON object as text ("{}" when there is nothing to add). */
int audit_write(struct db *db, const char *actor_kind, int64_t actor_id, const char *action,
                const char *entity, int64_t entity_id, const char *detail, struct err *e);
/* The same, with the actor taken from a principal (owner or staff). */
int audit_by(struct db *db, const struct principal *who, const char *action, const char *entity,
             int64_t entity_id, const char *detail, struct err *e);

#endif
