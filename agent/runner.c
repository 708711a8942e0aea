#include "runner.h"
#include "log.h"
#include "batch.h"
#include "backlog.h"
#include "branch.h"
#include "executors.h"
#include "fsutil.h"
#include "log_prefetch.h"
#include "logpath.h"
#include "runs.h"
#include "slots.h"
#include "store.h"
#include "timeutil.h"
#include "try_outputs.h"
#include "try_history.h"
#include "try_plan.h"
#include "try_status.h"
#include "util.h"

#include <errno.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state in memory only: the caller stores it. */
static void change_state(ti *t, enum ti_state state)
{
    t->state = state;
    if (state != TI_RUNNING) { /* only a claimed try waits for a place */
        free(t->waiting_for);
        t->waiting_for = NULL;
    }
    if (ti_state_finished(state) && !t->end_us)
        t->end_us = time_now_us();
}

static void set_state(agent *ag, run *r, size_t i, enum ti_state state)
{
    change_state(&r->tis[i], state);
    runs_save_ti(ag, r, i);
}

/* Skip the direct downstream tasks that the branch's last line does not
 * follow, whatever their state (a running one is stopped), as Airflow's
 * skip_all_except does; the decision is kept on the branch's instance.
 * Returns false (and logs) when the line names something else. */
static bool follow_branch(agent *ag, run *r, size_t i, const char *line, const char *log_path)
{
    const dag *m = r->model;
    const dag_task *task = &m->tasks[i];
    char *followed;
    if (!branch_decide(m, i, line, log_path, &followed))
        return false;
    free(r->tis[i].followed);
    r->tis[i].followed = followed;
    for (size_t k = 0; k < task->n_down; k++) {
        size_t d = task->down[k];
        if (r->tis[d].state == TI_SKIPPED || branch_keeps(m, followed, d))
            continue;
        runner_kill_try(ag, r, d);
        set_state(ag, r, d, TI_SKIPPED);
    }
    return true;
}

/* The retry policy: another try after retry_delay while tries are left. */
static void settle_failed_try(agent *ag, run *r, size_t i)
{
    ti *t = &r->tis[i];
    if (t->try_number < t->max_tries) {
        t->next_retry_us = t->end_us + r->model->tasks[i].retry_delay_us;
        set_state(ag, r, i, TI_UP_FOR_RETRY);
    } else {
        set_state(ag, r, i, TI_FAILED);
    }
}

void runner_unclaim(agent *ag, run *r, size_t i)
{
    ti *t = &r->tis[i];
    log_info("%s %s %s try %d: claimed but never started; starting it again", r->de->dag_id,
             r->run_id, r->model->tasks[i].id, t->try_number);
    try_history_forget(ag, r, i);
    t->try_number--;
    t->state = TI_NONE;
    free(t->waiting_for);
    t->waiting_for = NULL;
    t->start_us = t->end_us = 0;
    t->pid = 0;
    t->pid_start = 0;
    t->old_layout = false; /* claimed again by this agent */
    runs_save_ti(ag, r, i);
}

/* Both NULL or equal. */
void runner_try_done(void *arg, const exec_result *res)
{
    ti *t = arg;
    run *r = t->owner;
    agent *ag = r->ag;
    size_t i = t->index;
    const dag_task *task = &r->model->tasks[i];
    t->exec = NULL;
    free(t->waiting_for); /* it ran or it gave up: it waits no more */
    t->waiting_for = NULL;
    slots_count(ag, r, i, -1);
    if (t->cancelled) {
        /* Cleared or marked while running: the new state stands. */
        t->cancelled = false;
        if (!ag->stopping)
            ag->pass(ag);
        return;
    }
    batch_begin(ag);
    if (res->not_started) {
        runner_unclaim(ag, r, i);
        if (!ag->stopping)
            ag->pass(ag);
        batch_end(ag);
        return;
    }

    bool ok = res->exit_code == 0 && !res->timed_out && !res->spawn_failed;
    if (ok) {
        try_files f; /* looked for only when an older agent started the try */
        if (t->old_layout)
            logpath_find(ag->cfg.state_dir, r->de->dag_id, r->run_id, task->id, t->try_number, &f);
        else
            logpath_files(ag->cfg.state_dir, r->de->dag_id, r->run_id, task->id, t->try_number, &f);
        ok = try_outputs_collect(ag, r, i, &f);
        if (ok && task->branch)
            ok = follow_branch(ag, r, i, res->last_line, f.log);
        try_files_free(&f);
    }
    t->old_layout = false;
    t->end_us = time_now_us();
    if (ok)
        set_state(ag, r, i, TI_SUCCESS);
    else
        settle_failed_try(ag, r, i);
    if (!ag->stopping)
        ag->pass(ag);
    batch_end(ag);
}

static void fail_try(agent *ag, run *r, size_t i, const char *log_path, const char *msg)
{
    batch_begin(ag);
    mkdir_parents(log_path, 0750);
    FILE *f = fopen(log_path, "a");
    if (f) {
        fprintf(f, "[dagd] %s\n", msg);
        fclose(f);
    }
    r->tis[i].end_us = time_now_us();
    settle_failed_try(ag, r, i);
    batch_end(ag);
}

/* Creating a log file (an inode) can cost more than a short task itself
 * (ext4), so while tasks run, the logs of the tasks likely to start next
 * are created ahead on the thread pool (log_prefetch.h), a batch at a
 * time: one thread wake-up per batch, not per try (a wake-up cost the loop
 * about as much as the file). The batch takes the tasks below I nearest
 * first (a chain's next steps), then the run's queued ones (a fan-out's);
 * a new batch goes out once few made ahead are left. A task that then
 * never runs keeps an empty file (its try 1 finds it). */
#define LOG_PREFETCH_BATCH 16
#define LOG_PREFETCH_LOW 2

void runner_log_used(run *r, ti *t)
{
    if (t->log_ready && t->try_number == 0 && r->logs_ahead > 0)
        r->logs_ahead--;
}

static bool wants_prefetch(const ti *t)
{
    return t->try_number == 0 && !t->log_ready &&
           (t->state == TI_NONE || t->state == TI_QUEUED || t->state == TI_SCHEDULED);
}

/* The path of try 1's log of task D, now counted as made ahead. */
static char *take_log(agent *ag, run *r, size_t d)
{
    r->tis[d].log_ready = true;
    r->logs_ahead++;
    return logpath_try(ag->cfg.state_dir, r->de->dag_id, r->run_id, r->model->tasks[d].id, 1);
}

static void prefetch_logs(agent *ag, run *r, size_t i)
{
    if (r->logs_ahead > LOG_PREFETCH_LOW)
        return;
    const dag *m = r->model;
    char **paths = xcalloc(LOG_PREFETCH_BATCH, sizeof *paths);
    size_t n = 0;
    bool *seen = xcalloc(r->n_tis, sizeof *seen);
    size_t *queue = xcalloc(r->n_tis, sizeof *queue), head = 0, tail = 0;
    queue[tail++] = i;
    seen[i] = true;
    /* Breadth first below I: a chain's next steps. */
    while (head < tail && n < LOG_PREFETCH_BATCH) {
        const dag_task *task = &m->tasks[queue[head++]];
        for (size_t k = 0; k < task->n_down && n < LOG_PREFETCH_BATCH; k++) {
            size_t d = task->down[k];
            if (seen[d])
                continue;
            seen[d] = true;
            queue[tail++] = d;
            if (wants_prefetch(&r->tis[d]))
                paths[n++] = take_log(ag, r, d);
        }
    }
    /* Then the run's queued tasks: a fan-out's next ones. */
    for (size_t d = 0; d < r->n_tis && n < LOG_PREFETCH_BATCH; d++)
        if (!seen[d] && r->tis[d].state == TI_QUEUED && wants_prefetch(&r->tis[d]))
            paths[n++] = take_log(ag, r, d);
    free(seen);
    free(queue);
    if (n)
        log_prefetch(ag->loop, paths, n);
    else
        free(paths);
}

/* Take a slot and record the try as running; the process starts after the
 * batch commits (runner_launch), so the store never forgets a process
 * that might be alive. Its log's status record says "claimed" first
 * (written before the commit): a restarted agent that finds it so knows
 * that the try never started (try_status.h). Returns false when it cannot
 * be written: nothing is claimed. */
static bool claim_try(agent *ag, run *r, size_t i)
{
    ti *t = &r->tis[i];
    char *log = logpath_try(ag->cfg.state_dir, r->de->dag_id, r->run_id, r->model->tasks[i].id,
                            t->try_number + 1);
    bool held = false;
    int log_fd = try_status_claim(log);
    if (log_fd < 0) {
        /* Out of space or descriptors: wait for them. Anything else (a
         * file where a folder should be) is this try's own problem: it
         * starts, and its log (the same file) goes nowhere. */
        held = errno == ENOSPC || errno == EDQUOT || errno == EMFILE || errno == ENFILE ||
               errno == EIO || errno == ENOMEM;
        if (held)
            batch_hold_starts(ag, log);
        else
            log_error("cannot write %s: %s", log, strerror(errno));
    }
    if (held) {
        free(log);
        return false;
    }
    runner_log_used(r, t);
    t->try_number++;
    t->old_layout = false; /* its files are this agent's (logpath.h) */
    free(t->followed);     /* a new try decides again (Airflow clears its XCom) */
    t->followed = NULL;
    t->start_us = time_now_us();
    t->end_us = 0;
    t->next_retry_us = 0;
    free(t->waiting_for);
    free(t->node);
    t->waiting_for = t->node = NULL;
    t->state = TI_RUNNING;
    t->owner = r;
    t->index = i;
    runs_save_ti(ag, r, i);
    try_plan_free(t->plan);
    t->plan = try_plan_make(ag, r, i, log, log_fd);
    try_history_begin(ag, r, i, &t->plan->vars, t->plan->command);
    slots_count(ag, r, i, +1);
    batch_add_pending(ag, t);
    return true;
}

bool runner_launch(agent *ag, ti *t)
{
    run *r = t->owner;
    size_t i = t->index;
    const dag_task *task = &r->model->tasks[i];
    /* The plan is this launch's: a failed start may claim T again at once
     * (fail_try's pass), with a plan of its own. */
    struct try_plan *p = t->plan;
    t->plan = NULL;
    try_outputs_note_missing(&p->vars, task, p->log_path);
    const executor_ops *ops = executor_for(task);
    exec_handle *h =
        p->command ? ops->start(ag, r, i, p, runner_try_done, t, p->err, sizeof p->err) : NULL;
    if (!h) {
        slots_count(ag, r, i, -1);
        fail_try(ag, r, i, p->log_path, p->err);
    } else {
        t->exec = h;
        t->ops = ops;
        prefetch_logs(ag, r, i);
    }
    try_plan_free(p);
    return h != NULL;
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
    const dag_task *task = &r->model->tasks[i];
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
    upstream_counts c = count_upstream(r, &r->model->tasks[i]);
    return trigger_rule_evaluate(r->model->tasks[i].trigger_rule, &c);
}

/* Airflow evaluates none and up_for_retry instances (SCHEDULEABLE_STATES)
 * against their upstream each pass, so a retry whose upstream was marked
 * failed becomes upstream_failed too. */
static bool schedulable(const ti *t)
{
    return !t->exec &&
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
    if (t->exec)
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
        if (slots_admit(ag, r, i) && claim_try(ag, r, i))
            continue;
        if (r->tis[i].state != TI_QUEUED) { /* stored after the batch's starts */
            change_state(&r->tis[i], TI_QUEUED);
            batch_save_later(ag, r, i);
        }
    }
}

bool runner_run_outcome(const run *r, enum run_state *state)
{
    const dag *m = r->model;
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
        if (r->tis[i].exec)
            return false;
    r->state = outcome;
    r->end_us = time_now_us();
    r->de->active_runs--;
    runs_save(ag, r);
    return true;
}

static bool start_run_if_allowed(agent *ag, run *r, int64_t now)
{
    if (r->state == RUN_RUNNING)
        return true;
    if (run_held(r) || r->de->active_runs >= r->model->max_active_runs)
        return false;
    r->state = RUN_RUNNING;
    r->start_us = now;
    r->de->active_runs++;
    runs_save(ag, r);
    return true;
}

void runner_step(agent *ag)
{
    int64_t now = time_now_us();
    ag->pass_us = now;
    backlog_refill(ag); /* the queued runs next in line are in memory */
    /* R may leave the list, and glibc's sys/queue.h has no
     * TAILQ_FOREACH_SAFE: the next one is taken by hand, after the step
     * and before R leaves. */
    for (run *r = TAILQ_FIRST(&ag->runs), *next; r; r = next) {
        if (!r->model || !start_run_if_allowed(ag, r, now)) {
            next = TAILQ_NEXT(r, entry);
            continue;
        }
        step_run(ag, r, now);
        next = TAILQ_NEXT(r, entry);
        if (finish_run_if_done(ag, r)) {
            TAILQ_REMOVE(&ag->runs, r, entry);
            TAILQ_INSERT_HEAD(&ag->finished, r, entry); /* freed once its state is committed */
            r->de->refill = true;                       /* a slot for a run waiting in the store */
            ag->pass_again = true;                      /* a slot for another run, maybe */
        }
    }
}

int64_t runner_next_retry(const agent *ag)
{
    int64_t best = -1;
    const run *r;
    TAILQ_FOREACH(r, &ag->runs, entry) {
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

void runner_kill_all(agent *ag)
{
    run *r;
    TAILQ_FOREACH(r, &ag->runs, entry)
        for (size_t i = 0; i < r->n_tis; i++)
            if (r->tis[i].exec)
                r->tis[i].ops->stop(r->tis[i].exec);
}

void runner_detach_all(agent *ag, bool kill_group)
{
    run *r;
    TAILQ_FOREACH(r, &ag->runs, entry) {
        for (size_t i = 0; i < r->n_tis; i++) {
            if (r->tis[i].exec) {
                r->tis[i].ops->release(r->tis[i].exec, kill_group);
                r->tis[i].exec = NULL;
            }
        }
    }
}

void runner_kill_try(agent *ag, run *r, size_t i)
{
    (void)ag;
    ti *t = &r->tis[i];
    if (!t->exec)
        return;
    t->cancelled = true;
    t->ops->stop(t->exec);
}

void runner_set_state(agent *ag, run *r, size_t i, enum ti_state state)
{
    set_state(ag, r, i, state);
}

const char *runner_waiting_for(agent *ag, const run *r, size_t i, char *buf, size_t len)
{
    const ti *t = &r->tis[i];
    if (t->state == TI_RUNNING)
        return t->waiting_for; /* a claimed try that waits for a node, or NULL */
    if (ti_state_finished(t->state))
        return NULL;
    if (run_held(r))
        return "paused";
    if (r->state == RUN_QUEUED)
        return "max_active_runs";
    if (t->state == TI_UP_FOR_RETRY) {
        char iso[48];
        time_format_iso(t->next_retry_us, r->model->timezone, iso, sizeof iso);
        snprintf(buf, len, "retry at %s", iso);
        return buf;
    }
    if (schedulable(t)) {
        if (upstream_verdict(r, i) != TRIGGER_RUN)
            return "upstream";
        if (!past_allows(ag, r, i))
            return "depends_on_past";
    }
    return slots_waiting_for(ag, r, i, buf, len);
}
