/*
 * test_tickets.c — the tickets' state table (lib/ticket_flow.c) and the
 * knowledge base's words (ticket_bigrams()), no database:
 *   - the table walked against API.md's table, typed in again below by
 *     hand: every action in every state is allowed exactly where API.md
 *     says, leads where it says, for whom it says;
 *   - the order of the checks: a state the action does not start from is
 *     409 INVALID_TRANSITION whoever asks, and only then the role 403;
 *   - who is the desk, the assignee, the pool, the owner;
 *   - docs/api.md prints exactly the table (ticket_flow_doc_row());
 *   - the bigrams of Chinese text, punctuation and ASCII.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tickets.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* API.md's table, by hand: the states each action starts from, its
 * state after ("=" unchanged), who. D the desk, A the assignee, P a
 * technician taking from the pool, O the owner. */
static const struct {
    const char *action;
    const char *from[7];
    const char *to;
    const char *who;
} api[] = {
    {"accept", {"submitted"}, "accepted", "D"},
    {"reject", {"submitted", "accepted"}, "rejected", "D"},
    {"dispatch", {"accepted"}, "dispatched", "D"},
    {"take", {"dispatched", "accepted"}, "taken", "AP"},
    {"start", {"taken"}, "in_progress", "A"},
    {"complete", {"in_progress"}, "completed", "A"},
    {"close", {"completed"}, "closed", "D"},
    {"visit", {"closed"}, "visited", "D"},
    {"reassign", {"dispatched", "taken", "in_progress"}, "dispatched", "D"},
    {"escalate",
     {"submitted", "accepted", "dispatched", "taken", "in_progress", "completed"},
     "=",
     "DA"},
    {"cancel", {"submitted", "accepted"}, "cancelled", "DO"},
    /* the owner's rating (API.md: once, when completed, closed or visited) */
    {"rate", {"completed", "closed", "visited"}, "=", "O"},
};

static unsigned who_bits(const char *w)
{
    unsigned b = 0;

    for (; *w; w++)
        b |= *w == 'D'   ? TICKET_BY_DESK
             : *w == 'A' ? TICKET_BY_ASSIGNEE
             : *w == 'P' ? TICKET_BY_POOL
                         : TICKET_BY_OWNER;
    return b;
}

static bool starts_from(size_t row, const char *status)
{
    for (size_t k = 0; k < N(api[row].from) && api[row].from[k]; k++)
        if (strcmp(api[row].from[k], status) == 0)
            return true;
    return false;
}

static void test_the_table_is_api_md(void **state)
{
    (void)state;
    assert_int_equal(N(api), TICKET_NACTIONS);
    for (size_t i = 0; i < N(api); i++) {
        const struct ticket_rule *r = ticket_rule_named(api[i].action);
        assert_non_null(r);
        assert_int_equal(r->action, (int)i); /* indexed by its action */
        assert_ptr_equal(r, &ticket_rules[i]);
        assert_int_equal(r->who, who_bits(api[i].who));
        for (int s = 0; s < TICKET_NSTATUS; s++) {
            const char *name = ticket_status_name((enum ticket_status)s);
            bool allowed = starts_from(i, name);
            struct err e = {0};
            /* the one who may: allowed exactly from API.md's states */
            int rc = ticket_check(r->action, (enum ticket_status)s, r->who, &e);
            assert_int_equal(rc, allowed ? 0 : -1);
            if (!allowed)
                assert_true(err_is(&e, E_INVALID_TRANSITION));
            else if (strcmp(api[i].to, "=") == 0)
                assert_int_equal(ticket_next(r->action, (enum ticket_status)s), s);
            else
                assert_string_equal(
                    ticket_status_name(ticket_next(r->action, (enum ticket_status)s)), api[i].to);
        }
    }
    assert_null(ticket_rule_named("delete"));
    assert_null(ticket_rule_named(NULL));
}

/* Every action, state and kind of caller: 409 where the state does not
 * allow it, whoever asks; else 403 for whoever is not in the row's who. */
static void test_state_before_role(void **state)
{
    static const unsigned actors[] = {0,
                                      TICKET_BY_DESK,
                                      TICKET_BY_ASSIGNEE,
                                      TICKET_BY_POOL,
                                      TICKET_BY_OWNER,
                                      TICKET_BY_DESK | TICKET_BY_ASSIGNEE};
    int n409 = 0, n403 = 0, ok = 0;

    (void)state;
    for (int a = 0; a < TICKET_NACTIONS; a++)
        for (int s = 0; s < TICKET_NSTATUS; s++)
            for (size_t k = 0; k < N(actors); k++) {
                struct err e = {0};
                bool allowed = starts_from((size_t)a, ticket_status_name((enum ticket_status)s));
                int rc = ticket_check((enum ticket_action)a, (enum ticket_status)s, actors[k], &e);
                if (!allowed) {
                    assert_int_equal(rc, -1);
                    assert_true(err_is(&e, E_INVALID_TRANSITION));
                    assert_true((unsigned char)e.message[0] >= 0x80);
                    n409++;
                } else if (!(actors[k] & who_bits(api[a].who))) {
                    assert_int_equal(rc, -1);
                    assert_true(err_is(&e, E_FORBIDDEN));
                    n403++;
                } else {
                    assert_int_equal(rc, 0);
                    ok++;
                }
            }
    assert_true(n409 > 0 && n403 > 0 && ok > 0);
}

static void test_who_is_who(void **state)
{
    static const int64_t p1[] = {1}, p12[] = {1, 2};
    struct principal butler = {SUBJECT_STAFF, 10, ROLE_BUTLER, 1, p1};
    struct principal super = {SUBJECT_STAFF, 11, ROLE_SUPERVISOR, 2, p12};
    struct principal admin = {SUBJECT_STAFF, 12, ROLE_ADMIN | ROLE_MANAGER, 1, p1};
    struct principal manager = {SUBJECT_STAFF, 13, ROLE_MANAGER, 1, p1};
    struct principal tech = {SUBJECT_STAFF, 4, ROLE_TECHNICIAN, 1, p1};
    struct principal guard = {SUBJECT_STAFF, 14, ROLE_GUARD, 1, p1};
    struct principal owner = {SUBJECT_OWNER, 7, 0, 0, NULL};

    (void)state;
    assert_int_equal(ticket_actor_of(&butler, 1, 0, true, 7), TICKET_BY_DESK);
    assert_int_equal(ticket_actor_of(&super, 2, 4, true, 7), TICKET_BY_DESK);
    assert_int_equal(ticket_actor_of(&admin, 1, 4, true, 7), TICKET_BY_DESK);
    /* a manager sees tickets but is not the desk (API.md) */
    assert_int_equal(ticket_actor_of(&manager, 1, 0, true, 7), 0);
    assert_true(ticket_may_see(&manager, 1, true, 7));
    /* the technician: the assignee, or the pool while nobody is */
    assert_int_equal(ticket_actor_of(&tech, 1, 4, true, 7), TICKET_BY_ASSIGNEE);
    assert_int_equal(ticket_actor_of(&tech, 1, 0, true, 7), TICKET_BY_POOL);
    assert_int_equal(ticket_actor_of(&tech, 1, 5, true, 7), 0);
    assert_int_equal(ticket_actor_of(&guard, 1, 0, true, 7), 0);
    /* another project: nothing, and nothing to see */
    assert_int_equal(ticket_actor_of(&butler, 2, 0, true, 7), 0);
    assert_false(ticket_may_see(&butler, 2, true, 7));
    assert_int_equal(ticket_actor_of(&tech, 2, 4, true, 7), 0);
    /* the owner who reported it, and nobody else */
    assert_int_equal(ticket_actor_of(&owner, 1, 0, true, 7), TICKET_BY_OWNER);
    assert_true(ticket_may_see(&owner, 1, true, 7));
    assert_int_equal(ticket_actor_of(&owner, 1, 0, true, 8), 0);
    assert_false(ticket_may_see(&owner, 1, true, 8));
    /* staff reported it: person 7 is not its reporter, staff 7 may be */
    assert_int_equal(ticket_actor_of(&owner, 1, 0, false, 7), 0);
    assert_false(ticket_may_see(&owner, 1, false, 7));
}

/* The rows "| `accept` | …" of docs/api.md's ticket section are exactly
 * the table, in its order. */
static void test_docs_print_the_table(void **state)
{
    FILE *f = fopen(DOCS_API, "r");
    char line[1024], want[512];
    size_t row = 0;
    bool in_table = false;

    (void)state;
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strstr(line, "<!-- ticket-states -->"))
            in_table = true;
        else if (strstr(line, "<!-- /ticket-states -->"))
            break;
        if (!in_table || strncmp(line, "| `", 3) != 0)
            continue;
        if (row == TICKET_NACTIONS)
            fail_msg("docs/api.md has a row the table has not: %s", line);
        ticket_flow_doc_row((enum ticket_action)row, want, sizeof(want));
        if (strcmp(line, want) != 0)
            fail_msg("docs/api.md row %zu:\n  docs: %s\n  code: %s", row, line, want);
        row++;
    }
    fclose(f);
    assert_int_equal(row, TICKET_NACTIONS);
}

static void expect_bigrams(const char *text, const char *const *want, size_t nwant)
{
    char got[64][9];
    size_t n = ticket_bigrams(text, got, 64);

    if (n != nwant) {
        for (size_t i = 0; i < n; i++)
            print_error("  %s\n", got[i]);
        fail_msg("\"%s\": %zu bigrams, want %zu", text, n, nwant);
    }
    for (size_t i = 0; i < n; i++)
        assert_string_equal(got[i], want[i]);
}

static void test_bigrams(void **state)
{
    static const char *const leak[] = {"厨房", "房水", "水管", "管漏", "漏水"};
    static const char *const split[] = {"漏水", "更换", "软管"};
    static const char *const ascii[] = {"pp", "pr", "r管", "管件", "dn", "n2", "20"};
    static const char *const twice[] = {"漏水", "水漏"};
    static const char *const none[] = {""};
    char small[2][9];

    (void)state;
    expect_bigrams("厨房水管漏水", leak, N(leak));
    /* punctuation and spaces end a word: no bigram across them */
    expect_bigrams("漏水，更换 软管。", split, N(split));
    expect_bigrams("PPR管件 DN20", ascii, N(ascii));
    /* each bigram once */
    expect_bigrams("漏水漏水", twice, N(twice));
    expect_bigrams("水", none, 0);
    expect_bigrams("“水”、（管）！", none, 0);
    expect_bigrams("", none, 0);
    /* at most max */
    assert_int_equal(ticket_bigrams("厨房水管漏水", small, 2), 2);
    assert_string_equal(small[1], "房水");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_table_is_api_md),
        cmocka_unit_test(test_state_before_role),
        cmocka_unit_test(test_who_is_who),
        cmocka_unit_test(test_docs_print_the_table),
        cmocka_unit_test(test_bigrams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
