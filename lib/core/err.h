/*
 * err.h — the error that travels from a domain function to the HTTP answer.
 *
 * A domain function returns 0 on success or -1 on failure and fills a
 * caller-owned struct err: a stable code (API.md's error codes), the
 * Chinese message shown to the user as is, and the HTTP status. Handlers
 * never invent messages; they render what the domain set.
 */
#ifndef WUYE_ERR_H
#define WUYE_ERR_H

#include <stddef.h>

struct err {
    const char *code;  /* static string, e.g. "NOT_FOUND"; NULL = no error */
    int http_status;   /* 4xx/5xx */
    char message[256]; /* UTF-8 Chinese text for the user */
};

/* Set code, status and a printf-style message; returns -1 so callers can
 * write `return err_set(e, ...)`. e may be NULL (error is then dropped). */
int err_set(struct err *e, int http_status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Shorthands for the common codes of API.md. Each returns -1. */
int err_bad_request(struct err *e, const char *message);
int err_not_found(struct err *e);
int err_forbidden(struct err *e);
int err_unauthenticated(struct err *e);
int err_conflict(struct err *e, const char *code, const char *message);
int err_internal(struct err *e);

void err_clear(struct err *e);

#endif
