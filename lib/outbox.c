/* outbox.c — see outbox.h. */
#include "outbox.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "clients/sms.h"

#define MAX_ATTEMPTS 12

DB_SQL(sql_queue, "INSERT IGNORE INTO outbox (channel, dedup_key, recipient, template, params, "
                  "expires_at) VALUES (?, ?, ?, ?, ?, "
                  "IF(? > 0, UTC_TIMESTAMP() + INTERVAL ? SECOND, NULL))");
/* The same statement, for array binding (outbox_queue_many). */
DB_SQL(sql_queue_bulk, "INSERT IGNORE INTO outbox (channel, dedup_key, recipient, template, "
                       "params, expires_at) VALUES (?, ?, ?, ?, ?, "
                       "IF(? > 0, UTC_TIMESTAMP() + INTERVAL ? SECOND, NULL))");
DB_SQL(sql_finish, "UPDATE outbox SET status = ?, last_error = LEFT(?, 200), provider_ref = ?, "
                   "sent_at = IF(status = 'sent', UTC_TIMESTAMP(), sent_at), "
                   "params = IF(expires_at IS NULL, params, '[]') WHERE id = ?");
DB_SQL(sql_due, "SELECT id, channel, recipient, template, params, attempts, "
                "  expires_at IS NOT NULL AND expires_at < UTC_TIMESTAMP() "
                "FROM outbox WHERE status = 'pending' AND next_attempt_at <= UTC_TIMESTAMP() "
                "ORDER BY id LIMIT ?");
DB_SQL(sql_claim, "UPDATE outbox SET attempts = attempts + 1, "
                  "next_attempt_at = UTC_TIMESTAMP() + INTERVAL ? SECOND "
                  "WHERE id = ? AND status = 'pending' AND attempts = ?");
DB_SQL(sql_last_error, "UPDATE outbox SET last_error = LEFT(?, 200) WHERE id = ?");

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

#define QUEUE_NCOLS 7

static void queue_row(const struct outbox_msg *m, const char *params, struct db_param *row)
{
    row[0] = P_STR(m->channel == OUTBOX_SMS ? "sms" : "wechat");
    row[1] = P_STR(m->dedup_key);
    row[2] = P_STR(m->recipient);
    row[3] = P_STR(m->template_id);
    row[4] = P_STR(params);
    row[5] = P_INT(m->ttl_s);
    row[6] = P_INT(m->ttl_s);
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
    rc = db_exec_bulk(db, &sql_queue_bulk, rows, QUEUE_NCOLS, n, &affected, e);
    if (queued)
        *queued = (size_t)affected;
out:
    for (size_t i = 0; params && i < n; i++)
        cJSON_free(params[i]);
    free(params);
    free(rows);
    return rc;
}

int outbox_backoff_s(int attempt)
{
    static const int steps[] = {10, 30, 60, 300, 900};

    if (attempt < 1)
        return steps[0];
    if ((size_t)attempt <= sizeof(steps) / sizeof(steps[0]))
        return steps[attempt - 1];
    return 3600;
}

static int finish(struct db *db, int64_t id, const char *status, const char *error, const char *ref,
                  struct err *e)
{
    /* A message with an expiry carries a secret (a login code): once it is
     * delivered or given up, the outbox need not keep it. */
    return db_exec(db, &sql_finish, DB_ARGS(P_STR(status), P_STR(error), P_STR(ref), P_INT(id)),
                   NULL, e);
}

static int send_sms(const struct config *cfg, const char *recipient, const char *template,
                    const char *params_json, int64_t id, struct sms_result *res)
{
    struct sms_config sc = {
        cfg->sms_base_url,   cfg->sms_host,       cfg->sms_region,    cfg->sms_secret_id,
        cfg->sms_secret_key, cfg->sms_sdk_app_id, cfg->sms_sign_name, 5000};
    cJSON *arr = cJSON_Parse(params_json), *it;
    const char *params[16];
    size_t n = 0;
    char ctx[32];
    struct err e;
    int rc;

    memset(res, 0, sizeof(*res));
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(arr);
        snprintf(res->provider_code, sizeof(res->provider_code), "BAD_PARAMS");
        return -1;
    }
    cJSON_ArrayForEach(it, arr)
    {
        if (n < 16 && cJSON_IsString(it))
            params[n++] = it->valuestring;
    }
    snprintf(ctx, sizeof(ctx), "outbox-%lld", (long long)id);
    err_clear(&e);
    rc = sms_send(&sc, recipient, template, params, n, ctx, res, &e);
    cJSON_Delete(arr);
    return rc;
}

int outbox_deliver_due(struct db *db, const struct config *cfg, int batch, int *handled,
                       struct err *e)
{
    struct arena a = {0};
    struct db_res due;
    int rc = 0;

    *handled = 0;
    if (db_query(db, &a, &sql_due, DB_ARGS(P_INT(batch)), &due, e) < 0) {
        arena_free(&a);
        return -1;
    }
    for (size_t i = 0; i < due.nrows; i++) {
        int64_t id = db_int(&due, i, 0);
        int attempt = (int)db_int(&due, i, 5) + 1;
        struct sms_result res;
        uint64_t claimed;

        if (db_int(&due, i, 6)) {
            if (finish(db, id, "failed", "expired before it could be sent", "", e) < 0)
                goto fail;
            continue;
        }
        /* Claim: only one sender gets affected = 1 for this attempt. */
        if (db_exec(db, &sql_claim,
                    DB_ARGS(P_INT(outbox_backoff_s(attempt)), P_INT(id), P_INT(attempt - 1)),
                    &claimed, e) < 0)
            goto fail;
        if (claimed != 1)
            continue;
        (*handled)++;
        if (strcmp(db_text(&due, i, 1), "sms") != 0) {
            if (finish(db, id, "failed", "no sender for this channel", "", e) < 0)
                goto fail;
            continue;
        }
        if (send_sms(cfg, db_text(&due, i, 2), db_text(&due, i, 3), db_text(&due, i, 4), id,
                     &res) == 0) {
            metrics_inc(METRIC_OUTBOX_SENT);
            log_info("event=outbox_sent id=%lld channel=sms serial=%s", (long long)id,
                     res.serial_no);
            if (finish(db, id, "sent", "", res.serial_no, e) < 0)
                goto fail;
            continue;
        }
        metrics_inc(METRIC_OUTBOX_FAILED);
        log_warn("event=outbox_failed id=%lld attempt=%d code=%s retryable=%d", (long long)id,
                 attempt, res.provider_code, res.retryable);
        if (!res.retryable || attempt >= MAX_ATTEMPTS) {
            if (finish(db, id, "failed", res.provider_code, "", e) < 0)
                goto fail;
        } else if (db_exec(db, &sql_last_error, DB_ARGS(P_STR(res.provider_code), P_INT(id)), NULL,
                           e) < 0) {
            goto fail;
        }
    }
    goto out;
fail:
    rc = -1;
out:
    arena_free(&a);
    return rc;
}
