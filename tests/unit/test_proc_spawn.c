/* proc_spawn's child (a CLONE_VM|CLONE_VFORK clone of our own): what it
 * runs, what it inherits (0-2 only, an empty mask, no ignored signal), how
 * a failed start comes back (an errno, no child left), and that the
 * caller's mask and errno are as before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "proc_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void on_term(int sig)
{
    (void)sig;
}

/* Runs sh -c SCRIPT in CWD with stdout into a pipe; returns the exit code
 * (-1 when it could not start: *start_err) and its output in OUT. */
static int run_sh(const char *script, const char *cwd, char *out, size_t size, int *start_err)
{
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    int pidfd = -2;
    proc_spawn_opts o = {.file = "/bin/sh",
                         .argv = argv,
                         .env = environ,
                         .cwd = cwd,
                         .out_fd = p[1],
                         .err_fd = 2,
                         .pidfd = &pidfd};
    int pid = proc_spawn(&o);
    close(p[1]);
    *start_err = pid < 0 ? -pid : 0;
    size_t n = 0;
    for (ssize_t r; n + 1 < size && (r = read(p[0], out + n, size - 1 - n)) > 0;)
        n += (size_t)r;
    out[n] = '\0';
    close(p[0]);
    if (pid < 0) {
        assert_int_equal(pidfd, -1);
        return -1;
    }
    if (pidfd < 0)
        pidfd = proc_pidfd(pid);
    assert_true(pidfd >= 0);
    struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 10000), 1);
    int code = -1, sig = 0;
    assert_int_equal(proc_reap(pidfd, &code, &sig), 1);
    close(pidfd);
    return code;
}

static void test_runs_and_reports_exit(void **state)
{
    (void)state;
    char out[256];
    int err;
    assert_int_equal(run_sh("echo hi; pwd; exit 3", "/tmp", out, sizeof out, &err), 3);
    assert_string_equal(out, "hi\n/tmp\n");
}

static void test_inherits_little(void **state)
{
    (void)state;
    /* What a careless caller leaves: a descriptor without close-on-exec, a
     * blocked signal (and the ignored ones of the group's setup). */
    int stray = open("/dev/null", O_RDONLY);
    sigset_t block, before, after;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, &before);
    char out[512];
    int err;
    errno = 4242;
    const char *script = "ls /proc/self/fd | tr '\\n' ' '; echo; "
                         "while read -r k v; do case $k in SigBlk:|SigIgn:) echo \"$k $v\";; "
                         "esac; done </proc/$$/status";
    assert_int_equal(run_sh(script, NULL, out, sizeof out, &err), 0);
    assert_int_equal(errno, 4242);
    assert_string_equal(out, "0 1 2 3 \nSigBlk: 0000000000000000\nSigIgn: 0000000000000000\n");
    sigprocmask(SIG_SETMASK, NULL, &after);
    assert_true(sigismember(&after, SIGUSR2));
    assert_false(sigismember(&after, SIGUSR1));
    struct sigaction sa;
    sigaction(SIGTERM, NULL, &sa);
    assert_ptr_equal(sa.sa_handler, on_term); /* the child's reset was its own */
    sigaction(SIGUSR1, NULL, &sa);
    assert_ptr_equal(sa.sa_handler, SIG_IGN);
    sigprocmask(SIG_SETMASK, &before, NULL);
    close(stray);
}

static void test_missing_cwd(void **state)
{
    (void)state;
    char out[64];
    int err;
    errno = 0;
    assert_int_equal(run_sh("echo no", "/nonexistent/dagd", out, sizeof out, &err), -1);
    assert_int_equal(err, ENOENT);
    assert_int_equal(errno, 0);
    assert_string_equal(out, "");
    /* The child that failed is reaped already. */
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

static void test_missing_program(void **state)
{
    (void)state;
    char *argv[] = {"nope", NULL};
    proc_spawn_opts o = {
        .file = "/nonexistent/bin/nope", .argv = argv, .env = environ, .out_fd = 1, .err_fd = 2};
    assert_int_equal(proc_spawn(&o), -ENOENT);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

static void test_many_leave_nothing(void **state)
{
    (void)state;
    int first = open("/dev/null", O_RDONLY | O_CLOEXEC);
    close(first);
    char out[16];
    int err;
    for (int i = 0; i < 200; i++)
        assert_int_equal(run_sh(i % 10 ? "exit 0" : "exit 1", i % 7 ? NULL : "/nonexistent", out,
                                sizeof out, &err),
                         i % 7 ? (i % 10 ? 0 : 1) : -1);
    int next = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_int_equal(next, first); /* no descriptor was left open */
    close(next);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

/* Before the first spawn (which reads the dispositions): a standard and a
 * real-time signal ignored (as inherited), a handler. */
static int ignore_some(void **state)
{
    (void)state;
    signal(SIGUSR1, SIG_IGN);
    signal(SIGRTMIN + 5, SIG_IGN);
    signal(SIGTERM, on_term);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_and_reports_exit), cmocka_unit_test(test_inherits_little),
        cmocka_unit_test(test_missing_cwd),           cmocka_unit_test(test_missing_program),
        cmocka_unit_test(test_many_leave_nothing),
    };
    return cmocka_run_group_tests(tests, ignore_some, NULL);
}
