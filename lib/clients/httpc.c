/*
 * httpc.c — libcurl wrapper; see httpc.h.
 *
 * One easy handle per thread, kept in a pthread key whose destructor
 * cleans it up at thread exit. The handle is reset before and after every
 * request: curl_easy_reset() keeps the connection and DNS caches (the point
 * of reusing it) but forgets our options, so no pointer into a finished
 * request's memory (header list, error buffer) survives in the handle.
 *
 * Response headers are collected by the header callback. curl reports the
 * headers of every answer it reads in one transfer (an interim
 * "100 Continue", a proxy's CONNECT answer); each status line starts a new
 * set, so only the final answer's headers remain. We also send an empty
 * "Expect:" so that curl does not wait for 100-continue before bodies of
 * more than 1 KiB — the providers never answer it, which costs a second.
 */
#include "clients/httpc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define DEFAULT_TIMEOUT_MS 10000L
#define MAX_HEADERS 128

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t handle_key;
static int key_ok;

static void handle_destroy(void *h)
{
    curl_easy_cleanup(h);
}

static void key_init(void)
{
    key_ok = pthread_key_create(&handle_key, handle_destroy) == 0;
}

int httpc_global_init(struct err *e)
{
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

    if (rc != CURLE_OK)
        return err_setf(e, E_INTERNAL, "系统繁忙，请稍后再试");
    if (pthread_once(&key_once, key_init) != 0 || !key_ok)
        return err_internal(e);
    return 0;
}

void httpc_global_cleanup(void)
{
    httpc_thread_cleanup();
    curl_global_cleanup();
}

void httpc_thread_cleanup(void)
{
    CURL *h;

    if (pthread_once(&key_once, key_init) != 0 || !key_ok)
        return;
    h = pthread_getspecific(handle_key);
    if (h) {
        curl_easy_cleanup(h);
        (void)pthread_setspecific(handle_key, NULL);
    }
}

static CURL *thread_handle(void)
{
    CURL *h;

    if (pthread_once(&key_once, key_init) != 0 || !key_ok)
        return NULL;
    h = pthread_getspecific(handle_key);
    if (h) {
        curl_easy_reset(h);
        return h;
    }
    h = curl_easy_init();
    if (!h)
        return NULL;
    if (pthread_setspecific(handle_key, h) != 0) {
        curl_easy_cleanup(h);
        return NULL;
    }
    return h;
}

struct transfer {
    struct httpc_resp *resp;
    int too_big;
};

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
    struct transfer *t = userdata;
    size_t len = size * n;

    if (len > HTTPC_MAX_BODY - t->resp->body.len) {
        t->too_big = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    buf_append(&t->resp->body, p, len);
    return len;
}

static void headers_clear(struct httpc_resp *r)
{
    size_t i;

    for (i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    r->headers = NULL;
    r->nheaders = 0;
}

static char *dup_range(const char *p, size_t n)
{
    char *s = malloc(n + 1);

    if (!s)
        abort(); /* as buf.h: a worker that cannot allocate is restarted */
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
    struct transfer *t = userdata;
    struct httpc_resp *r = t->resp;
    size_t len = size * n;
    size_t end = len;
    size_t colon;
    size_t v;
    struct httpc_header *grown;

    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        headers_clear(r); /* a new answer begins */
        return len;
    }
    while (end > 0 && (p[end - 1] == '\r' || p[end - 1] == '\n'))
        end--;
    for (colon = 0; colon < end && p[colon] != ':'; colon++)
        ;
    /* Blank lines, folded continuations and lines without a name carry
     * nothing our callers read. */
    if (colon == 0 || colon == end || p[0] == ' ' || p[0] == '\t')
        return len;
    if (r->nheaders >= MAX_HEADERS) {
        t->too_big = 1;
        return 0;
    }
    v = colon + 1;
    while (v < end && (p[v] == ' ' || p[v] == '\t'))
        v++;
    while (end > v && (p[end - 1] == ' ' || p[end - 1] == '\t'))
        end--;
    grown = realloc(r->headers, (r->nheaders + 1) * sizeof(*grown));
    if (!grown)
        abort();
    r->headers = grown;
    r->headers[r->nheaders].name = dup_range(p, colon);
    r->headers[r->nheaders].value = dup_range(p + v, end - v);
    r->nheaders++;
    return len;
}

/* Set an option or leave through the setopt_failed label. */
#define SETOPT(h, opt, val)                                                                        \
    do {                                                                                           \
        if (curl_easy_setopt(h, opt, val) != CURLE_OK)                                             \
            goto setopt_failed;                                                                    \
    } while (0)

int httpc_request(const struct httpc_req *req, struct httpc_resp *resp, struct err *e)
{
    struct transfer t = {resp, 0};
    struct curl_slist *hdrs = NULL;
    struct curl_slist *grown;
    char errbuf[CURL_ERROR_SIZE] = "";
    long timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS;
    long connect_ms = req->connect_timeout_ms > 0 ? req->connect_timeout_ms : timeout_ms;
    const void *body = req->body ? req->body : "";
    CURLcode cc;
    CURL *h;
    size_t i;
    int rc = -1;

    resp->status = 0;
    resp->diag[0] = '\0';
    buf_reset(&resp->body);
    headers_clear(resp);
    if (!req->method || !req->url || (!req->body && req->body_len)) {
        snprintf(resp->diag, sizeof(resp->diag), "bad request description");
        return err_internal(e);
    }
    h = thread_handle();
    if (!h) {
        snprintf(resp->diag, sizeof(resp->diag), "curl_easy_init failed");
        return err_internal(e);
    }
    grown = curl_slist_append(hdrs, "Expect:");
    if (!grown)
        goto setopt_failed;
    hdrs = grown;
    for (i = 0; i < req->nheaders; i++) {
        /* A line break would smuggle a header or a request: our bug. */
        if (!req->headers[i] || strpbrk(req->headers[i], "\r\n")) {
            snprintf(resp->diag, sizeof(resp->diag), "header line %zu malformed", i);
            err_internal(e);
            goto out;
        }
        grown = curl_slist_append(hdrs, req->headers[i]);
        if (!grown)
            goto setopt_failed;
        hdrs = grown;
    }

    SETOPT(h, CURLOPT_URL, req->url);
    SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
    SETOPT(h, CURLOPT_TIMEOUT_MS, timeout_ms);
    SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(h, CURLOPT_USERAGENT, "wuye/1.0"); /* WeChat Pay refuses requests without one */
    SETOPT(h, CURLOPT_HTTPHEADER, hdrs);
    SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(h, CURLOPT_WRITEDATA, &t);
    SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(h, CURLOPT_HEADERDATA, &t);
    if (strcmp(req->method, "GET") == 0 && req->body_len == 0) {
        SETOPT(h, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(req->method, "HEAD") == 0) {
        SETOPT(h, CURLOPT_NOBODY, 1L);
    } else {
        /* POST semantics carry the body; another verb just renames it. */
        SETOPT(h, CURLOPT_POST, 1L);
        SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        SETOPT(h, CURLOPT_POSTFIELDS, body);
        if (strcmp(req->method, "POST") != 0)
            SETOPT(h, CURLOPT_CUSTOMREQUEST, req->method);
    }

    cc = curl_easy_perform(h);
    if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status) != CURLE_OK)
        resp->status = 0;
    if (cc != CURLE_OK) {
        if (t.too_big)
            snprintf(resp->diag, sizeof(resp->diag), "answer too large");
        else
            snprintf(resp->diag, sizeof(resp->diag), "%s: %.160s", curl_easy_strerror(cc),
                     errbuf[0] ? errbuf : "-");
        err_setf(e, E_UPSTREAM_UNAVAILABLE, "外部服务暂时不可用，请稍后再试");
        goto out;
    }
    rc = 0;
    goto out;

setopt_failed:
    snprintf(resp->diag, sizeof(resp->diag), "curl option refused");
    err_internal(e);
out:
    curl_easy_reset(h);
    curl_slist_free_all(hdrs);
    if (rc != 0) {
        buf_reset(&resp->body);
        headers_clear(resp);
    }
    return rc;
}
#undef SETOPT

const char *httpc_resp_header(const struct httpc_resp *resp, const char *name)
{
    size_t i;

    for (i = 0; i < resp->nheaders; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0)
            return resp->headers[i].value;
    return NULL;
}

void httpc_resp_free(struct httpc_resp *resp)
{
    headers_clear(resp);
    buf_free(&resp->body);
    resp->status = 0;
    resp->diag[0] = '\0';
}

void httpc_escape(const char *s, struct buf *out)
{
    static const char digits[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s;

    for (; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            buf_append(out, p, 1);
        } else {
            char enc[3] = {'%', digits[*p >> 4], digits[*p & 15]};

            buf_append(out, enc, 3);
        }
    }
}
