/*
 * metrics.h — process-shared counters rendered in Prometheus text format.
 *
 * The master maps one shared anonymous region before it forks the workers,
 * so every worker process adds to the same counters with atomic operations
 * and any worker can render the whole picture. Latencies are integer
 * microseconds; bucket bounds are printed as seconds with fixed decimals.
 * Without metrics_init() (tools, unit tests) every call is a no-op.
 */
#ifndef WUYE_METRICS_H
#define WUYE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum metric_counter {
    METRIC_DB_ERRORS,
    METRIC_DB_RECONNECTS,
    METRIC_WORKER_RESTARTS,
    METRIC_OUTBOX_SENT,
    METRIC_OUTBOX_FAILED,
    METRIC_COUNTER_MAX
};

/* Map the shared region for nroutes routes (names are copied). -1 on error. */
int metrics_init(const char *const *route_names, size_t nroutes);
void metrics_request(size_t route, int status, int64_t duration_us);
void metrics_inc(enum metric_counter c);
void metrics_render(struct buf *out);

#endif
