/*
 * test_netaddr.c — who the client is behind a proxy (lib/core/netaddr.c):
 * a table of peers and X-Forwarded-For headers with the address the rate
 * limits must count by; the trusted_proxies list syntax; matching
 * networks of both families.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/netaddr.h"

#define TRUSTED "10.0.0.0/8, 192.168.1.1, ::1, 2001:db8:1::/48"

static void client_table(void **state)
{
    static const struct {
        const char *trusted;
        const char *peer;
        const char *xff; /* NULL: no header */
        const char *client;
    } rows[] = {
        /* nothing trusted (the default): the header never counts */
        {"", "203.0.113.9", "198.51.100.7", "203.0.113.9"},
        {"", "127.0.0.1", "10.0.0.1", "127.0.0.1"},
        /* an untrusted peer's header is a spoof, whatever it says */
        {TRUSTED, "203.0.113.9", "198.51.100.7", "203.0.113.9"},
        {TRUSTED, "203.0.113.9", "10.0.0.1", "203.0.113.9"},
        {TRUSTED, "10.0.0.5x", "198.51.100.7", "10.0.0.5x"}, /* not an address: as given */
        /* a trusted peer without a header is the client */
        {TRUSTED, "10.0.0.5", NULL, "10.0.0.5"},
        {TRUSTED, "10.0.0.5", "", "10.0.0.5"},
        {TRUSTED, "10.0.0.5", " , ", "10.0.0.5"},
        /* one proxy */
        {TRUSTED, "10.0.0.5", "198.51.100.7", "198.51.100.7"},
        /* what the client put on the left is ignored */
        {TRUSTED, "10.0.0.5", "1.1.1.1, 198.51.100.7", "198.51.100.7"},
        {TRUSTED, "10.0.0.5", "10.9.9.9, 198.51.100.7", "198.51.100.7"},
        /* a chain of trusted proxies */
        {TRUSTED, "10.0.0.5", "198.51.100.7, 10.0.0.9", "198.51.100.7"},
        {TRUSTED, "192.168.1.1", "6.6.6.6, 198.51.100.7, 10.0.0.9, 10.0.0.8", "198.51.100.7"},
        /* all trusted: the farthest one */
        {TRUSTED, "10.0.0.5", "10.1.1.1, 10.2.2.2", "10.1.1.1"},
        /* 192.168.1.1 is one host, not a network */
        {TRUSTED, "192.168.1.2", "198.51.100.7", "192.168.1.2"},
        {TRUSTED, "10.0.0.5", "198.51.100.7, 192.168.1.2", "192.168.1.2"},
        /* garbage stops the walk at the last trusted address */
        {TRUSTED, "10.0.0.5", "garbage", "10.0.0.5"},
        {TRUSTED, "10.0.0.5", "1.1.1.1, garbage, 10.0.0.9", "10.0.0.9"},
        {TRUSTED, "10.0.0.5", "198.51.100.7:8080", "10.0.0.5"}, /* no ports */
        {TRUSTED, "10.0.0.5", "[2001:db8::7]", "10.0.0.5"},
        {TRUSTED, "10.0.0.5", "198.51.100.7 10.0.0.9", "10.0.0.5"},
        {TRUSTED, "10.0.0.5", "1.2.3", "10.0.0.5"},
        {TRUSTED, "10.0.0.5", "256.1.1.1", "10.0.0.5"},
        {TRUSTED, "10.0.0.5", "01.2.3.4", "10.0.0.5"},
        {TRUSTED, "10.0.0.5", "fe80::1%eth0", "10.0.0.5"},
        {TRUSTED, "10.0.0.5", "unknown", "10.0.0.5"},
        {TRUSTED, "10.0.0.5", "2001:db8::7::1", "10.0.0.5"},
        {TRUSTED, "10.0.0.5",
         "1234:5678:1234:5678:1234:5678:1234:5678:1234:5678:1234:5678:1234:5678:1234:5678",
         "10.0.0.5"},
        /* spaces, tabs and empty elements around the addresses */
        {TRUSTED, "10.0.0.5", " 198.51.100.7 ,\t10.0.0.9 ", "198.51.100.7"},
        {TRUSTED, "10.0.0.5", "198.51.100.7,, ,", "198.51.100.7"},
        {TRUSTED, "10.0.0.5", ",198.51.100.7", "198.51.100.7"},
        /* IPv6, printed canonically: one client is one key */
        {TRUSTED, "::1", "2001:DB8:0:0::7", "2001:db8::7"},
        {TRUSTED, "2001:db8:1::5", "2001:db8:2::1, 2001:db8:1:ffff::1", "2001:db8:2::1"},
        {TRUSTED, "2001:db8:2::5", "198.51.100.7", "2001:db8:2::5"}, /* outside the /48 */
        {TRUSTED, "::1", "198.51.100.7, ::1", "198.51.100.7"},       /* mixed families */
        /* IPv4-mapped IPv6 is the IPv4 address */
        {TRUSTED, "10.0.0.5", "::ffff:198.51.100.7", "198.51.100.7"},
        {TRUSTED, "::ffff:10.0.0.5", "198.51.100.7", "198.51.100.7"},
        {TRUSTED, "10.0.0.5", "198.51.100.7, ::ffff:10.0.0.9", "198.51.100.7"},
        /* everything trusted */
        {"0.0.0.0/0, ::/0", "203.0.113.9", "198.51.100.7, 203.0.113.1", "198.51.100.7"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct netaddr_list l;
        struct err e;
        char out[NETADDR_STRLEN];
        const char *got;

        err_clear(&e);
        if (netaddr_list_parse(rows[i].trusted, &l, &e) != 0)
            fail_msg("case %zu: list: %s", i, e.message);
        got = netaddr_client(&l, rows[i].peer, rows[i].xff, out);
        if (strcmp(got, rows[i].client) != 0)
            fail_msg("case %zu (peer %s, X-Forwarded-For \"%s\"): got %s, expected %s", i,
                     rows[i].peer, rows[i].xff ? rows[i].xff : "(none)", got, rows[i].client);
    }
}

static void list_syntax(void **state)
{
    static const struct {
        const char *spec;
        int n; /* -1: refused */
    } rows[] = {
        {"", 0},
        {"   ", 0},
        {"127.0.0.1", 1},
        {"10.0.0.0/8,192.168.0.0/16", 2},
        {" 10.0.0.0/8 , ::1 ,2001:db8::/32 ", 3},
        {"0.0.0.0/0", 1},
        {"::/0", 1},
        {"10.0.0.1/32", 1},
        {"::ffff:10.0.0.0/104", 1}, /* an IPv4-mapped network: 10.0.0.0/8 */
        {"10.0.0.0/33", -1},
        {"::/129", -1},
        {"10.0.0.1/8", -1}, /* host bits set: a typo for 10.0.0.0/8 or for /32 */
        {"1.0.0.0/0", -1},
        {"2001:db8::1/32", -1},
        {"10.0.0.0/", -1},
        {"/8", -1},
        {"10.0.0.0/8x", -1},
        {"10.0.0.0/-8", -1},
        {"10.0.0.0/0008", -1},
        {"::ffff:10.0.0.0/8", -1},
        {"localhost", -1},
        {"10.0.0.0/8,", -1}, /* an empty element */
        {",10.0.0.0/8", -1},
        {"10.0.0.1,,10.0.0.2", -1},
        {"10.0.0.1 10.0.0.2", -1},
        {"10.0.0.1;10.0.0.2", -1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct netaddr_list l;
        struct err e;
        int rc;

        err_clear(&e);
        rc = netaddr_list_parse(rows[i].spec, &l, &e);
        if (rows[i].n < 0) {
            if (rc == 0)
                fail_msg("case %zu (%s): accepted", i, rows[i].spec);
            assert_int_equal(e.code, E_CONFIG);
            assert_non_null(strstr(e.message, "trusted_proxies"));
        } else {
            if (rc != 0)
                fail_msg("case %zu (%s): %s", i, rows[i].spec, e.message);
            assert_int_equal(l.n, (size_t)rows[i].n);
        }
    }
}

static void list_limit(void **state)
{
    char spec[NETADDR_LIST_MAX * 16 + 32];
    size_t used = 0;
    struct netaddr_list l;
    struct err e;

    (void)state;
    for (int i = 0; i < NETADDR_LIST_MAX; i++)
        used += (size_t)snprintf(spec + used, sizeof(spec) - used, "%s10.0.%d.1", i ? "," : "", i);
    err_clear(&e);
    assert_int_equal(netaddr_list_parse(spec, &l, &e), 0);
    assert_int_equal(l.n, NETADDR_LIST_MAX);
    snprintf(spec + used, sizeof(spec) - used, ",10.1.0.1");
    assert_int_equal(netaddr_list_parse(spec, &l, &e), -1);
}

static void networks(void **state)
{
    static const struct {
        const char *net;
        const char *addr;
        bool in;
    } rows[] = {
        {"10.0.0.0/8", "10.255.255.255", true},
        {"10.0.0.0/8", "11.0.0.0", false},
        {"172.16.0.0/12", "172.31.0.1", true},
        {"172.16.0.0/12", "172.32.0.1", false},
        {"192.168.1.128/25", "192.168.1.200", true},
        {"192.168.1.128/25", "192.168.1.127", false},
        {"0.0.0.0/0", "203.0.113.9", true},
        {"0.0.0.0/0", "::1", false}, /* families never match each other */
        {"::/0", "10.0.0.1", false},
        {"::/0", "2001:db8::1", true},
        {"2001:db8::/33", "2001:db8:7fff::1", true},
        {"2001:db8::/33", "2001:db8:8000::1", false},
        {"::1", "::1", true},
        {"::1", "::2", false},
        {"::ffff:10.0.0.0/104", "10.1.2.3", true},
        {"10.0.0.0/8", "::ffff:10.1.2.3", true},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct netaddr_list l;
        struct netaddr a;
        struct err e;

        err_clear(&e);
        assert_int_equal(netaddr_list_parse(rows[i].net, &l, &e), 0);
        assert_true(netaddr_parse(rows[i].addr, strlen(rows[i].addr), &a));
        if (netaddr_list_contains(&l, &a) != rows[i].in)
            fail_msg("case %zu: %s in %s", i, rows[i].addr, rows[i].net);
    }
}

static void canonical_text(void **state)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
        {"::ffff:198.51.100.7", "198.51.100.7"},
        {"0:0:0:0:0:0:0:1", "::1"},
        {"198.51.100.7", "198.51.100.7"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct netaddr a;
        char out[NETADDR_STRLEN];

        assert_true(netaddr_parse(rows[i].in, strlen(rows[i].in), &a));
        netaddr_format(&a, out);
        assert_string_equal(out, rows[i].out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(client_table),   cmocka_unit_test(list_syntax),
        cmocka_unit_test(list_limit),     cmocka_unit_test(networks),
        cmocka_unit_test(canonical_text),
    };
    return cmocka_run_group_tests_name("netaddr", tests, NULL, NULL);
}
