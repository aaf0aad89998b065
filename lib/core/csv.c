/*
 * csv.c — see csv.h.
 *
 * The reader is a single pass over the bytes with no backtracking: pos
 * only moves forward, and every byte of a field is copied once into the
 * reader's text buffer (quoted fields must be unescaped, so the input
 * cannot simply be pointed into). Offsets are kept while a record is read
 * and turned into pointers at its end, because the buffer may move while
 * it grows.
 */
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

void csv_reader_init(struct csv_reader *r, const char *data, size_t len)
{
    memset(r, 0, sizeof(*r));
    r->data = data;
    r->len = len;
    r->line = 1;
    /* A BOM is how Excel marks a UTF-8 CSV; it is not part of the first
     * header name. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
}

void csv_reader_free(struct csv_reader *r)
{
    buf_free(&r->text);
    free(r->offs);
    free(r->fields);
    memset(r, 0, sizeof(*r));
}

static int csv_fail(struct csv_reader *r, int line, const char *what, struct err *e)
{
    r->error_line = line;
    return err_setf(e, E_BAD_REQUEST, "CSV 格式错误：第 %d 行%s", line, what);
}

static int field_begin(struct csv_reader *r, struct err *e)
{
    if (r->nfields == CSV_MAX_FIELDS)
        return csv_fail(r, r->record_line, "的列数过多", e);
    if (r->nfields == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->offs = realloc(r->offs, r->cap * sizeof(*r->offs));
        r->fields = realloc(r->fields, r->cap * sizeof(*r->fields));
        if (!r->offs || !r->fields)
            abort();
    }
    r->offs[r->nfields++] = r->text.len;
    return 0;
}

/* Is this byte the end of an unquoted field? */
static bool at_field_end(const struct csv_reader *r)
{
    char c;

    if (r->pos >= r->len)
        return true;
    c = r->data[r->pos];
    return c == ',' || c == '\r' || c == '\n';
}

/* Consume CRLF, LF or CR at pos (the caller knows one is there). */
static void eat_line_break(struct csv_reader *r)
{
    if (r->data[r->pos] == '\r' && r->pos + 1 < r->len && r->data[r->pos + 1] == '\n')
        r->pos++;
    r->pos++;
    r->line++;
}

static int read_quoted(struct csv_reader *r, struct err *e)
{
    int open_line = r->line;

    r->pos++; /* the opening quote */
    for (;;) {
        char c;

        if (r->pos >= r->len)
            return csv_fail(r, open_line, "的引号没有闭合", e);
        c = r->data[r->pos];
        if (c == '"') {
            if (r->pos + 1 < r->len && r->data[r->pos + 1] == '"') {
                buf_append(&r->text, "\"", 1);
                r->pos += 2;
                continue;
            }
            r->pos++;
            break;
        }
        if (c == '\r' || c == '\n') {
            /* A line break inside a field is data, but it still moves the
             * line count users see in their editor. */
            size_t from = r->pos;
            eat_line_break(r);
            buf_append(&r->text, r->data + from, r->pos - from);
            continue;
        }
        buf_append(&r->text, &c, 1);
        r->pos++;
    }
    if (!at_field_end(r))
        return csv_fail(r, r->line, "有多余的引号（含引号的内容须整体用引号括起，内部引号写两次）",
                        e);
    return 0;
}

static int read_plain(struct csv_reader *r, struct err *e)
{
    size_t from = r->pos;

    while (!at_field_end(r)) {
        if (r->data[r->pos] == '"')
            return csv_fail(r, r->line,
                            "有多余的引号（含引号的内容须整体用引号括起，内部引号写两次）", e);
        r->pos++;
    }
    buf_append(&r->text, r->data + from, r->pos - from);
    return 0;
}

int csv_read(struct csv_reader *r, const struct csv_field **fields, size_t *n, struct err *e)
{
    *fields = NULL;
    *n = 0;
    if (r->pos >= r->len)
        return 0;
    buf_reset(&r->text);
    r->nfields = 0;
    r->record_line = r->line;

    /* An empty line is a record without fields (not one empty field), so
     * callers can skip it without looking inside. */
    if (r->data[r->pos] == '\r' || r->data[r->pos] == '\n') {
        eat_line_break(r);
        return 1;
    }
    for (;;) {
        int rc;

        if (field_begin(r, e) < 0)
            return -1;
        if (r->pos < r->len && r->data[r->pos] == '"')
            rc = read_quoted(r, e);
        else
            rc = read_plain(r, e);
        if (rc < 0)
            return -1;
        buf_append(&r->text, "", 1);
        if (r->pos >= r->len)
            break;
        if (r->data[r->pos] == ',') {
            r->pos++;
            continue;
        }
        eat_line_break(r);
        break;
    }
    for (size_t i = 0; i < r->nfields; i++) {
        size_t end = i + 1 < r->nfields ? r->offs[i + 1] : r->text.len;
        r->fields[i].s = r->text.data + r->offs[i];
        r->fields[i].len = end - r->offs[i] - 1; /* without the NUL we added */
    }
    *fields = r->fields;
    *n = r->nfields;
    return 1;
}

static bool is_plain_number(const char *s, size_t n)
{
    size_t i = 0, digits = 0;

    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (digits && i < n && s[i] == '.') {
        size_t frac = 0;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            frac++;
        if (!frac)
            return false;
    }
    return digits > 0 && i == n;
}

bool csv_needs_defuse(const char *s, size_t n)
{
    if (n == 0)
        return false;
    switch (s[0]) {
    case '=':
    case '@':
    case '\t':
    case '\r':
    case '\'': /* escaped, so that csv_undefuse() gives it back intact */
        return true;
    case '+':
    case '-':
        return !is_plain_number(s, n);
    default:
        return false;
    }
}

void csv_undefuse(const char **s, size_t *n)
{
    if (*n > 0 && (*s)[0] == '\'') {
        (*s)++;
        (*n)--;
    }
}

static bool needs_quotes(const char *s, size_t n)
{
    if (n == 0)
        return false;
    if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
        return true;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return true;
    return false;
}

void csv_write_field(struct buf *out, const char *s, size_t n, unsigned flags)
{
    bool defuse = (flags & CSV_DEFUSE) && csv_needs_defuse(s, n);

    /* After the prefix the field starts with ' — only the tail decides
     * whether quotes are needed (a trailing space, a comma inside). */
    if (!needs_quotes(s, n)) {
        if (defuse)
            buf_append(out, "'", 1);
        buf_append(out, s, n);
        return;
    }
    buf_append(out, "\"", 1);
    if (defuse)
        buf_append(out, "'", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            buf_append(out, "\"", 1);
        buf_append(out, &s[i], 1);
    }
    buf_append(out, "\"", 1);
}

void csv_write_row(struct buf *out, const char *const *fields, size_t n, unsigned flags)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_append(out, ",", 1);
        if (fields[i])
            csv_write_field(out, fields[i], strlen(fields[i]), flags);
    }
    buf_append(out, "\r\n", 2);
}
