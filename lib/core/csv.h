/*
 * csv.h — RFC 4180 CSV over a buffer with a length: a strict reader and a
 * writer (RES-5 imports and exports; meant for any spreadsheet exchange).
 *
 * Reader: fields separated by ',', records ended by CRLF, LF or a lone CR;
 * a field that starts with '"' is quoted and may hold commas, line breaks
 * and doubled quotes ("" = "); a UTF-8 BOM at the very start is skipped; the
 * last record needs no line break. It does not guess: a quote inside an
 * unquoted field, or anything but a separator after a closing quote, is a
 * "stray quote"; a quote never closed is an "unterminated quote"; both are
 * 400 with the line number. It knows nothing of encodings or headers: the
 * caller checks UTF-8 and gives the columns a meaning.
 *
 * Writer: quotes a field only when it must (comma, quote, CR, LF, a
 * leading or trailing space or tab) and ends rows with CRLF. With
 * CSV_DEFUSE it also defuses spreadsheet formula injection (OWASP "CSV
 * injection"): a field starting with = + - @ TAB CR gets a leading ',
 * which spreadsheets show as text instead of evaluating. A field that
 * already starts with ' gets one more, so csv_undefuse() — which removes
 * exactly one leading ' — gives back the original value and a round trip
 * is lossless. Plain numbers ("-1", "+3.5") are harmless and left alone
 * so a basement floor stays a number in the sheet.
 *
 * Owner: the caller declares the struct csv_reader and releases it with
 * csv_reader_free(); the fields returned by csv_read() point into the
 * reader and stay valid until the next csv_read() or csv_reader_free().
 */
#ifndef WUYE_CSV_H
#define WUYE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* More fields than this in one record is refused: no sheet of ours has
 * that many columns, and it bounds the memory a hostile file can take. */
#define CSV_MAX_FIELDS 1024

struct csv_field {
    const char *s; /* the unescaped bytes, NUL-terminated for convenience */
    size_t len;    /* the truth: s may contain NUL bytes */
};

struct csv_reader {
    const char *data;
    size_t len;
    size_t pos;
    int line;        /* physical line at pos, 1-based */
    int record_line; /* first line of the record last returned */
    int error_line;  /* the defect's line after csv_read() returned -1 */
    struct buf text; /* the current record's field bytes */
    size_t *offs;    /* start of each field in text */
    struct csv_field *fields;
    size_t nfields, cap;
};

void csv_reader_init(struct csv_reader *r, const char *data, size_t len);
/* Read the next record: 1 with *fields and *n set (a blank line is a record of
 * 0 fields), 0 at the end of input, -1 on malformed input with e set to
 * 400 BAD_REQUEST (a Chinese message with the line) and r->error_line. */
int csv_read(struct csv_reader *r, const struct csv_field **fields, size_t *n, struct err *e);
void csv_reader_free(struct csv_reader *r);

#define CSV_DEFUSE 1u

/* Append one field (without separator), quoted when needed. */
void csv_write_field(struct buf *out, const char *s, size_t n, unsigned flags);
/* Append a record of n NUL-terminated fields (NULL = empty) and CRLF. */
void csv_write_row(struct buf *out, const char *const *fields, size_t n, unsigned flags);
/* Would CSV_DEFUSE prefix this field with '? Exposed for tests. */
bool csv_needs_defuse(const char *s, size_t n);
/* Remove the one leading ' that CSV_DEFUSE adds, if there is one. */
void csv_undefuse(const char **s, size_t *n);

#endif
