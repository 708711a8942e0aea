/* The agent under a service manager (systemd's notify protocol through
 * sd_notify.c): READY once the socket listens, RELOADING / READY around a
 * SIGHUP reload, STATUS as DAGs and running tasks change, STOPPING, and
 * WATCHDOG pings from the loop itself, only when $WATCHDOG_USEC asks. */
#ifndef DAGD_SERVICE_H
#define DAGD_SERVICE_H

#include "agent.h"

struct event;

/* Before the loop runs (the environment is read and cleared here). */
void service_init(agent *ag);
/* The socket listens: READY=1, the first STATUS, the watchdog timer. */
void service_ready(agent *ag);
/* A SIGHUP reload begins / its DAG files are all applied. */
void service_reloading(agent *ag);
void service_reloaded(agent *ag);
/* The agent stops: STOPPING=1, no more pings. */
void service_stopping(agent *ag);
/* The events subscriber (ARG: the agent) that keeps STATUS current. */
void service_on_event(void *arg, const struct event *ev);
void service_free(agent *ag);

#endif
