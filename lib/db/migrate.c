/* migrate.c — see migrate.h. */
#include "db/migrate.h"

#include <dirent.h>
#include <stdbool.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"

static MYSQL *open_multi(const struct config *c, struct err *e)
{
    MYSQL *m = mysql_init(NULL);

    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_options(m, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
    if (!mysql_real_connect(m, c->db_socket[0] ? NULL : c->db_host, c->db_user, c->db_password,
                            c->db_name, (unsigned)c->db_port, c->db_socket[0] ? c->db_socket : NULL,
                            CLIENT_MULTI_STATEMENTS)) {
        err_setf(e, E_DB_UNAVAILABLE, "cannot connect: %s", mysql_error(m));
        mysql_close(m);
        return NULL;
    }
    return m;
}

static int read_file(const char *path, struct buf *b, struct err *e)
{
    FILE *f = fopen(path, "r");
    char chunk[8192];
    size_t n;

    if (!f)
        return err_setf(e, E_IO, "cannot read %s", path);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(b, chunk, n);
    fclose(f);
    return 0;
}

/* Run a script and consume every result; stop at the first error. */
static int run_script(MYSQL *m, const char *path, const struct buf *sql, struct err *e)
{
    int status;

    if (mysql_real_query(m, sql->data, sql->len))
        return err_setf(e, E_SQL, "%s: %s", path, mysql_error(m));
    do {
        MYSQL_RES *res = mysql_store_result(m);
        if (res)
            mysql_free_result(res);
        status = mysql_next_result(m);
        if (status > 0)
            return err_setf(e, E_SQL, "%s: %s", path, mysql_error(m));
    } while (status == 0);
    return 0;
}

int migrate_run_file(const struct config *cfg, const char *path, struct err *e)
{
    struct buf sql = BUF_INIT;
    MYSQL *m = NULL;
    int rc = -1;

    if (read_file(path, &sql, e) < 0)
        goto out;
    m = open_multi(cfg, e);
    if (!m)
        goto out;
    rc = run_script(m, path, &sql, e);
out:
    if (m)
        mysql_close(m);
    buf_free(&sql);
    return rc;
}

static unsigned applied_versions[512];
static size_t n_applied;

static int load_applied(MYSQL *m, struct err *e)
{
    MYSQL_RES *res;
    MYSQL_ROW row;

    n_applied = 0;
    if (mysql_query(m, "SELECT version FROM schema_migrations") || !(res = mysql_store_result(m)))
        return err_setf(e, E_SQL, "%s", mysql_error(m));
    while ((row = mysql_fetch_row(res)) && n_applied < 512)
        applied_versions[n_applied++] = (unsigned)strtoul(row[0], NULL, 10);
    mysql_free_result(res);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int migrate_apply(const struct config *cfg, const char *dir, int *applied, struct err *e)
{
    static const char create[] =
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL,"
        " applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB";
    char *names[512];
    size_t n = 0;
    DIR *d;
    struct dirent *ent;
    MYSQL *m;
    int rc = 0;

    *applied = 0;
    m = open_multi(cfg, e);
    if (!m)
        return -1;
    if (mysql_query(m, create)) {
        rc = err_setf(e, E_SQL, "%s", mysql_error(m));
        goto out;
    }
    d = opendir(dir);
    if (!d) {
        rc = err_setf(e, E_IO, "cannot open %s", dir);
        goto out;
    }
    while ((ent = readdir(d)) && n < 512) {
        size_t len = strlen(ent->d_name);
        if (len > 8 && ent->d_name[0] >= '0' && ent->d_name[0] <= '9' &&
            strcmp(ent->d_name + len - 4, ".sql") == 0)
            names[n++] = strdup(ent->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp);
    if (load_applied(m, e) < 0) {
        rc = -1;
        n_applied = 0;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned version = (unsigned)strtoul(names[i], NULL, 10);
        char path[1024];
        struct buf sql = BUF_INIT;
        bool done = false;

        for (size_t k = 0; k < n_applied; k++)
            done = done || applied_versions[k] == version;
        if (done)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        if (read_file(path, &sql, e) < 0 || run_script(m, path, &sql, e) < 0) {
            rc = -1;
            buf_free(&sql);
            break;
        }
        buf_free(&sql);
        /* The name is one of our file names: a statement of ours, no input. */
        {
            static const char insert[] =
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)";
            MYSQL_STMT *st = mysql_stmt_init(m);
            MYSQL_BIND b[2];
            unsigned long len = strlen(names[i]);
            memset(b, 0, sizeof(b));
            b[0].buffer_type = MYSQL_TYPE_LONG;
            b[0].buffer = &version;
            b[0].is_unsigned = 1;
            b[1].buffer_type = MYSQL_TYPE_STRING;
            b[1].buffer = names[i];
            b[1].buffer_length = len;
            if (!st || mysql_stmt_prepare(st, insert, strlen(insert)) ||
                mysql_stmt_bind_param(st, b) || mysql_stmt_execute(st))
                rc = err_setf(e, E_SQL, "recording %s failed", names[i]);
            if (st)
                mysql_stmt_close(st);
        }
        if (rc == 0) {
            (*applied)++;
            log_info("event=migration_applied name=%s", names[i]);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
out:
    mysql_close(m);
    return rc;
}
