/* audit: the change log, newest first. */
#include "commands.h"
#include "store.h"

void cmd_audit(request *rq)
{
    long long limit = 50;
    if (!arg_int(rq, "limit", false, &limit))
        return;
    if (limit < 1 || limit > 100000) {
        server_reply_error(rq->cl, rq->id, "bad_request", "field \"args.limit\" must be 1..100000");
        return;
    }
    server_reply_ok(rq->cl, rq->id, store_audit_json(rq->ag->db, (int)limit, rq->ag->cfg.timezone));
}
