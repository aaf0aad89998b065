/* itest.c — see itest.h. */
#include "itest.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "books.h"

const char *it_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        fail_msg("environment variable %s is not set (run through scripts/test.sh)", name);
    return v;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    buf_append(ud, p, size * n);
    return size * n;
}

/* ---- secrets the tests saw ----------------------------------------------- */

#define MAX_SECRETS 8192

static struct {
    pthread_mutex_t lock;
    char v[MAX_SECRETS][65];
    size_t n;
} seen = {.lock = PTHREAD_MUTEX_INITIALIZER};

void it_secret_seen(const char *secret)
{
    size_t i;

    if (!secret || !*secret || strlen(secret) >= sizeof(seen.v[0]))
        return;
    pthread_mutex_lock(&seen.lock);
    for (i = 0; i < seen.n && strcmp(seen.v[i], secret) != 0; i++)
        ;
    if (i == seen.n && seen.n < MAX_SECRETS)
        snprintf(seen.v[seen.n++], sizeof(seen.v[0]), "%s", secret);
    pthread_mutex_unlock(&seen.lock);
}

/* The session token of a login answer; the login codes of the SMS
 * stand-in's messages (those of the login template: the first parameter
 * of a reminder, "3" bills, is no secret). */
static void note_secrets(const char *url, const cJSON *doc)
{
    cJSON *t = doc ? cJSON_GetObjectItemCaseSensitive(doc, "token") : NULL, *items, *it;

    if (cJSON_IsString(t))
        it_secret_seen(t->valuestring);
    if (!doc || !strstr(url, "/_test/sms"))
        return;
    items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    cJSON_ArrayForEach(it, items)
    {
        cJSON *p0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(it, "params"), 0);
        const char *tpl = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "template_id"));
        if (cJSON_IsString(p0) && tpl && strcmp(tpl, it_config()->sms_template_login) == 0)
            it_secret_seen(p0->valuestring);
    }
}

void it_http_url(const char *method, const char *url, const char *body, size_t len,
                 const char *const *headers, struct http_resp *r)
{
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    CURLcode rc;

    memset(r, 0, sizeof(*r));
    assert_non_null(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    h = curl_slist_append(h, "Expect:");
    for (; headers && *headers; headers++)
        h = curl_slist_append(h, *headers);
    if (body) {
        if (len == (size_t)-1)
            len = strlen(body);
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    else
        r->status = 0;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (r->body.len)
        r->json = cJSON_ParseWithLength(r->body.data, r->body.len);
    note_secrets(url, r->json);
}

void it_http(const char *method, const char *path, const char *body, size_t len, const char *token,
             struct http_resp *r)
{
    char url[2048], auth[256];
    const char *headers[2] = {NULL, NULL};

    snprintf(url, sizeof(url), "%s%s", it_env("WUYE_TEST_URL"), path);
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        headers[0] = auth;
    }
    it_http_url(method, url, body, len, headers, r);
}

void it_resp_free(struct http_resp *r)
{
    buf_free(&r->body);
    cJSON_Delete(r->json);
    r->json = NULL;
}

const char *it_err_code(const struct http_resp *r)
{
    cJSON *e = r->json ? cJSON_GetObjectItem(r->json, "error") : NULL;
    cJSON *c = e ? cJSON_GetObjectItem(e, "code") : NULL;
    return cJSON_IsString(c) ? c->valuestring : "";
}

void it_expect_at(const struct http_resp *r, long status, const char *code, const char *file,
                  int line)
{
    /* The code a test expects is one of the error table's, with that status
     * (core/errors.def): a test cannot expect a code the server cannot give. */
    if (code && err_status(err_code_of(code)) != status) {
        print_error("expected code %s is not in the error table with status %ld\n", code, status);
        _fail(file, line);
    }
    if (r->status != status || (code && strcmp(it_err_code(r), code) != 0)) {
        print_error("expected %ld %s, got %ld: %.300s\n", status, code ? code : "", r->status,
                    r->body.data ? r->body.data : "");
        _fail(file, line);
    }
}

void it_last_sms_code(const char *phone, char code[8])
{
    char url[512];
    struct http_resp r;
    cJSON *items, *first, *params, *p0;

    code[0] = '\0';
    snprintf(url, sizeof(url), "%s/_test/sms?phone=%s", it_env("WUYE_SMS_URL"), phone);
    it_http_url("GET", url, NULL, 0, NULL, &r);
    items = r.json ? cJSON_GetObjectItem(r.json, "items") : NULL;
    first = cJSON_GetArrayItem(items, 0);
    params = first ? cJSON_GetObjectItem(first, "params") : NULL;
    p0 = cJSON_GetArrayItem(params, 0);
    if (cJSON_IsString(p0))
        snprintf(code, 8, "%s", p0->valuestring);
    it_resp_free(&r);
}

/* Wait (up to 5 s) for a new code to reach the SMS stand-in. */
static void wait_new_code(const char *phone, const char *old, char code[8])
{
    for (int i = 0; i < 100; i++) {
        it_last_sms_code(phone, code);
        if (code[0] && strcmp(code, old) != 0)
            return;
        usleep(50 * 1000);
    }
    code[0] = '\0';
}

/* The token of a 200 login answer (malloc'd), NULL otherwise; frees r. */
static char *token_of(struct http_resp *r)
{
    cJSON *t = r->status == 200 && r->json ? cJSON_GetObjectItem(r->json, "token") : NULL;
    char *out = cJSON_IsString(t) ? strdup(t->valuestring) : NULL;
    it_resp_free(r);
    return out;
}

static void clear_codes(const char *phone)
{
    struct db_param p[1] = {P_STR(phone)};
    it_sql_exec("DELETE FROM sms_codes WHERE phone = ?", p, 1);
}

void it_owner_login_sms_answer(const char *phone, struct http_resp *r)
{
    char body[256], old[8], code[8];

    clear_codes(phone);
    it_last_sms_code(phone, old);
    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"purpose\":\"owner_login\"}", phone);
    it_http("POST", "/api/v1/sms/codes", body, (size_t)-1, NULL, r);
    assert_int_equal(r->status, 202);
    it_resp_free(r);
    wait_new_code(phone, old, code);
    if (!code[0]) {
        memset(r, 0, sizeof(*r));
        return;
    }
    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"sms_code\":\"%s\"}", phone, code);
    it_http("POST", "/api/v1/owner/login/sms", body, (size_t)-1, NULL, r);
}

char *it_owner_login_sms(const char *phone)
{
    struct http_resp r;

    it_owner_login_sms_answer(phone, &r);
    return token_of(&r);
}

void it_owner_login_wechat_answer(const char *phone, struct http_resp *r)
{
    char url[512], body[1024];
    cJSON *code, *pcode;

    snprintf(url, sizeof(url), "%s/_test/wechat/codes", it_env("WUYE_WECHAT_URL"));
    snprintf(body, sizeof(body), "{\"phone\":\"%s\"}", phone);
    it_http_url("POST", url, body, (size_t)-1, NULL, r);
    assert_int_equal(r->status, 200);
    code = cJSON_GetObjectItem(r->json, "code");
    pcode = cJSON_GetObjectItem(r->json, "phone_code");
    assert_true(cJSON_IsString(code) && cJSON_IsString(pcode));
    snprintf(body, sizeof(body), "{\"code\":\"%s\",\"phone_code\":\"%s\"}", code->valuestring,
             pcode->valuestring);
    it_resp_free(r);
    it_http("POST", "/api/v1/owner/login/wechat", body, (size_t)-1, NULL, r);
}

char *it_owner_login_wechat(const char *phone)
{
    struct http_resp r;

    it_owner_login_wechat_answer(phone, &r);
    return token_of(&r);
}

void it_staff_login_answer(const char *phone, const char *password, struct http_resp *r)
{
    char body[256];
    struct db_param p[1] = {P_STR(phone)};

    it_sql_exec("DELETE FROM login_failures WHERE subject = ? OR scope = 'ip'", p, 1);
    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"password\":\"%s\"}", phone, password);
    it_http("POST", "/api/v1/staff/login", body, (size_t)-1, NULL, r);
}

char *it_staff_login(const char *phone, const char *password)
{
    struct http_resp r;

    it_staff_login_answer(phone, password, &r);
    return token_of(&r);
}

const struct config *it_config(void)
{
    static struct config cfg;
    static int loaded;
    struct err e;

    if (!loaded) {
        err_clear(&e);
        if (config_load(&cfg, it_env("WUYE_CONF"), &e) < 0)
            fail_msg("config: %s", e.message);
        db_configure(&cfg);
        loaded = 1;
    }
    return &cfg;
}

struct db *it_db(void)
{
    it_config();
    return db_thread();
}

/* The tests pass SQL as text: each distinct text gets its own statement
 * of the db layer, kept for the life of the test binary. */
static struct db_sql *stmt_for(const char *sql)
{
    static struct {
        char *text;
        struct db_sql q;
    } known[DB_MAX_STMTS];
    static size_t n;

    for (size_t i = 0; i < n; i++)
        if (strcmp(known[i].text, sql) == 0)
            return &known[i].q;
    if (n == DB_MAX_STMTS)
        fail_msg("too many distinct SQL texts in one test binary");
    known[n].text = strdup(sql);
    known[n].q.text = known[n].text;
    return &known[n++].q;
}

int64_t it_sql_int(const char *sql, const struct db_param *p, size_t n)
{
    struct arena a = {0};
    struct db_res r;
    struct err e;
    int64_t v;

    err_clear(&e);
    if (db_query(it_db(), &a, stmt_for(sql), p, n, &r, &e) < 0)
        fail_msg("sql failed: %s: %s", sql, e.message);
    v = r.nrows ? db_int(&r, 0, 0) : -1;
    arena_free(&a);
    return v;
}

void it_sql_str(const char *sql, const struct db_param *p, size_t n, char *out, size_t size)
{
    struct arena a = {0};
    struct db_res r;
    struct err e;

    err_clear(&e);
    out[0] = '\0';
    if (db_query(it_db(), &a, stmt_for(sql), p, n, &r, &e) < 0)
        fail_msg("sql failed: %s: %s", sql, e.message);
    if (r.nrows && db_str(&r, 0, 0))
        snprintf(out, size, "%s", db_str(&r, 0, 0));
    arena_free(&a);
}

void it_sql_exec(const char *sql, const struct db_param *p, size_t n)
{
    struct err e;

    err_clear(&e);
    if (db_exec(it_db(), stmt_for(sql), p, n, NULL, &e) < 0)
        fail_msg("sql failed: %s: %s", sql, e.message);
}

void it_db_fingerprint(char out[512])
{
    static const char *const queries[] = {
        "SELECT COUNT(*) * 1000003 + COALESCE(SUM(CRC32(CONCAT_WS('|', id, name, phone, "
        "id_number_masked, occupation, IFNULL(openid, '-')))), 0) FROM persons",
        "SELECT COUNT(*) * 1000003 + COALESCE(SUM(CRC32(CONCAT_WS('|', id, project_id, "
        "IFNULL(building_id, 0), IFNULL(unit_id, 0), code, number, kind, IFNULL(floor, -999), "
        "area_m2x100, inner_area_m2x100, layout, decoration, lease_status, business_scope, "
        "tenant_company))), 0) FROM resources",
        "SELECT COUNT(*) * 1000003 + COALESCE(SUM(CRC32(CONCAT_WS('|', id, person_id, "
        "resource_id, relation, IFNULL(moved_in_on, '-'), IFNULL(moved_out_on, '-')))), 0) "
        "FROM person_resources",
        "SELECT COUNT(*) FROM projects",
        "SELECT COUNT(*) FROM buildings",
        "SELECT COUNT(*) FROM units",
        "SELECT COUNT(*) FROM staff",
        "SELECT COUNT(*) FROM sessions",
        "SELECT COUNT(*) FROM sms_codes",
        "SELECT COUNT(*) FROM outbox",
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM custom_fields",
        "SELECT COUNT(*) FROM custom_values",
        "SELECT COUNT(*) FROM login_failures"};
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        int n =
            snprintf(out + used, 512 - used, "%lld;", (long long)it_sql_int(queries[i], NULL, 0));
        if (n > 0 && used + (size_t)n < 512)
            used += (size_t)n;
    }
}

int it_pid(const char *file)
{
    char path[1024];
    FILE *f;
    int pid = 0;

    snprintf(path, sizeof(path), "%s/run/%s", it_env("WUYE_VAR"), file);
    f = fopen(path, "r");
    if (!f)
        return 0;
    if (fscanf(f, "%d", &pid) != 1)
        pid = 0;
    fclose(f);
    return pid;
}

void it_db_checksum(char *out, size_t size)
{
    /* One statement, built once from information_schema and kept: the db
     * layer caches prepared statements by their SQL text. CHECKSUM TABLE
     * would be shorter, but its value for a table with a generated column
     * (person_resources.active) changes when nothing in the table did. */
    static struct buf sql = BUF_INIT;
    struct arena a = {0};
    struct db_res r;
    struct err e;
    size_t used = 0;

    err_clear(&e);
    if (!sql.len) {
        const char *table = "";
        if (db_query(
                it_db(), &a,
                stmt_for("SELECT c.table_name, c.column_name FROM information_schema.columns c "
                         "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
                         "AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' "
                         "WHERE c.table_schema = DATABASE() "
                         "AND c.table_name NOT IN ('outbox', 'job_runs', 'job_schedule') "
                         "ORDER BY c.table_name, c.ordinal_position"),
                NULL, 0, &r, &e) < 0 ||
            r.nrows == 0)
            fail_msg("listing the columns failed: %s", e.message);
        for (size_t i = 0; i < r.nrows; i++) {
            if (strcmp(table, db_str(&r, i, 0)) != 0) {
                if (i)
                    buf_printf(&sql, "))), 0) FROM `%s` UNION ALL ", table);
                table = db_str(&r, i, 0);
                buf_printf(&sql, "SELECT '%s', COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('|', '-'",
                           table);
            }
            buf_printf(&sql, ", IFNULL(`%s`, '<null>')", db_str(&r, i, 1));
        }
        buf_printf(&sql, "))), 0) FROM `%s`", table);
    }
    if (db_query(it_db(), &a, stmt_for(sql.data), NULL, 0, &r, &e) < 0)
        fail_msg("the checksum query failed: %s", e.message);
    out[0] = '\0';
    for (size_t i = 0; i < r.nrows; i++) {
        int n = snprintf(out + used, size - used, "%s=%s/%s;", db_str(&r, i, 0), db_str(&r, i, 1),
                         db_str(&r, i, 2));
        if (n > 0 && used + (size_t)n < size)
            used += (size_t)n;
    }
    arena_free(&a);
}

void it_http_typed(const char *method, const char *path, const char *body, size_t len,
                   const char *content_type, const char *token, struct http_resp *r, char *ctype,
                   size_t ctype_size)
{
    char url[2048], auth[256], type[128];
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    char *got = NULL;

    memset(r, 0, sizeof(*r));
    if (ctype && ctype_size)
        ctype[0] = '\0';
    assert_non_null(c);
    snprintf(url, sizeof(url), "%s%s", it_env("WUYE_TEST_URL"), path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    h = curl_slist_append(h, "Expect:");
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    if (body) {
        if (len == (size_t)-1)
            len = strlen(body);
        snprintf(type, sizeof(type), "Content-Type: %s", content_type);
        h = curl_slist_append(h, type);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &got) == CURLE_OK && got && ctype &&
            ctype_size)
            snprintf(ctype, ctype_size, "%s", got);
    } else {
        r->status = 0;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (r->body.len)
        r->json = cJSON_ParseWithLength(r->body.data, r->body.len);
    note_secrets(url, r->json);
}

cJSON *it_field(const cJSON *o, const char *name)
{
    cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;

    if (!v)
        fail_msg("field \"%s\" is missing", name);
    return v;
}

const char *it_str(const cJSON *o, const char *name)
{
    cJSON *v = it_field(o, name);

    if (!cJSON_IsString(v))
        fail_msg("field \"%s\" is not a string", name);
    return v->valuestring;
}

int64_t it_int(const cJSON *o, const char *name)
{
    cJSON *v = it_field(o, name);

    if (!cJSON_IsNumber(v))
        fail_msg("field \"%s\" is not a number", name);
    return (int64_t)v->valuedouble; /* our integers have at most 15 digits: exact */
}

cJSON *it_find_str(const cJSON *arr, const char *key, const char *v)
{
    cJSON *it;

    cJSON_ArrayForEach(it, arr)
    {
        cJSON *x = cJSON_GetObjectItemCaseSensitive(it, key);
        if (cJSON_IsString(x) && strcmp(x->valuestring, v) == 0)
            return it;
    }
    return NULL;
}

cJSON *it_find_int(const cJSON *arr, const char *key, int64_t v)
{
    cJSON *it;

    cJSON_ArrayForEach(it, arr)
    {
        cJSON *x = cJSON_GetObjectItemCaseSensitive(it, key);
        if (cJSON_IsNumber(x) && (int64_t)x->valuedouble == v)
            return it;
    }
    return NULL;
}

void it_reset_ids(void)
{
    /* After a test file deleted its own rows: the next ids are the ones
     * the following test files would have seen without it. */
    static const char *const sql[] = {
        "ALTER TABLE custom_fields AUTO_INCREMENT = 1",
        "ALTER TABLE person_resources AUTO_INCREMENT = 1",
        "ALTER TABLE persons AUTO_INCREMENT = 1",
        "ALTER TABLE resources AUTO_INCREMENT = 1",
        "ALTER TABLE units AUTO_INCREMENT = 1",
        "ALTER TABLE buildings AUTO_INCREMENT = 1",
        "ALTER TABLE projects AUTO_INCREMENT = 1",
        "ALTER TABLE business_types AUTO_INCREMENT = 1",
    };

    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
        it_sql_exec(sql[i], NULL, 0);
}

void it_books_balance(void)
{
    struct err e = {0};
    long breaches = -1;

    assert_int_equal(books_check(it_db(), stderr, &breaches, &e), 0);
    assert_int_equal(breaches, 0);
}

/* ---- secrets in the logs ------------------------------------------------- */

/* Keys of the log whose values are numbers by design (durations, ids):
 * a six-digit value there is not an SMS code, whatever its digits. */
static bool numeric_key_before(const char *log, const char *at)
{
    static const char *const keys[] = {" dur_us=", " pid=", " id=", " attempt=", " generation="};

    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        size_t n = strlen(keys[i]);
        if ((size_t)(at - log) >= n && memcmp(at - n, keys[i], n) == 0)
            return true;
    }
    return false;
}

/* Where secret occurs in log as itself: a token anywhere; a code or a
 * phone as a whole number (not digits of a longer one or of a hex string;
 * a phone also after "+86"), a code not as the value of a numeric key.
 * NULL if nowhere. */
static const char *find_secret(const char *log, const char *secret)
{
    size_t n = strlen(secret);
    bool digits = strspn(secret, "0123456789") == n;
    const char *p = log;

    while ((p = strstr(p, secret))) {
        const char *end = p + n;
        bool before_ok, after_ok;
        if (!digits)
            return p;
        after_ok = !isalnum((unsigned char)*end);
        before_ok = p == log || !isalnum((unsigned char)p[-1]) ||
                    (n == 11 && p - log >= 3 && memcmp(p - 3, "+86", 3) == 0);
        if (before_ok && after_ok && !(n == 6 && numeric_key_before(log, p)))
            return p;
        p++;
    }
    return NULL;
}

static void expect_not_in_log(const char *log, const char *secret, const char *what)
{
    const char *at = find_secret(log, secret), *line, *eol;
    int lineno = 1;

    if (!at)
        return;
    for (line = log; strchr(line, '\n') && strchr(line, '\n') < at; line = strchr(line, '\n') + 1)
        lineno++;
    eol = strchr(at, '\n');
    fail_msg("%s %s is in the logs (wuye.log, then nginx-access.log), line %d: %.*s", what, secret,
             lineno, (int)((eol ? eol : at + strlen(at)) - line), line);
}

void it_logs_hold_no_secrets(void **state)
{
    /* the demo's people (sql/demo.sql), also when a test renamed them */
    static const char *const demo_phones[] = {"13800000001", "13800000002", "13800000003",
                                              "13800000004", "13800000005", "13900000001",
                                              "13900000002", "13900000003", "13900000009"};
    char path[1024];
    struct buf log = BUF_INIT;
    struct arena a = {0};
    struct db_res r;
    struct err e;
    size_t ntokens = 0;
    FILE *f;

    (void)state;
    /* The workers' log, then nginx's access log (which must not keep the
     * query strings: a staff search by phone is one). */
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof(path), "%s/log/%s", it_env("WUYE_VAR"),
                 k == 0 ? "wuye.log" : "nginx-access.log");
        f = fopen(path, "r");
        if (!f)
            fail_msg("cannot read %s", path);
        for (char chunk[65536];;) {
            size_t got = fread(chunk, 1, sizeof(chunk), f);
            if (!got)
                break;
            buf_append(&log, chunk, got);
        }
        fclose(f);
        /* A test that finds nothing because it looked at nothing cannot fail. */
        if (k == 0 && (!log.len || !strstr(log.data, "event=request ")))
            fail_msg("%s holds no request lines", path);
    }
    pthread_mutex_lock(&seen.lock);
    for (size_t i = 0; i < seen.n; i++) {
        bool token = strlen(seen.v[i]) == 64;
        ntokens += token;
        expect_not_in_log(log.data, seen.v[i], token ? "the session token" : "the SMS code");
    }
    pthread_mutex_unlock(&seen.lock);
    if (!ntokens)
        fail_msg("no session token was seen: nothing to look for");
    for (size_t i = 0; i < sizeof(demo_phones) / sizeof(demo_phones[0]); i++)
        expect_not_in_log(log.data, demo_phones[i], "the phone number");
    err_clear(&e);
    if (db_query(it_db(), &a,
                 stmt_for("SELECT phone FROM persons WHERE phone <> '' UNION "
                          "SELECT phone FROM staff WHERE phone <> ''"),
                 NULL, 0, &r, &e) < 0)
        fail_msg("listing the phones failed: %s", e.message);
    for (size_t i = 0; i < r.nrows; i++)
        if (strlen(db_str(&r, i, 0)) == 11)
            expect_not_in_log(log.data, db_str(&r, i, 0), "the phone number");
    arena_free(&a);
    buf_free(&log);
}

/* ---- requests that must answer one way ------------------------------------ */

bool it_has_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

void it_snapshot(char *out, size_t size)
{
    char fp[512];

    it_db_fingerprint(fp);
    snprintf(out, size, "%s|", fp);
    it_db_checksum(out + strlen(out), size - strlen(out));
}

int64_t it_call_at(const char *token, const char *method, const char *path, const char *body,
                   long status, const char *code, bool want_ok, const char *file, int line)
{
    struct http_resp r;
    int64_t id = 0;

    it_http(method, path, body, body ? (size_t)-1 : 0, token, &r);
    if (r.status != status)
        print_error("%s %s %s\n", method, path, body ? body : "");
    it_expect_at(&r, status, code, file, line);
    if (status == 201)
        id = it_int(r.json, "id");
    if (want_ok && status == 200 && body && strcmp(method, "GET") != 0)
        assert_true(cJSON_IsTrue(it_field(r.json, "ok")));
    if (status >= 400)
        assert_true(it_has_non_ascii(it_str(it_field(r.json, "error"), "message")));
    it_resp_free(&r);
    return id;
}

void it_refused_at(const char *token, const char *method, const char *path, const char *body,
                   long status, const char *code, const char *file, int line)
{
    char before[IT_SNAP], after[IT_SNAP];

    it_snapshot(before, sizeof(before));
    it_call_at(token, method, path, body, status, code, false, file, line);
    it_snapshot(after, sizeof(after));
    if (strcmp(before, after) != 0) {
        print_error("%s %s %.300s (line %d) changed the database:\n  before %s\n  after  %s\n",
                    method, path, body ? body : "", line, before, after);
        _fail(file, line);
    }
}

int it_children(int master, int *out, int max)
{
    char path[128];
    FILE *f;
    int n = 0, pid;

    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", master, master);
    f = fopen(path, "r");
    if (!f)
        return 0;
    while (n < max && fscanf(f, "%d", &pid) == 1)
        out[n++] = pid;
    fclose(f);
    return n;
}

int64_t it_add_project(const char *code, const char *name)
{
    struct db_param p[2] = {P_STR(code), P_STR(name)};

    it_sql_exec("INSERT INTO projects (code, name, address) VALUES (?, ?, '')", p, 2);
    return it_sql_int("SELECT id FROM projects WHERE code = ?", p, 1);
}

int64_t it_add_building(int64_t project_id, const char *name)
{
    struct db_param p[2] = {P_INT(project_id), P_STR(name)};

    it_sql_exec("INSERT INTO buildings (project_id, name, floors, business_type_id) "
                "VALUES (?, ?, 10, 1)",
                p, 2);
    return it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
}

int64_t it_wechat_queued(const char *stem, int64_t id, int64_t person)
{
    char like[64];
    struct db_param p[1];

    if (person)
        snprintf(like, sizeof(like), "%s:%lld:%lld", stem, (long long)id, (long long)person);
    else
        snprintf(like, sizeof(like), "%s:%lld:%%", stem, (long long)id);
    p[0] = P_STR(like);
    return it_sql_int("SELECT COUNT(*) FROM outbox WHERE channel = 'wechat' AND dedup_key LIKE ?",
                      p, 1);
}
