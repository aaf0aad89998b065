/* office_approvals.c — approvals in the office (FEE-5): the policies of a
 * project (admin), and the requests: list, show, approve, reject, cancel
 * (staff of the project with a role of APPROVAL_ROLES; who may decide
 * which step is the domain's, lib/approvals.c). */
#include <string.h>

#include "approvals.h"
#include "core/json.h"
#include "db/db.h"
#include "render.h"
#include "server.h"

int h_office_approval_policies(struct req *r, struct err *e)
{
    struct approval_policy p[APPROVAL_KINDS];
    cJSON *doc, *items;

    if (approval_policies_get(db_thread(), &r->arena, &r->who, r->params[0], p, e) < 0)
        return -1;
    doc = cJSON_CreateObject();
    items = cJSON_AddArrayToObject(doc, "items");
    for (int k = 0; k < APPROVAL_KINDS; k++) {
        cJSON *o = cJSON_CreateObject(), *steps;
        cJSON_AddStringToObject(o, "kind", approval_kind_name(p[k].kind));
        cJSON_AddBoolToObject(o, "default", p[k].is_default);
        steps = cJSON_AddArrayToObject(o, "steps");
        for (size_t i = 0; i < p[k].nsteps; i++) {
            cJSON *s = cJSON_CreateObject();
            cJSON_AddStringToObject(s, "role", p[k].steps[i].role);
            json_add_int(s, "min_amount_fen", p[k].steps[i].min_amount_fen);
            cJSON_AddItemToArray(steps, s);
        }
        cJSON_AddItemToArray(items, o);
    }
    return reply_json(r, 200, doc);
}

/* PUT …/approval-policies/{kind}: the router matches {id} segments only,
 * so each kind is a row of its own (routes.c) and the path's last segment
 * says which. */
int h_office_approval_policy_set(struct req *r, struct err *e)
{
    static const char *const step_fields[] = {"role", "min_amount_fen", NULL};
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(r->in, "steps"), *it;
    struct approval_rule v[APPROVAL_STEPS_MAX];
    enum approval_kind kind;
    size_t n = 0;

    if (approval_kind_from_name(strrchr(r->path, '/') + 1, &kind) < 0)
        return err_internal(e); /* a row of routes.c names a kind that does not exist */
    if (!arr || cJSON_IsNull(arr))
        return err_bad_request(e, "缺少字段：steps");
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > APPROVAL_STEPS_MAX)
        return err_bad_request(e, "steps 须为 1 到 8 个审批步骤");
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsObject(it))
            return err_bad_request(e, "steps 的每一项须为 {\"role\",\"min_amount_fen\"}");
        if (json_only_fields(it, step_fields, e) < 0 ||
            json_get_str(it, "role", true, 1, 16, &v[n].role, e) < 0 ||
            json_get_int(it, "min_amount_fen", true, 0, MONEY_MAX_FEN, &v[n].min_amount_fen, NULL,
                         e) < 0)
            return -1;
        n++;
    }
    if (approval_policy_set(db_thread(), &r->who, r->params[0], kind, v, n, e) < 0)
        return -1;
    return reply_ok(r);
}

int h_office_approvals(struct req *r, struct err *e)
{
    struct approval_filter f = {0};
    struct approval *list;
    struct page pg;
    size_t n;
    int64_t next;
    cJSON *items;

    if (req_page(r, &pg, e) < 0 ||
        req_query_int(r, "project_id", 1, INT32_MAX, &f.project_id, NULL, e) < 0 ||
        req_query_str(r, "status", 16, &f.status, e) < 0 ||
        req_query_str(r, "kind", 16, &f.kind, e) < 0)
        return -1;
    /* newest first: the cursor is the id the next page stays below */
    f.before_id = pg.after;
    f.limit = pg.limit;
    if (approval_list(db_thread(), &r->arena, &r->who, &f, &list, &n, &next, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, render_approval(&list[i]));
    return reply_list(r, items, next);
}

int h_office_approval(struct req *r, struct err *e)
{
    struct approval x;

    if (approval_get(db_thread(), &r->arena, &r->who, r->params[0], &x, e) < 0)
        return -1;
    return reply_json(r, 200, render_approval(&x));
}

static int decide(struct req *r, enum approval_decision d, struct err *e)
{
    const char *note = NULL;
    struct approval x;

    /* cancel has no body (its route declares no fields) */
    if ((r->in && json_get_line(r->in, "note", false, 0, 200, &note, e) < 0) ||
        approval_decide(db_thread(), &r->arena, &g_cfg, &r->who, r->params[0], d, note, &x, e) < 0)
        return -1;
    return reply_json(r, 200, render_approval(&x));
}

int h_office_approval_approve(struct req *r, struct err *e)
{
    return decide(r, APPROVAL_APPROVE, e);
}

int h_office_approval_reject(struct req *r, struct err *e)
{
    return decide(r, APPROVAL_REJECT, e);
}

int h_office_approval_cancel(struct req *r, struct err *e)
{
    return decide(r, APPROVAL_CANCEL, e);
}
