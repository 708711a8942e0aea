/* Where a try's files live: the one place that knows the layout of the
 * state folder's logs, for the runner, the executors, the notifiers, the
 * logs command and retention. Pure string functions (no agent), so that
 * adapters may use them too.
 *
 *     STATE_DIR/logs/DAG/RUN/TASK/N.log      the try's output
 *     STATE_DIR/logs/DAG/RUN/TASK/N.status   how far it got (try_status.h) */
#ifndef DAGD_LOGPATH_H
#define DAGD_LOGPATH_H

/* All new strings. */
char *logpath_root(const char *state_dir);
/* Everything of one run (retention deletes it whole). */
char *logpath_run_dir(const char *state_dir, const char *dag_id, const char *run_id);
/* The log of try TRY_NUMBER. */
char *logpath_try(const char *state_dir, const char *dag_id, const char *run_id,
                  const char *task_id, int try_number);
/* The status file beside the log at LOG_PATH. */
char *logpath_status(const char *log_path);

#endif
