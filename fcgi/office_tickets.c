/* office_tickets.c — the office's side of service tickets: statistics
 * (TKT-6) as JSON, CSV or XLSX, and the set-up of deadlines per type and
 * of the skills dispatch suggestions go by (TKT-2, TKT-3): docs/api.md
 * §7.17. Roles are the route table's; scope, checks and figures are the
 * domain's (lib/ticket_stats.c, lib/ticket_setup.c). The office's list of
 * tickets is the staff list (GET /staff/tickets), which admits every
 * staff role of the ticket's project. */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "db/db.h"
#include "reports_render.h"
#include "server.h"
#include "ticket_setup.h"
#include "ticket_stats.h"

int h_office_ticket_stats(struct req *r, struct err *e)
{
    struct ticket_stats_query q = {0};
    struct report rep;
    const char *format;
    char name[128];

    if (req_query_int(r, "project_id", 1, INT32_MAX, &q.project_id, NULL, e) < 0 ||
        req_query_str(r, "from", 10, &q.from, e) < 0 || req_query_str(r, "to", 10, &q.to, e) < 0 ||
        req_query_str(r, "group", 16, &q.group, e) < 0 ||
        req_query_str(r, "format", 8, &format, e) < 0)
        return -1;
    if (!q.project_id)
        return err_bad_request(e, "缺少查询参数：project_id");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0 &&
        strcmp(format, "xlsx") != 0)
        return err_bad_request(e, "format 只能是 json、csv 或 xlsx");
    if (ticket_stats(db_thread(), &r->arena, &r->who, &q, &rep, e) < 0)
        return -1;
    if (!format || strcmp(format, "json") == 0)
        return reply_json(r, 200, render_report(&rep));
    /* the report's values from and to (ticket_stats.h): days it wrote itself */
    snprintf(name, sizeof(name), "ticket-stats-%lld-%s-%s.%s", (long long)q.project_id,
             rep.meta[2].v.s, rep.meta[3].v.s, format);
    return reply_report_file(r, &rep, format, name, e);
}

/* ---- set-up ------------------------------------------------------------------------ */

/* An array of skill names (which are valid is the domain's). */
static int get_skills(struct req *r, const char *const **out, size_t *n, struct err *e)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r->in, "skills"), *it;
    const char **v;

    *n = 0;
    if (!arr)
        return err_bad_request(e, "缺少字段：skills");
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > TICKET_SKILLS_MAX)
        return err_bad_request(e, "字段 skills 必须是不超过 20 项的字符串数组");
    v = arena_alloc(&r->arena, ((size_t)cJSON_GetArraySize(arr) + 1) * sizeof(*v));
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it))
            return err_bad_request(e, "字段 skills 必须是不超过 20 项的字符串数组");
        v[(*n)++] = it->valuestring;
    }
    *out = v;
    return 0;
}

static cJSON *skills_json(const char *const *skills, size_t n)
{
    cJSON *a = cJSON_CreateArray();

    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(skills[i]));
    return a;
}

/* {"project_id","types":[{"type","response_min","complete_min","default","skills"}…]} */
static int reply_setup(struct req *r, int64_t project_id, struct err *e)
{
    struct ticket_type_setup *t;
    size_t n;
    cJSON *doc, *types;

    if (ticket_setup_get(db_thread(), &r->arena, &r->who, project_id, &t, &n, e) < 0)
        return -1;
    doc = cJSON_CreateObject();
    json_add_int(doc, "project_id", project_id);
    types = cJSON_AddArrayToObject(doc, "types");
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", t[i].type);
        json_add_int(o, "response_min", t[i].response_min);
        json_add_int(o, "complete_min", t[i].complete_min);
        cJSON_AddBoolToObject(o, "default", t[i].is_default);
        cJSON_AddItemToObject(o, "skills", skills_json(t[i].skills, t[i].nskills));
        cJSON_AddItemToArray(types, o);
    }
    return reply_json(r, 200, doc);
}

int h_office_ticket_setup(struct req *r, struct err *e)
{
    return reply_setup(r, r->params[0], e);
}

int h_office_ticket_deadline_set(struct req *r, struct err *e)
{
    const char *type;
    int64_t response_min, complete_min;

    if (json_get_str(r->in, "type", true, 1, 16, &type, e) < 0 ||
        json_get_int(r->in, "response_min", true, 1, TICKET_DEADLINE_MAX_MIN, &response_min, NULL,
                     e) < 0 ||
        json_get_int(r->in, "complete_min", true, 1, TICKET_DEADLINE_MAX_MIN, &complete_min, NULL,
                     e) < 0 ||
        ticket_deadline_set(db_thread(), &r->who, r->params[0], type, response_min, complete_min,
                            e) < 0)
        return -1;
    return reply_setup(r, r->params[0], e);
}

int h_office_ticket_skills_set(struct req *r, struct err *e)
{
    const char *type;
    const char *const *skills;
    size_t n;

    if (json_get_str(r->in, "type", true, 1, 16, &type, e) < 0 ||
        get_skills(r, &skills, &n, e) < 0 ||
        ticket_type_skills_set(db_thread(), &r->who, r->params[0], type, skills, n, e) < 0)
        return -1;
    return reply_setup(r, r->params[0], e);
}

/* {"staff_id","skills":[…]} */
static int reply_staff_skills(struct req *r, struct err *e)
{
    const char **skills;
    size_t n;
    cJSON *doc;

    if (staff_skills_get(db_thread(), &r->arena, &r->who, r->params[0], &skills, &n, e) < 0)
        return -1;
    doc = cJSON_CreateObject();
    json_add_int(doc, "staff_id", r->params[0]);
    cJSON_AddItemToObject(doc, "skills", skills_json(skills, n));
    return reply_json(r, 200, doc);
}

int h_office_staff_skills(struct req *r, struct err *e)
{
    return reply_staff_skills(r, e);
}

int h_office_staff_skills_set(struct req *r, struct err *e)
{
    const char *const *skills;
    size_t n;

    if (get_skills(r, &skills, &n, e) < 0 ||
        staff_skills_set(db_thread(), &r->who, r->params[0], skills, n, e) < 0)
        return -1;
    return reply_staff_skills(r, e);
}
