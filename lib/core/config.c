/* config.c — see config.h. Unknown keys are an error: a typo in production
 * configuration must not silently fall back to a default. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind { K_STR, K_INT, K_LONG, K_SECRET, K_NETS };

struct key {
    const char *name;
    enum kind kind;
    size_t off;
    size_t size;
};

#define S(field) K_STR, offsetof(struct config, field), sizeof(((struct config *)0)->field)
#define SEC(field) K_SECRET, offsetof(struct config, field), 0
#define NETS(field) K_NETS, offsetof(struct config, field), 0
#define I(field) K_INT, offsetof(struct config, field), 0
#define L(field) K_LONG, offsetof(struct config, field), 0

static const struct key keys[] = {
    {"listen", S(listen)},
    {"listen_group", S(listen_group)},
    {"processes", I(processes)},
    {"threads", I(threads)},
    {"drain_timeout_s", I(drain_timeout_s)},
    {"body_limit", L(body_limit)},
    {"version", S(version)},
    {"trusted_proxies", NETS(trusted_proxies)},
    {"db_socket", S(db_socket)},
    {"db_host", S(db_host)},
    {"db_port", I(db_port)},
    {"db_name", S(db_name)},
    {"db_user", S(db_user)},
    {"db_password_file", SEC(db_password)},
    {"owner_session_ttl_s", I(owner_session_ttl_s)},
    {"staff_session_ttl_s", I(staff_session_ttl_s)},
    {"wechat_base_url", S(wechat_base_url)},
    {"wechat_appid", S(wechat_appid)},
    {"wechat_secret_file", SEC(wechat_secret)},
    {"sms_base_url", S(sms_base_url)},
    {"sms_host", S(sms_host)},
    {"sms_region", S(sms_region)},
    {"sms_secret_id", S(sms_secret_id)},
    {"sms_secret_key_file", SEC(sms_secret_key)},
    {"sms_sdk_app_id", S(sms_sdk_app_id)},
    {"sms_sign_name", S(sms_sign_name)},
    {"sms_template_login", S(sms_template_login)},
    {"sms_template_bill_notice", S(sms_template_bill_notice)},
    {"outbox_poll_ms", I(outbox_poll_ms)},
    /* WeChat Pay (online payment) */
    {"wxpay_base_url", S(wxpay_base_url)},
    {"wxpay_mchid", S(wxpay_mchid)},
    {"wxpay_serial", S(wxpay_serial)},
    {"wxpay_merchant_key_file", SEC(wxpay_merchant_key)},
    {"wxpay_apiv3_key_file", SEC(wxpay_apiv3_key)},
    {"wxpay_platform_serial", S(wxpay_platform_serial)},
    {"wxpay_platform_key_file", SEC(wxpay_platform_key)},
    {"wxpay_notify_url", S(wxpay_notify_url)},
    {"wxpay_order_ttl_s", I(wxpay_order_ttl_s)},
    /* service tickets and uploads */
    {"upload_dir", S(upload_dir)},
    {"sms_template_ticket", S(sms_template_ticket)},
    {"sms_template_ticket_staff", S(sms_template_ticket_staff)},
    /* announcements and surveys */
    {"wechat_template_notice", S(wechat_template_notice)},
    {"wechat_template_survey", S(wechat_template_survey)},
    /* messages to owners: the senders, the limits, the reminders */
    {"outbox_backoff_s", S(outbox_backoff_s)},
    {"outbox_max_attempts", I(outbox_max_attempts)},
    {"sms_phone_limit_hour", I(sms_phone_limit_hour)},
    {"sms_phone_limit_day", I(sms_phone_limit_day)},
    {"sms_template_arrears", S(sms_template_arrears)},
    {"sms_template_approval", S(sms_template_approval)},
    {"sms_template_approval_result", S(sms_template_approval_result)},
    {"arrears_reminder_day", I(arrears_reminder_day)},
    {"wechat_fields_notice", S(wechat_fields_notice)},
    {"wechat_fields_survey", S(wechat_fields_survey)},
};

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->listen, sizeof(c->listen), "127.0.0.1:9000");
    c->processes = 2;
    c->threads = 8;
    c->drain_timeout_s = 20;
    c->body_limit = 64 * 1024;
    snprintf(c->version, sizeof(c->version), "0.1.0");
    snprintf(c->db_name, sizeof(c->db_name), "wuye");
    snprintf(c->db_user, sizeof(c->db_user), "wuye");
    c->db_port = 3306;
    c->owner_session_ttl_s = 30 * 24 * 3600;
    c->staff_session_ttl_s = 12 * 3600;
    snprintf(c->sms_host, sizeof(c->sms_host), "sms.tencentcloudapi.com");
    snprintf(c->sms_region, sizeof(c->sms_region), "ap-guangzhou");
    c->outbox_poll_ms = 200;
    snprintf(c->wxpay_base_url, sizeof(c->wxpay_base_url), "https://api.mch.weixin.qq.com");
    c->wxpay_order_ttl_s = 900;
    snprintf(c->outbox_backoff_s, sizeof(c->outbox_backoff_s), "10,30,60,300,900,3600");
    c->outbox_max_attempts = 12;
    c->sms_phone_limit_hour = 5;
    c->sms_phone_limit_day = 10;
    c->arrears_reminder_day = 5;
    snprintf(c->wechat_fields_notice, sizeof(c->wechat_fields_notice), "thing1,thing2");
    snprintf(c->wechat_fields_survey, sizeof(c->wechat_fields_survey), "thing1,time2");
}

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static char **secret_field(struct config *c, const struct key *key)
{
    return (char **)(void *)((char *)c + key->off);
}

void config_free(struct config *c)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char **s;

        if (keys[i].kind != K_SECRET)
            continue;
        s = secret_field(c, &keys[i]);
        if (*s) {
            explicit_bzero(*s, strlen(*s));
            free(*s);
            *s = NULL;
        }
    }
}

/* Read a whole secret file into a heap string of its size, without one
 * trailing newline. read(2), not stdio: no copy stays behind in a FILE
 * buffer. Messages name the file only. */
static int read_secret(const char *path, char **out, struct err *e)
{
    char *p = NULL, *shrunk;
    size_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

    if (fd < 0)
        return err_setf(e, E_CONFIG, "cannot open secret file %s: %s", path, strerror(errno));
    /* One byte more than allowed tells an oversize file from a full one. */
    p = malloc(CONFIG_SECRET_MAX + 2);
    if (!p) {
        err_setf(e, E_CONFIG, "out of memory reading secret file %s", path);
        goto out;
    }
    while (n < CONFIG_SECRET_MAX + 1) {
        ssize_t got = read(fd, p + n, CONFIG_SECRET_MAX + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            err_setf(e, E_CONFIG, "cannot read secret file %s: %s", path, strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n > CONFIG_SECRET_MAX) {
        err_setf(e, E_CONFIG, "secret file %s is larger than %d bytes", path, CONFIG_SECRET_MAX);
        goto out;
    }
    if (memchr(p, '\0', n)) {
        err_setf(e, E_CONFIG, "secret file %s contains a NUL byte", path);
        goto out;
    }
    if (n > 0 && p[n - 1] == '\n') {
        n--;
        if (n > 0 && p[n - 1] == '\r')
            n--;
    }
    p[n] = '\0';
    /* Keep only what the secret needs; the rest of the buffer is wiped. */
    explicit_bzero(p + n, CONFIG_SECRET_MAX + 2 - n);
    shrunk = realloc(p, n + 1);
    if (shrunk)
        p = shrunk;
    if (*out) { /* the key was given twice: the last one counts */
        explicit_bzero(*out, strlen(*out));
        free(*out);
    }
    *out = p;
    p = NULL;
    rc = 0;
out:
    if (p) {
        explicit_bzero(p, CONFIG_SECRET_MAX + 2);
        free(p);
    }
    close(fd);
    return rc;
}

static int set_key(struct config *c, const char *k, const char *v, struct err *e)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const struct key *key = &keys[i];
        char *field = (char *)c + key->off;
        char *end;

        if (strcmp(key->name, k) != 0)
            continue;
        switch (key->kind) {
        case K_STR:
            if (strlen(v) >= key->size)
                return err_setf(e, E_CONFIG, "value of %s too long", k);
            memcpy(field, v, strlen(v) + 1);
            return 0;
        case K_SECRET:
            return read_secret(v, secret_field(c, key), e);
        case K_NETS:
            return netaddr_list_parse(v, (struct netaddr_list *)(void *)field, e);
        case K_INT:
        case K_LONG: {
            long n;
            errno = 0;
            n = strtol(v, &end, 10);
            if (errno || *end || end == v || n < 0 || n > 1000000000L)
                return err_setf(e, E_CONFIG, "bad number for %s: %s", k, v);
            if (key->kind == K_INT)
                *(int *)(void *)field = (int)n;
            else
                *(long *)(void *)field = n;
            return 0;
        }
        }
    }
    return err_setf(e, E_CONFIG, "unknown configuration key %s", k);
}

int config_seconds_list(const char *s, int *out, size_t max, size_t *n)
{
    *n = 0;
    for (;;) {
        char *end;
        long v;

        while (*s == ' ')
            s++;
        if (*s < '0' || *s > '9')
            return -1;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || v < 1 || v > 7 * 86400 || *n == max)
            return -1;
        out[(*n)++] = (int)v;
        for (s = end; *s == ' '; s++)
            ;
        if (*s == '\0')
            return 0;
        if (*s++ != ',')
            return -1;
    }
}

/* The messages' keys (config.h): a bad backoff or day is a typo to stop at. */
static int check_messages(const struct config *c, struct err *e)
{
    int steps[CONFIG_BACKOFF_MAX];
    size_t n;

    if (config_seconds_list(c->outbox_backoff_s, steps, CONFIG_BACKOFF_MAX, &n) < 0)
        return err_setf(e, E_CONFIG,
                        "outbox_backoff_s must be 1 to %d numbers of seconds (1 to 604800), "
                        "separated by commas",
                        CONFIG_BACKOFF_MAX);
    if (c->outbox_max_attempts < 1 || c->outbox_max_attempts > 1000)
        return err_setf(e, E_CONFIG, "outbox_max_attempts must be 1 to 1000");
    if (c->arrears_reminder_day > 28)
        return err_setf(e, E_CONFIG, "arrears_reminder_day must be 0 (off) or 1 to 28");
    return 0;
}

int config_load(struct config *c, const char *path, struct err *e)
{
    FILE *f;
    char line[1024];
    int lineno = 0, rc = 0;

    config_defaults(c);
    f = fopen(path, "r");
    if (!f)
        return err_setf(e, E_CONFIG, "cannot open %s: %s", path, strerror(errno));
    while (fgets(line, sizeof(line), f)) {
        char *s = trim(line), *eq;

        lineno++;
        if (*s == '\0' || *s == '#')
            continue;
        eq = strchr(s, '=');
        if (!eq) {
            rc = err_setf(e, E_CONFIG, "%s:%d: expected key = value", path, lineno);
            break;
        }
        *eq = '\0';
        if (set_key(c, trim(s), trim(eq + 1), e) < 0) {
            rc = -1;
            break;
        }
    }
    fclose(f);
    if (rc == 0 && (c->processes < 1 || c->threads < 1))
        rc = err_setf(e, E_CONFIG, "processes and threads must be at least 1");
    if (rc == 0)
        rc = check_messages(c, e);
    for (size_t i = 0; rc == 0 && i < sizeof(keys) / sizeof(keys[0]); i++) {
        char **s = keys[i].kind == K_SECRET ? secret_field(c, &keys[i]) : NULL;

        if (s && !*s) {
            *s = calloc(1, 1); /* not configured: "" */
            if (!*s)
                rc = err_setf(e, E_CONFIG, "out of memory");
        }
    }
    if (rc < 0)
        config_free(c);
    return rc;
}
