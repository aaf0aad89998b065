/* outbox.c — see outbox.h; the argument for at-least-once is docs/messages.md. */
#include "outbox.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "clients/sms.h"
#include "clients/wxmp.h"
#include "core/log.h"
#include "core/metrics.h"

#define QUEUE_SQL                                                                                  \
    "INSERT IGNORE INTO outbox (project_id, channel, dedup_key, recipient, template, params, "     \
    "expires_at) VALUES (?, ?, ?, ?, ?, ?, IF(? > 0, UTC_TIMESTAMP() + INTERVAL ? SECOND, NULL))"
DB_SQL(sql_queue, QUEUE_SQL);
/* The same statement, for array binding (outbox_queue_many). */
DB_SQL(sql_queue_bulk, QUEUE_SQL);
DB_SQL(sql_finish, "UPDATE outbox SET status = ?, last_error = LEFT(?, 200), provider_ref = ?, "
                   "sent_at = IF(status = 'sent', UTC_TIMESTAMP(), sent_at), "
                   "params = IF(expires_at IS NULL, params, '[]') WHERE id = ?");
/* The next due row of a channel: one at a time, so that a sender that
 * dies has claimed at most the row it was sending. */
DB_SQL(sql_next, "SELECT id, recipient, template, params, attempts, "
                 "  expires_at IS NOT NULL AND expires_at < UTC_TIMESTAMP(), "
                 "  expires_at IS NOT NULL, kind = 'sms_code' "
                 "FROM outbox WHERE status = 'pending' AND channel = ? "
                 "AND next_attempt_at <= UTC_TIMESTAMP() ORDER BY id LIMIT 1");
DB_SQL(sql_claim, "UPDATE outbox SET attempts = attempts + 1, "
                  "next_attempt_at = UTC_TIMESTAMP() + INTERVAL ? SECOND "
                  "WHERE id = ? AND status = 'pending' AND attempts = ?");
/* A message over its phone's limits waits, its attempts untouched. */
DB_SQL(sql_defer,
       "UPDATE outbox SET next_attempt_at = UTC_TIMESTAMP() + INTERVAL ? SECOND, "
       "last_error = 'PHONE_LIMIT' WHERE id = ? AND status = 'pending' AND attempts = ?");
/* After a retryable failure: the provider's hint when it is later than
 * the backoff the claim set. */
DB_SQL(sql_retry_later,
       "UPDATE outbox SET last_error = LEFT(?, 200), next_attempt_at = GREATEST(next_attempt_at, "
       "UTC_TIMESTAMP() + INTERVAL ? SECOND) WHERE id = ?");
DB_SQL(sql_usage, "SELECT COUNT(*), "
                  "  COALESCE(SUM(sent_at > UTC_TIMESTAMP() - INTERVAL 1 HOUR), 0), "
                  "  COALESCE(TIMESTAMPDIFF(SECOND, MIN(IF(sent_at > UTC_TIMESTAMP() - INTERVAL "
                  "    1 HOUR, sent_at, NULL)), UTC_TIMESTAMP()), 0), "
                  "  COALESCE(TIMESTAMPDIFF(SECOND, MIN(sent_at), UTC_TIMESTAMP()), 0) "
                  "FROM outbox WHERE recipient = ? AND sent_at > UTC_TIMESTAMP() - INTERVAL 1 DAY "
                  "AND kind <> 'sms_code'");
DB_SQL(sql_receipt, "UPDATE outbox SET report_status = ?, report_description = LEFT(?, 100), "
                    "user_receive_time = IF(? > 0, FROM_UNIXTIME(?), NULL) "
                    "WHERE provider_ref = ? AND channel = 'sms'");

/* ---- queueing ------------------------------------------------------------------------- */

/* The parameters of m as a JSON array built by cJSON (cJSON_free it). */
static char *params_json(const struct outbox_msg *m)
{
    cJSON *arr = cJSON_CreateArray();
    char *params;

    for (size_t i = 0; i < m->nparams; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(m->params[i]));
    params = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    return params;
}

#define QUEUE_NCOLS 8

static void queue_row(const struct outbox_msg *m, const char *params, struct db_param *row)
{
    row[0] = m->project_id ? P_INT(m->project_id) : P_NULL;
    row[1] = P_STR(m->channel == OUTBOX_SMS ? "sms" : "wechat");
    row[2] = P_STR(m->dedup_key);
    row[3] = P_STR(m->recipient);
    row[4] = P_STR(m->template_id);
    row[5] = P_STR(params);
    row[6] = P_INT(m->ttl_s);
    row[7] = P_INT(m->ttl_s);
}

int outbox_queue(struct db *db, const struct outbox_msg *m, struct err *e)
{
    struct db_param row[QUEUE_NCOLS];
    char *params;
    int rc;

    assert(db_in_tx(db));
    params = params_json(m);
    if (!params)
        return err_internal(e);
    queue_row(m, params, row);
    rc = db_exec(db, &sql_queue, row, QUEUE_NCOLS, NULL, e);
    cJSON_free(params);
    return rc;
}

int outbox_queue_many(struct db *db, const struct outbox_msg *m, size_t n, size_t *queued,
                      struct err *e)
{
    struct db_param *rows = calloc(n ? n * QUEUE_NCOLS : 1, sizeof(*rows));
    char **params = calloc(n ? n : 1, sizeof(*params));
    uint64_t affected = 0;
    int rc = -1;

    assert(db_in_tx(db));
    if (!rows || !params) {
        err_internal(e);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(params[i] = params_json(&m[i]))) {
            err_internal(e);
            goto out;
        }
        queue_row(&m[i], params[i], &rows[i * QUEUE_NCOLS]);
    }
    rc = n ? db_exec_bulk(db, &sql_queue_bulk, rows, QUEUE_NCOLS, n, &affected, e) : 0;
    if (queued)
        *queued = (size_t)affected;
out:
    for (size_t i = 0; params && i < n; i++)
        cJSON_free(params[i]);
    free(params);
    free(rows);
    return rc;
}

/* ---- the rules -------------------------------------------------------------------------- */

int outbox_policy_of(const struct config *cfg, struct outbox_policy *p, struct err *e)
{
    memset(p, 0, sizeof(*p));
    if (config_seconds_list(cfg->outbox_backoff_s, p->backoff, CONFIG_BACKOFF_MAX, &p->nbackoff) <
        0)
        return err_setf(e, E_CONFIG, "outbox_backoff_s does not parse");
    p->max_attempts = cfg->outbox_max_attempts > 0 ? cfg->outbox_max_attempts : 1;
    p->limit_hour = cfg->sms_phone_limit_hour;
    p->limit_day = cfg->sms_phone_limit_day;
    return 0;
}

int outbox_backoff_s(const struct outbox_policy *p, int attempt)
{
    if (p->nbackoff == 0)
        return 60;
    if (attempt < 1)
        attempt = 1;
    if ((size_t)attempt > p->nbackoff)
        return p->backoff[p->nbackoff - 1];
    return p->backoff[attempt - 1];
}

int outbox_limit_defer_s(const struct outbox_policy *p, const struct outbox_usage *u)
{
    bool over_hour = p->limit_hour > 0 && u->sent_hour >= p->limit_hour;
    bool over_day = p->limit_day > 0 && u->sent_day >= p->limit_day;
    int wait = 0;

    if (over_hour)
        wait = 3600 - u->oldest_hour_age_s;
    if (over_day && 86400 - u->oldest_day_age_s > wait)
        wait = 86400 - u->oldest_day_age_s;
    /* over a limit: at least a second, never "now" */
    return over_hour || over_day ? (wait > 0 ? wait : 1) : 0;
}

/* "thing1", "character_string5": lower-case letters or '_', then digits. */
static bool wechat_key(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
        i++;
    if (i == 0 || i == n)
        return false;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i == n;
}

/* The i-th name of "thing1,time2" (in a), or NULL. */
static const char *nth_key(struct arena *a, const char *list, size_t i)
{
    const char *p = list;

    for (; p && i > 0; i--)
        p = (p = strchr(p, ',')) ? p + 1 : NULL;
    if (!p || !*p)
        return NULL;
    return arena_strndup(a, p, strcspn(p, ","));
}

int outbox_wechat_fields(struct arena *a, const char *params_json, const char *positional,
                         const char ***keys, const char ***values, size_t *n)
{
    cJSON *arr = cJSON_Parse(params_json), *it;
    size_t i = 0, count;
    int rc = -1;

    *n = 0;
    if (!cJSON_IsArray(arr))
        goto out;
    count = (size_t)cJSON_GetArraySize(arr);
    *keys = arena_alloc(a, (count ? count : 1) * sizeof(**keys));
    *values = arena_alloc(a, (count ? count : 1) * sizeof(**values));
    cJSON_ArrayForEach(it, arr)
    {
        const char *v = cJSON_GetStringValue(it), *eq = v ? strchr(v, '=') : NULL;

        if (!v)
            goto out;
        if (eq && wechat_key(v, (size_t)(eq - v))) {
            (*keys)[i] = arena_strndup(a, v, (size_t)(eq - v));
            (*values)[i] = arena_strdup(a, eq + 1);
        } else if (((*keys)[i] = nth_key(a, positional, i))) {
            (*values)[i] = arena_strdup(a, v);
        } else {
            goto out;
        }
        i++;
    }
    *n = i;
    rc = 0;
out:
    cJSON_Delete(arr);
    return rc;
}

int outbox_until_china_midnight_s(int64_t unix_now)
{
    return (int)(86400 - (unix_now + 8 * 3600) % 86400);
}

/* ---- the senders ------------------------------------------------------------------------ */

/* What one try came to. */
struct outcome {
    bool sent, retry;
    int retry_after_s; /* a later first chance than the backoff; 0 = none */
    char code[96];     /* last_error, or the provider's reference when sent */
};

/* The next due row, read into a. */
struct due {
    int64_t id;
    const char *recipient, *template, *params;
    int attempts;
    bool expired, has_expiry, is_code;
};

static void send_sms(const struct config *cfg, const struct due *d, struct outcome *o)
{
    struct sms_config sc = {
        cfg->sms_base_url,   cfg->sms_host,       cfg->sms_region,    cfg->sms_secret_id,
        cfg->sms_secret_key, cfg->sms_sdk_app_id, cfg->sms_sign_name, 5000};
    cJSON *arr = cJSON_Parse(d->params), *it;
    const char *params[SMS_MAX_PARAMS];
    struct sms_result res;
    size_t n = 0;
    char ctx[32];
    struct err e;

    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(arr);
        snprintf(o->code, sizeof(o->code), "BAD_PARAMS");
        return;
    }
    cJSON_ArrayForEach(it, arr)
    {
        if (n < SMS_MAX_PARAMS && cJSON_IsString(it))
            params[n++] = it->valuestring;
    }
    snprintf(ctx, sizeof(ctx), "outbox-%lld", (long long)d->id);
    err_clear(&e);
    o->sent = sms_send(&sc, d->recipient, d->template, params, n, ctx, &res, &e) == 0;
    cJSON_Delete(arr);
    snprintf(o->code, sizeof(o->code), "%s", o->sent ? res.serial_no : res.provider_code);
    o->retry = !o->sent && res.retryable;
    o->retry_after_s = res.retry_after_s;
    /* The phone's daily limit at Tencent: a code is useless tomorrow (it
     * fails), anything else goes out after midnight (PROTOCOLS.md §3.3). */
    if (!o->sent && !d->has_expiry &&
        strcmp(res.provider_code, "LimitExceeded.PhoneNumberDailyLimit") == 0) {
        o->retry = true;
        o->retry_after_s = outbox_until_china_midnight_s((int64_t)time(NULL));
    }
}

/* One subscribe message; the access token refreshed once if WeChat calls
 * it invalid. A refusal for good (43101: no subscription, or a bad
 * template) is given up, anything else retried. */
static void send_wechat(struct db *db, struct arena *a, const struct config *cfg,
                        const struct due *d, struct outcome *o)
{
    struct wxmp_config wc = {cfg->wechat_base_url, cfg->wechat_appid, cfg->wechat_secret, 5000};
    struct wxmp_subscribe_msg m = {.touser = d->recipient, .template_id = d->template};
    const char **keys, **values;
    char token[WXMP_TOKEN_SIZE];
    struct err e;
    int rc = -1;

    /* positional parameters take their names from the template's list */
    const char *positional =
        strcmp(d->template, cfg->wechat_template_notice) == 0   ? cfg->wechat_fields_notice
        : strcmp(d->template, cfg->wechat_template_survey) == 0 ? cfg->wechat_fields_survey
                                                                : NULL;

    if (outbox_wechat_fields(a, d->params, positional, &keys, &values, &m.nfields) < 0) {
        snprintf(o->code, sizeof(o->code), "BAD_PARAMS");
        return;
    }
    m.keys = keys;
    m.values = values;
    for (int force = 0; force < 2; force++) {
        err_clear(&e);
        if (auth_wechat_token(db, cfg, force, token, &e) < 0)
            break;
        rc = wxmp_subscribe_send(&wc, token, &m, &e);
        if (rc == 0 || !err_is(&e, E_WECHAT_TOKEN_INVALID))
            break;
    }
    explicit_bzero(token, sizeof(token));
    o->sent = rc == 0;
    if (o->sent)
        return;
    snprintf(o->code, sizeof(o->code), "%s", err_name(e.code));
    o->retry = !(err_is(&e, E_WECHAT_NOT_SUBSCRIBED) || err_is(&e, E_WECHAT_MESSAGE_REJECTED) ||
                 err_is(&e, E_INTERNAL));
}

static int finish(struct db *db, int64_t id, const char *status, const char *error, const char *ref,
                  struct err *e)
{
    /* A message with an expiry carries a secret (a login code): once it is
     * delivered or given up, the outbox need not keep it. */
    return db_exec(db, &sql_finish, DB_ARGS(P_STR(status), P_STR(error), P_STR(ref), P_INT(id)),
                   NULL, e);
}

static int next_due(struct db *db, struct arena *a, enum outbox_channel ch, struct due *d,
                    struct err *e)
{
    struct db_res r;
    int found =
        db_one(db, a, &sql_next, DB_ARGS(P_STR(ch == OUTBOX_SMS ? "sms" : "wechat")), &r, e);

    if (found <= 0)
        return found;
    d->id = db_int(&r, 0, 0);
    d->recipient = db_text(&r, 0, 1);
    d->template = db_text(&r, 0, 2);
    d->params = db_text(&r, 0, 3);
    d->attempts = (int)db_int(&r, 0, 4);
    d->expired = db_int(&r, 0, 5) != 0;
    d->has_expiry = db_int(&r, 0, 6) != 0;
    d->is_code = db_int(&r, 0, 7) != 0;
    return 1;
}

/* 1 when the phone is over its limits and the row was put off. */
static int over_limit(struct db *db, struct arena *a, const struct outbox_policy *p,
                      const struct due *d, struct err *e)
{
    struct outbox_usage u;
    struct db_res r;
    int wait;

    if (d->is_code || (p->limit_hour <= 0 && p->limit_day <= 0))
        return 0;
    if (db_one(db, a, &sql_usage, DB_ARGS(P_STR(d->recipient)), &r, e) < 0)
        return -1;
    u.sent_day = (int)db_int(&r, 0, 0);
    u.sent_hour = (int)db_int(&r, 0, 1);
    u.oldest_hour_age_s = (int)db_int(&r, 0, 2);
    u.oldest_day_age_s = (int)db_int(&r, 0, 3);
    wait = outbox_limit_defer_s(p, &u);
    if (wait == 0)
        return 0;
    log_info("event=outbox_deferred id=%lld reason=phone_limit wait_s=%d", (long long)d->id, wait);
    return db_exec(db, &sql_defer, DB_ARGS(P_INT(wait), P_INT(d->id), P_INT(d->attempts)), NULL,
                   e) < 0
               ? -1
               : 1;
}

/* One due row, tried once: 1 when there was one, 0 when none is due. */
static int deliver_one(struct db *db, struct arena *a, const struct config *cfg,
                       const struct outbox_policy *p, enum outbox_channel ch, struct err *e)
{
    const char *name = ch == OUTBOX_SMS ? "sms" : "wechat";
    struct outcome o = {0};
    struct due d;
    uint64_t claimed;
    int attempt, rc = next_due(db, a, ch, &d, e);

    if (rc <= 0)
        return rc;
    if (d.expired)
        return finish(db, d.id, "failed", "expired before it could be sent", "", e) < 0 ? -1 : 1;
    if (ch == OUTBOX_SMS && (rc = over_limit(db, a, p, &d, e)) != 0)
        return rc;
    attempt = d.attempts + 1;
    /* Claim: only one sender gets affected = 1 for this attempt, and the
     * row now waits out its backoff should this process die in the call. */
    if (db_exec(db, &sql_claim,
                DB_ARGS(P_INT(outbox_backoff_s(p, attempt)), P_INT(d.id), P_INT(d.attempts)),
                &claimed, e) < 0)
        return -1;
    if (claimed != 1)
        return 1;
    if (ch == OUTBOX_SMS)
        send_sms(cfg, &d, &o);
    else
        send_wechat(db, a, cfg, &d, &o);
    if (o.sent) {
        metrics_inc(METRIC_OUTBOX_SENT);
        log_info("event=outbox_sent id=%lld channel=%s attempt=%d ref=%s", (long long)d.id, name,
                 attempt, o.code);
        return finish(db, d.id, "sent", "", o.code, e) < 0 ? -1 : 1;
    }
    metrics_inc(METRIC_OUTBOX_FAILED);
    log_warn("event=outbox_failed id=%lld channel=%s attempt=%d code=%s retry=%d", (long long)d.id,
             name, attempt, o.code, o.retry);
    if (!o.retry || attempt >= p->max_attempts)
        return finish(db, d.id, "failed", o.code, "", e) < 0 ? -1 : 1;
    return db_exec(db, &sql_retry_later,
                   DB_ARGS(P_STR(o.code), P_INT(o.retry_after_s), P_INT(d.id)), NULL, e) < 0
               ? -1
               : 1;
}

int outbox_deliver_due(struct db *db, const struct config *cfg, enum outbox_channel channel,
                       int batch, int *handled, struct err *e)
{
    struct outbox_policy p;
    int rc = 0;

    *handled = 0;
    if (outbox_policy_of(cfg, &p, e) < 0)
        return -1;
    while (*handled < batch) {
        struct arena a = {0};

        rc = deliver_one(db, &a, cfg, &p, channel, e);
        arena_free(&a);
        if (rc <= 0)
            break;
        (*handled)++;
    }
    return rc < 0 ? -1 : 0;
}

/* ---- delivery receipts ---------------------------------------------------------------- */

int outbox_receipts_pull(struct db *db, const struct config *cfg, int *recorded, struct err *e)
{
    struct sms_config sc = {
        cfg->sms_base_url,   cfg->sms_host,       cfg->sms_region,    cfg->sms_secret_id,
        cfg->sms_secret_key, cfg->sms_sdk_app_id, cfg->sms_sign_name, 5000};
    struct sms_status got[SMS_PULL_MAX];
    size_t n;

    *recorded = 0;
    /* A full answer means more are waiting; a bound keeps one run short. */
    for (int pull = 0; pull < 50; pull++) {
        if (sms_pull_status(&sc, SMS_PULL_MAX, got, SMS_PULL_MAX, &n, e) < 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            const struct sms_status *x = &got[i];
            uint64_t changed = 0;

            if (db_exec(db, &sql_receipt,
                        DB_ARGS(P_STR(x->delivered ? "SUCCESS" : "FAIL"), P_STR(x->description),
                                P_INT(x->user_receive_time), P_INT(x->user_receive_time),
                                P_STR(x->serial_no)),
                        &changed, e) < 0)
                return -1;
            *recorded += (int)changed;
        }
        if (n < SMS_PULL_MAX)
            break;
    }
    return 0;
}
