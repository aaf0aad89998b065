/*
 * test_uploads.c — what an upload is, by its content (lib/uploads.c, no
 * database): the magic bytes of JPEG, PNG and WebP, and the Content-Type
 * names they must match; a PHP script, HTML, an SVG, a GIF, a truncated
 * header or a RIFF that is not WebP are none of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "uploads.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_sniff(void **state)
{
    static const struct {
        const char *name;
        const char *bytes;
        size_t n;
        int type; /* -1 = refused */
    } rows[] = {
        {"jpeg (JFIF)", "\xFF\xD8\xFF\xE0\x00\x10JFIF", 10, UPLOAD_JPEG},
        {"jpeg (Exif)", "\xFF\xD8\xFF\xE1", 4, UPLOAD_JPEG},
        {"jpeg, three bytes", "\xFF\xD8\xFF", 3, UPLOAD_JPEG},
        {"png", "\x89PNG\r\n\x1A\n\x00\x00\x00\rIHDR", 16, UPLOAD_PNG},
        {"webp", "RIFF\x24\x00\x00\x00WEBPVP8 ", 16, UPLOAD_WEBP},
        {"php named .jpg", "<?php system($_GET['c']); ?>", 28, -1},
        {"php after a jpeg-like text", "\xFF\xD8<?php", 7, -1},
        {"html", "<html><script>alert(1)</script>", 31, -1},
        {"svg", "<svg xmlns=\"http://www.w3.org/2000/svg\">", 40, -1},
        {"gif", "GIF89a\x01\x00\x01\x00", 10, -1},
        {"png cut short", "\x89PNG\r\n\x1A", 7, -1},
        {"png with a changed byte", "\x89PNG\r\n\x1A\x0B", 8, -1},
        {"riff but wave", "RIFF\x24\x00\x00\x00WAVEfmt ", 16, -1},
        {"riff cut short", "RIFF\x24\x00\x00\x00WEB", 11, -1},
        {"empty", "", 0, -1},
    };

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        enum upload_type t = (enum upload_type)99;
        int rc = upload_sniff(rows[i].bytes, rows[i].n, &t);
        if (rows[i].type < 0 ? rc != -1 : rc != 0 || (int)t != rows[i].type)
            fail_msg("%s: rc %d type %d", rows[i].name, rc, (int)t);
    }
}

static void test_content_type_names(void **state)
{
    static const struct {
        const char *header;
        int type;
    } rows[] = {
        {"image/jpeg", UPLOAD_JPEG},
        {"IMAGE/JPEG", UPLOAD_JPEG},
        {"image/png", UPLOAD_PNG},
        {"image/webp; charset=binary", UPLOAD_WEBP},
        {"image/png ;q=1", UPLOAD_PNG},
        {"image/jpg", -1}, /* not a registered name */
        {"image/pjpeg", -1},
        {"image/gif", -1},
        {"image/svg+xml", -1},
        {"application/x-php", -1},
        {"text/html", -1},
        {"image/jpegx", -1},
        {"", -1},
    };
    enum upload_type t;

    (void)state;
    for (size_t i = 0; i < N(rows); i++) {
        int rc = upload_type_of_header(rows[i].header, &t);
        if (rows[i].type < 0 ? rc != -1 : rc != 0 || (int)t != rows[i].type)
            fail_msg("\"%s\": rc %d", rows[i].header, rc);
    }
    assert_int_equal(upload_type_of_header(NULL, &t), -1);
    assert_string_equal(upload_type_name(UPLOAD_JPEG), "image/jpeg");
    assert_string_equal(upload_type_name(UPLOAD_PNG), "image/png");
    assert_string_equal(upload_type_name(UPLOAD_WEBP), "image/webp");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_content_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
