#include "file_trigger.h"
#include "batch.h"
#include "fsutil.h"
#include "log.h"
#include "runs.h"
#include "store.h"
#include "timeutil.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

/* An unarmed watch (its folder missing) and a pending rescan are retried
 * this often. */
#define RETRY_MS 2000
/* A logical date taken by another run: try the next microseconds. */
#define DATE_TRIES 1000

typedef struct armed {
    uv_poll_t poll;
    int fd;
    struct watch *w; /* NULL once the watch let go of it */
} armed;

typedef struct watch {
    char *dag_id;
    char *glob; /* as in the model: absolute */
    char *dir, *pattern;
    armed *a; /* NULL: not armed (no folder yet) */
    bool rescan;
    bool warned; /* that the folder is missing, once per arming attempt streak */
    bool keep;   /* sync: still wanted */
    struct file_triggers *owner;
} watch;

struct file_triggers {
    agent *ag;
    watch **w;
    size_t n;
    uv_timer_t retry;
    bool timer_on;
    int64_t last_logical; /* two files seen in one microsecond get two dates */
};

static void on_closed(uv_handle_t *h)
{
    armed *a = h->data;
    close(a->fd);
    free(a);
}

static void disarm(watch *w)
{
    if (!w->a)
        return;
    w->a->w = NULL;
    uv_poll_stop(&w->a->poll);
    uv_close((uv_handle_t *)&w->a->poll, on_closed);
    w->a = NULL;
}

typedef struct seen_file {
    char *path;
    struct stat st;
} seen_file;

/* The run for one file, and its record, in the current batch. */
static void consider(struct file_triggers *ft, watch *w, dag_entry *de, const char *path)
{
    agent *ag = ft->ag;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return; /* gone already, or a folder moved in */
    int64_t mtime_ns = fs_mtime_ns(&st);
    if (store_trigger_seen(ag->db, de->dag_id, path, (int64_t)st.st_size, mtime_ns))
        return;
    int64_t now = time_now_us();
    int64_t logical = now > ft->last_logical ? now : ft->last_logical + 1;
    run *r = NULL;
    int rc = 1;
    for (int k = 0; k < DATE_TRIES && rc == 1; k++, logical++) {
        r = runs_create(ag, de, "file", logical, logical, logical, now, NULL, &rc);
        if (r)
            break;
    }
    if (!r) {
        log_error("%s: no run for %s (%s)", de->dag_id, path,
                  rc < 0 ? "store error" : "no free logical date");
        w->rescan = true; /* try again later */
        return;
    }
    ft->last_logical = logical;
    if (store_trigger_record(ag->db, de->dag_id, path, (int64_t)st.st_size, mtime_ns, r->run_id,
                             now))
        runs_log_store_error(ag, "recording a trigger file");
    log_info("%s: %s triggers %s", de->dag_id, path, r->run_id);
}

static dag_entry *watched_dag(struct file_triggers *ft, watch *w)
{
    dag_entry *de = agent_find_dag(ft->ag, w->dag_id);
    if (!de || !de->model || de->removed || de->duplicate || ft->ag->degraded)
        return NULL;
    return de;
}

static int by_age(const void *x, const void *y)
{
    const seen_file *a = x, *b = y;
    if (a->st.st_mtim.tv_sec != b->st.st_mtim.tv_sec)
        return a->st.st_mtim.tv_sec < b->st.st_mtim.tv_sec ? -1 : 1;
    if (a->st.st_mtim.tv_nsec != b->st.st_mtim.tv_nsec)
        return a->st.st_mtim.tv_nsec < b->st.st_mtim.tv_nsec ? -1 : 1;
    return strcmp(a->path, b->path);
}

static bool matches(const watch *w, const char *name)
{
    /* FNM_PERIOD: "*" skips dot files, as a shell does, so that a writer
     * can fill ".x.tmp" and rename it to "x.csv". */
    return fnmatch(w->pattern, name, FNM_PERIOD) == 0;
}

/* Every matching file of the folder, oldest first (so runs follow the
 * files' order), that is not known yet. */
static void scan(struct file_triggers *ft, watch *w)
{
    dag_entry *de = watched_dag(ft, w);
    if (!de) {
        w->rescan = true;
        return;
    }
    DIR *dir = opendir(w->dir);
    if (!dir) {
        w->rescan = true;
        return;
    }
    w->rescan = false;
    seen_file *files = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (!matches(w, e->d_name))
            continue;
        char *path = xasprintf("%s/%s", w->dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            files = xrealloc(files, cap * sizeof *files);
        }
        files[n++] = (seen_file){path, st};
    }
    closedir(dir);
    if (n)
        qsort(files, n, sizeof *files, by_age);
    for (size_t i = 0; i < n; i++) {
        consider(ft, w, de, files[i].path);
        free(files[i].path);
    }
    free(files);
}

static void on_events(uv_poll_t *p, int status, int events)
{
    (void)events;
    armed *a = p->data;
    watch *w = a->w;
    if (!w)
        return;
    struct file_triggers *ft = w->owner;
    agent *ag = ft->ag;
    if (status < 0) {
        log_error("%s: watching %s: %s", w->dag_id, w->dir, uv_strerror(status));
        disarm(w);
        return;
    }
    dag_entry *de = watched_dag(ft, w);
    bool gone = false;
    batch_begin(ag);
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t len = read(a->fd, buf, sizeof buf);
        if (len <= 0)
            break; /* EAGAIN: all read */
        for (char *c = buf; c < buf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)c;
            c += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW)
                w->rescan = true; /* events were dropped: the folder says what is there */
            if (ev->mask & IN_IGNORED)
                gone = true; /* the folder was removed or unmounted */
            if (!ev->len || !(ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) || !matches(w, ev->name))
                continue;
            if (!de) {
                w->rescan = true; /* looked at again once it can run */
                continue;
            }
            char *path = xasprintf("%s/%s", w->dir, ev->name);
            consider(ft, w, de, path);
            free(path);
        }
    }
    if (w->rescan && de)
        scan(ft, w);
    if (gone) {
        log_warn("%s: trigger folder %s is gone; watching for it again", w->dag_id, w->dir);
        disarm(w);
    }
    ag->pass(ag);
    batch_end(ag);
}

/* Watch first, then scan: a file that arrives in between is seen twice
 * and triggers once (the store knows it). */
static void arm(struct file_triggers *ft, watch *w)
{
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        log_error("%s: inotify: %s", w->dag_id, strerror(errno));
        return;
    }
    if (inotify_add_watch(fd, w->dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR) < 0) {
        if (!w->warned)
            log_warn("%s: trigger_files: cannot watch %s: %s; trying again every %d s", w->dag_id,
                     w->dir, strerror(errno), RETRY_MS / 1000);
        w->warned = true;
        close(fd);
        return;
    }
    armed *a = xcalloc(1, sizeof *a);
    a->fd = fd;
    a->w = w;
    uv_poll_init(ft->ag->loop, &a->poll, fd);
    a->poll.data = a;
    uv_poll_start(&a->poll, UV_READABLE, on_events);
    w->a = a;
    w->warned = false;
    scan(ft, w);
}

static void on_retry(uv_timer_t *t)
{
    struct file_triggers *ft = t->data;
    agent *ag = ft->ag;
    if (ag->stopping)
        return;
    batch_begin(ag);
    for (size_t i = 0; i < ft->n; i++) {
        watch *w = ft->w[i];
        if (!w->a)
            arm(ft, w);
        else if (w->rescan)
            scan(ft, w);
    }
    ag->pass(ag);
    batch_end(ag);
}

static void watch_free(watch *w)
{
    disarm(w);
    free(w->dag_id);
    free(w->glob);
    free(w->dir);
    free(w->pattern);
    free(w);
}

static watch *find_watch(struct file_triggers *ft, const char *dag_id)
{
    for (size_t i = 0; i < ft->n; i++)
        if (strcmp(ft->w[i]->dag_id, dag_id) == 0)
            return ft->w[i];
    return NULL;
}

static watch *watch_new(struct file_triggers *ft, const dag_entry *de)
{
    watch *w = xcalloc(1, sizeof *w);
    w->owner = ft;
    w->dag_id = xstrdup(de->dag_id);
    w->glob = xstrdup(de->model->trigger_files);
    const char *slash = strrchr(w->glob, '/');
    w->dir = slash == w->glob ? xstrdup("/") : xstrndup(w->glob, (size_t)(slash - w->glob));
    w->pattern = xstrdup(slash + 1);
    ft->w = xrealloc(ft->w, (ft->n + 1) * sizeof *ft->w);
    ft->w[ft->n++] = w;
    return w;
}

void file_triggers_sync(agent *ag)
{
    struct file_triggers *ft = ag->triggers;
    if (!ft) {
        ft = ag->triggers = xcalloc(1, sizeof *ft);
        ft->ag = ag;
        uv_timer_init(ag->loop, &ft->retry);
        ft->retry.data = ft;
    }
    for (size_t i = 0; i < ft->n; i++)
        ft->w[i]->keep = false;
    batch_begin(ag);
    for (size_t i = 0; i < ag->n_dags; i++) {
        dag_entry *de = ag->dags[i];
        if (!de->model || !de->model->trigger_files || de->removed || de->duplicate)
            continue;
        watch *w = find_watch(ft, de->dag_id);
        if (w && strcmp(w->glob, de->model->trigger_files) != 0) {
            /* A new glob: drop the old watch, arm the new one. */
            w->keep = false;
            w->dag_id[0] = '\0';
            w = NULL;
        }
        if (!w) {
            w = watch_new(ft, de);
            arm(ft, w);
        }
        w->keep = true;
    }
    size_t kept = 0;
    for (size_t i = 0; i < ft->n; i++) {
        if (ft->w[i]->keep)
            ft->w[kept++] = ft->w[i];
        else
            watch_free(ft->w[i]);
    }
    ft->n = kept;
    if (ft->n && !ft->timer_on)
        uv_timer_start(&ft->retry, on_retry, RETRY_MS, RETRY_MS);
    else if (!ft->n && ft->timer_on)
        uv_timer_stop(&ft->retry);
    ft->timer_on = ft->n > 0;
    batch_end(ag); /* the caller's pass starts the runs */
}

static void on_timer_closed(uv_handle_t *h)
{
    free(h->data);
}

void file_triggers_stop(agent *ag)
{
    struct file_triggers *ft = ag->triggers;
    if (!ft)
        return;
    for (size_t i = 0; i < ft->n; i++)
        watch_free(ft->w[i]);
    free(ft->w);
    uv_close((uv_handle_t *)&ft->retry, on_timer_closed);
    ag->triggers = NULL;
}

bool file_trigger_unchanged(const char *path, int64_t size, int64_t mtime_ns)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno != ENOENT && errno != ENOTDIR;
    return (int64_t)st.st_size == size && fs_mtime_ns(&st) == mtime_ns;
}
