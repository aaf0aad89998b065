/* office_import.c — the office console's CSV import and export (RES-5).
 * The body of an import is the raw CSV (no JSON); scope is the domain's.
 * A file of more than IMPORT_SYNC_MAX rows is not imported while a worker
 * thread waits: it is queued as a job (202) that the office polls
 * (office_jobs.c), and the jobs process imports it. */
#include <stdio.h>

#include "core/json.h"
#include "db/db.h"
#include "jobs.h"
#include "render.h"
#include "resources_import.h"
#include "server.h"

/* API.md: more rows than this is long work. */
#define IMPORT_SYNC_MAX 5000

static cJSON *report_json(const struct import_report *rep)
{
    cJSON *o = cJSON_CreateObject(), *errs;

    json_add_int(o, "rows_total", rep->rows_total);
    json_add_int(o, "rows_ok", rep->rows_ok);
    json_add_int(o, "rows_failed", rep->rows_failed);
    json_add_int(o, "created_resources", rep->created_resources);
    json_add_int(o, "updated_resources", rep->updated_resources);
    json_add_int(o, "created_persons", rep->created_persons);
    json_add_int(o, "created_links", rep->created_links);
    json_add_int(o, "created_buildings", rep->created_buildings);
    json_add_int(o, "created_units", rep->created_units);
    errs = cJSON_AddArrayToObject(o, "errors");
    for (size_t i = 0; i < rep->nerrors; i++) {
        cJSON *x = cJSON_CreateObject();
        json_add_int(x, "line", rep->errors[i].line);
        cJSON_AddStringToObject(x, "column", rep->errors[i].column ? rep->errors[i].column : "");
        cJSON_AddStringToObject(x, "message", rep->errors[i].message);
        cJSON_AddItemToArray(errs, x);
    }
    return o;
}

int h_office_import(struct req *r, struct err *e)
{
    const char *csv = r->body ? r->body : "";
    struct import_report rep = {0};
    struct job job;
    int64_t id;
    int rc;

    if (import_rows(csv, r->body_len) > IMPORT_SYNC_MAX) {
        if (job_queue(db_thread(), &r->who, "import", r->params[0], csv, r->body_len, &id, e) < 0 ||
            job_get(db_thread(), &r->arena, &r->who, id, &job, e) < 0)
            return -1;
        return reply_json(r, 202, render_job(&job));
    }
    rc = import_csv(db_thread(), r->params[0], &r->who, csv, r->body_len, NULL, &rep, e);

    if (rc == 0)
        reply_json(r, 200, report_json(&rep));
    import_report_free(&rep);
    return rc;
}

int h_office_export(struct req *r, struct err *e)
{
    struct buf out = BUF_INIT;
    char disp[128];
    int rc = export_csv(db_thread(), &r->who, r->params[0], &out, e);

    if (rc == 0) {
        snprintf(disp, sizeof(disp),
                 "Content-Disposition: attachment; filename=\"resources-%lld.csv\"\r\n",
                 (long long)r->params[0]);
        reply_raw(r, 200, "text/csv; charset=utf-8", out.data ? out.data : "", out.len, disp);
    }
    buf_free(&out);
    return rc;
}
