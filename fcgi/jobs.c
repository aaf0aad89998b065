/*
 * jobs.c — the jobs process: recurring work that must run once across all
 * worker hosts (OPS-2). Today that is the outbox sender; bill runs,
 * reminders and reconciliation join it with their issues.
 *
 * One host at a time: the process holds the database lock "wuye_jobs"
 * (GET_LOCK, tied to its connection) while it works. If the connection
 * dies the lock is released by the server and another host takes over.
 */
#include "jobs.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "db/db.h"
#include "clients/httpc.h"
#include "outbox.h"
#include "server.h"

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
    (void)sig;
    stop = 1;
}

/* Hold the jobs lock, taking it if this connection does not have it. The
 * check runs every cycle: the database layer reconnects on its own after
 * a server restart, and a new connection no longer holds the lock, which
 * another host may have taken meanwhile. */
DB_SQL(sql_hold_lock,
       "SELECT IF(IS_USED_LOCK('wuye_jobs') = CONNECTION_ID(), 2, GET_LOCK('wuye_jobs', 0))");

static bool hold_lock(struct db *db, bool *was_held)
{
    struct arena a = {0};
    struct db_res r;
    struct err e;
    int64_t v = 0;

    err_clear(&e);
    if (db_query(db, &a, &sql_hold_lock, DB_NOARGS, &r, &e) == 0 && r.nrows == 1)
        v = db_int(&r, 0, 0);
    arena_free(&a);
    *was_held = v == 2;
    return v == 1 || v == 2;
}

int jobs_main(void)
{
    struct sigaction sa;
    struct db *db;
    struct err e;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    err_clear(&e);
    httpc_global_init(&e);
    db_configure(&g_cfg);
    db = db_thread();
    log_info("event=jobs_started");
    while (!stop) {
        int handled = 0;
        bool was_held;

        if (!hold_lock(db, &was_held)) {
            sleep(1); /* another host runs the jobs, or the database is away */
            continue;
        }
        if (!was_held)
            log_info("event=jobs_lock_taken");
        err_clear(&e);
        if (outbox_deliver_due(db, &g_cfg, 20, &handled, &e) < 0) {
            sleep(1);
            continue;
        }
        if (handled == 0)
            usleep((useconds_t)g_cfg.outbox_poll_ms * 1000);
    }
    db_thread_close();
    log_info("event=jobs_stopped");
    return 0;
}
