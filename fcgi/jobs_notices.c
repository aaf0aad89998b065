/*
 * jobs_notices.c — the periodic job scheduled_publish (定时发布, NTC-1,
 * NTC-4; docs/notices.md): every minute, the draft notices and surveys
 * whose publish_at has come are published, each in its own transaction
 * through the office's own publish (lib/notices.c, lib/surveys.c), or
 * their schedule is cleared when they can no longer go out. One run per
 * slot across hosts (the jobs table); the row lock and the re-check in
 * each publication make a second host, or a publish by hand at the same
 * moment, a no-op.
 */
#include "jobs_main.h"

#include "core/log.h"
#include "notices.h"
#include "server.h"
#include "surveys.h"

int jobs_scheduled_publish(struct db *db, bool *busy, struct err *e)
{
    struct notice_due_counts notices, surveys;
    struct err e2;
    int rc;

    *busy = false;
    err_clear(&e2);
    /* the surveys' run goes ahead when a notice failed */
    rc = notice_publish_scheduled(db, &g_cfg, &notices, e);
    if (survey_publish_scheduled(db, &g_cfg, &surveys, rc < 0 ? &e2 : e) < 0)
        rc = -1;
    if (notices.published || notices.cleared || notices.failed || surveys.published ||
        surveys.cleared || surveys.failed)
        log_info("event=scheduled_publish notices=%lld notices_cleared=%lld notices_failed=%lld "
                 "surveys=%lld surveys_cleared=%lld surveys_failed=%lld",
                 (long long)notices.published, (long long)notices.cleared,
                 (long long)notices.failed, (long long)surveys.published,
                 (long long)surveys.cleared, (long long)surveys.failed);
    return rc;
}
