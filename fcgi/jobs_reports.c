/*
 * jobs_reports.c — the long work of the books (jobs_main.c runs it from
 * the work queue, as the job's starter may now: one who lost the project
 * since gets a failed job): a bill import of more than 5,000 rows, and an
 * export of a report too large to build while a request waits. Both are
 * idempotent, so a job taken up again after its host died just reruns:
 * the import finds its committed rows existing, the export replaces its
 * file.
 */
#include <stdio.h>
#include <string.h>

#include "bills_import.h"
#include "core/json.h"
#include "jobs_main.h"
#include "render.h"
#include "reports.h"
#include "reports_render.h"

/* End the job as failed, saying why (e's message), e cleared. */
static int fail(struct db *db, const struct job *job, int64_t done, struct err *e)
{
    cJSON *arr = cJSON_CreateArray(), *x = cJSON_CreateObject();
    char *errors;
    int rc;

    cJSON_AddStringToObject(x, "message", e->message);
    cJSON_AddItemToArray(arr, x);
    errors = jobs_json_text(arr);
    err_clear(e);
    rc = job_finish(db, job->id, false, done, done, NULL, errors, e);
    cJSON_free(errors);
    return rc;
}

int jobs_run_bill_import(struct db *db, struct arena *a, const struct job *job, const char *input,
                         size_t len, struct err *e)
{
    struct import_job p = {db, job->id, 0};
    struct import_progress pg = {200, jobs_import_progress, &p};
    struct bill_import_report rep;
    struct principal who;
    char *result, *errors;
    int rc;

    memset(&rep, 0, sizeof(rep));
    rc = auth_staff_principal(db, a, job->created_by, &who, e);
    if (rc == 0)
        rc = bill_import_csv(db, job->project_id, &who, input, len, &pg, &rep, e);
    if (rc < 0) {
        bill_import_report_free(&rep);
        return jobs_stopping() ? job_release(db, job->id, e) : fail(db, job, 0, e);
    }
    result = jobs_json_text(render_bill_import_report(&rep, false));
    errors = jobs_json_text(render_import_errors(&rep.base));
    rc = job_finish(db, job->id, true, rep.base.rows_total, rep.base.rows_total, result, errors, e);
    cJSON_free(result);
    cJSON_free(errors);
    bill_import_report_free(&rep);
    return rc;
}

/* The report, as the file its input names. */
static int export_file(struct db *db, struct arena *a, const struct job *job, const char *input,
                       size_t len, struct buf *out, char name[128], const char **type,
                       struct err *e)
{
    struct principal who;
    struct report_query q;
    struct report rep;
    const char *format;

    if (auth_staff_principal(db, a, job->created_by, &who, e) < 0 ||
        report_job_parse(a, input, len, &q, &format, e) < 0 ||
        report_run(db, a, &who, &q, &rep, e) < 0)
        return -1;
    report_filename(&q, format, name);
    if (strcmp(format, "csv") == 0) {
        *type = REPORT_CSV_TYPE;
        report_csv(&rep, out);
        return 0;
    }
    *type = REPORT_XLSX_TYPE;
    return report_xlsx(&rep, out, e);
}

int jobs_run_report_export(struct db *db, struct arena *a, const struct job *job, const char *input,
                           size_t len, struct err *e)
{
    struct buf out = BUF_INIT;
    char name[128], url[80];
    const char *type = NULL;
    cJSON *doc, *f;
    char *result;
    int rc;

    if (job_progress(db, job->id, 0, 1, NULL, e) < 0)
        return -1;
    if (export_file(db, a, job, input, len, &out, name, &type, e) < 0 ||
        report_file_store(db, job->id, name, type, out.data ? out.data : "", out.len, e) < 0) {
        buf_free(&out);
        return jobs_stopping() ? job_release(db, job->id, e) : fail(db, job, 0, e);
    }
    snprintf(url, sizeof(url), "/api/v1/office/jobs/%lld/file", (long long)job->id);
    doc = cJSON_CreateObject();
    f = cJSON_AddObjectToObject(doc, "file");
    cJSON_AddStringToObject(f, "url", url);
    cJSON_AddStringToObject(f, "filename", name);
    cJSON_AddStringToObject(f, "content_type", type);
    json_add_int(f, "bytes", (int64_t)out.len);
    result = jobs_json_text(doc);
    rc = job_finish(db, job->id, true, 1, 1, result, NULL, e);
    cJSON_free(result);
    buf_free(&out);
    return rc;
}
