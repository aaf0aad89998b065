/* demo.c — see demo.h. */
#include "demo.h"

#include <stdio.h>

#include "auth.h"
#include "db/migrate.h"
#include "tickets.h"

#define ROOMS_PER_PROJECT 5000
#define ROOMS_PER_BUILDING 200

/* The hook for the fees issue: generate `months` of bills for a project.
 * Until fee items exist there is nothing to bill (demo_generate says so). */
static int demo_generate_bills(struct db *db, int64_t project_id, long months, struct err *e)
{
    (void)db;
    (void)project_id;
    (void)months;
    (void)e;
    return 0;
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

static int one_project(struct db *db, long index, long rooms, long months, struct err *e)
{
    char code[32], name[64];
    int64_t pid;
    long buildings = (rooms + ROOMS_PER_BUILDING - 1) / ROOMS_PER_BUILDING;

    snprintf(code, sizeof(code), "BENCH-%ld", index);
    snprintf(name, sizeof(name), "压测小区%ld", index);
    if (db_insert(db, &sql_project, DB_ARGS(P_STR(code), P_STR(name)), &pid, e) < 0 ||
        db_exec(db, &sql_buildings, DB_ARGS(P_INT(pid), P_INT(buildings)), NULL, e) < 0 ||
        db_exec(db, &sql_units, DB_ARGS(P_INT(pid)), NULL, e) < 0 ||
        db_exec(db, &sql_homes, DB_ARGS(P_INT(pid), P_INT(rooms)), NULL, e) < 0 ||
        db_exec(db, &sql_owners, DB_ARGS(P_INT(pid)), NULL, e) < 0 ||
        db_exec(db, &sql_links, DB_ARGS(P_INT(pid)), NULL, e) < 0 ||
        db_exec(db, &sql_staff_projects, DB_ARGS(P_INT(pid)), NULL, e) < 0)
        return -1;
    return demo_generate_bills(db, pid, months, e);
}

struct gen {
    long rooms, months;
    const char *hash;
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
    for (long i = 1; i <= projects; i++) {
        long n = g->rooms - done > ROOMS_PER_PROJECT ? ROOMS_PER_PROJECT : g->rooms - done;
        if (one_project(db, i, n, g->months, e) < 0)
            return -1;
        done += n;
    }
    return 0;
}

int demo_generate(struct db *db, long rooms, long months, struct err *e)
{
    char hash[256];
    struct gen g = {rooms, months, hash};

    if (auth_password_hash("demo1234", hash, sizeof(hash)) < 0)
        return err_internal(e);
    if (db_tx(db, generate_tx, &g, e) < 0)
        return -1;
    printf("demo: %ld projects, %ld homes, %ld owners; butler 13910000001 (demo1234)\n",
           (rooms + ROOMS_PER_PROJECT - 1) / ROOMS_PER_PROJECT, rooms, rooms);
    if (months > 0)
        printf("demo: no bills for the %ld months yet: fee items come with the fees issue\n",
               months);
    return 0;
}

DB_SQL(sql_projects, "SELECT COUNT(*) FROM projects");
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
    if (db_exec(db, &sql_demo_passwords, DB_ARGS(P_STR(hash)), NULL, e) < 0)
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
