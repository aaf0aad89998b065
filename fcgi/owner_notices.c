/* owner_notices.c — the owner's announcements and surveys (NTC-1, NTC-4;
 * API.md "Notices", docs/api.md §5.4): the list and the read receipt,
 * the open surveys and an answer. The audience, the states and the
 * answer's rules are the domain's (lib/notices.c, lib/surveys.c). */
#include <string.h>

#include "core/json.h"
#include "db/db.h"
#include "notices_render.h"
#include "server.h"

int h_owner_notices(struct req *r, struct err *e)
{
    struct notice_page pg;
    struct page p;
    cJSON *items;

    if (req_page(r, &p, e) < 0 ||
        notice_list_owner(db_thread(), &r->arena, &r->who, p.after, p.limit, &pg, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < pg.n; i++)
        cJSON_AddItemToArray(items, render_notice(&pg.items[i], true));
    return reply_list(r, items, pg.next);
}

int h_owner_notice_read(struct req *r, struct err *e)
{
    if (notice_read(db_thread(), &r->who, r->params[0], e) < 0)
        return -1;
    return reply_empty(r, 204);
}

int h_owner_surveys(struct req *r, struct err *e)
{
    struct survey_page pg;
    struct page p;
    cJSON *items;

    if (req_page(r, &p, e) < 0 ||
        survey_list_owner(db_thread(), &r->arena, &r->who, p.after, p.limit, &pg, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < pg.n; i++)
        cJSON_AddItemToArray(items, render_survey(&pg.items[i], true));
    return reply_list(r, items, pg.next);
}

int h_owner_survey(struct req *r, struct err *e)
{
    struct survey s;

    if (survey_get_owner(db_thread(), &r->arena, &r->who, r->params[0], &s, e) < 0)
        return -1;
    return reply_json(r, 200, render_survey(&s, true));
}

/* answers: [{"question_no", "choices" | "score" | "text"}…]. */
int h_owner_survey_answer(struct req *r, struct err *e)
{
    static const char *const fields[] = {"question_no", "choices", "score", "text", NULL};
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r->in, "answers"), *it;
    struct survey_answer *a;
    size_t n = 0;

    if (!arr)
        return err_bad_request(e, "缺少字段：answers");
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > SURVEY_QUESTIONS_MAX)
        return err_bad_request(e, "字段 answers 必须是不超过 30 项的数组");
    a = arena_alloc(&r->arena, ((size_t)cJSON_GetArraySize(arr) + 1) * sizeof(*a));
    cJSON_ArrayForEach(it, arr)
    {
        int64_t *choices;
        if (!cJSON_IsObject(it))
            return err_bad_request(e, "answers 的每一项须为 {\"question_no\", \"choices\"、"
                                      "\"score\" 或 \"text\"}");
        if (json_only_fields(it, fields, e) < 0 ||
            json_get_int(it, "question_no", true, 1, SURVEY_QUESTIONS_MAX, &a[n].question_no, NULL,
                         e) < 0 ||
            json_get_ids(it, "choices", false, SURVEY_OPTIONS_MAX, SURVEY_OPTIONS_MAX, &r->arena,
                         &choices, &a[n].nchoices, &a[n].has_choices, e) < 0 ||
            json_get_int(it, "score", false, SURVEY_SCORE_MIN, SURVEY_SCORE_MAX, &a[n].score,
                         &a[n].has_score, e) < 0 ||
            json_get_str(it, "text", false, 1, SURVEY_TEXT_MAX, &a[n].text, e) < 0)
            return -1;
        a[n].choices = choices;
        n++;
    }
    if (survey_answer(db_thread(), &r->who, r->params[0], a, n, e) < 0)
        return -1;
    return reply_empty(r, 204);
}
