/* pause / unpause: a paused DAG creates no scheduled runs and starts no new
 * task (backfills excepted); running tasks finish. The flag is stored. */
#include "commands.h"
#include "events.h"
#include "store.h"
#include "engine.h"
#include "batch.h"

static void set_paused(request *rq, bool paused)
{
    dag_entry *de = arg_dag(rq);
    if (!de)
        return;
    batch_begin(rq->ag);
    int rc = store_dag_set_paused(rq->ag->db, de->dag_id, paused);
    if (rc == 0) {
        bool was = de->paused;
        de->paused = paused;
        audit_change(rq, paused ? "pause" : "unpause", de->dag_id, NULL, NULL,
                     was == paused ? "unchanged" : NULL);
        events_dag(rq->ag, de, paused ? "paused" : "unpaused");
    }
    /* Unpausing may start what waited; the pass runs in this batch. */
    engine_pass(rq->ag);
    if (batch_end(rq->ag))
        rc = -1;
    if (rc)
        server_reply_error(rq->cl, rq->id, "store", "could not store the pause flag");
    else
        server_reply_ok(rq->cl, rq->id,
                        json_pack("{s:s, s:b}", "dag_id", de->dag_id, "paused", paused));
}

void cmd_pause(request *rq)
{
    set_paused(rq, true);
}

void cmd_unpause(request *rq)
{
    set_paused(rq, false);
}
