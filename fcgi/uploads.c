/* uploads.c — photos up and down (API.md "Uploads"). Up: the raw body
 * and its Content-Type, stored by the domain (lib/uploads.c) under a
 * random name. Down: the worker decides access and hands the file to
 * nginx (X-Accel-Redirect to the internal location of nginx/wuye.conf.in),
 * which sends it with the stored type; the worker never streams files. */
#include <stdio.h>

#include "db/db.h"
#include "server.h"
#include "uploads.h"

/* nginx/wuye.conf.in's internal location for upload_dir */
#define INTERNAL_LOCATION "/_uploads/"

int h_upload_create(struct req *r, struct err *e)
{
    const char *type = FCGX_GetParam("CONTENT_TYPE", r->fcgi->envp);
    int64_t id;

    if (upload_store(db_thread(), g_cfg.upload_dir, &r->who, type, r->body, r->body_len, &id, e) <
        0)
        return -1;
    return reply_created(r, id);
}

int h_upload_get(struct req *r, struct err *e)
{
    struct upload_file f;
    char headers[128];

    if (upload_open(db_thread(), &r->arena, &r->who, r->params[0], &f, e) < 0)
        return -1;
    snprintf(headers, sizeof(headers), "X-Accel-Redirect: " INTERNAL_LOCATION "%s\r\n", f.path);
    return reply_raw(r, 200, f.content_type, NULL, 0, headers);
}
