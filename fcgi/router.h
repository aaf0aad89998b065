/*
 * router.h — the table of every endpoint: method + path template →
 * handler, who may call it, and how large a body it takes.
 *
 * Like redis's command table, the table in routes.c is the documentation
 * of what exists and who may call it. A template segment "{id}" matches a
 * positive decimal integer of at most 15 digits and nothing else, so ids
 * with quotes, dots or slashes never reach a handler (they are 404).
 */
#ifndef WUYE_ROUTER_H
#define WUYE_ROUTER_H

#include <stddef.h>

#include "http.h"

enum access {
    ACCESS_PUBLIC, /* no login */
    ACCESS_OWNER,  /* an owner, household member or tenant */
    ACCESS_STAFF,  /* staff with one of .roles */
    ACCESS_ANY,    /* anyone logged in (logout) */
    /* An owner endpoint on the hot path whose domain function checks the
     * session in the same statement that reads what it needs (one round
     * trip instead of two) and applies auth_require() itself; the router
     * only requires a bearer token. */
    ACCESS_OWNER_FUSED,
};

struct route {
    const char *method;
    const char *path;
    int (*handler)(struct req *r, struct err *e); /* the contract of http.h */
    enum access access;
    unsigned roles;   /* ACCESS_STAFF: any of these role bits */
    long body_limit;  /* 0 = the configured default */
    const char *name; /* for metrics and logs */
    /* The members a JSON object body may have: the worker parses the body
     * once into r->in and refuses (400) anything else. NULL = no JSON body
     * (a GET, or a raw upload the handler reads from r->body). */
    const char *const *fields;
};

/* A route's field list: FIELDS("name", "phone"). */
#define FIELDS(...) ((const char *const[]){__VA_ARGS__, NULL})
/* The same for a body whose members are all optional: no body at all
 * then reads as {} instead of a 400 (a ticket's accept). The leading ""
 * marks it; it names no member. */
#define FIELDS_OPTIONAL(...) ((const char *const[]){"", __VA_ARGS__, NULL})

extern const struct route routes[];
extern const size_t nroutes;

enum route_match { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

/* Match method and path; on ROUTE_FOUND *index is the route and r->params
 * hold the {id} values. */
enum route_match router_match(const char *method, const char *path, struct req *r, size_t *index);
/* The methods a path has, comma-separated (for a 405's Allow header). */
void router_allowed(const char *path, char *out, size_t size);

#endif
