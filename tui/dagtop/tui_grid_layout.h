/* Grid layout as pure arithmetic on an off-screen model: where the rows and
 * columns go, how wide a task column is, how its header is abbreviated, and
 * how the view scrolls to keep the cursor visible. No ncurses here. */
#ifndef DAGD_TUI_GRID_LAYOUT_H
#define DAGD_TUI_GRID_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#define GL_MIN_COL 3    /* narrowest task column: a glyph with air around it */
#define GL_MAX_COL 64   /* widest: longer names are abbreviated */
#define GL_SCROLL_COL 5 /* width when not every column fits: readable, then scroll */

/* Rows of the grid screen: title, header, runs, two detail lines, status. */
typedef struct gl_geometry {
    int title_y, header_y, rows_y, rows; /* rows: how many runs fit */
    int detail_y, status_y;
    int label_w; /* the left part: logical date and run state */
    int avail;   /* columns left for tasks */
} gl_geometry;

void gl_geometry_compute(int width, int height, int label_w, gl_geometry *out);

/* Width of each task column (without its one-space gap). The widest cap in
 * [GL_MIN_COL, GL_MAX_COL] at which all columns fit AVAIL is used; when none
 * does, GL_SCROLL_COL and *FITS false. Returns the cap. */
int gl_column_widths(const char *const *names, size_t n, int avail, int *widths, bool *fits);

/* NAME shortened to at most WIDTH columns, keeping its words apart:
 * "extract_orders" in 5 is "ex_or", "load_orders_to_dw" in 3 is "lot";
 * numbers stay whole ("load_part_01" in 6 is "l_p_01"); a single long word
 * is cut. OUT gets at most WIDTH bytes + NUL. */
void gl_abbreviate(const char *name, int width, char *out, size_t outlen);
/* The same, also keeping NAME up to byte KEEP_AT (from gl_distinguish; -1:
 * nothing to keep) in the word that holds it. */
void gl_abbreviate_at(const char *name, int width, int keep_at, char *out, size_t outlen);
/* For each of N names, AT[i] = the byte where it first differs from the
 * most similar other name (-1 when none matters), so abbreviations can keep
 * names apart. SCRATCH holds N entries. O(n log n). */
void gl_distinguish(const char *const *names, size_t n, int *at, size_t *scratch);

/* Move *LEFT (first visible column) so that column CUR is visible and no
 * space is wasted on the right; returns how many columns from *LEFT are
 * shown (at least one when N > 0). */
int gl_scroll_columns(const int *widths, size_t n, int avail, int cur, int *left);

/* Move *TOP (first visible row) so that row CUR is visible in VISIBLE rows. */
void gl_scroll_rows(int n, int visible, int cur, int *top);

/* Everything the grid view needs for one frame. */
typedef struct gl_grid {
    gl_geometry geo;
    int cap;
    bool fits;
    int left, n_cols; /* visible task columns [left, left + n_cols) */
    int top, n_rows;  /* visible runs [top, top + n_rows) */
} gl_grid;

/* Lay out N_TASKS columns (WIDTHS filled, N_TASKS entries) and N_RUNS rows on
 * a WIDTH x HEIGHT screen around the cursor; IO->left and IO->top carry the
 * scroll position from the previous frame. */
void gl_grid_layout(int width, int height, int label_w, const char *const *names, size_t n_tasks,
                    size_t n_runs, int cur_run, int cur_task, int *widths, gl_grid *io);

#endif
