/* err.c — filling struct err; see err.h. */
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(struct err *e, int http_status, const char *code, const char *fmt, ...)
{
    va_list ap;

    if (!e)
        return -1;
    e->code = code;
    e->http_status = http_status;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
    return -1;
}

int err_bad_request(struct err *e, const char *message)
{
    return err_set(e, 400, "BAD_REQUEST", "%s", message);
}

int err_not_found(struct err *e)
{
    return err_set(e, 404, "NOT_FOUND", "请求的内容不存在");
}

int err_forbidden(struct err *e)
{
    return err_set(e, 403, "FORBIDDEN", "您没有此操作的权限");
}

int err_unauthenticated(struct err *e)
{
    return err_set(e, 401, "UNAUTHENTICATED", "请先登录");
}

int err_conflict(struct err *e, const char *code, const char *message)
{
    return err_set(e, 409, code, "%s", message);
}

int err_internal(struct err *e)
{
    return err_set(e, 500, "INTERNAL", "系统繁忙，请稍后再试");
}

void err_clear(struct err *e)
{
    e->code = NULL;
    e->http_status = 0;
    e->message[0] = '\0';
}
