/* One DAG's grid: runs as rows (newest on top), tasks as columns in
 * topological order, a glyph per task instance, and a detail line for the
 * cell under the cursor. The arithmetic is in tui_grid_layout.c. */
#include "states.h"
#include "timeutil.h"
#include "tui_draw.h"
#include "tui_stats.h"
#include "tui_text.h"
#include "tui_theme.h"
#include "tui_views.h"

#include <stdlib.h>
#include <string.h>

bool grid_cursor_cell(app *a, const char **run_id, const char **task_id)
{
    grid_view *gv = &a->gv;
    grid_model *g = &gv->g;
    if (!gv->loaded || g->n_runs == 0 || g->n_tasks == 0)
        return false;
    if (gv->cur_run >= (int)g->n_runs)
        gv->cur_run = (int)g->n_runs - 1;
    if (gv->cur_task >= (int)g->n_tasks)
        gv->cur_task = (int)g->n_tasks - 1;
    if (gv->cur_run < 0)
        gv->cur_run = 0;
    if (gv->cur_task < 0)
        gv->cur_task = 0;
    *run_id = g->runs[gv->cur_run].run_id;
    *task_id = g->tasks[gv->cur_task];
    return true;
}

void grid_restore_cursor(app *a, const char *run_id, const char *task_id)
{
    grid_view *gv = &a->gv;
    int r = run_id ? grid_find_run(&gv->g, run_id) : -1;
    int t = task_id ? grid_find_task(&gv->g, task_id) : -1;
    if (r >= 0)
        gv->cur_run = r;
    if (t >= 0)
        gv->cur_task = t;
    const char *dummy_r, *dummy_t;
    grid_cursor_cell(a, &dummy_r, &dummy_t); /* clamps */
}

void cols_build(app *a, cols *c)
{
    grid_view *gv = &a->gv;
    grid_model *g = &gv->g;
    size_t cap = g->n_tasks ? g->n_tasks : 1;
    c->task = xcalloc(cap, sizeof *c->task);
    c->name = xcalloc(cap, sizeof *c->name);
    c->n = 0;
    c->cur = 0;
    int state;
    char only[sizeof gv->filter];
    grid_filter_split(gv->filter, &state, only, sizeof only);
    for (size_t i = 0; i < g->n_tasks; i++) {
        if (only[0] && !strcasestr(g->tasks[i], only))
            continue;
        if ((int)i <= gv->cur_task)
            c->cur = c->n; /* the cursor's task, or the last shown before it */
        c->task[c->n] = (int)i;
        c->name[c->n++] = g->tasks[i];
    }
    if (c->n)
        gv->cur_task = c->task[c->cur];
}

void cols_free(cols *c)
{
    free(c->task);
    free(c->name);
}

int grid_move_cursor(app *a, int drun, int dtask)
{
    grid_view *gv = &a->gv;
    long r = (long)gv->cur_run + drun, nr = (long)gv->g.n_runs;
    gv->cur_run = (int)(r >= nr ? nr - 1 : r < 0 ? 0 : r);
    if (gv->cur_run < 0)
        gv->cur_run = 0;
    cols c;
    cols_build(a, &c);
    if (c.n) {
        long t = (long)c.cur + dtask;
        gv->cur_task = c.task[t >= c.n ? c.n - 1 : t < 0 ? 0 : t];
    }
    cols_free(&c);
    return RD_DRAW;
}

static int page(void)
{
    gl_geometry geo;
    gl_geometry_compute(COLS, LINES, 0, &geo);
    return geo.rows;
}

static int act_up(app *a)
{
    return grid_move_cursor(a, -1, 0);
}
static int act_down(app *a)
{
    return grid_move_cursor(a, 1, 0);
}
static int act_left(app *a)
{
    return grid_move_cursor(a, 0, -1);
}
static int act_right(app *a)
{
    return grid_move_cursor(a, 0, 1);
}
static int act_pgup(app *a)
{
    return grid_move_cursor(a, -page(), 0);
}
static int act_pgdn(app *a)
{
    return grid_move_cursor(a, page(), 0);
}
static int act_home(app *a)
{
    return grid_move_cursor(a, -(1 << 30), 0);
}
static int act_end(app *a)
{
    return grid_move_cursor(a, 1 << 30, 0);
}
static int act_first_task(app *a)
{
    return grid_move_cursor(a, 0, -(1 << 30));
}
static int act_last_task(app *a)
{
    return grid_move_cursor(a, 0, 1 << 30);
}

static int act_log(app *a)
{
    app_open_log(a);
    return RD_DRAW;
}

static int open_dialog(app *a, enum dialog_kind kind)
{
    const char *r, *t;
    if (grid_cursor_cell(a, &r, &t))
        dialog_open(a, kind);
    return RD_DRAW;
}
static int act_clear(app *a)
{
    return open_dialog(a, DLG_CLEAR);
}
static int act_mark_failed(app *a)
{
    return open_dialog(a, DLG_MARK_FAILED);
}
static int act_mark_success(app *a)
{
    return open_dialog(a, DLG_MARK_SUCCESS);
}

static int act_pause(app *a)
{
    confirm_open(a, a->gv.dag_id);
    return RD_DRAW;
}

static int act_trigger(app *a)
{
    prompt_open(a, PR_TRIGGER_DATE, a->gv.dag_id);
    return RD_DRAW;
}

static int act_backfill(app *a)
{
    prompt_open(a, PR_BACKFILL_FROM, a->gv.dag_id);
    return RD_DRAW;
}

static int act_back(app *a)
{
    app_close_grid(a);
    app_want(a, WANT_DAGS);
    return RD_DRAW;
}

static int act_filter(app *a)
{
    prompt_open(a, PR_FILTER, NULL);
    return RD_DRAW;
}

/* Esc clears a task filter first, then goes back. */
static int act_escape(app *a)
{
    if (!a->gv.filter[0])
        return act_back(a);
    a->gv.filter[0] = '\0';
    grid_filter_changed(a);
    return RD_DRAW;
}

static const key_action grid_keys[] = {
    {TK_FN(KEY_UP), "↑ k", "newer run", act_up},
    {'k', NULL, NULL, act_up},
    {TK_FN(KEY_DOWN), "↓ j", "older run", act_down},
    {'j', NULL, NULL, act_down},
    {TK_FN(KEY_LEFT), "← h", "task to the left", act_left},
    {'h', NULL, NULL, act_left},
    {TK_FN(KEY_RIGHT), "→", "task to the right (l is the log here)", act_right},
    {TK_FN(KEY_PPAGE), "PgUp PgDn", "a page of runs up / down", act_pgup},
    {TK_FN(KEY_NPAGE), NULL, NULL, act_pgdn},
    {TK_FN(KEY_HOME), "Home g", "newest run", act_home},
    {'g', NULL, NULL, act_home},
    {TK_FN(KEY_END), "End G", "oldest run (more load as you go)", act_end},
    {'G', NULL, NULL, act_end},
    {'0', "0 $", "first / last task", act_first_task},
    {'$', NULL, NULL, act_last_task},
    {TK_ENTER, "Enter l", "the task's log (follows it live)", act_log},
    {'l', NULL, NULL, act_log},
    {'c', "c", "clear the task instance (asks, shows what it touches)", act_clear},
    {'f', "f", "mark failed (asks, shows what it touches)", act_mark_failed},
    {'s', "s", "mark success (asks, shows what it touches)", act_mark_success},
    {'p', "p", "pause / unpause the DAG (asks y/n)", act_pause},
    {'t', "t", "trigger a run (date, then params)", act_trigger},
    {'b', "b", "backfill a date range", act_backfill},
    {'/', "/", "show only the tasks whose name has this; state:failed only runs with a failed cell",
     act_filter},
    {TK_ESC, "Esc", "clear the filter, else back", act_escape},
    {'n', "n N", "next / previous failed cell (older runs load as needed)", grid_next_failed},
    {'N', NULL, NULL, grid_prev_failed},
    {'d', "d", "durations in the cells instead of glyphs (slow ones stand out)",
     grid_toggle_durations},
    {'R', "R", "the run under the cursor: type, who, params, times, Gantt of its tasks",
     grid_open_run},
    {'r', "r", "the rendered command of the cell's tries (image, env names, executor)",
     grid_open_command},
    {'A', "A", "the audit log of this DAG, newest first", grid_open_audit},
    {'u', "u", "upstream and downstream tasks of the cell, with their states in this run",
     grid_open_deps},
    {'?', "?", "help", help_open},
    {'q', "q", "back to the DAG list", act_back},
    {0, NULL, NULL, NULL},
};

/* The left part, " DATE G ", is as wide as the longest label there can be
 * ("2026-11-22 03:00:07"): a run with a time must not re-lay the columns. */
#define LABEL_W (19 + 4)
/* With durations the run's own follows its state glyph. */
#define RUN_DUR_W 5

int grid_label_w(const app *a)
{
    return LABEL_W + (a->gv.durations ? RUN_DUR_W : 0);
}

static void draw_title(app *a, const gl_grid *L, int n_shown)
{
    grid_view *gv = &a->gv;
    grid_model *g = &gv->g;
    attr_t bar = theme_attr(ROLE_BAR);
    draw_fill(0, 0, COLS, bar);
    int x = draw_textf(0, 0, COLS, bar | A_BOLD, " %s", gv->dag_id);
    int i = dag_list_find(&a->dags, gv->dag_id);
    const dag_row *r = i >= 0 ? &a->dags.rows[i] : NULL;
    char info[200] = "";
    size_t k = 0;
    if (r && r->paused)
        k += (size_t)snprintf(info + k, sizeof info - k, "  %s paused", a->utf8 ? "‖" : "P");
    if (r && r->schedule)
        k += (size_t)snprintf(info + k, sizeof info - k, "  %s", r->schedule);
    if (r && r->has_next && !r->paused) {
        char rel[32];
        text_relative(r->next_start_us - time_now_us(), rel, sizeof rel);
        k += (size_t)snprintf(info + k, sizeof info - k, "  next %s", rel);
    }
    if (gv->loaded && g->n_runs > 0)
        k +=
            (size_t)snprintf(info + k, sizeof info - k, "  runs %d-%d of %zu%s", L->top + 1,
                             L->top + L->n_rows, g->n_runs, (int)g->n_runs >= gv->limit ? "+" : "");
    if (gv->filter[0])
        k += (size_t)snprintf(info + k, sizeof info - k, "  tasks /%s: %d", gv->filter, n_shown);
    else if (gv->loaded && !L->fits && n_shown > 0)
        k += (size_t)snprintf(info + k, sizeof info - k, "  tasks %d-%d of %zu", L->left + 1,
                              L->left + L->n_cols, g->n_tasks);
    x += draw_text(0, x, COLS - x - 8, bar, info);
    draw_text(0, COLS - 7, 7, bar, "? help ");
}

static void draw_detail(app *a, const gl_grid *L)
{
    grid_view *gv = &a->gv;
    const char *run_id, *task_id;
    int y = L->geo.detail_y;
    if (y < 2 || !grid_cursor_cell(a, &run_id, &task_id))
        return;
    grid_cell *c = grid_cell_at(&gv->g, (size_t)gv->cur_run, (size_t)gv->cur_task);
    draw_textf(y, 1, COLS - 1, A_BOLD, "%s", task_id);
    int w = text_width(task_id) + 3;
    w += draw_textf(y, w, COLS - w, A_NORMAL, "%s", run_id);
    grid_draw_deps(a, y, w + 2);

    const ti_detail *d = &gv->det;
    bool have = d->valid && strcmp(d->dag_id, gv->dag_id) == 0 && strcmp(d->run_id, run_id) == 0 &&
                strcmp(d->task_id, task_id) == 0;
    int state = c->state;
    char line[512];
    size_t k = 0;
    k += (size_t)snprintf(line + k, sizeof line - k, "%s  ",
                          c->state == CELL_ABSENT ? "no instance" : ti_state_name(state));
    if (have && d->max_tries)
        k +=
            (size_t)snprintf(line + k, sizeof line - k, "try %d/%d  ", c->try_number, d->max_tries);
    else
        k += (size_t)snprintf(line + k, sizeof line - k, "try %d  ", c->try_number);
    if (have && d->has_start) {
        k += (size_t)snprintf(line + k, sizeof line - k, "start %.10s %.8s  ", d->start,
                              d->start + 11);
        int64_t end = d->has_end ? d->end_us : state == TI_RUNNING ? time_now_us() : 0;
        if (end) {
            char dur[32];
            text_duration(end - d->start_us, dur, sizeof dur);
            k += (size_t)snprintf(line + k, sizeof line - k, "took %s  ", dur);
        }
    }
    if (have && d->executor[0])
        k += (size_t)snprintf(line + k, sizeof line - k, "%s  ", d->executor);
    if (have && d->node[0])
        k += (size_t)snprintf(line + k, sizeof line - k, "on %s  ", d->node);
    if (have && d->outputs[0])
        k += (size_t)snprintf(line + k, sizeof line - k, "%s  ", d->outputs);
    if (gv->durations && c->dur_ms != CELL_NO_DUR && L->n_rows > 0) {
        size_t n;
        uint32_t med = grid_task_median(&gv->g, (size_t)gv->cur_task, (size_t)L->top,
                                        (size_t)(L->top + L->n_rows), &n);
        char m[32];
        text_duration((int64_t)med * 1000, m, sizeof m);
        if (stats_is_slow(c->dur_ms, med, n))
            k += (size_t)snprintf(line + k, sizeof line - k, "SLOW %.1fx the median %s  ",
                                  (double)c->dur_ms / (med ? med : 1), m);
        else if (n)
            k += (size_t)snprintf(line + k, sizeof line - k, "median %s  ", m);
    }
    if (have && d->waiting[0] && !ti_state_finished((enum ti_state)state) && state != TI_RUNNING)
        snprintf(line + k, sizeof line - k, "waiting for %s", d->waiting);
    int x = 1;
    x += draw_text(y + 1, x, 2, theme_ti_attr(state), theme_ti_glyph(state, a->utf8));
    draw_text(y + 1, x + 1, COLS - x - 1, A_NORMAL, line);
}

/* Header, rows and detail line of a loaded grid with shown columns C. */
static void draw_cells(app *a, const gl_grid *L, const cols *c, const int *widths, int label_w)
{
    grid_view *gv = &a->gv;
    grid_model *g = &gv->g;
    attr_t dim = theme_attr(ROLE_DIM);
    /* Header: abbreviated task names; the cursor's column stands out. */
    int hy = L->geo.header_y;
    draw_text(hy, 1, label_w - 1, theme_attr(ROLE_HEADER), "logical date");
    /* What tells each shown name from the others, so abbreviations keep it. */
    int *keep = xcalloc((size_t)c->n + 1, sizeof *keep);
    size_t *scratch = xcalloc((size_t)c->n + 1, sizeof *scratch);
    gl_distinguish(c->name, (size_t)c->n, keep, scratch);
    free(scratch);
    int x = label_w;
    for (int k = L->left; k < L->left + L->n_cols; k++) {
        char ab[GL_MAX_COL + 1];
        gl_abbreviate_at(c->name[k], widths[k], keep[k], ab, sizeof ab);
        attr_t at = theme_attr(ROLE_HEADER);
        if (k == c->cur)
            at |= A_REVERSE;
        draw_text(hy, x, widths[k], at, ab);
        x += widths[k] + 1;
    }
    free(keep);
    if (L->left > 0)
        draw_text(hy, label_w - 1, 1, dim, a->utf8 ? "‹" : "<");
    if (L->left + L->n_cols < c->n)
        draw_text(hy, COLS - 1, 1, dim, a->utf8 ? "›" : ">");

    if (g->n_runs == 0) {
        draw_text(L->geo.rows_y, 1, COLS - 1, dim, "no runs yet: t triggers one, b backfills");
        return;
    }
    int label_len = grid_label_len(g);
    /* Each shown task's median over the runs on screen: a slow cell stands out. */
    uint32_t *med = xcalloc((size_t)c->n + 1, sizeof *med);
    size_t *n_med = xcalloc((size_t)c->n + 1, sizeof *n_med);
    for (int k = L->left; gv->durations && k < L->left + L->n_cols; k++)
        med[k] = grid_task_median(g, (size_t)c->task[k], (size_t)L->top,
                                  (size_t)(L->top + L->n_rows), &n_med[k]);
    for (int i = L->top; i < L->top + L->n_rows; i++) {
        const grid_run *r = &g->runs[i];
        int y = L->geo.rows_y + (i - L->top);
        bool cur_row = i == gv->cur_run;
        char label[32];
        grid_row_label(r, label_len, label, sizeof label);
        int gx = LABEL_W - 2;
        draw_text(y, 1, gx - 2, cur_row ? A_BOLD : A_NORMAL, label);
        if (r->old_version) /* a run of an older DAG version */
            draw_text(y, gx - 1, 1, A_BOLD, "*");
        draw_text(y, gx, 1, theme_run_attr(r->state), theme_run_glyph(r->state, a->utf8));
        if (gv->durations && r->start_us) {
            char d[16];
            stats_compact_duration((r->end_us ? r->end_us : time_now_us()) - r->start_us, d,
                                   sizeof d);
            draw_text(y, gx + 2, RUN_DUR_W, theme_run_attr(r->state), d);
        }
        x = label_w;
        for (int k = L->left; k < L->left + L->n_cols; k++) {
            const grid_cell *cell = grid_cell_at(g, (size_t)i, (size_t)c->task[k]);
            int w = widths[k];
            bool cur = cur_row && k == c->cur;
            if (cur)
                draw_fill(y, x, w, theme_attr(ROLE_CURSOR));
            attr_t at = theme_ti_attr(cell->state) | (cur ? theme_attr(ROLE_CURSOR) : 0);
            if (gv->durations && cell->dur_ms != CELL_NO_DUR) {
                int64_t us = (int64_t)cell->dur_ms * 1000;
                if (cell->state == TI_RUNNING)
                    us += time_now_us() - g->read_us;
                char d[16];
                stats_compact_duration(us, d, sizeof d);
                if (stats_is_slow(cell->dur_ms, med[k], n_med[k]))
                    at |= A_BOLD | A_UNDERLINE;
                int dw = (int)strlen(d) > w ? w : (int)strlen(d);
                draw_text(y, x + (w - dw + 1) / 2, w, at, d);
            } else {
                draw_text(y, x + (w - 1) / 2, 1, at, theme_ti_glyph(cell->state, a->utf8));
            }
            x += w + 1;
        }
    }
    free(med);
    free(n_med);
    if (L->top + L->n_rows < (int)g->n_runs)
        draw_text(L->geo.rows_y + L->n_rows - 1, 0, 1, dim, a->utf8 ? "↓" : "v");
    if (L->top > 0)
        draw_text(L->geo.rows_y, 0, 1, dim, a->utf8 ? "↑" : "^");
    draw_detail(a, L);
}

static void grid_draw(app *a)
{
    grid_view *gv = &a->gv;
    grid_model *g = &gv->g;
    cols c;
    cols_build(a, &c);
    gl_grid L = {.left = gv->left, .top = gv->top};
    int label_w = grid_label_w(a);
    int *widths = xcalloc(c.n ? (size_t)c.n : 1, sizeof *widths);
    gl_grid_layout(COLS, LINES, label_w, c.name, (size_t)c.n, g->n_runs, gv->cur_run, c.cur, widths,
                   &L);
    gv->left = L.left;
    gv->top = L.top;
    draw_title(a, &L, c.n);
    attr_t dim = theme_attr(ROLE_DIM);
    int i = dag_list_find(&a->dags, gv->dag_id);
    if (!gv->loaded) {
        draw_text(2, 1, COLS - 1, gv->error[0] ? theme_attr(ROLE_ERROR) : dim,
                  gv->error[0] ? gv->error : "loading…");
    } else if (g->n_tasks == 0) {
        draw_text(2, 1, COLS - 1, theme_attr(ROLE_ERROR), "this DAG has no tasks loaded");
        if (i >= 0 && a->dags.rows[i].error)
            draw_text(3, 1, COLS - 1, theme_attr(ROLE_ERROR), a->dags.rows[i].error);
    } else if (c.n == 0) {
        draw_textf(2, 1, COLS - 1, dim, "no task name has \"%s\" (/ changes it, Esc clears it)",
                   gv->filter);
    } else {
        draw_cells(a, &L, &c, widths, label_w);
    }
    free(widths);
    cols_free(&c);
}

static void grid_hints(app *a, int width, char *out, size_t len)
{
    (void)a;
    VIEW_HINTS(width, out, len, {"Enter/l log", 2}, {"n/N failed", 3}, {"d dur", 4}, {"R run", 5},
               {"c clear", 6}, {"f/s mark", 7}, {"p pause", 10}, {"t trigger", 8},
               {"b backfill", 9}, {"? help", 0}, {"q back", 1});
}

/* The runs scroll in gl_grid_layout (the same scroll_show), around a cursor
 * on two axes; its moving keys are its own. */
const view view_grid = {
    .title = "Grid",
    .keys = grid_keys,
    .cursor = true,
    .draw = grid_draw,
    .hints = grid_hints,
    .after_key = grid_after_key,
    .fetch = grid_fetch,
    .on_reply = grid_reply,
};
