#include "local_task.h"
#include "log.h"
#include "exec_local.h"
#include "procutil.h"
#include "timeutil.h"
#include "try_status.h"

#include <stdio.h>
#include <stdlib.h>

static bool local_claims(const dag_task *task)
{
    (void)task;
    return true; /* the default: whatever no other executor takes */
}

static exec_handle *local_start(agent *ag, run *r, size_t i, struct try_plan *plan,
                                exec_done_fn done, void *arg, char *err, size_t errlen)
{
    const dag_task *task = &r->model->tasks[i];
    ti *t = &r->tis[i];
    (void)err, (void)errlen; /* its environment was made at the claim (try_plan.h) */
    char **env = task_env_local(&plan->vars);
    exec_request req = {
        .command = plan->command,
        .cwd = r->model->dir,
        .env = env,
        .log_path = plan->log_path,
        .has_log_fd = plan->log_fd >= 0, /* the claim's: no second open */
        .log_fd = plan->log_fd,
        .log_record = true, /* its record heads the log (logpath.h) */
        .timeout_us = task->timeout_us,
        .capture_last_line = task->branch,
        .done = done,
        .arg = arg,
    };
    plan->log_fd = -1; /* taken */
    task_proc *p = exec_local_start(ag->loop, &req);
    free(env);
    t->pid = exec_local_pid(p);
    t->pid_start = 0; /* read when the pid is stored (runs_pid_start) */
    t->pid_unsaved = true;
    return (exec_handle *)p;
}

/* A try that was running when the agent stopped: follow its process to its
 * end if it lives on (found by pid and start time, or, if the agent died
 * before storing the pid, by the log path in its environment), else read
 * how it ended from its log; never start a second copy meanwhile. */
static exec_handle *local_follow(agent *ag, run *r, size_t i, const try_files *f, exec_done_fn done,
                                 void *arg, bool *not_started)
{
    ti *t = &r->tis[i];
    const dag_task *task = &r->model->tasks[i];
    const char *log = f->log;
    int pid = 0;
    if (t->pid > 0 && proc_is_same(t->pid, t->pid_start))
        pid = t->pid;
    else if (t->pid <= 0 && (pid = proc_find_by_env("DAGD_LOG_FILE", log)) > 0)
        t->pid_start = proc_start_ticks(pid);
    /* Its shell is gone without a word: what it left behind must not run
     * beside the next try. */
    if (!pid && proc_kill_by_env("DAGD_LOG_FILE", log) > 0)
        log_info("killed what was left of %s %s try %d", r->run_id, task->id, t->try_number);
    /* No process, and its record never said "started": it never ran. (The
     * spawned child writes that just before its exec; from the exec on it
     * is found above by its environment.) */
    int code;
    if (!pid && try_status_read(f->status, &code) == TRY_STATUS_CLAIMED) {
        *not_started = true;
        return NULL;
    }
    int64_t timeout = 0;
    if (task->timeout_us > 0) {
        timeout = t->start_us + task->timeout_us - time_now_us();
        if (timeout <= 0)
            timeout = -1;
    }
    t->pid = pid;
    task_proc *p = exec_local_follow(ag->loop, pid, f, timeout, task->branch, done, arg);
    log_info("%s %s %s try %d: %s", r->de->dag_id, r->run_id, task->id, t->try_number,
             pid ? "still running, followed" : "ended while the agent was away");
    return (exec_handle *)p;
}

static void local_stop(exec_handle *h)
{
    exec_local_kill((task_proc *)h);
}

static void local_release(exec_handle *h, bool kill)
{
    exec_local_detach((task_proc *)h, kill);
}

static void local_discard(exec_handle *h)
{
    exec_local_detach((task_proc *)h, true);
}

static void local_set_arg(exec_handle *h, void *arg)
{
    exec_local_set_arg((task_proc *)h, arg);
}

const executor_ops local_executor = {
    .name = "local",
    .claims = local_claims,
    .start = local_start,
    .follow = local_follow,
    .stop = local_stop,
    .release = local_release,
    .discard = local_discard,
    .set_arg = local_set_arg,
};
