/* Announcements as typed values, always after the change is committed.
 * Consumers (wait, SLA, notifiers, the socket server) subscribe at start and
 * read the fields; none parses a state name back. JSON is made once, by the
 * server's subscriber (event_json.h). */
#ifndef DAGD_EVENTS_H
#define DAGD_EVENTS_H

#include "agent.h"

#include <stdbool.h>
#include <stdint.h>

enum event_kind { EVENT_TASK, EVENT_RUN, EVENT_DAG, EVENT_SLA_MISS };

/* What happened to a DAG (EVENT_DAG). */
enum dag_change {
    DAG_ADDED,
    DAG_RELOADED,
    DAG_REMOVED,
    DAG_ERROR,
    DAG_PAUSED,
    DAG_UNPAUSED,
    DAG_CHANGE_COUNT
};

/* One event. Strings are borrowed for the length of a delivery: a
 * subscriber copies what it keeps. */
struct event {
    enum event_kind kind;
    const char *dag_id;
    const char *run_id;  /* NULL for EVENT_DAG */
    const char *task_id; /* NULL: about the run (EVENT_RUN, a run's sla_miss) */
    /* With a task_id: the task instance's state, else the run's. */
    enum ti_state ti_state;
    enum run_state run_state;
    int try_number;          /* a task instance's; 0 for a run */
    int64_t logical_us;      /* the run's logical date, < 0: none (0 is the epoch) */
    const char *timezone;    /* the DAG's, for dates in text */
    int64_t sla_us;          /* EVENT_SLA_MISS: the SLA that was missed */
    int64_t due_us;          /* EVENT_SLA_MISS: when the run became due */
    enum dag_change what;    /* EVENT_DAG */
    bool paused;             /* EVENT_DAG */
    const char *file;        /* EVENT_DAG */
    const char *error;       /* EVENT_DAG: the current load problems, NULL when fine */
    const char *waiting_for; /* EVENT_TASK: a queued swarm try's reason, or NULL */
    const char *node;        /* EVENT_TASK: the node it runs on, or NULL */
};

/* ARG is the subscriber's own; EV is valid during the call only. */
typedef void (*event_fn)(void *arg, const struct event *ev);

/* Subscribers get every event in the order they subscribed. */
#define EVENTS_MAX_SUBSCRIBERS 8
void events_subscribe(agent *ag, event_fn fn, void *arg);
/* Drop the subscribers and anything held. Call at exit. */
void events_free(agent *ag);

/* While held (nestable), events are queued; the last release sends them.
 * Hold around a store batch, release after its commit. */
void events_hold(agent *ag);
void events_release(agent *ag);
/* The batch did not commit: what it would have announced never happened. */
void events_discard_held(agent *ag);

/* Send EV (copied when held). */
void events_emit(agent *ag, const struct event *ev);

void events_task(agent *ag, const run *r, size_t task_index);
void events_run(agent *ag, const run *r);
void events_dag(agent *ag, const dag_entry *de, const char *what);
/* A run's SLA (TASK -1) or a task instance's passed unfinished. */
void events_sla_miss(agent *ag, const run *r, int task);

const char *dag_change_name(enum dag_change c);
/* The state name of EV ("failed", "queued", …): the task instance's when
 * it has a task_id, else the run's. */
const char *event_state_name(const struct event *ev);

#endif
