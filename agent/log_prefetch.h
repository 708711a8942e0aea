/* A try's log file (its one inode: logpath.h) made ahead on libuv's thread
 * pool: creating inodes is the dearest part of starting a short task
 * (ext4), and off the loop it runs beside the task before. */
#ifndef DAGD_LOG_PREFETCH_H
#define DAGD_LOG_PREFETCH_H

#include <uv.h>

/* The N files of PATHS (taken, with the array), in one work item: a
 * thread woken per batch, not per try. Best effort: whatever fails here is
 * made (or reported) by the claim and the start, which open first and make
 * folders only when missing. */
void log_prefetch(uv_loop_t *loop, char **paths, size_t n);

#endif
