/*
 * ticket_flow.c — the tickets' state table (see ticket_flow.h). The rows
 * are API.md's table, plus the owner's rating; change a row here and the
 * unit test, docs/api.md and the integration test follow it or fail.
 */
#include "ticket_flow.h"

#include <stdio.h>
#include <string.h>

#define S(x) (1u << TICKET_##x)

const struct ticket_rule ticket_rules[TICKET_NACTIONS] = {
    /* action, name, from, to, who, needs, notify, verb */
    {TICKET_ACCEPT, "accept", S(SUBMITTED), TICKET_ACCEPTED, TICKET_BY_DESK, 0, TICKET_TELL_OWNER,
     "受理"},
    {TICKET_REJECT, "reject", S(SUBMITTED) | S(ACCEPTED), TICKET_REJECTED, TICKET_BY_DESK, 0,
     TICKET_TELL_OWNER, "驳回"},
    {TICKET_DISPATCH, "dispatch", S(ACCEPTED), TICKET_DISPATCHED, TICKET_BY_DESK,
     TICKET_NEEDS_ASSIGNEE, TICKET_TELL_OWNER, "派单"},
    /* the assignee takes a dispatched ticket; any technician of the
     * project an accepted one nobody was given (the pool) */
    {TICKET_TAKE, "take", S(ACCEPTED) | S(DISPATCHED), TICKET_TAKEN,
     TICKET_BY_ASSIGNEE | TICKET_BY_POOL, 0, 0, "接单"},
    {TICKET_START, "start", S(TAKEN), TICKET_IN_PROGRESS, TICKET_BY_ASSIGNEE, 0, 0, "开始处理"},
    {TICKET_COMPLETE, "complete", S(IN_PROGRESS), TICKET_COMPLETED, TICKET_BY_ASSIGNEE,
     TICKET_NEEDS_RESULT, TICKET_TELL_OWNER, "完成"},
    {TICKET_CLOSE, "close", S(COMPLETED), TICKET_CLOSED, TICKET_BY_DESK, 0, TICKET_TELL_OWNER,
     "关单"},
    {TICKET_VISIT, "visit", S(CLOSED), TICKET_VISITED, TICKET_BY_DESK, TICKET_NEEDS_SCORE, 0,
     "回访"},
    {TICKET_REASSIGN, "reassign", S(DISPATCHED) | S(TAKEN) | S(IN_PROGRESS), TICKET_DISPATCHED,
     TICKET_BY_DESK, TICKET_NEEDS_ASSIGNEE, 0, "改派"},
    {TICKET_ESCALATE, "escalate", TICKET_OPEN_STATES, TICKET_SAME,
     TICKET_BY_DESK | TICKET_BY_ASSIGNEE, 0, TICKET_TELL_SUPERVISORS, "升级"},
    {TICKET_CANCEL, "cancel", S(SUBMITTED) | S(ACCEPTED), TICKET_CANCELLED,
     TICKET_BY_DESK | TICKET_BY_OWNER, 0, 0, "取消"},
    {TICKET_RATE, "rate", S(COMPLETED) | S(CLOSED) | S(VISITED), TICKET_SAME, TICKET_BY_OWNER,
     TICKET_NEEDS_SCORE, 0, "评价"},
};

static const char *const status_names[TICKET_NSTATUS] = {
    "submitted", "accepted", "dispatched", "taken",    "in_progress",
    "completed", "closed",   "visited",    "rejected", "cancelled",
};

static const char *const status_labels[TICKET_NSTATUS] = {
    "待受理", "已受理", "已派单", "已接单", "处理中",
    "已完成", "已关单", "已回访", "未受理", "已取消",
};

const char *ticket_status_name(enum ticket_status s)
{
    return (unsigned)s < TICKET_NSTATUS ? status_names[s] : NULL;
}

const char *ticket_status_label(enum ticket_status s)
{
    return (unsigned)s < TICKET_NSTATUS ? status_labels[s] : NULL;
}

int ticket_status_from_name(const char *s, enum ticket_status *out)
{
    for (int i = 0; s && i < TICKET_NSTATUS; i++)
        if (strcmp(s, status_names[i]) == 0) {
            *out = (enum ticket_status)i;
            return 0;
        }
    return -1;
}

const struct ticket_rule *ticket_rule_named(const char *name)
{
    for (int i = 0; name && i < TICKET_NACTIONS; i++)
        if (strcmp(name, ticket_rules[i].name) == 0)
            return &ticket_rules[i];
    return NULL;
}

#define DESK_ROLES (ROLE_BUTLER | ROLE_SUPERVISOR | ROLE_ADMIN)

unsigned ticket_actor_of(const struct principal *who, int64_t project_id, int64_t assignee_id,
                         bool reported_by_owner, int64_t reporter_id)
{
    unsigned a = 0;

    if (who->kind == SUBJECT_OWNER)
        return reported_by_owner && who->id == reporter_id ? TICKET_BY_OWNER : 0;
    if (who->kind != SUBJECT_STAFF || !auth_in_project(who, project_id))
        return 0;
    if (who->roles & DESK_ROLES)
        a |= TICKET_BY_DESK;
    if (who->roles & ROLE_TECHNICIAN) {
        if (assignee_id && assignee_id == who->id)
            a |= TICKET_BY_ASSIGNEE;
        if (!assignee_id)
            a |= TICKET_BY_POOL;
    }
    return a;
}

bool ticket_may_see(const struct principal *who, int64_t project_id, bool reported_by_owner,
                    int64_t reporter_id)
{
    if (who->kind == SUBJECT_OWNER)
        return reported_by_owner && who->id == reporter_id;
    return who->kind == SUBJECT_STAFF && auth_in_project(who, project_id);
}

int ticket_check(enum ticket_action a, enum ticket_status s, unsigned actor, struct err *e)
{
    const struct ticket_rule *r;

    if ((unsigned)a >= TICKET_NACTIONS || (unsigned)s >= TICKET_NSTATUS)
        return err_internal(e);
    r = &ticket_rules[a];
    if (!(r->from & (1u << s)))
        return err_setf(e, E_INVALID_TRANSITION, "工单当前为“%s”，不能%s", status_labels[s],
                        r->verb);
    if (!(r->who & actor))
        return err_set(e, E_FORBIDDEN);
    return 0;
}

enum ticket_status ticket_next(enum ticket_action a, enum ticket_status s)
{
    int to = ticket_rules[a].to;

    return to == TICKET_SAME ? s : (enum ticket_status)to;
}

/* ---- the table as docs/api.md prints it -------------------------------------------- */

static const char *const actor_words[] = {
    "the desk",
    "the technician it is assigned to",
    "any technician of the project (the pool, unassigned tickets)",
    "the owner who reported it (own endpoint)",
};

void ticket_flow_doc_row(enum ticket_action a, char *out, size_t size)
{
    const struct ticket_rule *r = &ticket_rules[a];
    size_t used = 0;
    int n;

#define PUT(...)                                                                                   \
    do {                                                                                           \
        n = snprintf(out + used, used < size ? size - used : 0, __VA_ARGS__);                      \
        if (n > 0)                                                                                 \
            used += (size_t)n;                                                                     \
    } while (0)
    PUT("| `%s` | ", r->name);
    if (r->from == TICKET_OPEN_STATES) {
        PUT("any open state");
    } else {
        bool first = true;
        for (int s = 0; s < TICKET_NSTATUS; s++)
            if (r->from & (1u << s)) {
                PUT("%s`%s`", first ? "" : ", ", status_names[s]);
                first = false;
            }
    }
    if (r->to == TICKET_SAME)
        PUT(" | (unchanged) | ");
    else
        PUT(" | `%s` | ", status_names[r->to]);
    for (size_t i = 0, k = 0; i < sizeof(actor_words) / sizeof(actor_words[0]); i++)
        if (r->who & (1u << i))
            PUT("%s%s", k++ ? "; " : "", actor_words[i]);
    PUT(" |");
#undef PUT
    if (used >= size && size)
        out[size - 1] = '\0';
}
