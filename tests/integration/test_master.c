/*
 * test_master.c — the worker master (fcgi/master.c, supervise.c) with many
 * processes: a master of its own, started here from a throwaway directory
 * (its own socket and configuration, no database), not the test stack's.
 *
 * processes = 40 is 41 children, and 82 while a reload holds two
 * generations: the fixed table of 64 used to leave 18 of the new
 * generation unstarted, without a word. After the SIGHUP all 41 children
 * must be new, and they must answer (a FastCGI request straight to the
 * socket: health says which configuration version answered).
 *
 * Its unix socket is mode 0660, in the group listen_group names; a group
 * that does not exist stops the start with a message that says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

#define PROCESSES 40

static char dir[64];
static pid_t master;
static const char *group = ""; /* listen_group of the next configuration */

static void write_conf(const char *version)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/wuye.conf", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "listen = unix:%s/fcgi.sock\nprocesses = %d\nthreads = 1\ndrain_timeout_s = 5\n"
            "version = %s\ndb_socket = %s/no-database.sock\nlisten_group = %s\n",
            dir, PROCESSES, version, dir, group);
    assert_int_equal(fclose(f), 0);
}

static int children(int *out, int max)
{
    char path[128];
    FILE *f;
    int n = 0, pid;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)master, (int)master);
    f = fopen(path, "r");
    if (!f)
        return 0;
    while (n < max && fscanf(f, "%d", &pid) == 1)
        out[n++] = pid;
    fclose(f);
    return n;
}

static void record(struct buf *b, int type, const void *content, size_t len)
{
    unsigned char h[8] = {
        1, (unsigned char)type, 0, 1, (unsigned char)(len >> 8), (unsigned char)len, 0, 0};
    buf_append(b, h, 8);
    if (len)
        buf_append(b, content, len);
}

static void param(struct buf *b, const char *name, const char *value)
{
    unsigned char n = (unsigned char)strlen(name), v = (unsigned char)strlen(value);

    buf_append(b, &n, 1);
    buf_append(b, &v, 1);
    buf_append(b, name, n);
    buf_append(b, value, v);
}

/* GET path over FastCGI on the master's socket; the responder's stdout
 * (headers and body) into out. */
static void fcgi_get(const char *path, struct buf *out)
{
    static const unsigned char begin[8] = {0, 1, 0, 0, 0, 0, 0, 0}; /* responder */
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct buf req = BUF_INIT, params = BUF_INIT, in = BUF_INIT;
    unsigned char chunk[4096];
    ssize_t n;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/fcgi.sock", dir);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    param(&params, "REQUEST_METHOD", "GET");
    param(&params, "REQUEST_URI", path);
    param(&params, "REMOTE_ADDR", "127.0.0.1");
    record(&req, 1, begin, sizeof(begin));
    record(&req, 4, params.data, params.len);
    record(&req, 4, NULL, 0);
    record(&req, 5, NULL, 0);
    assert_int_equal(write(fd, req.data, req.len), (ssize_t)req.len);
    for (n = read(fd, chunk, sizeof(chunk)); n > 0; n = read(fd, chunk, sizeof(chunk)))
        buf_append(&in, chunk, (size_t)n);
    close(fd);
    /* the STDOUT records' content, in order, up to END_REQUEST */
    for (size_t at = 0; at + 8 <= in.len;) {
        const unsigned char *h = (const unsigned char *)in.data + at;
        size_t len = (size_t)h[4] << 8 | h[5];

        if (at + 8 + len + h[6] > in.len)
            break;
        if (h[1] == 6)
            buf_append(out, h + 8, len);
        if (h[1] == 3)
            break;
        at += 8 + len + h[6];
    }
    buf_append(out, "", 1);
    buf_free(&req);
    buf_free(&params);
    buf_free(&in);
}

static char *log_text(void)
{
    char path[128], chunk[4096];
    struct buf b = BUF_INIT;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/wuye.log", dir);
    f = fopen(path, "r");
    if (f) {
        for (n = fread(chunk, 1, sizeof(chunk), f); n > 0; n = fread(chunk, 1, sizeof(chunk), f))
            buf_append(&b, chunk, n);
        fclose(f);
    }
    buf_append(&b, "", 1);
    return b.data;
}

static int start_master(void **state)
{
    char conf[128], log[128], bin[256];
    const char *build = getenv("BUILD");

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/wuye-master.XXXXXX");
    assert_non_null(mkdtemp(dir));
    write_conf("gen-1");
    snprintf(conf, sizeof(conf), "%s/wuye.conf", dir);
    snprintf(log, sizeof(log), "%s/wuye.log", dir);
    snprintf(bin, sizeof(bin), "build/%s/wuye-fcgi", build && *build ? build : "san");
    master = fork();
    assert_true(master >= 0);
    if (master == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(bin, bin, "-c", conf, (char *)NULL);
        _exit(127);
    }
    return 0;
}

static int stop_master(void **state)
{
    char cmd[128];
    int status;

    (void)state;
    if (master > 0) {
        kill(master, SIGTERM);
        for (int i = 0; i < 300 && waitpid(master, &status, WNOHANG) == 0; i++)
            usleep(100 * 1000);
        if (kill(master, 0) == 0) {
            kill(master, SIGKILL);
            waitpid(master, &status, 0);
        }
        master = 0;
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (dir[0] && system(cmd) != 0)
        print_error("could not remove %s\n", dir);
    return 0;
}

/* Wait until the master has want children, none of them in old[]. */
static int wait_children(int want, const int *old, int nold, int *now)
{
    int n = 0;

    for (int i = 0; i < 600; i++) {
        bool any_old = false;

        n = children(now, 256);
        for (int k = 0; k < n; k++)
            for (int j = 0; j < nold; j++)
                any_old |= now[k] == old[j];
        if (n == want && !any_old)
            return n;
        usleep(100 * 1000);
    }
    return n;
}

static void reload_with_forty_processes(void **state)
{
    int before[256], after[256], nb, na;
    struct buf answer = BUF_INIT;
    char *log;

    (void)state;
    nb = wait_children(PROCESSES + 1, NULL, 0, before);
    assert_int_equal(nb, PROCESSES + 1);
    fcgi_get("/api/v1/health", &answer);
    assert_non_null(strstr(answer.data, "\"version\":\"gen-1\""));
    buf_free(&answer);

    write_conf("gen-2");
    assert_int_equal(kill(master, SIGHUP), 0);
    na = wait_children(PROCESSES + 1, before, nb, after);
    if (na != PROCESSES + 1)
        fail_msg("after the reload: %d children, expected %d", na, PROCESSES + 1);
    /* every one of them new, and answering with the new configuration */
    for (int i = 0; i < na; i++)
        for (int k = 0; k < nb; k++)
            assert_int_not_equal(after[i], before[k]);
    for (int i = 0; i < 5; i++) {
        fcgi_get("/api/v1/health", &answer);
        assert_non_null(strstr(answer.data, "Status: 503")); /* no database here */
        assert_non_null(strstr(answer.data, "\"version\":\"gen-2\""));
        buf_free(&answer);
    }
    log = log_text();
    assert_non_null(strstr(log, "event=generation_serving generation=2 processes=40"));
    assert_null(strstr(log, "child_start_failed"));
    assert_null(strstr(log, "ERROR: AddressSanitizer"));
    assert_null(strstr(log, "runtime error"));
    free(log);
}

static int start_master_in_nogroup(void **state)
{
    group = "65534"; /* nogroup, by number */
    return start_master(state);
}

static int start_master_in_no_such_group(void **state)
{
    group = "wuye-no-such-group";
    return start_master(state);
}

static void socket_mode_and_group(void **state)
{
    char path[128];
    struct stat st;
    int kids[256];

    (void)state;
    assert_int_equal(wait_children(PROCESSES + 1, NULL, 0, kids), PROCESSES + 1);
    snprintf(path, sizeof(path), "%s/fcgi.sock", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0660);
    if (getuid() == 0) /* anyone else may only choose a group of their own */
        assert_int_equal(st.st_gid, 65534);
    group = "";
}

static void unknown_group_stops_the_start(void **state)
{
    char path[128], *log;
    int status = 0;
    pid_t done = 0;

    (void)state;
    group = "";
    for (int i = 0; i < 200 && done == 0; i++) {
        done = waitpid(master, &status, WNOHANG);
        if (done == 0)
            usleep(50 * 1000);
    }
    assert_int_equal(done, master);
    master = 0;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    log = log_text();
    assert_non_null(strstr(log, "listen_group wuye-no-such-group: no such group"));
    free(log);
    snprintf(path, sizeof(path), "%s/fcgi.sock", dir);
    assert_int_not_equal(access(path, F_OK), 0); /* no socket was left behind */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(reload_with_forty_processes, start_master, stop_master),
        cmocka_unit_test_setup_teardown(socket_mode_and_group, start_master_in_nogroup,
                                        stop_master),
        cmocka_unit_test_setup_teardown(unknown_group_stops_the_start,
                                        start_master_in_no_such_group, stop_master),
    };
    return cmocka_run_group_tests_name("master", tests, NULL, NULL);
}
