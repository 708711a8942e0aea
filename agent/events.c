#include "events.h"
#include "commands.h"
#include "notify.h"
#include "server.h"
#include "sla.h"
#include "utf8.h"

#include <stdio.h>

#include <string.h>

static void deliver(agent *ag, json_t *event)
{
    const char *kind = json_string_value(json_object_get(event, "event"));
    const char *state = json_string_value(json_object_get(event, "state"));
    if (kind && strcmp(kind, "run") == 0 && state && run_state_parse(state) >= 0 &&
        run_state_finished((enum run_state)run_state_parse(state)))
        wait_run_finished(ag, json_string_value(json_object_get(event, "dag_id")),
                          json_string_value(json_object_get(event, "run_id")), state);
    /* Notifiers and SLA timers see exactly what subscribers see. */
    sla_on_event(ag, event);
    notify_on_event(ag, event);
    server_broadcast(ag, event);
}

static void emit(agent *ag, json_t *event)
{
    if (!event) { /* json_pack refused a value: never pass NULL on */
        fprintf(stderr, "dagd: an event could not be encoded and was dropped\n");
        return;
    }
    if (ag->events_held > 0) {
        if (!ag->held_events)
            ag->held_events = json_array();
        json_array_append_new(ag->held_events, event);
    } else {
        deliver(ag, event);
    }
}

void events_hold(agent *ag)
{
    ag->events_held++;
}

void events_discard_held(agent *ag)
{
    json_decref(ag->held_events);
    ag->held_events = NULL;
}

void events_release(agent *ag)
{
    if (--ag->events_held > 0 || !ag->held_events)
        return;
    json_t *list = ag->held_events;
    ag->held_events = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        deliver(ag, json_incref(e));
    }
    json_decref(list);
}

void events_task(agent *ag, const run *r, size_t i)
{
    const ti *t = &r->tis[i];
    emit(ag, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "event", "task", "dag_id", r->de->dag_id,
                       "run_id", r->run_id, "task_id", r->de->model->tasks[i].id, "state",
                       ti_state_name(t->state), "try_number", t->try_number));
}

void events_run(agent *ag, const run *r)
{
    emit(ag, json_pack("{s:s, s:s, s:s, s:s, s:o}", "event", "run", "dag_id", r->de->dag_id,
                       "run_id", r->run_id, "state", run_state_name(r->state), "logical_date",
                       json_date_or_null(r->logical_us, r->de->model->timezone)));
}

void events_dag(agent *ag, const dag_entry *de, const char *what)
{
    emit(ag, json_pack("{s:s, s:s, s:o, s:b, s:o, s:o}", "event", "dag", "what", what, "dag_id",
                       json_text(de->dag_id), "paused", de->paused, "file", json_text(de->file),
                       "error", json_text(de->error)));
}
