#include "diag.h"
#include "utf8.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>

void diag_add(diag_list *l, const char *file, int line, bool warning, const char *fmt, ...)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = xrealloc(l->items, l->cap * sizeof *l->items);
    }
    va_list ap;
    va_start(ap, fmt);
    diag *d = &l->items[l->n++];
    /* Problems reach the log and JSON replies: bytes that are not UTF-8
     * (a file name, an id as written) are spelled \xNN once, here. */
    d->file = utf8_escape(file ? file : "");
    d->line = line;
    d->warning = warning;
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    d->message = utf8_escape(msg);
    free(msg);
}

size_t diag_error_count(const diag_list *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += !l->items[i].warning;
    return n;
}

char *diag_format(const diag *d)
{
    const char *kind = d->warning ? "warning: " : "";
    if (d->line > 0)
        return xasprintf("%s:%d: %s%s", d->file, d->line, kind, d->message);
    return xasprintf("%s: %s%s", d->file, kind, d->message);
}

void diag_print(const diag_list *l, FILE *out)
{
    for (size_t i = 0; i < l->n; i++) {
        char *s = diag_format(&l->items[i]);
        fprintf(out, "%s\n", s);
        free(s);
    }
}

void diag_free(diag_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].file);
        free(l->items[i].message);
    }
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}
