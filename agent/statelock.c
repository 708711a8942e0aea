#include "statelock.h"
#include "fsutil.h"
#include "procutil.h"
#include "log.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
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

/* A holder that was just killed releases the lock a moment after it is
 * reaped (the kernel closes its files as its last thread goes): dead or a
 * zombie counts as gone. */
static bool holder_gone(long pid)
{
    if (pid <= 0)
        return false;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return true;
    char state = proc_state((int)pid);
    return state == 0 || state == 'Z' || state == 'X';
}

static int lock_or_wait_for_dead_holder(int fd, long *holder)
{
    /* Up to 2 s for a holder that is gone already; none for a live one. */
    for (int i = 0; i < 200; i++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno != EWOULDBLOCK)
            return -1;
        *holder = wait_for_holder(fd);
        if (!holder_gone(*holder))
            break;
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    errno = EWOULDBLOCK;
    return -1;
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
    long pid = 0;
    if (lock_or_wait_for_dead_holder(fd, &pid) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK) {
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
    char pidbuf[32];
    int n = snprintf(pidbuf, sizeof pidbuf, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pidbuf, (size_t)n, 0) != n) {
        /* The lock holds without the pid; only the message is poorer. */
        log_warn("%s/dagd.lock: cannot write the pid: %s", state_dir, strerror(errno));
    }
    return fd;
}
