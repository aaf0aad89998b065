/*
 * test_config.c — the configuration file (lib/core/config.c): keys and
 * defaults, typos refused, and secrets read from the files the
 * configuration names: whole (a WeChat Pay key PEM is about 1.7 KB), one
 * trailing newline dropped, oversize or missing files refused with a
 * message that names the file but never shows its content.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"

static char *write_tmp_n(const char *text, size_t n)
{
    char *path = strdup("/tmp/wuye-test-XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    return path;
}

static char *write_tmp(const char *text)
{
    return write_tmp_n(text, strlen(text));
}

static void remove_tmp(char *path)
{
    unlink(path);
    free(path);
}

/* Load "db_password_file = <file holding content>"; returns config_load's rc. */
static int load_secret(const char *content, size_t n, struct config *c, struct err *e,
                       char **secret_path)
{
    char text[512], *path;
    int rc;

    *secret_path = write_tmp_n(content, n);
    snprintf(text, sizeof(text), "db_password_file = %s\n", *secret_path);
    path = write_tmp(text);
    err_clear(e);
    rc = config_load(c, path, e);
    remove_tmp(path);
    return rc;
}

static void keys_and_defaults(void **state)
{
    struct config c;
    struct err e;
    char *secret = write_tmp("s3cret\n");
    char text[512];
    char *path;

    (void)state;
    snprintf(text, sizeof(text),
             "# comment\nlisten = unix:/tmp/x.sock\nprocesses = 3\n\nthreads=5\n"
             "db_password_file = %s\nsms_sign_name = 示范物业\n",
             secret);
    path = write_tmp(text);
    err_clear(&e);
    assert_int_equal(config_load(&c, path, &e), 0);
    assert_string_equal(c.listen, "unix:/tmp/x.sock");
    assert_int_equal(c.processes, 3);
    assert_int_equal(c.threads, 5);
    assert_string_equal(c.db_password, "s3cret"); /* newline dropped */
    assert_string_equal(c.sms_sign_name, "示范物业");
    assert_int_equal(c.body_limit, 64 * 1024); /* default kept */
    /* secrets not configured are empty strings, never NULL */
    assert_string_equal(c.wechat_secret, "");
    assert_string_equal(c.sms_secret_key, "");
    config_free(&c);
    assert_null(c.db_password);
    config_free(&c); /* twice is harmless */
    remove_tmp(path);
    remove_tmp(secret);

    /* a typo must not fall back to a default silently */
    path = write_tmp("proceses = 3\n");
    assert_int_equal(config_load(&c, path, &e), -1);
    assert_int_equal(e.code, E_CONFIG);
    assert_non_null(strstr(e.message, "proceses"));
    remove_tmp(path);
    path = write_tmp("threads = many\n");
    assert_int_equal(config_load(&c, path, &e), -1);
    remove_tmp(path);

    /* trusted proxies: none by default, a list of networks, typos refused */
    path = write_tmp("threads = 1\n");
    assert_int_equal(config_load(&c, path, &e), 0);
    assert_int_equal(c.trusted_proxies.n, 0);
    config_free(&c);
    remove_tmp(path);
    path = write_tmp("trusted_proxies = 10.0.0.0/8, ::1\n");
    assert_int_equal(config_load(&c, path, &e), 0);
    assert_int_equal(c.trusted_proxies.n, 2);
    config_free(&c);
    remove_tmp(path);
    path = write_tmp("trusted_proxies = 10.0.0.1/8\n");
    assert_int_equal(config_load(&c, path, &e), -1);
    assert_non_null(strstr(e.message, "10.0.0.1/8"));
    remove_tmp(path);
}

/* A PEM private key of about 1.7 KB, like the WeChat Pay merchant key. */
static char *pem_key(size_t *len)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t size = 4096, used = 0;
    char *p = malloc(size);

    assert_non_null(p);
    used += (size_t)snprintf(p, size, "-----BEGIN PRIVATE KEY-----\n");
    for (int line = 0; line < 26; line++) {
        for (int i = 0; i < 64; i++)
            p[used++] = b64[(line * 64 + i) * 7 % 64];
        p[used++] = '\n';
    }
    used += (size_t)snprintf(p + used, size - used, "AbCd==\n-----END PRIVATE KEY-----\n");
    *len = used;
    return p;
}

static void secrets_read_whole(void **state)
{
    static const struct {
        const char *content;
        const char *value;
    } rows[] = {
        {"s3cret\n", "s3cret"},
        {"s3cret", "s3cret"},
        {"s3cret\r\n", "s3cret"},       /* a CRLF is one newline */
        {"s3cret\n\n", "s3cret\n"},     /* only one is dropped */
        {"  spaced \n", "  spaced "},   /* spaces are part of a secret */
        {"two\nlines\n", "two\nlines"}, /* so are inner newlines */
        {"", ""},
        {"\n", ""},
    };
    struct config c;
    struct err e;
    char *secret, *pem;
    size_t len;

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (load_secret(rows[i].content, strlen(rows[i].content), &c, &e, &secret) != 0)
            fail_msg("case %zu: %s", i, e.message);
        assert_string_equal(c.db_password, rows[i].value);
        config_free(&c);
        remove_tmp(secret);
    }

    /* 1.7 KB: once cut to the struct's 127 bytes, now whole */
    pem = pem_key(&len);
    assert_true(len > 1700);
    assert_int_equal(load_secret(pem, len, &c, &e, &secret), 0);
    assert_int_equal(strlen(c.db_password), len - 1); /* its last newline dropped */
    assert_memory_equal(c.db_password, pem, len - 1);
    config_free(&c);
    remove_tmp(secret);
    free(pem);
}

static void secrets_refused(void **state)
{
    /* The content is a marker that must never show in a message. */
    size_t big = CONFIG_SECRET_MAX + 1;
    char *content = malloc(big);
    struct config c;
    struct err e;
    char *secret, *path;

    (void)state;
    assert_non_null(content);
    for (size_t i = 0; i < big; i++)
        content[i] = "Zq9xK"[i % 5];

    /* exactly the maximum is accepted */
    assert_int_equal(load_secret(content, CONFIG_SECRET_MAX, &c, &e, &secret), 0);
    assert_int_equal(strlen(c.db_password), CONFIG_SECRET_MAX);
    config_free(&c);
    remove_tmp(secret);

    /* one byte more is an error naming the file */
    assert_int_equal(load_secret(content, big, &c, &e, &secret), -1);
    assert_int_equal(e.code, E_CONFIG);
    assert_non_null(strstr(e.message, secret));
    assert_non_null(strstr(e.message, "larger than"));
    assert_null(strstr(e.message, "Zq9x"));
    assert_null(c.db_password); /* nothing left to free */
    remove_tmp(secret);

    /* a NUL byte would cut the secret short where it is used */
    assert_int_equal(load_secret("Zq9x\0K", 6, &c, &e, &secret), -1);
    assert_non_null(strstr(e.message, secret));
    assert_null(strstr(e.message, "Zq9x"));
    remove_tmp(secret);

    /* a missing file: the error names it */
    path = write_tmp("db_password_file = /nonexistent/wuye-db-password\n");
    err_clear(&e);
    assert_int_equal(config_load(&c, path, &e), -1);
    assert_int_equal(e.code, E_CONFIG);
    assert_non_null(strstr(e.message, "/nonexistent/wuye-db-password"));
    remove_tmp(path);

    /* a good secret, then a bad line: what was read is freed (LeakSanitizer) */
    secret = write_tmp("Zq9xK\n");
    {
        char text[512];
        snprintf(text, sizeof(text), "db_password_file = %s\nwechat_secret_file = %s\nbad\n",
                 secret, secret);
        path = write_tmp(text);
    }
    assert_int_equal(config_load(&c, path, &e), -1);
    assert_null(c.db_password);
    assert_null(c.wechat_secret);
    assert_null(strstr(e.message, "Zq9x"));
    remove_tmp(path);
    remove_tmp(secret);
    free(content);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_and_defaults),
        cmocka_unit_test(secrets_read_whole),
        cmocka_unit_test(secrets_refused),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
