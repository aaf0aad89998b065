/*
 * reminders.h — the monthly arrears reminder (NTC-2): one SMS per owner a
 * month, not per bill, for the bills of their current homes that are past
 * due (open, due date before today), with how many there are and what they
 * come to today (bill_figure(): the late fee included, as the owner's list
 * shows it).
 *
 * Run by the periodic job arrears_reminders (fcgi/jobs_messages.c), hourly
 * on whichever host claims the slot; it works from arrears_reminder_day of
 * the month on, until the month is done (arrears_months). The company is
 * read 500 owners at a time, each batch one short transaction that queues
 * its messages with outbox_queue_many(): the dedup key
 * arrears:YYYY-MM:<person> makes a rerun of a half-done month queue only
 * what is missing. Off when sms_template_arrears is empty or
 * arrears_reminder_day is 0; a project is left out when its
 * arrears_reminders is 0 (sql/014_messages.sql).
 */
#ifndef WUYE_REMINDERS_H
#define WUYE_REMINDERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "db/db.h"

#define REMINDERS_BATCH 500

struct reminders_result {
    bool ran;               /* false: off, before the day, or the month done */
    int64_t owners, queued; /* owners with arrears seen; messages newly queued */
};

/* The reminders of today's month (today: days since 1970-01-01, China). */
int reminders_arrears_run(struct db *db, const struct config *cfg, int32_t today,
                          struct reminders_result *out, struct err *e);

#endif
