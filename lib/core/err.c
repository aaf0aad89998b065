/* err.c — the error table and filling struct err; see err.h. */
#include "core/err.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int status;
    const char *message;
} table[E_COUNT] = {
    [E_OK] = {"OK", 200, ""},
#define ERR(n, s, m) [E_##n] = {#n, s, m},
#include "core/errors.def"
#undef ERR
};

int err_status(enum err_code code)
{
    assert(code >= 0 && code < E_COUNT);
    return table[code].status;
}

const char *err_name(enum err_code code)
{
    assert(code >= 0 && code < E_COUNT);
    return table[code].name;
}

const char *err_default_message(enum err_code code)
{
    assert(code >= 0 && code < E_COUNT);
    return table[code].message;
}

enum err_code err_code_of(const char *name)
{
    for (int i = 1; i < E_COUNT; i++)
        if (strcmp(table[i].name, name) == 0)
            return (enum err_code)i;
    return E_OK;
}

int err_set(struct err *e, enum err_code code)
{
    return err_setf(e, code, "%s", err_default_message(code));
}

int err_setf(struct err *e, enum err_code code, const char *fmt, ...)
{
    va_list ap;

    assert(code > E_OK && code < E_COUNT);
    if (!e)
        return -1;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return -1;
}

int err_bad_request(struct err *e, const char *message)
{
    return err_setf(e, E_BAD_REQUEST, "%s", message);
}

int err_not_found(struct err *e)
{
    return err_set(e, E_NOT_FOUND);
}

int err_forbidden(struct err *e)
{
    return err_set(e, E_FORBIDDEN);
}

int err_unauthenticated(struct err *e)
{
    return err_set(e, E_UNAUTHENTICATED);
}

int err_internal(struct err *e)
{
    return err_set(e, E_INTERNAL);
}

void err_clear(struct err *e)
{
    e->code = E_OK;
    e->message[0] = '\0';
}

int err_map(struct err *e, enum err_code from, enum err_code to)
{
    if (e && e->code == from)
        err_set(e, to);
    return -1;
}
