/* h_owner.c — the owner's endpoints (mini-program): logins and homes. */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "db/db.h"
#include "render.h"
#include "resources.h"
#include "server.h"

static cJSON *resources_array(struct req *r, int64_t person_id, struct err *e)
{
    struct resource *list;
    size_t n;
    cJSON *items;

    if (res_list_for_person(db_thread(), &r->arena, person_id, &list, &n, e) < 0)
        return NULL;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, render_resource_owner(&list[i]));
    return items;
}

/* The answer of both owner logins (API.md). */
static void reply_login(struct req *r, int64_t person_id, const struct session_out *s)
{
    struct person p;
    struct err e;
    char masked[12];
    cJSON *doc, *owner, *items;

    err_clear(&e);
    if (res_person_get(db_thread(), &r->arena, person_id, &p, &e) < 0 ||
        !(items = resources_array(r, person_id, &e))) {
        reply_error(r, &e);
        return;
    }
    doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "token", s->token);
    cJSON_AddStringToObject(doc, "expires_at", s->expires_at);
    owner = cJSON_AddObjectToObject(doc, "owner");
    json_add_int(owner, "id", p.id);
    cJSON_AddStringToObject(owner, "name", p.name);
    util_phone_mask(p.phone, masked);
    cJSON_AddStringToObject(owner, "phone_masked", masked);
    cJSON_AddItemToObject(doc, "resources", items);
    reply_json(r, 200, doc);
}

void h_owner_login_sms(struct req *r)
{
    static const char *const fields[] = {"phone", "sms_code", NULL};
    const char *phone, *code;
    struct session_out s;
    int64_t person_id;
    struct err e;
    cJSON *in = req_json(r);

    if (!in)
        return;
    err_clear(&e);
    if (json_only_fields(in, fields, &e) < 0 ||
        json_get_str(in, "phone", true, 11, 11, &phone, &e) < 0 ||
        json_get_str(in, "sms_code", true, 6, 6, &code, &e) < 0)
        goto fail;
    if (!util_phone_valid(phone)) {
        err_bad_request(&e, "手机号格式不正确");
        goto fail;
    }
    if (auth_owner_login_sms(db_thread(), &g_cfg, phone, code, r->remote_addr, &person_id, &s, &e) <
        0)
        goto fail;
    cJSON_Delete(in);
    reply_login(r, person_id, &s);
    return;
fail:
    cJSON_Delete(in);
    reply_error(r, &e);
}

void h_owner_login_wechat(struct req *r)
{
    static const char *const fields[] = {"code", "phone_code", NULL};
    const char *code, *phone_code;
    struct session_out s;
    int64_t person_id;
    struct err e;
    cJSON *in = req_json(r);

    if (!in)
        return;
    err_clear(&e);
    if (json_only_fields(in, fields, &e) < 0 ||
        json_get_str(in, "code", true, 1, 128, &code, &e) < 0 ||
        json_get_str(in, "phone_code", true, 1, 128, &phone_code, &e) < 0)
        goto fail;
    if (auth_owner_login_wechat(db_thread(), &g_cfg, code, phone_code, r->remote_addr, &person_id,
                                &s, &e) < 0)
        goto fail;
    cJSON_Delete(in);
    reply_login(r, person_id, &s);
    return;
fail:
    cJSON_Delete(in);
    reply_error(r, &e);
}

/*
 * GET /owner/resources — the hot path of the mini-program. Each worker
 * thread keeps the lists it rendered, keyed by owner and labelled with the
 * estate version (sql/002_estate_version.sql) they were read under. A
 * request costs one primary-key lookup that checks the session and reads
 * the version; the cached list is served only if the version has not
 * moved since — any change to links, resources or names, by any host or
 * path, moves it — otherwise the list is read again. The session is always
 * checked in the database, so a logout takes effect at once everywhere.
 */
#define OWNER_CACHE 256

struct owner_list {
    int64_t person_id;
    int64_t version;
    char *body; /* the rendered JSON answer; owned by the entry */
    size_t len;
};

static __thread struct owner_list owner_cache[OWNER_CACHE];

static void owner_cache_put(int64_t person_id, int64_t version, const char *body, size_t len)
{
    struct owner_list *c = &owner_cache[(uint64_t)person_id % OWNER_CACHE];
    char *copy = malloc(len + 1);

    if (!copy)
        return;
    memcpy(copy, body, len + 1);
    free(c->body);
    c->person_id = person_id;
    c->version = version;
    c->body = copy;
    c->len = len;
}

void owner_cache_free(void)
{
    for (size_t i = 0; i < OWNER_CACHE; i++) {
        free(owner_cache[i].body);
        owner_cache[i].body = NULL;
    }
}

/* ACCESS_OWNER_FUSED: the session is checked here, with the version. */
void h_owner_resources(struct req *r)
{
    struct resource *list;
    size_t n;
    int64_t person_id, version;
    struct owner_list *c;
    struct err e;
    cJSON *items, *doc;
    char *text;

    err_clear(&e);
    if (res_owner_session(db_thread(), r->token, &person_id, &version, &e) < 0) {
        reply_error(r, &e);
        return;
    }
    if (!person_id) {
        /* Not a live owner session: 401, or 403 for a staff token. */
        if (auth_session_lookup(db_thread(), r->token, &r->who, &e) < 0)
            reply_error(r, &e);
        else
            reply_error_code(r, 403, "FORBIDDEN", "您没有此操作的权限");
        return;
    }
    r->who.kind = SUBJECT_OWNER;
    r->who.id = person_id;
    c = &owner_cache[(uint64_t)person_id % OWNER_CACHE];
    if (c->body && c->person_id == person_id && c->version == version) {
        reply_raw(r, 200, "application/json; charset=utf-8", c->body, c->len, NULL);
        return;
    }
    /* Read after the version: the list is at least as new as its label,
     * so a change in between costs a re-read, never a stale answer. */
    if (res_list_for_person(db_thread(), &r->arena, person_id, &list, &n, &e) < 0) {
        reply_error(r, &e);
        return;
    }
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, render_resource_owner(&list[i]));
    doc = cJSON_CreateObject();
    cJSON_AddItemToObject(doc, "items", items);
    text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!text) {
        reply_error_code(r, 500, "INTERNAL", "系统繁忙，请稍后再试");
        return;
    }
    owner_cache_put(person_id, version, text, strlen(text));
    reply_raw(r, 200, "application/json; charset=utf-8", text, strlen(text), NULL);
    cJSON_free(text);
}

void h_owner_resource(struct req *r)
{
    struct resource_detail d;
    struct err e;

    err_clear(&e);
    if (res_detail_for_person(db_thread(), &r->arena, r->who.id, r->params[0], &d, &e) < 0) {
        reply_error(r, &e);
        return;
    }
    reply_json(r, 200, render_resource_detail(&d, true));
}
