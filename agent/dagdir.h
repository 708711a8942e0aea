/* dags_dir: one DAG per *.ini file, loaded into dag_entry records. */
#ifndef DAGD_DAGDIR_H
#define DAGD_DAGDIR_H

#include "agent.h"
#include "diag.h"

/* Which file holds DAG_ID (new string), or NULL when nobody knows. */
typedef char *(*dagdir_owner_fn)(void *ctx, const char *dag_id);

/* Load every *.ini in the config's dags_dir (sorted by name). Problems go
 * to DIAGS; a file with errors still gets an entry carrying its error.
 * Files that declare the same DAG id: the one OWNER names (the agent asks
 * its store: the file that held the id before) keeps it, else the first by
 * name; the others are entries marked duplicate, with an error naming it. */
void dagdir_load(const config *cfg, dagdir_owner_fn owner, void *ctx, dag_entry ***out,
                 size_t *n_out, diag_list *diags);
void dag_entry_free(dag_entry *de);
/* The entry of one file NAME (at PATH): its model or its error. */
dag_entry *dagdir_load_entry(const config *cfg, const char *path, const char *name,
                             diag_list *diags);

/* Every entry of one file: one per DAG it defines (a family's members),
 * or one carrying its error. Returns how many are in *OUT (new array). */
size_t dagdir_load_entries(const config *cfg, const char *path, const char *name, diag_list *diags,
                           dag_entry ***out);
/* dagdir_check for the N models of one file: all of them (returns N) or,
 * with *ERROR, none (returns 0; the models are freed). */
size_t dagdir_check_all(const config *cfg, dag **models, size_t n, diag_list *diags, size_t before,
                        char **error);
/* The errors among DIAGS from FROM on, one a line (new string). */
char *dagdir_join_errors(const diag_list *d, size_t from);

/* An entry for PATH (file NAME) with model M or ERROR (both taken). */
dag_entry *dagdir_entry_new(const char *path, const char *name, const file_stamp *st, dag *m,
                            char *error);
/* DE declares the id HOLDER has: drop its model, say so in its error. */
void dagdir_make_duplicate(dag_entry *de, const dag_entry *holder);
char *dagdir_duplicate_error(const dag_entry *de, const dag_entry *holder);

/* PATH loaded and checked against the agent config: the model, or NULL with
 * its problems joined in *ERROR (new string). */
dag *dagdir_load_checked(const config *cfg, const char *path, diag_list *diags, char **error);
/* The second half of that, for a model M parsed elsewhere (a worker
 * thread): checks against the config (pools, budgets, notifiers); DIAGS
 * from index BEFORE are this file's. Takes M. */
dag *dagdir_check(const config *cfg, dag *m, diag_list *diags, size_t before, char **error);
/* What tells a changed file from an unchanged one. */
void dagdir_file_stamp(const char *path, file_stamp *out);
bool dagdir_is_dag_file(const char *name);

#endif
