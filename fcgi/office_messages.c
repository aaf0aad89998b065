/* office_messages.c — the office's list of messages to owners and their
 * delivery (NTC-2; docs/api.md §7.20). Admins and managers; the scope and
 * the masking are the domain's (lib/messages.c). */
#include <cjson/cJSON.h>

#include "core/json.h"
#include "db/db.h"
#include "messages.h"
#include "server.h"

static cJSON *render_message(const struct message *m)
{
    cJSON *o = cJSON_CreateObject(), *params = cJSON_Parse(m->params_json), *d;

    json_add_int(o, "id", m->id);
    json_add_int(o, "project_id", m->project_id);
    cJSON_AddStringToObject(o, "channel", m->channel);
    cJSON_AddStringToObject(o, "kind", m->kind);
    cJSON_AddStringToObject(o, "recipient", m->recipient_masked);
    cJSON_AddStringToObject(o, "template_id", m->template_id);
    cJSON_AddItemToObject(o, "params", cJSON_IsArray(params) ? params : cJSON_CreateArray());
    if (!cJSON_IsArray(params))
        cJSON_Delete(params);
    cJSON_AddStringToObject(o, "status", m->status);
    json_add_int(o, "attempts", m->attempts);
    cJSON_AddStringToObject(o, "last_error", m->last_error);
    cJSON_AddStringToObject(o, "provider_ref", m->provider_ref);
    json_add_str_or_null(o, "created_at", m->created_at);
    json_add_str_or_null(o, "next_attempt_at", m->next_attempt_at);
    json_add_str_or_null(o, "sent_at", m->sent_at);
    if (m->report_status) {
        d = cJSON_AddObjectToObject(o, "delivery");
        cJSON_AddStringToObject(d, "status", m->report_status);
        cJSON_AddStringToObject(d, "description", m->report_description);
        json_add_str_or_null(d, "received_at", m->user_receive_time);
    } else {
        cJSON_AddNullToObject(o, "delivery");
    }
    return o;
}

int h_office_messages(struct req *r, struct err *e)
{
    struct message_filter f = {0};
    struct message *list;
    struct page pg;
    size_t n;
    int64_t next;
    cJSON *items;

    if (req_page(r, &pg, e) < 0 ||
        req_query_int(r, "project_id", 1, INT32_MAX, &f.project_id, NULL, e) < 0 ||
        req_query_str(r, "channel", 16, &f.channel, e) < 0 ||
        req_query_str(r, "status", 16, &f.status, e) < 0 ||
        req_query_str(r, "phone", 16, &f.phone, e) < 0 ||
        req_query_str(r, "kind", 32, &f.kind, e) < 0 ||
        req_query_str(r, "from", 10, &f.from, e) < 0 || req_query_str(r, "to", 10, &f.to, e) < 0)
        return -1;
    /* newest first: the cursor is the id the next page stays below */
    f.before_id = pg.after;
    f.limit = pg.limit;
    if (messages_list(db_thread(), &r->arena, &r->who, &f, &list, &n, &next, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, render_message(&list[i]));
    return reply_list(r, items, next);
}

int h_office_message(struct req *r, struct err *e)
{
    struct message m;

    if (message_get(db_thread(), &r->arena, &r->who, r->params[0], &m, e) < 0)
        return -1;
    return reply_json(r, 200, render_message(&m));
}
