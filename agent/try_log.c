#include "try_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void try_log_vline(int fd, const char *fmt, va_list ap)
{
    if (fd < 0)
        return;
    char *msg = xvasprintf(fmt, ap);
    dprintf(fd, "[dagd] %s\n", msg);
    free(msg);
}

void try_log_write(int fd, const char *data, size_t len)
{
    while (len && fd >= 0) {
        ssize_t n = write(fd, data, len);
        if (n <= 0)
            break; /* a full disk: the try goes on, its log stops */
        data += n;
        len -= (size_t)n;
    }
}

void try_log_last_line(strbuf *line, char **last, const char *data, size_t len)
{
    for (size_t k = 0; k < len; k++) {
        if (data[k] == '\n') {
            free(*last);
            *last = sb_take(line);
        } else if (line->len < LAST_LINE_MAX) {
            sb_append_len(line, &data[k], 1);
        }
    }
}
