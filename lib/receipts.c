/*
 * receipts.c — see receipts.h. A print is a write (its count and its
 * audit row) and follows resources_edit.c's shape: one transaction locks
 * the receipt, decides scope on it, counts, audits, and reads what the
 * page prints — so the page says exactly the print number it was counted
 * as, however many staff print the same receipt at once.
 */
#include "receipts.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "core/html.h"
#include "core/money.h"
#include "resources.h"

#define CN_TIME(t) "DATE_FORMAT(" t " + INTERVAL 8 HOUR, '%Y-%m-%dT%H:%i:%s+08:00')"

/* ---- The SQL of this module ---------------------------------------------------------- */

#define PR_NOW PR_CURRENT("pr")
#define AT_CREATED CN_TIME("rc.created_at")
#define AT_VOIDED CN_TIME("rc.voided_at")
#define VIEW                                                                                       \
    "SELECT rc.id, rc.project_id, rc.resource_id, p.name, rc.receipt_no, r.code, bd.name, "        \
    "u.name, r.number, rc.method, rc.purpose, rc.status, rc.payer_name, "                          \
    "(SELECT GROUP_CONCAT(pe.name ORDER BY pr.id SEPARATOR '、') FROM person_resources pr "       \
    "JOIN persons pe ON pe.id = pr.person_id WHERE pr.resource_id = r.id "                         \
    "AND pr.relation = 'owner' AND " PR_NOW "), rc.note, s.name, " AT_CREATED ", " AT_VOIDED       \
    ", rc.amount_fen, rc.to_prepay_fen, rc.printed_count, rc.cashier_id, "                         \
    "ps.receipt_title, ps.receipt_paper, ps.receipt_footer "                                       \
    "FROM receipts rc JOIN projects p ON p.id = rc.project_id "                                    \
    "JOIN resources r ON r.id = rc.resource_id LEFT JOIN buildings bd ON bd.id = r.building_id "   \
    "LEFT JOIN units u ON u.id = r.unit_id LEFT JOIN staff s ON s.id = rc.cashier_id "             \
    "LEFT JOIN project_settings ps ON ps.project_id = rc.project_id WHERE rc.id = ?"
DB_SQL(sql_view, VIEW);
/* What the receipt paid; a void's reversals (reverses_id) are not lines. */
DB_SQL(sql_lines, "SELECT x.bill_id, b.fee_item_id, f.name, b.period, x.amount_fen, x.late_fen "
                  "FROM bill_applications x JOIN bills b ON b.id = x.bill_id "
                  "JOIN fee_items f ON f.id = b.fee_item_id "
                  "WHERE x.receipt_id = ? AND x.reverses_id IS NULL ORDER BY x.id");
DB_SQL(sql_lock, "SELECT project_id, printed_count FROM receipts WHERE id = ? FOR UPDATE");
DB_SQL(sql_count_print, "UPDATE receipts SET printed_count = printed_count + 1 WHERE id = ?");
DB_SQL(sql_snap_print, "SELECT JSON_OBJECT('receipt_no', receipt_no, 'status', status, "
                       "'printed_count', printed_count) FROM receipts WHERE id = ?");
DB_SQL(sql_project_lock, "SELECT id FROM projects WHERE id = ? FOR UPDATE");
DB_SQL(sql_settings_set,
       "INSERT INTO project_settings (project_id, receipt_title, receipt_paper, receipt_footer) "
       "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE receipt_title = VALUES(receipt_title), "
       "receipt_paper = VALUES(receipt_paper), receipt_footer = VALUES(receipt_footer)");
DB_SQL(sql_snap_settings, "SELECT JSON_OBJECT('receipt_title', receipt_title, 'receipt_paper', "
                          "receipt_paper, 'receipt_footer', receipt_footer) "
                          "FROM project_settings WHERE project_id = ?");

/* ---- names --------------------------------------------------------------------------- */

static const char *label_of(const char *code, const char *const (*names)[2], size_t n)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(code, names[i][0]) == 0)
            return names[i][1];
    return code;
}

#define LABEL(code, table) label_of((code), (table), sizeof(table) / sizeof((table)[0]))

static const char *const method_labels[][2] = {
    {"cash", "现金"},         {"card", "刷卡"},         {"wechat", "微信"},
    {"alipay", "支付宝"},     {"transfer", "银行转账"}, {"wechat_pay", "微信支付（线上）"},
    {"prepay", "预存款抵扣"},
};
static const char *const purpose_labels[][2] = {
    {"bills", "缴纳账单"}, {"prepay", "预存款"}, {"deposit", "押金"}};
static const char *const kind_labels[][2] = {{"prepay", "预存款"}, {"deposit", "押金"}};
static const char *const reason_labels[][2] = {
    {"collect", "存入"}, {"overpay", "多收转预存"}, {"offset", "抵扣账单"},
    {"refund", "退款"},  {"void", "作废冲回"},
};

const char *receipt_method_label(const char *m)
{
    return LABEL(m, method_labels);
}

const char *receipt_purpose_label(const char *p)
{
    return LABEL(p, purpose_labels);
}

const char *account_kind_label(const char *k)
{
    return LABEL(k, kind_labels);
}

const char *account_reason_label(const char *r)
{
    return LABEL(r, reason_labels);
}

int receipt_paper_from_name(const char *s, enum receipt_paper *out)
{
    if (s && strcmp(s, "a5") == 0)
        *out = PAPER_A5;
    else if (s && strcmp(s, "thermal80") == 0)
        *out = PAPER_THERMAL80;
    else
        return -1;
    return 0;
}

const char *receipt_paper_name(enum receipt_paper p)
{
    return p == PAPER_THERMAL80 ? "thermal80" : "a5";
}

/* ---- reading ------------------------------------------------------------------------- */

/* The receipt and its lines, whoever asks (the callers decide scope). */
static int load(struct db *db, struct arena *a, int64_t id, struct receipt_view *v, struct err *e)
{
    struct db_res r;
    int found = db_one(db, a, &sql_view, DB_ARGS(P_INT(id)), &r, e);

    memset(v, 0, sizeof(*v));
    if (found <= 0)
        return found < 0 ? -1 : err_not_found(e);
    v->id = db_int(&r, 0, 0);
    v->project_id = db_int(&r, 0, 1);
    v->resource_id = db_int(&r, 0, 2);
    v->project = db_text(&r, 0, 3);
    v->receipt_no = db_text(&r, 0, 4);
    v->resource_code = db_text(&r, 0, 5);
    v->building = db_str(&r, 0, 6);
    v->unit = db_str(&r, 0, 7);
    v->number = db_text(&r, 0, 8);
    v->method = db_text(&r, 0, 9);
    v->purpose = db_text(&r, 0, 10);
    v->status = db_text(&r, 0, 11);
    v->payer_name = db_text(&r, 0, 12);
    v->owners = db_str(&r, 0, 13);
    v->note = db_text(&r, 0, 14);
    v->cashier = db_str(&r, 0, 15);
    v->created_at = db_text(&r, 0, 16);
    v->voided_at = db_str(&r, 0, 17);
    v->amount_fen = db_int(&r, 0, 18);
    v->to_prepay_fen = db_int(&r, 0, 19);
    v->printed_count = db_int(&r, 0, 20);
    v->cashier_id = db_int(&r, 0, 21);
    v->title = db_str(&r, 0, 22);
    if (v->title && !*v->title)
        v->title = NULL;
    receipt_paper_from_name(db_str(&r, 0, 23), &v->paper);
    v->footer = db_str(&r, 0, 24);
    if (db_query(db, a, &sql_lines, DB_ARGS(P_INT(id)), &r, e) < 0)
        return -1;
    v->lines = arena_alloc(a, (r.nrows ? r.nrows : 1) * sizeof(*v->lines));
    v->nlines = r.nrows;
    for (size_t i = 0; i < r.nrows; i++) {
        struct receipt_line *x = &v->lines[i];
        x->bill_id = db_int(&r, i, 0);
        x->fee_item_id = db_int(&r, i, 1);
        x->fee_item = db_text(&r, i, 2);
        x->period = db_text(&r, i, 3);
        x->amount_fen = db_int(&r, i, 4);
        x->late_fen = db_int(&r, i, 5);
    }
    return 0;
}

int receipt_get(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                struct receipt_view *out, struct err *e)
{
    if (load(db, a, id, out, e) < 0)
        return -1;
    return auth_in_project(who, out->project_id) ? 0 : err_not_found(e);
}

struct print_op {
    struct arena *a;
    const struct principal *who;
    int64_t id;
    struct receipt_view *out;
};

static int print_tx(struct db *db, void *arg, struct err *e)
{
    struct print_op *op = arg;
    struct db_res r;
    const char *before;
    int found = db_one(db, op->a, &sql_lock, DB_ARGS(P_INT(op->id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(op->who, db_int(&r, 0, 0)))
        return err_not_found(e);
    if (audit_snapshot(db, op->a, &sql_snap_print, op->id, &before, e) < 0 ||
        db_exec(db, &sql_count_print, DB_ARGS(P_INT(op->id)), NULL, e) < 0 ||
        audit_change(
            db, op->a,
            &(struct audit_entry){.who = op->who,
                                  .action = db_int(&r, 0, 1) ? "reprint_receipt" : "print_receipt",
                                  .entity = "receipt",
                                  .entity_id = op->id,
                                  .before = before},
            &sql_snap_print, e) < 0)
        return -1;
    return load(db, op->a, op->id, op->out, e);
}

int receipt_print(struct db *db, struct arena *a, const struct principal *who, int64_t id,
                  struct receipt_view *out, struct err *e)
{
    struct print_op op = {a, who, id, out};

    return db_tx(db, print_tx, &op, e);
}

/* ---- the template -------------------------------------------------------------------- */

struct template_op {
    struct arena a;
    const struct principal *who;
    int64_t project_id;
    const struct receipt_template *t;
};

static int template_tx(struct db *db, void *arg, struct err *e)
{
    struct template_op *op = arg;
    struct db_res r;
    const char *before;
    int found = db_one(db, &op->a, &sql_project_lock, DB_ARGS(P_INT(op->project_id)), &r, e);

    if (found < 0)
        return -1;
    if (!found || !auth_in_project(op->who, op->project_id))
        return err_not_found(e);
    if (audit_snapshot(db, &op->a, &sql_snap_settings, op->project_id, &before, e) < 0 ||
        db_exec(db, &sql_settings_set,
                DB_ARGS(P_INT(op->project_id), P_STR(op->t->title ? op->t->title : ""),
                        P_STR(op->t->paper ? op->t->paper : "a5"),
                        P_STR(op->t->footer ? op->t->footer : "")),
                NULL, e) < 0)
        return -1;
    return audit_change(db, &op->a,
                        &(struct audit_entry){.who = op->who,
                                              .action = "set_receipt_template",
                                              .entity = "project_settings",
                                              .entity_id = op->project_id,
                                              .before = before},
                        &sql_snap_settings, e);
}

int receipt_template_set(struct db *db, const struct principal *who, int64_t project_id,
                         const struct receipt_template *t, struct err *e)
{
    struct template_op op = {{0}, who, project_id, t};
    enum receipt_paper p;
    int rc;

    if (t->paper && receipt_paper_from_name(t->paper, &p) < 0)
        return err_bad_request(e, "paper 只能是 a5 或 thermal80");
    rc = db_tx(db, template_tx, &op, e);
    arena_free(&op.a);
    return rc;
}

/* ---- the page ------------------------------------------------------------------------ */

static const char css_a5[] =
    "@page{size:A5;margin:10mm}"
    "body{font-family:'SimSun','Songti SC',serif;font-size:11pt;margin:0;color:#000}"
    "h1{text-align:center;font-size:17pt;letter-spacing:2pt;margin:0 0 3mm}"
    ".marks{text-align:center;font-size:13pt;font-weight:bold;margin-bottom:2mm}"
    ".void{color:#c00;border:2px solid #c00;padding:0 3mm}"
    ".head,.foot{width:100%;margin:2mm 0}.head td,.foot td{padding:1mm 0}"
    "table.lines{width:100%;border-collapse:collapse}"
    ".lines th,.lines td{border:1px solid #000;padding:1mm 2mm}"
    ".num{text-align:right;white-space:nowrap}.words{font-weight:bold}";
static const char css_thermal80[] =
    "@page{size:80mm auto;margin:3mm}"
    "body{font-family:'SimSun','Songti SC',serif;font-size:9pt;margin:0;width:74mm;color:#000}"
    "h1{text-align:center;font-size:12pt;margin:0 0 2mm}"
    ".marks{text-align:center;font-weight:bold;margin-bottom:1mm}"
    ".void{border:1px solid #000;padding:0 2mm}"
    ".head,.foot{width:100%}.head td,.foot td{padding:0.5mm 0;vertical-align:top}"
    "table.lines{width:100%;border-collapse:collapse;border-top:1px dashed #000;"
    "border-bottom:1px dashed #000;margin:1mm 0}"
    ".lines th,.lines td{padding:0.5mm 0;text-align:left}"
    ".num{text-align:right;white-space:nowrap}.words{font-weight:bold}";

static void yuan(struct buf *out, int64_t fen)
{
    char t[MONEY_FORMAT_SIZE];

    money_format(fen, t);
    buf_puts(out, "¥");
    buf_puts(out, t);
}

/* One "label: value" line of the head or foot, the value escaped. */
static void field(struct buf *out, const char *label, const char *value)
{
    buf_printf(out, "<tr><td>%s：", label);
    html_puts(out, value);
    buf_puts(out, "</td></tr>");
}

/* "2026-05-31 14:03" of an RFC 3339 time. */
static void day_and_time(const char *rfc3339, char out[17])
{
    snprintf(out, 17, "%.10s %.5s", rfc3339, strlen(rfc3339) >= 16 ? rfc3339 + 11 : "");
}

static void lines_table(struct buf *out, const struct receipt_view *v)
{
    buf_puts(out, "<table class=\"lines\"><tr><th>收费项目</th><th>账期</th>"
                  "<th class=\"num\">金额</th></tr>");
    for (size_t i = 0; i < v->nlines; i++) {
        const struct receipt_line *x = &v->lines[i];
        buf_puts(out, "<tr><td>");
        html_puts(out, x->fee_item);
        if (x->late_fen > 0) {
            buf_puts(out, "（含违约金 ");
            yuan(out, x->late_fen);
            buf_puts(out, "）");
        }
        buf_puts(out, "</td><td>");
        html_puts(out, x->period);
        buf_puts(out, "</td><td class=\"num\">");
        yuan(out, x->amount_fen);
        buf_puts(out, "</td></tr>");
    }
    /* a top-up or a deposit pays no bill: its purpose is its line; the
     * rest of a collection that went to the prepayment account too */
    if (strcmp(v->purpose, "bills") != 0) {
        buf_puts(out, "<tr><td>");
        html_puts(out, receipt_purpose_label(v->purpose));
        buf_puts(out, "</td><td></td><td class=\"num\">");
        yuan(out, v->amount_fen);
        buf_puts(out, "</td></tr>");
    } else if (v->to_prepay_fen > 0) {
        buf_puts(out, "<tr><td>存入预存款</td><td></td><td class=\"num\">");
        yuan(out, v->to_prepay_fen);
        buf_puts(out, "</td></tr>");
    }
    buf_puts(out, "</table>");
}

void receipt_html(const struct receipt_view *v, enum receipt_paper paper, struct buf *out)
{
    char words[MONEY_WORDS_SIZE], when[17];
    const char *payer = v->payer_name && *v->payer_name ? v->payer_name : v->owners;
    struct buf place = BUF_INIT;

    if (money_words(v->amount_fen, words) < 0)
        words[0] = '\0'; /* beyond MONEY_MAX_FEN: no receipt holds that much */
    day_and_time(v->created_at, when);
    buf_puts(out, "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                  "<title>收据 ");
    html_puts(out, v->receipt_no);
    buf_printf(out, "</title><style>%s</style></head><body class=\"%s\"><h1>",
               paper == PAPER_THERMAL80 ? css_thermal80 : css_a5, receipt_paper_name(paper));
    if (v->title) {
        html_puts(out, v->title);
    } else {
        html_puts(out, v->project);
        buf_puts(out, " 收款收据");
    }
    buf_puts(out, "</h1>");
    if (v->printed_count > 1 || strcmp(v->status, "voided") == 0) {
        buf_puts(out, "<div class=\"marks\">");
        if (strcmp(v->status, "voided") == 0)
            buf_puts(out, "<span class=\"void\">已作废</span> ");
        if (v->printed_count > 1)
            buf_printf(out, "<span class=\"reprint\">重打（第 %" PRId64 " 次打印）</span>",
                       v->printed_count);
        buf_puts(out, "</div>");
    }
    /* 1栋 1单元 101（1-1-101） */
    if (v->building)
        buf_printf(&place, "%s ", v->building);
    if (v->unit)
        buf_printf(&place, "%s ", v->unit);
    buf_printf(&place, "%s（%s）", v->number, v->resource_code);
    buf_puts(out, "<table class=\"head\">");
    field(out, "收据号", v->receipt_no);
    field(out, "日期", when);
    field(out, "房屋", place.data);
    field(out, "交款人", payer ? payer : "");
    field(out, "付款方式", receipt_method_label(v->method));
    buf_puts(out, "</table>");
    lines_table(out, v);
    buf_puts(out, "<table class=\"foot\"><tr><td>合计：<span class=\"words\">人民币");
    html_puts(out, words);
    buf_puts(out, "</span> <span class=\"num\">");
    yuan(out, v->amount_fen);
    buf_puts(out, "</span></td></tr>");
    if (v->note && *v->note)
        field(out, "备注", v->note);
    field(out, "收款人", v->cashier ? v->cashier : "");
    if (v->footer && *v->footer) {
        buf_puts(out, "<tr><td>");
        html_puts(out, v->footer);
        buf_puts(out, "</td></tr>");
    }
    buf_puts(out, "</table></body></html>");
    buf_free(&place);
}
