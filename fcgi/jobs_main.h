/* jobs_main.h — the jobs process the master runs beside the workers (OPS-2). */
#ifndef WUYE_JOBS_MAIN_H
#define WUYE_JOBS_MAIN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "jobs.h"

/* Run recurring jobs until SIGTERM; returns the exit code. */
int jobs_main(void);

/* Bill runs (jobs_billrun.c): a queued run, stopped between batches when
 * *stop is set (the job goes back to the queue); the periodic job that
 * queues the scheduled runs that are due. */
int jobs_bill_run(struct db *db, struct arena *a, const struct job *job, const char *input,
                  size_t len, volatile sig_atomic_t *stop, struct err *e);
int jobs_bill_runs_due(struct db *db, bool *busy, struct err *e);

#endif
