/*
 * test_edge.c — the edge of the system, between the network, nginx and
 * the workers: who the client is when a proxy stands in front (the SMS
 * and login limits count by that address).
 *
 * The client-address test reconfigures the running stack (a line added to
 * its wuye.conf, then SIGHUP) and puts it back in its teardown, whatever
 * happened in between.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
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

/* The master's children (workers and the jobs process). */
static int children(int master, int *out, int max)
{
    char path[128];
    FILE *f;
    int n = 0, pid;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", master, master);
    f = fopen(path, "r");
    if (!f)
        return 0;
    while (n < max && fscanf(f, "%d", &pid) == 1)
        out[n++] = pid;
    fclose(f);
    return n;
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
    nb = children(master, before, 256);
    assert_true(nb > 0);
    assert_int_equal(kill(master, SIGHUP), 0);
    for (int i = 0; i < 300 && (old_left || nn < nb); i++) {
        usleep(100 * 1000);
        nn = children(master, now, 256);
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
        cmocka_unit_test_teardown(forwarded_for_is_believed_only_from_trusted_proxies,
                                  conf_restore),
    };
    return cmocka_run_group_tests_name("edge", tests, NULL, NULL);
}
