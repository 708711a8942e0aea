#include "tui_grid_layout.h"
#include "tui_scroll.h"

#include <ctype.h>
#include <stdlib.h>
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

/* Words of a task id: split at '_' (which then costs a column when kept),
 * at a lower-to-upper case step ("extractOrders") and where digits start
 * ("part2"). */
typedef struct word {
    const char *s;
    int len;
    bool underscore; /* an '_' separated it from the word before */
} word;

static bool word_break(const char *p)
{
    unsigned char a = (unsigned char)p[-1], b = (unsigned char)*p;
    return (islower(a) && isupper(b)) || (isalpha(a) && isdigit(b));
}

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
        while (*p && *p != '_' && !word_break(p))
            p++;
        if (n == max)
            return 0; /* too many words to be worth splitting */
        w[n++] = (word){start, (int)(p - start), pending_us};
        pending_us = false;
    }
    return n;
}

static bool all_digits(const word *w)
{
    for (int i = 0; i < w->len; i++)
        if (!isdigit((unsigned char)w->s[i]))
            return false;
    return true;
}

static int common_prefix(const char *a, const char *b)
{
    int i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    return i;
}

static const char *const *sort_names; /* for qsort: dagtop has one thread */
static int by_name(const void *x, const void *y)
{
    return strcmp(sort_names[*(const size_t *)x], sort_names[*(const size_t *)y]);
}

void gl_distinguish(const char *const *names, size_t n, int *at, size_t *scratch)
{
    for (size_t i = 0; i < n; i++) {
        at[i] = -1;
        scratch[i] = i;
    }
    if (n < 2)
        return;
    sort_names = names;
    qsort(scratch, n, sizeof *scratch, by_name);
    /* The most similar name is a neighbour in sorted order. */
    for (size_t k = 0; k + 1 < n; k++) {
        size_t i = scratch[k], j = scratch[k + 1];
        int p = common_prefix(names[i], names[j]);
        if (p > at[i])
            at[i] = p;
        if (p > at[j])
            at[j] = p;
    }
    for (size_t i = 0; i < n; i++)
        if (at[i] >= (int)strlen(names[i]))
            at[i] = -1; /* a prefix of another name: its end tells it apart */
}

void gl_abbreviate(const char *name, int width, char *out, size_t outlen)
{
    gl_abbreviate_at(name, width, -1, out, outlen);
}

void gl_abbreviate_at(const char *name, int width, int keep_at, char *out, size_t outlen)
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
    if (nw < 2) {
        /* One long word: its start, or the part that tells it apart. */
        int from = keep_at >= width ? keep_at - width + 1 : 0;
        memcpy(out, name + from, (size_t)width);
        out[width] = '\0';
        return;
    }
    /* What each word must keep: a letter; numbers whole (part_01 vs
     * part_02); the word that tells the name from a similar one up to the
     * letter that does. ANCHOR is the word kept when even that is too wide. */
    int need[16], alloc[16], seps = 0, must = 0, anchor = -1;
    for (int i = 0; i < nw; i++) {
        seps += w[i].underscore;
        need[i] = all_digits(&w[i]) ? w[i].len : 1;
        if (need[i] > 1)
            anchor = i;
        int off = keep_at - (int)(w[i].s - name);
        if (keep_at >= 0 && off >= 0 && off < w[i].len) {
            if (off + 1 > need[i])
                need[i] = off + 1;
            anchor = i;
        }
        must += need[i];
    }
    int k = 0;
    if (must <= width) {
        /* Separators when they fit; the rest dealt out in turns from the
         * first word, so similar names stay distinguishable. */
        bool with_seps = must + seps <= width;
        int budget = width - must - (with_seps ? seps : 0);
        for (int i = 0; i < nw; i++)
            alloc[i] = need[i];
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
            if (with_seps && w[i].underscore)
                out[k++] = '_';
            memcpy(out + k, w[i].s, (size_t)alloc[i]);
            k += alloc[i];
        }
        out[k] = '\0';
        return;
    }
    /* Too narrow for what must stay: initials and the kept parts, cut
     * around the anchor word so that the part that tells names apart shows. */
    char all[256];
    int n = 0, a_end = 0;
    for (int i = 0; i < nw && n + need[i] < (int)sizeof all; i++) {
        memcpy(all + n, w[i].s, (size_t)need[i]);
        n += need[i];
        if (i == anchor)
            a_end = n;
    }
    int from = anchor >= 0 && a_end > width ? a_end - width : 0;
    memcpy(out, all + from, (size_t)width);
    out[width] = '\0';
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
    scroll_show(top, cur, cur, n, visible);
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
