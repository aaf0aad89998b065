/*
 * render.h — JSON shapes shared by several handlers (a resource, a
 * session), so that the owner and the staff see the same field names.
 */
#ifndef WUYE_RENDER_H
#define WUYE_RENDER_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "approvals.h"
#include "auth.h"
#include "core/buf.h"
#include "bills.h"
#include "billrun.h"
#include "jobs.h"
#include "resources_import.h"
#include "resources.h"

/* The owner's view: API.md's fields plus a few more. */
cJSON *render_resource_owner(const struct resource *x);
/* The staff view: every attribute. */
cJSON *render_resource_staff(const struct resource *x);
/* {"job":{"id","kind","status","done","total","errors","result"}} (API.md). */
cJSON *render_job(const struct job *x);
/* An import's report (docs/api.md §7.8): the counts, and with_errors the
 * row errors too. */
cJSON *render_import_report(const struct import_report *rep, bool with_errors);
/* Its row errors alone, as a job's "errors" (§7.9). */
cJSON *render_import_errors(const struct import_report *rep);
/* A person found by staff (GET /staff/persons). */
cJSON *render_person_row(const struct person_row *x);

/* A resource with its occupants and custom fields: the staff view shows
 * the move-in/out history and phones as the domain let this caller see
 * them, the owner's view current occupants with masked phones. */
cJSON *render_resource_detail(const struct resource_detail *d, bool owner_view);

/* {"items":[bills…]} as the owner's and the staff's lists show them
 * (API.md), with "next_cursor" for a paged list (next_key 0: null),
 * without it for the whole unpaid list. Written as text, not as a cJSON
 * tree: the owner's hot path (docs/performance.md). */
void render_bill_page(struct buf *o, const struct bill_page *pg, bool paged);
/* o's "applied":[{"bill_id","amount_fen"}] of n bills: what a collection or
 * an offset paid of each. */
void render_applied(cJSON *o, const int64_t *bill_ids, const int64_t *amount_fen, size_t n);
/* A collection's receipt: {"id","receipt_no","amount_fen","applied",
 * "to_prepay_fen"} (POST /staff/collections, …/prepay). */
cJSON *render_collected(const struct collect_out *out);
/* A resource's receivables and recent receipts (GET /staff/resources/{id}). */
cJSON *render_receivables(const struct receivables *x);
/* Member name: a staff member as {"id","name"}, or null when id is 0. */
void render_add_staff(cJSON *o, const char *name, int64_t id, const char *who);
/* An approval with its steps (docs/api.md §7.16): what a request, a
 * decision and the office's lists answer. */
cJSON *render_approval(const struct approval *x);
/* A bill run's exception (docs/api.md §7.13): in a preview and in the
 * run's job's errors alike. */
cJSON *render_bill_run_exception(const struct billrun_exception *x);

#endif
