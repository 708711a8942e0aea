#include "proc_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* The dispositions a child must not inherit: what the agent ignores
 * (SIGPIPE, main.c) and what it was started with ignored (a shell's `&`
 * ignores SIGINT and SIGQUIT). Handlers need nothing: execve resets them,
 * and glibc's child sets them to default before it unblocks signals. Read
 * once: the agent changes no disposition to SIG_IGN after its start. */
static sigset_t ignored;
static int devnull = -1;
static bool ready;

static void init_once(void)
{
    if (ready)
        return;
    ready = true;
    sigemptyset(&ignored);
    for (int sig = 1; sig < NSIG; sig++) {
        struct sigaction sa;
        if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
            sigaddset(&ignored, sig);
    }
    sigaddset(&ignored, SIGPIPE);
#ifdef __GLIBC__
    /* glibc's child sets its two internal signals (SIGRTMIN - 2 and - 1:
     * 32, 33) to SIG_IGN, which would outlive execve, unless they are in
     * this set; sigaddset refuses them, so their bits are set by hand. */
    ignored.__val[0] |= 1UL << (32 - 1) | 1UL << (33 - 1);
#endif
    /* One descriptor for every child's stdin: a dup2 in the child instead
     * of an open. */
    devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

int proc_spawn(const proc_spawn_opts *o)
{
    init_once();
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&fa);
    sigset_t none;
    sigemptyset(&none);
    /* setsid: a session and process group of its own, which the agent
     * kills whole on a timeout or a stop. */
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
    /* Every agent descriptor is close-on-exec; this also closes what the
     * agent itself inherited without it (one close_range in the child). */
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    if (o->cwd)
        posix_spawn_file_actions_addchdir_np(&fa, o->cwd);
    pid_t pid;
    int rc = posix_spawn(&pid, o->file, &fa, &attr, o->argv, o->env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return rc ? -rc : (int)pid;
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
