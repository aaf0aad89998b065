/*
 * vectors.h — reading the protocol test vectors (tests/vectors, copied
 * from the spec) in unit tests. Paths are relative to the repository root,
 * where the test runner runs, or under $WUYE_VECTORS. Header-only: each
 * unit test is its own program.
 */
#ifndef WUYE_TEST_VECTORS_H
#define WUYE_TEST_VECTORS_H

#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"

static inline void vector_path(const char *name, char *path, size_t size)
{
    const char *dir = getenv("WUYE_VECTORS");

    snprintf(path, size, "%s/%s", dir && *dir ? dir : "tests/vectors", name);
}

/* Read a vector file whole into b; trailing newlines are kept. */
static inline void read_vector(const char *name, struct buf *b)
{
    char path[512];
    char chunk[4096];
    FILE *f;
    size_t n;

    vector_path(name, path, sizeof(path));
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open vector %s", path);
    buf_reset(b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_append(b, chunk, n);
    assert_int_equal(ferror(f), 0);
    fclose(f);
}

/* As read_vector, without the trailing line break that echo added. */
static inline void read_vector_line(const char *name, struct buf *b)
{
    read_vector(name, b);
    while (b->len > 0 && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == '\r'))
        b->data[--b->len] = '\0';
}

#endif
