/*
 * office_notices.c — the office console's announcements and surveys
 * (NTC-1, NTC-4; docs/api.md §7.18, §7.19): drafts, publishing (now or
 * at a draft's publish_at), withdrawing and closing, read status, results
 * and their files. Roles are the route table's; scope, states and every
 * rule are the domain's (lib/notices.c, lib/surveys.c).
 */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "db/db.h"
#include "notices_render.h"
#include "reports_render.h"
#include "server.h"

/* An optional RFC 3339 member that null removes: *has when it is there,
 * *is_null when it is null. */
static int get_nullable_time(const cJSON *in, const char *name, bool *has, bool *is_null,
                             time_t *t, struct err *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, name);

    *is_null = v && cJSON_IsNull(v);
    if (*is_null) {
        *has = true;
        return 0;
    }
    return notices_get_time(in, name, false, t, has, e);
}

/* ---- announcements ----------------------------------------------------------------- */

static int get_notice(struct req *r, bool create, struct notice_in *x, struct err *e)
{
    int64_t *ids;
    size_t n;

    memset(x, 0, sizeof(*x));
    if (json_get_line(r->in, "title", create, 1, NOTICE_TITLE_MAX, &x->title, e) < 0 ||
        json_get_str(r->in, "body", create, 1, NOTICE_BODY_MAX, &x->body, e) < 0 ||
        json_get_str(r->in, "category", create, 1, 16, &x->category, e) < 0 ||
        json_get_ids(r->in, "building_ids", false, NOTICE_BUILDINGS_MAX, INT32_MAX, &r->arena,
                     &ids, &n, &x->has_buildings, e) < 0)
        return -1;
    x->building_ids = ids;
    x->nbuildings = n;
    if (cJSON_GetObjectItemCaseSensitive(r->in, "pinned")) {
        if (json_get_bool(r->in, "pinned", true, &x->pinned, e) < 0)
            return -1;
        x->has_pinned = true;
    }
    /* null: no expiry, no schedule (an edit removes it) */
    if (get_nullable_time(r->in, "expires_at", &x->has_expires, &x->expires_null, &x->expires_at,
                          e) < 0)
        return -1;
    return get_nullable_time(r->in, "publish_at", &x->has_publish, &x->publish_null,
                             &x->publish_at, e);
}

int h_office_notice_create(struct req *r, struct err *e)
{
    struct notice_in x;
    int64_t id;

    if (get_notice(r, true, &x, e) < 0 ||
        notice_create(db_thread(), &r->who, r->params[0], &x, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

/* The notice as the office sees it, with its read figures. */
static int reply_notice(struct req *r, int64_t id, struct err *e)
{
    struct notice x;
    struct notice_stats st;
    cJSON *o;

    if (notice_get(db_thread(), &r->arena, &r->who, id, &x, &st, e) < 0)
        return -1;
    o = render_notice(&x, false);
    json_add_int(o, "audience_homes", st.homes);
    json_add_int(o, "audience_people", st.people);
    json_add_int(o, "read_homes", st.read_homes);
    json_add_int(o, "read_people", st.read_people);
    return reply_json(r, 200, o);
}

int h_office_notice_update(struct req *r, struct err *e)
{
    struct notice_in x;

    if (get_notice(r, false, &x, e) < 0 ||
        notice_update(db_thread(), &r->who, r->params[0], &x, e) < 0)
        return -1;
    return reply_notice(r, r->params[0], e);
}

int h_office_notice_publish(struct req *r, struct err *e)
{
    if (notice_publish(db_thread(), &g_cfg, &r->who, r->params[0], e) < 0)
        return -1;
    return reply_notice(r, r->params[0], e);
}

int h_office_notice_withdraw(struct req *r, struct err *e)
{
    if (notice_withdraw(db_thread(), &r->who, r->params[0], e) < 0)
        return -1;
    return reply_notice(r, r->params[0], e);
}

int h_office_notice(struct req *r, struct err *e)
{
    return reply_notice(r, r->params[0], e);
}

int h_office_notices(struct req *r, struct err *e)
{
    struct notice_page pg;
    struct page p;
    const char *status;

    if (req_page(r, &p, e) < 0 || req_query_str(r, "status", 16, &status, e) < 0 ||
        notice_list_project(db_thread(), &r->arena, &r->who, r->params[0], status, p.after,
                            p.limit, &pg, e) < 0)
        return -1;
    return reply_notice_page(r, &pg);
}

int h_office_notice_readers(struct req *r, struct err *e)
{
    struct notice_reader *x;
    struct page p;
    const char *read;
    size_t n;
    int64_t next;
    cJSON *items;

    if (req_page(r, &p, e) < 0 || req_query_str(r, "read", 8, &read, e) < 0)
        return -1;
    if (!read || (strcmp(read, "true") != 0 && strcmp(read, "false") != 0))
        return err_bad_request(e, "查询参数 read 须为 true 或 false");
    if (notice_readers(db_thread(), &r->arena, &r->who, r->params[0], strcmp(read, "true") == 0,
                       p.after, p.limit, &x, &n, &next, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        char masked[12];
        util_phone_mask(x[i].phone, masked);
        json_add_int(o, "person_id", x[i].person_id);
        cJSON_AddStringToObject(o, "name", x[i].name);
        cJSON_AddStringToObject(o, "phone_masked", masked);
        cJSON_AddStringToObject(o, "homes", x[i].homes);
        render_time(o, "read_at", x[i].read_at);
        cJSON_AddItemToArray(items, o);
    }
    return reply_list(r, items, next);
}

/* ---- surveys ----------------------------------------------------------------------- */

/* questions: [{"kind","title","required","options"}…], numbered in order. */
static int get_questions(struct req *r, struct survey_in *x, struct err *e)
{
    static const char *const fields[] = {"kind", "title", "required", "options", NULL};
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r->in, "questions"), *it;
    struct survey_question *q;
    size_t n = 0;

    if (!arr)
        return err_bad_request(e, "缺少字段：questions");
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1 ||
        cJSON_GetArraySize(arr) > SURVEY_QUESTIONS_MAX)
        return err_bad_request(e, "字段 questions 必须是 1 到 30 道题的数组");
    q = arena_alloc(&r->arena, (size_t)cJSON_GetArraySize(arr) * sizeof(*q));
    cJSON_ArrayForEach(it, arr)
    {
        const cJSON *opts;
        const char *kind;
        int k = -1;
        if (!cJSON_IsObject(it))
            return err_bad_request(e, "questions 的每一项须为 {\"kind\",\"title\",\"required\","
                                      "\"options\"}");
        if (json_only_fields(it, fields, e) < 0 ||
            json_get_str(it, "kind", true, 1, 16, &kind, e) < 0 ||
            json_get_line(it, "title", true, 1, SURVEY_QUESTION_TITLE_MAX, &q[n].title, e) < 0)
            return -1;
        for (int i = 0; survey_kind_names[i] && k < 0; i++)
            if (strcmp(kind, survey_kind_names[i]) == 0)
                k = i;
        if (k < 0)
            return err_bad_request(e, "kind 只能是 single、multiple、score 或 text");
        q[n].no = (int64_t)n + 1;
        q[n].kind = (enum survey_kind)k;
        q[n].required = true;
        if (cJSON_GetObjectItemCaseSensitive(it, "required") &&
            json_get_bool(it, "required", true, &q[n].required, e) < 0)
            return -1;
        opts = cJSON_GetObjectItemCaseSensitive(it, "options");
        if (opts && !cJSON_IsNull(opts)) {
            const cJSON *o;
            const char **list;
            size_t m = 0;
            if (!cJSON_IsArray(opts) || cJSON_GetArraySize(opts) > SURVEY_OPTIONS_MAX)
                return err_bad_request(e, "options 须为不超过 10 个选项的数组");
            list = arena_alloc(&r->arena, ((size_t)cJSON_GetArraySize(opts) + 1) * sizeof(*list));
            cJSON_ArrayForEach(o, opts)
            {
                if (!cJSON_IsString(o))
                    return err_bad_request(e, "options 的每一项须为文字");
                list[m++] = o->valuestring;
            }
            q[n].options = list;
            q[n].noptions = m;
        }
        n++;
    }
    x->questions = q;
    x->nquestions = n;
    return 0;
}

int h_office_survey_create(struct req *r, struct err *e)
{
    struct survey_in x = {0};
    int64_t *ids, id;
    bool present, no_schedule;

    if (json_get_line(r->in, "title", true, 1, SURVEY_TITLE_MAX, &x.title, e) < 0 ||
        json_get_str(r->in, "description", false, 0, SURVEY_DESCRIPTION_MAX, &x.description, e) <
            0 ||
        notices_get_time(r->in, "opens_at", true, &x.opens_at, &present, e) < 0 ||
        notices_get_time(r->in, "closes_at", true, &x.closes_at, &present, e) < 0 ||
        get_nullable_time(r->in, "publish_at", &x.has_publish, &no_schedule, &x.publish_at, e) <
            0 ||
        json_get_ids(r->in, "building_ids", false, NOTICE_BUILDINGS_MAX, INT32_MAX, &r->arena,
                     &ids, &x.nbuildings, NULL, e) < 0 ||
        get_questions(r, &x, e) < 0)
        return -1;
    x.building_ids = ids;
    x.has_publish = x.has_publish && !no_schedule;
    if (survey_create(db_thread(), &r->who, r->params[0], &x, &id, e) < 0)
        return -1;
    return reply_created(r, id);
}

static int reply_survey(struct req *r, int64_t id, struct err *e)
{
    struct survey s;

    if (survey_get(db_thread(), &r->arena, &r->who, id, &s, e) < 0)
        return -1;
    return reply_json(r, 200, render_survey(&s, false));
}

int h_office_survey(struct req *r, struct err *e)
{
    return reply_survey(r, r->params[0], e);
}

/* {"publish_at"}: a draft's schedule, null to remove it; nothing else of
 * a survey changes. */
int h_office_survey_update(struct req *r, struct err *e)
{
    bool has, clear;
    time_t at = 0;

    if (get_nullable_time(r->in, "publish_at", &has, &clear, &at, e) < 0)
        return -1;
    if (!has)
        return err_bad_request(e, "缺少字段：publish_at");
    if (survey_schedule(db_thread(), &r->who, r->params[0], clear, at, e) < 0)
        return -1;
    return reply_survey(r, r->params[0], e);
}

int h_office_survey_publish(struct req *r, struct err *e)
{
    if (survey_publish(db_thread(), &g_cfg, &r->who, r->params[0], e) < 0)
        return -1;
    return reply_survey(r, r->params[0], e);
}

int h_office_survey_close(struct req *r, struct err *e)
{
    if (survey_close(db_thread(), &r->who, r->params[0], e) < 0)
        return -1;
    return reply_survey(r, r->params[0], e);
}

int h_office_surveys(struct req *r, struct err *e)
{
    struct survey_page pg;
    struct page p;
    const char *status;
    cJSON *items;

    if (req_page(r, &p, e) < 0 || req_query_str(r, "status", 16, &status, e) < 0 ||
        survey_list_project(db_thread(), &r->arena, &r->who, r->params[0], status, p.after,
                            p.limit, &pg, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < pg.n; i++)
        cJSON_AddItemToArray(items, render_survey(&pg.items[i], false));
    return reply_list(r, items, pg.next);
}

static cJSON *render_tally(const struct survey_tally *t)
{
    const struct survey_question *q = t->q;
    cJSON *o = cJSON_CreateObject(), *arr;

    json_add_int(o, "no", q->no);
    cJSON_AddStringToObject(o, "kind", survey_kind_names[q->kind]);
    cJSON_AddStringToObject(o, "title", q->title);
    json_add_int(o, "answered", t->answered);
    if (q->kind == SURVEY_SINGLE || q->kind == SURVEY_MULTIPLE) {
        arr = cJSON_AddArrayToObject(o, "options");
        for (size_t k = 0; k < q->noptions; k++) {
            cJSON *x = cJSON_CreateObject();
            json_add_int(x, "no", (int64_t)k + 1);
            cJSON_AddStringToObject(x, "text", q->options[k]);
            json_add_int(x, "count", t->option_counts[k]);
            cJSON_AddItemToArray(arr, x);
        }
    } else if (q->kind == SURVEY_SCORE) {
        arr = cJSON_AddArrayToObject(o, "scores");
        for (int s = 0; s < SURVEY_SCORE_MAX; s++) {
            cJSON *x = cJSON_CreateObject();
            json_add_int(x, "score", s + 1);
            json_add_int(x, "count", t->score_counts[s]);
            cJSON_AddItemToArray(arr, x);
        }
        if (t->has_avg)
            json_add_int(o, "avg_score_x100", t->avg_score_x100);
        else
            cJSON_AddNullToObject(o, "avg_score_x100");
    }
    return o;
}

/* ?format=csv|xlsx: the results as a file (report_table.h). */
static int results_file(struct req *r, const char *format, struct err *e)
{
    struct report rep;
    char name[64];

    if (strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0)
        return err_bad_request(e, "format 只能是 json、csv 或 xlsx");
    if (survey_report(db_thread(), &r->arena, &r->who, r->params[0], &rep, e) < 0)
        return -1;
    snprintf(name, sizeof(name), "survey-%lld.%s", (long long)r->params[0], format);
    return reply_report_file(r, &rep, format, name, e);
}

int h_office_survey_results(struct req *r, struct err *e)
{
    struct survey s;
    struct survey_tally *t;
    const char *format;
    cJSON *o, *qs;

    if (req_query_str(r, "format", 8, &format, e) < 0)
        return -1;
    if (format && strcmp(format, "json") != 0)
        return results_file(r, format, e);
    if (survey_results(db_thread(), &r->arena, &r->who, r->params[0], &s, &t, e) < 0)
        return -1;
    o = cJSON_CreateObject();
    json_add_int(o, "id", s.id);
    cJSON_AddStringToObject(o, "title", s.title);
    cJSON_AddStringToObject(o, "status", s.status);
    json_add_int(o, "responses", s.responses);
    qs = cJSON_AddArrayToObject(o, "questions");
    for (size_t i = 0; i < s.nquestions; i++)
        cJSON_AddItemToArray(qs, render_tally(&t[i]));
    return reply_json(r, 200, o);
}

int h_office_survey_texts(struct req *r, struct err *e)
{
    struct survey_text *x;
    struct page p;
    int64_t question_no = 0, next;
    size_t n;
    cJSON *items;

    if (req_page(r, &p, e) < 0 ||
        req_query_int(r, "question_no", 1, SURVEY_QUESTIONS_MAX, &question_no, NULL, e) < 0 ||
        survey_texts(db_thread(), &r->arena, &r->who, r->params[0], question_no, p.after, p.limit,
                     &x, &n, &next, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        json_add_int(o, "id", x[i].id);
        json_add_int(o, "question_no", x[i].question_no);
        cJSON_AddStringToObject(o, "text", x[i].text);
        render_time(o, "answered_at", x[i].at);
        cJSON_AddItemToArray(items, o);
    }
    return reply_list(r, items, next);
}
