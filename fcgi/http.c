/* http.c — reply helpers and input accessors for one request (see http.h). */
#include "http.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/json.h"

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return status >= 500 ? "Internal Server Error" : "Error";
    }
}

int reply_raw(struct req *r, int status, const char *content_type, const char *data, size_t n,
              const char *extra_headers)
{
    FCGX_Stream *out = r->fcgi->out;
    struct buf h = BUF_INIT;

    assert(!r->replied); /* one answer per request */
    r->replied = true;
    r->status = status;
    /* Formatted here, not with FCGX_FPrintF: libfcgi's own printf knows
     * no %zu. */
    buf_printf(&h, "Status: %d %s\r\nX-Request-Id: %s\r\nCache-Control: no-store\r\n", status,
               reason(status), r->request_id);
    if (extra_headers)
        buf_puts(&h, extra_headers);
    if (content_type)
        buf_printf(&h, "Content-Type: %s\r\nContent-Length: %zu\r\n", content_type, n);
    buf_puts(&h, "\r\n");
    FCGX_PutStr(h.data, (int)h.len, out);
    if (n)
        FCGX_PutStr(data, (int)n, out);
    buf_free(&h);
    return 0;
}

static const char json_type[] = "application/json; charset=utf-8";

static int reply_json_headers(struct req *r, int status, cJSON *doc, const char *extra)
{
    char *text = doc ? cJSON_PrintUnformatted(doc) : NULL;

    cJSON_Delete(doc);
    if (!text) {
        static const char fallback[] =
            "{\"error\":{\"code\":\"INTERNAL\",\"message\":\"系统繁忙，请稍后再试\"}}";
        return reply_raw(r, 500, json_type, fallback, sizeof(fallback) - 1, NULL);
    }
    reply_raw(r, status, json_type, text, strlen(text), extra);
    cJSON_free(text);
    return 0;
}

int reply_json_text(struct req *r, int status, struct buf *text)
{
    reply_raw(r, status, json_type, text->data, text->len, NULL);
    buf_free(text);
    return 0;
}

int reply_json(struct req *r, int status, cJSON *doc)
{
    return reply_json_headers(r, status, doc, NULL);
}

int reply_empty(struct req *r, int status)
{
    return reply_raw(r, status, NULL, NULL, 0, NULL);
}

int reply_created(struct req *r, int64_t id)
{
    cJSON *o = cJSON_CreateObject();

    json_add_int(o, "id", id);
    return reply_json(r, 201, o);
}

int reply_ok(struct req *r)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddBoolToObject(o, "ok", 1);
    return reply_json(r, 200, o);
}

int reply_list(struct req *r, cJSON *items, int64_t next_after)
{
    cJSON *o = cJSON_CreateObject();
    char cur[24];

    cJSON_AddItemToObject(o, "items", items);
    if (next_after > 0) {
        snprintf(cur, sizeof(cur), "%lld", (long long)next_after);
        cJSON_AddStringToObject(o, "next_cursor", cur);
    } else {
        cJSON_AddNullToObject(o, "next_cursor");
    }
    return reply_json(r, 200, o);
}

void reply_error(struct req *r, const struct err *e, const char *extra_headers)
{
    cJSON *doc = cJSON_CreateObject(), *o = cJSON_AddObjectToObject(doc, "error");
    enum err_code code = e->code;
    int status;

    /* No code, or one that must not reach a client (a duplicate key no
     * caller mapped): INTERNAL. 5xx messages are generic by construction;
     * a library's text never reaches the client. */
    if (code == E_OK || code == E_DB_DUPLICATE || err_status(code) < 400)
        code = E_INTERNAL;
    status = err_status(code);
    cJSON_AddStringToObject(o, "code", err_name(code));
    cJSON_AddStringToObject(
        o, "message", status >= 500 || code != e->code ? err_default_message(code) : e->message);
    reply_json_headers(r, status, doc, extra_headers);
}

/* Find name in the query string and percent-decode its value. 1 found,
 * 0 absent, -1 malformed. */
static int query_find(struct req *r, const char *name, char **out, size_t *out_len)
{
    const char *q = r->query, *end;
    size_t nlen = strlen(name);

    while (q && *q) {
        end = strchr(q, '&');
        if (!end)
            end = q + strlen(q);
        if ((size_t)(end - q) > nlen && strncmp(q, name, nlen) == 0 && q[nlen] == '=') {
            const char *v = q + nlen + 1;
            char *o = arena_alloc(&r->arena, (size_t)(end - v) + 1);
            size_t n = 0;
            while (v < end) {
                if (*v == '%') {
                    int hi, lo;
                    if (end - v < 3)
                        return -1;
                    hi = hex_digit(v[1]);
                    lo = hex_digit(v[2]);
                    if (hi < 0 || lo < 0)
                        return -1;
                    o[n++] = (char)(hi * 16 + lo);
                    v += 3;
                } else {
                    o[n++] = *v == '+' ? ' ' : *v;
                    v++;
                }
            }
            o[n] = '\0';
            *out = o;
            *out_len = n;
            return 1;
        }
        q = *end ? end + 1 : end;
    }
    return 0;
}

int req_query_str(struct req *r, const char *name, size_t max_chars, const char **out,
                  struct err *e)
{
    char *v;
    size_t n;
    int rc = query_find(r, name, &v, &n);

    *out = NULL;
    if (rc == 0)
        return 0;
    if (rc < 0 || !utf8_valid(v, n) || memchr(v, '\0', n))
        return err_setf(e, E_BAD_REQUEST, "查询参数 %s 格式不正确", name);
    if (utf8_chars(v, n) > max_chars)
        return err_setf(e, E_BAD_REQUEST, "查询参数 %s 太长", name);
    *out = n ? v : NULL;
    return 0;
}

int req_query_int(struct req *r, const char *name, int64_t min, int64_t max, int64_t *out,
                  bool *present, struct err *e)
{
    const char *v;
    int64_t x = 0;

    if (present)
        *present = false;
    if (req_query_str(r, name, 20, &v, e) < 0)
        return -1;
    if (!v)
        return 0;
    if (strlen(v) > 15)
        return err_setf(e, E_BAD_REQUEST, "查询参数 %s 必须是整数", name);
    for (const char *c = v; *c; c++) {
        if (*c < '0' || *c > '9')
            return err_setf(e, E_BAD_REQUEST, "查询参数 %s 必须是整数", name);
        x = x * 10 + (*c - '0');
    }
    if (x < min || x > max)
        return err_setf(e, E_BAD_REQUEST, "查询参数 %s 超出允许范围", name);
    *out = x;
    if (present)
        *present = true;
    return 0;
}

int req_page(struct req *r, struct page *pg, struct err *e)
{
    int64_t lim = 50, after = 0;

    if (req_query_int(r, "limit", 1, 200, &lim, NULL, e) < 0 ||
        req_query_int(r, "cursor", 0, INT64_C(999999999999999), &after, NULL, e) < 0)
        return -1;
    pg->after = after;
    pg->limit = (int)lim;
    return 0;
}
