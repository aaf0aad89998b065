/*
 * hex.c — hexadecimal encoding; see hex.h.
 *
 * Hand-rolled rather than OPENSSL_buf2hexstr() because that one inserts
 * colons and allocates; ours writes into the caller's buffer.
 */
#include "core/hex.h"

static void encode(const void *data, size_t len, char *out, const char *digits)
{
    const unsigned char *p = data;
    size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

void hex_encode(const void *data, size_t len, char *out)
{
    encode(data, len, out, "0123456789abcdef");
}

void hex_encode_upper(const void *data, size_t len, char *out)
{
    encode(data, len, out, "0123456789ABCDEF");
}

int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long hex_decode(const char *s, size_t len, unsigned char *out, size_t cap)
{
    size_t i;

    if (len % 2 != 0 || len / 2 > cap || len / 2 > (size_t)0x7fffffff)
        return -1;
    for (i = 0; i < len / 2; i++) {
        int hi = hex_digit(s[2 * i]);
        int lo = hex_digit(s[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return (long)(len / 2);
}
