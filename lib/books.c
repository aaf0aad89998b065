/* books.c — see books.h. */
#include "books.h"

#include <inttypes.h>
#include <string.h>

#include "bills.h"

/* Each rule is one statement whose rows are its breaches: an id and the
 * two figures that disagree. */
struct rule {
    const char *what; /* "bill %lld: discount_fen %lld, its discounts %lld" */
    struct db_sql *q;
};

DB_SQL(sql_discounts,
       "SELECT b.id, b.discount_fen, IFNULL(d.s, 0) FROM bills b LEFT JOIN "
       "(SELECT bill_id, SUM(amount_fen) s FROM bill_discounts GROUP BY bill_id) d "
       "ON d.bill_id = b.id WHERE b.discount_fen <> IFNULL(d.s, 0) LIMIT 200");
DB_SQL(sql_paid, "SELECT b.id, b.paid_fen, IFNULL(x.s, 0) FROM bills b LEFT JOIN "
                 "(SELECT bill_id, SUM(amount_fen) s FROM bill_applications GROUP BY bill_id) x "
                 "ON x.bill_id = b.id WHERE b.paid_fen <> IFNULL(x.s, 0) LIMIT 200");
/* money in: what it applied (not the reversals) and what it put on accounts */
DB_SQL(sql_receipts_in,
       "SELECT r.id, r.amount_fen, IFNULL(x.s, 0) + IFNULL(n.s, 0) FROM receipts r "
       "LEFT JOIN (SELECT receipt_id, SUM(amount_fen) s FROM bill_applications "
       "WHERE reverses_id IS NULL GROUP BY receipt_id) x ON x.receipt_id = r.id "
       "LEFT JOIN (SELECT receipt_id, SUM(delta_fen) s FROM account_entries "
       "WHERE reason IN ('collect', 'overpay') GROUP BY receipt_id) n ON n.receipt_id = r.id "
       "WHERE r.method NOT IN ('prepay', 'deposit') "
       "AND r.amount_fen <> IFNULL(x.s, 0) + IFNULL(n.s, 0) LIMIT 200");
DB_SQL(sql_receipts_to_prepay,
       "SELECT r.id, r.to_prepay_fen, IFNULL(n.s, 0) FROM receipts r "
       "LEFT JOIN (SELECT receipt_id, SUM(delta_fen) s FROM account_entries "
       "WHERE reason = 'overpay' GROUP BY receipt_id) n ON n.receipt_id = r.id "
       "WHERE r.purpose = 'bills' AND r.to_prepay_fen <> IFNULL(n.s, 0) LIMIT 200");
/* an offset (of a prepayment or a deposit): what it applied is what it
 * took off the account */
DB_SQL(sql_receipts_offset,
       "SELECT r.id, r.amount_fen, IFNULL(x.s, 0) - IFNULL(n.s, 0) FROM receipts r "
       "LEFT JOIN (SELECT receipt_id, SUM(amount_fen) s FROM bill_applications "
       "WHERE reverses_id IS NULL GROUP BY receipt_id) x ON x.receipt_id = r.id "
       "LEFT JOIN (SELECT receipt_id, SUM(delta_fen) s FROM account_entries "
       "WHERE reason = 'offset' GROUP BY receipt_id) n ON n.receipt_id = r.id "
       "WHERE r.method IN ('prepay', 'deposit') AND (r.amount_fen <> IFNULL(x.s, 0) "
       "OR r.amount_fen <> -IFNULL(n.s, 0)) LIMIT 200");
DB_SQL(sql_receipts_voided,
       "SELECT r.id, 0, SUM(x.amount_fen) FROM receipts r JOIN bill_applications x "
       "ON x.receipt_id = r.id WHERE r.status = 'voided' GROUP BY r.id "
       "HAVING SUM(x.amount_fen) <> 0 LIMIT 200");
DB_SQL(sql_accounts, "SELECT a.id, a.balance_fen, IFNULL(x.s, 0) FROM accounts a LEFT JOIN "
                     "(SELECT account_id, SUM(delta_fen) s FROM account_entries "
                     "GROUP BY account_id) x ON x.account_id = a.id "
                     "WHERE a.balance_fen <> IFNULL(x.s, 0) OR a.balance_fen < 0 LIMIT 200");

static const struct rule rules[] = {
    {"bill %" PRId64 ": discount_fen %" PRId64 ", its discounts sum to %" PRId64, &sql_discounts},
    {"bill %" PRId64 ": paid_fen %" PRId64 ", its applications sum to %" PRId64, &sql_paid},
    {"receipt %" PRId64 ": amount_fen %" PRId64 ", applied and credited %" PRId64,
     &sql_receipts_in},
    {"receipt %" PRId64 ": to_prepay_fen %" PRId64 ", credited to prepayment %" PRId64,
     &sql_receipts_to_prepay},
    {"offset receipt %" PRId64 ": amount_fen %" PRId64 ", applied %" PRId64
     " (and taken off the account)",
     &sql_receipts_offset},
    {"voided receipt %" PRId64 ": applications should sum to %" PRId64 ", they sum to %" PRId64,
     &sql_receipts_voided},
    {"account %" PRId64 ": balance_fen %" PRId64 ", its entries sum to %" PRId64, &sql_accounts},
};

struct tally {
    FILE *out;
    long n;
};

static void breach(struct tally *t, const char *fmt, int64_t a, int64_t b, int64_t c)
{
    t->n++;
    if (t->out) {
        fprintf(t->out, fmt, a, b, c);
        fputc('\n', t->out);
    }
}

/* A bill's own figures (bills.h): due ≥ 0; what its status says. */
static int check_bill(void *arg, const struct bill *b, struct err *e)
{
    struct tally *t = arg;
    const char *why = NULL;

    (void)e;
    if (b->due_fen < 0)
        why = "bill %" PRId64 ": figures break the rules (amount %" PRId64 ", paid %" PRId64 ")";
    else if (b->status == BILL_PAID && b->due_fen != 0)
        why = "bill %" PRId64 ": paid with %" PRId64 " still due (paid %" PRId64 ")";
    else if (b->status == BILL_UNPAID && b->paid_fen != 0)
        why = "bill %" PRId64 ": unpaid with due %" PRId64 " and %" PRId64 " paid";
    else if (b->status == BILL_VOID && b->paid_fen != 0)
        why = "bill %" PRId64 ": void with due %" PRId64 " and %" PRId64 " paid";
    else if (b->status == BILL_PARTIAL && (b->paid_fen == 0 || b->due_fen == 0))
        why = "bill %" PRId64 ": partial with due %" PRId64 " and %" PRId64 " paid";
    if (why)
        breach(t, why, b->id, b->due_fen < 0 ? b->amount_fen : b->due_fen, b->paid_fen);
    return 0;
}

int books_check(struct db *db, FILE *out, long *breaches, struct err *e)
{
    struct tally t = {out, 0};
    struct arena a = {0};
    int rc = -1;

    *breaches = 0;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        struct db_res r;
        if (db_query(db, &a, rules[i].q, DB_NOARGS, &r, e) < 0)
            goto out;
        for (size_t j = 0; j < r.nrows; j++)
            breach(&t, rules[i].what, db_int(&r, j, 0), db_int(&r, j, 1), db_int(&r, j, 2));
    }
    if (bills_scan(db, check_bill, &t, e) < 0)
        goto out;
    *breaches = t.n;
    rc = 0;
out:
    arena_free(&a);
    return rc;
}
