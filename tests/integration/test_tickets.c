/*
 * test_tickets.c — service tickets and uploads over the real stack
 * (TKT-1..3, TKT-5, TKT-7; API.md "Tickets" and "Uploads"; issue 8's
 * must-shows 1, 2, 5 and 6):
 *   1. an owner reports a repair with a photo; the butler accepts it and
 *      dispatches it to the technician the suggestion names; he takes,
 *      starts and completes it with materials and a repair fee; the butler
 *      closes it; the owner rates it; the visit is recorded; the owner sees
 *      every step with its time, and was told by SMS at each step the table
 *      says; the repair fee is a bill of the home (TKT-4), in the owner's
 *      bills and in the ticket's detail, one only, paid at the desk, the
 *      books balanced;
 *   2. every action in every state as every kind of caller: 409
 *      INVALID_TRANSITION where the state does not allow it, else 403 where
 *      the role does not, with nothing changed; else the state the table
 *      says. Another owner, and a butler of another project, get 404 for
 *      the ticket and its photo;
 *   5. uploads: oversize (413), a PHP file sent as image/jpeg and other
 *      content that is not what it claims (415), path tricks (404), a file
 *      name sent along (ignored): nothing stored; a photo's URL without
 *      access is 404, nginx's internal location from outside is 404;
 *   6. the knowledge base finds the closed ticket by 漏水.
 * And bad input everywhere (400, nothing changed), complaints' notices by
 * severity, escalation, the overdue job, the lists and their filters.
 *
 * Our rows: two homes ZT-1, ZT-2 of project 1 with their owners (phones
 * 1370000030x), a second technician and a guard (1360008000x), and every
 * ticket whose description starts with "测试：" — removed in the setup and
 * the teardown, with their uploads' files. Audit rows stay.
 */
#include <curl/curl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "itest.h"
#include "ticket_flow.h"

#define OWNER_PHONE "13700000301"
#define OWNER2_PHONE "13700000302"
#define TECH2_PHONE "13600080001"
#define GUARD_PHONE "13600080002"
#define TECH_ID 4 /* 王师傅, sql/demo.sql */

static struct {
    char *owner, *owner2, *butler, *butler2, *tech, *tech2, *guard, *super, *admin;
    int64_t owner_id, owner2_id, home, home2, tech2_id, guard_id, butler_id;
    int64_t flow; /* the ticket of must-show 1, closed */
} g;

#define call_as(tok, m, path, body, st, code)                                                      \
    it_call_at((tok), (m), (path), (body), (st), (code), false, __FILE__, __LINE__)
#define refused_as(tok, m, path, body, st, code)                                                   \
    it_refused_at((tok), (m), (path), (body), (st), (code), __FILE__, __LINE__)

/* ---- HTTP with headers both ways (uploads) --------------------------------------- */

struct raw_resp {
    long status;
    struct buf body, headers;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    buf_append(ud, p, size * n);
    return size * n;
}

/* A request with a raw body of a type, one extra header (may be NULL),
 * and the path sent as it is (no ".." squashing by curl). */
static void raw_request(const char *method, const char *path, const void *body, size_t n,
                        const char *ctype, const char *token, const char *extra, struct raw_resp *r)
{
    char url[2048], auth[256], type[128];
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;

    memset(r, 0, sizeof(*r));
    assert_non_null(c);
    snprintf(url, sizeof(url), "%s%s", it_env("WUYE_TEST_URL"), path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
    h = curl_slist_append(h, "Expect:");
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    if (ctype) {
        snprintf(type, sizeof(type), "Content-Type: %s", ctype);
        h = curl_slist_append(h, type);
    }
    if (extra)
        h = curl_slist_append(h, extra);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    buf_append(&r->body, "", 1); /* NUL-terminated for the checks */
    buf_append(&r->headers, "", 1);
}

static void raw_free(struct raw_resp *r)
{
    buf_free(&r->body);
    buf_free(&r->headers);
}

/* A header line of the answer, case-insensitive ("content-type: image/png"). */
static bool has_header(const struct raw_resp *r, const char *line)
{
    const char *h = r->headers.data;
    size_t n = strlen(line);

    for (; h && *h; h++)
        if ((h == r->headers.data || h[-1] == '\n') && strncasecmp(h, line, n) == 0 &&
            (h[n] == '\r' || h[n] == '\n'))
            return true;
    return false;
}

/* ---- images ------------------------------------------------------------------------ */

/* A JPEG-looking body of n bytes (the magic bytes, then filler). */
static char *jpeg_of(size_t n)
{
    char *p = malloc(n);

    assert_non_null(p);
    memset(p, 'j', n);
    memcpy(p, "\xFF\xD8\xFF\xE0\x00\x10JFIF", n < 10 ? n : 10);
    return p;
}

static const char png[] = "\x89PNG\r\n\x1A\n\x00\x00\x00\rIHDR\x00\x00\x00\x01";

/* Upload as token; the new id (201) or 0 with the status expected. */
static int64_t upload_as(const char *token, const char *ctype, const void *data, size_t n,
                         long status)
{
    struct raw_resp r;
    cJSON *doc;
    int64_t id = 0;

    raw_request("POST", "/api/v1/uploads", data, n, ctype, token, NULL, &r);
    if (r.status != status)
        fail_msg("upload: status %ld, want %ld: %s", r.status, status, r.body.data);
    if (status == 201) {
        doc = cJSON_Parse(r.body.data);
        id = it_int(doc, "id");
        cJSON_Delete(doc);
    }
    raw_free(&r);
    return id;
}

/* Files under the upload directory (temporary ones included). */
static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *x;
    int n = 0;

    if (!d)
        return 0;
    while ((x = readdir(d))) {
        char path[1024];
        struct stat st;
        if (strcmp(x->d_name, ".") == 0 || strcmp(x->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, x->d_name);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_files(path);
        else
            n++;
    }
    closedir(d);
    return n;
}

/* Is a file of this name anywhere under dir? */
static bool file_named(const char *dir, const char *name)
{
    DIR *d = opendir(dir);
    struct dirent *x;
    bool found = false;

    if (!d)
        return false;
    while (!found && (x = readdir(d))) {
        char path[1024];
        struct stat st;
        if (strcmp(x->d_name, ".") == 0 || strcmp(x->d_name, "..") == 0)
            continue;
        if (strcmp(x->d_name, name) == 0)
            found = true;
        snprintf(path, sizeof(path), "%s/%s", dir, x->d_name);
        if (!found && lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            found = file_named(path, name);
    }
    closedir(d);
    return found;
}

static const char *upload_dir(void)
{
    return it_config()->upload_dir;
}

static int64_t uploads_count(void)
{
    return it_sql_int("SELECT COUNT(*) FROM uploads", NULL, 0);
}

/* ---- tickets ----------------------------------------------------------------------- */

/* A repair an owner reports for their home; its id. */
static int64_t report(const char *token, const char *description)
{
    char body[512];

    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"type\":\"repair\",\"area\":\"private\","
             "\"description\":\"%s\"}",
             (long long)(token == g.owner2 ? g.home2 : g.home), description);
    return call_as(token, "POST", "/api/v1/owner/tickets", body, 201, NULL);
}

/* Put a ticket into a state, as the steps before would have left it. */
static void put_state(int64_t id, enum ticket_status s, int64_t assignee)
{
    struct db_param p[3] = {P_STR(ticket_status_name(s)), assignee ? P_INT(assignee) : P_NULL,
                            P_INT(id)};

    it_sql_exec("UPDATE tickets SET status = ?, assignee_id = ?, rating_score = NULL "
                "WHERE id = ?",
                p, 3);
}

/* Who works a ticket in a state: the states after dispatch have one. */
static int64_t assignee_in(enum ticket_status s)
{
    return s == TICKET_DISPATCHED || s == TICKET_TAKEN || s == TICKET_IN_PROGRESS ||
                   s == TICKET_COMPLETED || s == TICKET_CLOSED || s == TICKET_VISITED
               ? TECH_ID
               : 0;
}

static void status_of(int64_t id, char *out, size_t size)
{
    struct db_param p[1] = {P_INT(id)};
    it_sql_str("SELECT status FROM tickets WHERE id = ?", p, 1, out, size);
}

/* The answer's ticket (GET) as token; the caller deletes it. */
static cJSON *get_ticket(const char *token, const char *base, int64_t id)
{
    struct http_resp r;
    char path[96];
    cJSON *doc;

    snprintf(path, sizeof(path), "%s/%lld", base, (long long)id);
    it_http("GET", path, NULL, 0, token, &r);
    it_expect(&r, 200, NULL);
    doc = r.json;
    r.json = NULL;
    it_resp_free(&r);
    return doc;
}

static void action_path(char *out, size_t size, int64_t id, const char *action)
{
    snprintf(out, size, "/api/v1/staff/tickets/%lld/%s", (long long)id, action);
}

/* A body that is right for the action whatever the ticket (its shape). */
static const char *body_for(enum ticket_action a, int64_t ticket_assignee)
{
    static char b[128];

    switch (a) {
    case TICKET_DISPATCH:
    case TICKET_REASSIGN:
        snprintf(b, sizeof(b), "{\"assignee_id\":%lld}",
                 (long long)(ticket_assignee == TECH_ID ? g.tech2_id : TECH_ID));
        return b;
    case TICKET_COMPLETE:
        return "{\"result\":\"测试：已处理\"}";
    case TICKET_VISIT:
        return "{\"score\":4}";
    default:
        return NULL;
    }
}

/* ---- fixture ----------------------------------------------------------------------- */

#define OUR_TICKETS "(SELECT id FROM tickets WHERE description LIKE '测试：%')"
#define OUR_PERSONS                                                                                \
    "(SELECT id FROM persons WHERE phone IN ('" OWNER_PHONE "', '" OWNER2_PHONE "'))"
#define OUR_STAFF "(SELECT id FROM staff WHERE phone IN ('" TECH2_PHONE "', '" GUARD_PHONE "'))"
#define OUR_HOMES "(SELECT id FROM resources WHERE project_id = 1 AND code LIKE 'ZT-%')"

static const char *const drop_sql[] = {
    /* the books of our homes: the repair fee's bill, what paid it */
    "DELETE FROM account_entries WHERE account_id IN (SELECT id FROM accounts WHERE "
    "resource_id IN " OUR_HOMES ")",
    "DELETE FROM accounts WHERE resource_id IN " OUR_HOMES,
    "DELETE FROM bill_applications WHERE bill_id IN (SELECT id FROM bills WHERE resource_id IN "
    OUR_HOMES ")",
    "DELETE FROM receipts WHERE resource_id IN " OUR_HOMES,
    "DELETE FROM bills WHERE resource_id IN " OUR_HOMES,
    "DELETE FROM ticket_kb_grams WHERE ticket_id IN " OUR_TICKETS,
    "DELETE FROM ticket_materials WHERE ticket_id IN " OUR_TICKETS,
    "DELETE FROM ticket_events WHERE ticket_id IN " OUR_TICKETS,
    "DELETE FROM uploads WHERE ticket_id IN " OUR_TICKETS,
    "DELETE FROM uploads WHERE uploader_kind = 'owner' AND uploader_id IN " OUR_PERSONS,
    "DELETE FROM uploads WHERE uploader_kind = 'staff' AND uploader_id IN " OUR_STAFF,
    "DELETE FROM tickets WHERE description LIKE '测试：%'",
    "DELETE FROM sessions WHERE subject_kind = 'owner' AND subject_id IN " OUR_PERSONS,
    "DELETE FROM person_resources WHERE person_id IN " OUR_PERSONS,
    "DELETE FROM persons WHERE phone IN ('" OWNER_PHONE "', '" OWNER2_PHONE "')",
    "DELETE FROM resources WHERE project_id = 1 AND code LIKE 'ZT-%'",
    "DELETE FROM sessions WHERE subject_kind = 'staff' AND subject_id IN " OUR_STAFF,
    "DELETE FROM staff_projects WHERE staff_id IN " OUR_STAFF,
    "DELETE FROM staff WHERE phone IN ('" TECH2_PHONE "', '" GUARD_PHONE "')",
    "ALTER TABLE tickets AUTO_INCREMENT = 1",
    "ALTER TABLE ticket_events AUTO_INCREMENT = 1",
    "ALTER TABLE uploads AUTO_INCREMENT = 1",
    "ALTER TABLE staff AUTO_INCREMENT = 1",
};

/* The files of our uploads, before their rows go. */
static void drop_own_files(void)
{
    struct arena a = {0};
    struct db_res r;
    struct err e = {0};
    static struct db_sql q = {"SELECT storage_name FROM uploads WHERE ticket_id IN " OUR_TICKETS
                              " OR (uploader_kind = 'owner' AND uploader_id IN " OUR_PERSONS
                              ") OR (uploader_kind = 'staff' AND uploader_id IN " OUR_STAFF ")",
                              0};

    if (db_query(it_db(), &a, &q, NULL, 0, &r, &e) == 0)
        for (size_t i = 0; i < r.nrows; i++) {
            char path[1024];
            snprintf(path, sizeof(path), "%s/%.2s/%s", upload_dir(), db_str(&r, i, 0),
                     db_str(&r, i, 0));
            unlink(path);
        }
    arena_free(&a);
}

static void drop_own_rows(void)
{
    drop_own_files();
    for (size_t i = 0; i < sizeof(drop_sql) / sizeof(drop_sql[0]); i++)
        it_sql_exec(drop_sql[i], NULL, 0);
    it_reset_ids();
}

static int64_t add_home(const char *code, const char *phone, const char *name, int64_t *person)
{
    struct db_param p[3] = {P_STR(code), P_STR(code + 3), P_STR(phone)};
    int64_t id;

    it_sql_exec("INSERT INTO resources (project_id, building_id, unit_id, code, number, kind, "
                "area_m2x100) VALUES (1, 1, 1, ?, ?, 'home', 9000)",
                p, 2);
    id = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    p[0] = P_STR(name);
    p[1] = P_STR(phone);
    it_sql_exec("INSERT INTO persons (name, phone) VALUES (?, ?)", p, 2);
    *person = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    p[0] = P_INT(*person);
    p[1] = P_INT(id);
    it_sql_exec("INSERT INTO person_resources (person_id, resource_id, relation, moved_in_on) "
                "VALUES (?, ?, 'owner', '2020-01-01')",
                p, 2);
    return id;
}

static int64_t add_staff(const char *name, const char *phone, const char *roles)
{
    char hash[256];
    struct db_param p[4];
    int64_t id;

    assert_int_equal(auth_password_hash("demo1234", hash, sizeof(hash)), 0);
    p[0] = P_STR(name);
    p[1] = P_STR(phone);
    p[2] = P_STR(hash);
    p[3] = P_STR(roles);
    it_sql_exec("INSERT INTO staff (name, phone, password_hash, roles) VALUES (?, ?, ?, ?)", p, 4);
    id = it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
    p[0] = P_INT(id);
    it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) VALUES (?, 1)", p, 1);
    return id;
}

static int setup(void **state)
{
    (void)state;
    drop_own_rows();
    g.home = add_home("ZT-1", OWNER_PHONE, "测试业主", &g.owner_id);
    g.home2 = add_home("ZT-2", OWNER2_PHONE, "另一业主", &g.owner2_id);
    g.tech2_id = add_staff("测试师傅", TECH2_PHONE, "technician");
    g.guard_id = add_staff("测试保安", GUARD_PHONE, "guard");
    g.butler_id = it_sql_int("SELECT id FROM staff WHERE phone = '13900000001'", NULL, 0);
    g.owner = it_owner_login_sms(OWNER_PHONE);
    g.owner2 = it_owner_login_sms(OWNER2_PHONE);
    g.butler = it_staff_login("13900000001", "demo1234");
    g.butler2 = it_staff_login("13900000002", "demo1234");
    g.tech = it_staff_login("13900000004", "demo1234");
    g.tech2 = it_staff_login(TECH2_PHONE, "demo1234");
    g.guard = it_staff_login(GUARD_PHONE, "demo1234");
    g.super = it_staff_login("13900000003", "demo1234");
    g.admin = it_staff_login("13900000009", "demo1234");
    if (!g.owner || !g.owner2 || !g.butler || !g.butler2 || !g.tech || !g.tech2 || !g.guard ||
        !g.super || !g.admin) {
        print_error("setup: a login failed\n");
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    it_sql_exec("UPDATE job_schedule SET every_s = 60 WHERE name = 'ticket_overdue'", NULL, 0);
    drop_own_rows();
    free(g.owner);
    free(g.owner2);
    free(g.butler);
    free(g.butler2);
    free(g.tech);
    free(g.tech2);
    free(g.guard);
    free(g.super);
    free(g.admin);
    return 0;
}

/* ---- must-show 1: the whole way of a repair --------------------------------------- */

static int64_t outbox_rows(const char *template_id, const char *phone, int64_t after)
{
    char e164[24];
    struct db_param p[3];

    snprintf(e164, sizeof(e164), "+86%s", phone);
    p[0] = P_STR(template_id);
    p[1] = P_STR(e164);
    p[2] = P_INT(after);
    return it_sql_int("SELECT COUNT(*) FROM outbox WHERE template = ? AND recipient = ? AND id > ?",
                      p, 3);
}

static int64_t outbox_mark(void)
{
    return it_sql_int("SELECT COALESCE(MAX(id), 0) FROM outbox", NULL, 0);
}

static void step(const char *token, int64_t id, const char *action, const char *body,
                 const char *want_status)
{
    char path[96];
    struct http_resp r;

    action_path(path, sizeof(path), id, action);
    it_http("POST", path, body, body ? (size_t)-1 : 0, token, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(r.json, "status"), want_status);
    it_resp_free(&r);
}

/* The flow's repair bill (TKT-4): in the owner's bills with its ticket,
 * the only bill of the ticket whatever a second completion tries, paid at
 * the desk like any bill, and then shown paid on the ticket. */
static void repair_bill_seen_paid_and_single(int64_t bill)
{
    struct http_resp r;
    struct db_param p[1] = {P_INT(g.flow)};
    char body[256], path[96];
    cJSON *b, *t;

    it_http("GET", "/api/v1/owner/bills", NULL, 0, g.owner, &r);
    it_expect(&r, 200, NULL);
    b = it_find_int(it_field(r.json, "items"), "id", bill);
    assert_non_null(b);
    assert_int_equal(it_int(b, "amount_fen"), 8000);
    assert_int_equal(it_int(b, "due_fen"), 8000);
    assert_string_equal(it_str(b, "source"), "repair");
    assert_int_equal(it_int(b, "ticket_id"), g.flow);
    assert_string_equal(it_str(it_field(b, "fee_item"), "name"), "维修费");
    assert_true(cJSON_IsTrue(it_field(b, "payable")));
    it_resp_free(&r);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM bills WHERE ticket_id = ?", p, 1), 1);

    /* a second completion is refused by the state, and no bill is added */
    action_path(path, sizeof(path), g.flow, "complete");
    refused_as(g.tech, "POST", path, "{\"result\":\"再收一次\",\"charge_fen\":100}", 409,
               "INVALID_TRANSITION");
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM bills WHERE ticket_id = ?", p, 1), 1);

    /* paid at the desk */
    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"bill_ids\":[%lld],\"method\":\"cash\","
             "\"amount_fen\":8000}",
             (long long)g.home, (long long)bill);
    call_as(g.butler, "POST", "/api/v1/staff/collections", body, 201, NULL);
    t = get_ticket(g.owner, "/api/v1/owner/tickets", g.flow);
    b = it_field(t, "bill");
    assert_int_equal(it_int(b, "id"), bill);
    assert_int_equal(it_int(b, "due_fen"), 0);
    assert_string_equal(it_str(b, "status"), "paid");
    assert_true(cJSON_IsTrue(it_field(b, "paid")));
    cJSON_Delete(t);
    it_books_balance();
}

static void tickets_repair_from_report_to_visit(void **state)
{
    static const char *const steps[] = {"submit",   "accept", "dispatch", "take", "start",
                                        "complete", "close",  "rate",     "visit"};
    char path[128], body[512], appointment[40], last[32] = "";
    struct raw_resp rr;
    struct http_resp r;
    cJSON *t, *x, *h;
    int64_t photo, mark = outbox_mark(), audit, bill;
    char *jpg = jpeg_of(2000);
    time_t when = time(NULL) + 86400;
    struct tm tm;

    (void)state;
    audit = it_sql_int("SELECT COALESCE(MAX(id), 0) FROM audit_log", NULL, 0);
    /* the photo, seen by its uploader as it is */
    photo = upload_as(g.owner, "image/jpeg", jpg, 2000, 201);
    snprintf(path, sizeof(path), "/api/v1/uploads/%lld", (long long)photo);
    raw_request("GET", path, NULL, 0, NULL, g.owner, NULL, &rr);
    assert_int_equal(rr.status, 200);
    assert_int_equal(rr.body.len, 2000 + 1);
    assert_memory_equal(rr.body.data, jpg, 2000);
    assert_true(has_header(&rr, "Content-Type: image/jpeg"));
    assert_true(has_header(&rr, "X-Content-Type-Options: nosniff"));
    raw_free(&rr);

    /* reported with the photo and an appointment (China time) */
    gmtime_r(&when, &tm);
    strftime(appointment, sizeof(appointment), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"type\":\"repair\",\"area\":\"private\","
             "\"description\":\"测试：厨房水管漏水\",\"appointment_at\":\"%s\",\"photos\":[%lld]}",
             (long long)g.home, appointment, (long long)photo);
    it_http("POST", "/api/v1/owner/tickets", body, (size_t)-1, g.owner, &r);
    it_expect(&r, 201, NULL);
    g.flow = it_int(r.json, "id");
    assert_string_equal(it_str(r.json, "status"), "submitted");
    assert_int_equal(it_int(r.json, "resource_id"), g.home);
    assert_true(cJSON_IsNull(it_field(r.json, "assignee")));
    assert_true(cJSON_IsNull(it_field(r.json, "rating")));
    x = cJSON_GetArrayItem(it_field(r.json, "photos"), 0);
    assert_int_equal(it_int(x, "id"), photo);
    assert_string_equal(it_str(x, "url"), path);
    assert_true(strstr(it_str(r.json, "appointment_at"), "+08:00") != NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "history")), 1);
    it_resp_free(&r);

    /* the butler accepts; the suggestion is the plumber, not the other technician */
    step(g.butler, g.flow, "accept", NULL, "accepted");
    snprintf(path, sizeof(path), "/api/v1/staff/tickets/%lld/suggest-assignees", (long long)g.flow);
    it_http("GET", path, NULL, 0, g.butler, &r);
    it_expect(&r, 200, NULL);
    x = it_field(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(x), 1);
    assert_int_equal(it_int(cJSON_GetArrayItem(x, 0), "id"), TECH_ID);
    assert_string_equal(it_str(cJSON_GetArrayItem(x, 0), "name"), "王师傅");
    assert_string_equal(
        cJSON_GetArrayItem(it_field(cJSON_GetArrayItem(x, 0), "skills"), 0)->valuestring,
        "plumbing");
    it_resp_free(&r);
    refused_as(g.tech, "GET", path, NULL, 403, "FORBIDDEN"); /* the desk's */

    snprintf(body, sizeof(body), "{\"assignee_id\":%d,\"note\":\"请尽快上门\"}", TECH_ID);
    step(g.butler, g.flow, "dispatch", body, "dispatched");
    step(g.tech, g.flow, "take", NULL, "taken");
    step(g.tech, g.flow, "start", "{}", "in_progress");
    step(g.tech, g.flow, "complete",
         "{\"result\":\"角阀老化漏水，已更换角阀并试水\",\"materials\":[{\"name\":\"角阀\","
         "\"quantity\":2,\"unit\":\"个\"},{\"name\":\"生料带\",\"quantity\":1,\"unit\":\"卷\"}],"
         "\"charge_fen\":8000}",
         "completed");
    step(g.butler, g.flow, "close", NULL, "closed");

    /* the owner rates it, once */
    snprintf(path, sizeof(path), "/api/v1/owner/tickets/%lld/rating", (long long)g.flow);
    call_as(g.owner, "POST", path, "{\"score\":5,\"comment\":\"师傅很专业\"}", 200, NULL);
    refused_as(g.owner, "POST", path, "{\"score\":1}", 409, "INVALID_TRANSITION");
    step(g.butler, g.flow, "visit", "{\"score\":5,\"comment\":\"电话回访，业主满意\"}", "visited");

    /* the owner sees every step with its time */
    t = get_ticket(g.owner, "/api/v1/owner/tickets", g.flow);
    assert_string_equal(it_str(t, "status"), "visited");
    assert_int_equal(it_int(it_field(t, "assignee"), "id"), TECH_ID);
    assert_string_equal(it_str(it_field(t, "assignee"), "name"), "王师傅");
    assert_int_equal(it_int(it_field(t, "rating"), "score"), 5);
    assert_string_equal(it_str(it_field(t, "rating"), "comment"), "师傅很专业");
    assert_int_equal(it_int(it_field(t, "visit"), "score"), 5);
    assert_int_equal(it_int(t, "charge_fen"), 8000);
    assert_string_equal(it_str(t, "result"), "角阀老化漏水，已更换角阀并试水");
    x = it_field(t, "materials");
    assert_int_equal(cJSON_GetArraySize(x), 2);
    assert_string_equal(it_str(cJSON_GetArrayItem(x, 0), "name"), "角阀");
    assert_int_equal(it_int(cJSON_GetArrayItem(x, 0), "quantity"), 2);
    assert_string_equal(it_str(cJSON_GetArrayItem(x, 0), "unit"), "个");
    h = it_field(t, "history");
    assert_int_equal(cJSON_GetArraySize(h), (int)(sizeof(steps) / sizeof(steps[0])));
    for (int i = 0; i < cJSON_GetArraySize(h); i++) {
        cJSON *ev = cJSON_GetArrayItem(h, i);
        const char *at = it_str(ev, "at");
        assert_string_equal(it_str(ev, "action"), steps[i]);
        assert_int_equal(strlen(at), 25);
        assert_true(strcmp(at + 19, "+08:00") == 0);
        assert_true(strcmp(last, at) <= 0); /* in order */
        snprintf(last, sizeof(last), "%s", at);
        assert_string_equal(it_str(it_field(ev, "by"), "kind"),
                            i == 0 || i == 7 ? "owner" : "staff");
    }
    assert_string_equal(it_str(cJSON_GetArrayItem(h, 2), "note"), "请尽快上门");
    assert_string_equal(it_str(it_field(cJSON_GetArrayItem(h, 3), "by"), "name"), "王师傅");
    /* the repair fee is a bill, unpaid, due at once */
    x = it_field(t, "bill");
    bill = it_int(x, "id");
    assert_int_equal(it_int(x, "amount_fen"), 8000);
    assert_int_equal(it_int(x, "due_fen"), 8000);
    assert_string_equal(it_str(x, "status"), "unpaid");
    assert_true(cJSON_IsFalse(it_field(x, "paid")));
    cJSON_Delete(t);
    repair_bill_seen_paid_and_single(bill);

    /* told by SMS at accept, dispatch, complete and close; an audit row a step */
    assert_int_equal(outbox_rows("1120", OWNER_PHONE, mark), 4);
    {
        char params[256];
        struct db_param p[2] = {P_INT(mark), P_STR("+86" OWNER_PHONE)};
        it_sql_str("SELECT GROUP_CONCAT(JSON_VALUE(params, '$[0]') ORDER BY id SEPARATOR ',') "
                   "FROM outbox WHERE id > ? AND recipient = ?",
                   p, 2, params, sizeof(params));
        assert_string_equal(params, "已受理,已派单,已完成,已关单");
    }
    {
        struct db_param p[2] = {P_INT(audit), P_INT(g.flow)};
        assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE id > ? AND "
                                    "entity = 'ticket' AND entity_id = ? AND "
                                    "JSON_EXTRACT(detail, '$.after') IS NOT NULL",
                                    p, 2),
                         9);
    }
    free(jpg);
}

/* ---- must-show 2: every action, every state, every kind of caller ----------------- */

/* Who a staff caller is, by name, for the messages. */
static const struct {
    const char *name;
    char **token;
} callers[] = {
    {"butler", &g.butler},
    {"assignee", &g.tech},
    {"other technician", &g.tech2},
    {"guard", &g.guard},
};

/* What the table says of caller k to a ticket assigned to assignee. */
static unsigned actor_bits(size_t k, int64_t assignee)
{
    switch (k) {
    case 0:
        return TICKET_BY_DESK;
    case 1:
        return assignee == TECH_ID ? TICKET_BY_ASSIGNEE : assignee ? 0 : TICKET_BY_POOL;
    case 2:
        return assignee ? 0 : TICKET_BY_POOL;
    default:
        return 0;
    }
}

static void tickets_every_action_in_every_state(void **state)
{
    int64_t base[TICKET_NSTATUS];
    int refused409 = 0, refused403 = 0, done = 0;

    (void)state;
    for (int s = 0; s < TICKET_NSTATUS; s++) {
        base[s] = report(g.owner, "测试：状态机");
        put_state(base[s], (enum ticket_status)s, assignee_in((enum ticket_status)s));
    }
    for (int s = 0; s < TICKET_NSTATUS; s++)
        for (int a = 0; a < TICKET_NACTIONS; a++) {
            const struct ticket_rule *rule = &ticket_rules[a];
            int64_t assignee = assignee_in((enum ticket_status)s);
            if (a == TICKET_RATE)
                continue; /* the owner's: below */
            for (size_t k = 0; k < sizeof(callers) / sizeof(callers[0]); k++) {
                char path[96], st[16];
                const char *body = body_for((enum ticket_action)a, assignee);
                bool state_ok = rule->from & (1u << s);
                bool role_ok = rule->who & actor_bits(k, assignee);
                if (!state_ok || !role_ok) {
                    action_path(path, sizeof(path), base[s], rule->name);
                    refused_as(*callers[k].token, "POST", path, body, state_ok ? 403 : 409,
                               state_ok ? "FORBIDDEN" : "INVALID_TRANSITION");
                    refused409 += !state_ok;
                    refused403 += state_ok;
                    continue;
                }
                /* allowed: on a ticket of its own, to the state the table says */
                {
                    int64_t id = report(g.owner, "测试：状态机");
                    struct http_resp r;
                    put_state(id, (enum ticket_status)s, assignee);
                    action_path(path, sizeof(path), id, rule->name);
                    it_http("POST", path, body, body ? (size_t)-1 : 0, *callers[k].token, &r);
                    if (r.status != 200)
                        print_error("%s as %s in %s\n", rule->name, callers[k].name,
                                    ticket_status_name((enum ticket_status)s));
                    it_expect(&r, 200, NULL);
                    it_resp_free(&r);
                    status_of(id, st, sizeof(st));
                    assert_string_equal(st, ticket_status_name(ticket_next((enum ticket_action)a,
                                                                           (enum ticket_status)s)));
                    done++;
                }
            }
        }
    /* the owner's own two: cancel and rate, by the table too */
    for (int s = 0; s < TICKET_NSTATUS; s++)
        for (int a = TICKET_CANCEL; a <= TICKET_RATE; a++) {
            const char *what = a == TICKET_CANCEL ? "cancel" : "rating";
            const char *body = a == TICKET_RATE ? "{\"score\":3}" : NULL;
            bool ok = ticket_rules[a].from & (1u << s);
            char path[96], st[16];
            int64_t id = ok ? report(g.owner, "测试：状态机") : base[s];
            if (ok)
                put_state(id, (enum ticket_status)s, assignee_in((enum ticket_status)s));
            snprintf(path, sizeof(path), "/api/v1/owner/tickets/%lld/%s", (long long)id, what);
            /* another owner: not even told whether it exists */
            refused_as(g.owner2, "POST", path, body, 404, "NOT_FOUND");
            if (!ok) {
                refused_as(g.owner, "POST", path, body, 409, "INVALID_TRANSITION");
                continue;
            }
            call_as(g.owner, "POST", path, body, 200, NULL);
            status_of(id, st, sizeof(st));
            assert_string_equal(
                st, ticket_status_name(ticket_next((enum ticket_action)a, (enum ticket_status)s)));
        }
    assert_true(refused409 > 200 && refused403 > 40 && done > 20);

    /* a butler of another project: every action is 404, before the state */
    for (int a = 0; a < TICKET_NACTIONS; a++) {
        char path[96];
        if (a == TICKET_RATE)
            continue;
        action_path(path, sizeof(path), base[TICKET_SUBMITTED], ticket_rules[a].name);
        refused_as(g.butler2, "POST", path, body_for((enum ticket_action)a, 0), 404, "NOT_FOUND");
    }
    /* an owner's token on the staff's routes, a staff token on the owner's */
    {
        char path[96];
        action_path(path, sizeof(path), base[TICKET_SUBMITTED], "accept");
        refused_as(g.owner, "POST", path, NULL, 403, "FORBIDDEN");
        snprintf(path, sizeof(path), "/api/v1/owner/tickets/%lld/cancel",
                 (long long)base[TICKET_SUBMITTED]);
        refused_as(g.butler, "POST", path, NULL, 403, "FORBIDDEN");
    }
}

/* Another owner, and staff of another project, see neither the ticket
 * nor its photo; the photo before it is attached is its uploader's only. */
static void tickets_others_see_nothing(void **state)
{
    char path[96], body[256];
    struct raw_resp rr;
    struct http_resp r;
    int64_t photo, id;

    (void)state;
    photo = upload_as(g.owner, "image/png", png, sizeof(png) - 1, 201);
    snprintf(path, sizeof(path), "/api/v1/uploads/%lld", (long long)photo);
    /* unattached: the uploader's alone, staff of the project included */
    refused_as(g.owner2, "GET", path, NULL, 404, "NOT_FOUND");
    refused_as(g.butler, "GET", path, NULL, 404, "NOT_FOUND");
    refused_as(NULL, "GET", path, NULL, 401, "UNAUTHENTICATED");
    raw_request("GET", path, NULL, 0, NULL, g.owner, NULL, &rr);
    assert_int_equal(rr.status, 200);
    assert_true(has_header(&rr, "Content-Type: image/png"));
    raw_free(&rr);

    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"type\":\"cleaning\",\"area\":\"public\","
             "\"description\":\"测试：楼道有垃圾\",\"photos\":[%lld]}",
             (long long)g.home, (long long)photo);
    id = call_as(g.owner, "POST", "/api/v1/owner/tickets", body, 201, NULL);
    /* attached: whoever may see the ticket */
    raw_request("GET", path, NULL, 0, NULL, g.butler, NULL, &rr);
    assert_int_equal(rr.status, 200);
    raw_free(&rr);
    raw_request("GET", path, NULL, 0, NULL, g.tech2, NULL, &rr);
    assert_int_equal(rr.status, 200);
    raw_free(&rr);
    refused_as(g.owner2, "GET", path, NULL, 404, "NOT_FOUND");
    refused_as(g.butler2, "GET", path, NULL, 404, "NOT_FOUND");
    refused_as(g.owner2, "GET", "/api/v1/uploads/999999", NULL, 404, "NOT_FOUND");

    snprintf(path, sizeof(path), "/api/v1/owner/tickets/%lld", (long long)id);
    refused_as(g.owner2, "GET", path, NULL, 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/staff/tickets/%lld", (long long)id);
    refused_as(g.butler2, "GET", path, NULL, 404, "NOT_FOUND");
    snprintf(path, sizeof(path), "/api/v1/staff/tickets/%lld/suggest-assignees", (long long)id);
    refused_as(g.butler2, "GET", path, NULL, 404, "NOT_FOUND");
    /* nor in their lists */
    it_http("GET", "/api/v1/owner/tickets?limit=200", NULL, 0, g.owner2, &r);
    it_expect(&r, 200, NULL);
    assert_null(it_find_int(it_field(r.json, "items"), "id", id));
    it_resp_free(&r);
    it_http("GET", "/api/v1/staff/tickets?limit=200", NULL, 0, g.butler2, &r);
    it_expect(&r, 200, NULL);
    assert_null(it_find_int(it_field(r.json, "items"), "id", id));
    it_resp_free(&r);
    /* the owner's own list has it, and the project's staff see it */
    it_http("GET", "/api/v1/owner/tickets", NULL, 0, g.owner, &r);
    it_expect(&r, 200, NULL);
    assert_non_null(it_find_int(it_field(r.json, "items"), "id", id));
    it_resp_free(&r);
    cJSON_Delete(get_ticket(g.guard, "/api/v1/staff/tickets", id));
}

/* ---- must-show 5: uploads ---------------------------------------------------------- */

/* A refused upload: its status and code, and nothing stored at all. */
static void upload_refused(const char *path, const void *data, size_t n, const char *ctype,
                           const char *extra, long status, const char *code)
{
    char before[IT_SNAP], after[IT_SNAP];
    int files = count_files(upload_dir());
    int64_t rows = uploads_count();
    struct raw_resp r;
    cJSON *doc;

    it_snapshot(before, sizeof(before));
    raw_request("POST", path, data, n, ctype, g.owner, extra, &r);
    if (r.status != status)
        fail_msg("POST %s (%s): status %ld, want %ld: %s", path, ctype ? ctype : "-", r.status,
                 status, r.body.data);
    doc = cJSON_Parse(r.body.data);
    assert_non_null(doc);
    assert_string_equal(it_str(it_field(doc, "error"), "code"), code);
    assert_true(it_has_non_ascii(it_str(it_field(doc, "error"), "message")));
    cJSON_Delete(doc);
    raw_free(&r);
    it_snapshot(after, sizeof(after));
    assert_string_equal(before, after);
    assert_int_equal(count_files(upload_dir()), files);
    assert_int_equal(uploads_count(), rows);
}

static void uploads_refused_and_stored_nothing(void **state)
{
    static const char php[] = "<?php system($_GET['c']); ?>";
    size_t big = 5u * 1024 * 1024;
    char *over = jpeg_of(big + 1);
    char *jpg = jpeg_of(4096);
    char path[256];
    int64_t id;

    (void)state;
    /* one byte over 5 MiB: nginx's 413, the same JSON as ours */
    upload_refused("/api/v1/uploads", over, big + 1, "image/jpeg", NULL, 413, "PAYLOAD_TOO_LARGE");
    /* by content, whatever the name or the claim */
    upload_refused("/api/v1/uploads?name=shell.php.jpg", php, sizeof(php) - 1, "image/jpeg",
                   "Content-Disposition: attachment; filename=\"shell.jpg\"", 415,
                   "UNSUPPORTED_MEDIA_TYPE");
    upload_refused("/api/v1/uploads", png, sizeof(png) - 1, "image/jpeg", NULL, 415,
                   "UNSUPPORTED_MEDIA_TYPE");
    upload_refused("/api/v1/uploads", jpg, 4096, "image/png", NULL, 415, "UNSUPPORTED_MEDIA_TYPE");
    upload_refused("/api/v1/uploads", jpg, 4096, "text/html", NULL, 415, "UNSUPPORTED_MEDIA_TYPE");
    upload_refused("/api/v1/uploads", jpg, 4096, "application/x-php", NULL, 415,
                   "UNSUPPORTED_MEDIA_TYPE");
    upload_refused("/api/v1/uploads", "GIF89a\x01\x00\x01\x00", 10, "image/gif", NULL, 415,
                   "UNSUPPORTED_MEDIA_TYPE");
    upload_refused("/api/v1/uploads", "", 0, "image/jpeg", NULL, 400, "BAD_REQUEST");
    /* path tricks: no such route */
    upload_refused("/api/v1/uploads/..%2F..%2Fevil.php", jpg, 4096, "image/jpeg", NULL, 404,
                   "NOT_FOUND");
    upload_refused("/api/v1/uploads/%2e%2e/%2e%2e/evil.jpg", jpg, 4096, "image/jpeg", NULL, 404,
                   "NOT_FOUND");
    upload_refused("/api/v1/uploads/1", jpg, 4096, "image/jpeg", NULL, 405, "METHOD_NOT_ALLOWED");
    assert_false(file_named(it_env("WUYE_VAR"), "evil.php"));
    assert_false(file_named(it_env("WUYE_VAR"), "shell.php.jpg"));

    /* exactly 5 MiB is allowed, and a name sent along names nothing */
    free(over);
    over = jpeg_of(big);
    id = upload_as(g.owner, "image/jpeg", over, big, 201);
    {
        struct raw_resp r;
        char name[64];
        struct db_param p[1] = {P_INT(id)};
        raw_request("POST", "/api/v1/uploads?name=..%2F..%2Fevil.jpg&path=/etc/evil.jpg", png,
                    sizeof(png) - 1, "image/png", g.owner,
                    "Content-Disposition: attachment; filename=\"../../evil.jpg\"", &r);
        assert_int_equal(r.status, 201);
        raw_free(&r);
        assert_false(file_named(it_env("WUYE_VAR"), "evil.jpg"));
        assert_false(file_named("/etc", "evil.jpg"));
        it_sql_str("SELECT storage_name FROM uploads WHERE id = ?", p, 1, name, sizeof(name));
        assert_int_equal(strlen(name), 32);
        assert_int_equal(strspn(name, "0123456789abcdef"), 32);
        assert_int_equal(it_sql_int("SELECT size_bytes FROM uploads WHERE id = ?", p, 1),
                         (int64_t)big);
        /* nginx's internal location from outside: the 404 of an unknown path */
        snprintf(path, sizeof(path), "/_uploads/%.2s/%s", name, name);
        raw_request("GET", path, NULL, 0, NULL, g.owner, NULL, &r);
        assert_int_equal(r.status, 404);
        assert_non_null(strstr(r.body.data, "\"NOT_FOUND\""));
        raw_free(&r);
        raw_request("GET", "/_uploads/../conf/wuye.conf", NULL, 0, NULL, g.owner, NULL, &r);
        assert_int_equal(r.status, 404);
        raw_free(&r);
        raw_request("GET", "/_uploads/%2e%2e/conf/wuye.conf", NULL, 0, NULL, g.owner, NULL, &r);
        assert_int_equal(r.status, 404);
        raw_free(&r);
        raw_request("GET", "/api/v1/uploads/1%2F..%2F..%2Fconf%2Fwuye.conf", NULL, 0, NULL, g.owner,
                    NULL, &r);
        assert_int_equal(r.status, 404);
        raw_free(&r);
    }
    free(over);
    free(jpg);
}

/* ---- bad input --------------------------------------------------------------------- */

static void tickets_bad_input_changes_nothing(void **state)
{
    char *body = malloc(16384), *longtext = malloc(8192), path[96];
    int64_t mine, theirs, ticket;
    size_t at = 0;

    (void)state;
    mine = upload_as(g.owner, "image/png", png, sizeof(png) - 1, 201);
    theirs = upload_as(g.owner2, "image/png", png, sizeof(png) - 1, 201);
    for (int i = 0; i < 2001; i++)
        at += (size_t)snprintf(longtext + at, 8192 - at, "漏");
    {
        /* each with the owner's home as its one %lld */
        static const char *const bodies[] = {
            "{\"resource_id\":%lld,\"type\":\"plumbing\",\"area\":\"private\","
            "\"description\":\"测试：x\"}",
            "{\"resource_id\":%lld,\"type\":\"repair\",\"area\":\"kitchen\","
            "\"description\":\"测试：x\"}",
            "{\"resource_id\":%lld,\"type\":\"repair\",\"area\":\"private\","
            "\"description\":\"测试：x\",\"severity\":\"serious\"}",
            "{\"resource_id\":%lld,\"type\":\"complaint\",\"area\":\"public\","
            "\"description\":\"测试：x\",\"severity\":\"urgent\"}",
            "{\"resource_id\":%lld,\"type\":\"repair\",\"area\":\"private\"}",
            "{\"resource_id\":\"%lld\",\"type\":\"repair\",\"area\":\"private\","
            "\"description\":\"测试：x\"}",
            "{\"resource_id\":%lld,\"type\":\"repair\",\"area\":\"private\","
            "\"description\":\"测试：x\",\"building_id\":1}",
            "{\"resource_id\":%lld,\"type\":\"repair\",\"area\":\"private\","
            "\"description\":\"测试：x\",\"photos\":[999999]}",
            "{\"resource_id\":%lld,\"type\":\"repair\",\"area\":\"private\","
            "\"description\":\"测试：x\",\"photos\":[1,2,3,4,5,6,7,8,9,10]}",
        };
        /* the rest of a body after the home: a description too long, photos
         * that are not the caller's unattached uploads, appointments */
        static const char *const times[] = {
            "2026-12-05 09:00:00",       "2026-12-05T09:00:00",       "2026-13-05T09:00:00+08:00",
            "2026-02-30T09:00:00+08:00", "2026-12-05T25:00:00+08:00", "明天上午九点",
            "2020-01-01T09:00:00+08:00", /* the past */
            "2099-01-01T09:00:00+08:00", /* too far */
            "2026-12-05T09:00:00+0800",
        };
        char tails[3 + sizeof(times) / sizeof(times[0])][8300];
        size_t ntails = 0;
        snprintf(tails[ntails++], sizeof(tails[0]), "\"description\":\"%s\"", longtext);
        snprintf(tails[ntails++], sizeof(tails[0]), "\"description\":\"测试：x\",\"photos\":[%lld]",
                 (long long)theirs);
        snprintf(tails[ntails++], sizeof(tails[0]),
                 "\"description\":\"测试：x\",\"photos\":[%lld,%lld]", (long long)mine,
                 (long long)mine);
        for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
            snprintf(tails[ntails++], sizeof(tails[0]),
                     "\"description\":\"测试：x\",\"appointment_at\":\"%s\"", times[i]);
        for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]) + ntails; i++) {
            if (i < sizeof(bodies) / sizeof(bodies[0]))
                snprintf(body, 16384, bodies[i], (long long)g.home);
            else
                snprintf(body, 16384,
                         "{\"resource_id\":%lld,\"type\":\"repair\",\"area\":\"private\",%s}",
                         (long long)g.home, tails[i - sizeof(bodies) / sizeof(bodies[0])]);
            refused_as(g.owner, "POST", "/api/v1/owner/tickets", body, 400, "BAD_REQUEST");
        }
    }
    /* another's home is not found, not a bad request */
    snprintf(body, 16384,
             "{\"resource_id\":%lld,\"type\":\"repair\",\"area\":\"private\","
             "\"description\":\"测试：x\"}",
             (long long)g.home2);
    refused_as(g.owner, "POST", "/api/v1/owner/tickets", body, 404, "NOT_FOUND");
    /* staff: a place that fits the area, in the caller's projects */
    refused_as(g.guard, "POST", "/api/v1/staff/tickets",
               "{\"type\":\"security\",\"area\":\"private\",\"description\":\"测试：x\"}", 400,
               "BAD_REQUEST");
    refused_as(g.guard, "POST", "/api/v1/staff/tickets",
               "{\"type\":\"security\",\"area\":\"public\",\"building_id\":1,\"project_id\":1,"
               "\"description\":\"测试：x\"}",
               400, "BAD_REQUEST");
    refused_as(g.guard, "POST", "/api/v1/staff/tickets",
               "{\"type\":\"security\",\"area\":\"public\",\"building_id\":5,"
               "\"description\":\"测试：x\"}",
               404, "NOT_FOUND"); /* project 2's */
    refused_as(g.tech, "POST", "/api/v1/staff/tickets",
               "{\"type\":\"security\",\"area\":\"public\",\"project_id\":1,"
               "\"description\":\"测试：x\"}",
               403, "FORBIDDEN"); /* technicians do not report here */
    /* the actions' bodies */
    ticket = report(g.owner, "测试：坏输入");
    action_path(path, sizeof(path), ticket, "accept");
    refused_as(g.butler, "POST", path, "{\"note\":1}", 400, "BAD_REQUEST");
    refused_as(g.butler, "POST", path, "{\"reason\":\"x\"}", 400, "BAD_REQUEST");
    snprintf(body, 16384, "{\"note\":\"%s\"}", longtext);
    refused_as(g.butler, "POST", path, body, 400, "BAD_REQUEST");
    put_state(ticket, TICKET_ACCEPTED, 0);
    action_path(path, sizeof(path), ticket, "dispatch");
    refused_as(g.butler, "POST", path, NULL, 400, "BAD_REQUEST");
    refused_as(g.butler, "POST", path, "{}", 400, "BAD_REQUEST");
    refused_as(g.butler, "POST", path, "{\"assignee_id\":\"4\"}", 400, "BAD_REQUEST");
    snprintf(body, 16384, "{\"assignee_id\":%lld}", (long long)g.butler_id);
    refused_as(g.butler, "POST", path, body, 400, "BAD_REQUEST"); /* not a technician */
    refused_as(g.butler, "POST", path, "{\"assignee_id\":999999}", 400, "BAD_REQUEST");
    put_state(ticket, TICKET_IN_PROGRESS, TECH_ID);
    action_path(path, sizeof(path), ticket, "complete");
    refused_as(g.tech, "POST", path, "{}", 400, "BAD_REQUEST");
    refused_as(
        g.tech, "POST", path,
        "{\"result\":\"x\",\"materials\":[{\"name\":\"角阀\",\"quantity\":0,\"unit\":\"个\"}]}",
        400, "BAD_REQUEST");
    refused_as(g.tech, "POST", path,
               "{\"result\":\"x\",\"materials\":[{\"name\":\"角阀\",\"quantity\":1}]}", 400,
               "BAD_REQUEST");
    refused_as(g.tech, "POST", path,
               "{\"result\":\"x\",\"materials\":[{\"name\":\"角阀\",\"quantity\":1,\"unit\":\"个\","
               "\"price\":5}]}",
               400, "BAD_REQUEST");
    refused_as(g.tech, "POST", path, "{\"result\":\"x\",\"materials\":{}}", 400, "BAD_REQUEST");
    refused_as(g.tech, "POST", path, "{\"result\":\"x\",\"charge_fen\":0}", 400, "BAD_REQUEST");
    refused_as(g.tech, "POST", path, "{\"result\":\"x\",\"charge_fen\":12.5}", 400, "BAD_REQUEST");
    {
        /* a fee only for a repair in a home: not a public one, not another type */
        static const char *const kinds[][2] = {{"repair", "public"}, {"cleaning", "private"}};
        for (size_t i = 0; i < 2; i++) {
            int64_t other;
            char b2[256];
            snprintf(b2, sizeof(b2),
                     "{\"resource_id\":%lld,\"type\":\"%s\",\"area\":\"%s\","
                     "\"description\":\"测试：路灯不亮\"}",
                     (long long)g.home, kinds[i][0], kinds[i][1]);
            other = call_as(g.owner, "POST", "/api/v1/owner/tickets", b2, 201, NULL);
            put_state(other, TICKET_IN_PROGRESS, TECH_ID);
            action_path(path, sizeof(path), other, "complete");
            refused_as(g.tech, "POST", path, "{\"result\":\"x\",\"charge_fen\":100}", 400,
                       "BAD_REQUEST");
        }
    }
    /* the office switched the repair fee off: a charge is refused whole */
    it_sql_exec("UPDATE fee_items SET active = 0 WHERE project_id = 1 AND code = 'WXF'", NULL, 0);
    action_path(path, sizeof(path), ticket, "complete");
    refused_as(g.tech, "POST", path, "{\"result\":\"x\",\"charge_fen\":100}", 409,
               "REPAIR_FEE_ITEM_UNUSABLE");
    it_sql_exec("UPDATE fee_items SET active = 1 WHERE project_id = 1 AND code = 'WXF'", NULL, 0);
    put_state(ticket, TICKET_CLOSED, TECH_ID);
    action_path(path, sizeof(path), ticket, "visit");
    refused_as(g.butler, "POST", path, "{\"score\":6}", 400, "BAD_REQUEST");
    refused_as(g.butler, "POST", path, "{\"score\":0}", 400, "BAD_REQUEST");
    refused_as(g.butler, "POST", path, "{\"comment\":\"好\"}", 400, "BAD_REQUEST");
    snprintf(path, sizeof(path), "/api/v1/owner/tickets/%lld/rating", (long long)ticket);
    refused_as(g.owner, "POST", path, "{\"score\":\"5\"}", 400, "BAD_REQUEST");
    refused_as(g.owner, "POST", path, "{}", 400, "BAD_REQUEST");
    /* the lists' and the search's parameters */
    refused_as(g.butler, "GET", "/api/v1/staff/tickets?status=open", NULL, 400, "BAD_REQUEST");
    refused_as(g.butler, "GET", "/api/v1/staff/tickets?assignee=him", NULL, 400, "BAD_REQUEST");
    refused_as(g.butler, "GET", "/api/v1/staff/tickets?type=plumbing", NULL, 400, "BAD_REQUEST");
    refused_as(g.butler, "GET", "/api/v1/staff/tickets?project_id=2", NULL, 404, "NOT_FOUND");
    refused_as(g.butler, "GET", "/api/v1/staff/knowledge", NULL, 400, "BAD_REQUEST");
    refused_as(g.butler, "GET", "/api/v1/staff/knowledge?q=%E6%B0%B4", NULL, 400,
               "BAD_REQUEST"); /* 水 */
    refused_as(g.butler, "GET", "/api/v1/staff/knowledge?q=%E6%B0%B4+%E7%AE%A1", NULL, 400,
               "BAD_REQUEST"); /* 水 管 */
    refused_as(g.butler, "GET",
               "/api/v1/staff/knowledge?q=%E6%BC%8F%E6%BC%8F%E6%BC%8F%E6%BC%8F%E6%BC%8F%E6%BC%8F"
               "%E6%BC%8F%E6%BC%8F%E6%BC%8F%E6%BC%8F%E6%BC%8F%E6%BC%8F%E6%BC%8F%E6%BC%8F%E6%BC%8F"
               "%E6%BC%8F%E6%BC%8F%E6%BC%8F%E6%BC%8F%E6%BC%8F%E6%BC%8F",
               NULL, 400, "BAD_REQUEST"); /* 21 characters */
    refused_as(g.butler, "GET", "/api/v1/staff/knowledge?q=%E6%BC%8F%E6%B0%B4&project_id=2", NULL,
               404, "NOT_FOUND");
    free(body);
    free(longtext);
}

/* ---- must-show 6: the knowledge base ----------------------------------------------- */

static void tickets_knowledge_base_finds_leak(void **state)
{
    static const char *const found[] = {"%E6%BC%8F%E6%B0%B4",                    /* 漏水 */
                                        "%E6%B0%B4%E7%AE%A1%E6%BC%8F%E6%B0%B4",  /* 水管漏水 */
                                        "%E5%8E%A8%E6%88%BF+%E6%BC%8F%E6%B0%B4", /* 厨房 漏水 */
                                        "%E8%A7%92%E9%98%80",  /* 角阀 (a part) */
                                        "%E8%AF%95%E6%B0%B4"}; /* 试水 (the result) */
    struct http_resp r;
    char path[256];
    cJSON *hit;

    (void)state;
    if (!g.flow)
        skip();
    for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++) {
        snprintf(path, sizeof(path), "/api/v1/staff/knowledge?q=%s", found[i]);
        it_http("GET", path, NULL, 0, i % 2 ? g.tech : g.butler, &r);
        it_expect(&r, 200, NULL);
        hit = it_find_int(it_field(r.json, "items"), "id", g.flow);
        if (!hit)
            fail_msg("%s does not find the closed ticket", found[i]);
        assert_string_equal(it_str(hit, "description"), "测试：厨房水管漏水");
        assert_int_equal(cJSON_GetArraySize(it_field(hit, "materials")), 2);
        it_resp_free(&r);
    }
    /* not by words it does not hold, nor for another project's staff */
    it_http("GET", "/api/v1/staff/knowledge?q=%E6%BC%8F%E7%94%B5", NULL, 0, g.butler,
            &r); /* 漏电 */
    it_expect(&r, 200, NULL);
    assert_null(it_find_int(it_field(r.json, "items"), "id", g.flow));
    it_resp_free(&r);
    it_http("GET", "/api/v1/staff/knowledge?q=%E6%BC%8F%E6%B0%B4", NULL, 0, g.butler2, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
    it_resp_free(&r);
    /* an open ticket with the same words is not in it */
    {
        int64_t open = report(g.owner, "测试：阳台水管漏水");
        it_http("GET", "/api/v1/staff/knowledge?q=%E6%BC%8F%E6%B0%B4", NULL, 0, g.butler, &r);
        it_expect(&r, 200, NULL);
        assert_null(it_find_int(it_field(r.json, "items"), "id", open));
        it_resp_free(&r);
    }
}

/* ---- notices: complaints by severity, escalation, deadlines ------------------------ */

static void tickets_complaints_escalations_and_deadlines(void **state)
{
    char body[512], path[96];
    int64_t mark, id, late;
    struct db_param p[2];

    (void)state;
    /* a critical complaint: the supervisors, the managers and the admins */
    mark = outbox_mark();
    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"type\":\"complaint\",\"severity\":\"critical\","
             "\"area\":\"public\",\"description\":\"测试：深夜施工噪音\"}",
             (long long)g.home);
    id = call_as(g.owner, "POST", "/api/v1/owner/tickets", body, 201, NULL);
    assert_int_equal(outbox_rows("1121", "13900000003", mark), 1);
    assert_int_equal(outbox_rows("1121", "13900000005", mark), 1);
    assert_int_equal(outbox_rows("1121", "13900000009", mark), 1);
    assert_int_equal(outbox_rows("1121", "13900000001", mark), 0);
    /* a normal one: the supervisors only; severity defaults to normal */
    mark = outbox_mark();
    snprintf(body, sizeof(body),
             "{\"resource_id\":%lld,\"type\":\"complaint\",\"area\":\"public\","
             "\"description\":\"测试：保洁不及时\"}",
             (long long)g.home);
    id = call_as(g.owner, "POST", "/api/v1/owner/tickets", body, 201, NULL);
    {
        cJSON *t = get_ticket(g.butler, "/api/v1/staff/tickets", id);
        assert_string_equal(it_str(t, "severity"), "normal");
        cJSON_Delete(t);
    }
    assert_int_equal(outbox_rows("1121", "13900000003", mark), 1);
    assert_int_equal(outbox_rows("1121", "13900000009", mark), 0);

    /* escalation: the supervisors hear, the state stays */
    mark = outbox_mark();
    step(g.butler, id, "escalate", "{\"note\":\"业主多次投诉\"}", "submitted");
    assert_int_equal(outbox_rows("1121", "13900000003", mark), 1);
    assert_int_equal(outbox_rows("1121", "13900000005", mark), 1);
    p[0] = P_INT(id);
    assert_int_equal(it_sql_int("SELECT escalations FROM tickets WHERE id = ?", p, 1), 1);

    /* deadlines: the job flags what is late, once, and tells the supervisors */
    late = report(g.owner, "测试：超时");
    put_state(late, TICKET_DISPATCHED, TECH_ID);
    p[0] = P_INT(id);
    it_sql_exec("UPDATE tickets SET response_due_at = UTC_TIMESTAMP() - INTERVAL 1 MINUTE "
                "WHERE id = ?",
                p, 1);
    p[0] = P_INT(late);
    it_sql_exec("UPDATE tickets SET complete_due_at = UTC_TIMESTAMP() - INTERVAL 1 MINUTE "
                "WHERE id = ?",
                p, 1);
    mark = outbox_mark();
    it_sql_exec("UPDATE job_schedule SET every_s = 1 WHERE name = 'ticket_overdue'", NULL, 0);
    for (int i = 0; i < 150; i++) {
        p[0] = P_INT(id);
        p[1] = P_INT(late);
        if (it_sql_int("SELECT (SELECT response_overdue FROM tickets WHERE id = ?) + "
                       "(SELECT complete_overdue FROM tickets WHERE id = ?)",
                       p, 2) == 2)
            break;
        usleep(100 * 1000);
    }
    it_sql_exec("UPDATE job_schedule SET every_s = 60 WHERE name = 'ticket_overdue'", NULL, 0);
    {
        cJSON *t = get_ticket(g.butler, "/api/v1/staff/tickets", id);
        assert_true(cJSON_IsTrue(it_field(t, "response_overdue")));
        assert_false(cJSON_IsTrue(it_field(t, "complete_overdue")));
        cJSON_Delete(t);
        t = get_ticket(g.butler, "/api/v1/staff/tickets", late);
        assert_true(cJSON_IsTrue(it_field(t, "complete_overdue")));
        assert_false(cJSON_IsTrue(it_field(t, "response_overdue")));
        cJSON_Delete(t);
    }
    sleep(2); /* more runs of the job tell nobody again */
    assert_int_equal(outbox_rows("1121", "13900000003", mark), 2);
    assert_int_equal(outbox_rows("1121", "13900000005", mark), 2);
    p[0] = P_INT(late);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM audit_log WHERE action = 'ticket_overdue' "
                                "AND entity_id = ? AND actor_kind = 'system'",
                                p, 1),
                     1);
    (void)path;
}

/* ---- the lists and the staff's reports --------------------------------------------- */

static void tickets_lists_and_filters(void **state)
{
    struct http_resp r;
    cJSON *items;
    int64_t a, b, c;
    const char *cur;
    char path[128];

    (void)state;
    a = report(g.owner2, "测试：列表一");
    b = report(g.owner2, "测试：列表二");
    /* newest first, a page at a time */
    it_http("GET", "/api/v1/owner/tickets?limit=1", NULL, 0, g.owner2, &r);
    it_expect(&r, 200, NULL);
    items = it_field(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 1);
    assert_int_equal(it_int(cJSON_GetArrayItem(items, 0), "id"), b);
    cur = it_str(r.json, "next_cursor");
    snprintf(path, sizeof(path), "/api/v1/owner/tickets?limit=1&cursor=%s", cur);
    it_resp_free(&r);
    it_http("GET", path, NULL, 0, g.owner2, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(it_int(cJSON_GetArrayItem(it_field(r.json, "items"), 0), "id"), a);
    it_resp_free(&r);

    /* the guard reports a public area of building 1 */
    c = call_as(g.guard, "POST", "/api/v1/staff/tickets",
                "{\"type\":\"security\",\"area\":\"public\",\"building_id\":1,"
                "\"description\":\"测试：1栋消防通道被占用\"}",
                201, NULL);
    {
        cJSON *t = get_ticket(g.butler, "/api/v1/staff/tickets", c);
        assert_string_equal(it_str(it_field(t, "reporter"), "kind"), "staff");
        assert_int_equal(it_int(it_field(t, "reporter"), "id"), g.guard_id);
        assert_int_equal(it_int(t, "building_id"), 1);
        assert_true(cJSON_IsNull(it_field(t, "resource_id")));
        cJSON_Delete(t);
    }
    call_as(g.butler, "POST", "/api/v1/staff/tickets",
            "{\"type\":\"cleaning\",\"area\":\"public\",\"project_id\":1,"
            "\"description\":\"测试：中心花园落叶\"}",
            201, NULL);

    /* the staff's filters */
    it_http("GET", "/api/v1/staff/tickets?status=submitted&type=security&limit=200", NULL, 0,
            g.butler, &r);
    it_expect(&r, 200, NULL);
    items = it_field(r.json, "items");
    assert_non_null(it_find_int(items, "id", c));
    assert_null(it_find_int(items, "id", a));
    it_resp_free(&r);
    put_state(a, TICKET_ACCEPTED, 0);
    put_state(b, TICKET_DISPATCHED, g.tech2_id);
    it_http("GET", "/api/v1/staff/tickets?assignee=me&limit=200", NULL, 0, g.tech2, &r);
    it_expect(&r, 200, NULL);
    items = it_field(r.json, "items");
    assert_non_null(it_find_int(items, "id", b));
    assert_null(it_find_int(items, "id", a));
    it_resp_free(&r);
    it_http("GET", "/api/v1/staff/tickets?assignee=none&status=accepted&limit=200", NULL, 0,
            g.tech2, &r);
    it_expect(&r, 200, NULL);
    items = it_field(r.json, "items");
    assert_non_null(it_find_int(items, "id", a));
    assert_null(it_find_int(items, "id", b));
    it_resp_free(&r);
    snprintf(path, sizeof(path), "/api/v1/staff/tickets?assignee=%lld&project_id=1&limit=200",
             (long long)g.tech2_id);
    it_http("GET", path, NULL, 0, g.butler, &r);
    it_expect(&r, 200, NULL);
    items = it_field(r.json, "items");
    assert_non_null(it_find_int(items, "id", b));
    for (int i = 0; i < cJSON_GetArraySize(items); i++)
        assert_int_equal(it_int(it_field(cJSON_GetArrayItem(items, i), "assignee"), "id"),
                         g.tech2_id);
    it_resp_free(&r);
    /* a page of two and the next */
    it_http("GET", "/api/v1/staff/tickets?limit=2", NULL, 0, g.butler, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 2);
    assert_true(cJSON_IsString(it_field(r.json, "next_cursor")));
    it_resp_free(&r);
}

/* The staff list answers for the session as it is now: a dead or an
 * owner's session gets its 401/403 before any 400; the projects are the
 * staff member's of this moment, on every worker thread; a deactivated
 * member's session is dead at once. The owners' fused lists keep the same
 * order of checks. */
static bool staff_list_has(const char *token, int64_t id)
{
    struct http_resp r;
    bool found;

    it_http("GET", "/api/v1/staff/tickets?limit=200", NULL, 0, token, &r);
    it_expect(&r, 200, NULL);
    found = it_find_int(it_field(r.json, "items"), "id", id) != NULL;
    it_resp_free(&r);
    return found;
}

static void tickets_staff_list_checks_the_session(void **state)
{
    struct db_param who = P_INT(g.tech2_id);
    char *gone;
    int64_t here, there;

    (void)state;
    refused_as(NULL, "GET", "/api/v1/staff/tickets", NULL, 401, "UNAUTHENTICATED");
    refused_as("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "GET",
               "/api/v1/staff/tickets", NULL, 401, "UNAUTHENTICATED");
    refused_as(g.owner, "GET", "/api/v1/staff/tickets", NULL, 403, "FORBIDDEN");
    refused_as(g.owner, "GET", "/api/v1/staff/tickets?type=plumbing", NULL, 403, "FORBIDDEN");
    refused_as(g.owner, "GET", "/api/v1/owner/bills?status=bogus", NULL, 400, "BAD_REQUEST");
    refused_as(g.butler, "GET", "/api/v1/owner/bills?status=bogus", NULL, 403, "FORBIDDEN");
    refused_as(g.butler, "GET", "/api/v1/owner/bills", NULL, 403, "FORBIDDEN");
    gone = it_staff_login(TECH2_PHONE, "demo1234");
    assert_non_null(gone);
    call_as(gone, "POST", "/api/v1/logout", NULL, 204, NULL);
    refused_as(gone, "GET", "/api/v1/staff/tickets", NULL, 401, "UNAUTHENTICATED");
    refused_as(gone, "GET", "/api/v1/staff/tickets?type=plumbing", NULL, 401, "UNAUTHENTICATED");
    refused_as(gone, "GET", "/api/v1/owner/bills?status=bogus", NULL, 401, "UNAUTHENTICATED");
    refused_as(gone, "GET", "/api/v1/owner/resources?limit=0", NULL, 401, "UNAUTHENTICATED");
    free(gone);

    here = call_as(g.butler, "POST", "/api/v1/staff/tickets",
                   "{\"type\":\"cleaning\",\"area\":\"public\",\"project_id\":1,"
                   "\"description\":\"测试：本项目的列表\"}",
                   201, NULL);
    there = call_as(g.butler2, "POST", "/api/v1/staff/tickets",
                    "{\"type\":\"cleaning\",\"area\":\"public\",\"project_id\":2,"
                    "\"description\":\"测试：另一项目的列表\"}",
                    201, NULL);
    /* one project: every thread learns the one-project plan */
    for (int i = 0; i < 12; i++) {
        assert_true(staff_list_has(g.tech2, here));
        assert_false(staff_list_has(g.tech2, there));
    }
    it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) VALUES (?, 2)", &who, 1);
    for (int i = 0; i < 12; i++) {
        assert_true(staff_list_has(g.tech2, here));
        assert_true(staff_list_has(g.tech2, there));
    }
    it_sql_exec("DELETE FROM staff_projects WHERE staff_id = ? AND project_id = 1", &who, 1);
    for (int i = 0; i < 12; i++) {
        assert_false(staff_list_has(g.tech2, here));
        assert_true(staff_list_has(g.tech2, there));
    }
    refused_as(g.tech2, "GET", "/api/v1/staff/tickets?project_id=1", NULL, 404, "NOT_FOUND");
    it_sql_exec("DELETE FROM staff_projects WHERE staff_id = ?", &who, 1);
    for (int i = 0; i < 4; i++) {
        assert_false(staff_list_has(g.tech2, here));
        assert_false(staff_list_has(g.tech2, there));
    }
    it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) VALUES (?, 1)", &who, 1);
    assert_true(staff_list_has(g.tech2, here));
    /* deactivated: the session is dead at once */
    it_sql_exec("UPDATE staff SET active = 0 WHERE id = ?", &who, 1);
    refused_as(g.tech2, "GET", "/api/v1/staff/tickets", NULL, 401, "UNAUTHENTICATED");
    it_sql_exec("UPDATE staff SET active = 1 WHERE id = ?", &who, 1);
    assert_true(staff_list_has(g.tech2, here));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tickets_repair_from_report_to_visit),
        cmocka_unit_test(tickets_every_action_in_every_state),
        cmocka_unit_test(tickets_others_see_nothing),
        cmocka_unit_test(uploads_refused_and_stored_nothing),
        cmocka_unit_test(tickets_bad_input_changes_nothing),
        cmocka_unit_test(tickets_knowledge_base_finds_leak),
        cmocka_unit_test(tickets_lists_and_filters),
        cmocka_unit_test(tickets_staff_list_checks_the_session),
        cmocka_unit_test(tickets_complaints_escalations_and_deadlines),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests_name("integration_tickets", tests, setup, teardown);
}
