/*
 * master.c — wuye-fcgi: the supervising master of the worker processes.
 *
 * It loads the configuration, opens the FastCGI socket (unix or TCP),
 * maps the shared metrics, then preforks `processes` workers (each running
 * `threads` threads, worker.c) and one jobs process (the outbox sender,
 * jobs.c). The table of children and the rules that keep it full live in
 * supervise.c: any child that dies is started again (with a pause when
 * children keep dying), a child that cannot be started is an error in the
 * log and is tried again. Signals:
 *   SIGTERM/SIGINT  drain: a unix socket is unlinked first so no new
 *                   connection can queue, workers finish what they have and
 *                   exit; after drain_timeout_s stragglers are killed.
 *   SIGHUP          reload: read the configuration again, start a new
 *                   generation of workers on the same socket, then (once it
 *                   is complete) drain the old one — the socket never stops
 *                   accepting.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/util.h"
#include "jobs_main.h"
#include "router.h"
#include "server.h"
#include "supervise.h"

struct config g_cfg;

static volatile sig_atomic_t got_term, got_hup;
static const char *config_path;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        got_hup = 1;
    else
        got_term = 1;
}

/* The group that may connect to a unix socket: a name, or a number. */
static int group_id(const char *name, gid_t *out)
{
    struct group *g = getgrnam(name);
    char *end;
    unsigned long n;

    if (g) {
        *out = g->gr_gid;
        return 0;
    }
    errno = 0;
    n = strtoul(name, &end, 10);
    if (errno || end == name || *end)
        return -1;
    *out = (gid_t)n;
    return 0;
}

/* Open the FastCGI socket of c->listen. A unix socket is mode 0660: its
 * owner (this user) and its group connect, nobody else — whoever can
 * connect can claim any REMOTE_ADDR. The group is listen_group (the group
 * nginx's workers run with) or, unset, our own. It is created with that
 * mode (umask), so there is no moment when others could connect. */
static int open_listen(const struct config *c, struct err *e)
{
    const char *spec = c->listen;
    int fd;

    if (strncmp(spec, "unix:", 5) == 0) {
        struct sockaddr_un sa;
        const char *path = spec + 5;
        mode_t old_mask;
        gid_t gid = (gid_t)-1;
        int rc;

        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        if (strlen(path) >= sizeof(sa.sun_path))
            return err_setf(e, E_CONFIG, "socket path too long: %s", path);
        if (c->listen_group[0] && group_id(c->listen_group, &gid) < 0)
            return err_setf(e, E_CONFIG, "listen_group %s: no such group", c->listen_group);
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return err_setf(e, E_CONFIG, "socket: %s", strerror(errno));
        unlink(path);
        old_mask = umask(0117);
        rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old_mask);
        if (rc < 0) {
            err_setf(e, E_CONFIG, "cannot listen on %s: %s", spec, strerror(errno));
            goto fail;
        }
        if (c->listen_group[0] && chown(path, (uid_t)-1, gid) < 0) {
            err_setf(e, E_CONFIG, "cannot give %s to group %s: %s", path, c->listen_group,
                     strerror(errno));
            goto fail_unlink;
        }
        if (chmod(path, 0660) < 0) {
            err_setf(e, E_CONFIG, "chmod %s: %s", path, strerror(errno));
            goto fail_unlink;
        }
    } else {
        struct sockaddr_in sa;
        char host[64];
        const char *colon = strrchr(spec, ':');
        int one = 1;

        if (!colon || (size_t)(colon - spec) >= sizeof(host))
            return err_setf(e, E_CONFIG, "listen: expected unix:/path or address:port: %s", spec);
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = '\0';
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)atoi(colon + 1));
        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
            return err_setf(e, E_CONFIG, "listen: not an IPv4 address: %s", spec);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return err_setf(e, E_CONFIG, "socket: %s", strerror(errno));
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            err_setf(e, E_CONFIG, "cannot listen on %s: %s", spec, strerror(errno));
            goto fail;
        }
    }
    if (listen(fd, 1024) < 0) {
        err_setf(e, E_CONFIG, "cannot listen on %s: %s", spec, strerror(errno));
        goto fail;
    }
    /* Non-blocking: worker threads wait in epoll and race for connections
     * (worker.c explains why). */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
fail_unlink:
    unlink(spec + 5);
fail:
    close(fd);
    return -1;
}

/* What a forked child runs (supervise.c forks): the signals the master
 * handles go back to their defaults, then the worker or jobs loop. */
static int run_child(bool is_jobs, void *arg)
{
    int listen_fd = *(int *)arg;
    sigset_t none;

    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (is_jobs) {
        close(listen_fd);
        return jobs_main();
    }
    return worker_main(listen_fd);
}

static int64_t now_ms(void)
{
    return util_now_us() / 1000;
}

int main(int argc, char **argv)
{
    struct err e;
    struct sigaction sa;
    struct sup sup;
    int listen_fd;
    time_t stop_deadline = 0;
    const char *names[256];

    if (argc != 3 || strcmp(argv[1], "-c") != 0) {
        fprintf(stderr, "usage: %s -c wuye.conf\n", argv[0]);
        return 2;
    }
    config_path = argv[2];
    err_clear(&e);
    if (config_load(&g_cfg, config_path, &e) < 0) {
        fprintf(stderr, "wuye-fcgi: %s\n", e.message);
        return 1;
    }
    listen_fd = open_listen(&g_cfg, &e);
    if (listen_fd < 0) {
        fprintf(stderr, "wuye-fcgi: %s\n", e.message);
        config_free(&g_cfg);
        return 1;
    }
    for (size_t i = 0; i < nroutes && i < 255; i++)
        names[i] = routes[i].name;
    names[nroutes] = "unmatched";
    if (metrics_init(names, nroutes + 1) < 0)
        return 1;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (sup_init(&sup, g_cfg.processes, run_child, &listen_fd) < 0) {
        fprintf(stderr, "wuye-fcgi: out of memory\n");
        return 1;
    }
    sup_tick(&sup, now_ms());
    log_info("event=master_started listen=%s processes=%d threads=%d version=%s", g_cfg.listen,
             g_cfg.processes, g_cfg.threads, g_cfg.version);

    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);

        if (pid > 0) {
            sup_child_exited(&sup, pid, status, now_ms());
            continue;
        }
        if (got_term && !stop_deadline) {
            log_info("event=master_draining");
            if (strncmp(g_cfg.listen, "unix:", 5) == 0)
                unlink(g_cfg.listen + 5);
            sup_stop(&sup, SIGTERM);
            stop_deadline = time(NULL) + g_cfg.drain_timeout_s;
        }
        if (stop_deadline) {
            if (sup_count(&sup) == 0)
                break;
            if (time(NULL) >= stop_deadline) {
                log_warn("event=drain_timeout action=kill");
                sup_signal_all(&sup, SIGKILL);
                stop_deadline = time(NULL) + 5;
            }
        }
        if (got_hup && !stop_deadline) {
            struct config fresh;
            got_hup = 0;
            err_clear(&e);
            if (config_load(&fresh, config_path, &e) < 0) {
                log_error("event=reload_failed msg=\"%s\"", e.message);
            } else {
                /* The socket stays as it was opened. */
                if (strcmp(fresh.listen, g_cfg.listen) != 0 ||
                    strcmp(fresh.listen_group, g_cfg.listen_group) != 0)
                    log_warn("event=reload listen_changed=ignored");
                snprintf(fresh.listen, sizeof(fresh.listen), "%s", g_cfg.listen);
                snprintf(fresh.listen_group, sizeof(fresh.listen_group), "%s", g_cfg.listen_group);
                config_free(&g_cfg); /* the children have their own copies */
                g_cfg = fresh;
                sup_reload(&sup, g_cfg.processes);
                log_info("event=reloaded generation=%d processes=%d", sup.generation,
                         g_cfg.processes);
            }
        }
        /* start what is missing: a new generation, a replacement, a retry */
        sup_tick(&sup, now_ms());
        usleep(50 * 1000);
    }
    close(listen_fd);
    sup_free(&sup);
    config_free(&g_cfg);
    log_info("event=master_stopped");
    return 0;
}
