/* DAG versions at run time: each content of a DAG file is a version (the
 * first 12 hex digits of its SHA-256, dag.version), stored with its text
 * the first time it is seen; a run keeps the model of its version for its
 * life (run.model, a reference), so that editing a file changes only the
 * runs created afterwards. */
#ifndef DAGD_VERSIONS_H
#define DAGD_VERSIONS_H

#include "agent.h"

/* DE's model was set (loaded or reloaded): store its version. */
void versions_seen(agent *ag, dag_entry *de);
/* The model of DE's VERSION, as a new reference: the current one, one an
 * active run holds, or parsed again from the stored text; NULL when that
 * version is unknown or no longer loads. */
dag *versions_model(agent *ag, dag_entry *de, const char *version);
/* R (just loaded from the store, on the current model) goes back on its
 * own version: its task instances are loaded again against that model.
 * Returns false (R unchanged) when the version is unknown. */
bool versions_restore(agent *ag, run *r);

#endif
