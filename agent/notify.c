#include "notify.h"
#include "log.h"
#include "http_uv.h"
#include "logpath.h"
#include "notify_payload.h"
#include "store.h"
#include "timeutil.h"
#include "util.h"
#include "version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

/* One message to one notifier. */
typedef struct job {
    STAILQ_ENTRY(job) entry; /* in rt->queue or rt->backoff; in none while sent */
    char *body;
    char *what;               /* for log lines: "failure etl_orders run … task load try 2" */
    int tries;                /* made so far */
    int64_t ready_us;         /* while backing off (monotonic clock) */
    notify_test_fn test_done; /* set: a test message, never retried */
    void *test_arg;
} job;

STAILQ_HEAD(job_list, job);

/* A message on the wire. */
typedef struct sending {
    LIST_ENTRY(sending) entry; /* rt->sendings */
    struct notifier_rt *rt;
    job *j;
    struct curl_slist *headers;
    char *url; /* as sent, to redact curl's message even after a reload */
} sending;

/* A notifier's sending side, made on its first message. It holds the
 * notifier's name, not its config: SIGHUP replaces the whole config. */
typedef struct notifier_rt {
    struct notify *nt;
    char *name;
    struct job_list queue;         /* ready to send, oldest first */
    struct job_list backoff;       /* waiting for a retry, soonest first */
    size_t n_waiting;              /* both lists */
    LIST_HEAD(, sending) sendings; /* in flight */
    int in_flight;
    bool pumping;
    uv_timer_t timer; /* the soonest retry */
} notifier_rt;

struct notify {
    agent *ag;
    http_client *http;
    char host[256];
    notifier_rt **rts;
    size_t n;
};

/* NULL when a reload removed the notifier: its messages are dropped. */
static const notifier_config *cfg_of(const notifier_rt *rt)
{
    return config_notifier(&rt->nt->ag->cfg, rt->name);
}

static void job_free(job *j)
{
    free(j->body);
    free(j->what);
    free(j);
}

static void pump(notifier_rt *rt);
static void on_retry_timer(uv_timer_t *t);

static void arm_timer(notifier_rt *rt)
{
    const job *first = STAILQ_FIRST(&rt->backoff);
    if (!first) {
        uv_timer_stop(&rt->timer);
        return;
    }
    int64_t delay_ms = (first->ready_us - time_mono_us() + 999) / 1000;
    uv_timer_start(&rt->timer, on_retry_timer, delay_ms > 0 ? (uint64_t)delay_ms : 0, 0);
}

/* Backed-off messages whose time has come go to the front of the queue, so
 * that older messages still go out first. */
static void on_retry_timer(uv_timer_t *t)
{
    notifier_rt *rt = t->data;
    int64_t now = time_mono_us() + 1000;
    struct job_list ready = STAILQ_HEAD_INITIALIZER(ready);
    job *j;
    while ((j = STAILQ_FIRST(&rt->backoff)) && j->ready_us <= now) {
        STAILQ_REMOVE_HEAD(&rt->backoff, entry);
        STAILQ_INSERT_TAIL(&ready, j, entry);
    }
    STAILQ_CONCAT(&ready, &rt->queue); /* the ready ones, then the queue */
    STAILQ_CONCAT(&rt->queue, &ready);
    arm_timer(rt);
    pump(rt);
}

static void back_off(notifier_rt *rt, job *j)
{
    j->ready_us = time_mono_us() + notify_backoff_ms(j->tries) * 1000;
    job *after = NULL, *k; /* the last one ready no later */
    STAILQ_FOREACH(k, &rt->backoff, entry) {
        if (k->ready_us > j->ready_us)
            break;
        after = k;
    }
    if (after)
        STAILQ_INSERT_AFTER(&rt->backoff, after, j, entry);
    else
        STAILQ_INSERT_HEAD(&rt->backoff, j, entry);
    rt->n_waiting++;
    arm_timer(rt);
}

/* A try ended: ERROR NULL means delivered. */
static void after_try(notifier_rt *rt, job *j, long status, const char *error, bool retryable)
{
    const notifier_config *c = cfg_of(rt);
    int retries = c ? c->retries : 0;
    if (j->test_done) {
        j->test_done(j->test_arg, status, error);
        job_free(j);
    } else if (!error) {
        job_free(j);
    } else if (retryable && j->tries <= retries && !rt->nt->ag->stopping) {
        char delay[32];
        duration_format(notify_backoff_ms(j->tries) * 1000, delay, sizeof delay);
        log_warn("notifier %s: %s: %s; try %d of %d in %s", rt->name, j->what, error, j->tries + 1,
                 retries + 1, delay);
        back_off(rt, j);
    } else {
        log_error("notifier %s: dropped %s after %d tr%s: %s", rt->name, j->what, j->tries,
                  j->tries == 1 ? "y" : "ies", error);
        job_free(j);
    }
    pump(rt);
}

static size_t discard_body(char *ptr, size_t size, size_t n, void *arg)
{
    (void)ptr, (void)arg;
    return size * n;
}

static void sending_free(sending *s)
{
    curl_slist_free_all(s->headers);
    memset(s->url, 0, strlen(s->url));
    free(s->url);
    free(s);
}

static void sending_unlink(notifier_rt *rt, sending *s)
{
    LIST_REMOVE(s, entry);
    rt->in_flight--;
}

static void on_sent(void *arg, CURLcode rc, long status, const char *errbuf)
{
    sending *s = arg;
    notifier_rt *rt = s->rt;
    job *j = s->j;
    sending_unlink(rt, s);
    char *error = NULL;
    bool retryable = false;
    if (rc != CURLE_OK) {
        /* curl's messages name hosts, not paths; redact anyway. */
        error = notify_redact(errbuf, s->url);
        retryable = true;
    }
    sending_free(s);
    if (rc == CURLE_OK && status >= 200 && status < 300) {
        after_try(rt, j, status, NULL, false);
        return;
    }
    if (rc == CURLE_OK) {
        error = xasprintf("HTTP %ld", status);
        retryable = notify_status_retryable(status);
    }
    after_try(rt, j, status, error, retryable);
    free(error);
}

static void start_send(notifier_rt *rt, job *j)
{
    const notifier_config *c = cfg_of(rt);
    j->tries++;
    if (!c) {
        after_try(rt, j, 0, "the notifier is no longer in the config", false);
        return;
    }
    if (!c->url) {
        after_try(rt, j, 0, "no URL (its url_file was refused or unreadable; fix it, then SIGHUP)",
                  false);
        return;
    }
    CURL *e = rt->nt->http ? curl_easy_init() : NULL;
    if (!e) {
        after_try(rt, j, 0, "libcurl could not make a request", true);
        return;
    }
    sending *s = xcalloc(1, sizeof *s);
    s->rt = rt;
    s->j = j;
    s->headers = curl_slist_append(NULL, "Content-Type: application/json");
    s->url = xstrdup(c->url);
    curl_easy_setopt(e, CURLOPT_URL, c->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(j->body));
    curl_easy_setopt(e, CURLOPT_USERAGENT, "dagd/" DAGD_VERSION);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(c->timeout_us / 1000));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
    LIST_INSERT_HEAD(&rt->sendings, s, entry);
    rt->in_flight++;
    if (http_start(rt->nt->http, e, on_sent, s) != 0) {
        sending_unlink(rt, s);
        sending_free(s);
        after_try(rt, j, 0, "libcurl could not start the request", true);
    }
}

/* Start what the in-flight limit allows. Re-entered from a try that fails
 * at once (no URL), the outer call carries on instead. */
static void pump(notifier_rt *rt)
{
    if (rt->pumping)
        return;
    rt->pumping = true;
    job *j;
    while (rt->in_flight < NOTIFY_MAX_IN_FLIGHT && (j = STAILQ_FIRST(&rt->queue)) &&
           !rt->nt->ag->stopping) {
        STAILQ_REMOVE_HEAD(&rt->queue, entry);
        rt->n_waiting--;
        start_send(rt, j);
    }
    rt->pumping = false;
}

static void enqueue(notifier_rt *rt, job *j)
{
    if (rt->n_waiting >= NOTIFY_QUEUE_MAX) {
        log_warn("notifier %s: dropped %s: %d messages are already waiting", rt->name, j->what,
                 NOTIFY_QUEUE_MAX);
        job_free(j);
        return;
    }
    STAILQ_INSERT_TAIL(&rt->queue, j, entry);
    rt->n_waiting++;
    pump(rt);
}

void notify_init(agent *ag)
{
    notify *nt = xcalloc(1, sizeof *nt);
    nt->ag = ag;
    ag->notify = nt;
    if (gethostname(nt->host, sizeof nt->host - 1) != 0)
        strcpy(nt->host, "localhost");
}

/* The sending side of notifier NAME, made on first use; NULL if the config
 * has no such notifier. No curl handle exists until a notifier is used. */
static notifier_rt *rt_for(notify *nt, const char *name)
{
    if (!config_notifier(&nt->ag->cfg, name))
        return NULL;
    for (size_t i = 0; i < nt->n; i++)
        if (strcmp(nt->rts[i]->name, name) == 0)
            return nt->rts[i];
    if (!nt->http && !(nt->http = http_client_new(nt->ag->loop)))
        log_error("notifiers: libcurl did not start; messages will be dropped");
    notifier_rt *rt = xcalloc(1, sizeof *rt);
    rt->nt = nt;
    rt->name = xstrdup(name);
    STAILQ_INIT(&rt->queue);
    STAILQ_INIT(&rt->backoff);
    LIST_INIT(&rt->sendings);
    uv_timer_init(nt->ag->loop, &rt->timer);
    rt->timer.data = rt;
    nt->rts = xrealloc(nt->rts, (nt->n + 1) * sizeof *nt->rts);
    nt->rts[nt->n++] = rt;
    return rt;
}

static void on_rt_closed(uv_handle_t *h)
{
    notifier_rt *rt = h->data;
    free(rt->name);
    free(rt);
}

static void drop_job(job *j)
{
    if (j->test_done)
        j->test_done(j->test_arg, 0, "the agent is stopping");
    job_free(j);
}

static void drop_list(struct job_list *list)
{
    job *j;
    while ((j = STAILQ_FIRST(list))) {
        STAILQ_REMOVE_HEAD(list, entry);
        drop_job(j);
    }
}

void notify_free(agent *ag)
{
    notify *nt = ag->notify;
    if (!nt)
        return;
    ag->notify = NULL;
    /* Cancels every transfer (without their callbacks) and cleans up the
     * easy handles, before the header lists they point at go. */
    http_client_free(nt->http);
    for (size_t i = 0; i < nt->n; i++) {
        notifier_rt *rt = nt->rts[i];
        size_t lost = rt->n_waiting + (size_t)rt->in_flight;
        sending *s;
        while ((s = LIST_FIRST(&rt->sendings))) {
            LIST_REMOVE(s, entry);
            drop_job(s->j);
            sending_free(s);
        }
        drop_list(&rt->queue);
        drop_list(&rt->backoff);
        if (lost)
            log_warn("notifier %s: %zu unsent message%s dropped at exit", rt->name, lost,
                     lost == 1 ? "" : "s");
        uv_timer_stop(&rt->timer);
        uv_close((uv_handle_t *)&rt->timer, on_rt_closed);
    }
    free(nt->rts);
    free(nt);
}

static char *body_for(const notifier_config *c, const notify_msg *m)
{
    return c->type == NOTIFIER_SLACK ? notify_slack_body(m) : notify_webhook_body(m);
}

int notify_test(agent *ag, const char *name, notify_test_fn done, void *arg)
{
    notify *nt = ag->notify;
    notifier_rt *rt = nt ? rt_for(nt, name) : NULL;
    if (!rt)
        return -1;
    notify_msg m = {.event = "test", .host = nt->host};
    job *j = xcalloc(1, sizeof *j);
    j->body = body_for(cfg_of(rt), &m);
    j->what = xstrdup("a test message");
    j->test_done = done;
    j->test_arg = arg;
    /* Not queued: a test must answer even while sends to a dead endpoint
     * fill the in-flight slots. */
    bool was = rt->pumping;
    rt->pumping = true; /* only this one; the queue moves on when it ends */
    start_send(rt, j);
    rt->pumping = was;
    return 0;
}

/* Which event of the contract EV is, 0 if none. */
static unsigned event_bit(const struct event *ev)
{
    switch (ev->kind) {
    case EVENT_SLA_MISS:
        return NOTIFY_SLA_MISS;
    case EVENT_TASK:
        return ev->ti_state == TI_FAILED         ? NOTIFY_FAILURE
               : ev->ti_state == TI_UP_FOR_RETRY ? NOTIFY_RETRY
                                                 : 0;
    case EVENT_RUN:
        return ev->run_state == RUN_SUCCESS ? NOTIFY_SUCCESS : 0;
    default:
        return 0;
    }
}

/* Add to WANT (no duplicates) the notifiers in NAMES that fire on BIT. */
static void want_names(notify *nt, const strlist *names, unsigned bit, notifier_rt ***want,
                       size_t *n)
{
    for (size_t i = 0; i < names->n; i++) {
        const notifier_config *c = config_notifier(&nt->ag->cfg, names->items[i]);
        if (!c || !(c->on & bit))
            continue;
        notifier_rt *rt = rt_for(nt, c->name);
        bool dup = false;
        for (size_t k = 0; k < *n; k++)
            dup |= (*want)[k] == rt;
        if (dup)
            continue;
        *want = xrealloc(*want, (*n + 1) * sizeof **want);
        (*want)[(*n)++] = rt;
    }
}

static const char *event_name(unsigned bit)
{
    switch (bit) {
    case NOTIFY_FAILURE:
        return "failure";
    case NOTIFY_RETRY:
        return "retry";
    case NOTIFY_SUCCESS:
        return "success";
    case NOTIFY_RECOVERY:
        return "recovery";
    default:
        return "sla_miss";
    }
}

/* A run that succeeds after the DAG's previous run failed: previous by
 * logical date among its finished runs (a backfill of older dates that
 * succeeds after today's failure is no recovery of it). */
static bool is_recovery(agent *ag, const struct event *ev)
{
    if (ev->kind != EVENT_RUN || ev->run_state != RUN_SUCCESS || !ev->dag_id || !ev->run_id)
        return false;
    int64_t l =
        ev->logical_us >= 0 ? ev->logical_us : store_run_logical(ag->db, ev->dag_id, ev->run_id);
    return l >= 0 && store_prev_finished_state(ag->db, ev->dag_id, l) == RUN_FAILED;
}

static void send_event(agent *ag, const struct event *ev, unsigned bit);

void notify_on_event(void *arg, const struct event *ev)
{
    agent *ag = arg;
    notify *nt = ag->notify;
    if (!nt || !ag->cfg.n_notifiers)
        return;
    unsigned bit = event_bit(ev);
    if (!bit)
        return;
    send_event(ag, ev, bit);
    /* A recovery is also a success: each goes to the notifiers that list it. */
    if (bit == NOTIFY_SUCCESS && is_recovery(ag, ev))
        send_event(ag, ev, NOTIFY_RECOVERY);
}

static void send_event(agent *ag, const struct event *ev, unsigned bit)
{
    notify *nt = ag->notify;
    const char *dag_id = ev->dag_id;
    const char *run_id = ev->run_id;
    const char *task_id = ev->task_id;
    dag_entry *de = dag_id ? agent_find_dag(ag, dag_id) : NULL;
    if (!de || !de->model || !run_id)
        return;
    const dag *m = de->model;
    int t = task_id ? dag_task_index(m, task_id) : -1;
    notifier_rt **want = NULL;
    size_t n_want = 0;
    want_names(nt, &m->notify, bit, &want, &n_want);
    if (t >= 0)
        want_names(nt, &m->tasks[t].notify, bit, &want, &n_want);
    if (!n_want)
        return;

    notify_msg msg = {
        .event = event_name(bit),
        .dag_id = dag_id,
        .run_id = run_id,
        .task_id = task_id,
        .try_number = ev->try_number,
        .state = event_state_name(ev),
        .host = nt->host,
        .sla_s = ev->kind == EVENT_SLA_MISS ? ev->sla_us / 1000000 : 0,
    };
    char logical[48];
    /* Without one in the event, the store's (-1: none there either). */
    int64_t l = ev->logical_us >= 0 ? ev->logical_us : store_run_logical(ag->db, dag_id, run_id);
    if (l >= 0) { /* 0 is the epoch */
        time_format_iso(l, m->timezone, logical, sizeof logical);
        msg.logical_date = logical;
    }
    char *tail = NULL;
    if (task_id && msg.try_number > 0) {
        try_files f;
        logpath_find(ag->cfg.state_dir, dag_id, run_id, task_id, msg.try_number, &f);
        tail = notify_log_tail(f.log, f.header, NOTIFY_LOG_TAIL_LINES, NOTIFY_LOG_TAIL_BYTES);
        try_files_free(&f);
    }
    msg.log_tail = tail;
    char *what = task_id ? xasprintf("%s %s %s task %s try %d", msg.event, dag_id, run_id, task_id,
                                     msg.try_number)
                         : xasprintf("%s %s %s", msg.event, dag_id, run_id);
    for (size_t i = 0; i < n_want; i++) {
        job *j = xcalloc(1, sizeof *j);
        j->body = body_for(cfg_of(want[i]), &msg);
        j->what = xstrdup(what);
        enqueue(want[i], j);
    }
    free(what);
    free(tail);
    free(want);
}
