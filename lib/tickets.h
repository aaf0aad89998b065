/*
 * tickets.h — service tickets (TKT-1..3, TKT-5, TKT-7; API.md "Tickets";
 * sql/011_tickets.sql; docs/tickets.md): repairs, cleaning and security
 * calls, complaints and suggestions reported by owners, butlers and
 * guards on patrol, worked through the state table of ticket_flow.h.
 *
 * Every write is one transaction that locks the ticket row first, decides
 * scope on it (another project's or another owner's ticket: 404), checks
 * the state (409) and then the role (403) by the table, checks what
 * depends on the ticket (an assignee of its project: 400), and writes the
 * ticket, its ticket_events row, its audit row and its outbox notices
 * together; a refused step changes nothing. Notices go by SMS (the
 * channel that has a sender today) with the configured templates.
 *
 * The knowledge base (TKT-7): closing a ticket indexes the bigrams of its
 * description, result and materials (ticket_kb_grams); a search finds
 * the closed tickets that hold every bigram of the words asked for.
 *
 * A repair fee (TKT-4): completing a private-area repair with charge_fen
 * raises the home's bill (source "repair", bill_create_tx() of bills.h)
 * in the completion's transaction; the bill names the ticket, and the
 * ticket's detail shows the bill.
 *
 * Not for: the photos' files (uploads.h), statistics (ticket_stats.h),
 * the office's set-up of deadlines and skills (ticket_setup.h).
 */
#ifndef WUYE_TICKETS_H
#define WUYE_TICKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "core/arena.h"
#include "core/config.h"
#include "core/err.h"
#include "db/db.h"
#include "ticket_flow.h"

/* Limits of the input (API.md, docs/api.md). */
#define TICKET_DESCRIPTION_MAX 2000 /* characters */
#define TICKET_RESULT_MAX 2000
#define TICKET_NOTE_MAX 500
#define TICKET_PHOTOS_MAX 9
#define TICKET_MATERIALS_MAX 50
#define TICKET_QUANTITY_MAX 100000
#define TICKET_KB_QUERY_MAX 20 /* characters of a knowledge-base search */

/* The names of sql/011_tickets.sql's ENUMs; NULL-terminated. */
extern const char *const ticket_type_names[];
extern const char *const ticket_severity_names[];
/* The index of a type in ticket_type_names; -1 for none. */
int ticket_type_index(const char *type);
/* The deadlines (minutes from submission) of type i of ticket_type_names
 * where the project has no ticket_deadlines row. */
void ticket_default_deadlines(int i, int64_t *response_min, int64_t *complete_min);

struct ticket_material {
    const char *name, *unit;
    int64_t quantity;
};

struct ticket_event {
    const char *action;  /* "submit" (the ticket row), or a rule's name */
    const char *status;  /* the status after it */
    const char *by_kind; /* owner | staff | system */
    int64_t by_id;
    const char *by_name; /* "" for the system */
    const char *note;
    const char *at; /* as stored (UTC) */
};

/* A ticket as stored; strings in the caller's arena, times as stored
 * (UTC "YYYY-MM-DD HH:MM:SS", NULL when not set). A list reads what a
 * list item shows; full (ticket_get(), the knowledge base) the rest. */
struct ticket {
    int64_t id, project_id, resource_id, building_id; /* 0 = none */
    const char *type, *severity, *area, *description; /* severity NULL unless a complaint */
    enum ticket_status status;
    const char *appointment_at, *created_at;
    int64_t assignee_id; /* 0 = none */
    const char *assignee_name;
    bool reported_by_owner;
    int64_t reporter_id;
    bool rated;
    int64_t rating_score;
    const char *rating_comment;
    bool response_overdue, complete_overdue;
    int64_t *photos; /* upload ids, ascending */
    size_t nphotos;
    /* full only: */
    bool full;
    const char *updated_at, *reporter_name, *result;
    bool has_charge, visited;
    int64_t charge_fen, visit_score, escalations;
    const char *visit_comment;
    const char *response_due_at, *complete_due_at;
    /* ticket_get() only: */
    bool has_bill; /* the repair fee's bill (TKT-4) */
    struct ticket_bill {
        int64_t id, amount_fen, paid_fen, due_fen;
        const char *status; /* unpaid | partial | paid | void */
    } bill;
    struct ticket_event *history;
    size_t nhistory;
    struct ticket_material *materials;
    size_t nmaterials;
};

/* A new ticket. For an owner: resource_id (one of the caller's homes
 * now; for a public area, the home it is reported from), no building or
 * project. For staff: a resource (private), or for a public area a
 * building or a project (one of the caller's). */
struct ticket_in {
    const char *type, *area, *severity, *description; /* severity: complaints only */
    int64_t resource_id, building_id, project_id;     /* 0 = not given */
    bool has_appointment;
    time_t appointment_at;
    const int64_t *photos; /* the caller's unattached uploads */
    size_t nphotos;
};

/* Create a ticket (TKT-1, TKT-5): its deadlines from the project's or the
 * default ones, its photos attached, a complaint's notices to those
 * responsible by severity (supervisors; serious: and managers; critical:
 * and admins of the project). 400 for bad input (an unknown type, a
 * photo that is not the caller's unattached upload, …), 404 for a place
 * outside the caller's scope. *out is the new ticket as stored, with its
 * history (the submission), in a. */
int ticket_create(struct db *db, const struct config *cfg, struct arena *a,
                  const struct principal *who, const struct ticket_in *in, struct ticket *out,
                  struct err *e);

/* What a step carries (ticket_rules[].needs says what is required). */
struct ticket_act_in {
    const char *note;                        /* optional */
    int64_t assignee_id;                     /* dispatch, reassign */
    const char *result;                      /* complete */
    const struct ticket_material *materials; /* complete, optional */
    size_t nmaterials;
    bool has_charge; /* complete: a repair fee */
    int64_t charge_fen;
    int64_t score;       /* visit, rate: 1..5 */
    const char *comment; /* visit, rate: optional */
};

/* Take action a on ticket id as who: 404 outside the caller's scope, 409
 * INVALID_TRANSITION, 403 FORBIDDEN, 400 for what the body says wrong;
 * else the step with its history row, audit row and notices. */
int ticket_act(struct db *db, const struct config *cfg, const struct principal *who, int64_t id,
               enum ticket_action a, const struct ticket_act_in *in, struct err *e);

/* One ticket with its photos, history and materials, for the owner who
 * reported it or staff of its project; 404 for anyone else. The history
 * starts with the submission (the ticket row itself). */
int ticket_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
               struct ticket *out, struct err *e);

/* Lists, newest first, a page at a time (before_id 0 = from the newest;
 * *next the id to pass for the next page, 0 after the last). */
struct ticket_page {
    struct ticket *items;
    size_t n;
    int64_t next;
};
/* The tickets the owner reported. */
int ticket_list_owner(struct db *db, struct arena *a, const struct principal *who,
                      int64_t before_id, int limit, struct ticket_page *out, struct err *e);

#define TICKET_ANYONE 0      /* assignee filter: no filter */
#define TICKET_UNASSIGNED -1 /* assignee filter: nobody (the pool) */
struct ticket_filter {
    bool has_status;
    enum ticket_status status;
    int64_t assignee;      /* TICKET_ANYONE, TICKET_UNASSIGNED or a staff id */
    int64_t project_id;    /* 0 = all the caller's projects (another: 404) */
    const char *type;      /* NULL = any */
    bool overdue;          /* only those that missed a deadline */
    const char *from, *to; /* created on these China days (YYYY-MM-DD, 400 else); NULL = open */
};
/* The UTC instant China's day `day` (days since 1970-01-01) begins, as
 * the database stores times: "YYYY-MM-DD 16:00:00" of the day before. */
void ticket_day_start_utc(int32_t day, char out[20]);
/* The tickets of the caller's projects. */
int ticket_list_staff(struct db *db, struct arena *a, const struct principal *who,
                      const struct ticket_filter *f, int64_t before_id, int limit,
                      struct ticket_page *out, struct err *e);

/* Dispatch by skill and load (TKT-3): the active technicians of the
 * ticket's project with a skill its type needs in that project (all of
 * them when the type needs none), fewest open tickets (dispatched, taken,
 * in progress) first, then by id. The desk of the project only (403);
 * 404 outside the caller's projects. */
struct ticket_candidate {
    int64_t id, open_load;
    const char *name, *skills; /* skills: comma-separated, sorted */
};
int ticket_suggest(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                   struct ticket_candidate **out, size_t *n, struct err *e);

/* The knowledge base (TKT-7): closed (or visited) tickets of the caller's
 * projects (or of project_id, one of them; else 404) whose indexed text
 * holds every bigram of q, newest first. q: 2..TICKET_KB_QUERY_MAX
 * characters with at least one bigram after spaces and punctuation are
 * dropped (else 400). Each hit is a ticket without history, with its
 * materials. */
int ticket_kb_search(struct db *db, struct arena *a, const struct principal *who, const char *q,
                     int64_t project_id, int limit, struct ticket **out, size_t *n, struct err *e);
/* The bigrams of text as the index keeps them (exposed for the tests):
 * runs of letters and digits, ASCII lowered, split at spaces and
 * punctuation; each distinct pair of neighbours once, in order of first
 * appearance. Up to max bigrams of at most 8 bytes each (NUL-terminated)
 * into out; returns how many. */
size_t ticket_bigrams(const char *text, char (*out)[9], size_t max);

/* Index a project's closed tickets that the knowledge base does not have
 * yet (tickets written by hand, as the demo's); *indexed counts them. */
int ticket_kb_index_project(struct db *db, int64_t project_id, int64_t *indexed, struct err *e);

/* The overdue job (once a minute): set response_overdue on tickets still
 * submitted after their response deadline, complete_overdue on tickets
 * not yet completed after their completion deadline (at most 500 a run),
 * each with its audit row and a notice to the project's supervisors, in
 * one transaction. *flagged counts the tickets changed. */
int ticket_overdue_run(struct db *db, const struct config *cfg, int *flagged, struct err *e);

#endif
