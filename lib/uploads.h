/*
 * uploads.h — uploaded files (API.md "Uploads"; sql/011_tickets.sql): the
 * photos of tickets.
 *
 * The content decides the type: upload_sniff() reads the magic bytes
 * (JPEG FF D8 FF, PNG 89 50 4E 47 0D 0A 1A 0A, WebP "RIFF" size "WEBP"),
 * and the Content-Type the client claimed must name that same type — a
 * PHP script called photo.jpg and sent as image/jpeg is refused (415),
 * and so is a PNG sent as image/jpeg. The file is stored under the
 * configured upload_dir, outside any web root, as <aa>/<name>: 128 random
 * bits in hex, never anything the client sent, written to a temporary
 * name and renamed, so a reader never sees half a file. The row comes
 * after the file (a row never names a missing file); a process that dies
 * between the two leaves a file no row names, which harms nobody.
 *
 * Serving: the worker checks access (upload_open()) and answers with
 * X-Accel-Redirect to nginx's internal location for upload_dir, which
 * sends the file with the stored type; nothing else can reach it.
 * Access: the uploader while the upload is attached to nothing; once it
 * is a ticket's photo, whoever may see the ticket (ticket_may_see()).
 */
#ifndef WUYE_UPLOADS_H
#define WUYE_UPLOADS_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"

#define UPLOAD_MAX_BYTES (5L * 1024 * 1024)

enum upload_type { UPLOAD_JPEG, UPLOAD_PNG, UPLOAD_WEBP };

/* "image/jpeg", "image/png", "image/webp". */
const char *upload_type_name(enum upload_type t);
/* The type a Content-Type header names (case-insensitive, parameters
 * after ";" ignored); -1 for any other. */
int upload_type_of_header(const char *content_type, enum upload_type *out);
/* The type the content is, by its magic bytes; -1 for anything else. */
int upload_sniff(const void *data, size_t n, enum upload_type *out);

/* Store data (n bytes, 1..UPLOAD_MAX_BYTES) as the caller's upload in
 * dir: 415 UNSUPPORTED_MEDIA_TYPE when the content is not the JPEG, PNG or
 * WebP the Content-Type claims, 400 for an empty body, 500 when the file
 * cannot be written (nothing is left behind). *id is the new upload. */
int upload_store(struct db *db, const char *dir, const struct principal *who,
                 const char *content_type, const void *data, size_t n, int64_t *id, struct err *e);

/* What nginx is to send: the path under upload_dir ("ab/ab12…") and the
 * stored type. 404 when who may not see it (or it does not exist). */
struct upload_file {
    char path[40];
    const char *content_type;
    int64_t size_bytes;
};
int upload_open(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                struct upload_file *out, struct err *e);

#endif
