/*
 * resources_import.c — RES-5 CSV import and export (see resources_import.h).
 *
 * Two halves, in this order:
 *  1. Pure parsing: header mapping, cell parsers (areas, floors, dates,
 *     kinds, relations, ID masking) and row validation into struct
 *     import_row. No database, unit-tested by test_importer_parse.c.
 *  2. The database: an import is two passes over the bytes. Pass one
 *     checks everything that makes the whole file unusable (CSV structure,
 *     header, row count) before anything is written; pass two validates
 *     each row and applies it in its own transaction (db_tx), so a bad row
 *     only costs itself. One arena holds a row's cells, what its
 *     transaction read and its audit JSON, and is reset after the row: a
 *     100,000-row file runs in the memory of one row.
 *
 * Idempotency is by construction, not by luck: every INSERT is preceded by
 * a SELECT that found nothing, every UPDATE by a comparison in C that found
 * a difference, and audit rows are written only next to those writes.
 * The one way a file could still change data on every run — two rows that
 * disagree about the same resource, the later one undoing the earlier —
 * is refused: a resource already written by an earlier row of this run
 * may not be changed again (struct seen).
 *
 * Audit rows (audit_log()): before is the row's columns as the transaction
 * read them (null for a creation), after the columns as written, context
 * {"source":"csv_import","line":N} with the file line of the row; phones in
 * them are masked. The actor is the principal given to import_csv() (NULL:
 * the system).
 *
 * Areas are decimal text parsed into integers by hand: no binary fractions anywhere.
 */
#include "resources_import.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "resources.h"
#include "resources_edit.h"
#include "auth.h"
#include "resources.h"
#include "core/json.h"
#include "core/log.h"
#include "core/util.h"

/* The importer's whole conversation with the database. */
DB_SQL(sql_project, "SELECT id FROM projects WHERE id = ?");
/* Buildings by name in the project, units by name in the building. */
DB_SQL(sql_building_find, "SELECT id FROM buildings WHERE project_id = ? AND name = ?");
DB_SQL(sql_building_insert, "INSERT INTO buildings (project_id, name) VALUES (?, ?)");
DB_SQL(sql_unit_find, "SELECT id FROM units WHERE building_id = ? AND name = ?");
DB_SQL(sql_unit_insert, "INSERT INTO units (building_id, name) VALUES (?, ?)");
#define RES_COLS                                                                                   \
    "SELECT id, building_id, unit_id, number, kind, floor, area_m2x100, inner_area_m2x100, "       \
    "layout, decoration, code FROM resources "
DB_SQL(sql_resource_by_code, RES_COLS "WHERE project_id = ? AND code = ? FOR UPDATE");
/* <=> so that "no building" matches NULL; ix_resources_building. */
DB_SQL(sql_resource_by_place, RES_COLS "WHERE project_id = ? AND building_id <=> ? AND "
                                       "unit_id <=> ? AND number = ? FOR UPDATE");
#undef RES_COLS
DB_SQL(sql_resource_insert,
       "INSERT INTO resources (project_id, building_id, unit_id, code, number, kind, floor, "
       "area_m2x100, inner_area_m2x100, layout, decoration) "
       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
DB_SQL(sql_resource_update,
       "UPDATE resources SET building_id = ?, unit_id = ?, number = ?, kind = ?, floor = ?, "
       "area_m2x100 = ?, inner_area_m2x100 = ?, layout = ?, decoration = ? WHERE id = ?");
/* Natural order so that 2栋 comes before 10栋 and 201 before 1001
 * (NATURAL_SORT_KEY: MariaDB 10.7+); resources without a building
 * (parking) last; within a resource owners, then family, then tenants
 * (ENUM order). */
DB_SQL(sql_export,
       "SELECT b.name, u.name, r.number, r.code, r.kind, r.floor, r.area_m2x100, "
       "r.inner_area_m2x100, r.layout, r.decoration, pe.name, pe.phone, pr.relation, "
       "pr.moved_in_on, pe.id_number_masked "
       "FROM resources r "
       "LEFT JOIN buildings b ON b.id = r.building_id "
       "LEFT JOIN units u ON u.id = r.unit_id "
       "LEFT JOIN person_resources pr ON pr.resource_id = r.id AND " PR_CURRENT(
           "pr") " "
                 "LEFT JOIN persons pe ON pe.id = pr.person_id "
                 "WHERE r.project_id = ? "
                 "ORDER BY r.building_id IS NULL, NATURAL_SORT_KEY(b.name), r.unit_id IS NULL, "
                 "NATURAL_SORT_KEY(u.name), NATURAL_SORT_KEY(r.number), r.code, r.id, pr.relation, "
                 "pr.id");

/* ======================================================================
 * 1. Pure parsing
 * ====================================================================== */

const char *const import_col_names[IMPORT_NCOLS] = {
    "楼栋", "单元", "房号", "编码", "类型", "楼层",     "建筑面积", "套内面积",
    "户型", "装修", "姓名", "手机", "关系", "入住日期", "证件号",
};

const char *const import_col_names_en[IMPORT_NCOLS] = {
    "building", "unit",    "number",        "code",        "kind",
    "floor",    "area_m2", "inner_area_m2", "layout",      "decoration",
    "name",     "phone",   "relation",      "moved_in_on", "id_number",
};

/* Free-text columns: their size in 001_core.sql, in characters. 0 = the
 * cell is parsed into a number, a date or a code, which bounds it. */
static const size_t col_max_chars[IMPORT_NCOLS] = {
    [IMPORT_COL_BUILDING] = 64, [IMPORT_COL_UNIT] = 64,   [IMPORT_COL_NUMBER] = 32,
    [IMPORT_COL_CODE] = 64,     [IMPORT_COL_LAYOUT] = 32, [IMPORT_COL_DECORATION] = 32,
    [IMPORT_COL_NAME] = 64,
};

#define RESOURCE_CODE_MAX_CHARS 64
/* A sanity bound, far above any real building (the column would hold
 * 42 million m²): a bigger number is a typo, e.g. a missing decimal point. */
#define AREA_MAX_M2 1000000
#define FLOOR_MIN RES_FLOOR_MIN
#define FLOOR_MAX RES_FLOOR_MAX

struct code_label {
    const char *key, *label; /* the English key, the Chinese label */
};

static const struct code_label kinds[] = {
    {"home", "住宅"},    {"shop", "商铺"},  {"office", "写字楼"},
    {"parking", "车位"}, {"other", "其他"},
};

static const struct code_label relations[] = {
    {"owner", "业主"},
    {"family", "家属"},
    {"tenant", "租户"},
};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* English codes compare without case ("Home" from a hand-made sheet). */
static const char *code_or_label(const struct code_label *t, size_t nt, const char *s, size_t n)
{
    for (size_t i = 0; i < nt; i++) {
        if (strlen(t[i].key) == n && strncasecmp(t[i].key, s, n) == 0)
            return t[i].key;
        if (strlen(t[i].label) == n && memcmp(t[i].label, s, n) == 0)
            return t[i].key;
    }
    return NULL;
}

static const char *label_of(const struct code_label *t, size_t nt, const char *code)
{
    for (size_t i = 0; code && i < nt; i++)
        if (strcmp(t[i].key, code) == 0)
            return t[i].label;
    return code;
}

const char *import_kind_parse(const char *s, size_t n)
{
    return code_or_label(kinds, NELEMS(kinds), s, n);
}

const char *import_relation_parse(const char *s, size_t n)
{
    return code_or_label(relations, NELEMS(relations), s, n);
}

const char *import_kind_label(const char *code)
{
    return label_of(kinds, NELEMS(kinds), code);
}

const char *import_relation_label(const char *code)
{
    return label_of(relations, NELEMS(relations), code);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int import_parse_area(const char *s, size_t n, int64_t *m2x100)
{
    size_t i = 0, frac_digits = 0;
    int64_t whole = 0, frac = 0;

    if (n == 0 || !is_digit(s[0]))
        return IMPORT_BAD; /* also a sign: areas are never negative */
    for (; i < n && is_digit(s[i]); i++)
        if (whole <= AREA_MAX_M2) /* saturate: the range check below refuses it */
            whole = whole * 10 + (s[i] - '0');
    if (i < n && s[i] == '.') {
        for (i++; i < n && is_digit(s[i]); i++, frac_digits++)
            if (frac_digits < 2)
                frac = frac * 10 + (s[i] - '0');
        if (frac_digits == 0)
            return IMPORT_BAD; /* "89." */
    }
    if (i != n)
        return IMPORT_BAD; /* exponent, separator, unit, full-width digit… */
    /* No rounding: a third decimal is a precision the sheet claims and we
     * would silently drop. */
    if (frac_digits > 2)
        return IMPORT_DECIMALS;
    if (frac_digits == 1)
        frac *= 10;
    if (whole > AREA_MAX_M2 || (whole == AREA_MAX_M2 && frac > 0))
        return IMPORT_RANGE;
    *m2x100 = whole * 100 + frac;
    return 0;
}

int import_parse_floor(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    int64_t v = 0;

    if (n > 0 && s[0] == '-') {
        neg = true;
        i++;
    }
    if (i == n)
        return IMPORT_BAD;
    for (; i < n; i++) {
        if (!is_digit(s[i]))
            return IMPORT_BAD;
        if (v <= FLOOR_MAX + 1)
            v = v * 10 + (s[i] - '0');
    }
    v = neg ? -v : v;
    if (v < FLOOR_MIN || v > FLOOR_MAX)
        return IMPORT_RANGE;
    *out = v;
    return 0;
}

static int digits_value(const char *s, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int import_parse_date(const char *s, size_t n)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, dim;

    if (n != 10 || s[4] != '-' || s[7] != '-')
        return IMPORT_BAD;
    y = digits_value(s, 4);
    m = digits_value(s + 5, 2);
    d = digits_value(s + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1)
        return IMPORT_BAD;
    dim = days[m - 1];
    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        dim = 29;
    if (d > dim)
        return IMPORT_BAD;
    if (y < 1900 || y > 2099)
        return IMPORT_RANGE;
    return 0;
}

int import_mask_id(const char *s, size_t n, char out[33])
{
    if (n < 9 || n > 32)
        return IMPORT_BAD;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*';

        if (!ok)
            return IMPORT_BAD;
        if (i < 4 || i >= n - 4)
            out[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
        else
            out[i] = '*';
    }
    out[n] = '\0';
    return 0;
}

/* Copy at most cap-1 bytes of s into out without cutting a UTF-8
 * character in two (a half character would make the message invalid). */
static void copy_utf8_cut(char *out, size_t cap, const char *s)
{
    size_t n = strlen(s);

    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

static void report_add_v(struct import_report *rep, int line, const char *column, const char *fmt,
                         va_list ap)
{
    char tmp[512];
    struct import_error *x;

    if (rep->nerrors >= IMPORT_MAX_ERRORS)
        return;
    if (rep->nerrors % 64 == 0) {
        rep->errors = realloc(rep->errors, (rep->nerrors + 64) * sizeof(*rep->errors));
        if (!rep->errors)
            abort();
    }
    x = &rep->errors[rep->nerrors++];
    x->line = line;
    x->column = column;
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    copy_utf8_cut(x->message, sizeof(x->message), tmp);
}

void import_report_add_error(struct import_report *rep, int line, const char *column,
                             const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report_add_v(rep, line, column, fmt, ap);
    va_end(ap);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_space((*s)[0])) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_space((*s)[*n - 1]))
        (*n)--;
}

/* A cell as the importer sees it: trimmed, and without the ' our export
 * put in front of formula-looking values (trimmed again, in case a
 * hand-made sheet had "' x"). */
static void cell_view(const struct csv_field *f, const char **s, size_t *n)
{
    *s = f->s;
    *n = f->len;
    trim(s, n);
    csv_undefuse(s, n);
    trim(s, n);
}

/* 400 with a message cut to fit struct err at a character boundary. */
static int fatal(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fatal(struct err *e, const char *fmt, ...)
{
    char tmp[512], msg[sizeof(e->message)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    copy_utf8_cut(msg, sizeof(msg), tmp);
    return err_bad_request(e, msg);
}

int import_header_map(const struct csv_field *f, size_t n, const char *const *zh,
                      const char *const *en, size_t ncols, const char *available, int *field_of,
                      bool *ignored, struct err *e)
{
    char unknown[200] = "";
    size_t nunknown = 0;

    for (size_t c = 0; c < ncols; c++)
        field_of[c] = -1;
    for (size_t i = 0; i < n && i < CSV_MAX_FIELDS; i++) {
        const char *s;
        size_t len;
        int col = -1;

        ignored[i] = false;
        cell_view(&f[i], &s, &len);
        if (len == 0) {
            /* Excel leaves empty header cells after the last column;
             * data under them is caught row by row. */
            ignored[i] = true;
            continue;
        }
        for (size_t c = 0; c < ncols && col < 0; c++) {
            if ((strlen(zh[c]) == len && memcmp(zh[c], s, len) == 0) ||
                (strlen(en[c]) == len && strncasecmp(en[c], s, len) == 0))
                col = (int)c;
        }
        if (col < 0) {
            /* Name every unknown column in one message: the user fixes
             * the header once, not once per try. */
            size_t used = strlen(unknown);
            if (used + len + 8 < sizeof(unknown))
                snprintf(unknown + used, sizeof(unknown) - used, "%s“%.*s”", nunknown ? "、" : "",
                         (int)len, s);
            nunknown++;
            continue;
        }
        if (field_of[col] >= 0)
            return fatal(e, "表头中“%s”列出现了两次（第 %d 列和第 %zu 列）", zh[col],
                         field_of[col] + 1, i + 1);
        field_of[col] = (int)i;
    }
    if (nunknown)
        return fatal(e, "表头中有无法识别的列：%s。可用的列：%s", unknown, available);
    return 0;
}

int import_header_parse(const struct csv_field *f, size_t n, struct import_header *h, struct err *e)
{
    memset(h, 0, sizeof(*h));
    h->nfields = n;
    if (import_header_map(f, n, import_col_names, import_col_names_en, IMPORT_NCOLS,
                          "楼栋、单元、房号、编码、类型、楼层、建筑面积、套内面积、户型、装修、"
                          "姓名、手机、关系、入住日期、证件号",
                          h->field_of, h->ignored, e) < 0)
        return -1;
    if (h->field_of[IMPORT_COL_NUMBER] < 0)
        return fatal(e, "表头中缺少必需的列“房号”");
    if (h->field_of[IMPORT_COL_KIND] < 0)
        return fatal(e, "表头中缺少必需的列“类型”");
    {
        int have = (h->field_of[IMPORT_COL_NAME] >= 0) + (h->field_of[IMPORT_COL_PHONE] >= 0) +
                   (h->field_of[IMPORT_COL_RELATION] >= 0);
        if (have != 0 && have != 3)
            return fatal(e, "表头中“姓名”“手机”“关系”三列须同时出现");
    }
    return 0;
}

/* The state of one row's validation. */
struct row_parse {
    const struct import_header *h;
    const struct csv_field *f;
    size_t n;
    int line;
    struct arena *a;
    struct import_report *rep;
    int nerr;
};

static void row_err(struct row_parse *p, enum import_col col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void row_err(struct row_parse *p, enum import_col col, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report_add_v(p->rep, p->line, import_col_names[col], fmt, ap);
    va_end(ap);
    p->nerr++;
}

/* The raw (trimmed, undefused) bytes of a column; false when absent/empty. */
static bool raw_cell(const struct row_parse *p, enum import_col col, const char **s, size_t *n)
{
    int i = p->h->field_of[col];

    if (i < 0 || (size_t)i >= p->n)
        return false;
    cell_view(&p->f[i], s, n);
    return *n > 0;
}

/* A column as a NUL-terminated string in the arena after the text checks
 * every cell gets (valid UTF-8, no control characters, fits its column);
 * NULL when empty or invalid (*bad tells which). */
static const char *text_cell(struct row_parse *p, enum import_col col, bool *bad)
{
    const char *s, *name = import_col_names[col];
    size_t n;

    *bad = false;
    if (!raw_cell(p, col, &s, &n))
        return NULL;
    if (!utf8_valid(s, n)) {
        row_err(p, col, "%s含有无效的字符（不是 UTF-8 文本）", name);
        *bad = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F) {
            row_err(p, col, "%s含有换行或其他控制字符", name);
            *bad = true;
            return NULL;
        }
    }
    if (col_max_chars[col] && utf8_chars(s, n) > col_max_chars[col]) {
        row_err(p, col, "%s不能超过 %zu 个字", name, col_max_chars[col]);
        *bad = true;
        return NULL;
    }
    return arena_strndup(p->a, s, n);
}

static void parse_area_cell(struct row_parse *p, enum import_col col, bool *has, int64_t *v)
{
    bool bad;
    const char *s = text_cell(p, col, &bad), *name = import_col_names[col];
    int rc;

    *has = false;
    if (!s)
        return;
    rc = import_parse_area(s, strlen(s), v);
    if (rc == IMPORT_DECIMALS)
        row_err(p, col, "%s格式不正确：最多两位小数", name);
    else if (rc == IMPORT_RANGE)
        row_err(p, col, "%s过大（最多 %d 平方米）", name, AREA_MAX_M2);
    else if (rc < 0)
        row_err(p, col, "%s格式不正确：应为不小于 0 的数字（平方米），如 89.50", name);
    else
        *has = true;
}

int import_stray_cells(const struct csv_field *f, size_t n, size_t nfields, const bool *ignored,
                       int line, struct import_report *rep)
{
    for (size_t i = 0; i < n; i++) {
        const char *s;
        size_t len;

        if (i < nfields && !ignored[i])
            continue;
        cell_view(&f[i], &s, &len);
        if (len == 0)
            continue;
        import_report_add_error(rep, line, NULL, "第 %zu 列有内容但没有表头（表头共 %zu 列）",
                                i + 1, nfields);
        return 1;
    }
    return 0;
}

int import_row_parse(const struct import_header *h, const struct csv_field *f, size_t n, int line,
                     struct arena *a, struct import_row *row, struct import_report *rep)
{
    struct row_parse p = {h, f, n, line, a, rep, 0};
    const char *s, *kind_name = import_col_names[IMPORT_COL_KIND];
    bool bad, bad_building, bad_unit, bad_number, bad_name, bad_phone, bad_relation;
    size_t len;
    int given;

    memset(row, 0, sizeof(*row));
    row->line = line;
    p.nerr += import_stray_cells(f, n, h->nfields, h->ignored, line, rep);

    row->building = text_cell(&p, IMPORT_COL_BUILDING, &bad_building);
    row->unit = text_cell(&p, IMPORT_COL_UNIT, &bad_unit);
    row->number = text_cell(&p, IMPORT_COL_NUMBER, &bad_number);
    row->code = text_cell(&p, IMPORT_COL_CODE, &bad);
    row->layout = text_cell(&p, IMPORT_COL_LAYOUT, &bad);
    row->decoration = text_cell(&p, IMPORT_COL_DECORATION, &bad);
    if (!row->number && !bad_number)
        row_err(&p, IMPORT_COL_NUMBER, "房号不能为空");

    s = text_cell(&p, IMPORT_COL_KIND, &bad);
    if (s) {
        row->kind = import_kind_parse(s, strlen(s));
        if (!row->kind)
            row_err(&p, IMPORT_COL_KIND, "%s不正确：应为 住宅、商铺、写字楼、车位、其他 之一",
                    kind_name);
    } else if (!bad) {
        row_err(&p, IMPORT_COL_KIND, "类型不能为空");
    }

    s = text_cell(&p, IMPORT_COL_FLOOR, &bad);
    if (s) {
        int rc = import_parse_floor(s, strlen(s), &row->floor);
        if (rc == IMPORT_RANGE)
            row_err(&p, IMPORT_COL_FLOOR, "楼层超出范围（%d 到 %d）", FLOOR_MIN, FLOOR_MAX);
        else if (rc < 0)
            row_err(&p, IMPORT_COL_FLOOR, "楼层应为整数，地下层用负数，如 12 或 -1");
        else
            row->has_floor = true;
    }
    parse_area_cell(&p, IMPORT_COL_AREA, &row->has_area, &row->area_m2x100);
    parse_area_cell(&p, IMPORT_COL_INNER_AREA, &row->has_inner_area, &row->inner_area_m2x100);
    if (row->has_area && row->has_inner_area && row->area_m2x100 > 0 &&
        row->inner_area_m2x100 > row->area_m2x100)
        row_err(&p, IMPORT_COL_INNER_AREA, "套内面积不能大于建筑面积");

    if (row->kind && !row->building && !bad_building &&
        (strcmp(row->kind, "home") == 0 || strcmp(row->kind, "shop") == 0 ||
         strcmp(row->kind, "office") == 0))
        row_err(&p, IMPORT_COL_BUILDING, "%s必须填写楼栋", import_kind_label(row->kind));
    if (row->unit && !row->building && !bad_building)
        row_err(&p, IMPORT_COL_UNIT, "填写了单元就必须填写楼栋");

    /* People: name, phone and relation come together or not at all. */
    row->name = text_cell(&p, IMPORT_COL_NAME, &bad_name);
    row->phone = text_cell(&p, IMPORT_COL_PHONE, &bad_phone);
    if (row->phone && !util_phone_valid(row->phone)) {
        row_err(&p, IMPORT_COL_PHONE,
                "手机号应为 11 位数字的大陆手机号（请把该列设为“文本”格式，以免被改成科学计数法）");
        row->phone = NULL;
        bad_phone = true;
    }
    s = text_cell(&p, IMPORT_COL_RELATION, &bad_relation);
    if (s) {
        row->relation = import_relation_parse(s, strlen(s));
        if (!row->relation) {
            row_err(&p, IMPORT_COL_RELATION, "关系不正确：应为 业主、家属、租户 之一");
            bad_relation = true;
        }
    }
    given = (row->name || bad_name) + (row->phone || bad_phone) + (row->relation || bad_relation);
    if (given > 0 && given < 3) {
        if (!row->name && !bad_name)
            row_err(&p, IMPORT_COL_NAME, "姓名、手机、关系须同时填写（或都不填）");
        if (!row->phone && !bad_phone)
            row_err(&p, IMPORT_COL_PHONE, "姓名、手机、关系须同时填写（或都不填）");
        if (!row->relation && !bad_relation)
            row_err(&p, IMPORT_COL_RELATION, "姓名、手机、关系须同时填写（或都不填）");
    }
    row->has_person = row->name && row->phone && row->relation;

    s = text_cell(&p, IMPORT_COL_MOVED_IN, &bad);
    if (s) {
        if (import_parse_date(s, strlen(s)) < 0)
            row_err(&p, IMPORT_COL_MOVED_IN,
                    "入住日期应为真实存在的日期，格式 YYYY-MM-DD（1900—2099 年），如 2024-02-29");
        else if (given == 0)
            row_err(&p, IMPORT_COL_MOVED_IN, "没有填写住户（姓名、手机、关系）时不能填写入住日期");
        else
            row->moved_in_on = s;
    }
    s = text_cell(&p, IMPORT_COL_ID_NUMBER, &bad);
    if (s) {
        char masked[33];
        if (import_mask_id(s, strlen(s), masked) < 0)
            row_err(&p, IMPORT_COL_ID_NUMBER, "证件号格式不正确：应为 9 到 32 位字母或数字");
        else if (given == 0)
            row_err(&p, IMPORT_COL_ID_NUMBER, "没有填写住户（姓名、手机、关系）时不能填写证件号");
        else
            row->id_number_masked = arena_strdup(a, masked);
    }

    if (!row->code && !bad_building && !bad_unit && row->number) {
        row->code_generated = true;
        /* "楼栋-单元-房号"; parts that are empty are left out (the unit
         * of a shop street, the building of a parking space). */
        row->code = arena_printf(a, "%s%s%s%s%s", row->building ? row->building : "",
                                 row->building ? "-" : "", row->unit ? row->unit : "",
                                 row->unit ? "-" : "", row->number);
        len = strlen(row->code);
        if (utf8_chars(row->code, len) > RESOURCE_CODE_MAX_CHARS)
            row_err(&p, IMPORT_COL_CODE, "由楼栋、单元、房号生成的编码超过 %d 个字，请填写编码列",
                    RESOURCE_CODE_MAX_CHARS);
    }
    return p.nerr;
}

/* ======================================================================
 * 2. The database
 * ====================================================================== */

/* Resource ids written (or confirmed) by a committed row of this run, with
 * that row's line: open addressing over ids, which are never 0. */
struct seen {
    int64_t *ids;
    int *lines;
    size_t cap, n;
};

static size_t seen_slot(const struct seen *s, int64_t id)
{
    size_t i = (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ull) >> 32) & (s->cap - 1);

    while (s->ids[i] != 0 && s->ids[i] != id)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int seen_line(const struct seen *s, int64_t id)
{
    size_t i;

    if (!s->cap)
        return 0;
    i = seen_slot(s, id);
    return s->ids[i] == id ? s->lines[i] : 0;
}

static void seen_add(struct seen *s, int64_t id, int line)
{
    size_t i;

    if (2 * (s->n + 1) > s->cap) {
        struct seen bigger = {NULL, NULL, s->cap ? 2 * s->cap : 256, 0};

        bigger.ids = calloc(bigger.cap, sizeof(*bigger.ids));
        bigger.lines = calloc(bigger.cap, sizeof(*bigger.lines));
        if (!bigger.ids || !bigger.lines)
            abort();
        for (size_t j = 0; j < s->cap; j++)
            if (s->ids[j])
                seen_add(&bigger, s->ids[j], s->lines[j]);
        free(s->ids);
        free(s->lines);
        *s = bigger;
    }
    i = seen_slot(s, id);
    if (s->ids[i] == id)
        return; /* keep the first line: that is the row to compare with */
    s->ids[i] = id;
    s->lines[i] = line;
    s->n++;
}

static void seen_free(struct seen *s)
{
    free(s->ids);
    free(s->lines);
    memset(s, 0, sizeof(*s));
}

/* One import run. */
struct run {
    int64_t project_id;
    const struct principal *who; /* the audit rows' actor; NULL = the system */
    struct arena *a;             /* the current row's; reset between rows */
    struct seen seen;
};

struct counts {
    int created_resources, updated_resources, created_persons, created_links, created_buildings,
        created_units;
};

/* One row's transaction: the input and what happened. The outcome is reset
 * at the start of every attempt, because db_tx reruns the function after
 * a deadlock and only the committed attempt may count. */
struct row_tx {
    struct run *run;
    const struct import_row *row;
    struct counts n;
    int64_t resource_id;
    bool row_error; /* the row was refused (not a database failure) */
    const char *err_column;
    char err_message[160];
};

/* Refuse the row: column is a Chinese column name, NULL = the whole row. */
static int row_refuse(struct row_tx *t, struct err *e, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int row_refuse(struct row_tx *t, struct err *e, const char *column, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    t->row_error = true;
    t->err_column = column;
    copy_utf8_cut(t->err_message, sizeof(t->err_message), tmp);
    /* Not DB_RETRY, so db_tx rolls back and does not rerun. */
    return err_setf(e, E_IMPORT_ROW_REFUSED, "%s", t->err_message);
}

/* The JSON of audit rows, built with cJSON. Running out of memory aborts,
 * as buf.h and the arena do: a worker that cannot allocate is restarted,
 * while a member silently left out would make the audit row lie. */
static cJSON *j_object(void)
{
    cJSON *o = cJSON_CreateObject();

    if (!o)
        abort();
    return o;
}

/* NULL is JSON null (an SQL NULL). */
static void j_str(cJSON *o, const char *key, const char *v)
{
    if (!(v ? cJSON_AddStringToObject(o, key, v) : cJSON_AddNullToObject(o, key)))
        abort();
}

static void j_int(cJSON *o, const char *key, int64_t v)
{
    if (!json_add_int(o, key, v))
        abort();
}

/* has false is JSON null (an SQL NULL). */
static void j_int_or_null(cJSON *o, const char *key, bool has, int64_t v)
{
    if (!(has ? json_add_int(o, key, v) : cJSON_AddNullToObject(o, key)))
        abort();
}

/* o as text in the arena, and o deleted; NULL for NULL (no snapshot). */
static const char *j_text(struct arena *a, cJSON *o)
{
    char *s;
    const char *copy;

    if (!o)
        return NULL;
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s)
        abort();
    copy = arena_strdup(a, s);
    cJSON_free(s);
    return copy;
}

/* {"source":"csv_import","line":N}: where this row's changes came from. */
static const char *row_context(const struct row_tx *t)
{
    cJSON *context = j_object();

    j_str(context, "source", "csv_import");
    j_int(context, "line", t->row->line);
    return j_text(t->run->a, context);
}

/* Write the audit row of one write of this row; takes before (NULL for a
 * creation) and after. */
static int audit(struct db *db, const struct row_tx *t, const char *action, const char *entity,
                 int64_t entity_id, cJSON *before, cJSON *after, struct err *e)
{
    struct arena *a = t->run->a;

    return audit_log(db,
                     &(struct audit_entry){.who = t->run->who,
                                           .action = action,
                                           .entity = entity,
                                           .entity_id = entity_id,
                                           .before = j_text(a, before),
                                           .after = j_text(a, after),
                                           .context = row_context(t)},
                     e);
}

/* Find by a natural key or create: buildings by name in the project,
 * units by name in the building. */
static int building_get(struct db *db, struct row_tx *t, int64_t *id, struct err *e)
{
    const int64_t project_id = t->run->project_id;
    const char *name = t->row->building;
    struct db_res r;
    cJSON *after;
    int found =
        db_one(db, t->run->a, &sql_building_find, DB_ARGS(P_INT(project_id), P_STR(name)), &r, e);

    if (found < 0)
        return -1;
    if (found) {
        *id = db_int(&r, 0, 0);
        return 0;
    }
    if (db_insert(db, &sql_building_insert, DB_ARGS(P_INT(project_id), P_STR(name)), id, e) < 0)
        return -1;
    t->n.created_buildings++;
    after = j_object();
    j_int(after, "project_id", project_id);
    j_str(after, "name", name);
    return audit(db, t, "import_create_building", "building", *id, NULL, after, e);
}

static int unit_get(struct db *db, struct row_tx *t, int64_t building_id, int64_t *id,
                    struct err *e)
{
    const char *name = t->row->unit;
    struct db_res r;
    cJSON *after;
    int found =
        db_one(db, t->run->a, &sql_unit_find, DB_ARGS(P_INT(building_id), P_STR(name)), &r, e);

    if (found < 0)
        return -1;
    if (found) {
        *id = db_int(&r, 0, 0);
        return 0;
    }
    if (db_insert(db, &sql_unit_insert, DB_ARGS(P_INT(building_id), P_STR(name)), id, e) < 0)
        return -1;
    t->n.created_units++;
    after = j_object();
    j_int(after, "building_id", building_id);
    j_str(after, "name", name);
    return audit(db, t, "import_create_unit", "unit", *id, NULL, after, e);
}

/* The columns of a resource that the import may set. */
struct res_vals {
    int64_t building_id, unit_id; /* 0 = NULL */
    const char *number, *kind, *layout, *decoration;
    bool has_floor;
    int64_t floor, area_m2x100, inner_area_m2x100;
};

static struct db_param p_id_or_null(int64_t id)
{
    return id ? P_INT(id) : P_NULL;
}

/* Does next differ from cur in any column? */
static bool res_differs(const struct res_vals *cur, const struct res_vals *next)
{
    return cur->building_id != next->building_id || cur->unit_id != next->unit_id ||
           strcmp(cur->number, next->number) != 0 || strcmp(cur->kind, next->kind) != 0 ||
           cur->has_floor != next->has_floor || cur->floor != next->floor ||
           cur->area_m2x100 != next->area_m2x100 ||
           cur->inner_area_m2x100 != next->inner_area_m2x100 ||
           strcmp(cur->layout, next->layout) != 0 || strcmp(cur->decoration, next->decoration) != 0;
}

/* A resource's audit snapshot: its place and code, and the columns the
 * import sets. */
static cJSON *res_json(int64_t project_id, const char *code, const struct res_vals *v)
{
    cJSON *o = j_object();

    j_int(o, "project_id", project_id);
    j_str(o, "code", code);
    j_int_or_null(o, "building_id", v->building_id != 0, v->building_id);
    j_int_or_null(o, "unit_id", v->unit_id != 0, v->unit_id);
    j_str(o, "number", v->number);
    j_str(o, "kind", v->kind);
    j_int_or_null(o, "floor", v->has_floor, v->floor);
    j_int(o, "area_m2x100", v->area_m2x100);
    j_int(o, "inner_area_m2x100", v->inner_area_m2x100);
    j_str(o, "layout", v->layout);
    j_str(o, "decoration", v->decoration);
    return o;
}

static int resource_put(struct db *db, struct row_tx *t, int64_t building_id, int64_t unit_id,
                        struct err *e)
{
    const struct import_row *row = t->row;
    const int64_t project_id = t->run->project_id;
    struct res_vals cur, next;
    struct db_res r;
    const char *code;
    int found, first_line;

    found = db_one(db, t->run->a, &sql_resource_by_code,
                   DB_ARGS(P_INT(project_id), P_STR(row->code)), &r, e);
    if (found < 0)
        return -1;
    if (!found && row->code_generated) {
        if (db_query(db, t->run->a, &sql_resource_by_place,
                     DB_ARGS(P_INT(project_id), p_id_or_null(building_id), p_id_or_null(unit_id),
                             P_STR(row->number)),
                     &r, e) < 0)
            return -1;
        if (r.nrows > 1)
            return row_refuse(t, e, import_col_names[IMPORT_COL_CODE],
                              "该楼栋、单元下有 %zu 个房号相同的房屋，请填写编码列以区分", r.nrows);
        found = (int)r.nrows;
    }
    if (!found) {
        next = (struct res_vals){
            .building_id = building_id,
            .unit_id = unit_id,
            .number = row->number,
            .kind = row->kind,
            .layout = row->layout ? row->layout : "",
            .decoration = row->decoration ? row->decoration : "",
            .has_floor = row->has_floor,
            .floor = row->floor,
            .area_m2x100 = row->has_area ? row->area_m2x100 : 0,
            .inner_area_m2x100 = row->has_inner_area ? row->inner_area_m2x100 : 0,
        };
        if (db_insert(db, &sql_resource_insert,
                      DB_ARGS(P_INT(project_id), p_id_or_null(next.building_id),
                              p_id_or_null(next.unit_id), P_STR(row->code), P_STR(next.number),
                              P_STR(next.kind), next.has_floor ? P_INT(next.floor) : P_NULL,
                              P_INT(next.area_m2x100), P_INT(next.inner_area_m2x100),
                              P_STR(next.layout), P_STR(next.decoration)),
                      &t->resource_id, e) < 0)
            return -1;
        t->n.created_resources++;
        return audit(db, t, "import_create_resource", "resource", t->resource_id, NULL,
                     res_json(project_id, row->code, &next), e);
    }

    /* The strings of cur live in the row's arena, as long as the row. */
    t->resource_id = db_int(&r, 0, 0);
    cur.building_id = db_int(&r, 0, 1);
    cur.unit_id = db_int(&r, 0, 2);
    cur.number = db_text(&r, 0, 3);
    cur.kind = db_text(&r, 0, 4);
    cur.has_floor = !db_is_null(&r, 0, 5);
    cur.floor = db_int(&r, 0, 5);
    cur.area_m2x100 = db_int(&r, 0, 6);
    cur.inner_area_m2x100 = db_int(&r, 0, 7);
    cur.layout = db_text(&r, 0, 8);
    cur.decoration = db_text(&r, 0, 9);
    code = db_text(&r, 0, 10); /* the stored one: a place match has its own */

    /* An empty cell keeps what is stored. The location is one thing: a
     * given building comes with its unit (none when the cell is empty),
     * so a resource never keeps a unit of another building. */
    next = cur;
    if (row->building) {
        next.building_id = building_id;
        next.unit_id = unit_id;
    }
    next.number = row->number;
    next.kind = row->kind;
    if (row->has_floor) {
        next.has_floor = true;
        next.floor = row->floor;
    }
    if (row->has_area)
        next.area_m2x100 = row->area_m2x100;
    if (row->has_inner_area)
        next.inner_area_m2x100 = row->inner_area_m2x100;
    if (row->layout)
        next.layout = row->layout;
    if (row->decoration)
        next.decoration = row->decoration;

    if (!res_differs(&cur, &next))
        return 0;
    first_line = seen_line(&t->run->seen, t->resource_id);
    if (first_line)
        return row_refuse(t, e, NULL, "与第 %d 行是同一房屋（编码“%s”），但房屋信息不一致",
                          first_line, code);
    if (db_exec(db, &sql_resource_update,
                DB_ARGS(p_id_or_null(next.building_id), p_id_or_null(next.unit_id),
                        P_STR(next.number), P_STR(next.kind),
                        next.has_floor ? P_INT(next.floor) : P_NULL, P_INT(next.area_m2x100),
                        P_INT(next.inner_area_m2x100), P_STR(next.layout), P_STR(next.decoration),
                        P_INT(t->resource_id)),
                NULL, e) < 0)
        return -1;
    t->n.updated_resources++;
    return audit(db, t, "import_update_resource", "resource", t->resource_id,
                 res_json(project_id, code, &cur), res_json(project_id, code, &next), e);
}

/* The person and their link go through the office API's own code
 * (resources_edit.h): the same rules, the same audit rows (with this
 * row's context). A refusal there is this row's error, in the column it
 * is about. */
static int person_error(struct row_tx *t, struct err *e)
{
    const char *column = err_is(e, E_PHONE_TAKEN)          ? import_col_names[IMPORT_COL_PHONE]
                         : err_is(e, E_ID_NUMBER_MISMATCH) ? import_col_names[IMPORT_COL_ID_NUMBER]
                         : err_is(e, E_FORBIDDEN)          ? import_col_names[IMPORT_COL_ID_NUMBER]
                         : err_is(e, E_ALREADY_LINKED)     ? import_col_names[IMPORT_COL_RELATION]
                         : err_is(e, E_MOVED_IN_MISMATCH)  ? import_col_names[IMPORT_COL_MOVED_IN]
                                                           : NULL;
    char message[sizeof(e->message)];

    if (!column)
        return -1; /* the database failed: not the row's fault */
    memcpy(message, e->message, sizeof(message));
    return row_refuse(t, e, column, "%s", message);
}

static int person_put(struct db *db, struct row_tx *t, int64_t *person_id, struct err *e)
{
    const struct import_row *row = t->row;
    struct person_ref ref = {row->name, row->phone, row->id_number_masked};
    bool created;

    if (res_person_resolve_tx(db, t->run->a, t->run->who, &ref, row_context(t), person_id, &created,
                              e) < 0)
        return person_error(t, e);
    t->n.created_persons += created;
    return 0;
}

static int link_put(struct db *db, struct row_tx *t, int64_t person_id, struct err *e)
{
    const struct import_row *row = t->row;
    int64_t link_id;
    bool created;

    if (res_link_tx(db, t->run->a, t->run->who, t->resource_id, person_id, row->relation,
                    row->moved_in_on, LINK_ENSURE, row_context(t), &link_id, &created, e) < 0)
        return person_error(t, e);
    t->n.created_links += created;
    return 0;
}

static int row_apply(struct db *db, void *arg, struct err *e)
{
    struct row_tx *t = arg;
    int64_t building_id = 0, unit_id = 0, person_id = 0;

    memset(&t->n, 0, sizeof(t->n));
    t->resource_id = 0;
    t->row_error = false;
    t->err_column = NULL;
    t->err_message[0] = '\0';

    if (t->row->building && building_get(db, t, &building_id, e) < 0)
        return -1;
    if (t->row->unit && unit_get(db, t, building_id, &unit_id, e) < 0)
        return -1;
    if (resource_put(db, t, building_id, unit_id, e) < 0)
        return -1;
    if (!t->row->has_person)
        return 0;
    if (person_put(db, t, &person_id, e) < 0)
        return -1;
    return link_put(db, t, person_id, e);
}

static int project_check(struct db *db, struct arena *a, int64_t project_id, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_project, DB_ARGS(P_INT(project_id)), &r, e);

    if (found < 0)
        return -1;
    return found ? 0 : err_not_found(e);
}

/* A row of nothing but empty cells (",,,," from a spreadsheet) or a blank
 * line is not a row of data. */
static bool record_blank(const struct csv_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = f[i].s;
        size_t len = f[i].len;
        trim(&s, &len);
        if (len)
            return false;
    }
    return true;
}

void import_cell_view(const struct csv_field *f, const char **s, size_t *n)
{
    cell_view(f, s, n);
}

bool import_record_blank(const struct csv_field *f, size_t n)
{
    return record_blank(f, n);
}

/* Pass one: structure, header and size, before anything is written. */
static int check_file(const char *data, size_t len, struct import_header *h, int *nrows,
                      struct err *e)
{
    struct csv_reader rd;
    const struct csv_field *f;
    size_t n;
    bool have_header = false;
    int rows = 0, rc = -1, got;

    csv_reader_init(&rd, data, len);
    while ((got = csv_read(&rd, &f, &n, e)) > 0) {
        if (record_blank(f, n))
            continue;
        if (!have_header) {
            if (import_header_parse(f, n, h, e) < 0)
                goto out;
            have_header = true;
            continue;
        }
        if (++rows > IMPORT_MAX_ROWS) {
            fatal(e, "文件超过 %d 行数据，请分批导入", IMPORT_MAX_ROWS);
            goto out;
        }
    }
    if (got < 0)
        goto out;
    if (!have_header) {
        fatal(e, "文件为空：第一行须是表头（如 楼栋,单元,房号,类型,……）");
        goto out;
    }
    *nrows = rows;
    rc = 0;
out:
    csv_reader_free(&rd);
    return rc;
}

static void counts_add(struct import_report *rep, const struct counts *n)
{
    rep->created_resources += n->created_resources;
    rep->updated_resources += n->updated_resources;
    rep->created_persons += n->created_persons;
    rep->created_links += n->created_links;
    rep->created_buildings += n->created_buildings;
    rep->created_units += n->created_units;
}

/* Apply one valid row; -1 only when the import must stop (the database
 * failed: every later row would fail the same way). */
static int row_run(struct db *db, struct run *run, const struct import_row *row,
                   struct import_report *rep, struct err *e)
{
    struct row_tx t;
    struct err re;

    memset(&t, 0, sizeof(t));
    memset(&re, 0, sizeof(re));
    t.run = run;
    t.row = row;
    if (db_tx(db, row_apply, &t, &re) == 0) {
        counts_add(rep, &t.n);
        seen_add(&run->seen, t.resource_id, row->line);
        rep->rows_ok++;
        return 0;
    }
    rep->rows_failed++;
    if (t.row_error) {
        import_report_add_error(rep, row->line, t.err_column, "%s", t.err_message);
        return 0;
    }
    if (err_is(&re, E_DB_DUPLICATE)) {
        /* Our SELECT found nothing and the INSERT still collided: someone
         * else created the same thing meanwhile. Running again settles it. */
        import_report_add_error(rep, row->line, NULL,
                                "数据已存在（可能有其他导入同时进行），请重新导入此行");
        return 0;
    }
    *e = re;
    if (err_is(e, E_OK))
        err_internal(e);
    return -1;
}

/* For the log line; the same mapping as audit_log(). */
static const char *actor_kind(const struct principal *who)
{
    if (who && who->kind == SUBJECT_STAFF)
        return "staff";
    if (who && who->kind == SUBJECT_OWNER)
        return "owner";
    return "system";
}

int import_rows(const char *data, size_t len)
{
    struct import_header h;
    struct err e;
    int rows = 0;

    if (!utf8_valid(data, len) || check_file(data, len, &h, &rows, &e) < 0)
        return -1;
    return rows;
}

int import_csv(struct db *db, int64_t project_id, const struct principal *who, const char *data,
               size_t len, const struct import_progress *progress, struct import_report *rep,
               struct err *e)
{
    struct run run;
    struct import_header h;
    struct csv_reader rd;
    struct arena a = {0};
    const struct csv_field *f;
    size_t n;
    bool header_seen = false;
    int rc = -1, got, total = 0;

    memset(rep, 0, sizeof(*rep));
    memset(&run, 0, sizeof(run));
    csv_reader_init(&rd, data, len);
    run.project_id = project_id;
    run.who = who;
    run.a = &a;

    /* Scope: the caller's projects only (who NULL: the operator tool). */
    if ((who && !auth_in_project(who, project_id)) || project_check(db, &a, project_id, e) < 0) {
        if (who && !auth_in_project(who, project_id))
            err_not_found(e);
        goto out;
    }
    /* Checked for the whole file up front: a sheet saved as GBK (Excel's
     * default "CSV" on Chinese Windows) would otherwise import as garbage
     * names rather than fail. */
    if (!utf8_valid(data, len)) {
        fatal(e, "文件不是 UTF-8 编码：请在 Excel 中选择“另存为 → CSV UTF-8（逗号分隔）”后再导入");
        goto out;
    }
    if (check_file(data, len, &h, &total, e) < 0)
        goto out;

    while ((got = csv_read(&rd, &f, &n, e)) > 0) {
        struct import_row row;

        if (record_blank(f, n))
            continue;
        if (!header_seen) {
            header_seen = true;
            continue;
        }
        rep->rows_total++;
        if (import_row_parse(&h, f, n, rd.record_line, &a, &row, rep) > 0)
            rep->rows_failed++;
        else if (row_run(db, &run, &row, rep, e) < 0)
            goto out;
        /* The row's cells, what its transaction read and its audit JSON
         * are done with: a file of 100,000 rows runs in one row's memory. */
        arena_reset(&a);
        if (progress && rep->rows_total % progress->every == 0 &&
            progress->fn(progress->arg, rep, total, e) < 0)
            goto out;
    }
    if (got < 0) /* cannot happen: pass one read the same bytes */
        goto out;
    rc = 0;
out:
    log_info("event=import project_id=%" PRId64 " actor=%s:%" PRId64 " rc=%d rows=%d ok=%d "
             "failed=%d created_resources=%d updated_resources=%d created_persons=%d "
             "created_links=%d created_buildings=%d created_units=%d",
             project_id, actor_kind(who), who ? who->id : 0, rc, rep->rows_total, rep->rows_ok,
             rep->rows_failed, rep->created_resources, rep->updated_resources, rep->created_persons,
             rep->created_links, rep->created_buildings, rep->created_units);
    csv_reader_free(&rd);
    arena_free(&a);
    seen_free(&run.seen);
    return rc;
}

/* A sheet of 100,000 rows is a few tens of MB; anything much bigger is not
 * an estate. */
#define IMPORT_MAX_FILE_BYTES (256u << 20)

int import_csv_file(struct db *db, int64_t project_id, const char *path, struct import_report *rep,
                    struct err *e)
{
    struct buf data = BUF_INIT;
    FILE *fp = fopen(path, "rb");
    int rc = -1;

    memset(rep, 0, sizeof(*rep));
    if (!fp) {
        fatal(e, "无法打开文件 %s：%s", path, strerror(errno));
        goto out;
    }
    for (;;) {
        size_t got;

        buf_reserve(&data, 65536);
        got = fread(data.data + data.len, 1, 65536, fp);
        data.len += got;
        data.data[data.len] = '\0'; /* buf's invariant */
        if (data.len > IMPORT_MAX_FILE_BYTES) {
            fatal(e, "文件过大（超过 %u MB）", IMPORT_MAX_FILE_BYTES >> 20);
            goto out;
        }
        if (got < 65536)
            break;
    }
    if (ferror(fp)) {
        fatal(e, "读取文件 %s 失败", path);
        goto out;
    }
    rc = import_csv(db, project_id, NULL, data.data ? data.data : "", data.len, NULL, rep, e);
out:
    if (fp)
        fclose(fp);
    buf_free(&data);
    return rc;
}

void import_report_print(const struct import_report *rep, FILE *out)
{
    int listed_rows = 0, last_line = 0;

    fprintf(out, "共 %d 行：成功 %d 行，失败 %d 行\n", rep->rows_total, rep->rows_ok,
            rep->rows_failed);
    fprintf(out,
            "新建楼栋 %d 个，单元 %d 个，房屋 %d 个，住户 %d 人，住户关联 %d 条；更新房屋 %d 个\n",
            rep->created_buildings, rep->created_units, rep->created_resources,
            rep->created_persons, rep->created_links, rep->updated_resources);
    for (size_t i = 0; i < rep->nerrors; i++) {
        const struct import_error *x = &rep->errors[i];

        if (x->column)
            fprintf(out, "第 %d 行 [%s]: %s\n", x->line, x->column, x->message);
        else
            fprintf(out, "第 %d 行: %s\n", x->line, x->message);
        if (x->line != last_line) {
            listed_rows++;
            last_line = x->line;
        }
    }
    if (rep->rows_failed > listed_rows)
        fprintf(out, "错误过多，仅列出前 %d 条；另有 %d 行的错误未列出\n", IMPORT_MAX_ERRORS,
                rep->rows_failed - listed_rows);
}

void import_report_free(struct import_report *rep)
{
    free(rep->errors);
    memset(rep, 0, sizeof(*rep));
}

/* Areas back to the text the import reads: 8950 → "89.50". */
static void area_text(int64_t m2x100, char out[32])
{
    snprintf(out, 32, "%" PRId64 ".%02" PRId64, m2x100 / 100, m2x100 % 100);
}

/* One row of the export scan (db_stream) into the output buffer. */
static int export_row(void *arg, const struct db_res *r, struct err *e)
{
    struct buf *out = arg;
    const char *v[IMPORT_NCOLS];
    char floor_text[24], area[32], inner[32];

    (void)e;
    v[IMPORT_COL_BUILDING] = db_str(r, 0, 0);
    v[IMPORT_COL_UNIT] = db_str(r, 0, 1);
    v[IMPORT_COL_NUMBER] = db_str(r, 0, 2);
    v[IMPORT_COL_CODE] = db_str(r, 0, 3);
    v[IMPORT_COL_KIND] = import_kind_label(db_str(r, 0, 4));
    v[IMPORT_COL_FLOOR] = NULL;
    if (!db_is_null(r, 0, 5)) {
        snprintf(floor_text, sizeof(floor_text), "%" PRId64, db_int(r, 0, 5));
        v[IMPORT_COL_FLOOR] = floor_text;
    }
    area_text(db_int(r, 0, 6), area);
    area_text(db_int(r, 0, 7), inner);
    v[IMPORT_COL_AREA] = area;
    v[IMPORT_COL_INNER_AREA] = inner;
    v[IMPORT_COL_LAYOUT] = db_str(r, 0, 8);
    v[IMPORT_COL_DECORATION] = db_str(r, 0, 9);
    v[IMPORT_COL_NAME] = db_str(r, 0, 10);
    v[IMPORT_COL_PHONE] = db_str(r, 0, 11);
    v[IMPORT_COL_RELATION] = import_relation_label(db_str(r, 0, 12));
    v[IMPORT_COL_MOVED_IN] = db_str(r, 0, 13);
    v[IMPORT_COL_ID_NUMBER] = db_str(r, 0, 14);
    csv_write_row(out, v, IMPORT_NCOLS, CSV_DEFUSE);
    return 0;
}

int export_csv(struct db *db, const struct principal *who, int64_t project_id, struct buf *out,
               struct err *e)
{
    struct arena a = {0};
    size_t start = out->len;
    int rc = -1;

    if (who && !auth_in_project(who, project_id)) {
        err_not_found(e);
        goto out;
    }
    if (project_check(db, &a, project_id, e) < 0)
        goto out;
    buf_append(out, "\xEF\xBB\xBF", 3);
    csv_write_row(out, import_col_names, IMPORT_NCOLS, 0);
    if (db_stream(db, &sql_export, DB_ARGS(P_INT(project_id)), export_row, out, e) < 0) {
        /* The rows stream in as they are written: a scan that failed
         * midway takes back what it wrote, so out is as it was. */
        out->len = start;
        out->data[start] = '\0';
        goto out;
    }
    rc = 0;
out:
    arena_free(&a);
    return rc;
}

int export_csv_file(struct db *db, int64_t project_id, FILE *out, struct err *e)
{
    struct buf b = BUF_INIT;
    int rc = -1;

    if (export_csv(db, NULL, project_id, &b, e) < 0)
        goto out;
    if (fwrite(b.data, 1, b.len, out) != b.len || fflush(out) != 0) {
        log_error("event=export_write_failed project_id=%" PRId64 " errno=%d", project_id, errno);
        err_internal(e);
        goto out;
    }
    rc = 0;
out:
    buf_free(&b);
    return rc;
}
