/*
 * messages.h — the office's view of the outbox (NTC-2): what was sent to
 * whom, how often it was tried and what the phone's operator reported
 * (docs/api.md §7.20). Only the rows of the caller's projects: a login
 * code belongs to no project (project_id NULL) and no office sees it.
 * Phone numbers are masked (138****0001), openids too (****abcd): the list
 * is a log, nobody calls from it; the phone filter takes the full number.
 */
#ifndef WUYE_MESSAGES_H
#define WUYE_MESSAGES_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

struct message_filter {
    int64_t project_id;    /* 0 = every project of the caller's */
    const char *channel;   /* sms | wechat; NULL = both */
    const char *status;    /* pending | sent | failed */
    const char *phone;     /* 11 digits */
    const char *kind;      /* the cause: bill_notice, arrears, ticket, … */
    const char *from, *to; /* China dates YYYY-MM-DD of created_at, inclusive */
    int64_t before_id;     /* newest first: the page below this id; 0 = the first */
    int limit;
};

struct message {
    int64_t id, project_id;
    const char *channel, *kind, *recipient_masked, *template_id, *params_json, *status;
    int64_t attempts;
    const char *last_error, *provider_ref;
    const char *created_at, *next_attempt_at, *sent_at; /* RFC 3339, China; NULL = none */
    const char *report_status;                          /* SUCCESS | FAIL; NULL = no receipt */
    const char *report_description, *user_receive_time;
};

/* 400 for a bad filter, 404 for a project_id the caller does not serve. */
int messages_list(struct db *db, struct arena *a, const struct principal *who,
                  const struct message_filter *f, struct message **out, size_t *n,
                  int64_t *next_before, struct err *e);
/* One message of the caller's projects; 404 otherwise. */
int message_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                struct message *out, struct err *e);

/* "+8613800000001" → "138****0001"; an openid → "****" and its last four. */
void messages_mask_recipient(const char *recipient, char out[24]);

#endif
