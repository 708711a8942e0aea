/* The screens and overlays of dagtop, one file each (view_*.c): how each
 * draws and which keys it binds. */
#ifndef DAGD_TUI_VIEWS_H
#define DAGD_TUI_VIEWS_H

#include "tui_app.h"
#include "tui_keys.h"

/* view_list.c: the DAG list. */
extern const key_action list_keys[];
void list_draw(app *a);
/* After the list was reloaded: the cursor goes back to DAG_ID if it is
 * still listed (files come and go around it). */
void list_keep_cursor(app *a, const char *dag_id);

/* view_grid.c: one DAG's runs by tasks. */
extern const key_action grid_keys[];
void grid_draw(app *a);
/* After the grid was reloaded: the cursor goes back to the cell it was on. */
void grid_restore_cursor(app *a, const char *run_id, const char *task_id);
/* The cell under the cursor: false when the grid has no such cell. */
bool grid_cursor_cell(app *a, const char **run_id, const char **task_id);

/* view_log.c: one task's log, following it while it runs. */
extern const key_action log_keys[];
void log_draw(app *a);
/* New text arrived: stay on the last line when following. */
void log_text_arrived(app *a);

/* view_dialog.c: clear / mark with their toggles and what they touch. */
extern const key_action dialog_keys[];
void dialog_open(app *a, enum dialog_kind kind);
void dialog_draw(app *a);
/* Ask the agent (dry run) what the dialog's selection touches. */
void dialog_preview(app *a);
void dialog_close(app *a);

/* view_confirm.c: pause / unpause / backfill, y or n. */
extern const key_action confirm_keys[];
void confirm_open(app *a, const char *dag_id);
/* Backfill FROM..TO: ask the agent how many runs (dry run), show it, ask. */
void confirm_backfill(app *a, const char *dag_id, const char *from, const char *to);
void confirm_draw(app *a);

/* view_prompt.c: one-line inputs (filter, trigger date and params,
 * backfill range). Every printable key types, so no table dispatch. */
extern const key_action prompt_keys[];
void prompt_open(app *a, enum prompt_kind kind, const char *dag_id);
int prompt_key(app *a, int key);
void prompt_draw(app *a);

/* view_help.c: every key of every screen; keys that work everywhere. */
extern const key_action global_keys[];
extern const key_action help_keys[];
void help_draw(app *a);
int help_open(app *a);

/* The key hints for what is on screen that fit WIDTH ("? help" stays). */
void view_hints(app *a, int width, char *out, size_t len);
/* The clear / mark dialog's hints: its own toggles only. */
void dialog_hints(app *a, int width, char *out, size_t len);

#endif
