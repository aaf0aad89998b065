/* util.c — see util.h. */
#include "core/util.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"

void util_random(void *out, size_t n)
{
    if (RAND_bytes(out, (int)n) != 1)
        abort(); /* no entropy: never hand out guessable tokens */
}

uint32_t util_random_below(uint32_t bound)
{
    /* Rejection sampling: no modulo bias. */
    uint32_t limit = UINT32_MAX - UINT32_MAX % bound, v;

    do
        util_random(&v, sizeof(v));
    while (v >= limit);
    return v % bound;
}

void util_sha256(const void *data, size_t n, unsigned char out[32])
{
    unsigned int len = 32;

    if (EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) != 1)
        abort();
}

bool util_ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

bool util_phone_valid(const char *s)
{
    if (!s || strlen(s) != 11 || s[0] != '1')
        return false;
    for (int i = 0; i < 11; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

void util_phone_mask(const char *phone, char out[12])
{
    if (!util_phone_valid(phone)) {
        snprintf(out, 12, "***");
        return;
    }
    snprintf(out, 12, "%.3s****%.4s", phone, phone + 7);
}

void util_time_rfc3339(time_t t, char out[26])
{
    struct tm tm;
    time_t local = t + 8 * 3600; /* China has no daylight saving time */

    gmtime_r(&local, &tm);
    if (strftime(out, 26, "%Y-%m-%dT%H:%M:%S+08:00", &tm) == 0)
        out[0] = '\0';
}

static int two_digits(const char *s, int max); /* below, with util_rfc3339_parse() */

static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* By hand, not strptime/timegm/strftime: a list of 50 tickets converts 100
 * times, and glibc's path was a good part of the workers' time. China has
 * no daylight saving time: +8 hours, carried into the next day. */
int util_db_time_to_rfc3339(const char *db_utc, char out[26])
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec, last;

    out[0] = '\0';
    if (!db_utc || strlen(db_utc) != 19 || db_utc[4] != '-' || db_utc[7] != '-' ||
        db_utc[10] != ' ' || db_utc[13] != ':' || db_utc[16] != ':')
        return -1;
    y = two_digits(db_utc, 99);
    y = y < 0 || two_digits(db_utc + 2, 99) < 0 ? -1 : y * 100 + two_digits(db_utc + 2, 99);
    mo = two_digits(db_utc + 5, 12);
    d = two_digits(db_utc + 8, 31);
    h = two_digits(db_utc + 11, 23);
    mi = two_digits(db_utc + 14, 59);
    sec = two_digits(db_utc + 17, 59);
    if (y < 0 || mo < 1 || d < 1 || h < 0 || mi < 0 || sec < 0)
        return -1;
    last = mdays[mo - 1] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    if (d > last)
        return -1;
    h += 8;
    if (h >= 24) {
        h -= 24;
        if (++d > last) {
            d = 1;
            if (++mo > 12) {
                mo = 1;
                y++;
            }
        }
    }
    if (y > 9999)
        return -1;
    put2(out, y / 100);
    put2(out + 2, y % 100);
    out[4] = '-';
    put2(out + 5, mo);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 'T';
    put2(out + 11, h);
    out[13] = ':';
    put2(out + 14, mi);
    out[16] = ':';
    put2(out + 17, sec);
    memcpy(out + 19, "+08:00", 7);
    return 0;
}

int64_t util_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool util_date_valid(const char *s)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, max;

    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    y = atoi(s);
    m = atoi(s + 5);
    d = atoi(s + 8);
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
        return false;
    max = days[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return d <= max;
}

/* Two digits at s, within [0, max]; -1 otherwise. */
static int two_digits(const char *s, int max)
{
    int v;

    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    v = (s[0] - '0') * 10 + (s[1] - '0');
    return v <= max ? v : -1;
}

int util_rfc3339_parse(const char *s, size_t n, time_t *out)
{
    int32_t days;
    int h, mi, sec, oh = 0, om = 0, sign = 0;
    size_t i = 19;

    if (n < 20 || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
        return -1;
    if (money_date_parse(s, 10, &days) < 0)
        return -1;
    h = two_digits(s + 11, 23);
    mi = two_digits(s + 14, 59);
    sec = two_digits(s + 17, 60); /* a leap second counts as the next one */
    if (h < 0 || mi < 0 || sec < 0)
        return -1;
    if (s[i] == '.') {
        size_t digits = 0;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
        if (!digits)
            return -1;
    }
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 <= n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        sign = s[i] == '+' ? 1 : -1;
        oh = two_digits(s + i + 1, 23);
        om = two_digits(s + i + 4, 59);
        if (oh < 0 || om < 0)
            return -1;
        i += 6;
    } else {
        return -1;
    }
    if (i != n)
        return -1;
    *out = (time_t)days * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
    return 0;
}

int util_index_of(const char *s, const char *const *set)
{
    for (int i = 0; s && set[i]; i++)
        if (strcmp(s, set[i]) == 0)
            return i;
    return -1;
}
