#include "swarm_task.h"
#include "docker_task.h"
#include "exec_swarm.h"
#include "try_progress.h"
#include "swarm_spec.h"
#include "template.h"
#include "timeutil.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *swarm_task_agent_id(const agent *ag)
{
    static char id[17];
    if (!id[0]) {
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        swarm_agent_id(host, ag->cfg.state_dir, id);
    }
    return id;
}

static bool swarm_claims(const dag_task *task)
{
    return task->image != NULL && task->executor == EXECUTOR_SWARM;
}

static json_t *service_body(agent *ag, run *r, size_t i, const task_vars *v, const char *command,
                            char *err, size_t errlen)
{
    const dag_task *task = &r->model->tasks[i];
    const ti *t = &r->tis[i];
    char *image = template_render(task->image, &v->ctx, false, err, errlen);
    char **argv = image ? shell_split(command, err, errlen) : NULL;
    json_t *body = NULL;
    if (argv) { /* its environment is the plan's (task_env.h) */
        /* Relative bind sources resolve as for Docker tasks; the folder
         * must exist on the node that runs the task. */
        strlist volumes = {0};
        for (size_t k = 0; k < task->volumes.n; k++) {
            char *b = docker_resolve_bind(task->volumes.items[k], r->model->dir);
            strlist_push(&volumes, b);
            free(b);
        }
        char name[SWARM_NAME_MAX + 1];
        const char *agent_id = swarm_task_agent_id(ag);
        swarm_service_name(agent_id, r->de->dag_id, r->run_id, task->id, t->try_number, name);
        swarm_spec spec = {
            .name = name,
            .image = image,
            .argv = argv,
            .env = v->own,
            .entrypoint = task->entrypoint,
            .volumes = &volumes,
            .network = task->network,
            .user = task->user,
            .workdir = task->workdir,
            .memory = task->memory_bytes,
            .cpus = task->cpus,
            .constraints = &task->constraints,
            .generic_resources = &task->generic_resources,
            .dag_id = r->de->dag_id,
            .run_id = r->run_id,
            .task_id = task->id,
            .try_number = t->try_number,
            .agent_id = agent_id,
        };
        body = swarm_service_body(&spec, err, errlen);
        strlist_free(&volumes);
    }
    shell_split_free(argv);
    free(image);
    return body;
}

static exec_handle *swarm_start(agent *ag, run *r, size_t i, struct try_plan *plan,
                                exec_done_fn done, void *arg, char *err, size_t errlen)
{
    const task_vars *v = &plan->vars;
    const char *command = plan->command, *log_path = plan->log_path;
    const dag_task *task = &r->model->tasks[i];
    if (!ag->swarm) {
        snprintf(err, errlen, "no swarm manager configured ([swarm] host)");
        return NULL;
    }
    json_t *body = service_body(ag, r, i, v, command, err, errlen);
    if (!body)
        return NULL;
    swarm_request req = {
        .create = body,
        .log_path = log_path,
        .status_path = log_path, /* its record heads the log (logpath.h) */
        .timeout_us = task->timeout_us,
        .wait_limit_us = task->timeout_us ? 0 : SWARM_WAIT_DEFAULT_US,
        .capture_last_line = task->branch,
        .done = done,
        .progress = try_progress,
        .arg = arg,
    };
    swarm_task *s = exec_swarm_start(ag->swarm, ag->loop, &req);
    return (exec_handle *)s;
}

/* The try's time counts from its claim (its start_date): waiting for a
 * node counts toward its timeout, as a pull does for a Docker try. */
static exec_handle *swarm_follow(agent *ag, run *r, size_t i, const try_files *f, exec_done_fn done,
                                 void *arg, bool *not_started)
{
    (void)not_started; /* reported through res.not_started, as Docker does */
    const dag_task *task = &r->model->tasks[i];
    const ti *t = &r->tis[i];
    int64_t now = time_now_us(), timeout = 0, wait_limit = 0;
    if (task->timeout_us > 0) {
        timeout = t->start_us + task->timeout_us - now;
        if (timeout <= 0)
            timeout = -1;
    } else {
        wait_limit = t->start_us + SWARM_WAIT_DEFAULT_US - now;
        if (wait_limit <= 0) /* over if it still waits: a poll's time to tell */
            wait_limit = t->waiting_for ? 1 : 5 * 1000000LL;
    }
    char *filter = swarm_try_filter(swarm_task_agent_id(ag), r->de->dag_id, r->run_id, task->id,
                                    t->try_number);
    swarm_request req = {
        .find_filter = filter,
        .log_path = f->log,
        .status_path = f->status,
        .timeout_us = timeout,
        .wait_limit_us = wait_limit,
        .capture_last_line = task->branch,
        .done = done,
        .progress = try_progress,
        .arg = arg,
    };
    swarm_task *s = ag->swarm ? exec_swarm_attach(ag->swarm, ag->loop, &req) : NULL;
    free(filter);
    return (exec_handle *)s;
}

static void swarm_stop(exec_handle *h)
{
    exec_swarm_stop((swarm_task *)h);
}

static void swarm_release(exec_handle *h, bool kill)
{
    (void)kill; /* the service runs on; followed after the next start */
    exec_swarm_abandon((swarm_task *)h);
}

static void swarm_discard(exec_handle *h)
{
    exec_swarm_discard((swarm_task *)h);
}

static void swarm_set_arg(exec_handle *h, void *arg)
{
    exec_swarm_set_arg((swarm_task *)h, arg);
}

const executor_ops swarm_executor = {
    .name = "swarm",
    .claims = swarm_claims,
    .start = swarm_start,
    .follow = swarm_follow,
    .stop = swarm_stop,
    .release = swarm_release,
    .discard = swarm_discard,
    .set_arg = swarm_set_arg,
};
