#include "exec_local.h"
#include "fsutil.h"
#include "pidfd_set.h"
#include "proc_spawn.h"
#include "try_status.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Grace between SIGTERM and SIGKILL when a task is stopped. */
#define KILL_GRACE_MS 5000
#define LAST_LINE_MAX 4096
/* How often a followed process is checked when pidfd is not available. */
#define FOLLOW_POLL_MS 1000

struct task_proc {
    pidfd_watch *watch;  /* its pidfd, readable when it has ended (pidfd_set.h) */
    uv_signal_t sigchld; /* a child without a pidfd (Linux < 5.3) */
    uv_timer_t timer;    /* timeout, then the kill grace */
    uv_timer_t soon;     /* reports from a later loop turn; polls without pidfd */
    uv_pipe_t out;       /* stdout, only when the last line is captured */
    int log_fd;
    int pid;
    int pidfd_fd;
    char *log_path;    /* followed tries: read the outcome at the end */
    char *status_path; /* where the try's status record is (try_status.h), or NULL */
    size_t header;     /* followed tries: the record's bytes at the log's start */
    bool followed, capture;
    bool have_sigchld, have_pipe;
    bool exited, pipe_open, killing, reported;
    int open_handles;
    exec_result res;
    strbuf line; /* the current unterminated stdout line */
    char *last_line;
    exec_done_fn done;
    void *arg;
};

static void on_handle_closed(uv_handle_t *h)
{
    task_proc *p = h->data;
    if (--p->open_handles == 0) {
        if (p->pidfd_fd >= 0)
            close(p->pidfd_fd);
        free(p->last_line);
        free(p->log_path);
        free(p->status_path);
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

/* Its pidfd leaves the set and is closed (no more ends to hear of). */
static void unwatch(task_proc *p)
{
    if (!p->watch)
        return;
    pidfd_set_close(p->watch, p->pidfd_fd);
    p->watch = NULL;
    p->pidfd_fd = -1;
}

static void release(task_proc *p)
{
    if (p->log_fd >= 0)
        close(p->log_fd);
    p->log_fd = -1;
    close_handle(p, (uv_handle_t *)&p->timer);
    close_handle(p, (uv_handle_t *)&p->soon);
    if (p->have_sigchld)
        close_handle(p, (uv_handle_t *)&p->sigchld);
    unwatch(p);
    if (p->have_pipe)
        close_handle(p, (uv_handle_t *)&p->out);
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
    if (p->res.timed_out && p->log_fd >= 0)
        dprintf(p->log_fd, "[dagd] task timed out; process group %d killed\n", p->pid);
    uv_timer_stop(&p->timer);
    uv_timer_stop(&p->soon);
    p->done(p->arg, &p->res);
    release(p);
}

static void child_ended(task_proc *p, int code, int term_signal)
{
    p->exited = true;
    p->res.exit_code = code;
    p->res.term_signal = term_signal;
    /* Stragglers of a killed group must not outlive their task. */
    if (p->killing)
        kill(-p->pid, SIGKILL);
    /* Reported now: a child started from here gets its pidfd polled from
     * the next loop turn on, so exits and starts do not chain within one
     * turn and clients are still served between them. */
    finish(p);
}

static void on_child_pidfd(void *arg)
{
    task_proc *p = arg;
    int code = -1, sig = 0;
    int rc = proc_reap(p->pidfd_fd, &code, &sig);
    if (rc == 0)
        return; /* not yet (a spurious wake-up) */
    unwatch(p);
    child_ended(p, rc > 0 ? code : -1, sig);
}

/* Without a pidfd: every SIGCHLD, see whether this child was the one
 * (waitpid of its pid only: nobody else's child is reaped). */
static void check_child(task_proc *p)
{
    int status;
    if (p->exited || waitpid(p->pid, &status, WNOHANG) != p->pid)
        return;
    uv_signal_stop(&p->sigchld);
    if (WIFEXITED(status))
        child_ended(p, WEXITSTATUS(status), 0);
    else
        child_ended(p, -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static void on_sigchld(uv_signal_t *h, int signum)
{
    (void)signum;
    check_child(h->data);
}

static void on_first_check(uv_timer_t *t)
{
    check_child(t->data); /* it may have ended before the handler was set */
}

static void on_kill_grace(uv_timer_t *t)
{
    task_proc *p = t->data;
    kill(-p->pid, SIGKILL);
}

static void start_kill(task_proc *p)
{
    if (p->killing || p->exited || p->pid <= 0)
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

static task_proc *proc_new(uv_loop_t *loop, exec_done_fn done, void *arg)
{
    task_proc *p = xcalloc(1, sizeof *p);
    p->done = done;
    p->arg = arg;
    p->res.exit_code = -1;
    p->log_fd = -1;
    p->pidfd_fd = -1;
    uv_timer_init(loop, &p->timer);
    uv_timer_init(loop, &p->soon);
    p->timer.data = p->soon.data = p;
    return p;
}

/* The shell records how the try ended, for a restarted agent: its status
 * in the record (in place, through `1<>`, which neither truncates nor
 * appends: no new block on a full disk) and the exit line in the log (for
 * people, and for tries without a record). "started" is the spawned
 * child's to write, just before its exec (proc_spawn.h). On the command's
 * first line, so that the command's own line numbers stay. */
static char *start_script(const char *command, const char *record_path)
{
    if (!record_path)
        return xconcat("trap 'echo \"" EXEC_EXIT_MARK "$?\" >&2' EXIT; ", command, (char *)NULL);
    strbuf q = {0}; /* the path, single-quoted for the shell */
    sb_append(&q, "'");
    for (const char *c = record_path; *c; c++) {
        if (*c == '\'')
            sb_append(&q, "'\\''");
        else
            sb_append_len(&q, c, 1);
    }
    sb_append(&q, "'");
    /* "exit %-10d\n" is one record of TRY_STATUS_RECORD bytes. Joined, not
     * formatted: printf copied the command a byte at a time. */
    char *script = xconcat("__dagd_st=", q.data,
                           "; trap '__dagd_rc=$?; echo \"" EXEC_EXIT_MARK "$__dagd_rc\" >&2; "
                           "printf \"exit %-10d\\n\" \"$__dagd_rc\" 1<>\"$__dagd_st\"' EXIT; ",
                           command, (char *)NULL);
    sb_free(&q);
    return script;
}

/* The log, made with its folders only when it is not there yet: in the
 * common case (made by the claim) one open. Appended to (the status record
 * at its start is overwritten only in place); with a record, O_APPEND
 * comes from the child once it has written "started" there (proc_spawn.h).
 * O_NONBLOCK: a FIFO planted there fails (ENXIO) instead of hanging the
 * loop. */
static int open_log(const char *path, bool record)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK | (record ? 0 : O_APPEND);
    int fd = open(path, flags, 0640);
    if (fd < 0 && errno == ENOENT && mkdir_parents(path, 0750) == 0)
        fd = open(path, flags, 0640);
    return fd >= 0 ? fd : open("/dev/null", O_WRONLY | O_CLOEXEC);
}

static void watch_child(uv_loop_t *loop, task_proc *p, int pidfd)
{
    p->pidfd_fd = pidfd >= 0 ? pidfd : proc_pidfd(p->pid);
    if (p->pidfd_fd >= 0)
        p->watch = pidfd_set_add(loop, p->pidfd_fd, on_child_pidfd, p);
    if (p->watch)
        return;
    uv_signal_init(loop, &p->sigchld);
    p->have_sigchld = true;
    p->sigchld.data = p;
    uv_signal_start(&p->sigchld, on_sigchld, SIGCHLD);
    uv_timer_start(&p->soon, on_first_check, 0, 0);
}

task_proc *exec_local_start(uv_loop_t *loop, const exec_request *req)
{
    task_proc *p = proc_new(loop, req->done, req->arg);
    if (req->has_log_fd && !req->log_record) /* appending, as the log wants */
        fcntl(req->log_fd, F_SETFL, O_APPEND | O_NONBLOCK);
    p->log_fd = req->has_log_fd ? req->log_fd : open_log(req->log_path, req->log_record);
    int out = p->log_fd, pipe_fds[2] = {-1, -1};
    if (req->capture_last_line && pipe2(pipe_fds, O_CLOEXEC) == 0) {
        uv_pipe_init(loop, &p->out, 0);
        p->out.data = p;
        p->have_pipe = true;
        if (uv_pipe_open(&p->out, pipe_fds[0]) == 0)
            out = pipe_fds[1];
        else
            close(pipe_fds[0]);
    }
    char *script = start_script(req->command, req->log_record ? req->log_path : NULL);
    char started[TRY_STATUS_RECORD + 1];
    try_status_record(started, "started");
    char *args[] = {"sh", "-c", script, NULL};
    int pidfd = -1; /* from the clone itself when the kernel can */
    proc_spawn_opts opts = {
        .file = "/bin/sh",
        .argv = args,
        .env = req->env,
        .cwd = req->cwd,
        .out_fd = out,
        .err_fd = p->log_fd,
        .pidfd = &pidfd,
        .note = req->log_record ? started : NULL,
        .note_fd = p->log_fd,
        .note_len = TRY_STATUS_RECORD,
    };
    int pid = proc_spawn(&opts);
    free(script);
    if (pipe_fds[1] >= 0)
        close(pipe_fds[1]); /* the child has its copy: EOF when it is gone */
    if (pid < 0) {
        fcntl(p->log_fd, F_SETFL, O_APPEND | O_NONBLOCK); /* the child may not have */
        dprintf(p->log_fd, "[dagd] cannot start /bin/sh in %s: %s\n", req->cwd, strerror(-pid));
        p->res.spawn_failed = true;
        uv_timer_start(&p->soon, on_spawn_failed, 0, 0);
        return p;
    }
    p->pid = pid;
    watch_child(loop, p, pidfd);
    if (out != p->log_fd) {
        p->pipe_open = true;
        uv_read_start((uv_stream_t *)&p->out, on_alloc, on_read);
    }
    if (req->timeout_us > 0)
        uv_timer_start(&p->timer, on_timeout, (uint64_t)((req->timeout_us + 999) / 1000), 0);
    return p;
}

int exec_read_exit_line(const char *log_path, size_t skip, char **last_line)
{
    if (last_line)
        *last_line = NULL;
    int fd = open(log_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    char buf[8192];
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof buf - 1 ? size - (off_t)sizeof buf + 1 : 0;
    if (from < (off_t)skip) /* the status record is no line of the task's */
        from = (off_t)skip;
    ssize_t n = pread(fd, buf, sizeof buf - 1, from);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *mark = NULL;
    for (char *s = strstr(buf, EXEC_EXIT_MARK); s; s = strstr(s + 1, EXEC_EXIT_MARK))
        mark = s;
    if (!mark)
        return -1;
    int code = atoi(mark + strlen(EXEC_EXIT_MARK));
    if (last_line && mark > buf) {
        char *end = mark - 1; /* the newline before the mark */
        while (end > buf && end[-1] == '\n')
            end--;
        char *start = end;
        while (start > buf && start[-1] != '\n')
            start--;
        if (end > start)
            *last_line = xstrndup(start, (size_t)(end - start));
    }
    return code;
}

static void follow_ended(task_proc *p)
{
    if (p->exited)
        return;
    p->exited = true;
    if (p->killing)
        kill(-p->pid, SIGKILL);
    /* The status file first: its record survives a full disk. */
    int status_code = -1;
    bool exited =
        p->status_path && try_status_read(p->status_path, &status_code) == TRY_STATUS_EXITED;
    int code = exec_read_exit_line(p->log_path, p->header, p->capture ? &p->last_line : NULL);
    if (exited)
        code = status_code;
    p->res.exit_code = code;
    p->res.status_unknown = code < 0 && !p->res.timed_out;
    /* Its shell died without a word: what it left must not run beside the
     * next try (the group cannot be reused while a member lives). */
    if (p->res.status_unknown && p->pid > 0)
        kill(-p->pid, SIGKILL);
    int fd = open(p->log_path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0 && p->res.status_unknown)
        dprintf(fd, "[dagd] the try ended while the agent was away; its exit status is lost\n");
    if (fd >= 0)
        close(fd);
    finish(p);
}

static void on_pidfd(void *arg)
{
    task_proc *p = arg;
    unwatch(p);
    follow_ended(p);
}

static void on_follow_check(uv_timer_t *t)
{
    task_proc *p = t->data;
    if (p->pid <= 0 || kill(p->pid, 0) != 0)
        follow_ended(p);
}

task_proc *exec_local_follow(uv_loop_t *loop, int pid, const try_files *f, int64_t timeout_us,
                             bool capture_last_line, exec_done_fn done, void *arg)
{
    task_proc *p = proc_new(loop, done, arg);
    p->followed = true;
    p->pid = pid;
    p->capture = capture_last_line;
    p->log_path = xstrdup(f->log);
    p->status_path = xstrdup(f->status);
    p->header = f->header;
    p->log_fd = open(f->log, O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
    p->pidfd_fd = pid > 0 ? proc_pidfd(pid) : -1;
    if (p->pidfd_fd >= 0)
        p->watch = pidfd_set_add(loop, p->pidfd_fd, on_pidfd, p);
    if (!p->watch) {
        /* No process (report next turn) or no pidfd (check now and then). */
        uv_timer_start(&p->soon, on_follow_check, 0, pid > 0 ? FOLLOW_POLL_MS : 0);
    }
    if (pid > 0 && timeout_us > 0)
        uv_timer_start(&p->timer, on_timeout, (uint64_t)((timeout_us + 999) / 1000), 0);
    else if (pid > 0 && timeout_us < 0)
        uv_timer_start(&p->timer, on_timeout, 0, 0); /* its time is already up */
    return p;
}

void exec_local_detach(task_proc *p, bool kill_group)
{
    if (kill_group && p->pid > 0 && !p->exited)
        kill(-p->pid, SIGKILL);
    p->reported = true;
    p->exited = true;
    release(p);
}

void exec_local_kill(task_proc *p)
{
    start_kill(p);
}

void exec_local_set_arg(task_proc *p, void *arg)
{
    p->arg = arg;
}

int exec_local_pid(const task_proc *p)
{
    return p->pid;
}
