/*
 * hex.h — hexadecimal text for bytes: the digests and HMACs that the outside
 * protocols print as hex (TC3 signatures, SHA-256 of bodies, nonces).
 *
 * Not for: anything that needs a length-prefixed or separated format. The
 * caller owns every buffer; nothing here allocates.
 */
#ifndef WUYE_HEX_H
#define WUYE_HEX_H

#include <stddef.h>

/* Size of the text for n bytes, including the terminating NUL. */
#define HEX_SIZE(n) ((n)*2 + 1)

/* Write len bytes as lowercase hex into out (HEX_SIZE(len) bytes), NUL-terminated. */
void hex_encode(const void *data, size_t len, char *out);

/* As hex_encode, in uppercase (WeChat Pay serial numbers and our nonces). */
void hex_encode_upper(const void *data, size_t len, char *out);

/* Decode len hex digits (either case, no separators) into out (cap bytes);
 * returns the number of bytes written, or -1 for an odd length, a non-hex
 * character or an out buffer that is too small. */
long hex_decode(const char *s, size_t len, unsigned char *out, size_t cap);

/* The value of one hex digit (either case), or -1. */
int hex_digit(char c);

#endif
