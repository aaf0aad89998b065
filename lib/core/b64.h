/*
 * b64.h — standard base64 (RFC 4648 §4, with '=' padding) as WeChat Pay uses
 * it for signatures and notification ciphertexts.
 *
 * Decoding is strict because its input comes from the network: no
 * whitespace, no missing or extra padding, no URL-safe alphabet, and the
 * unused bits of the last group must be zero, so that every byte string
 * has exactly one accepted encoding. Not for MIME bodies with line breaks.
 * Both functions append to a caller-owned struct buf.
 */
#ifndef WUYE_B64_H
#define WUYE_B64_H

#include <stddef.h>

#include "core/buf.h"

/* Append the base64 text of len bytes to out (always succeeds). */
void b64_encode(const void *data, size_t len, struct buf *out);

/* Append the bytes encoded by the len characters at s to out; returns 0, or
 * -1 for any malformed input, in which case out is left as it was. */
int b64_decode(const char *s, size_t len, struct buf *out);

#endif
