/* metrics.c — see metrics.h. */
#include "core/metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static const int64_t bucket_us[] = {1000,   2500,   5000,   10000,   25000,  50000,
                                    100000, 250000, 500000, 1000000, 2500000};
#define NBUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))
static const int tracked_status[] = {200, 201, 202, 204, 400, 401, 403, 404,
                                     405, 409, 413, 429, 500, 502, 503, 0};
#define NSTATUS (sizeof(tracked_status) / sizeof(tracked_status[0]))

struct route_metrics {
    char name[48];
    _Atomic uint64_t by_status[NSTATUS];
    _Atomic uint64_t buckets[NBUCKETS + 1]; /* last = +Inf */
    _Atomic uint64_t sum_us;
};

struct shared {
    _Atomic uint64_t counters[METRIC_COUNTER_MAX];
    size_t nroutes;
    struct route_metrics routes[];
};

static struct shared *shm;

int metrics_init(const char *const *route_names, size_t nroutes)
{
    size_t size = sizeof(struct shared) + nroutes * sizeof(struct route_metrics);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        return -1;
    memset(p, 0, size);
    shm = p;
    shm->nroutes = nroutes;
    for (size_t i = 0; i < nroutes; i++)
        snprintf(shm->routes[i].name, sizeof(shm->routes[i].name), "%s", route_names[i]);
    return 0;
}

void metrics_request(size_t route, int status, int64_t duration_us)
{
    struct route_metrics *m;
    size_t s, b;

    if (!shm || route >= shm->nroutes)
        return;
    m = &shm->routes[route];
    for (s = 0; s < NSTATUS - 1 && tracked_status[s] != status; s++)
        ;
    atomic_fetch_add_explicit(&m->by_status[s], 1, memory_order_relaxed);
    for (b = 0; b < NBUCKETS && duration_us > bucket_us[b]; b++)
        ;
    atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, (uint64_t)duration_us, memory_order_relaxed);
}

void metrics_inc(enum metric_counter c)
{
    if (shm)
        atomic_fetch_add_explicit(&shm->counters[c], 1, memory_order_relaxed);
}

static void seconds(struct buf *out, uint64_t us)
{
    buf_printf(out, "%llu.%06llu", (unsigned long long)(us / 1000000),
               (unsigned long long)(us % 1000000));
}

void metrics_render(struct buf *out)
{
    static const char *const counter_names[METRIC_COUNTER_MAX] = {
        "wuye_db_errors_total", "wuye_db_reconnects_total", "wuye_worker_restarts_total",
        "wuye_outbox_sent_total", "wuye_outbox_failed_total"};

    if (!shm)
        return;
    for (int c = 0; c < METRIC_COUNTER_MAX; c++)
        buf_printf(out, "# TYPE %s counter\n%s %llu\n", counter_names[c], counter_names[c],
                   (unsigned long long)atomic_load(&shm->counters[c]));
    buf_puts(out, "# TYPE wuye_http_requests_total counter\n");
    for (size_t r = 0; r < shm->nroutes; r++) {
        struct route_metrics *m = &shm->routes[r];
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t v = atomic_load(&m->by_status[s]);
            if (!v)
                continue;
            if (tracked_status[s])
                buf_printf(out, "wuye_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                           m->name, tracked_status[s], (unsigned long long)v);
            else
                buf_printf(out, "wuye_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                           m->name, (unsigned long long)v);
        }
    }
    buf_puts(out, "# TYPE wuye_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r < shm->nroutes; r++) {
        struct route_metrics *m = &shm->routes[r];
        uint64_t cum = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            cum += atomic_load(&m->buckets[b]);
            buf_printf(out, "wuye_http_request_duration_seconds_bucket{route=\"%s\",le=\"",
                       m->name);
            if (b < NBUCKETS)
                seconds(out, (uint64_t)bucket_us[b]);
            else
                buf_puts(out, "+Inf");
            buf_printf(out, "\"} %llu\n", (unsigned long long)cum);
        }
        buf_printf(out, "wuye_http_request_duration_seconds_sum{route=\"%s\"} ", m->name);
        seconds(out, atomic_load(&m->sum_us));
        buf_printf(out, "\nwuye_http_request_duration_seconds_count{route=\"%s\"} %llu\n", m->name,
                   (unsigned long long)cum);
    }
}
