/* A DAG file changed: its active runs move to the new model. */
#ifndef DAGD_SWAP_H
#define DAGD_SWAP_H

#include "agent.h"

/* The runs of DE move to the NEXT model (tasks matched by id; new tasks
 * start at none, vanished ones become removed and their tries are
 * discarded). Takes NEXT. */
void swap_model(agent *ag, dag_entry *de, dag *next);

#endif
