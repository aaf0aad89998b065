/*
 * test_importer_parse.c — the pure half of the RES-5 importer, without a
 * database: cell parsers (areas as integers ×100 parsed by hand, floors,
 * calendar dates, kinds, relations, ID masking), header mapping, row
 * validation into struct import_row with its Chinese errors, the error cap
 * and the printed report. Every expectation is computed by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/json.h"
#include "core/csv.h"
#include "resources_import.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- cell parsers ----------------------------------------------------- */

struct num_case {
    const char *in;
    int rc;
    int64_t want;
};

static const struct num_case area_cases[] = {
    {"89.5", 0, 8950},
    {"89.50", 0, 8950},
    {"0.01", 0, 1},
    {"0", 0, 0},
    {"0.1", 0, 10},
    {"120.6", 0, 12060},
    {"143.2", 0, 14320},
    {"98.75", 0, 9875},
    {"0089.5", 0, 8950},
    {"1000000", 0, 100000000},
    {"1000000.00", 0, 100000000},
    {"1000000.01", IMPORT_RANGE, 0},
    {"99999999999999999999999", IMPORT_RANGE, 0},
    {"89.555", IMPORT_DECIMALS, 0},
    {"89.500", IMPORT_DECIMALS, 0}, /* no silent rounding, even of zeros */
    {"0.001", IMPORT_DECIMALS, 0},
    {"-1", IMPORT_BAD, 0},
    {"+1", IMPORT_BAD, 0},
    {"1e3", IMPORT_BAD, 0},
    {"\xEF\xBC\x92", IMPORT_BAD, 0}, /* "２", full-width */
    {"89.", IMPORT_BAD, 0},
    {".5", IMPORT_BAD, 0},
    {"", IMPORT_BAD, 0},
    {"1,234.5", IMPORT_BAD, 0},
    {"1 2", IMPORT_BAD, 0},
    {"89.5m\xC2\xB2", IMPORT_BAD, 0}, /* "89.5m²" */
    {"89..5", IMPORT_BAD, 0},
    {"NaN", IMPORT_BAD, 0},
    {"0x10", IMPORT_BAD, 0},
};

static void test_parse_area(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(area_cases); i++) {
        const struct num_case *c = &area_cases[i];
        int64_t v = -7;

        print_message("area [%s]\n", c->in);
        assert_int_equal(import_parse_area(c->in, strlen(c->in), &v), c->rc);
        assert_int_equal(v, c->rc == 0 ? c->want : -7); /* untouched on error */
    }
}

static const struct num_case floor_cases[] = {
    {"12", 0, 12},
    {"1", 0, 1},
    {"-1", 0, -1},
    {"-3", 0, -3},
    {"0", 0, 0},
    {"-0", 0, 0},
    {"007", 0, 7},
    {"300", 0, 300},
    {"-99", 0, -99},
    {"301", IMPORT_RANGE, 0},
    {"-100", IMPORT_RANGE, 0},
    {"32768", IMPORT_RANGE, 0},
    {"99999999999999999999999", IMPORT_RANGE, 0},
    {"1.5", IMPORT_BAD, 0},
    {"-", IMPORT_BAD, 0},
    {"", IMPORT_BAD, 0},
    {"+1", IMPORT_BAD, 0},
    {"\xEF\xBC\x91", IMPORT_BAD, 0}, /* "１" */
    {"1F", IMPORT_BAD, 0},
    {"B1", IMPORT_BAD, 0},
    {"--1", IMPORT_BAD, 0},
};

static void test_parse_floor(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(floor_cases); i++) {
        const struct num_case *c = &floor_cases[i];
        int64_t v = -7;

        print_message("floor [%s]\n", c->in);
        assert_int_equal(import_parse_floor(c->in, strlen(c->in), &v), c->rc);
        assert_int_equal(v, c->rc == 0 ? c->want : -7);
    }
}

struct date_case {
    const char *in;
    int rc;
};

static const struct date_case date_cases[] = {
    {"2024-02-29", 0},          /* leap year */
    {"2026-02-29", IMPORT_BAD}, /* not a leap year */
    {"2000-02-29", 0},          /* divisible by 400 */
    {"1900-02-29", IMPORT_BAD}, /* divisible by 100, not by 400 */
    {"2026-02-28", 0},
    {"2023-04-31", IMPORT_BAD},
    {"2023-04-30", 0},
    {"2023-12-31", 0},
    {"2023-01-31", 0},
    {"2023-13-01", IMPORT_BAD},
    {"2023-00-10", IMPORT_BAD},
    {"2023-01-00", IMPORT_BAD},
    {"2023-01-32", IMPORT_BAD},
    {"2019-05-01", 0},
    {"1900-01-01", 0},
    {"2099-12-31", 0},
    {"1899-12-31", IMPORT_RANGE},
    {"2100-01-01", IMPORT_RANGE},
    {"2023-1-1", IMPORT_BAD},
    {"2023/01/01", IMPORT_BAD},
    {"20230101", IMPORT_BAD},
    {"2023-01-01 ", IMPORT_BAD},
    {"2023-01-01T00:00", IMPORT_BAD},
    {"２０２３-01-01", IMPORT_BAD},
    {"-023-01-01", IMPORT_BAD},
    {"", IMPORT_BAD},
};

static void test_parse_date(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(date_cases); i++) {
        print_message("date [%s]\n", date_cases[i].in);
        assert_int_equal(import_parse_date(date_cases[i].in, strlen(date_cases[i].in)),
                         date_cases[i].rc);
    }
}

struct code_case {
    const char *in;
    const char *want; /* NULL = refused */
};

static const struct code_case kind_cases[] = {
    {"home", "home"},     {"Home", "home"},    {"住宅", "home"},
    {"商铺", "shop"},     {"shop", "shop"},    {"写字楼", "office"},
    {"OFFICE", "office"}, {"车位", "parking"}, {"parking", "parking"},
    {"其他", "other"},    {"other", "other"},  {"house", NULL},
    {"", NULL},           {"住", NULL},        {"住宅 ", NULL},
    {"homes", NULL},
};

static const struct code_case relation_cases[] = {
    {"owner", "owner"}, {"业主", "owner"},    {"Owner", "owner"}, {"family", "family"},
    {"家属", "family"}, {"tenant", "tenant"}, {"租户", "tenant"}, {"房东", NULL},
    {"", NULL},         {"own", NULL},
};

static void test_parse_kind_relation(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(kind_cases); i++) {
        const char *got = import_kind_parse(kind_cases[i].in, strlen(kind_cases[i].in));
        print_message("kind [%s]\n", kind_cases[i].in);
        if (kind_cases[i].want)
            assert_string_equal(got, kind_cases[i].want);
        else
            assert_null(got);
    }
    for (size_t i = 0; i < N(relation_cases); i++) {
        const char *got = import_relation_parse(relation_cases[i].in, strlen(relation_cases[i].in));
        print_message("relation [%s]\n", relation_cases[i].in);
        if (relation_cases[i].want)
            assert_string_equal(got, relation_cases[i].want);
        else
            assert_null(got);
    }
    assert_string_equal(import_kind_label("home"), "住宅");
    assert_string_equal(import_kind_label("parking"), "车位");
    assert_string_equal(import_relation_label("tenant"), "租户");
    assert_null(import_relation_label(NULL));
}

static const struct code_case mask_cases[] = {
    {"330106199001011234", "3301**********1234"},
    {"3301**********1234", "3301**********1234"}, /* masked input masks to itself */
    {"33010619900101123x", "3301**********123X"},
    {"330106900101123", "3301*******1123"},
    {"E12345678", "E123*5678"},
    {"e12345678", "E123*5678"},
    {"12345678", NULL},
    {"123456789012345678901234567890123", NULL},                              /* 33 */
    {"12345678901234567890123456789012", "1234************************9012"}, /* 32 */
    {"3301-0619-9001", NULL},
    {"330106 199001011234", NULL},
    {"３３０１０６１９９００１０１１２３４", NULL},
    {"", NULL},
};

static void test_mask_id(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(mask_cases); i++) {
        char out[33];
        int rc = import_mask_id(mask_cases[i].in, strlen(mask_cases[i].in), out);

        print_message("id [%s]\n", mask_cases[i].in);
        if (mask_cases[i].want) {
            assert_int_equal(rc, 0);
            assert_string_equal(out, mask_cases[i].want);
        } else {
            assert_int_equal(rc, IMPORT_BAD);
        }
    }
}

/* ---- header ----------------------------------------------------------- */

#define FULL_HEADER                                                                                \
    "楼栋,单元,房号,编码,类型,楼层,建筑面积,套内面积,户型,装修,姓名,手机,关系,入住日期,证件号"

/* Parse the first record of csv as a header. */
static int header_of(const char *csv, struct import_header *h, struct err *e)
{
    struct csv_reader r;
    const struct csv_field *f;
    size_t n;
    int rc;

    csv_reader_init(&r, csv, strlen(csv));
    assert_int_equal(csv_read(&r, &f, &n, e), 1);
    rc = import_header_parse(f, n, h, e);
    csv_reader_free(&r);
    return rc;
}

static void test_header_names(void **state)
{
    struct import_header h;
    struct err e;

    (void)state;
    memset(&e, 0, sizeof(e));
    assert_int_equal(header_of(FULL_HEADER, &h, &e), 0);
    for (int c = 0; c < IMPORT_NCOLS; c++)
        assert_int_equal(h.field_of[c], c);
    assert_int_equal(h.nfields, IMPORT_NCOLS);

    /* English, any case, any order, spaces around, a BOM before. */
    assert_int_equal(
        header_of("\xEF\xBB\xBF Kind ,number,AREA_M2,Building,phone,name,relation", &h, &e), 0);
    assert_int_equal(h.field_of[IMPORT_COL_KIND], 0);
    assert_int_equal(h.field_of[IMPORT_COL_NUMBER], 1);
    assert_int_equal(h.field_of[IMPORT_COL_AREA], 2);
    assert_int_equal(h.field_of[IMPORT_COL_BUILDING], 3);
    assert_int_equal(h.field_of[IMPORT_COL_PHONE], 4);
    assert_int_equal(h.field_of[IMPORT_COL_NAME], 5);
    assert_int_equal(h.field_of[IMPORT_COL_RELATION], 6);
    assert_int_equal(h.field_of[IMPORT_COL_UNIT], -1);
    assert_int_equal(h.field_of[IMPORT_COL_ID_NUMBER], -1);

    /* Mixed languages; trailing empty header cells are not columns. */
    assert_int_equal(header_of("房号,kind,楼栋,inner_area_m2,,", &h, &e), 0);
    assert_int_equal(h.field_of[IMPORT_COL_INNER_AREA], 3);
    assert_int_equal(h.nfields, 6);
    assert_true(h.ignored[4]);
    assert_true(h.ignored[5]);
    assert_false(h.ignored[0]);
}

struct header_err_case {
    const char *csv;
    const char *needle; /* must occur in the message */
};

static const struct header_err_case header_errors[] = {
    {"房号,类型,面积,备注", "无法识别的列：“面积”、“备注”"},
    {"房号,类型,楼栋,building", "“楼栋”列出现了两次（第 3 列和第 4 列）"},
    {"楼栋,类型", "缺少必需的列“房号”"},
    {"楼栋,number", "缺少必需的列“类型”"},
    {"房号,类型,姓名", "“姓名”“手机”“关系”三列须同时出现"},
    {"房号,类型,手机,关系", "“姓名”“手机”“关系”三列须同时出现"},
    {"1栋,1单元,101,住宅", "无法识别的列"}, /* data where the header should be */
};

static void test_header_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(header_errors); i++) {
        struct import_header h;
        struct err e;

        memset(&e, 0, sizeof(e));
        print_message("header [%s]\n", header_errors[i].csv);
        assert_int_equal(header_of(header_errors[i].csv, &h, &e), -1);
        assert_int_equal(err_status(e.code), 400);
        assert_string_equal(err_name(e.code), "BAD_REQUEST");
        print_message("  -> %s\n", e.message);
        assert_non_null(strstr(e.message, header_errors[i].needle));
    }
}

/* Many long unknown names: the message is cut, but stays valid UTF-8. */
static void test_header_error_message_fits(void **state)
{
    struct buf csv = BUF_INIT;
    struct import_header h;
    struct err e;

    (void)state;
    buf_puts(&csv, "房号,类型");
    for (int i = 0; i < 40; i++)
        buf_printf(&csv, ",未知的列名称第%d号", i);
    assert_int_equal(header_of(csv.data, &h, &e), -1);
    assert_true(strlen(e.message) < sizeof(e.message));
    assert_true(utf8_valid(e.message, strlen(e.message)));
    assert_non_null(strstr(e.message, "未知的列名称第0号"));
    buf_free(&csv);
}

/* ---- rows ------------------------------------------------------------- */

/* Validate the second record of csv under the header in its first. */
static int row_of(const char *csv, struct arena *a, struct import_row *row,
                  struct import_report *rep)
{
    struct csv_reader r;
    const struct csv_field *f;
    struct import_header h;
    struct err e;
    size_t n;
    int rc;

    csv_reader_init(&r, csv, strlen(csv));
    assert_int_equal(csv_read(&r, &f, &n, &e), 1);
    assert_int_equal(import_header_parse(f, n, &h, &e), 0);
    assert_int_equal(csv_read(&r, &f, &n, &e), 1);
    rc = import_row_parse(&h, f, n, r.record_line, a, row, rep);
    csv_reader_free(&r);
    return rc;
}

struct row_ok_case {
    const char *row;
    const char *building, *unit, *number, *code, *kind;
    int has_floor;
    int64_t floor;
    int has_area;
    int64_t area;
    int has_inner;
    int64_t inner;
    const char *layout, *decoration;
    int has_person;
    const char *name, *phone, *relation, *moved_in_on, *id_masked;
};

static const struct row_ok_case row_ok[] = {
    {"1栋,1单元,101,,住宅,1,89.5,72.30,两室一厅,精装,张伟,13800000001,业主,2019-05-01,"
     "330106199001011234",
     "1栋",
     "1单元",
     "101",
     "1栋-1单元-101",
     "home",
     1,
     1,
     1,
     8950,
     1,
     7230,
     "两室一厅",
     "精装",
     1,
     "张伟",
     "13800000001",
     "owner",
     "2019-05-01",
     "3301**********1234"},
    /* The export's form: explicit code, Chinese values, masked ID. */
    {"1栋,1单元,101,1-1-101,住宅,1,89.50,72.30,两室一厅,精装,张小明,13800000003,家属,,",
     "1栋",
     "1单元",
     "101",
     "1-1-101",
     "home",
     1,
     1,
     1,
     8950,
     1,
     7230,
     "两室一厅",
     "精装",
     1,
     "张小明",
     "13800000003",
     "family",
     NULL,
     NULL},
    /* Parking: no building, basement floor, no people. */
    {",,B1-001,P-B1-001,车位,-1,12.5,,,,,,,,",
     NULL,
     NULL,
     "B1-001",
     "P-B1-001",
     "parking",
     1,
     -1,
     1,
     1250,
     0,
     0,
     NULL,
     NULL,
     0,
     NULL,
     NULL,
     NULL,
     NULL,
     NULL},
    /* Default code without building and unit: the number alone. */
    {",,B1-002,,parking,,,,,,,,,,",
     NULL,
     NULL,
     "B1-002",
     "B1-002",
     "parking",
     0,
     0,
     0,
     0,
     0,
     0,
     NULL,
     NULL,
     0,
     NULL,
     NULL,
     NULL,
     NULL,
     NULL},
    /* A shop street without units: the unit part is left out. */
    {"商业街,,S01,,shop,1,65,60,,,赵磊,13800000005,tenant,2023-06-01,",
     "商业街",
     NULL,
     "S01",
     "商业街-S01",
     "shop",
     1,
     1,
     1,
     6500,
     1,
     6000,
     NULL,
     NULL,
     1,
     "赵磊",
     "13800000005",
     "tenant",
     "2023-06-01",
     NULL},
    /* Spaces around cells are not data. */
    {" 2栋 , 1单元 , 201 ,, 住宅 , 2 , 98.75 ,,,,,,,,",
     "2栋",
     "1单元",
     "201",
     "2栋-1单元-201",
     "home",
     1,
     2,
     1,
     9875,
     0,
     0,
     NULL,
     NULL,
     0,
     NULL,
     NULL,
     NULL,
     NULL,
     NULL},
    /* The export's defusing ' comes off again — exactly one. */
    {"'=1栋,,'-5,,写字楼,,,,''精装,'@x,,,,,",
     "=1栋",
     NULL,
     "-5",
     "=1栋--5",
     "office",
     0,
     0,
     0,
     0,
     0,
     0,
     "'精装",
     "@x",
     0,
     NULL,
     NULL,
     NULL,
     NULL,
     NULL},
    /* Fewer cells than header columns: the rest are empty. */
    {"3栋,1单元,301,,住宅",
     "3栋",
     "1单元",
     "301",
     "3栋-1单元-301",
     "home",
     0,
     0,
     0,
     0,
     0,
     0,
     NULL,
     NULL,
     0,
     NULL,
     NULL,
     NULL,
     NULL,
     NULL},
    /* Empty cells beyond the header are harmless (Excel's trailing commas). */
    {"3栋,1单元,302,,住宅,,,,,,,,,,,,,",
     "3栋",
     "1单元",
     "302",
     "3栋-1单元-302",
     "home",
     0,
     0,
     0,
     0,
     0,
     0,
     NULL,
     NULL,
     0,
     NULL,
     NULL,
     NULL,
     NULL,
     NULL},
    /* Area 0 means unknown: the inner area is not compared with it. */
    {"A座,,1201,,other,12,0,90.5,,,,,,,",
     "A座",
     NULL,
     "1201",
     "A座-1201",
     "other",
     1,
     12,
     1,
     0,
     1,
     9050,
     NULL,
     NULL,
     0,
     NULL,
     NULL,
     NULL,
     NULL,
     NULL},
};

static void assert_str_or_null(const char *got, const char *want)
{
    if (want)
        assert_string_equal(got, want);
    else
        assert_null(got);
}

static void test_rows_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(row_ok); i++) {
        const struct row_ok_case *c = &row_ok[i];
        struct import_report rep;
        struct import_row row;
        struct arena a = {NULL};
        struct buf csv = BUF_INIT;

        memset(&rep, 0, sizeof(rep));
        print_message("row [%s]\n", c->row);
        buf_printf(&csv, "%s\n%s\n", FULL_HEADER, c->row);
        assert_int_equal(row_of(csv.data, &a, &row, &rep), 0);
        assert_int_equal(rep.nerrors, 0);
        assert_int_equal(row.line, 2);
        assert_str_or_null(row.building, c->building);
        assert_str_or_null(row.unit, c->unit);
        assert_str_or_null(row.number, c->number);
        assert_str_or_null(row.code, c->code);
        assert_str_or_null(row.kind, c->kind);
        assert_int_equal(row.has_floor, c->has_floor);
        assert_int_equal(row.floor, c->floor);
        assert_int_equal(row.has_area, c->has_area);
        assert_int_equal(row.area_m2x100, c->area);
        assert_int_equal(row.has_inner_area, c->has_inner);
        assert_int_equal(row.inner_area_m2x100, c->inner);
        assert_str_or_null(row.layout, c->layout);
        assert_str_or_null(row.decoration, c->decoration);
        assert_int_equal(row.has_person, c->has_person);
        assert_str_or_null(row.name, c->name);
        assert_str_or_null(row.phone, c->phone);
        assert_str_or_null(row.relation, c->relation);
        assert_str_or_null(row.moved_in_on, c->moved_in_on);
        assert_str_or_null(row.id_number_masked, c->id_masked);
        import_report_free(&rep);
        arena_free(&a);
        buf_free(&csv);
    }
}

struct row_err_case {
    const char *row;
    int nerr;
    const char *column;  /* of the first error; NULL = the row */
    const char *message; /* of the first error, exactly */
};

static const struct row_err_case row_err[] = {
    {"1栋,1单元,,,住宅,,,,,,,,,,", 1, "房号", "房号不能为空"},
    {"1栋,1单元,101,,,,,,,,,,,,", 1, "类型", "类型不能为空"},
    {"1栋,1单元,101,,别墅,,,,,,,,,,", 1, "类型",
     "类型不正确：应为 住宅、商铺、写字楼、车位、其他 之一"},
    {",,101,,住宅,,,,,,,,,,", 1, "楼栋", "住宅必须填写楼栋"},
    {",,S02,,商铺,,,,,,,,,,", 1, "楼栋", "商铺必须填写楼栋"},
    {",,F01,,office,,,,,,,,,,", 1, "楼栋", "写字楼必须填写楼栋"},
    {",B1,001,,车位,,,,,,,,,,", 1, "单元", "填写了单元就必须填写楼栋"},
    {"1栋,1单元,101,,住宅,,89.555,,,,,,,,", 1, "建筑面积", "建筑面积格式不正确：最多两位小数"},
    {"1栋,1单元,101,,住宅,,-1,,,,,,,,", 1, "建筑面积",
     "建筑面积格式不正确：应为不小于 0 的数字（平方米），如 89.50"},
    {"1栋,1单元,101,,住宅,,1e3,,,,,,,,", 1, "建筑面积",
     "建筑面积格式不正确：应为不小于 0 的数字（平方米），如 89.50"},
    {"1栋,1单元,101,,住宅,,,２,,,,,,,", 1, "套内面积",
     "套内面积格式不正确：应为不小于 0 的数字（平方米），如 89.50"},
    {"1栋,1单元,101,,住宅,,2000000,,,,,,,,", 1, "建筑面积", "建筑面积过大（最多 1000000 平方米）"},
    {"1栋,1单元,101,,住宅,,89.5,90,,,,,,,", 1, "套内面积", "套内面积不能大于建筑面积"},
    {"1栋,1单元,101,,住宅,1.5,,,,,,,,,", 1, "楼层", "楼层应为整数，地下层用负数，如 12 或 -1"},
    {"1栋,1单元,101,,住宅,40000,,,,,,,,,", 1, "楼层", "楼层超出范围（-99 到 300）"},
    {"1栋,1单元,101,,住宅,,,,,,张伟,1380000000,业主,,", 1, "手机",
     "手机号应为 11 位数字的大陆手机号（请把该列设为“文本”格式，以免被改成科学计数法）"},
    {"1栋,1单元,101,,住宅,,,,,,张伟,1.38E+10,业主,,", 1, "手机",
     "手机号应为 11 位数字的大陆手机号（请把该列设为“文本”格式，以免被改成科学计数法）"},
    {"1栋,1单元,101,,住宅,,,,,,张伟,23800000001,业主,,", 1, "手机",
     "手机号应为 11 位数字的大陆手机号（请把该列设为“文本”格式，以免被改成科学计数法）"},
    {"1栋,1单元,101,,住宅,,,,,,张伟,,,,", 2, "手机", "姓名、手机、关系须同时填写（或都不填）"},
    {"1栋,1单元,101,,住宅,,,,,,,13800000001,,,", 2, "姓名",
     "姓名、手机、关系须同时填写（或都不填）"},
    {"1栋,1单元,101,,住宅,,,,,,张伟,13800000001,,,", 1, "关系",
     "姓名、手机、关系须同时填写（或都不填）"},
    {"1栋,1单元,101,,住宅,,,,,,张伟,13800000001,房东,,", 1, "关系",
     "关系不正确：应为 业主、家属、租户 之一"},
    {"1栋,1单元,101,,住宅,,,,,,张伟,13800000001,业主,2026-02-29,", 1, "入住日期",
     "入住日期应为真实存在的日期，格式 YYYY-MM-DD（1900—2099 年），如 2024-02-29"},
    {"1栋,1单元,101,,住宅,,,,,,张伟,13800000001,业主,2019/05/01,", 1, "入住日期",
     "入住日期应为真实存在的日期，格式 YYYY-MM-DD（1900—2099 年），如 2024-02-29"},
    {"1栋,1单元,101,,住宅,,,,,,,,,2019-05-01,", 1, "入住日期",
     "没有填写住户（姓名、手机、关系）时不能填写入住日期"},
    {"1栋,1单元,101,,住宅,,,,,,,,,,330106199001011234", 1, "证件号",
     "没有填写住户（姓名、手机、关系）时不能填写证件号"},
    {"1栋,1单元,101,,住宅,,,,,,张伟,13800000001,业主,,3301-06", 1, "证件号",
     "证件号格式不正确：应为 9 到 32 位字母或数字"},
    {"\"1栋\n\",1单元,101,,住宅,,,,,,,,,,", 1, "楼栋", "楼栋含有换行或其他控制字符"},
    {"1栋,1单元,101,,住宅,,,,两室\t一厅,,,,,,", 1, "户型", "户型含有换行或其他控制字符"},
    {"\xFF\xFE,1单元,101,,住宅,,,,,,,,,,", 1, "楼栋", "楼栋含有无效的字符（不是 UTF-8 文本）"},
    {"1栋,1单元,101,,住宅,,,,,,,,,,,x", 1, NULL, "第 16 列有内容但没有表头（表头共 15 列）"},
    /* Several bad cells: each one reported, in column order. */
    {"1栋,1单元,101,,住宅,1.5,89.555,abc,,,,,,,", 3, "楼层",
     "楼层应为整数，地下层用负数，如 12 或 -1"},
};

static void test_rows_invalid(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(row_err); i++) {
        const struct row_err_case *c = &row_err[i];
        struct import_report rep;
        struct import_row row;
        struct arena a = {NULL};
        struct buf csv = BUF_INIT;

        memset(&rep, 0, sizeof(rep));
        print_message("row [%s]\n", c->row);
        buf_printf(&csv, "%s\n%s\n", FULL_HEADER, c->row);
        assert_int_equal(row_of(csv.data, &a, &row, &rep), c->nerr);
        assert_int_equal(rep.nerrors, (size_t)c->nerr);
        assert_int_equal(rep.errors[0].line, 2);
        assert_str_or_null(rep.errors[0].column, c->column);
        assert_string_equal(rep.errors[0].message, c->message);
        /* Row validation never touches the row counters. */
        assert_int_equal(rep.rows_total + rep.rows_ok + rep.rows_failed, 0);
        import_report_free(&rep);
        arena_free(&a);
        buf_free(&csv);
    }
}

/* Lengths are counted in characters, as the schema's VARCHAR does. */
static void test_rows_lengths(void **state)
{
    struct buf csv = BUF_INIT, longname = BUF_INIT;
    struct import_report rep;
    struct import_row row;
    struct arena a = {NULL};

    (void)state;
    memset(&rep, 0, sizeof(rep));
    for (int i = 0; i < 64; i++)
        buf_puts(&longname, "栋"); /* 64 characters, 192 bytes: fits */
    buf_printf(&csv, "%s\n%s,,1,x,住宅\n", FULL_HEADER, longname.data);
    assert_int_equal(row_of(csv.data, &a, &row, &rep), 0);
    assert_int_equal(strlen(row.building), 192);

    buf_puts(&longname, "栋"); /* 65: too long */
    buf_reset(&csv);
    buf_printf(&csv, "%s\n%s,,1,x,住宅\n", FULL_HEADER, longname.data);
    assert_int_equal(row_of(csv.data, &a, &row, &rep), 1);
    assert_string_equal(rep.errors[0].column, "楼栋");
    assert_string_equal(rep.errors[0].message, "楼栋不能超过 64 个字");
    import_report_free(&rep);

    /* 33-character room number (the column holds 32). */
    buf_reset(&csv);
    buf_printf(&csv, "%s\n1栋,,123456789012345678901234567890123,,住宅\n", FULL_HEADER);
    assert_int_equal(row_of(csv.data, &a, &row, &rep), 1);
    assert_string_equal(rep.errors[0].column, "房号");
    assert_string_equal(rep.errors[0].message, "房号不能超过 32 个字");
    import_report_free(&rep);

    /* Building and unit fit on their own, but the generated code would
     * not (64 + 1 + 3 + 1 + 3 characters). */
    buf_reset(&longname);
    for (int i = 0; i < 64; i++)
        buf_puts(&longname, "A");
    buf_reset(&csv);
    buf_printf(&csv, "%s\n%s,1单元,101,,住宅\n", FULL_HEADER, longname.data);
    assert_int_equal(row_of(csv.data, &a, &row, &rep), 1);
    assert_string_equal(rep.errors[0].column, "编码");
    assert_string_equal(rep.errors[0].message,
                        "由楼栋、单元、房号生成的编码超过 64 个字，请填写编码列");
    import_report_free(&rep);

    /* With an explicit code the same row is fine. */
    buf_reset(&csv);
    buf_printf(&csv, "%s\n%s,1单元,101,X-1-101,住宅\n", FULL_HEADER, longname.data);
    assert_int_equal(row_of(csv.data, &a, &row, &rep), 0);
    assert_string_equal(row.code, "X-1-101");
    assert_false(row.code_generated);
    import_report_free(&rep);

    arena_free(&a);
    buf_free(&csv);
    buf_free(&longname);
}

/* A header without the person columns: rows are resources only. */
static void test_rows_partial_header(void **state)
{
    struct import_report rep;
    struct import_row row;
    struct arena a = {NULL};

    (void)state;
    memset(&rep, 0, sizeof(rep));
    assert_int_equal(row_of("kind,number,building,area_m2\nhome,101,1栋,89.5\n", &a, &row, &rep),
                     0);
    assert_string_equal(row.kind, "home");
    assert_string_equal(row.code, "1栋-101");
    assert_true(row.code_generated);
    assert_int_equal(row.area_m2x100, 8950);
    assert_false(row.has_floor);
    assert_false(row.has_inner_area);
    assert_false(row.has_person);
    assert_null(row.layout);
    assert_null(row.name);
    import_report_free(&rep);
    arena_free(&a);
}

/* ---- report ----------------------------------------------------------- */

static void test_report_cap(void **state)
{
    struct import_report rep;

    (void)state;
    memset(&rep, 0, sizeof(rep));
    for (int i = 0; i < IMPORT_MAX_ERRORS + 5; i++)
        import_report_add_error(&rep, i + 2, "楼栋", "错误 %d", i);
    assert_int_equal(rep.nerrors, IMPORT_MAX_ERRORS);
    assert_int_equal(rep.errors[0].line, 2);
    assert_string_equal(rep.errors[999].message, "错误 999");
    import_report_free(&rep);
    assert_null(rep.errors);
    assert_int_equal(rep.nerrors, 0);
}

/* A message longer than 160 bytes is cut between characters, not inside. */
static void test_report_message_cut(void **state)
{
    struct import_report rep;
    struct buf longmsg = BUF_INIT;

    (void)state;
    memset(&rep, 0, sizeof(rep));
    for (int i = 0; i < 100; i++)
        buf_puts(&longmsg, "错"); /* 300 bytes */
    import_report_add_error(&rep, 3, NULL, "x%s", longmsg.data);
    /* "x" + 52 characters of 3 bytes = 157 bytes; a 53rd would need 160. */
    assert_int_equal(strlen(rep.errors[0].message), 157);
    assert_true(utf8_valid(rep.errors[0].message, 157));
    import_report_free(&rep);
    buf_free(&longmsg);
}

static void test_report_print(void **state)
{
    struct import_report rep;
    char *text = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    memset(&rep, 0, sizeof(rep));
    rep.rows_total = 5;
    rep.rows_ok = 3;
    rep.rows_failed = 2;
    rep.created_resources = 2;
    rep.updated_resources = 1;
    rep.created_persons = 1;
    rep.created_links = 1;
    rep.created_buildings = 1;
    rep.created_units = 1;
    import_report_add_error(&rep, 3, "建筑面积", "建筑面积格式不正确：最多两位小数");
    import_report_add_error(&rep, 6, NULL,
                            "与第 2 行是同一房屋（编码“1-1-101”），但房屋信息不一致");
    f = open_memstream(&text, &len);
    assert_non_null(f);
    import_report_print(&rep, f);
    fclose(f);
    assert_string_equal(
        text, "共 5 行：成功 3 行，失败 2 行\n"
              "新建楼栋 1 个，单元 1 个，房屋 2 个，住户 1 人，住户关联 1 条；更新房屋 1 个\n"
              "第 3 行 [建筑面积]: 建筑面积格式不正确：最多两位小数\n"
              "第 6 行: 与第 2 行是同一房屋（编码“1-1-101”），但房屋信息不一致\n");
    free(text);

    /* More failed rows than listed: say so. */
    rep.rows_failed = 1500;
    text = NULL;
    f = open_memstream(&text, &len);
    import_report_print(&rep, f);
    fclose(f);
    assert_non_null(strstr(text, "另有 1498 行的错误未列出"));
    free(text);
    import_report_free(&rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_area),    cmocka_unit_test(test_parse_floor),
        cmocka_unit_test(test_parse_date),    cmocka_unit_test(test_parse_kind_relation),
        cmocka_unit_test(test_mask_id),       cmocka_unit_test(test_header_names),
        cmocka_unit_test(test_header_errors), cmocka_unit_test(test_header_error_message_fits),
        cmocka_unit_test(test_rows_valid),    cmocka_unit_test(test_rows_invalid),
        cmocka_unit_test(test_rows_lengths),  cmocka_unit_test(test_rows_partial_header),
        cmocka_unit_test(test_report_cap),    cmocka_unit_test(test_report_message_cut),
        cmocka_unit_test(test_report_print),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
