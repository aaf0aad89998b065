/*
 * bills_import.h — FEE-6: the import of historical bills, paid and unpaid,
 * from a CSV (docs/api.md §7.15), with a per-row error report.
 *
 * The file: a header row (Chinese or English names, any order), then one
 * bill per row: resource code, fee item code, period, amount and,
 * optionally, the paid amount, the day it was paid and a note. Amounts
 * are yuan with at most two decimals (money_parse(): never through a
 * floating type, a third decimal refused rather than rounded).
 *
 * The rules, those of the resource import (resources_import.h):
 *  - a fatal defect of the file (not UTF-8, no header, an unknown,
 *    duplicate or missing column, broken CSV, more than IMPORT_MAX_ROWS
 *    rows) writes nothing at all: 400;
 *  - each row is its own transaction: a bad row never undoes a good one,
 *    and its errors (one per bad cell, in Chinese, with the file line)
 *    are the report's;
 *  - idempotent: a bill is the one of uk_bills_cycle, (resource, fee
 *    item, period), so a row whose bill exists changes nothing and counts
 *    as existing — the same file twice creates nothing the second time,
 *    and a rerun of a job killed half way finishes the rest. A row whose
 *    bill exists with another amount is refused (the file and the books
 *    disagree: someone must look).
 *
 * What a row writes, in one transaction: the bill (source 'import',
 * cycle_key 1, due on the item's due day of the period's first month) and
 * its audit row; when a paid amount is given, ONE receipt for it (method
 * 'transfer', the importer as cashier, note "历史导入 缴费日期 …"),
 * issued by receipt_issue_tx() and applied by bills_apply_tx() as the
 * figures of the bill's due date — so the paid amount pays the principal,
 * the books balance (paid_fen = Σ applications = the receipt) and
 * check-books holds; the bill's paid_at is the paid day. The late fee the
 * old system may have charged is not imported (a temporary bill, if
 * owed); what stays open accrues late fee by the item's rule from its due
 * date, as every bill. Then, as for any new bill, the resource's
 * prepayment balance pays what it can (bills_offset_tx()). A receipt per
 * row rather than per resource keeps a row one transaction that either
 * happened or not, which is what makes a rerun exact.
 *
 * The receipt is dated when it is recorded (its number is of this year,
 * gapless with the desk's); the day the money came is in its note.
 */
#ifndef WUYE_BILLS_IMPORT_H
#define WUYE_BILLS_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/csv.h"
#include "core/err.h"
#include "db/db.h"
#include "resources_import.h"

struct bill_import_report {
    struct import_report base; /* rows_total, rows_ok, rows_failed, errors */
    int created_bills, existing_bills, receipts;
    int64_t amount_fen, paid_fen; /* of the bills and receipts created */
};

/* Import a CSV of bills into project_id (404 if not the caller's) as who
 * (the audit actor and the receipts' cashier; not NULL). 0 when the file
 * was processed — row errors are in rep, freed with
 * bill_import_report_free() in every case; -1 with 400 for a fatal
 * defect (nothing written), 500/503 if the database fails midway. */
int bill_import_csv(struct db *db, int64_t project_id, const struct principal *who,
                    const char *data, size_t len, const struct import_progress *progress,
                    struct bill_import_report *rep, struct err *e);
/* Data rows of the file, or -1 for a fatal defect: 200 or 202. */
int bill_import_rows(const char *data, size_t len);
void bill_import_report_free(struct bill_import_report *rep);

/* ---- Pure parsing, no database ------------------------------------------------------- */

enum bill_import_col {
    BI_RESOURCE,
    BI_ITEM,
    BI_PERIOD,
    BI_AMOUNT,
    BI_PAID,
    BI_PAID_DATE,
    BI_NOTE,
    BI_NCOLS
};
extern const char *const bill_import_col_names[BI_NCOLS];
extern const char *const bill_import_col_names_en[BI_NCOLS];

struct bill_import_header {
    int field_of[BI_NCOLS]; /* -1 = absent */
    size_t nfields;
    bool ignored[CSV_MAX_FIELDS];
};
/* Map the header row; 400 for an unknown, duplicate or missing column. */
int bill_import_header_parse(const struct csv_field *f, size_t n, struct bill_import_header *h,
                             struct err *e);

struct bill_import_row {
    int line;
    const char *resource_code, *fee_item_code, *note; /* in the arena; note may be NULL */
    char period[8];
    int64_t amount_fen, paid_fen; /* paid 0 = unpaid */
    int32_t paid_day;             /* days since 1970-01-01; 0 when unpaid */
};
/* Validate one record (starting at line) as of today: 0 when valid, else
 * the number of errors added to rep (rep's counters untouched). */
int bill_import_row_parse(const struct bill_import_header *h, const struct csv_field *f, size_t n,
                          int line, int32_t today, struct arena *a, struct bill_import_row *row,
                          struct import_report *rep);

#endif
