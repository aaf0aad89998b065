/*
 * test_jobs.c — the jobs table (issue 6 "it must show" 5).
 *
 * - A CSV import of more than 5,000 rows answers 202 with a job; the job's
 *   progress moves while it runs; login codes still reach the SMS stand-in
 *   within seconds meanwhile (the sender has its own thread and lock); the
 *   job ends done with the import's report; only its starter and the
 *   admins of its project see it. WUYE_TEST_IMPORT_ROWS sets the size
 *   (default 6,000; 100,000 is the figure, run by hand).
 * - Two masters on one database: a periodic job runs once per slot, and a
 *   login code is sent once, not by each host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/util.h"
#include "itest.h"
#include "outbox.h"

static char *admin, *butler;
static int64_t project;

static void ctl(const char *what)
{
    char cmd[256];

    snprintf(cmd, sizeof(cmd), "tests/integration/ctl.sh %s >/dev/null 2>&1", what);
    assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
    struct http_resp r;
    char body[256];

    (void)state;
    admin = it_staff_login("13900000009", "demo1234");
    butler = it_staff_login("13900000001", "demo1234");
    if (!admin || !butler)
        return -1;
    /* The import goes into a project of its own, away from the demo's. */
    snprintf(body, sizeof(body), "{\"code\":\"JOBS%ld\",\"name\":\"导入任务小区%ld\"}",
             (long)time(NULL), (long)time(NULL));
    it_http("POST", "/api/v1/office/projects", body, (size_t)-1, admin, &r);
    if (r.status != 201)
        return -1;
    project = it_int(r.json, "id");
    it_resp_free(&r);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(admin);
    free(butler);
    return 0;
}

static int64_t ms_now(void)
{
    return util_now_us() / 1000;
}

/* Ask for a code for phone and wait until the SMS stand-in has a new one;
 * returns how long it took in ms (-1: none within 20 s). */
static int64_t code_arrives_ms(const char *phone)
{
    char before[8], now[8];
    struct http_resp r;
    char body[96];
    int64_t t0;

    it_sql_exec("DELETE FROM sms_codes WHERE phone = ? OR client_ip = '127.0.0.1'",
                (struct db_param[]){P_STR(phone)}, 1);
    it_last_sms_code(phone, before);
    snprintf(body, sizeof(body), "{\"phone\":\"%s\",\"purpose\":\"owner_login\"}", phone);
    t0 = ms_now();
    it_http("POST", "/api/v1/sms/codes", body, (size_t)-1, NULL, &r);
    it_expect(&r, 202, NULL);
    it_resp_free(&r);
    while (ms_now() - t0 < 20000) {
        it_last_sms_code(phone, now);
        if (now[0] && strcmp(now, before) != 0)
            return ms_now() - t0;
        usleep(50 * 1000);
    }
    return -1;
}

static void get_job(int64_t id, const char *token, struct http_resp *r)
{
    char path[96];

    snprintf(path, sizeof(path), "/api/v1/office/jobs/%lld", (long long)id);
    it_http("GET", path, NULL, 0, token, r);
}

static void big_import_is_a_job(void **state)
{
    const char *env = getenv("WUYE_TEST_IMPORT_ROWS");
    int rows = env ? atoi(env) : 6000;
    struct buf csv = BUF_INIT;
    struct http_resp r;
    char path[96];
    int64_t id, last_done = 0, t0, code_ms = -1, bad = rows / 1000;
    bool saw_progress = false, saw_errors_early = false;
    const char *status = "";

    (void)state;
    buf_puts(&csv, "楼栋,单元,房号,类型,建筑面积\n");
    /* every 1,000th row has a bad area: a row error in the job's record */
    for (int i = 0; i < rows; i++)
        buf_printf(&csv, "%d栋,1单元,%d,住宅,%s\n", i / 500 + 1, i % 500 + 101,
                   i % 1000 == 999 ? "88.5x" : "88.50");
    snprintf(path, sizeof(path), "/api/v1/office/projects/%lld/import", (long long)project);
    it_http_typed("POST", path, csv.data, csv.len, "text/csv; charset=utf-8", admin, &r, NULL, 0);
    buf_free(&csv);
    it_expect(&r, 202, NULL);
    id = it_int(it_field(r.json, "job"), "id");
    assert_string_equal(it_str(it_field(r.json, "job"), "kind"), "import");
    /* queued, or already claimed by the jobs process between the commit
     * and the answer's read of the job */
    status = it_str(it_field(r.json, "job"), "status");
    if (strcmp(status, "queued") != 0 && strcmp(status, "running") != 0)
        fail_msg("a new job is %s", status);
    status = "";
    it_resp_free(&r);

    /* Not the butler's to see (neither its starter nor an admin), and not
     * an owner's. */
    get_job(id, butler, &r);
    it_expect(&r, 404, "NOT_FOUND");
    it_resp_free(&r);

    t0 = ms_now();
    while (ms_now() - t0 < 600000) {
        cJSON *job;

        get_job(id, admin, &r);
        it_expect(&r, 200, NULL);
        job = it_field(r.json, "job");
        status = it_str(job, "status");
        if (strcmp(status, "running") == 0 && it_int(job, "done") > 0) {
            if (last_done && it_int(job, "done") > last_done)
                saw_progress = true;
            last_done = it_int(job, "done");
            assert_int_equal(it_int(job, "total"), rows);
            /* the errors so far, while it runs */
            if (cJSON_GetArraySize(it_field(job, "errors")) > 0)
                saw_errors_early = true;
            /* While the import runs, a login code still goes out at once. */
            if (code_ms < 0)
                code_ms = code_arrives_ms("13800000002");
        }
        if (strcmp(status, "done") == 0 || strcmp(status, "failed") == 0) {
            status = strcmp(status, "done") == 0 ? "done" : "failed";
            assert_string_equal(status, "done");
            assert_int_equal(it_int(it_field(job, "result"), "rows_ok"), rows - bad);
            assert_int_equal(it_int(it_field(job, "result"), "rows_failed"), bad);
            assert_int_equal(it_int(it_field(job, "result"), "created_resources"), rows - bad);
            assert_int_equal(it_int(job, "done"), rows);
            assert_int_equal(cJSON_GetArraySize(it_field(job, "errors")), bad);
            assert_int_equal(it_int(cJSON_GetArrayItem(it_field(job, "errors"), 0), "line"), 1001);
            it_resp_free(&r);
            break;
        }
        it_resp_free(&r);
        usleep(200 * 1000);
    }
    print_message("import of %d rows: progress seen %d, errors seen while running %d, a login "
                  "code took %lld ms meanwhile\n",
                  rows, saw_progress, saw_errors_early, (long long)code_ms);
    assert_string_equal(status, "done");
    assert_true(saw_progress);
    assert_true(saw_errors_early);
    assert_true(code_ms >= 0 && code_ms < 5000);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM resources WHERE project_id = ?",
                                (struct db_param[]){P_INT(project)}, 1),
                     rows - bad);
    /* the input is not kept once the job has ended */
    assert_int_equal(it_sql_int("SELECT input IS NULL FROM jobs WHERE id = ?",
                                (struct db_param[]){P_INT(id)}, 1),
                     1);
}

static void two_masters_run_each_job_once(void **state)
{
    int64_t before, slots, runs, sms;
    char code_before[8];
    struct http_resp r;

    (void)state;
    it_sql_exec("DELETE FROM job_runs WHERE name = 'cleanup'", NULL, 0);
    it_sql_exec("UPDATE job_schedule SET every_s = 1 WHERE name = 'cleanup'", NULL, 0);
    ctl("second-start");
    before = it_sql_int("SELECT UNIX_TIMESTAMP(UTC_TIMESTAMP())", NULL, 0);
    sleep(6);
    runs = it_sql_int("SELECT COUNT(*) FROM job_runs WHERE name = 'cleanup'", NULL, 0);
    slots = it_sql_int("SELECT COUNT(DISTINCT slot) FROM job_runs WHERE name = 'cleanup'", NULL, 0);
    print_message(
        "cleanup every second for 6 s on two masters: %lld runs, %lld slots, %lld hosts\n",
        (long long)runs, (long long)slots,
        (long long)it_sql_int("SELECT COUNT(DISTINCT host) FROM job_runs WHERE "
                              "name = 'cleanup'",
                              NULL, 0));
    assert_int_equal(runs, slots);
    assert_true(runs >= 3 && runs <= 8);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM job_runs WHERE name = 'cleanup' AND "
                                "UNIX_TIMESTAMP(slot) < ?",
                                (struct db_param[]){P_INT(before - 1)}, 1),
                     0);

    /* The sender runs on one host only: one code, one SMS. */
    it_sql_exec("DELETE FROM sms_codes WHERE phone = '13800000001' OR client_ip = '127.0.0.1'",
                NULL, 0);
    it_last_sms_code("13800000001", code_before);
    sms = it_sql_int("SELECT COUNT(*) FROM outbox WHERE recipient = '+8613800000001' AND "
                     "status = 'sent'",
                     NULL, 0);
    it_http("POST", "/api/v1/sms/codes", "{\"phone\":\"13800000001\",\"purpose\":\"owner_login\"}",
            (size_t)-1, NULL, &r);
    it_expect(&r, 202, NULL);
    it_resp_free(&r);
    for (int i = 0; i < 200; i++) {
        char now[8];
        it_last_sms_code("13800000001", now);
        if (now[0] && strcmp(now, code_before) != 0)
            break;
        usleep(50 * 1000);
    }
    sleep(2); /* room for a second, wrong send */
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM outbox WHERE recipient = '+8613800000001' "
                                "AND status = 'sent'",
                                NULL, 0),
                     sms + 1);
    assert_int_equal(it_sql_int("SELECT MAX(attempts) FROM outbox WHERE recipient = "
                                "'+8613800000001' AND status = 'sent'",
                                NULL, 0),
                     1);

    ctl("second-stop");
    it_sql_exec("UPDATE job_schedule SET every_s = 3600 WHERE name = 'cleanup'", NULL, 0);
}

/* outbox_queue(): one message per cause. The same key queued twice in
 * one transaction, and again in a later one (a retried transaction, a
 * rerun job), is one row — and a row in a rolled-back transaction is none. */
static int queue_twice(struct db *db, void *arg, struct err *e)
{
    const struct outbox_msg *m = arg;

    return outbox_queue(db, m, e) < 0 || outbox_queue(db, m, e) < 0 ? -1 : 0;
}

static int queue_then_fail(struct db *db, void *arg, struct err *e)
{
    if (outbox_queue(db, arg, e) < 0)
        return -1;
    return err_set(e, E_BAD_REQUEST);
}

static void outbox_queues_once_per_key(void **state)
{
    static const char *const params[] = {"甲", "x\"y"};
    struct outbox_msg m = {.channel = OUTBOX_WECHAT,
                           .dedup_key = "test_jobs:dedup",
                           .recipient = "openid-nobody",
                           .template_id = "tpl",
                           .params = params,
                           .nparams = 2};
    struct outbox_msg gone = m;
    struct err e;

    (void)state;
    it_sql_exec("DELETE FROM outbox WHERE dedup_key LIKE 'test_jobs:%'", NULL, 0);
    err_clear(&e);
    assert_int_equal(db_tx(it_db(), queue_twice, &m, &e), 0);
    assert_int_equal(db_tx(it_db(), queue_twice, &m, &e), 0);
    assert_int_equal(
        it_sql_int("SELECT COUNT(*) FROM outbox WHERE dedup_key = 'test_jobs:dedup'", NULL, 0), 1);
    /* the parameters are a JSON array built by cJSON: the quote survives */
    assert_int_equal(it_sql_int("SELECT JSON_VALUE(params, '$[1]') = 'x\"y' FROM outbox WHERE "
                                "dedup_key = 'test_jobs:dedup'",
                                NULL, 0),
                     1);
    gone.dedup_key = "test_jobs:rolled_back";
    assert_int_equal(db_tx(it_db(), queue_then_fail, &gone, &e), -1);
    assert_int_equal(it_sql_int("SELECT COUNT(*) FROM outbox WHERE dedup_key = "
                                "'test_jobs:rolled_back'",
                                NULL, 0),
                     0);
    it_sql_exec("DELETE FROM outbox WHERE dedup_key LIKE 'test_jobs:%'", NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(big_import_is_a_job), cmocka_unit_test(two_masters_run_each_job_once),
        cmocka_unit_test(outbox_queues_once_per_key),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
