#include "tui_draw.h"
#include "tui_text.h"
#include "tui_theme.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int draw_text(int y, int x, int maxw, attr_t attr, const char *s)
{
    if (maxw <= 0 || y < 0 || y >= LINES || x >= COLS)
        return 0;
    if (x + maxw > COLS)
        maxw = COLS - x;
    /* A terminal without UTF-8 gets ASCII only, whatever the text holds. */
    char ascii[1024];
    if (!theme_utf8()) {
        text_ascii(s, ascii, sizeof ascii);
        s = ascii;
    }
    int w;
    size_t n = text_fit(s, strlen(s), maxw, &w);
    attrset(attr);
    mvaddnstr(y, x, s, (int)n);
    attrset(A_NORMAL);
    return w;
}

int draw_textf(int y, int x, int maxw, attr_t attr, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return draw_text(y, x, maxw, attr, buf);
}

void draw_fill(int y, int x, int w, attr_t attr)
{
    if (y < 0 || y >= LINES)
        return;
    if (x + w > COLS)
        w = COLS - x;
    if (w <= 0)
        return;
    attrset(attr);
    mvhline(y, x, ' ', w);
    attrset(A_NORMAL);
}

void draw_box(int y, int x, int h, int w, const char *title)
{
    for (int i = 0; i < h; i++)
        draw_fill(y + i, x, w, A_NORMAL);
    mvhline(y, x + 1, ACS_HLINE, w - 2);
    mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
    mvvline(y + 1, x, ACS_VLINE, h - 2);
    mvvline(y + 1, x + w - 1, ACS_VLINE, h - 2);
    mvaddch(y, x, ACS_ULCORNER);
    mvaddch(y, x + w - 1, ACS_URCORNER);
    mvaddch(y + h - 1, x, ACS_LLCORNER);
    mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
    if (title && *title) {
        char t[256];
        snprintf(t, sizeof t, " %s ", title);
        draw_text(y, x + 2, w - 4, A_BOLD, t);
    }
}
