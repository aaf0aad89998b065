/*
 * ticket_stats.h — the tickets' statistics (TKT-6; docs/tickets.md,
 * docs/api.md §7.17): for one project and a period of China days, by the
 * tickets' creation, per type, month or assignee — how many were
 * created, completed, closed, cancelled and rejected, the completion
 * rate, the average response (submitted → accepted) and handling
 * (accepted → completed) times with their medians and 90th percentiles,
 * how many were completed by their deadline, the owners' ratings and how
 * many went overdue; and the same for the whole period.
 *
 * The database sums (one grouped statement over a range of
 * ix_tickets_project_created); the figures are integers computed here by
 * ticket_stats_figure(), pure and unit-tested: a rate in basis points,
 * times in whole seconds, the average score ×100, each rounded half up,
 * and absent (JSON null) when nothing is there to average. Nothing is
 * floating point.
 *
 * Percentiles are nearest-rank, defined here by ticket_stats_rank(): the
 * rank among the group's times sorted ascending is computed from the
 * sums' counts, and a second statement numbers the times in the database
 * (ROW_NUMBER() per group) and hands back only the times at those ranks
 * — four per group, not every ticket of the period. Not MariaDB's
 * PERCENTILE_DISC: it takes the fraction as a binary fraction and compares
 * cumulative distributions in floating point, and the definition would
 * then be the server's, not ours. Both statements read one snapshot (a
 * transaction that writes nothing), so the ranks fit the counts.
 *
 * The answer is a report (report_table.h), so the JSON, the CSV and the
 * XLSX are one set of figures. A reading, never a decision.
 */
#ifndef WUYE_TICKET_STATS_H
#define WUYE_TICKET_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"
#include "report_table.h"

/* The longest period asked at once (days, both ends included). */
#define TICKET_STATS_MAX_DAYS 731

/* What the database sums for a group of tickets. */
struct ticket_stats_sums {
    int64_t created, completed, closed, cancelled, rejected;
    int64_t responded, response_s; /* accepted ones, Σ seconds submitted → accepted */
    int64_t handled, handling_s;   /* completed ones, Σ seconds accepted → completed */
    int64_t ratings, rating_sum;   /* the owners' ratings (1..5) */
    int64_t overdue;               /* a deadline missed (either flag) */
    int64_t on_time;               /* completed ones, completed_at <= complete_due_at */
};

/* What is shown of them; has_* false = nothing to compute it from. */
struct ticket_stats_figures {
    bool has_rate, has_on_time, has_response, has_handling, has_rating;
    /* completed of those not cancelled or rejected, in 1/10000 */
    int64_t completion_rate_bp;
    /* completed by the deadline of the completed, in 1/10000 */
    int64_t on_time_bp;
    int64_t avg_response_s, avg_handling_s;
    int64_t rating_avg_x100; /* the average score × 100 */
};

/* The figures of s (pure). */
void ticket_stats_figure(const struct ticket_stats_sums *s, struct ticket_stats_figures *out);
/* total += s (pure). */
void ticket_stats_add(struct ticket_stats_sums *total, const struct ticket_stats_sums *s);

/* The nearest-rank pct-th percentile of n values (n >= 1, 1 <= pct <=
 * 100) is the value at this 1-based rank once they are sorted ascending,
 * ⌈n·pct/100⌉: the smallest value with at least pct % of the values at or
 * below it, ties or not (pure). */
int64_t ticket_stats_rank(int64_t n, int64_t pct);

struct ticket_stats_query {
    int64_t project_id;    /* required: one of the caller's (else 404) */
    const char *from, *to; /* YYYY-MM-DD, China days; NULL: this month until today */
    const char *group;     /* type (NULL: the default) | month | assignee */
};

/* The statistics as a report: its values project_id, from, to, group;
 * one section "groups" (a row per group that has tickets, in the order
 * of types, of months, of assignee ids with the unassigned first) with
 * the totals row "total". 400 for a bad day, a period backwards or
 * longer than TICKET_STATS_MAX_DAYS, an unknown group; 404 outside the
 * caller's projects. */
int ticket_stats(struct db *db, struct arena *a, const struct principal *who,
                 const struct ticket_stats_query *q, struct report *out, struct err *e);

#endif
