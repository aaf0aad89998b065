/*
 * report_table.h — a report as tables (PAY-6): sections of typed columns
 * (text, integers, fen, basis points), their rows and a totals row, and a
 * few named values above them (a statement's opening balance) — and the
 * two files an office downloads a report as:
 *
 *  - CSV: UTF-8 with a BOM (so Excel reads the Chinese), CRLF, cells
 *    escaped by core/csv.c with CSV_DEFUSE (a cell starting with = + - @
 *    is prefixed with ', as the estate export does), money as yuan with
 *    exactly two decimals (money_format), basis points as a percentage
 *    with two decimals ("98.50%").
 *  - XLSX (Debian's libxlsxwriter): one worksheet per section; money as a
 *    number of yuan with the format 0.00, basis points as a number with
 *    the format 0.00%, integers as numbers, text as strings (never a
 *    formula, whatever it starts with).
 *
 * The JSON answer is rendered from the same tables by the handler
 * (fcgi/office_reports.c): one set of figures, three shapes. Everything
 * lives in the report's arena; nothing here touches the database.
 */
#ifndef WUYE_REPORT_TABLE_H
#define WUYE_REPORT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

enum rt_type {
    RT_TEXT, /* a string (NULL = empty / JSON null) */
    RT_INT,  /* an integer (a count, an id) */
    RT_FEN,  /* money in fen: JSON integer, files in yuan */
    RT_BP,   /* basis points: JSON integer, files as a percentage; may be null */
};

/* Column flags. */
#define RT_JSON_ONLY 1u /* a code or an id for programs, beside its Chinese label */
#define RT_RAW_JSON 2u  /* RT_TEXT holding JSON: the answer embeds it, the files show the text */

struct rt_col {
    const char *key;   /* the JSON member */
    const char *label; /* the Chinese header of the files */
    enum rt_type type;
    unsigned flags;
};

struct rt_cell {
    const char *s; /* RT_TEXT */
    int64_t v;     /* the others */
    bool null;
};

struct rt_section {
    const char *key;   /* the JSON member holding the rows */
    const char *title; /* the worksheet's name, the CSV's section line */
    const struct rt_col *cols;
    size_t ncols;
    struct rt_cell *cells; /* nrows × ncols, row-major */
    size_t nrows, cap;
    struct rt_cell *totals; /* NULL = no totals row */
    const char *totals_key; /* its JSON member */
};

/* A value of the report as a whole (a filter, a balance). */
struct rt_meta {
    const char *key;
    const char *label; /* NULL = JSON only; else also a "label,value" line atop the files */
    enum rt_type type;
    struct rt_cell v;
};

#define RT_MAX_META 16
#define RT_MAX_SECTIONS 4

struct report {
    struct arena *a;
    const char *name;  /* "books": where the file name starts */
    const char *title; /* 收费汇总表 */
    struct rt_meta meta[RT_MAX_META];
    size_t nmeta;
    struct rt_section sec[RT_MAX_SECTIONS];
    size_t nsec;
    bool paged;          /* a page of a longer list: the JSON has next_cursor */
    int64_t next_cursor; /* 0 = the last page */
};

void report_init(struct report *r, struct arena *a, const char *name, const char *title);
/* A new section (at most RT_MAX_SECTIONS; cols must outlive the report). */
struct rt_section *report_section(struct report *r, const char *key, const char *title,
                                  const struct rt_col *cols, size_t ncols);
/* A new row of null cells at the end of s; valid until the next rt_row(). */
struct rt_cell *rt_row(struct report *r, struct rt_section *s);
/* The totals row of s (null cells, made on first call). */
struct rt_cell *rt_totals(struct report *r, struct rt_section *s, const char *key);
/* Cell setters: text is copied into the report's arena (NULL = null). */
void rt_text(struct report *r, struct rt_cell *c, const char *s);
void rt_int(struct rt_cell *c, int64_t v);
/* A meta value (at most RT_MAX_META). */
void rt_meta_text(struct report *r, const char *key, const char *label, const char *s);
void rt_meta_num(struct report *r, const char *key, const char *label, enum rt_type type,
                 int64_t v);

/* 98.50% for 9850 (two decimals, exact); out holds 32 bytes. */
void rt_bp_text(int64_t bp, char out[32]);

/* Append the report as CSV to out (see above). */
void report_csv(const struct report *r, struct buf *out);
/* Append the report as an XLSX file to out; 500 when libxlsxwriter or
 * its temporary file fails (logged). */
int report_xlsx(const struct report *r, struct buf *out, struct err *e);

#define REPORT_CSV_TYPE "text/csv; charset=utf-8"
#define REPORT_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#endif
