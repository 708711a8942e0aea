/* The text of one task log as it streams in, split into lines, holding at
 * most a fixed number of bytes (the oldest lines go first) so that a huge
 * log cannot grow dagtop. Pure, no ncurses. */
#ifndef DAGD_TUI_LOGBUF_H
#define DAGD_TUI_LOGBUF_H

#include <stddef.h>

typedef struct logbuf {
    char *text;
    size_t len, cap;
    size_t *start; /* start offset of each line; start[0] == 0 */
    size_t n_start, cap_start;
    size_t max;           /* bytes kept */
    size_t dropped_bytes; /* dropped from the head so far */
    size_t dropped_lines;
} logbuf;

void logbuf_init(logbuf *b, size_t max);
void logbuf_free(logbuf *b);
/* Forget the text (and the drop counters). */
void logbuf_reset(logbuf *b);
void logbuf_append(logbuf *b, const char *s, size_t n);
/* Lines held, counting a last line without its newline. */
size_t logbuf_lines(const logbuf *b);
/* Line I without its newline. */
const char *logbuf_line(const logbuf *b, size_t i, size_t *len);

#endif
