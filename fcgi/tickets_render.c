/* tickets_render.c — see tickets_render.h; and the two handlers owners
 * and staff share. */
#include "tickets_render.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "db/db.h"
#include "server.h"

/* The ticket's JSON is written straight into a buffer (json_write_*), as
 * the owner's bills are: a list of 50 tickets as a cJSON tree was a
 * node and its allocations per value, most of a list's cost. Members in
 * API.md's order, then ours. */

/* ,"name": */
static void key(struct buf *o, const char *name)
{
    buf_puts(o, ",\"");
    buf_puts(o, name);
    buf_puts(o, "\":");
}

/* A stored UTC time as RFC 3339 in China time, or null. */
static void put_time(struct buf *o, const char *name, const char *db_utc)
{
    char t[26];

    key(o, name);
    if (db_utc && util_db_time_to_rfc3339(db_utc, t) == 0)
        json_write_str(o, t);
    else
        buf_puts(o, "null");
}

static void put_id(struct buf *o, const char *name, int64_t id)
{
    key(o, name);
    if (id)
        json_write_int(o, id);
    else
        buf_puts(o, "null");
}

static void put_str(struct buf *o, const char *name, const char *v)
{
    key(o, name);
    if (v)
        json_write_str(o, v);
    else
        buf_puts(o, "null");
}

static void put_bool(struct buf *o, const char *name, bool v)
{
    key(o, name);
    buf_puts(o, v ? "true" : "false");
}

/* {"score","comment"} or null. */
static void put_score(struct buf *o, const char *name, bool has, int64_t score, const char *comment)
{
    key(o, name);
    if (!has) {
        buf_puts(o, "null");
        return;
    }
    buf_puts(o, "{\"score\":");
    json_write_int(o, score);
    buf_puts(o, ",\"comment\":");
    json_write_str(o, comment ? comment : "");
    buf_puts(o, "}");
}

/* {"kind","id","name"} of whoever did something ("name" left out when
 * not read: a list's reporter). */
static void put_who(struct buf *o, const char *name, const char *kind, int64_t id, const char *who)
{
    key(o, name);
    buf_puts(o, "{\"kind\":");
    json_write_str(o, kind);
    put_id(o, "id", id);
    if (who)
        put_str(o, "name", who);
    buf_puts(o, "}");
}

void render_ticket(struct buf *o, const struct ticket *t, bool detail, bool staff_view)
{
    buf_puts(o, "{\"id\":");
    json_write_int(o, t->id);
    put_str(o, "type", t->type);
    put_str(o, "area", t->area);
    put_str(o, "status", ticket_status_name(t->status));
    put_id(o, "resource_id", t->resource_id);
    put_str(o, "description", t->description);
    key(o, "photos");
    buf_puts(o, "[");
    for (size_t i = 0; i < t->nphotos; i++) {
        buf_puts(o, i ? ",{\"id\":" : "{\"id\":");
        json_write_int(o, t->photos[i]);
        buf_puts(o, ",\"url\":\"/api/v1/uploads/");
        json_write_int(o, t->photos[i]);
        buf_puts(o, "\"}");
    }
    buf_puts(o, "]");
    put_time(o, "appointment_at", t->appointment_at);
    put_time(o, "created_at", t->created_at);
    key(o, "assignee");
    if (t->assignee_id) {
        buf_puts(o, "{\"id\":");
        json_write_int(o, t->assignee_id);
        put_str(o, "name", t->assignee_name);
        buf_puts(o, "}");
    } else {
        buf_puts(o, "null");
    }
    put_score(o, "rating", t->rated, t->rating_score, t->rating_comment);
    /* beyond API.md's fixed fields: what a list shows, then the rest */
    key(o, "project_id");
    json_write_int(o, t->project_id);
    put_id(o, "building_id", t->building_id);
    put_str(o, "severity", t->severity);
    put_bool(o, "response_overdue", t->response_overdue);
    put_bool(o, "complete_overdue", t->complete_overdue);
    if (staff_view)
        put_who(o, "reporter", t->reported_by_owner ? "owner" : "staff", t->reporter_id,
                t->full ? t->reporter_name : NULL);
    if (!t->full) {
        buf_puts(o, "}");
        return;
    }
    put_str(o, "result", t->result);
    key(o, "charge_fen");
    if (t->has_charge)
        json_write_int(o, t->charge_fen);
    else
        buf_puts(o, "null");
    put_score(o, "visit", t->visited, t->visit_score, t->visit_comment);
    put_time(o, "response_due_at", t->response_due_at);
    put_time(o, "complete_due_at", t->complete_due_at);
    key(o, "escalations");
    json_write_int(o, t->escalations);
    put_time(o, "updated_at", t->updated_at);
    if (detail || t->materials) {
        key(o, "materials");
        buf_puts(o, "[");
        for (size_t i = 0; i < t->nmaterials; i++) {
            buf_puts(o, i ? ",{\"name\":" : "{\"name\":");
            json_write_str(o, t->materials[i].name);
            key(o, "quantity");
            json_write_int(o, t->materials[i].quantity);
            put_str(o, "unit", t->materials[i].unit);
            buf_puts(o, "}");
        }
        buf_puts(o, "]");
    }
    if (detail) {
        /* the repair fee's bill (TKT-4): what the owner pays for it */
        key(o, "bill");
        if (t->has_bill) {
            buf_puts(o, "{\"id\":");
            json_write_int(o, t->bill.id);
            key(o, "amount_fen");
            json_write_int(o, t->bill.amount_fen);
            key(o, "paid_fen");
            json_write_int(o, t->bill.paid_fen);
            key(o, "due_fen");
            json_write_int(o, t->bill.due_fen);
            put_str(o, "status", t->bill.status);
            put_bool(o, "paid", strcmp(t->bill.status, "paid") == 0);
            buf_puts(o, "}");
        } else {
            buf_puts(o, "null");
        }
        key(o, "history");
        buf_puts(o, "[");
        for (size_t i = 0; i < t->nhistory; i++) {
            const struct ticket_event *ev = &t->history[i];
            buf_puts(o, i ? ",{\"action\":" : "{\"action\":");
            json_write_str(o, ev->action);
            put_str(o, "status", ev->status);
            put_who(o, "by", ev->by_kind, ev->by_id, ev->by_name);
            put_time(o, "at", ev->at);
            put_str(o, "note", ev->note);
            buf_puts(o, "}");
        }
        buf_puts(o, "]");
    }
    buf_puts(o, "}");
}

int reply_tickets(struct req *r, const struct ticket *items, size_t n, bool paged, int64_t next,
                  bool staff_view)
{
    struct buf text = BUF_INIT;

    buf_puts(&text, "{\"items\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_puts(&text, ",");
        render_ticket(&text, &items[i], false, staff_view);
    }
    buf_puts(&text, "]");
    if (paged && next)
        buf_printf(&text, ",\"next_cursor\":\"%lld\"", (long long)next);
    else if (paged)
        buf_puts(&text, ",\"next_cursor\":null");
    buf_puts(&text, "}");
    return reply_json_text(r, 200, &text);
}

int reply_ticket(struct req *r, int64_t id, struct err *e)
{
    struct ticket t;
    struct buf text = BUF_INIT;

    if (ticket_get(db_thread(), &r->arena, &r->who, id, &t, e) < 0)
        return -1;
    render_ticket(&text, &t, true, r->who.kind == SUBJECT_STAFF);
    return reply_json_text(r, 200, &text);
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
        json_get_ids(r->in, "photos", false, TICKET_PHOTOS_MAX, INT64_C(999999999999999), &r->arena,
                     &photos, &n, NULL, e) < 0)
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
    struct ticket t;
    struct buf text = BUF_INIT;

    if (tickets_parse_in(r, &x, e) < 0 ||
        ticket_create(db_thread(), &g_cfg, &r->arena, &r->who, &x, &t, e) < 0)
        return -1;
    render_ticket(&text, &t, true, r->who.kind == SUBJECT_STAFF);
    return reply_json_text(r, 201, &text);
}

int h_ticket_get(struct req *r, struct err *e)
{
    return reply_ticket(r, r->params[0], e);
}
