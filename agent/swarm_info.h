/* What the agent knows of its swarm (the manager at `[swarm] host`,
 * ag->swarm): the nodes fetched for `nodes`, and the `swarm` entry of
 * `status`, a cached count refreshed every SWARM_REFRESH_MS by a timer on
 * the loop, so that status never waits on the engine. The timer runs only
 * while the agent uses a swarm (a loaded DAG has a swarm task, or the
 * `[swarm] host` is another engine than the `[docker] host`): an agent
 * that does not makes no wake-ups for it. */
#ifndef DAGD_SWARM_INFO_H
#define DAGD_SWARM_INFO_H

#include "agent.h"

#include <jansson.h>

#define SWARM_REFRESH_MS 30000

struct event;

/* After ag->swarm is set up; before the loop runs. */
void swarm_info_start(agent *ag);
/* Start or stop the refresh as the DAGs now loaded use a swarm or not
 * (after the first load; then on every DAG event: swarm_info_on_event). */
void swarm_info_check(agent *ag);
void swarm_info_on_event(void *arg, const struct event *ev);
/* Before ag->swarm is freed: cancels every fetch (their DONE gets
 * CANCELLED), stops the timer. */
void swarm_info_stop(agent *ag);

/* The status entry: {"nodes","ready"} of the last refresh, or null (no
 * swarm in use, not fetched yet, or the last refresh failed). *ERROR gets
 * why it failed (borrowed; NULL when it did not). */
json_t *swarm_info_status(agent *ag, const char **error);

/* Fetch the nodes now. DONE as swarm_nodes_fn; CANCELLED when the agent
 * stops meanwhile. False with ERR when nothing could be started (DONE is
 * not called). */
bool swarm_info_nodes(agent *ag,
                      void (*done)(void *arg, json_t *rows, const char *error, bool cancelled),
                      void *arg, char *err, size_t errlen);

#endif
