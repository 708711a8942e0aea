/* The scheduler: which scheduled runs are due (Airflow's data intervals,
 * catchup, start_date, end_date, max_active_runs) and the one timer, armed
 * for the next thing due only, so an idle agent never wakes. */
#ifndef DAGD_SCHEDULER_H
#define DAGD_SCHEDULER_H

#include "agent.h"

void scheduler_init(agent *ag);
/* Work out DE's next scheduled interval (after a load or a new run). */
void scheduler_plan(agent *ag, dag_entry *de);
/* Create every scheduled run that is due now and allowed. */
void scheduler_create_due_runs(agent *ag);
/* Arm the timer for the earliest of: next run due, NEXT_RETRY_US (the next
 * retry ready, -1: none). Its wake runs the agent's pass (ag->pass). */
void scheduler_arm(agent *ag, int64_t next_retry_us);

/* The next COUNT scheduled intervals of DE from now on: logical dates and
 * the moments they start. Returns how many were filled. */
int scheduler_upcoming(const dag_entry *de, int64_t now, int count, int64_t *logical,
                       int64_t *starts);

#endif
