/* Processes' pidfds watched through one descriptor on the loop: an epoll of
 * its own, which libuv polls as one handle. Adding a process costs one
 * epoll_ctl; libuv's set-up of a handle per pidfd (an ioctl and four
 * epoll_ctl, a close callback a loop turn later) is paid once. An adapter:
 * no agent state. The loop thread only. */
#ifndef DAGD_PIDFD_SET_H
#define DAGD_PIDFD_SET_H

#include <uv.h>

typedef struct pidfd_watch pidfd_watch;
typedef void (*pidfd_ready_fn)(void *arg);

/* Call READY(ARG) once PIDFD is readable (its process ended), until
 * removed; NULL when the set cannot take it (the caller falls back). */
pidfd_watch *pidfd_set_add(uv_loop_t *loop, int pidfd, pidfd_ready_fn ready, void *arg);
/* Stop watching and close PIDFD (its last descriptor: the close takes it
 * out of the epoll, no call needed). W may be the one whose READY runs. */
void pidfd_set_close(pidfd_watch *w, int pidfd);

#endif
