/*
 * test_edge.c — the edge of the system, between the network, nginx and
 * the workers: the security headers on every answer, the workers' and
 * nginx's own; the workers' socket, which only nginx may reach (whoever
 * connects to it can claim any REMOTE_ADDR); who the client is when a
 * proxy stands in front (the SMS and login limits count by that address).
 *
 * The client-address test reconfigures the running stack (a line added to
 * its wuye.conf, then SIGHUP) and puts it back in its teardown, whatever
 * happened in between.
 */
#include <curl/curl.h>
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/config.h"
#include "itest.h"

/* ---- reconfiguring the running stack ---------------------------------- */

static char *conf_saved; /* the stack's wuye.conf as found */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    struct buf b = BUF_INIT;
    char chunk[4096];
    size_t n;

    if (!f)
        fail_msg("cannot read %s", path);
    for (n = fread(chunk, 1, sizeof(chunk), f); n > 0; n = fread(chunk, 1, sizeof(chunk), f))
        buf_append(&b, chunk, n);
    fclose(f);
    buf_append(&b, "", 1);
    return b.data;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        fail_msg("cannot write %s", path);
}

static bool health_ok(void)
{
    struct http_resp r;
    bool ok;

    it_http("GET", "/api/v1/health", NULL, 0, NULL, &r);
    ok = r.status == 200;
    it_resp_free(&r);
    return ok;
}

/* SIGHUP the master and wait until only the new generation is left and it
 * answers: every request after this sees the configuration as it is now. */
static void reload_and_wait(void)
{
    int master = it_pid("wuye-fcgi.pid"), before[256], now[256], nb, nn = 0;
    bool old_left = true;

    assert_true(master > 0);
    nb = it_children(master, before, 256);
    assert_true(nb > 0);
    assert_int_equal(kill(master, SIGHUP), 0);
    for (int i = 0; i < 300 && (old_left || nn < nb); i++) {
        usleep(100 * 1000);
        nn = it_children(master, now, 256);
        old_left = false;
        for (int k = 0; k < nn; k++)
            for (int j = 0; j < nb; j++)
                old_left |= now[k] == before[j];
    }
    if (old_left || nn < nb)
        fail_msg("the reload did not complete (%d children, old ones left: %d)", nn, old_left);
    for (int i = 0; i < 100 && !health_ok(); i++)
        usleep(100 * 1000);
    assert_true(health_ok());
}

static int conf_restore(void **state)
{
    (void)state;
    if (conf_saved) {
        write_file(it_env("WUYE_CONF"), conf_saved);
        reload_and_wait();
        free(conf_saved);
        conf_saved = NULL;
    }
    it_sql_exec("DELETE FROM sms_codes WHERE phone LIKE '1370000007%' OR client_ip LIKE "
                "'198.51.100.%'",
                NULL, 0);
    return 0;
}

static void conf_append(const char *line)
{
    char *text;
    size_t n;

    conf_saved = slurp(it_env("WUYE_CONF"));
    n = strlen(conf_saved) + strlen(line) + 2;
    text = malloc(n);
    snprintf(text, n, "%s%s\n", conf_saved, line);
    write_file(it_env("WUYE_CONF"), text);
    free(text);
    reload_and_wait();
}

/* ---- security headers ---------------------------------------------------- */

struct answer {
    long status;
    struct buf headers; /* the header lines as received */
};

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    buf_append(ud, p, size * n);
    return size * n;
}

static size_t on_discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static void request(const char *method, const char *path, size_t body_len, const char *header,
                    struct answer *a)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    char url[512], *body = NULL;

    memset(a, 0, sizeof(*a));
    assert_non_null(c);
    snprintf(url, sizeof(url), "%s%s", it_env("WUYE_TEST_URL"), path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a->headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_discard);
    if (header)
        h = curl_slist_append(h, header);
    if (body_len) {
        body = malloc(body_len);
        assert_non_null(body);
        memset(body, '{', body_len);
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
    buf_append(&a->headers, "", 1);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(body);
}

/* How many times the header line "name: value" came (name case-insensitive). */
static int header_count(const struct answer *a, const char *name, const char *value)
{
    const char *p = a->headers.data;
    int n = 0;

    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p), nl = strlen(name);

        if (len > nl + 1 && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            if (!value ||
                ((size_t)(p + len - v) == strlen(value) && !strncmp(v, value, strlen(value))))
                n++;
        }
        p = eol ? eol + 2 : NULL;
    }
    return n;
}

static void security_headers_on_every_answer(void **state)
{
    static const struct {
        const char *method, *path;
        size_t body_len;
        const char *header;
        long status;
        bool from_workers; /* the workers' answers carry X-Request-Id */
    } rows[] = {
        {"GET", "/api/v1/health", 0, NULL, 200, true},
        {"GET", "/api/v1/no-such-endpoint", 0, NULL, 404, true},
        {"DELETE", "/api/v1/health", 0, NULL, 405, true},
        {"GET", "/no-such-page", 0, NULL, 404, false},            /* nginx's location / */
        {"POST", "/api/v1/sms/codes", 2 << 20, NULL, 413, false}, /* over client_max_body_size */
        {"TRACE", "/api/v1/health", 0, NULL, 405, false},         /* nginx refuses TRACE */
        {"GET", "/api/v1/health", 0, "Host: not a host", 400, false},
        {"GET", "/_errors/404.json", 0, NULL, 404, false}, /* internal: not for clients */
    };
    static const char *const expected[][2] = {
        {"X-Content-Type-Options", "nosniff"},
        {"X-Frame-Options", "DENY"},
        {"Referrer-Policy", "no-referrer"},
        {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct answer a;

        request(rows[i].method, rows[i].path, rows[i].body_len, rows[i].header, &a);
        if (a.status != rows[i].status)
            fail_msg("case %zu (%s %s): status %ld, expected %ld", i, rows[i].method, rows[i].path,
                     a.status, rows[i].status);
        if ((header_count(&a, "X-Request-Id", NULL) == 1) != rows[i].from_workers)
            fail_msg("case %zu (%s %s): expected an answer from %s", i, rows[i].method,
                     rows[i].path, rows[i].from_workers ? "the workers" : "nginx");
        for (size_t k = 0; k < sizeof(expected) / sizeof(expected[0]); k++)
            if (header_count(&a, expected[k][0], expected[k][1]) != 1 ||
                header_count(&a, expected[k][0], NULL) != 1)
                fail_msg("case %zu (%s %s, %ld): want one \"%s: %s\" in\n%s", i, rows[i].method,
                         rows[i].path, a.status, expected[k][0], expected[k][1], a.headers.data);
        /* HSTS belongs to the TLS server only (nginx/wuye.conf.in) */
        assert_int_equal(header_count(&a, "Strict-Transport-Security", NULL), 0);
        buf_free(&a.headers);
    }
}

/* ---- the workers' socket ------------------------------------------------ */

/* A line of /proc/<pid>/status ("Uid:", "Gid:", "Groups:") into out. */
static void proc_status(int pid, const char *key, char *out, size_t size)
{
    char path[64], line[512];
    FILE *f;

    out[0] = '\0';
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, key, strlen(key)) == 0)
            snprintf(out, size, "%s", line + strlen(key));
    fclose(f);
}

/* True if the space-separated numbers of list hold n. */
static bool has_id(const char *list, long n)
{
    char *end;

    for (const char *p = list; *p;) {
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        if (v == n)
            return true;
        p = end;
    }
    return false;
}

/* connect(2) to path as uid:gid (no other groups), in a child; its errno. */
static int connect_as(const char *path, uid_t uid, gid_t gid)
{
    pid_t pid = fork();
    int status;

    assert_true(pid >= 0);
    if (pid == 0) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd;

        if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
            _exit(100);
        if (strlen(path) >= sizeof(sa.sun_path))
            _exit(100);
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            _exit(0);
        _exit(errno);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_not_equal(WEXITSTATUS(status), 100);
    return WEXITSTATUS(status);
}

static void socket_is_for_nginx_only(void **state)
{
    struct config c;
    struct err e;
    struct stat st;
    const char *path;
    char pidfile[512];
    FILE *f;
    int nginx = 0, workers[64], nw;

    (void)state;
    err_clear(&e);
    assert_int_equal(config_load(&c, it_env("WUYE_CONF"), &e), 0);
    assert_int_equal(strncmp(c.listen, "unix:", 5), 0);
    path = c.listen + 5;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    /* owner and group only: no other local user can connect */
    assert_int_equal(st.st_mode & 0777, 0660);
    if (c.listen_group[0]) {
        struct group *g = getgrnam(c.listen_group);
        assert_non_null(g);
        assert_int_equal(st.st_gid, g->gr_gid);
    }

    /* nginx's workers can connect: each runs as the socket's owner or in its group */
    snprintf(pidfile, sizeof(pidfile), "%s/nginx.pid", it_env("WUYE_VAR"));
    f = fopen(pidfile, "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%d", &nginx), 1);
    fclose(f);
    {
        char kids[128];
        snprintf(kids, sizeof(kids), "/proc/%d/task/%d/children", nginx, nginx);
        f = fopen(kids, "r");
        assert_non_null(f);
        for (nw = 0; nw < 64 && fscanf(f, "%d", &workers[nw]) == 1;)
            nw++;
        fclose(f);
    }
    assert_true(nw > 0);
    for (int i = 0; i < nw; i++) {
        char uid[128], gid[128], groups[256];
        proc_status(workers[i], "Uid:", uid, sizeof(uid));
        proc_status(workers[i], "Gid:", gid, sizeof(gid));
        proc_status(workers[i], "Groups:", groups, sizeof(groups));
        if (!(strtol(uid, NULL, 10) == (long)st.st_uid ||
              strtol(gid, NULL, 10) == (long)st.st_gid || has_id(groups, (long)st.st_gid)))
            fail_msg("nginx worker %d (uid %ld) cannot connect to %s", workers[i],
                     strtol(uid, NULL, 10), path);
        /* as root, they do not run as root */
        if (getuid() == 0 && c.listen_group[0])
            assert_int_not_equal(strtol(uid, NULL, 10), 0);
    }
    /* and the system answers through them */
    assert_true(health_ok());

    /* another local user cannot (as root we can be one: nobody, with its own group) */
    if (getuid() == 0 && st.st_uid != 65534 && st.st_gid != 65534)
        assert_int_equal(connect_as(path, 65534, 65534), EACCES);
    config_free(&c);
}

/* ---- who the client is -------------------------------------------------- */

/* Ask for an SMS code for phone with the given X-Forwarded-For line (NULL:
 * none); returns the status. The phones 1370000007x are not registered:
 * 202, a row, no SMS. */
static long sms_code_from(const char *phone, const char *const *xff)
{
    char url[512], body[128];
    struct http_resp r;
    long status;

    snprintf(url, sizeof(url), "%s/api/v1/sms/codes", it_env("WUYE_TEST_URL"));
    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"purpose\":\"owner_login\"}", phone);
    it_http_url("POST", url, body, (size_t)-1, xff, &r);
    status = r.status;
    it_resp_free(&r);
    return status;
}

static void client_ip_of(const char *phone, char out[64])
{
    struct db_param p[1] = {P_STR(phone)};

    it_sql_str("SELECT client_ip FROM sms_codes WHERE phone = ? ORDER BY id DESC LIMIT 1", p, 1,
               out, 64);
}

/* 20 codes asked from address ip in the last hour: the per-address limit. */
static void fill_address_limit(const char *ip)
{
    struct db_param p[1] = {P_STR(ip)};

    it_sql_exec("INSERT INTO sms_codes (phone, purpose, client_ip, created_at, expires_at) "
                "SELECT CONCAT('137000001', LPAD(seq, 2, '0')), 'owner_login', ?, "
                "UTC_TIMESTAMP() - INTERVAL 10 MINUTE, UTC_TIMESTAMP() FROM seq_1_to_20",
                p, 1);
}

static void forwarded_for_is_believed_only_from_trusted_proxies(void **state)
{
    static const char *const spoof[] = {"X-Forwarded-For: 198.51.100.23", NULL};
    static const char *const chain[] = {"X-Forwarded-For: 203.0.113.50, 198.51.100.23", NULL};
    static const char *const other[] = {"X-Forwarded-For: 198.51.100.24", NULL};
    /* A proxy that adds a header line of its own instead of extending the
     * client's: nginx passes both as one list, the last one on the right. */
    static const char *const two_lines[] = {"X-Forwarded-For: 203.0.113.50",
                                            "X-Forwarded-For: 198.51.100.25", NULL};
    char ip[64];

    (void)state;
    conf_restore(NULL); /* rows of an earlier, interrupted run */

    /* Nothing trusted (the default): the header is the client's word. */
    assert_int_equal(sms_code_from("13700000071", spoof), 202);
    client_ip_of("13700000071", ip);
    assert_string_equal(ip, "127.0.0.1");
    /* so it cannot take a client out of the per-address limit */
    fill_address_limit("127.0.0.1");
    assert_int_equal(sms_code_from("13700000072", other), 429);
    it_sql_exec("DELETE FROM sms_codes WHERE client_ip = '127.0.0.1' AND phone LIKE '137000001%'",
                NULL, 0);

    /* nginx's peer (this test, on loopback) becomes a trusted proxy */
    conf_append("trusted_proxies = 127.0.0.1, ::1");
    assert_int_equal(sms_code_from("13700000073", chain), 202);
    client_ip_of("13700000073", ip);
    assert_string_equal(ip, "198.51.100.23"); /* the right-most untrusted */
    assert_int_equal(sms_code_from("13700000074", two_lines), 202);
    client_ip_of("13700000074", ip);
    assert_string_equal(ip, "198.51.100.25");
    assert_int_equal(sms_code_from("13700000075", NULL), 202);
    client_ip_of("13700000075", ip);
    assert_string_equal(ip, "127.0.0.1"); /* no header: the proxy is the client */
    /* the limit is per client behind the proxy, not for the proxy as a whole */
    fill_address_limit("198.51.100.23");
    assert_int_equal(sms_code_from("13700000076", spoof), 429);
    assert_int_equal(sms_code_from("13700000077", other), 202);
    client_ip_of("13700000077", ip);
    assert_string_equal(ip, "198.51.100.24");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(security_headers_on_every_answer),
        cmocka_unit_test(socket_is_for_nginx_only),
        cmocka_unit_test_teardown(forwarded_for_is_believed_only_from_trusted_proxies,
                                  conf_restore),
    };
    return cmocka_run_group_tests_name("edge", tests, NULL, NULL);
}
