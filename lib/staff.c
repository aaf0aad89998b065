/* staff.c — see staff.h. */
#include "staff.h"

int staff_get(struct db *db, struct arena *a, int64_t id, struct staff_member *out, struct err *e)
{
    struct db_param p[1] = {P_INT(id)};
    struct db_res r;
    int rc = 0;

    if (db_exec(db, "SELECT id, name, phone FROM staff WHERE id = ? AND active = 1", p, 1, &r, e) <
        0)
        return -1;
    if (r.nrows == 0) {
        rc = err_not_found(e);
    } else {
        out->id = db_int(&r, 0, 0);
        out->name = arena_strdup(a, db_str(&r, 0, 1));
        out->phone = arena_strdup(a, db_str(&r, 0, 2));
    }
    db_res_free(&r);
    return rc;
}
