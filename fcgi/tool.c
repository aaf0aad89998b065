/*
 * tool.c — `wuye`, the operator's command-line tool.
 *
 *   wuye -c wuye.conf migrate [sql-dir]       apply pending migrations
 *   wuye -c wuye.conf demo-load [sql-dir]     load the demo company (empty db only)
 *   wuye -c wuye.conf demo --rooms N --months M
 *                                             generate a large company for benchmarks
 *   wuye -c wuye.conf import PROJECT_ID FILE.csv   resources and people (RES-5)
 *   wuye -c wuye.conf export PROJECT_ID       the same CSV to stdout
 *   wuye hash-password                        argon2id of a password read from stdin
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "demo.h"
#include "resources_import.h"
#include "db/migrate.h"

static int usage(void)
{
    fprintf(stderr, "usage: wuye -c wuye.conf migrate|demo-load|demo|import|export ...\n"
                    "       wuye hash-password < password\n");
    return 2;
}

static int hash_password(void)
{
    char pw[256], out[256];
    size_t n;

    if (!fgets(pw, sizeof(pw), stdin))
        return 1;
    n = strlen(pw);
    while (n && (pw[n - 1] == '\n' || pw[n - 1] == '\r'))
        pw[--n] = '\0';
    if (n < 8) {
        fprintf(stderr, "password too short (at least 8 characters)\n");
        return 1;
    }
    if (auth_password_hash(pw, out, sizeof(out)) < 0)
        return 1;
    printf("%s\n", out);
    return 0;
}

DB_SQL(sql_projects, "SELECT COUNT(*) FROM projects");
DB_SQL(sql_demo_passwords, "UPDATE staff SET password_hash = ? WHERE password_hash = ''");

static int demo_load(const struct config *cfg, const char *dir, struct err *e)
{
    struct db *db = db_thread();
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

int main(int argc, char **argv)
{
    struct config cfg;
    struct err e;
    const char *cmd;
    int rc = 1;

    if (argc >= 2 && strcmp(argv[1], "hash-password") == 0)
        return hash_password();
    if (argc < 4 || strcmp(argv[1], "-c") != 0)
        return usage();
    err_clear(&e);
    if (config_load(&cfg, argv[2], &e) < 0) {
        fprintf(stderr, "wuye: %s\n", e.message);
        return 1;
    }
    log_set_level(LOG_WARN);
    db_configure(&cfg);
    cmd = argv[3];
    if (strcmp(cmd, "migrate") == 0) {
        int applied;
        rc = migrate_apply(&cfg, argc > 4 ? argv[4] : "sql", &applied, &e);
        if (rc == 0)
            printf("migrate: %d migration(s) applied\n", applied);
    } else if (strcmp(cmd, "demo-load") == 0) {
        rc = demo_load(&cfg, argc > 4 ? argv[4] : "sql", &e);
    } else if (strcmp(cmd, "demo") == 0) {
        long rooms = 0, months = 0;
        for (int i = 4; i + 1 < argc; i += 2) {
            if (strcmp(argv[i], "--rooms") == 0)
                rooms = strtol(argv[i + 1], NULL, 10);
            else if (strcmp(argv[i], "--months") == 0)
                months = strtol(argv[i + 1], NULL, 10);
        }
        if (rooms < 1 || rooms > 10000000 || months < 0 || months > 240) {
            rc = usage();
            goto out;
        }
        rc = demo_generate(db_thread(), rooms, months, &e);
    } else if (strcmp(cmd, "import") == 0 && argc == 6) {
        struct import_report rep;
        rc = import_csv_file(db_thread(), strtoll(argv[4], NULL, 10), argv[5], &rep, &e);
        if (rc == 0)
            import_report_print(&rep, stdout);
        import_report_free(&rep);
    } else if (strcmp(cmd, "export") == 0 && argc == 5) {
        rc = export_csv_file(db_thread(), strtoll(argv[4], NULL, 10), stdout, &e);
    } else {
        rc = usage();
        goto out;
    }
    if (rc < 0)
        fprintf(stderr, "wuye %s: %s (%s)\n", cmd, e.message, err_name(e.code));
    rc = rc < 0 ? 1 : 0;
out:
    db_thread_close();
    config_free(&cfg);
    return rc;
}
