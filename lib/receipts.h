/*
 * receipts.h — a receipt as the staff see and print it (PAY-7): its lines
 * (what it paid of which bill), the project's receipt template, and the
 * print page — HTML laid out for A5 paper or an 80 mm thermal roll, with
 * the amount in figures and in Chinese capitals (人民币 + money_words()).
 *
 * Receipts are issued by the books (bills.h, receipt_issue_tx()); this
 * module only reads them, and counts their prints: every print is
 * receipts.printed_count + 1 in one transaction with its audit row, so a
 * copy printed a second time says "重打" and which print it is. A voided
 * receipt prints with "已作废".
 *
 * Scope: the staff of the receipt's project; anyone else 404.
 * receipt_html() is pure (no database): every text it prints is
 * HTML-escaped (core/html.h), the page has no script and no outside
 * resource.
 */
#ifndef WUYE_RECEIPTS_H
#define WUYE_RECEIPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"

enum receipt_paper { PAPER_A5, PAPER_THERMAL80 };
/* "a5", "thermal80": 0, or -1. */
int receipt_paper_from_name(const char *s, enum receipt_paper *out);
const char *receipt_paper_name(enum receipt_paper p);

/* The Chinese names the receipts and reports print for the stable codes
 * of sql/007_bills.sql (a method, a purpose, an account kind, an account
 * entry's reason); the code itself for one it does not know. */
const char *receipt_method_label(const char *method);
const char *receipt_purpose_label(const char *purpose);
const char *account_kind_label(const char *kind);
const char *account_reason_label(const char *reason);

/* What a receipt paid of one bill (its application; reversals are not
 * lines: a voided receipt shows what it had paid, marked 已作废). */
struct receipt_line {
    int64_t bill_id, fee_item_id;
    const char *fee_item, *period;
    int64_t amount_fen, late_fen; /* late_fen: the part that paid the late fee */
};

struct receipt_view {
    int64_t id, project_id, resource_id, cashier_id;
    const char *project, *receipt_no, *resource_code, *building, *unit, *number;
    const char *method, *purpose, *status; /* the codes of sql/007 */
    const char *payer_name, *owners, *note, *cashier;
    const char *created_at, *voided_at; /* RFC 3339, China time; voided_at NULL */
    int64_t amount_fen, to_prepay_fen, printed_count;
    struct receipt_line *lines;
    size_t nlines;
    /* the project's template */
    const char *title, *footer;
    enum receipt_paper paper;
};

/* A receipt (staff of its project; 404 otherwise), in a. */
int receipt_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                struct receipt_view *out, struct err *e);
/* Print it: printed_count + 1 and its audit row (print_receipt, or
 * reprint_receipt from the second print on) in one transaction; out is
 * the receipt after it, printed_count this print's number. */
int receipt_print(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                  struct receipt_view *out, struct err *e);
/* The print page for paper: a whole HTML document, UTF-8. */
void receipt_html(const struct receipt_view *v, enum receipt_paper paper, struct buf *out);

/* Set a project's template (admins of it; 404 otherwise): title (≤ 64
 * characters, "" = the default), paper, footer (≤ 200); audited. */
struct receipt_template {
    const char *title, *paper, *footer;
};
int receipt_template_set(struct db *db, const struct principal *who, int64_t project_id,
                         const struct receipt_template *t, struct err *e);

#endif
