/* Announcements to subscribers, always after the change is committed. */
#ifndef DAGD_EVENTS_H
#define DAGD_EVENTS_H

#include "agent.h"

void events_task(agent *ag, const run *r, size_t task_index);
void events_run(agent *ag, const run *r);
void events_dag(agent *ag, const dag_entry *de, const char *what);

#endif
