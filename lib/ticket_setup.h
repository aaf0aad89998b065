/*
 * ticket_setup.h — the office's set-up of service tickets (TKT-2, TKT-3;
 * docs/api.md §7.17): a project's deadlines per ticket type
 * (ticket_deadlines: response and completion minutes from submission),
 * the skills a type needs in a project (ticket_type_skills) and the
 * skills of each staff member (staff_skills) — what ticket_create()
 * fixes a ticket's deadlines from and what ticket_suggest() chooses
 * technicians by, configured without SQL.
 *
 * Writes are the admin's (the route's role), one transaction each with
 * its audit row, on rows locked first: the project row (FOR UPDATE: two
 * set-ups of one project queue), or the member's row and project links.
 * Scope: a project of the caller's (404 otherwise); a member serving one
 * of the caller's projects (404 otherwise) and no project the caller does
 * not serve (403: skills are the person's, in every project — the rule
 * of PATCH /office/staff). Bad input is 400 before any write.
 *
 * Not for: the tickets themselves (tickets.h).
 */
#ifndef WUYE_TICKET_SETUP_H
#define WUYE_TICKET_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

#define TICKET_SKILLS_MAX 20           /* skills in one list */
#define TICKET_SKILL_CHARS 32          /* characters of one skill (no comma, no space) */
#define TICKET_DEADLINE_MAX_MIN 525600 /* a year */

/* A project's set-up of one type. */
struct ticket_type_setup {
    const char *type;
    int64_t response_min, complete_min;
    bool is_default;     /* no row of the project: lib/tickets.c's defaults */
    const char **skills; /* sorted; none = any technician is suggested */
    size_t nskills;
};

/* The six types' set-up of a project of the caller's (404 otherwise), in
 * the order of ticket_type_names, into out[] (in a). */
int ticket_setup_get(struct db *db, struct arena *a, const struct principal *who,
                     int64_t project_id, struct ticket_type_setup **out, size_t *n, struct err *e);

/* Set a type's deadlines in a project: 1 ≤ response_min ≤ complete_min ≤
 * TICKET_DEADLINE_MAX_MIN (else 400). Tickets submitted from then on have
 * them; those already submitted keep theirs. */
int ticket_deadline_set(struct db *db, const struct principal *who, int64_t project_id,
                        const char *type, int64_t response_min, int64_t complete_min,
                        struct err *e);

/* Replace the skills a type needs in a project (none: any technician).
 * Each skill 1..TICKET_SKILL_CHARS characters, no comma or white space,
 * at most TICKET_SKILLS_MAX, distinct (else 400). */
int ticket_type_skills_set(struct db *db, const struct principal *who, int64_t project_id,
                           const char *type, const char *const *skills, size_t n, struct err *e);

/* A staff member's skills (sorted, in a); scope as above, 404. */
int staff_skills_get(struct db *db, struct arena *a, const struct principal *who, int64_t staff_id,
                     const char ***out, size_t *n, struct err *e);
/* Replace them (the rules of the type's skills). */
int staff_skills_set(struct db *db, const struct principal *who, int64_t staff_id,
                     const char *const *skills, size_t n, struct err *e);

/* 400 unless skills[0..n) is a valid list (above); exposed for the tests. */
int ticket_skills_check(const char *const *skills, size_t n, struct err *e);

#endif
