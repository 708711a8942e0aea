/* Outputs between tasks, at a try's two ends: before it starts, a line in
 * its log for each {{ outputs.TASK.KEY }} that has no value; after it
 * succeeds, its $DAGD_OUTPUT file read, checked and stored. */
#ifndef DAGD_TRY_OUTPUTS_H
#define DAGD_TRY_OUTPUTS_H

#include "agent.h"
#include "logpath.h"
#include "task_env.h"

/* $DAGD_OUTPUT of the try whose log is LOG_PATH: beside it, ".output" for
 * ".log" (TASK.N.output; an older agent's N.output). */
char *try_output_path(const char *log_path);

/* A missing output renders as "" (as GitHub Actions does; Airflow's
 * xcom_pull gives None): say so in the try's log, so that an upstream
 * that skipped or forgot a key is seen. */
void try_outputs_note_missing(const task_vars *v, const dag_task *task, const char *log_path);

/* Try I of R succeeded: store what its output file holds (in the current
 * batch). Lines left out are noted in its log. false (with a log line)
 * when the file cannot be taken: too big, a symlink, unreadable; then the
 * try fails. */
bool try_outputs_collect(agent *ag, run *r, size_t i, const try_files *f);

#endif
