/* jobs_messages.c — the jobs of messages to owners (NTC-2, NTC-3, OPS-2;
 * docs/messages.md): a sender per channel (continuous, each exclusive with
 * its own lock, so a slow WeChat never delays a login code), the delivery
 * receipts and the monthly arrears reminders (periodic). */
#include "bills.h"
#include "core/log.h"
#include "jobs_main.h"
#include "outbox.h"
#include "reminders.h"
#include "server.h"

/* A sender's cycle: at most this many rows, then the loop looks at its
 * lock and the stop flag again. */
#define SENDER_BATCH 20

static int send_due(struct db *db, enum outbox_channel ch, bool *busy, struct err *e)
{
    int handled = 0;

    if (outbox_deliver_due(db, &g_cfg, ch, SENDER_BATCH, &handled, e) < 0)
        return -1;
    *busy = handled > 0;
    return 0;
}

int jobs_outbox_sms(struct db *db, bool *busy, struct err *e)
{
    return send_due(db, OUTBOX_SMS, busy, e);
}

int jobs_outbox_wechat(struct db *db, bool *busy, struct err *e)
{
    return send_due(db, OUTBOX_WECHAT, busy, e);
}

int jobs_sms_status(struct db *db, bool *busy, struct err *e)
{
    int recorded = 0;

    *busy = false;
    if (outbox_receipts_pull(db, &g_cfg, &recorded, e) < 0)
        return -1;
    if (recorded)
        log_info("event=sms_status recorded=%d", recorded);
    return 0;
}

int jobs_arrears_reminders(struct db *db, bool *busy, struct err *e)
{
    struct reminders_result res;

    *busy = false;
    return reminders_arrears_run(db, &g_cfg, bills_today(), &res, e);
}
