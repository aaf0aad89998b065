/*
 * office_reports.c — the books' reports and their exports (PAY-6), the
 * file of an export job, the import of historical bills (FEE-6) and the
 * receipt template (PAY-7): docs/api.md §7.14, §7.15. Roles are the
 * route table's; scope, checks and figures are the domain's
 * (lib/reports.c, lib/bills_import.c, lib/receipts.c).
 *
 * ?format=csv or xlsx answers the file instead of JSON. An export that
 * would read more than REPORT_SYNC_MAX_ROWS rows is not built while a
 * worker thread waits: it is queued as a job (202), the jobs process
 * builds the file, and GET /office/jobs/{id}/file serves it.
 */
#include <stdio.h>
#include <string.h>

#include "bills_import.h"
#include "core/json.h"
#include "db/db.h"
#include "jobs.h"
#include "receipts.h"
#include "render.h"
#include "reports.h"
#include "reports_render.h"
#include "server.h"

/* API.md: more rows than this is long work. */
#define BILL_IMPORT_SYNC_MAX 5000

/* ---- rendering ----------------------------------------------------------------------- */

static cJSON *cell_json(const struct rt_col *c, const struct rt_cell *v)
{
    cJSON *x;

    if (v->null)
        return cJSON_CreateNull();
    if (c->type != RT_TEXT)
        return json_int(v->v);
    if ((c->flags & RT_RAW_JSON) && (x = cJSON_Parse(v->s)))
        return x;
    return cJSON_CreateString(v->s);
}

static cJSON *row_json(const struct rt_section *s, const struct rt_cell *row)
{
    cJSON *o = cJSON_CreateObject();

    for (size_t i = 0; i < s->ncols; i++)
        cJSON_AddItemToObject(o, s->cols[i].key, cell_json(&s->cols[i], &row[i]));
    return o;
}

cJSON *render_report(const struct report *r)
{
    cJSON *o = cJSON_CreateObject();

    for (size_t i = 0; i < r->nmeta; i++) {
        const struct rt_meta *m = &r->meta[i];
        struct rt_col c = {m->key, m->label, m->type, 0};
        cJSON_AddItemToObject(o, m->key, cell_json(&c, &m->v));
    }
    for (size_t k = 0; k < r->nsec; k++) {
        const struct rt_section *s = &r->sec[k];
        cJSON *rows = cJSON_AddArrayToObject(o, s->key);
        for (size_t i = 0; i < s->nrows; i++)
            cJSON_AddItemToArray(rows, row_json(s, &s->cells[i * s->ncols]));
        if (s->totals)
            cJSON_AddItemToObject(o, s->totals_key, row_json(s, s->totals));
    }
    if (r->paged) {
        char cur[24];
        snprintf(cur, sizeof(cur), "%lld", (long long)r->next_cursor);
        if (r->next_cursor)
            cJSON_AddStringToObject(o, "next_cursor", cur);
        else
            cJSON_AddNullToObject(o, "next_cursor");
    }
    return o;
}

cJSON *render_bill_import_report(const struct bill_import_report *rep, bool with_errors)
{
    cJSON *o = cJSON_CreateObject();

    json_add_int(o, "rows_total", rep->base.rows_total);
    json_add_int(o, "rows_ok", rep->base.rows_ok);
    json_add_int(o, "rows_failed", rep->base.rows_failed);
    json_add_int(o, "created_bills", rep->created_bills);
    json_add_int(o, "existing_bills", rep->existing_bills);
    json_add_int(o, "receipts", rep->receipts);
    json_add_int(o, "amount_fen", rep->amount_fen);
    json_add_int(o, "paid_fen", rep->paid_fen);
    if (with_errors)
        cJSON_AddItemToObject(o, "errors", render_import_errors(&rep->base));
    return o;
}

/* ---- the reports --------------------------------------------------------------------- */

/* The query parameters every report may have; each report's domain
 * function checks those it reads. */
static int read_query(struct req *r, enum report_kind kind, struct report_query *q, struct err *e)
{
    memset(q, 0, sizeof(*q));
    q->kind = kind;
    q->id = r->params[0];
    if (req_query_str(r, "period_from", 7, &q->period_from, e) < 0 ||
        req_query_str(r, "period_to", 7, &q->period_to, e) < 0 ||
        req_query_str(r, "group_by", 16, &q->group_by, e) < 0 ||
        req_query_int(r, "building_id", 1, INT32_MAX, &q->building_id, NULL, e) < 0 ||
        req_query_int(r, "fee_item_id", 1, INT32_MAX, &q->fee_item_id, NULL, e) < 0 ||
        req_query_str(r, "as_of", 10, &q->as_of, e) < 0 ||
        req_query_str(r, "from", 10, &q->from, e) < 0 ||
        req_query_str(r, "to", 10, &q->to, e) < 0 ||
        req_query_str(r, "date", 10, &q->date, e) < 0 ||
        req_query_str(r, "entity", 32, &q->entity, e) < 0)
        return -1;
    return 0;
}

static int reply_file(struct req *r, const char *filename, const char *type, const struct buf *b)
{
    char disp[200];

    snprintf(disp, sizeof(disp), "Content-Disposition: attachment; filename=\"%s\"\r\n", filename);
    return reply_raw(r, 200, type, b->data ? b->data : "", b->len, disp);
}

int reply_report_file(struct req *r, const struct report *rep, const char *format,
                      const char *filename, struct err *e)
{
    struct buf out = BUF_INIT;
    int rc = -1;

    if (strcmp(format, "csv") == 0) {
        report_csv(rep, &out);
        rc = reply_file(r, filename, REPORT_CSV_TYPE, &out);
    } else if (report_xlsx(rep, &out, e) == 0) {
        rc = reply_file(r, filename, REPORT_XLSX_TYPE, &out);
    }
    buf_free(&out);
    return rc;
}

/* Queue the export of q as a job: 202 with the job. */
static int queue_export(struct req *r, const struct report_query *q, const char *format,
                        struct err *e)
{
    char *input = report_job_input(q, format);
    struct job job;
    int64_t id;
    int rc = -1;

    if (!input)
        return err_internal(e);
    if (job_queue(db_thread(), &r->who, "report_export", q->id, input, strlen(input), &id, e) ==
            0 &&
        job_get(db_thread(), &r->arena, &r->who, id, &job, e) == 0)
        rc = reply_json(r, 202, render_job(&job));
    cJSON_free(input);
    return rc;
}

static int answer(struct req *r, enum report_kind kind, bool paged, struct err *e)
{
    struct report_query q;
    struct report rep;
    const char *format;
    char name[128];
    int64_t rows;

    if (read_query(r, kind, &q, e) < 0 || req_query_str(r, "format", 8, &format, e) < 0)
        return -1;
    if (!format || strcmp(format, "json") == 0) {
        struct page pg;
        if (paged) {
            if (req_page(r, &pg, e) < 0)
                return -1;
            q.after = pg.after;
            q.limit = pg.limit;
        }
        if (report_run(db_thread(), &r->arena, &r->who, &q, &rep, e) < 0)
            return -1;
        return reply_json(r, 200, render_report(&rep));
    }
    if (strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0)
        return err_bad_request(e, "format 只能是 json、csv 或 xlsx");
    /* an export is every row: no page */
    if (report_export_rows(db_thread(), &r->arena, &r->who, &q, &rows, e) < 0)
        return -1;
    if (rows > REPORT_SYNC_MAX_ROWS)
        return queue_export(r, &q, format, e);
    if (report_run(db_thread(), &r->arena, &r->who, &q, &rep, e) < 0)
        return -1;
    report_filename(&q, format, name);
    return reply_report_file(r, &rep, format, name, e);
}

int h_office_report_books(struct req *r, struct err *e)
{
    return answer(r, REPORT_BOOKS, false, e);
}

int h_office_report_arrears(struct req *r, struct err *e)
{
    return answer(r, REPORT_ARREARS, true, e);
}

int h_office_report_daily(struct req *r, struct err *e)
{
    return answer(r, REPORT_DAILY, false, e);
}

int h_office_report_changes(struct req *r, struct err *e)
{
    return answer(r, REPORT_CHANGES, true, e);
}

int h_office_statement(struct req *r, struct err *e)
{
    return answer(r, REPORT_STATEMENT, false, e);
}

/* The file an export job made: to whoever may see the job. */
int h_office_job_file(struct req *r, struct err *e)
{
    struct job job;
    struct report_file f;
    char disp[200];

    if (job_get(db_thread(), &r->arena, &r->who, r->params[0], &job, e) < 0)
        return -1;
    if (strcmp(job.status, "done") != 0)
        return err_set(e, E_JOB_NOT_DONE);
    if (report_file_get(db_thread(), &r->arena, job.id, &f, e) < 0)
        return -1;
    snprintf(disp, sizeof(disp), "Content-Disposition: attachment; filename=\"%s\"\r\n",
             f.filename);
    return reply_raw(r, 200, f.content_type, f.data, f.len, disp);
}

/* ---- the bill import ----------------------------------------------------------------- */

int h_office_bill_import(struct req *r, struct err *e)
{
    const char *csv = r->body ? r->body : "";
    struct bill_import_report rep;
    struct job job;
    int64_t id;
    int rc;

    if (bill_import_rows(csv, r->body_len) > BILL_IMPORT_SYNC_MAX) {
        if (job_queue(db_thread(), &r->who, "bill_import", r->params[0], csv, r->body_len, &id, e) <
                0 ||
            job_get(db_thread(), &r->arena, &r->who, id, &job, e) < 0)
            return -1;
        return reply_json(r, 202, render_job(&job));
    }
    rc = bill_import_csv(db_thread(), r->params[0], &r->who, csv, r->body_len, NULL, &rep, e);
    if (rc == 0)
        reply_json(r, 200, render_bill_import_report(&rep, true));
    bill_import_report_free(&rep);
    return rc;
}

/* ---- the receipt template ------------------------------------------------------------ */

int h_office_receipt_template(struct req *r, struct err *e)
{
    struct receipt_template t;

    if (json_get_line(r->in, "receipt_title", false, 0, 64, &t.title, e) < 0 ||
        json_get_str(r->in, "paper", false, 1, 16, &t.paper, e) < 0 ||
        json_get_line(r->in, "footer", false, 0, 200, &t.footer, e) < 0 ||
        receipt_template_set(db_thread(), &r->who, r->params[0], &t, e) < 0)
        return -1;
    return reply_ok(r);
}
