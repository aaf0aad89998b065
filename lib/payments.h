/*
 * payments.h — owners paying their bills online through WeChat Pay (PAY-1;
 * API.md "Owner" and "WeChat Pay notifications"; docs/payments.md has the
 * order's life with examples). The schema is sql/012_payments.sql.
 *
 * The data: a payment (our order, out_trade_no towards WeChat Pay) holds
 * its bills (bills.open_payment_id) from its creation until it is paid or
 * closed, and pays each exactly the amount fixed at creation (the bill's
 * due_fen then; payment_bills).
 *
 * The invariants:
 *   - a payment is applied to the books at most once: whoever applies or
 *     closes it locks its row first and acts only on a pending one, and
 *     the transaction id is unique;
 *   - every read that decides a write happens in the write's transaction,
 *     on the rows it locked (the bills through bills_lock_resource(), the
 *     payment FOR UPDATE); no lock is held across a call to WeChat Pay:
 *     the payment is made first (pending, no prepay_id), WeChat Pay is
 *     called, then the prepay_id is stored;
 *   - only what WeChat Pay signed is believed: a verified notification
 *     or a verified order query, never the mini-program's word.
 *
 * What is applied: one receipt per resource of the payment (method
 * wechat_pay, receipts.payment_id), each bill getting its fixed amount
 * through bills_apply_tx() — when the late fee has grown since, the bill
 * stays partial; when the bill no longer needs it all (a waiver, a void),
 * the rest goes to the resource's prepayment account and an alert is
 * recorded for the office.
 *
 * The client (wx) is the process's (lib/clients/wxpay.h), NULL when
 * WeChat Pay is not configured: creating a payment is then 503.
 */
#ifndef WUYE_PAYMENTS_H
#define WUYE_PAYMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "bills.h"
#include "clients/wxpay.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

/* ---- the pure part -------------------------------------------------------------------- */

/* out_trade_no: 'W', the China date of now (YYYYMMDD), 20 random letters
 * and digits (119 bits: not guessable): 29 characters of WeChat Pay's
 * allowed set. */
#define PAY_TRADE_NO_SIZE 33
void pay_trade_no(time_t now, char out[PAY_TRADE_NO_SIZE]);

/* The order's description (≤ 127 characters, PROTOCOLS.md §2.3):
 * "<project>-<fee item> <period>", "等N笔" after it for more than one bill,
 * cut at a character boundary. */
#define PAY_DESC_CHARS 127
#define PAY_DESC_SIZE (PAY_DESC_CHARS * 4 + 1)
void pay_description(const char *project, const char *item, const char *period, size_t nbills,
                     char out[PAY_DESC_SIZE]);

/* What one bill of a payment gets: min(fixed, due) while the bill is open,
 * nothing otherwise; the rest (fixed − pay) goes to prepayment. */
int64_t pay_bill_share(const struct bill *b, int64_t fixed_fen);

/* ---- reading -------------------------------------------------------------------------- */

struct payment_bill {
    int64_t bill_id, resource_id, fee_item_id, amount_fen;
    const char *fee_item_name, *period;
};

struct payment {
    int64_t id, total_fen, bill_count;
    const char *out_trade_no, *status, *created_at, *paid_at, *expires_at; /* times as stored */
    const char *receipt_no;   /* the first receipt's, NULL before paid */
    const char **receipt_nos; /* every receipt (one per resource) */
    size_t nreceipts;
    struct payment_bill *bills; /* the detail only */
    size_t nbills;
};

/* The caller's payment (404 for anyone else's), with its bills and
 * receipts. While pending it asks WeChat Pay for the order (at most every
 * few seconds per payment) and applies a success it finds. */
int pay_get(struct db *db, const struct wxpay_client *wx, struct arena *a,
            const struct principal *who, int64_t id, struct payment *out, struct err *e);
/* The caller's payments, newest first: before_id 0 = from the newest;
 * *next the cursor of the next page (0 = none). */
int pay_list(struct db *db, struct arena *a, const struct principal *who, int64_t before_id,
             int limit, struct payment **items, size_t *n, int64_t *next, struct err *e);

/* ---- writing -------------------------------------------------------------------------- */

struct pay_created {
    int64_t id, total_fen;
    char out_trade_no[PAY_TRADE_NO_SIZE];
    int64_t expires_at; /* Unix seconds */
    struct wxpay_pay_params params;
};
/* A payment of the chosen bills (API.md's rules in their order: 400 ids,
 * 404, 409 BILL_NOT_PAYABLE, 409 EARLIER_BILL_UNPAID, 409
 * WECHAT_NOT_BOUND; 400 for bills of two projects), open for ttl_s
 * seconds, and its WeChat Pay order. When WeChat Pay fails, the payment
 * is closed and its bills let go before the error (502 WXPAY_FAILED, 503)
 * is returned. */
int pay_create(struct db *db, const struct wxpay_client *wx, int ttl_s, struct arena *a,
               const struct principal *who, const int64_t *ids, size_t n, struct pay_created *out,
               struct err *e);
/* The owner gives up a pending payment: closed at WeChat Pay, then here,
 * its bills let go (409 PAYMENT_NOT_PENDING when it is paid, also when
 * it turns out paid now; a closed one is answered as it is). */
int pay_cancel(struct db *db, const struct wxpay_client *wx, struct arena *a,
               const struct principal *who, int64_t id, struct payment *out, struct err *e);

/* A payment notification (API.md): APPLIED and ALREADY and RECORDED are
 * answered 204 (RECORDED: verified, kept for the office, nothing applied:
 * another trade_state, a success for a closed order); MISMATCH 400 (an
 * alert was recorded). -1: 401 for what does not verify, 500 for what
 * could not be applied now (WeChat Pay retries; a notification that
 * does not decrypt is also recorded), 400 BAD_REQUEST for a verified one
 * that is malformed. */
enum pay_notice_outcome {
    PAY_NOTICE_APPLIED,
    PAY_NOTICE_ALREADY,
    PAY_NOTICE_RECORDED,
    PAY_NOTICE_MISMATCH
};
int pay_notice(struct db *db, const struct wxpay_client *wx, const struct wxpay_notice_in *in,
               enum pay_notice_outcome *out, struct err *e);

/* The expiry job's run: up to limit pending payments past expires_at are
 * closed at WeChat Pay and here (their bills let go), or applied when
 * WeChat Pay says they were paid after all. */
struct pay_expire_counts {
    int64_t due, applied, closed, failed;
};
int pay_expire_run(struct db *db, const struct wxpay_client *wx, int limit,
                   struct pay_expire_counts *n, struct err *e);

#endif
