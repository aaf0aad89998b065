/*
 * test_messages.c — reliable messages to owners (issue 8 "it must show" 3
 * and 4; NTC-2, NTC-3, OPS-2). Its own project, made in setup, and its own
 * phones 1340000xxxx.
 *
 * - (3a) The SMS stand-in fails the first two attempts: the message is
 *   delivered once, on the third; its row says sent, attempts 3.
 * - (3b) The jobs process is killed (SIGKILL) while the stand-in holds a
 *   SendSms answer, in the middle of a batch, and started again by the
 *   master: every message of the batch arrives, the one in flight at most
 *   twice, a message recorded as sent never again.
 * - Per-phone limits: a phone that had its hour's messages gets the next
 *   one later (deferred, not dropped, not tried).
 * - The WeChat sender: a subscribe message reaches the stand-in with its
 *   fields; one the owner did not subscribe to (43101) is given up at once.
 * - Arrears reminders (in a second host whose configuration turns them
 *   on): one SMS per owner with overdue bills, with their count and total,
 *   none for an owner without, none for a former owner; a second run in the
 *   month queues nothing.
 * - (4) Two masters at once: every periodic job of fcgi/jobs_main.c's table
 *   runs once per slot, each exclusive continuous job (the senders) is
 *   held by one host and a message of each channel is sent once.
 * - Delivery receipts (PullSmsSendStatus) on the rows, shown to the office:
 *   SUCCESS, and FAIL for a phone the stand-in marks undeliverable; the
 *   filters; another project's manager gets 404; login codes no office sees.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "itest.h"
#include "outbox.h"

#define PHONE(n) "134000002" #n
#define OWNER_X PHONE(01) /* two homes, three overdue bills */
#define OWNER_Y PHONE(02) /* a bill not due yet: no reminder */
#define OWNER_Z PHONE(03) /* one overdue bill; the stand-in cannot deliver to this phone */
#define FORMER PHONE(04)  /* moved out of a home with overdue bills */
#define MANAGER_PHONE "13400000299"
#define MANAGER_PW "Msgtest1234"
#define TEMPLATE "1130"

static struct {
    char *admin, *other; /* the test project's admin; a manager of project 1 only */
    int64_t proj, bldg, item;
    int homes;
} g;

#define call_as(tok, m, path, body, st, code)                                                      \
    it_call_at((tok), (m), (path), (body), (st), (code), false, __FILE__, __LINE__)
#define refused_as(tok, m, path, body, st, code)                                                   \
    it_refused_at((tok), (m), (path), (body), (st), (code), __FILE__, __LINE__)

static void ctl(const char *what)
{
    char cmd[256];

    snprintf(cmd, sizeof(cmd), "tests/integration/ctl.sh %s >/dev/null 2>&1", what);
    assert_int_equal(system(cmd), 0);
}

/* A POST to a stand-in's control (env names the stand-in's URL). */
static void standin(const char *env, const char *path, const char *body)
{
    struct http_resp r;
    char url[256];

    snprintf(url, sizeof(url), "%s%s", it_env(env), path);
    it_http_url("POST", url, body, (size_t)-1, NULL, &r);
    assert_int_equal(r.status, 200);
    it_resp_free(&r);
}

/* How many messages the SMS stand-in received for phone (11 digits). */
static int sms_received(const char *phone)
{
    struct http_resp r;
    char url[256];
    int n;

    snprintf(url, sizeof(url), "%s/_test/sms?phone=%s", it_env("WUYE_SMS_URL"), phone);
    it_http_url("GET", url, NULL, 0, NULL, &r);
    assert_int_equal(r.status, 200);
    n = cJSON_GetArraySize(it_field(r.json, "items"));
    it_resp_free(&r);
    return n;
}

/* Wait (up to seconds) until sql answers want; the last answer. */
static int64_t wait_for(const char *sql, const struct db_param *p, size_t n, int64_t want,
                        int seconds)
{
    int64_t v = -1;

    for (int i = 0; i < seconds * 10; i++) {
        v = it_sql_int(sql, p, n);
        if (v == want)
            break;
        usleep(100 * 1000);
    }
    return v;
}

struct queue_arg {
    const struct outbox_msg *m;
    size_t n;
};

static int queue_tx(struct db *db, void *arg, struct err *e)
{
    const struct queue_arg *q = arg;

    for (size_t i = 0; i < q->n; i++)
        if (outbox_queue(db, &q->m[i], e) < 0)
            return -1;
    return 0;
}

/* Queue an SMS of the test's project to phone (11 digits) under key. */
static void queue_sms(const char *key, const char *phone)
{
    static const char *const params[] = {"测试", "1"};
    char to[24];
    struct outbox_msg m = {.channel = OUTBOX_SMS,
                           .project_id = g.proj,
                           .dedup_key = key,
                           .recipient = to,
                           .template_id = TEMPLATE,
                           .params = params,
                           .nparams = 2};
    struct queue_arg q = {&m, 1};
    struct err e;

    snprintf(to, sizeof(to), "+86%s", phone);
    err_clear(&e);
    assert_int_equal(db_tx(it_db(), queue_tx, &q, &e), 0);
}

static int64_t row_int(const char *key, const char *col)
{
    char sql[160];

    snprintf(sql, sizeof(sql), "SELECT %s FROM outbox WHERE dedup_key = ?", col);
    return it_sql_int(sql, (struct db_param[]){P_STR(key)}, 1);
}

static void row_str(const char *key, const char *col, char *out, size_t size)
{
    char sql[160];

    snprintf(sql, sizeof(sql), "SELECT %s FROM outbox WHERE dedup_key = ?", col);
    it_sql_str(sql, (struct db_param[]){P_STR(key)}, 1, out, size);
}

static int64_t sent_within(const char *key, int seconds)
{
    return wait_for("SELECT status = 'sent' FROM outbox WHERE dedup_key = ?",
                    (struct db_param[]){P_STR(key)}, 1, 1, seconds);
}

/* ---- setup: a project, homes, owners and bills ------------------------------------------ */

static int64_t new_home(const char *owner, const char *name)
{
    char body[512], path[96];
    int64_t id;

    g.homes++;
    snprintf(body, sizeof(body),
             "{\"project_id\":%lld,\"building_id\":%lld,\"code\":\"MSG-%d\",\"number\":\"M%d\","
             "\"kind\":\"home\",\"area_m2x100\":10000}",
             (long long)g.proj, (long long)g.bldg, g.homes, g.homes);
    id = call_as(g.admin, "POST", "/api/v1/office/resources", body, 201, NULL);
    snprintf(body, sizeof(body),
             "{\"name\":\"%s\",\"phone\":\"%s\",\"relation\":\"owner\","
             "\"moved_in_on\":\"2025-01-01\"}",
             name, owner);
    snprintf(path, sizeof(path), "/api/v1/office/resources/%lld/occupants", (long long)id);
    call_as(g.admin, "POST", path, body, 201, NULL);
    return id;
}

/* A bill due days_ago days before today (China); negative: not due yet. */
static void add_bill(int64_t resource, const char *period, int64_t amount, int days_ago)
{
    struct db_param p[6] = {P_INT(g.proj), P_INT(resource), P_INT(g.item),
                            P_STR(period), P_INT(amount),   P_INT(days_ago)};

    it_sql_exec("INSERT INTO bills (project_id, resource_id, fee_item_id, period, cycle_key, "
                "source, amount_fen, due_date) VALUES (?, ?, ?, ?, 1, 'run', ?, "
                "DATE(UTC_TIMESTAMP() + INTERVAL 8 HOUR) - INTERVAL ? DAY)",
                p, 6);
}

static int setup(void **state)
{
    char body[512], path[96];
    int64_t a1, a2, y, z, w;

    (void)state;
    g.admin = it_staff_login("13900000009", "demo1234");
    if (!g.admin)
        return -1;
    snprintf(body, sizeof(body), "{\"code\":\"MSG%ld\",\"name\":\"消息测试小区%ld\"}",
             (long)time(NULL), (long)time(NULL));
    g.proj = call_as(g.admin, "POST", "/api/v1/office/projects", body, 201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/buildings", (long long)g.proj);
    g.bldg =
        call_as(g.admin, "POST", path,
                "{\"name\":\"消息楼\",\"floors\":6,\"business_type\":\"residential\"}", 201, NULL);
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/fee-items", (long long)g.proj);
    g.item = call_as(g.admin, "POST", path,
                     "{\"code\":\"MSG-WY\",\"name\":\"消息测试物业费\",\"cycle\":\"monthly\","
                     "\"method\":\"fixed\"}",
                     201, NULL);
    a1 = new_home(OWNER_X, "欠费业主甲");
    a2 = new_home(OWNER_X, "欠费业主甲");
    y = new_home(OWNER_Y, "未欠业主乙");
    z = new_home(OWNER_Z, "欠费业主丙");
    w = new_home(FORMER, "已迁出业主");
    add_bill(a1, "2026-01", 10000, 40);
    add_bill(a1, "2026-02", 20000, 10);
    add_bill(a1, "2026-03", 99900, -5); /* not due yet */
    add_bill(a2, "2026-01", 5050, 3);
    add_bill(y, "2026-01", 30000, -3);
    add_bill(z, "2026-01", 10000, 1);
    add_bill(w, "2026-01", 10000, 30);
    it_sql_exec("UPDATE person_resources SET moved_out_on = '2026-01-31' WHERE resource_id = ?",
                (struct db_param[]){P_INT(w)}, 1);
    /* a manager of project 1 only: another project's office */
    snprintf(body, sizeof(body),
             "{\"name\":\"别家经理\",\"phone\":\"" MANAGER_PHONE "\",\"password\":\"" MANAGER_PW
             "\",\"roles\":[\"manager\"],\"project_ids\":[1]}");
    call_as(g.admin, "POST", "/api/v1/office/staff", body, 201, NULL);
    g.other = it_staff_login(MANAGER_PHONE, MANAGER_PW);
    return g.other ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(g.admin);
    free(g.other);
    return 0;
}

/* ---- (3a) two failures, then delivered once ------------------------------------------- */

static void sms_retried_until_delivered_once(void **state)
{
    (void)state;
    standin("WUYE_SMS_URL", "/_test/sms/faults",
            "{\"code\":\"InternalError.Timeout\",\"count\":2}");
    queue_sms("msgtest:3a", PHONE(11));
    assert_int_equal(sent_within("msgtest:3a", 30), 1);
    sleep(2); /* room for a wrong second send */
    assert_int_equal(sms_received(PHONE(11)), 1);
    assert_int_equal(row_int("msgtest:3a", "attempts"), 3);
    assert_int_equal(row_int("msgtest:3a", "status = 'sent' AND provider_ref <> ''"), 1);
}

/* ---- (3b) the sender killed in a provider call --------------------------------------------- */

/* The jobs process among the master's children ("wuye-jobs"). */
static int jobs_pid(int master)
{
    int kids[32], n = it_children(master, kids, 32);

    for (int i = 0; i < n; i++) {
        char path[64], comm[32] = "";
        FILE *f;
        snprintf(path, sizeof(path), "/proc/%d/comm", kids[i]);
        if ((f = fopen(path, "r"))) {
            if (!fgets(comm, sizeof(comm), f))
                comm[0] = '\0';
            fclose(f);
        }
        if (strncmp(comm, "wuye-jobs", 9) == 0)
            return kids[i];
    }
    return 0;
}

#define BATCH 6

static void sender_killed_mid_batch(void **state)
{
    int master = it_pid("wuye-fcgi.pid"), victim, again = 0, twice = 0;
    char keys[BATCH][32], phones[BATCH][24];
    static const char *const params[] = {"测试", "1"};
    struct outbox_msg m[BATCH];
    struct queue_arg q = {m, BATCH};
    char to[BATCH][32];
    struct err e;

    (void)state;
    victim = jobs_pid(master);
    assert_true(victim > 0);
    for (int i = 0; i < BATCH; i++) {
        snprintf(keys[i], sizeof(keys[i]), "msgtest:3b:%d", i);
        snprintf(phones[i], sizeof(phones[i]), "1340000012%d", i);
        snprintf(to[i], sizeof(to[i]), "+86%s", phones[i]);
        m[i] = (struct outbox_msg){.channel = OUTBOX_SMS,
                                   .project_id = g.proj,
                                   .dedup_key = keys[i],
                                   .recipient = to[i],
                                   .template_id = TEMPLATE,
                                   .params = params,
                                   .nparams = 2};
    }
    /* every answer takes 1.5 s: the sender spends its time in the call */
    standin("WUYE_SMS_URL", "/_test/sms/delay", "{\"ms\":1500}");
    err_clear(&e);
    assert_int_equal(db_tx(it_db(), queue_tx, &q, &e), 0);
    /* the first two sent, the third claimed: its SendSms is in flight */
    assert_int_equal(sent_within(keys[1], 20), 1);
    assert_int_equal(wait_for("SELECT attempts FROM outbox WHERE dedup_key = ?",
                              (struct db_param[]){P_STR(keys[2])}, 1, 1, 5),
                     1);
    usleep(300 * 1000);
    assert_int_equal(kill(victim, SIGKILL), 0);
    standin("WUYE_SMS_URL", "/_test/sms/delay", "{\"ms\":0}");
    /* the master starts a new jobs process; it sends the rest */
    assert_int_equal(wait_for("SELECT COUNT(*) FROM outbox WHERE dedup_key LIKE 'msgtest:3b:%' "
                              "AND status = 'sent'",
                              NULL, 0, BATCH, 60),
                     BATCH);
    assert_true(jobs_pid(master) > 0 && jobs_pid(master) != victim);
    sleep(2);
    for (int i = 0; i < BATCH; i++) {
        int got = sms_received(phones[i]);
        /* every message arrived; a message recorded as sent before the
         * kill was never sent again */
        assert_true(got >= 1);
        if (i < 2)
            assert_int_equal(got, 1);
        if (got > 1)
            twice++;
        if (row_int(keys[i], "attempts") > 1)
            again++;
    }
    print_message("batch of %d, sender killed during the third: %d arrived twice, %d tried "
                  "twice\n",
                  BATCH, twice, again);
    assert_true(twice <= 1);
    assert_true(again <= 1);
    /* the one in flight is the one tried again */
    assert_int_equal(row_int(keys[2], "attempts"), 2);
}

/* ---- per-phone limits ------------------------------------------------------------------- */

static void phone_limit_defers(void **state)
{
    int limit = it_config()->sms_phone_limit_hour;

    (void)state;
    assert_true(limit > 0);
    /* the phone had its hour's messages (not codes) ten minutes ago */
    for (int i = 0; i < limit; i++) {
        char key[48];
        snprintf(key, sizeof(key), "msgtest:sent:%d", i);
        it_sql_exec("INSERT INTO outbox (project_id, channel, dedup_key, recipient, template, "
                    "params, status, attempts, sent_at) VALUES (?, 'sms', ?, '+86" PHONE(
                        12) "', '" TEMPLATE "', '[]', 'sent', 1, "
                            "UTC_TIMESTAMP() - INTERVAL 10 MINUTE)",
                    (struct db_param[]){P_INT(g.proj), P_STR(key)}, 2);
    }
    queue_sms("msgtest:limited", PHONE(12));
    assert_int_equal(wait_for("SELECT last_error = 'PHONE_LIMIT' FROM outbox WHERE dedup_key = ?",
                              (struct db_param[]){P_STR("msgtest:limited")}, 1, 1, 10),
                     1);
    /* deferred until the oldest leaves the hour: 50 minutes, untried */
    assert_int_equal(row_int("msgtest:limited", "status = 'pending' AND attempts = 0 AND "
                                                "next_attempt_at > UTC_TIMESTAMP() + INTERVAL "
                                                "45 MINUTE"),
                     1);
    assert_int_equal(sms_received(PHONE(12)), 0);
    /* a login code to the same phone is not held back */
    queue_sms("sms_code:msgtest", PHONE(12));
    assert_int_equal(sent_within("sms_code:msgtest", 10), 1);
    it_sql_exec("DELETE FROM outbox WHERE dedup_key IN ('msgtest:limited', 'sms_code:msgtest')",
                NULL, 0);
}

/* ---- the WeChat sender ----------------------------------------------------------------- */

static void queue_wechat(const char *key, const char *openid)
{
    static const char *const params[] = {"thing1=停水通知", "time2=2026-12-03 09:00"};
    struct outbox_msg m = {.channel = OUTBOX_WECHAT,
                           .project_id = g.proj,
                           .dedup_key = key,
                           .recipient = openid,
                           .template_id = "TPL-NOTICE",
                           .params = params,
                           .nparams = 2};
    struct queue_arg q = {&m, 1};
    struct err e;

    err_clear(&e);
    assert_int_equal(db_tx(it_db(), queue_tx, &q, &e), 0);
}

static int wechat_received(const char *openid, cJSON **first)
{
    static struct http_resp r;
    char url[256];

    it_resp_free(&r);
    snprintf(url, sizeof(url), "%s/_test/wechat/messages?openid=%s", it_env("WUYE_WECHAT_URL"),
             openid);
    it_http_url("GET", url, NULL, 0, NULL, &r);
    assert_int_equal(r.status, 200);
    if (first)
        *first = cJSON_GetArrayItem(it_field(r.json, "items"), 0);
    return cJSON_GetArraySize(it_field(r.json, "items"));
}

static void wechat_sender(void **state)
{
    cJSON *msg;

    (void)state;
    queue_wechat("msgtest:wx", "oMsgtestOpenid01");
    assert_int_equal(sent_within("msgtest:wx", 20), 1);
    assert_int_equal(wechat_received("oMsgtestOpenid01", &msg), 1);
    assert_string_equal(it_str(msg, "template_id"), "TPL-NOTICE");
    assert_string_equal(it_str(it_field(it_field(msg, "data"), "thing1"), "value"), "停水通知");
    assert_string_equal(it_str(it_field(it_field(msg, "data"), "time2"), "value"),
                        "2026-12-03 09:00");
    /* not subscribed (43101): given up at the first try, not retried */
    standin("WUYE_WECHAT_URL", "/_test/wechat/faults",
            "{\"endpoint\":\"subscribe_send\",\"errcode\":43101,\"count\":1}");
    queue_wechat("msgtest:wx-refused", "oMsgtestOpenid02");
    assert_int_equal(wait_for("SELECT status = 'failed' FROM outbox WHERE dedup_key = ?",
                              (struct db_param[]){P_STR("msgtest:wx-refused")}, 1, 1, 20),
                     1);
    assert_int_equal(row_int("msgtest:wx-refused", "attempts"), 1);
    assert_int_equal(row_int("msgtest:wx-refused", "last_error = 'WECHAT_NOT_SUBSCRIBED'"), 1);
    assert_int_equal(wechat_received("oMsgtestOpenid02", NULL), 0);
    wechat_received("", NULL); /* frees the last answer */
}

/* ---- arrears reminders, in a second host that has them on -------------------------------- */

/* The arrears job's two runs of this month, in the second host; the first
 * host paused meanwhile (its slot claims would win every time, their phase
 * being steady, and it has the reminders off) — between two of its runs,
 * so that it holds no lock but its senders'. *second_new gets what the
 * second run queued. true when both runs ended. */
static bool arrears_runs(const char *month, int64_t *first_rows, int64_t *second_new)
{
    int main_jobs = jobs_pid(it_pid("wuye-fcgi.pid"));
    bool ok;

    assert_true(main_jobs > 0);
    for (int i = 0;; i++) {
        assert_true(i < 50);
        assert_int_equal(kill(main_jobs, SIGSTOP), 0);
        if (it_sql_int("SELECT IS_USED_LOCK('wuye_job_arrears_reminders') IS NULL", NULL, 0))
            break;
        kill(main_jobs, SIGCONT);
        usleep(100 * 1000);
    }
    ok = wait_for("SELECT COUNT(*) FROM arrears_months WHERE month = ?",
                  (struct db_param[]){P_STR(month)}, 1, 1, 30) == 1;
    *first_rows = it_sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'arrears'", NULL, 0);
    /* the month again, its record gone */
    it_sql_exec("DELETE FROM arrears_months", NULL, 0);
    ok = ok && wait_for("SELECT COUNT(*) FROM arrears_months WHERE month = ?",
                        (struct db_param[]){P_STR(month)}, 1, 1, 30) == 1;
    *second_new =
        it_sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'arrears'", NULL, 0) - *first_rows;
    /* the first host goes on: its SMS sender holds the lock and sends them */
    kill(main_jobs, SIGCONT);
    return ok;
}

static void arrears_one_per_owner(void **state)
{
    char month[8], key[64], params[128];
    int64_t x, z, rows, again;

    (void)state;
    it_sql_str("SELECT DATE_FORMAT(UTC_TIMESTAMP() + INTERVAL 8 HOUR, '%Y-%m')", NULL, 0, month,
               sizeof(month));
    /* only this test's project, from day 1 of the month, in the second host */
    it_sql_exec("UPDATE projects SET arrears_reminders = 0", NULL, 0);
    {
        /* the office's switch of a project (PATCH /office/projects/{id}) */
        struct http_resp r;
        const cJSON *mine;
        char path[64];

        snprintf(path, sizeof(path), "/api/v1/office/projects/%lld", (long long)g.proj);
        refused_as(g.admin, "PATCH", path, "{\"arrears_reminders\":\"yes\"}", 400, "BAD_REQUEST");
        refused_as(g.admin, "PATCH", path, "{\"arrears_reminders\":1}", 400, "BAD_REQUEST");
        refused_as(g.other, "PATCH", path, "{\"arrears_reminders\":true}", 403, "FORBIDDEN");
        call_as(g.admin, "PATCH", path, "{\"arrears_reminders\":true}", 200, NULL);
        call_as(g.admin, "PATCH", path, "{\"address\":\"提醒小区路 1 号\"}", 200, NULL);
        it_http("GET", "/api/v1/office/projects?limit=200", NULL, 0, g.admin, &r);
        it_expect(&r, 200, NULL);
        mine = it_find_int(it_field(r.json, "items"), "id", g.proj);
        assert_non_null(mine);
        assert_true(cJSON_IsTrue(it_field(mine, "arrears_reminders")));
        it_resp_free(&r);
        assert_int_equal(it_sql_int("SELECT COUNT(*) FROM projects WHERE arrears_reminders = 1",
                                    NULL, 0),
                         1);
    }
    it_sql_exec("DELETE FROM arrears_months", NULL, 0);
    standin("WUYE_SMS_URL", "/_test/sms/undeliverable", "{\"phone\":\"" OWNER_Z "\"}");
    it_sql_exec("UPDATE job_schedule SET every_s = 1 WHERE name = 'arrears_reminders'", NULL, 0);
    setenv("WUYE_SECOND_CONF", "sms_template_arrears = " TEMPLATE "\narrears_reminder_day = 1", 1);
    ctl("second-start");
    assert_true(arrears_runs(month, &rows, &again));
    /* one message per owner with overdue bills; a second run: nothing new */
    assert_int_equal(rows, 2);
    assert_int_equal(again, 0);
    assert_int_equal(it_sql_int("SELECT queued FROM arrears_months WHERE month = ?",
                                (struct db_param[]){P_STR(month)}, 1),
                     0);
    snprintf(key, sizeof(key), "arrears:%s:%lld", month,
             (long long)it_sql_int("SELECT id FROM persons WHERE phone = '" OWNER_X "'", NULL, 0));
    /* three overdue bills of two homes, 100.00 + 200.00 + 50.50 */
    row_str(key, "params", params, sizeof(params));
    assert_string_equal(params, "[\"3\",\"350.50\"]");
    assert_int_equal(row_int(key, "project_id"), g.proj);
    x = row_int(key, "id");
    snprintf(key, sizeof(key), "arrears:%s:%lld", month,
             (long long)it_sql_int("SELECT id FROM persons WHERE phone = '" OWNER_Z "'", NULL, 0));
    row_str(key, "params", params, sizeof(params));
    assert_string_equal(params, "[\"1\",\"100.00\"]");
    z = row_int(key, "id");
    assert_true(x > 0 && z > 0);
    /* none for the owner without overdue bills, none for the former owner */
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'arrears' AND "
                                "recipient IN ('+86" OWNER_Y "', '+86" FORMER "')",
                                NULL, 0),
                     0);
    /* one SMS each at the stand-in */
    assert_int_equal(wait_for("SELECT COUNT(*) FROM outbox WHERE kind = 'arrears' AND "
                              "status = 'sent'",
                              NULL, 0, 2, 20),
                     2);
    sleep(1);
    assert_int_equal(sms_received(OWNER_X), 1);
    assert_int_equal(sms_received(OWNER_Z), 1);
    assert_int_equal(sms_received(OWNER_Y), 0);
}

/* ---- (4) two masters: every job of the table once per slot -------------------------------- */

#define MAX_JOBS 32

struct job_row {
    char name[64];
    bool exclusive;
    int every_s;
};

/* The table of fcgi/jobs_main.c, read from the source: a job added there
 * later is covered here without a change. */
static size_t jobs_table(struct job_row *out)
{
    FILE *f = fopen("fcgi/jobs_main.c", "r");
    char line[512];
    bool in = false;
    size_t n = 0;

    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char name[64], fn[64], excl[8];
        if (strstr(line, "} table[] = {")) {
            in = true;
            continue;
        }
        if (in && strncmp(line, "};", 2) == 0)
            break;
        if (in && n < MAX_JOBS &&
            sscanf(line, " {\"%63[^\"]\", %63[^,], %7[a-z]}", name, fn, excl) == 3) {
            snprintf(out[n].name, sizeof(out[n].name), "%s", name);
            out[n].exclusive = strcmp(excl, "true") == 0;
            n++;
        }
    }
    fclose(f);
    return n;
}

static void two_masters_run_each_job_once(void **state)
{
    struct job_row jobs[MAX_JOBS];
    size_t n = jobs_table(jobs), periodic = 0;
    int64_t from;
    char holder[MAX_JOBS][24];

    (void)state;
    assert_true(n >= 8);
    /* the second master of the arrears test is still running */
    assert_true(it_pid("second.pid") > 0);
    for (size_t i = 0; i < n; i++) {
        struct db_param p[1] = {P_STR(jobs[i].name)};
        /* every job of the table has its schedule */
        assert_int_equal(it_sql_int("SELECT COUNT(*) FROM job_schedule WHERE name = ?", p, 1), 1);
        jobs[i].every_s = (int)it_sql_int("SELECT every_s FROM job_schedule WHERE name = ?", p, 1);
        if (jobs[i].every_s > 0) {
            /* arrears_reminders already runs every second */
            if (strcmp(jobs[i].name, "arrears_reminders") != 0)
                it_sql_exec("UPDATE job_schedule SET every_s = 1 WHERE name = ?", p, 1);
            periodic++;
        }
    }
    from = it_sql_int("SELECT UNIX_TIMESTAMP(UTC_TIMESTAMP()) + 1", NULL, 0);
    /* a message of each channel while both hosts run */
    queue_sms("msgtest:two", PHONE(13));
    queue_wechat("msgtest:two-wx", "oMsgtestOpenid03");
    for (size_t i = 0; i < n; i++)
        holder[i][0] = '\0';
    /* 7 s of slots; the exclusive continuous jobs' holders sampled meanwhile */
    for (int t = 0; t < 35; t++) {
        for (size_t i = 0; i < n; i++) {
            char lock[96], now[24];
            if (!jobs[i].exclusive || jobs[i].every_s != 0)
                continue;
            snprintf(lock, sizeof(lock), "wuye_job_%s", jobs[i].name);
            it_sql_str("SELECT IS_USED_LOCK(?)", (struct db_param[]){P_STR(lock)}, 1, now,
                       sizeof(now));
            /* always held, by one connection that keeps it */
            if (!now[0])
                fail_msg("nobody holds the lock of %s", jobs[i].name);
            if (holder[i][0] && strcmp(holder[i], now) != 0)
                fail_msg("the lock of %s moved from connection %s to %s", jobs[i].name, holder[i],
                         now);
            snprintf(holder[i], sizeof(holder[i]), "%s", now);
        }
        usleep(200 * 1000);
    }
    for (size_t i = 0; i < n; i++) {
        struct db_param p[2] = {P_STR(jobs[i].name), P_INT(from)};
        int64_t runs, slots, bad;
        if (jobs[i].every_s == 0)
            continue;
        runs = it_sql_int("SELECT COUNT(*) FROM job_runs WHERE name = ? AND "
                          "UNIX_TIMESTAMP(slot) BETWEEN ? AND ? + 5",
                          (struct db_param[]){p[0], p[1], p[1]}, 3);
        slots = it_sql_int("SELECT COUNT(DISTINCT slot) FROM job_runs WHERE name = ? AND "
                           "UNIX_TIMESTAMP(slot) BETWEEN ? AND ? + 5",
                           (struct db_param[]){p[0], p[1], p[1]}, 3);
        bad = it_sql_int("SELECT COUNT(*) FROM job_runs WHERE name = ? AND UNIX_TIMESTAMP(slot) "
                         ">= ? AND status = 'failed'",
                         p, 2);
        print_message("%-18s %lld runs in %lld slots of 6 s on two masters\n", jobs[i].name,
                      (long long)runs, (long long)slots);
        assert_int_equal(runs, slots);
        if (runs < 3)
            fail_msg("%s ran in only %lld of 6 slots", jobs[i].name, (long long)runs);
        if (bad)
            fail_msg("%s failed %lld times", jobs[i].name, (long long)bad);
    }
    assert_true(periodic >= 5);
    /* each message sent once, by one host */
    assert_int_equal(sent_within("msgtest:two", 10), 1);
    assert_int_equal(sent_within("msgtest:two-wx", 10), 1);
    sleep(1);
    assert_int_equal(sms_received(PHONE(13)), 1);
    assert_int_equal(row_int("msgtest:two", "attempts"), 1);
    assert_int_equal(wechat_received("oMsgtestOpenid03", NULL), 1);
    wechat_received("", NULL);

    ctl("second-stop");
    unsetenv("WUYE_SECOND_CONF");
    for (size_t i = 0; i < n; i++)
        if (jobs[i].every_s > 0)
            it_sql_exec("UPDATE job_schedule SET every_s = ? WHERE name = ?",
                        (struct db_param[]){P_INT(jobs[i].every_s), P_STR(jobs[i].name)}, 2);
    it_sql_exec("UPDATE job_schedule SET every_s = 3600 WHERE name = 'arrears_reminders'", NULL, 0);
    it_sql_exec("UPDATE projects SET arrears_reminders = 1", NULL, 0);
}

/* ---- delivery receipts, as the office sees them ------------------------------------------ */

static void get_list(const char *token, const char *query, struct http_resp *r)
{
    char path[256];

    snprintf(path, sizeof(path), "/api/v1/office/messages?%s", query);
    it_http("GET", path, NULL, 0, token, r);
}

static void receipts_shown_to_office(void **state)
{
    struct http_resp r;
    char q[160], path[96];
    cJSON *items, *x, *z;
    int64_t zid;

    (void)state;
    it_sql_exec("UPDATE job_schedule SET every_s = 1 WHERE name = 'sms_status'", NULL, 0);
    assert_int_equal(wait_for("SELECT COUNT(*) FROM outbox WHERE kind = 'arrears' AND "
                              "report_status IS NOT NULL",
                              NULL, 0, 2, 20),
                     2);
    it_sql_exec("UPDATE job_schedule SET every_s = 60 WHERE name = 'sms_status'", NULL, 0);

    snprintf(q, sizeof(q), "project_id=%lld&kind=arrears", (long long)g.proj);
    get_list(g.admin, q, &r);
    it_expect(&r, 200, NULL);
    items = it_field(r.json, "items");
    assert_int_equal(cJSON_GetArraySize(items), 2);
    x = it_find_str(items, "recipient", "134****0201");
    z = it_find_str(items, "recipient", "134****0203");
    assert_non_null(x);
    assert_non_null(z);
    assert_string_equal(it_str(x, "status"), "sent");
    assert_string_equal(it_str(x, "channel"), "sms");
    assert_string_equal(it_str(it_field(x, "delivery"), "status"), "SUCCESS");
    assert_string_equal(it_str(it_field(x, "delivery"), "description"), "DELIVRD");
    assert_true(strlen(it_str(it_field(x, "delivery"), "received_at")) == 25);
    assert_string_equal(it_str(it_field(z, "delivery"), "status"), "FAIL");
    assert_string_equal(it_str(it_field(z, "delivery"), "description"), "UNDELIV");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(it_field(x, "params"), 1)),
                        "350.50");
    zid = it_int(z, "id");
    /* no full number anywhere in the answer */
    assert_null(strstr(r.body.data, OWNER_X));
    it_resp_free(&r);

    /* the filters */
    snprintf(q, sizeof(q), "project_id=%lld&phone=" OWNER_Z, (long long)g.proj);
    get_list(g.admin, q, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 1);
    it_resp_free(&r);
    snprintf(q, sizeof(q), "project_id=%lld&channel=wechat&status=failed", (long long)g.proj);
    get_list(g.admin, q, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 1);
    assert_string_equal(it_str(cJSON_GetArrayItem(it_field(r.json, "items"), 0), "last_error"),
                        "WECHAT_NOT_SUBSCRIBED");
    it_resp_free(&r);
    snprintf(q, sizeof(q), "project_id=%lld&from=2020-01-01&to=2020-12-31", (long long)g.proj);
    get_list(g.admin, q, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
    it_resp_free(&r);
    /* paged, newest first */
    snprintf(q, sizeof(q), "project_id=%lld&limit=1", (long long)g.proj);
    get_list(g.admin, q, &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 1);
    assert_true(cJSON_IsString(it_field(r.json, "next_cursor")));
    it_resp_free(&r);
    /* login codes belong to no project: no office sees them */
    get_list(g.admin, "kind=sms_code", &r);
    it_expect(&r, 200, NULL);
    assert_int_equal(cJSON_GetArraySize(it_field(r.json, "items")), 0);
    it_resp_free(&r);
    /* bad filters: 400, in Chinese */
    get_list(g.admin, "channel=fax", &r);
    it_expect(&r, 400, "BAD_REQUEST");
    assert_true(it_has_non_ascii(it_str(it_field(r.json, "error"), "message")));
    it_resp_free(&r);
    get_list(g.admin, "from=2026-13-01", &r);
    it_expect(&r, 400, "BAD_REQUEST");
    it_resp_free(&r);
    get_list(g.admin, "phone=123", &r);
    it_expect(&r, 400, "BAD_REQUEST");
    it_resp_free(&r);

    /* one message */
    snprintf(path, sizeof(path), "/api/v1/office/messages/%lld", (long long)zid);
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 200, NULL);
    assert_string_equal(it_str(r.json, "kind"), "arrears");
    assert_string_equal(it_str(it_field(r.json, "delivery"), "status"), "FAIL");
    it_resp_free(&r);

    /* another project's office: 404, and not in its list */
    it_http("GET", path, NULL, 0, g.other, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    snprintf(q, sizeof(q), "project_id=%lld", (long long)g.proj);
    get_list(g.other, q, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    get_list(g.other, "kind=arrears", &r);
    it_expect(&r, 200, NULL);
    assert_null(it_find_int(it_field(r.json, "items"), "id", zid));
    it_resp_free(&r);
    /* a login code row by its id: nobody's */
    snprintf(path, sizeof(path), "/api/v1/office/messages/%lld",
             (long long)it_sql_int("SELECT COALESCE(MAX(id), 0) FROM outbox WHERE kind = "
                                   "'sms_code'",
                                   NULL, 0));
    it_http("GET", path, NULL, 0, g.admin, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);
    standin("WUYE_SMS_URL", "/_test/sms/undeliverable",
            "{\"phone\":\"" OWNER_Z "\",\"undeliverable\":false}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sms_retried_until_delivered_once),
        cmocka_unit_test(sender_killed_mid_batch),
        cmocka_unit_test(phone_limit_defers),
        cmocka_unit_test(wechat_sender),
        cmocka_unit_test(arrears_one_per_owner),
        cmocka_unit_test(two_masters_run_each_job_once),
        cmocka_unit_test(receipts_shown_to_office),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
