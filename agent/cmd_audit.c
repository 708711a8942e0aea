/* audit: the change log, newest first. With args.offset the result is a
 * page {"audit":[…],"offset","more","next_offset"} under PAGE_BUDGET bytes;
 * without it the plain list of the contract, refused when it is too big. */
#include "commands.h"
#include "page.h"
#include "store.h"

json_t *cmd_audit(request *rq)
{
    long long limit = arg_int(rq, "limit"), offset = arg_int(rq, "offset");
    bool paged = arg_given(rq, "offset");
    json_t *rows = store_audit_page(rq->ag->db, arg_str(rq, "dag_id"), offset, (int)limit + 1,
                                    rq->ag->cfg.timezone);
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
            return NULL;
        }
        return list;
    }
    size_t n = json_array_size(list);
    json_t *o =
        json_pack("{s:o, s:I, s:b}", "audit", list, "offset", (json_int_t)offset, "more", more);
    if (more)
        json_object_set_new(o, "next_offset", json_integer(offset + (long long)n));
    return o;
}
