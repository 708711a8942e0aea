/* The runner's state machine on a real store (a temp file) with a fake
 * executor registered in the table of executors: trigger rules across a
 * small DAG, branch skips, retries, and the effects of clear and mark. The
 * fake executor starts nothing; each test ends tries by hand, as an
 * executor's DONE would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "events.h"
#include "batch.h"
#include "control.h"
#include "engine.h"
#include "executors.h"
#include "runner.h"
#include "runs.h"
#include "store.h"
#include "timeutil.h"
#include "util.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the fake executor ---- */

#define MAX_TRIES 64

typedef struct fake_try {
    const char *task_id;
    int try_number;
    exec_done_fn done;
    void *arg;
    bool stopped, ended, released;
} fake_try;

static fake_try tries[MAX_TRIES];
static size_t n_tries;

static bool fake_claims(const dag_task *task)
{
    (void)task;
    return true;
}

static exec_handle *fake_start(agent *ag, run *r, size_t i, struct try_plan *plan,
                               exec_done_fn done, void *arg, char *err, size_t errlen)
{
    (void)ag, (void)plan, (void)err, (void)errlen;
    assert_true(n_tries < MAX_TRIES);
    fake_try *f = &tries[n_tries++];
    *f = (fake_try){r->de->model->tasks[i].id, r->tis[i].try_number, done, arg, 0, 0, 0};
    return (exec_handle *)f;
}

static exec_handle *fake_follow(agent *ag, run *r, size_t i, const try_files *files,
                                exec_done_fn done, void *arg, bool *not_started)
{
    (void)ag, (void)r, (void)i, (void)files, (void)done, (void)arg, (void)not_started;
    fail_msg("nothing is followed in these tests");
    return NULL;
}

static void fake_stop(exec_handle *h)
{
    ((fake_try *)h)->stopped = true;
}

static void fake_release(exec_handle *h, bool kill)
{
    (void)kill;
    ((fake_try *)h)->released = true;
}

static void fake_set_arg(exec_handle *h, void *arg)
{
    ((fake_try *)h)->arg = arg;
}

static const executor_ops fake_executor = {
    .name = "fake",
    .claims = fake_claims,
    .start = fake_start,
    .follow = fake_follow,
    .stop = fake_stop,
    .release = fake_release,
    .discard = fake_stop,
    .set_arg = fake_set_arg,
};

/* The running try of TASK_ID (the latest one). */
static fake_try *running(const char *task_id)
{
    for (size_t k = n_tries; k-- > 0;)
        if (strcmp(tries[k].task_id, task_id) == 0 && !tries[k].ended)
            return &tries[k];
    return NULL;
}

/* End the running try of TASK_ID with EXIT_CODE (LINE: its last line). */
static void end_try(const char *task_id, int exit_code, const char *line)
{
    fake_try *f = running(task_id);
    assert_non_null(f);
    f->ended = true;
    exec_result res = {.exit_code = exit_code, .last_line = (char *)line};
    f->done(f->arg, &res);
}

/* ---- the agent around it ---- */

typedef struct fixture {
    agent ag;
    uv_loop_t loop;
    dag_entry de;
    dag_entry *dags[1];
    char dir[64];
    diag_list diags;
} fixture;

static fixture *setup_dag(const char *text)
{
    fixture *f = xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/dagd-unit-runner.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(uv_loop_init(&f->loop), 0);
    agent *ag = &f->ag;
    ag->loop = &f->loop;
    TAILQ_INIT(&ag->runs);
    TAILQ_INIT(&ag->finished);
    TAILQ_INIT(&ag->unsaved);
    ag->cfg.state_dir = xstrdup(f->dir);
    ag->cfg.parallelism = 16;
    ag->pool_used = xcalloc(1, sizeof *ag->pool_used);
    admission_init(&ag->adm, 0, 0);
    char *db = xasprintf("%s/dagd.db", f->dir);
    char err[256] = "";
    ag->db = store_open(db, err, sizeof err);
    free(db);
    assert_non_null(ag->db);
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    f->de.model = dag_load_stream(in, "d.ini", "UTC", &f->diags);
    fclose(in);
    if (!f->de.model)
        diag_print(&f->diags, stderr);
    assert_non_null(f->de.model);
    f->de.dag_id = "d";
    f->de.file = "d.ini";
    f->de.next_due_us = f->de.next_logical_us = -1; /* no schedule: manual runs only */
    store_dag_sync(ag->db, "d", "d.ini");
    f->dags[0] = &f->de;
    ag->dags = f->dags;
    ag->n_dags = 1;
    engine_init(ag);
    executor_register(&fake_executor);
    n_tries = 0;
    return f;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static int teardown(void **state)
{
    fixture *f = *state;
    agent *ag = &f->ag;
    executor_unregister_all();
    runs_free_list(&ag->runs);
    runs_free_list(&ag->finished);
    runs_free_list(&ag->unsaved);
    free(ag->pending);
    events_free(ag);
    store_close(ag->db);
    dag_free(f->de.model);
    diag_free(&f->diags);
    uv_walk(ag->loop, close_walk, NULL);
    uv_run(ag->loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(ag->loop), 0);
    free(ag->pool_used);
    free(ag->degraded_reason);
    nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(ag->cfg.state_dir);
    free(f);
    return 0;
}

/* A manual run of the fixture's DAG, passed once. */
static run *trigger(fixture *f)
{
    int rc;
    batch_begin(&f->ag);
    int64_t logical = time_now_us();
    run *r = runs_create(&f->ag, &f->de, "manual", logical, logical, logical, logical, NULL, &rc);
    assert_non_null(r);
    engine_pass(&f->ag);
    assert_int_equal(batch_end(&f->ag), 0);
    return r;
}

static enum ti_state state_of(fixture *f, run *r, const char *task_id)
{
    int i = dag_task_index(f->de.model, task_id);
    assert_true(i >= 0);
    return r->tis[i].state;
}

/* The stored state, for a run that finished (freed from memory). */
static enum ti_state stored_state(fixture *f, const char *run_id, const char *task_id)
{
    run *r = store_load_run(f->ag.db, &f->de, run_id);
    assert_non_null(r);
    enum ti_state s = r->tis[dag_task_index(f->de.model, task_id)].state;
    runs_free(r);
    return s;
}

static enum run_state stored_run_state(fixture *f, const char *run_id)
{
    run *r = store_load_run(f->ag.db, &f->de, run_id);
    assert_non_null(r);
    enum run_state s = r->state;
    runs_free(r);
    return s;
}

/* ---- tests ---- */

/* a -> b, a -> c; b, c -> d (all_success), c -> e (all_failed),
 * c -> f (one_failed), b, c -> g (all_done). */
static const char diamond[] = "[dag]\nschedule = none\n"
                              "[task a]\ncommand = true\n"
                              "[task b]\nupstream = a\ncommand = true\n"
                              "[task c]\nupstream = a\ncommand = true\n"
                              "[task d]\nupstream = b c\ncommand = true\n"
                              "[task e]\nupstream = c\ntrigger_rule = all_failed\ncommand = true\n"
                              "[task f]\nupstream = c\ntrigger_rule = one_failed\ncommand = true\n"
                              "[task g]\nupstream = b c\ntrigger_rule = all_done\ncommand = true\n";

static void test_trigger_rules(void **state)
{
    fixture *f = *state = setup_dag(diamond);
    run *r = trigger(f);
    char *run_id = xstrdup(r->run_id);
    /* Only the root starts; the rest waits for its upstream. */
    assert_int_equal(n_tries, 1);
    assert_int_equal(state_of(f, r, "a"), TI_RUNNING);
    assert_int_equal(state_of(f, r, "b"), TI_NONE);
    assert_int_equal(r->state, RUN_RUNNING);
    end_try("a", 0, NULL);
    assert_int_equal(state_of(f, r, "a"), TI_SUCCESS);
    assert_non_null(running("b"));
    assert_non_null(running("c"));
    assert_null(running("d"));
    end_try("b", 0, NULL);
    assert_null(running("d")); /* all_success waits for c too */
    assert_null(running("g"));
    end_try("c", 1, NULL); /* no retries: failed */
    assert_int_equal(state_of(f, r, "c"), TI_FAILED);
    assert_int_equal(state_of(f, r, "d"), TI_UPSTREAM_FAILED);
    assert_int_equal(state_of(f, r, "e"), TI_RUNNING); /* all_failed */
    assert_int_equal(state_of(f, r, "f"), TI_RUNNING); /* one_failed */
    assert_int_equal(state_of(f, r, "g"), TI_RUNNING); /* all_done */
    end_try("e", 0, NULL);
    end_try("f", 0, NULL);
    end_try("g", 0, NULL);
    /* d, a leaf, is upstream_failed: the run failed, and left memory. */
    assert_true(TAILQ_EMPTY(&f->ag.runs));
    assert_int_equal(stored_run_state(f, run_id), RUN_FAILED);
    assert_int_equal(stored_state(f, run_id, "d"), TI_UPSTREAM_FAILED);
    assert_int_equal(f->ag.running_tasks, 0);
    free(run_id);
}

static void test_all_failed_skips_on_success(void **state)
{
    fixture *f = *state = setup_dag(diamond);
    run *r = trigger(f);
    char *run_id = xstrdup(r->run_id);
    end_try("a", 0, NULL);
    end_try("b", 0, NULL);
    end_try("c", 0, NULL);
    /* Nothing failed: all_failed and one_failed cannot be met any more. */
    assert_int_equal(state_of(f, r, "e"), TI_SKIPPED);
    assert_int_equal(state_of(f, r, "f"), TI_SKIPPED);
    end_try("d", 0, NULL);
    end_try("g", 0, NULL);
    assert_true(TAILQ_EMPTY(&f->ag.runs));
    assert_int_equal(stored_run_state(f, run_id), RUN_SUCCESS);
    free(run_id);
}

/* br branches to left or right; join (none_failed) waits for both. */
static const char branchy[] = "[dag]\nschedule = none\n"
                              "[task br]\nbranch = true\ncommand = echo left\n"
                              "[task left]\nupstream = br\ncommand = true\n"
                              "[task right]\nupstream = br\ncommand = true\n"
                              "[task after_right]\nupstream = right\ncommand = true\n"
                              "[task join]\nupstream = left right\ntrigger_rule = none_failed\n"
                              "command = true\n";

static void test_branch_skips(void **state)
{
    fixture *f = *state = setup_dag(branchy);
    run *r = trigger(f);
    end_try("br", 0, "left");
    assert_string_equal(r->tis[dag_task_index(f->de.model, "br")].followed, "left");
    assert_int_equal(state_of(f, r, "left"), TI_RUNNING);
    assert_int_equal(state_of(f, r, "right"), TI_SKIPPED);
    /* The skip flows down through all_success; none_failed still runs. */
    assert_int_equal(state_of(f, r, "after_right"), TI_SKIPPED);
    assert_int_equal(state_of(f, r, "join"), TI_NONE);
    end_try("left", 0, NULL);
    assert_int_equal(state_of(f, r, "join"), TI_RUNNING);
    end_try("join", 0, NULL);
    assert_true(TAILQ_EMPTY(&f->ag.runs));
}

static void test_branch_naming_a_stranger_fails(void **state)
{
    fixture *f = *state = setup_dag(branchy);
    char *run_id = xstrdup(trigger(f)->run_id);
    end_try("br", 0, "after_right"); /* not a direct downstream task */
    /* The branch failed, so did everything below it: the run is over. */
    assert_true(TAILQ_EMPTY(&f->ag.runs));
    assert_int_equal(stored_state(f, run_id, "br"), TI_FAILED);
    assert_int_equal(stored_state(f, run_id, "left"), TI_UPSTREAM_FAILED);
    assert_int_equal(stored_state(f, run_id, "right"), TI_UPSTREAM_FAILED);
    assert_int_equal(stored_state(f, run_id, "join"), TI_UPSTREAM_FAILED);
    free(run_id);
}

static const char retrying[] = "[dag]\nschedule = none\n"
                               "[task a]\nretries = 2\nretry_delay = 0s\ncommand = false\n"
                               "[task b]\nupstream = a\ncommand = true\n"
                               "[task slow]\nretries = 1\nretry_delay = 1h\ncommand = false\n";

static void test_retries(void **state)
{
    fixture *f = *state = setup_dag(retrying);
    run *r = trigger(f);
    size_t a = (size_t)dag_task_index(f->de.model, "a");
    size_t slow = (size_t)dag_task_index(f->de.model, "slow");
    assert_int_equal(r->tis[a].max_tries, 3);
    end_try("a", 1, NULL);
    /* retry_delay 0: the next try starts at once, numbered 2. */
    assert_int_equal(r->tis[a].state, TI_RUNNING);
    assert_int_equal(r->tis[a].try_number, 2);
    assert_int_equal(running("a")->try_number, 2);
    end_try("slow", 1, NULL);
    /* An hour away: up_for_retry, and the retry is what the timer waits for. */
    assert_int_equal(r->tis[slow].state, TI_UP_FOR_RETRY);
    assert_int_equal(runner_next_retry(&f->ag), r->tis[slow].next_retry_us);
    assert_true(r->tis[slow].next_retry_us > time_now_us() + 3500 * USEC_PER_SEC);
    char why[64];
    assert_non_null(strstr(runner_waiting_for(&f->ag, r, slow, why, sizeof why), "retry at"));
    end_try("a", 1, NULL);
    end_try("a", 1, NULL);
    assert_int_equal(r->tis[a].state, TI_FAILED);
    assert_int_equal(r->tis[a].try_number, 3);
    assert_int_equal(state_of(f, r, "b"), TI_UPSTREAM_FAILED);
    assert_int_equal(f->ag.running_tasks, 0);
}

static int clear_or_mark(fixture *f, const char *run_id, const char *task_id, enum ti_state target,
                         bool downstream)
{
    selection_flags fl = {.downstream = downstream};
    json_t *touched = json_array();
    batch_begin(&f->ag);
    int n = control_apply(&f->ag, &f->de, run_id, (size_t)dag_task_index(f->de.model, task_id),
                          target, &fl, false, touched);
    engine_pass(&f->ag);
    assert_int_equal(batch_end(&f->ag), 0);
    json_decref(touched);
    return n;
}

static const char chain[] = "[dag]\nschedule = none\n"
                            "[task a]\ncommand = true\n"
                            "[task b]\nupstream = a\ncommand = true\n"
                            "[task c]\nupstream = b\ncommand = true\n";

static void test_clear_reruns_with_a_new_try(void **state)
{
    fixture *f = *state = setup_dag(chain);
    char *run_id = xstrdup(trigger(f)->run_id);
    end_try("a", 0, NULL);
    end_try("b", 1, NULL);
    /* c is upstream_failed, the run failed and left memory. */
    assert_true(TAILQ_EMPTY(&f->ag.runs));
    assert_int_equal(stored_state(f, run_id, "c"), TI_UPSTREAM_FAILED);
    /* Clear b and downstream: the run is back, b runs again as try 2, c
     * waits for it. */
    assert_int_equal(clear_or_mark(f, run_id, "b", TI_NONE, true), 2);
    run *r = agent_find_run(&f->ag, &f->de, run_id);
    assert_non_null(r);
    assert_int_equal(r->state, RUN_RUNNING);
    size_t b = (size_t)dag_task_index(f->de.model, "b");
    assert_int_equal(r->tis[b].state, TI_RUNNING);
    assert_int_equal(r->tis[b].try_number, 2);
    assert_int_equal(running("b")->try_number, 2);
    assert_int_equal(state_of(f, r, "c"), TI_NONE);
    assert_int_equal(state_of(f, r, "a"), TI_SUCCESS); /* not in the selection */
    end_try("b", 0, NULL);
    end_try("c", 0, NULL);
    assert_true(TAILQ_EMPTY(&f->ag.runs));
    assert_int_equal(stored_run_state(f, run_id), RUN_SUCCESS);
    free(run_id);
}

static void test_clear_while_running_stops_the_try(void **state)
{
    fixture *f = *state = setup_dag(chain);
    run *r = trigger(f);
    fake_try *first = running("a");
    assert_int_equal(clear_or_mark(f, r->run_id, "a", TI_NONE, false), 1);
    /* The try is stopped; a second one never runs beside it. */
    assert_true(first->stopped);
    assert_int_equal(n_tries, 1);
    /* Its end is ignored (cancelled), then the instance starts again. */
    end_try("a", 1, NULL);
    assert_int_equal(state_of(f, r, "a"), TI_RUNNING);
    assert_int_equal(n_tries, 2);
    assert_int_equal(running("a")->try_number, 2);
}

static void test_mark_success_runs_downstream(void **state)
{
    fixture *f = *state = setup_dag(chain);
    run *r = trigger(f);
    fake_try *first = running("a");
    assert_int_equal(clear_or_mark(f, r->run_id, "a", TI_SUCCESS, false), 1);
    assert_true(first->stopped);
    assert_int_equal(state_of(f, r, "a"), TI_SUCCESS);
    /* As in Airflow, a is success now: b starts at once, while the
     * stopped try of a is still on its way out. */
    assert_int_equal(state_of(f, r, "b"), TI_RUNNING);
    end_try("a", 1, NULL); /* the killed try's end changes nothing */
    assert_int_equal(state_of(f, r, "a"), TI_SUCCESS);
    end_try("b", 0, NULL);
    end_try("c", 0, NULL);
    assert_true(TAILQ_EMPTY(&f->ag.runs));
}

static void test_mark_failed_settles_downstream(void **state)
{
    fixture *f = *state = setup_dag(chain);
    run *r = trigger(f);
    char *run_id = xstrdup(r->run_id);
    assert_int_equal(clear_or_mark(f, r->run_id, "a", TI_FAILED, false), 1);
    end_try("a", 0, NULL); /* the stopped try's end: the mark stands */
    /* Everything is settled: the run is over, failed. */
    assert_true(TAILQ_EMPTY(&f->ag.runs));
    assert_int_equal(stored_state(f, run_id, "a"), TI_FAILED);
    assert_int_equal(stored_state(f, run_id, "b"), TI_UPSTREAM_FAILED);
    assert_int_equal(stored_state(f, run_id, "c"), TI_UPSTREAM_FAILED);
    assert_int_equal(stored_run_state(f, run_id), RUN_FAILED);
    free(run_id);
}

static void test_parallelism_holds_tries_queued(void **state)
{
    fixture *f = *state = setup_dag(diamond);
    f->ag.cfg.parallelism = 1;
    run *r = trigger(f);
    end_try("a", 0, NULL);
    /* b and c are ready; one slot: one runs, the other is queued. */
    assert_int_equal(n_tries, 2);
    bool b_runs = state_of(f, r, "b") == TI_RUNNING;
    assert_int_equal(state_of(f, r, b_runs ? "c" : "b"), TI_QUEUED);
    char why[64];
    assert_string_equal(runner_waiting_for(&f->ag, r,
                                           (size_t)dag_task_index(f->de.model, b_runs ? "c" : "b"),
                                           why, sizeof why),
                        "parallelism");
    end_try(b_runs ? "b" : "c", 0, NULL);
    assert_int_equal(state_of(f, r, b_runs ? "c" : "b"), TI_RUNNING);
}

static void test_table_picks_per_task(void **state)
{
    fixture *f = *state = setup_dag("[dag]\nschedule = none\n[task plain]\ncommand = true\n"
                                    "[task boxed]\nimage = busybox\ncommand = true\n");
    const dag *m = f->de.model;
    /* Registered executors come first. */
    assert_ptr_equal(executor_for(&m->tasks[dag_task_index(m, "boxed")]), &fake_executor);
    executor_unregister_all();
    assert_string_equal(executor_for(&m->tasks[dag_task_index(m, "boxed")])->name, "docker");
    assert_string_equal(executor_for(&m->tasks[dag_task_index(m, "plain")])->name, "local");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_trigger_rules, teardown),
        cmocka_unit_test_teardown(test_all_failed_skips_on_success, teardown),
        cmocka_unit_test_teardown(test_branch_skips, teardown),
        cmocka_unit_test_teardown(test_branch_naming_a_stranger_fails, teardown),
        cmocka_unit_test_teardown(test_retries, teardown),
        cmocka_unit_test_teardown(test_clear_reruns_with_a_new_try, teardown),
        cmocka_unit_test_teardown(test_clear_while_running_stops_the_try, teardown),
        cmocka_unit_test_teardown(test_mark_success_runs_downstream, teardown),
        cmocka_unit_test_teardown(test_mark_failed_settles_downstream, teardown),
        cmocka_unit_test_teardown(test_parallelism_holds_tries_queued, teardown),
        cmocka_unit_test_teardown(test_table_picks_per_task, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
