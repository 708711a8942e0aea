#include "tui_theme.h"
#include "states.h"
#include "tui_model.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

static struct {
    bool utf8, color;
    attr_t ti[TI_STATE_COUNT];
    attr_t role[ROLE_COUNT];
} th;

bool theme_locale_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* Indexed by enum ti_state. */
static const char *const ti_utf8[TI_STATE_COUNT] = {
    [TI_NONE] = "·",    [TI_SCHEDULED] = "◷", [TI_QUEUED] = "◷",       [TI_RUNNING] = "▶",
    [TI_SUCCESS] = "✓", [TI_FAILED] = "✗",    [TI_UP_FOR_RETRY] = "↻", [TI_UPSTREAM_FAILED] = "⊘",
    [TI_SKIPPED] = "»", [TI_REMOVED] = "-",
};
static const char *const ti_ascii[TI_STATE_COUNT] = {
    [TI_NONE] = ".",    [TI_SCHEDULED] = "q", [TI_QUEUED] = "q",       [TI_RUNNING] = ">",
    [TI_SUCCESS] = "+", [TI_FAILED] = "x",    [TI_UP_FOR_RETRY] = "r", [TI_UPSTREAM_FAILED] = "^",
    [TI_SKIPPED] = "s", [TI_REMOVED] = "-",
};

const char *theme_ti_glyph(int state, bool utf8)
{
    if (state < 0 || state >= TI_STATE_COUNT)
        return " ";
    return utf8 ? ti_utf8[state] : ti_ascii[state];
}

const char *theme_run_glyph(int state, bool utf8)
{
    static const int as_ti[RUN_STATE_COUNT] = {
        [RUN_QUEUED] = TI_QUEUED,
        [RUN_RUNNING] = TI_RUNNING,
        [RUN_SUCCESS] = TI_SUCCESS,
        [RUN_FAILED] = TI_FAILED,
    };
    if (state < 0 || state >= RUN_STATE_COUNT)
        return "?";
    return theme_ti_glyph(as_ti[state], utf8);
}

/* Airflow's state colours: 256-colour indexes, then the 8-colour fallback. */
static const struct {
    short c256, c8;
    attr_t extra8; /* to tell apart states that share one of the 8 colours */
} palette[TI_STATE_COUNT] = {
    [TI_NONE] = {-1, -1, 0},
    [TI_SCHEDULED] = {180, COLOR_WHITE, A_DIM}, /* tan */
    [TI_QUEUED] = {245, COLOR_WHITE, A_DIM},    /* grey */
    [TI_RUNNING] = {119, COLOR_GREEN, A_BOLD},  /* light green */
    [TI_SUCCESS] = {34, COLOR_GREEN, 0},        /* green */
    [TI_FAILED] = {196, COLOR_RED, A_BOLD},     /* red */
    [TI_UP_FOR_RETRY] = {220, COLOR_YELLOW, 0}, /* gold */
    [TI_UPSTREAM_FAILED] = {208, COLOR_RED, 0}, /* orange */
    [TI_SKIPPED] = {205, COLOR_MAGENTA, 0},     /* pink */
    [TI_REMOVED] = {250, COLOR_WHITE, A_DIM},   /* light grey */
};

enum { PAIR_ERROR = 20, PAIR_PAUSED, PAIR_DIM };

void theme_init(bool utf8)
{
    th.utf8 = utf8;
    const char *nc = getenv("NO_COLOR");
    th.color = has_colors() && !(nc && *nc);
    th.role[ROLE_BAR] = A_REVERSE;
    th.role[ROLE_HEADER] = A_BOLD;
    th.role[ROLE_CURSOR] = A_REVERSE;
    th.role[ROLE_ERROR] = A_BOLD;
    th.role[ROLE_DIM] = A_DIM;
    th.role[ROLE_PAUSED] = A_BOLD;
    for (int s = 0; s < TI_STATE_COUNT; s++)
        th.ti[s] = s == TI_FAILED ? A_BOLD : 0;
    if (!th.color)
        return;
    start_color();
    use_default_colors();
    bool rich = COLORS >= 256;
    for (int s = 0; s < TI_STATE_COUNT; s++) {
        short fg = rich ? palette[s].c256 : palette[s].c8;
        if (fg < 0)
            continue;
        init_pair((short)(s + 1), fg, -1);
        th.ti[s] = COLOR_PAIR(s + 1) | (rich ? 0 : palette[s].extra8);
    }
    init_pair(PAIR_ERROR, COLOR_RED, -1);
    init_pair(PAIR_PAUSED, COLOR_YELLOW, -1);
    th.role[ROLE_ERROR] = COLOR_PAIR(PAIR_ERROR) | A_BOLD;
    th.role[ROLE_PAUSED] = COLOR_PAIR(PAIR_PAUSED) | A_BOLD;
    if (rich) {
        init_pair(PAIR_DIM, 245, -1);
        th.role[ROLE_DIM] = COLOR_PAIR(PAIR_DIM);
    }
}

bool theme_utf8(void)
{
    return th.utf8;
}

attr_t theme_ti_attr(int state)
{
    return state >= 0 && state < TI_STATE_COUNT ? th.ti[state] : 0;
}

attr_t theme_run_attr(int state)
{
    static const int as_ti[RUN_STATE_COUNT] = {
        [RUN_QUEUED] = TI_QUEUED,
        [RUN_RUNNING] = TI_RUNNING,
        [RUN_SUCCESS] = TI_SUCCESS,
        [RUN_FAILED] = TI_FAILED,
    };
    return state >= 0 && state < RUN_STATE_COUNT ? th.ti[as_ti[state]] : 0;
}

attr_t theme_attr(enum theme_role role)
{
    return th.role[role];
}
