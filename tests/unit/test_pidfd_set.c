/* The executor's set of pidfds: every ended process is reported once, also
 * when more end at once than one wake-up takes, and a watch removed by
 * another's callback in the same wake-up is not called. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pidfd_set.h"
#include "proc_spawn.h"

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_PROCS 80 /* more than one wake-up's 32 */

typedef struct child {
    int pid, pidfd, reports;
    bool closed_by_other;
    pidfd_watch *watch;
    struct child *victim; /* closed by this one's report, unreported */
} child;

static int reported;

static void on_ready(void *arg)
{
    child *c = arg;
    int code = -1, sig = 0;
    if (proc_reap(c->pidfd, &code, &sig) <= 0)
        return;
    c->reports++;
    reported++;
    pidfd_set_close(c->watch, c->pidfd);
    c->watch = NULL;
    if (c->victim && c->victim->watch) {
        /* Its process ended too and may be in this very wake-up. */
        int vc, vs;
        if (proc_reap(c->victim->pidfd, &vc, &vs) > 0)
            reported++;
        c->victim->closed_by_other = true;
        pidfd_set_close(c->victim->watch, c->victim->pidfd);
        c->victim->watch = NULL;
    }
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void test_every_end_once(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    static child kids[N_PROCS];
    reported = 0;
    for (int i = 0; i < N_PROCS; i++) {
        kids[i] = (child){0};
        int pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            _exit(0);
        kids[i].pid = pid;
        kids[i].pidfd = proc_pidfd(pid);
        assert_true(kids[i].pidfd >= 0);
        kids[i].watch = pidfd_set_add(&loop, kids[i].pidfd, on_ready, &kids[i]);
        assert_non_null(kids[i].watch);
    }
    /* Every tenth closes the next one from its own report. */
    for (int i = 0; i + 1 < N_PROCS; i += 10)
        kids[i].victim = &kids[i + 1];
    /* All have ended before the loop first looks. */
    for (int i = 0; i < N_PROCS; i++) {
        siginfo_t si;
        assert_int_equal(waitid(P_PID, (id_t)kids[i].pid, &si, WEXITED | WNOWAIT), 0);
    }
    uv_run(&loop, UV_RUN_DEFAULT); /* returns once no watch is left */
    assert_int_equal(reported, N_PROCS);
    for (int i = 0; i < N_PROCS; i++) {
        assert_int_equal(kids[i].reports + kids[i].closed_by_other, 1);
        assert_null(kids[i].watch);
    }
    uv_walk(&loop, close_walk, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_a_second_loop(void **state)
{
    /* A new loop (a test's) gets the set made again, also at the old
     * one's address. */
    test_every_end_once(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_end_once),
        cmocka_unit_test(test_a_second_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
