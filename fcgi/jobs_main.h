/* jobs_main.h — the jobs process the master runs beside the workers (OPS-2). */
#ifndef WUYE_JOBS_MAIN_H
#define WUYE_JOBS_MAIN_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "jobs.h"
#include "resources_import.h"

/* Run recurring jobs until SIGTERM; returns the exit code. */
int jobs_main(void);

/* For the long work in the job files beside this one (jobs_reports.c). */
/* Has the jobs process been told to stop? (the work gives its job back) */
bool jobs_stopping(void);
/* An import job's progress (a struct import_progress's fn, arg a struct
 * import_job): the record every `every` rows, with the row errors when
 * there are new ones; -1 once the process is stopping. */
struct import_job {
    struct db *db;
    int64_t id;
    size_t nerrors; /* in the record */
};
int jobs_import_progress(void *arg, const struct import_report *rep, int rows, struct err *e);
/* A JSON document as text for the jobs table (consumed; cJSON_free() it). */
char *jobs_json_text(cJSON *doc);
/* payments_expire (jobs_payments.c): pending payments past their expiry,
 * settled at WeChat Pay (PAY-1). */
int jobs_payments_expire(struct db *db, bool *busy, struct err *e);
/* Bill runs (jobs_billrun.c): a queued run, stopped between batches once
 * the process is stopping (the job goes back to the queue); the periodic
 * job that queues the scheduled runs that are due. */
int jobs_bill_run(struct db *db, struct arena *a, const struct job *job, const char *input,
                  size_t len, struct err *e);
int jobs_bill_runs_due(struct db *db, bool *busy, struct err *e);
/* Messages to owners (jobs_messages.c): the SMS and the WeChat sender, the
 * SMS delivery receipts, the monthly arrears reminders. */
int jobs_outbox_sms(struct db *db, bool *busy, struct err *e);
int jobs_outbox_wechat(struct db *db, bool *busy, struct err *e);
int jobs_sms_status(struct db *db, bool *busy, struct err *e);
int jobs_arrears_reminders(struct db *db, bool *busy, struct err *e);
/* Scheduled publishing (jobs_notices.c): the draft notices and surveys
 * whose publish_at has come (定时发布, NTC-1, NTC-4). */
int jobs_scheduled_publish(struct db *db, bool *busy, struct err *e);

#endif
