/*
 * jobs_billrun.c — the jobs process's part of bill runs (FEE-3): a queued
 * run is a job of kind "bill_run" (input {"run_id":N}) that the work queue
 * runs through billrun_execute(), its progress (resources done of all)
 * and its exceptions (the first BILLRUN_EXCEPTIONS_LISTED) in the job's
 * record after every batch; and the periodic job "bill_runs_due" that
 * queues the scheduled runs whose time has come.
 *
 * A stop (SIGTERM) ends the run between two batches and gives the job back
 * to the queue; a kill leaves it running with a stale heartbeat, and the
 * jobs table hands it out again (lib/jobs.c). Either way the next runner
 * resumes after the run's cursor.
 */
#include <cjson/cJSON.h>
#include <string.h>

#include "billrun.h"
#include "core/json.h"
#include "core/log.h"
#include "jobs.h"
#include "jobs_main.h"
#include "render.h"
#include "server.h"

struct run_job {
    struct db *db;
    int64_t job_id;
    cJSON *errors; /* the exceptions listed so far, from the job's record on */
};

static int run_progress(void *arg, const struct bill_run *run, const struct billrun_exception *exc,
                        size_t nexc, struct err *e)
{
    struct run_job *j = arg;
    char *errors = NULL;
    bool grew = false;
    int rc;

    if (jobs_stopping())
        return err_setf(e, E_INTERNAL, "stopping");
    for (size_t i = 0; i < nexc && cJSON_GetArraySize(j->errors) < BILLRUN_EXCEPTIONS_LISTED;
         i++, grew = true)
        cJSON_AddItemToArray(j->errors, render_bill_run_exception(&exc[i]));
    if (grew)
        errors = cJSON_PrintUnformatted(j->errors);
    rc = job_progress(j->db, j->job_id, run->resources_done, run->resources_total, errors, e);
    cJSON_free(errors);
    return rc;
}

/* The job's result: what the run did. */
static char *run_result(const struct bill_run *run)
{
    cJSON *o = cJSON_CreateObject();

    json_add_int(o, "run_id", run->id);
    json_add_int(o, "attempts", run->attempts);
    json_add_int(o, "resources", run->resources_done);
    json_add_int(o, "created", run->created);
    json_add_int(o, "existing", run->existing);
    json_add_int(o, "exceptions", run->exceptions);
    json_add_int(o, "total_fen", run->total_fen);
    json_add_int(o, "discount_fen", run->discount_fen);
    json_add_int(o, "notices", run->notices);
    json_add_int(o, "offset_fen", run->offset_fen);
    return jobs_json_text(o);
}

/* The job's input, {"run_id":N} (billrun_create() wrote it); 0 if not. */
static int64_t run_id_of(const char *input, size_t len)
{
    struct err e;
    cJSON *in = json_parse_body(input, len, &e);
    int64_t id = 0;

    if (!in || json_get_int(in, "run_id", true, 1, INT64_C(999999999999999), &id, NULL, &e) < 0)
        id = 0;
    cJSON_Delete(in);
    return id;
}

int jobs_bill_run(struct db *db, struct arena *a, const struct job *job, const char *input,
                  size_t len, struct err *e)
{
    struct run_job j = {db, job->id, cJSON_Parse(job->errors)};
    struct billrun_progress pg = {run_progress, &j};
    int64_t run_id = run_id_of(input, len);
    struct bill_run run;
    char *result = NULL, *errors = NULL;
    int rc;

    if (!cJSON_IsArray(j.errors)) {
        cJSON_Delete(j.errors);
        j.errors = cJSON_CreateArray();
    }
    if (!run_id) {
        rc = job_finish(db, job->id, false, 0, 0, NULL, "[{\"message\":\"任务缺少出账批次\"}]", e);
        goto out;
    }
    rc = billrun_execute(db, a, run_id, g_cfg.sms_template_bill_notice, &pg, &run, e);
    if (rc < 0 && jobs_stopping()) {
        err_clear(e);
        rc = job_release(db, job->id, e);
        goto out;
    }
    if (rc < 0) {
        /* The database failed under the run: what was committed stays, and
         * the run is marked failed so that the office can start another
         * (which makes only what this one did not). */
        struct err e2;
        cJSON *x = cJSON_CreateObject();
        err_clear(&e2);
        log_warn("event=bill_run_failed run=%lld code=%s", (long long)run_id, err_name(e->code));
        cJSON_AddStringToObject(x, "message",
                                "出账中断：系统繁忙，请重新出账（已生成的账单不会重复）");
        cJSON_AddItemToArray(j.errors, x);
        billrun_fail(db, run_id, "出账中断：系统繁忙", &e2);
        errors = cJSON_PrintUnformatted(j.errors);
        err_clear(e);
        rc = job_finish(db, job->id, false, 0, 0, NULL, errors, e);
        goto out;
    }
    log_info("event=bill_run run=%lld status=%s attempts=%lld created=%lld existing=%lld "
             "exceptions=%lld notices=%lld",
             (long long)run.id, run.status, (long long)run.attempts, (long long)run.created,
             (long long)run.existing, (long long)run.exceptions, (long long)run.notices);
    if (strcmp(run.status, "done") != 0) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "message", run.error[0] ? run.error : "出账未完成");
        cJSON_AddItemToArray(j.errors, x);
    }
    result = run_result(&run);
    errors = cJSON_PrintUnformatted(j.errors);
    rc = job_finish(db, job->id, strcmp(run.status, "done") == 0, run.resources_done,
                    run.resources_total, result, errors, e);
out:
    cJSON_free(result);
    cJSON_free(errors);
    cJSON_Delete(j.errors);
    return rc;
}

int jobs_bill_runs_due(struct db *db, bool *busy, struct err *e)
{
    int queued = 0;

    *busy = false;
    if (billrun_queue_due(db, &queued, e) < 0)
        return -1;
    if (queued)
        log_info("event=bill_runs_queued count=%d", queued);
    return 0;
}
