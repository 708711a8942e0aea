/* Small helpers every module uses: allocation that cannot return NULL,
 * growable string buffers and string lists. */
#ifndef DAGD_UTIL_H
#define DAGD_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);
/* The strings up to a NULL, joined: for the hot paths where printf's
 * format walk cost more than the copy (2,000-3,000 instructions a call). */
char *xconcat(const char *first, ...) __attribute__((sentinel));

/* A growable, always NUL-terminated byte buffer. */
typedef struct strbuf {
    char *data;
    size_t len, cap;
} strbuf;

void sb_append(strbuf *sb, const char *s);
void sb_append_len(strbuf *sb, const char *s, size_t n);
void sb_appendf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_append_int(strbuf *sb, long long v);
/* V in decimal into OUT, NUL-terminated; its length. */
size_t fmt_int(char out[24], long long v);
char *sb_take(strbuf *sb); /* returns the string ("" if empty), resets sb */
void sb_free(strbuf *sb);

/* A growable list of owned strings. */
typedef struct strlist {
    char **items;
    size_t n, cap;
} strlist;

void strlist_push(strlist *l, const char *s);
void strlist_push_owned(strlist *l, char *s); /* S is the list's from now */
bool strlist_contains(const strlist *l, const char *s);
void strlist_free(strlist *l);

/* Trim leading and trailing whitespace in place; returns s. */
char *str_trim(char *s);
bool str_starts_with(const char *s, const char *prefix);

#endif
