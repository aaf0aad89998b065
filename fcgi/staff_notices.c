/* staff_notices.c — the staff app's announcements (NTC-1; docs/api.md
 * §6.5): the published notices of the caller's projects, read-only. */
#include "db/db.h"
#include "notices_render.h"
#include "server.h"

int h_staff_notices(struct req *r, struct err *e)
{
    struct notice_page pg;
    struct page p;
    int64_t project_id = 0;

    if (req_page(r, &p, e) < 0 ||
        req_query_int(r, "project_id", 1, INT32_MAX, &project_id, NULL, e) < 0 ||
        notice_list_staff(db_thread(), &r->arena, &r->who, project_id, p.after, p.limit, &pg, e) <
            0)
        return -1;
    return reply_notice_page(r, &pg);
}
