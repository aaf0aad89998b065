/* demo.c — see demo.h. */
#include "demo.h"

#include <stdio.h>

#include "auth.h"

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

static int one_project(struct db *db, long index, long rooms, long months, struct err *e)
{
    char code[32], name[64];
    struct db_res r;
    struct db_param p[4];
    int64_t pid;
    long buildings = (rooms + ROOMS_PER_BUILDING - 1) / ROOMS_PER_BUILDING;

    snprintf(code, sizeof(code), "BENCH-%ld", index);
    snprintf(name, sizeof(name), "压测小区%ld", index);
    p[0] = P_STR(code);
    p[1] = P_STR(name);
    if (db_exec(db, "INSERT INTO projects (code, name, address) VALUES (?, ?, '压测路')", p, 2, &r,
                e) < 0)
        return -1;
    pid = (int64_t)r.insert_id;
    db_res_free(&r);

    p[0] = P_INT(pid);
    p[1] = P_INT(buildings);
    if (db_exec(db,
                "INSERT INTO buildings (project_id, name, floors, business_type_id) "
                "SELECT ?, CONCAT(seq, '栋'), 20, 1 FROM seq_1_to_1000 WHERE seq <= ?",
                p, 2, NULL, e) < 0)
        return -1;
    if (db_exec(db,
                "INSERT INTO units (building_id, name) SELECT b.id, CONCAT(s.seq, '单元') "
                "FROM buildings b JOIN seq_1_to_2 s WHERE b.project_id = ?",
                p, 1, NULL, e) < 0)
        return -1;
    /* Homes: within a unit, seq 1..100 → floor (seq-1)/5+1, door (seq-1)%5+1. */
    p[1] = P_INT(rooms);
    if (db_exec(db,
                "INSERT INTO resources (project_id, building_id, unit_id, code, number, kind, "
                "floor, area_m2x100, inner_area_m2x100, layout, decoration) "
                "SELECT b.project_id, b.id, u.id, "
                "  CONCAT(b.id, '-', u.id, '-', (s.seq - 1) DIV 5 + 1, '0', (s.seq - 1) MOD 5 + 1),"
                "  CONCAT((s.seq - 1) DIV 5 + 1, '0', (s.seq - 1) MOD 5 + 1), 'home',"
                "  (s.seq - 1) DIV 5 + 1, 8000 + (s.seq MOD 5) * 1250, 6500 + (s.seq MOD 5) * 1000,"
                "  '三室两厅', '精装' "
                "FROM buildings b JOIN units u ON u.building_id = b.id JOIN seq_1_to_100 s "
                "WHERE b.project_id = ? ORDER BY b.id, u.id, s.seq LIMIT ?",
                p, 2, NULL, e) < 0)
        return -1;
    if (db_exec(db,
                "INSERT INTO persons (name, phone) SELECT CONCAT('业主', r.id), "
                "CONCAT('15', LPAD(r.id, 9, '0')) FROM resources r WHERE r.project_id = ?",
                p, 1, NULL, e) < 0)
        return -1;
    if (db_exec(db,
                "INSERT INTO person_resources (person_id, resource_id, relation, moved_in_on) "
                "SELECT pe.id, r.id, 'owner', '2020-01-01' FROM resources r "
                "JOIN persons pe ON pe.phone = CONCAT('15', LPAD(r.id, 9, '0')) "
                "WHERE r.project_id = ?",
                p, 1, NULL, e) < 0)
        return -1;
    if (db_exec(db,
                "INSERT INTO staff_projects (staff_id, project_id) "
                "SELECT id, ? FROM staff WHERE phone LIKE '1391000000_'",
                p, 1, NULL, e) < 0)
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
    struct db_param p[1] = {P_STR(g->hash)};
    struct db_res r;
    long projects = (g->rooms + ROOMS_PER_PROJECT - 1) / ROOMS_PER_PROJECT, done = 0;
    int64_t existing;

    if (db_exec(db, "SELECT COUNT(*) FROM projects WHERE code LIKE 'BENCH-%'", NULL, 0, &r, e) < 0)
        return -1;
    existing = db_int(&r, 0, 0);
    db_res_free(&r);
    if (existing > 0)
        return err_set(e, 409, "CONFLICT", "压测数据已存在（%lld 个项目）", (long long)existing);
    if (db_exec(db,
                "INSERT IGNORE INTO staff (name, phone, password_hash, roles) VALUES "
                "('压测管家', '13910000001', ?, 'butler')",
                p, 1, NULL, e) < 0)
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
