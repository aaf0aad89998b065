/*
 * discount_schemes.h — discount schemes (减免方案, FEE-4, the scheme half):
 * a reduction by percentage or by a fixed amount a bill, for a customer
 * group (elderly, disabled …) or for everyone, for one fee item or for
 * all, valid between two days. The schema is discount_schemes of
 * sql/007_bills.sql; docs/billing.md states the rules with examples.
 *
 * A bill run applies the schemes when it makes a bill (lib/billrun.c):
 * those active, valid on the period's first day, of the bill's item or of
 * every item, of the resource's customer group or of everyone. Of those
 * the largest single discount wins — schemes never stack, so that an
 * office adding a second scheme can never give away more than the larger
 * of the two. A scheme with min_months (prepay a year and get a month off)
 * is the desk's to apply when it collects such a prepayment (lib/prepay.h):
 * runs skip it; a prepayment of at least min_months months weighs it
 * against the ordinary schemes, still the largest single one winning.
 *
 * Writes are the office's, each one transaction with its audit row; scope
 * is decided inside it (another project's scheme or item → 404). A change
 * applies to bills made afterwards: the bills already made keep their
 * discount records (bill_discounts), as the books' history requires.
 */
#ifndef WUYE_DISCOUNT_SCHEMES_H
#define WUYE_DISCOUNT_SCHEMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/money.h"
#include "db/db.h"

/* Limits of the input (docs/api.md §7.13). */
#define DISCOUNT_OFF_BP_MAX 10000
#define DISCOUNT_MIN_MONTHS_MAX 120

/* A scheme as stored. Days since 1970-01-01; valid_to FEE_OPEN_END when
 * open. 0 / NULL = not set. Exactly one of off_bp and off_fen is > 0. */
struct discount_scheme {
    int64_t id, project_id;
    const char *name;
    int64_t fee_item_id;        /* 0 = every item */
    const char *customer_group; /* NULL = everyone */
    int64_t min_months;         /* 0 = not a prepayment scheme */
    int64_t off_bp, off_fen;
    int32_t valid_from, valid_to;
    bool active;
    const char *created_at; /* as stored (UTC) */
};

/* Input of create: NULL / 0 = not given. */
struct discount_scheme_in {
    const char *name, *customer_group, *valid_from, *valid_to;
    int64_t fee_item_id, min_months, off_bp, off_fen;
};

/* Input of update (PATCH): only what has_* says. valid_to NULL = open. */
struct discount_scheme_patch {
    bool has_active, active;
    bool has_valid_to;
    const char *valid_to;
};

/* Create a scheme in a project of the caller's (404 otherwise; a fee item
 * not of that project: 404). 400: no name or valid_from, not exactly one
 * of off_bp (1..10,000) and off_fen (1..MONEY_MAX_FEN), a bad date,
 * valid_to before valid_from. */
int discount_scheme_create(struct db *db, const struct principal *who, int64_t project_id,
                           const struct discount_scheme_in *in, int64_t *id, struct err *e);
/* A project's schemes (404 if not the caller's), by ascending id, a page
 * at a time (after_id, limit; *next_after 0 on the last page). */
int discount_scheme_list(struct db *db, struct arena *a, const struct principal *who,
                         int64_t project_id, int64_t after_id, int limit,
                         struct discount_scheme **out, size_t *n, int64_t *next_after,
                         struct err *e);
/* Switch a scheme on or off, or set its last valid day (not before its
 * first: 400). 404 outside the caller's projects. */
int discount_scheme_update(struct db *db, const struct principal *who, int64_t id,
                           const struct discount_scheme_patch *in, struct err *e);

/* The schemes a bill run of project_id applies: active, not for
 * prepayment. In a. */
int discount_schemes_for_run(struct db *db, struct arena *a, int64_t project_id,
                             struct discount_scheme **out, size_t *n, struct err *e);

/* The schemes a prepayment at the desk weighs (lib/prepay.h): active, the
 * prepayment ones too. In a. */
int discount_schemes_for_prepay(struct db *db, struct arena *a, int64_t project_id,
                                struct discount_scheme **out, size_t *n, struct err *e);

/* Does s apply to a bill of fee_item_id for a resource of customer group
 * (NULL: none) whose period starts on day? (active, no min_months, valid
 * that day, item and group unset or equal). Pure. */
bool discount_scheme_applies(const struct discount_scheme *s, int64_t fee_item_id,
                             const char *group, int32_t day);
/* The discount of amount_fen: the largest single one of the schemes of
 * v[0..n) that apply (ties: the lower id), each computed in mode by
 * money_discount_off_bp() or money_discount_fixed(). *discount_fen 0 and
 * *scheme_id 0 when none applies or it rounds to nothing. 0, or -1 on bad
 * input. Pure. */
int discount_best(const struct discount_scheme *v, size_t n, int64_t fee_item_id, const char *group,
                  int32_t day, int64_t amount_fen, enum money_round mode, int64_t *discount_fen,
                  int64_t *scheme_id);
/* discount_best() for a bill paid as part of a prepayment of months months
 * (0: not a prepayment, as discount_best()): a scheme with min_months
 * applies too when min_months <= months. Pure. */
int discount_best_months(const struct discount_scheme *v, size_t n, int64_t fee_item_id,
                         const char *group, int32_t day, int64_t months, int64_t amount_fen,
                         enum money_round mode, int64_t *discount_fen, int64_t *scheme_id);

#endif
