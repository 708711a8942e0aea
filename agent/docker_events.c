#include "docker_events.h"
#include "util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct watch {
    char *id;
    docker_die_fn fn;
    void *arg;
    struct watch *next;
} watch;

/* A container's death, seen in the stream, handed on from the loop. */
typedef struct death {
    char *id;
    int code;
    struct death *next;
} death;

struct docker_events {
    docker_api *api;
    docker_call *stream;
    strbuf buf; /* the current unterminated line */
    watch *watches;
    /* Events arrive inside curl's write callback, where no transfer may be
     * started or stopped; they are dispatched from the next loop turn. */
    uv_timer_t dispatch;
    death *deaths, **deaths_tail;
};

docker_events *docker_events_new(docker_api *api, uv_loop_t *loop)
{
    docker_events *ev = xcalloc(1, sizeof *ev);
    ev->api = api;
    ev->deaths_tail = &ev->deaths;
    uv_timer_init(loop, &ev->dispatch);
    ev->dispatch.data = ev;
    return ev;
}

static void free_deaths(docker_events *ev)
{
    while (ev->deaths) {
        death *d = ev->deaths;
        ev->deaths = d->next;
        free(d->id);
        free(d);
    }
    ev->deaths_tail = &ev->deaths;
}

static void free_watch(watch *w)
{
    free(w->id);
    free(w);
}

static void on_closed(uv_handle_t *h)
{
    free(h->data);
}

void docker_events_free(docker_events *ev)
{
    if (!ev)
        return;
    docker_call_cancel(ev->stream);
    while (ev->watches) {
        watch *w = ev->watches;
        ev->watches = w->next;
        free_watch(w);
    }
    free_deaths(ev);
    sb_free(&ev->buf);
    uv_close((uv_handle_t *)&ev->dispatch, on_closed);
}

static void on_dispatch(uv_timer_t *timer)
{
    docker_events *ev = timer->data;
    while (ev->deaths) {
        death *d = ev->deaths;
        ev->deaths = d->next;
        if (!ev->deaths)
            ev->deaths_tail = &ev->deaths;
        for (watch **link = &ev->watches; *link; link = &(*link)->next) {
            watch *w = *link;
            if (strcmp(w->id, d->id) != 0)
                continue;
            *link = w->next;
            docker_die_fn fn = w->fn;
            void *arg = w->arg;
            free_watch(w);
            fn(arg, d->code); /* may watch or unwatch others */
            break;
        }
        free(d->id);
        free(d);
    }
}

static void on_line(docker_events *ev, const char *s, size_t len)
{
    json_t *j = json_loadb(s, len, 0, NULL);
    const char *action = json_string_value(json_object_get(j, "Action"));
    json_t *actor = json_object_get(j, "Actor");
    const char *id = json_string_value(json_object_get(actor, "ID"));
    const char *code = json_string_value(
        json_object_get(json_object_get(actor, "Attributes"), "exitCode"));
    if (action && strcmp(action, "die") == 0 && id && code) {
        death *d = xcalloc(1, sizeof *d);
        d->id = xstrdup(id);
        d->code = atoi(code);
        *ev->deaths_tail = d;
        ev->deaths_tail = &d->next;
        uv_timer_start(&ev->dispatch, on_dispatch, 0, 0);
    }
    json_decref(j);
}

static void on_data(void *arg, const char *data, size_t len)
{
    docker_events *ev = arg;
    sb_append_len(&ev->buf, data, len);
    size_t start = 0;
    for (size_t k = 0; k < ev->buf.len; k++) {
        if (ev->buf.data[k] == '\n') {
            on_line(ev, ev->buf.data + start, k - start);
            start = k + 1;
        }
    }
    memmove(ev->buf.data, ev->buf.data + start, ev->buf.len - start);
    ev->buf.len -= start;
    ev->buf.data[ev->buf.len] = '\0';
}

static void on_end(void *arg, const docker_reply *rep)
{
    docker_events *ev = arg;
    (void)rep;
    /* Restarted by the next watch; meanwhile waits report the exits. */
    ev->stream = NULL;
    ev->buf.len = 0;
}

static void start_stream(docker_events *ev)
{
    char *q = docker_escape(ev->api, "{\"type\":[\"container\"],\"event\":[\"die\"],"
                                     "\"label\":[\"dagd.task_id\"]}");
    char *path = xasprintf("/events?filters=%s", q);
    ev->stream = docker_request(ev->api, "GET", path, NULL, on_data, on_end, ev, 0);
    free(path);
    free(q);
}

void docker_events_watch(docker_events *ev, const char *id, docker_die_fn fn, void *arg)
{
    if (!ev->stream)
        start_stream(ev);
    watch *w = xcalloc(1, sizeof *w);
    w->id = xstrdup(id);
    w->fn = fn;
    w->arg = arg;
    w->next = ev->watches;
    ev->watches = w;
}

void docker_events_unwatch(docker_events *ev, void *arg)
{
    for (watch **link = &ev->watches; *link;) {
        watch *w = *link;
        if (w->arg == arg) {
            *link = w->next;
            free_watch(w);
        } else {
            link = &w->next;
        }
    }
}
