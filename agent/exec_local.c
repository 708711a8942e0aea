#include "exec_local.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Grace between SIGTERM and SIGKILL when a task is stopped. */
#define KILL_GRACE_MS 5000
#define LAST_LINE_MAX 4096

struct task_proc {
    uv_process_t proc;
    uv_timer_t timer; /* timeout, then the kill grace */
    uv_pipe_t out;    /* stdout, only when the last line is captured */
    uv_timer_t failed; /* reports a failed spawn from a later loop turn */
    int log_fd;
    int pid;
    bool have_proc, have_pipe, have_failed;
    bool exited, pipe_open, killing, reported;
    int open_handles;
    exec_result res;
    strbuf line;      /* the current unterminated stdout line */
    char *last_line;
    exec_done_fn done;
    void *arg;
};

static void on_handle_closed(uv_handle_t *h)
{
    task_proc *p = h->data;
    if (--p->open_handles == 0) {
        free(p->last_line);
        sb_free(&p->line);
        free(p);
    }
}

static void close_handle(task_proc *p, uv_handle_t *h)
{
    h->data = p;
    p->open_handles++;
    uv_close(h, on_handle_closed);
}

static void finish(task_proc *p)
{
    if (p->reported || !p->exited || p->pipe_open)
        return;
    p->reported = true;
    if (p->line.len) { /* output that did not end with a newline */
        free(p->last_line);
        p->last_line = sb_take(&p->line);
    }
    p->res.last_line = p->last_line;
    if (p->res.timed_out)
        dprintf(p->log_fd, "[dagd] task timed out; process group %d killed\n", p->pid);
    close(p->log_fd);
    uv_timer_stop(&p->timer);
    p->done(p->arg, &p->res);
    close_handle(p, (uv_handle_t *)&p->timer);
    if (p->have_proc)
        close_handle(p, (uv_handle_t *)&p->proc);
    if (p->have_pipe)
        close_handle(p, (uv_handle_t *)&p->out);
    if (p->have_failed)
        close_handle(p, (uv_handle_t *)&p->failed);
}

static void on_process_exit(uv_process_t *proc, int64_t status, int term_signal)
{
    task_proc *p = proc->data;
    p->exited = true;
    p->res.exit_code = term_signal ? -1 : (int)status;
    p->res.term_signal = term_signal;
    /* Stragglers of a killed group must not outlive their task. */
    if (p->killing)
        kill(-p->pid, SIGKILL);
    finish(p);
}

static void on_kill_grace(uv_timer_t *t)
{
    task_proc *p = t->data;
    kill(-p->pid, SIGKILL);
}

static void start_kill(task_proc *p)
{
    if (p->killing || p->exited)
        return;
    p->killing = true;
    kill(-p->pid, SIGTERM);
    uv_timer_start(&p->timer, on_kill_grace, KILL_GRACE_MS, 0);
}

static void on_timeout(uv_timer_t *t)
{
    task_proc *p = t->data;
    p->res.timed_out = true;
    start_kill(p);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    buf->base = xmalloc(suggested);
    buf->len = suggested;
}

/* Keep the last complete line; the rest goes to the log unchanged. */
static void track_lines(task_proc *p, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (data[i] == '\n') {
            if (p->line.len) {
                free(p->last_line);
                p->last_line = sb_take(&p->line);
            }
        } else if (p->line.len < LAST_LINE_MAX) {
            sb_append_len(&p->line, &data[i], 1);
        }
    }
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    task_proc *p = s->data;
    if (n > 0) {
        if (write(p->log_fd, buf->base, (size_t)n) < 0) {
            /* the log is best effort; the task's result still counts */
        }
        track_lines(p, buf->base, (size_t)n);
    } else if (n < 0) {
        p->pipe_open = false;
        uv_read_stop(s);
        finish(p);
    }
    free(buf->base);
}

static void on_spawn_failed(uv_timer_t *t)
{
    task_proc *p = t->data;
    p->exited = true;
    finish(p);
}

task_proc *exec_local_start(uv_loop_t *loop, const exec_request *req)
{
    task_proc *p = xcalloc(1, sizeof *p);
    p->done = req->done;
    p->arg = req->arg;
    p->res.exit_code = -1;
    uv_timer_init(loop, &p->timer);
    p->timer.data = p;

    mkdir_parents(req->log_path, 0750);
    p->log_fd = open(req->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (p->log_fd < 0)
        p->log_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

    uv_stdio_container_t stdio[3];
    stdio[0].flags = UV_IGNORE;
    stdio[1].flags = UV_INHERIT_FD;
    stdio[1].data.fd = p->log_fd;
    stdio[2].flags = UV_INHERIT_FD;
    stdio[2].data.fd = p->log_fd;
    if (req->capture_last_line) {
        uv_pipe_init(loop, &p->out, 0);
        p->out.data = p;
        p->have_pipe = true;
        stdio[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
        stdio[1].data.stream = (uv_stream_t *)&p->out;
    }
    char *args[] = {"sh", "-c", (char *)req->command, NULL};
    uv_process_options_t opts = {
        .exit_cb = on_process_exit,
        .file = "/bin/sh",
        .args = args,
        .env = req->env,
        .cwd = req->cwd,
        .flags = UV_PROCESS_DETACHED, /* setsid: its own process group */
        .stdio_count = 3,
        .stdio = stdio,
    };
    p->proc.data = p;
    int rc = uv_spawn(loop, &p->proc, &opts);
    if (rc) {
        dprintf(p->log_fd, "[dagd] cannot start /bin/sh in %s: %s\n", req->cwd, uv_strerror(rc));
        p->res.spawn_failed = true;
        p->have_proc = true; /* uv_spawn initialised it; it must be closed */
        uv_timer_init(loop, &p->failed);
        p->failed.data = p;
        p->have_failed = true;
        p->pipe_open = false;
        uv_timer_start(&p->failed, on_spawn_failed, 0, 0);
        return p;
    }
    p->have_proc = true;
    p->pid = p->proc.pid;
    if (p->have_pipe) {
        p->pipe_open = true;
        uv_read_start((uv_stream_t *)&p->out, on_alloc, on_read);
    }
    if (req->timeout_us > 0)
        uv_timer_start(&p->timer, on_timeout, (uint64_t)((req->timeout_us + 999) / 1000), 0);
    return p;
}

void exec_local_abandon(task_proc *p)
{
    if (p->pid > 0 && !p->exited)
        kill(-p->pid, SIGKILL);
    p->reported = true;
    p->exited = true;
    close(p->log_fd);
    close_handle(p, (uv_handle_t *)&p->timer);
    if (p->have_proc)
        close_handle(p, (uv_handle_t *)&p->proc);
    if (p->have_pipe)
        close_handle(p, (uv_handle_t *)&p->out);
    if (p->have_failed)
        close_handle(p, (uv_handle_t *)&p->failed);
}

void exec_local_kill(task_proc *p)
{
    start_kill(p);
}

int exec_local_pid(const task_proc *p)
{
    return p->pid;
}
