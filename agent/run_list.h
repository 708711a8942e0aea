/* The agent's runs in memory (ag->runs), kept in logical-date order: the
 * order in which the runner starts them, as Airflow does. */
#ifndef DAGD_RUN_LIST_H
#define DAGD_RUN_LIST_H

#include "agent.h"

/* Put R in ag->runs, after every run of the same date or earlier. */
void runs_insert(agent *ag, run *r);

#endif
