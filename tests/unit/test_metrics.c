/*
 * test_metrics.c — the shared counters and their Prometheus text
 * (lib/core/metrics.c), including that counts made in a forked child
 * reach the parent (the workers are forked after metrics_init()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/metrics.h"

static void render(void **state)
{
    static const char *const names[] = {"health", "owner_resources"};
    struct buf b = BUF_INIT;
    pid_t pid;

    (void)state;
    assert_int_equal(metrics_init(names, 2), 0);
    metrics_request(0, 200, 800);     /* 0.8 ms: first bucket */
    metrics_request(0, 200, 3000);    /* 3 ms */
    metrics_request(1, 401, 4000000); /* beyond the last bucket */
    metrics_request(1, 418, 100);     /* an untracked status */
    metrics_request(7, 200, 100);     /* no such route: ignored */
    metrics_inc(METRIC_DB_ERRORS);
    pid = fork();
    if (pid == 0) {
        metrics_inc(METRIC_WORKER_RESTARTS);
        metrics_request(0, 200, 100);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    metrics_render(&b);
    assert_non_null(strstr(b.data, "\nwuye_db_errors_total 1\n"));
    assert_non_null(strstr(b.data, "\nwuye_worker_restarts_total 1\n"));
    assert_non_null(
        strstr(b.data, "wuye_http_requests_total{route=\"health\",status=\"200\"} 3\n"));
    assert_non_null(
        strstr(b.data, "wuye_http_requests_total{route=\"owner_resources\",status=\"401\"} 1\n"));
    assert_non_null(
        strstr(b.data, "wuye_http_requests_total{route=\"owner_resources\",status=\"other\"} 1\n"));
    assert_non_null(strstr(
        b.data, "wuye_http_request_duration_seconds_bucket{route=\"health\",le=\"0.001000\"} 2\n"));
    assert_non_null(strstr(
        b.data, "wuye_http_request_duration_seconds_bucket{route=\"health\",le=\"0.005000\"} 3\n"));
    assert_non_null(strstr(b.data, "wuye_http_request_duration_seconds_bucket{route=\"owner_"
                                   "resources\",le=\"2.500000\"} 1\n"));
    assert_non_null(strstr(
        b.data,
        "wuye_http_request_duration_seconds_bucket{route=\"owner_resources\",le=\"+Inf\"} 2\n"));
    assert_non_null(
        strstr(b.data, "wuye_http_request_duration_seconds_sum{route=\"health\"} 0.003900\n"));
    assert_non_null(
        strstr(b.data, "wuye_http_request_duration_seconds_count{route=\"health\"} 3\n"));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(render)};
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
