#include "refusals.h"
#include "utf8.h"
#include "access.h"
#include "log.h"
#include "store.h"
#include "timeutil.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW_MS 1000

char *audit_truncate(const char *s, size_t max)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    if (len <= max)
        return xstrdup(s);
    static const char mark[] = "\xe2\x80\xa6"; /* … */
    size_t keep = utf8_cut(s, len, max - (sizeof mark - 1));
    char *out = xmalloc(keep + sizeof mark);
    memcpy(out, s, keep);
    memcpy(out + keep, mark, sizeof mark);
    return out;
}

static refusal_window *window_of(refusal_limit *l, uid_t uid)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->w[i].uid == uid)
            return &l->w[i];
    return NULL;
}

bool refusal_limit_take(refusal_limit *l, uid_t uid, int64_t now_ms, int *ended)
{
    *ended = 0;
    refusal_window *w = window_of(l, uid);
    if (w && now_ms - w->start_ms >= WINDOW_MS) {
        *ended = w->dropped;
        *w = (refusal_window){uid, now_ms, 0, 0};
    }
    if (!w) {
        if (l->n == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 4;
            l->w = xrealloc(l->w, l->cap * sizeof *l->w);
        }
        w = &l->w[l->n++];
        *w = (refusal_window){uid, now_ms, 0, 0};
    }
    if (w->recorded < REFUSALS_PER_SECOND) {
        w->recorded++;
        return true;
    }
    w->dropped++;
    return false;
}

int64_t refusal_limit_flush(refusal_limit *l, int64_t now_ms, void (*fn)(void *, uid_t, int),
                            void *arg)
{
    int64_t next = -1;
    for (size_t i = 0; i < l->n;) {
        refusal_window *w = &l->w[i];
        int64_t end = w->start_ms + WINDOW_MS;
        if (now_ms >= end) {
            if (w->dropped)
                fn(arg, w->uid, w->dropped);
            *w = l->w[--l->n]; /* forgotten: its next refusal opens a window */
            continue;
        }
        if (w->dropped && (next < 0 || end < next))
            next = end;
        i++;
    }
    return next;
}

void refusal_limit_free(refusal_limit *l)
{
    free(l->w);
    memset(l, 0, sizeof *l);
}

/* The agent's side: the limit, and a timer that writes the counts. */
struct refusals {
    refusal_limit limit;
    uv_timer_t timer;
};

static void write_count(void *arg, uid_t uid, int n)
{
    agent *ag = arg;
    char *user = access_user_name(uid);
    char detail[128];
    snprintf(detail, sizeof detail, "%d refusal%s not recorded (over %d a second)", n,
             n == 1 ? "" : "s", REFUSALS_PER_SECOND);
    audit_record a = {time_now_us(), uid, user, "refused", NULL, NULL, NULL, detail};
    if (store_audit(ag->db, &a))
        log_error("store: writing the audit log: %s", store_error(ag->db));
    free(user);
}

static void on_window_end(uv_timer_t *t)
{
    agent *ag = t->data;
    int64_t next =
        refusal_limit_flush(&ag->refusals->limit, (int64_t)uv_now(ag->loop), write_count, ag);
    if (next >= 0)
        uv_timer_start(t, on_window_end, (uint64_t)(next - (int64_t)uv_now(ag->loop)), 0);
}

void refusals_record(agent *ag, uid_t uid, const char *action, const char *dag_id,
                     const char *run_id, const char *task_id)
{
    if (!ag->refusals) {
        ag->refusals = xcalloc(1, sizeof *ag->refusals);
        uv_timer_init(ag->loop, &ag->refusals->timer);
        ag->refusals->timer.data = ag;
    }
    int64_t now = (int64_t)uv_now(ag->loop);
    int ended;
    bool record = refusal_limit_take(&ag->refusals->limit, uid, now, &ended);
    if (ended)
        write_count(ag, uid, ended);
    if (!record) { /* counted; the timer writes the count when the second ends */
        const refusal_window *w = window_of(&ag->refusals->limit, uid);
        int64_t wait = w->start_ms + WINDOW_MS - now;
        if (!uv_is_active((uv_handle_t *)&ag->refusals->timer))
            uv_timer_start(&ag->refusals->timer, on_window_end, (uint64_t)(wait > 0 ? wait : 0), 0);
        return;
    }
    char *user = access_user_name(uid);
    char *d = audit_truncate(dag_id, AUDIT_FIELD_MAX);
    char *r = audit_truncate(run_id, AUDIT_FIELD_MAX);
    char *k = audit_truncate(task_id, AUDIT_FIELD_MAX);
    char *a = audit_truncate(action, AUDIT_FIELD_MAX);
    strbuf detail = {0};
    sb_append(&detail, "refused: not an operator");
    const char *names[] = {"dag_id", "run_id", "task_id"};
    const char *given[] = {dag_id, run_id, task_id};
    for (size_t i = 0; i < 3; i++)
        if (given[i] && strlen(given[i]) > AUDIT_FIELD_MAX)
            sb_appendf(&detail, "; %s cut from %zu bytes", names[i], strlen(given[i]));
    audit_record rec = {time_now_us(), uid, user, a, d, r, k, detail.data};
    if (store_audit(ag->db, &rec))
        log_error("store: writing the audit log: %s", store_error(ag->db));
    free(user);
    free(d);
    free(r);
    free(k);
    free(a);
    sb_free(&detail);
}

static void on_timer_closed(uv_handle_t *h)
{
    free(h->data);
}

void refusals_stop(agent *ag)
{
    struct refusals *r = ag->refusals;
    if (!r)
        return;
    refusal_limit_flush(&r->limit, INT64_MAX, write_count, ag);
    refusal_limit_free(&r->limit);
    r->timer.data = r;
    uv_close((uv_handle_t *)&r->timer, on_timer_closed);
    ag->refusals = NULL;
}
