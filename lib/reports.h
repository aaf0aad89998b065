/*
 * reports.h — the books' reports (PAY-6, FEE-6): the summary of
 * receivable, discounted, received and offset money by period, building
 * or fee item with the collection rate; receivables with their arrears
 * age; a resource's statement (对账单); the cashier's daily
 * reconciliation; the change log of the money entities. Each is built as
 * a struct report (report_table.h), which the handler renders as JSON,
 * CSV or XLSX. docs/api.md §7.14 gives every column with its meaning.
 *
 * Reading only: no report writes a row, except report_file_store() (the
 * file an export job made). Scope is decided here: a project (or a
 * resource's project) the caller does not serve is 404, a building or fee
 * item of another project too. Input is checked here (400, nothing read).
 *
 * The figures, and the one rule behind each:
 *  - a void bill is in no report: it never was receivable;
 *  - received and offset are the bills' applications (reversals
 *    included, so a voided receipt takes its money back out), split by
 *    the receipt's method: 'prepay' receipts are offsets, all others money
 *    received;
 *  - the due of an open bill on a day is bill_figure() of that day — the
 *    same function as the owner's list and the desk;
 *  - collection_rate_bp = ⌊(received + offset − late fees paid) × 10000 /
 *    (receivable − discount)⌋: the principal collected over the principal
 *    owed, rounded down (99.995 % is 9999, never a full 10000 before the
 *    last fen is in); null when nothing is owed.
 *
 * Exports that read many rows are long work (API.md): report_export_rows()
 * says how many an export would read, and above REPORT_SYNC_MAX_ROWS the
 * handler queues it as a job (kind "report_export") whose file is kept in
 * report_files.
 */
#ifndef WUYE_REPORTS_H
#define WUYE_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "report_table.h"

enum report_kind { REPORT_BOOKS, REPORT_ARREARS, REPORT_STATEMENT, REPORT_DAILY, REPORT_CHANGES };

/* What a report is asked for: the query parameters of its endpoint as
 * text (NULL = not given), checked by report_run(). */
struct report_query {
    enum report_kind kind;
    int64_t id;                                     /* the project; the resource for a statement */
    const char *period_from, *period_to, *group_by; /* books */
    int64_t building_id, fee_item_id;               /* books; arrears: building_id */
    const char *as_of;                              /* arrears */
    const char *from, *to;                          /* statement, changes */
    const char *date;                               /* daily */
    const char *entity;                             /* changes */
    int64_t after; /* arrears (resource id), changes (audit id): the page's cursor */
    int limit;     /* arrears, changes: the page's size; 0 = every row (an export) */
};

/* Build the report q asks for into out (in a). */
int report_run(struct db *db, struct arena *a, const struct principal *who,
               const struct report_query *q, struct report *out, struct err *e);

/* An export of more rows than this is a job (202), not an answer. */
#define REPORT_SYNC_MAX_ROWS 20000
/* How many rows an export of q would read (open bills for the arrears,
 * audit rows for the change log; 0 for the reports that are small by
 * nature). The checks and the scope of report_run(). */
int report_export_rows(struct db *db, struct arena *a, const struct principal *who,
                       const struct report_query *q, int64_t *rows, struct err *e);

const char *report_kind_name(enum report_kind k);
int report_kind_from_name(const char *s, enum report_kind *out);
/* "arrears-1-2026-05-31.xlsx": the report, its id and day, ASCII only. */
void report_filename(const struct report_query *q, const char *ext, char out[128]);

/* The input of a "report_export" job: q and the format ("csv", "xlsx"),
 * as JSON text (malloc'd; the caller frees it with free()), and back (the
 * strings in a). */
char *report_job_input(const struct report_query *q, const char *format);
int report_job_parse(struct arena *a, const char *text, size_t len, struct report_query *q,
                     const char **format, struct err *e);

/* Keep the file of export job job_id / find it again (404 when the job
 * has none, yet or at all). */
int report_file_store(struct db *db, int64_t job_id, const char *filename, const char *content_type,
                      const char *data, size_t len, struct err *e);
struct report_file {
    const char *filename, *content_type, *data;
    size_t len;
};
int report_file_get(struct db *db, struct arena *a, int64_t job_id, struct report_file *out,
                    struct err *e);

/* ---- the pure parts (unit tests) ----------------------------------------------------- */

/* Arrears age of an open bill: days past its due date (the due date is
 * day 0), in the buckets of FEE-6. */
enum report_age {
    AGE_NOT_DUE, /* due later than the day */
    AGE_0_30,
    AGE_31_90,
    AGE_91_180,
    AGE_181_365,
    AGE_OVER_365,
    AGE_COUNT
};
enum report_age report_age_bucket(int32_t days_past_due);

/* ⌊collected × 10000 / owed⌋ in basis points (see above); false (null)
 * when owed ≤ 0. */
bool report_rate_bp(int64_t collected_fen, int64_t owed_fen, int64_t *bp);

/* "YYYY-MM", a month of 1900..2199: 0, or -1. */
int report_period_valid(const char *s);

#endif
