/* Only what is active lives in memory: a DAG's running runs and the queued
 * runs that start next (up to max_active_runs in all). Runs beyond that
 * (backfills, clears of many runs) wait in the store as queued and are read
 * in by logical date, Airflow's order, when a slot frees; finished runs
 * leave memory at their commit (batch.c). */
#ifndef DAGD_BACKLOG_H
#define DAGD_BACKLOG_H

#include "agent.h"

/* A queued run R that memory has no room for: it waits in the store (it
 * is stored already, in this batch) and leaves memory after the commit;
 * until then it stays valid. Takes ownership. */
void backlog_park(agent *ag, run *r);
/* For every DAG whose runs may have changed (de->refill): read in the next
 * queued runs by logical date, send back any queued run that is no longer
 * among them (a paused DAG holds only backfills), and note whether more
 * wait in the store. */
void backlog_refill(agent *ag);
/* Runs of DE in memory (queued or running). */
int backlog_in_memory(const agent *ag, const dag_entry *de);

#endif
