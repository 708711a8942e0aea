#include "tui_grid_layout.h"

#include <ctype.h>
#include <string.h>

void gl_geometry_compute(int width, int height, int label_w, gl_geometry *out)
{
    out->title_y = 0;
    out->header_y = 1;
    out->rows_y = 2;
    out->status_y = height > 0 ? height - 1 : 0;
    out->detail_y = out->status_y - 2;
    out->rows = out->detail_y - out->rows_y;
    if (out->rows < 1)
        out->rows = 1;
    out->label_w = label_w;
    out->avail = width - label_w;
    if (out->avail < 0)
        out->avail = 0;
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int gl_column_widths(const char *const *names, size_t n, int avail, int *widths, bool *fits)
{
    int cap = GL_SCROLL_COL;
    *fits = false;
    for (int c = GL_MAX_COL; c >= GL_MIN_COL; c--) {
        long total = 0;
        for (size_t i = 0; i < n; i++)
            total += clamp((int)strlen(names[i]), GL_MIN_COL, c) + 1;
        if (total <= avail) {
            cap = c;
            *fits = true;
            break;
        }
    }
    for (size_t i = 0; i < n; i++)
        widths[i] = clamp((int)strlen(names[i]), GL_MIN_COL, cap);
    return cap;
}

/* Words of a task id: split at '_' (which then costs a column when kept)
 * and at a lower-to-upper case step ("extractOrders"). */
typedef struct word {
    const char *s;
    int len;
    bool underscore; /* an '_' separated it from the word before */
} word;

static int split_words(const char *name, word *w, int max)
{
    int n = 0;
    bool pending_us = false;
    for (const char *p = name; *p;) {
        if (*p == '_') {
            pending_us = n > 0;
            p++;
            continue;
        }
        const char *start = p++;
        while (*p && *p != '_' && !(islower((unsigned char)p[-1]) && isupper((unsigned char)*p)))
            p++;
        if (n == max)
            return 0; /* too many words to be worth splitting */
        w[n++] = (word){start, (int)(p - start), pending_us};
        pending_us = false;
    }
    return n;
}

void gl_abbreviate(const char *name, int width, char *out, size_t outlen)
{
    if (outlen == 0)
        return;
    if (width < 0)
        width = 0;
    if ((size_t)width >= outlen)
        width = (int)outlen - 1;
    int len = (int)strlen(name);
    if (len <= width) {
        memcpy(out, name, (size_t)len + 1);
        return;
    }
    word w[16];
    int nw = split_words(name, w, 16);
    int seps = 0;
    for (int i = 0; i < nw; i++)
        seps += w[i].underscore;
    int k = 0;
    if (nw >= 2 && width >= nw + seps) {
        /* Every word gets one letter, the rest is dealt out in turns from
         * the first word, so similar names stay distinguishable. */
        int alloc[16];
        int budget = width - seps - nw;
        for (int i = 0; i < nw; i++)
            alloc[i] = 1;
        for (bool gave = true; budget > 0 && gave;) {
            gave = false;
            for (int i = 0; i < nw && budget > 0; i++) {
                if (alloc[i] < w[i].len) {
                    alloc[i]++;
                    budget--;
                    gave = true;
                }
            }
        }
        for (int i = 0; i < nw; i++) {
            if (w[i].underscore)
                out[k++] = '_';
            memcpy(out + k, w[i].s, (size_t)alloc[i]);
            k += alloc[i];
        }
    } else if (nw >= 2) {
        for (int i = 0; i < nw && k < width; i++)
            out[k++] = w[i].s[0];
    } else {
        memcpy(out, name, (size_t)width);
        k = width;
    }
    out[k] = '\0';
}

/* Columns FROM..TO (inclusive) with their gaps. */
static long span(const int *widths, int from, int to)
{
    long s = 0;
    for (int i = from; i <= to; i++)
        s += widths[i] + 1;
    return s;
}

int gl_scroll_columns(const int *widths, size_t n, int avail, int cur, int *left)
{
    if (n == 0) {
        *left = 0;
        return 0;
    }
    int last = (int)n - 1;
    cur = clamp(cur, 0, last);
    *left = clamp(*left, 0, last);
    if (cur < *left)
        *left = cur;
    while (*left < cur && span(widths, *left, cur) > avail)
        (*left)++;
    /* After a widening resize, scroll back rather than leave blank space. */
    while (*left > 0 && span(widths, *left - 1, last) <= avail)
        (*left)--;
    int shown = 0;
    long used = 0;
    for (int i = *left; i <= last; i++) {
        used += widths[i] + 1;
        if (used > avail && shown > 0)
            break;
        shown++;
    }
    return shown;
}

void gl_scroll_rows(int n, int visible, int cur, int *top)
{
    if (visible < 1)
        visible = 1;
    if (cur < *top)
        *top = cur;
    if (cur >= *top + visible)
        *top = cur - visible + 1;
    if (*top > n - visible)
        *top = n - visible;
    if (*top < 0)
        *top = 0;
}

void gl_grid_layout(int width, int height, int label_w, const char *const *names, size_t n_tasks,
                    size_t n_runs, int cur_run, int cur_task, int *widths, gl_grid *io)
{
    gl_geometry_compute(width, height, label_w, &io->geo);
    io->cap = gl_column_widths(names, n_tasks, io->geo.avail, widths, &io->fits);
    io->n_cols = gl_scroll_columns(widths, n_tasks, io->geo.avail, cur_task, &io->left);
    gl_scroll_rows((int)n_runs, io->geo.rows, cur_run, &io->top);
    int rest = (int)n_runs - io->top;
    io->n_rows = rest < io->geo.rows ? (rest < 0 ? 0 : rest) : io->geo.rows;
}
