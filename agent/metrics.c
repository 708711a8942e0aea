/* Counters from the typed events (no calls in the runner), gauges read
 * from the agent when the text is made. The file is rewritten only after a
 * change, so an idle agent makes no wake-ups for it. */
#include "metrics.h"
#include "events.h"
#include "log.h"
#include "store.h"
#include "timeutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct dag_counts {
    char *dag_id;
    long long tasks[TI_STATE_COUNT];
    long long runs[RUN_STATE_COUNT];
    long long skipped, sla_misses;
    int64_t last_success_us;    /* 0: never */
    int64_t last_sched_logical; /* the newest scheduled run measured for lag */
} dag_counts;

/* One agent per process. */
static struct {
    agent *ag;
    dag_counts *d; /* sorted by dag_id */
    size_t n, cap;
    double lag_s;
    int64_t last_write_us;
    bool started, timer_armed, write_failed;
    uv_timer_t timer;
} m;

/* The counts of DAG_ID, made (at 0, with its last success from the store)
 * on first use. */
static dag_counts *counts(const char *dag_id)
{
    size_t lo = 0, hi = m.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(m.d[mid].dag_id, dag_id);
        if (c == 0)
            return &m.d[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (m.n == m.cap) {
        m.cap = m.cap ? 2 * m.cap : 16;
        m.d = xrealloc(m.d, m.cap * sizeof *m.d);
    }
    memmove(&m.d[lo + 1], &m.d[lo], (m.n - lo) * sizeof *m.d);
    m.n++;
    dag_counts *c = &m.d[lo];
    memset(c, 0, sizeof *c);
    c->dag_id = xstrdup(dag_id);
    if (m.ag && m.ag->db) {
        c->last_success_us = store_dag_last_success(m.ag->db, dag_id);
        c->last_sched_logical = store_last_logical(m.ag->db, dag_id, "scheduled");
    }
    return c;
}

/* Label values as the text format wants them: \\, \" and \n escaped. */
static void label(strbuf *sb, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\')
            sb_append(sb, "\\\\");
        else if (*v == '"')
            sb_append(sb, "\\\"");
        else if (*v == '\n')
            sb_append(sb, "\\n");
        else
            sb_append_len(sb, v, 1);
    }
}

static void family(strbuf *sb, const char *name, const char *type, const char *help)
{
    sb_appendf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void dag_sample(strbuf *sb, const char *name, const char *dag_id, const char *state,
                       const char *value)
{
    sb_appendf(sb, "%s{dag_id=\"", name);
    label(sb, dag_id);
    if (state)
        sb_appendf(sb, "\",state=\"%s", state);
    sb_appendf(sb, "\"} %s\n", value);
}

static long long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long long size = 0, pages = 0;
    if (f && fscanf(f, "%lld %lld", &size, &pages) != 2)
        pages = 0;
    if (f)
        fclose(f);
    return pages * sysconf(_SC_PAGESIZE);
}

static bool listed(const dag_entry *de)
{
    return !de->duplicate && !de->removed;
}

static const enum ti_state ti_finished[] = {TI_SUCCESS, TI_FAILED, TI_UPSTREAM_FAILED, TI_SKIPPED,
                                            TI_REMOVED};

static char *render(agent *ag, bool up)
{
    strbuf sb = {0};
    char v[64];
    int queued = 0;
    run *r;
    TAILQ_FOREACH(r, &ag->runs, entry)
        for (size_t i = 0; i < r->n_tis; i++)
            queued += r->tis[i].state == TI_QUEUED;
    for (size_t i = 0; i < ag->n_dags; i++)
        if (listed(ag->dags[i]))
            counts(ag->dags[i]->dag_id);
    family(&sb, "dagd_up", "gauge", "1 while the agent runs; 0 written when it stops.");
    sb_appendf(&sb, "dagd_up %d\n", up);
    family(&sb, "dagd_running_tasks", "gauge", "Task instances running now.");
    sb_appendf(&sb, "dagd_running_tasks %d\n", ag->running_tasks);
    family(&sb, "dagd_queued_tasks", "gauge",
           "Task instances whose upstream is done, waiting for a slot.");
    sb_appendf(&sb, "dagd_queued_tasks %d\n", queued);
    family(&sb, "dagd_task_instances_finished_total", "counter",
           "Task instances that reached a finished state since the agent started.");
    for (size_t i = 0; i < m.n; i++)
        for (size_t k = 0; k < sizeof ti_finished / sizeof *ti_finished; k++) {
            snprintf(v, sizeof v, "%lld", m.d[i].tasks[ti_finished[k]]);
            dag_sample(&sb, "dagd_task_instances_finished_total", m.d[i].dag_id,
                       ti_state_name(ti_finished[k]), v);
        }
    family(&sb, "dagd_runs_finished_total", "counter",
           "DAG runs that finished since the agent started.");
    for (size_t i = 0; i < m.n; i++)
        for (enum run_state s = RUN_SUCCESS; s <= RUN_FAILED; s++) {
            snprintf(v, sizeof v, "%lld", m.d[i].runs[s]);
            dag_sample(&sb, "dagd_runs_finished_total", m.d[i].dag_id, run_state_name(s), v);
        }
    family(&sb, "dagd_runs_skipped_total", "counter",
           "Scheduled runs not created because a run was still active (overlap = skip).");
    for (size_t i = 0; i < m.n; i++) {
        snprintf(v, sizeof v, "%lld", m.d[i].skipped);
        dag_sample(&sb, "dagd_runs_skipped_total", m.d[i].dag_id, NULL, v);
    }
    family(&sb, "dagd_dag_last_success_timestamp_seconds", "gauge",
           "When the DAG's latest successful run ended (Unix time); 0: never.");
    for (size_t i = 0; i < m.n; i++) {
        snprintf(v, sizeof v, "%.3f", (double)m.d[i].last_success_us / USEC_PER_SEC);
        dag_sample(&sb, "dagd_dag_last_success_timestamp_seconds", m.d[i].dag_id, NULL, v);
    }
    family(&sb, "dagd_dag_paused", "gauge", "1 when the DAG is paused.");
    for (size_t i = 0; i < ag->n_dags; i++)
        if (listed(ag->dags[i]))
            dag_sample(&sb, "dagd_dag_paused", ag->dags[i]->dag_id, NULL,
                       ag->dags[i]->paused ? "1" : "0");
    family(&sb, "dagd_dag_load_error", "gauge",
           "1 when the DAG's file does not load (its last good version, if any, runs).");
    for (size_t i = 0; i < ag->n_dags; i++)
        if (listed(ag->dags[i]))
            dag_sample(&sb, "dagd_dag_load_error", ag->dags[i]->dag_id, NULL,
                       ag->dags[i]->error ? "1" : "0");
    family(&sb, "dagd_sla_misses_total", "counter", "SLA misses since the agent started.");
    for (size_t i = 0; i < m.n; i++) {
        snprintf(v, sizeof v, "%lld", m.d[i].sla_misses);
        dag_sample(&sb, "dagd_sla_misses_total", m.d[i].dag_id, NULL, v);
    }
    family(&sb, "dagd_scheduler_lag_seconds", "gauge",
           "How late the latest scheduled run was created after it became due.");
    sb_appendf(&sb, "dagd_scheduler_lag_seconds %.3f\n", m.lag_s);
    family(&sb, "dagd_agent_rss_bytes", "gauge", "The agent's resident memory.");
    sb_appendf(&sb, "dagd_agent_rss_bytes %lld\n", rss_bytes());
    return sb_take(&sb);
}

char *metrics_text(agent *ag)
{
    return render(ag, true);
}

/* Temporary file in the same folder, then rename: the collector never reads
 * half a file. A failure is logged once until a write succeeds again. */
static void write_file(agent *ag, bool up)
{
    const char *path = ag->cfg.metrics_file;
    if (!path)
        return;
    m.last_write_us = time_now_us();
    char *text = render(ag, up);
    char *tmp = xasprintf("%s.tmp", path);
    size_t len = strlen(text);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && write(fd, text, len) == (ssize_t)len;
    int err = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        if (fd >= 0)
            unlink(tmp);
        if (!m.write_failed)
            log_error("metrics_file %s: %s", path, strerror(err));
    }
    m.write_failed = !ok;
    free(tmp);
    free(text);
}

static void on_timer(uv_timer_t *t)
{
    m.timer_armed = false;
    write_file(t->data, true);
}

/* Something changed: write now, or when the interval since the last write
 * is over (one write for every change meanwhile). */
static void changed(agent *ag)
{
    if (!m.started || !ag->cfg.metrics_file || m.timer_armed || ag->stopping)
        return;
    int64_t wait_ms = (m.last_write_us - time_now_us()) / 1000 + METRICS_MIN_INTERVAL_MS;
    if (wait_ms <= 0) {
        write_file(ag, true);
        return;
    }
    m.timer_armed = true;
    uv_timer_start(&m.timer, on_timer, (uint64_t)wait_ms, 0);
}

void metrics_start(agent *ag)
{
    m.ag = ag;
    for (size_t i = 0; i < ag->n_dags; i++)
        if (listed(ag->dags[i]))
            counts(ag->dags[i]->dag_id);
    uv_timer_init(ag->loop, &m.timer);
    m.timer.data = ag;
    uv_unref((uv_handle_t *)&m.timer);
    m.started = true;
    write_file(ag, true);
}

/* The lag of a scheduled run, measured once, at its first event. */
static void measure_lag(agent *ag, const struct event *ev, dag_counts *c)
{
    dag_entry *de = agent_find_dag(ag, ev->dag_id);
    run *r = de ? agent_find_run(ag, de, ev->run_id) : NULL;
    if (!r || strcmp(r->run_type, "scheduled") != 0 || r->logical_us <= c->last_sched_logical)
        return;
    c->last_sched_logical = r->logical_us;
    int64_t lag = time_now_us() - r->due_us;
    m.lag_s = lag > 0 ? (double)lag / USEC_PER_SEC : 0;
}

void metrics_on_event(void *arg, const struct event *ev)
{
    agent *ag = arg;
    if (!m.started)
        return;
    switch (ev->kind) {
    case EVENT_TASK:
        if (ti_state_finished(ev->ti_state))
            counts(ev->dag_id)->tasks[ev->ti_state]++;
        break;
    case EVENT_RUN: {
        dag_counts *c = counts(ev->dag_id);
        if (run_state_finished(ev->run_state))
            c->runs[ev->run_state]++;
        if (ev->run_state == RUN_SUCCESS) /* committed before the event: the run's end */
            c->last_success_us = store_dag_last_success(ag->db, ev->dag_id);
        if (!run_state_finished(ev->run_state))
            measure_lag(ag, ev, c);
        break;
    }
    case EVENT_SLA_MISS:
        counts(ev->dag_id)->sla_misses++;
        break;
    case EVENT_DAG:
        break;
    }
    changed(ag);
}

void metrics_runs_skipped(const char *dag_id, long n)
{
    if (!m.started)
        return;
    counts(dag_id)->skipped += n;
    changed(m.ag);
}

void metrics_stop(agent *ag)
{
    if (!m.started)
        return;
    if (m.timer.loop)
        uv_timer_stop(&m.timer);
    write_file(ag, false);
    for (size_t i = 0; i < m.n; i++)
        free(m.d[i].dag_id);
    free(m.d);
    m.d = NULL;
    m.n = m.cap = 0;
    m.started = m.timer_armed = false; /* the timer is closed with the loop's handles */
}
