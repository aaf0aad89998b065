/*
 * http.h — one FastCGI request as the handlers see it, and the reply
 * helpers. Handlers never format HTTP by hand: they call reply_json() or
 * reply_error() exactly once.
 *
 * Everything a request allocates lives in r->arena and dies with the
 * request. Strings from the network are length-checked and validated here
 * (UTF-8, size limits) before a handler sees them.
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
    const char *path;  /* without the query string */
    const char *query; /* raw, may be "" */
    const char *remote_addr;
    const char *request_id;
    const char *body;
    size_t body_len;
    int64_t params[REQ_MAX_PARAMS]; /* {id} segments of the route, in order */
    int nparams;
    struct principal who; /* filled when the route needs a login */
    const char *token;    /* bearer token of this request, if any */
    int status;           /* set by the reply helpers */
    bool replied;
};

/* Reply with a JSON document (consumed: the function deletes it). */
void reply_json(struct req *r, int status, cJSON *doc);
/* Reply with raw bytes and a content type (metrics, CSV). */
void reply_raw(struct req *r, int status, const char *content_type, const char *data, size_t n,
               const char *extra_headers);
void reply_empty(struct req *r, int status);
/* The error model of API.md: {"error":{"code","message"}}. */
void reply_error(struct req *r, const struct err *e);
void reply_error_code(struct req *r, int status, const char *code, const char *message);
/* The same with extra header lines ("Name: value\r\n…"), e.g. Allow. */
void reply_error_headers(struct req *r, int status, const char *code, const char *message,
                         const char *extra_headers);

/* Parse the body as one JSON object; on failure replies 400 and returns NULL. */
cJSON *req_json(struct req *r);
/* Query parameter, percent-decoded into the arena; NULL when absent. A
 * value that is not valid UTF-8 is treated as absent by callers through
 * req_query_int/str returning -1 with e set (400). */
int req_query_str(struct req *r, const char *name, size_t max_chars, const char **out,
                  struct err *e);
int req_query_int(struct req *r, const char *name, int64_t min, int64_t max, int64_t *out,
                  bool *present, struct err *e);

#endif
