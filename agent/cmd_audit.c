/* audit: the change log, newest first. */
#include "commands.h"
#include "store.h"

json_t *cmd_audit(request *rq)
{
    return store_audit_json(rq->ag->db, (int)arg_int(rq, "limit"), rq->ag->cfg.timezone);
}
