/*
 * json.h — strict JSON input on top of cJSON, and a few output helpers.
 *
 * Our API has no fractional numbers at all (money in fen, areas and
 * readings as scaled integers), so json_parse_body() refuses any number
 * with a fraction or an exponent, and any integer of more than 15 digits
 * (beyond what cJSON's binary number holds exactly) before cJSON sees the text.
 * It also refuses invalid UTF-8 and trailing garbage. The getters then
 * check type, presence and range and fill struct err with a Chinese
 * message naming the field.
 */
#ifndef WUYE_JSON_H
#define WUYE_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

/* Parse a request body that must be one JSON object. Caller frees with
 * cJSON_Delete(). NULL with e set (400) on any defect. */
cJSON *json_parse_body(const char *p, size_t n, struct err *e);

/* Lexical check only (UTF-8, integers); exposed for tests. */
int json_scan(const char *p, size_t n, struct err *e);

/* 400 if obj has a member whose name is not in the NULL-terminated list. */
int json_only_fields(const cJSON *obj, const char *const *allowed, struct err *e);

/* String member: required or optional (absent/null → *out = NULL), length
 * in characters (not bytes) within [min_chars, max_chars]. The pointer
 * stays valid as long as obj lives. */
int json_get_str(const cJSON *obj, const char *name, bool required, size_t min_chars,
                 size_t max_chars, const char **out, struct err *e);

/* A one-line text (a name, a room number): like json_get_str, but the
 * value is trimmed in place of surrounding spaces (ASCII and the
 * ideographic U+3000) and control characters (tab, line breaks) are
 * refused, so what is stored is what a spreadsheet round trip keeps. */
int json_get_line(const cJSON *obj, const char *name, bool required, size_t min_chars,
                  size_t max_chars, const char **out, struct err *e);

/* Integer member within [min, max]; *present tells if it was given (may be
 * NULL when required). */
int json_get_int(const cJSON *obj, const char *name, bool required, int64_t min, int64_t max,
                 int64_t *out, bool *present, struct err *e);

int json_get_bool(const cJSON *obj, const char *name, bool required, bool *out, struct err *e);

/* An array of ids (integers in [1, max_id]), at most max_items of them,
 * copied into a; absent or null: *present false (400 when required).
 * Duplicates are the caller's to judge. */
int json_get_ids(const cJSON *obj, const char *name, bool required, size_t max_items,
                 int64_t max_id, struct arena *a, int64_t **out, size_t *n, bool *present,
                 struct err *e);

/* A JSON text written straight into a buffer, for the hot lists (an
 * owner's 36 bills, a page of tickets) whose cJSON tree — a node and its
 * allocations per value — cost more than their query.
 * Values only: the caller writes the punctuation and member names. */
void json_write_str(struct buf *b, const char *s); /* quoted, escaped (RFC 8259) */
void json_write_int(struct buf *b, int64_t v);

/* True if p[0..n) is valid UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *p, size_t n);
/* Number of characters in valid UTF-8. */
size_t utf8_chars(const char *p, size_t n);
/* Bytes of the first max_chars characters of valid UTF-8 s (a prefix that
 * never cuts a character). */
size_t utf8_prefix(const char *s, size_t max_chars);

/* An integer member, printed as its exact digits (any int64: a raw item,
 * not a cJSON number — it is for output, not to be read back). */
cJSON *json_add_int(cJSON *obj, const char *name, int64_t v);
/* The same as an item (for arrays). */
cJSON *json_int(int64_t v);
/* A string member, or null when v is NULL; an id member, or null when 0. */
cJSON *json_add_str_or_null(cJSON *obj, const char *name, const char *v);
cJSON *json_add_id_or_null(cJSON *obj, const char *name, int64_t id);
/* A document as compact text in a (the document consumed); NULL when out
 * of memory. The one way a module writes an audit context or a job's
 * input. */
const char *json_text(struct arena *a, cJSON *doc);

#endif
