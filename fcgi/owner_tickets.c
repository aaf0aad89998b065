/* owner_tickets.c — the owner's tickets (TKT-1, TKT-2, TKT-5; API.md
 * "Tickets"): list, rate, cancel (reporting and the detail are
 * tickets_render.c's, shared with staff). The rules are the domain's
 * (lib/tickets.c) and the state table's (lib/ticket_flow.c). */
#include "core/json.h"
#include "db/db.h"
#include "server.h"
#include "tickets_render.h"

int h_owner_tickets(struct req *r, struct err *e)
{
    struct ticket_page pg;
    struct page p;

    if (req_page(r, &p, e) < 0 ||
        ticket_list_owner(db_thread(), &r->arena, &r->who, p.after, p.limit, &pg, e) < 0)
        return -1;
    return reply_tickets(r, pg.items, pg.n, true, pg.next, false);
}

int h_owner_ticket_rating(struct req *r, struct err *e)
{
    struct ticket_act_in in = {0};

    if (json_get_int(r->in, "score", true, 1, 5, &in.score, NULL, e) < 0 ||
        json_get_str(r->in, "comment", false, 0, TICKET_NOTE_MAX, &in.comment, e) < 0 ||
        ticket_act(db_thread(), &g_cfg, &r->who, r->params[0], TICKET_RATE, &in, e) < 0)
        return -1;
    return reply_ticket(r, r->params[0], e);
}

int h_owner_ticket_cancel(struct req *r, struct err *e)
{
    struct ticket_act_in in = {0};

    if (json_get_str(r->in, "note", false, 0, TICKET_NOTE_MAX, &in.note, e) < 0 ||
        ticket_act(db_thread(), &g_cfg, &r->who, r->params[0], TICKET_CANCEL, &in, e) < 0)
        return -1;
    return reply_ticket(r, r->params[0], e);
}
