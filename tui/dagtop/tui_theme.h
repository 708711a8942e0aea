/* Glyphs and colours of states: a glyph per state that reads without
 * colour (ASCII when the locale is not UTF-8), Airflow's colours where the
 * terminal has them, none under NO_COLOR. */
#ifndef DAGD_TUI_THEME_H
#define DAGD_TUI_THEME_H

#include <ncurses.h>
#include <stdbool.h>

enum theme_role {
    ROLE_BAR,    /* title and status bars */
    ROLE_HEADER, /* column headers */
    ROLE_CURSOR,
    ROLE_ERROR,
    ROLE_DIM,
    ROLE_PAUSED,
    ROLE_COUNT
};

/* True when the locale's codeset is UTF-8 (setlocale must have run). */
bool theme_locale_utf8(void);
/* The glyph of a task-instance state (CELL_ABSENT: a blank) and of a run
 * state; pure, no ncurses. */
const char *theme_ti_glyph(int state, bool utf8);
const char *theme_run_glyph(int state, bool utf8);

/* After initscr: colours when the terminal has them and NO_COLOR is unset. */
void theme_init(bool utf8);
bool theme_utf8(void);
attr_t theme_ti_attr(int state);
attr_t theme_run_attr(int state);
attr_t theme_attr(enum theme_role role);

#endif
