/*
 * auth.c — sessions, SMS login codes, staff passwords (see auth.h).
 *
 * Limits (API.md): one code per phone per 60 s, 10 per phone per rolling
 * 24 h, 20 per client address per rolling hour; a code lives 5 minutes and
 * dies after 5 wrong tries. Staff logins: 5 failures per phone or 20 per
 * address in 15 minutes lock further tries for the rest of the window.
 * Owner SMS logins: 20 wrong codes per address in 15 minutes, 10 per phone
 * in 24 hours (over all its codes).
 *
 * Every limit is counted while holding the lock of its key's row in
 * limit_keys (phone first, then address: one order, so no lock cycle), in
 * the same transaction that records the event. Parallel requests for one
 * key therefore queue and see each other's rows. The row is created and
 * locked by one INSERT … ON DUPLICATE KEY UPDATE, which takes an exclusive
 * lock on an existing row at once: INSERT IGNORE took a shared one, which
 * the following SELECT … FOR UPDATE then had to upgrade, so every pair of
 * parallel requests for one key deadlocked, and under a burst (fifty code
 * requests from one address) the retries ran out: 503 DB_RETRY.
 *
 * A staff password is checked with argon2id (19 MiB, tens of ms) outside
 * any transaction: a first transaction reserves the try (a failure row,
 * counted at once by everyone else), the hash is checked, and a second
 * transaction removes the reservation and opens the session — or leaves
 * it as the failure it was. So at most the limit of passwords is ever
 * evaluated, even by twenty parallel requests, no transaction holds a lock
 * while argon2 runs, and a deadlock retry never runs argon2 again.
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
#include "outbox.h"
#include "resources.h"

const char *const auth_role_names[9] = {"butler",  "supervisor", "manager", "technician", "guard",
                                        "cashier", "warehouse",  "legal",   "admin"};

#define SMS_CODE_TTL_S 300
#define SMS_CODE_MAX_TRIES 5
#define PW_WINDOW_S 900
#define PW_MAX_PER_PHONE 5
#define PW_MAX_PER_IP 20
#define OWNER_FAIL_MAX_PER_IP 20    /* in PW_WINDOW_S */
#define OWNER_FAIL_MAX_PER_PHONE 10 /* in a day */

/* argon2id cost: 19 MiB, 2 passes (the OWASP recommendation). */
#define ARGON_T 2
#define ARGON_M 19456
#define ARGON_P 1

/* The SQL of this module. */
DB_SQL(sql_session_lookup,
       "SELECT s.subject_kind, s.subject_id, st.roles + 0, l.project_ids "
       "FROM sessions s LEFT JOIN staff st"
       "  ON s.subject_kind = 'staff' AND st.id = s.subject_id AND st.active = 1 "
       "LEFT JOIN staff_project_lists l ON l.staff_id = st.id "
       "WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > UTC_TIMESTAMP()");
DB_SQL(sql_staff_principal,
       "SELECT st.roles + 0, l.project_ids FROM staff st "
       "LEFT JOIN staff_project_lists l ON l.staff_id = st.id WHERE st.id = ? AND st.active = 1");
DB_SQL(sql_logout, "UPDATE sessions SET revoked_at = UTC_TIMESTAMP() "
                   "WHERE token_hash = ? AND revoked_at IS NULL");
DB_SQL(sql_session_insert,
       "INSERT INTO sessions (token_hash, subject_kind, subject_id, expires_at, client_ip) "
       "VALUES (?, ?, ?, UTC_TIMESTAMP() + INTERVAL ? SECOND, ?)");
DB_SQL(sql_owner_by_phone,
       "SELECT p.id FROM persons p WHERE p.phone = ? AND EXISTS "
       "(SELECT 1 FROM person_resources pr WHERE pr.person_id = p.id AND " PR_CURRENT("pr") ")");
DB_SQL(sql_staff_by_phone, "SELECT id, password_hash FROM staff WHERE phone = ? AND active = 1");
DB_SQL(sql_limit_lock, "INSERT INTO limit_keys (scope, subject) VALUES (?, ?) "
                       "ON DUPLICATE KEY UPDATE subject = subject");
DB_SQL(sql_codes_phone_min, "SELECT COUNT(*) FROM sms_codes WHERE phone = ? AND "
                            "created_at > UTC_TIMESTAMP() - INTERVAL 60 SECOND");
DB_SQL(sql_codes_phone_day, "SELECT COUNT(*) FROM sms_codes WHERE phone = ? AND "
                            "created_at > UTC_TIMESTAMP() - INTERVAL 1 DAY");
DB_SQL(sql_codes_ip_hour, "SELECT COUNT(*) FROM sms_codes WHERE client_ip = ? AND "
                          "created_at > UTC_TIMESTAMP() - INTERVAL 1 HOUR");
DB_SQL(sql_code_insert, "INSERT INTO sms_codes (phone, purpose, code_hash, client_ip, expires_at) "
                        "VALUES (?, ?, ?, ?, UTC_TIMESTAMP() + INTERVAL ? SECOND)");
DB_SQL(sql_code_current,
       "SELECT id, code_hash, attempts FROM sms_codes WHERE phone = ? AND purpose = ? "
       "AND code_hash IS NOT NULL AND used_at IS NULL "
       "AND expires_at > UTC_TIMESTAMP() ORDER BY id DESC LIMIT 1 FOR UPDATE");
DB_SQL(sql_code_attempt, "UPDATE sms_codes SET attempts = attempts + 1 WHERE id = ?");
DB_SQL(sql_code_used, "UPDATE sms_codes SET used_at = UTC_TIMESTAMP() WHERE id = ?");
DB_SQL(sql_failures, "SELECT COUNT(*) FROM login_failures WHERE scope = ? AND subject = ? "
                     "AND created_at > UTC_TIMESTAMP() - INTERVAL ? SECOND");
DB_SQL(sql_failure_insert, "INSERT INTO login_failures (scope, subject) VALUES (?, ?)");
DB_SQL(sql_failure_delete, "DELETE FROM login_failures WHERE id IN (?, ?)");

bool auth_in_project(const struct principal *p, int64_t project_id)
{
    size_t lo = 0, hi = p->nprojects;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->project_ids[mid] == project_id)
            return true;
        if (p->project_ids[mid] < project_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

int auth_require(const struct principal *who, enum subject_kind kind, unsigned roles, struct err *e)
{
    if (who->kind != kind || (kind == SUBJECT_STAFF && roles && !(who->roles & roles)))
        return err_forbidden(e);
    return 0;
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

/* "1,4,7" (GROUP_CONCAT ordered) → who's sorted project list. */
static void set_projects(struct arena *a, struct principal *who, const char *projects)
{
    who->project_ids = db_id_list(a, projects, &who->nprojects);
}

int auth_session_dead(struct err *e)
{
    return err_setf(e, E_UNAUTHENTICATED, "登录已失效，请重新登录");
}

int auth_session_lookup(struct db *db, struct arena *a, const char *token, struct principal *who,
                        struct err *e)
{
    unsigned char h[32];
    struct db_res r;
    int found;

    memset(who, 0, sizeof(*who));
    if (auth_token_hash(token, h) < 0)
        return err_unauthenticated(e);
    found = db_one(db, a, &sql_session_lookup, DB_ARGS(P_STRN((const char *)h, 32)), &r, e);
    if (found < 0)
        return -1;
    if (!found)
        return auth_session_dead(e);
    who->id = db_int(&r, 0, 1);
    if (strcmp(db_text(&r, 0, 0), "owner") == 0) {
        who->kind = SUBJECT_OWNER;
        return 0;
    }
    if (db_is_null(&r, 0, 2)) /* staff member deactivated */
        return auth_session_dead(e);
    who->kind = SUBJECT_STAFF;
    who->roles = (unsigned)db_int(&r, 0, 2);
    set_projects(a, who, db_text(&r, 0, 3));
    return 0;
}

int auth_staff_principal(struct db *db, struct arena *a, int64_t staff_id, struct principal *who,
                         struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_staff_principal, DB_ARGS(P_INT(staff_id)), &r, e);

    memset(who, 0, sizeof(*who));
    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    who->kind = SUBJECT_STAFF;
    who->id = staff_id;
    who->roles = (unsigned)db_int(&r, 0, 0);
    set_projects(a, who, db_text(&r, 0, 1));
    return 0;
}

int auth_logout(struct db *db, const char *token, struct err *e)
{
    unsigned char h[32];

    if (auth_token_hash(token, h) < 0)
        return 0;
    return db_exec(db, &sql_logout, DB_ARGS(P_STRN((const char *)h, 32)), NULL, e);
}

int auth_session_create(struct db *db, enum subject_kind kind, int64_t id, int ttl_s,
                        const char *client_ip, struct session_out *out, struct err *e)
{
    unsigned char raw[32], h[32];

    util_random(raw, sizeof(raw));
    hex_encode(raw, sizeof(raw), out->token);
    token_hash(out->token, h);
    if (db_exec(db, &sql_session_insert,
                DB_ARGS(P_STRN((const char *)h, 32),
                        P_STR(kind == SUBJECT_OWNER ? "owner" : "staff"), P_INT(id), P_INT(ttl_s),
                        P_STR(client_ip)),
                NULL, e) < 0)
        return -1;
    util_time_rfc3339(time(NULL) + ttl_s, out->expires_at);
    return 0;
}

int auth_owner_by_phone(struct db *db, const char *phone, int64_t *person_id, struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    int found = db_one(db, &a, &sql_owner_by_phone, DB_ARGS(P_STR(phone)), &r, e);

    if (found > 0)
        *person_id = db_int(&r, 0, 0);
    arena_free(&a);
    if (found < 0)
        return -1;
    return found ? 0 : err_set(e, E_PHONE_NOT_REGISTERED);
}

/* An active staff member by phone: 1 found (id, hash copied), 0 not. */
static int staff_by_phone(struct db *db, const char *phone, int64_t *id, char *hash,
                          size_t hash_size, struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    int found = db_one(db, &a, &sql_staff_by_phone, DB_ARGS(P_STR(phone)), &r, e);

    if (found > 0) {
        *id = db_int(&r, 0, 0);
        snprintf(hash, hash_size, "%s", db_text(&r, 0, 1));
    }
    arena_free(&a);
    return found;
}

/* ---- limits --------------------------------------------------------------- */

/* Take the lock of one limit key for the rest of the transaction. */
static int limit_lock(struct db *db, const char *scope, const char *subject, struct err *e)
{
    return db_exec(db, &sql_limit_lock, DB_ARGS(P_STR(scope), P_STR(subject)), NULL, e);
}

static int count1(struct db *db, struct arena *a, struct db_sql *q, const char *key, int64_t *n,
                  struct err *e)
{
    struct db_res r;

    if (db_query(db, a, q, DB_ARGS(P_STR(key)), &r, e) < 0)
        return -1;
    *n = db_int(&r, 0, 0);
    return 0;
}

static int failures(struct db *db, struct arena *a, const char *scope, const char *subject,
                    int window_s, int64_t *n, struct err *e)
{
    struct db_res r;

    if (db_query(db, a, &sql_failures, DB_ARGS(P_STR(scope), P_STR(subject), P_INT(window_s)), &r,
                 e) < 0)
        return -1;
    *n = db_int(&r, 0, 0);
    return 0;
}

static int failure_add(struct db *db, const char *scope, const char *subject, int64_t *id,
                       struct err *e)
{
    return db_insert(db, &sql_failure_insert, DB_ARGS(P_STR(scope), P_STR(subject)), id, e);
}

/* ---- SMS codes ---------------------------------------------------------- */

struct code_req {
    struct arena *a;
    const struct config *cfg;
    const char *phone, *purpose, *ip;
    bool registered;
};

static int code_request_tx(struct db *db, void *arg, struct err *e)
{
    struct code_req *q = arg;
    int64_t last_min, last_day, ip_hour, id;
    char code[7], e164[16], dedup[48], minutes[8];
    unsigned char h[32];

    if (limit_lock(db, "sms_phone", q->phone, e) < 0 || limit_lock(db, "sms_ip", q->ip, e) < 0 ||
        count1(db, q->a, &sql_codes_phone_min, q->phone, &last_min, e) < 0 ||
        count1(db, q->a, &sql_codes_phone_day, q->phone, &last_day, e) < 0 ||
        count1(db, q->a, &sql_codes_ip_hour, q->ip, &ip_hour, e) < 0)
        return -1;
    if (last_min >= 1)
        return err_setf(e, E_RATE_LIMITED, "验证码发送太频繁，请 60 秒后再试");
    if (last_day >= 10)
        return err_setf(e, E_RATE_LIMITED, "该手机号今日获取验证码次数已达上限");
    if (ip_hour >= 20)
        return err_setf(e, E_RATE_LIMITED, "请求太频繁，请稍后再试");

    snprintf(code, sizeof(code), "%06u", (unsigned)util_random_below(1000000));
    util_sha256(code, 6, h);
    if (db_insert(db, &sql_code_insert,
                  DB_ARGS(P_STR(q->phone), P_STR(q->purpose),
                          q->registered ? P_STRN((const char *)h, 32) : P_NULL, P_STR(q->ip),
                          P_INT(SMS_CODE_TTL_S)),
                  &id, e) < 0)
        return -1;
    if (!q->registered)
        return 0; /* counted, but nobody to send to */

    snprintf(e164, sizeof(e164), "+86%s", q->phone);
    snprintf(dedup, sizeof(dedup), "sms_code:%lld", (long long)id);
    snprintf(minutes, sizeof(minutes), "%d", SMS_CODE_TTL_S / 60);
    return outbox_queue(db,
                        &(struct outbox_msg){.channel = OUTBOX_SMS,
                                             .dedup_key = dedup,
                                             .recipient = e164,
                                             .template_id = q->cfg->sms_template_login,
                                             .params = (const char *[]){code, minutes},
                                             .nparams = 2,
                                             .ttl_s = SMS_CODE_TTL_S},
                        e);
}

int auth_sms_code_request(struct db *db, const struct config *cfg, const char *phone,
                          const char *purpose, const char *client_ip, struct err *e)
{
    struct arena a = {0};
    struct code_req q = {&a, cfg, phone, purpose, client_ip, false};
    char hash[8];
    int64_t id;
    int rc = -1, found;

    if (strcmp(purpose, "owner_login") == 0) {
        if (auth_owner_by_phone(db, phone, &id, e) == 0)
            q.registered = true;
        else if (!err_is(e, E_PHONE_NOT_REGISTERED))
            goto out;
        err_clear(e);
    } else {
        found = staff_by_phone(db, phone, &id, hash, sizeof(hash), e);
        if (found < 0)
            goto out;
        q.registered = found == 1;
    }
    rc = db_tx(db, code_request_tx, &q, e);
out:
    arena_free(&a);
    return rc;
}

int auth_sms_code_check(struct db *db, const char *phone, const char *purpose, const char *code,
                        struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    unsigned char h[32];
    int64_t id;
    int rc = -1, found;

    found = db_one(db, &a, &sql_code_current, DB_ARGS(P_STR(phone), P_STR(purpose)), &r, e);
    if (found < 0)
        goto out;
    if (!found || db_int(&r, 0, 2) >= SMS_CODE_MAX_TRIES) {
        err_set(e, E_SMS_CODE_INVALID);
        goto out;
    }
    id = db_int(&r, 0, 0);
    util_sha256(code, strlen(code), h);
    if (strlen(code) != 6 || db_len(&r, 0, 1) != 32 || !util_ct_equal(h, db_str(&r, 0, 1), 32)) {
        /* The failed try must count even though the login fails: the
         * caller commits this transaction for SMS_CODE_INVALID. */
        if (db_exec(db, &sql_code_attempt, DB_ARGS(P_INT(id)), NULL, e) == 0)
            err_set(e, E_SMS_CODE_INVALID);
        goto out;
    }
    rc = db_exec(db, &sql_code_used, DB_ARGS(P_INT(id)), NULL, e);
out:
    arena_free(&a);
    return rc;
}

/* ---- owner login by SMS -------------------------------------------------- */

struct owner_sms {
    struct arena *a;
    const struct config *cfg;
    const char *phone, *code, *ip;
    int64_t person_id;
    struct session_out *out;
    bool code_failed; /* commit the counters, then fail */
    struct err code_err;
};

static int owner_sms_tx(struct db *db, void *arg, struct err *e)
{
    struct owner_sms *q = arg;
    struct principal who = {.kind = SUBJECT_OWNER};
    int64_t by_phone, by_ip, id;

    q->code_failed = false;
    if (limit_lock(db, "owner_phone", q->phone, e) < 0 ||
        limit_lock(db, "owner_ip", q->ip, e) < 0 ||
        failures(db, q->a, "owner_phone", q->phone, 86400, &by_phone, e) < 0 ||
        failures(db, q->a, "owner_ip", q->ip, PW_WINDOW_S, &by_ip, e) < 0)
        return -1;
    if (by_phone >= OWNER_FAIL_MAX_PER_PHONE || by_ip >= OWNER_FAIL_MAX_PER_IP)
        return err_setf(e, E_RATE_LIMITED, "验证码错误次数过多，请稍后再试");
    if (auth_sms_code_check(db, q->phone, "owner_login", q->code, e) < 0) {
        if (!err_is(e, E_SMS_CODE_INVALID))
            return -1;
        q->code_failed = true;
        q->code_err = *e;
        err_clear(e);
        return failure_add(db, "owner_phone", q->phone, &id, e) < 0 ||
                       failure_add(db, "owner_ip", q->ip, &id, e) < 0
                   ? -1
                   : 0;
    }
    if (auth_owner_by_phone(db, q->phone, &q->person_id, e) < 0 ||
        auth_session_create(db, SUBJECT_OWNER, q->person_id, q->cfg->owner_session_ttl_s, q->ip,
                            q->out, e) < 0)
        return -1;
    who.id = q->person_id;
    return audit_log(
        db,
        &(struct audit_entry){
            .who = &who, .action = "login_sms", .entity = "person", .entity_id = q->person_id},
        e);
}

int auth_owner_login_sms(struct db *db, const struct config *cfg, const char *phone,
                         const char *code, const char *client_ip, int64_t *person_id,
                         struct session_out *out, struct err *e)
{
    struct arena a = {0};
    struct owner_sms q = {
        .a = &a, .cfg = cfg, .phone = phone, .code = code, .ip = client_ip, .out = out};
    int rc = db_tx(db, owner_sms_tx, &q, e);

    arena_free(&a);
    if (rc < 0)
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
    struct arena *a;
    const struct config *cfg;
    const char *phone, *password, *sms_code, *ip;
    int64_t staff_id;
    char hash[256];
    bool found;
    int64_t reserved[2]; /* the failure rows of this try (phone, address) */
    bool ok;             /* second step: the credentials were right */
    struct session_out *out;
    bool failed; /* answer BAD_CREDENTIALS after committing */
};

/* Step 1: under the limit locks, count the failures and record this try
 * as one before anything is verified. */
static int staff_reserve_tx(struct db *db, void *arg, struct err *e)
{
    struct staff_login *q = arg;
    int64_t by_phone, by_ip;
    int found;

    if (limit_lock(db, "phone", q->phone, e) < 0 || limit_lock(db, "ip", q->ip, e) < 0 ||
        failures(db, q->a, "phone", q->phone, PW_WINDOW_S, &by_phone, e) < 0 ||
        failures(db, q->a, "ip", q->ip, PW_WINDOW_S, &by_ip, e) < 0)
        return -1;
    if (by_phone >= PW_MAX_PER_PHONE || by_ip >= PW_MAX_PER_IP)
        return err_setf(e, E_RATE_LIMITED, "登录失败次数过多，请 15 分钟后再试");
    found = staff_by_phone(db, q->phone, &q->staff_id, q->hash, sizeof(q->hash), e);
    if (found < 0)
        return -1;
    q->found = found == 1;
    return failure_add(db, "phone", q->phone, &q->reserved[0], e) < 0 ||
                   failure_add(db, "ip", q->ip, &q->reserved[1], e) < 0
               ? -1
               : 0;
}

/* Step 2: a right password or code turns the reservation into a session. */
static int staff_finish_tx(struct db *db, void *arg, struct err *e)
{
    struct staff_login *q = arg;
    struct principal who = {.kind = SUBJECT_STAFF};

    q->failed = false;
    if (q->sms_code) {
        if (auth_sms_code_check(db, q->phone, "staff_login", q->sms_code, e) < 0) {
            if (!err_is(e, E_SMS_CODE_INVALID))
                return -1;
            err_clear(e);
            q->failed = true;
            return 0; /* commit the code's attempt counter */
        }
        /* A code is only ever sent to active staff; deactivated since? */
        q->ok = q->found;
    }
    if (!q->ok) {
        q->failed = true;
        return 0;
    }
    if (db_exec(db, &sql_failure_delete, DB_ARGS(P_INT(q->reserved[0]), P_INT(q->reserved[1])),
                NULL, e) < 0 ||
        auth_session_create(db, SUBJECT_STAFF, q->staff_id, q->cfg->staff_session_ttl_s, q->ip,
                            q->out, e) < 0)
        return -1;
    who.id = q->staff_id;
    return audit_log(db,
                     &(struct audit_entry){.who = &who,
                                           .action = q->password ? "login_password" : "login_sms",
                                           .entity = "staff",
                                           .entity_id = q->staff_id},
                     e);
}

int auth_staff_login(struct db *db, const struct config *cfg, const char *phone,
                     const char *password, const char *sms_code, const char *client_ip,
                     int64_t *staff_id, struct session_out *out, struct err *e)
{
    /* Verify even for an unknown phone so timing does not reveal staff:
     * against a real argon2id hash (of a random string nobody knows),
     * which costs what a real verification costs. */
    static const char dummy[] = "$argon2id$v=19$m=19456,t=2,p=1$e94+4V4h77Uiqf3cZ5WPHA$"
                                "tuRXhHGZ1Dc4YJ/Hfh3LEiXVJ2OrKmO5TsKsjAAf86w";
    struct arena a = {0};
    struct staff_login q = {.a = &a,
                            .cfg = cfg,
                            .phone = phone,
                            .password = password,
                            .sms_code = sms_code,
                            .ip = client_ip,
                            .out = out};
    int rc = -1;

    if (db_tx(db, staff_reserve_tx, &q, e) < 0)
        goto out;
    if (password)
        q.ok = argon2id_verify(q.found && q.hash[0] ? q.hash : dummy, password, strlen(password)) ==
                   ARGON2_OK &&
               q.found && q.hash[0];
    if (db_tx(db, staff_finish_tx, &q, e) < 0)
        goto out;
    if (q.failed) {
        rc = err_setf(e, E_BAD_CREDENTIALS, "%s",
                      password ? "手机号或密码错误" : "验证码错误或已失效");
        goto out;
    }
    *staff_id = q.staff_id;
    rc = 0;
out:
    arena_free(&a);
    return rc;
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
