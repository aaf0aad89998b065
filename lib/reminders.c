/* reminders.c — see reminders.h. */
#include "reminders.h"

#include <stdio.h>
#include <string.h>

#include "billrun.h"
#include "bills.h"
#include "core/log.h"
#include "core/money.h"
#include "outbox.h"
#include "resources.h"

/* The owners of current homes in projects that want reminders, in person
 * order after a cursor (the index ix_pr_person leads). */
#define OWNERS_JOIN                                                                                \
    "JOIN resources r ON r.id = pr.resource_id "                                                   \
    "JOIN projects pj ON pj.id = r.project_id AND pj.arrears_reminders = 1 "
#define OWNERS_WHERE "pr.relation = 'owner' AND " PR_CURRENT("pr") " "
DB_SQL(sql_month_done, "SELECT 1 FROM arrears_months WHERE month = ?");
DB_SQL(sql_owner_batch, "SELECT DISTINCT pr.person_id FROM person_resources pr " OWNERS_JOIN
                        "WHERE " OWNERS_WHERE "AND pr.person_id > ? ORDER BY pr.person_id LIMIT ?");
/* Their open bills due before today, with the phone; a bill of a home with
 * two links to one person comes twice and is counted once. */
DB_SQL(sql_batch_bills,
       "SELECT pr.person_id, p.phone, " BILL_COLS " FROM person_resources pr " OWNERS_JOIN
       "JOIN persons p ON p.id = pr.person_id "
       "JOIN bills b ON b.resource_id = pr.resource_id AND b.status IN ('unpaid', 'partial') "
       "AND b.due_date < DATE('1970-01-01') + INTERVAL ? DAY "
       "JOIN fee_items f ON f.id = b.fee_item_id "
       "WHERE " OWNERS_WHERE "AND pr.person_id BETWEEN ? AND ? ORDER BY pr.person_id, b.id");
DB_SQL(sql_month_insert, "INSERT IGNORE INTO arrears_months (month, queued) VALUES (?, ?)");

/* One owner's reminder being summed. */
struct owed {
    int64_t person_id, project_id, last_bill;
    const char *phone;
    int64_t bills, due_fen;
};

struct batch {
    const struct config *cfg;
    struct arena *a;
    int32_t today;
    char month[8];
    int64_t lo, hi; /* persons lo..hi */
    int64_t owners, queued;
};

/* The message of one owner, its strings in a. */
static void message_of(struct batch *b, const struct owed *o, struct outbox_msg *m)
{
    const char **params = arena_alloc(b->a, 2 * sizeof(*params));
    char *key = arena_alloc(b->a, 48), *to = arena_alloc(b->a, 24), *count = arena_alloc(b->a, 24),
         *yuan = arena_alloc(b->a, MONEY_FORMAT_SIZE);

    snprintf(key, 48, "arrears:%s:%lld", b->month, (long long)o->person_id);
    snprintf(to, 24, "+86%s", o->phone);
    snprintf(count, 24, "%lld", (long long)o->bills);
    money_format(o->due_fen, yuan);
    /* 【示范物业】您有 {1} 笔物业费账单已逾期，合计 {2} 元，请及时缴纳 */
    params[0] = count;
    params[1] = yuan;
    *m = (struct outbox_msg){.channel = OUTBOX_SMS,
                             .project_id = o->project_id,
                             .dedup_key = key,
                             .recipient = to,
                             .template_id = b->cfg->sms_template_arrears,
                             .params = params,
                             .nparams = 2};
}

static int batch_tx(struct db *db, void *arg, struct err *e)
{
    struct batch *b = arg;
    struct outbox_msg *m;
    struct owed cur = {0};
    struct db_res r;
    size_t n = 0, queued = 0;

    if (db_query(db, b->a, &sql_batch_bills, DB_ARGS(P_INT(b->today), P_INT(b->lo), P_INT(b->hi)),
                 &r, e) < 0)
        return -1;
    m = arena_alloc(b->a, (r.nrows ? r.nrows : 1) * sizeof(*m));
    b->owners = 0;
    for (size_t i = 0; i <= r.nrows; i++) {
        struct bill bill;
        int64_t person = i < r.nrows ? db_int(&r, i, 0) : 0;

        if (person != cur.person_id) {
            /* a mainland mobile number, and something owed today */
            if (cur.person_id && cur.bills > 0 && cur.due_fen > 0 && strlen(cur.phone) == 11) {
                message_of(b, &cur, &m[n++]);
                b->owners++;
            }
            cur = (struct owed){.person_id = person};
            if (i == r.nrows)
                break;
            cur.phone = db_text(&r, i, 1);
        }
        bill_from_row(&r, i, 2, &bill);
        if (bill.id == cur.last_bill)
            continue;
        cur.last_bill = bill.id;
        if (bill_figure(&bill, b->today) < 0)
            return err_setf(e, E_INTERNAL, "bill %lld breaks the books' rules", (long long)bill.id);
        if (!bill_is_open(&bill) || bill.due_fen <= 0)
            continue;
        if (!cur.project_id)
            cur.project_id = bill.project_id;
        cur.bills++;
        if (money_add(cur.due_fen, bill.due_fen, &cur.due_fen) < 0)
            return err_setf(e, E_INTERNAL, "arrears of person %lld overflow",
                            (long long)cur.person_id);
    }
    if (outbox_queue_many(db, m, n, &queued, e) < 0)
        return -1;
    b->queued = (int64_t)queued;
    return 0;
}

int reminders_arrears_run(struct db *db, const struct config *cfg, int32_t today,
                          struct reminders_result *out, struct err *e)
{
    int32_t ym = billrun_month_of(today);
    struct batch b = {.cfg = cfg, .today = today};
    int64_t after = 0;
    struct arena a = {0};
    struct db_res r;
    int rc = -1, found;

    memset(out, 0, sizeof(*out));
    if (!cfg->sms_template_arrears[0] || cfg->arrears_reminder_day < 1 ||
        today < billrun_period_day(ym, cfg->arrears_reminder_day))
        return 0;
    billrun_period_text(ym, b.month);
    found = db_one(db, &a, &sql_month_done, DB_ARGS(P_STR(b.month)), &r, e);
    arena_free(&a);
    if (found != 0)
        return found < 0 ? -1 : 0;
    out->ran = true;
    for (;;) {
        struct arena ba = {0};

        b.a = &ba;
        if (db_query(db, &ba, &sql_owner_batch, DB_ARGS(P_INT(after), P_INT(REMINDERS_BATCH)), &r,
                     e) < 0) {
            arena_free(&ba);
            goto out;
        }
        if (r.nrows == 0) {
            arena_free(&ba);
            break;
        }
        b.lo = db_int(&r, 0, 0);
        b.hi = db_int(&r, r.nrows - 1, 0);
        after = b.hi;
        rc = db_tx(db, batch_tx, &b, e);
        arena_free(&ba);
        if (rc < 0)
            goto out;
        rc = -1;
        out->owners += b.owners;
        out->queued += b.queued;
        if (r.nrows < REMINDERS_BATCH)
            break;
    }
    rc = db_exec(db, &sql_month_insert, DB_ARGS(P_STR(b.month), P_INT(out->queued)), NULL, e);
    log_info("event=arrears_reminders month=%s owners=%lld queued=%lld", b.month,
             (long long)out->owners, (long long)out->queued);
out:
    return rc;
}
