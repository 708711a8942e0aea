#include "statelock.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

/* The holder's pid from the lock file, 0 when it has not written it yet. */
static long read_holder(int fd)
{
    char buf[32] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

static long wait_for_holder(int fd)
{
    /* A holder that has just taken the lock writes its pid a moment later. */
    for (int i = 0; i < 50; i++) {
        long pid = read_holder(fd);
        if (pid > 0)
            return pid;
        nanosleep(&(struct timespec){0, 2 * 1000 * 1000}, NULL);
    }
    return 0;
}

int statelock_acquire(const char *state_dir, char *err, size_t errlen)
{
    if (mkdir_all(state_dir, 0750)) {
        snprintf(err, errlen, "%s: %s", state_dir, strerror(errno));
        return -1;
    }
    char *path = xasprintf("%s/dagd.lock", state_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    free(path);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
            long pid = wait_for_holder(fd);
            if (pid > 0)
                snprintf(err, errlen, "%s is in use by agent %ld", state_dir, pid);
            else
                snprintf(err, errlen, "%s is in use by another agent", state_dir);
        } else {
            snprintf(err, errlen, "%s/dagd.lock: %s", state_dir, strerror(e));
        }
        close(fd);
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        /* The lock holds without the pid; only the message is poorer. */
        fprintf(stderr, "dagd: %s/dagd.lock: cannot write the pid: %s\n", state_dir,
                strerror(errno));
    }
    return fd;
}
