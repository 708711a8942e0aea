/* Announcements to subscribers, always after the change is committed. */
#ifndef DAGD_EVENTS_H
#define DAGD_EVENTS_H

#include "agent.h"

/* While held (nestable), events are queued; the last release sends them.
 * Hold around a store batch, release after its commit. */
void events_hold(agent *ag);
void events_release(agent *ag);
/* The batch did not commit: what it would have announced never happened. */
void events_discard_held(agent *ag);

void events_task(agent *ag, const run *r, size_t task_index);
void events_run(agent *ag, const run *r);
void events_dag(agent *ag, const dag_entry *de, const char *what);

#endif
