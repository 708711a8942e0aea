/* Starting a try's process the way posix_spawn does, with less: a
 * CLONE_VM|CLONE_VFORK child (no copy of the agent's page tables) that
 * resets only the signals that need it, leading a process group of its own
 * (and a session of its own when the agent has a controlling terminal),
 * with only stdin, stdout and stderr open. Called from one thread only
 * (the loop).
 * Signal dispositions are read at the first spawn: a signal ignored, or
 * given a handler, only later (SIGCHLD aside) is not reset in the child. */
#ifndef DAGD_PROC_SPAWN_H
#define DAGD_PROC_SPAWN_H

typedef struct proc_spawn_opts {
    const char *file;   /* absolute path of the program */
    char *const *argv;  /* NULL-terminated */
    char *const *env;   /* NULL-terminated KEY=VALUE */
    const char *cwd;    /* NULL: the agent's */
    int out_fd, err_fd; /* become 1 and 2; 0 is /dev/null */
    int *pidfd;         /* not NULL: gets a pidfd of the child, or -1 */
    /* Not NULL: as its last step before the exec, once only the exec
     * itself can fail, the child writes NOTE_LEN bytes of NOTE at offset 0
     * of NOTE_FD (OUT_FD or ERR_FD, opened without O_APPEND; a failed
     * write fails nothing), then makes NOTE_FD append (O_APPEND |
     * O_NONBLOCK): a try's "started" record (try_status.h). */
    const char *note;
    int note_fd;
    int note_len;
} proc_spawn_opts;

/* The child's pid (> 0), or -errno when it could not start (a missing
 * program or folder included: the child reports it before it returns). */
int proc_spawn(const proc_spawn_opts *o);

/* A pidfd for child PID, when proc_spawn gave none (readable once it has exited; it is reaped with
 * proc_reap), or -errno (-ENOSYS before Linux 5.3). */
int proc_pidfd(int pid);

/* Reaps the child of PIDFD without blocking: 1 when it had ended (its exit
 * status or, killed, -1 and the signal), 0 when it still runs, -errno. */
int proc_reap(int pidfd, int *exit_code, int *term_signal);

#endif
