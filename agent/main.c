/* dagd: flags, config, start the loop, stop on SIGTERM / SIGINT. */
#include "agent.h"
#include "commands.h"
#include "dagdir.h"
#include "events.h"
#include "docker_api.h"
#include "docker_task.h"
#include "swarm_info.h"
#include "swarm_task.h"
#include "http_uv.h"
#include "log.h"
#include "logpath.h"
#include "notify.h"
#include "sla.h"
#include "reload.h"
#include "file_trigger.h"
#include "retention.h"
#include "fsutil.h"
#include "runner.h"
#include "scheduler.h"
#include "server.h"
#include "metrics.h"
#include "service.h"
#include "statelock.h"
#include "store.h"
#include "timeutil.h"
#include "version.h"
#include "runs.h"
#include "recovery.h"
#include "versions.h"
#include "engine.h"

#include <errno.h>
#include <sys/resource.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fputs(
        "usage: dagd [-c FILE] [-v] [--check | --print-config] [--stop-tasks]\n"
        "       dagd --version\n"
        "  -c FILE       agent config (default: built-in, state in ./var, DAGs in ./examples)\n"
        "  -v            also log debug lines (each DAG file loaded, ...)\n"
        "  --check       load the config and every DAG file, print each problem, exit 0 if valid\n"
        "  --print-config  print the effective config (every key, its value or default;\n"
        "                secrets as ***) as INI; exit 1 with the config's problems\n"
        "  --stop-tasks  on SIGTERM / SIGINT stop running tasks too (default: they run on and\n"
        "                are followed after the next start)\n",
        out);
}

static int print_config(const char *config_file)
{
    config cfg;
    diag_list diags = {0};
    int rc = config_load(&cfg, config_file, &diags);
    if (rc == 0)
        config_print(&cfg, stdout);
    diag_print(&diags, rc ? stdout : stderr); /* like --check; warnings aside */
    diag_free(&diags);
    config_free(&cfg);
    return rc ? 1 : 0;
}

static int check_only(const char *config_file)
{
    config cfg;
    diag_list diags = {0};
    int rc = config_load(&cfg, config_file, &diags);
    dag_entry **dags = NULL;
    size_t n = 0;
    if (rc == 0)
        dagdir_load(&cfg, NULL, NULL, &dags, &n, &diags);
    diag_print(&diags, stdout);
    size_t errors = diag_error_count(&diags);
    if (!errors)
        printf("ok: %zu DAG%s\n", n, n == 1 ? "" : "s");
    /* What each family file made: its members, as DAG ids. */
    for (size_t i = 0; i < n; i++) {
        const dag *m = dags[i]->model;
        if (!m || !m->family || (i > 0 && strcmp(dags[i - 1]->file, dags[i]->file) == 0))
            continue;
        printf("%s: family %s:", dags[i]->file, m->family);
        for (size_t k = i; k < n && strcmp(dags[k]->file, dags[i]->file) == 0; k++)
            if (dags[k]->model)
                printf(" %s", dags[k]->dag_id);
        printf("\n");
    }
    for (size_t i = 0; i < n; i++)
        dag_entry_free(dags[i]);
    free(dags);
    diag_free(&diags);
    config_free(&cfg);
    return errors ? 1 : 0;
}

/* With --stop-tasks the tries get this long to end after SIGTERM, so that
 * the agent exits within 5 s; the rest are killed. */
#define STOP_TASKS_GRACE_MS 3500

static void on_stop_deadline(uv_timer_t *t)
{
    uv_stop(t->loop);
}

static void on_stop_check(uv_check_t *c)
{
    agent *ag = c->data;
    if (ag->running_tasks == 0)
        uv_stop(c->loop);
}

static void on_stop_signal(uv_signal_t *s, int signum)
{
    agent *ag = s->data;
    if (ag->stopping)
        return;
    log_info("%s, stopping%s", strsignal(signum),
             ag->stop_tasks ? " and stopping running tasks" : "; running tasks go on");
    ag->stopping = true;
    service_stopping(ag);
    uv_timer_stop(&ag->wake_timer);
    if (!ag->stop_tasks || ag->running_tasks == 0) {
        uv_stop(ag->loop);
        return;
    }
    /* Their ends are recorded (retry policy) as they come. */
    runner_kill_all(ag);
    static uv_timer_t deadline;
    static uv_check_t check;
    uv_timer_init(ag->loop, &deadline);
    uv_timer_start(&deadline, on_stop_deadline, STOP_TASKS_GRACE_MS, 0);
    uv_check_init(ag->loop, &check);
    check.data = ag;
    uv_check_start(&check, on_stop_check);
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static int open_state(agent *ag)
{
    char *logs = logpath_root(ag->cfg.state_dir);
    int rc = mkdir_all(logs, 0750);
    free(logs);
    if (rc) {
        log_error("%s: %s", ag->cfg.state_dir, strerror(errno));
        return -1;
    }
    char *db = xasprintf("%s/dagd.db", ag->cfg.state_dir);
    char err[512] = "";
    ag->db = store_open(db, err, sizeof err);
    free(db);
    if (!ag->db) {
        log_error("store: %s", err);
        return -1;
    }
    return 0;
}

static char *owner_from_store(void *db, const char *dag_id)
{
    return store_dag_file(db, dag_id);
}

static void load_dags(agent *ag)
{
    diag_list diags = {0};
    /* A DAG id in two files stays with the file that held it before. */
    dagdir_load(&ag->cfg, owner_from_store, ag->db, &ag->dags, &ag->n_dags, &diags);
    log_diags(&diags, true);
    diag_free(&diags);
    for (size_t i = 0; i < ag->n_dags; i++) {
        dag_entry *de = ag->dags[i];
        if (de->duplicate)
            continue;
        de->paused = store_dag_sync(ag->db, de->dag_id, de->file);
        if (!de->model)
            continue;
        versions_seen(ag, de);
        recovery_adopt_runs(ag, de);
        scheduler_plan(ag, de);
    }
}

static int run_agent(const char *config_file, bool stop_tasks)
{
    agent ag = {.stop_tasks = stop_tasks};
    TAILQ_INIT(&ag.runs);
    TAILQ_INIT(&ag.finished);
    TAILQ_INIT(&ag.unsaved);
    diag_list diags = {0};
    if (config_load(&ag.cfg, config_file, &diags)) {
        log_diags(&diags, false);
        diag_free(&diags);
        config_free(&ag.cfg);
        return 1;
    }
    log_diags(&diags, false); /* warnings, e.g. a refused url_file */
    diag_free(&diags);
    /* Before anything touches the store, the socket, a log or a container. */
    char lock_err[512] = "";
    int lock_fd = statelock_acquire(ag.cfg.state_dir, lock_err, sizeof lock_err);
    if (lock_fd < 0) {
        log_error("%s", lock_err);
        config_free(&ag.cfg);
        return 1;
    }
    ag.loop = uv_default_loop();
    service_init(&ag); /* before any task could inherit $NOTIFY_SOCKET */
    ag.started_us = time_now_us();
    ag.pool_used = xcalloc(ag.cfg.n_pools, sizeof *ag.pool_used);
    admission_init(&ag.adm, ag.cfg.memory_budget, ag.cfg.cpu_budget);
    char derr[256] = "";
    ag.http = http_client_new(ag.loop);
    ag.docker = ag.http ? docker_api_new(ag.http, ag.cfg.docker_host, derr, sizeof derr) : NULL;
    if (!ag.docker)
        log_warn("docker: %s", derr[0] ? derr : "cannot set up libcurl");
    ag.swarm = ag.http ? docker_api_new(ag.http, ag.cfg.swarm_host, derr, sizeof derr) : NULL;
    swarm_info_start(&ag);
    notify_init(&ag);
    sla_init(&ag);
    /* In the order they have always been told. */
    events_subscribe(&ag, wait_on_event, &ag);
    events_subscribe(&ag, sla_on_event, &ag);
    events_subscribe(&ag, notify_on_event, &ag);
    events_subscribe(&ag, server_on_event, &ag);
    events_subscribe(&ag, swarm_info_on_event, &ag); /* DAGs that use a swarm, or not */
    events_subscribe(&ag, service_on_event, &ag);
    events_subscribe(&ag, metrics_on_event, &ag);
    int rc = 1;
    if (open_state(&ag))
        goto out;
    store_checkpoint_in_background(ag.db, ag.loop);
    engine_init(&ag);
    load_dags(&ag);
    swarm_info_check(&ag); /* the status count, refreshed while a swarm is in use */
    sla_arm(&ag);          /* deadlines of the runs found in the store */
    docker_sweep(&ag);     /* containers of tries that ended while the agent was away */
    swarm_sweep(&ag);      /* and services */
    char err[512] = "";
    reload_start(&ag);
    retention_start(&ag);
    if (server_start(&ag, err, sizeof err)) {
        log_error("socket: %s", err);
        goto out;
    }
    uv_signal_init(ag.loop, &ag.sig_term);
    uv_signal_init(ag.loop, &ag.sig_int);
    ag.sig_term.data = ag.sig_int.data = &ag;
    uv_signal_start(&ag.sig_term, on_stop_signal, SIGTERM);
    uv_signal_start(&ag.sig_int, on_stop_signal, SIGINT);
    log_plain(LOG_LEVEL_INFO, "dagd %s: %zu DAGs from %s, socket %s", DAGD_VERSION, ag.n_dags,
              ag.cfg.dags_dir, ag.cfg.socket);
    metrics_start(&ag);
    service_ready(&ag);
    /* Once the socket is ours (nothing starts before that): files that
     * came while the agent was away make their runs, started by the pass. */
    file_triggers_sync(&ag);
    engine_pass(&ag);
    uv_run(ag.loop, UV_RUN_DEFAULT);
    rc = 0;
out:
    ag.stopping = true;
    service_stopping(&ag);
    /* Tries still running are left to run on (followed after the next
     * start), or killed with --stop-tasks. */
    runner_detach_all(&ag, ag.stop_tasks);
    metrics_stop(&ag); /* dagd_up 0 */
    if (ag.reload_timer.loop)
        reload_stop(&ag);
    swarm_info_stop(&ag);       /* its fetches are on ag.swarm */
    docker_api_free(ag.docker); /* before the loop closes its handles */
    docker_api_free(ag.swarm);
    http_client_free(ag.http);
    notify_free(&ag); /* unsent messages are dropped, with a log line */
    sla_free(&ag);
    wait_shutdown(&ag);
    backfill_shutdown(&ag);
    server_stop(&ag);
    file_triggers_stop(&ag);
    store_checkpoint_stop(ag.db);
    uv_walk(ag.loop, close_walk, NULL);
    uv_run(ag.loop, UV_RUN_DEFAULT);
    uv_loop_close(ag.loop);
    free(ag.degraded_reason);
    runs_free_list(&ag.unsaved);
    runs_free_list(&ag.runs);
    for (size_t i = 0; i < ag.n_dags; i++)
        dag_entry_free(ag.dags[i]);
    free(ag.dags);
    free(ag.pool_used);
    free(ag.pending);
    events_free(&ag);
    service_free(&ag);
    store_close(ag.db);
    config_free(&ag.cfg);
    close(lock_fd); /* last: the state is ours until everything is closed */
    return rc;
}

int main(int argc, char **argv)
{
    const char *config_file = NULL;
    bool check = false, print = false, stop_tasks = false, verbose = false;
    log_init(false);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            config_file = argv[++i];
        } else if (strcmp(argv[i], "-v") == 0) {
            verbose = true;
        } else if (strcmp(argv[i], "--check") == 0) {
            check = true;
        } else if (strcmp(argv[i], "--print-config") == 0) {
            print = true;
        } else if (strcmp(argv[i], "--stop-tasks") == 0) {
            stop_tasks = true;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("dagd %s\n", DAGD_VERSION);
            return 0;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            log_error("unknown argument \"%s\"", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    log_init(verbose);
    signal(SIGPIPE, SIG_IGN);
    /* Room for many clients and task log files: the soft limit up to the
     * hard one. */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }
    if (print)
        return print_config(config_file);
    return check ? check_only(config_file) : run_agent(config_file, stop_tasks);
}
