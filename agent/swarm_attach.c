#include "exec_swarm_int.h"
#include "log.h"
#include "swarm_spec.h"
#include "try_status.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- find, after a restart ---- */

static void on_found(void *arg, const docker_reply *rep);

static void send_find(swarm_task *t)
{
    t->step = docker_request(t->api, "GET", t->find_path, NULL, NULL, on_found, t, CALL_TIMEOUT_S);
    if (!t->step)
        sw_fail(t, "swarm: cannot start a request to %s", docker_api_host(t->api));
}

static void on_find_timer(uv_timer_t *timer)
{
    send_find(timer->data);
}

static void on_found(void *arg, const docker_reply *rep)
{
    swarm_task *t = arg;
    t->step = NULL;
    if (sw_cancelled(t, rep))
        return;
    if (rep->transport_error && ++t->find_tries < FIND_TRIES && !t->killing) {
        log_warn("swarm manager at %s: %s; asking again", docker_api_host(t->api), rep->error);
        uv_timer_start(&t->timer, on_find_timer, FIND_RETRY_MS, 0);
        return;
    }
    if (rep->transport_error) {
        sw_fail_unreachable(t, "finding the service after a restart", rep);
        return;
    }
    json_t *list = rep->status == 200 ? json_loadb(rep->body, rep->len, 0, NULL) : NULL;
    json_t *svc = json_array_get(list, 0);
    const char *id = json_string_value(json_object_get(svc, "ID"));
    json_t *spec = json_object_get(svc, "Spec");
    if (!id) {
        json_decref(list);
        int code;
        if (rep->status != 200) {
            sw_fail(t, "swarm: cannot list services: %s", rep->error);
        } else if (t->status_path && try_status_read(t->status_path, &code) == TRY_STATUS_CLAIMED) {
            t->res.not_started = true; /* the agent died before the create */
            sw_report(t);
        } else {
            sw_fail(t, "the swarm service of this try is gone (agent restarted)");
        }
        return;
    }
    t->id = xstrdup(id);
    const char *name = json_string_value(json_object_get(spec, "Name"));
    t->name = xstrdup(name ? name : id);
    const char *off =
        json_string_value(json_object_get(json_object_get(spec, "Labels"), SWARM_LABEL_LOG_OFFSET));
    uint64_t offset = off ? strtoull(off, NULL, 10) : 0;
    json_decref(list);
    off_t size = t->log_fd >= 0 ? lseek(t->log_fd, 0, SEEK_END) : 0;
    t->have = size > 0 && (uint64_t)size > offset ? (uint64_t)size - offset : 0;
    log_info("following swarm service %s of %s (%llu bytes of its log were in)", t->name,
             t->log_path, (unsigned long long)t->have);
    if (t->killing)
        sw_remove_service(t);
    else
        sw_begin_poll(t, 0);
}

swarm_task *exec_swarm_attach(docker_api *api, uv_loop_t *loop, const swarm_request *req)
{
    swarm_task *t = sw_task_new(api, loop, req);
    t->phase = PH_FIND;
    char *q = docker_escape(api, req->find_filter ? req->find_filter : "{}");
    t->find_path = xasprintf("/services?filters=%s", q);
    free(q);
    uv_timer_start(&t->timer, on_find_timer, 0, 0);
    return t;
}
