/* Inside the swarm executor: the state of one try's service, shared by
 * exec_swarm.c (create, poll, the interface), swarm_base.c (log lines,
 * reporting, removal, freeing), swarm_logs.c (the log stream, the verdict)
 * and swarm_attach.c (taking over a service after a restart). Not for use
 * outside these four. */
#ifndef DAGD_EXEC_SWARM_INT_H
#define DAGD_EXEC_SWARM_INT_H

#include "try_log.h"
#include "exec_swarm.h"
#include "docker_frames.h"
#include "util.h"

/* The task's state is polled, quickly at first (a short job ends in a
 * fraction of a second), backing off to the caps. */
#define POLL_FIRST_MS 50
#define POLL_RUN_MAX_MS 250
#define POLL_WAIT_MAX_MS 1000
/* A manager that does not answer for this long loses the try. */
#define LOST_AFTER_MS 15000
#define CALL_TIMEOUT_S 30
/* After a restart a manager that does not answer yet is asked again
 * before the try is given up (a retry would run it twice). */
#define FIND_TRIES 6
#define FIND_RETRY_MS 2000

enum phase { PH_FIND, PH_CREATE, PH_POLL, PH_LOGS, PH_REMOVE, PH_DONE };

struct swarm_task {
    docker_api *api;
    uv_loop_t *loop;
    json_t *create;
    char *name, *id;
    char *log_path, *status_path, *find_path, *tasks_path;
    int log_fd;
    enum phase phase;
    docker_call *step; /* create, find, poll, the last logs or the removal */
    docker_call *logs; /* the followed log stream */
    docker_call *aux;  /* the node's name */
    frame_demux demux;
    uint64_t have; /* bytes of the service's output already in the log */
    uv_timer_t timer, deadline;
    int open_handles;
    unsigned poll_ms;
    uint64_t failing_since; /* uv_now of the first failed poll in a row, 0: none */
    int find_tries;
    bool on_node, no_timeout, killing, timed_out, reported, abandoned, freed;
    char *waiting, *node_id, *node_name;
    char *end_state, *end_err; /* the task's last state and Status.Err */
    bool has_code;
    int code;
    exec_result res;
    strbuf line;
    char *last_line;
    bool capture;
    exec_done_fn done;
    exec_progress_fn progress;
    void *arg;
};

/* swarm_base.c */
void sw_log(swarm_task *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Free once reported (or abandoned) and no call is in flight. */
void sw_maybe_free(swarm_task *t);
void sw_close_log(swarm_task *t);
void sw_cancel_calls(swarm_task *t);
/* A reply cancelled because the agent stops: behave as abandoned. */
bool sw_cancelled(swarm_task *t, const docker_reply *rep);
/* Hand the outcome to the runner; the service goes afterwards. */
void sw_report(swarm_task *t);
/* The try failed before (or without) its command's end. */
void sw_fail(swarm_task *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sw_fail_unreachable(swarm_task *t, const char *what, const docker_reply *rep);
/* DELETE the service; while not reported (a stop), its end is reported
 * once the service is gone. */
void sw_remove_service(swarm_task *t);

/* swarm_logs.c */
/* Follow the service's log from the bytes already in the log file on. */
void sw_follow_logs(swarm_task *t);
/* The task has ended: the rest of its log, then the verdict and report. */
void sw_finish(swarm_task *t);

/* exec_swarm.c */
swarm_task *sw_task_new(docker_api *api, uv_loop_t *loop, const swarm_request *req);
void sw_begin_poll(swarm_task *t, unsigned delay_ms);

#endif
