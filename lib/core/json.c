/* json.c — see json.h. */
#include "core/json.h"

#include <stdlib.h>
#include <string.h>

/* Largest integer we accept: 15 digits are exact in cJSON's number type. */
#define JSON_MAX_DIGITS 15

bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;

    while (p < end) {
        unsigned char c = *p;
        size_t len;
        unsigned int cp;

        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if ((size_t)(end - p) < len)
            return false;
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += len;
    }
    return true;
}

size_t utf8_chars(const char *s, size_t n)
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

size_t utf8_prefix(const char *s, size_t max_chars)
{
    size_t i = 0, chars = 0;

    while (s[i] && chars < max_chars) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        for (size_t k = 1; k < len; k++)
            if (!s[i + k])
                return i;
        i += len;
        chars++;
    }
    return i;
}

int json_scan(const char *p, size_t n, struct err *e)
{
    size_t i = 0;

    if (!utf8_valid(p, n))
        return err_bad_request(e, "请求内容不是有效的 UTF-8 文本");
    while (i < n) {
        char c = p[i];

        if (c == '"') {
            /* Strings (values and names): JSON forbids raw control
             * characters, and a \u0000 would cut a C string short, letting
             * "pass\u0000word" log in as "pass". Other escapes are left to
             * cJSON. */
            for (i++; i < n && p[i] != '"'; i++) {
                if ((unsigned char)p[i] < 0x20)
                    return err_bad_request(e, "字符串中不能含有控制字符");
                if (p[i] == '\\') {
                    if (i + 5 < n && p[i + 1] == 'u' && strncmp(p + i + 2, "0000", 4) == 0)
                        return err_bad_request(e, "字符串中不能含有空字符");
                    i++;
                }
            }
            i++;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            size_t digits = 0, start;

            if (c == '-')
                i++;
            start = i;
            while (i < n && p[i] >= '0' && p[i] <= '9') {
                digits++;
                i++;
            }
            if (i < n && (p[i] == '.' || p[i] == 'e' || p[i] == 'E'))
                return err_bad_request(e, "数字必须是整数（不能有小数或指数）");
            if (digits > JSON_MAX_DIGITS)
                return err_bad_request(e, "数字超出允许范围");
            if (digits > 1 && p[start] == '0')
                return err_bad_request(e, "数字不能有前导零");
        } else {
            i++;
        }
    }
    return 0;
}

/* A member name given twice is ambiguous (which one did the client mean?):
 * refuse it at every depth.
 *
 * The check runs on every public body before any handler sees it, so it
 * must not be quadratic: the names of each object are sorted (n log n
 * comparisons) and neighbours compared; a few members are cheaper to
 * compare pairwise. Names are C strings here: json_scan() refused "\u0000",
 * and cJSON has decoded escapes, so "a" and "\u0061" are the same name.
 * One scratch array serves the whole tree; it grows to the widest object. */
#define JSON_DUP_PAIRWISE 8

struct name_list {
    const char **names;
    size_t cap;
};

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* 1 if a name repeats in this object, 0 if not, -1 out of memory. */
static int object_has_duplicate(const cJSON *obj, struct name_list *l)
{
    const cJSON *a, *b;
    size_t n = 0;

    for (a = obj->child; a; a = a->next)
        n++;
    if (n <= JSON_DUP_PAIRWISE) {
        for (a = obj->child; a; a = a->next)
            for (b = a->next; b; b = b->next)
                if (strcmp(a->string, b->string) == 0)
                    return 1;
        return 0;
    }
    if (n > l->cap) {
        const char **grown = realloc(l->names, n * sizeof(*grown));
        if (!grown)
            return -1;
        l->names = grown;
        l->cap = n;
    }
    n = 0;
    for (a = obj->child; a; a = a->next)
        l->names[n++] = a->string;
    qsort(l->names, n, sizeof(*l->names), cmp_names);
    for (size_t i = 1; i < n; i++)
        if (strcmp(l->names[i - 1], l->names[i]) == 0)
            return 1;
    return 0;
}

static int has_duplicate_names(const cJSON *node, struct name_list *l)
{
    /* Members of an object always carry their name (cJSON sets it). */
    int rc = cJSON_IsObject(node) ? object_has_duplicate(node, l) : 0;

    for (const cJSON *c = node->child; c && rc == 0; c = c->next)
        rc = has_duplicate_names(c, l);
    return rc;
}

cJSON *json_parse_body(const char *p, size_t n, struct err *e)
{
    const char *end = NULL;
    cJSON *root;

    if (n == 0) {
        err_bad_request(e, "请求内容为空，需要 JSON 对象");
        return NULL;
    }
    if (json_scan(p, n, e) < 0)
        return NULL;
    root = cJSON_ParseWithLengthOpts(p, n, &end, false);
    if (!root) {
        err_bad_request(e, "请求内容不是有效的 JSON");
        return NULL;
    }
    /* Only white space may follow the value. */
    while (end && end < p + n && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
        end++;
    if (!end || end != p + n) {
        cJSON_Delete(root);
        err_bad_request(e, "请求内容不是有效的 JSON");
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        err_bad_request(e, "请求内容必须是 JSON 对象");
        return NULL;
    }
    {
        struct name_list names = {NULL, 0};
        int dup = has_duplicate_names(root, &names);

        free(names.names);
        if (dup != 0) {
            cJSON_Delete(root);
            if (dup < 0)
                err_internal(e);
            else
                err_bad_request(e, "同一个字段出现了两次");
            return NULL;
        }
    }
    return root;
}

int json_only_fields(const cJSON *obj, const char *const *allowed, struct err *e)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, obj)
    {
        bool ok = false;

        for (const char *const *a = allowed; *a; a++)
            if (it->string && strcmp(it->string, *a) == 0)
                ok = true;
        if (!ok)
            return err_setf(e, E_BAD_REQUEST, "不认识的字段：%.40s", it->string ? it->string : "");
    }
    return 0;
}

int json_get_str(const cJSON *obj, const char *name, bool required, size_t min_chars,
                 size_t max_chars, const char **out, struct err *e)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    size_t chars;

    *out = NULL;
    if (!it || cJSON_IsNull(it)) {
        if (required)
            return err_setf(e, E_BAD_REQUEST, "缺少字段：%s", name);
        return 0;
    }
    if (!cJSON_IsString(it) || !it->valuestring)
        return err_setf(e, E_BAD_REQUEST, "字段 %s 必须是字符串", name);
    /* cJSON decodes \u escapes; a \u0000 would cut the C string short. */
    chars = utf8_chars(it->valuestring, strlen(it->valuestring));
    if (chars < min_chars || chars > max_chars)
        return err_setf(e, E_BAD_REQUEST, "字段 %s 的长度应为 %zu 到 %zu 个字", name, min_chars,
                        max_chars);
    *out = it->valuestring;
    return 0;
}

int json_get_line(const cJSON *obj, const char *name, bool required, size_t min_chars,
                  size_t max_chars, const char **out, struct err *e)
{
    cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    char *s, *end;

    *out = NULL;
    if (it && cJSON_IsString(it) && it->valuestring) {
        s = it->valuestring;
        for (char *c = s; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                return err_setf(e, E_BAD_REQUEST, "字段 %s 不能含有换行、制表符等控制字符", name);
        for (;;) { /* leading spaces */
            if (*s == ' ')
                s++;
            else if (strncmp(s, "\xE3\x80\x80", 3) == 0)
                s += 3;
            else
                break;
        }
        end = s + strlen(s);
        for (;;) { /* trailing spaces */
            if (end > s && end[-1] == ' ')
                end--;
            else if (end - s >= 3 && strncmp(end - 3, "\xE3\x80\x80", 3) == 0)
                end -= 3;
            else
                break;
        }
        memmove(it->valuestring, s, (size_t)(end - s));
        it->valuestring[end - s] = '\0';
    }
    return json_get_str(obj, name, required, min_chars, max_chars, out, e);
}

int json_get_int(const cJSON *obj, const char *name, bool required, int64_t min, int64_t max,
                 int64_t *out, bool *present, struct err *e)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    int64_t v;

    if (present)
        *present = false;
    if (!it || cJSON_IsNull(it)) {
        if (required)
            return err_setf(e, E_BAD_REQUEST, "缺少字段：%s", name);
        return 0;
    }
    if (!cJSON_IsNumber(it))
        return err_setf(e, E_BAD_REQUEST, "字段 %s 必须是整数", name);
    /* json_scan() admitted only integers of at most 15 digits, so the
     * binary number cJSON stored is exact and the conversion loses nothing. */
    v = (int64_t)it->valuedouble;
    if (v < min || v > max)
        return err_setf(e, E_BAD_REQUEST, "字段 %s 超出允许范围", name);
    *out = v;
    if (present)
        *present = true;
    return 0;
}

int json_get_ids(const cJSON *obj, const char *name, bool required, size_t max_items,
                 int64_t max_id, struct arena *a, int64_t **out, size_t *n, bool *present,
                 struct err *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, name), *it;
    int64_t *ids, v;

    *n = 0;
    *out = NULL;
    if (present)
        *present = false;
    if (!arr || cJSON_IsNull(arr))
        return required ? err_setf(e, E_BAD_REQUEST, "缺少字段：%s", name) : 0;
    if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) > max_items)
        return err_setf(e, E_BAD_REQUEST, "字段 %s 必须是不超过 %zu 项的编号数组", name, max_items);
    ids = arena_alloc(a, ((size_t)cJSON_GetArraySize(arr) + 1) * sizeof(*ids));
    cJSON_ArrayForEach(it, arr)
    {
        /* json_scan() let only integers of at most 15 digits through */
        if (!cJSON_IsNumber(it))
            return err_setf(e, E_BAD_REQUEST, "字段 %s 必须是不超过 %zu 项的编号数组", name,
                            max_items);
        v = (int64_t)it->valuedouble; /* exact: see json_get_int() */
        if (v < 1 || v > max_id)
            return err_setf(e, E_BAD_REQUEST, "字段 %s 超出允许范围", name);
        ids[(*n)++] = v;
    }
    *out = ids;
    if (present)
        *present = true;
    return 0;
}

int json_get_bool(const cJSON *obj, const char *name, bool required, bool *out, struct err *e)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (!it || cJSON_IsNull(it)) {
        if (required)
            return err_setf(e, E_BAD_REQUEST, "缺少字段：%s", name);
        return 0;
    }
    if (!cJSON_IsBool(it))
        return err_setf(e, E_BAD_REQUEST, "字段 %s 必须是 true 或 false", name);
    *out = cJSON_IsTrue(it);
    return 0;
}

/* An integer goes out as its digits, a raw item: cJSON prints a number
 * with "%1.15g" and reads it back with sscanf to check it (a visible
 * share of the workers' time in every answer with numbers), and is exact
 * only below 2^53. */
cJSON *json_int(int64_t v)
{
    char d[24];
    int at = sizeof(d) - 1;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    d[at] = '\0';
    do
        d[--at] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        d[--at] = '-';
    return cJSON_CreateRaw(d + at);
}

const char *json_text(struct arena *a, cJSON *doc)
{
    char *s = cJSON_PrintUnformatted(doc), *copy = NULL;

    cJSON_Delete(doc);
    if (s) {
        copy = arena_strdup(a, s);
        cJSON_free(s);
    }
    return copy;
}

cJSON *json_add_int(cJSON *obj, const char *name, int64_t v)
{
    cJSON *n = json_int(v);

    if (!n || !cJSON_AddItemToObject(obj, name, n)) {
        cJSON_Delete(n);
        return NULL;
    }
    return n;
}

void json_write_str(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;

    buf_append(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        const char *rep = NULL;
        size_t n = 2;

        if (c == '"')
            rep = "\\\"";
        else if (c == '\\')
            rep = "\\\\";
        else if (c == '\n')
            rep = "\\n";
        else if (c == '\r')
            rep = "\\r";
        else if (c == '\t')
            rep = "\\t";
        else if (c < 0x20) {
            rep = esc;
            n = 6;
        } else
            continue; /* UTF-8 passes as it is: the text was checked on input */
        buf_append(b, run, (size_t)(s - run));
        buf_append(b, rep, n);
        run = s + 1;
    }
    buf_append(b, run, (size_t)(s - run));
    buf_append(b, "\"", 1);
}

void json_write_int(struct buf *b, int64_t v)
{
    char d[24];
    int at = sizeof(d);
    /* in unsigned arithmetic, so that INT64_MIN negates */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do
        d[--at] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        d[--at] = '-';
    buf_append(b, d + at, sizeof(d) - (size_t)at);
}

cJSON *json_add_str_or_null(cJSON *obj, const char *name, const char *v)
{
    return v ? cJSON_AddStringToObject(obj, name, v) : cJSON_AddNullToObject(obj, name);
}

cJSON *json_add_id_or_null(cJSON *obj, const char *name, int64_t id)
{
    return id ? json_add_int(obj, name, id) : cJSON_AddNullToObject(obj, name);
}
