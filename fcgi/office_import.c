/* office_import.c — the office console's CSV import and export (RES-5).
 * The body of an import is the raw CSV (no JSON); scope is the domain's. */
#include <stdio.h>

#include "core/json.h"
#include "db/db.h"
#include "resources_import.h"
#include "server.h"

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
    struct import_report rep = {0};
    int rc = import_csv(db_thread(), r->params[0], &r->who, r->body ? r->body : "", r->body_len,
                        &rep, e);

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
