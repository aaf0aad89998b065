/*
 * accounts.h — a resource's prepayment (预存, PAY-3) and deposit (押金,
 * PAY-4) accounts at the desk: money in, used on bills, and their history.
 * The accounts and their entries are sql/007_bills.sql's; bills.h moves
 * money on them (account_move_tx()) and offsets prepayments
 * (bills_offset_tx()). Money out again (a refund) is an approval
 * (approvals.h); so is undoing a collection (a receipt void).
 *
 * Each write is one transaction with its receipt (receipt_issue_tx()), its
 * account entry and its audit row, scope decided inside it (another
 * project's resource: 404); the lock order is bills.h's: the account,
 * then the resource's bills. Roles are the route's (cashier, butler,
 * admin of the resource's project).
 */
#ifndef WUYE_ACCOUNTS_H
#define WUYE_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "bills.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

/* "prepay" or "deposit": the names of accounts.kind; -1 for another. */
int account_kind_check(const char *kind, struct err *e);

/* Money in: a top-up of the prepayment account, which then pays the
 * resource's open bills at once, oldest first (bills_offset_tx(): PAY-3's
 * "automatically"), or a deposit taken for a purpose (装修押金 …). */
struct account_in {
    int64_t resource_id;
    const char *kind;    /* "prepay" or "deposit" */
    const char *method;  /* a desk method (pay_method_desk(); else 400) */
    int64_t amount_fen;  /* 1..MONEY_MAX_FEN (else 400) */
    const char *note;    /* may be NULL */
    const char *purpose; /* deposit: required, 1..32 characters; prepay: NULL */
};
struct account_out {
    int64_t receipt_id;
    char receipt_no[48];
    int64_t offset_fen;  /* prepay: what the top-up paid of open bills at once */
    int64_t balance_fen; /* the account's balance after it all */
};
int account_collect(struct db *db, struct arena *a, const struct principal *who,
                    const struct account_in *in, struct account_out *out, struct err *e);

/* Pay chosen bills of the resource from the balance of its kind account:
 * the rules of a collection (bills_check_ids(): 400; 404;
 * bills_check_choice(): 409), the balance applied oldest first up to the
 * bills' due (so it may pay the last one in part); nothing to pay from →
 * 409 INSUFFICIENT_BALANCE. One receipt of method prepay or deposit. */
struct account_offset_out {
    int64_t receipt_id;
    char receipt_no[48];
    int64_t offset_fen, balance_fen;
    int64_t *applied_bill, *applied_fen; /* napplied of them, in a */
    size_t napplied;
};
int account_offset(struct db *db, struct arena *a, const struct principal *who, int64_t resource_id,
                   const char *kind, const int64_t *bill_ids, size_t n,
                   struct account_offset_out *out, struct err *e);

/* A resource's accounts (404 outside who's projects): both, or one kind,
 * each with its balance (0 when it has none yet) and a page of its
 * entries, newest first (before_id 0 = from the newest). */
struct account_entry {
    int64_t id, delta_fen, receipt_id, bill_id, approval_id, staff_id; /* 0 = none */
    const char *reason, *purpose, *note, *receipt_no, *staff_name;     /* NULL = none */
    char created_at[26];
};
struct account_view {
    const char *kind;
    int64_t balance_fen;
    struct account_entry *entries;
    size_t n;
    int64_t next_before; /* 0 = no more */
};
int account_history(struct db *db, struct arena *a, const struct principal *who,
                    int64_t resource_id, const char *kind, int64_t before_id, int limit,
                    struct account_view out[2], size_t *n, struct err *e);

#endif
