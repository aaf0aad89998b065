/*
 * resources_edit.h — the office's side of RES-1..4: creating and editing
 * projects, buildings, units, resources, people, their links (move-in /
 * move-out) and custom fields. resources.h is the reading side.
 *
 * Every change is one transaction with its audit row (the entity before
 * and after). Scope is decided inside that transaction, from the caller,
 * on the rows it locks: an admin acts only inside their projects, and
 * anything outside is 404.
 *
 * People are shared by projects (one phone, one person). An admin sees
 * and edits a person who has a current link in one of the admin's
 * projects, or whom the admin created and nobody has linked yet (else
 * 404). Changing a person's name, phone or ID number — what a login and an
 * identity rest on — also needs the admin to serve every project where the
 * person has a current link (else 403), so that nobody takes over another
 * project's resident.
 *
 * Input strings are UTF-8 already checked for length by the caller's JSON
 * layer; the semantic checks (enums, dates, who belongs where) are here.
 */
#ifndef WUYE_RESOURCES_EDIT_H
#define WUYE_RESOURCES_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

struct project_in {
    const char *code, *name, *address; /* NULL = unchanged (update) */
    const char *const *business_types; /* codes; NULL = unchanged */
    size_t ntypes;
    /* the monthly arrears SMS to its owners (NTC-2, lib/reminders.h) */
    bool has_arrears_reminders, arrears_reminders;
};

struct project_row {
    int64_t id;
    const char *code, *name, *address;
    const char *business_types; /* comma-separated codes */
    int64_t buildings, resources;
    bool arrears_reminders;
};

struct resource_in {
    int64_t building_id, unit_id; /* 0 = none / unchanged */
    const char *code, *number, *kind;
    bool has_floor, has_area, has_inner_area;
    int64_t floor, area_m2x100, inner_area_m2x100;
    const char *layout, *decoration, *lease_status, *business_scope, *tenant_company;
};

struct person_in {
    const char *name, *phone, *id_number, *occupation; /* NULL = unchanged */
};

/* A person named by phone, as a sheet row or a move-in by phone gives them. */
struct person_ref {
    const char *name, *phone;     /* required */
    const char *id_number_masked; /* NULL = not given */
};

/* Inside the caller's transaction (the one way both the office API and
 * the CSV import find or create a person by phone): the person with this
 * phone, created (by who) when there is none. A known phone under another
 * name → 409 PHONE_TAKEN (a sheet must not hand someone's login to a new
 * name); another ID number → 409 ID_NUMBER_MISMATCH; filling in a missing
 * ID number is a change of who they are and needs res_person_serves_all()
 * (else 403). context: the audit rows' context (NULL for the API). who NULL
 * is the operator tool. Nothing says more about the person than in gave. */
int res_person_resolve_tx(struct db *db, struct arena *a, const struct principal *who,
                          const struct person_ref *in, const char *context, int64_t *person_id,
                          bool *created, struct err *e);

enum link_mode {
    LINK_NEW,    /* a move-in: 409 ALREADY_LINKED if there is a current link */
    LINK_ENSURE, /* an import: the same link again changes nothing, a missing
                    move-in date is filled in (another one: MOVED_IN_MISMATCH) */
};
/* Inside the caller's transaction, with the resource locked and in the
 * caller's scope: link person to it. A current link with another relation
 * is 409 ALREADY_LINKED in both modes (a change of relation is a move-out
 * and a new move-in). *created tells whether a link was made. */
int res_link_tx(struct db *db, struct arena *a, const struct principal *who, int64_t resource_id,
                int64_t person_id, const char *relation, const char *moved_in_on,
                enum link_mode mode, const char *context, int64_t *link_id, bool *created,
                struct err *e);

/* Inside the caller's transaction: does the caller serve every project
 * where the person lives now (the rule for changing who they are)? Locks
 * the person's row. */
int res_person_serves_all(struct db *db, struct arena *a, const struct principal *who,
                          int64_t person_id, bool *all_mine, struct err *e);

/* The caller's projects, a page at a time (ids after after_id). */
int res_project_list(struct db *db, struct arena *a, const struct principal *who, int64_t after_id,
                     int limit, struct project_row **out, size_t *n, int64_t *next_after,
                     struct err *e);
int res_project_create(struct db *db, const struct principal *who, const struct project_in *in,
                       int64_t *id, struct err *e);
int res_project_update(struct db *db, const struct principal *who, int64_t id,
                       const struct project_in *in, struct err *e);
int res_building_create(struct db *db, const struct principal *who, int64_t project_id,
                        const char *name, int64_t floors, const char *business_type, int64_t *id,
                        struct err *e);
int res_unit_create(struct db *db, const struct principal *who, int64_t building_id,
                    const char *name, int64_t *id, struct err *e);
int res_resource_create(struct db *db, const struct principal *who, int64_t project_id,
                        const struct resource_in *in, int64_t *id, struct err *e);
int res_resource_update(struct db *db, const struct principal *who, int64_t id,
                        const struct resource_in *in, struct err *e);
int res_person_create(struct db *db, const struct principal *who, const struct person_in *in,
                      int64_t *id, struct err *e);
int res_person_update(struct db *db, const struct principal *who, int64_t id,
                      const struct person_in *in, struct err *e);
/* Move-in: a new current link of a person the caller sees (person_id),
 * or of the person with a phone (by_phone, person_id 0: found or created
 * as the import does — a resident of another project may be linked, never
 * edited); 409 ALREADY_LINKED if the person already has a current link to
 * the resource (whatever the relation). */
int res_move_in(struct db *db, const struct principal *who, int64_t resource_id, int64_t person_id,
                const struct person_ref *by_phone, const char *relation, const char *moved_in_on,
                int64_t *link_id, struct err *e);
/* Move-out: ends a current link (the row stays as history). */
int res_move_out(struct db *db, const struct principal *who, int64_t link_id,
                 const char *moved_out_on, struct err *e);
int res_custom_field_create(struct db *db, const struct principal *who, int64_t project_id,
                            const char *target, const char *key, const char *label,
                            const char *type, const char *choices, int64_t *id, struct err *e);
/* Set (or with value NULL clear) custom values of one resource or person;
 * each value is checked against its field's type. A person's fields are a
 * project's: project_id names it (0 = the one project of the caller's
 * where the person lives; 400 if there are several). */
int res_custom_values_set(struct db *db, const struct principal *who, const char *target,
                          int64_t target_id, int64_t project_id, const char *const *keys,
                          const char *const *values, size_t n, struct err *e);

#endif
