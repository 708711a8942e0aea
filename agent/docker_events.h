/* A container's exit, heard early: the engine's "die" event carries the exit
 * code before the engine has torn the container down (network, mounts),
 * which is when POST /wait answers (some 40-60 ms later per container).
 * One event stream per docker_api, opened when the first container is
 * watched and kept; a watch missed (stream not up yet, engine restarted, an
 * engine without /events) only means the caller's wait decides, as before. */
#ifndef DAGD_DOCKER_EVENTS_H
#define DAGD_DOCKER_EVENTS_H

#include "docker_api.h"

#include <sys/queue.h>

typedef struct docker_events docker_events;

/* FN runs inside curl's write callback: it must not start or cancel a call
 * (defer that to the loop). */
typedef void (*docker_exit_fn)(void *arg, int exit_code);

typedef struct docker_exit_watch {
    docker_events *ev; /* NULL: not watching */
    char *id;
    docker_exit_fn fn;
    void *arg;
    LIST_ENTRY(docker_exit_watch) entry;
} docker_exit_watch;

/* Watch container ID (its full id) for its exit; W is the caller's, zeroed
 * before the first use. FN is called at most once. */
void docker_watch_exit(docker_api *api, docker_exit_watch *w, const char *id, docker_exit_fn fn,
                       void *arg);
/* Stop watching (no-op when not watching). */
void docker_unwatch_exit(docker_exit_watch *w);

/* The engine tears a container down (network, mounts) after its exit: a
 * start meanwhile contends with that and measured slower than waiting
 * for it. A container's teardown runs from its die event (BEGIN) until
 * its wait answers (END, also when the wait is dropped). TD and G below
 * are the caller's, zeroed before the first use. */
typedef struct docker_teardown {
    docker_events *ev; /* NULL: not running */
    unsigned long long seq;
    TAILQ_ENTRY(docker_teardown) entry;
} docker_teardown;

void docker_teardown_begin(docker_api *api, docker_teardown *td);
/* No-op when TD does not run. */
void docker_teardown_end(docker_teardown *td);

typedef struct docker_gate {
    docker_events *ev; /* NULL: not queued */
    unsigned long long seq;
    void (*fn)(void *arg);
    void *arg;
    TAILQ_ENTRY(docker_gate) entry;
} docker_gate;

/* FN(ARG) now when no teardown runs, else once those running now are over
 * (later ones do not hold it: no start starves behind a busy engine); from
 * a reply's DONE, where calls may be started. */
void docker_after_teardowns(docker_api *api, docker_gate *g, void (*fn)(void *arg), void *arg);
/* Leave the queue (no-op when not queued). */
void docker_gate_cancel(docker_gate *g);

/* From docker_api_free, after its calls are cancelled: watches left are
 * dropped (their unwatch becomes a no-op). */
void docker_events_free(docker_events *ev);

#endif
