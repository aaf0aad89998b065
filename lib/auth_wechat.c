/*
 * auth_wechat.c — owner login through WeChat (AUTH-1): wx.login's code
 * gives the openid, the phone-number button's code gives the phone, the
 * phone must be one the office reserved; the openid is then bound to that
 * person (moving it away from anyone it was bound to before: a WeChat
 * account belongs to the phone it has just proved).
 *
 * The mini-program access token is cached in shared_cache so every worker
 * host uses the same one (fetching a new one elsewhere would invalidate
 * ours); it is refreshed 5 minutes before it expires, or at once when
 * WeChat says it is invalid.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "core/log.h"
#include "core/util.h"
#include "clients/wxmp.h"

DB_SQL(sql_token_get, "SELECT value FROM shared_cache WHERE name = 'wechat_access_token' "
                      "AND expires_at > UTC_TIMESTAMP() + INTERVAL 300 SECOND");
DB_SQL(sql_token_put, "REPLACE INTO shared_cache (name, value, expires_at) VALUES "
                      "('wechat_access_token', ?, UTC_TIMESTAMP() + INTERVAL ? SECOND)");
DB_SQL(sql_unbind_openid, "UPDATE persons SET openid = NULL WHERE openid = ? AND id <> ?");
DB_SQL(sql_bind_openid, "UPDATE persons SET openid = ? WHERE id = ?");

static int cached_token(struct db *db, char token[WXMP_TOKEN_SIZE], struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    int found = db_one(db, &a, &sql_token_get, DB_NOARGS, &r, e);

    if (found > 0)
        snprintf(token, WXMP_TOKEN_SIZE, "%s", db_text(&r, 0, 0));
    arena_free(&a);
    return found;
}

static int access_token(struct db *db, const struct wxmp_config *wc, bool force,
                        char token[WXMP_TOKEN_SIZE], struct err *e)
{
    int64_t expires_in = 0;

    if (!force) {
        int rc = cached_token(db, token, e);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    if (wxmp_stable_token(wc, force, token, &expires_in, e) < 0)
        return -1;
    return db_exec(db, &sql_token_put,
                   DB_ARGS(P_STR(token), P_INT(expires_in > 0 ? expires_in : 7200)), NULL, e);
}

int auth_wechat_token(struct db *db, const struct config *cfg, bool force, char *token,
                      struct err *e)
{
    struct wxmp_config wc = {cfg->wechat_base_url, cfg->wechat_appid, cfg->wechat_secret, 5000};

    return access_token(db, &wc, force, token, e);
}

struct bind_login {
    const struct config *cfg;
    const char *phone, *openid, *ip;
    int64_t person_id;
    struct session_out *out;
};

static int bind_tx(struct db *db, void *arg, struct err *e)
{
    struct bind_login *q = arg;
    struct principal who = {.kind = SUBJECT_OWNER};

    if (auth_owner_by_phone(db, q->phone, &q->person_id, e) < 0 ||
        db_exec(db, &sql_unbind_openid, DB_ARGS(P_STR(q->openid), P_INT(q->person_id)), NULL, e) <
            0 ||
        db_exec(db, &sql_bind_openid, DB_ARGS(P_STR(q->openid), P_INT(q->person_id)), NULL, e) <
            0 ||
        auth_session_create(db, SUBJECT_OWNER, q->person_id, q->cfg->owner_session_ttl_s, q->ip,
                            q->out, e) < 0)
        return -1;
    who.id = q->person_id;
    return audit_log(
        db,
        &(struct audit_entry){
            .who = &who, .action = "login_wechat", .entity = "person", .entity_id = q->person_id},
        e);
}

int auth_owner_login_wechat(struct db *db, const struct config *cfg, const char *js_code,
                            const char *phone_code, const char *client_ip, int64_t *person_id,
                            struct session_out *out, struct err *e)
{
    struct wxmp_config wc = {cfg->wechat_base_url, cfg->wechat_appid, cfg->wechat_secret, 5000};
    char openid[WXMP_OPENID_SIZE], token[WXMP_TOKEN_SIZE], phone[WXMP_PHONE_SIZE];
    char country[WXMP_COUNTRY_SIZE];
    struct bind_login q = {cfg, phone, openid, client_ip, 0, out};

    if (wxmp_code2session(&wc, js_code, openid, e) < 0)
        return -1;
    if (access_token(db, &wc, false, token, e) < 0)
        return -1;
    if (wxmp_phone_number(&wc, token, phone_code, phone, country, e) < 0) {
        if (!err_is(e, E_WECHAT_TOKEN_INVALID))
            return -1;
        log_info("event=wechat_token_refresh reason=invalid");
        err_clear(e);
        if (access_token(db, &wc, true, token, e) < 0 ||
            wxmp_phone_number(&wc, token, phone_code, phone, country, e) < 0)
            return -1;
    }
    /* Only mainland numbers can have been reserved by the office. WeChat
     * may leave countryCode out; the 11-digit mainland form is then what
     * decides (a foreign number never has it). */
    if ((country[0] && strcmp(country, "86") != 0) || !util_phone_valid(phone))
        return err_set(e, E_PHONE_NOT_REGISTERED);
    if (db_tx(db, bind_tx, &q, e) < 0)
        return -1;
    *person_id = q.person_id;
    return 0;
}
