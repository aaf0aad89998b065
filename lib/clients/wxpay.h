/*
 * wxpay.h — the WeChat Pay API v3 client of a direct merchant (PROTOCOLS.md
 * §2): JSAPI orders for the mini-program, order queries and closes, the
 * parameters of wx.requestPayment, and the opening of a payment
 * notification (verify, decrypt, parse), over httpc and wxpay_crypto.
 *
 * Every request is signed with the merchant key; every answer, 204s and
 * errors included, is verified with WeChat Pay's key before it is believed
 * (an answer that does not verify is treated as no answer at all). What
 * an answer means for the books is the payments module's business, not
 * this file's.
 *
 * Ownership: a struct wxpay_client is built once per process from the
 * configuration (wxpay_client_init()), owns its two keys and borrows the
 * configuration's strings, which must outlive it. It is read-only
 * afterwards, so every thread shares it. Outputs are the caller's
 * fixed-size arrays. Nothing here logs a key, a signature or a body.
 *
 * Errors (struct err):
 *   503 UPSTREAM_UNAVAILABLE   no answer, a timeout, an answer that does not
 *                              verify or has not the expected shape, 5xx,
 *                              SYSTEM_ERROR, FREQUENCY_LIMITED: the outcome
 *                              is unknown — query before deciding (§2.8)
 *   502 WXPAY_FAILED           WeChat Pay refused the request for good (a 4xx:
 *                              PARAM_ERROR, SIGN_ERROR, OUT_TRADE_NO_USED,
 *                              ORDERCLOSED …)
 *   404 WXPAY_ORDER_NOT_EXIST  WeChat Pay does not know the order (query, close)
 *   409 WXPAY_ORDER_PAID       the order is paid (close, create again)
 *   401 WXPAY_SIGNATURE_INVALID, WXPAY_TIMESTAMP_SKEW   a notification that
 *                              does not verify (wxpay_notice_open())
 *   400 WXPAY_DECRYPT_FAILED, BAD_REQUEST               a verified notification
 *                              that does not decrypt or parse
 */
#ifndef WUYE_WXPAY_H
#define WUYE_WXPAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clients/wxpay_crypto.h"
#include "core/config.h"
#include "core/err.h"

#define WXPAY_ID_SIZE 65 /* prepay_id, transaction_id, openid, ids of notifications */

struct wxpay_client {
    const char *base_url, *appid, *mchid, *serial, *apiv3_key, *platform_serial, *notify_url;
    struct wxpay_key merchant; /* private, owned */
    struct wxpay_key platform; /* WeChat Pay's public key, owned */
    long timeout_ms;           /* per call; 0 = 5000 */
};

/* Is WeChat Pay configured at all (a merchant id)? */
bool wxpay_configured(const struct config *cfg);
/* Build the client from cfg (appid = wechat_appid): every key present and
 * usable, else -1 with E_CONFIG or E_WXPAY_KEY_INVALID. */
int wxpay_client_init(struct wxpay_client *c, const struct config *cfg, struct err *e);
void wxpay_client_free(struct wxpay_client *c);

/* A JSAPI order (§2.3); strings borrowed. */
struct wxpay_order {
    const char *out_trade_no, *description, *openid;
    int64_t total_fen;
    int64_t expires_at; /* Unix seconds: time_expire */
};
/* Create the order: prepay_id from WeChat Pay. Repeating the identical
 * order returns the same prepay_id. */
int wxpay_jsapi(const struct wxpay_client *c, const struct wxpay_order *o,
                char prepay_id[WXPAY_ID_SIZE], struct err *e);

/* The arguments of wx.requestPayment (§2.4) for prepay_id, signed now. */
struct wxpay_pay_params {
    char app_id[64];
    char time_stamp[24];
    char nonce_str[WXPAY_NONCE_SIZE];
    char package[WXPAY_ID_SIZE + 16];
    char pay_sign[512];
};
int wxpay_pay_params(const struct wxpay_client *c, const char *prepay_id, int64_t now,
                     struct wxpay_pay_params *out, struct err *e);

/* A transaction as a notification or a query shows it (§2.5, §2.6). */
struct wxpay_txn {
    char appid[64], mchid[32], out_trade_no[64], trade_state[32];
    char transaction_id[WXPAY_ID_SIZE], openid[WXPAY_ID_SIZE];
    int64_t total_fen;       /* amount.total; -1 when absent (an unpaid order) */
    int64_t payer_total_fen; /* amount.payer_total; -1 when absent */
    int64_t success_at;      /* success_time as Unix seconds; 0 when absent */
};
/* Read a transaction from its JSON text (pure): 400 BAD_REQUEST when it
 * has not the shape of one. */
int wxpay_txn_parse(const char *json, size_t len, struct wxpay_txn *t, struct err *e);
/* Query the order out_trade_no. */
int wxpay_query(const struct wxpay_client *c, const char *out_trade_no, struct wxpay_txn *t,
                struct err *e);
/* Close the order out_trade_no (204; closing a closed order is fine). */
int wxpay_close(const struct wxpay_client *c, const char *out_trade_no, struct err *e);

/* RFC 3339 with an offset, with or without fractions of a second (which
 * are dropped) → Unix seconds; -1 when it is not one. */
int wxpay_time_parse(const char *s, int64_t *out);

/* A notification as it arrived: the Wechatpay-* headers (NULL when
 * missing) and the raw body. */
struct wxpay_notice_in {
    const char *serial, *timestamp, *nonce, *signature;
    const char *body;
    size_t len;
};
struct wxpay_notice {
    char id[WXPAY_ID_SIZE]; /* the same on every retry; "" until read */
    char event_type[48];
    struct wxpay_txn txn;
};
/* Verify the notification (serial ours, timestamp within 5 minutes of now,
 * signature; the SIGNTEST probe fails), then decrypt and parse it. On a
 * failure after the signature, out->id is set when the envelope had one. */
int wxpay_notice_open(const struct wxpay_client *c, const struct wxpay_notice_in *in, int64_t now,
                      struct wxpay_notice *out, struct err *e);

#endif
