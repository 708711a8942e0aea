/* Crash recovery: the active runs of a DAG found in the store after a
 * start are taken over. Tries that were running when the agent stopped are
 * followed by their executor to their end (or settled from their log at
 * once), so none stays running for ever and none runs twice at the same
 * time; a try that was claimed but never started starts again. */
#ifndef DAGD_RECOVERY_H
#define DAGD_RECOVERY_H

#include "agent.h"

void recovery_adopt_runs(agent *ag, dag_entry *de);

#endif
