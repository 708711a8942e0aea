/* The active runs in memory: created, found in the store again, counted,
 * freed; and the one way a run or a task instance is written (store, then
 * event). The scheduler, the runner and the commands share them. */
#ifndef DAGD_RUNS_H
#define DAGD_RUNS_H

#include "agent.h"

/* Create a run with every task instance in state none, store it, keep it
 * in memory when it is among the next to start (else it waits in the store,
 * backlog.h, and the run returned is valid until the batch commits).
 * Returns the run, or NULL with *RC = 1 (a run exists for that id or logical
 * date) or -1 (store error). */
run *runs_create(agent *ag, dag_entry *de, const char *run_type, int64_t logical_us,
                 int64_t interval_start_us, int64_t interval_end_us, int64_t due_us,
                 const char *params_json, int *rc);
/* Every task instance of R in state none, by its model. */
void runs_init_tis(run *r);
/* Put a finished run (loaded from the store) back in play as queued; takes
 * ownership (it may go back to the store at once: backlog.h). */
void runs_reopen(agent *ag, run *r);
/* Runs of DE that are queued or running (queued in the store: at least 1
 * for any). */
int runs_open(const agent *ag, const dag_entry *de);
void runs_free(run *r);
/* The strings a task instance owns. */
void runs_ti_free(ti *t);
/* Empty LIST (ag->runs, finished or unsaved), freeing each run. */
void runs_free_list(struct run_list *list);

/* Store, then announce (held until the batch commits). */
void runs_save(agent *ag, run *r);
void runs_save_ti(agent *ag, run *r, size_t task_index);
/* A running try's process start time (procutil.h), read when its pid is
 * first stored rather than when it starts: a short try ends before its pid
 * is ever stored (batch.c), and a running try's process is not reaped, so
 * its pid still names it. */
void runs_pid_start(ti *t);
void runs_log_store_error(agent *ag, const char *what);

#endif
