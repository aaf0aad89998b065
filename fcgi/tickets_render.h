/*
 * tickets_render.h — what the owner's and the staff's ticket handlers
 * share: a ticket's JSON shape (API.md "Tickets") and the body of a new
 * ticket, so that both audiences see and send the same field names.
 */
#ifndef WUYE_TICKETS_RENDER_H
#define WUYE_TICKETS_RENDER_H

#include <stdbool.h>

#include "core/buf.h"
#include "http.h"
#include "tickets.h"

/* API.md's ticket, plus project_id, building_id, severity, result,
 * charge_fen, visit, deadlines and overdue flags; detail adds history and
 * materials (a list item has materials when they were loaded: the
 * knowledge base's hits); staff_view adds the reporter. Written into o. */
void render_ticket(struct buf *o, const struct ticket *t, bool detail, bool staff_view);
/* 200 {"items":[tickets…]} and, when paged, "next_cursor" (next 0: null). */
int reply_tickets(struct req *r, const struct ticket *items, size_t n, bool paged, int64_t next,
                  bool staff_view);
/* 200 with ticket id as who sees it now (ticket_get()). */
int reply_ticket(struct req *r, int64_t id, struct err *e);

/* The body of a new ticket (the members the route declares). */
int tickets_parse_in(struct req *r, struct ticket_in *x, struct err *e);

#endif
