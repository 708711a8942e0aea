#include "proc_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
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
 * agent's loop thread waits (CLONE_VFORK): one stack, mapped once, is
 * enough since only that thread spawns. Its frames are a few hundred
 * bytes; the rest is room for libc's wrappers, a guard page below. */
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
 * 4-10 us more per spawn (65 against 61 us in a spawn loop). */
static uint64_t reset_bits;
static int devnull = -1;
static bool ready, use_posix_spawn, try_clone_pidfd = true;
static char *stack_top;

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
#ifdef RUNNING_ON_VALGRIND
    /* Valgrind turns CLONE_VM|CLONE_VFORK into a fork: the child's report
     * of a failed exec would not reach the agent. */
    use_posix_spawn = RUNNING_ON_VALGRIND;
#endif
    if (getenv("DAGD_POSIX_SPAWN"))
        use_posix_spawn = true;
    if (!use_posix_spawn) {
        char *stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (stack == MAP_FAILED) {
            use_posix_spawn = true;
        } else {
            mprotect(stack, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE);
            stack_top = stack + CHILD_STACK;
        }
    }
}

/* glibc's spawn, for valgrind (and DAGD_POSIX_SPAWN=1): slower, the same
 * result. */
static int spawn_posix(const proc_spawn_opts *o)
{
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&fa);
    sigset_t none, ignored;
    sigemptyset(&none);
    sigemptyset(&ignored);
    for (int sig = 1; sig <= 64; sig++)
        if (reset_bits >> (sig - 1) & 1)
            sigaddset(&ignored, sig);
#ifdef __GLIBC__
    /* sigaddset refuses glibc's own 32 and 33, which its child sets to
     * SIG_IGN unless they are in this set. */
    ignored.__val[0] |= 1UL << (32 - 1) | 1UL << (33 - 1);
#endif
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &ignored);
    if (devnull >= 0)
        posix_spawn_file_actions_adddup2(&fa, devnull, 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, o->out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, o->err_fd, 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    if (o->cwd)
        posix_spawn_file_actions_addchdir_np(&fa, o->cwd);
    pid_t pid;
    int rc = posix_spawn(&pid, o->file, &fa, &attr, o->argv, o->env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return rc ? -rc : (int)pid;
}

typedef struct child_args {
    const proc_spawn_opts *o;
    int err; /* set by the child when a step failed: its errno */
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
    /* A session and process group of its own, which the agent kills whole
     * on a timeout or a stop; first, so that a signal to the agent's group
     * (a terminal's) stops reaching the child early. */
    if (setsid() < 0)
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
    if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
        for (int fd = 3; fd < CLOSE_LOOP_MAX; fd++)
            close(fd);
    if (o->cwd && chdir(o->cwd) < 0)
        goto fail;
    uint64_t none = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, KSIGSET_SIZE);
    execve(o->file, o->argv, o->env);
fail:
    a->err = errno ? errno : ENOEXEC;
    _exit(127);
}

int proc_spawn(const proc_spawn_opts *o)
{
    init_once();
    if (o->pidfd)
        *o->pidfd = -1;
    if (use_posix_spawn)
        return spawn_posix(o);
    int saved_errno = errno;
    /* Nothing runs a handler in the child before it reset them, nor in
     * this thread while the child borrows its memory. */
    uint64_t all = ~UINT64_C(0), old;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, KSIGSET_SIZE);
    child_args a = {.o = o};
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
    errno = saved_errno;
    if (pid > 0 && err) { /* it has left already, with 127 */
        if (pidfd >= 0)
            close(pidfd);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        errno = saved_errno;
    }
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
