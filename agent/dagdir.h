/* dags_dir: one DAG per *.ini file, loaded into dag_entry records. */
#ifndef DAGD_DAGDIR_H
#define DAGD_DAGDIR_H

#include "agent.h"
#include "diag.h"

/* Load every *.ini in the config's dags_dir (sorted by name). Problems go
 * to DIAGS; a file with errors still gets an entry carrying its error. */
void dagdir_load(const config *cfg, dag_entry ***out, size_t *n_out, diag_list *diags);
void dag_entry_free(dag_entry *de);

#endif
