/*
 * auth.c — sessions, SMS login codes, staff passwords (see auth.h).
 *
 * Limits (API.md): one code per phone per 60 s, 10 per phone per rolling
 * 24 h, 20 per client address per rolling hour; a code lives 5 minutes and
 * dies after 5 wrong tries. Staff passwords: 5 failures per phone or 20 per
 * address in 15 minutes lock further tries for the rest of the window.
 * Counting and inserting happen in one transaction that locks the phone's
 * index range, so two racing requests cannot both slip under a limit.
 */
#include "auth.h"

#include <argon2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/util.h"

const char *const auth_role_names[9] = {"butler",  "supervisor", "manager", "technician", "guard",
                                        "cashier", "warehouse",  "legal",   "admin"};

#define SMS_CODE_TTL_S 300
#define SMS_CODE_MAX_TRIES 5
#define PW_WINDOW_S 900
#define PW_MAX_PER_PHONE 5
#define PW_MAX_PER_IP 20

/* argon2id cost: 19 MiB, 2 passes (the OWASP recommendation). */
#define ARGON_T 2
#define ARGON_M 19456
#define ARGON_P 1

bool auth_in_project(const struct principal *p, int64_t project_id)
{
    for (size_t i = 0; i < p->nprojects; i++)
        if (p->project_ids[i] == project_id)
            return true;
    return false;
}

static void token_hash(const char *token, unsigned char out[32])
{
    util_sha256(token, strlen(token), out);
}

int auth_token_hash(const char *token, unsigned char out[32])
{
    if (!token || strlen(token) != AUTH_TOKEN_LEN)
        return -1;
    token_hash(token, out);
    return 0;
}

int auth_session_lookup(struct db *db, const char *token, struct principal *who, struct err *e)
{
    static const char sql[] =
        "SELECT s.subject_kind, s.subject_id, st.roles + 0, "
        "  (SELECT GROUP_CONCAT(sp.project_id) FROM staff_projects sp"
        "    WHERE sp.staff_id = st.id) "
        "FROM sessions s LEFT JOIN staff st"
        "  ON s.subject_kind = 'staff' AND st.id = s.subject_id AND st.active = 1 "
        "WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > UTC_TIMESTAMP()";
    unsigned char h[32];
    struct db_param p[1];
    struct db_res r;
    int rc = -1;

    memset(who, 0, sizeof(*who));
    if (auth_token_hash(token, h) < 0)
        return err_unauthenticated(e);
    p[0] = P_STRN((const char *)h, 32);
    if (db_exec(db, sql, p, 1, &r, e) < 0)
        return -1;
    if (r.nrows != 1) {
        err_set(e, 401, "UNAUTHENTICATED", "登录已失效，请重新登录");
        goto out;
    }
    who->id = db_int(&r, 0, 1);
    if (strcmp(db_str(&r, 0, 0), "owner") == 0) {
        who->kind = SUBJECT_OWNER;
    } else {
        const char *projects = db_str(&r, 0, 3);
        if (db_is_null(&r, 0, 2)) { /* staff member deactivated */
            err_set(e, 401, "UNAUTHENTICATED", "登录已失效，请重新登录");
            goto out;
        }
        who->kind = SUBJECT_STAFF;
        who->roles = (unsigned)db_int(&r, 0, 2);
        while (projects && *projects && who->nprojects < AUTH_MAX_PROJECTS) {
            char *end;
            who->project_ids[who->nprojects++] = strtoll(projects, &end, 10);
            projects = *end == ',' ? end + 1 : end;
        }
    }
    rc = 0;
out:
    db_res_free(&r);
    return rc;
}

int auth_logout(struct db *db, const char *token, struct err *e)
{
    unsigned char h[32];
    struct db_param p[1];

    if (auth_token_hash(token, h) < 0)
        return 0;
    p[0] = P_STRN((const char *)h, 32);
    return db_exec(db,
                   "UPDATE sessions SET revoked_at = UTC_TIMESTAMP() "
                   "WHERE token_hash = ? AND revoked_at IS NULL",
                   p, 1, NULL, e);
}

int auth_session_create(struct db *db, enum subject_kind kind, int64_t id, int ttl_s,
                        const char *client_ip, struct session_out *out, struct err *e)
{
    unsigned char raw[32], h[32];
    struct db_param p[5];

    util_random(raw, sizeof(raw));
    hex_encode(raw, sizeof(raw), out->token);
    token_hash(out->token, h);
    p[0] = P_STRN((const char *)h, 32);
    p[1] = P_STR(kind == SUBJECT_OWNER ? "owner" : "staff");
    p[2] = P_INT(id);
    p[3] = P_INT(ttl_s);
    p[4] = P_STR(client_ip);
    if (db_exec(db,
                "INSERT INTO sessions (token_hash, subject_kind, subject_id, expires_at, "
                "client_ip) VALUES (?, ?, ?, UTC_TIMESTAMP() + INTERVAL ? SECOND, ?)",
                p, 5, NULL, e) < 0)
        return -1;
    util_time_rfc3339(time(NULL) + ttl_s, out->expires_at);
    return 0;
}

int auth_owner_by_phone(struct db *db, const char *phone, int64_t *person_id, struct err *e)
{
    struct db_param p[1] = {P_STR(phone)};
    struct db_res r;
    int rc = 0;

    if (db_exec(db,
                "SELECT p.id FROM persons p WHERE p.phone = ? AND EXISTS "
                "(SELECT 1 FROM person_resources pr WHERE pr.person_id = p.id AND pr.active = 1)",
                p, 1, &r, e) < 0)
        return -1;
    if (r.nrows == 0)
        rc = err_set(e, 403, "PHONE_NOT_REGISTERED",
                     "该手机号未在物业登记，请联系物业服务中心核对预留手机号");
    else
        *person_id = db_int(&r, 0, 0);
    db_res_free(&r);
    return rc;
}

static bool staff_phone_active(struct db *db, const char *phone, int64_t *id, char *hash,
                               size_t hash_size, struct err *e, int *failed)
{
    struct db_param p[1] = {P_STR(phone)};
    struct db_res r;
    bool found = false;

    *failed = 0;
    if (db_exec(db, "SELECT id, password_hash FROM staff WHERE phone = ? AND active = 1", p, 1, &r,
                e) < 0) {
        *failed = 1;
        return false;
    }
    if (r.nrows == 1) {
        found = true;
        if (id)
            *id = db_int(&r, 0, 0);
        if (hash)
            snprintf(hash, hash_size, "%s", db_str(&r, 0, 1));
    }
    db_res_free(&r);
    return found;
}

/* ---- SMS codes ---------------------------------------------------------- */

struct code_req {
    const struct config *cfg;
    const char *phone, *purpose, *ip;
    bool registered;
};

static int count_rows(struct db *db, const char *sql, const char *key, struct err *e, int64_t *n)
{
    struct db_param p[1] = {P_STR(key)};
    struct db_res r;

    if (db_exec(db, sql, p, 1, &r, e) < 0)
        return -1;
    *n = db_int(&r, 0, 0);
    db_res_free(&r);
    return 0;
}

static int code_request_tx(struct db *db, void *arg, struct err *e)
{
    struct code_req *q = arg;
    int64_t last_min, last_day, ip_hour;
    char code[7], e164[16], params[64], dedup[48];
    unsigned char h[32];
    struct db_res r;
    struct db_param p[5];
    int64_t id;

    /* FOR UPDATE locks this phone's range of the index: concurrent requests
     * for the same phone queue here instead of both passing the limit. */
    if (count_rows(db,
                   "SELECT COUNT(*) FROM sms_codes WHERE phone = ? AND "
                   "created_at > UTC_TIMESTAMP() - INTERVAL 60 SECOND FOR UPDATE",
                   q->phone, e, &last_min) < 0 ||
        count_rows(db,
                   "SELECT COUNT(*) FROM sms_codes WHERE phone = ? AND "
                   "created_at > UTC_TIMESTAMP() - INTERVAL 1 DAY",
                   q->phone, e, &last_day) < 0 ||
        count_rows(db,
                   "SELECT COUNT(*) FROM sms_codes WHERE client_ip = ? AND "
                   "created_at > UTC_TIMESTAMP() - INTERVAL 1 HOUR",
                   q->ip, e, &ip_hour) < 0)
        return -1;
    if (last_min >= 1)
        return err_set(e, 429, "RATE_LIMITED", "验证码发送太频繁，请 60 秒后再试");
    if (last_day >= 10)
        return err_set(e, 429, "RATE_LIMITED", "该手机号今日获取验证码次数已达上限");
    if (ip_hour >= 20)
        return err_set(e, 429, "RATE_LIMITED", "请求太频繁，请稍后再试");

    snprintf(code, sizeof(code), "%06u", (unsigned)util_random_below(1000000));
    util_sha256(code, 6, h);
    p[0] = P_STR(q->phone);
    p[1] = P_STR(q->purpose);
    p[2] = q->registered ? P_STRN((const char *)h, 32) : P_NULL;
    p[3] = P_STR(q->ip);
    p[4] = P_INT(SMS_CODE_TTL_S);
    if (db_exec(db,
                "INSERT INTO sms_codes (phone, purpose, code_hash, client_ip, expires_at) "
                "VALUES (?, ?, ?, ?, UTC_TIMESTAMP() + INTERVAL ? SECOND)",
                p, 5, &r, e) < 0)
        return -1;
    id = (int64_t)r.insert_id;
    db_res_free(&r);
    if (!q->registered)
        return 0; /* counted, but nobody to send to */

    snprintf(e164, sizeof(e164), "+86%s", q->phone);
    snprintf(params, sizeof(params), "[\"%s\",\"%d\"]", code, SMS_CODE_TTL_S / 60);
    snprintf(dedup, sizeof(dedup), "sms_code:%lld", (long long)id);
    p[0] = P_STR(dedup);
    p[1] = P_STR(e164);
    p[2] = P_STR(q->cfg->sms_template_login);
    p[3] = P_STR(params);
    p[4] = P_INT(SMS_CODE_TTL_S);
    return db_exec(db,
                   "INSERT INTO outbox (channel, dedup_key, recipient, template, params, "
                   "expires_at) VALUES ('sms', ?, ?, ?, ?, UTC_TIMESTAMP() + INTERVAL ? SECOND)",
                   p, 5, NULL, e);
}

int auth_sms_code_request(struct db *db, const struct config *cfg, const char *phone,
                          const char *purpose, const char *client_ip, struct err *e)
{
    struct code_req q = {cfg, phone, purpose, client_ip, false};
    int64_t id;
    int failed;

    if (strcmp(purpose, "owner_login") == 0) {
        if (auth_owner_by_phone(db, phone, &id, e) == 0)
            q.registered = true;
        else if (e->http_status != 403)
            return -1;
        err_clear(e);
    } else {
        q.registered = staff_phone_active(db, phone, NULL, NULL, 0, e, &failed);
        if (failed)
            return -1;
    }
    return db_tx(db, code_request_tx, &q, e);
}

int auth_sms_code_check(struct db *db, const char *phone, const char *purpose, const char *code,
                        struct err *e)
{
    struct db_param p[2] = {P_STR(phone), P_STR(purpose)};
    struct db_param u[1];
    struct db_res r;
    unsigned char h[32];
    int rc = -1;

    if (db_exec(db,
                "SELECT id, code_hash, attempts FROM sms_codes WHERE phone = ? AND purpose = ? "
                "AND code_hash IS NOT NULL AND used_at IS NULL "
                "AND expires_at > UTC_TIMESTAMP() ORDER BY id DESC LIMIT 1 FOR UPDATE",
                p, 2, &r, e) < 0)
        return -1;
    if (r.nrows == 0 || db_int(&r, 0, 2) >= SMS_CODE_MAX_TRIES) {
        err_set(e, 401, "SMS_CODE_INVALID", "验证码错误或已失效，请重新获取");
        goto out;
    }
    u[0] = P_INT(db_int(&r, 0, 0));
    util_sha256(code, strlen(code), h);
    if (strlen(code) != 6 || db_len(&r, 0, 1) != 32 || !util_ct_equal(h, db_str(&r, 0, 1), 32)) {
        /* The failed try must count even though the login fails: the
         * caller commits this transaction for SMS_CODE_INVALID. */
        if (db_exec(db, "UPDATE sms_codes SET attempts = attempts + 1 WHERE id = ?", u, 1, NULL,
                    e) == 0)
            err_set(e, 401, "SMS_CODE_INVALID", "验证码错误或已失效，请重新获取");
        goto out;
    }
    rc = db_exec(db, "UPDATE sms_codes SET used_at = UTC_TIMESTAMP() WHERE id = ?", u, 1, NULL, e);
out:
    db_res_free(&r);
    return rc;
}

/* ---- owner login by SMS -------------------------------------------------- */

struct owner_sms {
    const struct config *cfg;
    const char *phone, *code, *ip;
    int64_t person_id;
    struct session_out *out;
    bool code_failed; /* commit the attempt counter, then fail */
    struct err code_err;
};

static int owner_sms_tx(struct db *db, void *arg, struct err *e)
{
    struct owner_sms *q = arg;

    if (auth_sms_code_check(db, q->phone, "owner_login", q->code, e) < 0) {
        if (e->http_status == 401) {
            q->code_failed = true;
            q->code_err = *e;
            err_clear(e);
            return 0;
        }
        return -1;
    }
    if (auth_owner_by_phone(db, q->phone, &q->person_id, e) < 0)
        return -1;
    if (auth_session_create(db, SUBJECT_OWNER, q->person_id, q->cfg->owner_session_ttl_s, q->ip,
                            q->out, e) < 0)
        return -1;
    return audit_write(db, "owner", q->person_id, "login_sms", "person", q->person_id, "{}", e);
}

int auth_owner_login_sms(struct db *db, const struct config *cfg, const char *phone,
                         const char *code, const char *client_ip, int64_t *person_id,
                         struct session_out *out, struct err *e)
{
    struct owner_sms q = {.cfg = cfg, .phone = phone, .code = code, .ip = client_ip, .out = out};

    if (db_tx(db, owner_sms_tx, &q, e) < 0)
        return -1;
    if (q.code_failed) {
        *e = q.code_err;
        return -1;
    }
    *person_id = q.person_id;
    return 0;
}

/* ---- staff login ---------------------------------------------------------- */

struct staff_login {
    const struct config *cfg;
    const char *phone, *password, *sms_code, *ip;
    int64_t staff_id;
    struct session_out *out;
    bool failed;
    struct err fail_err;
};

static int record_failure(struct db *db, const char *phone, const char *ip, struct err *e)
{
    struct db_param p[2] = {P_STR(phone), P_STR(ip)};

    return db_exec(db, "INSERT INTO login_failures (scope, subject) VALUES ('phone', ?), ('ip', ?)",
                   p, 2, NULL, e);
}

static int staff_login_tx(struct db *db, void *arg, struct err *e)
{
    struct staff_login *q = arg;
    char hash[256] = "";
    int64_t by_phone, by_ip;
    bool found;
    int failed;

    if (count_rows(db,
                   "SELECT COUNT(*) FROM login_failures WHERE scope = 'phone' AND subject = ? "
                   "AND created_at > UTC_TIMESTAMP() - INTERVAL 900 SECOND",
                   q->phone, e, &by_phone) < 0 ||
        count_rows(db,
                   "SELECT COUNT(*) FROM login_failures WHERE scope = 'ip' AND subject = ? "
                   "AND created_at > UTC_TIMESTAMP() - INTERVAL 900 SECOND",
                   q->ip, e, &by_ip) < 0)
        return -1;
    if (by_phone >= PW_MAX_PER_PHONE || by_ip >= PW_MAX_PER_IP)
        return err_set(e, 429, "RATE_LIMITED", "登录失败次数过多，请 15 分钟后再试");

    found = staff_phone_active(db, q->phone, &q->staff_id, hash, sizeof(hash), e, &failed);
    if (failed)
        return -1;
    if (q->password) {
        /* Verify even for an unknown phone so timing does not reveal staff:
         * against a real argon2id hash (of a random string nobody knows),
         * which costs what a real verification costs. */
        static const char dummy[] = "$argon2id$v=19$m=19456,t=2,p=1$e94+4V4h77Uiqf3cZ5WPHA$"
                                    "tuRXhHGZ1Dc4YJ/Hfh3LEiXVJ2OrKmO5TsKsjAAf86w";
        bool ok = argon2id_verify(found && hash[0] ? hash : dummy, q->password,
                                  strlen(q->password)) == ARGON2_OK;
        if (!found || !hash[0] || !ok) {
            q->failed = true;
            err_set(&q->fail_err, 401, "BAD_CREDENTIALS", "手机号或密码错误");
            return record_failure(db, q->phone, q->ip, e);
        }
    } else {
        if (auth_sms_code_check(db, q->phone, "staff_login", q->sms_code, e) < 0) {
            if (e->http_status != 401)
                return -1;
            q->failed = true;
            err_set(&q->fail_err, 401, "BAD_CREDENTIALS", "验证码错误或已失效");
            err_clear(e);
            return record_failure(db, q->phone, q->ip, e);
        }
        if (!found) { /* a code exists only for active staff; deactivated since */
            q->failed = true;
            err_set(&q->fail_err, 401, "BAD_CREDENTIALS", "验证码错误或已失效");
            return 0;
        }
    }
    if (auth_session_create(db, SUBJECT_STAFF, q->staff_id, q->cfg->staff_session_ttl_s, q->ip,
                            q->out, e) < 0)
        return -1;
    return audit_write(db, "staff", q->staff_id, q->password ? "login_password" : "login_sms",
                       "staff", q->staff_id, "{}", e);
}

int auth_staff_login(struct db *db, const struct config *cfg, const char *phone,
                     const char *password, const char *sms_code, const char *client_ip,
                     int64_t *staff_id, struct session_out *out, struct err *e)
{
    struct staff_login q = {.cfg = cfg,
                            .phone = phone,
                            .password = password,
                            .sms_code = sms_code,
                            .ip = client_ip,
                            .out = out};

    if (db_tx(db, staff_login_tx, &q, e) < 0)
        return -1;
    if (q.failed) {
        *e = q.fail_err;
        return -1;
    }
    *staff_id = q.staff_id;
    return 0;
}

int auth_password_hash(const char *password, char *out, size_t out_size)
{
    unsigned char salt[16];

    util_random(salt, sizeof(salt));
    return argon2id_hash_encoded(ARGON_T, ARGON_M, ARGON_P, password, strlen(password), salt,
                                 sizeof(salt), 32, out, out_size) == ARGON2_OK
               ? 0
               : -1;
}
