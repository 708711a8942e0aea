/* The Docker executor: one task try as one container, through the Engine
 * API — pull (by policy), create, start, follow the log stream into the
 * try's log file, wait, remove. Also takes over a container of a try that
 * outlived an agent restart. DONE gets an exec_result like the local
 * executor's, so the runner treats both alike. */
#ifndef DAGD_EXEC_DOCKER_H
#define DAGD_EXEC_DOCKER_H

#include "docker_api.h"
#include "exec_local.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct docker_task docker_task;

enum docker_pull { PULL_MISSING, PULL_NEVER, PULL_ALWAYS };

/* Label holding the size of the try's log file when the container was
 * created: after a restart, the container's output already in the log is
 * the bytes past it, so the log continues exactly where it stopped. */
#define DOCKER_LABEL_LOG_OFFSET "dagd.log_offset"

typedef struct docker_request {
    const char *image; /* rendered */
    json_t *create;    /* body of POST /containers/create; taken over */
    enum docker_pull pull;
    bool keep;            /* leave the container for debugging */
    const char *log_path; /* created with its folders */
    /* The try's status file (try_status.h), or NULL: "started" once the
     * container exists. */
    const char *status_path;
    int64_t timeout_us; /* 0: none */
    bool capture_last_line;
    exec_done_fn done;
    void *arg;
} docker_run_request;

/* DONE is called exactly once, from a later loop turn, unless abandoned. */
docker_task *exec_docker_start(docker_api *api, uv_loop_t *loop, const docker_run_request *req);

typedef struct docker_attach {
    /* The try whose container to find, by its labels. */
    const char *dag_id, *run_id, *task_id;
    int try_number;
    const char *log_path;
    const char *status_path; /* or NULL */
    int64_t timeout_us;      /* from now; 0: none; <0: past, stop it at once */
    bool keep;
    bool capture_last_line;
    exec_done_fn done;
    void *arg;
} docker_attach;

/* Find the container of a try started by an earlier agent and follow it to
 * its end: the log continues where it stopped, the exit code is collected.
 * No such container fails the try, unless its status file says that it was
 * only claimed (res.not_started). DONE as for exec_docker_start. */
docker_task *exec_docker_attach(docker_api *api, uv_loop_t *loop, const docker_attach *a);

/* Stop it: SIGTERM, 10 s grace, then SIGKILL (the engine's stop). DONE
 * follows. */
void exec_docker_kill(docker_task *t);
/* Agent shutdown: release everything, never call DONE; the container runs
 * on and is taken over after the next start. */
void exec_docker_abandon(docker_task *t);
/* The task is gone (DAG reload): never call DONE, remove the container
 * (killing it) in the background. */
void exec_docker_discard(docker_task *t);
/* DONE's argument moved (the runner reallocated its task instances). */
void exec_docker_set_arg(docker_task *t, void *arg);

/* Split an image reference for POST /images/create: NAME[:TAG][@DIGEST].
 * *FROM gets the name (with the digest), *TAG the tag ("latest" when none
 * and no digest, "" with a digest). New strings. */
void docker_image_split(const char *image, char **from, char **tag);

#endif
