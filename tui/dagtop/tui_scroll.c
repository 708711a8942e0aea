#include "tui_scroll.h"

int scroll_max(int n, int visible)
{
    return n - visible > 0 ? n - visible : 0;
}

static int clamp(long v, int lo, int hi)
{
    return (int)(v > hi ? hi : v < lo ? lo : v);
}

void scroll_by(scroller *s, long delta, int n, int visible)
{
    int max = scroll_max(n, visible);
    s->top = clamp((long)s->top + delta, 0, max);
    s->follow = s->top == max;
}

void scroll_move(scroller *s, long delta, int n)
{
    s->cur = clamp((long)s->cur + delta, 0, n > 0 ? n - 1 : 0);
}

void scroll_show(int *top, int first, int last, int n, int visible)
{
    if (visible < 1)
        visible = 1;
    for (int pass = 0; pass < 2; pass++) {
        int cur = pass == 0 ? last : first;
        if (cur < *top)
            *top = cur;
        if (cur >= *top + visible)
            *top = cur - visible + 1;
        if (*top > n - visible)
            *top = n - visible;
        if (*top < 0)
            *top = 0;
    }
}
