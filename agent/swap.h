/* A DAG file changed: the entry takes the new model; active runs keep the
 * model of their version (versions.h) until they finish, unless moved. */
#ifndef DAGD_SWAP_H
#define DAGD_SWAP_H

#include "agent.h"

/* DE's model becomes NEXT (taken); its active runs keep theirs. */
void swap_model(agent *ag, dag_entry *de, dag *next);
/* R moves to NEXT (a reference is taken), as `clear` moves a run to the
 * current version: tasks matched by id; new tasks start at none, vanished
 * ones become removed and their tries are discarded. */
void swap_run(agent *ag, run *r, dag *next);

#endif
