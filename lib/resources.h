/*
 * resources.h — the estate and its people (RES-1..5): projects, buildings,
 * units, resources (homes, shops, offices, parking spaces), persons and
 * their links to resources, custom fields.
 *
 * Reads are scoped by the caller: an owner's person id or a staff
 * member's project list. Something outside the scope is "not found" (404),
 * never "forbidden", so ids cannot be probed. Result arrays are allocated
 * in the caller's arena.
 */
#ifndef WUYE_RESOURCES_H
#define WUYE_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

/* SQL: is link t (person_resources) current today? A link ends on its
 * moved_out_on day (China time), so a move-out registered ahead of time
 * leaves access as it is until that day. Every "lives there now" check of
 * every module uses this, never the stored `active` flag alone (which
 * only says that no move-out date is recorded). */
#define PR_CURRENT(t)                                                                              \
    "(" t ".moved_out_on IS NULL OR " t ".moved_out_on > DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR))"

/* Floors a resource may be on: basements down to -99, towers up to 300.
 * One rule for the office API and the CSV import. */
#define RES_FLOOR_MIN (-99)
#define RES_FLOOR_MAX 300

struct resource {
    int64_t id;
    int64_t project_id;
    const char *project;
    int64_t building_id; /* 0 = none */
    const char *building;
    int64_t unit_id;
    const char *unit;
    const char *code;
    const char *number;
    const char *kind;
    int64_t floor; /* has_floor false = unknown */
    bool has_floor;
    int64_t area_m2x100;
    int64_t inner_area_m2x100;
    const char *layout;
    const char *decoration;
    const char *lease_status;
    const char *business_scope;
    const char *tenant_company;
    const char *relation; /* owner view only: the caller's relation */
};

struct custom_value {
    const char *key;
    const char *label;
    const char *type;
    const char *value; /* NULL when not set */
};

struct occupant {
    int64_t link_id;
    int64_t person_id;
    const char *name;
    const char *phone; /* full, or masked ("138****0001") when phone_masked */
    bool phone_masked;
    const char *relation;
    const char *moved_in_on;     /* "YYYY-MM-DD" or NULL */
    const char *moved_out_on;    /* NULL while no move-out is recorded */
    bool current;                /* lives there today (PR_CURRENT) */
    struct custom_value *custom; /* the person's custom fields that are set */
    size_t ncustom;
};

struct resource_detail {
    struct resource res;
    struct occupant *occupants;
    size_t noccupants;
    struct custom_value *custom;
    size_t ncustom;
};

struct resource_filter {
    int64_t project_id;  /* 0 = any of the caller's; another project: 404 */
    int64_t building_id; /* 0 = any */
    const char *q;       /* room number, code, or an owner's name/phone */
    int64_t after_id;    /* cursor */
    int limit;
};

struct person {
    int64_t id;
    const char *name;
    const char *phone;
};

/* The current resources of an owner / family member / tenant, by id, with
 * the fields of the owner's views (struct resource's others are zero). */
int res_list_for_person(struct db *db, struct arena *a, int64_t person_id, struct resource **out,
                        size_t *n, struct err *e);
/* GET /owner/resources in one statement: the session behind a bearer
 * token and, when it is a live owner's, their current resources. Fills
 * *who; 401 for no live session, 403 (auth_require) for a staff one. */
int res_list_for_token(struct db *db, struct arena *a, const char *token, struct principal *who,
                       struct resource **out, size_t *n, struct err *e);
struct person_row {
    int64_t id;
    const char *name, *phone, *id_number_masked, *occupation; /* phone masked unless allowed */
    const char *resources_json; /* [{"resource_id","code","relation","project_id"},…] */
};

/* Staff: the people currently linked to resources of the caller's
 * projects (project_id 0 = all of them; another project: 404), filtered
 * by name (contains) or phone (prefix), a page at a time. Phones are in
 * full only for ROLES_SEE_PHONES. */
int res_persons_for_staff(struct db *db, struct arena *a, const struct principal *who,
                          int64_t project_id, const char *q, int64_t after_id, int limit,
                          struct person_row **out, size_t *n, int64_t *next_after, struct err *e);
int res_person_get(struct db *db, struct arena *a, int64_t person_id, struct person *out,
                   struct err *e);

/* A project exists and the caller serves it (who NULL: the system); 404
 * otherwise. The check of a project's lists before they are read. */
int res_project_scope(struct db *db, const struct principal *who, int64_t project_id,
                      struct err *e);

/* Staff: resources in the caller's projects; *next_after is the cursor for
 * the next page (0 when this was the last). */
int res_list_for_staff(struct db *db, struct arena *a, const struct principal *who,
                       const struct resource_filter *f, struct resource **out, size_t *n,
                       int64_t *next_after, struct err *e);
/* Staff: one resource with occupants (current and past) and custom fields;
 * 404 outside the caller's projects. Phones: in full for current
 * occupants and ROLES_SEE_PHONES, masked otherwise (a former occupant's
 * number is nobody's business once they have left). */
int res_detail_for_staff(struct db *db, struct arena *a, const struct principal *who,
                         int64_t resource_id, struct resource_detail *out, struct err *e);

/* Owner: one of the caller's current resources with who lives there now
 * (phones masked) and its custom fields; a person's own custom fields only
 * (a co-occupant's are theirs); 404 for any other resource. */
int res_detail_for_person(struct db *db, struct arena *a, int64_t person_id, int64_t resource_id,
                          struct resource_detail *out, struct err *e);

#endif
