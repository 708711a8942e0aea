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

static int write_record(const char *path, int flags, const char *word)
{
    char rec[TRY_STATUS_RECORD + 1];
    try_status_record(rec, word);
    /* O_NONBLOCK: a FIFO planted at the path fails (ENXIO), never hangs the loop. */
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK | flags, 0640);
    if (fd < 0)
        return -1;
    ssize_t n = pwrite(fd, rec, TRY_STATUS_RECORD, 0);
    int saved = errno;
    if (close(fd) != 0 && n == TRY_STATUS_RECORD)
        return -1; /* a delayed write error (NFS): the space is not sure */
    errno = saved;
    return n == TRY_STATUS_RECORD ? 0 : -1;
}

/* The folder only when it is missing: usually the runner made the file
 * ahead (log_prefetch.h), and then the claim is one open, one write, one
 * close. No O_TRUNC: on an empty file the record takes a new block (held
 * on a full disk: runner.c), on a claimed one it is rewritten in place. */
int try_status_claim(const char *path)
{
    if (write_record(path, O_CREAT, "claimed") == 0)
        return 0;
    if (errno != ENOENT)
        return -1;
    if (mkdir_parents(path, 0750) != 0 && errno != EEXIST)
        return -1;
    return write_record(path, O_CREAT, "claimed");
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
