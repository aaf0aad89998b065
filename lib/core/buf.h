/*
 * buf.h — a growable byte buffer (always NUL-terminated for convenience,
 * but the length is the truth: data may contain NUL bytes).
 *
 * Owner: whoever declared the struct; release with buf_free(). An
 * allocation failure aborts: a worker that cannot allocate a few KiB is
 * beyond saving, and the master restarts it.
 */
#ifndef WUYE_BUF_H
#define WUYE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *p, size_t n);
/* Inline so that the length of a literal (the JSON writers' keys and
 * punctuation) is known when compiling, not counted on every call. */
static inline void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_reset(struct buf *b); /* len = 0, keeps memory */
void buf_free(struct buf *b);

#endif
