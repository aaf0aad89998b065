/* staff_tickets.c — the staff's tickets (TKT-1..3, TKT-5, TKT-7; API.md
 * "Tickets"): the list, the workflow's actions (one route per row of
 * the state table, one handler for all), dispatch suggestions and the
 * knowledge base. Who may do what is the domain's: the routes admit any
 * staff role, because a step's state (409) is checked before its role
 * (403), on the locked ticket. */
#include <string.h>

#include "core/json.h"
#include "core/money.h"
#include "db/db.h"
#include "server.h"
#include "tickets_render.h"

int h_staff_tickets(struct req *r, struct err *e)
{
    struct ticket_filter f = {0};
    struct ticket_page pg;
    struct page p;
    const char *status, *assignee, *overdue;

    if (req_page(r, &p, e) < 0 || req_query_str(r, "status", 16, &status, e) < 0 ||
        req_query_str(r, "assignee", 16, &assignee, e) < 0 ||
        req_query_str(r, "type", 16, &f.type, e) < 0 ||
        req_query_str(r, "from", 10, &f.from, e) < 0 || req_query_str(r, "to", 10, &f.to, e) < 0 ||
        req_query_str(r, "overdue", 5, &overdue, e) < 0 ||
        req_query_int(r, "project_id", 1, INT32_MAX, &f.project_id, NULL, e) < 0)
        return -1;
    if (status) {
        if (ticket_status_from_name(status, &f.status) < 0)
            return err_bad_request(e, "查询参数 status 不是工单的状态");
        f.has_status = true;
    }
    if (overdue && strcmp(overdue, "true") != 0 && strcmp(overdue, "false") != 0)
        return err_bad_request(e, "查询参数 overdue 只能是 true 或 false");
    f.overdue = overdue && strcmp(overdue, "true") == 0;
    if (assignee && strcmp(assignee, "me") == 0) {
        f.assignee = r->who.id;
    } else if (assignee && strcmp(assignee, "none") == 0) {
        f.assignee = TICKET_UNASSIGNED;
    } else if (assignee && req_query_int(r, "assignee", 1, INT32_MAX, &f.assignee, NULL, e) < 0) {
        return err_bad_request(e, "查询参数 assignee 只能是 me、none 或员工编号");
    }
    if (ticket_list_staff(db_thread(), &r->arena, &r->who, &f, p.after, p.limit, &pg, e) < 0)
        return -1;
    return reply_tickets(r, pg.items, pg.n, true, pg.next, true);
}

/* The materials of a completion: [{"name","quantity","unit"}…]. */
static int get_materials(struct req *r, struct ticket_act_in *in, struct err *e)
{
    static const char *const fields[] = {"name", "quantity", "unit", NULL};
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r->in, "materials"), *it;
    struct ticket_material *m;
    size_t n = 0;

    if (!arr || cJSON_IsNull(arr))
        return 0;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > TICKET_MATERIALS_MAX)
        return err_bad_request(e, "字段 materials 必须是不超过 50 项的数组");
    m = arena_alloc(&r->arena, ((size_t)cJSON_GetArraySize(arr) + 1) * sizeof(*m));
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsObject(it))
            return err_bad_request(e, "materials 的每一项须为 {\"name\",\"quantity\",\"unit\"}");
        if (json_only_fields(it, fields, e) < 0 ||
            json_get_line(it, "name", true, 1, 64, &m[n].name, e) < 0 ||
            json_get_int(it, "quantity", true, 1, TICKET_QUANTITY_MAX, &m[n].quantity, NULL, e) <
                0 ||
            json_get_line(it, "unit", true, 1, 16, &m[n].unit, e) < 0)
            return -1;
        n++;
    }
    in->materials = m;
    in->nmaterials = n;
    return 0;
}

/* POST /staff/tickets/{id}/<action>: the action is the path's last
 * segment, a row of the state table (the route table has one per row). */
int h_staff_ticket_action(struct req *r, struct err *e)
{
    const char *slash = strrchr(r->path, '/');
    const struct ticket_rule *rule = ticket_rule_named(slash ? slash + 1 : NULL);
    struct ticket_act_in in = {0};

    if (!rule)
        return err_internal(e);
    if (json_get_str(r->in, "note", false, 0, TICKET_NOTE_MAX, &in.note, e) < 0)
        return -1;
    if ((rule->needs & TICKET_NEEDS_ASSIGNEE) &&
        json_get_int(r->in, "assignee_id", true, 1, INT32_MAX, &in.assignee_id, NULL, e) < 0)
        return -1;
    if ((rule->needs & TICKET_NEEDS_RESULT) &&
        (json_get_str(r->in, "result", true, 1, TICKET_RESULT_MAX, &in.result, e) < 0 ||
         get_materials(r, &in, e) < 0 ||
         json_get_int(r->in, "charge_fen", false, 1, MONEY_MAX_FEN, &in.charge_fen, &in.has_charge,
                      e) < 0))
        return -1;
    if ((rule->needs & TICKET_NEEDS_SCORE) &&
        (json_get_int(r->in, "score", true, 1, 5, &in.score, NULL, e) < 0 ||
         json_get_str(r->in, "comment", false, 0, TICKET_NOTE_MAX, &in.comment, e) < 0))
        return -1;
    if (ticket_act(db_thread(), &g_cfg, &r->who, r->params[0], rule->action, &in, e) < 0)
        return -1;
    return reply_ticket(r, r->params[0], e);
}

int h_staff_ticket_suggest(struct req *r, struct err *e)
{
    struct ticket_candidate *c;
    size_t n;
    cJSON *items;

    if (ticket_suggest(db_thread(), &r->arena, &r->who, r->params[0], &c, &n, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject(), *skills;
        char *list = arena_strdup(&r->arena, c[i].skills), *save = NULL;
        json_add_int(o, "id", c[i].id);
        cJSON_AddStringToObject(o, "name", c[i].name);
        skills = cJSON_AddArrayToObject(o, "skills");
        for (char *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save))
            cJSON_AddItemToArray(skills, cJSON_CreateString(s));
        json_add_int(o, "open_load", c[i].open_load);
        cJSON_AddItemToArray(items, o);
    }
    {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddItemToObject(doc, "items", items);
        return reply_json(r, 200, doc);
    }
}

int h_staff_knowledge(struct req *r, struct err *e)
{
    struct ticket *t;
    size_t n;
    const char *q;
    int64_t project_id = 0, limit = 20;

    if (req_query_str(r, "q", TICKET_KB_QUERY_MAX, &q, e) < 0 ||
        req_query_int(r, "project_id", 1, INT32_MAX, &project_id, NULL, e) < 0 ||
        req_query_int(r, "limit", 1, 50, &limit, NULL, e) < 0)
        return -1;
    if (!q)
        return err_bad_request(e, "缺少查询参数：q");
    if (ticket_kb_search(db_thread(), &r->arena, &r->who, q, project_id, (int)limit, &t, &n, e) < 0)
        return -1;
    return reply_tickets(r, t, n, false, 0, true);
}
