/* The grid's keys beyond moving and acting: the next / previous failed cell
 * (asking the agent for the next older one when it is not loaded, one small
 * page), durations, the state filter, the views over the cell or its run,
 * the dependencies on the detail line, and the mouse. */
#include "states.h"
#include "timeutil.h"
#include "tui_draw.h"
#include "tui_theme.h"
#include "tui_views.h"

#include <stdlib.h>
#include <string.h>

#define SEEK_MARGIN 60 /* runs loaded past a found one, so it is not at the end */
#define GRID_MAX 10000 /* as view_grid_fetch.c grows the grid */
#define DOUBLE_CLICK_US 400000

static void seek_done(grid_view *gv)
{
    free(gv->seek_from);
    gv->seek_from = NULL;
}

/* The next cell in state failed from the cursor, among the loaded runs. */
static bool find_loaded(app *a, int dir)
{
    grid_view *gv = &a->gv;
    cols c;
    cols_build(a, &c);
    int run = gv->cur_run, k = c.cur;
    bool found = grid_find_state(&gv->g, c.task, c.n, TI_FAILED, dir, &run, &k);
    if (found) {
        gv->cur_run = run;
        gv->cur_task = c.task[k];
    }
    cols_free(&c);
    return found;
}

/* Load the grid down to the run at POSITION (runs newer than it), then
 * search on from the cursor's run. */
static void load_down_to(app *a, long long position)
{
    grid_view *gv = &a->gv;
    const char *run_id, *task_id;
    if (!grid_cursor_cell(a, &run_id, &task_id))
        return;
    free(gv->seek_from);
    gv->seek_from = xstrdup(run_id);
    gv->seek_dir = 1;
    long long want = position + SEEK_MARGIN;
    gv->limit = (int)(want > GRID_MAX ? GRID_MAX : want > gv->limit ? want : gv->limit);
    app_status(a, false, "loading older runs to the next failed cell…");
    grid_request(a);
}

static void seek_reply(void *owner, const tui_reply *r, void *ud)
{
    (void)ud;
    app *a = owner;
    grid_view *gv = &a->gv;
    gv->seek_in_flight = false;
    if (!gv->dag_id || app_reply_dropped(r))
        return;
    if (!r->ok) {
        app_status_reply(a, "next failed cell", r);
        return;
    }
    tj_span runs;
    long long position = -1;
    if (tj_member(r->result, "runs", &runs)) {
        json_t *arr = tj_parse(runs);
        json_t *p = json_object_get(json_array_get(arr, 0), "position");
        position = json_is_integer(p) ? json_integer_value(p) : -1;
        json_decref(arr);
    }
    if (position < 0)
        app_status(a, false, "no older failed cell");
    else if (position >= GRID_MAX)
        app_status(a, true, "the next failed cell is beyond the %d newest runs", GRID_MAX);
    else
        load_down_to(a, position);
    a->dirty = true;
}

/* Ask the agent for the newest failed run older than the last loaded one:
 * one run, with its position. */
static void ask_older(app *a)
{
    grid_view *gv = &a->gv;
    if (gv->seek_in_flight || gv->g.n_runs == 0)
        return;
    if (gv->state_filter >= 0) { /* every row has such a cell: load more rows */
        load_down_to(a, (long long)gv->g.n_runs + 100);
        return;
    }
    json_t *args = json_pack("{s:s, s:s, s:s, s:i}", "dag_id", gv->dag_id, "state", "failed",
                             "before", gv->g.runs[gv->g.n_runs - 1].run_id, "limit", 1);
    if (tc_request(&a->conn, "grid", args, seek_reply, NULL))
        gv->seek_in_flight = true;
    app_status(a, false, "asking the agent for an older failed run…");
}

void grid_seek_resume(app *a)
{
    grid_view *gv = &a->gv;
    if (!gv->seek_from)
        return;
    int at = grid_find_run(&gv->g, gv->seek_from);
    seek_done(gv);
    if (at < 0)
        return;
    gv->cur_run = at;
    if (find_loaded(a, 1)) {
        app_status(a, false, "failed: %s", gv->g.tasks[gv->cur_task]);
        app_want(a, WANT_DETAIL);
    } else {
        app_status(a, false, "no older failed cell");
    }
}

static int next_failed(app *a, int dir)
{
    grid_view *gv = &a->gv;
    if (!gv->loaded)
        return RD_NONE;
    if (find_loaded(a, dir))
        return RD_DRAW;
    /* The runs load from the newest: only older ones can be missing. */
    if (dir > 0 && (int)gv->g.n_runs >= gv->limit && gv->limit < GRID_MAX)
        ask_older(a);
    else
        app_status(a, false, "no %s failed cell", dir > 0 ? "older" : "newer");
    return RD_DRAW;
}

int grid_next_failed(app *a)
{
    return next_failed(a, 1);
}
int grid_prev_failed(app *a)
{
    return next_failed(a, -1);
}

int grid_toggle_durations(app *a)
{
    a->gv.durations = !a->gv.durations;
    if (a->gv.durations)
        grid_request(a); /* cells changed by events since have none */
    return RD_DRAW;
}

void grid_filter_changed(app *a)
{
    grid_view *gv = &a->gv;
    int state;
    char task[sizeof gv->filter];
    grid_filter_split(gv->filter, &state, task, sizeof task);
    if (state == gv->state_filter || !gv->dag_id)
        return;
    gv->state_filter = state;
    gv->cur_run = 0;
    gv->top = 0;
    grid_request(a);
}

/* ---- the views over the cell ---- */

static int open_info(app *a, enum info_kind kind)
{
    const char *run_id, *task_id;
    if (kind == INFO_AUDIT)
        info_open(a, kind, NULL, NULL);
    else if (grid_cursor_cell(a, &run_id, &task_id))
        info_open(a, kind, run_id, task_id);
    return RD_DRAW;
}
int grid_open_run(app *a)
{
    return open_info(a, INFO_RUN);
}
int grid_open_command(app *a)
{
    return open_info(a, INFO_COMMAND);
}
int grid_open_audit(app *a)
{
    return open_info(a, INFO_AUDIT);
}
int grid_open_deps(app *a)
{
    return open_info(a, INFO_DEPS);
}

/* ---- dependencies on the detail line ---- */

static int draw_list(app *a, int y, int x, int right, const char *what, const strlist *ids, int n)
{
    grid_view *gv = &a->gv;
    if (n == 0 || x >= right - 8)
        return x;
    x += draw_textf(y, x, right - x, theme_attr(ROLE_DIM), "%s %d:", what, n);
    for (size_t i = 0; i < ids->n; i++) {
        int t = grid_find_task(&gv->g, ids->items[i]);
        int st = t >= 0 ? grid_cell_at(&gv->g, (size_t)gv->cur_run, (size_t)t)->state : CELL_ABSENT;
        int w = text_width(ids->items[i]) + 3;
        if (x + w > right - 3) {
            x += draw_text(y, x, right - x, theme_attr(ROLE_DIM), a->utf8 ? " …" : " ...");
            break;
        }
        x += draw_textf(y, x, right - x, A_NORMAL, " %s", ids->items[i]);
        x += draw_text(y, x, 1, theme_ti_attr(st), theme_ti_glyph(st, a->utf8));
    }
    return x + 2;
}

void grid_draw_deps(app *a, int y, int x)
{
    grid_view *gv = &a->gv;
    const char *run_id, *task_id;
    const ti_detail *d = &gv->det;
    if (!grid_cursor_cell(a, &run_id, &task_id) || !d->valid || strcmp(d->task_id, task_id) != 0)
        return;
    x = draw_list(a, y, x, COLS, "up", &gv->det_up, d->n_up);
    draw_list(a, y, x, COLS, "down", &gv->det_down, d->n_down);
}

/* ---- mouse ---- */

/* A second press on the same target soon after the first. */
static bool click_twice(app *a, int run, int task)
{
    grid_view *gv = &a->gv;
    int64_t now = time_mono_us();
    bool twice = gv->click_us && now - gv->click_us < DOUBLE_CLICK_US && gv->click_run == run &&
                 gv->click_task == task;
    gv->click_us = twice ? 0 : now;
    gv->click_run = run;
    gv->click_task = task;
    return twice;
}

int grid_mouse(app *a, int y, int x)
{
    grid_view *gv = &a->gv;
    if (!gv->loaded)
        return RD_NONE;
    cols c;
    cols_build(a, &c);
    int *widths = xcalloc(c.n ? (size_t)c.n : 1, sizeof *widths);
    gl_grid L = {.left = gv->left, .top = gv->top};
    int label_w = grid_label_w(a);
    gl_grid_layout(COLS, LINES, label_w, c.name, (size_t)c.n, gv->g.n_runs, gv->cur_run, c.cur,
                   widths, &L);
    int run = -1, task = -1;
    if (y >= L.geo.rows_y && y < L.geo.rows_y + L.n_rows)
        run = L.top + (y - L.geo.rows_y);
    for (int k = L.left, cx = label_w; k < L.left + L.n_cols; cx += widths[k] + 1, k++)
        if (x >= cx && x < cx + widths[k] + 1)
            task = c.task[k];
    free(widths);
    cols_free(&c);
    if (run < 0 && !(y == L.geo.header_y && task >= 0))
        return RD_NONE;
    if (run >= 0)
        gv->cur_run = run;
    if (task >= 0)
        gv->cur_task = task;
    app_want(a, WANT_DETAIL);
    if (run >= 0 && task >= 0 && click_twice(a, run, task))
        app_open_log(a);
    return RD_DRAW;
}

int list_mouse_twice(app *a, int row)
{
    return click_twice(a, row, -2);
}
