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
#include "db.h"
#include "httpc.h"
#include "outbox.h"
#include "server.h"

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
    (void)sig;
    stop = 1;
}

static bool take_lock(struct db *db)
{
    struct db_res r;
    struct err e;
    bool ok;

    err_clear(&e);
    ok = db_exec(db, "SELECT GET_LOCK('wuye_jobs', 0)", NULL, 0, &r, &e) == 0 && r.nrows == 1 &&
         db_int(&r, 0, 0) == 1;
    db_res_free(&r);
    return ok;
}

int jobs_main(void)
{
    struct sigaction sa;
    struct db *db;
    bool locked = false;
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

        if (!locked) {
            locked = take_lock(db);
            if (!locked) {
                sleep(1);
                continue;
            }
            log_info("event=jobs_lock_taken");
        }
        err_clear(&e);
        if (outbox_deliver_due(db, &g_cfg, 20, &handled, &e) < 0) {
            /* A lost connection also lost the lock: take it again. */
            locked = false;
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
