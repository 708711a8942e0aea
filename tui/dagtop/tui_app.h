/* dagtop's state: the connection, the models, which screen is up and what
 * each screen's cursor is on. Views read it and key handlers change it;
 * everything runs on one libuv loop. */
#ifndef DAGD_TUI_APP_H
#define DAGD_TUI_APP_H

#include "tui_conn.h"
#include "tui_grid_layout.h"
#include "tui_logbuf.h"
#include "tui_model.h"
#include "tui_scroll.h"

#include <stdio.h>
#include <uv.h>
#include <wchar.h>

/* A log view keeps the last MiB of text. */
#define LOG_KEEP (1024 * 1024)

/* What a key handler asks for. */
enum { RD_NONE = 0, RD_DRAW = 1, RD_QUIT = 2 };

enum app_screen { SCR_LIST, SCR_GRID, SCR_LOG, SCR_INFO };
enum overlay { OV_NONE, OV_HELP, OV_DIALOG, OV_PROMPT, OV_CONFIRM };

/* Refresh wishes, coalesced by a short timer into one request each. */
enum { WANT_DAGS = 1, WANT_GRID = 2, WANT_DETAIL = 4 };

typedef struct list_view {
    scroller sc; /* cur: the DAG among those the filter passes; top: a line */
    char filter[64];
} list_view;

/* The `task_instance` reply for one cell. */
typedef struct ti_detail {
    bool valid;
    char dag_id[128], run_id[160], task_id[128];
    char state[24];
    int try_number, max_tries;
    bool has_start, has_end;
    int64_t start_us, end_us;
    char start[40];
    char executor[16];
    char waiting[128];
    char node[64];    /* a swarm try: the node it runs on */
    char outputs[96]; /* "2 outputs: rows,path" of its stored outputs, "" if none */
    int n_up, n_down; /* all of them; the ids are the grid view's det_up / det_down */
} ti_detail;

typedef struct grid_view {
    char *dag_id; /* NULL when no grid is open */
    grid_model g;
    bool loaded;
    char error[256]; /* why the grid could not be loaded */
    int cur_run, cur_task, top, left;
    char filter[64]; /* only the tasks whose name has this */
    /* The cell to put the cursor back on after a reload. */
    char *keep_run, *keep_task;
    int limit;
    bool in_flight, stale;
    /* Pages of the grid so far (rows, then task windows), shown once all
     * came; fetch_task_offset is the window being read. */
    grid_model part;
    bool part_active;
    long long fetch_task_offset;
    size_t window_rows; /* rows of the window being read, so far */
    ti_detail det;
    bool det_in_flight, det_stale, det_unsupported;
    strlist det_up, det_down; /* the cell's direct neighbours (the first 100) */
    bool durations;           /* d: durations in the cells instead of glyphs */
    int state_filter;         /* "state:NAME" in the filter: only runs with such a cell; -1 */
    /* n / N beyond the loaded runs: after the reload, search on from this run. */
    char *seek_from;
    int seek_dir;
    bool seek_in_flight;
    /* Mouse: the last click, for a double click. */
    int64_t click_us;
    int click_run, click_task;
} grid_view;

typedef struct log_view {
    char *dag_id, *run_id, *task_id;
    int try_number; /* 0 until the first reply names it */
    long long offset;
    logbuf buf;
    bool finished, in_flight, again;
    unsigned gen; /* replies for an older log are ignored */
    scroller sc;  /* follow: stay on the last line as text arrives */
    int hscroll;
    size_t seen_dropped; /* lines the buffer had dropped at the last look */
    char state[24];
    char error[256];
    int latest_try; /* the instance's latest try, for [ / ] and "try 2 of 3" */
    char search[128];
    long match_line; /* the line of the current match, -1 */
} log_view;

/* The views over one reply (run, command, audit) and the dependencies. */
enum info_kind { INFO_RUN, INFO_COMMAND, INFO_AUDIT, INFO_DEPS };

typedef struct info_view {
    enum info_kind kind;
    char *dag_id, *run_id, *task_id;
    json_t *data; /* the reply's result, NULL until it came */
    bool in_flight;
    unsigned gen;
    long long offset; /* of the page shown */
    int page_len;     /* rows asked for */
    bool more;
    int lines; /* lines of the last frame, for the scroller */
    scroller sc;
    char error[256];
} info_view;

enum dialog_kind { DLG_CLEAR, DLG_MARK_SUCCESS, DLG_MARK_FAILED };
enum { TOG_DOWNSTREAM, TOG_UPSTREAM, TOG_PAST, TOG_FUTURE, TOG_FAILED_ONLY, TOG_COUNT };

typedef struct dialog {
    enum dialog_kind kind;
    char *dag_id, *run_id, *task_id;
    bool tog[TOG_COUNT];
    strlist items; /* "run_id  task_id" of what it touches */
    bool loading, applying;
    unsigned seq;
    char error[256];
    scroller sc; /* the list of what it touches */
} dialog;

enum prompt_kind {
    PR_FILTER,
    PR_TRIGGER_DATE,
    PR_TRIGGER_PARAM,
    PR_BACKFILL_FROM,
    PR_BACKFILL_TO,
    PR_SEARCH
};

typedef struct prompt {
    enum prompt_kind kind;
    char *dag_id;
    wchar_t text[128];
    int len;
    char date[64];        /* trigger: the date given; backfill: from */
    char placeholder[64]; /* shown, and used, when the input is empty */
    strlist params;       /* K=V given so far */
    size_t param_index;   /* the declared param being asked for */
    char error[160];
    bool checking; /* the agent is asked whether the trigger date is free */
    unsigned seq;  /* replies for an older question are ignored */
} prompt;

enum confirm_kind { CF_PAUSE, CF_UNPAUSE, CF_BACKFILL };

typedef struct confirm {
    enum confirm_kind kind;
    char *dag_id;
    /* Backfill: the range, and what the agent's dry run said it makes. */
    char from[64], to[64];
    bool loading;
    int count;
    char first[48], last[48];
    unsigned seq;
} confirm;

typedef struct app {
    uv_loop_t *loop;
    tui_conn conn;
    bool connected, ever_connected;
    char conn_error[160];
    char status[256];
    bool status_error;
    int64_t status_at; /* monotonic µs; 0 = no message */

    enum app_screen screen;
    enum overlay overlay;
    scroller help;

    dag_list dags;
    bool dags_loaded, dags_in_flight, dags_stale;
    dag_list dags_part; /* pages of `dags` so far, shown once all came */
    list_view lv;
    grid_view gv;
    log_view logv;
    info_view info;
    dialog dlg;
    prompt pr;
    confirm cf;

    unsigned want;
    bool utf8;
    bool dirty;
    bool quit;
    FILE *trace;

    uv_poll_t input;
    uv_signal_t winch;
    uv_timer_t coalesce, tick, log_timer;
    uv_prepare_t painter;
} app;

void app_init(app *a, uv_loop_t *loop, const char *socket_path);
void app_free(app *a);

/* The status line: a message (kept a few seconds) or an error. */
void app_status(app *a, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Show a refused request's error: "code: message". */
void app_status_reply(app *a, const char *what, const tui_reply *r);

/* A line in the trace file (DAGTOP_TRACE), when there is one. */
void app_trace(app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A reply that only says the connection dropped: nothing to show. */
bool app_reply_dropped(const tui_reply *r);
/* A paged reply's `more` and `next_offset` (-1 when absent). */
void page_info(tj_span result, bool *more, long long *next_offset);
/* The string KEY of O, or "", into BUF. */
void app_json_str(json_t *o, const char *key, char *buf, size_t len);
/* tui_events.c: one event from the agent, applied to the models. */
void app_on_event(void *owner, json_t *ev);

/* Ask for fresh data soon (several wishes become one request each). */
void app_want(app *a, unsigned what);

/* Screens. */
void app_open_grid(app *a, const char *dag_id);
void app_close_grid(app *a);
void app_open_log(app *a);
void app_close_log(app *a);
void app_log_fetch(app *a);

/* Requests the views share. */
void app_send_pause(app *a, const char *dag_id, bool pause);

/* tui_views.c: draw everything now (erase, views, overlays, doupdate). */
void app_draw(app *a);
/* Handle one key; returns RD_* flags. */
int app_key(app *a, int key);

/* The selected DAG id in the list (after the filter), or NULL. */
const char *list_selected(app *a);
/* The DAG list rows that pass the filter: fills IDX, returns the count. */
size_t list_filtered(app *a, size_t *idx, size_t cap);

#endif
