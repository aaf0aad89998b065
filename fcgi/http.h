/*
 * http.h — one FastCGI request as the handlers see it, and the reply
 * helpers: the handler contract.
 *
 * A handler is `int h(struct req *r, struct err *e)`. It reads its input
 * (r->in, the JSON body already parsed and checked against the route's
 * declared fields; r->params, the {id}s of the path; the query through
 * req_query_*), calls one domain function and either replies once with a
 * reply_*() helper and returns 0, or returns -1 with e set and replies
 * nothing: the worker renders the error. Nothing is the handler's to free:
 * the body document and everything in r->arena die with the request.
 *
 * Strings from the network are length-checked and validated here (UTF-8,
 * size limits) before a handler sees them.
 */
#ifndef WUYE_HTTP_H
#define WUYE_HTTP_H

#include <cjson/cJSON.h>
#include <fcgiapp.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

#define REQ_MAX_PARAMS 4

struct req {
    FCGX_Request *fcgi;
    struct arena arena;
    const char *method;
    const char *path;        /* without the query string */
    const char *query;       /* raw, may be "" */
    const char *remote_addr; /* the client: REMOTE_ADDR, or X-Forwarded-For behind a
                                trusted proxy (core/netaddr.h) */
    const char *request_id;
    const char *body; /* raw body (NUL-terminated copy), NULL when empty */
    size_t body_len;
    cJSON *in; /* the body, parsed, when the route declares fields; else NULL */
    int64_t params[REQ_MAX_PARAMS]; /* {id} segments of the route, in order */
    int nparams;
    struct principal who; /* filled when the route needs a login */
    const char *token;    /* bearer token of this request, if any */
    int status;           /* set by the reply helpers */
    bool replied;
};

/* Replies. Each returns 0, so a handler ends with `return reply_…(…)`;
 * replying twice is a bug (asserted). */
int reply_json(struct req *r, int status, cJSON *doc); /* consumes doc */
/* A JSON text already written (render_bill_page()); frees it. */
int reply_json_text(struct req *r, int status, struct buf *text);
/* Raw bytes and a content type (metrics, CSV, a cached JSON text). */
int reply_raw(struct req *r, int status, const char *content_type, const char *data, size_t n,
              const char *extra_headers);
int reply_empty(struct req *r, int status);
int reply_created(struct req *r, int64_t id);                    /* 201 {"id":…} */
int reply_ok(struct req *r);                                     /* 200 {"ok":true} */
int reply_list(struct req *r, cJSON *items, int64_t next_after); /* {"items","next_cursor"} */
/* The error model of API.md, {"error":{"code","message"}}, with the status
 * of the error table; the worker's, not the handlers'. extra_headers may
 * be NULL (else "Name: value\r\n…", e.g. Allow). */
void reply_error(struct req *r, const struct err *e, const char *extra_headers);

/* ?limit= (1..200, default 50) and ?cursor= (the id after which the page
 * starts: decimal digits only) of API.md's list convention. */
struct page {
    int64_t after;
    int limit;
};
int req_page(struct req *r, struct page *pg, struct err *e);

/* Query parameter, percent-decoded into the arena; *out = NULL when absent
 * or empty. Not UTF-8, a NUL, or longer than max_chars: 400. */
int req_query_str(struct req *r, const char *name, size_t max_chars, const char **out,
                  struct err *e);
/* Integer query parameter (digits only) within [min, max]; *present may be NULL. */
int req_query_int(struct req *r, const char *name, int64_t min, int64_t max, int64_t *out,
                  bool *present, struct err *e);

#endif
