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

#endif
