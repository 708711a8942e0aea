/* After a start, remove this agent's services of tries that are over: the
 * agent died before it could remove them. Only services labelled with this
 * agent's id are looked at: another agent may share the swarm. */
#include "swarm_task.h"
#include "docker_api.h"
#include "log.h"
#include "swarm_spec.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keep the service? While its try runs here, or while its DAG is known but
 * never loaded (a file with errors: its runs wait to be taken over). */
static bool keep_service(agent *ag, const char *dag_id, const char *run_id, const char *task_id,
                         int try_number)
{
    dag_entry *de = agent_find_dag(ag, dag_id);
    if (!de)
        return false; /* the DAG is gone: nothing will ever follow it */
    if (!de->model)
        return true;
    run *r = agent_find_run(ag, de, run_id);
    int i = r ? dag_task_index(r->model, task_id) : -1;
    if (i < 0)
        return false; /* the run is finished (active runs are all in memory) */
    const ti *t = &r->tis[i];
    return t->state == TI_RUNNING && t->try_number == try_number;
}

static void on_removed(void *arg, const docker_reply *rep)
{
    char *name = arg;
    if (!rep->cancelled && rep->status != 200 && rep->status != 404)
        log_warn("swarm: cannot remove service %s: %s", name, rep->error);
    free(name);
}

static void on_listed(void *arg, const docker_reply *rep)
{
    agent *ag = arg;
    if (rep->cancelled)
        return;
    if (rep->status != 200) {
        log_warn("swarm manager at %s: cannot list dagd's services: %s", docker_api_host(ag->swarm),
                 rep->error);
        return;
    }
    json_t *list = json_loadb(rep->body, rep->len, 0, NULL);
    size_t k;
    json_t *svc;
    json_array_foreach(list, k, svc)
    {
        json_t *spec = json_object_get(svc, "Spec");
        json_t *labels = json_object_get(spec, "Labels");
        const char *id = json_string_value(json_object_get(svc, "ID"));
        const char *name = json_string_value(json_object_get(spec, "Name"));
        const char *dag_id = json_string_value(json_object_get(labels, "dagd.dag_id"));
        const char *run_id = json_string_value(json_object_get(labels, "dagd.run_id"));
        const char *task_id = json_string_value(json_object_get(labels, "dagd.task_id"));
        const char *try_s = json_string_value(json_object_get(labels, "dagd.try_number"));
        if (!id || !dag_id || !run_id || !task_id || !try_s)
            continue;
        if (keep_service(ag, dag_id, run_id, task_id, atoi(try_s)))
            continue;
        log_info("removing swarm service %s of %s %s %s try %s (over)", name ? name : id, dag_id,
                 run_id, task_id, try_s);
        char *path = xasprintf("/services/%s", id);
        char *copy = xstrdup(name ? name : id);
        if (!docker_request(ag->swarm, "DELETE", path, NULL, NULL, on_removed, copy, 60))
            free(copy);
        free(path);
    }
    json_decref(list);
}

/* Hosts without swarm tasks need not have a manager, nor hear about it. */
static bool any_swarm_task(const agent *ag)
{
    for (size_t k = 0; k < ag->n_dags; k++) {
        const dag *m = ag->dags[k]->model;
        for (size_t i = 0; m && i < m->n_tasks; i++)
            if (m->tasks[i].executor == EXECUTOR_SWARM)
                return true;
    }
    return false;
}

void swarm_sweep(agent *ag)
{
    if (!ag->swarm || !any_swarm_task(ag))
        return;
    char *f = xasprintf("{\"label\":[\"%s=%s\"]}", SWARM_LABEL_AGENT, swarm_task_agent_id(ag));
    char *q = docker_escape(ag->swarm, f);
    char *path = xasprintf("/services?filters=%s", q);
    docker_request(ag->swarm, "GET", path, NULL, NULL, on_listed, ag, 60);
    free(path);
    free(q);
    free(f);
}
