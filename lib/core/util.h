/*
 * util.h — small helpers with one job each: random bytes, SHA-256, phone
 * numbers (validation and masking for logs and answers), UTC times.
 */
#ifndef WUYE_UTIL_H
#define WUYE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Cryptographically strong random bytes (OpenSSL); aborts if unavailable. */
void util_random(void *out, size_t n);
/* A uniformly random integer in [0, bound). */
uint32_t util_random_below(uint32_t bound);
void util_sha256(const void *data, size_t n, unsigned char out[32]);
/* Constant-time comparison of n bytes. */
bool util_ct_equal(const void *a, const void *b, size_t n);

/* Mainland mobile number: 11 digits starting with 1. */
bool util_phone_valid(const char *s);
/* The index of s in the NULL-terminated set of names; -1 if absent or s is NULL. */
int util_index_of(const char *s, const char *const *set);
/* "138****0001" — for logs and answers; out must hold 12 bytes. */
void util_phone_mask(const char *phone, char out[12]);

/* "YYYY-MM-DD HH:MM:SS" (UTC, as stored) → RFC 3339 in China time
 * "YYYY-MM-DDTHH:MM:SS+08:00"; out must hold 26 bytes. Returns -1 if the
 * input is malformed. */
int util_db_time_to_rfc3339(const char *db_utc, char out[26]);
/* Format t (Unix seconds) as above. */
void util_time_rfc3339(time_t t, char out[26]);
int64_t util_now_us(void);
/* "YYYY-MM-DD" naming a real calendar day (1900..2199). */
bool util_date_valid(const char *s);
/* RFC 3339 (s[0..n)): "2026-12-26T08:00:00+08:00", any offset or "Z",
 * optional fractions of a second (dropped) → Unix seconds. 0, or -1 when
 * it is not one (a bad day or time, no offset, trailing bytes). */
int util_rfc3339_parse(const char *s, size_t n, time_t *out);

#endif
