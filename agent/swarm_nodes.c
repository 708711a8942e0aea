#include "swarm_nodes.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A manager answers from its raft store: seconds are plenty. */
#define CALL_TIMEOUT_S 10

/* Tasks that may be running: services want "running", jobs "complete"
 * (the task of a replicated job is desired complete while it runs). */
#define TASKS_FILTER "{\"desired-state\":[\"running\",\"complete\"]}"

struct swarm_nodes_call {
    docker_api *api;
    docker_call *call; /* the one in flight */
    char *nodes;       /* the first reply, kept for the second */
    size_t nodes_len;
    swarm_nodes_fn done;
    void *arg;
};

static const char *str_at(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Running tasks per node id. */
static json_t *count_tasks(const char *tasks, size_t len)
{
    json_t *counts = json_object();
    json_t *list = tasks ? json_loadb(tasks, len, 0, NULL) : NULL;
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        const char *node = json_string_value(json_object_get(t, "NodeID"));
        const char *state = str_at(t, "Status", "State");
        if (!node || !state || strcmp(state, "running") != 0)
            continue;
        json_int_t n = json_integer_value(json_object_get(counts, node));
        json_object_set_new(counts, node, json_integer(n + 1));
    }
    json_decref(list);
    return counts;
}

json_t *swarm_nodes_rows(const char *nodes, size_t nodes_len, const char *tasks, size_t tasks_len,
                         char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *list = json_loadb(nodes, nodes_len, 0, &jerr);
    if (!json_is_array(list)) {
        snprintf(err, errlen, "the engine's list of nodes does not parse: %s",
                 list ? "not a list" : jerr.text);
        json_decref(list);
        return NULL;
    }
    json_t *counts = count_tasks(tasks, tasks_len);
    json_t *rows = json_array();
    size_t i;
    json_t *n;
    json_array_foreach(list, i, n)
    {
        const char *id = json_string_value(json_object_get(n, "ID"));
        if (!id)
            continue;
        json_t *res = json_object_get(json_object_get(n, "Description"), "Resources");
        json_t *labels = json_object_get(json_object_get(n, "Spec"), "Labels");
        json_t *row = json_object();
        json_object_set_new(row, "id", json_string(id));
        json_object_set_new(row, "hostname", string_or_null(str_at(n, "Description", "Hostname")));
        json_object_set_new(row, "state", string_or_null(str_at(n, "Status", "State")));
        json_object_set_new(row, "availability", string_or_null(str_at(n, "Spec", "Availability")));
        json_object_set_new(row, "labels",
                            json_is_object(labels) ? json_deep_copy(labels) : json_object());
        /* Bytes and cores, as the node reports them (what it can reserve). */
        json_object_set_new(row, "memory",
                            json_integer(json_integer_value(json_object_get(res, "MemoryBytes"))));
        json_object_set_new(
            row, "cpus",
            json_real((double)json_integer_value(json_object_get(res, "NanoCPUs")) / 1e9));
        json_object_set_new(row, "tasks",
                            json_integer(json_integer_value(json_object_get(counts, id))));
        json_array_append_new(rows, row);
    }
    json_decref(counts);
    json_decref(list);
    return rows;
}

size_t swarm_nodes_ready(const json_t *rows)
{
    size_t n = 0, i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *state = json_string_value(json_object_get(r, "state"));
        n += state && strcmp(state, "ready") == 0;
    }
    return n;
}

static void finish(swarm_nodes_call *c, json_t *rows, const char *error, bool cancelled)
{
    c->done(c->arg, rows, error, cancelled);
    free(c->nodes);
    free(c);
}

/* Why a call failed, as an operator reads it. */
static void describe(const swarm_nodes_call *c, const docker_reply *rep, const char *what,
                     char *out, size_t len)
{
    const char *host = docker_api_host(c->api);
    if (rep->transport_error)
        snprintf(out, len, "cannot reach the Docker engine at %s: %s", host, rep->error);
    else if (rep->status == 503) /* the engine's answer when it manages no swarm */
        snprintf(out, len, "this Docker engine (%s) is not a swarm manager: %s", host, rep->error);
    else
        snprintf(out, len, "%s at %s: %s", what, host, rep->error);
}

/* A cancelled or refused call ends C (with why); true when it did. */
static bool failed(swarm_nodes_call *c, const docker_reply *rep, const char *what)
{
    if (rep->cancelled) {
        finish(c, NULL, rep->error, true);
        return true;
    }
    if (rep->status >= 200 && rep->status < 300)
        return false;
    char err[768] = "";
    describe(c, rep, what, err, sizeof err);
    finish(c, NULL, err, false);
    return true;
}

static void on_tasks(void *arg, const docker_reply *rep)
{
    swarm_nodes_call *c = arg;
    c->call = NULL;
    if (failed(c, rep, "GET /tasks"))
        return;
    char err[768] = "";
    json_t *rows = swarm_nodes_rows(c->nodes, c->nodes_len, rep->body, rep->len, err, sizeof err);
    finish(c, rows, rows ? NULL : err, false);
    json_decref(rows);
}

static void on_nodes(void *arg, const docker_reply *rep)
{
    swarm_nodes_call *c = arg;
    c->call = NULL;
    if (failed(c, rep, "GET /nodes"))
        return;
    c->nodes = xmalloc(rep->len + 1);
    memcpy(c->nodes, rep->body, rep->len);
    c->nodes[rep->len] = '\0';
    c->nodes_len = rep->len;
    char *filter = docker_escape(c->api, TASKS_FILTER);
    char *path = xasprintf("/tasks?filters=%s", filter);
    free(filter);
    /* Called from DONE, outside curl's callbacks: starting is allowed. */
    c->call = docker_request(c->api, "GET", path, NULL, NULL, on_tasks, c, CALL_TIMEOUT_S);
    free(path);
    if (!c->call)
        finish(c, NULL, "cannot start the call GET /tasks (libcurl)", false);
}

swarm_nodes_call *swarm_nodes_fetch(docker_api *api, swarm_nodes_fn done, void *arg)
{
    swarm_nodes_call *c = xcalloc(1, sizeof *c);
    c->api = api;
    c->done = done;
    c->arg = arg;
    c->call = docker_request(api, "GET", "/nodes", NULL, NULL, on_nodes, c, CALL_TIMEOUT_S);
    if (!c->call) {
        free(c);
        return NULL;
    }
    return c;
}

void swarm_nodes_cancel(swarm_nodes_call *c)
{
    if (!c)
        return;
    docker_call_cancel(c->call);
    free(c->nodes);
    free(c);
}
