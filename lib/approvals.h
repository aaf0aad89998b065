/*
 * approvals.h — what one person may not do alone (FEE-5, FEE-6, PAY-2..4):
 * waive part of a bill, void a bill, void a receipt, refund a prepayment
 * or a deposit. The schema is sql/007_bills.sql (approval_policies,
 * approvals, approval_steps) and sql/009_approvals.sql; docs/books.md,
 * "Approvals and reversals", states the rules with examples.
 *
 * A request fixes its steps at once: the project's policy for its kind
 * (the default below when the project has none) gives ordered steps, each
 * a role and a threshold, and a step applies when the request's amount is
 * at least its threshold. Each decision is an approval_steps row and an
 * audit row in one transaction. The books do not change until the last
 * step is approved; the change is then made in that same transaction, on
 * rows it locks, after checking its preconditions again (the bill may
 * have been paid meanwhile). When they no longer hold, the approval fails
 * with their 409 and stays pending: nothing was written, the last
 * approver may reject it or the requester cancel it.
 *
 * Who: a request comes from staff of the target's project with one of
 * APPROVAL_ROLES; a decision from staff of the approval's project who
 * hold the current step's role, never the requester, and never someone
 * who decided an earlier step of the same request (four eyes means two
 * people). Another project's bill, receipt, account or approval is 404.
 *
 * Who hears of it (SMS through the outbox, in the same transaction, once
 * per approval and step): the staff of the project holding the role of the
 * step that now awaits — but not the requester — when a request is made
 * and after each approval but the last; the requester alone when it is
 * approved or rejected (sms_template_approval, sms_template_approval_result;
 * docs/messages.md). A cancel tells nobody.
 *
 * Lock order, as the desk's (bills.h): the approval, then a receipt, then
 * the resource's accounts, then its bills.
 *
 * The pure half (no database) is what the unit tests call: the policy's
 * rules and its steps for an amount, who may decide, and the arithmetic of
 * a waiver and of a payment undone.
 */
#ifndef WUYE_APPROVALS_H
#define WUYE_APPROVALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "bills.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

enum approval_kind { APPROVAL_WAIVER, APPROVAL_BILL_VOID, APPROVAL_RECEIPT_VOID, APPROVAL_REFUND };
#define APPROVAL_KINDS 4
enum approval_status { APPROVAL_PENDING, APPROVAL_APPROVED, APPROVAL_REJECTED, APPROVAL_CANCELLED };

/* The stable names of the schema and the API; -1 / NULL outside them. */
const char *approval_kind_name(enum approval_kind k);
int approval_kind_from_name(const char *s, enum approval_kind *out);
const char *approval_status_name(enum approval_status s);
int approval_status_from_name(const char *s, enum approval_status *out);

/* Who may ask for one, decide one, and be a policy's step. */
#define APPROVAL_ROLES (ROLE_BUTLER | ROLE_SUPERVISOR | ROLE_MANAGER | ROLE_CASHIER | ROLE_ADMIN)
#define APPROVAL_STEPS_MAX 8

/* ---- policies (pure) ----------------------------------------------------------------- */

/* One step of a policy: its role's name, and the least amount it applies to. */
struct approval_rule {
    const char *role;
    int64_t min_amount_fen;
};

/* A policy as the office may set it (400 otherwise): 1..APPROVAL_STEPS_MAX
 * steps, each role one of APPROVAL_ROLES' names, thresholds
 * 0..MONEY_MAX_FEN, and the first step's 0 — so every request has at
 * least one approval, whatever its amount. */
int approval_policy_check(const struct approval_rule *v, size_t n, struct err *e);
/* The roles of the steps of v[0..n) that apply to amount_fen, in order,
 * into roles (room for n); how many. */
size_t approval_steps_for(const struct approval_rule *v, size_t n, int64_t amount_fen,
                          const char **roles);
/* The policy of a project that has none for a kind: a supervisor, and a
 * manager as well from 1,000 yuan (docs/api.md §7.16). Static storage. */
void approval_default_policy(const struct approval_rule **v, size_t *n);

/* ---- an approval ----------------------------------------------------------------------- */

struct approval_step {
    int step; /* 1-based */
    const char *role;
    /* approved, rejected: decided; pending: awaiting a decision now;
     * waiting: a later step; skipped: never reached (rejected, cancelled) */
    const char *status;
    int64_t decided_by; /* 0 = not decided */
    const char *decided_by_name, *note;
    char decided_at[26]; /* "" = not decided */
};

struct approval {
    int64_t id, project_id, resource_id, amount_fen, requested_by;
    /* the bill (waiver, bill_void), the receipt (receipt_void) or the
     * account (refund) */
    int64_t target_id;
    enum approval_kind kind;
    enum approval_status status;
    const char *method; /* refund: how it is paid out; NULL otherwise */
    const char *reason, *requested_by_name;
    const char *account_kind; /* refund: "prepay" or "deposit"; NULL otherwise */
    const char *receipt_no;   /* receipt_void; NULL otherwise */
    char created_at[26], decided_at[26];
    struct approval_step *steps;
    size_t nsteps, next_step; /* next_step: index of the step awaiting a decision */
};

/* May who decide x's current step (pure)? In this order: 404 outside
 * who's projects; 409 APPROVAL_DECIDED unless pending; 403 for the
 * requester, for someone who decided an earlier step, and for someone
 * without the step's role — each with its own message. */
int approval_may_decide(const struct approval *x, const struct principal *who, struct err *e);
/* May who cancel x? 404, 409 as above; 403 unless who asked for it. */
int approval_may_cancel(const struct approval *x, const struct principal *who, struct err *e);

/* ---- the arithmetic (pure) ----------------------------------------------------------- */

/* What is open of b's principal (amount − discount − paid, at least 0):
 * the most a waiver may take off. */
int64_t approval_open_principal(const struct bill *b);

/* What waiving amount_fen (1..approval_open_principal()) of open bill b
 * does to it today: the late fee accrued so far is frozen first (as a
 * payment does, bill_late_freeze()), so the smaller principal changes only
 * what accrues from today; paid once nothing is due. -1 on other input. */
struct approval_waive_after {
    int64_t discount_fen, late_frozen_fen, due_fen;
    int32_t late_from; /* 0 = none */
    enum bill_status status;
};
int approval_waive_figures(const struct bill *b, int64_t amount_fen, int32_t today,
                           struct approval_waive_after *out);

/* What undoing an application of amount_fen (late_fen of it paid late
 * fee) does to bill b: paid_fen less by as much, open again (unpaid with
 * nothing paid, else partial). The frozen late fee and the day it accrues
 * from stay: that fee was owed until the payment, and from the payment on
 * it accrues again on the principal reopened. late_part_fen is −late_fen,
 * for the reversing row. -1 for an amount outside 1..paid_fen or a void
 * bill. */
int approval_reverse_figures(const struct bill *b, int64_t amount_fen, int64_t late_fen,
                             struct bill_after *out);

/* ---- the database half --------------------------------------------------------------- */

/* A project's policy for each kind (404 outside who's projects), in the
 * order of enum approval_kind; is_default when the project has none. */
struct approval_policy {
    enum approval_kind kind;
    bool is_default;
    const struct approval_rule *steps;
    size_t nsteps;
};
int approval_policies_get(struct db *db, struct arena *a, const struct principal *who,
                          int64_t project_id, struct approval_policy out[APPROVAL_KINDS],
                          struct err *e);
/* Replace a project's policy for a kind (approval_policy_check(); 404),
 * one transaction with its audit row. Requests made before keep their steps. */
int approval_policy_set(struct db *db, const struct principal *who, int64_t project_id,
                        enum approval_kind kind, const struct approval_rule *v, size_t n,
                        struct err *e);

/* A request. target_id is the bill (waiver, bill_void), the receipt
 * (receipt_void), or the resource whose account_kind account is refunded. */
struct approval_in {
    enum approval_kind kind;
    int64_t target_id;
    const char *account_kind; /* refund: "prepay" or "deposit" */
    int64_t amount_fen;       /* waiver, refund: 1..MONEY_MAX_FEN (else 400) */
    const char *method;       /* refund: a desk method (pay_method_desk(), else 400) */
    const char *reason;       /* required */
};
/* Record a request and its steps (one transaction with its audit row) and
 * read it back into out (in a). 404 for a target outside who's projects;
 * 409: BILL_NOT_PAYABLE (a waiver of a bill not open or in an open
 * payment, a void of a void bill), WAIVER_EXCEEDS_OPEN, BILL_HAS_PAYMENTS
 * (a void of a bill with payments), RECEIPT_NOT_VOIDABLE (voided, or paid
 * online), INSUFFICIENT_BALANCE (a refund beyond the balance),
 * APPROVAL_PENDING (one of the same kind is pending for the target). */
int approval_request(struct db *db, struct arena *a, const struct config *cfg,
                     const struct principal *who, const struct approval_in *in,
                     struct approval *out, struct err *e);

enum approval_decision { APPROVAL_APPROVE, APPROVAL_REJECT, APPROVAL_CANCEL };
/* Decide the current step (approve, reject: approval_may_decide()) or
 * cancel (approval_may_cancel()), one transaction; the last approval makes
 * the change in it, or fails with the 409 of its preconditions and leaves
 * everything as it was. note may be NULL. out gets the approval after. */
int approval_decide(struct db *db, struct arena *a, const struct config *cfg,
                    const struct principal *who, int64_t id, enum approval_decision d,
                    const char *note, struct approval *out, struct err *e);

/* One approval of who's projects (404 otherwise). */
int approval_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                 struct approval *out, struct err *e);

/* Approvals of who's projects, newest first, a page at a time: before_id
 * 0 = from the newest; *next_before the cursor of the next page (0 = the
 * last). project_id 0 = all of who's (else one of them: 404), status and
 * kind NULL = any (else a name: 400). */
struct approval_filter {
    int64_t project_id;
    const char *status, *kind;
    int64_t before_id;
    int limit;
};
int approval_list(struct db *db, struct arena *a, const struct principal *who,
                  const struct approval_filter *f, struct approval **out, size_t *n,
                  int64_t *next_before, struct err *e);

#endif
