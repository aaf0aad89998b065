/*
 * test_receipts.c — the receipt print page without a database (PAY-7):
 * HTML escaping of every kind of text, the page for A5 and for 80 mm
 * paper, the amount in figures and in words with 人民币, the 重打 mark
 * with the print number from the second print on, 已作废 on a voided
 * receipt, and a payer's name that tries to be markup printed as text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/html.h"
#include "receipts.h"

static void test_html_escape(void **state)
{
    static const struct {
        const char *in;
        size_t n;
        const char *want;
    } cases[] = {
        {"plain 中文", 0, "plain 中文"},
        {"<script>alert(1)</script>", 0, "&lt;script&gt;alert(1)&lt;/script&gt;"},
        {"a&b", 0, "a&amp;b"},
        {"\"x\" 'y'", 0, "&quot;x&quot; &#39;y&#39;"},
        {"&amp;", 0, "&amp;amp;"},
        {"a\0b", 3, "ab"}, /* NUL bytes dropped */
        {"", 0, ""},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = BUF_INIT;
        /* n 0: the whole string */
        html_escape(&b, cases[i].in, cases[i].n ? cases[i].n : strlen(cases[i].in));
        buf_append(&b, "", 0);
        assert_string_equal(b.data ? b.data : "", cases[i].want);
        buf_free(&b);
    }
    {
        struct buf b = BUF_INIT;
        html_puts(&b, NULL);
        assert_int_equal(b.len, 0);
        buf_free(&b);
    }
}

static struct receipt_line lines[] = {
    {11, 1, "物业费", "2026-04", 21478, 0},
    {12, 1, "物业费", "2026-05", 21622, 144},
};

static struct receipt_view sample(void)
{
    struct receipt_view v;

    memset(&v, 0, sizeof(v));
    v.id = 5;
    v.project_id = 1;
    v.project = "示范小区";
    v.receipt_no = "SFXQ-2026-000123";
    v.resource_code = "1-1-101";
    v.building = "1栋";
    v.unit = "1单元";
    v.number = "101";
    v.method = "cash";
    v.purpose = "bills";
    v.status = "valid";
    v.payer_name = "<script>alert('x')</script>";
    v.owners = "张伟";
    v.note = "";
    v.cashier = "王收银";
    v.created_at = "2026-05-31T14:03:09+08:00";
    v.amount_fen = 43100;
    v.printed_count = 1;
    v.lines = lines;
    v.nlines = 2;
    return v;
}

static char *page_of(const struct receipt_view *v, enum receipt_paper paper)
{
    struct buf b = BUF_INIT;

    receipt_html(v, paper, &b);
    return b.data; /* the caller frees it */
}

static void test_page_a5(void **state)
{
    struct receipt_view v = sample();
    char *p = page_of(&v, PAPER_A5);

    (void)state;
    assert_non_null(strstr(p, "<!DOCTYPE html>"));
    assert_non_null(strstr(p, "@page{size:A5"));
    assert_non_null(strstr(p, "<h1>示范小区 收款收据</h1>"));
    assert_non_null(strstr(p, "SFXQ-2026-000123"));
    assert_non_null(strstr(p, "2026-05-31 14:03"));
    assert_non_null(strstr(p, "1栋 1单元 101（1-1-101）"));
    assert_non_null(strstr(p, "现金"));
    assert_non_null(strstr(p, "王收银"));
    /* 431.00 yuan: 肆佰叁拾壹元整 */
    assert_non_null(strstr(p, "人民币肆佰叁拾壹元整"));
    assert_non_null(strstr(p, "¥431.00"));
    assert_non_null(strstr(p, "¥214.78"));
    assert_non_null(strstr(p, "2026-05"));
    assert_non_null(strstr(p, "（含违约金 ¥1.44）"));
    /* the payer's name is text, never markup */
    assert_null(strstr(p, "<script"));
    assert_non_null(strstr(p, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    /* a first print: no marks */
    assert_null(strstr(p, "重打"));
    assert_null(strstr(p, "已作废"));
    free(p);
}

static void test_page_thermal_reprint_void(void **state)
{
    struct receipt_view v = sample();
    char *p;

    (void)state;
    v.printed_count = 3;
    v.status = "voided";
    v.title = "示范物业<收费>专用收据";
    v.footer = "请妥善保管 & 核对";
    v.payer_name = "";
    p = page_of(&v, PAPER_THERMAL80);
    assert_non_null(strstr(p, "@page{size:80mm auto"));
    assert_null(strstr(p, "size:A5"));
    assert_non_null(strstr(p, "<h1>示范物业&lt;收费&gt;专用收据</h1>"));
    assert_non_null(strstr(p, "重打（第 3 次打印）"));
    assert_non_null(strstr(p, "已作废"));
    assert_non_null(strstr(p, "请妥善保管 &amp; 核对"));
    /* no payer given: the owners */
    assert_non_null(strstr(p, "交款人：张伟"));
    free(p);
}

/* A top-up pays no bill: its purpose is its line; amounts in words with 角分. */
static void test_page_prepay(void **state)
{
    struct receipt_view v = sample();
    char *p;

    (void)state;
    v.purpose = "prepay";
    v.nlines = 0;
    v.amount_fen = 100005;
    v.method = "wechat";
    v.building = NULL;
    v.unit = NULL;
    p = page_of(&v, PAPER_A5);
    assert_non_null(strstr(p, "<td>预存款</td>"));
    assert_non_null(strstr(p, "人民币壹仟元零伍分"));
    assert_non_null(strstr(p, "¥1000.05"));
    assert_non_null(strstr(p, "微信"));
    assert_non_null(strstr(p, "房屋：101（1-1-101）"));
    free(p);
}

static void test_names(void **state)
{
    enum receipt_paper p;

    (void)state;
    assert_int_equal(receipt_paper_from_name("a5", &p), 0);
    assert_int_equal(p, PAPER_A5);
    assert_int_equal(receipt_paper_from_name("thermal80", &p), 0);
    assert_int_equal(p, PAPER_THERMAL80);
    assert_int_equal(receipt_paper_from_name("A5", &p), -1);
    assert_int_equal(receipt_paper_from_name(NULL, &p), -1);
    assert_string_equal(receipt_method_label("transfer"), "银行转账");
    assert_string_equal(receipt_method_label("nope"), "nope");
    assert_string_equal(account_reason_label("refund"), "退款");
    assert_string_equal(account_kind_label("deposit"), "押金");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_escape),
        cmocka_unit_test(test_page_a5),
        cmocka_unit_test(test_page_thermal_reprint_void),
        cmocka_unit_test(test_page_prepay),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
