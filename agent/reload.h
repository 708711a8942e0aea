/* Hot reload: dags_dir is watched (uv_fs_event, debounced) so a new, edited
 * or removed DAG file takes effect within a second; a file that fails to
 * load keeps its last good version running and shows its error. SIGHUP
 * reloads the agent config. */
#ifndef DAGD_RELOAD_H
#define DAGD_RELOAD_H

#include "agent.h"

void reload_start(agent *ag);
void reload_stop(agent *ag);
/* Look at dags_dir now. */
void reload_dags(agent *ag);
/* Read the agent config again and apply what can change while running. */
void reload_config(agent *ag);

#endif
