/* jobs_main.h — the jobs process the master runs beside the workers (OPS-2). */
#ifndef WUYE_JOBS_MAIN_H
#define WUYE_JOBS_MAIN_H

/* Run recurring jobs until SIGTERM; returns the exit code. */
int jobs_main(void);

#endif
