/*
 * jobs_main.c — the jobs process the master runs beside the workers
 * (OPS-2): the recurring jobs of the jobs table (lib/jobs.h), each in a
 * thread of its own with its own database connection and its own lock, so
 * a long job (an import of a whole company) never delays another (the
 * login-code sender above all: API.md wants codes at the provider within
 * seconds).
 *
 * The table below is every job there is: its name (its row in
 * job_schedule, which gives the period and can disable it) and its
 * function. A continuous job (period 0) runs one cycle after another while
 * it holds its lock; a periodic one runs once per slot, on whichever host
 * claims the slot first. Bill runs are queued work (kind "bill_run") and a
 * periodic job for the scheduled ones (jobs_billrun.c); the messages'
 * senders, receipts and reminders are jobs_messages.c's; the notices' and
 * surveys' scheduled publishing is jobs_notices.c's; reconciliation
 * joins the table with its issue.
 *
 * SIGTERM: every thread finishes its cycle and leaves; a queued job that
 * was running goes back to the queue at once, for the next host to take.
 */
#include "jobs_main.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <string.h>
#include <unistd.h>

#include "clients/httpc.h"
#include "core/json.h"
#include "core/log.h"
#include "db/db.h"
#include "jobs.h"
#include "resources_import.h"
#include "render.h"
#include "reports_render.h"
#include "server.h"
#include "tickets.h"

static volatile sig_atomic_t stop;
static char host[96];

static void on_stop(int sig)
{
    (void)sig;
    stop = 1;
}

bool jobs_stopping(void)
{
    return stop != 0;
}

/* Sleep in small steps so that a stop is seen at once. */
static void nap_ms(int ms)
{
    for (int slept = 0; slept < ms && !stop; slept += 50)
        usleep(50 * 1000);
}

/* ---- the jobs ---------------------------------------------------------------- */

/* One cycle of a job: 0 when it did something or nothing was due, -1 on
 * failure (logged, recorded, retried next cycle). *busy asks for the next
 * cycle at once (more is waiting). */
typedef int (*job_fn)(struct db *db, bool *busy, struct err *e);

/* Old sessions, codes and counters: the limits only look back a day. */
static int job_cleanup(struct db *db, bool *busy, struct err *e)
{
    struct job_cleanup_counts n;

    *busy = false;
    if (job_cleanup_run(db, &n, e) < 0)
        return -1;
    log_info("event=cleanup sessions=%lld sms_codes=%lld login_failures=%lld job_runs=%lld",
             (long long)n.sessions, (long long)n.sms_codes, (long long)n.login_failures,
             (long long)n.job_runs);
    return 0;
}

/* Tickets past their response or completion deadline get their flag and
 * their supervisors a notice (lib/tickets.h). */
static int job_ticket_overdue(struct db *db, bool *busy, struct err *e)
{
    int flagged = 0;

    *busy = false;
    if (ticket_overdue_run(db, &g_cfg, &flagged, e) < 0)
        return -1;
    if (flagged)
        log_info("event=ticket_overdue flagged=%d", flagged);
    return 0;
}

/* A queued import: its progress record moves every 200 rows, with the
 * row errors so far when there are new ones (struct import_job:
 * jobs_main.h). */
static char *text_of(cJSON *doc);

static int import_progress(void *arg, const struct import_report *rep, int rows, struct err *e)
{
    struct import_job *j = arg;
    char *errors = NULL;
    int rc;

    if (stop)
        return err_setf(e, E_INTERNAL, "stopping");
    if (rep->nerrors != j->nerrors) {
        errors = text_of(render_import_errors(rep));
        j->nerrors = rep->nerrors;
    }
    rc = job_progress(j->db, j->id, rep->rows_total, rows, errors, e);
    cJSON_free(errors);
    return rc;
}

/* A JSON document as text for the jobs table (consumed). */
static char *text_of(cJSON *doc)
{
    char *text = cJSON_PrintUnformatted(doc);

    cJSON_Delete(doc);
    return text;
}

int jobs_import_progress(void *arg, const struct import_report *rep, int rows, struct err *e)
{
    return import_progress(arg, rep, rows, e);
}

char *jobs_json_text(cJSON *doc)
{
    return text_of(doc);
}

static int run_import(struct db *db, struct arena *a, const struct job *job, const char *input,
                      size_t len, struct err *e)
{
    struct import_job j = {db, job->id, 0};
    struct import_progress pg = {200, import_progress, &j};
    struct import_report rep;
    struct principal who;
    char *result = NULL, *errors = NULL;
    int rc;

    /* The work is done as its starter, as they may now: an admin who has
     * lost the project since gets a failed job, not an import. */
    rc = auth_staff_principal(db, a, job->created_by, &who, e);
    if (rc == 0)
        rc = import_csv(db, job->project_id, &who, input, len, &pg, &rep, e);
    else
        memset(&rep, 0, sizeof(rep));
    if (rc < 0 && stop) {
        import_report_free(&rep);
        return job_release(db, job->id, e);
    }
    if (rc == 0) {
        result = text_of(render_import_report(&rep, false));
        errors = text_of(render_import_errors(&rep));
        rc = job_finish(db, job->id, true, rep.rows_total, rep.rows_total, result, errors, e);
    } else {
        cJSON *arr = cJSON_CreateArray(), *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "message", e->message);
        cJSON_AddItemToArray(arr, x);
        errors = text_of(arr);
        err_clear(e);
        rc = job_finish(db, job->id, false, rep.rows_total, rep.rows_total, NULL, errors, e);
    }
    cJSON_free(result);
    cJSON_free(errors);
    import_report_free(&rep);
    return rc;
}

/* Take queued work, one job a cycle, on any number of hosts at once. */
static int job_queue_run(struct db *db, bool *busy, struct err *e)
{
    struct arena a = {0};
    struct job job;
    const char *input;
    size_t len;
    int rc = job_claim(db, &a, host, &job, &input, &len, e);

    *busy = rc > 0;
    if (rc > 0) {
        log_info("event=job_started id=%lld kind=%s", (long long)job.id, job.kind);
        if (strcmp(job.kind, "import") == 0) {
            rc = run_import(db, &a, &job, input, len, e);
        } else if (strcmp(job.kind, "bill_import") == 0) {
            rc = jobs_run_bill_import(db, &a, &job, input, len, e);
        } else if (strcmp(job.kind, "report_export") == 0) {
            rc = jobs_run_report_export(db, &a, &job, input, len, e);
        } else if (strcmp(job.kind, "bill_run") == 0) {
            rc = jobs_bill_run(db, &a, &job, input, len, e);
        } else {
            rc = job_finish(db, job.id, false, 0, 0, NULL, "[{\"message\":\"不认识的任务类型\"}]",
                            e);
        }
        log_info("event=job_finished id=%lld rc=%d", (long long)job.id, rc);
    }
    arena_free(&a);
    return rc < 0 ? -1 : 0;
}

static const struct {
    const char *name; /* its row in job_schedule */
    job_fn fn;
    bool exclusive; /* one host at a time (its lock); else any number */
} table[] = {
    {"outbox_sms", jobs_outbox_sms, true}, /* messages to owners: jobs_messages.c */
    {"outbox_wechat", jobs_outbox_wechat, true},
    {"sms_status", jobs_sms_status, true},
    {"arrears_reminders", jobs_arrears_reminders, true},
    {"ticket_overdue", job_ticket_overdue, true}, /* tickets past a deadline (TKT-2) */
    {"work_queue", job_queue_run, false},
    {"cleanup", job_cleanup, true},
    {"payments_expire", jobs_payments_expire, true}, /* online payments: jobs_payments.c */
    {"bill_runs_due", jobs_bill_runs_due, true}, /* scheduled bill runs: jobs_billrun.c */
    {"scheduled_publish", jobs_scheduled_publish, true}, /* 定时发布: jobs_notices.c */
};
#define NJOBS (sizeof(table) / sizeof(table[0]))

/* ---- the loop of one job --------------------------------------------------------- */

static void *job_thread(void *arg)
{
    size_t i = (size_t)(uintptr_t)arg;
    const char *name = table[i].name;
    struct db *db = db_thread();
    bool had_lock = false;

    while (!stop) {
        int every_s = 0;
        bool enabled = false, busy = false;
        int64_t run_id = 0;
        struct err e;
        int rc;

        err_clear(&e);
        if (job_schedule(db, name, &every_s, &enabled, &e) < 0 || !enabled) {
            nap_ms(1000);
            continue;
        }
        /* The lock is checked every cycle: after a reconnect the new
         * connection no longer holds it, and another host may have it. */
        if (table[i].exclusive && !job_lock(db, name, true)) {
            if (had_lock)
                log_info("event=job_lock_lost job=%s", name);
            had_lock = false;
            nap_ms(1000);
            continue;
        }
        if (table[i].exclusive && !had_lock && every_s == 0)
            log_info("event=job_lock_taken job=%s", name);
        had_lock = table[i].exclusive;
        if (every_s > 0) {
            rc = job_slot_claim(db, name, every_s, host, &run_id, &e);
            if (rc <= 0) { /* this slot is done, or the database is away */
                /* not held while waiting: the other hosts compete too */
                if (table[i].exclusive) {
                    job_lock(db, name, false);
                    had_lock = false;
                }
                nap_ms(rc < 0 ? 1000 : 500);
                continue;
            }
        }
        rc = table[i].fn(db, &busy, &e);
        if (rc < 0)
            log_warn("event=job_failed job=%s code=%s", name, err_name(e.code));
        if (every_s > 0 || rc < 0) {
            struct err e2;
            err_clear(&e2);
            job_run_end(db, name, run_id, rc == 0, rc < 0 ? err_name(e.code) : "", host, &e2);
        }
        /* A periodic job's lock only keeps runs from overlapping: between
         * runs every host may compete for the next slot. */
        if (every_s > 0 && table[i].exclusive) {
            job_lock(db, name, false);
            had_lock = false;
        }
        if (rc < 0)
            nap_ms(1000);
        else if (!busy && every_s == 0)
            nap_ms(g_cfg.outbox_poll_ms);
    }
    db_thread_close();
    return NULL;
}

int jobs_main(void)
{
    struct sigaction sa;
    pthread_t threads[NJOBS];
    struct err e;
    char name[64] = "";

    /* "wuye-jobs" in ps and /proc/PID/comm (its threads inherit it): the
     * process an operator, or a test, looks for among the workers. */
    prctl(PR_SET_NAME, "wuye-jobs", 0, 0, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    err_clear(&e);
    httpc_global_init(&e);
    db_configure(&g_cfg);
    gethostname(name, sizeof(name) - 1);
    snprintf(host, sizeof(host), "%s:%d", name, (int)getpid());
    log_info("event=jobs_started host=%s jobs=%zu", host, NJOBS);
    for (size_t i = 0; i < NJOBS; i++)
        if (pthread_create(&threads[i], NULL, job_thread, (void *)(uintptr_t)i) != 0)
            return 1;
    for (size_t i = 0; i < NJOBS; i++)
        pthread_join(threads[i], NULL);
    log_info("event=jobs_stopped");
    return 0;
}
