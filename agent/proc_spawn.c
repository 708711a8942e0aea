#include "proc_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/* The child runs on this stack in the agent's memory (CLONE_VM) while the
 * agent's loop thread waits (CLONE_VFORK): one stack is enough since only
 * that thread spawns. Its frames are a few hundred bytes; the rest is room
 * for libc's wrappers (only the pages touched become resident). */
#define CHILD_STACK (64 * 1024)
/* Before close_range (Linux 5.9) the child closes up to here: agent
 * descriptors are close-on-exec anyway, only inherited ones are not, and
 * those have low numbers. */
#define CLOSE_LOOP_MAX 4096

/* The kernel's sigaction (x86-64, arm64, riscv): the raw call reaches
 * glibc's own signals 32 and 33 too, which sigaction() refuses. */
struct ksigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};
#define KSIGSET_SIZE 8

/* Signals the child sets to SIG_DFL before it unblocks them (bit sig-1):
 * execve resets handlers by itself but keeps what is ignored, and between
 * the child's unmask and its execve a handler of the agent would run in the
 * agent's memory. Read once, at the first spawn: by then the agent has set
 * all it ever sets (SIGPIPE ignored, libuv's SIGTERM, SIGINT and SIGHUP, a
 * sanitizer's), plus what it inherited ignored; SIGCHLD always, as libuv
 * handles it only once a kernel refused a pidfd. Some 6 raw calls in the
 * child (glibc's reach 32 and 33 too), no query: its table is its own copy
 * (no CLONE_SIGHAND). Resetting all 31 standard signals instead measured
 * 2-11 us more per spawn (medians 65 against 61 us in a spawn loop). */
static uint64_t reset_bits;
static int devnull = -1;
static bool ready, under_valgrind, try_clone_pidfd = true;
/* setsid when the agent has a controlling terminal (run from a shell), so
 * that no try can reach it (/dev/tty, SIGHUP, a terminal's job control);
 * else setpgid: a session of its own would add nothing but its autogroup,
 * which the kernel makes per session (about 20 us a spawn, measured). A
 * daemon without a terminal never gets one: it opens none as a session
 * leader. */
static bool new_session;
static char child_stack[CHILD_STACK] __attribute__((aligned(64)));

static void init_once(void)
{
    if (ready)
        return;
    ready = true;
    reset_bits = UINT64_C(1) << (SIGCHLD - 1);
    for (int sig = 1; sig <= 64; sig++) {
        struct ksigaction old;
        if (syscall(SYS_rt_sigaction, sig, NULL, &old, KSIGSET_SIZE) == 0 && old.handler != SIG_DFL)
            reset_bits |= UINT64_C(1) << (sig - 1);
    }
    /* One descriptor for every child's stdin: a dup2 in the child instead
     * of an open. */
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int tty = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    new_session = tty >= 0;
    if (tty >= 0)
        close(tty);
#ifdef RUNNING_ON_VALGRIND
    under_valgrind = RUNNING_ON_VALGRIND;
#endif
}

typedef struct child_args {
    const proc_spawn_opts *o;
    int err;       /* set by the child when a step failed: its errno */
    int report_fd; /* under valgrind, the same through a pipe */
} child_args;

/* The child shares the agent's memory, errno included (the loop thread's,
 * which waits meanwhile): only system calls here, no allocation, no
 * sanitizer instrumentation (its shadow stack is not this stack). */
#define CHILD_CODE __attribute__((no_sanitize_address, no_sanitize("undefined"), noinline))

/* SRC as descriptor TO, close-on-exec cleared. */
CHILD_CODE static int child_dup(int src, int to)
{
    if (src != to)
        return dup2(src, to) < 0 ? -1 : 0;
    return fcntl(to, F_SETFD, 0);
}

CHILD_CODE static int child_main(void *arg)
{
    child_args *a = arg;
    const proc_spawn_opts *o = a->o;
    /* A process group of its own, which the agent kills whole on a timeout
     * or a stop; first, so that a signal to the agent's group (a
     * terminal's) stops reaching the child early. */
    if ((new_session ? setsid() : setpgid(0, 0)) < 0)
        goto fail;
    struct ksigaction dfl = {.handler = SIG_DFL};
    for (int sig = 1; sig <= 64; sig++)
        if (reset_bits >> (sig - 1) & 1)
            syscall(SYS_rt_sigaction, sig, &dfl, NULL, KSIGSET_SIZE);
    int src[3] = {devnull, o->out_fd, o->err_fd};
    if (src[0] < 0 && (src[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
        goto fail;
    /* A source below 3 that is not its own target would be overwritten by
     * an earlier dup2: moved up first (never, when the agent's 0-2 are
     * open). */
    for (int i = 0; i < 3; i++)
        if (src[i] < 3 && src[i] != i && (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3)) < 0)
            goto fail;
    for (int i = 0; i < 3; i++)
        if (child_dup(src[i], i) < 0)
            goto fail;
    /* Every agent descriptor is close-on-exec; this also closes what the
     * agent itself inherited without it. */
    unsigned keep = a->report_fd >= 3 ? (unsigned)a->report_fd : ~0U;
    if (keep != ~0U && keep > 3)
        syscall(SYS_close_range, 3U, keep - 1, 0U);
    if (syscall(SYS_close_range, keep == ~0U ? 3U : keep + 1, ~0U, 0U) < 0)
        for (int fd = 3; fd < CLOSE_LOOP_MAX; fd++)
            if ((unsigned)fd != keep)
                close(fd);
    if (o->cwd && chdir(o->cwd) < 0)
        goto fail;
    if (o->note) { /* through its copy: close_range closed the original */
        int fd = o->note_fd == o->err_fd ? 2 : 1;
        /* A failed write fails nothing: the record then still says
         * "claimed", and a restarted agent finds the try by its
         * environment. */
        if (pwrite(fd, o->note, (size_t)o->note_len, 0) != o->note_len) {
        }
        fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK);
    }
    uint64_t none = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, KSIGSET_SIZE);
    execve(o->file, o->argv, o->env);
fail:
    a->err = errno ? errno : ENOEXEC;
    if (a->report_fd >= 0 && write(a->report_fd, &a->err, sizeof a->err) < 0) {
        /* lost: the agent then sees a try that exited 127 */
    }
    _exit(127);
}

int proc_spawn(const proc_spawn_opts *o)
{
    init_once();
    if (o->pidfd)
        *o->pidfd = -1;
    int saved_errno = errno;
    /* Valgrind turns CLONE_VM|CLONE_VFORK into a fork: the child's errno
     * would not reach this memory, nor would the clone wait for the exec;
     * a close-on-exec pipe does both there. */
    int report[2] = {-1, -1};
    if (under_valgrind && pipe2(report, O_CLOEXEC) < 0)
        report[0] = report[1] = -1;
    /* Nothing runs a handler in the child before it reset them, nor in
     * this thread while the child borrows its memory. */
    uint64_t all = ~UINT64_C(0), old;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, KSIGSET_SIZE);
    child_args a = {.o = o, .report_fd = report[1]};
    char *stack_top = child_stack + sizeof child_stack;
    int pidfd = -1, pid = -1;
    if (try_clone_pidfd) {
        pid = clone(child_main, stack_top, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &a,
                    &pidfd);
        if (pid < 0 && errno == EINVAL) /* before Linux 5.2 */
            try_clone_pidfd = false;
    }
    if (!try_clone_pidfd)
        pid = clone(child_main, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
    int err = pid < 0 ? errno : a.err;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, KSIGSET_SIZE);
    if (report[0] >= 0) {
        close(report[1]);
        int child_err;
        if (pid > 0 && read(report[0], &child_err, sizeof child_err) == sizeof child_err)
            err = child_err;
        close(report[0]);
    }
    if (pid > 0 && err) { /* it has left already, with 127 */
        if (pidfd >= 0)
            close(pidfd);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    errno = saved_errno;
    if (err)
        return -err;
    if (o->pidfd)
        *o->pidfd = pidfd;
    else if (pidfd >= 0)
        close(pidfd);
    return pid;
}

int proc_pidfd(int pid)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    return fd >= 0 ? fd : -errno;
}

int proc_reap(int pidfd, int *exit_code, int *term_signal)
{
    siginfo_t si = {0};
    /* P_PIDFD reaps that child only: no other waiter's child is touched. */
    if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) != 0)
        return -errno;
    if (si.si_pid == 0)
        return 0;
    bool exited = si.si_code == CLD_EXITED;
    *exit_code = exited ? si.si_status : -1;
    *term_signal = exited ? 0 : si.si_status;
    return 1;
}
