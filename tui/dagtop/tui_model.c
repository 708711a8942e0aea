#include "tui_model.h"
#include "tui_stats.h"
#include "states.h"
#include "timeutil.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* ---- DAG list ---- */

static char *dup_or_null(json_t *v)
{
    return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static int row_cmp(const void *a, const void *b)
{
    return strcmp(((const dag_row *)a)->dag_id, ((const dag_row *)b)->dag_id);
}

static void row_load(dag_row *r, json_t *o)
{
    memset(r, 0, sizeof *r);
    r->dag_id = xstrdup(json_string_value(json_object_get(o, "dag_id")));
    r->paused = json_is_true(json_object_get(o, "paused"));
    r->schedule = dup_or_null(json_object_get(o, "schedule"));
    r->error = dup_or_null(json_object_get(o, "error"));
    r->running = (int)json_integer_value(json_object_get(o, "running"));
    const char *next = json_string_value(json_object_get(o, "next_run_starts_at"));
    if (next && time_parse(next, "UTC", &r->next_start_us, NULL, 0) == 0)
        r->has_next = true;
    json_t *params = json_object_get(o, "params");
    if (json_is_object(params)) {
        r->params_listed = true;
        const char *name;
        json_t *v;
        json_object_foreach(params, name, v)
        {
            strlist_push(&r->param_names, name);
            strlist_push(&r->param_defaults, json_is_string(v) ? json_string_value(v) : "");
        }
    }
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(o, "recent"), i, s)
    {
        if (r->n_recent == RECENT_MAX)
            break;
        int st = run_state_parse(json_string_value(s));
        r->recent[r->n_recent++] = (unsigned char)(st < 0 ? RUN_QUEUED : st);
    }
}

int dag_list_load(dag_list *l, tj_span result)
{
    tj_span rows;
    if (tj_member(result, "dags", &rows)) /* a page {"dags":[…],"more",…} */
        result = rows;
    json_t *arr = tj_parse(result);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return -1;
    }
    dag_list nl = {xcalloc(json_array_size(arr), sizeof(dag_row)), 0};
    size_t i;
    json_t *o;
    json_array_foreach(arr, i, o)
    {
        if (json_is_string(json_object_get(o, "dag_id")))
            row_load(&nl.rows[nl.n++], o);
    }
    json_decref(arr);
    qsort(nl.rows, nl.n, sizeof *nl.rows, row_cmp);
    dag_list_free(l);
    *l = nl;
    return 0;
}

int dag_list_append(dag_list *l, tj_span result)
{
    dag_list more = {0};
    if (dag_list_load(&more, result) != 0)
        return -1;
    l->rows = xrealloc(l->rows, (l->n + more.n + 1) * sizeof *l->rows);
    memcpy(l->rows + l->n, more.rows, more.n * sizeof *more.rows);
    l->n += more.n;
    free(more.rows);
    qsort(l->rows, l->n, sizeof *l->rows, row_cmp);
    return 0;
}

void dag_list_free(dag_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->rows[i].dag_id);
        free(l->rows[i].schedule);
        free(l->rows[i].error);
        strlist_free(&l->rows[i].param_names);
        strlist_free(&l->rows[i].param_defaults);
    }
    free(l->rows);
    l->rows = NULL;
    l->n = 0;
}

int dag_list_find(const dag_list *l, const char *dag_id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->rows[i].dag_id, dag_id) == 0)
            return (int)i;
    return -1;
}

/* ---- grid ---- */

void grid_date_label(const char *iso, char *buf, size_t len)
{
    /* 2026-11-22T03:04:05[.123456]+09:00 */
    size_t n = strlen(iso);
    if (n < 19 || iso[10] != 'T') {
        snprintf(buf, len, "%s", iso);
        return;
    }
    bool midnight = strncmp(iso + 11, "00:00:00", 8) == 0 && iso[19] != '.';
    bool whole_minute = strncmp(iso + 17, "00", 2) == 0 && iso[19] != '.';
    if (midnight)
        snprintf(buf, len, "%.10s", iso);
    else if (whole_minute)
        snprintf(buf, len, "%.10s %.5s", iso, iso + 11);
    else
        snprintf(buf, len, "%.10s %.8s", iso, iso + 11);
}

/* A label as grid_date_label makes it: date, " HH:MM", ":SS". */
static bool dated(const char *l, size_t n)
{
    return (n == 10 || n == 16 || n == 19) && l[4] == '-' && l[7] == '-';
}

int grid_label_len(const grid_model *g)
{
    int len = 10;
    for (size_t i = 0; i < g->n_runs && len < 19; i++) {
        size_t n = strlen(g->runs[i].label);
        if (dated(g->runs[i].label, n) && (int)n > len)
            len = (int)n;
    }
    return len;
}

void grid_row_label(const grid_run *r, int len, char *buf, size_t buflen)
{
    const char *l = r->label;
    size_t n = strlen(l);
    if (!dated(l, n) || (int)n >= len) {
        snprintf(buf, buflen, "%s", l);
        return;
    }
    /* The time a shorter label leaves out is zero. */
    char full[40];
    snprintf(full, sizeof full, "%s%s", l, n == 10 ? " 00:00:00" : ":00");
    snprintf(buf, buflen, "%.*s", len, full);
}

typedef struct loader {
    grid_model *g;
    size_t cap;
    bool bad;
    char version[16]; /* the DAG's current version, "" unknown */
} loader;

static bool load_task_name(void *ud, size_t index, tj_span v)
{
    (void)index;
    loader *ld = ud;
    json_t *s = tj_parse(v);
    if (!json_is_string(s)) {
        ld->bad = true;
        json_decref(s);
        return false;
    }
    grid_model *g = ld->g;
    g->tasks = xrealloc(g->tasks, (g->n_tasks + 1) * sizeof *g->tasks);
    g->tasks[g->n_tasks++] = xstrdup(json_string_value(s));
    json_decref(s);
    return true;
}

static char run_type_char(const char *t, const char *run_id)
{
    const char *s = t ? t : run_id;
    if (!s)
        return '?';
    if (str_starts_with(s, "scheduled"))
        return 's';
    if (str_starts_with(s, "manual"))
        return 'm';
    if (str_starts_with(s, "backfill"))
        return 'b';
    if (str_starts_with(s, "file"))
        return 'f';
    return '?';
}

static bool load_run(void *ud, size_t index, tj_span v)
{
    (void)index;
    loader *ld = ud;
    grid_model *g = ld->g;
    json_t *o = tj_parse(v);
    const char *run_id = json_string_value(json_object_get(o, "run_id"));
    if (!run_id) {
        ld->bad = true;
        json_decref(o);
        return false;
    }
    if (g->n_runs == ld->cap) {
        ld->cap = ld->cap ? ld->cap * 2 : 32;
        g->runs = xrealloc(g->runs, ld->cap * sizeof *g->runs);
        g->cells = xrealloc(g->cells, ld->cap * (g->n_tasks ? g->n_tasks : 1) * sizeof *g->cells);
    }
    grid_run *r = &g->runs[g->n_runs];
    memset(r, 0, sizeof *r);
    r->run_id = xstrdup(run_id);
    const char *ld_iso = json_string_value(json_object_get(o, "logical_date"));
    grid_date_label(ld_iso ? ld_iso : "?", r->label, sizeof r->label);
    if (!ld_iso || time_parse(ld_iso, "UTC", &r->logical_us, NULL, 0) != 0)
        r->logical_us = 0;
    int st = run_state_parse(json_string_value(json_object_get(o, "state")));
    r->state = (unsigned char)(st < 0 ? RUN_QUEUED : st);
    r->run_type = run_type_char(json_string_value(json_object_get(o, "run_type")), run_id);
    const char *version = json_string_value(json_object_get(o, "version"));
    r->old_version = version && ld->version[0] && strcmp(version, ld->version) != 0;
    const char *t0 = json_string_value(json_object_get(o, "start_date"));
    const char *t1 = json_string_value(json_object_get(o, "end_date"));
    if (!t0 || time_parse(t0, "UTC", &r->start_us, NULL, 0) != 0)
        r->start_us = 0;
    if (!t1 || time_parse(t1, "UTC", &r->end_us, NULL, 0) != 0)
        r->end_us = 0;
    json_t *pos = json_object_get(o, "position");
    r->position = json_is_integer(pos) ? json_integer_value(pos) : -1;
    json_t *tasks = json_object_get(o, "tasks");
    for (size_t t = 0; t < g->n_tasks; t++) {
        grid_cell *c = &g->cells[g->n_runs * g->n_tasks + t];
        json_t *ti = json_object_get(tasks, g->tasks[t]);
        int ts = ti ? ti_state_parse(json_string_value(json_object_get(ti, "state"))) : -1;
        c->state = (unsigned char)(ts < 0 ? CELL_ABSENT : ts);
        c->pad = 0;
        c->try_number = (unsigned short)json_integer_value(json_object_get(ti, "try_number"));
        json_t *d = json_object_get(ti, "duration_s");
        double ms = json_is_number(d) ? json_number_value(d) * 1000 : -1;
        c->dur_ms = ms < 0                      ? CELL_NO_DUR
                    : ms >= (double)CELL_NO_DUR ? CELL_NO_DUR - 1
                                                : (uint32_t)ms;
    }
    g->n_runs++;
    json_decref(o);
    return true;
}

int grid_model_load(grid_model *g, tj_span result)
{
    memset(g, 0, sizeof *g);
    g->read_us = time_now_us();
    loader ld = {.g = g};
    tj_span id, tasks, runs;
    char buf[256];
    if (!tj_member(result, "dag_id", &id) || !tj_string(id, buf, sizeof buf) ||
        !tj_member(result, "tasks", &tasks) || !tj_member(result, "runs", &runs))
        return -1;
    g->dag_id = xstrdup(buf);
    tj_span version;
    if (!tj_member(result, "version", &version) ||
        !tj_string(version, ld.version, sizeof ld.version))
        ld.version[0] = '\0';
    if (tj_each_element(tasks, load_task_name, &ld) || ld.bad ||
        tj_each_element(runs, load_run, &ld) || ld.bad) {
        grid_model_free(g);
        return -1;
    }
    return 0;
}

int grid_model_merge(grid_model *into, grid_model *page, bool columns)
{
    if (strcmp(into->dag_id, page->dag_id) != 0) {
        grid_model_free(page);
        return -1;
    }
    size_t nt = into->n_tasks;
    if (!columns) { /* more rows of the same columns */
        if (page->n_tasks != nt) {
            grid_model_free(page);
            return -1;
        }
        into->runs = xrealloc(into->runs, (into->n_runs + page->n_runs + 1) * sizeof *into->runs);
        into->cells =
            xrealloc(into->cells, ((into->n_runs + page->n_runs) * nt + 1) * sizeof *into->cells);
        for (size_t i = 0; i < page->n_runs; i++) {
            if (grid_find_run(into, page->runs[i].run_id) >= 0)
                continue; /* seen on the page before */
            into->runs[into->n_runs] = page->runs[i];
            page->runs[i].run_id = NULL;
            memcpy(into->cells + into->n_runs * nt, page->cells + i * nt, nt * sizeof *into->cells);
            into->n_runs++;
        }
        grid_model_free(page);
        return 0;
    }
    /* Columns for the rows already known: the first page of a window adds
     * them (absent until filled), every page fills its rows' cells. */
    int base = page->n_tasks ? grid_find_task(into, page->tasks[0]) : (int)nt;
    if (base < 0) {
        size_t wide = nt + page->n_tasks;
        grid_cell *cells = xmalloc((into->n_runs * wide + 1) * sizeof *cells);
        for (size_t r = 0; r < into->n_runs; r++) {
            memcpy(cells + r * wide, into->cells + r * nt, nt * sizeof *cells);
            for (size_t t = nt; t < wide; t++)
                cells[r * wide + t] = (grid_cell){CELL_ABSENT, 0, 0, CELL_NO_DUR};
        }
        free(into->cells);
        into->cells = cells;
        into->tasks = xrealloc(into->tasks, (wide + 1) * sizeof *into->tasks);
        for (size_t t = 0; t < page->n_tasks; t++)
            into->tasks[nt + t] = xstrdup(page->tasks[t]);
        into->n_tasks = wide;
        base = (int)nt;
    } else if ((size_t)base + page->n_tasks > nt) {
        grid_model_free(page);
        return -1;
    }
    for (size_t pr = 0; pr < page->n_runs; pr++) {
        int r = grid_find_run(into, page->runs[pr].run_id);
        if (r < 0)
            continue; /* a run newer than the grid's rows: the next reload has it */
        memcpy(grid_cell_at(into, (size_t)r, (size_t)base), page->cells + pr * page->n_tasks,
               page->n_tasks * sizeof *into->cells);
    }
    grid_model_free(page);
    return 0;
}

void grid_model_free(grid_model *g)
{
    for (size_t i = 0; i < g->n_tasks; i++)
        free(g->tasks[i]);
    for (size_t i = 0; i < g->n_runs; i++)
        free(g->runs[i].run_id);
    free(g->tasks);
    free(g->runs);
    free(g->cells);
    free(g->dag_id);
    memset(g, 0, sizeof *g);
}

int grid_find_run(const grid_model *g, const char *run_id)
{
    for (size_t i = 0; i < g->n_runs; i++)
        if (strcmp(g->runs[i].run_id, run_id) == 0)
            return (int)i;
    return -1;
}

int grid_find_task(const grid_model *g, const char *task_id)
{
    for (size_t i = 0; i < g->n_tasks; i++)
        if (strcmp(g->tasks[i], task_id) == 0)
            return (int)i;
    return -1;
}

grid_cell *grid_cell_at(const grid_model *g, size_t run, size_t task)
{
    return &g->cells[run * g->n_tasks + task];
}

bool grid_apply_task(grid_model *g, const char *run_id, const char *task_id, int state,
                     int try_number)
{
    int r = grid_find_run(g, run_id);
    int t = grid_find_task(g, task_id);
    if (r < 0 || t < 0 || state < 0 || state >= TI_STATE_COUNT)
        return false;
    grid_cell *c = grid_cell_at(g, (size_t)r, (size_t)t);
    if (c->state != state)
        c->dur_ms = CELL_NO_DUR; /* until the grid is read again */
    c->state = (unsigned char)state;
    if (try_number >= 0)
        c->try_number = (unsigned short)try_number;
    return true;
}

bool grid_apply_run(grid_model *g, const char *run_id, int state)
{
    int r = grid_find_run(g, run_id);
    if (r < 0 || state < 0 || state >= RUN_STATE_COUNT)
        return false;
    g->runs[r].state = (unsigned char)state;
    return true;
}

int grid_insert_run(grid_model *g, const char *run_id, const char *logical_iso, int state)
{
    int64_t us;
    if (!logical_iso || time_parse(logical_iso, "UTC", &us, NULL, 0) != 0)
        return -1;
    size_t at = 0;
    while (at < g->n_runs && g->runs[at].logical_us > us)
        at++;
    g->runs = xrealloc(g->runs, (g->n_runs + 1) * sizeof *g->runs);
    size_t nt = g->n_tasks;
    g->cells = xrealloc(g->cells, (g->n_runs + 1) * (nt ? nt : 1) * sizeof *g->cells);
    memmove(g->runs + at + 1, g->runs + at, (g->n_runs - at) * sizeof *g->runs);
    memmove(g->cells + (at + 1) * nt, g->cells + at * nt, (g->n_runs - at) * nt * sizeof *g->cells);
    grid_run *r = &g->runs[at];
    memset(r, 0, sizeof *r);
    r->run_id = xstrdup(run_id);
    r->logical_us = us;
    grid_date_label(logical_iso, r->label, sizeof r->label);
    r->state = (unsigned char)(state >= 0 && state < RUN_STATE_COUNT ? state : RUN_QUEUED);
    r->run_type = run_type_char(NULL, run_id);
    r->position = -1;
    for (size_t t = 0; t < nt; t++)
        g->cells[at * nt + t] = (grid_cell){TI_NONE, 0, 0, CELL_NO_DUR};
    g->n_runs++;
    return (int)at;
}

uint32_t grid_task_median(const grid_model *g, size_t task, size_t from, size_t to, size_t *samples)
{
    uint32_t v[512];
    size_t n = 0;
    for (size_t r = from; r < to && r < g->n_runs && n < sizeof v / sizeof *v; r++) {
        const grid_cell *c = &g->cells[r * g->n_tasks + task];
        if (c->state == TI_SUCCESS && c->dur_ms != CELL_NO_DUR)
            v[n++] = c->dur_ms;
    }
    *samples = n;
    return stats_median(v, n);
}

bool grid_find_state(const grid_model *g, const int *cols, int n, int state, int dir, int *run,
                     int *k)
{
    if (n <= 0 || g->n_runs == 0)
        return false;
    long pos = (long)*run * n + *k, end = (long)g->n_runs * n;
    for (pos += dir; pos >= 0 && pos < end; pos += dir) {
        long r = pos / n, c = pos % n;
        if (g->cells[r * (long)g->n_tasks + cols[c]].state == state) {
            *run = (int)r;
            *k = (int)c;
            return true;
        }
    }
    return false;
}

void grid_filter_split(const char *filter, int *state, char *task, size_t len)
{
    *state = -1;
    task[0] = '\0';
    size_t k = 0;
    for (const char *p = filter; *p;) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t n = (size_t)(p - w);
        if (n > 6 && strncmp(w, "state:", 6) == 0) {
            char name[32];
            snprintf(name, sizeof name, "%.*s", (int)(n - 6), w + 6);
            *state = ti_state_parse(name);
        } else if (n && k + n + 2 < len) {
            if (k)
                task[k++] = ' ';
            memcpy(task + k, w, n);
            k += n;
            task[k] = '\0';
        }
    }
}
