/*
 * jobs.h — the jobs table (OPS-2; sql/004_jobs.sql): recurring jobs that
 * run once per schedule across hosts, and long work the office queues and
 * polls (a large import, later a bill run).
 *
 * Recurring: a job with a period claims each slot (the start of each
 * period) by inserting its job_runs row; the unique key (name, slot) lets
 * one host win, so two masters on one database run it once per slot. Its
 * own GET_LOCK keeps a run that overruns its slot from overlapping the
 * next. A continuous job (period 0, e.g. the SMS sender) holds its lock as
 * long as it runs; other hosts wait for it.
 *
 * Long work: job_queue() stores the input and answers at once (the worker
 * replies 202); a jobs process claims it (FOR UPDATE SKIP LOCKED: several
 * hosts share the queue without taking the same job), reports progress
 * and a heartbeat, and finishes it with a result. A job whose heartbeat
 * stopped for a minute is claimed again and rerun from the start, so the
 * work must be idempotent (the CSV import is).
 */
#ifndef WUYE_JOBS_H
#define WUYE_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

struct job {
    int64_t id;
    const char *kind;   /* "import" */
    int64_t project_id; /* 0 = none */
    int64_t created_by; /* staff id; 0 = the system */
    const char *status; /* queued | running | done | failed */
    int64_t done, total;
    const char *errors; /* JSON array text, "[]" when none */
    const char *result; /* JSON text or NULL */
};

/* Queue work of kind for project_id (one of the caller's, else 404) with
 * its input; *id is the new job. */
int job_queue(struct db *db, const struct principal *who, const char *kind, int64_t project_id,
              const char *input, size_t len, int64_t *id, struct err *e);
/* A job as its starter and the admins of its project see it; 404 for
 * anyone else. */
int job_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
            struct job *out, struct err *e);

/* The runner's side. Claim the oldest queued job (or one whose runner
 * stopped beating): 1 with the job and its input (in a), 0 when there is
 * none. */
int job_claim(struct db *db, struct arena *a, const char *host, struct job *out, const char **input,
              size_t *len, struct err *e);
/* Progress and heartbeat of a claimed job; errors (a JSON array as text,
 * NULL = unchanged): the errors so far. */
int job_progress(struct db *db, int64_t id, int64_t done, int64_t total, const char *errors,
                 struct err *e);
/* End a claimed job: done with result, or failed with errors (JSON texts). */
int job_finish(struct db *db, int64_t id, bool ok, int64_t done, int64_t total, const char *result,
               const char *errors, struct err *e);
/* Give a claimed job back to the queue (its runner is stopping). */
int job_release(struct db *db, int64_t id, struct err *e);

/* Recurring jobs. The schedule of name: its period (0 = continuous) and
 * whether it is enabled; 0 found, -1 error (an unknown name is an error). */
int job_schedule(struct db *db, const char *name, int *every_s, bool *enabled, struct err *e);
/* take: hold the job's lock on this connection (taking it if free), true
 * while held; the database drops it with the connection, and so another
 * host takes over when this one dies. !take: let it go. */
bool job_lock(struct db *db, const char *name, bool take);
/* Claim the slot that contains now for name (period every_s > 0): 1 with
 * *run_id when this host won it, 0 when another host did. */
int job_slot_claim(struct db *db, const char *name, int every_s, const char *host, int64_t *run_id,
                   struct err *e);
/* Record the end of a run (run_id 0: a continuous job's cycle). */
int job_run_end(struct db *db, const char *name, int64_t run_id, bool ok, const char *detail,
                const char *host, struct err *e);

/* The cleanup job's work: delete what no limit or screen looks at any
 * more (sessions expired a month ago, codes and login failures older than
 * two days, job runs older than a month), at most 10,000 rows of each per
 * run so that no run holds locks for long. */
struct job_cleanup_counts {
    int64_t sessions, sms_codes, login_failures, job_runs;
};
int job_cleanup_run(struct db *db, struct job_cleanup_counts *n, struct err *e);

#endif
