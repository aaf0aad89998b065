/*
 * tickets_render.h — what the owner's and the staff's ticket handlers
 * share: a ticket's JSON shape (API.md "Tickets") and the body of a new
 * ticket, so that both audiences see and send the same field names.
 */
#ifndef WUYE_TICKETS_RENDER_H
#define WUYE_TICKETS_RENDER_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "http.h"
#include "tickets.h"

/* API.md's ticket, plus project_id, building_id, severity, result,
 * charge_fen, visit, deadlines and overdue flags; detail adds history and
 * materials; staff_view adds the reporter. */
cJSON *render_ticket(const struct ticket *t, bool detail, bool staff_view);
/* {"items":[tickets…],"next_cursor"} (the list shape). */
int reply_ticket_page(struct req *r, const struct ticket_page *pg, bool staff_view);
/* 200 (or 201) with ticket id as who sees it now (ticket_get()). */
int reply_ticket(struct req *r, int status, int64_t id, struct err *e);

/* The body of a new ticket (the members the route declares). */
int tickets_parse_in(struct req *r, struct ticket_in *x, struct err *e);

#endif
