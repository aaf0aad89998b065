/*
 * test_util.c — phone numbers, dates, times and randomness (lib/core/util.c)
 * the arena, and the id lists of the database layer (lib/db/db.c). The
 * configuration file has test_config.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/util.h"
#include "db/db.h"

static void phones(void **state)
{
    static const struct {
        const char *in;
        bool valid;
        const char *masked;
    } rows[] = {
        {"13800000001", true, "138****0001"}, {"19912345678", true, "199****5678"},
        {"23800000001", false, "***"},        {"1380000000", false, "***"},
        {"138000000011", false, "***"},       {"1380000000a", false, "***"},
        {"+8613800000", false, "***"},        {"", false, "***"},
    };
    char out[12];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(util_phone_valid(rows[i].in), rows[i].valid);
        util_phone_mask(rows[i].in, out);
        assert_string_equal(out, rows[i].masked);
    }
    assert_false(util_phone_valid(NULL));
}

static void dates(void **state)
{
    static const struct {
        const char *in;
        bool valid;
    } rows[] = {
        {"2024-02-29", true}, {"2023-02-29", false}, {"2000-02-29", true},   {"1900-02-29", false},
        {"2026-12-31", true}, {"2026-13-01", false}, {"2026-00-10", false},  {"2026-04-31", false},
        {"2026-4-1", false},  {"20260401", false},   {"2026-04-01x", false}, {"", false},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (util_date_valid(rows[i].in) != rows[i].valid)
            fail_msg("date %s", rows[i].in);
}

static void times(void **state)
{
    char out[26];

    (void)state;
    util_time_rfc3339(1700000000, out); /* 2023-11-14T22:13:20Z */
    assert_string_equal(out, "2023-11-15T06:13:20+08:00");
    assert_int_equal(util_db_time_to_rfc3339("2026-11-24 16:00:00", out), 0);
    assert_string_equal(out, "2026-11-25T00:00:00+08:00");
    assert_int_equal(util_db_time_to_rfc3339("garbage", out), -1);
    assert_int_equal(util_db_time_to_rfc3339(NULL, out), -1);
    /* the eight hours carried into the next day, month, year; leap days */
    {
        static const struct {
            const char *in, *out;
        } rows[] = {
            {"2026-12-31 15:59:59", "2026-12-31T23:59:59+08:00"},
            {"2026-12-31 16:00:00", "2027-01-01T00:00:00+08:00"},
            {"2026-02-28 16:30:05", "2026-03-01T00:30:05+08:00"},
            {"2028-02-28 20:00:00", "2028-02-29T04:00:00+08:00"},
            {"2028-02-29 23:59:59", "2028-03-01T07:59:59+08:00"},
            {"2000-02-28 16:00:00", "2000-02-29T00:00:00+08:00"},
            {"2100-02-28 16:00:00", "2100-03-01T00:00:00+08:00"},
            {"2026-04-30 17:00:00", "2026-05-01T01:00:00+08:00"},
            {"1970-01-01 00:00:00", "1970-01-01T08:00:00+08:00"},
        };
        static const char *const bad[] = {
            "2026-02-29 00:00:00", "2026-13-01 00:00:00", "2026-00-01 00:00:00",
            "2026-04-31 00:00:00", "2026-11-24 24:00:00", "2026-11-24 16:60:00",
            "2026-11-24 16:00:60", "2026-11-24T16:00:00", "2026-11-24 16:00:0x",
            "2026-11-24 16:00:00.5", "2026-11-24 16:00", "",
        };
        for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
            assert_int_equal(util_db_time_to_rfc3339(rows[i].in, out), 0);
            assert_string_equal(out, rows[i].out);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
            if (util_db_time_to_rfc3339(bad[i], out) != -1)
                fail_msg("\"%s\" was taken", bad[i]);
    }
}

/* RFC 3339 in: any offset, Z, fractions dropped; anything else refused. */
static void rfc3339_in(void **state)
{
    static const struct {
        const char *s;
        long long t; /* -1 = refused */
    } rows[] = {
        {"2026-12-01T08:00:00+08:00", 1796083200}, /* 2026-12-01 00:00 UTC */
        {"2026-12-01T00:00:00Z", 1796083200},
        {"2026-12-01t00:00:00z", 1796083200},
        {"2026-11-30T19:00:00-05:00", 1796083200},
        {"2026-12-01T00:00:00.123456Z", 1796083200},
        {"2026-12-01T05:30:00+05:30", 1796083200},
        {"1970-01-01T00:00:00Z", 0},
        {"2026-12-01T00:00:00", -1},  /* no offset */
        {"2026-12-01 00:00:00Z", -1}, /* a space, not T */
        {"2026-02-30T00:00:00Z", -1}, /* no such day */
        {"2026-12-01T24:00:00Z", -1},
        {"2026-12-01T00:60:00Z", -1},
        {"2026-12-01T00:00:00.Z", -1},    /* a dot without digits */
        {"2026-12-01T00:00:00+0800", -1}, /* the offset needs its colon */
        {"2026-12-01T00:00:00Zjunk", -1},
        {"", -1},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        time_t t = 12345;
        int rc = util_rfc3339_parse(rows[i].s, strlen(rows[i].s), &t);
        if (rows[i].t < 0) {
            assert_int_equal(rc, -1);
            assert_int_equal(t, 12345);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal((long long)t, rows[i].t);
        }
    }
}

static void randomness(void **state)
{
    int seen[6] = {0};
    unsigned char a[32], b[32];

    (void)state;
    for (int i = 0; i < 600; i++) {
        uint32_t v = util_random_below(6);
        assert_true(v < 6);
        seen[v]++;
    }
    for (int i = 0; i < 6; i++)
        assert_true(seen[i] > 40); /* each face turns up (p of failure ~1e-20) */
    util_random(a, sizeof(a));
    util_random(b, sizeof(b));
    assert_memory_not_equal(a, b, sizeof(a));
    assert_true(util_ct_equal(a, a, 32));
    assert_false(util_ct_equal(a, b, 32));
}

static void sha256(void **state)
{
    static const unsigned char abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                          0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                          0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                          0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    unsigned char out[32];

    (void)state;
    util_sha256("abc", 3, out);
    assert_memory_equal(out, abc, 32);
}

static void arena(void **state)
{
    struct arena a = {0};
    char *big, *s;

    (void)state;
    s = arena_strdup(&a, "物业");
    assert_string_equal(s, "物业");
    assert_string_equal(arena_printf(&a, "%d-%s", 7, "x"), "7-x");
    big = arena_alloc(&a, 100000); /* larger than a chunk */
    memset(big, 1, 100000);
    assert_int_equal(((uintptr_t)arena_alloc(&a, 3)) % 16, 0);
    arena_reset(&a);
    s = arena_strndup(&a, "abcdef", 3);
    assert_string_equal(s, "abc");
    arena_free(&a);
}

static void names(void **state)
{
    static const char *const set[] = {"repair", "cleaning", "other", NULL};

    (void)state;
    assert_int_equal(util_index_of("repair", set), 0);
    assert_int_equal(util_index_of("other", set), 2);
    assert_int_equal(util_index_of("Repair", set), -1);
    assert_int_equal(util_index_of("", set), -1);
    assert_int_equal(util_index_of(NULL, set), -1);
}

/* "1,4,7" both ways: what GROUP_CONCAT gives and FIND_IN_SET takes. */
static void id_lists(void **state)
{
    static const int64_t ids[] = {1, 4, 999999999999999, INT64_MAX};
    struct arena a = {0};
    const int64_t *back;
    size_t n;

    (void)state;
    assert_string_equal(db_id_list_text(&a, ids, 0), "");
    assert_string_equal(db_id_list_text(&a, ids, 1), "1");
    assert_string_equal(db_id_list_text(&a, ids, 4), "1,4,999999999999999,9223372036854775807");
    back = db_id_list(&a, db_id_list_text(&a, ids, 4), &n);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(back[i], ids[i]);
    db_id_list(&a, "", &n);
    assert_int_equal(n, 0);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phones),     cmocka_unit_test(dates),  cmocka_unit_test(times),
        cmocka_unit_test(randomness), cmocka_unit_test(sha256), cmocka_unit_test(arena),
        cmocka_unit_test(rfc3339_in), cmocka_unit_test(id_lists), cmocka_unit_test(names),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
