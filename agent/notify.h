/* Notifiers at run time: events in, HTTP POSTs out, through libcurl's multi
 * interface on the agent's loop (http_uv), so that a slow or dead endpoint
 * never delays scheduling. Each notifier has its own queue with at most
 * NOTIFY_MAX_IN_FLIGHT sends at once; a failed send is tried again with
 * exponential back-off and dropped with a logged error after the last try.
 *
 * Which events notify: `failure` a task instance that ends failed (after
 * its last try); `retry` a task instance going up_for_retry; `success` a run
 * that succeeds (one message per run, task_id null); `sla_miss` a run or a
 * task instance still unfinished when its SLA passes (sla.c). A task's
 * events go to the notifiers of its DAG and its own; a run's to the DAG's. */
#ifndef DAGD_NOTIFY_H
#define DAGD_NOTIFY_H

#include "agent.h"
#include "events.h"

#define NOTIFY_MAX_IN_FLIGHT 4
/* Messages waiting per notifier (queued or backing off); past it, new ones
 * are dropped with a log line, so that a flood cannot eat the memory. */
#define NOTIFY_QUEUE_MAX 500
#define NOTIFY_LOG_TAIL_LINES 20
#define NOTIFY_LOG_TAIL_BYTES 4096

/* Call after the config is loaded and before anything can emit events.
 * Notifiers are looked up by name in ag->cfg at each use, so a config that
 * SIGHUP reloads (reload.c, url_files included) takes effect at once. */
void notify_init(agent *ag);
/* Cancel every send and free. Call before the loop's final uv_walk. */
void notify_free(agent *ag);

/* The events subscriber (ARG is the agent): EV goes to the notifiers that
 * want it. */
void notify_on_event(void *arg, const struct event *ev);

/* One test message through notifier NAME, not retried: DONE gets the HTTP
 * status (0 when there was no answer) and an error (NULL when the endpoint
 * answered 2xx; never holding the URL). Returns -1 if NAME is unknown. */
typedef void (*notify_test_fn)(void *arg, long status, const char *error);
int notify_test(agent *ag, const char *name, notify_test_fn done, void *arg);

#endif
