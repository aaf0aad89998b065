/*
 * money.c — the arithmetic of money.h. Every product is formed exactly in
 * a signed 128-bit integer (two int64 factors need at most 126 bits, so it
 * cannot overflow) and divided once; the only narrowing is the final
 * check into int64 fen. Rounding works on the magnitude and puts the sign
 * back, which is what makes every mode symmetric about zero.
 */
#include "core/money.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

typedef __int128 i128;
typedef unsigned __int128 u128;

/* round(num / den) by mode into *out; den > 0. 0 or -1. */
static int div_round(i128 num, i128 den, enum money_round mode, int64_t *out)
{
    bool neg = num < 0;
    u128 mag = neg ? (u128)0 - (u128)num : (u128)num;
    u128 q, r;

    if (den <= 0)
        return -1;
    q = mag / (u128)den;
    r = mag % (u128)den;
    switch (mode) {
    case MONEY_ROUND_HALF_UP:
        if (r >= (u128)den - r) /* 2r ≥ den, written so that it cannot overflow */
            q++;
        break;
    case MONEY_ROUND_HALF_EVEN:
        if (r > (u128)den - r || (r == (u128)den - r && (q & 1)))
            q++;
        break;
    case MONEY_ROUND_DOWN:
        break;
    case MONEY_ROUND_UP:
        if (r > 0)
            q++;
        break;
    default:
        return -1;
    }
    /* int64 holds magnitudes up to 2^63 − 1, and 2^63 when negative. */
    if (neg ? q > (u128)INT64_MAX + 1 : q > (u128)INT64_MAX)
        return -1;
    *out = neg ? (int64_t)((u128)0 - q) : (int64_t)q;
    return 0;
}

static const char *const round_names[] = {
    [MONEY_ROUND_HALF_UP] = "half_up",
    [MONEY_ROUND_HALF_EVEN] = "half_even",
    [MONEY_ROUND_DOWN] = "down",
    [MONEY_ROUND_UP] = "up",
};
#define NROUND (sizeof(round_names) / sizeof(round_names[0]))

const char *money_round_name(enum money_round mode)
{
    return (unsigned)mode < NROUND ? round_names[mode] : NULL;
}

int money_round_from_name(const char *s, size_t n, enum money_round *mode)
{
    for (size_t i = 0; i < NROUND; i++)
        if (strlen(round_names[i]) == n && memcmp(round_names[i], s, n) == 0) {
            *mode = (enum money_round)i;
            return 0;
        }
    return -1;
}

int money_mul_div(int64_t a, int64_t b, int64_t den, enum money_round mode, int64_t *out)
{
    if (den <= 0)
        return -1;
    return div_round((i128)a * b, den, mode, out);
}

int money_by_area(int64_t area_m2x100, int64_t rate_fen_per_m2x10000, enum money_round mode,
                  int64_t *fen)
{
    return money_mul_div(area_m2x100, rate_fen_per_m2x10000, 1000000, mode, fen);
}

int money_by_usage(int64_t usage, int64_t usage_per_unit, int64_t rate_fen_per_unitx10000,
                   enum money_round mode, int64_t *fen)
{
    if (usage_per_unit < 1 || usage_per_unit > 1000000)
        return -1;
    return money_mul_div(usage, rate_fen_per_unitx10000, usage_per_unit * 10000, mode, fen);
}

int money_per_head(int64_t count, int64_t rate_fen_per_head, int64_t *fen)
{
    int64_t v;

    if (__builtin_mul_overflow(count, rate_fen_per_head, &v))
        return -1;
    *fen = v;
    return 0;
}

int money_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t v;

    if (__builtin_add_overflow(a, b, &v))
        return -1;
    *out = v;
    return 0;
}

int money_sub(int64_t a, int64_t b, int64_t *out)
{
    int64_t v;

    if (__builtin_sub_overflow(a, b, &v))
        return -1;
    *out = v;
    return 0;
}

int money_sum(const int64_t *v, size_t n, int64_t *out)
{
    int64_t s = 0;

    for (size_t i = 0; i < n; i++)
        if (__builtin_add_overflow(s, v[i], &s))
            return -1;
    *out = s;
    return 0;
}

int money_discount_off_bp(int64_t amount_fen, int64_t off_bp, enum money_round mode,
                          int64_t *discount_fen)
{
    /* amount ≥ 0 and off_bp ≤ 10000 keep the rounded discount within
     * [0, amount]: rounding cannot push it past the amount itself. */
    if (amount_fen < 0 || off_bp < 0 || off_bp > 10000)
        return -1;
    return money_mul_div(amount_fen, off_bp, 10000, mode, discount_fen);
}

int money_discount_fixed(int64_t amount_fen, int64_t off_fen, int64_t *discount_fen)
{
    if (amount_fen < 0 || off_fen < 0)
        return -1;
    *discount_fen = off_fen < amount_fen ? off_fen : amount_fen;
    return 0;
}

/* Howard Hinnant's days_from_civil: eras of 400 years from 0000-03-01, so
 * that the leap day is the last day of a shifted year. */
int32_t money_days_from_civil(int32_t year, int32_t month, int32_t day)
{
    int32_t y = year - (month <= 2);
    int32_t era = (y >= 0 ? y : y - 399) / 400;
    int32_t yoe = y - era * 400;                                            /* [0, 399] */
    int32_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1; /* [0, 365] */
    int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                    /* [0, 146096] */

    return era * 146097 + doe - 719468;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int money_date_parse(const char *s, size_t n, int32_t *days)
{
    static const int8_t mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int32_t y = 0, m, d, dim;

    if (n != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !is_digit(s[i]))
            return -1;
    for (size_t i = 0; i < 4; i++)
        y = y * 10 + (s[i] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1900 || y > 2199 || m < 1 || m > 12)
        return -1;
    dim = mdays[m - 1] + (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
    if (d < 1 || d > dim)
        return -1;
    *days = money_days_from_civil(y, m, d);
    return 0;
}

int money_late_fee(int64_t principal_fen, int32_t due_day, int32_t today, int32_t grace_days,
                   int64_t daily_rate_bp, int64_t cap_fen, enum money_round mode,
                   int64_t *late_fee_fen)
{
    int64_t days, fee;
    i128 exact;

    if (principal_fen < 0 || grace_days < 0 || daily_rate_bp < 0 || daily_rate_bp > 10000 ||
        cap_fen < 0 || money_round_name(mode) == NULL)
        return -1;
    /* int64: two int32 days and a grace cannot overflow it. */
    days = (int64_t)today - due_day - grace_days;
    if (days <= 0) {
        *late_fee_fen = 0;
        return 0;
    }
    /* < 2^63 × 2^14 × 2^33 < 2^110: exact in 128 bits. */
    exact = (i128)principal_fen * daily_rate_bp * days;
    /* The cap is applied to the rounded fee, and a fee beyond int64 that
     * a cap brings back into range is the cap, not an overflow. Without a
     * cap such a fee is refused. */
    if (cap_fen != MONEY_NO_CAP_FEN && exact / 10000 >= (i128)cap_fen) {
        *late_fee_fen = cap_fen;
        return 0;
    }
    if (div_round(exact, 10000, mode, &fee) < 0)
        return -1;
    *late_fee_fen = fee < cap_fen ? fee : cap_fen;
    return 0;
}

int money_split_oldest_first(int64_t amount_fen, const int64_t *due_fen, size_t n,
                             int64_t *applied_fen, int64_t *rest_fen)
{
    int64_t left = amount_fen;

    if (amount_fen < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (due_fen[i] < 0)
            return -1;
    for (size_t i = 0; i < n; i++) {
        applied_fen[i] = due_fen[i] < left ? due_fen[i] : left;
        left -= applied_fen[i];
    }
    *rest_fen = left;
    return 0;
}

int money_parse(const char *s, size_t n, unsigned flags, int64_t *fen)
{
    size_t i = 0, frac_digits = 0;
    int64_t whole = 0, frac = 0;
    bool neg = false;

    if (n > 0 && s[0] == '-' && (flags & MONEY_PARSE_ALLOW_NEGATIVE)) {
        neg = true;
        i++;
    }
    if (i == n || !is_digit(s[i]))
        return MONEY_PARSE_BAD; /* empty, '+', a sign not allowed, ".5" */
    for (; i < n && is_digit(s[i]); i++)
        if (whole <= MONEY_MAX_FEN / 100) /* saturate: the range check refuses it */
            whole = whole * 10 + (s[i] - '0');
    if (i < n && s[i] == '.') {
        for (i++; i < n && is_digit(s[i]); i++, frac_digits++)
            if (frac_digits < 2)
                frac = frac * 10 + (s[i] - '0');
        if (frac_digits == 0)
            return MONEY_PARSE_BAD; /* "5." */
    }
    if (i != n)
        return MONEY_PARSE_BAD; /* exponent, separator, space, currency sign… */
    /* A third decimal is a precision the sheet claims: refused, not
     * rounded, even when it is a zero. */
    if (frac_digits > 2)
        return MONEY_PARSE_DECIMALS;
    if (frac_digits == 1)
        frac *= 10;
    if (whole > MONEY_MAX_FEN / 100 || whole * 100 + frac > MONEY_MAX_FEN)
        return MONEY_PARSE_RANGE;
    *fen = neg ? -(whole * 100 + frac) : whole * 100 + frac;
    return 0;
}

int money_format(int64_t fen, char out[MONEY_FORMAT_SIZE])
{
    /* The magnitude as unsigned, so INT64_MIN has one too. */
    uint64_t mag = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    char tmp[MONEY_FORMAT_SIZE];
    size_t k = 0, len = 0;

    tmp[k++] = (char)('0' + mag % 10);
    mag /= 10;
    tmp[k++] = (char)('0' + mag % 10);
    mag /= 10;
    tmp[k++] = '.';
    do {
        tmp[k++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag > 0);
    if (fen < 0)
        out[len++] = '-';
    while (k > 0)
        out[len++] = tmp[--k];
    out[len] = '\0';
    return (int)len;
}

/* ---- amount in words ---------------------------------------------------- */

static const char *const cn_digit[10] = {"零", "壹", "贰", "叁", "肆",
                                         "伍", "陆", "柒", "捌", "玖"};
static const char *const cn_unit4[4] = {"", "拾", "佰", "仟"};

struct words {
    char *out;
    size_t len;
};

static void put(struct words *w, const char *s)
{
    size_t n = strlen(s);

    /* MONEY_WORDS_SIZE bounds the longest amount; this cannot fail. */
    assert(w->len + n < MONEY_WORDS_SIZE);
    memcpy(w->out + w->len, s, n);
    w->len += n;
}

/* 1 ≤ v ≤ 9999: its digits with 拾佰仟 and one 零 per inner zero run
 * (1001 壹仟零壹, 1010 壹仟零壹拾); zeros at the end write nothing. */
static void words4(struct words *w, int64_t v)
{
    bool zero_run = false, started = false;

    for (int p = 3; p >= 0; p--) {
        static const int64_t pow10[4] = {1, 10, 100, 1000};
        int d = (int)(v / pow10[p] % 10);

        if (d == 0) {
            zero_run = started;
            continue;
        }
        if (zero_run)
            put(w, "零");
        put(w, cn_digit[d]);
        put(w, cn_unit4[p]);
        zero_run = false;
        started = true;
    }
}

/* 1 ≤ v < 10^8: a group of 万 and a group of units; a 零 between them
 * when the lower group, non-zero, has fewer than four digits. */
static void words8(struct words *w, int64_t v)
{
    int64_t hi = v / 10000, lo = v % 10000;

    if (hi > 0) {
        words4(w, hi);
        put(w, "万");
        if (lo > 0 && lo < 1000)
            put(w, "零");
    }
    if (lo > 0)
        words4(w, lo);
}

/* v ≥ 1: the count of 亿 is itself a number written with 万 (壹万亿). */
static void words_int(struct words *w, int64_t v)
{
    int64_t hi = v / 100000000, lo = v % 100000000;

    if (hi > 0) {
        words_int(w, hi);
        put(w, "亿");
        if (lo > 0 && lo < 10000000)
            put(w, "零");
    }
    if (lo > 0)
        words8(w, lo);
}

int money_words(int64_t fen, char out[MONEY_WORDS_SIZE])
{
    struct words w = {out, 0};
    int64_t mag, yuan;
    int jiao, fen1;

    if (fen < -MONEY_MAX_FEN || fen > MONEY_MAX_FEN)
        return -1;
    mag = fen < 0 ? -fen : fen;
    yuan = mag / 100;
    jiao = (int)(mag / 10 % 10);
    fen1 = (int)(mag % 10);
    if (fen < 0)
        put(&w, "负");
    if (mag == 0) {
        put(&w, "零元整");
    } else {
        if (yuan > 0) {
            words_int(&w, yuan);
            put(&w, "元");
        }
        if (jiao == 0 && fen1 == 0) {
            put(&w, "整");
        } else if (fen1 == 0) {
            put(&w, cn_digit[jiao]);
            put(&w, "角整");
        } else {
            if (jiao > 0) {
                put(&w, cn_digit[jiao]);
                put(&w, "角");
            } else if (yuan > 0) {
                put(&w, "零");
            }
            put(&w, cn_digit[fen1]);
            put(&w, "分");
        }
    }
    out[w.len] = '\0';
    return (int)w.len;
}
