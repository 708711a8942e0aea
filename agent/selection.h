/* Which task instances a clear or mark touches: the chosen task, with its
 * transitive downstream / upstream tasks, in the chosen run and, with past /
 * future, in earlier / later runs; failed_only keeps failed and
 * upstream_failed instances. Pure functions, unit-tested. */
#ifndef DAGD_SELECTION_H
#define DAGD_SELECTION_H

#include "dag.h"
#include "states.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct selection_flags {
    bool downstream, upstream, past, future, failed_only;
    bool keep_version; /* clear: the runs stay on their versions (versions.h) */
} selection_flags;

/* MASK (n_tasks entries) gets true for TASK and, per the flags, every task
 * reachable downstream / upstream of it. */
void selection_tasks(const dag *m, size_t task, const selection_flags *f, bool *mask);

/* Whether a run at logical date CANDIDATE is in scope for the chosen run at
 * CHOSEN. */
bool selection_run_in_scope(int64_t chosen, int64_t candidate, const selection_flags *f);

/* Whether an instance in STATE is touched (failed_only filters). */
bool selection_state_in_scope(enum ti_state state, const selection_flags *f);

#endif
