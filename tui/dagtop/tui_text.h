/* Text for the terminal: display widths of UTF-8, relative times and short
 * durations. Pure functions (the locale decides what a character is). */
#ifndef DAGD_TUI_TEXT_H
#define DAGD_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Display columns of S (a byte that does not decode counts as one). */
int text_width(const char *s);
/* How many bytes of S (at most N) fit in MAXW columns; *W gets their width. */
size_t text_fit(const char *s, size_t n, int maxw, int *w);

/* "in 3h", "in 12m", "in 40s", "in 2d"; "due" when DELTA_US <= 0. */
void text_relative(int64_t delta_us, char *buf, size_t len);
/* "0.4s", "12s", "3m05s", "1h02m", "2d03h". */
void text_duration(int64_t us, char *buf, size_t len);

/* Copy one line of task output for display: tabs expanded to 8, terminal
 * escape sequences dropped, other control bytes and (when !UTF8) non-ASCII
 * bytes shown as '?'. Returns the length written to OUT (NUL-terminated). */
size_t text_clean_line(const char *s, size_t n, bool utf8, char *out, size_t outlen);

/* S with only ASCII, for a terminal whose locale is not UTF-8: the
 * characters dagtop draws become their ASCII look-alikes ("—" "-", "…"
 * "...", arrows "^ v < >", glyphs as in the ASCII theme) and any other
 * non-ASCII character, or a byte that does not decode, one '?'. Returns the
 * length written to OUT (NUL-terminated, cut to fit). */
size_t text_ascii(const char *s, char *out, size_t outlen);

/* Key hints in display order; when they do not fit, the hint with the
 * highest PRIO goes first (ties: the rightmost), so prio 0 ("? help")
 * stays longest. */
typedef struct text_hint {
    const char *text;
    int prio;
} text_hint;
/* The hints that fit WIDTH columns, two spaces apart, into OUT. */
void text_hints(const text_hint *h, size_t n, int width, char *out, size_t outlen);

#endif
