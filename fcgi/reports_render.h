/*
 * reports_render.h — the JSON shapes of the books' reports and of the
 * bill import, shared by their handlers (office_reports.c) and the jobs
 * that run the large ones (jobs_reports.c).
 */
#ifndef WUYE_REPORTS_RENDER_H
#define WUYE_REPORTS_RENDER_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "bills_import.h"
#include "http.h"
#include "jobs.h"
#include "report_table.h"

/* A report (docs/api.md §7.14): its values as members, each section's
 * rows as an array under its key, a totals row as an object, and
 * next_cursor for a page of a longer list. */
cJSON *render_report(const struct report *r);
/* Answer rep as a file of format "csv" or "xlsx" (checked by the caller)
 * named filename: 200 with its type and Content-Disposition
 * (office_reports.c; the ticket statistics and survey results too). */
struct req;
int reply_report_file(struct req *r, const struct report *rep, const char *format,
                      const char *filename, struct err *e);
/* The bill import's report (§7.15), with or without its row errors. */
cJSON *render_bill_import_report(const struct bill_import_report *rep, bool with_errors);

/* The jobs of this area (jobs_reports.c), run by the jobs process for
 * the job's starter: "bill_import" and "report_export". */
int jobs_run_bill_import(struct db *db, struct arena *a, const struct job *job, const char *input,
                         size_t len, struct err *e);
int jobs_run_report_export(struct db *db, struct arena *a, const struct job *job, const char *input,
                           size_t len, struct err *e);

#endif
