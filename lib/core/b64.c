/*
 * b64.c — base64 encode and strict decode; see b64.h.
 *
 * Hand-rolled: EVP_DecodeBlock() accepts surrounding whitespace, does not
 * tell how much padding it saw (the returned length counts the padding as
 * zero bytes) and ignores non-zero trailing bits — all things a verifier of
 * outside input must not accept silently.
 */
#include "core/b64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void b64_encode(const void *data, size_t len, struct buf *out)
{
    const unsigned char *p = data;
    size_t i;
    char *o;

    buf_reserve(out, (len + 2) / 3 * 4);
    o = out->data + out->len;
    for (i = 0; i + 2 < len; i += 3) {
        unsigned long v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8 | p[i + 2];

        *o++ = alphabet[v >> 18 & 63];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = alphabet[v >> 6 & 63];
        *o++ = alphabet[v & 63];
    }
    if (len - i == 1) {
        unsigned long v = (unsigned long)p[i] << 16;

        *o++ = alphabet[v >> 18 & 63];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (len - i == 2) {
        unsigned long v = (unsigned long)p[i] << 16 | (unsigned long)p[i + 1] << 8;

        *o++ = alphabet[v >> 18 & 63];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = alphabet[v >> 6 & 63];
        *o++ = '=';
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
}

static int value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int b64_decode(const char *s, size_t len, struct buf *out)
{
    size_t start = out->len;
    size_t i;
    size_t pad = 0;
    unsigned char *o;

    if (len % 4 != 0)
        return -1;
    if (len >= 1 && s[len - 1] == '=')
        pad++;
    if (len >= 2 && s[len - 2] == '=')
        pad++;
    buf_reserve(out, len / 4 * 3);
    o = (unsigned char *)out->data + out->len;
    for (i = 0; i < len; i += 4) {
        int v[4];
        int k;
        int n = (i + 4 == len) ? 4 - (int)pad : 4; /* significant characters */
        unsigned long w;

        for (k = 0; k < 4; k++) {
            v[k] = k < n ? value(s[i + k]) : 0;
            if (v[k] < 0)
                goto bad;
        }
        w = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 | (unsigned long)v[2] << 6 |
            (unsigned long)v[3];
        *o++ = (unsigned char)(w >> 16);
        if (n == 4) {
            *o++ = (unsigned char)(w >> 8);
            *o++ = (unsigned char)w;
        } else if (n == 3) {
            if (w & 0xff) /* the unused low bits of the third character */
                goto bad;
            *o++ = (unsigned char)(w >> 8);
        } else if (w & 0xffff) {
            goto bad;
        }
    }
    out->len = (size_t)(o - (unsigned char *)out->data);
    out->data[out->len] = '\0';
    return 0;
bad:
    out->len = start;
    out->data[start] = '\0';
    return -1;
}
