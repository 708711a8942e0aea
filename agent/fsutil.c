#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

/* Deepest folder first: in the common case (parents exist) one call. */
int mkdir_all(const char *path, int mode)
{
    if (mkdir(path, (mode_t)mode) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return -1;
    char *parent = xstrdup(path);
    char *slash = strrchr(parent, '/');
    int rc = -1;
    if (slash && slash != parent) {
        *slash = '\0';
        rc = mkdir_all(parent, mode);
    }
    free(parent);
    if (rc == 0 && mkdir(path, (mode_t)mode) && errno != EEXIST)
        rc = -1;
    return rc;
}

int mkdir_parents(const char *path, int mode)
{
    char *p = xstrdup(path);
    char *slash = strrchr(p, '/');
    int rc = 0;
    if (slash && slash != p) {
        *slash = '\0';
        rc = mkdir_all(p, mode);
    }
    free(p);
    return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

int rm_tree(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *fs_part(const char *s)
{
    bool dots = strcmp(s, ".") == 0 || strcmp(s, "..") == 0;
    if (*s && !dots && !strpbrk(s, "/%"))
        return xstrdup(s);
    strbuf sb = {0};
    if (!*s)
        sb_append(&sb, "%"); /* "" is no component: "%" is no other name's */
    for (; *s; s++) {
        if (*s == '/' || *s == '%' || (dots && *s == '.'))
            sb_appendf(&sb, "%%%02X", (unsigned char)*s);
        else
            sb_appendf(&sb, "%c", *s);
    }
    return sb_take(&sb);
}

int fs_open_below(const char *root, const char *rel)
{
    int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -1;
    char *copy = xstrdup(rel);
    int fd = -1, err = 0;
    char *save = NULL;
    for (char *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
        if (strcmp(part, ".") == 0 || strcmp(part, "..") == 0) {
            err = EINVAL;
            break;
        }
        bool last = !save || !*save;
        /* O_NONBLOCK: a FIFO planted there must not hang the agent. */
        int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY);
        int next = openat(dir, part, flags);
        if (next < 0) {
            err = errno;
            break;
        }
        close(dir);
        dir = -1;
        if (last) {
            fd = next;
            break;
        }
        dir = next;
    }
    if (dir >= 0)
        close(dir);
    free(copy);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
        err = EINVAL;
    }
    if (fd < 0)
        errno = err ? err : EINVAL;
    return fd;
}

char *fs_read_tail(const char *path, size_t skip, size_t max, size_t *len, bool *cut)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size <= skip) {
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size - skip;
    size_t want = size < max ? size : max;
    off_t offset = (off_t)(skip + size - want);
    char *buf = xmalloc(want + 1);
    ssize_t got = pread(fd, buf, want, offset);
    close(fd);
    if (got <= 0) {
        free(buf);
        return NULL;
    }
    buf[got] = '\0';
    *len = (size_t)got;
    *cut = offset > (off_t)skip;
    return buf;
}

int64_t fs_mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}
