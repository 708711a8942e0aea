#include "docker_events.h"
#include "util.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Only dagd's containers, only their deaths: an idle stream stays silent. */
#define EVENTS_PATH                                                                                \
    "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B%22die%22%5D%2C"     \
    "%22label%22%3A%5B%22dagd.task_id%22%5D%7D"
/* One event is a few hundred bytes; a line past this is not one of them. */
#define LINE_MAX_BYTES (1 << 16)

struct docker_events {
    docker_api *api;
    docker_call *stream; /* NULL: closed (reopened by the next watch) */
    strbuf line;
    LIST_HEAD(, docker_exit_watch) watches;
    unsigned long long next_seq;
    TAILQ_HEAD(, docker_teardown) teardowns; /* in SEQ order */
    TAILQ_HEAD(, docker_gate) gated;         /* in SEQ order */
};

static docker_events *events_of(docker_api *api)
{
    docker_events **slot = docker_api_events(api);
    if (!*slot) {
        docker_events *ev = xcalloc(1, sizeof *ev);
        ev->api = api;
        LIST_INIT(&ev->watches);
        TAILQ_INIT(&ev->teardowns);
        TAILQ_INIT(&ev->gated);
        *slot = ev;
    }
    return *slot;
}

/* An exit code of 255 may be the engine's own when containerd could not
 * report the task's (the die event takes it from the task's deletion, the
 * wait from the exit): then the wait decides. */
static void event_line(docker_events *ev, const char *s, size_t len)
{
    json_t *j = json_loadb(s, len, 0, NULL);
    json_t *actor = json_object_get(j, "Actor");
    const char *id = json_string_value(json_object_get(actor, "ID"));
    const char *code =
        json_string_value(json_object_get(json_object_get(actor, "Attributes"), "exitCode"));
    const char *action = json_string_value(json_object_get(j, "Action"));
    char *end = NULL;
    long c = code ? strtol(code, &end, 10) : -1;
    if (id && action && strcmp(action, "die") == 0 && end && end != code && !*end && c >= 0 &&
        c < 255) {
        docker_exit_watch *w, *next;
        for (w = LIST_FIRST(&ev->watches); w; w = next) {
            next = LIST_NEXT(w, entry);
            if (strcmp(w->id, id) == 0) {
                docker_exit_fn fn = w->fn;
                void *arg = w->arg;
                docker_unwatch_exit(w);
                fn(arg, (int)c);
            }
        }
    }
    json_decref(j);
}

static void on_event_data(void *arg, const char *data, size_t len)
{
    docker_events *ev = arg;
    sb_append_len(&ev->line, data, len);
    char *start = ev->line.data, *nl;
    while ((nl = memchr(start, '\n', ev->line.len - (size_t)(start - ev->line.data)))) {
        event_line(ev, start, (size_t)(nl - start));
        start = nl + 1;
    }
    size_t rest = ev->line.len - (size_t)(start - ev->line.data);
    if (rest > LINE_MAX_BYTES)
        rest = 0;
    memmove(ev->line.data, start, rest);
    ev->line.len = rest;
    ev->line.data[rest] = '\0';
}

static void on_stream_end(void *arg, const docker_reply *rep)
{
    docker_events *ev = arg;
    (void)rep; /* an engine without /events, or one restarting: waits decide */
    ev->stream = NULL;
    ev->line.len = 0;
}

void docker_watch_exit(docker_api *api, docker_exit_watch *w, const char *id, docker_exit_fn fn,
                       void *arg)
{
    docker_unwatch_exit(w);
    docker_events *ev = events_of(api);
    w->ev = ev;
    w->id = xstrdup(id);
    w->fn = fn;
    w->arg = arg;
    LIST_INSERT_HEAD(&ev->watches, w, entry);
    if (!ev->stream)
        ev->stream =
            docker_request(api, "GET", EVENTS_PATH, NULL, on_event_data, on_stream_end, ev, 0);
}

void docker_unwatch_exit(docker_exit_watch *w)
{
    if (!w->ev)
        return;
    LIST_REMOVE(w, entry);
    free(w->id);
    w->id = NULL;
    w->ev = NULL;
}

void docker_teardown_begin(docker_api *api, docker_teardown *td)
{
    docker_teardown_end(td);
    docker_events *ev = events_of(api);
    td->ev = ev;
    td->seq = ev->next_seq++;
    TAILQ_INSERT_TAIL(&ev->teardowns, td, entry);
}

/* G waits for the teardowns begun before it. */
static bool gate_open(const docker_events *ev, const docker_gate *g)
{
    const docker_teardown *oldest = TAILQ_FIRST(&ev->teardowns);
    return !oldest || oldest->seq >= g->seq;
}

void docker_teardown_end(docker_teardown *td)
{
    docker_events *ev = td->ev;
    if (!ev)
        return;
    TAILQ_REMOVE(&ev->teardowns, td, entry);
    td->ev = NULL;
    docker_gate *g;
    /* One at a time: a FN may queue or begin again. */
    while ((g = TAILQ_FIRST(&ev->gated)) && gate_open(ev, g)) {
        docker_gate_cancel(g);
        g->fn(g->arg);
    }
}

void docker_after_teardowns(docker_api *api, docker_gate *g, void (*fn)(void *arg), void *arg)
{
    docker_gate_cancel(g);
    docker_events *ev = events_of(api);
    if (TAILQ_EMPTY(&ev->teardowns)) {
        fn(arg);
        return;
    }
    g->ev = ev;
    g->seq = ev->next_seq;
    g->fn = fn;
    g->arg = arg;
    TAILQ_INSERT_TAIL(&ev->gated, g, entry);
}

void docker_gate_cancel(docker_gate *g)
{
    if (!g->ev)
        return;
    TAILQ_REMOVE(&g->ev->gated, g, entry);
    g->ev = NULL;
}

void docker_events_free(docker_events *ev)
{
    if (!ev)
        return;
    while (!TAILQ_EMPTY(&ev->gated))
        docker_gate_cancel(TAILQ_FIRST(&ev->gated));
    docker_teardown *td;
    while ((td = TAILQ_FIRST(&ev->teardowns))) {
        TAILQ_REMOVE(&ev->teardowns, td, entry);
        td->ev = NULL;
    }
    docker_call_cancel(ev->stream);
    while (!LIST_EMPTY(&ev->watches))
        docker_unwatch_exit(LIST_FIRST(&ev->watches));
    sb_free(&ev->line);
    free(ev);
}
