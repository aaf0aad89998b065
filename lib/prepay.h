/*
 * prepay.h — prepaying future periods of a cycle fee item at the desk
 * (FEE-4 "for prepaying a year", PAY-2): what the next N months of, say,
 * the property fee come to with the best discount (a prepayment scheme's
 * included), and the collection that makes those bills and pays them in
 * one transaction. docs/billing.md states the rule with a worked example;
 * docs/api.md §6.3 the endpoints.
 *
 * The periods: the cycle's periods after the last one billed for the
 * (resource, item) — a bill run's, an import's or an earlier prepayment's
 * (cycle bills: cycle_key 1) —, or from the period that holds today when
 * none is. months counts months covered, so for a quarterly item it is a
 * multiple of 3, for a yearly one of 12.
 *
 * The figures are a bill run's: each period's amount is billrun_compute()
 * for the rate valid on the period's first day, its discount the largest
 * single one of the ordinary schemes that apply and the prepayment schemes
 * with min_months <= months (discount_best_months(): never stacked; ties
 * to the lower id), its due bill_figure() today (a period already past
 * owes its late fee like any bill). A period that cannot be billed (no
 * rate, no area, nothing to pay) is 409 PREPAY_NOT_BILLABLE naming it.
 *
 * Earliest first: while the item has an open bill of the resource, no
 * later one may be paid, so the quote lists them (blocked_by) and the
 * collection answers 409 EARLIER_BILL_UNPAID, as POST /staff/collections
 * would for the same bills.
 *
 * The collection pins what the cashier was quoted: its period_from and
 * amount_fen must be exactly those of a quote made now (409
 * PREPAY_QUOTE_CHANGED with the current figures otherwise), so a retried
 * request, or one racing a bill run, never bills or collects twice — and
 * uk_bills_cycle refuses a second bill of a period whatever else happens.
 * One transaction: the resource (share) and all its bills locked as every
 * collection locks them, the bills inserted (source 'prepay') with their
 * scheme discounts (bill_discounts), then bills_collect_tx() — one
 * receipt numbered as every receipt, its applications, the bills paid,
 * its audit row — and an audit row of the prepayment itself.
 *
 * Not for: topping up the prepayment account (lib/bills.h accounts), which
 * pays bills as they come and takes no prepayment scheme.
 */
#ifndef WUYE_PREPAY_H
#define WUYE_PREPAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "bills.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"
#include "fees.h"

#define PREPAY_MAX_MONTHS 36

/* ---- periods (pure) ------------------------------------------------------------------ */

/* The months one period of the cycle covers: 1, 3 or 12; 0 for a one-off. */
int prepay_cycle_months(enum fee_cycle c);
/* The first period to prepay (a month as billrun_period_parse() counts
 * them): the cycle's first period after last (0: nothing billed yet), or
 * the period that holds this_month. */
int32_t prepay_first_period(enum fee_cycle c, int32_t last, int32_t this_month);

/* ---- quote and collection ------------------------------------------------------------ */

struct prepay_line {
    char period[8];
    int32_t due_day; /* days since 1970-01-01 */
    int64_t amount_fen, discount_fen, due_fen;
    int64_t scheme_id; /* 0 = no discount */
    const char *scheme_name;
    int64_t rate, quantity;
    bool has_quantity;
    int64_t bill_id; /* once made (the collection) */
};

struct prepay_quote {
    int64_t resource_id, fee_item_id, months;
    const char *fee_item_name;
    enum fee_cycle cycle;
    char period_from[8], period_to[8];
    struct prepay_line *lines;
    size_t nlines;
    int64_t amount_fen, discount_fen, due_fen;
    /* the open bills of the item that must be paid first, oldest first */
    int64_t *blocked_by;
    size_t nblocked;
};

/* What the next months months of fee_item_id would come to for the
 * resource: nothing written. 400: months outside 1..PREPAY_MAX_MONTHS or
 * not whole periods of the item's cycle, a one-off, usage or inactive
 * item; 404: a resource or item outside the caller's projects (an item of
 * another project); 409 PREPAY_NOT_BILLABLE. In a. */
int prepay_quote(struct db *db, struct arena *a, const struct principal *who, int64_t resource_id,
                 int64_t fee_item_id, int64_t months, struct prepay_quote *out, struct err *e);

struct prepay_in {
    int64_t resource_id, fee_item_id, months;
    const char *period_from;       /* the quote's, "YYYY-MM" */
    enum pay_method method;        /* the desk's (pay_method_desk()) */
    int64_t amount_fen;            /* the quote's due_fen */
    const char *payer_name, *note; /* may be NULL */
};

/* Make the quoted bills and collect them (the checks of prepay_quote(),
 * then 409 EARLIER_BILL_UNPAID, 409 PREPAY_QUOTE_CHANGED), one
 * transaction. *q is the quote it made the bills by (with their ids),
 * *out the receipt as bills_collect() gives it. In a. */
int prepay_collect(struct db *db, struct arena *a, const struct principal *who,
                   const struct prepay_in *in, struct prepay_quote *q, struct collect_out *out,
                   struct err *e);

#endif
