#include "runner.h"
#include "events.h"
#include "docker_task.h"
#include "exec_local.h"
#include "fsutil.h"
#include "logpath.h"
#include "procutil.h"
#include "scheduler.h"
#include "store.h"
#include "task_env.h"
#include "timeutil.h"
#include "try_status.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void log_store_error(agent *ag, const char *what)
{
    fprintf(stderr, "dagd: store: %s: %s\n", what, store_error(ag->db));
}

static void save_ti(agent *ag, run *r, size_t i)
{
    if (store_ti_save(ag->db, r, i))
        log_store_error(ag, "saving a task instance");
    events_task(ag, r, i);
}

static void save_run(agent *ag, run *r)
{
    if (store_run_save(ag->db, r))
        log_store_error(ag, "saving a run");
    events_run(ag, r);
}

static void set_state(agent *ag, run *r, size_t i, enum ti_state state)
{
    ti *t = &r->tis[i];
    t->state = state;
    if (ti_state_finished(state) && !t->end_us)
        t->end_us = time_now_us();
    save_ti(ag, r, i);
}

char *runner_log_path(const agent *ag, const char *dag_id, const char *run_id, const char *task_id,
                      int try_number)
{
    return logpath_try(ag->cfg.state_dir, dag_id, run_id, task_id, try_number);
}

static int pool_index(const agent *ag, const char *pool)
{
    for (size_t i = 0; pool && i < ag->cfg.n_pools; i++)
        if (strcmp(ag->cfg.pools[i].name, pool) == 0)
            return (int)i;
    return -1;
}

static bool admit(const agent *ag, const run *r, size_t i)
{
    const dag_task *task = &r->de->model->tasks[i];
    if (ag->stopping || ag->degraded)
        return false;
    if (ag->running_tasks >= ag->cfg.parallelism)
        return false;
    if (r->de->running_tasks >= r->de->model->max_active_tasks)
        return false;
    int p = pool_index(ag, task->pool);
    if (p >= 0 && ag->pool_used[p] >= ag->cfg.pools[p].slots)
        return false;
    return admission_check(&ag->adm, task->memory_bytes, task->cpus) == NULL;
}

static void count_running(agent *ag, run *r, size_t i, int delta)
{
    ag->running_tasks += delta;
    r->de->running_tasks += delta;
    const dag_task *task = &r->de->model->tasks[i];
    int p = pool_index(ag, task->pool);
    if (p >= 0)
        ag->pool_used[p] += delta;
    admission_account(&ag->adm, task->memory_bytes, task->cpus, delta);
}

/* Is task D below branch decision FOLLOWED (task ids, space-separated)?
 * As skip_all_except: a named task, or one downstream of a named task (the
 * "empty branch" join), is followed. */
static bool branch_keeps(const dag *m, const char *followed, size_t d)
{
    bool keep = false;
    bool *seen = NULL;
    size_t *stack = NULL, n = 0;
    char *names = xstrdup(followed);
    char *save = NULL;
    for (char *w = strtok_r(names, " ", &save); w && !keep; w = strtok_r(NULL, " ", &save)) {
        int c = dag_task_index(m, w);
        if (c < 0)
            continue; /* gone from a newer version of the file */
        if (!seen) {
            seen = xcalloc(m->n_tasks, sizeof *seen);
            stack = xcalloc(m->n_tasks, sizeof *stack);
        }
        if (!seen[c]) {
            seen[c] = true;
            stack[n++] = (size_t)c;
        }
        while (n && !keep) { /* iterative: a long chain must not overflow */
            size_t t = stack[--n];
            keep = t == d;
            for (size_t k = 0; k < m->tasks[t].n_down; k++) {
                size_t x = m->tasks[t].down[k];
                if (!seen[x]) {
                    seen[x] = true;
                    stack[n++] = x;
                }
            }
        }
    }
    free(names);
    free(seen);
    free(stack);
    return keep;
}

/* not_previously_skipped_dep: a direct upstream branch that finished and
 * decided without this task skips it, so a cleared one is skipped again. */
static bool branch_skips(const run *r, size_t i)
{
    const dag *m = r->de->model;
    const dag_task *task = &m->tasks[i];
    for (size_t k = 0; k < task->n_up; k++) {
        size_t u = task->up[k];
        const ti *b = &r->tis[u];
        if (m->tasks[u].branch && b->followed && ti_state_finished(b->state) &&
            !branch_keeps(m, b->followed, i))
            return true;
    }
    return false;
}

/* Skip the direct downstream tasks that the branch's last line does not
 * follow, whatever their state (a running one is stopped), as Airflow's
 * skip_all_except does; the decision is kept on the branch's instance.
 * Returns false (and logs) when the line names something else. */
static bool follow_branch(agent *ag, run *r, size_t i, const char *line, const char *log_path)
{
    const dag *m = r->de->model;
    const dag_task *task = &m->tasks[i];
    char *names = xstrdup(line ? line : "");
    for (char *c = names; *c; c++)
        if (*c == ',')
            *c = ' ';
    strlist chosen = {0};
    bool ok = true;
    char *save = NULL;
    for (char *w = strtok_r(names, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
        int d = dag_task_index(m, w);
        bool direct = false;
        for (size_t k = 0; d >= 0 && k < task->n_down; k++)
            direct |= task->down[k] == (size_t)d;
        if (!direct) {
            FILE *f = fopen(log_path, "a");
            if (f) {
                fprintf(f, "[dagd] branch named \"%s\", which is not a downstream task of %s\n", w,
                        task->id);
                fclose(f);
            }
            ok = false;
        }
        strlist_push(&chosen, w);
    }
    free(names);
    if (ok) {
        size_t len = 1;
        for (size_t k = 0; k < chosen.n; k++)
            len += strlen(chosen.items[k]) + 1;
        char *followed = xcalloc(1, len);
        for (size_t k = 0; k < chosen.n; k++) {
            if (k)
                strcat(followed, " ");
            strcat(followed, chosen.items[k]);
        }
        free(r->tis[i].followed);
        r->tis[i].followed = followed;
        for (size_t k = 0; k < task->n_down; k++) {
            size_t d = task->down[k];
            if (r->tis[d].state == TI_SKIPPED || branch_keeps(m, followed, d))
                continue;
            runner_kill_try(ag, r, d);
            set_state(ag, r, d, TI_SKIPPED);
        }
    }
    strlist_free(&chosen);
    return ok;
}

/* The retry policy: another try after retry_delay while tries are left. */
static void settle_failed_try(agent *ag, run *r, size_t i)
{
    ti *t = &r->tis[i];
    if (t->try_number < t->max_tries) {
        t->next_retry_us = t->end_us + r->de->model->tasks[i].retry_delay_us;
        set_state(ag, r, i, TI_UP_FOR_RETRY);
    } else {
        set_state(ag, r, i, TI_FAILED);
    }
}

/* A claimed try of which nothing ran (the agent died between the claim and
 * the start): it goes back to be decided again and starts with the same
 * try number, no retry used up. */
static void unclaim_unstarted(agent *ag, run *r, size_t i)
{
    ti *t = &r->tis[i];
    fprintf(stderr, "dagd: %s %s %s try %d: claimed but never started; starting it again\n",
            r->de->dag_id, r->run_id, r->de->model->tasks[i].id, t->try_number);
    t->try_number--;
    t->state = TI_NONE;
    t->start_us = t->end_us = 0;
    t->pid = 0;
    t->pid_start = 0;
    save_ti(ag, r, i);
}

static void on_try_done(void *arg, const exec_result *res)
{
    ti *t = arg;
    run *r = t->owner;
    agent *ag = r->ag;
    size_t i = t->index;
    const dag_task *task = &r->de->model->tasks[i];
    t->proc = NULL;
    t->dock = NULL;
    count_running(ag, r, i, -1);
    if (t->cancelled) {
        /* Cleared or marked while running: the new state stands. */
        t->cancelled = false;
        if (!ag->stopping)
            runner_pass(ag);
        return;
    }
    runner_batch_begin(ag);
    if (res->not_started) {
        unclaim_unstarted(ag, r, i);
        if (!ag->stopping)
            runner_pass(ag);
        runner_batch_end(ag);
        return;
    }

    bool ok = res->exit_code == 0 && !res->timed_out && !res->spawn_failed;
    if (ok && task->branch) {
        char *log = runner_log_path(ag, r->de->dag_id, r->run_id, task->id, t->try_number);
        ok = follow_branch(ag, r, i, res->last_line, log);
        free(log);
    }
    t->end_us = time_now_us();
    if (ok)
        set_state(ag, r, i, TI_SUCCESS);
    else
        settle_failed_try(ag, r, i);
    if (!ag->stopping)
        runner_pass(ag);
    runner_batch_end(ag);
}

static void fail_try(agent *ag, run *r, size_t i, const char *log_path, const char *msg)
{
    runner_batch_begin(ag);
    mkdir_parents(log_path, 0750);
    FILE *f = fopen(log_path, "a");
    if (f) {
        fprintf(f, "[dagd] %s\n", msg);
        fclose(f);
    }
    r->tis[i].end_us = time_now_us();
    settle_failed_try(ag, r, i);
    runner_batch_end(ag);
}

/* Creating a log file's folder and inode can cost more than a short task
 * itself (ext4), so while task I runs, the logs of the tasks likely to start
 * next are created ahead: downstream tasks that wait only for I (a chain's
 * next step) and queued tasks of the run (a fan-out's next ones). Capped so
 * a wide fan-out does not stall the loop. */
#define LOG_PREFETCH_MAX 2
/* How often a store that refused writes is tried again. */
#define RESYNC_MS 2000

static bool waits_only_for(const run *r, const dag_task *task, size_t i)
{
    for (size_t k = 0; k < task->n_up; k++)
        if (task->up[k] != i && !ti_state_finished(r->tis[task->up[k]].state))
            return false;
    return true;
}

static bool prefetch_one(agent *ag, run *r, size_t d)
{
    ti *t = &r->tis[d];
    if (t->try_number != 0 || t->log_ready)
        return false;
    char *path = runner_log_path(ag, r->de->dag_id, r->run_id, r->de->model->tasks[d].id, 1);
    mkdir_parents(path, 0750);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
    if (fd >= 0)
        close(fd);
    free(path);
    t->log_ready = true;
    return true;
}

static void prefetch_logs(agent *ag, run *r, size_t i)
{
    const dag *m = r->de->model;
    const dag_task *task = &m->tasks[i];
    int done = 0;
    for (size_t k = 0; k < task->n_down && done < LOG_PREFETCH_MAX; k++) {
        size_t d = task->down[k];
        if (r->tis[d].state == TI_NONE && waits_only_for(r, &m->tasks[d], i))
            done += prefetch_one(ag, r, d);
    }
    for (size_t d = 0; d < r->n_tis && done < LOG_PREFETCH_MAX; d++)
        if (r->tis[d].state == TI_QUEUED)
            done += prefetch_one(ag, r, d);
}

static void on_resync(uv_timer_t *t);

/* The state folder cannot take a try's status file (disk full, no
 * descriptors): start nothing until a resync, as when the store refuses. */
static void hold_starts(agent *ag, const char *path)
{
    const char *why = strerror(errno);
    fprintf(stderr, "dagd: cannot write %s (%s); no task starts until it can\n", path, why);
    ag->degraded = true;
    free(ag->degraded_reason);
    ag->degraded_reason = xasprintf("cannot write the state folder: %s", why);
    if (!ag->resync_timer.loop) {
        uv_timer_init(ag->loop, &ag->resync_timer);
        ag->resync_timer.data = ag;
    }
    uv_timer_start(&ag->resync_timer, on_resync, RESYNC_MS, 0);
}

/* Take a slot and record the try as running; the process starts after the
 * batch commits (launch_pending), so the store never forgets a process
 * that might be alive. Its status file says "claimed" first (written
 * before the commit): a restarted agent that finds it so knows that the
 * try never started (try_status.h). Returns false when it cannot be
 * written: nothing is claimed. */
static bool claim_try(agent *ag, run *r, size_t i)
{
    ti *t = &r->tis[i];
    char *log =
        runner_log_path(ag, r->de->dag_id, r->run_id, r->de->model->tasks[i].id, t->try_number + 1);
    char *status = try_status_path(log);
    bool held = false;
    if (try_status_claim(status) != 0) {
        /* Out of space or descriptors: wait for them. Anything else (a
         * file where a folder should be) is this try's own problem: it
         * starts without a status file, as a try of an older agent. */
        held = errno == ENOSPC || errno == EDQUOT || errno == EMFILE || errno == ENFILE ||
               errno == EIO || errno == ENOMEM;
        if (held)
            hold_starts(ag, status);
        else
            fprintf(stderr, "dagd: cannot write %s: %s\n", status, strerror(errno));
    }
    free(status);
    free(log);
    if (held)
        return false;
    t->try_number++;
    free(t->followed); /* a new try decides again (Airflow clears its XCom) */
    t->followed = NULL;
    t->start_us = time_now_us();
    t->end_us = 0;
    t->next_retry_us = 0;
    t->state = TI_RUNNING;
    t->owner = r;
    t->index = i;
    save_ti(ag, r, i);
    count_running(ag, r, i, +1);
    if (ag->n_pending == ag->cap_pending) {
        ag->cap_pending = ag->cap_pending ? ag->cap_pending * 2 : 16;
        ag->pending = xrealloc(ag->pending, ag->cap_pending * sizeof *ag->pending);
    }
    ag->pending[ag->n_pending++] = t;
    return true;
}

/* Returns false when the try could not start (already settled). */
static bool launch_try(agent *ag, ti *t)
{
    run *r = t->owner;
    size_t i = t->index;
    const dag_task *task = &r->de->model->tasks[i];
    char *log_path = runner_log_path(ag, r->de->dag_id, r->run_id, task->id, t->try_number);
    task_vars vars;
    task_vars_init(&vars, r, i);
    char err[256] = "";
    char *command = template_render(task->command, &vars.ctx, true, err, sizeof err);
    char **env =
        command && !task->image ? task_env_build(&vars, task, log_path, err, sizeof err) : NULL;
    bool ok = command && (env || task->image);
    if (ok && task->image) { /* a container: its own argv, environment and log */
        t->dock =
            docker_task_launch(ag, r, i, &vars, command, log_path, on_try_done, t, err, sizeof err);
        ok = t->dock != NULL;
    }
    if (!ok) {
        count_running(ag, r, i, -1);
        fail_try(ag, r, i, log_path, err);
    } else if (task->image) {
        prefetch_logs(ag, r, i);
    } else {
        char *status_path = try_status_path(log_path);
        exec_request req = {
            .command = command,
            .cwd = r->de->model->dir,
            .env = env,
            .log_path = log_path,
            .status_path = status_path,
            .timeout_us = task->timeout_us,
            .capture_last_line = task->branch,
            .done = on_try_done,
            .arg = t,
        };
        t->proc = exec_local_start(ag->loop, &req);
        free(status_path);
        t->pid = exec_local_pid(t->proc);
        t->pid_start = proc_start_ticks(t->pid);
        t->pid_unsaved = true;
        prefetch_logs(ag, r, i);
    }
    task_env_free(env);
    free(command);
    task_vars_free(&vars);
    free(log_path);
    return ok;
}

/* The processes just started, so that a restarted agent finds them. */
/* The pids of tries still running a moment after they started, so that a
 * restarted agent finds them at once. A short try's pid never needs its
 * own commit (its end is committed first); a pid lost to a crash before
 * this is found by the try's DAGD_LOG_FILE instead (follow_try). */
#define PID_SAVE_DELAY_MS 100

static void on_save_pids(uv_timer_t *timer)
{
    agent *ag = timer->data;
    if (ag->degraded)
        return; /* the resync writes them */
    store_batch_begin(ag->db);
    for (run *r = ag->runs; r; r = r->next) {
        for (size_t i = 0; i < r->n_tis; i++) {
            ti *t = &r->tis[i];
            if (t->pid_unsaved && t->state == TI_RUNNING)
                store_ti_save(ag->db, r, i);
            t->pid_unsaved = false;
        }
    }
    if (store_batch_commit(ag->db))
        log_store_error(ag, "saving process ids");
}

static void save_pids_soon(agent *ag)
{
    if (!ag->pid_timer.loop) {
        uv_timer_init(ag->loop, &ag->pid_timer);
        ag->pid_timer.data = ag;
    }
    if (!uv_is_active((uv_handle_t *)&ag->pid_timer))
        uv_timer_start(&ag->pid_timer, on_save_pids, PID_SAVE_DELAY_MS, 0);
}

void runner_batch_begin(agent *ag)
{
    store_batch_begin(ag->db);
    events_hold(ag);
}

/* Commit, then start the processes of the tries claimed in the batch, then
 * announce. */
static void free_list(run *list)
{
    while (list) {
        run *r = list;
        list = r->next;
        runner_free_run(r);
    }
}

/* The claimed tries of a batch that did not commit never started. */
static void unclaim_pending(agent *ag)
{
    for (size_t k = 0; k < ag->n_pending; k++) {
        ti *t = ag->pending[k];
        count_running(ag, t->owner, t->index, -1);
        t->try_number--;
        t->state = TI_QUEUED;
        t->start_us = 0;
    }
    free(ag->pending);
    ag->pending = NULL;
    ag->n_pending = ag->cap_pending = 0;
}

/* The store refused a batch (disk full, I/O error): memory holds the truth;
 * start nothing new and try to write everything again every few seconds. */
static void enter_degraded(agent *ag)
{
    if (!ag->degraded)
        fprintf(stderr, "dagd: store: cannot write (%s); no task starts until it can\n",
                store_error(ag->db));
    ag->degraded = true;
    free(ag->degraded_reason);
    ag->degraded_reason = xasprintf("cannot write the store: %s", store_error(ag->db));
    while (ag->finished) { /* finished runs are kept until they are stored */
        run *r = ag->finished;
        ag->finished = r->next;
        r->next = ag->unsaved;
        ag->unsaved = r;
    }
    unclaim_pending(ag);
    events_discard_held(ag);
    if (!ag->resync_timer.loop) {
        uv_timer_init(ag->loop, &ag->resync_timer);
        ag->resync_timer.data = ag;
    }
    uv_timer_start(&ag->resync_timer, on_resync, RESYNC_MS, 0);
}

static void save_whole_run(agent *ag, run *r)
{
    store_run_insert(ag->db, r); /* created in a batch that was refused */
    save_run(ag, r);
    for (size_t i = 0; i < r->n_tis; i++)
        save_ti(ag, r, i);
}

static void on_resync(uv_timer_t *timer)
{
    agent *ag = timer->data;
    store_batch_begin(ag->db);
    events_hold(ag);
    for (run *r = ag->runs; r; r = r->next)
        save_whole_run(ag, r);
    for (run *r = ag->unsaved; r; r = r->next)
        save_whole_run(ag, r);
    if (store_batch_commit(ag->db)) {
        events_discard_held(ag);
        events_release(ag);
        uv_timer_start(timer, on_resync, RESYNC_MS, 0);
        return;
    }
    fprintf(stderr, "dagd: store: writable again; resuming\n");
    ag->degraded = false;
    free(ag->degraded_reason);
    ag->degraded_reason = NULL;
    free_list(ag->unsaved);
    ag->unsaved = NULL;
    events_release(ag);
    runner_pass(ag);
}

int runner_batch_end(agent *ag)
{
    int rc = store_batch_commit(ag->db);
    if (store_in_batch(ag->db)) {
        events_release(ag);
        return rc;
    }
    if (rc) {
        log_store_error(ag, "committing");
        enter_degraded(ag);
        events_release(ag);
        return -1;
    }
    free_list(ag->finished);
    ag->finished = NULL;
    bool failed = false;
    {
        size_t n = ag->n_pending;
        ti **list = ag->pending;
        ag->pending = NULL;
        ag->n_pending = ag->cap_pending = 0;
        bool launched = false;
        for (size_t k = 0; k < n; k++) {
            bool ok = launch_try(ag, list[k]);
            failed |= !ok;
            launched |= ok;
        }
        if (launched)
            save_pids_soon(ag);
        free(list);
    }
    events_release(ag);
    if (failed && !ag->stopping)
        runner_pass(ag);
    return 0;
}

static upstream_counts count_upstream(const run *r, const dag_task *task)
{
    upstream_counts c = {.total = (int)task->n_up};
    for (size_t k = 0; k < task->n_up; k++) {
        switch (r->tis[task->up[k]].state) {
        case TI_SUCCESS:
            c.success++;
            break;
        case TI_FAILED:
            c.failed++;
            break;
        case TI_UPSTREAM_FAILED:
            c.upstream_failed++;
            break;
        case TI_SKIPPED:
            c.skipped++;
            break;
        case TI_REMOVED:
            c.removed++;
            break;
        default:
            break;
        }
    }
    return c;
}

/* depends_on_past: the same task in the previous run must have succeeded
 * (or been skipped); a first run, or one whose predecessor lacks the task,
 * may go. */
static bool past_allows(agent *ag, const run *r, size_t i)
{
    const dag_task *task = &r->de->model->tasks[i];
    if (!task->depends_on_past)
        return true;
    /* The store is exact: finished runs no longer live in memory. */
    int s = store_prev_ti_state(ag->db, r->de->dag_id, r->logical_us, task->id);
    return s < 0 || s == TI_SUCCESS || s == TI_SKIPPED;
}

/* The verdict on a schedulable instance from its direct upstream: a
 * branch that did not follow it, then its trigger rule. */
static enum trigger_verdict upstream_verdict(const run *r, size_t i)
{
    if (branch_skips(r, i))
        return TRIGGER_SKIP;
    upstream_counts c = count_upstream(r, &r->de->model->tasks[i]);
    return trigger_rule_evaluate(r->de->model->tasks[i].trigger_rule, &c);
}

/* Airflow evaluates none and up_for_retry instances (SCHEDULEABLE_STATES)
 * against their upstream each pass, so a retry whose upstream was marked
 * failed becomes upstream_failed too. */
static bool schedulable(const ti *t)
{
    return !t->proc && !t->dock &&
           (t->state == TI_NONE || t->state == TI_SCHEDULED || t->state == TI_UP_FOR_RETRY);
}

/* Settles an instance whose rule can no longer be met (skipped or
 * upstream_failed); true when its upstream lets it run. */
static bool upstream_allows(agent *ag, run *r, size_t i)
{
    switch (upstream_verdict(r, i)) {
    case TRIGGER_SKIP:
        set_state(ag, r, i, TI_SKIPPED);
        return false;
    case TRIGGER_UPSTREAM_FAILED:
        set_state(ag, r, i, TI_UPSTREAM_FAILED);
        return false;
    case TRIGGER_WAIT:
        return false;
    case TRIGGER_RUN:
        return true;
    }
    return false;
}

/* Returns true when the task instance may start now (deps met). */
static bool decide(agent *ag, run *r, size_t i, int64_t now)
{
    ti *t = &r->tis[i];
    if (t->proc || t->dock)
        return false; /* a killed try is still exiting: never two at once */
    if (t->state == TI_QUEUED)
        return true;
    if (!schedulable(t) || !upstream_allows(ag, r, i))
        return false;
    if (t->state == TI_UP_FOR_RETRY && t->next_retry_us > now)
        return false;
    return past_allows(ag, r, i);
}

void runner_settle(agent *ag, run *r)
{
    bool changed = true;
    while (changed) { /* tasks are not in topological order: to a fixed point */
        changed = false;
        for (size_t i = 0; i < r->n_tis; i++) {
            if (!schedulable(&r->tis[i]))
                continue;
            enum ti_state before = r->tis[i].state;
            upstream_allows(ag, r, i);
            changed |= r->tis[i].state != before;
        }
    }
}

/* Paused DAGs start nothing new, except backfills (as in Airflow). */
static bool run_held(const run *r)
{
    return r->de->paused && strcmp(r->run_type, "backfill") != 0;
}

static void step_run(agent *ag, run *r, int64_t now)
{
    bool paused = run_held(r);
    for (size_t i = 0; i < r->n_tis; i++) {
        if (!decide(ag, r, i, now) || paused)
            continue;
        if (admit(ag, r, i) && claim_try(ag, r, i))
            continue;
        if (r->tis[i].state != TI_QUEUED)
            set_state(ag, r, i, TI_QUEUED);
    }
}

bool runner_run_outcome(const run *r, enum run_state *state)
{
    const dag *m = r->de->model;
    bool failed = false;
    for (size_t i = 0; i < r->n_tis; i++) {
        enum ti_state s = r->tis[i].state;
        if (!ti_state_finished(s))
            return false;
        if (dag_task_is_leaf(m, i) && (s == TI_FAILED || s == TI_UPSTREAM_FAILED))
            failed = true;
    }
    *state = failed ? RUN_FAILED : RUN_SUCCESS;
    return true;
}

/* The run's state from its leaves, once nothing is left to run. */
static bool finish_run_if_done(agent *ag, run *r)
{
    enum run_state outcome;
    if (!runner_run_outcome(r, &outcome))
        return false;
    /* A marked or cleared try still stopping points into this run: it ends
     * first (its end passes again). */
    for (size_t i = 0; i < r->n_tis; i++)
        if (r->tis[i].proc || r->tis[i].dock)
            return false;
    r->state = outcome;
    r->end_us = time_now_us();
    r->de->active_runs--;
    save_run(ag, r);
    return true;
}

static bool start_run_if_allowed(agent *ag, run *r, int64_t now)
{
    if (r->state == RUN_RUNNING)
        return true;
    if (run_held(r) || r->de->active_runs >= r->de->model->max_active_runs)
        return false;
    r->state = RUN_RUNNING;
    r->start_us = now;
    r->de->active_runs++;
    save_run(ag, r);
    return true;
}

static void pass_once(agent *ag)
{
    int64_t now = time_now_us();
    ag->pass_us = now;
    run **link = &ag->runs;
    while (*link) {
        run *r = *link;
        if (!r->de->model || !start_run_if_allowed(ag, r, now)) {
            link = &r->next;
            continue;
        }
        step_run(ag, r, now);
        if (finish_run_if_done(ag, r)) {
            *link = r->next;
            r->next = ag->finished; /* freed once its state is committed */
            ag->finished = r;
            ag->pass_again = true; /* a slot for another run, maybe */
        } else {
            link = &r->next;
        }
    }
}

void runner_pass(agent *ag)
{
    if (ag->in_pass) {
        ag->pass_again = true;
        return;
    }
    ag->in_pass = true;
    runner_batch_begin(ag);
    do {
        ag->pass_again = false;
        scheduler_create_due_runs(ag);
        pass_once(ag);
    } while (ag->pass_again);
    ag->in_pass = false;
    scheduler_arm(ag);
    runner_batch_end(ag);
}

int64_t runner_next_retry(const agent *ag)
{
    int64_t best = -1;
    for (const run *r = ag->runs; r; r = r->next) {
        for (size_t i = 0; i < r->n_tis; i++) {
            const ti *t = &r->tis[i];
            /* One that was due at the last pass and did not start waits for
             * something that passes again when it changes (its upstream, an
             * unpause, the run before): a timer for it would spin. */
            if (t->state == TI_UP_FOR_RETRY && t->next_retry_us > ag->pass_us &&
                (best < 0 || t->next_retry_us < best))
                best = t->next_retry_us;
        }
    }
    return best;
}

int runner_open_runs(const agent *ag, const dag_entry *de)
{
    int n = 0;
    for (const run *r = ag->runs; r; r = r->next)
        n += r->de == de;
    return n;
}

void runner_kill_all(agent *ag)
{
    for (run *r = ag->runs; r; r = r->next)
        for (size_t i = 0; i < r->n_tis; i++)
            if (r->tis[i].proc)
                exec_local_kill(r->tis[i].proc);
            else if (r->tis[i].dock)
                exec_docker_kill(r->tis[i].dock);
}

void runner_detach_all(agent *ag, bool kill_group)
{
    for (run *r = ag->runs; r; r = r->next) {
        for (size_t i = 0; i < r->n_tis; i++) {
            if (r->tis[i].proc) {
                exec_local_detach(r->tis[i].proc, kill_group);
                r->tis[i].proc = NULL;
            }
            if (r->tis[i].dock) { /* its container runs on; followed after the next start */
                exec_docker_abandon(r->tis[i].dock);
                r->tis[i].dock = NULL;
            }
        }
    }
}

void runner_kill_try(agent *ag, run *r, size_t i)
{
    (void)ag;
    ti *t = &r->tis[i];
    if (t->dock) {
        t->cancelled = true;
        exec_docker_kill(t->dock);
        return;
    }
    if (!t->proc)
        return;
    t->cancelled = true;
    exec_local_kill(t->proc);
}

void runner_set_state(agent *ag, run *r, size_t i, enum ti_state state)
{
    set_state(ag, r, i, state);
}

void runner_save_run(agent *ag, run *r)
{
    save_run(ag, r);
}

static void insert_sorted(agent *ag, run *r)
{
    run **link = &ag->runs;
    while (*link && (*link)->logical_us <= r->logical_us)
        link = &(*link)->next;
    r->next = *link;
    *link = r;
}

run *runner_create_run(agent *ag, dag_entry *de, const char *run_type, int64_t logical_us,
                       int64_t interval_start_us, int64_t interval_end_us, int64_t due_us,
                       const char *params_json, int *rc)
{
    const dag *m = de->model;
    char iso[48];
    time_format_iso(logical_us, m->timezone, iso, sizeof iso);
    run *r = xcalloc(1, sizeof *r);
    r->ag = ag;
    r->de = de;
    r->run_id = xasprintf("%s__%s", run_type, iso);
    r->run_type = xstrdup(run_type);
    r->logical_us = logical_us;
    r->interval_start_us = interval_start_us;
    r->interval_end_us = interval_end_us;
    r->due_us = due_us;
    r->state = RUN_QUEUED;
    r->params_json = xstrdup(params_json ? params_json : "{}");
    r->n_tis = m->n_tasks;
    r->tis = xcalloc(m->n_tasks, sizeof *r->tis);
    for (size_t i = 0; i < m->n_tasks; i++)
        r->tis[i].max_tries = m->tasks[i].retries + 1;
    *rc = store_run_insert(ag->db, r);
    if (*rc) {
        if (*rc < 0)
            log_store_error(ag, "creating a run");
        runner_free_run(r);
        return NULL;
    }
    insert_sorted(ag, r);
    events_run(ag, r);
    return r;
}

/* A try that was running when the agent stopped: follow its process to its
 * end if it lives on (found by pid and start time, or, if the agent died
 * before storing the pid, by the log path in its environment), else read
 * how it ended from its log; never start a second copy meanwhile. */
static void follow_try(agent *ag, run *r, size_t i)
{
    ti *t = &r->tis[i];
    const dag_task *task = &r->de->model->tasks[i];
    char *log = runner_log_path(ag, r->de->dag_id, r->run_id, task->id, t->try_number);
    char *status = try_status_path(log);
    int pid = 0;
    if (t->pid > 0 && proc_is_same(t->pid, t->pid_start))
        pid = t->pid;
    else if (t->pid <= 0)
        pid = proc_find_by_env("DAGD_LOG_FILE", log);
    /* Its shell is gone without a word: what it left behind must not run
     * beside the next try. */
    if (!pid && proc_kill_by_env("DAGD_LOG_FILE", log) > 0)
        fprintf(stderr, "dagd: killed what was left of %s %s try %d\n", r->run_id, task->id,
                t->try_number);
    /* No process, and its shell never said "started": it never ran. (A
     * shell that starts writes that first; until then it is found above by
     * its environment, which it has from the moment uv_spawn returned.) */
    int code;
    if (!pid && try_status_read(status, &code) == TRY_STATUS_CLAIMED) {
        unclaim_unstarted(ag, r, i);
        free(status);
        free(log);
        return;
    }
    int64_t timeout = 0;
    if (task->timeout_us > 0) {
        timeout = t->start_us + task->timeout_us - time_now_us();
        if (timeout <= 0)
            timeout = -1;
    }
    t->owner = r;
    t->index = i;
    t->pid = pid;
    t->proc = exec_local_follow(ag->loop, pid, log, status, timeout, task->branch, on_try_done, t);
    count_running(ag, r, i, +1);
    fprintf(stderr, "dagd: %s %s %s try %d: %s\n", r->de->dag_id, r->run_id, task->id,
            t->try_number, pid ? "still running, followed" : "ended while the agent was away");
    free(status);
    free(log);
}

/* A Docker try that was running when the agent stopped: its container
 * (found by its labels) is followed to its end, the log continuing where it
 * stopped; no container fails the try. */
static void follow_container(agent *ag, run *r, size_t i)
{
    ti *t = &r->tis[i];
    t->owner = r;
    t->index = i;
    t->dock = docker_task_follow(ag, r, i, on_try_done, t);
    count_running(ag, r, i, +1);
}

static void adopt_one(void *arg, run *r)
{
    agent *ag = arg;
    r->ag = ag;
    for (size_t i = 0; i < r->n_tis; i++) {
        ti *t = &r->tis[i];
        if (t->state == TI_RUNNING && r->de->model->tasks[i].image)
            follow_container(ag, r, i);
        else if (t->state == TI_RUNNING)
            follow_try(ag, r, i);
        else if (t->state == TI_QUEUED)
            t->state = TI_NONE; /* decided again by the next pass */
    }
    if (r->state == RUN_RUNNING)
        r->de->active_runs++;
    insert_sorted(ag, r);
}

void runner_reopen(agent *ag, run *r)
{
    r->ag = ag;
    r->end_us = 0;
    r->state = RUN_QUEUED; /* started by the pass as max_active_runs allows */
    save_run(ag, r);
    insert_sorted(ag, r);
}

void runner_adopt_runs(agent *ag, dag_entry *de)
{
    store_load_active_runs(ag->db, de, adopt_one, ag);
}

void runner_free_run(run *r)
{
    free(r->run_id);
    free(r->run_type);
    free(r->params_json);
    for (size_t i = 0; r->tis && i < r->n_tis; i++)
        free(r->tis[i].followed);
    free(r->tis);
    free(r);
}

const char *runner_waiting_for(agent *ag, const run *r, size_t i, char *buf, size_t len)
{
    const ti *t = &r->tis[i];
    const dag_task *task = &r->de->model->tasks[i];
    if (ti_state_finished(t->state) || t->state == TI_RUNNING)
        return NULL;
    if (run_held(r))
        return "paused";
    if (r->state == RUN_QUEUED)
        return "max_active_runs";
    if (t->state == TI_UP_FOR_RETRY) {
        char iso[48];
        time_format_iso(t->next_retry_us, r->de->model->timezone, iso, sizeof iso);
        snprintf(buf, len, "retry at %s", iso);
        return buf;
    }
    if (schedulable(t)) {
        if (upstream_verdict(r, i) != TRIGGER_RUN)
            return "upstream";
        if (!past_allows(ag, r, i))
            return "depends_on_past";
    }
    if (ag->running_tasks >= ag->cfg.parallelism)
        return "parallelism";
    if (r->de->running_tasks >= r->de->model->max_active_tasks)
        return "max_active_tasks";
    int p = pool_index(ag, task->pool);
    if (p >= 0 && ag->pool_used[p] >= ag->cfg.pools[p].slots) {
        snprintf(buf, len, "pool %s", task->pool);
        return buf;
    }
    return admission_check(&ag->adm, task->memory_bytes, task->cpus); /* memory, cpus */
}

void runner_recount(agent *ag)
{
    ag->running_tasks = 0;
    ag->adm.mem_used = ag->adm.cpu_used = 0;
    ag->pool_used = xrealloc(ag->pool_used, (ag->cfg.n_pools + 1) * sizeof *ag->pool_used);
    memset(ag->pool_used, 0, (ag->cfg.n_pools + 1) * sizeof *ag->pool_used);
    for (size_t k = 0; k < ag->n_dags; k++)
        ag->dags[k]->running_tasks = 0;
    for (run *r = ag->runs; r; r = r->next)
        for (size_t i = 0; i < r->n_tis; i++)
            if (r->tis[i].state == TI_RUNNING)
                count_running(ag, r, i, +1);
}

/* Tasks gone from the new version: a running try is stopped, the instance
 * becomes removed (saved against the old model, which still names it). */
static void remove_vanished(agent *ag, run *r, const dag *old, const dag *next)
{
    for (size_t k = 0; k < r->n_tis; k++) {
        if (dag_task_index(next, old->tasks[k].id) >= 0)
            continue;
        ti *t = &r->tis[k];
        if (t->proc) {
            exec_local_detach(t->proc, true);
            t->proc = NULL;
        }
        if (t->dock) {
            exec_docker_discard(t->dock);
            t->dock = NULL;
        }
        if (!ti_state_finished(t->state)) {
            t->state = TI_REMOVED;
            t->end_us = time_now_us();
            save_ti(ag, r, k);
        }
    }
}

void runner_swap_model(agent *ag, dag_entry *de, dag *next)
{
    dag *old = de->model;
    runner_batch_begin(ag);
    for (run *r = ag->runs; r; r = r->next) {
        if (r->de != de)
            continue;
        remove_vanished(ag, r, old, next);
        ti *tis = xcalloc(next->n_tasks, sizeof *tis);
        bool *added = xcalloc(next->n_tasks, sizeof *added);
        for (size_t j = 0; j < next->n_tasks; j++) {
            int k = dag_task_index(old, next->tasks[j].id);
            if (k >= 0) {
                tis[j] = r->tis[k];
            } else {
                tis[j].max_tries = next->tasks[j].retries + 1;
                added[j] = true;
            }
            tis[j].owner = r;
            tis[j].index = j;
            if (tis[j].proc)
                exec_local_set_arg(tis[j].proc, &tis[j]);
            if (tis[j].dock)
                exec_docker_set_arg(tis[j].dock, &tis[j]);
        }
        for (size_t k = 0; k < old->n_tasks; k++)
            if (dag_task_index(next, old->tasks[k].id) < 0)
                free(r->tis[k].followed); /* the others moved to TIS */
        free(r->tis);
        r->tis = tis;
        r->n_tis = next->n_tasks;
        de->model = next; /* new tasks are saved under their own ids */
        for (size_t j = 0; j < next->n_tasks; j++)
            if (added[j])
                save_ti(ag, r, j);
        de->model = old;
        free(added);
    }
    de->model = next;
    dag_free(old);
    runner_recount(ag);
    runner_batch_end(ag);
}
