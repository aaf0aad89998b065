/*
 * tool.c — `wuye`, the operator's command-line tool.
 *
 *   wuye -c wuye.conf migrate [sql-dir]       apply pending migrations
 *   wuye -c wuye.conf demo-load [sql-dir]     load the demo company (empty db only)
 *   wuye -c wuye.conf demo --rooms N --months M [--tickets T]
 *                                             generate a large company for benchmarks
 *   wuye -c wuye.conf demo-bills --months M   M months of bills for it (after the fact)
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
#include "books.h"
#include "demo.h"
#include "resources_import.h"
#include "db/migrate.h"

static int usage(void)
{
    fprintf(
        stderr,
        "usage: wuye -c wuye.conf migrate|demo-load|demo|demo-bills|import|export|check-books ...\n"
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
        rc = demo_load(db_thread(), &cfg, argc > 4 ? argv[4] : "sql", &e);
        if (rc == 0)
            rc = demo_tickets_index(db_thread(), &e);
    } else if (strcmp(cmd, "demo") == 0) {
        long rooms = 0, months = 0, tickets = 0;
        for (int i = 4; i + 1 < argc; i += 2) {
            if (strcmp(argv[i], "--rooms") == 0)
                rooms = strtol(argv[i + 1], NULL, 10);
            else if (strcmp(argv[i], "--months") == 0)
                months = strtol(argv[i + 1], NULL, 10);
            else if (strcmp(argv[i], "--tickets") == 0)
                tickets = strtol(argv[i + 1], NULL, 10);
        }
        if (rooms < 1 || rooms > 10000000 || months < 0 || months > 240 || tickets < 0 ||
            tickets > 10000000) {
            rc = usage();
            goto out;
        }
        rc = demo_generate(db_thread(), rooms, months, &e);
        if (rc == 0 && tickets > 0)
            rc = demo_generate_tickets(db_thread(), tickets, &e);
    } else if (strcmp(cmd, "demo-bills") == 0 && argc == 6 && strcmp(argv[4], "--months") == 0) {
        long months = strtol(argv[5], NULL, 10);
        if (months < 1 || months > 240) {
            rc = usage();
            goto out;
        }
        rc = demo_generate_more_bills(db_thread(), months, &e);
    } else if (strcmp(cmd, "import") == 0 && argc == 6) {
        struct import_report rep;
        rc = import_csv_file(db_thread(), strtoll(argv[4], NULL, 10), argv[5], &rep, &e);
        if (rc == 0)
            import_report_print(&rep, stdout);
        import_report_free(&rep);
    } else if (strcmp(cmd, "check-books") == 0 && argc == 4) {
        long breaches = 0;
        rc = books_check(db_thread(), stdout, &breaches, &e);
        if (rc == 0 && breaches) {
            printf("check-books: %ld breach(es) of the books' rules\n", breaches);
            rc = 1;
            goto out;
        }
        if (rc == 0)
            printf("check-books: the books balance\n");
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
