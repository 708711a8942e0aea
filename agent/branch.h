/* Branch tasks (Airflow's BranchPythonOperator / skip_all_except): the
 * decision a branch's last output line names, and who it skips. */
#ifndef DAGD_BRANCH_H
#define DAGD_BRANCH_H

#include "agent.h"

/* Is task D below branch decision FOLLOWED (task ids, space-separated)? A
 * named task, or one downstream of a named task (the "empty branch" join),
 * is followed. */
bool branch_keeps(const dag *m, const char *followed, size_t d);
/* not_previously_skipped_dep: a direct upstream branch that finished and
 * decided without task I skips it, so a cleared one is skipped again. */
bool branch_skips(const run *r, size_t i);
/* The decision of branch task I from its last line LINE (task ids,
 * separated by spaces or commas): *FOLLOWED gets them (new string). False,
 * with a line in LOG_PATH per name, when one is not a direct downstream
 * task of I. */
bool branch_decide(const dag *m, size_t i, const char *line, const char *log_path, char **followed);

#endif
