/* supervise.c — see supervise.h. */
#include "supervise.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"

/* Make room for at least n slots (free ones zeroed). */
static int reserve(struct sup *s, size_t n)
{
    struct sup_child *grown;

    if (n <= s->nslots)
        return 0;
    grown = realloc(s->slots, n * sizeof(*grown));
    if (!grown)
        return -1;
    memset(grown + s->nslots, 0, (n - s->nslots) * sizeof(*grown));
    s->slots = grown;
    s->nslots = n;
    return 0;
}

int sup_init(struct sup *s, int processes, sup_run_fn run, void *run_arg)
{
    memset(s, 0, sizeof(*s));
    s->generation = 1;
    s->processes = processes;
    s->run = run;
    s->run_arg = run_arg;
    return reserve(s, (size_t)processes + 1);
}

void sup_free(struct sup *s)
{
    free(s->slots);
    s->slots = NULL;
    s->nslots = 0;
}

size_t sup_count(const struct sup *s)
{
    size_t n = 0;

    for (size_t i = 0; i < s->nslots; i++)
        n += s->slots[i].pid != 0;
    return n;
}

size_t sup_count_of(const struct sup *s, int generation, bool is_jobs)
{
    size_t n = 0;

    for (size_t i = 0; i < s->nslots; i++)
        n += s->slots[i].pid != 0 && s->slots[i].generation == generation &&
             s->slots[i].is_jobs == is_jobs;
    return n;
}

/* Fork one child of the current generation. Any failure is logged here. */
static int start(struct sup *s, bool is_jobs)
{
    struct sup_child *slot = NULL;
    pid_t pid;

    for (size_t i = 0; i < s->nslots && !slot; i++)
        if (s->slots[i].pid == 0)
            slot = &s->slots[i];
    if (!slot) {
        size_t used = s->nslots;
        if (reserve(s, used ? used * 2 : 8) < 0) {
            log_error("event=child_start_failed jobs=%d generation=%d reason=out_of_memory",
                      is_jobs, s->generation);
            return -1;
        }
        slot = &s->slots[used];
    }
    pid = fork();
    if (pid < 0) {
        int saved = errno;
        log_error("event=child_start_failed jobs=%d generation=%d errno=%d msg=\"%s\" "
                  "retry_in_ms=%d",
                  is_jobs, s->generation, saved, strerror(saved), SUP_RETRY_MS);
        return -1;
    }
    if (pid == 0)
        _exit(s->run(is_jobs, s->run_arg));
    slot->pid = pid;
    slot->generation = s->generation;
    slot->is_jobs = is_jobs;
    return 0;
}

void sup_tick(struct sup *s, int64_t now_ms)
{
    if (s->stopping)
        return;
    if (now_ms >= s->retry_at_ms) {
        /* workers first: they serve; the jobs process can wait a tick */
        bool failed = false;
        while (!failed && sup_count_of(s, s->generation, false) < (size_t)s->processes)
            failed = start(s, false) < 0;
        if (!failed && sup_count_of(s, s->generation, true) < 1)
            failed = start(s, true) < 0;
        if (failed)
            s->retry_at_ms = now_ms + SUP_RETRY_MS;
    }
    if (s->drain_pending && sup_count_of(s, s->generation, false) == (size_t)s->processes &&
        sup_count_of(s, s->generation, true) == 1) {
        for (size_t i = 0; i < s->nslots; i++)
            if (s->slots[i].pid && s->slots[i].generation < s->generation)
                kill(s->slots[i].pid, SIGTERM);
        s->drain_pending = false;
        log_info("event=generation_serving generation=%d processes=%d", s->generation,
                 s->processes);
    }
}

void sup_reload(struct sup *s, int processes)
{
    s->generation++;
    s->processes = processes;
    s->drain_pending = true;
    s->retry_at_ms = 0; /* a new configuration deserves a try at once */
    /* Old and new side by side until the old one has drained; a failure
     * here is not one yet: start() grows the table again if it must. */
    (void)reserve(s, sup_count(s) + (size_t)processes + 1);
}

void sup_child_exited(struct sup *s, pid_t pid, int status, int64_t now_ms)
{
    for (size_t i = 0; i < s->nslots; i++) {
        struct sup_child *c = &s->slots[i];

        if (c->pid != pid)
            continue;
        c->pid = 0;
        if (s->stopping || c->generation != s->generation)
            return; /* asked to stop */
        log_warn("event=child_died pid=%d jobs=%d status=%d", (int)pid, c->is_jobs, status);
        metrics_inc(METRIC_WORKER_RESTARTS);
        if (now_ms - s->window_start_ms > 10 * 1000) {
            s->window_start_ms = now_ms;
            s->deaths_in_window = 0;
        }
        if (++s->deaths_in_window > 5 && s->retry_at_ms < now_ms + 1000)
            s->retry_at_ms = now_ms + 1000; /* crash loop: do not spin */
        return;
    }
}

void sup_signal_all(const struct sup *s, int sig)
{
    for (size_t i = 0; i < s->nslots; i++)
        if (s->slots[i].pid)
            kill(s->slots[i].pid, sig);
}

void sup_stop(struct sup *s, int sig)
{
    s->stopping = true;
    sup_signal_all(s, sig);
}
