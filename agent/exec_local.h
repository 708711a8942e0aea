/* The local executor: /bin/sh -c COMMAND in its own process group, output to
 * the task's log file, a timeout that kills the whole group. */
#ifndef DAGD_EXEC_LOCAL_H
#define DAGD_EXEC_LOCAL_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct task_proc task_proc;

typedef struct exec_result {
    int exit_code;       /* -1 when killed by a signal */
    int term_signal;
    bool timed_out;
    bool spawn_failed;
    char *last_line;     /* last stdout line, for branch tasks (else NULL) */
} exec_result;

typedef void (*exec_done_fn)(void *arg, const exec_result *res);

typedef struct exec_request {
    const char *command;   /* rendered */
    const char *cwd;
    char **env;            /* NULL-terminated KEY=VALUE, complete */
    const char *log_path;  /* created with its folders */
    int64_t timeout_us;    /* 0: none */
    bool capture_last_line;
    exec_done_fn done;
    void *arg;
} exec_request;

/* Starts the process; DONE is called exactly once (also when spawning fails,
 * from a later loop turn). Returns the handle, valid until DONE. */
task_proc *exec_local_start(uv_loop_t *loop, const exec_request *req);
/* Stop it now (SIGTERM to the group, SIGKILL after a grace period). */
void exec_local_kill(task_proc *p);
int exec_local_pid(const task_proc *p);
/* Agent shutdown: kill the group, release everything, never call DONE. */
void exec_local_abandon(task_proc *p);

#endif
