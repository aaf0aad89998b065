/*
 * config.h — the one configuration file (`key = value` lines, # comments).
 *
 * Secrets never appear in the file itself: it names files (`*_file` keys)
 * whose content is read at load time, whole, into heap buffers of their
 * real size (a WeChat Pay merchant key PEM is about 1.7 KB) — at most
 * CONFIG_SECRET_MAX bytes, one trailing newline dropped, no NUL byte.
 * Error messages name the file, never its content. The struct is filled
 * once at start (and again on SIGHUP by a fresh worker generation) and is
 * read-only afterwards, so threads share it without locks; it owns its
 * secrets until config_free().
 */
#ifndef WUYE_CONFIG_H
#define WUYE_CONFIG_H

#include "core/err.h"
#include "core/netaddr.h"

/* Largest secret file config_load() accepts (bytes). */
#define CONFIG_SECRET_MAX (64 * 1024)

struct config {
    char listen[256];      /* "unix:/path/to.sock" or "127.0.0.1:9000" */
    char listen_group[64]; /* group of a unix socket (mode 0660); "" = our own */
    int processes;
    int threads;
    int drain_timeout_s;
    long body_limit; /* bytes, default for JSON endpoints (routes may set their own) */
    char version[64];
    /* Peers whose X-Forwarded-For names the client (core/netaddr.h); empty:
     * the client is the peer that connected to nginx. */
    struct netaddr_list trusted_proxies;

    /* MariaDB */
    char db_socket[256];
    char db_host[128];
    int db_port;
    char db_name[64];
    char db_user[64];
    char *db_password; /* from db_password_file (heap, never NULL after a load) */

    /* sessions and logins */
    int owner_session_ttl_s;
    int staff_session_ttl_s;

    /* WeChat mini-program server API */
    char wechat_base_url[256];
    char wechat_appid[64];
    char *wechat_secret; /* from wechat_secret_file */

    /* Tencent Cloud SMS */
    char sms_base_url[256];
    char sms_host[128];
    char sms_region[64];
    char sms_secret_id[128];
    char *sms_secret_key; /* from sms_secret_key_file */
    char sms_sdk_app_id[64];
    char sms_sign_name[64];
    char sms_template_login[32];
    char sms_template_bill_notice[32]; /* a bill run's notice to owners; "" = none sent */

    /* the outbox sender (a process the master runs) */
    int outbox_poll_ms;

    /* WeChat Pay API v3, direct merchant, JSAPI orders for the mini-program
     * wechat_appid (PROTOCOLS.md §2; lib/clients/wxpay.h). No mchid: online
     * payment is off (503). */
    char wxpay_base_url[256]; /* "https://api.mch.weixin.qq.com" or the stand-in */
    char wxpay_mchid[32];
    char wxpay_serial[64];          /* the merchant certificate's serial number */
    char *wxpay_merchant_key;       /* from wxpay_merchant_key_file: apiclient_key.pem */
    char *wxpay_apiv3_key;          /* from wxpay_apiv3_key_file: the 32-byte APIv3 key */
    char wxpay_platform_serial[96]; /* Wechatpay-Serial of its key: PUB_KEY_ID_… */
    char *wxpay_platform_key;       /* from wxpay_platform_key_file: that key */
    char wxpay_notify_url[256];     /* https://…/api/v1/pay/wechat/notify */
    int wxpay_order_ttl_s;          /* an order closes unpaid after this long (900) */

    /* Service tickets and uploads. upload_dir: where uploads are stored,
     * outside any web root (nginx serves them from an internal location
     * after a worker checked access; "" = uploads refused). The SMS
     * templates of a ticket's notices to its owner ({1} the new state,
     * {2} the ticket) and to staff ({1} what happened, {2} the ticket);
     * "" = none sent. */
    char upload_dir[256];
    char sms_template_ticket[32];
    char sms_template_ticket_staff[32];

    /* Announcements and surveys (NTC-1, NTC-4): the WeChat subscribe
     * message templates of a published notice ({1} its title, {2} its
     * category) and of a published survey ({1} its title, {2} when it
     * closes); "" = none queued. */
    char wechat_template_notice[64];
    char wechat_template_survey[64];
    /* Messages to owners (NTC-2, NTC-3; docs/messages.md). The senders'
     * backoff: seconds before each retry, the last one repeating
     * ("10,30,60,300,900,3600"; lib/outbox.h parses it); a message is
     * given up after outbox_max_attempts tries. Per-phone limits of the
     * SMS sender for everything but login codes (0 = none): a message
     * over them waits until the phone is under them again. The monthly
     * arrears reminder ({1} bills past due, {2} their total in yuan;
     * "" = none sent), queued from arrears_reminder_day (1..28; 0 = off)
     * of each month on. */
    char outbox_backoff_s[128];
    int outbox_max_attempts;
    int sms_phone_limit_hour;
    int sms_phone_limit_day;
    char sms_template_arrears[32];
    /* approvals (FEE-5): a request awaiting a role ({1} kind, {2} yuan,
     * {3} the approval), and its end to the requester ({1}, {2}, {3} the
     * result); "" = none sent */
    char sms_template_approval[32];
    char sms_template_approval_result[32];
    int arrears_reminder_day;
    /* The data fields of the notices' and the surveys' WeChat templates,
     * in the order of their parameters ("thing1,thing2"). */
    char wechat_fields_notice[128];
    char wechat_fields_survey[128];
};

/* The most steps outbox_backoff_s may have. */
#define CONFIG_BACKOFF_MAX 16
/* Parse "10,30,60" (1..max numbers of seconds, each 1 .. 7 days) into
 * out; *n gets how many. -1 when s is anything else. */
int config_seconds_list(const char *s, int *out, size_t max, size_t *n);

/* Set defaults, then read path. -1 with e set (E_CONFIG) on a missing or
 * unreadable file, a bad line, an unknown key, a secret file that is
 * missing or larger than CONFIG_SECRET_MAX; c then holds nothing to free.
 * On success every secret is a heap string ("" when not configured), owned
 * by c until config_free(). */
int config_load(struct config *c, const char *path, struct err *e);
/* Defaults only: no secrets (they stay NULL). */
void config_defaults(struct config *c);
/* Wipe and free the secrets of a loaded configuration (NULL-safe, idempotent). */
void config_free(struct config *c);

#endif
