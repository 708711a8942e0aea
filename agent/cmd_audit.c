/* audit: the change log, newest first. With args.offset the result is a
 * page {"audit":[…],"offset","more","next_offset"} under PAGE_BUDGET bytes;
 * without it the plain list of the contract, refused when it is too big. */
#include "commands.h"
#include "page.h"
#include "store.h"

void cmd_audit(request *rq)
{
    long long limit = 50, offset = -1;
    if (!arg_int(rq, "limit", false, &limit) || !arg_int(rq, "offset", false, &offset))
        return;
    bool paged = json_object_get(rq->args, "offset") != NULL;
    if (limit < 1 || limit > 100000) {
        server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.limit\" must be 1..100000");
        return;
    }
    if (paged && offset < 0) {
        server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.offset\" must be >= 0");
        return;
    }
    if (!paged)
        offset = 0;
    json_t *rows = store_audit_page(rq->ag->db, offset, (int)limit + 1, rq->ag->cfg.timezone);
    bool more = json_array_size(rows) > (size_t)limit;
    json_t *list = json_array();
    page pg = {.used = 256};
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        if (i == (size_t)limit)
            break;
        if (!page_take(&pg, row, 0, PAGE_BUDGET)) {
            more = true;
            break;
        }
        json_array_append(list, row);
    }
    json_decref(rows);
    if (!paged) {
        if (more && json_array_size(list) < (size_t)limit) {
            json_decref(list);
            server_reply_error(rq->cl, rq->id, "too_big",
                               "%lld audit records do not fit in one reply: page with args.offset",
                               limit);
            return;
        }
        server_reply_ok(rq->cl, rq->id, list);
        return;
    }
    size_t n = json_array_size(list);
    json_t *o =
        json_pack("{s:o, s:I, s:b}", "audit", list, "offset", (json_int_t)offset, "more", more);
    if (more)
        json_object_set_new(o, "next_offset", json_integer(offset + (long long)n));
    server_reply_ok(rq->cl, rq->id, o);
}
