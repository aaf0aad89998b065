/*
 * fees.h — fee items and their rate plans (FEE-1, FEE-2): what is charged,
 * how (cycle, method, rounding, the optional late-fee rule), and at what
 * price for whom from when. sql/006_fees.sql is the schema; docs/money.md
 * the scales and rounding of every amount.
 *
 * Writes are the office's (admin role at the route): each is one
 * transaction with its audit row, scope decided inside it on the locked
 * rows (the caller's projects; anything else 404), as resources_edit.c.
 *
 * The pure half (no database): fee_rate_pick() chooses the rate a
 * resource pays on a day, fee_amount() computes one period's amount from
 * it. The bill run (FEE-3) calls both; the tests call them directly.
 *
 * Not for: bills, discounts or payments — those modules call this one.
 */
#ifndef WUYE_FEES_H
#define WUYE_FEES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/money.h"
#include "db/db.h"

enum fee_cycle { FEE_MONTHLY, FEE_QUARTERLY, FEE_YEARLY, FEE_ONCE };
enum fee_method { FEE_BUILDING_AREA, FEE_INNER_AREA, FEE_USAGE, FEE_PER_HEAD, FEE_FIXED };
enum fee_cap { FEE_CAP_PRINCIPAL, FEE_CAP_NONE, FEE_CAP_FIXED };

/* The stable names of sql/006_fees.sql and the API; -1 for an unknown
 * name, NULL for a value outside the enum. */
int fee_cycle_from_name(const char *s, enum fee_cycle *out);
int fee_method_from_name(const char *s, enum fee_method *out);
int fee_cap_from_name(const char *s, enum fee_cap *out);
const char *fee_cycle_name(enum fee_cycle c);
const char *fee_method_name(enum fee_method m);
const char *fee_cap_name(enum fee_cap c);
/* The scale of a rate of this method, as the API names it beside the
 * value: "fen_per_m2x10000", "fen_per_unitx10000", "fen_per_head", "fen". */
const char *fee_rate_scale(enum fee_method m);

/* Limits of the input (docs/api.md, Office: fees). */
#define FEE_RATE_MAX MONEY_MAX_FEN
#define FEE_DUE_DAY_MAX 28
#define FEE_USAGE_PER_UNIT_MAX 1000000
#define FEE_GRACE_DAYS_MAX 3650
#define FEE_LATE_BP_MAX 10000

/* No end of validity (valid_to NULL). */
#define FEE_OPEN_END INT32_MAX

/* A fee item as stored. */
struct fee_item {
    int64_t id, project_id;
    const char *code, *name;
    enum fee_cycle cycle;
    enum fee_method method;
    enum money_round rounding;
    int64_t due_day_of_cycle, usage_per_unit;
    bool has_late_fee; /* late_fee_daily_bp not NULL */
    int64_t late_fee_daily_bp, late_fee_grace_days;
    enum fee_cap late_fee_cap;
    int64_t late_fee_cap_fen; /* with FEE_CAP_FIXED */
    bool active;
};

/* One rate. A selector of 0 / NULL applies to anyone; days are days since
 * 1970-01-01 (money_date_parse), valid_to FEE_OPEN_END for none. */
struct fee_rate {
    int64_t id, fee_item_id;
    int64_t rate; /* scale: fee_rate_scale(item's method) */
    int64_t building_id;
    const char *resource_kind, *customer_group;
    int32_t valid_from, valid_to;
};

/* Input of create and update: NULL / has_* false = not given (unchanged
 * on update; the default on create). Names are checked here. */
struct fee_item_in {
    const char *code, *name, *cycle, *method, *rounding;
    bool has_due_day, has_usage_per_unit, has_late_bp, has_grace, has_cap_fen, has_active;
    bool late_bp_null; /* late_fee_daily_bp: null given (no late fee) */
    bool cap_fen_null;
    int64_t due_day, usage_per_unit, late_bp, grace, cap_fen;
    const char *late_fee_cap;
    bool active;
};

struct fee_rate_in {
    int64_t rate, building_id;                                          /* building 0 = any */
    const char *resource_kind, *customer_group, *valid_from, *valid_to; /* NULL = any / open */
};

/* An item with its rates not yet ended on today (current and upcoming). */
struct fee_item_row {
    struct fee_item item;
    struct fee_rate *rates;
    size_t nrates;
};

/* Create an item in a project of the caller's (404 otherwise); code taken
 * → 409 FEE_ITEM_TAKEN. code, name, cycle and method are required. */
int fee_item_create(struct db *db, const struct principal *who, int64_t project_id,
                    const struct fee_item_in *in, int64_t *id, struct err *e);
/* Change what was given. code, cycle and method cannot change (400): the
 * rates' meaning rests on them. The merged item is checked as a whole (a
 * fixed cap needs its amount). */
int fee_item_update(struct db *db, const struct principal *who, int64_t id,
                    const struct fee_item_in *in, struct err *e);
/* One item of the caller's (404 otherwise). */
int fee_item_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                 struct fee_item *out, struct err *e);
/* A project's items (404 if not the caller's), a page at a time, each with
 * its rates that have not ended before today (China time). */
int fee_item_list(struct db *db, struct arena *a, const struct principal *who, int64_t project_id,
                  int64_t after_id, int limit, struct fee_item_row **out, size_t *n,
                  int64_t *next_after, struct err *e);
/* Items ids[0..n) of project_id with every rate they have, past ones too
 * (a bill run may bill past periods), into out[0..n) in the order of ids,
 * the rates in a. An id that is no item of the project → 404. For a bill
 * run (lib/billrun.c); scope is the caller's. */
int fee_items_with_rates(struct db *db, struct arena *a, int64_t project_id, const int64_t *ids,
                         size_t n, struct fee_item_row *out, struct err *e);
/* Add a rate to an item of the caller's. Its building must be of the
 * item's project (400); a validity overlapping another rate of the item
 * with the same selectors → 409 RATE_OVERLAP. */
int fee_rate_add(struct db *db, const struct principal *who, int64_t item_id,
                 const struct fee_rate_in *in, int64_t *id, struct err *e);
/* Set a rate's last valid day (YYYY-MM-DD, not before its first: 400; a
 * longer validity that would overlap → 409 RATE_OVERLAP). */
int fee_rate_end(struct db *db, const struct principal *who, int64_t rate_id, const char *valid_to,
                 struct err *e);

/* The repair fee (TKT-4): the project's one-off, fixed-amount item of
 * code FEE_REPAIR_CODE (维修费), made on first use with its audit row —
 * inside the caller's transaction. The office renames or deactivates it
 * with the item endpoints; one that is not once/fixed or not active →
 * 409 REPAIR_FEE_ITEM_UNUSABLE (a charge is then refused). */
#define FEE_REPAIR_CODE "WXF"
int fee_item_repair_tx(struct db *db, struct arena *a, const struct principal *who,
                       int64_t project_id, int64_t *id, struct err *e);

/* Who a rate is chosen for. kind and group may be NULL (none). */
struct fee_target {
    int64_t building_id; /* 0 = in no building */
    const char *resource_kind, *customer_group;
};

/*
 * The rate of rates[0..n) that applies to target on day, or NULL.
 * A rate applies when it is valid that day (valid_from ≤ day ≤ valid_to)
 * and each of its selectors is unset or equals the target's. Among those
 * the most specific wins, the selectors weighing building 4, kind 2,
 * group 1 — so a building's rate beats a kind's and a group's together,
 * a kind's beats a group's, and any beats the default (no selectors).
 * Tie (equal weight: the same kind of selectors, which the overlap rule
 * allows only for different values, so it cannot happen among rates that
 * all apply; kept total for safety): the later valid_from, then the
 * higher id. Pure: no database, no allocation.
 */
const struct fee_rate *fee_rate_pick(const struct fee_rate *rates, size_t n,
                                     const struct fee_target *target, int32_t day);

/* What one period's amount is computed from. */
struct fee_basis {
    int64_t area_m2x100;       /* resources.area_m2x100: building_area */
    int64_t inner_area_m2x100; /* resources.inner_area_m2x100: inner_area */
    int64_t usage;             /* the period's usage in the meter's unit: usage */
    int64_t heads;             /* the count of people: per_head */
};

/* One period's amount in fen for the item's method and the rate
 * (fee_rate_scale), rounded once in the item's mode:
 *   building_area  area_m2x100 × rate / 10⁶
 *   inner_area     inner_area_m2x100 × rate / 10⁶
 *   usage          usage × rate / (usage_per_unit × 10⁴)
 *   per_head       heads × rate (exact)
 *   fixed          rate
 * 0, or -1 (a negative input, overflow; *fen untouched). */
int fee_amount(const struct fee_item *item, int64_t rate, const struct fee_basis *b, int64_t *fen);

/* The item's late fee (FEE-7) on principal_fen for a bill due on due_day,
 * as of today (days since the epoch): 0 when the item has no late-fee
 * rule, else money_late_fee() with the item's rate, grace days, rounding
 * and cap (principal: the principal; none: MONEY_NO_CAP_FEN; fixed: its
 * amount). 0, or -1 (bad input; *fee_fen untouched). */
int fee_late_fee(const struct fee_item *item, int64_t principal_fen, int32_t due_day, int32_t today,
                 int64_t *fee_fen);

/* Rates are equal in selectors (building, kind, group)? Their validity
 * overlaps? Exposed for the tests; the overlap rule is both. */
bool fee_rate_same_selectors(const struct fee_rate *a, const struct fee_rate *b);
bool fee_rate_overlaps(const struct fee_rate *a, const struct fee_rate *b);

/* days since 1970-01-01 as "YYYY-MM-DD" (the inverse of money_date_parse). */
void fee_date_text(int32_t days, char out[11]);

#endif
