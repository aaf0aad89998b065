/* notices_render.c — see notices_render.h. */
#include "notices_render.h"

#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"

void render_time(cJSON *o, const char *name, const char *db_utc)
{
    char t[26];

    if (db_utc && util_db_time_to_rfc3339(db_utc, t) == 0)
        cJSON_AddStringToObject(o, name, t);
    else
        cJSON_AddNullToObject(o, name);
}

/* The audience as stored ("3,5"; "" the whole project) as [3,5]. */
static void add_buildings(cJSON *o, const char *ids)
{
    cJSON *arr = cJSON_AddArrayToObject(o, "building_ids");

    for (const char *p = ids; p && *p;) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p)
            break;
        cJSON_AddItemToArray(arr, json_int(v));
        p = *end == ',' ? end + 1 : end;
    }
}

static const char *category_label(const char *code)
{
    for (int i = 0; notice_category_names[i]; i++)
        if (strcmp(code, notice_category_names[i]) == 0)
            return notice_category_labels[i];
    return "";
}

cJSON *render_notice(const struct notice *x, bool for_owner)
{
    cJSON *o = cJSON_CreateObject();

    json_add_int(o, "id", x->id);
    cJSON_AddStringToObject(o, "title", x->title);
    cJSON_AddStringToObject(o, "body", x->body);
    cJSON_AddStringToObject(o, "category", x->category);
    cJSON_AddStringToObject(o, "category_label", category_label(x->category));
    cJSON_AddBoolToObject(o, "pinned", x->pinned);
    render_time(o, "published_at", x->published_at);
    render_time(o, "expires_at", x->expires_at);
    if (for_owner) {
        cJSON_AddBoolToObject(o, "read", x->read);
        return o;
    }
    json_add_int(o, "project_id", x->project_id);
    add_buildings(o, x->building_ids);
    cJSON_AddStringToObject(o, "status", x->status);
    render_time(o, "created_at", x->created_at);
    render_time(o, "withdrawn_at", x->withdrawn_at);
    render_time(o, "publish_at", x->publish_at);
    return o;
}

cJSON *render_survey(const struct survey *x, bool for_owner)
{
    cJSON *o = cJSON_CreateObject(), *qs;

    json_add_int(o, "id", x->id);
    cJSON_AddStringToObject(o, "title", x->title);
    cJSON_AddStringToObject(o, "description", x->description);
    cJSON_AddStringToObject(o, "status", x->status);
    cJSON_AddBoolToObject(o, "open", x->open);
    render_time(o, "opens_at", x->opens_at);
    render_time(o, "closes_at", x->closes_at);
    if (for_owner) {
        cJSON_AddBoolToObject(o, "answered", x->answered);
    } else {
        json_add_int(o, "project_id", x->project_id);
        add_buildings(o, x->building_ids);
        json_add_int(o, "responses", x->responses);
        render_time(o, "created_at", x->created_at);
        render_time(o, "published_at", x->published_at);
        render_time(o, "closed_at", x->closed_at);
        render_time(o, "publish_at", x->publish_at);
    }
    if (!x->questions)
        return o;
    qs = cJSON_AddArrayToObject(o, "questions");
    for (size_t i = 0; i < x->nquestions; i++) {
        const struct survey_question *q = &x->questions[i];
        cJSON *j = cJSON_CreateObject(), *opts;
        json_add_int(j, "no", q->no);
        cJSON_AddStringToObject(j, "kind", survey_kind_names[q->kind]);
        cJSON_AddStringToObject(j, "title", q->title);
        cJSON_AddBoolToObject(j, "required", q->required);
        opts = cJSON_AddArrayToObject(j, "options");
        for (size_t k = 0; k < q->noptions; k++)
            cJSON_AddItemToArray(opts, cJSON_CreateString(q->options[k]));
        cJSON_AddItemToArray(qs, j);
    }
    return o;
}

int notices_get_time(const cJSON *in, const char *name, bool required, time_t *out,
                     bool *present, struct err *e)
{
    const char *s;

    *present = false;
    if (json_get_str(in, name, required, 20, 35, &s, e) < 0)
        return -1;
    if (!s)
        return 0;
    if (util_rfc3339_parse(s, strlen(s), out) < 0)
        return err_setf(e, E_BAD_REQUEST, "%s 须为带时区的 RFC 3339 时间，如 2026-12-26T09:00:00+08:00",
                        name);
    *present = true;
    return 0;
}

int reply_notice_page(struct req *r, const struct notice_page *pg)
{
    cJSON *items = cJSON_CreateArray();

    for (size_t i = 0; i < pg->n; i++)
        cJSON_AddItemToArray(items, render_notice(&pg->items[i], false));
    return reply_list(r, items, pg->next);
}
