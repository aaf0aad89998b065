/*
 * resources_import.h — RES-5: bulk import and export of resources and their people
 * as CSV, with a per-row error report.
 *
 * The file: a header row (Chinese or English column names, any order, see
 * import_col_names), then one row per resource, or per (resource, person)
 * when people are given. A resource is matched by its code within the
 * project (default "楼栋-单元-房号", the unit part left out when empty).
 * When the code was left empty and no resource has the default code, the
 * resource at the same place (building, unit, number) is taken if there is
 * exactly one: codes made by hand ("1-1-101") must not turn a sheet without
 * codes into duplicate homes. Buildings and units are matched by name,
 * persons by phone; missing ones are created,
 * and an existing resource is updated only where the file says something
 * different. An empty cell or an absent column means "leave as it is", never
 * "clear", so a partial sheet cannot wipe data.
 *
 * Invariants the lead's integration tests rely on:
 *  - each row is its own transaction: a bad row never undoes a good one;
 *  - importing the same file twice (or an export of the project) changes
 *    nothing the second time: no rows, no updates, no audit_log entries —
 *    every write is preceded by a read that proves it is needed, and two
 *    rows of one file that disagree about one resource are refused rather
 *    than applied in turn;
 *  - a fatal defect of the file (no header, unknown column, broken CSV,
 *    not UTF-8, too many rows) writes nothing at all.
 *
 * What the import never does: end a link (move-out), change a person's
 * name, or touch columns the sheet does not have (lease status, business
 * scope, tenant company, custom fields).
 *
 * Lower half of this header: the pure parsing (no database), exposed for
 * unit tests and for callers that only want to validate.
 */
#ifndef WUYE_RESOURCES_IMPORT_H
#define WUYE_RESOURCES_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/csv.h"
#include "db/db.h"

#define IMPORT_MAX_ROWS 100000
#define IMPORT_MAX_ERRORS 1000

struct import_error {
    int line;           /* line in the file where the row starts (header = 1) */
    const char *column; /* Chinese column name (static), NULL = the whole row */
    char message[160];  /* Chinese, for the user */
};

struct import_report {
    int rows_total, rows_ok, rows_failed;
    int created_resources, updated_resources, created_persons, created_links, created_buildings,
        created_units;
    struct import_error *errors; /* the first IMPORT_MAX_ERRORS; rows_failed counts them all */
    size_t nerrors;
};

struct principal;

/* Import a CSV into project_id as who (the audit_log actor; NULL = the
 * system, e.g. the operator tool; not kept after the call). 0 when the
 * file was processed — row errors are in rep, which the caller frees with
 * import_report_free() in every case.
 * -1: 404 for an unknown project; 400 for a fatal defect of the file
 * (nothing written); 500/503 if the database fails midway (rows committed
 * before stay, rep says which). */
/* Told how far an import got, every `every` rows (a job's progress
 * record); fn returning -1 stops the import with fn's error. */
struct import_progress {
    int every;
    int (*fn)(void *arg, const struct import_report *rep, int rows_in_file, struct err *e);
    void *arg;
};

int import_csv(struct db *db, int64_t project_id, const struct principal *who, const char *data,
               size_t len, const struct import_progress *progress, struct import_report *rep,
               struct err *e);
/* Rows of data in a CSV (after the header), or -1 if the file has a fatal
 * defect: how big an import will be before it starts (202 or 200). */
int import_rows(const char *data, size_t len);
/* import_csv() of a file's contents with the system as actor (operator
 * tool); 400 if the file cannot be read. */
int import_csv_file(struct db *db, int64_t project_id, const char *path, struct import_report *rep,
                    struct err *e);
/* Totals, then one line per error: "第 N 行 [列]: 消息". */
void import_report_print(const struct import_report *rep, FILE *out);
void import_report_free(struct import_report *rep);

/* Append the project's estate as CSV to out: a UTF-8 BOM (so Excel reads
 * the Chinese), a Chinese header, one row per current link and one row
 * without person columns per resource without a current link, ordered by
 * building, unit, number (natural order: 2栋 before 10栋). Phones in full
 * (an office export), ID numbers as stored (masked), formula-looking
 * values defused. 404 for an unknown project. */
int export_csv(struct db *db, const struct principal *who, int64_t project_id, struct buf *out,
               struct err *e);
/* export_csv() written to a stream; 500 if writing fails. */
int export_csv_file(struct db *db, int64_t project_id, FILE *out, struct err *e);

/* ---- Pure parsing, no database ---------------------------------------- */

enum import_col {
    IMPORT_COL_BUILDING,
    IMPORT_COL_UNIT,
    IMPORT_COL_NUMBER,
    IMPORT_COL_CODE,
    IMPORT_COL_KIND,
    IMPORT_COL_FLOOR,
    IMPORT_COL_AREA,
    IMPORT_COL_INNER_AREA,
    IMPORT_COL_LAYOUT,
    IMPORT_COL_DECORATION,
    IMPORT_COL_NAME,
    IMPORT_COL_PHONE,
    IMPORT_COL_RELATION,
    IMPORT_COL_MOVED_IN,
    IMPORT_COL_ID_NUMBER,
    IMPORT_NCOLS
};

/* Chinese and English header names, in enum order (the export uses this
 * order and the Chinese names). */
extern const char *const import_col_names[IMPORT_NCOLS];
extern const char *const import_col_names_en[IMPORT_NCOLS];

struct import_header {
    int field_of[IMPORT_NCOLS];   /* index of the column's field, -1 = absent */
    size_t nfields;               /* fields in the header row */
    bool ignored[CSV_MAX_FIELDS]; /* header cell was empty: no column there */
};

/* Map a header row onto ncols known columns, named zh[c] (Chinese) or
 * en[c] (English, any case): field_of[c] the field of column c, -1 when
 * absent; ignored[i] for an empty header cell (n ≤ CSV_MAX_FIELDS of
 * them). 400 for a column named twice, or for unknown names (all of them
 * in one message, then "可用的列：" available). Every CSV import's header. */
int import_header_map(const struct csv_field *f, size_t n, const char *const *zh,
                      const char *const *en, size_t ncols, const char *available, int *field_of,
                      bool *ignored, struct err *e);
/* Map a header row; 400 with a Chinese message for an unknown, duplicate
 * or missing required column. */
int import_header_parse(const struct csv_field *f, size_t n, struct import_header *h,
                        struct err *e);

/* One data row, validated and normalized. Strings are NUL-terminated in the
 * arena given to import_row_parse(); NULL = empty cell or absent column. */
struct import_row {
    int line;
    const char *building, *unit, *number, *code, *layout, *decoration;
    bool code_generated; /* the 编码 cell was empty: code is 楼栋-单元-房号 */
    const char *kind;    /* "home", "shop", "office", "parking", "other" */
    bool has_floor, has_area, has_inner_area;
    int64_t floor, area_m2x100, inner_area_m2x100;
    bool has_person; /* name, phone and relation all given */
    const char *name, *phone;
    const char *relation;         /* "owner", "family", "tenant" */
    const char *moved_in_on;      /* "YYYY-MM-DD" */
    const char *id_number_masked; /* "3301**********1234" */
};

/* Validate one record (the line where it starts) into row. 0 when valid;
 * otherwise the number of errors appended to rep (one per bad cell).
 * rep's row counters are not touched. */
int import_row_parse(const struct import_header *h, const struct csv_field *f, size_t n, int line,
                     struct arena *a, struct import_row *row, struct import_report *rep);

/* Cell parsers; 0 = valid, or one of these. */
#define IMPORT_BAD (-1)      /* not a number/date of the expected shape */
#define IMPORT_DECIMALS (-2) /* more than two decimals */
#define IMPORT_RANGE (-3)    /* well formed but out of range */

/* "89.5" → 8950: digits, optionally '.' and one or two digits; no sign,
 * exponent or separators; at most 1,000,000.00 m². */
int import_parse_area(const char *s, size_t n, int64_t *m2x100);
/* An integer in the SMALLINT range of resources.floor; "-1" = basement. */
int import_parse_floor(const char *s, size_t n, int64_t *out);
/* "YYYY-MM-DD", a real calendar date in 1900..2099. */
int import_parse_date(const char *s, size_t n);
/* home|shop|office|parking|other or 住宅|商铺|写字楼|车位|其他 → the
 * English code (static); NULL if neither. */
const char *import_kind_parse(const char *s, size_t n);
/* owner|family|tenant or 业主|家属|租户 → the English code; NULL if neither. */
const char *import_relation_parse(const char *s, size_t n);
/* Chinese display names for the codes above (export). */
const char *import_kind_label(const char *code);
const char *import_relation_label(const char *code);
/* Keep the first and last 4 characters, stars between; letters upper-cased.
 * Input: 9..32 of [0-9A-Za-z*] (an already masked number masks to itself).
 * out holds 33 bytes. 0, or IMPORT_BAD. */
int import_mask_id(const char *s, size_t n, char out[33]);

/* A cell as the importers read it: trimmed of spaces and tabs, and
 * without the one leading ' of the exports' formula guard. */
void import_cell_view(const struct csv_field *f, const char **s, size_t *n);
/* A record of nothing but empty cells (",,," from a spreadsheet) or a
 * blank line: not a row of data. */
bool import_record_blank(const struct csv_field *f, size_t n);

/* Data in a cell outside the header's columns (beyond nfields, or under
 * an ignored empty header cell) is an error: silently dropping what the
 * user typed would be worse. Added to rep once per row; 1 if so, else 0. */
int import_stray_cells(const struct csv_field *f, size_t n, size_t nfields, const bool *ignored,
                       int line, struct import_report *rep);
/* Add an error to rep (kept while fewer than IMPORT_MAX_ERRORS); the
 * message is cut at a character boundary to fit. */
void import_report_add_error(struct import_report *rep, int line, const char *column,
                             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
