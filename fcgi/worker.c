/*
 * worker.c — one worker process: T threads taking requests off the shared
 * FastCGI socket, and an orderly stop.
 *
 * Why not a plain blocking FCGX_Accept_r: a thread blocked in accept(2)
 * does not wake on SIGTERM, and interrupting threads with signals would
 * also interrupt reads of requests already in flight. Instead the listen
 * socket is non-blocking and each thread waits in its own epoll set on the
 * socket (EPOLLEXCLUSIVE: one connection wakes one waiter, not all
 * threads) and on a stop pipe. SIGTERM writes to the pipe: every idle
 * thread wakes, takes whatever connections are still queued, and exits;
 * busy threads finish their request first. Nothing in flight is cut.
 */
#include "server.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include "core/json.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/netaddr.h"
#include "core/util.h"
#include "db/db.h"
#include "clients/httpc.h"
#include "router.h"

static int stop_pipe[2] = {-1, -1};
static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
    int saved = errno;
    (void)sig;
    stopping = 1;
    if (write(stop_pipe[1], "x", 1) < 0) {
        /* the pipe already holds a byte: threads will see it */
    }
    errno = saved;
}

static const char *param(FCGX_Request *f, const char *name)
{
    const char *v = FCGX_GetParam(name, f->envp);
    return v ? v : "";
}

/* Read exactly r->body_len bytes of body into the arena. */
static int read_body(struct req *r, long len)
{
    char *p = arena_alloc(&r->arena, (size_t)len + 1);
    int got = 0;

    while (got < len) {
        int n = FCGX_GetStr(p + got, (int)(len - got), r->fcgi->in);
        if (n <= 0)
            return -1;
        got += n;
    }
    p[len] = '\0';
    r->body = p;
    r->body_len = (size_t)len;
    return 0;
}

static bool parse_length(const char *s, long *out)
{
    long v = 0;

    if (!*s) {
        *out = 0;
        return true;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 100000000L)
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

/* Who may call the route (router.h) → the principal it needs. */
static int check_access(struct req *r, const struct route *rt, struct err *e)
{
    switch (rt->access) {
    case ACCESS_PUBLIC:
        return 0;
    case ACCESS_OWNER_FUSED:
        /* The domain checks the session in its own statement. */
        return r->token ? 0 : err_unauthenticated(e);
    case ACCESS_OWNER:
    case ACCESS_STAFF:
    case ACCESS_ANY:
        break;
    }
    if (!r->token)
        return err_unauthenticated(e);
    if (auth_session_lookup(db_thread(), &r->arena, r->token, &r->who, e) < 0)
        return -1;
    if (rt->access == ACCESS_OWNER)
        return auth_require(&r->who, SUBJECT_OWNER, 0, e);
    if (rt->access == ACCESS_STAFF)
        return auth_require(&r->who, SUBJECT_STAFF, rt->roles, e);
    return 0;
}

/* Everything between the route and the answer: access, the body, the
 * handler. 0 when the handler replied; -1 with e set otherwise. */
static int run_route(struct req *r, const struct route *rt, struct err *e)
{
    const char *authz = param(r->fcgi, "HTTP_AUTHORIZATION");

    if (strncasecmp(authz, "Bearer ", 7) == 0) /* the scheme is case-insensitive */
        r->token = authz + 7;
    if (check_access(r, rt, e) < 0)
        return -1;
    if (rt->fields) {
        const char *const *fields = rt->fields;
        bool optional = fields[0][0] == '\0'; /* FIELDS_OPTIONAL */
        r->in = optional && r->body_len == 0 ? cJSON_CreateObject()
                                             : json_parse_body(r->body, r->body_len, e);
        if (!r->in || json_only_fields(r->in, fields + optional, e) < 0)
            return -1;
    }
    if (rt->handler(r, e) == 0)
        return 0;
    /* A fused route's handler checked its input before the session it
     * reads with the data; bad input from a dead session or the wrong
     * kind of caller is still 401/403 first (docs/api.md §1.7). Rare: an
     * error path only. */
    if (rt->access == ACCESS_OWNER_FUSED && err_status(e->code) == 400) {
        struct err e2;
        struct route plain = *rt;

        err_clear(&e2);
        plain.access = ACCESS_OWNER;
        if (check_access(r, &plain, &e2) < 0)
            *e = e2;
    }
    return -1;
}

/* Send the answer and close the connection. libfcgi's close lingers: it
 * shuts its side down and waits for nginx to close the other, so that
 * input left unread cannot turn into a reset that loses the answer — a
 * wait for nginx on every request that holds the thread (a profile of the
 * staff list put a tenth of the workers' time there). Once the input has
 * been read to its end (the empty stdin record nginx sends after the body)
 * nothing can be reset, and a plain close is enough; otherwise (a body
 * refused unread) it lingers. */
static void finish(FCGX_Request *f, bool input_read)
{
    if (input_read && FCGX_GetChar(f->in) == EOF && !FCGX_GetError(f->in))
        FCGX_Detach(f);
    FCGX_Finish_r(f);
}

static void handle(FCGX_Request *f, struct arena *arena)
{
    struct req r;
    const char *uri, *q, *clen;
    size_t route = nroutes; /* "unmatched" bucket in metrics */
    long len, limit = g_cfg.body_limit;
    int64_t t0 = util_now_us();
    bool input_read = false;
    char rid[33], extra[96] = "", client[NETADDR_STRLEN];
    struct err e;
    int rc;

    memset(&r, 0, sizeof(r));
    r.fcgi = f;
    r.arena = *arena;
    r.method = param(f, "REQUEST_METHOD");
    /* The SMS and login limits count by this address: behind a proxy of
     * ours it comes from X-Forwarded-For, from anyone else the header is
     * ignored (netaddr.h). */
    r.remote_addr = netaddr_client(&g_cfg.trusted_proxies, param(f, "REMOTE_ADDR"),
                                   param(f, "HTTP_X_FORWARDED_FOR"), client);
    r.request_id = param(f, "REQUEST_ID");
    if (!*r.request_id) {
        unsigned char raw[8];
        util_random(raw, sizeof(raw));
        snprintf(rid, sizeof(rid), "%02x%02x%02x%02x%02x%02x%02x%02x", raw[0], raw[1], raw[2],
                 raw[3], raw[4], raw[5], raw[6], raw[7]);
        r.request_id = rid;
    }
    /* REQUEST_URI is the raw path as sent: no decoding, so "%2F" in an id
     * stays three characters and cannot match a route. */
    uri = param(f, "REQUEST_URI");
    q = strchr(uri, '?');
    r.path = q ? arena_strndup(&r.arena, uri, (size_t)(q - uri)) : uri;
    r.query = q ? q + 1 : "";

    err_clear(&e);
    switch (router_match(r.method, r.path, &r, &route)) {
    case ROUTE_NOT_FOUND:
        route = nroutes;
        err_setf(&e, E_NOT_FOUND, "请求的接口不存在");
        goto fail;
    case ROUTE_BAD_METHOD: {
        char allowed[64];
        route = nroutes;
        router_allowed(r.path, allowed, sizeof(allowed));
        snprintf(extra, sizeof(extra), "Allow: %s\r\n", allowed);
        err_set(&e, E_METHOD_NOT_ALLOWED);
        goto fail;
    }
    case ROUTE_FOUND:
        break;
    }
    if (routes[route].body_limit)
        limit = routes[route].body_limit;
    clen = param(f, "CONTENT_LENGTH");
    if (!parse_length(clen, &len)) {
        err_setf(&e, E_BAD_REQUEST, "请求长度不正确");
        goto fail;
    }
    if (len > limit) {
        err_set(&e, E_PAYLOAD_TOO_LARGE);
        goto fail;
    }
    if (len > 0 && read_body(&r, len) < 0) {
        err_setf(&e, E_BAD_REQUEST, "请求内容不完整");
        goto fail;
    }
    input_read = true;
    rc = run_route(&r, &routes[route], &e);
    cJSON_Delete(r.in);
    r.in = NULL;
    /* The contract: a handler replies exactly when it succeeds. */
    assert(rc == 0 ? r.replied : !r.replied);
    if (rc == 0)
        goto done;
fail:
    if (!r.replied)
        reply_error(&r, &e, extra[0] ? extra : NULL);
done:;
    int64_t dur = util_now_us() - t0;
    metrics_request(route, r.status, dur);
    log_info("event=request rid=%s method=%.10s path=%.120s route=%s status=%d dur_us=%lld "
             "ip=%s who=%s:%lld",
             r.request_id, r.method, r.path, route < nroutes ? routes[route].name : "-", r.status,
             (long long)dur, r.remote_addr,
             r.who.kind == SUBJECT_OWNER   ? "owner"
             : r.who.kind == SUBJECT_STAFF ? "staff"
                                           : "-",
             (long long)r.who.id);
    finish(f, input_read); /* after the log line: it reads the request's params */
    *arena = r.arena;
    arena_reset(arena);
}

struct thread_arg {
    int listen_fd;
};

static void *thread_main(void *p)
{
    struct thread_arg *ta = p;
    struct epoll_event ev, got;
    struct arena arena = {0};
    FCGX_Request f;
    int ep = epoll_create1(EPOLL_CLOEXEC);

    if (ep < 0 || FCGX_InitRequest(&f, ta->listen_fd, 0) != 0) {
        log_error("event=thread_init_failed errno=%d", errno);
        return NULL;
    }
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.fd = ta->listen_fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, ta->listen_fd, &ev);
    ev.events = EPOLLIN;
    ev.data.fd = stop_pipe[0];
    epoll_ctl(ep, EPOLL_CTL_ADD, stop_pipe[0], &ev);

    for (;;) {
        int n;

        if (stopping) {
            /* Drain: take what is already queued, then leave. */
            if (FCGX_Accept_r(&f) < 0)
                break;
            handle(&f, &arena);
            continue;
        }
        n = epoll_wait(ep, &got, 1, 1000);
        if (n <= 0)
            continue;
        if (got.data.fd != ta->listen_fd)
            continue; /* stop pipe: loop to the drain branch */
        /* Several threads or processes may race for one connection: the
         * losers get EAGAIN from the non-blocking accept and go back to
         * waiting. */
        if (FCGX_Accept_r(&f) < 0)
            continue;
        /* handle() sends and closes: the answer must not wait for the
         * next accept. */
        handle(&f, &arena);
    }
    FCGX_Finish_r(&f);
    FCGX_Free(&f, 0);
    arena_free(&arena);
    close(ep);
    db_thread_close();
    return NULL;
}

int worker_main(int listen_fd)
{
    struct sigaction sa;
    pthread_t *threads;
    struct thread_arg ta = {listen_fd};
    int nthreads = g_cfg.threads;

    if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0 || FCGX_Init() != 0)
        return 1;
    /* Installed after FCGX_Init so that ours, not libfcgi's, handles them. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN); /* reload is the master's business */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGUSR1, SIG_IGN);

    {
        struct err e;
        err_clear(&e);
        if (httpc_global_init(&e) < 0)
            return 1;
    }
    db_configure(&g_cfg);
    threads = calloc((size_t)nthreads, sizeof(*threads));
    if (!threads)
        return 1;
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&threads[i], NULL, thread_main, &ta) != 0)
            return 1;
    log_info("event=worker_started threads=%d", nthreads);
    for (int i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    log_info("event=worker_stopped");
#if defined(__SANITIZE_ADDRESS__)
    /* The master ends us with _exit(), which skips LeakSanitizer's own
     * check at exit: run it here, after a drain, in the test build. */
    __lsan_do_leak_check();
#endif
    return 0;
}
