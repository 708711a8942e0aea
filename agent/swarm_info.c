#include "swarm_info.h"
#include "docker_api.h"
#include "events.h"
#include "log.h"
#include "swarm_nodes.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

typedef void (*nodes_fn)(void *arg, json_t *rows, const char *error, bool cancelled);

/* One fetch in flight, for a caller or for the cache (DONE NULL). */
typedef struct fetch {
    struct swarm_info *si;
    swarm_nodes_call *call;
    nodes_fn done;
    void *arg;
    LIST_ENTRY(fetch) entry;
} fetch;

typedef struct swarm_info {
    docker_api *api; /* the agent's [swarm] host */
    uv_timer_t timer;
    bool ticking;     /* the timer runs: the swarm is in use */
    bool refreshing;  /* the cache's fetch is in flight */
    json_t *counts;   /* {"nodes","ready"} of the last refresh, NULL: none */
    char *error;      /* why the last refresh failed, NULL: it did not */
    bool error_shown; /* logged once until a refresh works again */
    LIST_HEAD(, fetch) fetches;
} swarm_info;

static void cache(swarm_info *si, json_t *rows, const char *error)
{
    json_decref(si->counts);
    si->counts = NULL;
    free(si->error);
    si->error = NULL;
    if (rows) {
        si->counts = json_pack("{s:I, s:I}", "nodes", (json_int_t)json_array_size(rows), "ready",
                               (json_int_t)swarm_nodes_ready(rows));
        si->error_shown = false;
        return;
    }
    si->error = xstrdup(error ? error : "?");
    if (!si->error_shown) /* once, not every SWARM_REFRESH_MS */
        log_warn("swarm: %s", si->error);
    si->error_shown = true;
}

static void on_fetched(void *arg, json_t *rows, const char *error, bool cancelled)
{
    fetch *f = arg;
    LIST_REMOVE(f, entry);
    if (f->done) {
        f->done(f->arg, rows, error, cancelled);
    } else {
        f->si->refreshing = false;
        if (!cancelled && f->si->ticking)
            cache(f->si, rows, error);
    }
    free(f);
}

static bool start_fetch(swarm_info *si, nodes_fn done, void *arg)
{
    if (!si->api)
        return false;
    fetch *f = xcalloc(1, sizeof *f);
    f->si = si;
    f->done = done;
    f->arg = arg;
    LIST_INSERT_HEAD(&si->fetches, f, entry);
    f->call = swarm_nodes_fetch(si->api, on_fetched, f);
    if (!f->call) {
        LIST_REMOVE(f, entry);
        free(f);
        return false;
    }
    return true;
}

static void on_refresh(uv_timer_t *t)
{
    swarm_info *si = t->data;
    if (si->refreshing) /* a slow engine: one fetch at a time */
        return;
    si->refreshing = start_fetch(si, NULL, NULL);
    if (!si->refreshing)
        cache(si, NULL, "cannot start a call to the Engine API (libcurl)");
}

void swarm_info_start(agent *ag)
{
    swarm_info *si = xcalloc(1, sizeof *si);
    LIST_INIT(&si->fetches);
    ag->swarm_info = si;
    si->api = ag->swarm;
    uv_timer_init(ag->loop, &si->timer);
    si->timer.data = si;
}

/* A swarm task in a loaded DAG, or a [swarm] host that is not the docker
 * one: only then is the count worth a wake-up. */
static bool in_use(const agent *ag)
{
    if (ag->cfg.swarm_host && ag->cfg.docker_host &&
        strcmp(ag->cfg.swarm_host, ag->cfg.docker_host) != 0)
        return true;
    for (size_t i = 0; i < ag->n_dags; i++) {
        const dag *d = ag->dags[i]->removed ? NULL : ag->dags[i]->model;
        for (size_t k = 0; d && k < d->n_tasks; k++)
            if (d->tasks[k].executor == EXECUTOR_SWARM)
                return true;
    }
    return false;
}

void swarm_info_check(agent *ag)
{
    swarm_info *si = ag->swarm_info;
    if (!si || !si->api)
        return;
    bool use = in_use(ag);
    if (use == si->ticking)
        return;
    si->ticking = use;
    if (use) { /* now, then every SWARM_REFRESH_MS */
        uv_timer_start(&si->timer, on_refresh, 0, SWARM_REFRESH_MS);
        return;
    }
    uv_timer_stop(&si->timer);
    json_decref(si->counts); /* what it counted is no longer followed */
    si->counts = NULL;
    free(si->error);
    si->error = NULL;
}

void swarm_info_on_event(void *arg, const struct event *ev)
{
    if (ev->kind == EVENT_DAG && ev->what != DAG_PAUSED && ev->what != DAG_UNPAUSED)
        swarm_info_check(arg);
}

static void on_timer_closed(uv_handle_t *h)
{
    free(h->data);
}

void swarm_info_stop(agent *ag)
{
    swarm_info *si = ag->swarm_info;
    if (!si)
        return;
    ag->swarm_info = NULL;
    fetch *f;
    while ((f = LIST_FIRST(&si->fetches))) {
        LIST_REMOVE(f, entry);
        swarm_nodes_cancel(f->call);
        if (f->done)
            f->done(f->arg, NULL, "agent stopping", true);
        free(f);
    }
    json_decref(si->counts);
    free(si->error);
    uv_close((uv_handle_t *)&si->timer, on_timer_closed);
}

json_t *swarm_info_status(agent *ag, const char **error)
{
    swarm_info *si = ag->swarm_info;
    *error = si ? si->error : NULL;
    return si && si->counts ? json_deep_copy(si->counts) : json_null();
}

bool swarm_info_nodes(agent *ag, nodes_fn done, void *arg, char *err, size_t errlen)
{
    swarm_info *si = ag->swarm_info;
    if (!si || !si->api) {
        snprintf(err, errlen,
                 "no Engine API for the swarm (libcurl could not be set up, or the "
                 "host is not valid: see the agent's log)");
        return false;
    }
    if (!start_fetch(si, done, arg)) {
        snprintf(err, errlen, "cannot start a call to the Engine API at %s (libcurl)",
                 docker_api_host(si->api));
        return false;
    }
    return true;
}
