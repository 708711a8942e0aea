/* The agent's side of the notify protocol; the datagrams are sd_notify.c's. */
#include "service.h"
#include "events.h"
#include "sd_notify.h"

#include <stdio.h>
#include <string.h>

/* One agent per process: the state of its manager's view. */
static struct {
    bool active, reloading, stopping;
    uv_timer_t watchdog;
    char status[128];
} svc;

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    sdn_send("WATCHDOG=1");
}

/* STATUS= only when its text changes: one datagram per change at most. */
static void send_status(agent *ag)
{
    if (!svc.active)
        return;
    char now[sizeof svc.status];
    snprintf(now, sizeof now, "%zu DAG%s, %d running%s", ag->n_dags, ag->n_dags == 1 ? "" : "s",
             ag->running_tasks, ag->degraded ? ", store degraded" : "");
    if (strcmp(now, svc.status) == 0)
        return;
    snprintf(svc.status, sizeof svc.status, "%s", now);
    sdn_sendf("STATUS=%s", now);
}

void service_init(agent *ag)
{
    (void)ag;
    memset(&svc, 0, sizeof svc);
    svc.active = sdn_init();
}

void service_ready(agent *ag)
{
    if (!svc.active)
        return;
    sdn_send("READY=1");
    send_status(ag);
    uint64_t usec = sdn_watchdog_usec();
    if (!usec) /* no timer: the idle agent stays without wake-ups */
        return;
    uint64_t ms = usec / 2000;
    uv_timer_init(ag->loop, &svc.watchdog);
    uv_unref((uv_handle_t *)&svc.watchdog);
    uv_timer_start(&svc.watchdog, on_watchdog, ms ? ms : 1, ms ? ms : 1);
}

void service_reloading(agent *ag)
{
    (void)ag;
    if (!svc.active || svc.reloading)
        return;
    svc.reloading = true;
    sdn_reloading();
}

void service_reloaded(agent *ag)
{
    if (!svc.active || !svc.reloading)
        return;
    svc.reloading = false;
    sdn_send("READY=1");
    send_status(ag);
}

void service_stopping(agent *ag)
{
    (void)ag;
    if (!svc.active || svc.stopping)
        return;
    svc.stopping = true;
    sdn_send("STOPPING=1");
    if (svc.watchdog.loop)
        uv_timer_stop(&svc.watchdog);
}

void service_on_event(void *arg, const struct event *ev)
{
    if (ev->kind == EVENT_TASK || ev->kind == EVENT_DAG)
        send_status(arg);
}

void service_free(agent *ag)
{
    (void)ag;
    sdn_close();
    svc.active = false;
}
