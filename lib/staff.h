/*
 * staff.h — staff members (AUTH-3): who they are; their roles and projects
 * travel in struct principal (auth.h).
 */
#ifndef WUYE_STAFF_H
#define WUYE_STAFF_H

#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

struct staff_member {
    int64_t id;
    const char *name;
    const char *phone;
};

/* 404 if there is no such (active) staff member. */
int staff_get(struct db *db, struct arena *a, int64_t id, struct staff_member *out, struct err *e);

#endif
