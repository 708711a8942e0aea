/* The screens and overlays of dagtop, one file each (view_*.c), each a
 * table of operations: the app draws, dispatches keys and re-fetches through
 * these tables and names no view itself. */
#ifndef DAGD_TUI_VIEWS_H
#define DAGD_TUI_VIEWS_H

#include "tui_app.h"
#include "tui_keys.h"
#include "tui_scroll.h"
#include "tui_text.h"

typedef struct view {
    const char *title;      /* its section of the help */
    const key_action *keys; /* what its keys do; the help lists them */
    bool cursor;            /* the moving keys move a cursor, not the first line */
    void (*draw)(app *a);
    /* The key hints that fit WIDTH ("? help" stays). */
    void (*hints)(app *a, int width, char *out, size_t len);
    /* Optional: reads every key itself (the prompt types); KEYS documents. */
    int (*key)(app *a, int key);
    /* Optional: after a key of a table ran, when this view is on top then. */
    void (*after_key)(app *a);
    /* Optional: its scroller, with how many lines (or items) and a page. */
    scroller *(*scroll_of)(app *a, int *lines, int *page);
    /* Optional: ask the agent again for what it shows (on reconnecting). */
    void (*fetch)(app *a);
    /* Optional: the answer to what the view asks the agent (its requests
     * name this, so the table says where each reply goes). */
    tc_reply_fn on_reply;
} view;

extern const view view_list, view_grid, view_log, view_info, view_dialog, view_confirm, view_prompt,
    view_help;

/* tui_views.c: the view on top (the overlay, else the screen), the stack of
 * views open (list, then grid, log, an overlay), and the moving keys every
 * view with a scroller binds: they act on the view on top. */
const view *view_top(app *a);
const view *view_screen(app *a);
void views_fetch(app *a);
int view_line_up(app *a);
int view_line_down(app *a);
int view_page_up(app *a);
int view_page_down(app *a);
int view_first(app *a);
int view_last(app *a);

/* A view's hints from a list of {text, priority}. */
#define VIEW_HINTS(width, out, len, ...)                                                           \
    do {                                                                                           \
        static const text_hint h_[] = {__VA_ARGS__};                                               \
        text_hints(h_, sizeof h_ / sizeof *h_, width, out, len);                                   \
    } while (0)

/* view_list.c: the DAG list. */
void list_fetch(app *a);
/* After the list was reloaded: the cursor goes back to DAG_ID if it is
 * still listed (files come and go around it). */
void list_keep_cursor(app *a, const char *dag_id);

/* view_grid.c: one DAG's runs by tasks. */
/* view_grid_fetch.c: ask for the grid, for the cell's detail, for both
 * (reconnect); after a key: more runs when the cursor nears the last loaded,
 * and the cell's detail. */
void grid_request(app *a);
void grid_reply(void *owner, const tui_reply *r, void *ud);
void grid_request_detail(app *a);
void grid_fetch(app *a);
void grid_after_key(app *a);
/* The task columns shown: all, or those matching the grid's filter. The
 * cursor's task is moved onto a shown one. */
typedef struct cols {
    int *task;         /* task index per shown column */
    const char **name; /* its name */
    int n, cur;        /* how many; the cursor's position among them */
} cols;
void cols_build(app *a, cols *c);
void cols_free(cols *c);
int grid_move_cursor(app *a, int drun, int dtask);
/* The left part's width (wider with durations). */
int grid_label_w(const app *a);

/* view_grid_more.c: failed cells, durations, the views over a cell or run,
 * the dependencies on the detail line, the mouse. */
int grid_next_failed(app *a);
int grid_prev_failed(app *a);
int grid_toggle_durations(app *a);
int grid_open_run(app *a);
int grid_open_command(app *a);
int grid_open_audit(app *a);
int grid_open_deps(app *a);
/* The filter text changed: a "state:NAME" in it reloads the grid. */
void grid_filter_changed(app *a);
/* After a grid reply: an n / N search that needed older runs goes on. */
void grid_seek_resume(app *a);
/* " up 2: a+ b+  down 1: c." on row Y from column X. */
void grid_draw_deps(app *a, int y, int x);
/* A mouse press at Y,X on the grid or the list: select; twice: open. */
int grid_mouse(app *a, int y, int x);
int list_mouse(app *a, int y, int x);
/* tui_views.c: a mouse event (KEY_MOUSE) to the list or the grid. */
int app_mouse(app *a);
/* Whether this press on list row ROW is the second of a double click. */
int list_mouse_twice(app *a, int row);

/* view_info.c: the run, the command, the audit, the dependencies. */
void info_open(app *a, enum info_kind kind, const char *run_id, const char *task_id);
void info_close(app *a);

/* After the grid was reloaded: the cursor goes back to the cell it was on. */
void grid_restore_cursor(app *a, const char *run_id, const char *task_id);
/* The cell under the cursor: false when the grid has no such cell. */
bool grid_cursor_cell(app *a, const char **run_id, const char **task_id);

/* view_log.c: one task's log, following it while it runs. */
/* The search prompt's text: find it from the top shown, forward. */
void log_search_set(app *a, const char *text);
/* New text arrived: stay on the last line when following. */
void log_text_arrived(app *a);
/* Start over on TRY_NUMBER (0: the latest): empty, at the top, following. */
void log_restart(log_view *lv, int try_number);

/* view_dialog.c: clear / mark with their toggles and what they touch. */
void dialog_open(app *a, enum dialog_kind kind);
/* Ask the agent (dry run) what the dialog's selection touches. */
void dialog_preview(app *a);
void dialog_close(app *a);

/* view_confirm.c: pause / unpause / backfill, y or n. */
void confirm_open(app *a, const char *dag_id);
/* Backfill FROM..TO: ask the agent how many runs (dry run), show it, ask. */
void confirm_backfill(app *a, const char *dag_id, const char *from, const char *to);

/* view_prompt.c: one-line inputs (filter, trigger date and params,
 * backfill range). Every printable key types, so no table dispatch. */
void prompt_open(app *a, enum prompt_kind kind, const char *dag_id);

/* view_help.c: every key of every screen; keys that work everywhere. */
extern const key_action global_keys[];
int help_open(app *a);

/* The key hints of the view on top that fit WIDTH ("? help" stays). */
void view_hints(app *a, int width, char *out, size_t len);

#endif
