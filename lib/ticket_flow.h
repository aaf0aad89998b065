/*
 * ticket_flow.h — the state machine of service tickets (TKT-2, API.md
 * "Tickets"), as one table: for each action the states it may start
 * from, the state it leads to, who may take it, what it needs and whom
 * it tells. The domain (lib/tickets.c) checks every step against it, the
 * handlers take their routes from it, the unit test walks it against
 * API.md's table typed in by hand and checks that docs/api.md prints
 * exactly it (ticket_flow_doc_row()), and the integration test tries
 * every action in every state by it.
 *
 * Order of the checks (API.md): the state first — an action the ticket's
 * state does not allow is 409 INVALID_TRANSITION whoever asks; then the
 * role — 403 FORBIDDEN. Scope (404) comes before both and is not the
 * table's business.
 *
 * Pure: no database, no allocation.
 */
#ifndef WUYE_TICKET_FLOW_H
#define WUYE_TICKET_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/err.h"

/* The order is the order of sql/011_tickets.sql's ENUM and of the docs. */
enum ticket_status {
    TICKET_SUBMITTED,
    TICKET_ACCEPTED,
    TICKET_DISPATCHED,
    TICKET_TAKEN,
    TICKET_IN_PROGRESS,
    TICKET_COMPLETED,
    TICKET_CLOSED,
    TICKET_VISITED,
    TICKET_REJECTED,
    TICKET_CANCELLED,
};
#define TICKET_NSTATUS 10
/* "Any open state": not yet closed, visited, rejected or cancelled. */
#define TICKET_OPEN_STATES                                                                         \
    (1u << TICKET_SUBMITTED | 1u << TICKET_ACCEPTED | 1u << TICKET_DISPATCHED |                    \
     1u << TICKET_TAKEN | 1u << TICKET_IN_PROGRESS | 1u << TICKET_COMPLETED)

enum ticket_action {
    TICKET_ACCEPT,
    TICKET_REJECT,
    TICKET_DISPATCH,
    TICKET_TAKE,
    TICKET_START,
    TICKET_COMPLETE,
    TICKET_CLOSE,
    TICKET_VISIT,
    TICKET_REASSIGN,
    TICKET_ESCALATE,
    TICKET_CANCEL,
    TICKET_RATE, /* the owner's rating: its own endpoint, no change of state */
};
#define TICKET_NACTIONS 12

/* What a caller is to one ticket (bits). */
enum ticket_actor {
    TICKET_BY_DESK = 1 << 0,     /* a butler, supervisor or admin of its project */
    TICKET_BY_ASSIGNEE = 1 << 1, /* the technician it is assigned to */
    TICKET_BY_POOL = 1 << 2,     /* a technician of its project, the ticket unassigned */
    TICKET_BY_OWNER = 1 << 3,    /* the owner who reported it (the owner's endpoints) */
};

/* What an action needs in its body besides an optional note (bits). */
enum ticket_needs {
    TICKET_NEEDS_ASSIGNEE = 1 << 0, /* assignee_id: a technician of the project */
    TICKET_NEEDS_RESULT = 1 << 1,   /* result, optional materials and charge_fen */
    TICKET_NEEDS_SCORE = 1 << 2,    /* score 1..5, optional comment */
};

/* Whom a step tells, through the outbox, in its transaction (bits). */
enum ticket_notify {
    TICKET_TELL_OWNER = 1 << 0,       /* the owner who reported it */
    TICKET_TELL_SUPERVISORS = 1 << 1, /* the project's supervisors */
};

#define TICKET_SAME (-1) /* the state does not change */

struct ticket_rule {
    enum ticket_action action;
    const char *name; /* the path segment and the history's action */
    unsigned from;    /* 1 << status for each state it may start from */
    int to;           /* enum ticket_status, or TICKET_SAME */
    unsigned who;     /* enum ticket_actor bits */
    unsigned needs;   /* enum ticket_needs bits */
    unsigned notify;  /* enum ticket_notify bits */
    const char *verb; /* what it does, in Chinese ("派单"): messages */
};

/* The table, indexed by enum ticket_action. */
extern const struct ticket_rule ticket_rules[TICKET_NACTIONS];

const char *ticket_status_name(enum ticket_status s);
/* The state in Chinese ("已派单"): messages to people. */
const char *ticket_status_label(enum ticket_status s);
int ticket_status_from_name(const char *s, enum ticket_status *out); /* -1 unknown */
/* The rule of an action by its name; NULL for none. */
const struct ticket_rule *ticket_rule_named(const char *name);

/* What who is to a ticket of this project, assignee (0 = none) and
 * reporter; 0 when nothing (another project's staff, another owner). */
unsigned ticket_actor_of(const struct principal *who, int64_t project_id, int64_t assignee_id,
                         bool reported_by_owner, int64_t reporter_id);
/* May who see a ticket of this project and reporter? Staff of its project
 * (any role) and the owner who reported it. */
bool ticket_may_see(const struct principal *who, int64_t project_id, bool reported_by_owner,
                    int64_t reporter_id);

/* The checks of API.md in their order: 409 INVALID_TRANSITION when the
 * state does not allow the action, then 403 FORBIDDEN when actor (bits of
 * ticket_actor_of()) may not take it. 0 when allowed. */
int ticket_check(enum ticket_action a, enum ticket_status s, unsigned actor, struct err *e);
/* The state after the action (the table's "to", or s when TICKET_SAME). */
enum ticket_status ticket_next(enum ticket_action a, enum ticket_status s);

/* The table's row for docs/api.md, e.g.
 * "| `accept` | `submitted` | `accepted` | the desk |"; out holds size. */
void ticket_flow_doc_row(enum ticket_action a, char *out, size_t size);

#endif
