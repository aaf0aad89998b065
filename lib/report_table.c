/*
 * report_table.c — see report_table.h.
 *
 * The one place floating point appears outside the tests: libxlsxwriter
 * takes a cell's number as a double, so xlsx_number() converts an
 * integer amount at the very last moment (why that is exact enough is
 * said there). No arithmetic on money ever happens in floating point:
 * every figure, totals included, is computed in fen first.
 */
#include "report_table.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/csv.h"
#include "core/log.h"
#include "core/money.h"

void report_init(struct report *r, struct arena *a, const char *name, const char *title)
{
    memset(r, 0, sizeof(*r));
    r->a = a;
    r->name = name;
    r->title = title;
}

struct rt_section *report_section(struct report *r, const char *key, const char *title,
                                  const struct rt_col *cols, size_t ncols)
{
    struct rt_section *s;

    if (r->nsec == RT_MAX_SECTIONS)
        abort(); /* a report with more sections is a bug of its code */
    s = &r->sec[r->nsec++];
    memset(s, 0, sizeof(*s));
    s->key = key;
    s->title = title;
    s->cols = cols;
    s->ncols = ncols;
    return s;
}

static void null_cells(struct rt_cell *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        c[i] = (struct rt_cell){NULL, 0, true};
}

struct rt_cell *rt_row(struct report *r, struct rt_section *s)
{
    struct rt_cell *row;

    if (s->nrows == s->cap) {
        /* the arena cannot grow a block: copy to one twice the size (the
         * old one is wasted until the request ends, at most as much again) */
        size_t cap = s->cap ? 2 * s->cap : 64;
        struct rt_cell *cells = arena_alloc(r->a, cap * s->ncols * sizeof(*cells));
        if (s->nrows)
            memcpy(cells, s->cells, s->nrows * s->ncols * sizeof(*cells));
        s->cells = cells;
        s->cap = cap;
    }
    row = &s->cells[s->nrows++ * s->ncols];
    null_cells(row, s->ncols);
    return row;
}

struct rt_cell *rt_totals(struct report *r, struct rt_section *s, const char *key)
{
    if (!s->totals) {
        s->totals = arena_alloc(r->a, s->ncols * sizeof(*s->totals));
        null_cells(s->totals, s->ncols);
        s->totals_key = key;
    }
    return s->totals;
}

void rt_text(struct report *r, struct rt_cell *c, const char *s)
{
    c->s = s ? arena_strdup(r->a, s) : NULL;
    c->null = !s;
}

void rt_int(struct rt_cell *c, int64_t v)
{
    c->v = v;
    c->null = false;
}

static struct rt_meta *meta_add(struct report *r, const char *key, const char *label,
                                enum rt_type type)
{
    struct rt_meta *m;

    if (r->nmeta == RT_MAX_META)
        abort();
    m = &r->meta[r->nmeta++];
    m->key = key;
    m->label = label;
    m->type = type;
    m->v = (struct rt_cell){NULL, 0, true};
    return m;
}

void rt_meta_text(struct report *r, const char *key, const char *label, const char *s)
{
    rt_text(r, &meta_add(r, key, label, RT_TEXT)->v, s);
}

void rt_meta_num(struct report *r, const char *key, const char *label, enum rt_type type, int64_t v)
{
    rt_int(&meta_add(r, key, label, type)->v, v);
}

void rt_bp_text(int64_t bp, char out[32])
{
    uint64_t m = bp < 0 ? (uint64_t)0 - (uint64_t)bp : (uint64_t)bp;

    snprintf(out, 32, "%s%" PRIu64 ".%02" PRIu64 "%%", bp < 0 ? "-" : "", m / 100, m % 100);
}

/* ---- CSV ------------------------------------------------------------------------------ */

/* A cell as the files show it; buf holds a number's text. */
static const char *cell_text(enum rt_type t, const struct rt_cell *c, char buf[32])
{
    if (c->null)
        return NULL;
    switch (t) {
    case RT_TEXT:
        return c->s;
    case RT_INT:
        snprintf(buf, 32, "%" PRId64, c->v);
        return buf;
    case RT_FEN:
        money_format(c->v, buf);
        return buf;
    case RT_BP:
        rt_bp_text(c->v, buf);
        return buf;
    }
    return NULL;
}

static void csv_cells(struct buf *out, const struct rt_section *s, const struct rt_cell *row)
{
    bool first = true;

    for (size_t i = 0; i < s->ncols; i++) {
        char num[32];
        const char *v;

        if (s->cols[i].flags & RT_JSON_ONLY)
            continue;
        if (!first)
            buf_append(out, ",", 1);
        first = false;
        v = row ? cell_text(s->cols[i].type, &row[i], num) : s->cols[i].label;
        if (v)
            csv_write_field(out, v, strlen(v), CSV_DEFUSE);
    }
    buf_append(out, "\r\n", 2);
}

void report_csv(const struct report *r, struct buf *out)
{
    bool meta = false;

    buf_append(out, "\xEF\xBB\xBF", 3);
    for (size_t i = 0; i < r->nmeta; i++) {
        const struct rt_meta *m = &r->meta[i];
        char num[32];
        const char *v[2];

        if (!m->label)
            continue;
        v[0] = m->label;
        v[1] = cell_text(m->type, &m->v, num);
        csv_write_row(out, v, 2, CSV_DEFUSE);
        meta = true;
    }
    for (size_t k = 0; k < r->nsec; k++) {
        const struct rt_section *s = &r->sec[k];

        if (meta || k > 0)
            buf_append(out, "\r\n", 2);
        /* one table needs no title; several are told apart by theirs */
        if (r->nsec > 1)
            csv_write_row(out, &s->title, 1, CSV_DEFUSE);
        csv_cells(out, s, NULL);
        for (size_t i = 0; i < s->nrows; i++)
            csv_cells(out, s, &s->cells[i * s->ncols]);
        if (s->totals)
            csv_cells(out, s, s->totals);
    }
}

/* ---- XLSX ----------------------------------------------------------------------------- */

/*
 * The number a money or basis-point cell holds: the integer over its
 * scale (100 fen to the yuan, 10,000 bp to the whole). |v| ≤
 * MONEY_MAX_FEN < 2^53, so (double)v is exact, and one IEEE division of
 * two exact values is correctly rounded: the cell holds the double
 * nearest to the decimal amount — the very value Excel stores when
 * someone types "1234.56" — and the 0.00 format shows its two decimals
 * exactly. Nothing is summed or multiplied here: a total is computed in
 * fen and converted like any other cell.
 */
static double xlsx_number(int64_t v, int64_t scale)
{
    return (double)v / (double)scale;
}

struct xlsx_formats {
    lxw_format *bold, *money, *money_bold, *pct, *pct_bold;
};

static void xlsx_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, enum rt_type t,
                      const struct rt_cell *c, const struct xlsx_formats *f, bool bold)
{
    if (c->null)
        return;
    switch (t) {
    case RT_TEXT:
        /* a string cell, never a formula: nothing to defuse */
        worksheet_write_string(ws, row, col, c->s ? c->s : "", bold ? f->bold : NULL);
        break;
    case RT_INT:
        worksheet_write_number(ws, row, col, xlsx_number(c->v, 1), bold ? f->bold : NULL);
        break;
    case RT_FEN:
        worksheet_write_number(ws, row, col, xlsx_number(c->v, 100),
                               bold ? f->money_bold : f->money);
        break;
    case RT_BP:
        worksheet_write_number(ws, row, col, xlsx_number(c->v, 10000), bold ? f->pct_bold : f->pct);
        break;
    }
}

static void xlsx_row(lxw_worksheet *ws, lxw_row_t row, const struct rt_section *s,
                     const struct rt_cell *cells, const struct xlsx_formats *f, bool bold)
{
    lxw_col_t col = 0;

    for (size_t i = 0; i < s->ncols; i++) {
        if (s->cols[i].flags & RT_JSON_ONLY)
            continue;
        if (cells)
            xlsx_cell(ws, row, col, s->cols[i].type, &cells[i], f, bold);
        else
            worksheet_write_string(ws, row, col, s->cols[i].label, f->bold);
        col++;
    }
}

static void xlsx_sheet(lxw_workbook *wb, const struct report *r, const struct rt_section *s,
                       bool with_meta, const struct xlsx_formats *f)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, s->title);
    lxw_row_t row = 0;

    if (!ws)
        return; /* workbook_close() reports it */
    worksheet_set_column(ws, 0, (lxw_col_t)(s->ncols ? s->ncols - 1 : 0), 14, NULL);
    if (with_meta) {
        for (size_t i = 0; i < r->nmeta; i++) {
            const struct rt_meta *m = &r->meta[i];
            if (!m->label)
                continue;
            worksheet_write_string(ws, row, 0, m->label, f->bold);
            xlsx_cell(ws, row, 1, m->type, &m->v, f, false);
            row++;
        }
        if (row)
            row++;
    }
    xlsx_row(ws, row++, s, NULL, f, true);
    for (size_t i = 0; i < s->nrows; i++)
        xlsx_row(ws, row++, s, &s->cells[i * s->ncols], f, false);
    if (s->totals)
        xlsx_row(ws, row, s, s->totals, f, true);
}

static lxw_format *format(lxw_workbook *wb, const char *num, bool bold)
{
    lxw_format *x = workbook_add_format(wb);

    if (num)
        format_set_num_format(x, num);
    if (bold)
        format_set_bold(x);
    return x;
}

static int read_whole(int fd, struct buf *out)
{
    char chunk[65536];
    ssize_t got;

    while ((got = read(fd, chunk, sizeof(chunk))) > 0)
        buf_append(out, chunk, (size_t)got);
    return got < 0 ? -1 : 0;
}

int report_xlsx(const struct report *r, struct buf *out, struct err *e)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    lxw_workbook_options opt = {0};
    lxw_workbook *wb;
    struct xlsx_formats f;
    lxw_error xe;
    size_t start = out->len;
    int fd, rc = -1;

    /* libxlsxwriter writes a file: a private one of ours, read back and
     * removed; constant_memory writes each row as it comes (and strings
     * inline), so a big sheet does not sit in memory twice. */
    snprintf(path, sizeof(path), "%s/wuye-xlsx-XXXXXX", dir && *dir ? dir : "/tmp");
    fd = mkstemp(path);
    if (fd < 0) {
        log_error("event=xlsx_failed step=mkstemp errno=%d", errno);
        return err_internal(e);
    }
    opt.constant_memory = LXW_TRUE;
    opt.tmpdir = dir && *dir ? (char *)dir : "/tmp";
    wb = workbook_new_opt(path, &opt);
    if (!wb) {
        log_error("event=xlsx_failed step=workbook_new");
        goto out;
    }
    f.bold = format(wb, NULL, true);
    f.money = format(wb, "0.00", false);
    f.money_bold = format(wb, "0.00", true);
    f.pct = format(wb, "0.00%", false);
    f.pct_bold = format(wb, "0.00%", true);
    for (size_t k = 0; k < r->nsec; k++)
        xlsx_sheet(wb, r, &r->sec[k], k == 0, &f);
    xe = workbook_close(wb);
    if (xe != LXW_NO_ERROR) {
        log_error("event=xlsx_failed step=close error=%s", lxw_strerror(xe));
        goto out;
    }
    if (lseek(fd, 0, SEEK_SET) < 0 || read_whole(fd, out) < 0) {
        log_error("event=xlsx_failed step=read errno=%d", errno);
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        goto out;
    }
    rc = 0;
out:
    close(fd);
    unlink(path);
    return rc < 0 ? err_internal(e) : 0;
}
