/* office_jobs.c — long work the office started and polls (API.md, Office:
 * GET /office/jobs/{id}); who may see a job is the domain's (lib/jobs.c). */
#include "db/db.h"
#include "jobs.h"
#include "render.h"
#include "server.h"

int h_office_job(struct req *r, struct err *e)
{
    struct job job;

    if (job_get(db_thread(), &r->arena, &r->who, r->params[0], &job, e) < 0)
        return -1;
    return reply_json(r, 200, render_job(&job));
}
