/* jobs_payments.c — the payments_expire job (PAY-1): pending payments past
 * their expiry are settled at WeChat Pay (closed there and here, or
 * applied when they were paid after all); lib/payments.c does the work. */
#include "core/log.h"
#include "jobs_main.h"
#include "payments.h"
#include "server.h"

/* At most this many a run: each costs a call or two to WeChat Pay. */
#define EXPIRE_BATCH 200

int jobs_payments_expire(struct db *db, bool *busy, struct err *e)
{
    struct pay_expire_counts n;

    *busy = false;
    if (pay_expire_run(db, server_wxpay(), EXPIRE_BATCH, &n, e) < 0)
        return -1;
    if (n.due)
        log_info("event=payments_expire due=%lld applied=%lld closed=%lld failed=%lld",
                 (long long)n.due, (long long)n.applied, (long long)n.closed, (long long)n.failed);
    return 0;
}
