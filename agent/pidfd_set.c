#include "pidfd_set.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

struct pidfd_watch {
    pidfd_ready_fn ready;
    void *arg;
    bool removed;
    pidfd_watch *next_doomed;
};

/* Ends seen in one wake-up; more wait for the next turn (level-triggered). */
#define READY_MAX 32

/* One set per process: the agent has one loop. A test that makes another
 * loop gets the set made again for it. */
static struct {
    uv_loop_t *loop;
    int loop_fd; /* its epoll: a new loop at the old one's address has another */
    uv_poll_t poll;
    int epfd;
    size_t n;            /* watches added and not removed */
    bool dispatching;    /* a READY runs: removed watches are freed after */
    pidfd_watch *doomed; /* removed while dispatching */
} set = {.epfd = -1};

static void free_doomed(void)
{
    while (set.doomed) {
        pidfd_watch *w = set.doomed;
        set.doomed = w->next_doomed;
        free(w);
    }
}

static void on_ready(uv_poll_t *h, int status, int events)
{
    (void)h, (void)status, (void)events;
    struct epoll_event ev[READY_MAX];
    int n = epoll_wait(set.epfd, ev, READY_MAX, 0);
    set.dispatching = true;
    for (int i = 0; i < n; i++) {
        pidfd_watch *w = ev[i].data.ptr;
        if (!w->removed)
            w->ready(w->arg);
    }
    set.dispatching = false;
    free_doomed();
}

static bool open_for(uv_loop_t *loop)
{
    if (set.loop == loop && set.loop_fd == uv_backend_fd(loop) &&
        !uv_is_closing((uv_handle_t *)&set.poll))
        return true;
    if (set.epfd >= 0)
        close(set.epfd); /* the old loop's (a test's): its handle went with it */
    set.loop = NULL;
    set.n = 0;
    set.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (set.epfd < 0)
        return false;
    if (uv_poll_init(loop, &set.poll, set.epfd) != 0 ||
        uv_poll_start(&set.poll, UV_READABLE, on_ready) != 0) {
        close(set.epfd);
        set.epfd = -1;
        return false;
    }
    uv_unref((uv_handle_t *)&set.poll); /* only watches keep the loop alive */
    set.loop = loop;
    set.loop_fd = uv_backend_fd(loop);
    return true;
}

pidfd_watch *pidfd_set_add(uv_loop_t *loop, int pidfd, pidfd_ready_fn ready, void *arg)
{
    if (!open_for(loop))
        return NULL;
    pidfd_watch *w = xcalloc(1, sizeof *w);
    w->ready = ready;
    w->arg = arg;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
    if (epoll_ctl(set.epfd, EPOLL_CTL_ADD, pidfd, &ev) != 0) {
        free(w);
        return NULL;
    }
    if (set.n++ == 0)
        uv_ref((uv_handle_t *)&set.poll);
    return w;
}

void pidfd_set_close(pidfd_watch *w, int pidfd)
{
    if (pidfd >= 0)
        close(pidfd);
    if (!w || w->removed)
        return;
    w->removed = true;
    if (--set.n == 0)
        uv_unref((uv_handle_t *)&set.poll);
    if (set.dispatching) {
        w->next_doomed = set.doomed;
        set.doomed = w;
    } else {
        free(w);
    }
}
