/* audit.c — see audit.h. */
#include "audit.h"

int audit_write(struct db *db, const char *actor_kind, int64_t actor_id, const char *action,
                const char *entity, int64_t entity_id, const char *detail, struct err *e)
{
    struct db_param p[6] = {P_STR(actor_kind), P_INT(actor_id),  P_STR(action),
                            P_STR(entity),     P_INT(entity_id), P_STR(detail ? detail : "{}")};

    return db_exec(db,
                   "INSERT INTO audit_log (actor_kind, actor_id, action, entity, entity_id, "
                   "detail) VALUES (?, ?, ?, ?, ?, ?)",
                   p, 6, NULL, e);
}

int audit_by(struct db *db, const struct principal *who, const char *action, const char *entity,
             int64_t entity_id, const char *detail, struct err *e)
{
    const char *kind = who->kind == SUBJECT_OWNER   ? "owner"
                       : who->kind == SUBJECT_STAFF ? "staff"
                                                    : "system";
    return audit_write(db, kind, who->id, action, entity, entity_id, detail, e);
}
