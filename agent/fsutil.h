/* Small file-system helpers. */
#ifndef DAGD_FSUTIL_H
#define DAGD_FSUTIL_H

#include <stddef.h>

/* mkdir -p for the folders of PATH (not PATH itself). 0 or -1 (errno). */
int mkdir_parents(const char *path, int mode);
/* mkdir -p PATH. */
int mkdir_all(const char *path, int mode);

/* rm -rf PATH (no symlinks followed). */
int rm_tree(const char *path);

/* S as one path component (new string): itself when it is a valid id or
 * run id; otherwise '/', '%' and the dots of "." / ".." are written %XX, so
 * that no stored name can climb out of the logs folder. */
char *fs_part(const char *s);

#endif
