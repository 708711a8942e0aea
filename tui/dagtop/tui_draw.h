/* Small ncurses helpers: text clipped to a width in display columns (UTF-8
 * aware), filled bars, boxes for dialogs. */
#ifndef DAGD_TUI_DRAW_H
#define DAGD_TUI_DRAW_H

#include <ncurses.h>

/* Put S at Y,X in at most MAXW columns; returns the columns used. */
int draw_text(int y, int x, int maxw, attr_t attr, const char *s);
int draw_textf(int y, int x, int maxw, attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* W blanks at Y,X. */
void draw_fill(int y, int x, int w, attr_t attr);
/* A bordered box, cleared inside, with TITLE in its top border. */
void draw_box(int y, int x, int h, int w, const char *title);

#endif
