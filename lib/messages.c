/* messages.c — see messages.h. */
#include "messages.h"

#include <stdio.h>
#include <string.h>

#include "core/money.h"
#include "core/util.h"

#define MSG_COLS                                                                                   \
    "o.id, o.project_id, o.channel, o.kind, o.recipient, o.template, o.params, o.status, "         \
    "o.attempts, o.last_error, o.provider_ref, o.created_at, o.next_attempt_at, o.sent_at, "       \
    "o.report_status, o.report_description, o.user_receive_time "
/* The caller's projects decide what is seen: a row without a project never is. */
DB_SQL(sql_list,
       "SELECT " MSG_COLS "FROM outbox o JOIN staff_projects sp ON sp.project_id = o.project_id "
       "AND sp.staff_id = ? WHERE (? = 0 OR o.project_id = ?) AND (? = '' OR o.channel = ?) "
       "AND (? = '' OR o.status = ?) AND (? = '' OR o.recipient = ?) AND (? = '' OR o.kind = ?) "
       "AND (? = '' OR o.created_at >= CAST(? AS DATETIME) - INTERVAL 8 HOUR) "
       "AND (? = '' OR o.created_at < CAST(? AS DATETIME) + INTERVAL 16 HOUR) "
       "AND (? = 0 OR o.id < ?) ORDER BY o.id DESC LIMIT ?");
DB_SQL(sql_get, "SELECT " MSG_COLS "FROM outbox o WHERE o.id = ? AND o.project_id IS NOT NULL");

void messages_mask_recipient(const char *recipient, char out[24])
{
    size_t n = strlen(recipient);

    if (n == 14 && strncmp(recipient, "+86", 3) == 0)
        snprintf(out, 24, "%.3s****%s", recipient + 3, recipient + 10);
    else
        snprintf(out, 24, "****%s", n > 4 ? recipient + n - 4 : "");
}

static const char *time_or_null(struct arena *a, const struct db_res *r, size_t i, size_t c)
{
    const char *t = db_str(r, i, c);
    char *out;

    if (!t)
        return NULL;
    out = arena_alloc(a, 26);
    return util_db_time_to_rfc3339(t, out) == 0 ? out : NULL;
}

static void from_row(struct arena *a, const struct db_res *r, size_t i, struct message *m)
{
    char *masked = arena_alloc(a, 24);

    m->id = db_int(r, i, 0);
    m->project_id = db_int(r, i, 1);
    m->channel = db_text(r, i, 2);
    m->kind = db_text(r, i, 3);
    messages_mask_recipient(db_text(r, i, 4), masked);
    m->recipient_masked = masked;
    m->template_id = db_text(r, i, 5);
    m->params_json = db_text(r, i, 6);
    m->status = db_text(r, i, 7);
    m->attempts = db_int(r, i, 8);
    m->last_error = db_text(r, i, 9);
    m->provider_ref = db_text(r, i, 10);
    m->created_at = time_or_null(a, r, i, 11);
    m->next_attempt_at = time_or_null(a, r, i, 12);
    m->sent_at = time_or_null(a, r, i, 13);
    m->report_status = db_str(r, i, 14);
    m->report_description = db_text(r, i, 15);
    m->user_receive_time = time_or_null(a, r, i, 16);
}

static bool one_of(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

/* A cause's name: lower-case letters, digits and '_' (what dedup keys use). */
static bool kind_ok(const char *s)
{
    if (!*s || strlen(s) > 32)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

static bool phone_ok(const char *s)
{
    if (strlen(s) != 11 || s[0] != '1')
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int check_filter(const struct message_filter *f, struct err *e)
{
    static const char *const channels[] = {"sms", "wechat", NULL};
    static const char *const statuses[] = {"pending", "sent", "failed", NULL};
    int32_t d;

    if (f->channel && !one_of(f->channel, channels))
        return err_bad_request(e, "channel 只能是 sms 或 wechat");
    if (f->status && !one_of(f->status, statuses))
        return err_bad_request(e, "status 只能是 pending、sent 或 failed");
    if (f->phone && !phone_ok(f->phone))
        return err_bad_request(e, "phone 须为11位手机号");
    if (f->kind && !kind_ok(f->kind))
        return err_bad_request(e, "kind 只能由小写字母、数字和下划线组成");
    if (f->from && money_date_parse(f->from, strlen(f->from), &d) < 0)
        return err_bad_request(e, "from 须为 YYYY-MM-DD 格式的日期");
    if (f->to && money_date_parse(f->to, strlen(f->to), &d) < 0)
        return err_bad_request(e, "to 须为 YYYY-MM-DD 格式的日期");
    if (f->from && f->to && strcmp(f->from, f->to) > 0)
        return err_bad_request(e, "from 不能晚于 to");
    return 0;
}

int messages_list(struct db *db, struct arena *a, const struct principal *who,
                  const struct message_filter *f, struct message **out, size_t *n,
                  int64_t *next_before, struct err *e)
{
    const char *ch = f->channel ? f->channel : "", *st = f->status ? f->status : "",
               *kind = f->kind ? f->kind : "", *from = f->from ? f->from : "",
               *to = f->to ? f->to : "";
    char phone[16] = "";
    struct db_res r;
    size_t rows;

    if (check_filter(f, e) < 0)
        return -1;
    if (f->project_id && !auth_in_project(who, f->project_id))
        return err_not_found(e);
    if (f->phone)
        snprintf(phone, sizeof(phone), "+86%s", f->phone);
    if (db_query(db, a, &sql_list,
                 DB_ARGS(P_INT(who->id), P_INT(f->project_id), P_INT(f->project_id), P_STR(ch),
                         P_STR(ch), P_STR(st), P_STR(st), P_STR(phone), P_STR(phone), P_STR(kind),
                         P_STR(kind), P_STR(from), P_STR(from), P_STR(to), P_STR(to),
                         P_INT(f->before_id), P_INT(f->before_id), P_INT(f->limit + 1)),
                 &r, e) < 0)
        return -1;
    rows = r.nrows > (size_t)f->limit ? (size_t)f->limit : r.nrows;
    *out = arena_alloc(a, (rows ? rows : 1) * sizeof(**out));
    for (size_t i = 0; i < rows; i++)
        from_row(a, &r, i, &(*out)[i]);
    *n = rows;
    *next_before = r.nrows > (size_t)f->limit ? (*out)[rows - 1].id : 0;
    return 0;
}

int message_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                struct message *out, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_get, DB_ARGS(P_INT(id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(who, db_int(&r, 0, 1)))
        return err_not_found(e);
    from_row(a, &r, 0, out);
    return 0;
}
