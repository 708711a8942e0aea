#include "tui_logbuf.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void logbuf_init(logbuf *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
    b->cap_start = 64;
    b->start = xmalloc(b->cap_start * sizeof *b->start);
    b->start[0] = 0;
    b->n_start = 1;
}

void logbuf_free(logbuf *b)
{
    free(b->text);
    free(b->start);
    memset(b, 0, sizeof *b);
}

void logbuf_reset(logbuf *b)
{
    size_t max = b->max;
    logbuf_free(b);
    logbuf_init(b, max);
}

static void push_start(logbuf *b, size_t off)
{
    if (b->n_start == b->cap_start) {
        b->cap_start *= 2;
        b->start = xrealloc(b->start, b->cap_start * sizeof *b->start);
    }
    b->start[b->n_start++] = off;
}

/* Drop whole lines from the head until a quarter of MAX is free. */
static void trim(logbuf *b)
{
    size_t target = b->max - b->max / 4;
    size_t k = 0;
    while (k + 1 < b->n_start && b->len - b->start[k] > target)
        k++;
    if (k == 0) /* one giant line: cut inside it */
        return;
    size_t cut = b->start[k];
    memmove(b->text, b->text + cut, b->len - cut);
    b->len -= cut;
    memmove(b->start, b->start + k, (b->n_start - k) * sizeof *b->start);
    b->n_start -= k;
    for (size_t i = 0; i < b->n_start; i++)
        b->start[i] -= cut;
    b->dropped_bytes += cut;
    b->dropped_lines += k;
}

void logbuf_append(logbuf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        b->text = xrealloc(b->text, cap);
        b->cap = cap;
    }
    memcpy(b->text + b->len, s, n);
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n')
            push_start(b, b->len + i + 1);
    b->len += n;
    if (b->len > b->max)
        trim(b);
    if (b->len > b->max) {
        /* A single line longer than MAX: keep its tail. */
        size_t cut = b->len - b->max;
        memmove(b->text, b->text + cut, b->max);
        b->len = b->max;
        b->dropped_bytes += cut;
    }
    if (b->cap > 2 * b->len + 4096 && b->cap > b->max / 2) {
        b->cap = b->len + 4096;
        b->text = xrealloc(b->text, b->cap);
    }
}

size_t logbuf_lines(const logbuf *b)
{
    return b->start[b->n_start - 1] == b->len ? b->n_start - 1 : b->n_start;
}

const char *logbuf_line(const logbuf *b, size_t i, size_t *len)
{
    size_t from = b->start[i];
    size_t to = i + 1 < b->n_start ? b->start[i + 1] - 1 : b->len;
    *len = to - from;
    return b->text + from;
}
