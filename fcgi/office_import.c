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
        reply_json(r, 200, render_import_report(&rep, true));
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
