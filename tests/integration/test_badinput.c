/*
 * test_badinput.c — issue 3, "it must show" 4: bad inputs against every
 * endpoint of fcgi/routes.c. Each must answer the right 4xx with the JSON
 * body {"error":{"code","message"}}, a non-empty Chinese message, and leave
 * the database as it was.
 *
 * The cases are tables, one line per case, walked by one test each:
 *   generic_bodies × body_endpoints  defects of a whole body: empty, `{`,
 *                                    truncated, not an object, trailing
 *                                    garbage, deep nesting, 100 KiB, 10 MB…
 *   mutations × every field of body_endpoints
 *                                    one field of a valid body made bad:
 *                                    wrong type, 1.5, 1e3, -1, 16 digits,
 *                                    missing, 100 KiB, bad UTF-8, \u0000…
 *   bad_ids × id_endpoints           {id} segments that are no id of the
 *                                    caller's: 0, -1, abc, SQL, ../, %00,
 *                                    20 digits, 00001, another project's
 *   cases                            the rest, one request per line: query
 *                                    parameters, unknown paths, wrong
 *                                    methods, tokens, ids inside bodies,
 *                                    values out of their set, CSV imports
 *   raw_cases                        requests curl would not send, over a
 *                                    raw TCP socket to nginx
 *
 * Templates in paths and bodies (expand()):
 *   @IP@ @IB@ @IU@ @IR@ @IPE@ @IL@  a project of the admin's made for this
 *       test and its building, unit, resource, person and link: the
 *       valid bodies write there, so that a bad input wrongly taken changes
 *       scratch rows, not the demo data other tests rely on;
 *   @OP@ @OB@ @OU@ @OR@ @OPE@ @OL@  the same in a project the admin does
 *       not serve (another project's ids: 404);
 *   @10K@ @60K@ @100K@ @10M@  that many 'x'; @DEEP@ 60,000 '['; @NUL@ a
 *       NUL byte;
 *   @MANYROWS@  100,001 CSV rows;
 *   in generic bodies: @BASE@ the endpoint's valid body, @IN@ its members
 *       without the braces, @HALF@ its first half, @F0@ its first field;
 *   in mutations: @V@ the field's valid JSON value, @S@ the same without
 *       the quotes, @N@ the field's name.
 *
 * The database is compared after every case with the one before it
 * (it_db_fingerprint() and it_db_checksum()), so a change is pinned on the
 * case that made it. Logins create sessions: they happen in the group
 * setup, before the first snapshot. A failing case is printed and the walk
 * goes on; each test fails at its end if any case failed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "itest.h"

#define BAD "BAD_REQUEST"
#define NF "NOT_FOUND"
#define BIG "PAYLOAD_TOO_LARGE"
#define NOAUTH "UNAUTHENTICATED"
#define FORBID "FORBIDDEN"
#define NOMETHOD "METHOD_NOT_ALLOWED"
/* status: any 4xx (nginx may answer a long URI with 414 or 400); the code
 * is then not checked, the JSON error body still is. */
#define ANY_4XX 1

/* A body with NUL bytes in it: pointer and length. */
#define B(s) s, sizeof(s) - 1

enum who { NOBODY, OWNER, BUTLER, ADMIN, BOGUS, SQLTOKEN, NWHO };

/* ---- the endpoints that take a JSON body ---------------------------------- */

/* Valid bodies: each would pass every check of its endpoint. Those that
 * create rows outside the scratch project would then meet a 409 (a project
 * whose code and name are both taken, a person whose phone is), so that a
 * bad input wrongly accepted is refused there rather than written into the
 * data the other tests rely on. Never sent as they are. */
#define V_SMS "{\"phone\":\"13700000077\",\"purpose\":\"owner_login\"}"
#define V_WECHAT "{\"code\":\"badinput-code\",\"phone_code\":\"badinput-phone-code\"}"
#define V_OWNER_SMS "{\"phone\":\"13800000001\",\"sms_code\":\"000000\"}"
#define V_STAFF_PW "{\"phone\":\"13900000001\",\"password\":\"demo1234\"}"
#define V_STAFF_SMS "{\"phone\":\"13900000001\",\"sms_code\":\"000000\"}"
#define V_PROJECT                                                                                  \
    "{\"code\":\"SFXQ\",\"name\":\"示范小区\",\"address\":\"测试路 3 号\","                \
    "\"business_types\":[\"residential\"]}"
#define V_PROJECT_PATCH                                                                            \
    "{\"name\":\"坏输入暂存小区\",\"address\":\"测试路 1 号\","                         \
    "\"business_types\":[\"residential\"]}"
#define V_BUILDING "{\"name\":\"9栋\",\"floors\":18,\"business_type\":\"residential\"}"
#define V_UNIT "{\"name\":\"9单元\"}"
#define V_RESOURCE_DETAILS                                                                         \
    "\"kind\":\"home\",\"floor\":9,\"area_m2x100\":9000,\"inner_area_m2x100\":8000,"               \
    "\"layout\":\"两室一厅\",\"decoration\":\"精装\",\"lease_status\":\"vacant\","           \
    "\"business_scope\":\"住宅\",\"tenant_company\":\"无\"}"
#define V_RESOURCE                                                                                 \
    "{\"project_id\":@IP@,\"building_id\":@IB@,\"unit_id\":@IU@,\"code\":\"T-1-909\","             \
    "\"number\":\"909\"," V_RESOURCE_DETAILS
/* The scratch resource's own placement: only the details change. */
#define V_RESOURCE_PATCH                                                                           \
    "{\"building_id\":@IB@,\"unit_id\":@IU@,\"code\":\"T-1-101\","                                 \
    "\"number\":\"101\"," V_RESOURCE_DETAILS
#define V_MOVE_IN "{\"person_id\":@IPE@,\"relation\":\"tenant\",\"moved_in_on\":\"2024-01-01\"}"
#define V_MOVE_OUT "{\"moved_out_on\":\"2024-06-30\"}"
#define V_PERSON                                                                                   \
    "{\"name\":\"坏输入\",\"phone\":\"13800000001\",\"id_number\":\"330101199001011234\","      \
    "\"occupation\":\"测试\"}"
#define V_PERSON_PATCH                                                                             \
    "{\"name\":\"暂存住户\",\"phone\":\"13700008888\",\"id_number\":\"330101199001011234\","   \
    "\"occupation\":\"测试\"}"
#define V_FIELD                                                                                    \
    "{\"target\":\"resource\",\"key\":\"zz_new\",\"label\":\"新字段\",\"type\":\"choice\","     \
    "\"choices\":[\"甲\",\"乙\"]}"
#define V_VALUES "{\"target\":\"resource\",\"target_id\":@IR@,\"values\":{\"pets\":\"猫\"}}"
/* A phone that is a staff member's already: accepted by mistake, it would
 * meet 409 STAFF_PHONE_TAKEN, never make an account. */
#define V_STAFF_NEW                                                                                \
    "{\"name\":\"坏输入员工\",\"phone\":\"13900000001\",\"password\":\"demo12345\","          \
    "\"roles\":[\"butler\"],\"project_ids\":[@IP@]}"
#define CSV_HEADER "楼栋,单元,房号,类型\n"

#define RESOURCE_FIELDS                                                                            \
    "building_id:i,unit_id:i,code:s,number:s,kind:s,floor:n,area_m2x100:i,"                        \
    "inner_area_m2x100:i,layout:s,decoration:s,lease_status:s,business_scope:s,"                   \
    "tenant_company:s"

static const struct body_endpoint {
    const char *method, *path;
    enum who who;
    const char *valid;
    /* "name:T" by comma; T: s string, i id or count (never negative),
     * n integer that may be negative, a array of strings, o object of
     * strings; a '!' after T: required. */
    const char *fields;
} body_endpoints[] = {
    {"POST", "/api/v1/sms/codes", NOBODY, V_SMS, "phone:s!,purpose:s!"},
    {"POST", "/api/v1/owner/login/wechat", NOBODY, V_WECHAT, "code:s!,phone_code:s!"},
    {"POST", "/api/v1/owner/login/sms", NOBODY, V_OWNER_SMS, "phone:s!,sms_code:s!"},
    {"POST", "/api/v1/staff/login", NOBODY, V_STAFF_PW, "phone:s!,password:s"},
    {"POST", "/api/v1/staff/login", NOBODY, V_STAFF_SMS, "phone:s!,sms_code:s"},
    {"POST", "/api/v1/office/projects", ADMIN, V_PROJECT,
     "code:s!,name:s!,address:s,business_types:a"},
    {"PATCH", "/api/v1/office/projects/@IP@", ADMIN, V_PROJECT_PATCH,
     "name:s,address:s,business_types:a"},
    {"POST", "/api/v1/office/projects/@IP@/buildings", ADMIN, V_BUILDING,
     "name:s!,floors:i,business_type:s"},
    {"POST", "/api/v1/office/buildings/@IB@/units", ADMIN, V_UNIT, "name:s!"},
    {"POST", "/api/v1/office/resources", ADMIN, V_RESOURCE,
     "project_id:i!,number:s!,kind:s!," RESOURCE_FIELDS},
    {"PATCH", "/api/v1/office/resources/@IR@", ADMIN, V_RESOURCE_PATCH, RESOURCE_FIELDS},
    {"POST", "/api/v1/office/resources/@IR@/occupants", ADMIN, V_MOVE_IN,
     "person_id:i!,relation:s!,moved_in_on:s"},
    {"POST", "/api/v1/office/occupants/@IL@/move-out", ADMIN, V_MOVE_OUT, "moved_out_on:s!"},
    {"POST", "/api/v1/office/persons", ADMIN, V_PERSON,
     "name:s!,phone:s!,id_number:s,occupation:s"},
    {"PATCH", "/api/v1/office/persons/@IPE@", ADMIN, V_PERSON_PATCH,
     "name:s,phone:s,id_number:s,occupation:s"},
    {"POST", "/api/v1/office/projects/@IP@/custom-fields", ADMIN, V_FIELD,
     "target:s!,key:s!,label:s!,type:s!,choices:a"},
    {"PUT", "/api/v1/office/custom-values", ADMIN, V_VALUES, "target:s!,target_id:i!,values:o!"},
    {"POST", "/api/v1/office/staff", ADMIN, V_STAFF_NEW, "name:s!,phone:s!,password:s!,roles:a!"},
};

/* ---- defects of a whole body, for every endpoint above --------------------- */

static const struct generic_body {
    const char *what;
    const char *body;
    size_t len; /* 0: strlen(body) */
    long status;
    const char *code;
} generic_bodies[] = {
    {"an empty body", "", 0, 400, BAD},
    {"white space only", " \r\n\t ", 0, 400, BAD},
    {"a lone {", "{", 0, 400, BAD},
    {"a lone }", "}", 0, 400, BAD},
    {"the valid body cut in half", "@HALF@", 0, 400, BAD},
    {"cut inside a string", "{\"@F0@\":\"13", 0, 400, BAD},
    {"cut after a colon", "{\"@F0@\":", 0, 400, BAD},
    {"an empty array", "[]", 0, 400, BAD},
    {"an array holding the valid object", "[@BASE@]", 0, 400, BAD},
    {"a string", "\"str\"", 0, 400, BAD},
    {"null", "null", 0, 400, BAD},
    {"a number", "1", 0, 400, BAD},
    {"true", "true", 0, 400, BAD},
    {"trailing garbage", "@BASE@x", 0, 400, BAD},
    {"a second object after the valid one", "@BASE@{}", 0, 400, BAD},
    {"a NUL byte after the valid object", B("@BASE@\0"), 400, BAD},
    {"a trailing comma", "{@IN@,}", 0, 400, BAD},
    {"a missing comma", "{@IN@ \"zz\":1}", 0, 400, BAD},
    {"single quotes", "{'@F0@':'x'}", 0, 400, BAD},
    {"an unquoted name", "{@F0@:1}", 0, 400, BAD},
    {"a comment", "/* x */@BASE@", 0, 400, BAD},
    {"NaN", "{\"@F0@\":NaN}", 0, 400, BAD},
    {"Infinity", "{\"@F0@\":Infinity}", 0, 400, BAD},
    {"an unknown field", "{@IN@,\"zz_unknown\":1}", 0, 400, BAD},
    {"an unknown field set to null", "{@IN@,\"zz_unknown\":null}", 0, 400, BAD},
    {"an empty field name", "{@IN@,\"\":1}", 0, 400, BAD},
    {"a field name with a NUL escape", "{@IN@,\"@F0@\\u0000zz\":1}", 0, 400, BAD},
    {"a byte FF outside strings", "@BASE@\xFF", 0, 400, BAD},
    {"UTF-16", B("\xFF\xFE{\0}\0"), 400, BAD},
    {"form encoding", "@F0@=1&zz=2", 0, 400, BAD},
    {"XML", "<a>1</a>", 0, 400, BAD},
    {"60,000 nested arrays", "@DEEP@", 0, 400, BAD},
    {"60,000 nested arrays in a field", "{\"@F0@\":@DEEP@}", 0, 400, BAD},
    {"a body of 100 KiB", "{\"zz\":\"@100K@\"}", 0, 413, BIG},
    {"a body of 10 MB", "{\"zz\":\"@10M@\"}", 0, 413, BIG},
};

/* ---- one field made bad, for every field of every endpoint above ---------- */

static const struct mutation {
    const char *what;
    const char *types; /* the field types it applies to */
    bool required_only;
    const char *value; /* the field's new JSON value; NULL: field removed */
    long status;
    const char *code;
} mutations[] = {
    {"missing", "sinao", true, NULL, 400, BAD},
    {"null", "sinao", true, "null", 400, BAD},
    {"a number for a string", "s", false, "123", 400, BAD},
    {"a string for an integer", "in", false, "\"1\"", 400, BAD},
    {"an empty string for an integer", "in", false, "\"\"", 400, BAD},
    {"an array holding the valid value", "sino", false, "[@V@]", 400, BAD},
    {"an object holding the valid value", "sina", false, "{\"v\":@V@}", 400, BAD},
    {"true", "sinao", false, "true", 400, BAD},
    {"false", "sinao", false, "false", 400, BAD},
    {"a fraction 1.5", "in", false, "1.5", 400, BAD},
    {"1.0", "in", false, "1.0", 400, BAD},
    {"an exponent 1e3", "in", false, "1e3", 400, BAD},
    {"an exponent 1E3", "in", false, "1E3", 400, BAD},
    {"negative", "i", false, "-1", 400, BAD},
    {"16 digits", "in", false, "1234567890123456", 400, BAD},
    {"20 digits", "in", false, "99999999999999999999", 400, BAD},
    {"beyond 32 bits", "in", false, "4294967297", 400, BAD},
    {"a leading zero", "in", false, "01", 400, BAD},
    {"hexadecimal", "in", false, "0x1", 400, BAD},
    {"a plus sign", "in", false, "+1", 400, BAD},
    {"a string of 60 KiB", "s", false, "\"@60K@\"", 400, BAD},
    {"a string of 100 KiB", "s", false, "\"@100K@\"", 413, BIG},
    {"bad UTF-8 C3 28", "s", false, "\"\xC3\x28\"", 400, BAD},
    {"overlong UTF-8 C0 AF", "s", false, "\"\xC0\xAF\"", 400, BAD},
    {"a lone continuation byte 80", "s", false, "\"a\x80z\"", 400, BAD},
    {"UTF-8 of a surrogate ED A0 80", "s", false, "\"\xED\xA0\x80\"", 400, BAD},
    {"beyond U+10FFFF", "s", false, "\"\xF4\x90\x80\x80\"", 400, BAD},
    {"a lone \\ud800", "s", false, "\"\\ud800\"", 400, BAD},
    {"a lone \\udc00", "s", false, "\"\\udc00\"", 400, BAD},
    {"\\u0000 after the valid value", "s", false, "\"@S@\\u0000x\"", 400, BAD},
    {"\\u0000 alone", "s", false, "\"\\u0000\"", 400, BAD},
    {"a raw NUL byte after the valid value", "s", false, "\"@S@@NUL@x\"", 400, BAD},
    {"a raw newline in the string", "s", false, "\"@S@\nx\"", 400, BAD},
    {"a bad escape \\x41", "s", false, "\"\\x41\"", 400, BAD},
    {"a short \\u escape", "s", false, "\"\\u12\"", 400, BAD},
    {"twice, the second of a wrong type", "sinao", false, "@V@,\"@N@\":[[]]", 400, BAD},
    /* arrays of strings */
    {"a string for an array", "a", false, "\"residential\"", 400, BAD},
    {"a number for an array", "a", false, "1", 400, BAD},
    {"an array holding a number", "a", false, "[1]", 400, BAD},
    {"an array holding null", "a", false, "[null]", 400, BAD},
    {"an array holding an array", "a", false, "[[\"residential\"]]", 400, BAD},
    {"an array holding an empty string", "a", false, "[\"\"]", 400, BAD},
    {"an array holding bad UTF-8", "a", false, "[\"\xC3\x28\"]", 400, BAD},
    {"an array holding \\u0000", "a", false, "[\"residential\\u0000x\"]", 400, BAD},
    {"an array holding 100 KiB", "a", false, "[\"@100K@\"]", 413, BIG},
    /* objects of strings (custom values) */
    {"a string for an object", "o", false, "\"x\"", 400, BAD},
    {"a number for an object", "o", false, "1", 400, BAD},
    {"an object holding a number", "o", false, "{\"pets\":1}", 400, BAD},
    {"an object holding an array", "o", false, "{\"pets\":[\"猫\"]}", 400, BAD},
    {"an object holding an object", "o", false, "{\"pets\":{}}", 400, BAD},
    {"an object holding true", "o", false, "{\"pets\":true}", 400, BAD},
    {"an object holding bad UTF-8", "o", false, "{\"pets\":\"\xC3\x28\"}", 400, BAD},
    {"an object holding \\u0000", "o", false, "{\"pets\":\"猫\\u0000x\"}", 400, BAD},
    {"an object key with \\u0000", "o", false, "{\"pets\\u0000x\":\"猫\"}", 400, BAD},
    {"an object with an unknown key", "o", false, "{\"zz_nokey\":\"x\"}", 400, BAD},
};

/* ---- {id} segments ------------------------------------------------------------ */

static const struct id_endpoint {
    const char *method, *path; /* @ID@ is the id under test */
    enum who who;
    const char *body;
    const char *other; /* an id that exists but is not the caller's */
} id_endpoints[] = {
    {"GET", "/api/v1/owner/resources/@ID@", OWNER, NULL, "5"},  /* 李娜's home */
    {"GET", "/api/v1/staff/resources/@ID@", BUTLER, NULL, "8"}, /* 翠湖花园 */
    {"PATCH", "/api/v1/office/projects/@ID@", ADMIN, V_PROJECT_PATCH, "@OP@"},
    {"POST", "/api/v1/office/projects/@ID@/buildings", ADMIN, V_BUILDING, "@OP@"},
    {"POST", "/api/v1/office/buildings/@ID@/units", ADMIN, V_UNIT, "@OB@"},
    {"PATCH", "/api/v1/office/resources/@ID@", ADMIN, V_RESOURCE_PATCH, "@OR@"},
    {"POST", "/api/v1/office/resources/@ID@/occupants", ADMIN, V_MOVE_IN, "@OR@"},
    {"POST", "/api/v1/office/occupants/@ID@/move-out", ADMIN, V_MOVE_OUT, "@OL@"},
    {"PATCH", "/api/v1/office/persons/@ID@", ADMIN, V_PERSON_PATCH, "@OPE@"},
    {"POST", "/api/v1/office/projects/@ID@/custom-fields", ADMIN, V_FIELD, "@OP@"},
    {"POST", "/api/v1/office/projects/@ID@/import", ADMIN, CSV_HEADER, "@OP@"},
    {"GET", "/api/v1/office/projects/@ID@/export", ADMIN, NULL, "@OP@"},
    {"GET", "/api/v1/office/jobs/@ID@", ADMIN, NULL, "999999"},
    {"GET", "/api/v1/office/staff/@ID@", ADMIN, NULL, "999999"},
    {"PATCH", "/api/v1/office/staff/@ID@", ADMIN, "{\"name\":\"坏输入\"}", "999999"},
};

static const struct bad_id {
    const char *id;
    long status;
    const char *code;
    long alt_status; /* also right (nginx may refuse the URI itself) */
    const char *alt_code;
} bad_ids[] = {
    {"0", 404, NF, 0, NULL},
    {"-1", 404, NF, 0, NULL},
    {"1.5", 404, NF, 0, NULL},
    {"1e3", 404, NF, 0, NULL},
    {"abc", 404, NF, 0, NULL},
    {"1abc", 404, NF, 0, NULL},
    {"1%27%20OR%201=1", 404, NF, 0, NULL},
    {"1'", 404, NF, 0, NULL},
    {"1;DROP%20TABLE%20resources", 404, NF, 0, NULL},
    {"..%2F..%2Fetc", 404, NF, 0, NULL},
    {"..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd", 404, NF, 400, BAD},
    {"%2e%2e", 404, NF, 0, NULL},
    {"%00", 404, NF, 400, BAD},
    {"1%00", 404, NF, 400, BAD},
    {"9999999999999999999", 404, NF, 0, NULL},
    {"1234567890123456", 404, NF, 0, NULL},
    {"99999999999", 404, NF, 0, NULL},
    {"00001", 404, NF, 0, NULL},
    {"01", 404, NF, 0, NULL},
    {"+1", 404, NF, 0, NULL},
    {"%201", 404, NF, 0, NULL},
    {"0x1", 404, NF, 0, NULL},
    {"1,2", 404, NF, 0, NULL},
    {"", 404, NF, 0, NULL},
    {"999999", 404, NF, 0, NULL},
    {"@OTHER@", 404, NF, 0, NULL},
};

/* ---- everything else, one request per line -------------------------------------- */

#define RES "/api/v1/staff/resources"
#define IMPORT "/api/v1/office/projects/@IP@/import"

static const struct one_case {
    const char *method, *path;
    const char *body; /* NULL: none */
    size_t len;       /* 0: strlen(body) */
    enum who who;
    long status;
    const char *code;
    long alt_status;
    const char *alt_code;
} cases[] = {
    /* query parameters of the staff person search */
    {"GET", "/api/v1/staff/persons?limit=0", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", "/api/v1/staff/persons?limit=abc", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", "/api/v1/staff/persons?cursor=1%27", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", "/api/v1/staff/persons?project_id=1%20OR%201=1", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", "/api/v1/staff/persons?project_id=2", NULL, 0, BUTLER, 404, NF, 0, NULL},
    {"GET", "/api/v1/staff/persons?q=%C3%28", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", "/api/v1/staff/persons?q=%00", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", "/api/v1/staff/persons", NULL, 0, OWNER, 403, "FORBIDDEN", 0, NULL},
    {"GET", "/api/v1/staff/persons", NULL, 0, NOBODY, 401, "UNAUTHENTICATED", 0, NULL},
    {"POST", "/api/v1/staff/persons", "{}", 0, BUTLER, 405, "METHOD_NOT_ALLOWED", 0, NULL},
    /* query parameters of the staff resource list */
    {"GET", RES "?limit=0", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?limit=201", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?limit=abc", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?limit=-1", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?limit=1.5", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?limit=1e2", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?limit=99999999999999999999", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?limit=%ZZ", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?limit=%00", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?limit=10%00", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?cursor=abc", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?cursor=-1", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    /* a sign is not a digit: "+5" (the query decodes + as a space) and %2B5 */
    {"GET", RES "?cursor=+5", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?cursor=%2B5", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?cursor=%205", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?cursor=1.5", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?cursor=99999999999999999999", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?cursor=1%27%20OR%201=1", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?cursor=%00", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?project_id=1%20OR%201", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?project_id=1%20OR%201=1", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?project_id=1%27", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?project_id=0", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?project_id=-1", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?project_id=abc", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?project_id=1e0", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?project_id=99999999999", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?project_id=2", NULL, 0, BUTLER, 404, NF, 0, NULL},
    {"GET", RES "?project_id=@OP@", NULL, 0, ADMIN, 404, NF, 0, NULL},
    {"GET", RES "?building_id=abc", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?building_id=0", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?building_id=1%27", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?q=%C3%28", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?q=%C0%AF", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?q=%ED%A0%80", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?q=%FF", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?q=%00", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?q=a%00b", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?q=%ZZ", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?q=%", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?q=%E6%A5", NULL, 0, BUTLER, 400, BAD, 0, NULL},
    {"GET", RES "?q=123456789012345678901234567890123456789012345678901", NULL, 0, BUTLER, 400, BAD,
     0, NULL},
    {"GET", RES "?q=@10K@", NULL, 0, BUTLER, ANY_4XX, NULL, 0, NULL},
    {"GET", RES "?limit=@10K@", NULL, 0, BUTLER, ANY_4XX, NULL, 0, NULL},

    /* paths outside the table */
    {"GET", "/api/v1/nope", NULL, 0, NOBODY, 404, NF, 0, NULL},
    {"GET", "/api/v1/owner/nope", NULL, 0, OWNER, 404, NF, 0, NULL},
    {"GET", "/api/v2/health", NULL, 0, NOBODY, 404, NF, 0, NULL},
    {"GET", "/api/v1/health/", NULL, 0, NOBODY, 404, NF, 0, NULL},
    {"GET", "/api/v1/HEALTH", NULL, 0, NOBODY, 404, NF, 0, NULL},
    {"GET", "/api/v1/health%2F", NULL, 0, NOBODY, 404, NF, 0, NULL},
    {"GET", "/api/v1/health;x", NULL, 0, NOBODY, 404, NF, 0, NULL},
    {"GET", "/api/v1/owner/resources/1/extra", NULL, 0, OWNER, 404, NF, 0, NULL},
    {"GET", "/api/v1/staff/resources/1/", NULL, 0, BUTLER, 404, NF, 0, NULL},
    {"GET", "/api/", NULL, 0, NOBODY, 404, NF, 0, NULL},
    {"GET", "/nope", NULL, 0, NOBODY, 404, NF, 0, NULL},
    {"GET", "/", NULL, 0, NOBODY, 404, NF, 0, NULL},
    {"GET", "/index.html", NULL, 0, NOBODY, 404, NF, 0, NULL},
    {"GET", "/etc/passwd", NULL, 0, NOBODY, 404, NF, 0, NULL},
    {"GET", "/.env", NULL, 0, NOBODY, 404, NF, 0, NULL},
    {"POST", "/nope", "{}", 0, NOBODY, 404, NF, 405, NOMETHOD},
    {"GET", "/api/v1/owner/resources/..%2F..%2F..%2F..%2Fetc%2Fpasswd", NULL, 0, OWNER, 404, NF, 0,
     NULL},

    /* methods a known path does not have */
    {"DELETE", "/api/v1/owner/resources", NULL, 0, OWNER, 405, NOMETHOD, 0, NULL},
    {"POST", "/api/v1/owner/resources", "{}", 0, OWNER, 405, NOMETHOD, 0, NULL},
    {"PUT", "/api/v1/health", "{}", 0, NOBODY, 405, NOMETHOD, 0, NULL},
    {"POST", "/api/v1/health", "{}", 0, NOBODY, 405, NOMETHOD, 0, NULL},
    {"GET", "/api/v1/sms/codes", NULL, 0, NOBODY, 405, NOMETHOD, 0, NULL},
    {"GET", "/api/v1/owner/login/sms", NULL, 0, NOBODY, 405, NOMETHOD, 0, NULL},
    {"GET", "/api/v1/staff/login", NULL, 0, NOBODY, 405, NOMETHOD, 0, NULL},
    {"GET", "/api/v1/logout", NULL, 0, OWNER, 405, NOMETHOD, 0, NULL},
    {"DELETE", "/api/v1/staff/resources/1", NULL, 0, BUTLER, 405, NOMETHOD, 0, NULL},
    {"GET", "/api/v1/office/persons", NULL, 0, ADMIN, 405, NOMETHOD, 0, NULL},
    {"DELETE", "/api/v1/office/projects/1", NULL, 0, ADMIN, 405, NOMETHOD, 0, NULL},
    {"PUT", "/api/v1/office/projects/@IP@", V_PROJECT_PATCH, 0, ADMIN, 405, NOMETHOD, 0, NULL},
    {"PATCH", "/api/v1/office/projects", V_PROJECT_PATCH, 0, ADMIN, 405, NOMETHOD, 0, NULL},
    {"POST", "/api/v1/office/custom-values", V_VALUES, 0, ADMIN, 405, NOMETHOD, 0, NULL},
    {"GET", "/api/v1/office/projects/@IP@/import", NULL, 0, ADMIN, 405, NOMETHOD, 0, NULL},
    {"POST", "/api/v1/office/projects/@IP@/export", "", 0, ADMIN, 405, NOMETHOD, 0, NULL},
    {"OPTIONS", "/api/v1/health", NULL, 0, NOBODY, 405, NOMETHOD, 0, NULL},
    {"TRACE", "/api/v1/health", NULL, 0, NOBODY, 405, NOMETHOD, 0, NULL},
    {"FOO", "/api/v1/health", NULL, 0, NOBODY, 405, NOMETHOD, 0, NULL},
    {"POST", "/metrics", "{}", 0, NOBODY, 405, NOMETHOD, 0, NULL},
    {"DELETE", "/metrics", NULL, 0, NOBODY, 405, NOMETHOD, 0, NULL},
    {"GET", "/metrics/", NULL, 0, NOBODY, 404, NF, 0, NULL},

    /* tokens and roles */
    {"GET", "/api/v1/owner/resources", NULL, 0, NOBODY, 401, NOAUTH, 0, NULL},
    {"GET", "/api/v1/owner/resources", NULL, 0, BOGUS, 401, NOAUTH, 0, NULL},
    {"GET", "/api/v1/owner/resources", NULL, 0, SQLTOKEN, 401, NOAUTH, 0, NULL},
    {"GET", "/api/v1/owner/resources", NULL, 0, BUTLER, 403, FORBID, 0, NULL},
    {"GET", "/api/v1/owner/resources/1", NULL, 0, ADMIN, 403, FORBID, 0, NULL},
    {"GET", "/api/v1/staff/me", NULL, 0, NOBODY, 401, NOAUTH, 0, NULL},
    {"GET", "/api/v1/staff/me", NULL, 0, OWNER, 403, FORBID, 0, NULL},
    {"GET", "/api/v1/staff/resources/1", NULL, 0, SQLTOKEN, 401, NOAUTH, 0, NULL},
    {"GET", "/api/v1/office/projects", NULL, 0, NOBODY, 401, NOAUTH, 0, NULL},
    {"GET", "/api/v1/office/projects", NULL, 0, OWNER, 403, FORBID, 0, NULL},
    {"GET", "/api/v1/office/projects", NULL, 0, BUTLER, 403, FORBID, 0, NULL},
    {"POST", "/api/v1/office/projects", V_PROJECT, 0, BUTLER, 403, FORBID, 0, NULL},
    {"POST", "/api/v1/office/persons", V_PERSON, 0, OWNER, 403, FORBID, 0, NULL},
    {"PATCH", "/api/v1/office/resources/@IR@", V_RESOURCE_PATCH, 0, BUTLER, 403, FORBID, 0, NULL},
    {"PUT", "/api/v1/office/custom-values", V_VALUES, 0, NOBODY, 401, NOAUTH, 0, NULL},
    {"POST", IMPORT, CSV_HEADER, 0, BUTLER, 403, FORBID, 0, NULL},
    {"GET", "/api/v1/office/projects/@IP@/export", NULL, 0, BOGUS, 401, NOAUTH, 0, NULL},
    {"POST", "/api/v1/logout", NULL, 0, NOBODY, 401, NOAUTH, 0, NULL},
    {"POST", "/api/v1/logout", NULL, 0, BOGUS, 401, NOAUTH, 0, NULL},
    {"POST", "/api/v1/logout", "{\"zz\":\"@100K@\"}", 0, NOBODY, 413, BIG, 0, NULL},
    {"POST", "/api/v1/logout", "{\"zz\":\"@10M@\"}", 0, NOBODY, 413, BIG, 0, NULL},
    /* bodies on endpoints that take none */
    {"GET", "/api/v1/staff/me", "{\"zz\":\"@100K@\"}", 0, BUTLER, 413, BIG, 0, NULL},
    {"GET", "/api/v1/health", "{\"zz\":\"@10M@\"}", 0, NOBODY, 413, BIG, 0, NULL},

    /* ids inside bodies: another project's, or none at all */
    {"POST", "/api/v1/office/resources", "{\"project_id\":@OP@,\"number\":\"1\",\"kind\":\"home\"}",
     0, ADMIN, 404, NF, 0, NULL},
    {"POST", "/api/v1/office/resources",
     "{\"project_id\":999999,\"number\":\"1\",\"kind\":\"home\"}", 0, ADMIN, 404, NF, 0, NULL},
    {"POST", "/api/v1/office/resources",
     "{\"project_id\":@IP@,\"building_id\":@OB@,\"number\":\"1\",\"kind\":\"home\"}", 0, ADMIN, 400,
     BAD, 0, NULL},
    {"POST", "/api/v1/office/resources",
     "{\"project_id\":@IP@,\"building_id\":@IB@,\"unit_id\":@OU@,\"number\":\"1\","
     "\"kind\":\"home\"}",
     0, ADMIN, 400, BAD, 0, NULL},
    {"POST", "/api/v1/office/resources",
     "{\"project_id\":@IP@,\"unit_id\":@IU@,\"number\":\"1\",\"kind\":\"home\"}", 0, ADMIN, 400,
     BAD, 0, NULL},
    {"PATCH", "/api/v1/office/resources/@IR@", "{\"building_id\":@OB@}", 0, ADMIN, 400, BAD, 0,
     NULL},
    {"PATCH", "/api/v1/office/resources/@IR@", "{\"project_id\":@OP@}", 0, ADMIN, 400, BAD, 0,
     NULL},
    {"POST", "/api/v1/office/resources/@IR@/occupants",
     "{\"person_id\":@OPE@,\"relation\":\"tenant\"}", 0, ADMIN, 404, NF, 0, NULL},
    {"POST", "/api/v1/office/resources/@IR@/occupants",
     "{\"person_id\":999999,\"relation\":\"tenant\"}", 0, ADMIN, 404, NF, 0, NULL},
    {"PUT", "/api/v1/office/custom-values",
     "{\"target\":\"resource\",\"target_id\":@OR@,\"values\":{\"pets\":\"猫\"}}", 0, ADMIN, 404, NF,
     0, NULL},
    {"PUT", "/api/v1/office/custom-values",
     "{\"target\":\"person\",\"target_id\":@OPE@,\"values\":{}}", 0, ADMIN, 404, NF, 0, NULL},
    {"PUT", "/api/v1/office/custom-values",
     "{\"target\":\"resource\",\"target_id\":999999,\"values\":{}}", 0, ADMIN, 404, NF, 0, NULL},

    /* values outside their set or form */
    {"POST", "/api/v1/sms/codes", "{\"phone\":\"13700000077\",\"purpose\":\"admin_login\"}", 0,
     NOBODY, 400, BAD, 0, NULL},
    {"POST", "/api/v1/sms/codes", "{\"phone\":\"1370000007a\",\"purpose\":\"owner_login\"}", 0,
     NOBODY, 400, BAD, 0, NULL},
    {"POST", "/api/v1/sms/codes", "{\"phone\":\"1' OR '1'='\",\"purpose\":\"owner_login\"}", 0,
     NOBODY, 400, BAD, 0, NULL},
    {"POST", "/api/v1/sms/codes", "{\"phone\":\"+8613700000\",\"purpose\":\"owner_login\"}", 0,
     NOBODY, 400, BAD, 0, NULL},
    {"POST", "/api/v1/staff/login",
     "{\"phone\":\"13900000001\",\"password\":\"demo1234\",\"sms_code\":\"123456\"}", 0, NOBODY,
     400, BAD, 0, NULL},
    {"POST", "/api/v1/staff/login", "{\"phone\":\"13900000001\"}", 0, NOBODY, 400, BAD, 0, NULL},
    {"POST", "/api/v1/staff/login", "{\"phone\":\"13900000001\",\"password\":\"@60K@\"}", 0, NOBODY,
     400, BAD, 0, NULL},
    {"POST", "/api/v1/office/resources",
     "{\"project_id\":@IP@,\"number\":\"1\",\"kind\":\"castle\"}", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", "/api/v1/office/resources",
     "{\"project_id\":@IP@,\"number\":\"1\",\"kind\":\"home\",\"lease_status\":\"x\"}", 0, ADMIN,
     400, BAD, 0, NULL},
    {"POST", "/api/v1/office/resources",
     "{\"project_id\":@IP@,\"number\":\"1\",\"kind\":\"home\",\"floor\":-100}", 0, ADMIN, 400, BAD,
     0, NULL},
    {"POST", "/api/v1/office/resources",
     "{\"project_id\":@IP@,\"number\":\"1\",\"kind\":\"home\",\"area_m2x100\":100,"
     "\"inner_area_m2x100\":200}",
     0, ADMIN, 400, BAD, 0, NULL},
    {"POST", "/api/v1/office/resources/@IR@/occupants",
     "{\"person_id\":@IPE@,\"relation\":\"boss\"}", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", "/api/v1/office/resources/@IR@/occupants",
     "{\"person_id\":@IPE@,\"relation\":\"tenant\",\"moved_in_on\":\"2024-13-01\"}", 0, ADMIN, 400,
     BAD, 0, NULL},
    {"POST", "/api/v1/office/resources/@IR@/occupants",
     "{\"person_id\":@IPE@,\"relation\":\"tenant\",\"moved_in_on\":\"2024-01-0'\"}", 0, ADMIN, 400,
     BAD, 0, NULL},
    /* a move-in by phone: both ways at once, half of one, a bad phone, a
     * known phone under another name (409, nothing changed) */
    {"POST", "/api/v1/office/resources/@IR@/occupants",
     "{\"person_id\":@IPE@,\"name\":\"张伟\",\"phone\":\"13800000001\",\"relation\":\"tenant\"}", 0,
     ADMIN, 400, BAD, 0, NULL},
    {"POST", "/api/v1/office/resources/@IR@/occupants",
     "{\"name\":\"张伟\",\"relation\":\"tenant\"}", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", "/api/v1/office/resources/@IR@/occupants", "{\"relation\":\"tenant\"}", 0, ADMIN, 400,
     BAD, 0, NULL},
    {"POST", "/api/v1/office/resources/@IR@/occupants",
     "{\"name\":\"张伟\",\"phone\":\"23800000001\",\"relation\":\"tenant\"}", 0, ADMIN, 400, BAD, 0,
     NULL},
    {"POST", "/api/v1/office/resources/@IR@/occupants",
     "{\"name\":\"张伟\",\"phone\":\"13800000001\",\"id_number\":\"12\",\"relation\":\"tenant\"}",
     0, ADMIN, 400, BAD, 0, NULL},
    {"POST", "/api/v1/office/resources/@IR@/occupants",
     "{\"name\":\"冒名\",\"phone\":\"13800000001\",\"relation\":\"tenant\"}", 0, ADMIN, 409,
     "PHONE_TAKEN", 0, NULL},
    {"POST", "/api/v1/office/occupants/@IL@/move-out", "{\"moved_out_on\":\"2023-02-29\"}", 0,
     ADMIN, 400, BAD, 0, NULL},
    {"POST", "/api/v1/office/occupants/@IL@/move-out", "{\"moved_out_on\":\"30/06/2024\"}", 0,
     ADMIN, 400, BAD, 0, NULL},
    {"POST", "/api/v1/office/occupants/@IL@/move-out", "{\"moved_out_on\":\"yesterday\"}", 0, ADMIN,
     400, BAD, 0, NULL},
    {"POST", "/api/v1/office/persons", "{\"name\":\"坏输入\",\"phone\":\"23800000001\"}", 0, ADMIN,
     400, BAD, 0, NULL},
    {"POST", "/api/v1/office/persons",
     "{\"name\":\"坏输入\",\"phone\":\"13800000001\",\"id_number\":\"3301' OR 1=1\"}", 0, ADMIN,
     400, BAD, 0, NULL},
    {"PATCH", "/api/v1/office/persons/@IPE@", "{\"phone\":\"1380000000\"}", 0, ADMIN, 400, BAD, 0,
     NULL},
    {"PATCH", "/api/v1/office/projects/@IP@", "{\"code\":\"ZZ\"}", 0, ADMIN, 400, BAD, 0, NULL},
    {"PATCH", "/api/v1/office/projects/@IP@",
     "{\"business_types\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\","
     "\"12\",\"13\",\"14\",\"15\",\"16\",\"17\",\"18\",\"19\",\"20\",\"21\"]}",
     0, ADMIN, 400, BAD, 0, NULL},
    {"POST", "/api/v1/office/projects/@IP@/buildings", "{\"name\":\"9栋\",\"floors\":301}", 0,
     ADMIN, 400, BAD, 0, NULL},
    {"POST", "/api/v1/office/projects/@IP@/custom-fields",
     "{\"target\":\"project\",\"key\":\"zz\",\"label\":\"x\",\"type\":\"text\"}", 0, ADMIN, 400,
     BAD, 0, NULL},
    {"POST", "/api/v1/office/projects/@IP@/custom-fields",
     "{\"target\":\"resource\",\"key\":\"Bad Key\",\"label\":\"x\",\"type\":\"text\"}", 0, ADMIN,
     400, BAD, 0, NULL},
    {"POST", "/api/v1/office/projects/@IP@/custom-fields",
     "{\"target\":\"resource\",\"key\":\"zz'--\",\"label\":\"x\",\"type\":\"text\"}", 0, ADMIN, 400,
     BAD, 0, NULL},
    {"POST", "/api/v1/office/projects/@IP@/custom-fields",
     "{\"target\":\"resource\",\"key\":\"zz\",\"label\":\"x\",\"type\":\"blob\"}", 0, ADMIN, 400,
     BAD, 0, NULL},
    {"POST", "/api/v1/office/projects/@IP@/custom-fields",
     "{\"target\":\"resource\",\"key\":\"zz\",\"label\":\"x\",\"type\":\"choice\"}", 0, ADMIN, 400,
     BAD, 0, NULL},
    {"POST", "/api/v1/office/projects/@IP@/custom-fields",
     "{\"target\":\"resource\",\"key\":\"zz\",\"label\":\"x\",\"type\":\"choice\","
     "\"choices\":[\"a,b\"]}",
     0, ADMIN, 400, BAD, 0, NULL},
    {"PUT", "/api/v1/office/custom-values",
     "{\"target\":\"resource\",\"target_id\":@IR@,\"values\":{\"pets\":\"鱼\"}}", 0, ADMIN, 400,
     BAD, 0, NULL},
    {"PUT", "/api/v1/office/custom-values",
     "{\"target\":\"project\",\"target_id\":@IR@,\"values\":{}}", 0, ADMIN, 400, BAD, 0, NULL},

    /* CSV import: fatal defects of the file write nothing */
    {"POST", IMPORT, "", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", IMPORT, "\n\n  \n", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", IMPORT, "\xC3\x28", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", IMPORT, CSV_HEADER "1栋,1单元,\xC0\xAF,home\n", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", IMPORT, "\xC2\xA5\xB6\xB0,\xB5\xA5\xD4\xAA\n", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", IMPORT, "foo,bar\n1,2\n", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", IMPORT, "\"unterminated\n", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", IMPORT, CSV_HEADER "1栋,1单元,\"101,home\n", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", IMPORT, "{\"a\":1}", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", IMPORT, B("楼栋,单元\0,房号,类型\n1栋,1单元,101,home\n"), ADMIN, 400, BAD, 0, NULL},
    {"POST", IMPORT, CSV_HEADER "@MANYROWS@", 0, ADMIN, 400, BAD, 0, NULL},
    {"POST", IMPORT, CSV_HEADER "@10M@", 0, ADMIN, 413, BIG, 0, NULL},
};

/* ---- raw requests ----------------------------------------------------------------- */

static const struct raw_case {
    const char *what;
    const char *req;
    size_t len;
    long status;
    const char *code; /* NULL: any */
    long alt_status;
    const char *alt_code;
} raw_cases[] = {
    {"a garbage request line", B("GARBAGE\r\n\r\n"), 400, BAD, 0, NULL},
    {"a method alone", B("GET\r\n\r\n"), 400, BAD, 0, NULL},
    {"a lower-case method", B("get /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"), 400, BAD, 0, NULL},
    {"a NUL byte in the path", B("GET /api/v1/he\0alth HTTP/1.1\r\nHost: x\r\n\r\n"), 400, BAD, 0,
     NULL},
    {"a space in the path", B("GET /api/v1/he alth HTTP/1.1\r\nHost: x\r\n\r\n"), 400, BAD, 0,
     NULL},
    {"HTTP/1.1 without Host", B("GET /api/v1/health HTTP/1.1\r\n\r\n"), 400, BAD, 0, NULL},
    {"a path above the root", B("GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"), 400, BAD, 0,
     NULL},
    {"an id climbing above the root",
     B("GET /api/v1/owner/resources/../../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"), 400,
     BAD, 0, NULL},
    {"an id climbing out of /api",
     B("GET /api/v1/owner/resources/../../../../metrics2 HTTP/1.1\r\nHost: x\r\n\r\n"), 404, NF, 0,
     NULL},
    {"HTTP/9.9", B("GET /api/v1/health HTTP/9.9\r\nHost: x\r\n\r\n"), 505, NULL, 400, BAD},
    {"a header line of 60 KiB", B("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: @60K@\r\n\r\n"),
     400, BAD, 0, NULL},
    {"a request line of 60 KiB", B("GET /api/v1/health?q=@60K@ HTTP/1.1\r\nHost: x\r\n\r\n"),
     ANY_4XX, NULL, 0, NULL},
    {"Content-Length: abc",
     B("POST /api/v1/sms/codes HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"), 400, BAD, 0,
     NULL},
    {"Content-Length: -1",
     B("POST /api/v1/sms/codes HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"), 400, BAD, 0,
     NULL},
    {"Content-Length of 20 digits",
     B("POST /api/v1/sms/codes HTTP/1.1\r\nHost: x\r\nContent-Length: "
       "99999999999999999999\r\n\r\n"),
     400, BAD, 0, NULL},
    {"Content-Length and chunked",
     B("POST /api/v1/sms/codes HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
     400, BAD, 0, NULL},
    {"a broken chunk size",
     B("POST /api/v1/sms/codes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
       "zz\r\n\r\n"),
     400, BAD, 0, NULL},
    {"an unknown transfer coding",
     B("POST /api/v1/sms/codes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"), 400, BAD,
     501, NULL},
    {"a chunked body that is not JSON",
     B("POST /api/v1/sms/codes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
       "Connection: close\r\n\r\n1\r\n{\r\n0\r\n\r\n"),
     400, BAD, 0, NULL},
};

/* ---- machinery ---------------------------------------------------------------------- */

static char *tokens[NWHO];

static struct fixture {
    int64_t ip, ib, iu, ir, ipe, il;  /* in the admin's scope */
    int64_t op, ob, ou, or_, ope, ol; /* outside it */
    int64_t sms_max, failures_max;
} fx;

/* Counts over all tests, for the summary. */
static int total_cases, total_failures;

struct walk {
    int cases, failures;
    char before[4096];
};

static void fill(struct buf *b, char c, size_t n)
{
    size_t from = b->len;

    buf_reserve(b, n);
    memset(b->data + from, c, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void put_id(struct buf *b, int64_t id)
{
    buf_printf(b, "%lld", (long long)id);
}

/* Does t[0..rest) start with the marker m? */
static bool at(const char *t, size_t rest, const char *m)
{
    size_t k = strlen(m);

    return rest >= k && memcmp(t, m, k) == 0;
}

/* Expand the templates (see the top of the file) of t[0..n) into b. base is
 * the endpoint's valid body (already expanded) and f0 its first field, for
 * the generic bodies; NULL elsewhere. */
static void expand(struct buf *b, const char *t, size_t n, const char *base, const char *f0)
{
    static const struct {
        const char *name;
        const int64_t *id;
    } ids[] = {
        {"@IP@", &fx.ip},   {"@IB@", &fx.ib},  {"@IU@", &fx.iu},   {"@IR@", &fx.ir},
        {"@IPE@", &fx.ipe}, {"@IL@", &fx.il},  {"@OP@", &fx.op},   {"@OB@", &fx.ob},
        {"@OU@", &fx.ou},   {"@OR@", &fx.or_}, {"@OPE@", &fx.ope}, {"@OL@", &fx.ol},
    };
    static const struct {
        const char *name;
        char c;
        size_t n;
    } runs[] = {
        {"@10K@", 'x', 10 * 1024},        {"@60K@", 'x', 60 * 1024}, {"@100K@", 'x', 100 * 1024},
        {"@10M@", 'x', 10 * 1024 * 1024}, {"@DEEP@", '[', 60000},    {"@NUL@", '\0', 1},
    };
    size_t i = 0;

    while (i < n) {
        const char *p = t + i;
        size_t rest = n - i, k = 0;

        for (size_t j = 0; j < sizeof(ids) / sizeof(ids[0]) && !k; j++) {
            if (at(p, rest, ids[j].name)) {
                put_id(b, *ids[j].id);
                k = strlen(ids[j].name);
            }
        }
        for (size_t j = 0; j < sizeof(runs) / sizeof(runs[0]) && !k; j++) {
            if (at(p, rest, runs[j].name)) {
                fill(b, runs[j].c, runs[j].n);
                k = strlen(runs[j].name);
            }
        }
        if (k) {
            /* done */
        } else if (at(p, rest, "@MANYROWS@")) {
            for (int r = 0; r < 100001; r++)
                buf_printf(b, "9栋,1单元,%d,home\n", r);
            k = strlen("@MANYROWS@");
        } else if (base && at(p, rest, "@BASE@")) {
            buf_puts(b, base);
            k = strlen("@BASE@");
        } else if (base && at(p, rest, "@IN@")) {
            buf_append(b, base + 1, strlen(base) - 2);
            k = strlen("@IN@");
        } else if (base && at(p, rest, "@HALF@")) {
            buf_append(b, base, strlen(base) / 2);
            k = strlen("@HALF@");
        } else if (f0 && at(p, rest, "@F0@")) {
            buf_puts(b, f0);
            k = strlen("@F0@");
        } else {
            buf_append(b, p, 1);
            k = 1;
        }
        i += k;
    }
}

static void expand_str(struct buf *b, const char *t)
{
    expand(b, t, strlen(t), NULL, NULL);
}

static bool has_cjk(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        if ((p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
            unsigned cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
            if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF))
                return true;
            p += 3;
        } else {
            p++;
        }
    }
    return false;
}

/* At most 160 bytes of s, on one line, for messages. */
static const char *excerpt(const char *s, size_t n, char out[200])
{
    size_t o = 0;

    if (!s)
        return "";
    for (size_t i = 0; i < n && o < 160; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\0' || c == '\r' || c == '\n' || c == '\t')
            out[o++] = ' ';
        else
            out[o++] = (char)c;
    }
    if (n > 160 && o + 4 < 200) {
        memcpy(out + o, "…", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

/* Is this the right answer? Prints why not. */
static bool check_answer(const char *label, const char *sent, size_t sent_len, long status,
                         const char *body, size_t len, long want, const char *code, long alt,
                         const char *alt_code)
{
    cJSON *doc = len ? cJSON_ParseWithLength(body, len) : NULL;
    const cJSON *err = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "error") : NULL;
    const cJSON *c = cJSON_IsObject(err) ? cJSON_GetObjectItemCaseSensitive(err, "code") : NULL;
    const cJSON *m = cJSON_IsObject(err) ? cJSON_GetObjectItemCaseSensitive(err, "message") : NULL;
    const char *why = NULL, *want_code = code;
    char e1[200], e2[200], wants[120];

    if (want == ANY_4XX ? status < 400 || status > 499 : status != want && !(alt && status == alt))
        why = "wrong status";
    else if (alt && status == alt)
        want_code = alt_code;
    if (want == ANY_4XX)
        want_code = NULL;
    if (!why && !cJSON_IsObject(doc))
        why = "the body is not JSON";
    else if (!why && !cJSON_IsObject(err))
        why = "no \"error\" object";
    else if (!why && (!cJSON_IsString(c) || !c->valuestring[0]))
        why = "no error.code";
    else if (!why && want_code && strcmp(c->valuestring, want_code) != 0)
        why = "wrong error.code";
    else if (!why && (!cJSON_IsString(m) || !m->valuestring[0]))
        why = "no error.message";
    else if (!why && !has_cjk(m->valuestring))
        why = "error.message is not Chinese";
    cJSON_Delete(doc);
    if (!why)
        return true;
    if (want == ANY_4XX)
        snprintf(wants, sizeof(wants), "any 4xx");
    else
        snprintf(wants, sizeof(wants), "%ld %s", want, code ? code : "(any code)");
    if (alt)
        snprintf(wants + strlen(wants), sizeof(wants) - strlen(wants), " or %ld %s", alt,
                 alt_code ? alt_code : "(any code)");
    print_error("FAIL %s\n     sent: %s\n     want: %s with a JSON error body, got %ld (%s): "
                "%s\n",
                label, excerpt(sent, sent_len, e1), wants, status, why, excerpt(body, len, e2));
    return false;
}

/* The state of the database: it_db_fingerprint() | it_db_checksum(). */
static void snap(char out[4096])
{
    char fp[512];

    it_db_fingerprint(fp);
    snprintf(out, 4096, "%s|", fp);
    it_db_checksum(out + strlen(out), 4096 - strlen(out));
}

/* Print which parts of two snapshots differ. */
static void print_changes(const char *a, const char *b)
{
    /* the order of it_db_fingerprint()'s queries */
    static const char *const counted[] = {
        "persons",   "resources",     "person_resources", "projects",      "buildings",
        "units",     "staff",         "sessions",         "sms_codes",     "outbox",
        "audit_log", "custom_fields", "custom_values",    "login_failures"};
    char x[4096], y[4096], *sx, *sy, *px, *py;
    size_t i = 0;

    snprintf(x, sizeof(x), "%s", a);
    snprintf(y, sizeof(y), "%s", b);
    px = strtok_r(x, ";|", &sx);
    py = strtok_r(y, ";|", &sy);
    while (px && py) {
        if (strcmp(px, py) != 0 && i < sizeof(counted) / sizeof(counted[0]))
            print_error("     changed: %s (fingerprint) %s -> %s\n", counted[i], px, py);
        else if (strcmp(px, py) != 0)
            print_error("     changed: %s -> %s\n", px, py);
        px = strtok_r(NULL, ";|", &sx);
        py = strtok_r(NULL, ";|", &sy);
        i++;
    }
}

/* After a request: the database must be as before it. */
static bool check_unchanged(struct walk *w, const char *label)
{
    char after[4096];

    snap(after);
    if (strcmp(w->before, after) == 0)
        return true;
    print_error("FAIL %s\n     the database changed\n", label);
    print_changes(w->before, after);
    memcpy(w->before, after, sizeof(after));
    return false;
}

static void walk_start(struct walk *w)
{
    memset(w, 0, sizeof(*w));
    snap(w->before);
}

static void walk_end(struct walk *w, const char *name)
{
    total_cases += w->cases;
    total_failures += w->failures;
    print_message("%s: %d cases, %d failed\n", name, w->cases, w->failures);
    assert_int_equal(w->failures, 0);
}

/* One request through nginx; the path and body are already expanded. */
static void run(struct walk *w, const char *label, const char *method, const char *path,
                const struct buf *body, enum who who, long want, const char *code, long alt,
                const char *alt_code)
{
    struct buf url = BUF_INIT;
    char auth[256];
    const char *headers[2] = {NULL, NULL};
    struct http_resp r;
    bool ok;

    buf_printf(&url, "%s%s", it_env("WUYE_TEST_URL"), path);
    if (tokens[who]) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tokens[who]);
        headers[0] = auth;
    }
    it_http_url(method, url.data, body ? (body->data ? body->data : "") : NULL,
                body ? body->len : 0, headers, &r);
    ok = check_answer(label, body ? body->data : NULL, body ? body->len : 0, r.status, r.body.data,
                      r.body.len, want, code, alt, alt_code);
    it_resp_free(&r);
    ok = check_unchanged(w, label) && ok;
    w->cases++;
    if (!ok)
        w->failures++;
    buf_free(&url);
}

/* ---- the fixture: two projects, one in the admin's scope and one not ------------------ */

static const char *const fixture_drop_sql[] = {
    "DELETE cv FROM custom_values cv JOIN custom_fields cf ON cf.id = cv.field_id "
    "JOIN projects p ON p.id = cf.project_id WHERE p.code LIKE 'ZZBADIN-%'",
    "DELETE cf FROM custom_fields cf JOIN projects p ON p.id = cf.project_id "
    "WHERE p.code LIKE 'ZZBADIN-%'",
    "DELETE pr FROM person_resources pr JOIN resources r ON r.id = pr.resource_id "
    "JOIN projects p ON p.id = r.project_id WHERE p.code LIKE 'ZZBADIN-%'",
    "DELETE pr FROM person_resources pr JOIN persons pe ON pe.id = pr.person_id "
    "WHERE pe.phone IN ('13700008888', '13700009999')",
    "DELETE r FROM resources r JOIN projects p ON p.id = r.project_id "
    "WHERE p.code LIKE 'ZZBADIN-%'",
    "DELETE u FROM units u JOIN buildings b ON b.id = u.building_id "
    "JOIN projects p ON p.id = b.project_id WHERE p.code LIKE 'ZZBADIN-%'",
    "DELETE b FROM buildings b JOIN projects p ON p.id = b.project_id "
    "WHERE p.code LIKE 'ZZBADIN-%'",
    "DELETE x FROM project_business_types x JOIN projects p ON p.id = x.project_id "
    "WHERE p.code LIKE 'ZZBADIN-%'",
    "DELETE x FROM staff_projects x JOIN projects p ON p.id = x.project_id "
    "WHERE p.code LIKE 'ZZBADIN-%'",
    "DELETE FROM projects WHERE code LIKE 'ZZBADIN-%'",
    "DELETE FROM persons WHERE phone IN ('13700008888', '13700009999')",
};

static void fixture_drop(void)
{
    for (size_t i = 0; i < sizeof(fixture_drop_sql) / sizeof(fixture_drop_sql[0]); i++)
        it_sql_exec(fixture_drop_sql[i], NULL, 0);
    it_reset_ids();
}

static int64_t insert(const char *sql, const struct db_param *p, size_t n)
{
    it_sql_exec(sql, p, n);
    return it_sql_int("SELECT LAST_INSERT_ID()", NULL, 0);
}

/* One project with a building, unit, resource, person and link; in the
 * admin's scope if in_scope. */
static void fixture_project(bool in_scope, int64_t *project, int64_t *building, int64_t *unit,
                            int64_t *resource, int64_t *person, int64_t *link)
{
    struct db_param p[4];

    p[0] = P_STR(in_scope ? "ZZBADIN-IN" : "ZZBADIN-OUT");
    p[1] = P_STR(in_scope ? "坏输入暂存小区" : "坏输入外部小区");
    *project = insert("INSERT INTO projects (code, name, address) VALUES (?, ?, '测试路')", p, 2);
    if (in_scope) {
        p[0] = P_INT(*project);
        it_sql_exec("INSERT INTO staff_projects (staff_id, project_id) "
                    "SELECT id, ? FROM staff WHERE phone = '13900000009'",
                    p, 1);
        it_sql_exec("INSERT INTO custom_fields (project_id, target, field_key, label, type, "
                    "choices, sort) VALUES (?, 'resource', 'pets', '饲养宠物', 'choice', "
                    "'无,猫,狗', 1)",
                    p, 1);
    }
    p[0] = P_INT(*project);
    *building =
        insert("INSERT INTO buildings (project_id, name, floors) VALUES (?, '测试楼', 10)", p, 1);
    p[0] = P_INT(*building);
    *unit = insert("INSERT INTO units (building_id, name) VALUES (?, '1单元')", p, 1);
    p[0] = P_INT(*project);
    p[1] = P_INT(*building);
    p[2] = P_INT(*unit);
    *resource = insert("INSERT INTO resources (project_id, building_id, unit_id, code, number, "
                       "kind, floor) VALUES (?, ?, ?, 'T-1-101', '101', 'home', 1)",
                       p, 3);
    p[0] = P_STR(in_scope ? "暂存住户" : "外部住户");
    p[1] = P_STR(in_scope ? "13700008888" : "13700009999");
    *person = insert("INSERT INTO persons (name, phone) VALUES (?, ?)", p, 2);
    p[0] = P_INT(*person);
    p[1] = P_INT(*resource);
    *link = insert("INSERT INTO person_resources (person_id, resource_id, relation, moved_in_on) "
                   "VALUES (?, ?, 'owner', '2020-01-01')",
                   p, 2);
}

static int setup(void **state)
{
    static char bogus[65], sql_token[65];

    (void)state;
    fixture_drop();
    fixture_project(true, &fx.ip, &fx.ib, &fx.iu, &fx.ir, &fx.ipe, &fx.il);
    fixture_project(false, &fx.op, &fx.ob, &fx.ou, &fx.or_, &fx.ope, &fx.ol);
    tokens[OWNER] = it_owner_login_sms("13800000001");
    tokens[BUTLER] = it_staff_login("13900000001", "demo1234");
    tokens[ADMIN] = it_staff_login("13900000009", "demo1234");
    if (!tokens[OWNER] || !tokens[BUTLER] || !tokens[ADMIN]) {
        print_error("setup: a demo login failed\n");
        return -1;
    }
    memset(bogus, 'f', 64);
    tokens[BOGUS] = bogus;
    snprintf(sql_token, sizeof(sql_token), "%-64s", "' OR '1'='1' -- ");
    tokens[SQLTOKEN] = sql_token;
    /* Rows past these were made by a case that should have been refused;
     * they go in the teardown, so that the SMS and login limits of later
     * tests are not spent here. */
    fx.sms_max = it_sql_int("SELECT COALESCE(MAX(id), 0) FROM sms_codes", NULL, 0);
    fx.failures_max = it_sql_int("SELECT COALESCE(MAX(id), 0) FROM login_failures", NULL, 0);
    return 0;
}

static int teardown(void **state)
{
    struct db_param p[1];

    (void)state;
    p[0] = P_INT(fx.sms_max);
    it_sql_exec("DELETE FROM sms_codes WHERE id > ?", p, 1);
    p[0] = P_INT(fx.failures_max);
    it_sql_exec("DELETE FROM login_failures WHERE id > ?", p, 1);
    /* The scratch persons by id too, in case a case changed their phone. */
    for (size_t i = 0; i < 2; i++) {
        p[0] = P_INT(i ? fx.ope : fx.ipe);
        it_sql_exec("DELETE FROM custom_values WHERE target_id = ? AND field_id IN "
                    "(SELECT id FROM custom_fields WHERE target = 'person')",
                    p, 1);
        it_sql_exec("DELETE FROM person_resources WHERE person_id = ?", p, 1);
    }
    fixture_drop();
    for (size_t i = 0; i < 2; i++) {
        p[0] = P_INT(i ? fx.ope : fx.ipe);
        it_sql_exec("DELETE FROM persons WHERE id = ?", p, 1);
    }
    free(tokens[OWNER]);
    free(tokens[BUTLER]);
    free(tokens[ADMIN]);
    print_message("bad inputs: %d cases, %d failed\n", total_cases, total_failures);
    return 0;
}

/* ---- the tests ------------------------------------------------------------------------ */

static void first_field(const char *fields, char out[64])
{
    size_t n = strcspn(fields, ":");

    snprintf(out, 64, "%.*s", (int)n, fields);
}

/* Whole-body defects on every endpoint that takes a body. */
static void bodies_rejected(void **state)
{
    struct walk w;

    (void)state;
    walk_start(&w);
    for (size_t e = 0; e < sizeof(body_endpoints) / sizeof(body_endpoints[0]); e++) {
        const struct body_endpoint *ep = &body_endpoints[e];
        struct buf path = BUF_INIT, base = BUF_INIT;
        char f0[64];

        expand_str(&path, ep->path);
        expand_str(&base, ep->valid);
        first_field(ep->fields, f0);
        for (size_t g = 0; g < sizeof(generic_bodies) / sizeof(generic_bodies[0]); g++) {
            const struct generic_body *gb = &generic_bodies[g];
            struct buf body = BUF_INIT;
            char label[300];

            expand(&body, gb->body, gb->len ? gb->len : strlen(gb->body), base.data, f0);
            snprintf(label, sizeof(label), "%s %s: %s", ep->method, path.data, gb->what);
            run(&w, label, ep->method, path.data, &body, ep->who, gb->status, gb->code, 0, NULL);
            buf_free(&body);
        }
        buf_free(&path);
        buf_free(&base);
    }
    walk_end(&w, "bodies");
}

/* The valid body with one field set to value (NULL: removed); the
 * templates @V@ @S@ @N@ of value refer to that field. */
static bool mutate(struct buf *out, const char *base, const char *field, const char *value)
{
    cJSON *doc = cJSON_Parse(base), *it, *placeholder = cJSON_CreateString("ok");
    char *v = NULL, *rest = NULL;
    struct buf val = BUF_INIT;
    bool ok = false;

    if (!cJSON_IsObject(doc))
        goto out;
    it = cJSON_GetObjectItemCaseSensitive(doc, field);
    /* A field the valid body leaves out gets "ok" as its valid value. */
    v = cJSON_PrintUnformatted(it ? it : placeholder);
    cJSON_DeleteItemFromObjectCaseSensitive(doc, field);
    rest = cJSON_PrintUnformatted(doc);
    if (!v || !rest)
        goto out;
    if (!value) {
        buf_puts(out, rest);
        ok = true;
        goto out;
    }
    for (const char *p = value; *p;) {
        if (strncmp(p, "@V@", 3) == 0) {
            buf_puts(&val, v);
            p += 3;
        } else if (strncmp(p, "@S@", 3) == 0) {
            size_t n = strlen(v);
            if (n >= 2 && v[0] == '"')
                buf_append(&val, v + 1, n - 2);
            else
                buf_puts(&val, v);
            p += 3;
        } else if (strncmp(p, "@N@", 3) == 0) {
            buf_puts(&val, field);
            p += 3;
        } else {
            buf_append(&val, p, 1);
            p++;
        }
    }
    buf_printf(out, "{\"%s\":", field);
    expand(out, val.data, val.len, NULL, NULL);
    if (strcmp(rest, "{}") != 0)
        buf_printf(out, ",%s", rest + 1);
    else
        buf_puts(out, "}");
    ok = true;
out:
    cJSON_Delete(doc);
    cJSON_Delete(placeholder);
    cJSON_free(rest);
    cJSON_free(v);
    buf_free(&val);
    return ok;
}

/* One field made bad, for every field of every endpoint. */
static void fields_rejected(void **state)
{
    struct walk w;

    (void)state;
    walk_start(&w);
    for (size_t e = 0; e < sizeof(body_endpoints) / sizeof(body_endpoints[0]); e++) {
        const struct body_endpoint *ep = &body_endpoints[e];
        struct buf path = BUF_INIT, base = BUF_INIT;
        const char *f = ep->fields;

        expand_str(&path, ep->path);
        expand_str(&base, ep->valid);
        while (*f) {
            size_t n = strcspn(f, ",");
            char name[64], type;
            bool required;
            const char *colon = memchr(f, ':', n);

            assert_non_null(colon);
            snprintf(name, sizeof(name), "%.*s", (int)(colon - f), f);
            type = colon[1];
            required = colon[2] == '!';
            for (size_t m = 0; m < sizeof(mutations) / sizeof(mutations[0]); m++) {
                const struct mutation *mu = &mutations[m];
                struct buf body = BUF_INIT;
                char label[300];

                if (!strchr(mu->types, type) || (mu->required_only && !required))
                    continue;
                if (!mutate(&body, base.data, name, mu->value))
                    fail_msg("the valid body of %s %s is not JSON", ep->method, ep->path);
                snprintf(label, sizeof(label), "%s %s: %s %s", ep->method, path.data, name,
                         mu->what);
                run(&w, label, ep->method, path.data, &body, ep->who, mu->status, mu->code, 0,
                    NULL);
                buf_free(&body);
            }
            f += n;
            if (*f == ',')
                f++;
        }
        buf_free(&path);
        buf_free(&base);
    }
    walk_end(&w, "fields");
}

/* {id} segments that are not an id of the caller's. */
static void ids_rejected(void **state)
{
    struct walk w;

    (void)state;
    walk_start(&w);
    for (size_t e = 0; e < sizeof(id_endpoints) / sizeof(id_endpoints[0]); e++) {
        const struct id_endpoint *ep = &id_endpoints[e];

        for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
            const struct bad_id *bi = &bad_ids[i];
            const char *id = strcmp(bi->id, "@OTHER@") == 0 ? ep->other : bi->id;
            const char *at = strstr(ep->path, "@ID@");
            struct buf tpl = BUF_INIT, path = BUF_INIT, body = BUF_INIT;
            char label[300];

            assert_non_null(at);
            buf_printf(&tpl, "%.*s%s%s", (int)(at - ep->path), ep->path, id, at + 4);
            expand_str(&path, tpl.data);
            if (ep->body)
                expand_str(&body, ep->body);
            snprintf(label, sizeof(label), "%s %s (id %s)", ep->method, path.data, bi->id);
            run(&w, label, ep->method, path.data, ep->body ? &body : NULL, ep->who, bi->status,
                bi->code, bi->alt_status, bi->alt_code);
            buf_free(&tpl);
            buf_free(&path);
            buf_free(&body);
        }
    }
    walk_end(&w, "ids");
}

static void other_cases(void **state)
{
    struct walk w;

    (void)state;
    walk_start(&w);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct one_case *c = &cases[i];
        struct buf path = BUF_INIT, body = BUF_INIT;
        char label[300], e[200];

        expand_str(&path, c->path);
        if (c->body)
            expand(&body, c->body, c->len ? c->len : strlen(c->body), NULL, NULL);
        snprintf(label, sizeof(label), "%s %s", c->method, excerpt(path.data, path.len, e));
        run(&w, label, c->method, path.data, c->body ? &body : NULL, c->who, c->status, c->code,
            c->alt_status, c->alt_code);
        buf_free(&path);
        buf_free(&body);
    }
    walk_end(&w, "cases");
}

/* Send req over a new TCP connection to nginx; the whole answer in out. */
static bool raw_send(const char *req, size_t n, struct buf *out)
{
    const char *url = it_env("WUYE_TEST_URL"), *colon = strrchr(url, ':');
    struct sockaddr_in sa;
    struct timeval tv = {10, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    size_t sent = 0;
    char chunk[8192];

    if (fd < 0 || !colon)
        return false;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(colon + 1));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return false;
    }
    while (sent < n) {
        ssize_t k = send(fd, req + sent, n - sent, MSG_NOSIGNAL);
        if (k <= 0)
            break; /* nginx may answer and close before reading it all */
        sent += (size_t)k;
    }
    for (;;) {
        ssize_t k = recv(fd, chunk, sizeof(chunk), 0);
        const char *end;
        if (k <= 0)
            break;
        buf_append(out, chunk, (size_t)k);
        /* Stop at the end of the body when nginx keeps the connection. */
        end = out->data ? strstr(out->data, "\r\n\r\n") : NULL;
        if (end) {
            const char *cl = strcasestr(out->data, "\r\nContent-Length:");
            if (cl && cl < end &&
                out->len >= (size_t)(end + 4 - out->data) + strtoul(cl + 17, NULL, 10))
                break;
        }
    }
    close(fd);
    return out->len > 0;
}

static void raw_requests(void **state)
{
    struct walk w;

    (void)state;
    walk_start(&w);
    for (size_t i = 0; i < sizeof(raw_cases) / sizeof(raw_cases[0]); i++) {
        const struct raw_case *rc = &raw_cases[i];
        struct buf req = BUF_INIT, resp = BUF_INIT;
        const char *body = "", *ct;
        long status = 0;
        char label[300];
        bool ok;

        expand(&req, rc->req, rc->len, NULL, NULL);
        snprintf(label, sizeof(label), "raw: %s", rc->what);
        if (raw_send(req.data, req.len, &resp)) {
            const char *end = strstr(resp.data, "\r\n\r\n");
            sscanf(resp.data, "HTTP/1.%*d %ld", &status);
            body = end ? end + 4 : "";
        }
        ok = check_answer(label, req.data, req.len, status, body,
                          resp.len - (size_t)(body - (resp.data ? resp.data : body)), rc->status,
                          rc->code, rc->alt_status, rc->alt_code);
        ct = resp.data ? strcasestr(resp.data, "\r\nContent-Type:") : NULL;
        if (ok && (!ct || strncmp(ct + 15, " application/json", 17) != 0)) {
            print_error("FAIL %s\n     the Content-Type is not application/json\n", label);
            ok = false;
        }
        ok = check_unchanged(&w, label) && ok;
        w.cases++;
        if (!ok)
            w.failures++;
        buf_free(&req);
        buf_free(&resp);
    }
    walk_end(&w, "raw");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bodies_rejected),
        cmocka_unit_test(fields_rejected),
        cmocka_unit_test(ids_rejected),
        cmocka_unit_test(other_cases),
        cmocka_unit_test(raw_requests),
        cmocka_unit_test(it_logs_hold_no_secrets), /* last: after every other test */
    };
    return cmocka_run_group_tests_name("integration_badinput", tests, setup, teardown);
}
