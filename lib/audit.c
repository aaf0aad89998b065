/* audit.c — see audit.h. */
#include "audit.h"

#include <assert.h>

DB_SQL(sql_insert,
       "INSERT INTO audit_log (actor_kind, actor_id, action, entity, entity_id, detail) "
       "VALUES (?, ?, ?, ?, ?, JSON_OBJECT('before', JSON_EXTRACT(?, '$'), "
       "'after', JSON_EXTRACT(?, '$'), 'context', JSON_EXTRACT(?, '$')))");

int audit_log(struct db *db, const struct audit_entry *x, struct err *e)
{
    const char *kind = !x->who                         ? "system"
                       : x->who->kind == SUBJECT_OWNER ? "owner"
                       : x->who->kind == SUBJECT_STAFF ? "staff"
                                                       : "system";

    /* The row belongs to the change: outside a transaction it could
     * outlive a change that rolled back, or be lost after one that did not. */
    assert(db_in_tx(db));
    return db_exec(db, &sql_insert,
                   DB_ARGS(P_STR(kind), P_INT(x->who ? x->who->id : 0), P_STR(x->action),
                           P_STR(x->entity), P_INT(x->entity_id), P_STR(x->before), P_STR(x->after),
                           P_STR(x->context)),
                   NULL, e);
}

int audit_snapshot(struct db *db, struct arena *a, struct db_sql *q, int64_t id, const char **json,
                   struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, q, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    *json = found ? db_str(&r, 0, 0) : NULL;
    return 0;
}

int audit_change(struct db *db, struct arena *a, const struct audit_entry *x, struct db_sql *q,
                 struct err *e)
{
    struct audit_entry y = *x;

    if (audit_snapshot(db, a, q, x->entity_id, &y.after, e) < 0)
        return -1;
    return audit_log(db, &y, e);
}
