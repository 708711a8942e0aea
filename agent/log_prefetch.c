#include "log_prefetch.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct prefetch {
    uv_work_t work;
    char **paths;
    size_t n;
} prefetch;

/* Empty, it says nothing until the claim writes "claimed" at its start.
 * No O_TRUNC: a claim or a shell that got there first keeps its bytes.
 * The run's folder only when it is missing (its first try). */
static void make_file(const char *path)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK;
    int fd = open(path, flags, 0640);
    if (fd < 0 && errno == ENOENT && mkdir_parents(path, 0750) == 0)
        fd = open(path, flags, 0640);
    if (fd >= 0)
        close(fd);
}

static void make_files(uv_work_t *w)
{
    prefetch *p = w->data;
    for (size_t i = 0; i < p->n; i++)
        make_file(p->paths[i]);
}

static void done(uv_work_t *w, int status)
{
    (void)status;
    prefetch *p = w->data;
    for (size_t i = 0; i < p->n; i++)
        free(p->paths[i]);
    free(p->paths);
    free(p);
}

void log_prefetch(uv_loop_t *loop, char **paths, size_t n)
{
    prefetch *p = xcalloc(1, sizeof *p);
    p->paths = paths;
    p->n = n;
    p->work.data = p;
    if (uv_queue_work(loop, &p->work, make_files, done) != 0) {
        make_files(&p->work);
        done(&p->work, 0);
    }
}
