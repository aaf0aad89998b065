/* demo.c — see demo.h. */
#include "demo.h"

#include <stdio.h>
#include <stdlib.h>

#include "auth.h"
#include "billrun.h"
#include "bills.h"
#include "db/migrate.h"
#include "tickets.h"

#define ROOMS_PER_PROJECT 5000
#define ROOMS_PER_BUILDING 200

/* The generated company's property fee: 2.35 yuan/m² a month from 2020
 * (made once: `demo-bills` and the bench may find it made). */
DB_SQL(sql_bench_item, "INSERT IGNORE INTO fee_items (project_id, code, name, cycle, method, "
                       "late_fee_daily_bp, late_fee_grace_days) "
                       "VALUES (?, 'WYF', '物业费', 'monthly', 'building_area', 5, 30)");
DB_SQL(sql_bench_item_id, "SELECT id FROM fee_items WHERE project_id = ? AND code = 'WYF'");
DB_SQL(sql_bench_rate, "INSERT INTO fee_rates (fee_item_id, rate, valid_from) "
                       "SELECT ?, 2350000, '2020-01-01' FROM DUAL WHERE NOT EXISTS "
                       "(SELECT 1 FROM fee_rates WHERE fee_item_id = ?)");
DB_SQL(sql_bench_projects, "SELECT id FROM projects WHERE code LIKE 'BENCH-%' ORDER BY id");

/* The months that end with this one (China's calendar). */
static int32_t this_month(void)
{
    return billrun_month_of(bills_today());
}

/* `months` of property-fee bills for a generated project, ending with this
 * month, all unpaid: its fee item, then a bill run (lib/billrun.c, the
 * bulk path, a batch per transaction). */
static int demo_generate_bills(struct db *db, int64_t project_id, long months, int64_t *created,
                               struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    int64_t item, n = 0;
    int rc = -1;

    *created = 0;
    if (months <= 0)
        return 0;
    if (db_exec(db, &sql_bench_item, DB_ARGS(P_INT(project_id)), NULL, e) < 0 ||
        db_one(db, &a, &sql_bench_item_id, DB_ARGS(P_INT(project_id)), &r, e) <= 0)
        goto out;
    item = db_int(&r, 0, 0);
    if (db_exec(db, &sql_bench_rate, DB_ARGS(P_INT(item), P_INT(item)), NULL, e) < 0 ||
        billrun_generate(db, project_id, &item, 1, this_month() - (int32_t)months + 1, this_month(),
                         &n, e) < 0)
        goto out;
    *created = n;
    rc = 0;
out:
    arena_free(&a);
    return rc;
}

int demo_generate_more_bills(struct db *db, long months, struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    int64_t bills = 0;
    int rc = -1;

    if (db_query(db, &a, &sql_bench_projects, DB_NOARGS, &r, e) < 0)
        goto out;
    for (size_t i = 0; i < r.nrows; i++) {
        int64_t n;
        if (demo_generate_bills(db, db_int(&r, i, 0), months, &n, e) < 0)
            goto out;
        bills += n;
    }
    printf("demo-bills: %lld unpaid property-fee bills for %zu projects, %ld months ending with "
           "this one\n",
           (long long)bills, r.nrows, months);
    rc = 0;
out:
    arena_free(&a);
    return rc;
}

DB_SQL(sql_project, "INSERT INTO projects (code, name, address) VALUES (?, ?, '压测路')");
DB_SQL(sql_buildings, "INSERT INTO buildings (project_id, name, floors, business_type_id) "
                      "SELECT ?, CONCAT(seq, '栋'), 20, 1 FROM seq_1_to_1000 WHERE seq <= ?");
DB_SQL(sql_units, "INSERT INTO units (building_id, name) SELECT b.id, CONCAT(s.seq, '单元') "
                  "FROM buildings b JOIN seq_1_to_2 s WHERE b.project_id = ?");
/* Homes: within a unit, seq 1..100 → floor (seq-1)/5+1, door (seq-1)%5+1. */
DB_SQL(sql_homes,
       "INSERT INTO resources (project_id, building_id, unit_id, code, number, kind, "
       "floor, area_m2x100, inner_area_m2x100, layout, decoration) "
       "SELECT b.project_id, b.id, u.id, "
       "  CONCAT(b.id, '-', u.id, '-', (s.seq - 1) DIV 5 + 1, '0', (s.seq - 1) MOD 5 + 1),"
       "  CONCAT((s.seq - 1) DIV 5 + 1, '0', (s.seq - 1) MOD 5 + 1), 'home',"
       "  (s.seq - 1) DIV 5 + 1, 8000 + (s.seq MOD 5) * 1250, 6500 + (s.seq MOD 5) * 1000,"
       "  '三室两厅', '精装' "
       "FROM buildings b JOIN units u ON u.building_id = b.id JOIN seq_1_to_100 s "
       "WHERE b.project_id = ? ORDER BY b.id, u.id, s.seq LIMIT ?");
DB_SQL(sql_owners, "INSERT INTO persons (name, phone) SELECT CONCAT('业主', r.id), "
                   "CONCAT('15', LPAD(r.id, 9, '0')) FROM resources r WHERE r.project_id = ?");
DB_SQL(sql_links, "INSERT INTO person_resources (person_id, resource_id, relation, moved_in_on) "
                  "SELECT pe.id, r.id, 'owner', '2020-01-01' FROM resources r "
                  "JOIN persons pe ON pe.phone = CONCAT('15', LPAD(r.id, 9, '0')) "
                  "WHERE r.project_id = ?");
DB_SQL(sql_staff_projects, "INSERT INTO staff_projects (staff_id, project_id) "
                           "SELECT id, ? FROM staff WHERE phone LIKE '1391000000_'");
DB_SQL(sql_existing, "SELECT COUNT(*) FROM projects WHERE code LIKE 'BENCH-%'");
DB_SQL(sql_butler, "INSERT IGNORE INTO staff (name, phone, password_hash, roles) VALUES "
                   "('压测管家', '13910000001', ?, 'butler')");

static int one_project(struct db *db, long index, long rooms, int64_t *pid, struct err *e)
{
    char code[32], name[64];
    long buildings = (rooms + ROOMS_PER_BUILDING - 1) / ROOMS_PER_BUILDING;

    snprintf(code, sizeof(code), "BENCH-%ld", index);
    snprintf(name, sizeof(name), "压测小区%ld", index);
    if (db_insert(db, &sql_project, DB_ARGS(P_STR(code), P_STR(name)), pid, e) < 0 ||
        db_exec(db, &sql_buildings, DB_ARGS(P_INT(*pid), P_INT(buildings)), NULL, e) < 0 ||
        db_exec(db, &sql_units, DB_ARGS(P_INT(*pid)), NULL, e) < 0 ||
        db_exec(db, &sql_homes, DB_ARGS(P_INT(*pid), P_INT(rooms)), NULL, e) < 0 ||
        db_exec(db, &sql_owners, DB_ARGS(P_INT(*pid)), NULL, e) < 0 ||
        db_exec(db, &sql_links, DB_ARGS(P_INT(*pid)), NULL, e) < 0 ||
        db_exec(db, &sql_staff_projects, DB_ARGS(P_INT(*pid)), NULL, e) < 0)
        return -1;
    return 0;
}

struct gen {
    long rooms;
    const char *hash;
    int64_t *pids; /* the projects made */
    long npids;
};

/* All of it in one transaction: a failure leaves nothing half made. */
static int generate_tx(struct db *db, void *arg, struct err *e)
{
    struct gen *g = arg;
    struct arena a = {0};
    struct db_res r;
    long projects = (g->rooms + ROOMS_PER_PROJECT - 1) / ROOMS_PER_PROJECT, done = 0;
    int64_t existing;

    if (db_query(db, &a, &sql_existing, DB_NOARGS, &r, e) < 0) {
        arena_free(&a);
        return -1;
    }
    existing = db_int(&r, 0, 0);
    arena_free(&a);
    if (existing > 0)
        return err_setf(e, E_DEMO_EXISTS, "压测数据已存在（%lld 个项目）", (long long)existing);
    if (db_exec(db, &sql_butler, DB_ARGS(P_STR(g->hash)), NULL, e) < 0)
        return -1;
    g->npids = 0;
    for (long i = 1; i <= projects; i++) {
        long n = g->rooms - done > ROOMS_PER_PROJECT ? ROOMS_PER_PROJECT : g->rooms - done;
        if (one_project(db, i, n, &g->pids[g->npids], e) < 0)
            return -1;
        g->npids++;
        done += n;
    }
    return 0;
}

int demo_generate(struct db *db, long rooms, long months, struct err *e)
{
    char hash[256];
    long projects = (rooms + ROOMS_PER_PROJECT - 1) / ROOMS_PER_PROJECT;
    struct gen g = {rooms, hash, calloc((size_t)projects, sizeof(int64_t)), 0};
    int64_t bills = 0;
    int rc = -1;

    if (!g.pids)
        return err_internal(e);
    if (auth_password_hash("demo1234", hash, sizeof(hash)) < 0) {
        err_internal(e);
        goto out;
    }
    if (db_tx(db, generate_tx, &g, e) < 0)
        goto out;
    printf("demo: %ld projects, %ld homes, %ld owners; butler 13910000001 (demo1234)\n", projects,
           rooms, rooms);
    /* The bills after the estate, a batch per transaction: 3.6 million
     * bills are no single transaction's work. */
    for (long i = 0; i < g.npids; i++) {
        int64_t n;
        if (demo_generate_bills(db, g.pids[i], months, &n, e) < 0)
            goto out;
        bills += n;
    }
    if (months > 0)
        printf("demo: %lld unpaid property-fee bills, %ld months ending with this one\n",
               (long long)bills, months);
    rc = 0;
out:
    free(g.pids);
    return rc;
}

DB_SQL(sql_projects, "SELECT COUNT(*) FROM projects");

/* 示范小区's bills: six months of property fee (and parking) ending with
 * this month, made by a bill run; the first month of 13800000002's home
 * (resource 5) paid in cash at the desk by the office (staff 9). */
#define DEMO_MONTHS 6
#define DEMO_PAID_RESOURCE 5
#define DEMO_CASHIER 9

static int demo_bills(struct db *db, struct err *e)
{
    static const int64_t items[] = {1, 2}; /* WYF, TCF of sql/demo.sql */
    struct arena a = {0};
    struct principal who;
    struct bill_page page;
    struct collect_out paid;
    int64_t created;
    int rc = -1;

    if (billrun_generate(db, 1, items, 2, this_month() - DEMO_MONTHS + 1, this_month(), &created,
                         e) < 0 ||
        auth_staff_principal(db, &a, DEMO_CASHIER, &who, e) < 0 ||
        bills_for_resource(db, &a, &who, DEMO_PAID_RESOURCE, BILLS_UNPAID, 0, 100, &page, e) < 0)
        goto out;
    if (page.n > 0 && bills_collect(db, &a, &who,
                                    &(struct collect_in){.resource_id = DEMO_PAID_RESOURCE,
                                                         .bill_ids = &page.items[0].id,
                                                         .nbills = 1,
                                                         .method = PAY_CASH,
                                                         .amount_fen = page.items[0].due_fen,
                                                         .payer_name = "李娜"},
                                    &paid, e) < 0)
        goto out;
    printf("demo-load: %lld bills of %d months, one paid at the desk (receipt %s)\n",
           (long long)created, DEMO_MONTHS, page.n > 0 ? paid.receipt_no : "-");
    rc = 0;
out:
    arena_free(&a);
    return rc;
}
DB_SQL(sql_demo_passwords, "UPDATE staff SET password_hash = ? WHERE password_hash = ''");

int demo_load(struct db *db, const struct config *cfg, const char *dir, struct err *e)
{
    struct arena a = {0};
    struct db_res r;
    char path[1024], hash[256];
    int64_t n;

    if (db_query(db, &a, &sql_projects, DB_NOARGS, &r, e) < 0) {
        arena_free(&a);
        return -1;
    }
    n = db_int(&r, 0, 0);
    arena_free(&a);
    if (n > 0) {
        printf("demo-load: the database already has projects; nothing loaded\n");
        return 0;
    }
    snprintf(path, sizeof(path), "%s/demo.sql", dir);
    if (migrate_run_file(cfg, path, e) < 0)
        return -1;
    if (auth_password_hash("demo1234", hash, sizeof(hash)) < 0)
        return err_internal(e);
    if (db_exec(db, &sql_demo_passwords, DB_ARGS(P_STR(hash)), NULL, e) < 0 ||
        demo_bills(db, e) < 0)
        return -1;
    printf("demo-load: demo company loaded\n");
    return 0;
}

/* ---- service tickets (TKT-1..3, TKT-7) ---------------------------------------------- */

/* The demo's projects (sql/demo.sql), not a generated company's: its
 * tickets stay out of the knowledge base (the benchmarks do not search it,
 * and indexing 60,000 of them at every start would take minutes). */
int demo_tickets_index(struct db *db, struct err *e)
{
    static const int64_t projects[] = {1, 2};
    int64_t n, total = 0;

    for (size_t i = 0; i < sizeof(projects) / sizeof(projects[0]); i++) {
        if (ticket_kb_index_project(db, projects[i], &n, e) < 0)
            return -1;
        total += n;
    }
    if (total)
        printf("demo-load: %lld closed ticket(s) in the knowledge base\n", (long long)total);
    return 0;
}

/* A technician of the generated company, and tickets for its homes: a
 * ticket per home and round again until there are n, in the states of a
 * working company (six in ten closed; the open ones due a month later, so
 * that none turns overdue while a benchmark runs). The owner of the home
 * reported it. */
DB_SQL(sql_bench_tech, "INSERT IGNORE INTO staff (name, phone, password_hash, roles) VALUES "
                       "('压测师傅', '13910000004', ?, 'technician')");
DB_SQL(sql_bench_tech_projects,
       "INSERT IGNORE INTO staff_projects (staff_id, project_id) SELECT s.id, p.id FROM staff s "
       "JOIN projects p ON p.code LIKE 'BENCH-%' WHERE s.phone = '13910000004'");
DB_SQL(sql_bench_tickets,
       "INSERT INTO tickets (project_id, resource_id, building_id, type, area, description, "
       "status, assignee_id, reporter_kind, reporter_id, response_due_at, complete_due_at, "
       "created_at) "
       "SELECT r.project_id, r.id, r.building_id, "
       "ELT(1 + (r.id + s.seq) MOD 5, 'repair', 'cleaning', 'repair', 'security', 'other'), "
       "'private', CONCAT('压测工单 ', r.code, ' 第', s.seq, '次：厨房水管漏水'), "
       "ELT(1 + (r.id + s.seq) MOD 10, 'closed', 'closed', 'closed', 'closed', 'closed', "
       "'closed', 'submitted', 'accepted', 'dispatched', 'in_progress'), "
       "IF((r.id + s.seq) MOD 10 >= 8, (SELECT id FROM staff WHERE phone = '13910000004'), NULL), "
       "'owner', pr.person_id, UTC_TIMESTAMP() + INTERVAL 30 DAY, "
       "UTC_TIMESTAMP() + INTERVAL 32 DAY, "
       "UTC_TIMESTAMP() - INTERVAL ((r.id * 7 + s.seq * 7919) MOD 525600) MINUTE "
       "FROM seq_1_to_1000 s JOIN projects p ON p.code LIKE 'BENCH-%' "
       "JOIN resources r ON r.project_id = p.id "
       "JOIN person_resources pr ON pr.resource_id = r.id AND pr.relation = 'owner' "
       "WHERE s.seq <= ? LIMIT ?");
DB_SQL(sql_bench_homes, "SELECT COUNT(*) FROM resources r JOIN projects p ON p.id = r.project_id "
                        "AND p.code LIKE 'BENCH-%'");
struct gen_tickets {
    long n;
    const char *hash;
};

static int tickets_tx(struct db *db, void *arg, struct err *e)
{
    struct gen_tickets *g = arg;
    struct arena a = {0};
    struct db_res r;
    int64_t homes;

    if (db_query(db, &a, &sql_bench_homes, DB_NOARGS, &r, e) < 0) {
        arena_free(&a);
        return -1;
    }
    homes = db_int(&r, 0, 0);
    arena_free(&a);
    if (homes == 0)
        return err_setf(e, E_BAD_REQUEST, "no generated company: run demo --rooms first");
    return db_exec(db, &sql_bench_tech, DB_ARGS(P_STR(g->hash)), NULL, e) < 0 ||
                   db_exec(db, &sql_bench_tech_projects, DB_NOARGS, NULL, e) < 0 ||
                   db_exec(db, &sql_bench_tickets,
                           DB_ARGS(P_INT((g->n + homes - 1) / homes), P_INT(g->n)), NULL, e) < 0
               ? -1
               : 0;
}

int demo_generate_tickets(struct db *db, long n, struct err *e)
{
    char hash[256];
    struct gen_tickets g = {n, hash};

    if (auth_password_hash("demo1234", hash, sizeof(hash)) < 0)
        return err_internal(e);
    if (db_tx(db, tickets_tx, &g, e) < 0)
        return -1;
    printf("demo: %ld tickets; technician 13910000004 (demo1234)\n", n);
    return 0;
}
