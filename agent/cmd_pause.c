/* pause / unpause: a paused DAG creates no scheduled runs and starts no new
 * task (backfills excepted); running tasks finish. The flag is stored. */
#include "commands.h"
#include "events.h"
#include "store.h"

static json_t *set_paused(request *rq, bool paused)
{
    dag_entry *de = rq->dag;
    /* Unpausing may start what waited: the pass runs in this batch. */
    rq->changed = true;
    if (store_dag_set_paused(rq->ag->db, de->dag_id, paused)) {
        server_reply_error(rq->cl, rq->id, "store", "could not store the pause flag");
        return NULL;
    }
    bool was = de->paused;
    de->paused = paused;
    de->refill = true; /* a paused DAG holds only its backfills in memory */
    audit_change(rq, paused ? "pause" : "unpause", de->dag_id, NULL, NULL,
                 was == paused ? "unchanged" : NULL);
    events_dag(rq->ag, de, paused ? "paused" : "unpaused");
    return json_pack("{s:s, s:b}", "dag_id", de->dag_id, "paused", paused);
}

json_t *cmd_pause(request *rq)
{
    return set_paused(rq, true);
}

json_t *cmd_unpause(request *rq)
{
    return set_paused(rq, false);
}
