/* The engine's event stream, shared by every container task: a container's
 * "die" event carries its exit code some 50 ms before a wait on it returns
 * (the wait waits for the network teardown), which is most of the gap
 * between two tasks of a chain. The wait stays as the fallback: an event
 * missed (the stream not up yet, or broken) only costs that time. */
#ifndef DAGD_DOCKER_EVENTS_H
#define DAGD_DOCKER_EVENTS_H

#include "docker_api.h"

typedef struct docker_events docker_events;

typedef void (*docker_die_fn)(void *arg, int exit_code);

docker_events *docker_events_new(docker_api *api, uv_loop_t *loop);
void docker_events_free(docker_events *ev);

/* Call FN once when container ID dies (unless unwatched first). Starts the
 * stream when it is not running. */
void docker_events_watch(docker_events *ev, const char *id, docker_die_fn fn, void *arg);
void docker_events_unwatch(docker_events *ev, void *arg);

#endif
