/* Inside the Docker executor: the state of one try's container, shared by
 * exec_docker.c (create, start, output, wait, stop), docker_pull.c,
 * docker_base.c (log lines, reporting, freeing) and docker_attach.c (taking
 * over a container after a restart). Not for use outside these. */
#ifndef DAGD_EXEC_DOCKER_INT_H
#define DAGD_EXEC_DOCKER_INT_H

#include "try_log.h"
#include "exec_docker.h"
#include "docker_events.h"
#include "docker_frames.h"
#include "util.h"

/* The engine's stop: SIGTERM, this grace, then SIGKILL. */
#define STOP_GRACE_S 10
/* Once the exit code is in, the rest of the log stream gets this long. */
#define LOG_DRAIN_MS 5000
/* Pull progress ("Downloading [==>  ]") is logged at most this often. */
#define PROGRESS_EVERY_MS 1000
/* A start waits this long at most for other containers' teardowns. */
#define GATE_MAX_MS 500
/* Bounded calls; streams and waits have no limit. */
#define CALL_TIMEOUT_S 60
/* After a restart an engine that does not answer yet (restarting too) is
 * asked again before the try is given up, so that a container that runs
 * on is not run a second time by a retry. */
#define FIND_TRIES 6
#define FIND_RETRY_MS 2000

enum phase { PH_FIND, PH_PULL, PH_CREATE, PH_START, PH_RUN, PH_DONE };

struct docker_task {
    docker_api *api;
    uv_loop_t *loop;
    char *image;
    json_t *create;
    enum docker_pull pull;
    bool keep, capture;
    char *log_path;
    int log_fd;
    char *id;
    char *find_path;   /* the query for this try's container, after a restart */
    char *status_path; /* where its status record is (try_status.h), or NULL */
    int find_tries;
    enum phase phase;
    docker_call *step; /* pull, create, start or remove: one at a time */
    docker_call *logs, *wait, *stop;
    docker_exit_watch exit_watch; /* the die event: the exit code early */
    docker_gate gate;             /* the start, queued behind teardowns */
    docker_teardown teardown;     /* from the die event until the wait answers */
    int died_code;
    frame_demux demux;
    uv_timer_t timer;    /* a deferred step or report; the log drain */
    uv_timer_t deadline; /* the task's timeout, from the try's start: pulls count */
    int open_handles;
    bool pulled, killing, attached, died, remove_after_teardown, wait_done, logs_done, reported,
        abandoned, freed;
    exec_result res;
    strbuf line; /* the current unterminated stdout line (branch tasks) */
    char *last_line;
    strbuf pull_buf; /* the current unterminated pull progress line */
    char *pull_error;
    uint64_t last_progress_ms;
    exec_done_fn done;
    void *arg;
};

/* docker_base.c */
void dk_log_line(docker_task *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Free once nothing refers to T any more. */
void dk_maybe_free(docker_task *t);
void dk_close_log(docker_task *t);
void dk_remove_container(docker_task *t);
/* Hand the outcome to the runner, then clean up. */
void dk_report(docker_task *t);
/* The try failed before its command ran (or the engine went away). */
void dk_fail(docker_task *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dk_fail_unreachable(docker_task *t, const char *what, const docker_reply *rep);
/* A reply cancelled because the agent stops: behave as abandoned. */
bool dk_cancelled(docker_task *t, const docker_reply *rep);

/* docker_pull.c: pull, then create */
void dk_begin_pull(docker_task *t);

/* exec_docker.c */
void dk_begin_create(docker_task *t);
docker_task *dk_task_new(docker_api *api, uv_loop_t *loop, const char *log_path, exec_done_fn done,
                         void *arg);
void dk_arm_deadline(docker_task *t, int64_t timeout_us);
/* The container's teardown is over (or no longer tracked). */
void dk_teardown_over(docker_task *t);
#define dk_tearing(t) ((t)->teardown.ev != NULL)
/* The container ID exists: remember it and watch for its exit. */
void dk_set_id(docker_task *t, const char *id);
void dk_begin_start(docker_task *t);
/* Stream the container's log (skipping SKIP bytes already in the log file)
 * and wait for its exit. */
void dk_follow(docker_task *t, uint64_t skip);

#endif
