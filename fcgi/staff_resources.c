/* staff_resources.c — the staff app's homes and people (RES-1..3). */
#include "db/db.h"
#include "render.h"
#include "resources.h"
#include "server.h"

int h_staff_resources(struct req *r, struct err *e)
{
    struct resource_filter f = {0};
    struct resource *list;
    struct page pg;
    size_t n;
    int64_t next;
    cJSON *items;

    if (req_page(r, &pg, e) < 0 ||
        req_query_int(r, "project_id", 1, INT32_MAX, &f.project_id, NULL, e) < 0 ||
        req_query_int(r, "building_id", 1, INT32_MAX, &f.building_id, NULL, e) < 0 ||
        req_query_str(r, "q", 50, &f.q, e) < 0)
        return -1;
    f.after_id = pg.after;
    f.limit = pg.limit;
    if (res_list_for_staff(db_thread(), &r->arena, &r->who, &f, &list, &n, &next, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, render_resource_staff(&list[i]));
    return reply_list(r, items, next);
}

int h_staff_resource(struct req *r, struct err *e)
{
    struct resource_detail d;
    struct receivables rec;
    cJSON *doc;

    /* the detail decides the scope (404); the books follow */
    if (res_detail_for_staff(db_thread(), &r->arena, &r->who, r->params[0], &d, e) < 0 ||
        bills_receivables(db_thread(), &r->arena, r->params[0], &rec, e) < 0)
        return -1;
    doc = render_resource_detail(&d, false);
    cJSON_AddItemToObject(doc, "receivables", render_receivables(&rec));
    return reply_json(r, 200, doc);
}

/* GET /staff/persons?q=&project_id= — find an owner, family member or
 * tenant of the caller's projects by name or phone. */
int h_staff_persons(struct req *r, struct err *e)
{
    struct person_row *rows;
    struct page pg;
    size_t n;
    int64_t next, project_id = 0;
    const char *q;
    cJSON *items;

    if (req_page(r, &pg, e) < 0 ||
        req_query_int(r, "project_id", 1, INT32_MAX, &project_id, NULL, e) < 0 ||
        req_query_str(r, "q", 50, &q, e) < 0 ||
        res_persons_for_staff(db_thread(), &r->arena, &r->who, project_id, q, pg.after, pg.limit,
                              &rows, &n, &next, e) < 0)
        return -1;
    items = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, render_person_row(&rows[i]));
    return reply_list(r, items, next);
}
