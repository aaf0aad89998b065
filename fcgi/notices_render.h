/*
 * notices_render.h — the JSON of announcements and surveys (NTC-1, NTC-4;
 * docs/api.md §5.4, §6.5, §7.18, §7.19), shared by the owners', the
 * staff's and the office's handlers (owner_notices.c, staff_notices.c,
 * office_notices.c).
 */
#ifndef WUYE_NOTICES_RENDER_H
#define WUYE_NOTICES_RENDER_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <time.h>

#include "core/err.h"
#include "http.h"
#include "notices.h"
#include "surveys.h"

/* A notice: the owner's shape (with "read"), or the staff's and the
 * office's (status, audience, times). */
cJSON *render_notice(const struct notice *x, bool for_owner);
/* A survey: the owner's shape (with "answered") or the office's; with its
 * questions when it has them. */
cJSON *render_survey(const struct survey *x, bool for_owner);
/* A page of notices as the staff and the office see them: the list's answer. */
int reply_notice_page(struct req *r, const struct notice_page *pg);
/* A stored UTC time as RFC 3339 China time, or null. */
void render_time(cJSON *o, const char *name, const char *db_utc);
/* An RFC 3339 time member (with its offset): required or optional
 * (absent: *present false); 400 naming the member. */
int notices_get_time(const cJSON *in, const char *name, bool required, time_t *out,
                     bool *present, struct err *e);

#endif
