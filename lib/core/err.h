/*
 * err.h — the error that travels from a domain function to the HTTP answer.
 *
 * A domain function returns 0 on success or -1 on failure and fills a
 * caller-owned struct err: a code from the one table (core/errors.def),
 * which fixes the HTTP status, and the Chinese message shown to the user
 * as is (the table's default unless the function says something more
 * precise). Handlers never invent messages; the worker renders what the
 * domain set. Code compares E_* constants, never strings or statuses.
 */
#ifndef WUYE_ERR_H
#define WUYE_ERR_H

#include <stdbool.h>
#include <stddef.h>

enum err_code {
    E_OK = 0, /* no error */
#define ERR(name, status, message) E_##name,
#include "core/errors.def"
#undef ERR
    E_COUNT
};

struct err {
    enum err_code code; /* E_OK = no error */
    char message[256];  /* UTF-8 Chinese text for the user */
};

/* Set code and its default message; returns -1 so callers can write
 * `return err_set(e, E_NOT_FOUND)`. e may be NULL (the error is dropped). */
int err_set(struct err *e, enum err_code code);
/* The same with a printf-style message instead of the default. */
int err_setf(struct err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Shorthands. Each returns -1. */
int err_bad_request(struct err *e, const char *message);
int err_not_found(struct err *e);
int err_forbidden(struct err *e);
int err_unauthenticated(struct err *e);
int err_internal(struct err *e);

void err_clear(struct err *e);
/* A failure with code from becomes to (with its default message), e.g. a
 * duplicate key becomes the caller's E_PHONE_TAKEN; others stay. -1. */
int err_map(struct err *e, enum err_code from, enum err_code to);
static inline bool err_is(const struct err *e, enum err_code code)
{
    return e->code == code;
}

/* The table: HTTP status, stable name ("NOT_FOUND") and default message of
 * a code; the code of a name (E_OK if unknown). */
int err_status(enum err_code code);
const char *err_name(enum err_code code);
const char *err_default_message(enum err_code code);
enum err_code err_code_of(const char *name);

#endif
