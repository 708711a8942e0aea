#include "event_json.h"
#include "json_time.h"
#include "utf8.h"

/* Keys in the order the protocol has always sent them. */
json_t *event_json(const struct event *ev)
{
    const char *state = event_state_name(ev);
    switch (ev->kind) {
    case EVENT_TASK: {
        json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:s, s:i}", "event", "task", "dag_id",
                              json_text(ev->dag_id), "run_id", json_text(ev->run_id), "task_id",
                              json_text(ev->task_id), "state", state, "try_number", ev->try_number);
        /* Only where set (swarm tries), after the keys always sent. */
        if (o && ev->waiting_for)
            json_object_set_new(o, "waiting_for", json_text(ev->waiting_for));
        if (o && ev->node)
            json_object_set_new(o, "node", json_text(ev->node));
        return o;
    }
    case EVENT_RUN:
        return json_pack("{s:s, s:o, s:o, s:s, s:o}", "event", "run", "dag_id",
                         json_text(ev->dag_id), "run_id", json_text(ev->run_id), "state", state,
                         "logical_date", json_date_or_null(ev->logical_us, ev->timezone));
    case EVENT_DAG:
        return json_pack("{s:s, s:s, s:o, s:b, s:o, s:o}", "event", "dag", "what",
                         dag_change_name(ev->what), "dag_id", json_text(ev->dag_id), "paused",
                         ev->paused, "file", json_text(ev->file), "error", json_text(ev->error));
    case EVENT_SLA_MISS: {
        json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:s, s:o, s:I, s:o}", "event", "sla_miss",
                              "dag_id", json_text(ev->dag_id), "run_id", json_text(ev->run_id),
                              "task_id", json_text(ev->task_id), "state", state, "logical_date",
                              json_date_or_null(ev->logical_us, ev->timezone), "sla_s",
                              (json_int_t)(ev->sla_us / 1000000), "due",
                              json_time_or_null(ev->due_us, ev->timezone));
        if (o && ev->task_id)
            json_object_set_new(o, "try_number", json_integer(ev->try_number));
        return o;
    }
    }
    return NULL;
}
