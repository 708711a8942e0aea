#include "docker_task.h"
#include "logpath.h"
#include "output_file.h"
#include "exec_docker.h"
#include "template.h"
#include "timeutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *string_array(char *const *items)
{
    json_t *a = json_array();
    for (size_t k = 0; items && items[k]; k++)
        json_array_append_new(a, json_string(items[k]));
    return a;
}

/* Lexically clean absolute PATH in place: no "." or ".." parts, no "//". */
static void clean_path(char *path)
{
    char *out = path;
    const char *in = path;
    while (*in) {
        while (*in == '/')
            in++;
        const char *end = strchr(in, '/');
        size_t len = end ? (size_t)(end - in) : strlen(in);
        if (len == 0)
            break;
        if (len == 1 && in[0] == '.') {
            /* nothing */
        } else if (len == 2 && in[0] == '.' && in[1] == '.') {
            while (out > path && *--out != '/')
                ;
        } else {
            *out++ = '/';
            memmove(out, in, len);
            out += len;
        }
        in += len;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
}

/* HOST:CTR[:MODE]: an absolute HOST as is, "./x" or "../x" under the DAG's
 * folder (where local commands run too), anything else a named volume. */
char *docker_resolve_bind(const char *volume, const char *dag_dir)
{
    if (volume[0] != '.' || !dag_dir)
        return xstrdup(volume);
    const char *colon = strchr(volume, ':');
    size_t host_len = colon ? (size_t)(colon - volume) : strlen(volume);
    char *host = xasprintf("%s/%.*s", dag_dir, (int)host_len, volume);
    clean_path(host);
    char *bind = xasprintf("%s%s", host, colon ? colon : "");
    free(host);
    return bind;
}

static void set_str(json_t *o, const char *key, const char *value)
{
    if (value && *value)
        json_object_set_new(o, key, json_string(value));
}

json_t *docker_create_body(const docker_spec *s, char *err, size_t errlen)
{
    json_t *body = json_object();
    json_object_set_new(body, "Image", json_string(s->image));
    if (s->argv && s->argv[0])
        json_object_set_new(body, "Cmd", string_array(s->argv));
    json_t *env = string_array(s->env);
    if (s->output_file)
        json_array_append_new(env, json_string("DAGD_OUTPUT=" OUTPUT_CONTAINER_PATH));
    json_object_set_new(body, "Env", env);
    if (s->entrypoint && *s->entrypoint) {
        char **words = shell_split(s->entrypoint, err, errlen);
        if (!words) {
            json_decref(body);
            return NULL;
        }
        json_object_set_new(body, "Entrypoint", string_array(words));
        shell_split_free(words);
    }
    set_str(body, "WorkingDir", s->workdir);
    set_str(body, "User", s->user);
    /* Output goes to the engine's log, read back as a multiplexed stream:
     * no TTY, no stdin. */
    json_object_set_new(body, "Tty", json_false());
    json_object_set_new(body, "OpenStdin", json_false());
    json_object_set_new(body, "AttachStdin", json_false());
    char try_number[16];
    snprintf(try_number, sizeof try_number, "%d", s->try_number);
    json_t *labels =
        json_pack("{s:s, s:s, s:s, s:s}", "dagd.dag_id", s->dag_id, "dagd.run_id", s->run_id,
                  "dagd.task_id", s->task_id, "dagd.try_number", try_number);
    if (s->keep)
        json_object_set_new(labels, "dagd.keep", json_string("true"));
    json_object_set_new(body, "Labels", labels);

    json_t *host = json_object();
    if (s->volumes && s->volumes->n) {
        json_t *binds = json_array();
        for (size_t k = 0; k < s->volumes->n; k++) {
            char *b = docker_resolve_bind(s->volumes->items[k], s->dag_dir);
            json_array_append_new(binds, json_string(b));
            free(b);
        }
        json_object_set_new(host, "Binds", binds);
    }
    /* A mount, not a bind string: the path holds the run id, whose ':'
     * would split "SRC:DST". */
    if (s->output_file)
        json_object_set_new(host, "Mounts",
                            json_pack("[{s:s, s:s, s:s}]", "Type", "bind", "Source", s->output_file,
                                      "Target", OUTPUT_CONTAINER_PATH));
    set_str(host, "NetworkMode", s->network);
    if (s->memory > 0)
        json_object_set_new(host, "Memory", json_integer(s->memory));
    if (s->cpus > 0)
        json_object_set_new(host, "NanoCpus", json_integer((json_int_t)llround(s->cpus * 1e9)));
    json_object_set_new(body, "HostConfig", host);
    return body;
}

static enum docker_pull pull_policy(const char *pull)
{
    if (pull && strcmp(pull, "never") == 0)
        return PULL_NEVER;
    if (pull && strcmp(pull, "always") == 0)
        return PULL_ALWAYS;
    return PULL_MISSING;
}

/* The output file must exist before the container is made (the engine
 * would make a folder in its place), empty, and writable by whatever user
 * the image runs as: its folder (0750) keeps it from the host's other
 * users. Returns 0, or -1 with ERR. */
static int make_output_file(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 || fchmod(fd, 0666) != 0) {
        snprintf(err, errlen, "cannot make the output file %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static bool docker_claims(const dag_task *task)
{
    return task->image != NULL && task->executor != EXECUTOR_SWARM;
}

static exec_handle *docker_start(agent *ag, run *r, size_t i, struct try_plan *plan,
                                 exec_done_fn done, void *arg, char *err, size_t errlen)
{
    const task_vars *v = &plan->vars;
    const char *command = plan->command, *log_path = plan->log_path;
    const dag_task *task = &r->model->tasks[i];
    const ti *t = &r->tis[i];
    if (!ag->docker) {
        snprintf(err, errlen, "no Docker engine configured");
        return NULL;
    }
    char *image = template_render(task->image, &v->ctx, false, err, errlen);
    char **argv = image ? shell_split(command, err, errlen) : NULL;
    bool ready = argv != NULL; /* its environment is the plan's (task_env.h) */
    json_t *body = NULL;
    char *output = NULL; /* absolute: a relative bind source names a volume */
    if (ready && v->output_path) {
        bool made = make_output_file(v->output_path, err, errlen) == 0;
        if (made && !(output = realpath(v->output_path, NULL)))
            snprintf(err, errlen, "cannot resolve %s: %s", v->output_path, strerror(errno));
        ready = output != NULL;
    }
    if (ready) {
        docker_spec spec = {
            .image = image,
            .argv = argv,
            .env = v->own,
            .entrypoint = task->entrypoint,
            .volumes = &task->volumes,
            .dag_dir = r->model->dir,
            .network = task->network,
            .user = task->user,
            .workdir = task->workdir,
            .memory = task->memory_bytes,
            .cpus = task->cpus,
            .dag_id = r->de->dag_id,
            .run_id = r->run_id,
            .task_id = task->id,
            .try_number = t->try_number,
            .keep = task->keep,
            .output_file = output,
        };
        body = docker_create_body(&spec, err, errlen);
    }
    docker_task *d = NULL;
    if (body) {
        docker_run_request req = {
            .image = image,
            .create = body,
            .pull = pull_policy(task->pull),
            .keep = task->keep,
            .log_path = log_path,
            .status_path = log_path, /* its record heads the log (logpath.h) */
            .timeout_us = task->timeout_us,
            .capture_last_line = task->branch,
            .done = done,
            .arg = arg,
        };
        d = exec_docker_start(ag->docker, ag->loop, &req);
    }
    free(output);
    shell_split_free(argv);
    free(image);
    return (exec_handle *)d;
}

/* A Docker try that was running when the agent stopped: its container
 * (found by its labels) is followed to its end, the log continuing where it
 * stopped; no container fails the try (or, if its status file says it was
 * only claimed, starts it again: res.not_started, from the adapter). */
static exec_handle *docker_follow(agent *ag, run *r, size_t i, const try_files *f,
                                  exec_done_fn done, void *arg, bool *not_started)
{
    (void)not_started;
    const dag_task *task = &r->model->tasks[i];
    const ti *t = &r->tis[i];
    int64_t timeout = 0;
    if (task->timeout_us > 0) {
        timeout = t->start_us + task->timeout_us - time_now_us();
        if (timeout == 0)
            timeout = -1;
    }
    docker_attach a = {
        .dag_id = r->de->dag_id,
        .run_id = r->run_id,
        .task_id = task->id,
        .try_number = t->try_number,
        .log_path = f->log,
        .status_path = f->status,
        .timeout_us = timeout,
        .keep = task->keep,
        .capture_last_line = task->branch,
        .done = done,
        .arg = arg,
    };
    docker_task *d = ag->docker ? exec_docker_attach(ag->docker, ag->loop, &a) : NULL;
    return (exec_handle *)d;
}

static void docker_stop(exec_handle *h)
{
    exec_docker_kill((docker_task *)h);
}

static void docker_release(exec_handle *h, bool kill)
{
    (void)kill; /* its container runs on; followed after the next start */
    exec_docker_abandon((docker_task *)h);
}

static void docker_discard(exec_handle *h)
{
    exec_docker_discard((docker_task *)h);
}

static void docker_set_arg(exec_handle *h, void *arg)
{
    exec_docker_set_arg((docker_task *)h, arg);
}

const executor_ops docker_executor = {
    .name = "docker",
    .claims = docker_claims,
    .start = docker_start,
    .follow = docker_follow,
    .stop = docker_stop,
    .release = docker_release,
    .discard = docker_discard,
    .set_arg = docker_set_arg,
};
