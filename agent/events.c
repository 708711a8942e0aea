#include "events.h"
#include "commands.h"
#include "server.h"

void events_task(agent *ag, const run *r, size_t i)
{
    const ti *t = &r->tis[i];
    server_broadcast(ag, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "event", "task", "dag_id",
                                   r->de->dag_id, "run_id", r->run_id, "task_id",
                                   r->de->model->tasks[i].id, "state", ti_state_name(t->state),
                                   "try_number", t->try_number));
}

void events_run(agent *ag, const run *r)
{
    server_broadcast(ag, json_pack("{s:s, s:s, s:s, s:s, s:o}", "event", "run", "dag_id",
                                   r->de->dag_id, "run_id", r->run_id, "state",
                                   run_state_name(r->state), "logical_date",
                                   json_time_or_null(r->logical_us, r->de->model->timezone)));
    if (run_state_finished(r->state))
        wait_run_finished(ag, r);
}

void events_dag(agent *ag, const dag_entry *de, const char *what)
{
    server_broadcast(ag, json_pack("{s:s, s:s, s:s, s:b, s:s?}", "event", "dag", "what", what,
                                   "dag_id", de->dag_id, "paused", de->paused, "error",
                                   de->error));
}
