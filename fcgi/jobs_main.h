/* jobs_main.h — the jobs process the master runs beside the workers (OPS-2). */
#ifndef WUYE_JOBS_MAIN_H
#define WUYE_JOBS_MAIN_H

#include <stdbool.h>

/* Run recurring jobs until SIGTERM; returns the exit code. */
int jobs_main(void);

/* payments_expire (jobs_payments.c): pending payments past their expiry,
 * settled at WeChat Pay (PAY-1). */
struct db;
struct err;
int jobs_payments_expire(struct db *db, bool *busy, struct err *e);

#endif
