/* The runner: the task-instance state machine of the active runs — trigger
 * rules, depends_on_past, retries, branching — and the claim of a slot for
 * what may start. Tries run in an executor (executor.h), chosen per task by
 * the table of executors; batches, recovery and the pass are elsewhere
 * (batch.h, recovery.h, engine.h). */
#ifndef DAGD_RUNNER_H
#define DAGD_RUNNER_H

#include "agent.h"
#include "exec_result.h"

/* One turn over the active runs: start the runs that may start, decide and
 * claim every task instance that can move now, finish the runs that are
 * done. Inside a batch (engine.h's pass). */
void runner_step(agent *ag);

/* The earliest moment a task waiting for a retry becomes ready, or -1. */
int64_t runner_next_retry(const agent *ag);

/* Start the process of claimed try T (after its batch committed); false
 * when it could not start (then it is settled as a failed try). The
 * agent's launch hook. */
bool runner_launch(agent *ag, ti *t);
/* An executor's DONE for a try; ARG is its task instance. */
void runner_try_done(void *arg, const exec_result *res);
/* A claimed try of which nothing ran (the agent died between the claim and
 * the start): it goes back to be decided again and starts with the same
 * try number, no retry used up. */
void runner_unclaim(agent *ag, run *r, size_t task_index);

/* Shutdown: stop every running try; or release them all (killing them with
 * KILL_GROUP, else leaving them to run on). */
void runner_kill_all(agent *ag);
void runner_detach_all(agent *ag, bool kill_group);

/* For the operator controls (control.c). */
void runner_kill_try(agent *ag, run *r, size_t task_index);
/* Settles what can no longer run (skipped, upstream_failed) without
 * starting anything: after a mark or clear, on a paused DAG too. */
void runner_settle(agent *ag, run *r);
void runner_set_state(agent *ag, run *r, size_t task_index, enum ti_state state);
/* T's try 1 log, if it was made ahead, is taken now (its claim, a clear). */
void runner_log_used(run *r, ti *t);
/* A run's state from its leaves when nothing is left to run; false if
 * something is. */
bool runner_run_outcome(const run *r, enum run_state *state);
/* Why a task instance waits (NULL: it does not), for the detail line. */
const char *runner_waiting_for(agent *ag, const run *r, size_t task_index, char *buf, size_t len);

#endif
