/* staff.c — see staff.h. */
#include "staff.h"

DB_SQL(sql_get, "SELECT id, name, phone FROM staff WHERE id = ? AND active = 1");

int staff_get(struct db *db, struct arena *a, int64_t id, struct staff_member *out, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_get, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    out->id = db_int(&r, 0, 0);
    out->name = db_text(&r, 0, 1);
    out->phone = db_text(&r, 0, 2);
    return 0;
}
