/*
 * test_outbox.c — the senders' rules (lib/outbox.h), without a database:
 * the configured backoff and its parsing, the per-phone limit's decision,
 * the day's end at Tencent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "outbox.h"

static void test_backoff_parsing(void **state)
{
    int v[CONFIG_BACKOFF_MAX];
    size_t n;
    static const char *const bad[] = {
        "",
        " ",
        "10,",
        ",10",
        "10,,30",
        "10;30",
        "0",
        "-1",
        "10,x",
        "1e3",
        "604801",
        "99999999999999999999",
        "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
    };

    (void)state;
    assert_int_equal(config_seconds_list("10,30,60,300,900,3600", v, CONFIG_BACKOFF_MAX, &n), 0);
    assert_int_equal(n, 6);
    assert_int_equal(v[0], 10);
    assert_int_equal(v[5], 3600);
    assert_int_equal(config_seconds_list(" 5 , 7 ", v, CONFIG_BACKOFF_MAX, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[1], 7);
    assert_int_equal(config_seconds_list("604800", v, CONFIG_BACKOFF_MAX, &n), 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (config_seconds_list(bad[i], v, CONFIG_BACKOFF_MAX, &n) == 0)
            fail_msg("\"%s\" parsed", bad[i]);
}

static void test_backoff_steps(void **state)
{
    struct config c;
    struct outbox_policy p;
    struct err e;

    (void)state;
    config_defaults(&c);
    err_clear(&e);
    assert_int_equal(outbox_policy_of(&c, &p, &e), 0);
    /* the default: 10 s, 30 s, 1 min, 5 min, 15 min, then hourly */
    assert_int_equal(outbox_backoff_s(&p, 1), 10);
    assert_int_equal(outbox_backoff_s(&p, 2), 30);
    assert_int_equal(outbox_backoff_s(&p, 5), 900);
    assert_int_equal(outbox_backoff_s(&p, 6), 3600);
    assert_int_equal(outbox_backoff_s(&p, 40), 3600);
    assert_int_equal(outbox_backoff_s(&p, 0), 10);
    assert_int_equal(p.max_attempts, 12);
    snprintf(c.outbox_backoff_s, sizeof(c.outbox_backoff_s), "2,4");
    c.outbox_max_attempts = 3;
    assert_int_equal(outbox_policy_of(&c, &p, &e), 0);
    assert_int_equal(outbox_backoff_s(&p, 1), 2);
    assert_int_equal(outbox_backoff_s(&p, 2), 4);
    assert_int_equal(outbox_backoff_s(&p, 3), 4); /* the last repeating */
    assert_int_equal(p.max_attempts, 3);
    snprintf(c.outbox_backoff_s, sizeof(c.outbox_backoff_s), "2,,4");
    assert_int_equal(outbox_policy_of(&c, &p, &e), -1);
    assert_true(err_is(&e, E_CONFIG));
}

static void test_phone_limits(void **state)
{
    struct outbox_policy p = {.limit_hour = 5, .limit_day = 10};

    (void)state;
    /* under both: now */
    assert_int_equal(outbox_limit_defer_s(&p, &(struct outbox_usage){4, 9, 3000, 80000}), 0);
    assert_int_equal(outbox_limit_defer_s(&p, &(struct outbox_usage){0, 0, 0, 0}), 0);
    /* the hour full: until its oldest is an hour old */
    assert_int_equal(outbox_limit_defer_s(&p, &(struct outbox_usage){5, 6, 600, 7000}), 3000);
    /* the day full: until its oldest is a day old, whatever the hour says */
    assert_int_equal(outbox_limit_defer_s(&p, &(struct outbox_usage){1, 10, 100, 80000}), 6400);
    assert_int_equal(outbox_limit_defer_s(&p, &(struct outbox_usage){5, 10, 600, 86000}), 3000);
    /* over, and the oldest just leaving: still never "now" */
    assert_int_equal(outbox_limit_defer_s(&p, &(struct outbox_usage){6, 6, 3600, 3600}), 1);
    /* 0 = no limit */
    p = (struct outbox_policy){.limit_hour = 0, .limit_day = 0};
    assert_int_equal(outbox_limit_defer_s(&p, &(struct outbox_usage){500, 900, 1, 1}), 0);
    p = (struct outbox_policy){.limit_hour = 0, .limit_day = 2};
    assert_int_equal(outbox_limit_defer_s(&p, &(struct outbox_usage){2, 2, 10, 86390}), 10);
}

static void test_china_midnight(void **state)
{
    (void)state;
    /* 2026-12-02 00:00:00 +08:00 is 1796140800 */
    assert_int_equal(outbox_until_china_midnight_s(1796140800), 86400);
    assert_int_equal(outbox_until_china_midnight_s(1796140800 + 86399), 1);
    assert_int_equal(outbox_until_china_midnight_s(1796140800 + 3600), 82800);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_parsing),
        cmocka_unit_test(test_backoff_steps),
        cmocka_unit_test(test_phone_limits),
        cmocka_unit_test(test_china_midnight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
