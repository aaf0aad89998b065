/* tickets_render.c — see tickets_render.h; and the two handlers owners
 * and staff share. */
#include "tickets_render.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "db/db.h"
#include "server.h"

/* A stored UTC time as RFC 3339 in China time, or null. */
static void add_time(cJSON *o, const char *name, const char *db_utc)
{
    char t[26];

    if (db_utc && util_db_time_to_rfc3339(db_utc, t) == 0)
        cJSON_AddStringToObject(o, name, t);
    else
        cJSON_AddNullToObject(o, name);
}

static void add_id_or_null(cJSON *o, const char *name, int64_t id)
{
    if (id)
        json_add_int(o, name, id);
    else
        cJSON_AddNullToObject(o, name);
}

/* {"score","comment"} or null. */
static void add_score(cJSON *o, const char *name, bool has, int64_t score, const char *comment)
{
    cJSON *x;

    if (!has) {
        cJSON_AddNullToObject(o, name);
        return;
    }
    x = cJSON_AddObjectToObject(o, name);
    json_add_int(x, "score", score);
    cJSON_AddStringToObject(x, "comment", comment ? comment : "");
}

cJSON *render_ticket(const struct ticket *t, bool detail, bool staff_view)
{
    cJSON *o = cJSON_CreateObject(), *photos, *x;
    char url[64];

    json_add_int(o, "id", t->id);
    cJSON_AddStringToObject(o, "type", t->type);
    cJSON_AddStringToObject(o, "area", t->area);
    cJSON_AddStringToObject(o, "status", ticket_status_name(t->status));
    add_id_or_null(o, "resource_id", t->resource_id);
    cJSON_AddStringToObject(o, "description", t->description);
    photos = cJSON_AddArrayToObject(o, "photos");
    for (size_t i = 0; i < t->nphotos; i++) {
        cJSON *p = cJSON_CreateObject();
        json_add_int(p, "id", t->photos[i]);
        snprintf(url, sizeof(url), "/api/v1/uploads/%lld", (long long)t->photos[i]);
        cJSON_AddStringToObject(p, "url", url);
        cJSON_AddItemToArray(photos, p);
    }
    add_time(o, "appointment_at", t->appointment_at);
    add_time(o, "created_at", t->created_at);
    if (t->assignee_id) {
        x = cJSON_AddObjectToObject(o, "assignee");
        json_add_int(x, "id", t->assignee_id);
        cJSON_AddStringToObject(x, "name", t->assignee_name);
    } else {
        cJSON_AddNullToObject(o, "assignee");
    }
    add_score(o, "rating", t->rated, t->rating_score, t->rating_comment);
    /* beyond API.md's fixed fields */
    json_add_int(o, "project_id", t->project_id);
    add_id_or_null(o, "building_id", t->building_id);
    if (t->severity)
        cJSON_AddStringToObject(o, "severity", t->severity);
    else
        cJSON_AddNullToObject(o, "severity");
    cJSON_AddStringToObject(o, "result", t->result);
    if (t->has_charge)
        json_add_int(o, "charge_fen", t->charge_fen);
    else
        cJSON_AddNullToObject(o, "charge_fen");
    add_score(o, "visit", t->visited, t->visit_score, t->visit_comment);
    add_time(o, "response_due_at", t->response_due_at);
    add_time(o, "complete_due_at", t->complete_due_at);
    cJSON_AddBoolToObject(o, "response_overdue", t->response_overdue);
    cJSON_AddBoolToObject(o, "complete_overdue", t->complete_overdue);
    json_add_int(o, "escalations", t->escalations);
    add_time(o, "updated_at", t->updated_at);
    if (staff_view) {
        x = cJSON_AddObjectToObject(o, "reporter");
        cJSON_AddStringToObject(x, "kind", t->reported_by_owner ? "owner" : "staff");
        json_add_int(x, "id", t->reporter_id);
        cJSON_AddStringToObject(x, "name", t->reporter_name);
    }
    if (detail || t->materials) {
        cJSON *m = cJSON_AddArrayToObject(o, "materials");
        for (size_t i = 0; i < t->nmaterials; i++) {
            cJSON *y = cJSON_CreateObject();
            cJSON_AddStringToObject(y, "name", t->materials[i].name);
            json_add_int(y, "quantity", t->materials[i].quantity);
            cJSON_AddStringToObject(y, "unit", t->materials[i].unit);
            cJSON_AddItemToArray(m, y);
        }
    }
    if (detail) {
        cJSON *h = cJSON_AddArrayToObject(o, "history");
        for (size_t i = 0; i < t->nhistory; i++) {
            const struct ticket_event *ev = &t->history[i];
            cJSON *y = cJSON_CreateObject(), *by;
            cJSON_AddStringToObject(y, "action", ev->action);
            cJSON_AddStringToObject(y, "status", ev->status);
            by = cJSON_AddObjectToObject(y, "by");
            cJSON_AddStringToObject(by, "kind", ev->by_kind);
            add_id_or_null(by, "id", ev->by_id);
            cJSON_AddStringToObject(by, "name", ev->by_name);
            add_time(y, "at", ev->at);
            cJSON_AddStringToObject(y, "note", ev->note);
            cJSON_AddItemToArray(h, y);
        }
    }
    return o;
}

int reply_ticket_page(struct req *r, const struct ticket_page *pg, bool staff_view)
{
    cJSON *items = cJSON_CreateArray();

    for (size_t i = 0; i < pg->n; i++)
        cJSON_AddItemToArray(items, render_ticket(&pg->items[i], false, staff_view));
    return reply_list(r, items, pg->next);
}

int reply_ticket(struct req *r, int status, int64_t id, struct err *e)
{
    struct ticket t;

    if (ticket_get(db_thread(), &r->arena, &r->who, id, &t, e) < 0)
        return -1;
    return reply_json(r, status, render_ticket(&t, true, r->who.kind == SUBJECT_STAFF));
}

int tickets_parse_in(struct req *r, struct ticket_in *x, struct err *e)
{
    const char *appointment;
    int64_t *photos;
    size_t n;

    memset(x, 0, sizeof(*x));
    if (json_get_int(r->in, "resource_id", false, 1, INT32_MAX, &x->resource_id, NULL, e) < 0 ||
        json_get_int(r->in, "building_id", false, 1, INT32_MAX, &x->building_id, NULL, e) < 0 ||
        json_get_int(r->in, "project_id", false, 1, INT32_MAX, &x->project_id, NULL, e) < 0 ||
        json_get_str(r->in, "type", true, 1, 16, &x->type, e) < 0 ||
        json_get_str(r->in, "area", true, 1, 16, &x->area, e) < 0 ||
        json_get_str(r->in, "severity", false, 1, 16, &x->severity, e) < 0 ||
        json_get_str(r->in, "description", true, 1, TICKET_DESCRIPTION_MAX, &x->description, e) <
            0 ||
        json_get_str(r->in, "appointment_at", false, 20, 35, &appointment, e) < 0 ||
        json_get_ids(r->in, "photos", false, TICKET_PHOTOS_MAX, INT64_C(999999999999999),
                     &r->arena, &photos, &n, NULL, e) < 0)
        return -1;
    if (appointment) {
        if (util_rfc3339_parse(appointment, strlen(appointment), &x->appointment_at) < 0)
            return err_bad_request(e, "appointment_at 须为带时区的 RFC 3339 时间，"
                                      "如 2026-12-26T09:00:00+08:00");
        x->has_appointment = true;
    }
    x->photos = photos;
    x->nphotos = n;
    return 0;
}

/* Reporting and the detail are the same for owners and staff: the routes
 * differ in the members they admit (an owner names a home only), the
 * domain in the scope it applies. */
int h_ticket_create(struct req *r, struct err *e)
{
    struct ticket_in x;
    int64_t id;

    if (tickets_parse_in(r, &x, e) < 0 ||
        ticket_create(db_thread(), &g_cfg, &r->who, &x, &id, e) < 0)
        return -1;
    return reply_ticket(r, 201, id, e);
}

int h_ticket_get(struct req *r, struct err *e)
{
    return reply_ticket(r, 200, r->params[0], e);
}
