/*
 * owner_bills.c — the owner's bills (API.md "GET /owner/bills").
 *
 * The mini-program's second hot path, fused as GET /owner/resources: the
 * session is checked in the statement that reads the bills
 * (bills_for_token(): one round trip). The unpaid list comes whole (the
 * earliest-first rule needs all of it); paid and all are paged.
 */
#include "bills.h"
#include "db/db.h"
#include "render.h"
#include "server.h"

int h_owner_bills(struct req *r, struct err *e)
{
    struct bill_page pg;
    struct buf text = BUF_INIT;
    struct page page = {0, 50};
    enum bill_filter f;
    const char *status;
    int64_t resource_id = 0;

    if (req_query_str(r, "status", 16, &status, e) < 0)
        return -1;
    if (bill_filter_from_name(status, &f) < 0)
        return err_bad_request(e, "status 须为 unpaid、paid 或 all");
    if (req_query_int(r, "resource_id", 1, INT32_MAX, &resource_id, NULL, e) < 0 ||
        (f != BILLS_UNPAID && req_page(r, &page, e) < 0) ||
        bills_for_token(db_thread(), &r->arena, r->token, &r->who, f, resource_id,
                        (uint64_t)page.after, page.limit, &pg, e) < 0)
        return -1;
    render_bill_page(&text, &pg, f != BILLS_UNPAID);
    return reply_json_text(r, 200, &text);
}
