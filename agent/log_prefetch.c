#include "log_prefetch.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct prefetch {
    uv_work_t work;
    char *log;
} prefetch;

/* Empty, it says nothing until the claim writes "claimed" at its start.
 * No O_TRUNC: a claim or a shell that got there first keeps its bytes.
 * The run's folder only when it is missing (its first try). */
static void make_file(uv_work_t *w)
{
    prefetch *p = w->data;
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK;
    int fd = open(p->log, flags, 0640);
    if (fd < 0 && errno == ENOENT && mkdir_parents(p->log, 0750) == 0)
        fd = open(p->log, flags, 0640);
    if (fd >= 0)
        close(fd);
}

static void done(uv_work_t *w, int status)
{
    (void)status;
    prefetch *p = w->data;
    free(p->log);
    free(p);
}

void log_prefetch(uv_loop_t *loop, const char *log_path)
{
    prefetch *p = xcalloc(1, sizeof *p);
    p->log = xstrdup(log_path);
    p->work.data = p;
    if (uv_queue_work(loop, &p->work, make_file, done) != 0) {
        make_file(&p->work);
        done(&p->work, 0);
    }
}
