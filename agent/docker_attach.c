#include "exec_docker_int.h"
#include "log.h"
#include "try_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_found(void *arg, const docker_reply *rep);

static void send_find(docker_task *t)
{
    t->step = docker_request(t->api, "GET", t->find_path, NULL, NULL, on_found, t, CALL_TIMEOUT_S);
}

static void on_find_retry(uv_timer_t *timer)
{
    docker_task *t = timer->data;
    send_find(t);
    if (!t->step)
        dk_fail(t, "docker: cannot start a request to %s", docker_api_host(t->api));
}

/* The container found by its labels: take it over where it is. */
static void on_found(void *arg, const docker_reply *rep)
{
    docker_task *t = arg;
    t->step = NULL;
    if (dk_cancelled(t, rep))
        return;
    if (rep->transport_error && ++t->find_tries < FIND_TRIES && !t->killing) {
        log_warn("docker engine at %s: %s; asking again", docker_api_host(t->api), rep->error);
        uv_timer_start(&t->timer, on_find_retry, FIND_RETRY_MS, 0);
        return;
    }
    if (rep->transport_error) {
        dk_fail_unreachable(t, "finding the container after a restart", rep);
        return;
    }
    json_t *list = rep->status == 200 ? json_loadb(rep->body, rep->len, 0, NULL) : NULL;
    json_t *c = json_array_get(list, 0);
    const char *id = json_string_value(json_object_get(c, "Id"));
    const char *state = json_string_value(json_object_get(c, "State"));
    if (!id || !state) {
        json_decref(list);
        int code;
        if (rep->status != 200) {
            dk_fail(t, "docker: cannot list containers: %s", rep->error);
        } else if (t->status_path && try_status_read(t->status_path, &code) == TRY_STATUS_CLAIMED) {
            /* Claimed, and the agent died before the engine created its
             * container: nothing of it ran; it starts again, same try. */
            t->res.not_started = true;
            dk_report(t);
        } else {
            dk_fail(t, "the container of this try is gone (agent restarted)");
        }
        return;
    }
    dk_set_id(t, id);
    const char *off =
        json_string_value(json_object_get(json_object_get(c, "Labels"), DOCKER_LABEL_LOG_OFFSET));
    uint64_t offset = off ? strtoull(off, NULL, 10) : 0;
    bool created = strcmp(state, "created") == 0;
    log_info("following container %.12s (%s) of %s", t->id, state, t->log_path);
    json_decref(list);
    if (created) { /* the agent died between create and start */
        dk_begin_start(t);
        return;
    }
    off_t size = t->log_fd >= 0 ? lseek(t->log_fd, 0, SEEK_END) : 0;
    dk_follow(t, size > 0 && (uint64_t)size > offset ? (uint64_t)size - offset : 0);
}

static void begin_find(docker_task *t, const docker_attach *a)
{
    t->phase = PH_FIND;
    json_t *labels = json_array();
    char *v = xasprintf("dagd.dag_id=%s", a->dag_id);
    json_array_append_new(labels, json_string(v));
    free(v);
    v = xasprintf("dagd.run_id=%s", a->run_id);
    json_array_append_new(labels, json_string(v));
    free(v);
    v = xasprintf("dagd.task_id=%s", a->task_id);
    json_array_append_new(labels, json_string(v));
    free(v);
    v = xasprintf("dagd.try_number=%d", a->try_number);
    json_array_append_new(labels, json_string(v));
    free(v);
    json_t *filters = json_pack("{s:o}", "label", labels);
    char *f = json_dumps(filters, JSON_COMPACT);
    json_decref(filters);
    if (!f) /* labels are ids and numbers: cannot happen, but never crash */
        f = xstrdup("{}");
    char *q = docker_escape(t->api, f);
    t->find_path = xasprintf("/containers/json?all=1&filters=%s", q);
    send_find(t);
    free(q);
    free(f);
}

static void on_find_failed(uv_timer_t *timer)
{
    docker_task *t = timer->data;
    dk_fail(t, "docker: cannot start a request to %s", docker_api_host(t->api));
}

docker_task *exec_docker_attach(docker_api *api, uv_loop_t *loop, const docker_attach *a)
{
    docker_task *t = dk_task_new(api, loop, a->log_path, a->done, a->arg);
    t->image = xstrdup("");
    t->keep = a->keep;
    t->capture = a->capture_last_line;
    t->status_path = a->status_path ? xstrdup(a->status_path) : NULL;
    if (a->timeout_us < 0) {
        t->res.timed_out = true;
        t->killing = true; /* stopped as soon as it is found */
    }
    dk_arm_deadline(t, a->timeout_us);
    begin_find(t, a);
    if (!t->step)
        uv_timer_start(&t->timer, on_find_failed, 0, 0);
    return t;
}
