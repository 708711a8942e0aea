/* Small file-system helpers. */
#ifndef DAGD_FSUTIL_H
#define DAGD_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stat;

/* mkdir -p for the folders of PATH (not PATH itself). 0 or -1 (errno). */
int mkdir_parents(const char *path, int mode);
/* mkdir -p PATH. */
int mkdir_all(const char *path, int mode);

/* ST's modification time in nanoseconds, as the store keeps it. */
int64_t fs_mtime_ns(const struct stat *st);

/* rm -rf PATH (no symlinks followed). */
int rm_tree(const char *path);

/* S as one path component (new string): itself when it is a valid id or
 * run id; otherwise '/', '%' and the dots of "." / ".." are written %XX, so
 * that no stored name can climb out of the logs folder. */
char *fs_part(const char *s);

/* Open REL (a/b/c) below the folder ROOT for reading without following a
 * symlink at any step (openat + O_NOFOLLOW per component): a link planted
 * in the tree cannot lead a reader out of it. The file must be a regular
 * file. An fd, or -1 with errno (ELOOP for a link, EINVAL for a path with
 * "..", an empty part or a file that is not regular). */
int fs_open_below(const char *root, const char *rel);

/* The last MAX bytes of PATH after its first SKIP (a try log's status
 * record: logpath.h), all of them when fewer, NUL-terminated, in a new
 * buffer of *LEN bytes; *CUT says bytes before them (after SKIP) were
 * left out. NULL when PATH cannot be read or has nothing after SKIP. */
char *fs_read_tail(const char *path, size_t skip, size_t max, size_t *len, bool *cut);

#endif
