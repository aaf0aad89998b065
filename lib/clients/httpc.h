/*
 * httpc.h — the one HTTP client every outside call goes through (WeChat
 * mini-program API, WeChat Pay, Tencent Cloud SMS): a thin libcurl wrapper.
 *
 * Not a protocol client: it signs nothing and parses no bodies. It does not
 * follow redirects (none of our providers sends one, and following one
 * would resend signed requests elsewhere) and speaks only http and https.
 * It never logs URLs (they carry app secrets and access tokens in their
 * query strings), header values or bodies.
 *
 * Threads: call httpc_global_init() once at process start, before any
 * thread exists. Each thread then keeps one CURL easy handle of its own,
 * created on first use and released when the thread exits, so that
 * connections to the providers stay alive between requests.
 *
 * Ownership: the request's strings are borrowed for the duration of the
 * call; the response's body and headers are owned by the struct
 * httpc_resp and released with httpc_resp_free().
 */
#ifndef WUYE_HTTPC_H
#define WUYE_HTTPC_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* An answer body larger than this is refused as a transport failure: no
 * provider answer of ours comes near it, and memory is not the peer's to take. */
#define HTTPC_MAX_BODY ((size_t)4 * 1024 * 1024)

struct httpc_req {
    const char *method;         /* "GET", "POST", … */
    const char *url;            /* full URL, query already escaped */
    const char *const *headers; /* "Name: value" lines, sent as given */
    size_t nheaders;
    const void *body; /* sent as is; NULL with body_len 0 for none */
    size_t body_len;
    long timeout_ms;         /* whole exchange; 0 = 10000 */
    long connect_timeout_ms; /* connection set-up; 0 = timeout_ms */
};

struct httpc_header {
    char *name; /* as received; look up with httpc_resp_header() */
    char *value;
};

struct httpc_resp {
    long status; /* HTTP status of the final answer; 0 if none came */
    struct buf body;
    struct httpc_header *headers; /* of the final answer only */
    size_t nheaders;
    char diag[256]; /* why a call failed, for the caller's log (no URL, no secrets) */
};

#define HTTPC_RESP_INIT                                                                            \
    {                                                                                              \
        0, BUF_INIT, NULL, 0,                                                                      \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }

/* Initialise libcurl for the process; call once before any thread starts.
 * Returns 0, or -1 with INTERNAL in e. */
int httpc_global_init(struct err *e);

/* Release libcurl's global state at process exit (after every thread ended). */
void httpc_global_cleanup(void);

/* Perform req and fill resp (which must be HTTPC_RESP_INIT or freed); any
 * HTTP status is a success here. Returns 0, or -1 with 503
 * UPSTREAM_UNAVAILABLE in e on a network failure, timeout or oversize
 * answer (resp->diag says which). */
int httpc_request(const struct httpc_req *req, struct httpc_resp *resp, struct err *e);

/* The value of the first response header called name (case-insensitive),
 * or NULL; the pointer lives as long as resp. */
const char *httpc_resp_header(const struct httpc_resp *resp, const char *name);

/* Release what resp owns and reset it to HTTPC_RESP_INIT. */
void httpc_resp_free(struct httpc_resp *resp);

/* Append s percent-encoded for a URL query value (RFC 3986 unreserved
 * characters kept, everything else %XX) to out. */
void httpc_escape(const char *s, struct buf *out);

/* Release the calling thread's CURL handle now (it is also released when
 * the thread exits); the next request creates a fresh one. */
void httpc_thread_cleanup(void);

#endif
