/*
 * books.h — the books' invariants, checked (PAY-6; `wuye check-books`,
 * and the test runner after every integration test binary). The rules are
 * docs/books.md's, to the fen:
 *   - a bill's discount_fen is the sum of its bill_discounts, its paid_fen
 *     the sum of its bill_applications; its due (bill_figure(), today) is
 *     never negative, 0 exactly when it is paid or void; an unpaid or void
 *     bill has nothing paid, a partial one something, a paid one all;
 *   - a receipt's amount is what it applied to bills (the rows it made,
 *     not their reversals) plus what it put on accounts (entries collect
 *     and overpay); an offset's (method prepay or deposit) is what it took
 *     off the account (entries offset); a voided receipt's applications
 *     and its reversals sum to zero;
 *   - an account's balance is the sum of its entries, never below zero.
 * Read only; one statement per rule over the whole database (a bill's due
 * is figured in C, a row at a time, streamed).
 */
#ifndef WUYE_BOOKS_H
#define WUYE_BOOKS_H

#include <stdio.h>

#include "core/err.h"
#include "db/db.h"

/* Check every rule; each breach is one line on out (may be NULL) naming
 * the row and the two figures. *breaches gets their count (at most a few
 * hundred are listed per rule). 0, or -1 when the check itself failed. */
int books_check(struct db *db, FILE *out, long *breaches, struct err *e);

#endif
