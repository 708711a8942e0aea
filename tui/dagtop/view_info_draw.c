/* Drawing the views of view_info.c. Each walks its reply line by line
 * through an emitter that knows which lines are on screen, so the
 * scroller gets the count and only visible lines are drawn. */
#include "states.h"
#include "timeutil.h"
#include "tui_draw.h"
#include "tui_stats.h"
#include "tui_theme.h"
#include "tui_views.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct em {
    int y0, rows, top, n;
} em;

/* The screen row of the next line, or -1 when it is scrolled off. */
static int em_y(em *e)
{
    int y = e->y0 + e->n - e->top;
    e->n++;
    return y >= e->y0 && y < e->y0 + e->rows ? y : -1;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* "2026-12-01T13:00:55.2+00:00" as "2026-12-01 13:00:55". */
static void when(const char *iso, char *buf, size_t len)
{
    if (!iso || strlen(iso) < 19) {
        snprintf(buf, len, "-");
        return;
    }
    snprintf(buf, len, "%.10s %.8s", iso, iso + 11);
}

static void took(json_t *d, char *buf, size_t len)
{
    if (json_is_number(d))
        text_duration((int64_t)(json_number_value(d) * 1e6), buf, len);
    else
        snprintf(buf, len, "-");
}

/* S wrapped over lines of WIDTH columns from column X, indented. */
static void em_wrapped(em *e, int x, int width, attr_t at, const char *s)
{
    size_t n = strlen(s);
    do {
        int w;
        size_t k = text_fit(s, n, width, &w);
        if (k == 0)
            k = 1;
        /* Between words when the line has a space to break at. */
        if (k < n) {
            size_t sp = k;
            while (sp > 0 && s[sp] != ' ')
                sp--;
            if (sp > 0)
                k = sp + 1;
        }
        int y = em_y(e);
        if (y >= 0) {
            char part[1024];
            snprintf(part, sizeof part, "%.*s", (int)(k < sizeof part - 1 ? k : sizeof part - 1),
                     s);
            draw_text(y, x, width, at, part);
        }
        s += k;
        n -= k;
    } while (n > 0);
}

static int field(int y, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int field(int y, const char *label, const char *fmt, ...)
{
    if (y < 0)
        return 0;
    draw_text(y, 1, 10, theme_attr(ROLE_HEADER), label);
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return draw_text(y, 11, COLS - 12, A_NORMAL, buf);
}

static int64_t parse_time(json_t *o, const char *key)
{
    int64_t t;
    const char *s = json_string_value(json_object_get(o, key));
    return s && time_parse(s, "UTC", &t, NULL, 0) == 0 ? t : 0;
}

/* ---- R: the run ---- */

#define GANTT_NAME_W 18

static void draw_run(app *a, em *e)
{
    info_view *iv = &a->info;
    json_t *o = iv->data;
    const char *type = str(o, "run_type");
    char t0[32], t1[32], d[32];
    when(json_string_value(json_object_get(o, "start_date")), t0, sizeof t0);
    when(json_string_value(json_object_get(o, "end_date")), t1, sizeof t1);
    took(json_object_get(o, "duration_s"), d, sizeof d);
    int state = run_state_parse(str(o, "state"));
    int y = em_y(e);
    if (y >= 0) {
        int x = field(y, "run", "%s  ", type);
        draw_text(y, 11 + x, 2, theme_run_attr(state), theme_run_glyph(state, a->utf8));
        draw_textf(y, 13 + x, COLS - 14 - x, A_NORMAL, " %s", str(o, "state"));
    }
    json_t *by = json_object_get(o, "triggered_by");
    char at[32];
    when(json_string_value(json_object_get(by, "time")), at, sizeof at);
    if (json_is_object(by))
        field(em_y(e), "by", "%s (uid %lld), %s at %s", str(by, "user"),
              (long long)json_integer_value(json_object_get(by, "uid")), str(by, "action"), at);
    else
        field(em_y(e), "by", "%s", strcmp(type, "scheduled") == 0 ? "the scheduler" : "-");
    char *params = json_dumps(json_object_get(o, "params"), JSON_COMPACT);
    field(em_y(e), "params", "%s", params ? params : "{}");
    free(params);
    field(em_y(e), "start", "%s   end %s   took %s", t0, t1, d);
    const char *version = json_string_value(json_object_get(o, "version"));
    field(em_y(e), "version", "%s", version ? version : "- (from before versions)");
    em_y(e);

    /* The axis: from the run's start to its end (or now, while it runs). */
    int64_t axis0 = parse_time(o, "start_date"), axis1 = parse_time(o, "end_date");
    if (!axis1)
        axis1 = time_now_us();
    int bar_w = COLS - GANTT_NAME_W - 3 - 7;
    json_t *tasks = json_object_get(o, "tasks");
    size_t i;
    json_t *t;
    y = em_y(e);
    if (y >= 0) {
        long long off = iv->offset, n = (long long)json_array_size(tasks);
        draw_textf(y, 1, COLS - 2, theme_attr(ROLE_HEADER), "tasks %lld-%lld of %lld%s", off + 1,
                   off + n, (long long)json_integer_value(json_object_get(o, "n_tasks")),
                   iv->more || off ? "   [ ] pages" : "");
    }
    const char *full = a->utf8 ? "█" : "#";
    json_array_foreach(tasks, i, t)
    {
        y = em_y(e);
        if (y < 0)
            continue;
        int st = ti_state_parse(str(t, "state"));
        draw_text(y, 1, GANTT_NAME_W, A_NORMAL, str(t, "task_id"));
        draw_text(y, GANTT_NAME_W + 1, 1, theme_ti_attr(st), theme_ti_glyph(st, a->utf8));
        int x0, w;
        int base = GANTT_NAME_W + 3;
        draw_text(y, base - 1, 1, theme_attr(ROLE_DIM), "|");
        draw_text(y, base + bar_w, 1, theme_attr(ROLE_DIM), "|");
        if (stats_gantt_bar(axis0, axis1, parse_time(t, "start_date"), parse_time(t, "end_date"),
                            bar_w, &x0, &w)) {
            attrset(theme_ti_attr(st));
            for (int k = 0; k < w; k++)
                mvaddstr(y, base + x0 + k, full);
            attrset(A_NORMAL);
            char dd[32];
            took(json_object_get(t, "duration_s"), dd, sizeof dd);
            draw_text(y, base + bar_w + 2, COLS - base - bar_w - 2, A_NORMAL, dd);
        } else {
            draw_text(y, base + 1, bar_w, theme_attr(ROLE_DIM), "not started");
        }
    }
}

/* ---- r: what the tries ran ---- */

static void draw_command(app *a, em *e)
{
    json_t *o = a->info.data;
    json_t *tries = json_object_get(o, "tries");
    size_t n = json_array_size(tries);
    if (n == 0)
        em_wrapped(e, 1, COLS - 2, theme_attr(ROLE_DIM), "no try yet: the task has not started");
    if (json_is_string(json_object_get(o, "node")))
        field(em_y(e), "node", "%s", str(o, "node"));
    /* The latest try first: what ran last is what is asked about most. */
    for (size_t k = n; k-- > 0;) {
        json_t *t = json_array_get(tries, k);
        char t0[32], d[32];
        when(json_string_value(json_object_get(t, "start")), t0, sizeof t0);
        took(json_object_get(t, "duration_s"), d, sizeof d);
        int st = ti_state_parse(str(t, "state"));
        int y = em_y(e);
        if (y >= 0) {
            int x = draw_textf(y, 1, COLS - 2, A_BOLD, "try %lld of %zu  ",
                               (long long)json_integer_value(json_object_get(t, "try")), n);
            x += draw_text(y, 1 + x, 2, theme_ti_attr(st), theme_ti_glyph(st, a->utf8));
            draw_textf(y, 2 + x, COLS - 3 - x, A_NORMAL, " %s  %s  start %s  took %s",
                       str(t, "state"), str(t, "executor"), t0, d);
        }
        if (json_is_string(json_object_get(t, "image")))
            field(em_y(e), "image", "%s", str(t, "image"));
        if (json_is_string(json_object_get(t, "node")))
            field(em_y(e), "node", "%s", str(t, "node"));
        const char *cmd = json_string_value(json_object_get(t, "command"));
        field(em_y(e), "command", "%s", cmd ? "" : "(not recorded: an older agent ran it)");
        if (cmd)
            em_wrapped(e, 3, COLS - 4, A_NORMAL, cmd);
        char names[2048];
        size_t kk = 0, j;
        json_t *nm;
        names[0] = '\0';
        json_array_foreach(json_object_get(t, "env_names"), j, nm)
        {
            kk += (size_t)snprintf(names + kk, sizeof names - kk, "%s%s", j ? " " : "",
                                   json_string_value(nm));
            if (kk >= sizeof names)
                break;
        }
        field(em_y(e), "env", "%s", names[0] ? "(names only)" : "-");
        if (names[0])
            em_wrapped(e, 3, COLS - 4, theme_attr(ROLE_DIM), names);
        em_y(e);
    }
}

/* ---- A: the audit ---- */

static void draw_audit(app *a, em *e)
{
    info_view *iv = &a->info;
    json_t *list = json_object_get(iv->data, "audit");
    size_t i;
    json_t *r;
    int y = em_y(e);
    if (y >= 0)
        draw_textf(y, 1, COLS - 2, theme_attr(ROLE_HEADER), "records %lld-%lld, newest first%s",
                   iv->offset + 1, iv->offset + (long long)json_array_size(list),
                   iv->more || iv->offset ? "   [ ] pages" : "");
    if (json_array_size(list) == 0)
        em_wrapped(e, 1, COLS - 2, theme_attr(ROLE_DIM), "no audit records for this DAG");
    json_array_foreach(list, i, r)
    {
        y = em_y(e);
        if (y < 0)
            continue;
        char t[32];
        when(json_string_value(json_object_get(r, "time")), t, sizeof t);
        int x = draw_textf(y, 1, COLS - 2, theme_attr(ROLE_DIM), "%s ", t);
        x += draw_textf(y, 1 + x, COLS - 2 - x, A_BOLD, "%-9s ", str(r, "user"));
        x += draw_textf(y, 1 + x, COLS - 2 - x, A_NORMAL, "%-9s ", str(r, "action"));
        draw_textf(y, 1 + x, COLS - 2 - x, A_NORMAL, "%s %s %s", str(r, "run_id"),
                   str(r, "task_id"), str(r, "detail"));
    }
}

/* ---- u: the dependencies ---- */

static void draw_dep_list(app *a, em *e, const char *what, const strlist *ids, int n)
{
    grid_view *gv = &a->gv;
    int run = grid_find_run(&gv->g, a->info.run_id);
    field(em_y(e), what, "%d", n);
    for (size_t i = 0; i < ids->n; i++) {
        int y = em_y(e);
        if (y < 0)
            continue;
        int t = grid_find_task(&gv->g, ids->items[i]);
        int st =
            run >= 0 && t >= 0 ? grid_cell_at(&gv->g, (size_t)run, (size_t)t)->state : CELL_ABSENT;
        draw_text(y, 3, 2, theme_ti_attr(st), theme_ti_glyph(st, a->utf8));
        draw_textf(y, 5, COLS - 6, A_NORMAL, "%-16s %s",
                   st == CELL_ABSENT ? "-" : ti_state_name(st), ids->items[i]);
    }
    if ((size_t)n > ids->n)
        em_wrapped(e, 3, COLS - 4, theme_attr(ROLE_DIM),
                   "(and more: the agent lists the first 100)");
    em_y(e);
}

static void draw_deps(app *a, em *e)
{
    grid_view *gv = &a->gv;
    if (!gv->det.valid || strcmp(gv->det.task_id, a->info.task_id) != 0) {
        em_wrapped(e, 1, COLS - 2, theme_attr(ROLE_DIM), "loading…");
        return;
    }
    draw_dep_list(a, e, "upstream", &gv->det_up, gv->det.n_up);
    draw_dep_list(a, e, "downstream", &gv->det_down, gv->det.n_down);
}

void info_draw(app *a)
{
    info_view *iv = &a->info;
    static const char *const names[] = {"Run", "Command", "Audit", "Dependencies"};
    attr_t bar = theme_attr(ROLE_BAR);
    draw_fill(0, 0, COLS, bar);
    draw_textf(0, 0, COLS - 8, bar | A_BOLD, " %s  %s%s%s%s%s", names[iv->kind], iv->dag_id,
               iv->task_id && iv->kind != INFO_RUN ? "  " : "",
               iv->task_id && iv->kind != INFO_RUN ? iv->task_id : "", iv->run_id ? "  " : "",
               iv->run_id ? iv->run_id : "");
    draw_text(0, COLS - 7, 7, bar, "? help ");
    em e = {.y0 = 1, .rows = LINES - 2, .top = iv->sc.top};
    if (iv->kind == INFO_DEPS)
        draw_deps(a, &e);
    else if (!iv->data)
        em_wrapped(&e, 1, COLS - 2, iv->error[0] ? theme_attr(ROLE_ERROR) : theme_attr(ROLE_DIM),
                   iv->error[0] ? iv->error : "loading…");
    else if (iv->kind == INFO_RUN)
        draw_run(a, &e);
    else if (iv->kind == INFO_COMMAND)
        draw_command(a, &e);
    else
        draw_audit(a, &e);
    iv->lines = e.n;
}
