/* uploads.c — see uploads.h. */
#include "uploads.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/util.h"
#include "ticket_flow.h"

static const char *const type_names[] = {"image/jpeg", "image/png", "image/webp"};

DB_SQL(sql_insert, "INSERT INTO uploads (storage_name, content_type, size_bytes, sha256, "
                   "uploader_kind, uploader_id) VALUES (?, ?, ?, ?, ?, ?)");
DB_SQL(sql_snap, "SELECT JSON_OBJECT('storage_name', storage_name, 'content_type', "
                 "content_type, 'size_bytes', size_bytes, 'sha256', HEX(sha256), "
                 "'uploader_kind', uploader_kind, 'uploader_id', uploader_id, "
                 "'ticket_id', ticket_id) FROM uploads WHERE id = ?");
/* The upload and, once attached, what decides who may see its ticket. */
DB_SQL(sql_open, "SELECT u.storage_name, u.content_type, u.size_bytes, u.uploader_kind = 'owner', "
                 "u.uploader_id, u.ticket_id, t.project_id, t.reporter_kind = 'owner', "
                 "t.reporter_id FROM uploads u LEFT JOIN tickets t ON t.id = u.ticket_id "
                 "WHERE u.id = ?");

const char *upload_type_name(enum upload_type t)
{
    return (unsigned)t <= UPLOAD_WEBP ? type_names[t] : NULL;
}

int upload_type_of_header(const char *content_type, enum upload_type *out)
{
    size_t n;

    if (!content_type)
        return -1;
    n = strcspn(content_type, ";");
    while (n && (content_type[n - 1] == ' ' || content_type[n - 1] == '\t'))
        n--;
    for (int i = 0; i <= UPLOAD_WEBP; i++)
        if (strlen(type_names[i]) == n && strncasecmp(content_type, type_names[i], n) == 0) {
            *out = (enum upload_type)i;
            return 0;
        }
    return -1;
}

int upload_sniff(const void *data, size_t n, enum upload_type *out)
{
    static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF};
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    const unsigned char *p = data;

    if (n >= sizeof(jpeg) && memcmp(p, jpeg, sizeof(jpeg)) == 0) {
        *out = UPLOAD_JPEG;
        return 0;
    }
    if (n >= sizeof(png) && memcmp(p, png, sizeof(png)) == 0) {
        *out = UPLOAD_PNG;
        return 0;
    }
    /* RIFF, four bytes of size, WEBP */
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) {
        *out = UPLOAD_WEBP;
        return 0;
    }
    return -1;
}

/* Write data to dir/<aa>/<name> through a temporary name; the folder
 * and the file readable by nginx's workers (another user), written by us
 * only. 0, or -1 with errno's story logged and nothing left behind. */
static int write_file(const char *dir, const char *name, const void *data, size_t n)
{
    char sub[512], tmp[600], final[600];
    const char *p = data;
    size_t done = 0;
    int fd;

    snprintf(sub, sizeof(sub), "%s/%.2s", dir, name);
    snprintf(final, sizeof(final), "%s/%s", sub, name);
    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", sub, name);
    if (mkdir(sub, 0755) < 0 && errno != EEXIST) {
        log_error("event=upload_write_failed step=mkdir errno=%d", errno);
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        log_error("event=upload_write_failed step=open errno=%d", errno);
        return -1;
    }
    while (done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    /* 0644 whatever the umask: nginx reads it as another user */
    if (done < n || fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
        log_error("event=upload_write_failed step=write errno=%d", errno);
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) < 0 || rename(tmp, final) < 0) {
        log_error("event=upload_write_failed step=rename errno=%d", errno);
        unlink(tmp);
        return -1;
    }
    return 0;
}

struct store_op {
    struct arena a;
    const struct principal *who;
    const char *name, *type;
    const unsigned char *sha256;
    size_t n;
    int64_t id;
};

static int store_tx(struct db *db, void *arg, struct err *e)
{
    struct store_op *op = arg;

    if (db_insert(db, &sql_insert,
                  DB_ARGS(P_STR(op->name), P_STR(op->type), P_INT(op->n),
                          P_STRN((const char *)op->sha256, 32),
                          P_STR(op->who->kind == SUBJECT_OWNER ? "owner" : "staff"),
                          P_INT(op->who->id)),
                  &op->id, e) < 0)
        return -1;
    return audit_change(
        db, &op->a,
        &(struct audit_entry){
            .who = op->who, .action = "upload", .entity = "upload", .entity_id = op->id},
        &sql_snap, e);
}

int upload_store(struct db *db, const char *dir, const struct principal *who,
                 const char *content_type, const void *data, size_t n, int64_t *id, struct err *e)
{
    enum upload_type claimed, actual;
    unsigned char raw[16], sha[32];
    char name[33], path[600];
    struct store_op op = {{0}, who, name, NULL, sha, n, 0};
    int rc;

    if (!dir || !dir[0])
        return err_setf(e, E_INTERNAL, "upload_dir is not configured");
    if (n == 0)
        return err_bad_request(e, "请求内容为空，需要一张图片");
    if (n > (size_t)UPLOAD_MAX_BYTES)
        return err_set(e, E_PAYLOAD_TOO_LARGE);
    if (upload_type_of_header(content_type, &claimed) < 0 || upload_sniff(data, n, &actual) < 0 ||
        claimed != actual)
        return err_set(e, E_UNSUPPORTED_MEDIA_TYPE);
    op.type = type_names[actual];
    util_random(raw, sizeof(raw));
    hex_encode(raw, sizeof(raw), name);
    util_sha256(data, n, sha);
    if (write_file(dir, name, data, n) < 0)
        return err_setf(e, E_INTERNAL, "the upload could not be written");
    rc = db_tx(db, store_tx, &op, e);
    arena_free(&op.a);
    if (rc < 0) {
        snprintf(path, sizeof(path), "%s/%.2s/%s", dir, name, name);
        unlink(path);
        return -1;
    }
    *id = op.id;
    return 0;
}

int upload_open(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                struct upload_file *out, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_open, DB_ARGS(P_INT(id)), &r, e);
    bool visible;

    if (found < 0)
        return -1;
    if (!found)
        return err_not_found(e);
    if (db_is_null(&r, 0, 5)) /* attached to nothing: its uploader's */
        visible =
            (db_int(&r, 0, 3) != 0) == (who->kind == SUBJECT_OWNER) && db_int(&r, 0, 4) == who->id;
    else
        visible = ticket_may_see(who, db_int(&r, 0, 6), db_int(&r, 0, 7) != 0, db_int(&r, 0, 8));
    if (!visible)
        return err_not_found(e);
    snprintf(out->path, sizeof(out->path), "%.2s/%s", db_text(&r, 0, 0), db_text(&r, 0, 0));
    out->content_type = db_text(&r, 0, 1);
    out->size_bytes = db_int(&r, 0, 2);
    return 0;
}
