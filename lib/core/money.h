/*
 * money.h — every amount the system computes: fee by area, usage or head,
 * discounts, late fees (FEE-1, FEE-4, FEE-7), a payment split over bills
 * oldest first (PAY-2), money in CSV cells, and the amount in Chinese
 * words on receipts (PAY-7). Pure integer arithmetic: no database, no
 * allocation, no global state; safe from any thread.
 *
 * Not for: deciding which bills are payable, what a bill's principal is, or
 * storing anything — the fee and payment modules do that and call this.
 *
 * Invariants (docs/money.md has the same rules with examples):
 *  - Money is int64_t fen. Rates, areas and quantities are integers with
 *    the scale in their name: area_m2x100 (m², 2 decimals),
 *    rate_fen_per_m2x10000 (fen per m², 4 decimals), rate_fen_per_unitx10000
 *    (fen per billing unit, 4 decimals), bp (basis points, 1/10000).
 *  - One rounding per computed amount: the exact product is formed in
 *    128 bits and divided once by its scale, rounded by the fee item's
 *    enum money_round. Nothing is rounded twice, nothing is truncated by
 *    accident.
 *  - Rounding is symmetric about zero: round(-x) = -round(x) in every mode,
 *    so a refund or credit is exactly the negative of the charge it undoes.
 *    Half-up is half away from zero; down is toward zero; up is away.
 *  - A result outside int64 fen is refused with -1 and *out is left as it
 *    was; nothing ever wraps. Invalid arguments (a zero scale, a negative
 *    rate where the function says it is not allowed) are refused the same
 *    way: these are caller bugs or bad data, never a silent 0.
 */
#ifndef WUYE_MONEY_H
#define WUYE_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* The largest amount parsed from text or written in words: 15 digits of
 * fen (9,999,999,999,999.99 yuan), the largest integer a JSON body may
 * carry (docs/api.md §1.2), so every parsed amount can be sent back. */
#define MONEY_MAX_FEN INT64_C(999999999999999)

/* How one computed amount is rounded to the fen (the fee item's choice). */
enum money_round {
    MONEY_ROUND_HALF_UP = 0, /* the default: nearest fen, a half away from zero */
    MONEY_ROUND_HALF_EVEN,   /* nearest fen, a half to the even fen (banker's) */
    MONEY_ROUND_DOWN,        /* truncate toward zero */
    MONEY_ROUND_UP,          /* any fraction away from zero */
};

/* The stable names "half_up", "half_even", "down", "up" (for fee items in
 * the database and JSON); NULL for a value outside the enum. */
const char *money_round_name(enum money_round mode);
/* The mode of a name of length n; 0, or -1 if the name is unknown. */
int money_round_from_name(const char *s, size_t n, enum money_round *mode);

/* *out = a × b / den rounded once by mode; den > 0. The general form of
 * everything below. 0, or -1 (den ≤ 0, bad mode, result outside int64). */
int money_mul_div(int64_t a, int64_t b, int64_t den, enum money_round mode, int64_t *out);

/* By area: area_m2x100 × rate_fen_per_m2x10000 / 10^6 fen. 0 or -1. */
int money_by_area(int64_t area_m2x100, int64_t rate_fen_per_m2x10000, enum money_round mode,
                  int64_t *fen);
/* By usage: usage (in the meter's smallest unit, usage_per_unit of which
 * make one billing unit: 1 for whole kWh, 100 for readings in 0.01 m³)
 * × rate_fen_per_unitx10000 / (usage_per_unit × 10^4) fen;
 * 1 ≤ usage_per_unit ≤ 10^6. 0 or -1. */
int money_by_usage(int64_t usage, int64_t usage_per_unit, int64_t rate_fen_per_unitx10000,
                   enum money_round mode, int64_t *fen);
/* Per head: count × rate_fen_per_head, exact (no rounding). 0 or -1. */
int money_per_head(int64_t count, int64_t rate_fen_per_head, int64_t *fen);

/* Sums, checked: *out = a + b, a − b, or the sum of n values. 0 or -1. */
int money_add(int64_t a, int64_t b, int64_t *out);
int money_sub(int64_t a, int64_t b, int64_t *out);
int money_sum(const int64_t *v, size_t n, int64_t *out);

/* Percentage discount. off_bp is the REDUCTION in basis points (1000 = 10 %
 * off, 10000 = free), 0 ≤ off_bp ≤ 10000; amount_fen ≥ 0. The discount
 * itself is what is rounded (by mode), and the payable is amount − discount,
 * so the two always add up to the amount and the payable is never below
 * zero. 0 or -1. */
int money_discount_off_bp(int64_t amount_fen, int64_t off_bp, enum money_round mode,
                          int64_t *discount_fen);
/* Fixed discount: *discount_fen = min(off_fen, amount_fen), both ≥ 0, so
 * the payable never goes below zero. 0 or -1. */
int money_discount_fixed(int64_t amount_fen, int64_t off_fen, int64_t *discount_fen);

/* Days since 1970-01-01 of a proleptic Gregorian civil date; the caller
 * passes a valid date (money_date_parse checks one). No time zones: a date
 * is a China calendar day. */
int32_t money_days_from_civil(int32_t year, int32_t month, int32_t day);
/* "YYYY-MM-DD" (exactly 10 bytes, a real day of 1900..2199) → days since
 * 1970-01-01. 0, or -1 (and *days untouched). */
int money_date_parse(const char *s, size_t n, int32_t *days);

/* No cap on a late fee. */
#define MONEY_NO_CAP_FEN INT64_MAX

/* Late fee (违约金, FEE-7) on principal_fen for a bill due on due_day, as of
 * today (both days since the epoch). The first grace_days days after the
 * due date are free; every day after that counts:
 *   days = today − due_day − grace_days   (nothing if days ≤ 0)
 *   fee  = round(principal × daily_rate_bp × days / 10000)   (by mode)
 *   fee  = min(fee, cap_fen)
 * daily_rate_bp is 万分之N per day (5 = 0.05 % a day), 0..10000;
 * principal_fen ≥ 0, grace_days ≥ 0, cap_fen ≥ 0 (MONEY_NO_CAP_FEN for
 * none; pass principal_fen to cap at the principal). 0 or -1. */
int money_late_fee(int64_t principal_fen, int32_t due_day, int32_t today, int32_t grace_days,
                   int64_t daily_rate_bp, int64_t cap_fen, enum money_round mode,
                   int64_t *late_fee_fen);

/* Apply amount_fen to n bills' due amounts in the order given (the caller
 * orders them oldest first): each bill gets min(what is left, its due),
 * applied_fen[i] (n entries, caller-owned) says how much, *rest_fen is
 * what is left after the last bill (an overpayment). Exact to the fen.
 * amount_fen ≥ 0 and every due ≥ 0, else -1 with nothing written. */
int money_split_oldest_first(int64_t amount_fen, const int64_t *due_fen, size_t n,
                             int64_t *applied_fen, int64_t *rest_fen);

/* Parse results (the CSV importer turns them into its Chinese messages). */
#define MONEY_PARSE_BAD (-1)      /* not an amount: "", "1e3", "1,000", ".5", "5.", "+5" */
#define MONEY_PARSE_DECIMALS (-2) /* more than two decimals: refused, never rounded */
#define MONEY_PARSE_RANGE (-3)    /* well formed, but |amount| > MONEY_MAX_FEN */
/* Flags of money_parse. */
#define MONEY_PARSE_ALLOW_NEGATIVE 1u /* a leading '-' (refunds, credits) */

/* Yuan as text, length n (no NUL needed): digits, optionally '.' and one
 * or two digits; a leading '-' only with MONEY_PARSE_ALLOW_NEGATIVE; no
 * '+', no spaces, exponent or thousands separators. "12.3" → 1230 fen.
 * 0, or a MONEY_PARSE_* code with *fen untouched. */
int money_parse(const char *s, size_t n, unsigned flags, int64_t *fen);

/* Room for any int64 fen formatted: "-92233720368547758.08" and a NUL. */
#define MONEY_FORMAT_SIZE 24
/* fen as yuan with exactly two decimals: 1234 → "12.34", -5 → "-0.05",
 * 0 → "0.00". out holds MONEY_FORMAT_SIZE bytes. Returns the length. */
int money_format(int64_t fen, char out[MONEY_FORMAT_SIZE]);

/* Room for the longest amount in words (|fen| ≤ MONEY_MAX_FEN), with NUL. */
#define MONEY_WORDS_SIZE 160
/*
 * The amount in Chinese capitals (人民币大写) for receipts, UTF-8, without
 * the "人民币" prefix (the receipt template prints it). The rules, those of
 * the People's Bank's 支付结算办法 where it leaves a choice made once here:
 *  - digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟 within a group of four,
 *    万 and 亿 after a group; above 亿 the count of 亿 is itself written
 *    with 万 (壹万亿). A leading 拾 keeps its 壹: 10 yuan is 壹拾元.
 *  - one 零 for each run of zeros that stands between two non-zero digits,
 *    across 万 and 亿 as well (1,0203,0405 → 壹亿零贰佰零叁万零肆佰零伍);
 *    zeros at the end of the yuan write nothing (壹仟元).
 *  - the yuan part ends in 元; with no yuan (less than one yuan) it is
 *    left out entirely (0.56 → 伍角陆分), except for zero: 零元整.
 *  - then: no 角 and no 分 → 整; 角 without 分 → N角整 (壹元伍角整);
 *    分 without 角 → 零N分 after yuan (壹元零伍分), N分 alone without;
 *    both → N角N分.
 *  - a negative amount (a refund) is prefixed 负.
 * out holds MONEY_WORDS_SIZE bytes. Returns the length in bytes, or -1 if
 * |fen| > MONEY_MAX_FEN.
 */
int money_words(int64_t fen, char out[MONEY_WORDS_SIZE]);

#endif
