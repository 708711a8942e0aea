/* The agent's state: it owns everything; modules get this one struct. */
#ifndef DAGD_AGENT_H
#define DAGD_AGENT_H

#include "admission.h"
#include "config.h"
#include "dag.h"
#include "states.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <uv.h>

typedef struct store store;
typedef struct server server;
typedef struct notify notify;
typedef struct sla sla;
typedef struct exec_handle exec_handle;
typedef struct executor_ops executor_ops;
typedef struct http_client http_client;
typedef struct docker_api docker_api;

typedef struct file_stamp {
    int64_t mtime_ns, size;
    uint64_t ino;
} file_stamp;

/* One DAG file in dags_dir: its last good model and its current error. */
typedef struct dag_entry {
    char *dag_id;
    char *file;
    dag *model;  /* last good version; NULL if it never loaded */
    char *error; /* current load problems, NULL when fine */
    bool paused;
    int64_t next_due_us; /* when the next scheduled run becomes due, -1: never */
    int64_t next_logical_us;
    int running_tasks; /* for max_active_tasks */
    int active_runs;   /* runs in state running */
    bool backlog;      /* queued runs wait in the store, not in memory (backlog.c) */
    bool refill;       /* the runs in memory may not be the ones to hold: look again */
    file_stamp stamp;  /* of the file when last read */
    bool removed;      /* its file is gone: no new runs; dropped when idle */
    bool duplicate;    /* declares the DAG id of another file: no model (reload.c) */
    /* scheduler.c: the latest interval overlap = skip left out (the plan
     * goes past it), and the latest one catchup_window left out, so that
     * the log says so once; -1: none. */
    int64_t skipped_logical_us, window_logged_us;
} dag_entry;

/* A task instance of an active run. */
typedef struct ti {
    enum ti_state state;
    int try_number; /* tries started so far */
    int max_tries;  /* retries + 1, reset by clear */
    int64_t start_us, end_us;
    int64_t next_retry_us;   /* for up_for_retry */
    exec_handle *exec;       /* while running: the try in its executor */
    const executor_ops *ops; /* the executor of EXEC (executors.h) */
    int pid;                 /* its process (group leader), 0 when unknown */
    int64_t pid_start;       /* the process's start time, /proc ticks */
    bool pid_unsaved;        /* pid not in the store yet (batch.c) */
    bool log_ready;          /* try 1's log file was created ahead */
    bool old_layout;         /* its try's files are an older agent's (logpath.h) */
    bool cancelled;          /* cleared / marked while running: ignore its end */
    bool sla_done;           /* its SLA miss fired or cannot fire any more (sla.c) */
    char *followed;          /* a branch's decision: the task ids it named, NULL before
                                its try succeeds (Airflow's skipmixin XCom) */
    /* A claimed try that waits for a place to run (a swarm job no node
     * takes yet): why, as the executor says; NULL once it runs. Shown as
     * state queued (ti_shown_state) while the slot stays taken. */
    char *waiting_for;
    char *node;        /* where the try runs or ran (a swarm node's hostname), NULL: here */
    struct run *owner; /* for the executor's callback */
    size_t index;
    /* Between its claim and its launch (one loop turn): what the try runs,
     * rendered once for both (runner.c). */
    struct try_plan *plan;
} ti;

/* A run in memory: running, or queued and next to start (the others wait
 * in the store: backlog.c). */
typedef struct run {
    struct agent *ag;
    dag_entry *de;
    char *run_id;
    char *run_type; /* scheduled manual backfill */
    int64_t logical_us, interval_start_us, interval_end_us;
    int64_t due_us, start_us, end_us;
    enum run_state state;
    char *params_json; /* the trigger's params, "{}" when none */
    /* The model of the run's version: de->model when it was created, kept
     * (a reference) while the file is edited, so that the run finishes on
     * the version it started with (versions.c). */
    dag *model;
    char version[13]; /* "" unknown (runs from before versions) */
    ti *tis;          /* one per task of model, same order */
    size_t n_tis;
    bool sla_done;     /* the run's SLA miss fired or cannot any more (sla.c) */
    bool no_outputs;   /* made here and no try stored outputs yet: none to read */
    size_t logs_ahead; /* logs made ahead whose try has not been claimed (runner.c) */
    /* Its dates as its tries' templates and environment show them, made at
     * its first try (task_env.c); NULL before. */
    struct run_dates *dates;
    TAILQ_ENTRY(run) entry; /* in ag->runs, ag->finished or ag->unsaved */
} run;

TAILQ_HEAD(run_list, run);

/* The state the outside sees (store, grid, events, commands): a claimed
 * try still waiting for a place to run is queued. */
static inline enum ti_state ti_shown_state(const ti *t)
{
    return t->state == TI_RUNNING && t->waiting_for ? TI_QUEUED : t->state;
}

typedef struct agent {
    uv_loop_t *loop;
    config cfg;
    store *db;
    server *srv;
    dag_entry **dags;
    size_t n_dags;
    struct run_list runs;  /* runs in memory, sorted by logical date */
    int running_tasks;     /* whole agent, for parallelism */
    admission adm;         /* memory / cpus of the running tasks vs the budgets */
    http_client *http;     /* libcurl on the loop: Docker, webhooks */
    docker_api *docker;    /* the [docker] host */
    docker_api *swarm;     /* the [swarm] host: a manager of the swarm */
    int *pool_used;        /* per cfg.pools */
    uv_timer_t wake_timer; /* the one timer: next run due or retry ready */
    uv_signal_t sig_term, sig_int, sig_hup;
    uv_fs_event_t dags_watch; /* dags_dir changes, debounced by reload_timer */
    uv_timer_t reload_timer;
    struct load_batch *loading; /* DAG files parsing on the thread pool (reload.c) */
    bool reload_again;          /* a change came meanwhile: look again after it */
    uv_timer_t retention_timer;
    uv_timer_t pid_timer; /* writes the pids of tries still running */
    int64_t started_us;
    bool in_pass, pass_again, stopping;
    int64_t pass_us; /* the time the last pass decided at (runner_next_retry) */
    /* Set by engine_init (engine.h), so that the modules below the pass
     * can ask for one without knowing it: a pass (scheduler, runner,
     * scheduler), and the start of a try claimed by a committed batch. */
    void (*pass)(struct agent *ag);
    bool (*launch)(struct agent *ag, struct ti *t);
    bool stop_tasks;     /* --stop-tasks */
    struct ti **pending; /* tries claimed in this batch, started after commit */
    size_t n_pending, cap_pending;
    /* Instances queued in this batch (waiting for a slot): stored in a
     * commit of their own once its tries have started (batch.c). */
    struct ti_ref {
        struct run *r;
        size_t i;
    } * later;
    size_t n_later, cap_later;
    struct run_list finished; /* left memory in this batch (finished, or queued back to
                                 the store): freed after the commit */
    struct run_list unsaved;  /* finished but not stored yet (degraded) */
    bool degraded;            /* the store refuses writes: nothing starts */
    char *degraded_reason;
    uv_timer_t resync_timer;
    int events_held;                /* >0: events wait for the commit (events.h) */
    struct events *events;          /* subscribers, and events held (events.c) */
    notify *notify;                 /* notifiers at run time (notify.c) */
    sla *sla;                       /* the SLA timer (sla.c) */
    struct refusals *refusals;      /* rate limit of refused changes in the audit (refusals.c) */
    struct swarm_info *swarm_info;  /* the swarm's API and node counts (swarm_info.c) */
    struct file_triggers *triggers; /* the watches of trigger_files (file_trigger.c) */
} agent;

dag_entry *agent_find_dag(agent *ag, const char *dag_id);
run *agent_find_run(agent *ag, dag_entry *de, const char *run_id);

#endif
