/* The one scroller every dagtop view uses (as htop's Panel does for its
 * lists): a first line shown and, for views with a cursor, the cursor's
 * item. Pure arithmetic on counts, no ncurses, so it is unit-tested. */
#ifndef DAGD_TUI_SCROLL_H
#define DAGD_TUI_SCROLL_H

#include <stdbool.h>

typedef struct scroller {
    int top;     /* the first line shown */
    int cur;     /* the cursor's item (views with a cursor) */
    bool follow; /* at the last line: stays there as lines arrive (log) */
} scroller;

/* The largest TOP for N lines in VISIBLE rows: 0 when they all fit. */
int scroll_max(int n, int visible);
/* Move the first line by DELTA, kept in [0, scroll_max]; follow is on when
 * it ends at the last line. */
void scroll_by(scroller *s, long delta, int n, int visible);
/* Move the cursor by DELTA, kept in [0, N - 1] (0 when N is 0). */
void scroll_move(scroller *s, long delta, int n);
/* Move *TOP so that lines FIRST..LAST are shown in VISIBLE rows (FIRST wins
 * when they do not fit), without blank rows past line N. */
void scroll_show(int *top, int first, int last, int n, int visible);

#endif
