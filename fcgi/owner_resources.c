/*
 * owner_resources.c — the owner's homes (RES-1 for the mini-program).
 *
 * GET /owner/resources is the mini-program's hot path: ACCESS_OWNER_FUSED,
 * so the session is checked in the same statement that reads the list
 * (res_list_for_token(): one round trip), and auth_require() there gives
 * the same 401/403 as every other route. No cache: every answer is read
 * under the session it is for, so a logout or a move-out shows at once
 * on every host (docs/performance.md).
 */
#include "db/db.h"
#include "render.h"
#include "resources.h"
#include "server.h"

int h_owner_resources(struct req *r, struct err *e)
{
    struct resource *list;
    size_t n;
    cJSON *items, *doc;

    if (res_list_for_token(db_thread(), &r->arena, r->token, &r->who, &list, &n, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, render_resource_owner(&list[i]));
    doc = cJSON_CreateObject();
    cJSON_AddItemToObject(doc, "items", items);
    return reply_json(r, 200, doc);
}

int h_owner_resource(struct req *r, struct err *e)
{
    struct resource_detail d;

    if (res_detail_for_person(db_thread(), &r->arena, r->who.id, r->params[0], &d, e) < 0)
        return -1;
    return reply_json(r, 200, render_resource_detail(&d, true));
}
