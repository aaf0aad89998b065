/*
 * audit.h — the audit log (OPS-3, FEE-5): one row per state change, written
 * in the same transaction as the change, so the log and the data never
 * disagree.
 *
 * detail = {"before":…,"after":…,"context":…}.
 * A row says who did what to which entity, and carries the entity as it
 * was before and as it is after: detail = {"before":…,"after":…} (null for
 * a creation's before or a deletion's after). The snapshots are JSON
 * objects that the module takes of its own row inside the transaction
 * (audit_snapshot() with a SELECT JSON_OBJECT(…) … FOR UPDATE of its SQL
 * list), so they are what the transaction saw and changed, never a guess.
 */
#ifndef WUYE_AUDIT_H
#define WUYE_AUDIT_H

#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

struct audit_entry {
    const struct principal *who; /* NULL = the system (a job, the operator tool) */
    const char *action;          /* "update_person" */
    const char *entity;          /* "person" */
    int64_t entity_id;
    const char *before, *after; /* JSON objects as text, or NULL */
    const char *context;        /* JSON object as text, or NULL: where the change came
                                   from when it is not the API ({"source":"csv_import","line":12}) */
};

/* Write one row in the caller's transaction. */
int audit_log(struct db *db, const struct audit_entry *x, struct err *e);

/* audit_log() of a change whose after is read now: x->after is ignored and
 * replaced by the snapshot q takes of x->entity_id (in a). The one way a
 * module writes "what it looks like now" into its audit row. */
int audit_change(struct db *db, struct arena *a, const struct audit_entry *x, struct db_sql *q,
                 struct err *e);

/* Run q (one row, one column: a JSON object, with FOR UPDATE when it
 * decides a write) for id; *json = NULL when there is no such row. */
int audit_snapshot(struct db *db, struct arena *a, struct db_sql *q, int64_t id, const char **json,
                   struct err *e);

#endif
