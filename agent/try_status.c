#include "try_status.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void try_status_record(char rec[TRY_STATUS_RECORD + 1], const char *word)
{
    snprintf(rec, TRY_STATUS_RECORD + 1, "%-*s\n", TRY_STATUS_RECORD - 1, word);
}

/* The descriptor the record went through, or -1 (errno). */
static int write_record_fd(const char *path, int flags, const char *word)
{
    char rec[TRY_STATUS_RECORD + 1];
    try_status_record(rec, word);
    /* O_NONBLOCK: a FIFO planted at the path fails (ENXIO), never hangs the loop. */
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK | flags, 0640);
    if (fd < 0)
        return -1;
    if (pwrite(fd, rec, TRY_STATUS_RECORD, 0) == TRY_STATUS_RECORD)
        return fd;
    int saved = errno ? errno : ENOSPC; /* a short write: the space ran out */
    close(fd);
    errno = saved;
    return -1;
}

static int write_record(const char *path, int flags, const char *word)
{
    int fd = write_record_fd(path, flags, word);
    if (fd < 0)
        return -1;
    if (close(fd) != 0)
        return -1; /* a delayed write error (NFS): the space is not sure */
    return 0;
}

/* The folder only when it is missing: usually the runner made the file
 * ahead (log_prefetch.h), and then the claim is one open and one write,
 * and the try's process writes through the same descriptor (no second
 * open). No O_TRUNC: on an empty file the record takes a new block (held
 * on a full disk: runner.c), on a claimed one it is rewritten in place. */
int try_status_claim(const char *path)
{
    int fd = write_record_fd(path, O_CREAT, "claimed");
    if (fd >= 0 || errno != ENOENT)
        return fd;
    if (mkdir_parents(path, 0750) != 0 && errno != EEXIST)
        return -1;
    return write_record_fd(path, O_CREAT, "claimed");
}

int try_status_started(const char *path)
{
    return write_record(path, 0, "started");
}

enum try_status try_status_read(const char *path, int *exit_code)
{
    char rec[TRY_STATUS_RECORD + 1];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return TRY_STATUS_MISSING;
    ssize_t n = pread(fd, rec, TRY_STATUS_RECORD, 0);
    close(fd);
    if (n <= 0)
        return TRY_STATUS_MISSING;
    rec[n] = '\0';
    if (strncmp(rec, "claimed", 7) == 0)
        return TRY_STATUS_CLAIMED;
    if (strncmp(rec, "exit ", 5) == 0) {
        char *end;
        long code = strtol(rec + 5, &end, 10);
        if (end > rec + 5 && code >= 0 && code <= 255) {
            *exit_code = (int)code;
            return TRY_STATUS_EXITED;
        }
    }
    /* "started", or a record cut short: the try began, its end is unknown. */
    return TRY_STATUS_STARTED;
}
