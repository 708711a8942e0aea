/* What dagtop shows, in compact form: the DAG list and one DAG's grid.
 * Built from the agent's replies and kept current by its events; no
 * ncurses here, so the unit tests can build and inspect models. */
#ifndef DAGD_TUI_MODEL_H
#define DAGD_TUI_MODEL_H

#include "tui_json.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECENT_MAX 10
/* A cell whose run has no instance of the task (added to the DAG later). */
#define CELL_ABSENT 0xff

typedef struct dag_row {
    char *dag_id;
    bool paused;
    char *schedule; /* NULL when the file never loaded */
    bool has_next;
    int64_t next_start_us; /* when the next scheduled run starts */
    char *error;           /* the file's load error, or NULL */
    int running;
    int n_recent;
    unsigned char recent[RECENT_MAX]; /* run states, newest first */
    /* Declared params and their defaults, when the agent lists them (a
     * `params` object in `dags`); without it a trigger asks for NAME=VALUE. */
    bool params_listed;
    strlist param_names, param_defaults;
} dag_row;

typedef struct dag_list {
    dag_row *rows; /* sorted by dag_id */
    size_t n;
} dag_list;

/* Replace L with the `dags` result in SPAN (the list, or a page object
 * {"dags":[…]}). Returns 0, or -1 (L unchanged). */
int dag_list_load(dag_list *l, tj_span result);
/* Add the rows of a further page of `dags` to L. Returns 0, or -1. */
int dag_list_append(dag_list *l, tj_span result);
void dag_list_free(dag_list *l);
/* Index of DAG_ID, or -1. */
int dag_list_find(const dag_list *l, const char *dag_id);

/* A cell whose duration is unknown (never started, or changed since the
 * grid was read). */
#define CELL_NO_DUR UINT32_MAX

typedef struct grid_cell {
    unsigned char state; /* enum ti_state, or CELL_ABSENT */
    unsigned char pad;
    unsigned short try_number;
    uint32_t dur_ms; /* its latest try's, as read (so far, when running); CELL_NO_DUR */
} grid_cell;

typedef struct grid_run {
    char *run_id;
    int64_t logical_us;
    char label[24];           /* logical date for the row: "2026-11-22" or with time */
    unsigned char state;      /* enum run_state */
    char run_type;            /* 's' scheduled, 'm' manual, 'b' backfill, '?' */
    int64_t start_us, end_us; /* 0: not yet */
    long long position;       /* runs newer than it (a state-filtered grid), else -1 */
    bool old_version;         /* runs on another DAG version than the current one */
} grid_run;

typedef struct grid_model {
    char *dag_id;
    char **tasks; /* topological order */
    size_t n_tasks;
    grid_run *runs; /* newest first */
    size_t n_runs;
    grid_cell *cells; /* n_runs x n_tasks, row-major */
    int64_t read_us;  /* when it was read: running cells' durations go on from it */
} grid_model;

/* Build G from the `grid` result in SPAN, one run's JSON tree at a time.
 * Returns 0, or -1 with G zeroed. */
int grid_model_load(grid_model *g, tj_span result);
void grid_model_free(grid_model *g);
/* Merge a further page of the same grid into INTO, consuming PAGE: more
 * rows of the same tasks, or (COLUMNS) the cells of a window of tasks for
 * rows INTO has (the window's columns are added on its first page).
 * Returns 0, or -1 when the pages do not fit together. */
int grid_model_merge(grid_model *into, grid_model *page, bool columns);
int grid_find_run(const grid_model *g, const char *run_id);
int grid_find_task(const grid_model *g, const char *task_id);
grid_cell *grid_cell_at(const grid_model *g, size_t run, size_t task);
/* Apply a task event; false when the run or task is not in G (the caller
 * then asks for the grid again). */
bool grid_apply_task(grid_model *g, const char *run_id, const char *task_id, int state,
                     int try_number);
bool grid_apply_run(grid_model *g, const char *run_id, int state);
/* A run the grid does not have yet (from a run event): inserted by logical
 * date with every task `none`, as the agent creates it. Returns its index,
 * or -1 when LOGICAL_ISO does not parse. */
int grid_insert_run(grid_model *g, const char *run_id, const char *logical_iso, int state);

/* The median duration of TASK's successful tries in runs [FROM, TO), and
 * how many there were (*SAMPLES). */
uint32_t grid_task_median(const grid_model *g, size_t task, size_t from, size_t to,
                          size_t *samples);
/* The next cell from (RUN, K) in row-major order, K an index into the
 * columns COLS (N of them), whose state is STATE: DIR 1 older / right, -1
 * newer / left. True with *RUN, *K moved; false when none is loaded. */
bool grid_find_state(const grid_model *g, const int *cols, int n, int state, int dir, int *run,
                     int *k);

/* The grid's filter "state:failed load" split into a state (-1: none, or
 * not a state name yet) and the task part ("load"; "" when none). */
void grid_filter_split(const char *filter, int *state, char *task, size_t len);

/* The row label of a logical date "2026-11-22T03:00:00+09:00": the date, plus
 * HH:MM when the time is not midnight, plus :SS when the seconds are not 0. */
void grid_date_label(const char *iso, char *buf, size_t len);

/* How much of the row labels every row of G shows: 10 (dates), 16 (with
 * HH:MM) or 19 (with seconds), the finest any run needs, so that the rows
 * of an hourly DAG all show their time, midnight's 00:00 included. */
int grid_label_len(const grid_model *g);
/* R's label widened to LEN: "2026-11-22" at 16 is "2026-11-22 00:00". */
void grid_row_label(const grid_run *r, int len, char *buf, size_t buflen);

#endif
