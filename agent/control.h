/* The operator controls with Airflow's semantics: clear, mark, backfill.
 * Each change runs inside the one batch (one transaction) that
 * command_dispatch opens for its command; the command adds the audit record
 * to the same batch. */
#ifndef DAGD_CONTROL_H
#define DAGD_CONTROL_H

#include "agent.h"
#include "selection.h"

#include <jansson.h>

/* Clear (TARGET = TI_NONE) or mark (TARGET = success / failed) the instances
 * selected from RUN_ID's TASK. Fills TOUCHED with {"run_id","task_id"}; with
 * DRY_RUN changes nothing. Returns the count touched, -1 if RUN_ID is
 * unknown. */
int control_apply(agent *ag, dag_entry *de, const char *run_id, size_t task, enum ti_state target,
                  const selection_flags *f, bool dry_run, json_t *touched);

/* A backfill's intervals: those of DE's schedule with a logical date in
 * [FROM, TO] that have no run yet, appended to DATES (integers, µs).
 * Returns how many, or -1 with ERR set. */
int control_backfill_dates(agent *ag, dag_entry *de, int64_t from, int64_t to, json_t *dates,
                           char *err, size_t errlen);
/* The backfill__ run of DE at LOGICAL, unless it has a run: its id is
 * appended to RUN_IDS. Whether it made one. */
bool control_backfill_one(agent *ag, dag_entry *de, int64_t logical, json_t *run_ids);

#endif
