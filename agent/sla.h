/* SLAs. A DAG's `sla` and a task's `sla` are measured from the moment the
 * run became due (run->due_us: the end of its data interval for a scheduled
 * run, the request for a manual run or a backfill). A run, or a task
 * instance, still unfinished when its SLA passes fires `sla_miss` once: it is
 * recorded in the store (the grid's "sla_miss"), announced as an event
 * (events.h; socket subscribers read it as
 *
 *     {"event":"sla_miss","dag_id","run_id","task_id"(null: the run's SLA),
 *      "state","try_number","logical_date","sla_s","due"})
 *
 * and sent to the notifiers that list sla_miss. One timer, armed for the
 * soonest deadline; an idle agent does not wake for SLAs. */
#ifndef DAGD_SLA_H
#define DAGD_SLA_H

#include "agent.h"
#include "events.h"

void sla_init(agent *ag);
/* Call before the loop's final uv_walk. */
void sla_free(agent *ag);

/* The events subscriber (ARG is the agent): new, reopened or finished runs
 * and reloaded DAGs move the soonest deadline. */
void sla_on_event(void *arg, const struct event *ev);

/* Arm the timer for the soonest deadline of the active runs (at once if
 * one has passed). Call after the runs of a start are loaded. */
void sla_arm(agent *ag);

#endif
