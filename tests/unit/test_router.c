/*
 * test_router.c — matching requests against a route table (fcgi/router.c,
 * compiled in here with a table of our own): exact paths, {id} segments
 * that take only positive decimal integers, 404 against 405.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../fcgi/router.c"

static int h(struct req *r, struct err *e)
{
    (void)r;
    (void)e;
    return 0;
}

const struct route routes[] = {
    {"GET", "/api/v1/health", h, ACCESS_PUBLIC, 0, 0, "health", NULL},
    {"GET", "/api/v1/staff/resources", h, ACCESS_STAFF, 1, 0, "list", NULL},
    {"GET", "/api/v1/staff/resources/{id}", h, ACCESS_STAFF, 1, 0, "one", NULL},
    {"POST", "/api/v1/staff/tickets/{id}/notes/{id}", h, ACCESS_STAFF, 1, 0, "two", NULL},
};
const size_t nroutes = sizeof(routes) / sizeof(routes[0]);

struct row {
    const char *method, *path;
    enum route_match want;
    size_t route;
    int64_t p0, p1;
};

static const struct row rows[] = {
    {"GET", "/api/v1/health", ROUTE_FOUND, 0, 0, 0},
    {"POST", "/api/v1/health", ROUTE_BAD_METHOD, 0, 0, 0},
    {"GET", "/api/v1/health/", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "/api/v1/healthz", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "/api/v1/staff/resources", ROUTE_FOUND, 1, 0, 0},
    {"GET", "/api/v1/staff/resources/42", ROUTE_FOUND, 2, 42, 0},
    {"GET", "/api/v1/staff/resources/999999999999999", ROUTE_FOUND, 2, 999999999999999, 0},
    {"GET", "/api/v1/staff/resources/1000000000000000", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "/api/v1/staff/resources/0", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "/api/v1/staff/resources/007", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "/api/v1/staff/resources/-1", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "/api/v1/staff/resources/1.5", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "/api/v1/staff/resources/1e3", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "/api/v1/staff/resources/abc", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "/api/v1/staff/resources/1%27%20OR%201=1", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "/api/v1/staff/resources/..%2F..%2Fetc", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "/api/v1/staff/resources/1/", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "/api/v1/staff/resources/", ROUTE_NOT_FOUND, 0, 0, 0},
    {"DELETE", "/api/v1/staff/resources/42", ROUTE_BAD_METHOD, 0, 0, 0},
    {"POST", "/api/v1/staff/tickets/7/notes/9", ROUTE_FOUND, 3, 7, 9},
    {"GET", "/api/v1/staff/tickets/7/notes/9", ROUTE_BAD_METHOD, 0, 0, 0},
    {"POST", "/api/v1/staff/tickets/7/notes/x", ROUTE_NOT_FOUND, 0, 0, 0},
    {"GET", "", ROUTE_NOT_FOUND, 0, 0, 0},
};

static void table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct req r;
        size_t idx = 99;
        enum route_match m;

        memset(&r, 0, sizeof(r));
        m = router_match(rows[i].method, rows[i].path, &r, &idx);
        if (m != rows[i].want)
            fail_msg("%s %s: got %d, want %d", rows[i].method, rows[i].path, m, rows[i].want);
        if (m == ROUTE_FOUND) {
            assert_int_equal(idx, rows[i].route);
            if (rows[i].p0)
                assert_int_equal(r.params[0], rows[i].p0);
            if (rows[i].p1)
                assert_int_equal(r.params[1], rows[i].p1);
        }
    }
}

static void allowed(void **state)
{
    char out[64];

    (void)state;
    router_allowed("/api/v1/health", out, sizeof(out));
    assert_string_equal(out, "GET");
    router_allowed("/api/v1/staff/tickets/7/notes/9", out, sizeof(out));
    assert_string_equal(out, "POST");
    router_allowed("/api/v1/nothing", out, sizeof(out));
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(table), cmocka_unit_test(allowed)};
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
