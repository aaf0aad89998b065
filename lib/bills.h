/*
 * bills.h — bills and what pays them (FEE-6, FEE-7, PAY-2, PAY-3): the
 * owner's and the staff's bill lists, temporary bills, collection at the
 * desk, receipts numbered without gaps, the prepayment offset. The schema
 * is sql/007_bills.sql; docs/books.md states the rules with examples.
 *
 * The pure half (no database) is what the tests call directly:
 * bill_figure() — a bill's late fee and due for a day, the one function
 * behind the list, the desk and online payment, so an owner pays exactly
 * what the list showed; bill_apply() — what paying part of a bill does to
 * it; bills_mark_payable() and bills_check_choice() — the earliest-first
 * rule of API.md.
 *
 * The late fee (FEE-7), principal first: a payment pays the principal
 * (amount − discount) before any late fee, and the late fee accrues on the
 * open principal only. Each payment freezes the late fee accrued so far
 * into the bill (late_frozen_fen) and restarts the accrual on the smaller
 * principal from that day (late_from), so history is never reinterpreted
 * and the cap counts what is frozen.
 *
 * The transactional half is shared by every module that writes the books
 * (bill runs, approvals, payments): receipt_issue_tx(), bills_apply_tx(),
 * account_move_tx(), bills_offset_tx(). Each runs inside the caller's
 * db_tx() on rows the caller locked as documented.
 */
#ifndef WUYE_BILLS_H
#define WUYE_BILLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"
#include "fees.h"

enum bill_status { BILL_UNPAID, BILL_PARTIAL, BILL_PAID, BILL_VOID };
const char *bill_status_name(enum bill_status s);
int bill_status_from_name(const char *s, enum bill_status *out);

/* The late-fee rule of a bill's fee item (fee_items' late_fee_*). */
struct bill_late_rule {
    bool has;
    int64_t daily_bp, grace_days;
    enum fee_cap cap;
    int64_t cap_fen;
    enum money_round rounding;
};

/* A bill as stored, and its figures for a day. Days count from 1970-01-01
 * (China calendar days). */
struct bill {
    int64_t id, project_id, resource_id, fee_item_id;
    const char *fee_item_name;
    char period[8]; /* "YYYY-MM" */
    enum bill_status status;
    int64_t amount_fen, discount_fen, paid_fen;
    int64_t late_frozen_fen; /* bills.late_fee_fen: frozen so far */
    int32_t due_date;
    int32_t late_from;        /* 0 = accrues from due_date after the grace days */
    int64_t open_payment_id;  /* 0 = in no open payment */
    const char *source, *note, *created_at, *paid_at;
    int64_t ticket_id; /* source "repair": the ticket it charges for; else 0 */
    struct bill_late_rule late;
    /* bill_figure(): */
    int64_t late_fee_fen; /* frozen + accrued today; frozen only once paid or void */
    int64_t due_fen;      /* amount + late fee − discount − paid */
    /* bills_mark_payable(): */
    bool payable;
};

/* The columns of a bill with the late rule of its item, for a module that
 * reads bills in its own statement (the reports): "SELECT " BILL_COLS
 * " FROM bills b JOIN fee_items f ON f.id = b.fee_item_id …"; then
 * bill_from_row() fills b from row i, columns c.. (its strings point
 * into r). */
#define BILL_COLS                                                                                  \
    "b.id, b.project_id, b.resource_id, b.fee_item_id, f.name, b.period, b.status, "               \
    "b.amount_fen, b.discount_fen, b.paid_fen, b.late_fee_fen, "                                   \
    "DATEDIFF(b.due_date, '1970-01-01'), DATEDIFF(b.late_from, '1970-01-01'), "                    \
    "b.open_payment_id, b.source, b.note, b.created_at, b.paid_at, "                               \
    "f.late_fee_daily_bp, f.late_fee_grace_days, f.late_fee_cap, f.late_fee_cap_fen, f.rounding, " \
    "b.ticket_id"
#define BILL_NCOLS 24

void bill_from_row(const struct db_res *r, size_t i, size_t c, struct bill *b);

/* Is the bill open (unpaid or partial)? */
bool bill_is_open(const struct bill *b);
/* China's calendar day now, as days since 1970-01-01. */
int32_t bills_today(void);

/* Fill b->late_fee_fen and b->due_fen for today. 0, or -1 when the stored
 * figures break the books' rules (discount above amount, overflow): the
 * caller answers 500 and check-books names the bill. */
int bill_figure(struct bill *b, int32_t today);

/* What paying pay_fen (0 < pay_fen ≤ b->due_fen, b figured for today)
 * does to the bill. */
struct bill_after {
    int64_t paid_fen, late_frozen_fen;
    int32_t late_from; /* 0 = still none */
    enum bill_status status;
    int64_t late_part_fen; /* the part of pay_fen that pays the late fee */
};
int bill_apply(const struct bill *b, int64_t pay_fen, int32_t today, struct bill_after *out);
/* The late fee accrued until today frozen into the bill (*late_frozen_fen)
 * and the day it accrues from again (*late_from, 0 = still none): what a
 * payment, and a waiver (lib/approvals.h), do before the principal shrinks,
 * so that the accrual so far is never recomputed on the smaller one. -1 as
 * bill_figure(). */
int bill_late_freeze(const struct bill *b, int32_t today, int64_t *late_frozen_fen,
                     int32_t *late_from);

/* Sort bills as the lists show them: period, then fee item, then id. */
void bills_sort(struct bill *v, size_t n);
/* Set payable on sorted bills (API.md): open, in no open payment, and no
 * earlier open bill of the same (resource, fee item) is in one. */
void bills_mark_payable(struct bill *v, size_t n);
/*
 * The rules of choosing bills to pay (API.md, in its order after 400 and
 * 404): open is every open bill of the resources concerned, sorted and
 * marked; chosen the ids (distinct, each one of them a bill of those
 * resources, which the caller checked: 404). 409 BILL_NOT_PAYABLE when one
 * is paid, void or in an open payment; 409 EARLIER_BILL_UNPAID when, for a
 * (resource, fee item), they are not its earliest open bills without a
 * gap. all/nall are every bill of the resources (to tell paid from open).
 */
int bills_check_choice(const struct bill *all, size_t nall, const int64_t *chosen, size_t nchosen,
                       struct err *e);

/* ---- reading ------------------------------------------------------------------------- */

enum bill_filter { BILLS_UNPAID, BILLS_PAID, BILLS_ALL };
int bill_filter_from_name(const char *s, enum bill_filter *out); /* NULL → unpaid */

/* The owner's list (API.md): the bills of every resource the session's
 * person is linked to now, session and bills in one statement (the hot
 * path, as res_list_for_token()). resource_id 0 = all of them; another
 * resource → an empty list. Unpaid comes whole; paid and all a page at a
 * time (cursor: after_key, 0 = from the start). who is filled as the
 * worker would (401/403 as every route). */
struct bill_page {
    struct bill *items;
    size_t n;
    uint64_t next_key; /* 0 = the last page */
};
int bills_for_token(struct db *db, struct arena *a, const char *token, struct principal *who,
                    enum bill_filter f, int64_t resource_id, uint64_t after_key, int limit,
                    struct bill_page *out, struct err *e);
/* A resource's bills for staff of its project (404 otherwise). */
int bills_for_resource(struct db *db, struct arena *a, const struct principal *who,
                       int64_t resource_id, enum bill_filter f, uint64_t after_key, int limit,
                       struct bill_page *out, struct err *e);

/* Every bill of the database, figured for today, one at a time (a scan
 * for check-books and reports: fn's bill lasts until it returns). */
int bills_scan(struct db *db, int (*fn)(void *arg, const struct bill *b, struct err *e), void *arg,
               struct err *e);

/* A resource's books at a glance, for GET /staff/resources/{id}. */
struct receivables {
    int64_t open_bills, due_fen, late_fee_fen, prepay_fen, deposit_fen;
    struct receipt_brief {
        int64_t id;
        const char *receipt_no, *method, *status, *created_at;
        int64_t amount_fen;
    } *recent;
    size_t nrecent;
};
int bills_receivables(struct db *db, struct arena *a, int64_t resource_id,
                      struct receivables *out, struct err *e);

/* ---- writing (the desk) -------------------------------------------------------------- */

/* A temporary bill (API.md): fee item of the resource's project (else
 * 404), amount 1..MONEY_MAX_FEN, due today, offset from the prepayment
 * account if it has a balance. */
int bill_create_temporary(struct db *db, const struct principal *who, int64_t resource_id,
                          int64_t fee_item_id, int64_t amount_fen, const char *note, int64_t *id,
                          struct err *e);

/* A one-off bill raised inside the caller's transaction, as a temporary
 * one is: the resource's project served by who (404), the fee item of
 * that project (404), period the month of today, due today, its audit
 * row ("create_<source>_bill"), then the prepayment offset. source is
 * "temporary" (ticket_id 0) or "repair" (ticket_id the ticket: a second
 * bill of one ticket → DB_DUPLICATE). amount_fen 1..MONEY_MAX_FEN is the
 * caller's to check. */
struct bill_new {
    int64_t resource_id, fee_item_id, amount_fen;
    const char *source;
    int64_t ticket_id;
    const char *note; /* may be NULL */
};
int bill_create_tx(struct db *db, struct arena *a, const struct principal *who,
                   const struct bill_new *in, int64_t *id, struct err *e);

/* The bill that charges for ticket_id (source "repair"), figured for
 * today, into *out (strings in a): 1 found, 0 none, -1 error. Scope is
 * the caller's (whoever may see the ticket may see its bill). */
int bill_of_ticket(struct db *db, struct arena *a, int64_t ticket_id, struct bill *out,
                   struct err *e);

enum pay_method { PAY_CASH, PAY_CARD, PAY_WECHAT, PAY_ALIPAY, PAY_TRANSFER, PAY_WECHAT_PAY,
                  PAY_PREPAY, PAY_DEPOSIT };
const char *pay_method_name(enum pay_method m);
/* The desk's methods only (cash … transfer); -1 for any other name. */
int pay_method_desk(const char *s, enum pay_method *out);

#define BILLS_CHOICE_MAX 100

struct collect_in {
    int64_t resource_id;
    const int64_t *bill_ids;
    size_t nbills;
    enum pay_method method;
    int64_t amount_fen;
    bool to_prepay;
    const char *payer_name, *note; /* may be NULL */
};
struct collect_out {
    int64_t receipt_id;
    char receipt_no[48];
    int64_t amount_fen, to_prepay_fen;
    int64_t *applied_bill, *applied_fen; /* n entries, in the caller's arena */
    size_t napplied;
};
/* Collect at the desk (API.md "Collections"), one transaction with its
 * receipt, applications, prepayment entry and audit row. */
int bills_collect(struct db *db, struct arena *a, const struct principal *who,
                  const struct collect_in *in, struct collect_out *out, struct err *e);

/* ---- the shared steps of the books (inside the caller's transaction) ----------------- */

/* Take the next receipt number of a project and year and insert the
 * receipt. The counter row stays locked until the caller's commit: take it
 * as late as possible. */
struct receipt_in {
    int64_t project_id, resource_id;
    enum pay_method method;
    const char *purpose; /* "bills", "prepay", "deposit" */
    int64_t amount_fen, to_prepay_fen;
    int64_t cashier_id, payment_id; /* 0 = none */
    const char *payer_name, *note;
};
int receipt_issue_tx(struct db *db, const struct receipt_in *in, int64_t *id,
                     char receipt_no[48], struct err *e);

/* Apply pay[i] fen of receipt_id to bills[i] (figured for today, locked by
 * the caller): one application row each and the bill's new figures. */
int bills_apply_tx(struct db *db, int64_t receipt_id, const struct bill *bills,
                   const int64_t *pay, size_t n, int32_t today, struct err *e);

/* Lock all bills of a resource (FOR UPDATE), sorted as bills_sort(), with
 * the late rules of their items; the lock that makes two collections of
 * one resource wait for each other. */
int bills_lock_resource(struct db *db, struct arena *a, int64_t resource_id, struct bill **out,
                        size_t *n, struct err *e);

/* Move delta_fen on the resource's account of kind ("prepay", "deposit"),
 * the account made on first use and locked; the balance may not go below
 * zero (409 INSUFFICIENT_BALANCE). reason is account_entries.reason. */
struct account_move {
    int64_t project_id, resource_id;
    const char *kind, *reason;
    int64_t delta_fen;
    int64_t receipt_id, bill_id, approval_id, staff_id; /* 0 = none */
    const char *note;
    const char *purpose; /* a deposit's (装修押金 …); NULL = none */
};
int account_move_tx(struct db *db, const struct account_move *m, int64_t *balance_after,
                    struct err *e);
/* The resource's account of kind, made on first use and locked (FOR
 * UPDATE) until the caller's commit: its id and balance, for a decision
 * on the balance before the bills are locked. */
int account_lock_tx(struct db *db, int64_t project_id, int64_t resource_id, const char *kind,
                    int64_t *account_id, int64_t *balance_fen, struct err *e);

/* Pay the resource's open bills from its prepayment balance, oldest first
 * (the earliest-first rule holds: each (resource, item) in order, stopping
 * at the first bill not paid whole), as one 'prepay' receipt. *offset_fen
 * (may be NULL) gets what was used; 0 when nothing was. who may be NULL
 * (a job). */
int bills_offset_tx(struct db *db, struct arena *a, const struct principal *who,
                    int64_t project_id, int64_t resource_id, int64_t *offset_fen, struct err *e);

/* The resource's project when the caller serves it; 404 otherwise. Locks
 * the resource row in share mode (it must not move projects meanwhile). */
int bills_resource_scope_tx(struct db *db, const struct principal *who, int64_t resource_id,
                            int64_t *project_id, struct err *e);

/* The rules of choosing bills to pay for the desk (API.md "Collections"):
 * ids 1..BILLS_CHOICE_MAX, distinct (else 400). */
int bills_check_ids(const int64_t *ids, size_t n, struct err *e);
/* Lock the resource's bills (bills_lock_resource()) and take the chosen
 * ones: each a bill of the resource (404), then bills_check_choice()'s
 * 409s; *chosen (n of them, in a) oldest first, with their due_fen total. */
int bills_choose_tx(struct db *db, struct arena *a, int64_t resource_id, const int64_t *ids,
                    size_t n, struct bill **chosen, int64_t *total_due_fen, struct err *e);

/* A bill's or a receipt's audit snapshot (entity "bill" or "receipt": the
 * JSON the books' audit rows carry), for the before of a change; and the
 * audit row of a change to one, its after taken now. */
int bills_snapshot_tx(struct db *db, struct arena *a, const char *entity, int64_t id,
                      const char **json, struct err *e);
int bills_audit_tx(struct db *db, struct arena *a, const struct audit_entry *x, struct err *e);

/* "SFXQ-2026-000123": the project's code, the year, six digits at least. */
void receipt_format(const char *project_code, int year, int64_t seq, char out[48]);

#endif
