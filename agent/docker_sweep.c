/* After a start, remove the containers of tries that are over: the agent
 * died before it could remove them. */
#include "docker_task.h"
#include "docker_api.h"
#include "log.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True when task TASK_ID of RUN_ID of DAG_ID still runs try TRY here. With
 * *UNKNOWN set when the DAG is not loaded: its runs were not taken over. */
static bool try_running(agent *ag, const char *dag_id, const char *run_id, const char *task_id,
                        int try_number, bool *unknown)
{
    dag_entry *de = agent_find_dag(ag, dag_id);
    *unknown = !de || !de->model;
    if (*unknown)
        return false;
    run *r = agent_find_run(ag, de, run_id);
    int i = r ? dag_task_index(r->model, task_id) : -1;
    if (i < 0)
        return false; /* finished or queued (running runs are all in memory) */
    const ti *t = &r->tis[i];
    return t->state == TI_RUNNING && t->try_number == try_number;
}

static void on_removed(void *arg, const docker_reply *rep)
{
    char *id = arg;
    if (!rep->cancelled && rep->status != 204 && rep->status != 404)
        log_warn("docker: cannot remove container %.12s: %s", id, rep->error);
    free(id);
}

static void on_listed(void *arg, const docker_reply *rep)
{
    agent *ag = arg;
    if (rep->cancelled)
        return;
    if (rep->status != 200) {
        log_warn("docker engine at %s: cannot list dagd's containers: %s",
                 docker_api_host(ag->docker), rep->error);
        return;
    }
    json_t *list = json_loadb(rep->body, rep->len, 0, NULL);
    size_t k;
    json_t *c;
    json_array_foreach(list, k, c)
    {
        json_t *labels = json_object_get(c, "Labels");
        const char *id = json_string_value(json_object_get(c, "Id"));
        const char *dag_id = json_string_value(json_object_get(labels, "dagd.dag_id"));
        const char *run_id = json_string_value(json_object_get(labels, "dagd.run_id"));
        const char *task_id = json_string_value(json_object_get(labels, "dagd.task_id"));
        const char *try_s = json_string_value(json_object_get(labels, "dagd.try_number"));
        if (!id || !dag_id || !run_id || !task_id || !try_s || json_object_get(labels, "dagd.keep"))
            continue;
        /* A swarm task's container is its service's: the swarm sweep's. */
        if (json_object_get(labels, "com.docker.swarm.task.id"))
            continue;
        bool unknown;
        if (try_running(ag, dag_id, run_id, task_id, atoi(try_s), &unknown) || unknown)
            continue;
        log_info("removing container %.12s of %s %s %s try %s (over)", id, dag_id, run_id, task_id,
                 try_s);
        char *path = xasprintf("/containers/%s?force=1&v=1", id);
        char *copy = xstrdup(id);
        if (!docker_request(ag->docker, "DELETE", path, NULL, NULL, on_removed, copy, 60))
            free(copy);
        free(path);
    }
    json_decref(list);
}

/* Hosts without Docker tasks need not have an engine, nor hear about it. */
static bool any_image_task(const agent *ag)
{
    for (size_t k = 0; k < ag->n_dags; k++) {
        const dag *m = ag->dags[k]->model;
        for (size_t i = 0; m && i < m->n_tasks; i++)
            if (m->tasks[i].image)
                return true;
    }
    return false;
}

void docker_sweep(agent *ag)
{
    if (!ag->docker || !any_image_task(ag))
        return;
    char *q = docker_escape(ag->docker, "{\"label\":[\"dagd.task_id\"]}");
    char *path = xasprintf("/containers/json?all=1&filters=%s", q);
    docker_request(ag->docker, "GET", path, NULL, NULL, on_listed, ag, 60);
    free(path);
    free(q);
}
