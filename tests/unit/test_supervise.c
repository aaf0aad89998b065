/*
 * test_supervise.c — the master's table of children (fcgi/supervise.c,
 * compiled in here): room for any number of children across a reload, a
 * child that cannot be started is an error in the log and is tried again,
 * the old generation drains only once the new one is complete, dead
 * children are replaced with a pause in a crash loop.
 *
 * fork(2) and kill(2) are wrapped: no process is started or signalled;
 * fork hands out made-up pids, or fails as the test says. log_msg is
 * wrapped to see what the master would log.
 */
// WRAP: fork kill log_msg
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../fcgi/supervise.c"

/* Not static: glibc declares fork and kill "leaf" (they never call back
 * into this file), so the compiler may keep a static variable that only
 * the wrappers below change in a register across those calls. A variable
 * with external linkage is one a leaf function could change itself. */
int fork_calls, fork_failures_left;
pid_t next_pid = 1000;

pid_t __wrap_fork(void);
pid_t __wrap_fork(void)
{
    fork_calls++;
    if (fork_failures_left > 0) {
        fork_failures_left--;
        errno = EAGAIN;
        return -1;
    }
    return next_pid++;
}

#define MAX_KILLS 1024
struct kill_call {
    pid_t pid;
    int sig;
};
struct kill_call kills[MAX_KILLS];
int nkills;

int __wrap_kill(pid_t pid, int sig);
int __wrap_kill(pid_t pid, int sig)
{
    assert_true(nkills < MAX_KILLS);
    kills[nkills].pid = pid;
    kills[nkills].sig = sig;
    nkills++;
    return 0;
}

static int errors_logged;
static char last_error[512];

void __wrap_log_msg(enum log_level lvl, const char *fmt, ...);
void __wrap_log_msg(enum log_level lvl, const char *fmt, ...)
{
    va_list ap;

    if (lvl != LOG_ERROR)
        return;
    errors_logged++;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
}

static int run_never(bool is_jobs, void *arg)
{
    (void)is_jobs;
    (void)arg;
    fail_msg("a child ran in the test process");
    return 1;
}

static int setup(void **state)
{
    (void)state;
    fork_calls = fork_failures_left = nkills = errors_logged = 0;
    last_error[0] = '\0';
    return 0;
}

/* The pids of one generation's children. */
static int pids_of(const struct sup *s, int generation, pid_t *out, int max)
{
    int n = 0;

    for (size_t i = 0; i < s->nslots && n < max; i++)
        if (s->slots[i].pid && s->slots[i].generation == generation)
            out[n++] = s->slots[i].pid;
    return n;
}

static bool was_killed(pid_t pid, int sig)
{
    for (int i = 0; i < nkills; i++)
        if (kills[i].pid == pid && kills[i].sig == sig)
            return true;
    return false;
}

/* processes=40: 41 children, 82 during a reload; the table had 64 slots,
 * so 18 of the new generation silently never started. */
static void reload_of_many_processes(void **state)
{
    static const int sizes[] = {40, 40, 100, 3, 200};
    struct sup s;
    pid_t old[256];
    int nold;

    (void)state;
    assert_int_equal(sup_init(&s, sizes[0], run_never, NULL), 0);
    sup_tick(&s, 0);
    assert_int_equal(sup_count_of(&s, 1, false), sizes[0]);
    assert_int_equal(sup_count_of(&s, 1, true), 1);
    for (size_t k = 1; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        int g = s.generation;

        nold = pids_of(&s, g, old, 256);
        nkills = 0;
        sup_reload(&s, sizes[k]);
        sup_tick(&s, (int64_t)k * 100);
        /* both generations side by side, the new one whole */
        assert_int_equal(sup_count_of(&s, g + 1, false), sizes[k]);
        assert_int_equal(sup_count_of(&s, g + 1, true), 1);
        assert_int_equal(sup_count(&s), (size_t)(nold + sizes[k] + 1));
        /* then, and only then, every old child is told to drain */
        assert_int_equal(nkills, nold);
        for (int i = 0; i < nold; i++) {
            assert_true(was_killed(old[i], SIGTERM));
            sup_child_exited(&s, old[i], 0, (int64_t)k * 100 + 50);
        }
        assert_int_equal(sup_count(&s), (size_t)sizes[k] + 1);
        sup_tick(&s, (int64_t)k * 100 + 60);
        assert_int_equal(sup_count(&s), (size_t)sizes[k] + 1); /* old exits are not replaced */
    }
    assert_int_equal(errors_logged, 0);
    sup_free(&s);
}

/* fork fails twice: each failure is an error in the log and is retried
 * SUP_RETRY_MS later, until every child runs. */
static void start_failure_is_logged_and_retried(void **state)
{
    struct sup s;

    (void)state;
    assert_int_equal(sup_init(&s, 3, run_never, NULL), 0);
    fork_failures_left = 2;
    sup_tick(&s, 0);
    assert_int_equal(sup_count(&s), 0);
    assert_int_equal(errors_logged, 1);
    assert_non_null(strstr(last_error, "event=child_start_failed"));
    assert_non_null(strstr(last_error, "errno=11"));
    /* not before the pause */
    sup_tick(&s, SUP_RETRY_MS - 1);
    assert_int_equal(fork_calls, 1);
    sup_tick(&s, SUP_RETRY_MS);
    assert_int_equal(fork_calls, 2);
    assert_int_equal(errors_logged, 2);
    assert_int_equal(sup_count(&s), 0);
    sup_tick(&s, 2 * SUP_RETRY_MS);
    assert_int_equal(sup_count_of(&s, 1, false), 3);
    assert_int_equal(sup_count_of(&s, 1, true), 1);
    assert_int_equal(errors_logged, 2);
    /* complete: further ticks start nothing */
    sup_tick(&s, 3 * SUP_RETRY_MS);
    assert_int_equal(fork_calls, 6);
    sup_free(&s);
}

/* A reload whose new generation cannot start leaves the old one serving. */
static void old_generation_serves_until_the_new_one_is_complete(void **state)
{
    struct sup s;
    pid_t old[8];
    int nold;

    (void)state;
    assert_int_equal(sup_init(&s, 2, run_never, NULL), 0);
    sup_tick(&s, 0);
    nold = pids_of(&s, 1, old, 8);
    assert_int_equal(nold, 3);
    sup_reload(&s, 2);
    fork_failures_left = 2; /* the first start of the new generation, and its retry */
    sup_tick(&s, 100);
    assert_int_equal(sup_count_of(&s, 2, false), 0);
    assert_int_equal(nkills, 0);
    sup_tick(&s, 100 + SUP_RETRY_MS);
    assert_int_equal(sup_count_of(&s, 2, false), 0);
    assert_int_equal(nkills, 0);
    assert_int_equal(errors_logged, 2);
    assert_int_equal(sup_count_of(&s, 1, false), 2); /* the old one still serves */
    sup_tick(&s, 100 + 2 * SUP_RETRY_MS);
    assert_int_equal(sup_count_of(&s, 2, false), 2);
    assert_int_equal(sup_count_of(&s, 2, true), 1);
    assert_int_equal(nkills, 3);
    for (int i = 0; i < nold; i++)
        assert_true(was_killed(old[i], SIGTERM));
    sup_free(&s);
}

static void dead_children_are_replaced(void **state)
{
    struct sup s;
    pid_t pids[8];
    int64_t t = 100000;

    (void)state;
    assert_int_equal(sup_init(&s, 2, run_never, NULL), 0);
    sup_tick(&s, t);
    assert_int_equal(pids_of(&s, 1, pids, 8), 3);
    sup_child_exited(&s, 99999, 0, t); /* not ours: ignored */
    assert_int_equal(sup_count(&s), 3);
    /* five deaths in a row are replaced at once */
    for (int i = 0; i < 5; i++) {
        pids_of(&s, 1, pids, 8);
        sup_child_exited(&s, pids[0], 9, t);
        assert_int_equal(sup_count(&s), 2);
        sup_tick(&s, t);
        assert_int_equal(sup_count(&s), 3);
    }
    /* the sixth within ten seconds: a crash loop, a second's pause */
    pids_of(&s, 1, pids, 8);
    sup_child_exited(&s, pids[0], 9, t);
    sup_tick(&s, t + 999);
    assert_int_equal(sup_count(&s), 2);
    sup_tick(&s, t + 1000);
    assert_int_equal(sup_count(&s), 3);
    /* stopping: everything is signalled, nothing is replaced */
    nkills = 0;
    sup_stop(&s, SIGTERM);
    assert_int_equal(nkills, 3);
    pids_of(&s, 1, pids, 8);
    for (int i = 0; i < 3; i++)
        sup_child_exited(&s, pids[i], 0, t + 2000);
    sup_tick(&s, t + 5000);
    assert_int_equal(sup_count(&s), 0);
    assert_int_equal(errors_logged, 0);
    sup_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(reload_of_many_processes, setup),
        cmocka_unit_test_setup(start_failure_is_logged_and_retried, setup),
        cmocka_unit_test_setup(old_generation_serves_until_the_new_one_is_complete, setup),
        cmocka_unit_test_setup(dead_children_are_replaced, setup),
    };
    return cmocka_run_group_tests_name("supervise", tests, NULL, NULL);
}
