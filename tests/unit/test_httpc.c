/*
 * test_httpc.c — the libcurl wrapper against a tiny HTTP server on a
 * loopback socket, run in a thread of the test: what goes on the wire
 * (method, path, our header lines, exact body bytes, no Expect), what comes
 * back (status, body, headers found case-insensitively, only the final
 * answer's headers), and the failures that must become 503
 * UPSTREAM_UNAVAILABLE (refused connection, timeout, oversize answer,
 * non-HTTP schemes).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "clients/httpc.h"

enum server_mode {
    SERVE_ANSWER, /* read the request, write the canned answer, close */
    SERVE_HANG,   /* read the request, never answer */
    SERVE_FLOOD,  /* answer with a body larger than HTTPC_MAX_BODY */
};

struct server {
    int fd;
    int port;
    pthread_t thread;
    enum server_mode mode;
    const char *answer; /* raw bytes for SERVE_ANSWER */
    size_t answer_len;
    struct buf request; /* head and body as received */
    size_t body_offset; /* where the request body starts */
};

static size_t content_length(const char *head)
{
    const char *p = strcasestr(head, "\r\nContent-Length:");

    return p ? (size_t)strtoul(p + 17, NULL, 10) : 0;
}

/* Read one request (head, then Content-Length bytes of body) into s->request. */
static void read_request(struct server *s, int c)
{
    char chunk[4096];
    char *end = NULL;

    for (;;) {
        struct pollfd pfd = {c, POLLIN, 0};
        ssize_t n;

        if (end && s->request.len >= s->body_offset + content_length(s->request.data))
            return;
        if (poll(&pfd, 1, 3000) <= 0)
            return;
        n = recv(c, chunk, sizeof(chunk), 0);
        if (n <= 0)
            return;
        buf_append(&s->request, chunk, (size_t)n);
        if (!end) {
            end = strstr(s->request.data, "\r\n\r\n");
            if (end)
                s->body_offset = (size_t)(end - s->request.data) + 4;
        }
    }
}

static void send_all(int c, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(c, p, n, MSG_NOSIGNAL);

        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void *serve(void *arg)
{
    struct server *s = arg;
    int c = accept(s->fd, NULL, NULL);

    if (c < 0)
        return NULL;
    read_request(s, c);
    if (s->mode == SERVE_ANSWER) {
        send_all(c, s->answer, s->answer_len);
    } else if (s->mode == SERVE_HANG) {
        struct pollfd pfd = {c, POLLIN, 0};
        char ch;

        /* Wait until the client gives up and closes (or 5 s pass). */
        if (poll(&pfd, 1, 5000) > 0)
            (void)recv(c, &ch, 1, 0);
    } else {
        static char block[65536];
        char head[128];
        size_t sent = 0;
        int n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
                         HTTPC_MAX_BODY + 65536);

        memset(block, 'x', sizeof(block));
        send_all(c, head, (size_t)n);
        while (sent < HTTPC_MAX_BODY + sizeof(block)) {
            ssize_t w = send(c, block, sizeof(block), MSG_NOSIGNAL);

            if (w <= 0)
                break;
            sent += (size_t)w;
        }
    }
    close(c);
    return NULL;
}

static void server_start(struct server *s, enum server_mode mode, const char *answer)
{
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof(a);

    memset(s, 0, sizeof(*s));
    s->mode = mode;
    s->answer = answer;
    s->answer_len = answer ? strlen(answer) : 0;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, 4), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

/* Wait for the server thread; its capture of the request stays readable. */
static void server_join(struct server *s)
{
    assert_int_equal(pthread_join(s->thread, NULL), 0);
}

static void server_free(struct server *s)
{
    close(s->fd);
    buf_free(&s->request);
}

static void server_stop(struct server *s)
{
    server_join(s);
    server_free(s);
}

static void url(char *out, size_t size, const struct server *s, const char *path)
{
    snprintf(out, size, "http://127.0.0.1:%d%s", s->port, path);
}

static void test_get_answer_and_headers(void **state)
{
    static const char answer[] = "HTTP/1.1 200 OK\r\n"
                                 "Content-Type: application/json\r\n"
                                 "Wechatpay-Timestamp: 1700000005\r\n"
                                 "wechatpay-nonce:abc\r\n"
                                 "WECHATPAY-SIGNATURE:   c2ln==  \r\n"
                                 "Wechatpay-Serial: PUB_KEY_ID_1\r\n"
                                 "Content-Length: 11\r\n"
                                 "Connection: close\r\n"
                                 "\r\n"
                                 "{\"ok\":true}";
    static const char *const hdrs[] = {"Accept: application/json", "X-Test: 1"};
    struct server s;
    struct httpc_resp resp = HTTPC_RESP_INIT;
    struct err e = {0};
    char u[128];
    struct httpc_req req = {"GET", u, hdrs, 2, NULL, 0, 2000, 0};

    (void)state;
    server_start(&s, SERVE_ANSWER, answer);
    url(u, sizeof(u), &s, "/v3/pay/transactions/out-trade-no/W1?mchid=1230000109");
    assert_int_equal(httpc_request(&req, &resp, &e), 0);
    server_join(&s);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.body.len, 11);
    assert_string_equal(resp.body.data, "{\"ok\":true}");
    assert_string_equal(httpc_resp_header(&resp, "Wechatpay-Timestamp"), "1700000005");
    assert_string_equal(httpc_resp_header(&resp, "WECHATPAY-NONCE"), "abc");
    assert_string_equal(httpc_resp_header(&resp, "wechatpay-signature"), "c2ln==");
    assert_string_equal(httpc_resp_header(&resp, "Wechatpay-Serial"), "PUB_KEY_ID_1");
    assert_string_equal(httpc_resp_header(&resp, "content-type"), "application/json");
    assert_null(httpc_resp_header(&resp, "Wechatpay"));
    assert_null(httpc_resp_header(&resp, "X-Missing"));
    /* what went on the wire */
    assert_non_null(strstr(s.request.data, "GET /v3/pay/transactions/out-trade-no/W1"
                                           "?mchid=1230000109 HTTP/1.1\r\n"));
    assert_non_null(strstr(s.request.data, "\r\nAccept: application/json\r\n"));
    assert_non_null(strstr(s.request.data, "\r\nX-Test: 1\r\n"));
    assert_non_null(strstr(s.request.data, "\r\nUser-Agent: wuye/1.0\r\n"));
    httpc_resp_free(&resp);
    assert_null(resp.headers);
    assert_null(resp.body.data);
    server_free(&s);
}

/* The body is sent byte for byte (NULs included), without Expect: 100-continue. */
static void test_post_exact_body(void **state)
{
    static const char answer[] = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    static const char *const hdrs[] = {"Content-Type: application/json; charset=utf-8",
                                       "Host: sms.tencentcloudapi.com"};
    struct server s;
    struct httpc_resp resp = HTTPC_RESP_INIT;
    struct err e = {0};
    char body[3000];
    char u[128];
    struct httpc_req req = {"POST", u, hdrs, 2, body, sizeof(body), 2000, 500};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(body); i++)
        body[i] = (char)(i % 251);
    server_start(&s, SERVE_ANSWER, answer);
    url(u, sizeof(u), &s, "/");
    assert_int_equal(httpc_request(&req, &resp, &e), 0);
    server_join(&s);
    assert_int_equal(resp.status, 204);
    assert_int_equal(resp.body.len, 0);
    assert_non_null(strstr(s.request.data, "POST / HTTP/1.1\r\n"));
    assert_non_null(strstr(s.request.data, "\r\nHost: sms.tencentcloudapi.com\r\n"));
    assert_non_null(
        strstr(s.request.data, "\r\nContent-Type: application/json; charset=utf-8\r\n"));
    assert_null(strcasestr(s.request.data, "Expect:"));
    assert_int_equal(s.request.len - s.body_offset, sizeof(body));
    assert_memory_equal(s.request.data + s.body_offset, body, sizeof(body));
    httpc_resp_free(&resp);
    server_free(&s);
}

/* Any HTTP status is an answer; redirects are not followed. */
static void test_error_status_and_no_redirect(void **state)
{
    static const char a500[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 37\r\n"
                               "Connection: close\r\n\r\n"
                               "{\"code\":\"SYSTEM_ERROR\",\"message\":\"x\"}";
    static const char a302[] = "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\n"
                               "Content-Length: 0\r\nConnection: close\r\n\r\n";
    struct server s;
    struct httpc_resp resp = HTTPC_RESP_INIT;
    struct err e = {0};
    char u[128];
    struct httpc_req req = {"POST", u, NULL, 0, "{}", 2, 2000, 0};

    (void)state;
    server_start(&s, SERVE_ANSWER, a500);
    url(u, sizeof(u), &s, "/v3/refund/domestic/refunds");
    assert_int_equal(httpc_request(&req, &resp, &e), 0);
    server_stop(&s);
    assert_int_equal(resp.status, 500);
    assert_string_equal(resp.body.data, "{\"code\":\"SYSTEM_ERROR\",\"message\":\"x\"}");

    server_start(&s, SERVE_ANSWER, a302);
    url(u, sizeof(u), &s, "/");
    assert_int_equal(httpc_request(&req, &resp, &e), 0); /* the same resp, reused */
    server_stop(&s);
    assert_int_equal(resp.status, 302);
    assert_int_equal(resp.body.len, 0);
    assert_string_equal(httpc_resp_header(&resp, "location"), "http://127.0.0.1:1/elsewhere");
    httpc_resp_free(&resp);
}

/* Headers of an interim 1xx answer are dropped; the final answer's remain. */
static void test_interim_answer_headers_dropped(void **state)
{
    static const char answer[] = "HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n"
                                 "HTTP/1.1 200 OK\r\nX-Final: 2\r\nContent-Length: 2\r\n"
                                 "Connection: close\r\n\r\nok";
    struct server s;
    struct httpc_resp resp = HTTPC_RESP_INIT;
    struct err e = {0};
    char u[128];
    struct httpc_req req = {"POST", u, NULL, 0, "{}", 2, 2000, 0};

    (void)state;
    server_start(&s, SERVE_ANSWER, answer);
    url(u, sizeof(u), &s, "/");
    assert_int_equal(httpc_request(&req, &resp, &e), 0);
    server_stop(&s);
    assert_int_equal(resp.status, 200);
    assert_string_equal(resp.body.data, "ok");
    assert_null(httpc_resp_header(&resp, "X-Interim"));
    assert_string_equal(httpc_resp_header(&resp, "X-Final"), "2");
    httpc_resp_free(&resp);
}

static void assert_unavailable(const struct err *e, const struct httpc_resp *resp)
{
    assert_string_equal(err_name(e->code), "UPSTREAM_UNAVAILABLE");
    assert_int_equal(err_status(e->code), 503);
    assert_true(strlen(e->message) > 0);
    assert_true(strlen(resp->diag) > 0);
    assert_int_equal(resp->body.len, 0);
    assert_int_equal(resp->nheaders, 0);
}

static void test_connection_refused(void **state)
{
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof(a);
    struct httpc_resp resp = HTTPC_RESP_INIT;
    struct err e = {0};
    char u[128];
    struct httpc_req req = {"GET", u, NULL, 0, NULL, 0, 2000, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    (void)state;
    /* A port that was just free and has no listener. */
    assert_true(fd >= 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    snprintf(u, sizeof(u), "http://127.0.0.1:%d/sns/jscode2session?secret=S3CRET",
             ntohs(a.sin_port));
    close(fd);
    assert_int_equal(httpc_request(&req, &resp, &e), -1);
    assert_unavailable(&e, &resp);
    /* the diagnostic may name the host, never the query with its secret */
    assert_null(strstr(resp.diag, "S3CRET"));
    httpc_resp_free(&resp);
}

static void test_timeout(void **state)
{
    struct server s;
    struct httpc_resp resp = HTTPC_RESP_INIT;
    struct err e = {0};
    char u[128];
    struct httpc_req req = {"GET", u, NULL, 0, NULL, 0, 300, 0};

    (void)state;
    server_start(&s, SERVE_HANG, NULL);
    url(u, sizeof(u), &s, "/slow");
    assert_int_equal(httpc_request(&req, &resp, &e), -1);
    assert_unavailable(&e, &resp);
    httpc_resp_free(&resp);
    httpc_thread_cleanup(); /* closes the connection so the server thread ends */
    server_stop(&s);
}

static void test_oversize_answer(void **state)
{
    struct server s;
    struct httpc_resp resp = HTTPC_RESP_INIT;
    struct err e = {0};
    char u[128];
    struct httpc_req req = {"GET", u, NULL, 0, NULL, 0, 5000, 0};

    (void)state;
    server_start(&s, SERVE_FLOOD, NULL);
    url(u, sizeof(u), &s, "/big");
    assert_int_equal(httpc_request(&req, &resp, &e), -1);
    assert_unavailable(&e, &resp);
    assert_string_equal(resp.diag, "answer too large");
    httpc_resp_free(&resp);
    httpc_thread_cleanup();
    server_stop(&s);
}

/* Only http and https: a configured file:// or ftp:// URL goes nowhere. */
static void test_other_schemes_refused(void **state)
{
    static const char *const urls[] = {"file:///etc/passwd", "ftp://127.0.0.1/x",
                                       "gopher://127.0.0.1/"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        struct httpc_resp resp = HTTPC_RESP_INIT;
        struct err e = {0};
        struct httpc_req req = {"GET", urls[i], NULL, 0, NULL, 0, 1000, 0};

        assert_int_equal(httpc_request(&req, &resp, &e), -1);
        assert_unavailable(&e, &resp);
        httpc_resp_free(&resp);
    }
}

/* A header line with a line break is our bug, refused before any I/O. */
static void test_header_injection_refused(void **state)
{
    static const char *const hdrs[] = {"X-A: 1\r\nX-B: 2"};
    struct httpc_resp resp = HTTPC_RESP_INIT;
    struct err e = {0};
    struct httpc_req req = {"GET", "http://127.0.0.1:1/", hdrs, 1, NULL, 0, 1000, 0};

    (void)state;
    assert_int_equal(httpc_request(&req, &resp, &e), -1);
    assert_string_equal(err_name(e.code), "INTERNAL");
    httpc_resp_free(&resp);
}

static void test_escape(void **state)
{
    struct buf b = BUF_INIT;

    (void)state;
    httpc_escape("aZ09-._~", &b);
    assert_string_equal(b.data, "aZ09-._~");
    buf_reset(&b);
    httpc_escape("a b&c=d/e+f?g#h%", &b);
    assert_string_equal(b.data, "a%20b%26c%3Dd%2Fe%2Bf%3Fg%23h%25");
    buf_reset(&b);
    httpc_escape("物", &b);
    assert_string_equal(b.data, "%E7%89%A9");
    buf_reset(&b);
    httpc_escape("", &b);
    assert_int_equal(b.len, 0);
    buf_free(&b);
}

static int group_setup(void **state)
{
    struct err e = {0};

    (void)state;
    return httpc_global_init(&e);
}

static int group_teardown(void **state)
{
    (void)state;
    httpc_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_answer_and_headers),
        cmocka_unit_test(test_post_exact_body),
        cmocka_unit_test(test_error_status_and_no_redirect),
        cmocka_unit_test(test_interim_answer_headers_dropped),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_oversize_answer),
        cmocka_unit_test(test_other_schemes_refused),
        cmocka_unit_test(test_header_injection_refused),
        cmocka_unit_test(test_escape),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
