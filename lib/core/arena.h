/*
 * arena.h — a bump allocator that a request owns.
 *
 * Everything a handler allocates for one request comes from the request's
 * arena and is released at once when the request ends: no per-field frees,
 * no leaks on error paths. Not thread-safe: one arena, one thread.
 */
#ifndef WUYE_ARENA_H
#define WUYE_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head;
};

void *arena_alloc(struct arena *a, size_t n); /* zeroed, 16-byte aligned */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_reset(struct arena *a); /* keeps the first chunk for reuse */
void arena_free(struct arena *a);

#endif
