/*
 * billrun.h — bill runs (出账, FEE-3): what every resource of a project
 * (or of one building) owes for some fee items over a range of periods;
 * previewed, then made in bulk by a job of the jobs table, or scheduled.
 * docs/billing.md states the rules with examples; the schema is bill_runs
 * of sql/007_bills.sql and sql/008_bill_runs.sql.
 *
 * Periods. A period is a month "YYYY-MM", the first month of a cycle: a
 * monthly item has one every month, a quarterly one in January, April,
 * July and October, a yearly one in January; a one-off ('once') item is
 * never billed by a run. A run from..to bills the periods that start in
 * it. The bill is due on day due_day_of_cycle of its period's first month;
 * its rate is fee_rate_pick() on the period's first day for the
 * resource's building, kind and customer group, its amount fee_amount()
 * (the areas of the resource, the count of people living there now for
 * per_head); rate and quantity are stored on the bill.
 *
 * What is not billed is an exception, listed, never a bill: an area item
 * for a resource without that area, no rate that applies, an amount that
 * overflows or comes to nothing, a usage item (its bills come from meter
 * readings). A bill that exists already for (resource, item, period) is
 * "existing" and left as it is: a rerun makes nothing new.
 *
 * Commit. The job walks the resources in ascending id, BILLRUN_BATCH_ROWS
 * bills' worth per transaction. Each batch's transaction locks the run's
 * row (one batch of a run at a time, whoever runs it), takes the
 * resources after the run's cursor, locks their bills (FOR UPDATE, so
 * "existing" is exact) and their prepayment accounts, then writes: the
 * bills in one bulk INSERT IGNORE (uk_bills_cycle keeps a bill one per
 * (resource, item, period) whatever else runs), their scheme discounts
 * (bill_discounts), one bill notice per owner of each home that got new
 * bills (outbox, de-duplicated by run, resource and owner), the
 * prepayment offset of the homes that have a balance, the run's counts
 * and cursor, and an audit row with the batch's counts. A jobs process
 * killed half way leaves whole batches behind it; the job is claimed
 * again once its heartbeat is stale and resumes after the cursor, so the
 * counts are those of what was committed, each batch once.
 *
 * Not for: meter-based bills (the meters issue), temporary bills and
 * collection (lib/bills.h), the desk's prepayment (lib/prepay.h, which
 * computes its bills with billrun_compute()).
 */
#ifndef WUYE_BILLRUN_H
#define WUYE_BILLRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"
#include "discount_schemes.h"
#include "fees.h"

/* Limits of the input (docs/api.md §7.13). */
#define BILLRUN_MAX_MONTHS 36 /* period_from..period_to, both included */
#define BILLRUN_MAX_ITEMS 20
#define BILLRUN_MAX_AHEAD_S (366 * 86400) /* how far ahead a run may be scheduled */
/* Exception rows listed (preview, the job's errors); all are counted. */
#define BILLRUN_EXCEPTIONS_LISTED 100
/* About how many bills one batch's transaction makes (docs/performance.md),
 * and at most how many resources it takes. */
#define BILLRUN_BATCH_ROWS 5000
#define BILLRUN_BATCH_RESOURCES 500

/* ---- periods (pure) ------------------------------------------------------------------ */

/* A month as one number: year × 12 + month − 1 (2026-01 = 24312). */
/* "YYYY-MM" (exactly 7 bytes, years 1900..2199, months 01..12) → *ym; 0 or -1. */
int billrun_period_parse(const char *s, size_t n, int32_t *ym);
void billrun_period_text(int32_t ym, char out[8]);
/* Day d (1..28) of month ym, as days since 1970-01-01. */
int32_t billrun_period_day(int32_t ym, int d);
/* The month of a day (days since 1970-01-01). */
int32_t billrun_month_of(int32_t day);
/* Does a period of the cycle start in month ym? (once: never) */
bool billrun_cycle_starts(enum fee_cycle c, int32_t ym);

/* ---- one bill, one batch (pure) ------------------------------------------------------- */

enum billrun_reason {
    BILLRUN_NO_AREA,    /* an area item, the resource has no such area */
    BILLRUN_NO_RATE,    /* no rate of the item applies on the period's first day */
    BILLRUN_NO_READING, /* a usage item: its bills come from meter readings */
    BILLRUN_ZERO,       /* the amount comes to 0 fen (no one living there, a rate of 0) */
    BILLRUN_OVERFLOW,   /* the amount is beyond MONEY_MAX_FEN */
};
const char *billrun_reason_name(enum billrun_reason r);    /* "no_area" … */
const char *billrun_reason_message(enum billrun_reason r); /* Chinese */

/* A resource as a run bills it. */
struct billrun_resource {
    int64_t id, building_id; /* building 0 = none */
    const char *code, *label, *kind, *customer_group;
    int64_t area_m2x100, inner_area_m2x100, heads;
};

/* What a run bills: items with all their rates, periods from..to, the
 * schemes it applies (discount_schemes_for_run). */
struct billrun_plan {
    const struct fee_item_row *items;
    size_t nitems;
    int32_t from, to;
    const struct discount_scheme *schemes;
    size_t nschemes;
    /* 0 for a run; the months paid ahead for a prepayment at the desk
     * (lib/prepay.h): its prepayment schemes then apply too */
    int64_t prepay_months;
};

/* One bill to make. */
struct billrun_row {
    int64_t resource_id, fee_item_id;
    int32_t period, due_day;
    int64_t amount_fen, discount_fen, scheme_id; /* scheme 0 = no discount */
    int64_t rate, quantity;
    bool has_quantity; /* false for a fixed amount */
};

/* One bill not made, and why. */
struct billrun_exception {
    int64_t resource_id, fee_item_id;
    const char *resource_code;
    int32_t period;
    enum billrun_reason reason;
};

/* A bill that exists: (resource, item, period). */
struct billrun_key {
    int64_t resource_id, fee_item_id;
    int32_t period;
};

/* What one item of the plan comes to in a batch (or a whole preview). */
struct billrun_count {
    int64_t count, existing, exceptions;
    int64_t amount_fen, discount_fen;
};

struct billrun_batch {
    struct billrun_row *rows; /* by resource, item (the plan's order), period */
    size_t nrows;
    struct billrun_exception *exceptions;
    size_t nexceptions;
    struct billrun_count *per_item; /* plan->nitems of them */
    struct billrun_count all;
};

/* The bill of item for resource r in period ym: 0 with *row, or 1 with
 * *reason when it is an exception; -1 on bad input (a discount fails). */
int billrun_compute(const struct billrun_plan *p, const struct fee_item_row *item,
                    const struct billrun_resource *r, int32_t ym, struct billrun_row *row,
                    enum billrun_reason *reason);
/* Every bill of the plan for res[0..n) (ascending id) that does not exist
 * yet (existing[0..nexisting), any order; sorted here), every exception,
 * and the counts. In a. 0, or -1 on overflow of a count. */
int billrun_batch_build(struct arena *a, const struct billrun_plan *p,
                        const struct billrun_resource *res, size_t n, struct billrun_key *existing,
                        size_t nexisting, struct billrun_batch *out);
/* How many resources one batch takes for a plan: about BILLRUN_BATCH_ROWS
 * bills, 1..BILLRUN_BATCH_RESOURCES resources. */
int billrun_batch_resources(const struct billrun_plan *p);

/* One resource of project_id as a run bills it (heads: with the count of
 * people living there now, for a per-head item); 404 when it is not one of
 * that project's. In a. */
int billrun_resource_get(struct db *db, struct arena *a, int64_t project_id, int64_t resource_id,
                         bool heads, struct billrun_resource *out, struct err *e);

/* ---- the office's side (one of the caller's projects, else 404) ----------------------- */

/* A run as asked for. */
struct billrun_in {
    const int64_t *fee_item_ids; /* 1..BILLRUN_MAX_ITEMS distinct ids */
    size_t nitems;
    const char *period_from, *period_to; /* "YYYY-MM" */
    int64_t building_id;                 /* 0 = the whole project */
    const char *run_at;                  /* RFC 3339, NULL = now (commit only) */
};

struct billrun_preview_item {
    int64_t fee_item_id;
    const char *name;
    int64_t periods; /* of the range that the item's cycle bills */
    struct billrun_count c;
};

struct billrun_preview {
    int64_t resources; /* in scope */
    struct billrun_preview_item *items;
    size_t nitems;
    struct billrun_count all;
    struct billrun_exception *exceptions; /* the first BILLRUN_EXCEPTIONS_LISTED */
    size_t nlisted;
};

/* What would be billed: nothing written. 400 for bad input (a period
 * that is not YYYY-MM, period_to before period_from, more than
 * BILLRUN_MAX_MONTHS months, no items or a repeated one, an inactive or
 * one-off item), 404 for a project, item or building not of the caller's. */
int billrun_preview(struct db *db, struct arena *a, const struct principal *who, int64_t project_id,
                    const struct billrun_in *in, struct billrun_preview *out, struct err *e);

/* A run as stored. */
struct bill_run {
    int64_t id, project_id, building_id;
    int64_t *fee_item_ids;
    size_t nitems;
    char period_from[8], period_to[8];
    const char *status; /* scheduled queued running done failed cancelled */
    const char *run_at; /* as stored (UTC) or NULL */
    int64_t job_id;     /* 0 = none yet */
    const char *job_status;
    int64_t created, existing, exceptions, total_fen, discount_fen, notices, offset_fen;
    int64_t resources_done, resources_total, cursor_resource_id, attempts;
    const char *error;
    int64_t created_by;
    const char *created_at, *started_at, *finished_at; /* as stored (UTC), NULL = not yet */
};

/* Start a run: checked as billrun_preview(), then, in one transaction
 * with its audit row, stored and queued as a job of kind "bill_run"
 * (status queued, out->job_id), or, with a run_at in the future (at most
 * BILLRUN_MAX_AHEAD_S ahead, else 400), stored as scheduled. */
int billrun_create(struct db *db, struct arena *a, const struct principal *who, int64_t project_id,
                   const struct billrun_in *in, struct bill_run *out, struct err *e);
/* One run, a project's runs (ascending id, a page at a time). */
int billrun_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                struct bill_run *out, struct err *e);
int billrun_list(struct db *db, struct arena *a, const struct principal *who, int64_t project_id,
                 int64_t after_id, int limit, struct bill_run **out, size_t *n, int64_t *next_after,
                 struct err *e);
/* Cancel a scheduled run; any other status → 409 BILL_RUN_NOT_SCHEDULED. */
int billrun_cancel(struct db *db, const struct principal *who, int64_t id, struct err *e);

/* ---- the jobs process's side ---------------------------------------------------------- */

/* After each committed batch: the run as it now stands and the exceptions
 * of that batch. -1 (e set) stops the run where it is (the jobs process
 * is stopping: its job goes back to the queue and resumes later). */
struct billrun_progress {
    int (*fn)(void *arg, const struct bill_run *run, const struct billrun_exception *exc,
              size_t nexc, struct err *e);
    void *arg;
};

/* Run (or resume) run_id: the job's work. notice_template is the SMS
 * template of bill notices (NULL or "": none are sent). Each start counts
 * an attempt (bill_runs.attempts, in the audit rows). 0 with *out at the
 * end: done, or failed as out->status and out->error say (its starter no
 * longer serves the project, an item was deactivated; recorded), or
 * nothing to do (already ended). -1 when it stopped (progress asked, or
 * the database failed): the run is left as committed, to resume. */
int billrun_execute(struct db *db, struct arena *a, int64_t run_id, const char *notice_template,
                    const struct billrun_progress *pg, struct bill_run *out, struct err *e);
/* Mark a run failed (the job could not run it), with an audit row. */
int billrun_fail(struct db *db, int64_t run_id, const char *why, struct err *e);

/* The periodic job: queue the scheduled runs whose time has come, each
 * once (locked, status changed in the same transaction). *queued counts. */
int billrun_queue_due(struct db *db, int *queued, struct err *e);

/* The operator's bills (the demo, `wuye demo --months`): a run of
 * project_id's items from..to made and executed here, as the system,
 * without notices. *created counts the new bills. */
int billrun_generate(struct db *db, int64_t project_id, const int64_t *item_ids, size_t nitems,
                     int32_t from, int32_t to, int64_t *created, struct err *e);

#endif
