#include "log_prefetch.h"
#include "fsutil.h"
#include "try_status.h"
#include "util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct prefetch {
    uv_work_t work;
    char *log, *status;
} prefetch;

static void create(const char *path)
{
    /* No O_TRUNC: a claim or a shell that got there first keeps its bytes. */
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
    if (fd >= 0)
        close(fd);
}

static void make_files(uv_work_t *w)
{
    prefetch *p = w->data;
    mkdir_parents(p->log, 0750); /* the deepest folder first: one mkdir */
    create(p->log);
    /* Empty, it says nothing until the claim writes "claimed". */
    create(p->status);
}

static void done(uv_work_t *w, int status)
{
    (void)status;
    prefetch *p = w->data;
    free(p->log);
    free(p->status);
    free(p);
}

void log_prefetch(uv_loop_t *loop, const char *log_path)
{
    prefetch *p = xcalloc(1, sizeof *p);
    p->log = xstrdup(log_path);
    p->status = try_status_path(log_path);
    p->work.data = p;
    if (uv_queue_work(loop, &p->work, make_files, done) != 0) {
        make_files(&p->work);
        done(&p->work, 0);
    }
}
