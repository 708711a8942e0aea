/* dags_dir: one DAG per *.ini file, loaded into dag_entry records. */
#ifndef DAGD_DAGDIR_H
#define DAGD_DAGDIR_H

#include "agent.h"
#include "diag.h"

/* Load every *.ini in the config's dags_dir (sorted by name). Problems go
 * to DIAGS; a file with errors still gets an entry carrying its error. */
void dagdir_load(const config *cfg, dag_entry ***out, size_t *n_out, diag_list *diags);
void dag_entry_free(dag_entry *de);
/* The entry of one file NAME (at PATH): its model or its error. */
dag_entry *dagdir_load_entry(const config *cfg, const char *path, const char *name,
                             diag_list *diags);

/* PATH loaded and checked against the agent config: the model, or NULL with
 * its problems joined in *ERROR (new string). */
dag *dagdir_load_checked(const config *cfg, const char *path, diag_list *diags, char **error);
/* What tells a changed file from an unchanged one. */
void dagdir_file_stamp(const char *path, file_stamp *out);
bool dagdir_is_dag_file(const char *name);

#endif
