/* What a try runs, recorded as it is claimed (inside the claim's batch):
 * the command as rendered, the image, the executor and the names of the
 * variables it gets (never their values). `task` and dagtop read it back. */
#ifndef DAGD_TRY_HISTORY_H
#define DAGD_TRY_HISTORY_H

#include "agent.h"
#include "task_env.h"

/* Record the try r->tis[I].try_number of task I, starting now: COMMAND as
 * VARS rendered it (NULL: it did not render) and the names of VARS->own. */
void try_history_begin(agent *ag, run *r, size_t i, const task_vars *vars, const char *command);
/* The claim of that try was undone before anything ran. */
void try_history_forget(agent *ag, run *r, size_t i);

#endif
