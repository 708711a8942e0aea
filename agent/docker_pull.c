/* Inside the Docker executor: pulling a try's image (pull = missing after
 * the engine lacks it, or pull = always), its progress into the try's log. */
#include "exec_docker.h"
#include "exec_docker_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ---- pull ---- */

static void pull_line(docker_task *t, const char *s, size_t len)
{
    json_t *j = json_loadb(s, len, 0, NULL);
    if (!j)
        return;
    const char *err = json_string_value(json_object_get(j, "error"));
    const char *status = json_string_value(json_object_get(j, "status"));
    const char *id = json_string_value(json_object_get(j, "id"));
    const char *progress = json_string_value(json_object_get(j, "progress"));
    if (err) {
        free(t->pull_error);
        t->pull_error = xstrdup(err);
    } else if (status) {
        uint64_t now = uv_now(t->loop);
        if (!progress || now - t->last_progress_ms >= PROGRESS_EVERY_MS) {
            if (progress)
                t->last_progress_ms = now;
            dk_log_line(t, "pull %s: %s%s%s%s%s", t->image, id ? id : "", id ? ": " : "", status,
                        progress ? " " : "", progress ? progress : "");
        }
    }
    json_decref(j);
}

static void on_pull_data(void *arg, const char *data, size_t len)
{
    docker_task *t = arg;
    sb_append_len(&t->pull_buf, data, len);
    char *start = t->pull_buf.data, *nl;
    while ((nl = memchr(start, '\n', t->pull_buf.len - (size_t)(start - t->pull_buf.data)))) {
        pull_line(t, start, (size_t)(nl - start));
        start = nl + 1;
    }
    size_t rest = t->pull_buf.len - (size_t)(start - t->pull_buf.data);
    memmove(t->pull_buf.data, start, rest);
    t->pull_buf.len = rest;
    t->pull_buf.data[rest] = '\0';
}

static void on_pulled(void *arg, const docker_reply *rep)
{
    docker_task *t = arg;
    t->step = NULL;
    if (dk_cancelled(t, rep))
        return;
    if (t->pull_buf.len)
        pull_line(t, t->pull_buf.data, t->pull_buf.len);
    if (t->killing)
        dk_fail(t, "stopped while pulling image %s", t->image);
    else if (rep->transport_error)
        dk_fail_unreachable(t, "pulling", rep);
    else if (rep->status != 200 || t->pull_error)
        dk_fail(t, "image %s cannot be pulled: %s", t->image,
                t->pull_error ? t->pull_error : rep->error);
    else {
        t->pulled = true;
        dk_begin_create(t);
    }
}

void docker_image_split(const char *image, char **from, char **tag)
{
    const char *at = strchr(image, '@');
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(image, ':');
    if (at) {
        *from = xstrdup(image);
        *tag = xstrdup("");
    } else if (colon && (!slash || colon > slash)) {
        *from = xstrndup(image, (size_t)(colon - image));
        *tag = xstrdup(colon + 1);
    } else {
        /* Without a tag the engine would pull every tag of the image. */
        *from = xstrdup(image);
        *tag = xstrdup("latest");
    }
}

void dk_begin_pull(docker_task *t)
{
    t->phase = PH_PULL;
    char *from, *tag;
    docker_image_split(t->image, &from, &tag);
    char *f = docker_escape(t->api, from), *g = docker_escape(t->api, tag);
    char *path = *tag ? xasprintf("/images/create?fromImage=%s&tag=%s", f, g)
                      : xasprintf("/images/create?fromImage=%s", f);
    dk_log_line(t, "pulling image %s", t->image);
    t->step = docker_request(t->api, "POST", path, NULL, on_pull_data, on_pulled, t, 0);
    free(path);
    free(f);
    free(g);
    free(from);
    free(tag);
    if (!t->step)
        dk_fail(t, "docker: cannot start a request to %s", docker_api_host(t->api));
}
