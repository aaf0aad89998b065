/*
 * auth.h — who is calling (AUTH-1..4): sessions, SMS login codes, staff
 * passwords, and the rate limits around them.
 *
 * Sessions are opaque tokens of 256 random bits; only their SHA-256 is
 * stored. Everything an authorization decision needs (kind, id, roles,
 * projects) is loaded in one query per request. Limits and failure
 * counters live in the database so several worker hosts agree, and each
 * is counted under a lock on its key (limit_keys), so parallel requests
 * queue instead of all passing a limit that only one of them may pass.
 */
#ifndef WUYE_AUTH_H
#define WUYE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

enum subject_kind { SUBJECT_NONE, SUBJECT_OWNER, SUBJECT_STAFF };

/* Staff roles: bit i is the i-th member of staff.roles (a MySQL SET). */
enum staff_role {
    ROLE_BUTLER = 1 << 0,
    ROLE_SUPERVISOR = 1 << 1,
    ROLE_MANAGER = 1 << 2,
    ROLE_TECHNICIAN = 1 << 3,
    ROLE_GUARD = 1 << 4,
    ROLE_CASHIER = 1 << 5,
    ROLE_WAREHOUSE = 1 << 6,
    ROLE_LEGAL = 1 << 7,
    ROLE_ADMIN = 1 << 8,
};
#define ROLE_ANY_STAFF 0x1FFu

/* Who is calling. For staff, every project they serve, ascending (in the
 * request's arena): no cap, so an admin of many projects is never cut. */
struct principal {
    enum subject_kind kind;
    int64_t id;
    unsigned roles; /* staff only */
    size_t nprojects;
    const int64_t *project_ids; /* staff only; sorted */
};

#define AUTH_TOKEN_LEN 64 /* hex characters */

struct session_out {
    char token[AUTH_TOKEN_LEN + 1];
    char expires_at[26]; /* RFC 3339, China time */
};

/* Names of the role bits, in order ("butler", …). */
extern const char *const auth_role_names[9];
/* Does the caller serve this project? (binary search) */
bool auth_in_project(const struct principal *p, int64_t project_id);
/* 403 FORBIDDEN unless the caller is of this kind and, for staff, holds
 * one of roles (0 = any). The one place a role is checked: the worker for
 * every route, and the fused owner path. */
int auth_require(const struct principal *who, enum subject_kind kind, unsigned roles,
                 struct err *e);
/* Staff roles that call residents and so see their full phone numbers
 * (docs/api.md, "Who sees which phone numbers"). */
#define ROLES_SEE_PHONES (ROLE_BUTLER | ROLE_SUPERVISOR | ROLE_MANAGER | ROLE_CASHIER | ROLE_ADMIN)

/* SHA-256 of a well-formed token (as stored); -1 if it is malformed. */
int auth_token_hash(const char *token, unsigned char out[32]);
/* Look a bearer token up; 401 UNAUTHENTICATED if unknown, expired or
 * logged out, or its staff member deactivated. The project list lives in a. */
int auth_session_lookup(struct db *db, struct arena *a, const char *token, struct principal *who,
                        struct err *e);
/* The principal of an active staff member (for work done on their behalf
 * later, e.g. a queued import); 404 if there is none. */
int auth_staff_principal(struct db *db, struct arena *a, int64_t staff_id, struct principal *who,
                         struct err *e);
/* The 401 of a well-formed token with no live session behind it (unknown,
 * expired, logged out, a deactivated member's): the one wording of it. */
int auth_session_dead(struct err *e);
/* Revoke the session of this token (idempotent). */
int auth_logout(struct db *db, const char *token, struct err *e);
/* Create a session inside the caller's transaction. */
int auth_session_create(struct db *db, enum subject_kind kind, int64_t id, int ttl_s,
                        const char *client_ip, struct session_out *out, struct err *e);

/* AUTH-2: request a login code. Applies the limits of API.md (429
 * RATE_LIMITED); a phone that is not registered for the purpose gets no
 * code, and the caller cannot tell. The SMS goes through the outbox. */
int auth_sms_code_request(struct db *db, const struct config *cfg, const char *phone,
                          const char *purpose, const char *client_ip, struct err *e);
/* Check a code in the caller's transaction and consume it; 401
 * SMS_CODE_INVALID when wrong (five wrong tries kill the code). */
int auth_sms_code_check(struct db *db, const char *phone, const char *purpose, const char *code,
                        struct err *e);

/* The person (owner, family member or tenant) holding a reserved phone
 * with at least one current link; 403 PHONE_NOT_REGISTERED otherwise. */
int auth_owner_by_phone(struct db *db, const char *phone, int64_t *person_id, struct err *e);

/* AUTH-1/2: owner logins. Both end in a session. */
int auth_owner_login_sms(struct db *db, const struct config *cfg, const char *phone,
                         const char *code, const char *client_ip, int64_t *person_id,
                         struct session_out *out, struct err *e);
int auth_owner_login_wechat(struct db *db, const struct config *cfg, const char *js_code,
                            const char *phone_code, const char *client_ip, int64_t *person_id,
                            struct session_out *out, struct err *e);
/* The mini-program's access token all hosts share (shared_cache), fetched
 * when missing or near its end, or anew when force (WeChat called ours
 * invalid): token holds WXMP_TOKEN_SIZE bytes. For the WeChat sender. */
int auth_wechat_token(struct db *db, const struct config *cfg, bool force, char *token,
                      struct err *e);

/* AUTH-3: staff logins (password or SMS code); 401 BAD_CREDENTIALS,
 * 429 RATE_LIMITED after too many failures. */
int auth_staff_login(struct db *db, const struct config *cfg, const char *phone,
                     const char *password, const char *sms_code, const char *client_ip,
                     int64_t *staff_id, struct session_out *out, struct err *e);

/* argon2id hash in PHC string form (for the operator tool); 0 on success. */
int auth_password_hash(const char *password, char *out, size_t out_size);

#endif
