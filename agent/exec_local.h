/* The local executor: /bin/sh -c COMMAND in its own process group, output to
 * the task's log file, a timeout that kills the whole group; and following a
 * try that outlived an agent restart. */
#ifndef DAGD_EXEC_LOCAL_H
#define DAGD_EXEC_LOCAL_H

#include "exec_result.h"
#include "logpath.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct task_proc task_proc;

typedef struct exec_request {
    const char *command; /* rendered */
    const char *cwd;
    char **env;           /* NULL-terminated KEY=VALUE, complete */
    const char *log_path; /* created with its folders */
    /* With HAS_LOG_FD, LOG_FD is LOG_PATH open for writing (not appending),
     * taken by the call: no second open. */
    bool has_log_fd;
    int log_fd;
    bool log_record;    /* the log starts with the try's status record (try_status.h) */
    int64_t timeout_us; /* 0: none */
    bool capture_last_line;
    exec_done_fn done;
    void *arg;
} exec_request;

/* The line a try's shell writes to its log (stderr) as it exits, so that
 * the outcome of a try that outlived the agent can still be read. */
#define EXEC_EXIT_MARK "[dagd] exit status "

/* Starts the process; DONE is called exactly once (also when spawning fails,
 * from a later loop turn). Returns the handle, valid until DONE. */
task_proc *exec_local_start(uv_loop_t *loop, const exec_request *req);

/* Follow process group PID (0: none is left) of a try started by an earlier
 * agent until it ends; the outcome comes from its status record (F->status),
 * else from its log's exit line. The timeout counts from now. DONE as for
 * exec_local_start. */
task_proc *exec_local_follow(uv_loop_t *loop, int pid, const try_files *f, int64_t timeout_us,
                             bool capture_last_line, exec_done_fn done, void *arg);

/* Stop it now (SIGTERM to the group, SIGKILL after a grace period). */
void exec_local_kill(task_proc *p);
int exec_local_pid(const task_proc *p);
/* The task instance moved (a reloaded DAG): DONE gets ARG from now on. */
void exec_local_set_arg(task_proc *p, void *arg);
/* Agent shutdown: release everything without calling DONE; with KILL_GROUP
 * the group is killed, else it runs on (followed after the next start). */
void exec_local_detach(task_proc *p, bool kill_group);

/* The exit status in the last exit line of LOG_PATH, or -1. Also the last
 * output line before it when LAST_LINE is not NULL (new string or NULL).
 * The first SKIP bytes (the status record: logpath.h) are never read. */
int exec_read_exit_line(const char *log_path, size_t skip, char **last_line);

#endif
