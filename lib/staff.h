/*
 * staff.h — staff members (AUTH-3): who they are, and the office's side of
 * their accounts (issue 6: accounts made by the office, not by SQL). Their
 * roles and projects travel in struct principal (auth.h) once logged in.
 *
 * Who may manage whom. Only an admin, and only inside the admin's
 * projects:
 *   - a new member serves projects of the admin's only (404 for another);
 *   - a member is visible to an admin who serves at least one project the
 *     member serves (else 404, so ids cannot be probed);
 *   - changing a member at all needs the admin to serve EVERY project the
 *     member serves (else 403) — as for persons, nobody takes over another
 *     project's staff by re-phoning or re-passwording them;
 *   - an admin cannot deactivate themself or drop their own admin role
 *     (400), so the office cannot lock itself out by one click.
 * These are decided inside the write's transaction, on the caller's and
 * the member's rows locked there, never on the session's copy of them.
 *
 * What a change does at once. Roles and projects are read by every
 * request's session lookup, so a change applies to the member's next
 * request. Deactivating and a new password also end all the member's
 * sessions. Every change is one transaction with its audit row; the
 * snapshots never hold the password or its hash.
 *
 * Input strings are UTF-8 already checked for length by the caller's JSON
 * layer; the semantic checks (phone, role names, who serves where) are here.
 */
#ifndef WUYE_STAFF_H
#define WUYE_STAFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

struct staff_member {
    int64_t id;
    const char *name;
    const char *phone;
};

/* An SMS to each active staff member of project_id holding one of roles
 * (a mask of enum staff_role) — only `only` if it is set, never `except` —
 * queued in the caller's transaction; each is de-duplicated as
 * "<cause>:staff:<id>", so a retried transaction tells nobody twice.
 * Nothing when template_id is "" (not configured). */
struct staff_notice {
    int64_t project_id;
    unsigned roles;
    int64_t only, except; /* 0 = anyone, nobody */
    const char *template_id, *cause;
    const char *const *params;
    size_t nparams;
};
int staff_tell(struct db *db, struct arena *a, const struct staff_notice *n, struct err *e);

/* 404 if there is no such (active) staff member. */
int staff_get(struct db *db, struct arena *a, int64_t id, struct staff_member *out, struct err *e);

/* An account as the office edits it. On update every member is optional
 * (NULL / has_* false = unchanged); on create all but active are required. */
struct staff_in {
    const char *name, *phone;
    const char *password; /* plain text, hashed (argon2id) before any transaction */
    bool has_roles;
    const char *const *roles; /* names of auth_role_names */
    size_t nroles;
    bool has_projects;
    const int64_t *project_ids;
    size_t nprojects;
    bool has_active, active; /* update only */
};

/* An account as the office sees it. */
struct staff_row {
    int64_t id;
    const char *name, *phone; /* full phone for an admin, masked otherwise */
    unsigned roles;           /* role bits (auth.h) */
    bool active;
    char created_at[26];        /* RFC 3339, China time */
    const int64_t *project_ids; /* every project the member serves, ascending */
    size_t nprojects;
};

/* Create an account; *id gets its id. 400 for bad input (phone, an
 * unknown role, no role, no project), 404 for a project the caller does
 * not serve, 409 STAFF_PHONE_TAKEN. */
int staff_account_create(struct db *db, const struct principal *who, const struct staff_in *in,
                         int64_t *id, struct err *e);
/* Change an account (the rules above): 400, 403, 404, 409 STAFF_PHONE_TAKEN. */
int staff_account_update(struct db *db, const struct principal *who, int64_t id,
                         const struct staff_in *in, struct err *e);
/* One account the caller may see (404 otherwise), in a. */
int staff_account_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                      struct staff_row *out, struct err *e);
/* The accounts the caller may see, by id, a page at a time (ids after
 * after_id): of one project (0 = all the caller's; another's is 404),
 * whose name contains q or whose phone starts with q (q may be NULL). */
int staff_account_list(struct db *db, struct arena *a, const struct principal *who,
                       int64_t project_id, const char *q, int64_t after_id, int limit,
                       struct staff_row **out, size_t *n, int64_t *next_after, struct err *e);

#endif
