/* Where a try's files live: the one place that knows the layout of the
 * state folder's logs, for the runner, the executors, the notifiers, the
 * logs command and retention. Pure (no agent), so that adapters may use it.
 *
 *     STATE_DIR/logs/DAG/RUN/TASK.N.log     try N: its status record
 *                                           (try_status.h) then its output
 *     STATE_DIR/logs/DAG/RUN/TASK.N.output  its $DAGD_OUTPUT (try_outputs.c)
 *
 * One inode per try and no folder per task: creating inodes is the dearest
 * part of starting a short task (ext4). The record heads the log, so that
 * its space is taken by the claim and the shell overwrites it in place;
 * every reader skips it (try_files.header), so users never see it.
 *
 * Runs of an older agent keep theirs, read but never made any more:
 *
 *     STATE_DIR/logs/DAG/RUN/TASK/N.log     the output alone
 *     STATE_DIR/logs/DAG/RUN/TASK/N.status  the status record
 *     STATE_DIR/logs/DAG/RUN/TASK/N.output  its $DAGD_OUTPUT */
#ifndef DAGD_LOGPATH_H
#define DAGD_LOGPATH_H

#include <stdbool.h>
#include <stddef.h>

/* All new strings. */
char *logpath_root(const char *state_dir);
/* Everything of one run (retention deletes it whole). */
char *logpath_run_dir(const char *state_dir, const char *dag_id, const char *run_id);
/* The log of try TRY_NUMBER as this agent makes it (the new layout). */
char *logpath_try(const char *state_dir, const char *dag_id, const char *run_id,
                  const char *task_id, int try_number);

/* A try's files as they are on disk. */
typedef struct try_files {
    char *log;     /* its log */
    char *status;  /* where its status record is: LOG itself, or N.status */
    size_t header; /* bytes of the record at LOG's start that readers skip */
    bool old;      /* written by an older agent (the old layout) */
} try_files;

/* The new layout's files of a try, without looking at the disk. */
void logpath_files(const char *state_dir, const char *dag_id, const char *run_id,
                   const char *task_id, int try_number, try_files *f);
/* Where a try's files are: the new layout's, unless only an older
 * agent's (its N.log or N.status) are there. One stat when the new log is
 * there, and also when neither is (then the new layout's, to be made). */
void logpath_find(const char *state_dir, const char *dag_id, const char *run_id,
                  const char *task_id, int try_number, try_files *f);
void try_files_free(try_files *f);

#endif
