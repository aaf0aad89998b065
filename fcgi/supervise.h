/*
 * supervise.h — the master's table of children and the rules that keep it
 * full: which generation serves, what is missing, when to try again.
 *
 * The master (master.c) owns one struct sup. A generation is `processes`
 * workers and one jobs process started from one configuration. After a
 * reload (sup_reload) the older generations keep serving until the new
 * one is complete, and only then are told to drain (SIGTERM), so a new
 * generation that cannot start leaves the old one at work instead of
 * none. The table has room for as many children as needed: it is sized
 * from the configuration and grows (a reload holds two generations at
 * once).
 *
 * Starting a child can fail (fork: EAGAIN under a process limit, ENOMEM):
 * each failure is logged as an error and retried on a later tick, never
 * dropped. A child of the current generation that dies is started again;
 * more than five deaths within ten seconds pause the restarts for a second
 * (a crash loop must not spin).
 *
 * No signal handlers and no waiting here: master.c reaps children and
 * reports their exits, and calls sup_tick() from its loop with the time,
 * so that tests drive the clock and replace fork(2) and kill(2).
 */
#ifndef WUYE_SUPERVISE_H
#define WUYE_SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Pause before starting again after a failed start. */
#define SUP_RETRY_MS 1000

struct sup_child {
    pid_t pid; /* 0: a free slot */
    int generation;
    bool is_jobs;
};

/* What a forked child runs; its return value is the child's exit code. */
typedef int (*sup_run_fn)(bool is_jobs, void *arg);

struct sup {
    struct sup_child *slots; /* owned; nslots of them */
    size_t nslots;
    int generation;      /* the current one, from 1 */
    int processes;       /* workers the current generation should have */
    bool drain_pending;  /* older generations wait for the current one to be complete */
    bool stopping;       /* sup_stop() was called: nothing is started any more */
    int64_t retry_at_ms; /* nothing is started before this */
    int64_t window_start_ms;
    int deaths_in_window;
    sup_run_fn run;
    void *run_arg;
};

/* Empty table with room for processes + 1 children; generation 1 wants
 * processes workers and one jobs process (started by the first tick).
 * -1 when out of memory. */
int sup_init(struct sup *s, int processes, sup_run_fn run, void *run_arg);
void sup_free(struct sup *s);

/* Start what the current generation lacks (unless waiting to retry), then,
 * when it is complete, tell older generations to drain. */
void sup_tick(struct sup *s, int64_t now_ms);

/* A new generation of processes workers; the current one becomes old. */
void sup_reload(struct sup *s, int processes);

/* pid ended (from waitpid). A current child that was not asked to stop is
 * logged and counted as a restart; the next tick replaces it. Unknown pids
 * are ignored. */
void sup_child_exited(struct sup *s, pid_t pid, int status, int64_t now_ms);

/* Stop for good: start nothing more and send sig to every child. */
void sup_stop(struct sup *s, int sig);
/* Send sig to every child. */
void sup_signal_all(const struct sup *s, int sig);

/* Children alive: all of them, or of one generation and kind. */
size_t sup_count(const struct sup *s);
size_t sup_count_of(const struct sup *s, int generation, bool is_jobs);

#endif
