/* jobs_main.h — the jobs process the master runs beside the workers (OPS-2). */
#ifndef WUYE_JOBS_MAIN_H
#define WUYE_JOBS_MAIN_H

#include <stdbool.h>

/* Run recurring jobs until SIGTERM; returns the exit code. */
int jobs_main(void);
/* Has the jobs process been told to stop? (long work gives its job back) */
bool jobs_stopping(void);

#endif
